//! `cargo xtask`: developer tasks, one file per subcommand.
//!
//! - `setup`: install what building and testing need (idempotent, quick when
//!   done); `setup --no-browser`: only what building the page needs;
//! - `play`: build the playground and serve it (the README's main command);
//! - `web`: build the playground into dist/;
//! - `dist`: the same build, which is deployable as it is: one static folder
//!   that works on any static host under any sub-path (`dist.rs`);
//! - `test`: setup, then format check, clippy and every test, the Windows
//!   build under wine and the macOS build (`cross.rs`) (what `.ci/run` calls);
//! - `cross`: only the cross part of `setup` and `test`;
//! - `bench`, `bench-web`: the speed targets of the native runner and of the
//!   playground, printed as ratios from one run.

mod bench;
mod cross;
mod cross_macos;
mod dist;
mod dist_snippets;
mod dist_sri;
mod play;
mod setup;
mod test;
#[cfg(test)]
mod tidy;
mod web;

use anyhow::{Context, Result, bail};
use std::path::{Path, PathBuf};
use std::process::Command;

/// The workspace root (two levels above this crate).
fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .ancestors()
        .nth(2)
        .expect("crates/xtask sits two levels below the root")
        .to_path_buf()
}

/// Runs a command in the workspace root, echoing it, failing on a non-zero exit.
fn run(program: &str, args: &[&str]) -> Result<()> {
    eprintln!("$ {program} {}", args.join(" "));
    let status = Command::new(program)
        .args(args)
        .current_dir(root())
        .status()
        .with_context(|| format!("cannot start {program}"))?;
    if !status.success() {
        bail!("`{program} {}` failed with {status}", args.join(" "));
    }
    Ok(())
}

/// Runs a command and returns its standard output.
fn output(program: &str, args: &[&str]) -> Result<String> {
    let out = Command::new(program)
        .args(args)
        .current_dir(root())
        .output()
        .with_context(|| format!("cannot start {program}"))?;
    if !out.status.success() {
        bail!(
            "`{program} {}` failed: {}",
            args.join(" "),
            String::from_utf8_lossy(&out.stderr).trim()
        );
    }
    Ok(String::from_utf8_lossy(&out.stdout).into_owned())
}

fn main() -> Result<()> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    match args.first().map(String::as_str) {
        Some("setup") if args.get(1).is_some_and(|arg| arg == "--no-browser") => {
            setup::setup_web_build()
        }
        Some("setup") => setup::setup_web(),
        Some("play") => play::play(&args[1..]),
        Some("web") => web::build().map(|dist| eprintln!("built the page into {}", dist.display())),
        Some("dist") => web::build().map(|dist| {
            eprintln!(
                "{} is ready to publish on any static host (GitHub Pages: .github/workflows/pages.yml)",
                dist.display()
            )
        }),
        Some("test") => test::test(),
        Some("cross") => cross::setup_cross().and_then(|()| cross::cross_tests()),
        Some("bench") => bench::bench(),
        Some("bench-web") => bench::bench_web(),
        Some(other) => {
            bail!(
                "unknown task \"{other}\": use setup, play, web, dist, test, cross, bench or bench-web"
            )
        }
        None => bail!(
            "usage: cargo xtask setup | play | web | dist | test | cross | bench | bench-web"
        ),
    }
}
