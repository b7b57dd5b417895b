//! Helpers shared by the CLI tests: running the `concur` binary (a run, or
//! `concur serve` in the background) with a deadline and capturing its
//! output and JSON, and unique temporary directories. Traces are read in
//! `traces`, processes watched through `/proc` in `procs`.

use crate::procs::send_signal;
use serde_json::Value;
use std::io::{BufRead, BufReader, Read};
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, ExitStatus, Stdio};
use std::sync::atomic::{AtomicU32, Ordering};
use std::sync::mpsc::{Receiver, channel};
use std::time::{Duration, Instant};

/// The binary under test, as cargo built it for this test target.
pub const CONCUR_BINARY: &str = env!("CARGO_BIN_EXE_concur");

/// How long any one command may take before the test gives up on it (a
/// debug build on a busy two-core machine can be slow; this is a hang guard).
pub const COMMAND_DEADLINE: Duration = Duration::from_secs(120);

/// How long output pipes may stay open after the runner exited: only a
/// process that outlived the runner (and inherited a pipe) could hold them.
const PIPE_CLOSE_DEADLINE: Duration = Duration::from_secs(10);

/// Every model, in the order reports list them.
pub const MODELS: [&str; 5] = [
    "sequential",
    "threads-gil",
    "threads-free",
    "processes",
    "async",
];

/// Every experiment of the catalog, in tutorial order: read from the
/// catalog itself, so a new experiment is tested without editing a list.
pub fn experiments() -> Vec<&'static str> {
    concur_core::experiment::catalog()
        .iter()
        .map(|experiment| experiment.id)
        .collect()
}

/// A finished `concur` command.
#[derive(Debug)]
pub struct FinishedCommand {
    pub args: Vec<String>,
    pub status: ExitStatus,
    pub stdout: String,
    pub stderr: String,
}

impl FinishedCommand {
    pub fn exit_code(&self) -> Option<i32> {
        self.status.code()
    }

    /// Everything about the command, for assertion messages.
    pub fn describe(&self) -> String {
        format!(
            "concur {}\nstatus: {}\n--- stdout ---\n{}\n--- stderr ---\n{}",
            self.args.join(" "),
            self.status,
            self.stdout,
            self.stderr
        )
    }

    /// Stdout parsed as JSON (the `--json` report).
    pub fn stdout_json(&self) -> Value {
        serde_json::from_str(&self.stdout)
            .unwrap_or_else(|err| panic!("stdout is not JSON ({err}):\n{}", self.describe()))
    }

    pub fn assert_exit_code(&self, expected: i32) {
        assert_eq!(
            self.exit_code(),
            Some(expected),
            "wrong exit status:\n{}",
            self.describe()
        );
    }
}

/// Reads a pipe to its end on a thread; the text arrives on the receiver.
fn read_pipe_on_a_thread(mut pipe: impl Read + Send + 'static) -> Receiver<String> {
    let (sender, receiver) = channel();
    std::thread::spawn(move || {
        let mut bytes = Vec::new();
        let _ = pipe.read_to_end(&mut bytes);
        let _ = sender.send(String::from_utf8_lossy(&bytes).into_owned());
    });
    receiver
}

/// A `concur` process started by a test; killed (by its own pid) if the test
/// panics before it finished.
pub struct RunningConcur {
    args: Vec<String>,
    child: Child,
    stdout: Receiver<String>,
    stderr: Receiver<String>,
}

impl RunningConcur {
    /// Starts `concur ARGS` with stdout and stderr captured.
    pub fn start(args: &[&str]) -> RunningConcur {
        RunningConcur::start_with_env(args, &[])
    }

    /// Starts `concur ARGS` with the environment variables `env` set too.
    pub fn start_with_env(args: &[&str], env: &[(&str, &str)]) -> RunningConcur {
        let mut child = Command::new(CONCUR_BINARY)
            .args(args)
            .envs(env.iter().copied())
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap_or_else(|err| panic!("cannot start {CONCUR_BINARY}: {err}"));
        let stdout = read_pipe_on_a_thread(child.stdout.take().expect("stdout is piped"));
        let stderr = read_pipe_on_a_thread(child.stderr.take().expect("stderr is piped"));
        RunningConcur {
            args: args.iter().map(|arg| arg.to_string()).collect(),
            child,
            stdout,
            stderr,
        }
    }

    pub fn pid(&self) -> u32 {
        self.child.id()
    }

    /// Waits for the process to exit (at most `deadline`) and collects its
    /// output; panics if it does not exit or its pipes stay open.
    pub fn wait_with_deadline(&mut self, deadline: Duration) -> FinishedCommand {
        let started = Instant::now();
        let status = loop {
            if let Some(status) = self.child.try_wait().expect("try_wait on the runner") {
                break status;
            }
            if started.elapsed() > deadline {
                let _ = self.child.kill();
                let _ = self.child.wait();
                panic!(
                    "concur {} did not exit within {deadline:?}; killed it",
                    self.args.join(" ")
                );
            }
            std::thread::sleep(Duration::from_millis(10));
        };
        let collect = |receiver: &Receiver<String>, which: &str| {
            receiver
                .recv_timeout(PIPE_CLOSE_DEADLINE)
                .unwrap_or_else(|_| {
                    panic!(
                        "concur {} exited ({status}) but its {which} stayed open: some process it started outlived it",
                        self.args.join(" ")
                    )
                })
        };
        FinishedCommand {
            args: self.args.clone(),
            status,
            stdout: collect(&self.stdout, "stdout"),
            stderr: collect(&self.stderr, "stderr"),
        }
    }
}

impl Drop for RunningConcur {
    fn drop(&mut self) {
        if let Ok(None) = self.child.try_wait() {
            let _ = self.child.kill();
            let _ = self.child.wait();
        }
    }
}

/// Runs `concur ARGS` to completion.
pub fn run_concur(args: &[&str]) -> FinishedCommand {
    RunningConcur::start(args).wait_with_deadline(COMMAND_DEADLINE)
}

/// `concur serve --port 0` running in the background.
pub struct ServeProcess {
    child: Child,
    pub addr: SocketAddr,
}

impl ServeProcess {
    /// Starts the server and reads the address from its first stdout line.
    pub fn start() -> ServeProcess {
        ServeProcess::start_with(&[])
    }

    /// `concur serve --port 0 --dir DIR`: the endpoints and a site.
    pub fn start_with_dir(dir: &Path) -> ServeProcess {
        ServeProcess::start_with(&["--dir".as_ref(), dir.as_os_str()])
    }

    fn start_with(extra: &[&std::ffi::OsStr]) -> ServeProcess {
        let mut child = Command::new(CONCUR_BINARY)
            .args(["serve", "--port", "0"])
            .args(extra)
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit())
            .spawn()
            .unwrap_or_else(|err| panic!("cannot start concur serve: {err}"));
        let stdout = child.stdout.take().expect("stdout is piped");
        let (sender, first_line) = channel();
        std::thread::spawn(move || {
            let mut lines = BufReader::new(stdout).lines();
            let _ = sender.send(lines.next().and_then(Result::ok));
            // Keep draining so the server never blocks on a full pipe.
            for _ in lines {}
        });
        let line = first_line.recv_timeout(Duration::from_secs(30));
        let mut serve = ServeProcess {
            child,
            addr: "0.0.0.0:0".parse().expect("a valid placeholder"),
        };
        let line = match line {
            Ok(Some(line)) => line,
            other => panic!("concur serve printed no first line: {other:?}"),
        };
        let url = line
            .split_whitespace()
            .find(|word| word.starts_with("http://"))
            .unwrap_or_else(|| panic!("no http:// URL in the first line {line:?}"));
        assert!(
            line.starts_with("serving the concur endpoints on http://127.0.0.1:"),
            "unexpected first line {line:?}"
        );
        serve.addr = url
            .trim_start_matches("http://")
            .parse()
            .unwrap_or_else(|err| panic!("{url} is not host:port: {err}"));
        serve
    }

    pub fn pid(&self) -> u32 {
        self.child.id()
    }

    pub fn base_url(&self) -> String {
        format!("http://{}", self.addr)
    }

    /// Sends SIGINT (Ctrl-C) and waits for the exit.
    pub fn interrupt_and_wait(&mut self, deadline: Duration) -> ExitStatus {
        send_signal(self.pid(), libc::SIGINT);
        let started = Instant::now();
        loop {
            if let Some(status) = self.child.try_wait().expect("try_wait on serve") {
                return status;
            }
            assert!(
                started.elapsed() < deadline,
                "concur serve did not exit within {deadline:?} of SIGINT"
            );
            std::thread::sleep(Duration::from_millis(10));
        }
    }
}

impl Drop for ServeProcess {
    fn drop(&mut self) {
        if let Ok(None) = self.child.try_wait() {
            let _ = self.child.kill();
            let _ = self.child.wait();
        }
    }
}

/// A directory under the system temp dir, unique to this test process and
/// call, removed on drop.
pub struct TempDir {
    path: PathBuf,
}

impl TempDir {
    pub fn new(label: &str) -> TempDir {
        static COUNTER: AtomicU32 = AtomicU32::new(0);
        let path = std::env::temp_dir().join(format!(
            "concur-cli-test-{}-{}-{label}",
            std::process::id(),
            COUNTER.fetch_add(1, Ordering::Relaxed)
        ));
        std::fs::create_dir_all(&path)
            .unwrap_or_else(|err| panic!("cannot create {}: {err}", path.display()));
        TempDir { path }
    }

    pub fn join(&self, name: &str) -> PathBuf {
        self.path.join(name)
    }
}

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.path);
    }
}

/// True where `python3` runs; otherwise says on stderr that the calling
/// test of a real twin is skipped.
pub fn python3_or_skip() -> bool {
    let runs = std::process::Command::new("python3")
        .arg("--version")
        .output()
        .is_ok_and(|out| out.status.success());
    if !runs {
        eprintln!("skipped: no python3 on this machine");
    }
    runs
}

/// A tiny cpu-sqrt, one run per model: concur's side takes milliseconds.
pub const TINY_CPU_SQRT: [&str; 11] = [
    "cpu-sqrt",
    "--n",
    "1000",
    "--tasks",
    "2",
    "--workers",
    "2",
    "--runs",
    "1",
    "--warmup",
    "0",
];
