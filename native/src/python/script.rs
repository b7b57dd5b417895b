//! Running a Python script so that nothing outlives it: the interpreter
//! leads a process group of its own, so the processes a multiprocessing
//! twin starts belong to it too; when the script ends, fails or passes its
//! deadline the whole group is killed, and Ctrl-C kills it through the
//! child registry.

use crate::children;
use std::io::Read;
use std::path::Path;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

/// How long a script may run.
#[derive(Clone, Copy, Debug)]
pub struct Limits {
    pub deadline: Duration,
}

/// What a script did.
#[derive(Debug)]
pub struct ScriptOutput {
    pub success: bool,
    /// Its exit code; None when a signal ended it.
    pub code: Option<i32>,
    pub stdout: String,
    pub stderr: String,
}

impl ScriptOutput {
    /// The last lines of stderr (or stdout), for an error message.
    pub fn tail(&self) -> String {
        let text = if self.stderr.trim().is_empty() {
            &self.stdout
        } else {
            &self.stderr
        };
        let lines: Vec<&str> = text.trim_end().lines().collect();
        let start = lines.len().saturating_sub(6);
        lines[start..].join("\n")
    }
}

fn drain(mut pipe: impl Read + Send + 'static) -> std::thread::JoinHandle<String> {
    std::thread::spawn(move || {
        let mut bytes = Vec::new();
        let _ = pipe.read_to_end(&mut bytes);
        String::from_utf8_lossy(&bytes).into_owned()
    })
}

/// Runs `program args` with `env` added, until it exits or `limits`
/// passes; Err only when it could not start or ran out of time.
pub fn run_script(
    program: &Path,
    args: &[String],
    env: &[(String, String)],
    limits: &Limits,
) -> Result<ScriptOutput, String> {
    let mut command = Command::new(program);
    command
        .args(args)
        .envs(env.iter().map(|(k, v)| (k, v)))
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    let mut child = crate::platform::spawn_group_leader(&mut command)
        .map_err(|err| format!("cannot start {}: {err}", program.display()))?;
    let pid = child.id();
    children::register(pid);
    children::register_group(pid);
    let stdout = drain(child.stdout.take().expect("piped"));
    let stderr = drain(child.stderr.take().expect("piped"));
    let started = Instant::now();
    let status = loop {
        match child.try_wait() {
            Ok(Some(status)) => break Some(status),
            Ok(None) if started.elapsed() < limits.deadline => {
                std::thread::sleep(Duration::from_millis(10));
            }
            Ok(None) | Err(_) => break None,
        }
    };
    // Whatever the script left behind goes with it.
    children::kill_group(pid);
    let status = match status {
        Some(status) => status,
        None => {
            let _ = child.wait();
            children::unregister(pid);
            let _ = (stdout.join(), stderr.join());
            return Err(format!(
                "{} ran longer than {} s and was stopped, with every process it started",
                program.display(),
                limits.deadline.as_secs()
            ));
        }
    };
    children::unregister(pid);
    Ok(ScriptOutput {
        success: status.success(),
        code: status.code(),
        stdout: stdout.join().unwrap_or_default(),
        stderr: stderr.join().unwrap_or_default(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[cfg(unix)]
    fn sh(script: &str, deadline_ms: u64) -> Result<ScriptOutput, String> {
        run_script(
            Path::new("/bin/sh"),
            &["-c".into(), script.into()],
            &[("CONCUR_X".into(), "42".into())],
            &Limits {
                deadline: Duration::from_millis(deadline_ms),
            },
        )
    }

    // These two run /bin/sh, and the second reads /proc.
    #[cfg(unix)]
    #[test]
    fn output_status_and_environment_come_back() {
        let out = sh("echo out $CONCUR_X; echo err >&2; exit 3", 10_000).unwrap();
        assert_eq!((out.success, out.code), (false, Some(3)));
        assert_eq!(out.stdout, "out 42\n");
        assert_eq!(out.tail(), "err");
    }

    #[cfg(unix)]
    #[test]
    fn a_script_past_its_deadline_is_stopped_with_what_it_started() {
        let marker = std::env::temp_dir().join(format!("concur-grandchild-{}", std::process::id()));
        let script = format!("sleep 30 & echo $! > {}; wait", marker.display());
        let started = Instant::now();
        let err = sh(&script, 300).unwrap_err();
        assert!(err.contains("ran longer than"), "{err}");
        assert!(started.elapsed() < Duration::from_secs(10));
        let grandchild: i32 = std::fs::read_to_string(&marker)
            .unwrap()
            .trim()
            .parse()
            .unwrap();
        std::fs::remove_file(&marker).unwrap();
        // Gone, or a zombie waiting for init to reap it: not running.
        std::thread::sleep(Duration::from_millis(100));
        let stat = std::fs::read_to_string(format!("/proc/{grandchild}/stat")).unwrap_or_default();
        let state = stat
            .rsplit(')')
            .next()
            .unwrap_or("")
            .trim_start()
            .chars()
            .next();
        assert!(
            matches!(state, None | Some('Z')),
            "the script's own child outlived it: {stat}"
        );
    }

    #[test]
    fn a_missing_program_is_an_error_not_a_panic() {
        let err = run_script(
            Path::new("/nonexistent/python3"),
            &[],
            &[],
            &Limits {
                deadline: Duration::from_secs(1),
            },
        )
        .unwrap_err();
        assert!(err.contains("cannot start /nonexistent/python3"), "{err}");
    }
}
