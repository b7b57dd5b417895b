//! `cargo xtask bench`: the native runner's speed targets (`concur bench`);
//! `cargo xtask bench-web`: the playground's, measured in headless Chromium
//! beside the native runner (tests/browser/bench.cjs): its weight (the
//! compressed bytes a first visit to `concur serve` transfers before the
//! first lesson is usable and before the first Run, and what only
//! db-inserts adds), the time to a usable first lesson, and its speed.

use crate::setup::tools_dir;
use crate::{root, run, web};
use anyhow::{Context, Result, bail};

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

pub fn bench_web() -> Result<()> {
    let dist = web::build()?;
    run("cargo", &["build", "--release", "--package", "concur"])?;
    let status = std::process::Command::new("node")
        .arg("tests/browser/bench.cjs")
        .current_dir(root())
        .env("NODE_PATH", tools_dir().join("node_modules"))
        .env(
            "CONCUR_BIN",
            root().join("target").join("release").join("concur"),
        )
        .env("CONCUR_DIST", dist)
        .status()
        .context("cannot start node")?;
    if !status.success() {
        bail!("the playground benchmark failed ({status})");
    }
    Ok(())
}
