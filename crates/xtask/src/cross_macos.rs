//! The macOS build, from Linux: concur and its unit tests cross-built for
//! aarch64-apple-darwin, SQLite's C included, then checked to be Mach-O
//! arm64 executables a Mac would load. Nothing here runs them.
//!
//! `setup_zig` (part of `setup_cross`) installs zig and cargo-zigbuild from
//! PyPI, at pinned versions, into target/tools/zigbuild (pip's `--target`,
//! binary wheels, skipped when both are there at those versions).
//! cargo-zigbuild makes `zig cc` the C compiler (SQLite) and the linker;
//! zig brings macOS's headers and a stub of libSystem, so no Apple SDK is
//! needed. Two more stubs stand in for what the SDK would give: libobjc and
//! the Foundation framework, which objc2 (ctrlc's dispatch2 on macOS) links;
//! they name the real system paths, so the binary loads those on a Mac.
//! `macos_build` (part of `cross_tests`) builds the binary and the unit
//! tests into target/cross/ and reads their Mach-O headers: arm64, an
//! executable with an entry point and a code signature (arm64 macOS runs
//! nothing unsigned; zig signs ad hoc), a macOS build version, and only
//! system libraries, each once (dyld refuses a library linked twice).

use crate::setup::{pip_install, tools_dir};
use crate::{cross::unit_test_exe, root};
use anyhow::{Context, Result, bail};
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Instant;

pub const MACOS: &str = "aarch64-apple-darwin";
/// PyPI's ziglang: zig itself, with macOS's headers and libSystem stub.
pub const ZIGLANG_VERSION: &str = "0.15.2";
/// PyPI's cargo-zigbuild (a prebuilt binary wheel; the same as crates.io's).
pub const ZIGBUILD_VERSION: &str = "0.24.1";

/// `CPU_TYPE_ARM64` in a Mach-O header.
const CPU_ARM64: u32 = 0x0100_000c;

/// What the link needs from /usr/lib/libobjc.A.dylib, as the SDK's stub
/// would say it. If the linker reports an undefined `_objc_*` symbol, add
/// it here.
const LIBOBJC_TBD: &str = "--- !tapi-tbd
tbd-version:     4
targets:         [ x86_64-macos, arm64-macos, arm64e-macos ]
install-name:    '/usr/lib/libobjc.A.dylib'
current-version: 228
compatibility-version: 1
exports:
  - targets:         [ x86_64-macos, arm64-macos, arm64e-macos ]
    symbols:         [ _objc_msgSend ]
...
";

/// Foundation, linked by objc2 but no symbol taken from it.
const FOUNDATION_TBD: &str = "--- !tapi-tbd
tbd-version:     4
targets:         [ x86_64-macos, arm64-macos, arm64e-macos ]
install-name:    '/System/Library/Frameworks/Foundation.framework/Versions/C/Foundation'
current-version: 1
compatibility-version: 300
...
";

fn zig_dir() -> PathBuf {
    tools_dir().join("zigbuild")
}

fn zig_exe() -> PathBuf {
    zig_dir().join("ziglang").join("zig")
}

fn zigbuild_exe() -> PathBuf {
    zig_dir().join("bin").join("cargo-zigbuild")
}

/// The first line `program args` prints, or None if it cannot run.
fn first_line(program: &Path, args: &[&str]) -> Option<String> {
    let out = Command::new(program).args(args).output().ok()?;
    let text = String::from_utf8_lossy(&out.stdout);
    out.status
        .success()
        .then(|| text.lines().next().unwrap_or("").trim().to_string())
}

fn installed() -> bool {
    first_line(&zig_exe(), &["version"]).as_deref() == Some(ZIGLANG_VERSION)
        && first_line(&zigbuild_exe(), &["--version"])
            == Some(format!("cargo-zigbuild {ZIGBUILD_VERSION}"))
}

/// zig and cargo-zigbuild at the pinned versions, from PyPI.
pub fn setup_zig() -> Result<()> {
    if installed() {
        eprintln!(
            "setup: zig {ZIGLANG_VERSION} and cargo-zigbuild {ZIGBUILD_VERSION} are installed"
        );
        return Ok(());
    }
    let dir = zig_dir();
    // pip --target does not replace what an older install left.
    if dir.exists() {
        std::fs::remove_dir_all(&dir).with_context(|| format!("removing {}", dir.display()))?;
    }
    pip_install(
        &dir,
        &[
            &format!("ziglang=={ZIGLANG_VERSION}"),
            &format!("cargo-zigbuild=={ZIGBUILD_VERSION}"),
        ],
    )?;
    if !installed() {
        bail!(
            "after pip, {} or {} is missing or not at the pinned version",
            zig_exe().display(),
            zigbuild_exe().display()
        );
    }
    Ok(())
}

/// Writes `text` to `path` unless it already holds it.
fn write_if_changed(path: &Path, text: &str) -> Result<()> {
    if std::fs::read_to_string(path).is_ok_and(|old| old == text) {
        return Ok(());
    }
    if let Some(dir) = path.parent() {
        std::fs::create_dir_all(dir)?;
    }
    std::fs::write(path, text).with_context(|| format!("writing {}", path.display()))
}

/// The libobjc and Foundation stubs, in a folder that is both a library
/// and a framework search path.
fn write_stubs(cross: &Path) -> Result<PathBuf> {
    let stubs = cross.join("macos-stubs");
    write_if_changed(&stubs.join("libobjc.tbd"), LIBOBJC_TBD)?;
    let framework = stubs.join("Foundation.framework").join("Foundation.tbd");
    write_if_changed(&framework, FOUNDATION_TBD)?;
    Ok(stubs)
}

/// cargo-zigbuild with `args`, building into `cross` with the stubs found.
fn zigbuild(cross: &Path, stubs: &Path, args: &[&str]) -> Result<Command> {
    let stubs = stubs.to_str().context("a UTF-8 path")?;
    eprintln!(
        "$ cargo-zigbuild {}  (CARGO_TARGET_DIR=target/cross, zig {ZIGLANG_VERSION})",
        args.join(" ")
    );
    let mut command = Command::new(zigbuild_exe());
    command
        .args(args)
        .env("CARGO_TARGET_DIR", cross)
        .env("CARGO_ZIGBUILD_ZIG_PATH", zig_exe())
        .env("CARGO_ZIGBUILD_CACHE_DIR", cross.join("zigbuild"))
        // Applies to the macOS crates only (not to build scripts), and
        // is the same on every run, so nothing rebuilds for it.
        .env(
            "CARGO_ENCODED_RUSTFLAGS",
            format!("-Lnative={stubs}\x1f-Lframework={stubs}"),
        )
        .current_dir(root());
    Ok(command)
}

/// Builds concur and its unit tests for macOS and checks both files.
pub fn macos_build(cross: &Path) -> Result<()> {
    let started = Instant::now();
    if !zigbuild_exe().exists() {
        bail!("cargo-zigbuild is missing: run `cargo xtask setup` first");
    }
    let stubs = write_stubs(cross)?;
    // rustc warns that xcrun is missing (no Apple SDK here); zig's files
    // and the stubs stand in for it.
    let status = zigbuild(
        cross,
        &stubs,
        &["zigbuild", "--target", MACOS, "-p", "concur"],
    )?
    .status()
    .context("cannot start cargo-zigbuild")?;
    if !status.success() {
        bail!("building concur for {MACOS} failed with {status}");
    }
    let binary = cross.join(MACOS).join("debug").join("concur");
    eprintln!("  {}", check_executable(&binary, CPU_ARM64)?);

    let args = [
        "test", "--target", MACOS, "-p", "concur", "--lib", "--no-run",
    ];
    let built = zigbuild(cross, &stubs, &args)?
        .output()
        .context("cannot start cargo-zigbuild")?;
    let said = String::from_utf8_lossy(&built.stderr);
    if !built.status.success() {
        bail!("building the unit tests for {MACOS} failed:\n{said}");
    }
    let tests = unit_test_exe(&said).context("cargo named no unit-test executable")?;
    eprintln!("  {}", check_executable(&root().join(tests), CPU_ARM64)?);
    eprintln!(
        "  macOS built and checked in {:.0} s",
        started.elapsed().as_secs_f64()
    );
    Ok(())
}

/// What the checks read from a 64-bit Mach-O file.
#[derive(Debug, Default, PartialEq)]
struct MachO {
    cpu: u32,
    filetype: u32,
    /// The libraries it loads, in load-command order.
    dylibs: Vec<String>,
    has_main: bool,
    signed: bool,
    /// `LC_BUILD_VERSION`'s minimum macOS, as (major, minor).
    macos_min: Option<(u32, u32)>,
}

const MH_MAGIC_64: u32 = 0xfeed_facf;
const MH_EXECUTE: u32 = 2;
const LC_LOAD_DYLIB: u32 = 0xc;
const LC_LOAD_WEAK_DYLIB: u32 = 0x8000_0018;
const LC_REEXPORT_DYLIB: u32 = 0x8000_001f;
const LC_CODE_SIGNATURE: u32 = 0x1d;
const LC_BUILD_VERSION: u32 = 0x32;
const LC_MAIN: u32 = 0x8000_0028;
const PLATFORM_MACOS: u32 = 1;

fn u32_at(bytes: &[u8], at: usize) -> Result<u32> {
    let word = bytes
        .get(at..at + 4)
        .context("the Mach-O file ends inside a header")?;
    Ok(u32::from_le_bytes(word.try_into().expect("four bytes")))
}

/// Reads the header and load commands of a little-endian 64-bit Mach-O.
fn parse_macho(bytes: &[u8]) -> Result<MachO> {
    let magic = u32_at(bytes, 0)?;
    if magic != MH_MAGIC_64 {
        bail!("not a 64-bit Mach-O file (magic {magic:#010x})");
    }
    let mut macho = MachO {
        cpu: u32_at(bytes, 4)?,
        filetype: u32_at(bytes, 12)?,
        ..MachO::default()
    };
    let count = u32_at(bytes, 16)?;
    let mut at = 32;
    for _ in 0..count {
        let (cmd, size) = (u32_at(bytes, at)?, u32_at(bytes, at + 4)? as usize);
        if size < 8 {
            bail!("a load command of {size} bytes at {at}");
        }
        let command = bytes
            .get(at..at + size)
            .context("a load command runs past the end")?;
        match cmd {
            LC_LOAD_DYLIB | LC_LOAD_WEAK_DYLIB | LC_REEXPORT_DYLIB => {
                let offset = u32_at(command, 8)? as usize;
                let name = command
                    .get(offset..)
                    .context("a library name past its command")?;
                let end = name.iter().position(|&b| b == 0).unwrap_or(name.len());
                macho
                    .dylibs
                    .push(String::from_utf8_lossy(&name[..end]).into_owned());
            }
            LC_MAIN => macho.has_main = true,
            LC_CODE_SIGNATURE => macho.signed = true,
            LC_BUILD_VERSION if u32_at(command, 8)? == PLATFORM_MACOS => {
                let min = u32_at(command, 12)?;
                macho.macos_min = Some((min >> 16, (min >> 8) & 0xff));
            }
            _ => {}
        }
        at += size;
    }
    Ok(macho)
}

/// Fails unless `macho` is a signed macOS executable for `cpu` that loads
/// libSystem and only system libraries, each once; else a one-line summary.
fn check_macho(macho: &MachO, cpu: u32) -> Result<String> {
    if macho.cpu != cpu {
        bail!("CPU type {:#010x}, not {cpu:#010x}", macho.cpu);
    }
    if macho.filetype != MH_EXECUTE || !macho.has_main {
        bail!(
            "not an executable with an entry point (file type {})",
            macho.filetype
        );
    }
    if !macho.signed {
        bail!("no code signature: arm64 macOS would refuse to run it");
    }
    let (major, minor) = macho.macos_min.context("no macOS build version")?;
    if !macho
        .dylibs
        .iter()
        .any(|d| d == "/usr/lib/libSystem.B.dylib")
    {
        bail!("does not load libSystem: {:?}", macho.dylibs);
    }
    for (i, dylib) in macho.dylibs.iter().enumerate() {
        if !(dylib.starts_with("/usr/lib/") || dylib.starts_with("/System/Library/")) {
            bail!("loads {dylib}, which is not part of macOS");
        }
        if macho.dylibs[..i].contains(dylib) {
            bail!("loads {dylib} twice, which dyld refuses");
        }
    }
    Ok(format!(
        "Mach-O 64-bit arm64 executable, macOS {major}.{minor} or later, code signature, loads {}",
        macho.dylibs.join(", ")
    ))
}

/// Reads `path` and checks it as [`check_macho`] does.
fn check_executable(path: &Path, cpu: u32) -> Result<String> {
    let bytes = std::fs::read(path).with_context(|| format!("reading {}", path.display()))?;
    let summary = parse_macho(&bytes)
        .and_then(|macho| check_macho(&macho, cpu))
        .with_context(|| format!("{} is not a macOS executable", path.display()))?;
    let name = path.file_name().unwrap_or_default().to_string_lossy();
    Ok(format!(
        "{name}: {summary} ({:.1} MB)",
        bytes.len() as f64 / 1e6
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn words(values: &[u32]) -> Vec<u8> {
        values.iter().flat_map(|v| v.to_le_bytes()).collect()
    }

    fn dylib(name: &str) -> Vec<u8> {
        let mut text = name.as_bytes().to_vec();
        text.resize((name.len() + 1).next_multiple_of(8), 0);
        let mut command = words(&[LC_LOAD_DYLIB, (24 + text.len()) as u32, 24, 2, 0, 0]);
        command.extend(text);
        command
    }

    /// A Mach-O with a header and these load commands, as a linker writes it.
    fn macho(cpu: u32, commands: &[Vec<u8>]) -> Vec<u8> {
        let size: usize = commands.iter().map(Vec::len).sum();
        let count = commands.len() as u32;
        let mut bytes = words(&[MH_MAGIC_64, cpu, 0, MH_EXECUTE, count, size as u32, 0, 0]);
        commands.iter().for_each(|c| bytes.extend(c));
        bytes
    }

    fn a_linked_binary(dylibs: &[&str]) -> Vec<u8> {
        let mut commands = vec![
            words(&[
                LC_BUILD_VERSION,
                24,
                PLATFORM_MACOS,
                13 << 16,
                15 << 16 | 5 << 8,
                0,
            ]),
            words(&[LC_MAIN, 24, 0, 0, 0, 0]),
            words(&[LC_CODE_SIGNATURE, 16, 0, 0]),
        ];
        commands.extend(dylibs.iter().map(|d| dylib(d)));
        macho(CPU_ARM64, &commands)
    }

    #[test]
    fn a_signed_arm64_executable_passes_and_is_summed_up() {
        let bytes = a_linked_binary(&["/usr/lib/libobjc.A.dylib", "/usr/lib/libSystem.B.dylib"]);
        let parsed = parse_macho(&bytes).unwrap();
        assert_eq!(parsed.macos_min, Some((13, 0)));
        let summary = check_macho(&parsed, CPU_ARM64).unwrap();
        assert!(summary.contains("macOS 13.0 or later"), "{summary}");
        assert!(summary.ends_with("/usr/lib/libobjc.A.dylib, /usr/lib/libSystem.B.dylib"));
    }

    #[test]
    fn a_library_loaded_twice_or_from_outside_macos_fails() {
        let twice = a_linked_binary(&["/usr/lib/libSystem.B.dylib", "/usr/lib/libSystem.B.dylib"]);
        let err = check_macho(&parse_macho(&twice).unwrap(), CPU_ARM64).unwrap_err();
        assert!(err.to_string().contains("twice"), "{err}");
        let outside = a_linked_binary(&[
            "/usr/lib/libSystem.B.dylib",
            "/opt/homebrew/lib/libsqlite3.dylib",
        ]);
        let err = check_macho(&parse_macho(&outside).unwrap(), CPU_ARM64).unwrap_err();
        assert!(err.to_string().contains("not part of macOS"), "{err}");
    }

    #[test]
    fn other_files_fail() {
        let elf = b"\x7fELF\x02\x01\x01\0\0\0\0\0\0\0\0\0";
        assert!(parse_macho(elf).unwrap_err().to_string().contains("magic"));
        let mut x86 = a_linked_binary(&["/usr/lib/libSystem.B.dylib"]);
        x86[4..8].copy_from_slice(&0x0100_0007u32.to_le_bytes());
        assert!(check_macho(&parse_macho(&x86).unwrap(), CPU_ARM64).is_err());
        let unsigned = macho(CPU_ARM64, &[words(&[LC_MAIN, 24, 0, 0, 0, 0])]);
        let err = check_macho(&parse_macho(&unsigned).unwrap(), CPU_ARM64).unwrap_err();
        assert!(err.to_string().contains("code signature"), "{err}");
        let truncated = &a_linked_binary(&["/usr/lib/libSystem.B.dylib"])[..40];
        assert!(parse_macho(truncated).is_err());
    }
}
