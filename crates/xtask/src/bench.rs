//! `cargo xtask bench`: builds the release runner and runs `concur bench`.

use crate::run;
use anyhow::Result;

pub fn bench() -> Result<()> {
    run(
        "cargo",
        &[
            "run",
            "--release",
            "--quiet",
            "--package",
            "concur",
            "--",
            "bench",
        ],
    )
}
