//! `cargo xtask setup`: install what building and testing need.
//!
//! Each step first looks whether its tool is already there at the right
//! version, so a second run takes seconds. Native checks need rustfmt and
//! clippy; the web build needs the wasm32 target (stable and nightly), the
//! nightly toolchain pinned by date in [`NIGHTLY`] with its rust-src (for
//! build-std), installed by rustup when missing, so a learner's machine
//! needs only rustup, Node.js and a package manager, and a newer nightly
//! cannot break the threaded build unseen; trunk, the wasm-bindgen CLI at the
//! exact version Cargo.lock pins, and wasm-opt from npm's binaryen (Debian's
//! is too old to read today's wasm), and Debian's clang (SQLite's C source
//! is compiled to wasm32 for the page); browser tests need Debian's chromium
//! and chromium-driver, and playwright-core and axe-core from npm. The cross
//! builds' tools (`cross.rs`) install through [`apt_install`] and
//! [`pip_install`] (zig and cargo-zigbuild come from PyPI).

use crate::{output, root, run};
use anyhow::{Context, Result, bail};
use std::path::PathBuf;

const COMPONENTS: [&str; 2] = ["rustfmt", "clippy"];
/// trunk 0.21 builds on stable 1.95; 0.22 would need rustc 1.96.1.
pub const TRUNK_VERSION: &str = "0.21.14";
/// npm's binaryen package; its version names wasm-opt's (Trunk.toml pins it).
pub const BINARYEN_VERSION: &str = "132";
/// The nightly the threaded web build uses (atomics, build-std), by the
/// date of its release channel: `rustc 1.97.0-nightly (e50aa6fba
/// 2026-05-19)`, published as the nightly of 2026-05-20. Move it on
/// deliberately, after a full `cargo xtask test` on the new one.
pub const NIGHTLY: &str = "nightly-2026-05-20";

/// Where npm-installed tools live (wasm-opt, playwright-core).
pub fn tools_dir() -> PathBuf {
    root().join("target").join("tools")
}

/// The PATH that puts wasm-opt and cargo-installed tools first.
pub fn tool_path() -> String {
    let mut dirs = vec![tools_dir().join("node_modules").join(".bin")];
    if let Some(home) = std::env::var_os("CARGO_HOME") {
        dirs.push(PathBuf::from(home).join("bin"));
    } else if let Some(home) = std::env::var_os("HOME") {
        dirs.push(PathBuf::from(home).join(".cargo").join("bin"));
    }
    let mut path = std::env::join_paths(dirs).expect("tool dirs are valid in PATH");
    if let Some(old) = std::env::var_os("PATH") {
        path.push(":");
        path.push(old);
    }
    path.to_string_lossy().into_owned()
}

/// What the native checks need.
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

/// The version of wasm-bindgen that Cargo.lock pins.
pub fn locked_wasm_bindgen() -> Result<String> {
    let lock = std::fs::read_to_string(root().join("Cargo.lock")).context("reading Cargo.lock")?;
    let mut lines = lock.lines();
    while let Some(line) = lines.next() {
        if line == "name = \"wasm-bindgen\""
            && let Some(version) = lines.next().and_then(|l| l.strip_prefix("version = \""))
        {
            return Ok(version.trim_end_matches('"').to_string());
        }
    }
    bail!("Cargo.lock pins no wasm-bindgen: is the web crate in the workspace?")
}

/// The first line a tool prints for `--version`, or None if it is absent.
fn version_of(program: &str, path: &str) -> Option<String> {
    let out = std::process::Command::new(program)
        .arg("--version")
        .env("PATH", path)
        .output()
        .ok()?;
    out.status.success().then(|| {
        String::from_utf8_lossy(&out.stdout)
            .lines()
            .next()
            .unwrap_or("")
            .to_string()
    })
}

fn ensure_target(toolchain: &str) -> Result<()> {
    let installed = output(
        "rustup",
        &["target", "list", "--installed", "--toolchain", toolchain],
    )?;
    if installed
        .lines()
        .any(|line| line == "wasm32-unknown-unknown")
    {
        eprintln!("setup: wasm32-unknown-unknown ({toolchain}) is installed");
        Ok(())
    } else {
        run(
            "rustup",
            &[
                "target",
                "add",
                "wasm32-unknown-unknown",
                "--toolchain",
                toolchain,
            ],
        )
    }
}

/// True when `rustup toolchain list` output names `toolchain` (for any host).
fn lists_toolchain(list: &str, toolchain: &str) -> bool {
    list.lines()
        .any(|line| line.starts_with(&format!("{toolchain}-")))
}

/// Installs the pinned nightly with what the web build needs from it, if
/// rustup does not have it yet (a minimal profile: no docs, no lints).
fn ensure_nightly() -> Result<()> {
    if lists_toolchain(&output("rustup", &["toolchain", "list"])?, NIGHTLY) {
        eprintln!("setup: {NIGHTLY} is installed");
        return Ok(());
    }
    run(
        "rustup",
        &[
            "toolchain",
            "install",
            NIGHTLY,
            "--profile",
            "minimal",
            "--target",
            "wasm32-unknown-unknown",
            "--component",
            "rust-src",
        ],
    )
}

/// Installs Debian packages that are missing (`apt-get update` first).
pub(crate) fn apt_install(packages: &[&str]) -> Result<()> {
    // SAFETY: set before any thread starts; xtask is single-threaded.
    unsafe { std::env::set_var("DEBIAN_FRONTEND", "noninteractive") };
    // As root (this machine, CI) apt-get runs as it is; elsewhere (a
    // GitHub runner, a learner's laptop) through sudo.
    let root = output("id", &["-u"]).is_ok_and(|uid| uid.trim() == "0");
    let (program, mut args) = if root {
        ("apt-get", Vec::new())
    } else {
        ("sudo", vec!["-E", "apt-get"])
    };
    let mut update = args.clone();
    update.push("update");
    run(program, &update)?;
    args.extend_from_slice(&["install", "-y"]);
    args.extend_from_slice(packages);
    run(program, &args)
}

/// Everything: the web build, the cross builds (Windows under wine, macOS
/// built with zig: `cross.rs`, `cross_macos.rs`) and the browser tests
/// (`cargo xtask setup`).
pub fn setup_web() -> Result<()> {
    setup_web_build()?;
    crate::cross::setup_cross()?;
    setup_browser()
}

/// What building the page needs, without the browser the tests drive
/// (`cargo xtask setup --no-browser`, which the Pages workflow runs).
pub fn setup_web_build() -> Result<()> {
    setup()?;
    if std::path::Path::new("/usr/bin/clang").exists() {
        eprintln!("setup: clang is installed");
    } else {
        apt_install(&["clang"])?;
    }
    ensure_target("stable")?;
    ensure_nightly()?;
    ensure_target(NIGHTLY)?;
    let nightly = output(
        "rustup",
        &["component", "list", "--installed", "--toolchain", NIGHTLY],
    )?;
    if nightly.lines().any(|line| line.starts_with("rust-src")) {
        eprintln!("setup: rust-src ({NIGHTLY}) is installed");
    } else {
        run(
            "rustup",
            &["component", "add", "rust-src", "--toolchain", NIGHTLY],
        )?;
    }
    let path = tool_path();
    if version_of("trunk", &path).is_some_and(|v| v.ends_with(TRUNK_VERSION)) {
        eprintln!("setup: trunk {TRUNK_VERSION} is installed");
    } else {
        run(
            "cargo",
            &[
                "+stable",
                "install",
                "trunk",
                "--locked",
                "--version",
                TRUNK_VERSION,
            ],
        )?;
    }
    let bindgen = locked_wasm_bindgen()?;
    if version_of("wasm-bindgen", &path).is_some_and(|v| v.ends_with(&bindgen)) {
        eprintln!("setup: wasm-bindgen {bindgen} is installed");
    } else {
        // Not --locked: its lock file pins a webpki-roots the registry mirror lacks.
        run(
            "cargo",
            &[
                "+stable",
                "install",
                "wasm-bindgen-cli",
                "--version",
                &format!("={bindgen}"),
            ],
        )?;
    }
    if version_of("wasm-opt", &path)
        .is_some_and(|v| v.contains(&format!("version {BINARYEN_VERSION}")))
    {
        eprintln!("setup: wasm-opt {BINARYEN_VERSION} is installed");
    } else {
        npm_install(&format!("binaryen@{BINARYEN_VERSION}"))?;
    }
    Ok(())
}

fn npm_install(package: &str) -> Result<()> {
    let dir = tools_dir();
    std::fs::create_dir_all(&dir)?;
    let dir = dir.to_string_lossy().into_owned();
    run(
        "npm",
        &[
            "install",
            "--no-audit",
            "--no-fund",
            "--prefix",
            &dir,
            package,
        ],
    )
}

/// Installs exact versions of PyPI packages into `dir` with pip (`--target`:
/// no virtualenv, no system site-packages touched, and Debian's
/// externally-managed Python allows it), binary wheels only. Debian's
/// python3-pip comes first if pip is missing.
pub(crate) fn pip_install(dir: &std::path::Path, packages: &[&str]) -> Result<()> {
    if output("python3", &["-m", "pip", "--version"]).is_err() {
        apt_install(&["python3-pip"])?;
    }
    let dir = dir.to_str().context("a UTF-8 path")?;
    let mut args = vec![
        "-m",
        "pip",
        "install",
        "--disable-pip-version-check",
        "--no-input",
        "--root-user-action=ignore",
        "--only-binary",
        ":all:",
        "--target",
        dir,
    ];
    args.extend_from_slice(packages);
    run("python3", &args)
}

/// The npm packages the browser tests load, by name and major version:
/// playwright-core drives the installed Chromium (it never downloads a
/// browser); axe-core checks the page's accessibility (a11y.test.cjs).
const BROWSER_TEST_PACKAGES: [(&str, &str); 2] = [("playwright-core", "1"), ("axe-core", "4")];

/// Chromium and chromedriver from Debian, and [`BROWSER_TEST_PACKAGES`]
/// from npm, each skipped when it is already there.
pub fn setup_browser() -> Result<()> {
    let have = |path: &str| std::path::Path::new(path).exists();
    if have("/usr/bin/chromium") && have("/usr/bin/chromedriver") {
        eprintln!("setup: chromium and chromedriver are installed");
    } else {
        apt_install(&["chromium", "chromium-driver"])?;
    }
    for (package, major) in BROWSER_TEST_PACKAGES {
        if tools_dir()
            .join("node_modules")
            .join(package)
            .join("package.json")
            .exists()
        {
            eprintln!("setup: {package} is installed");
        } else {
            npm_install(&format!("{package}@{major}"))?;
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_nightly_is_pinned_by_date_and_found_only_at_that_date() {
        let date = NIGHTLY.strip_prefix("nightly-").expect("a nightly channel");
        let parts: Vec<&str> = date.split('-').collect();
        assert_eq!(
            parts.iter().map(|p| p.len()).collect::<Vec<_>>(),
            [4, 2, 2],
            "{NIGHTLY} is not nightly-YYYY-MM-DD"
        );
        assert!(parts.iter().all(|p| p.bytes().all(|b| b.is_ascii_digit())));
        let list = format!(
            "stable-x86_64-unknown-linux-gnu (active, default)\nnightly-x86_64-unknown-linux-gnu\n{NIGHTLY}-x86_64-unknown-linux-gnu\n"
        );
        assert!(lists_toolchain(&list, NIGHTLY));
        let undated = "stable-x86_64-unknown-linux-gnu (default)\nnightly-x86_64-unknown-linux-gnu\nnightly-2020-01-01-x86_64-unknown-linux-gnu\n";
        assert!(!lists_toolchain(undated, NIGHTLY));
    }
}
