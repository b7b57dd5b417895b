//! The other platforms, from Linux: the Windows build cross-compiled with
//! mingw-w64 and run under wine, the macOS build cross-compiled with zig
//! (`cross_macos.rs`) and checked, not run.
//!
//! `setup_cross` (part of `cargo xtask setup`) adds the rustup targets,
//! Debian's mingw-w64 and wine64 when missing, zig and cargo-zigbuild from
//! PyPI, and a wine prefix under
//! target/cross/ holding a `bcryptprimitives.dll` shim: Rust's std imports
//! `ProcessPrng` from it, which Windows 10 and later have and Debian 12's
//! wine 8.0 lacks. `cross_tests` (part of `cargo xtask test`) builds
//! concur and its unit tests for macOS, SQLite's C included, and checks
//! that both are arm64 Mach-O executables; builds concur.exe and concur's unit
//! tests for Windows, and runs under wine: the unit tests; cpu-sqrt,
//! quick-io and the echo server under every model; a hung worker killed by
//! the watchdog; a runner killed or interrupted (Ctrl-C) mid-run taking its
//! workers with it; and finally that no concur.exe is left running.

use crate::cross_macos::{MACOS, macos_build, setup_zig};
use crate::setup::apt_install;
use crate::{output, root, run};
use anyhow::{Context, Result, bail};
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};
use std::time::{Duration, Instant};

const WINDOWS: &str = "x86_64-pc-windows-gnu";
const WINE: &str = "/usr/lib/wine/wine64";
const WINESERVER: &str = "/usr/lib/wine/wineserver64";
const MINGW_GCC: &str = "/usr/bin/x86_64-w64-mingw32-gcc";

/// Where cross builds go, apart from the native target dir (and its lock).
fn cross_dir() -> PathBuf {
    root().join("target").join("cross")
}

fn wine_prefix() -> PathBuf {
    cross_dir().join("wineprefix")
}

/// The shim's source: `ProcessPrng` over bcrypt's system RNG.
const SHIM_C: &str = "#include <windows.h>\n#include <bcrypt.h>\n\
BOOL WINAPI ProcessPrng(PBYTE data, SIZE_T len) {\n\
    return BCryptGenRandom(NULL, data, (ULONG)len, BCRYPT_USE_SYSTEM_PREFERRED_RNG) == 0;\n}\n";
const SHIM_DEF: &str = "LIBRARY bcryptprimitives\nEXPORTS\nProcessPrng\n";

/// The rustup targets, mingw-w64, wine64, zig and the wine prefix.
pub fn setup_cross() -> Result<()> {
    let installed = output("rustup", &["target", "list", "--installed"])?;
    for target in [WINDOWS, MACOS] {
        if installed.lines().any(|line| line == target) {
            eprintln!("setup: {target} is installed");
        } else {
            run("rustup", &["target", "add", target])?;
        }
    }
    let missing: Vec<&str> = [(MINGW_GCC, "mingw-w64"), (WINE, "wine64")]
        .into_iter()
        .filter(|(path, _)| !Path::new(path).exists())
        .map(|(_, package)| package)
        .collect();
    if missing.is_empty() {
        eprintln!("setup: mingw-w64 and wine64 are installed");
    } else {
        apt_install(&missing)?;
    }
    setup_zig()?;
    prepare_prefix()
}

fn wine_command(program: &str) -> Command {
    let mut command = Command::new(program);
    command
        .env("WINEPREFIX", wine_prefix())
        .env("WINEDEBUG", "-all")
        .current_dir(root());
    command
}

/// Makes the wine prefix and puts the shim in its system32.
fn prepare_prefix() -> Result<()> {
    let system32 = wine_prefix()
        .join("drive_c")
        .join("windows")
        .join("system32");
    let dll = system32.join("bcryptprimitives.dll");
    if dll.exists() {
        eprintln!(
            "setup: the wine prefix is ready ({})",
            wine_prefix().display()
        );
        return Ok(());
    }
    // wine makes the prefix, but not the folders above it.
    std::fs::create_dir_all(cross_dir())?;
    eprintln!(
        "$ wine64 wineboot -i  (WINEPREFIX={})",
        wine_prefix().display()
    );
    let status = wine_command(WINE)
        .args(["wineboot", "-i"])
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .context("cannot start wine64")?;
    if !status.success() || !system32.is_dir() {
        bail!("wineboot failed ({status}): no {}", system32.display());
    }
    let shim = cross_dir().join("shim");
    std::fs::create_dir_all(&shim)?;
    std::fs::write(shim.join("shim.c"), SHIM_C)?;
    std::fs::write(shim.join("shim.def"), SHIM_DEF)?;
    let (c, def, out) = (shim.join("shim.c"), shim.join("shim.def"), dll);
    let args = [
        "-shared",
        "-O2",
        "-o",
        out.to_str().context("a UTF-8 path")?,
        c.to_str().context("a UTF-8 path")?,
        def.to_str().context("a UTF-8 path")?,
        "-lbcrypt",
    ];
    run(MINGW_GCC, &args)
}

/// Runs `exe` (concur.exe, or its unit tests) under wine with `env` and
/// waits for it.
fn concur_exe(exe: &Path, args: &[&str], env: &[(&str, &str)]) -> Result<Output> {
    let name = exe.file_name().unwrap_or_default().to_string_lossy();
    eprintln!("$ wine64 {name} {}", args.join(" "));
    let started = Instant::now();
    let out = wine_command(WINE)
        .arg(exe)
        .args(args)
        .envs(env.iter().copied())
        .output()
        .context("cannot start wine64")?;
    eprintln!(
        "  {} in {:.1} s",
        out.status,
        started.elapsed().as_secs_f64()
    );
    Ok(out)
}

fn text(out: &Output) -> String {
    format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    )
}

/// Fails unless every model in `models` has a table line answered ok.
fn every_model_ok(what: &str, out: &Output, models: &[&str]) -> Result<()> {
    let all = text(out);
    for model in models {
        let ok = all
            .lines()
            .any(|line| line.starts_with(&format!("{model} ")) && line.contains(" ok "));
        if !ok {
            bail!("{what} under wine: {model} did not answer ok:\n{all}");
        }
    }
    Ok(())
}

const MODELS: [&str; 5] = [
    "sequential",
    "threads-gil",
    "threads-free",
    "processes",
    "async",
];

/// Pids of live (not zombie) processes whose command line names concur.exe.
fn live_concur_exes() -> Vec<u32> {
    let Ok(entries) = std::fs::read_dir("/proc") else {
        return Vec::new();
    };
    entries
        .flatten()
        .filter_map(|entry| entry.file_name().to_str()?.parse::<u32>().ok())
        .filter(|pid| {
            let cmdline = std::fs::read(format!("/proc/{pid}/cmdline")).unwrap_or_default();
            let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).unwrap_or_default();
            let state = stat.rsplit(')').next().unwrap_or("").trim_start();
            String::from_utf8_lossy(&cmdline).contains("concur.exe") && !state.starts_with('Z')
        })
        .collect()
}

/// Waits up to `limit` for `check`; true once it held.
fn wait_for(limit: Duration, mut check: impl FnMut() -> bool) -> bool {
    let started = Instant::now();
    while started.elapsed() < limit {
        if check() {
            return true;
        }
        std::thread::sleep(Duration::from_millis(100));
    }
    check()
}

/// How the runner is stopped mid-run.
#[derive(Clone, Copy, PartialEq)]
enum Stop {
    /// SIGKILL to its wine process: the Job Object must take the workers.
    Kill,
    /// SIGINT, which wine turns into Ctrl-C: concur kills the workers and
    /// exits 130.
    Interrupt,
}

/// The runner stopped mid-run, a worker hung: its workers must go with it.
fn stopped_runner_takes_its_workers(exe: &Path, stop: Stop) -> Result<()> {
    let how = match stop {
        Stop::Kill => "killed",
        Stop::Interrupt => "interrupted",
    };
    eprintln!("$ wine64 concur.exe run cpu-sqrt --models processes (hung worker; runner {how})");
    let mut runner = wine_command(WINE)
        .arg(exe)
        .args(["run", "cpu-sqrt", "--n", "100000", "--runs", "1"])
        .args(["--warmup", "0", "--models", "processes"])
        .env("CONCUR_TEST_HANG_TASK", "0")
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .context("cannot start wine64")?;
    let runner_pid = runner.id();
    let workers = || {
        live_concur_exes()
            .into_iter()
            .filter(|&pid| pid != runner_pid)
            .count()
    };
    let started = wait_for(Duration::from_secs(60), || workers() > 0);
    let status = match stop {
        Stop::Kill => {
            runner.kill().context("killing the runner")?;
            runner.wait()?
        }
        Stop::Interrupt => {
            run("kill", &["-INT", &runner_pid.to_string()])?;
            let ended = wait_for(Duration::from_secs(20), || {
                runner.try_wait().is_ok_and(|status| status.is_some())
            });
            if !ended {
                runner.kill()?;
            }
            runner.wait()?
        }
    };
    if !started {
        bail!("no worker process of concur.exe appeared within 60 s");
    }
    if stop == Stop::Interrupt && status.code() != Some(130) {
        bail!("the interrupted runner ended with {status}, not 130");
    }
    if !wait_for(Duration::from_secs(20), || workers() == 0) {
        bail!(
            "the runner was {how}, but its workers still run: {:?}",
            live_concur_exes()
        );
    }
    eprintln!("  the runner's workers ended with it");
    Ok(())
}

/// The path cargo names for the library's unit-test executable in what
/// `cargo test --no-run` said (relative to the workspace root).
pub(crate) fn unit_test_exe(said: &str) -> Option<&str> {
    said.lines()
        .find_map(|line| {
            line.trim()
                .strip_prefix("Executable unittests src/lib.rs (")
        })
        .and_then(|rest| rest.strip_suffix(')'))
}

/// Builds concur's unit tests for Windows and runs them under wine (the
/// CLI tests in native/tests/ drive Unix processes and stay Linux-only).
fn windows_unit_tests(cross: &Path) -> Result<()> {
    let args = [
        "test", "--target", WINDOWS, "-p", "concur", "--lib", "--no-run",
    ];
    eprintln!(
        "$ cargo {}  (CARGO_TARGET_DIR=target/cross)",
        args.join(" ")
    );
    let built = Command::new("cargo")
        .args(args)
        .env("CARGO_TARGET_DIR", cross)
        .current_dir(root())
        .output()
        .context("cannot start cargo")?;
    let said = String::from_utf8_lossy(&built.stderr);
    if !built.status.success() {
        bail!("building the unit tests for Windows failed:\n{said}");
    }
    let tests = unit_test_exe(&said).context("cargo named no unit-test executable")?;
    let out = concur_exe(&root().join(tests), &[], &[])?;
    if !out.status.success() {
        bail!("concur's unit tests failed under wine:\n{}", text(&out));
    }
    Ok(())
}

/// macOS built and checked, Windows built and run under wine.
pub fn cross_tests() -> Result<()> {
    let started = Instant::now();
    let cross = cross_dir();
    macos_build(&cross)?;
    let args = ["build", "--target", WINDOWS, "-p", "concur"];
    eprintln!(
        "$ cargo {}  (CARGO_TARGET_DIR=target/cross)",
        args.join(" ")
    );
    let status = Command::new("cargo")
        .args(args)
        .env("CARGO_TARGET_DIR", &cross)
        .current_dir(root())
        .status()
        .context("cannot start cargo")?;
    if !status.success() {
        bail!("`cargo {}` failed with {status}", args.join(" "));
    }
    let exe = cross.join(WINDOWS).join("debug").join("concur.exe");
    windows_unit_tests(&cross)?;

    let sqrt = [
        "run", "cpu-sqrt", "--n", "100000", "--runs", "1", "--warmup", "0",
    ];
    let out = concur_exe(&exe, &sqrt, &[])?;
    if !out.status.success() {
        bail!("cpu-sqrt under wine failed:\n{}", text(&out));
    }
    every_model_ok("cpu-sqrt", &out, &MODELS)?;

    let out = concur_exe(&exe, &["run", "quick-io", "--quick"], &[])?;
    if !out.status.success() {
        bail!("quick-io under wine failed:\n{}", text(&out));
    }
    every_model_ok("quick-io", &out, &MODELS)?;

    // The processes model here is a pool sharing one inherited socket.
    let out = concur_exe(&exe, &["run", "echo-server", "--quick"], &[])?;
    if !out.status.success() {
        bail!("echo-server under wine failed:\n{}", text(&out));
    }
    every_model_ok("echo-server", &out, &MODELS)?;

    let mut hung = sqrt.to_vec();
    hung.extend(["--models", "processes"]);
    let out = concur_exe(&exe, &hung, &[("CONCUR_TEST_HANG_TASK", "1")])?;
    let all = text(&out);
    if out.status.code() != Some(1) || !all.contains("gave no answer within") {
        bail!("a hung worker under wine: expected exit 1 and the kill reported:\n{all}");
    }

    stopped_runner_takes_its_workers(&exe, Stop::Kill)?;
    stopped_runner_takes_its_workers(&exe, Stop::Interrupt)?;

    // wineserver lingers a few seconds after its last process; then nothing
    // of concur may be left.
    let _ = wine_command(WINESERVER).arg("-w").status();
    let left = live_concur_exes();
    if !left.is_empty() {
        bail!("concur.exe processes were left running under wine: {left:?}");
    }
    eprintln!(
        "xtask test: Windows (wine) and macOS (build) passed in {:.0} s",
        started.elapsed().as_secs_f64()
    );
    Ok(())
}
