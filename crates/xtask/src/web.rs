//! `cargo xtask web` (and `cargo xtask dist`): builds the playground into
//! dist/ with trunk, then makes it deployable (`dist.rs`): one build, always
//! safe under a sub-path, serves `cargo xtask play`, the tests and a static
//! host alike.
//!
//! Only this build is threaded: it runs on nightly with atomics, shared
//! memory and build-std, set here through the environment, in a target
//! directory of its own, so the native workspace stays on stable and is
//! never rebuilt by it.

use crate::root;
use crate::setup::{NIGHTLY, setup_web_build, tool_path};
use anyhow::{Context, Result, bail};
use std::path::PathBuf;
use std::process::Command;

/// Flags for a wasm32 build whose memory Web Workers can share.
const THREAD_RUSTFLAGS: &str = "-C target-feature=+atomics,+bulk-memory,+mutable-globals \
-C link-arg=--shared-memory -C link-arg=--import-memory -C link-arg=--max-memory=1073741824 \
-C link-arg=--export=__wasm_init_tls -C link-arg=--export=__tls_size \
-C link-arg=--export=__tls_align -C link-arg=--export=__tls_base";

/// clang's flags for SQLite's C source in the threaded build: shared
/// memory needs atomics and bulk memory, and clang allows thread-locals on
/// wasm32 outside Emscripten only in the local-exec model.
const THREAD_CFLAGS: &str = "-matomics -mbulk-memory -ftls-model=local-exec";

fn web_command(program: &str) -> Command {
    let mut command = Command::new(program);
    command
        .current_dir(root())
        .env("PATH", tool_path())
        .env("RUSTUP_TOOLCHAIN", NIGHTLY)
        .env("CARGO_TARGET_DIR", root().join("target").join("web"))
        .env(
            "CARGO_TARGET_WASM32_UNKNOWN_UNKNOWN_RUSTFLAGS",
            THREAD_RUSTFLAGS,
        )
        .env("CARGO_UNSTABLE_BUILD_STD", "panic_abort,std")
        .env("CFLAGS_wasm32_unknown_unknown", THREAD_CFLAGS);
    command
}

fn run(mut command: Command, what: &str) -> Result<()> {
    eprintln!("$ {what}");
    let status = command
        .status()
        .with_context(|| format!("cannot start {what}"))?;
    if !status.success() {
        bail!("`{what}` failed with {status}");
    }
    Ok(())
}

/// Builds the page (release), finishes it for any static host, and returns
/// the dist directory.
pub fn build() -> Result<PathBuf> {
    setup_web_build()?;
    // A plain cargo build first: it may download build-std's own crates,
    // which trunk's offline build below must not try to do. (The runner
    // has every dependency; the page's binary is built without SQLite.)
    let mut cargo = web_command("cargo");
    cargo.args([
        "build",
        "--release",
        "--target",
        "wasm32-unknown-unknown",
        "--package",
        "concur-web",
        "--bin",
        "runner",
    ]);
    run(cargo, "cargo build (web, wasm32, threads)")?;
    let mut trunk = web_command("trunk");
    trunk.args(["build", "index.html", "--release=true", "--offline=true"]);
    run(trunk, "trunk build index.html --release --offline")?;
    let dist = root().join("dist");
    let hash = crate::dist::finish(&dist)?;
    crate::dist::describe(&dist, &hash)
}
