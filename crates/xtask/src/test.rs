//! `cargo xtask test`: everything CI runs, in the order that fails fastest:
//! style and lints, the workspace's Rust tests, `cargo install --path
//! native` into a scratch root, the Windows build under wine
//! and the macOS build (`cross.rs`, `cross_macos.rs`), then the playground built for real and
//! driven in headless Chromium.

use crate::setup::tools_dir;
use crate::{root, run, setup::setup_web, web};
use anyhow::{Context, Result, bail};

pub fn test() -> Result<()> {
    setup_web()?;
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
    // The page's own binary is built without SQLite: lint that variant too.
    run(
        "cargo",
        &[
            "clippy",
            "--package",
            "concur-web",
            "--no-default-features",
            "--all-targets",
            "--",
            "-D",
            "warnings",
        ],
    )?;
    run("cargo", &["test", "--workspace"])?;
    install_check()?;
    crate::cross::cross_tests()?;
    browser_tests()?;
    eprintln!("xtask test: all checks passed");
    Ok(())
}

/// `cargo install --path native` as the README has it (`--locked`, into a
/// scratch root, sharing the workspace's debug build so it takes seconds),
/// then the installed binary prints its version, its completions and its
/// man page.
fn install_check() -> Result<()> {
    let install_root = root().join("target").join("install-check");
    let target_dir = root().join("target");
    run(
        "cargo",
        &[
            "install",
            "--path",
            "native",
            "--locked",
            "--debug",
            "--force",
            "--root",
            &install_root.to_string_lossy(),
            "--target-dir",
            &target_dir.to_string_lossy(),
        ],
    )?;
    let installed = install_root.join("bin").join("concur");
    for args in [&["--version"][..], &["completions", "bash"], &["man"]] {
        let out = std::process::Command::new(&installed)
            .args(args)
            .output()
            .with_context(|| format!("cannot start {}", installed.display()))?;
        if !out.status.success() || out.stdout.is_empty() {
            bail!(
                "the installed concur failed `{}`: {}",
                args.join(" "),
                String::from_utf8_lossy(&out.stderr)
            );
        }
    }
    eprintln!("xtask test: cargo install --path native works");
    Ok(())
}

/// Builds the page and the runner, then runs tests/browser with node's test runner.
fn browser_tests() -> Result<()> {
    let dist = web::build()?;
    run("cargo", &["build", "--package", "concur"])?;
    eprintln!("$ node --test tests/browser/");
    let status = std::process::Command::new("node")
        .args(["--test", "--test-concurrency=1", "tests/browser/"])
        .current_dir(root())
        .env("NODE_PATH", tools_dir().join("node_modules"))
        .env(
            "CONCUR_BIN",
            root().join("target").join("debug").join("concur"),
        )
        .env("CONCUR_DIST", dist)
        .status()
        .context("cannot start node")?;
    if !status.success() {
        bail!("browser tests failed ({status}); screenshots are in target/browser-tests/");
    }
    Ok(())
}
