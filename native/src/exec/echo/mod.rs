//! The echo server, natively: a real TCP server on 127.0.0.1 under the
//! chosen model, against real clients in a process of their own.
//!
//! Task tree: `run_echo` binds the listener (ephemeral port, the deepest
//! backlog the kernel allows), reads the kernel's accept-queue counters,
//! starts the clients process (`clients`), and starts a watcher
//! thread that waits for the clients' report and then raises [`Stop`]. The
//! server runs on the calling thread until then: one connection at a time
//! (sequential), a thread per connection or a tokio task per connection
//! (`servers`), or a pool of worker processes sharing the listener
//! (`pool`). Each server joins everything it started before it returns; if
//! it fails early, the clients process is killed. The port closes when the
//! listener drops at the end of the run.
//!
//! The clients, not the server, give the answers: each records the line it
//! got back, so a server that mixed up connections is caught. The run's
//! clock starts when the server starts and stops at the last answer. A
//! client that got no echo is never hidden: its failure line names its
//! cause (`losses`).

pub mod clients;
pub mod losses;
pub mod pool;
pub mod servers;

use super::Env;
use concur_core::clock::Clock;
use concur_core::echo::EchoConnection;
use concur_core::echo::client_events;
use concur_core::experiment::{Op, Plan};
use concur_core::model::Model;
use concur_core::report::{RunOutcome, WorkerShare};
use concur_core::trace::{Event, Lane};
use losses::{Backlog, QueueCounters};
use std::collections::{HashMap, HashSet};
use std::io::{Read, Write};
use std::net::{TcpListener, TcpStream};
use std::sync::{Condvar, Mutex};
use std::time::Duration;

/// How often a waiting accept looks at [`Stop`].
const STOP_POLL_MS: i32 = 20;

/// Raised once every client has its answer (or gave up): servers stop
/// accepting and wind down.
#[derive(Default)]
pub struct Stop {
    raised: Mutex<bool>,
    changed: Condvar,
}

impl Stop {
    pub fn raise(&self) {
        *self.raised.lock().unwrap_or_else(|p| p.into_inner()) = true;
        self.changed.notify_all();
    }

    pub fn raised(&self) -> bool {
        *self.raised.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// Waits up to `timeout` for the stop; true once it is raised.
    pub fn wait(&self, timeout: Duration) -> bool {
        let raised = self.raised.lock().unwrap_or_else(|p| p.into_inner());
        let (raised, _) = self
            .changed
            .wait_timeout_while(raised, timeout, |raised| !*raised)
            .unwrap_or_else(|p| p.into_inner());
        *raised
    }
}

/// What a server brings back: its lanes and each worker's share (events,
/// failures, CPU time). Answers come from the clients.
#[derive(Default)]
pub struct ServerRun {
    pub lanes: Vec<Lane>,
    pub shares: Vec<WorkerShare>,
    /// The peer ports of the connections it accepted; None where the
    /// server does not tell (the pool's workers).
    pub accepted: Option<HashSet<u16>>,
    /// Connections it accepted and closed unserved, by peer port, and why.
    pub dropped: HashMap<u16, String>,
}

/// The peer port of an accepted connection (0 if the socket cannot say).
pub fn peer_port(stream: &TcpStream) -> u16 {
    stream.peer_addr().map_or(0, |peer| peer.port())
}

/// The handler's pause, the same for every client of a plan.
pub fn wait_ms(plan: &Plan) -> u64 {
    plan.tasks
        .iter()
        .find_map(|task| match task.op {
            Op::Echo { wait_ms, .. } => Some(wait_ms),
            _ => None,
        })
        .unwrap_or(0)
}

/// A listening socket on 127.0.0.1 with a free port and `backlog`,
/// non-blocking so that accept loops can notice [`Stop`].
pub fn listen(backlog: &Backlog) -> std::io::Result<TcpListener> {
    let listener = TcpListener::bind(("127.0.0.1", 0))?;
    // Listening again resizes the queue (Linux allows it); std's default
    // of 128 would drop the SYNs of thousands of clients at once.
    crate::platform::set_backlog(&listener, backlog.size)?;
    listener.set_nonblocking(true)?;
    Ok(listener)
}

/// True for accept errors that concern one connection, not the listener:
/// accept(2) says to try again (a client that gave up, a network hiccup).
pub fn retry_accept(err: &std::io::Error) -> bool {
    matches!(
        err.kind(),
        std::io::ErrorKind::Interrupted
            | std::io::ErrorKind::ConnectionAborted
            | std::io::ErrorKind::WouldBlock
    ) || err
        .raw_os_error()
        .is_some_and(crate::platform::accept_error_is_transient)
}

/// Accepts the next connection, blocking; None once `stop` is raised and
/// nobody waits in the queue. Running out of file descriptors is waited
/// out, as a server would (handlers finishing free some); a client that is
/// never served fails on its own.
pub fn accept_until(listener: &TcpListener, stop: &Stop) -> Result<Option<TcpStream>, String> {
    loop {
        match listener.accept() {
            Ok((stream, _)) => {
                stream
                    .set_nonblocking(false)
                    .map_err(|err| format!("a new connection: {err}"))?;
                return Ok(Some(stream));
            }
            Err(err) if err.kind() == std::io::ErrorKind::WouldBlock => {
                if stop.raised() {
                    return Ok(None);
                }
                crate::platform::wait_for_connection(listener, STOP_POLL_MS)
                    .map_err(|err| format!("waiting for connections: {err}"))?;
            }
            Err(err) if retry_accept(&err) => {}
            Err(err) if crate::platform::out_of_files(&err) => {
                if stop.wait(Duration::from_millis(10)) {
                    return Ok(None);
                }
            }
            Err(err) => return Err(format!("accepting a connection: {err}")),
        }
    }
}

/// Longest line a handler reads.
const MAX_LINE_BYTES: usize = 64 << 10;

/// A blocking TCP connection as core's handler sees it: one descriptor
/// (no clone), so 10,000 connections need 10,000 files, not 20,000.
pub struct TcpConn {
    stream: TcpStream,
}

impl TcpConn {
    pub fn new(stream: TcpStream) -> std::io::Result<TcpConn> {
        // A client that never sends must not hold a handler forever.
        stream.set_read_timeout(Some(Duration::from_secs(60)))?;
        Ok(TcpConn { stream })
    }
}

impl EchoConnection for TcpConn {
    fn read_line(&mut self) -> Result<String, String> {
        let mut line = Vec::new();
        let mut chunk = [0u8; 512];
        loop {
            let read = match self.stream.read(&mut chunk) {
                Ok(0) => return Err("the client closed the connection".into()),
                Ok(read) => read,
                Err(err) if err.kind() == std::io::ErrorKind::Interrupted => continue,
                Err(err) => return Err(err.to_string()),
            };
            line.extend_from_slice(&chunk[..read]);
            if let Some(end) = line.iter().position(|b| *b == b'\n') {
                line.truncate(end);
                break;
            }
            if line.len() > MAX_LINE_BYTES {
                return Err(format!("no newline in {MAX_LINE_BYTES} bytes"));
            }
        }
        let line = String::from_utf8(line).map_err(|_| "the line is not UTF-8".to_string())?;
        Ok(line.trim_end_matches('\r').to_string())
    }

    fn send_line(&mut self, line: &str) -> Result<(), String> {
        self.stream
            .write_all(format!("{line}\n").as_bytes())
            .and_then(|()| self.stream.flush())
            .map_err(|err| err.to_string())
    }
}

/// Kills the clients when dropped before every client had its answer.
struct KillUnlessDone<'a> {
    clients: &'a clients::Clients,
    stop: &'a Stop,
}

impl Drop for KillUnlessDone<'_> {
    fn drop(&mut self) {
        if !self.stop.raised() {
            self.clients.kill();
        }
    }
}

/// The clients' lanes: each client queued from connecting until a server
/// worker took its connection (its first slice tagged with the client),
/// then waiting for its echo.
fn client_lanes(times: &[(u32, u64, u64)], server: &[WorkerShare]) -> Vec<Event> {
    let mut taken: HashMap<u32, u64> = HashMap::new();
    for event in server.iter().flat_map(|share| &share.events) {
        if let Some(idx) = event.task_idx {
            let first = taken.entry(idx).or_insert(event.start_ns);
            *first = (*first).min(event.start_ns);
        }
    }
    times
        .iter()
        .flat_map(|&(idx, connected, answered)| {
            let taken = taken.get(&idx).copied().unwrap_or(connected);
            client_events(idx, connected, taken, answered)
        })
        .collect()
}

/// Serves the plan's clients once under `model`; `workers` sizes the
/// process pool (threads and tasks start one per connection).
pub fn run_echo(model: Model, workers: u32, plan: &Plan, env: &Env) -> RunOutcome {
    let start = env.clock.now_ns();
    let n_tasks = plan.tasks.len();
    let fail = |why: String| {
        RunOutcome::assemble(
            start,
            env.clock.now_ns(),
            n_tasks,
            Vec::new(),
            [WorkerShare {
                failures: vec![why],
                ..WorkerShare::default()
            }],
        )
    };
    let backlog = Backlog::chosen();
    let listener = match listen(&backlog) {
        Ok(listener) => listener,
        Err(err) => return fail(format!("cannot listen on 127.0.0.1: {err}")),
    };
    let addr = match listener.local_addr() {
        Ok(addr) => addr,
        Err(err) => return fail(format!("the listener has no address: {err}")),
    };
    // Machine-wide counters: read just before the clients start.
    let before = QueueCounters::read();
    let clients = match clients::Clients::start(addr, plan) {
        Ok(clients) => clients,
        Err(why) => return fail(why),
    };
    let stop = Stop::default();
    let (server, answered) = std::thread::scope(|scope| {
        let watcher = scope.spawn(|| {
            let answered = clients.finish(&env.clock);
            stop.raise();
            answered
        });
        // Whatever happens to the server (an early failure, a panic), the
        // clients must not wait out their deadlines: kill them.
        let _guard = KillUnlessDone {
            clients: &clients,
            stop: &stop,
        };
        let server = match model {
            Model::Sequential => servers::sequential(&listener, plan, env, &stop),
            Model::ThreadsGil => {
                servers::threads(&listener, plan, env, &stop, Some(env.gil_switch))
            }
            Model::ThreadsFree => servers::threads(&listener, plan, env, &stop, None),
            Model::Async => servers::tokio(&listener, plan, env, &stop),
            Model::Processes => pool::run(&listener, workers, plan, env, &stop),
        };
        if !stop.raised() {
            // The server gave up before every client had its answer.
            clients.kill();
        }
        drop(_guard);
        let answered = watcher
            .join()
            .unwrap_or_else(|_| clients::Answered::lost("the clients' watcher panicked"));
        (server, answered)
    });
    let delta = before.and_then(|before| Ok(QueueCounters::read()?.since(before)));
    drop(listener);
    // The run is the clients' time: from the first one starting to the last
    // echo (a process pool starts meanwhile).
    let start = answered.started_ns.unwrap_or(start);
    let end = answered.last_ns.unwrap_or_else(|| env.clock.now_ns());
    let mut answered = answered;
    losses::account(&mut answered, &server, &delta, &backlog, n_tasks);
    answered.share.events = client_lanes(&answered.times, &server.shares);
    let mut lanes = server.lanes;
    lanes.extend(plan.client_lanes(answered.pid));
    RunOutcome::assemble(
        start,
        end.max(start),
        n_tasks,
        lanes,
        server.shares.into_iter().chain([answered.share]),
    )
}
