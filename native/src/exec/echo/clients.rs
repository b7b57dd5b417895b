//! The echo clients: a process of their own (`concur __echo-clients`) that
//! the runner starts against the server, and the runner's side of it.
//!
//! The runner sends the client jobs as one frame on the process's stdin;
//! the process starts each client at its time on a tokio runtime (one
//! thread, so 10,000 clients cost no more than 10,000 sockets), and answers
//! with one frame of results on stdout. Living in another process, the
//! clients' sockets do not count against the server's open-file limit.

use super::losses::{DEADLINE_VAR, test_knob};
use crate::children;
use crate::clock::NativeClock;
use crate::exec::processes::{describe_exit, reap};
use crate::exec::worker::{follow_parent, read_frame};
use concur_core::answer::TaskAnswer;
use concur_core::clock::Clock;
use concur_core::experiment::{Op, Plan};
use concur_core::report::WorkerShare;
use concur_core::wire::{decode_body, encode_frame};
use serde::{Deserialize, Serialize};
use std::collections::HashMap;
use std::io::Write;
use std::net::SocketAddr;
use std::process::{ChildStdout, Command, ExitCode, Stdio};
use std::sync::Mutex;
use std::time::Duration;
use tokio::io::{AsyncReadExt, AsyncWriteExt};

/// The most a client reads back.
const MAX_REPLY_BYTES: u64 = 64 << 10;

/// One client: when it starts (after the process starts) and what it says.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct ClientJob {
    pub idx: u32,
    pub message: String,
    pub arrive_ms: u64,
    /// How long it waits for its echo before giving up.
    pub deadline_ms: u64,
}

/// How far a client got: where it was when it failed or gave up.
#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
pub enum Stage {
    Connecting,
    Sending,
    Waiting,
}

impl Stage {
    fn describe(self) -> &'static str {
        match self {
            Stage::Connecting => "still connecting",
            Stage::Sending => "connected, sending its line",
            Stage::Waiting => "connected, waiting for the echo",
        }
    }
}

/// What one client saw.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct ClientResult {
    pub idx: u32,
    pub outcome: Result<TaskAnswer, String>,
    /// The last stage it reached, and its local port once connected (the
    /// server's side of the connection sees it as the peer's port).
    pub stage: Stage,
    pub port: Option<u16>,
    /// When it began to connect, and when its echo was in (run clock).
    pub connected_ns: u64,
    pub answered_ns: u64,
}

/// The clients process's report: when it started the first client, and
/// what each client saw.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct ClientsReport {
    pub started_ns: u64,
    pub results: Vec<ClientResult>,
}

/// The clients' results as a run uses them.
pub struct Answered {
    pub pid: u32,
    /// When the clients started (client 0 connects then), if they said.
    pub started_ns: Option<u64>,
    /// Answers per client (its lane's slices come from `times`).
    pub share: WorkerShare,
    /// Per client: its index, when it began to connect and when its echo
    /// was in.
    pub times: Vec<(u32, u64, u64)>,
    /// When the last client got its answer.
    pub last_ns: Option<u64>,
    /// Per client: the last stage it reached and its local port.
    pub seen: HashMap<u32, (Stage, Option<u16>)>,
}

impl Answered {
    pub fn lost(why: &str) -> Answered {
        Answered {
            pid: 0,
            share: WorkerShare {
                failures: vec![why.to_string()],
                ..WorkerShare::default()
            },
            times: Vec::new(),
            started_ns: None,
            last_ns: None,
            seen: HashMap::new(),
        }
    }
}

/// The jobs of a plan: every client may wait for all the others' handlers
/// (one connection at a time) and 30 s more, unless a test sets the
/// deadline.
pub fn jobs(plan: &Plan) -> Vec<ClientJob> {
    let clients = plan.tasks.len() as u64;
    let test_deadline = test_knob(DEADLINE_VAR);
    plan.tasks
        .iter()
        .filter_map(|task| match &task.op {
            Op::Echo {
                message,
                arrive_ms,
                wait_ms,
                ..
            } => Some(ClientJob {
                idx: task.idx,
                message: message.clone(),
                arrive_ms: *arrive_ms,
                deadline_ms: test_deadline
                    .unwrap_or_else(|| wait_ms.saturating_mul(clients + 1) + 30_000),
            }),
            _ => None,
        })
        .collect()
}

/// The running clients process, seen from the runner.
pub struct Clients {
    pid: u32,
    stdout: Mutex<Option<ChildStdout>>,
    /// True once reaped: after that the pid may name another process.
    reaped: Mutex<bool>,
}

impl Clients {
    /// Starts the clients against `addr` and hands them their jobs.
    pub fn start(addr: SocketAddr, plan: &Plan) -> Result<Clients, String> {
        let exe = std::env::current_exe().map_err(|err| format!("finding concur: {err}"))?;
        let mut command = Command::new(exe);
        command
            .args([
                "__echo-clients",
                "--parent",
                &std::process::id().to_string(),
                "--addr",
                &addr.to_string(),
            ])
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit());
        let mut child = crate::platform::spawn_child(&mut command)
            .map_err(|err| format!("cannot start the echo clients: {err}"))?;
        let pid = child.id();
        children::register(pid);
        let clients = Clients {
            pid,
            stdout: Mutex::new(child.stdout.take()),
            reaped: Mutex::new(false),
        };
        let sent = child
            .stdin
            .take()
            .ok_or_else(|| "no stdin pipe".to_string())
            .and_then(|mut stdin| {
                stdin
                    .write_all(&encode_frame(&jobs(plan)))
                    .map_err(|err| err.to_string())
            });
        if let Err(why) = sent {
            clients.kill();
            clients.finish(&NativeClock);
            return Err(format!("cannot hand the echo clients their jobs: {why}"));
        }
        Ok(clients)
    }

    /// Kills the clients if they are still running.
    pub fn kill(&self) {
        let reaped = self.reaped.lock().unwrap_or_else(|p| p.into_inner());
        if !*reaped {
            // The pid is our unreaped child, so it names no one else.
            crate::platform::kill(self.pid);
        }
    }

    /// Waits for the clients' report, reaps the process and turns the
    /// report into answers and client-lane slices.
    pub fn finish(&self, clock: &dyn Clock) -> Answered {
        let stdout = self.stdout.lock().unwrap_or_else(|p| p.into_inner()).take();
        let report: Result<ClientsReport, String> = match stdout {
            Some(mut stdout) => read_frame(&mut stdout).and_then(|body| match body {
                Some(body) => decode_body(&body),
                None => Err("its pipe closed before it reported".into()),
            }),
            None => Err("its report was already read".into()),
        };
        let status = {
            let mut reaped = self.reaped.lock().unwrap_or_else(|p| p.into_inner());
            children::unregister(self.pid);
            let (status, _) = reap(self.pid);
            *reaped = true;
            status
        };
        let ClientsReport {
            started_ns,
            results,
        } = match report {
            Ok(report) => report,
            Err(why) => {
                let mut lost = Answered::lost(&format!(
                    "the echo clients (pid {}) {} ({why})",
                    self.pid,
                    describe_exit(status)
                ));
                lost.pid = self.pid;
                lost.last_ns = Some(clock.now_ns());
                return lost;
            }
        };
        let last_ns = results.iter().map(|r| r.answered_ns).max();
        let seen = results.iter().map(|r| (r.idx, (r.stage, r.port))).collect();
        Answered {
            seen,
            pid: self.pid,
            started_ns: Some(started_ns),
            times: results
                .iter()
                .map(|r| (r.idx, r.connected_ns, r.answered_ns))
                .collect(),
            share: WorkerShare {
                outcomes: results.into_iter().map(|r| (r.idx, r.outcome)).collect(),
                ..WorkerShare::default()
            },
            last_ns,
        }
    }
}

/// Connects, sends the line, reads the echo; `stage` and `port` say how
/// far it got.
async fn exchange(
    addr: &str,
    message: &str,
    stage: &mut Stage,
    port: &mut Option<u16>,
) -> Result<TaskAnswer, String> {
    let stream = tokio::net::TcpStream::connect(addr)
        .await
        .map_err(|err| format!("connecting to {addr}: {err}"))?;
    *port = stream.local_addr().ok().map(|local| local.port());
    *stage = Stage::Sending;
    let (reader, mut writer) = stream.into_split();
    writer
        .write_all(format!("{message}\n").as_bytes())
        .await
        .map_err(|err| format!("sending its line: {err}"))?;
    *stage = Stage::Waiting;
    // The server sends one line and closes: read all of it, so a missing
    // newline or anything extra makes the answer differ from the line sent.
    let mut reply = Vec::new();
    reader
        .take(MAX_REPLY_BYTES)
        .read_to_end(&mut reply)
        .await
        .map_err(|err| format!("reading the echo: {err}"))?;
    if reply.is_empty() {
        return Err("the server closed the connection without answering".into());
    }
    let line = reply.strip_suffix(b"\n").unwrap_or(&reply);
    Ok(TaskAnswer::echo_of(line))
}

async fn client(
    job: ClientJob,
    addr: std::sync::Arc<str>,
    t0: tokio::time::Instant,
) -> ClientResult {
    tokio::time::sleep_until(t0 + Duration::from_millis(job.arrive_ms)).await;
    let clock = NativeClock;
    let connected_ns = clock.now_ns();
    let (mut stage, mut port) = (Stage::Connecting, None);
    let exchanged = tokio::time::timeout(
        Duration::from_millis(job.deadline_ms),
        exchange(&addr, &job.message, &mut stage, &mut port),
    )
    .await;
    let outcome = exchanged
        .unwrap_or_else(|_| {
            Err(format!(
                "no echo within {} ms ({})",
                job.deadline_ms,
                stage.describe()
            ))
        })
        .map_err(|why| format!("task {}: client {}: {why}", job.idx, job.idx + 1));
    ClientResult {
        idx: job.idx,
        outcome,
        stage,
        port,
        connected_ns,
        answered_ns: clock.now_ns(),
    }
}

/// The clients process: `concur __echo-clients --parent PID --addr ADDR`.
pub fn clients_main(parent: u32, addr: &str) -> ExitCode {
    if !follow_parent(parent) {
        eprintln!("concur echo clients: the runner (pid {parent}) is gone");
        return ExitCode::FAILURE;
    }
    let run = || -> Result<(), String> {
        let body = read_frame(&mut std::io::stdin().lock())?.ok_or("the runner sent no jobs")?;
        let jobs: Vec<ClientJob> = decode_body(&body)?;
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .map_err(|err| format!("cannot start the event loop: {err}"))?;
        let addr: std::sync::Arc<str> = addr.into();
        let clock = NativeClock;
        let report = runtime.block_on(async move {
            let started_ns = clock.now_ns();
            let t0 = tokio::time::Instant::now();
            let handles: Vec<_> = jobs
                .into_iter()
                .map(|job| tokio::spawn(client(job, addr.clone(), t0)))
                .collect();
            let mut results = Vec::with_capacity(handles.len());
            for handle in handles {
                results.push(
                    handle
                        .await
                        .map_err(|err| format!("a client failed: {err}"))?,
                );
            }
            Ok::<_, String>(ClientsReport {
                started_ns,
                results,
            })
        })?;
        let mut stdout = std::io::stdout().lock();
        stdout
            .write_all(&encode_frame(&report))
            .and_then(|()| stdout.flush())
            .map_err(|err| format!("reporting: {err}"))
    };
    match run() {
        Ok(()) => ExitCode::SUCCESS,
        Err(why) => {
            eprintln!("concur echo clients: {why}");
            ExitCode::FAILURE
        }
    }
}
