//! `cargo xtask setup`: make sure the toolchain has what the checks need.
//!
//! The native build needs only stable Rust with rustfmt and clippy. Each
//! step first looks whether its tool is already there, so a second run takes
//! a moment.

use crate::{output, run};
use anyhow::Result;

const COMPONENTS: [&str; 2] = ["rustfmt", "clippy"];

pub fn setup() -> Result<()> {
    let installed = output("rustup", &["component", "list", "--installed"])?;
    for component in COMPONENTS {
        if installed.lines().any(|line| line.starts_with(component)) {
            eprintln!("setup: {component} is installed");
        } else {
            run("rustup", &["component", "add", component])?;
        }
    }
    Ok(())
}
