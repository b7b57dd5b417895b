//! `cargo xtask test`: everything CI runs, in the order that fails fastest.

use crate::{run, setup::setup};
use anyhow::Result;

pub fn test() -> Result<()> {
    setup()?;
    run("cargo", &["fmt", "--all", "--", "--check"])?;
    run(
        "cargo",
        &[
            "clippy",
            "--workspace",
            "--all-targets",
            "--",
            "-D",
            "warnings",
        ],
    )?;
    run("cargo", &["test", "--workspace"])?;
    eprintln!("xtask test: all checks passed");
    Ok(())
}
