//! Finding the machine's Python and asking it what it is.
//!
//! `python3` on PATH (or `--python PATH`) is the interpreter a twin runs
//! on; free-threaded builds on PATH (`python3.13t`, `python3.14t`, ...)
//! run beside it and are reported as such. Each is asked once, with a
//! deadline, for its name, whether it was built without the GIL, whether
//! the GIL is on, and which of the twin's third-party modules it cannot
//! import. Nothing is ever installed here.

use super::script::{Limits, run_script};
use crate::options::Failure;
use concur_core::twin::Interpreter;
use std::path::{Path, PathBuf};
use std::time::Duration;

/// What the probe prints: one JSON object.
const PROBE: &str = r#"import importlib.util, json, platform, sys, sysconfig
print(json.dumps({
    "name": platform.python_implementation() + " " + platform.python_version(),
    "free_threaded": bool(sysconfig.get_config_var("Py_GIL_DISABLED")),
    "gil_enabled": getattr(sys, "_is_gil_enabled", lambda: True)(),
    "missing": [m for m in sys.argv[1:] if importlib.util.find_spec(m) is None],
    "major_minor": list(sys.version_info[:2]),
}))
"#;

/// An interpreter that answered the probe.
#[derive(Clone, Debug)]
pub struct Probed {
    pub path: PathBuf,
    pub interpreter: Interpreter,
    /// The modules asked about that it cannot import.
    pub missing: Vec<String>,
}

/// `name` found in a PATH-like list of directories.
fn on_path(name: &str, path_var: &std::ffi::OsStr) -> Option<PathBuf> {
    std::env::split_paths(path_var)
        .map(|dir| dir.join(name))
        .find(|candidate| candidate.is_file())
}

/// The interpreter to use: `--python` as given, or `python3` on PATH.
pub fn main_python(given: Option<&Path>) -> Result<PathBuf, Failure> {
    if let Some(path) = given {
        return Ok(path.to_path_buf());
    }
    let path_var = std::env::var_os("PATH").unwrap_or_default();
    on_path("python3", &path_var).ok_or_else(|| {
        Failure::Usage(
            "no python3 on PATH: install Python 3.9 or later (python.org, or your package manager), or name one with --python PATH".into(),
        )
    })
}

/// Free-threaded builds on PATH (`python3.13t` and later), other than `main`.
pub fn free_threaded_on_path(main: &Path) -> Vec<PathBuf> {
    let path_var = std::env::var_os("PATH").unwrap_or_default();
    (13..=20)
        .filter_map(|minor| on_path(&format!("python3.{minor}t"), &path_var))
        .filter(|found| found.as_path() != main)
        .collect()
}

/// Asks `path` what it is and which of `modules` it lacks.
pub fn probe(path: &Path, modules: &[&str]) -> Result<Probed, String> {
    let mut args: Vec<String> = vec!["-c".into(), PROBE.into()];
    args.extend(modules.iter().map(|m| m.to_string()));
    let limits = Limits {
        deadline: Duration::from_secs(30),
    };
    let out = run_script(path, &args, &[], &limits)?;
    if !out.success {
        return Err(format!(
            "{} did not answer as a Python 3 interpreter: {}",
            path.display(),
            out.tail()
        ));
    }
    let value: serde_json::Value = serde_json::from_str(out.stdout.trim()).map_err(|_| {
        format!(
            "{} did not answer as a Python 3 interpreter (it printed \"{}\")",
            path.display(),
            out.stdout.trim()
        )
    })?;
    let version: Vec<u64> = value["major_minor"]
        .as_array()
        .map(|parts| parts.iter().filter_map(|p| p.as_u64()).collect())
        .unwrap_or_default();
    if version.len() != 2 || version[0] != 3 || version[1] < 9 {
        return Err(format!(
            "{} is Python {}; the twins need Python 3.9 or later",
            path.display(),
            version
                .iter()
                .map(u64::to_string)
                .collect::<Vec<_>>()
                .join(".")
        ));
    }
    Ok(Probed {
        path: path.to_path_buf(),
        interpreter: Interpreter {
            command: path.display().to_string(),
            name: value["name"].as_str().unwrap_or("Python").to_string(),
            free_threaded: value["free_threaded"].as_bool().unwrap_or(false),
            gil_enabled: value["gil_enabled"].as_bool().unwrap_or(true),
        },
        missing: value["missing"]
            .as_array()
            .map(|list| {
                list.iter()
                    .filter_map(|m| m.as_str().map(str::to_string))
                    .collect()
            })
            .unwrap_or_default(),
    })
}

/// What to tell a learner whose Python lacks `missing` for `experiment`'s
/// twin: what, and the commands that install it in a virtual environment.
pub fn missing_message(probed: &Probed, experiment: &str, needed: &[&str]) -> String {
    format!(
        "{experiment}'s twin imports {}, and {} ({}) cannot import {}. \
         Install them in a virtual environment (concur never installs anything):\n  \
         python3 -m venv ~/.venvs/concur\n  \
         ~/.venvs/concur/bin/pip install {}\n\
         then run: concur python {experiment} --python ~/.venvs/concur/bin/python3",
        needed.join(" and "),
        probed.path.display(),
        probed.interpreter.name,
        probed.missing.join(" and "),
        needed.join(" ")
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_missing_message_names_the_modules_and_a_venv_command() {
        let probed = Probed {
            path: "/usr/bin/python3".into(),
            interpreter: Interpreter {
                command: "/usr/bin/python3".into(),
                name: "CPython 3.11.7".into(),
                free_threaded: false,
                gil_enabled: true,
            },
            missing: vec!["aiohttp".into()],
        };
        let text = missing_message(&probed, "quick-io", &["requests", "aiohttp"]);
        assert!(text.contains("cannot import aiohttp"), "{text}");
        assert!(text.contains("pip install requests aiohttp"), "{text}");
        assert!(
            text.contains("--python ~/.venvs/concur/bin/python3"),
            "{text}"
        );
    }

    #[test]
    fn python_is_looked_up_on_the_given_path_list() {
        let dir = std::env::temp_dir().join(format!("concur-onpath-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        std::fs::write(dir.join("python3.13t"), "").unwrap();
        let path_var = std::env::join_paths([dir.as_path()]).unwrap();
        assert_eq!(
            on_path("python3.13t", &path_var),
            Some(dir.join("python3.13t"))
        );
        assert_eq!(on_path("python3", &path_var), None);
        std::fs::remove_dir_all(&dir).unwrap();
    }
}
