//! The echo server as a pool of worker processes sharing one listening
//! socket (the pre-fork design of gunicorn's sync workers), and the worker
//! side, `concur __echo-worker`.
//!
//! Task tree: `run` spawns `workers` children that inherit the listener
//! (`platform::share_listener`: on Unix its close-on-exec flag is cleared
//! in the child only, between fork and exec; on Windows its handle is made
//! inheritable) and starts a reader thread per child. Each worker accepts one
//! connection at a time and reports it as a `Done` frame with its trace.
//! Once the clients are done, the runner asks every worker to leave over
//! its stdin; a worker waits on the listener and stdin at once, so it
//! hears that even while no client comes. Readers collect the reports and
//! reap their child, whose CPU time the kernel reports.

use super::{ServerRun, Stop, TcpConn, retry_accept, wait_ms};
use crate::children;
use crate::clock::{NativeClock, process_cpu_ns};
use crate::exec::Env;
use crate::exec::processes::{describe_exit, reap};
use crate::exec::worker::{follow_parent, read_frame};
use crate::http::HttpIo;
use concur_core::clock::Clock;
use concur_core::experiment::Plan;
use concur_core::report::WorkerShare;
use concur_core::trace::{EventKind, Lane, Recorder};
use concur_core::wire::{
    FromWorker, TaskOutcome, ToWorker, decode_body, encode_body, encode_frame,
};
use concur_core::worker::WorkerCtx;
use std::io::Write;
use std::net::TcpListener;
use std::process::{Child, ChildStdin, Command, ExitCode, Stdio};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

/// The task index a worker reports for a line that named no client.
const NO_CLIENT: u32 = u32::MAX;

fn spawn(lane: u32, listener: &TcpListener, wait_ms: u64) -> std::io::Result<Child> {
    let mut command = Command::new(std::env::current_exe()?);
    let shared = crate::platform::share_listener(&mut command, listener)?;
    command
        .args([
            "__echo-worker",
            "--lane",
            &lane.to_string(),
            "--parent",
            &std::process::id().to_string(),
            "--listen-fd",
            &shared,
            "--wait-ms",
            &wait_ms.to_string(),
        ])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::inherit());
    let child = crate::platform::spawn_child(&mut command)?;
    children::register(child.id());
    Ok(child)
}

/// Reads one worker's reports until it says goodbye, then reaps it.
fn collect(mut child: Child, lane: u32, spawn_start: u64) -> (Lane, WorkerShare) {
    let pid = child.id();
    let mut recorder = Recorder::new(lane);
    let mut share = WorkerShare::default();
    let name = format!("worker {}", lane + 1);
    let read = (|| -> Result<(), String> {
        let mut stdout = child.stdout.take().ok_or("no stdout pipe")?;
        loop {
            let body = read_frame(&mut stdout)?.ok_or("its pipe closed")?;
            match decode_body::<FromWorker>(&body)? {
                FromWorker::Ready { ready_ns, .. } => {
                    recorder.record(EventKind::Spawn, spawn_start, ready_ns, None)
                }
                FromWorker::Done {
                    task_idx,
                    outcome,
                    events,
                } => {
                    share.events.extend(events);
                    if let Err(why) = decode_body::<TaskOutcome>(&outcome)? {
                        share.failures.push(if task_idx == NO_CLIENT {
                            format!("{name}: {why}")
                        } else {
                            format!("task {task_idx}: {name}: {why}")
                        });
                    }
                }
                FromWorker::Bye { .. } => return Ok(()),
            }
        }
    })();
    if read.is_err() {
        let _ = child.kill();
    }
    children::unregister(pid);
    let (status, cpu_ns) = reap(pid);
    if let Err(why) = read {
        share.failures.push(format!(
            "{name} (pid {pid}) {} ({why})",
            describe_exit(status)
        ));
    }
    share.cpu_ns = Some(cpu_ns);
    share.events.extend(recorder.into_events());
    (
        Lane {
            id: lane,
            name,
            pid,
        },
        share,
    )
}

/// Serves with `workers` processes until `stop`, then lets them go.
pub fn run(listener: &TcpListener, workers: u32, plan: &Plan, env: &Env, stop: &Stop) -> ServerRun {
    let wait = wait_ms(plan);
    let mut failures = Vec::new();
    let mut spawned: Vec<(u32, Child, u64)> = Vec::new();
    for lane in 0..workers {
        let spawn_start = env.clock.now_ns();
        match spawn(lane, listener, wait) {
            Ok(child) => spawned.push((lane, child, spawn_start)),
            Err(err) => failures.push(format!("worker {} could not start: {err}", lane + 1)),
        }
    }
    let stdins: Vec<Option<ChildStdin>> = spawned
        .iter_mut()
        .map(|(_, child, _)| child.stdin.take())
        .collect();
    let alive = AtomicUsize::new(spawned.len());
    let mut run = std::thread::scope(|scope| {
        let readers: Vec<_> = spawned
            .into_iter()
            .map(|(lane, child, spawn_start)| {
                let alive = &alive;
                scope.spawn(move || {
                    let collected = collect(child, lane, spawn_start);
                    alive.fetch_sub(1, Ordering::SeqCst);
                    collected
                })
            })
            .collect();
        // Serve until the clients are done, or every worker is gone.
        while !stop.wait(Duration::from_millis(50)) && alive.load(Ordering::SeqCst) > 0 {}
        for mut stdin in stdins.into_iter().flatten() {
            let _ = stdin
                .write_all(&encode_frame(&ToWorker::Shutdown))
                .and_then(|()| stdin.flush());
        }
        let mut run = ServerRun::default();
        for reader in readers {
            let (lane, share) = reader.join().unwrap_or_else(|_| {
                (
                    Lane {
                        id: u32::MAX,
                        name: "lost worker".into(),
                        pid: 0,
                    },
                    WorkerShare {
                        failures: vec!["a worker's reader thread panicked".into()],
                        ..WorkerShare::default()
                    },
                )
            });
            run.lanes.push(lane);
            run.shares.push(share);
        }
        run
    });
    run.shares.push(WorkerShare {
        failures,
        ..WorkerShare::default()
    });
    run
}

fn send(message: &FromWorker) -> Result<(), String> {
    let mut stdout = std::io::stdout().lock();
    stdout
        .write_all(&encode_frame(message))
        .and_then(|()| stdout.flush())
        .map_err(|err| format!("reporting: {err}"))
}

/// The worker: `concur __echo-worker --lane L --parent P --listen-fd FD --wait-ms MS`
/// (FD: the token `platform::share_listener` gave).
pub fn worker_main(lane: u32, parent: u32, listen_fd: &str, wait_ms: u64) -> ExitCode {
    if !follow_parent(parent) {
        eprintln!(
            "concur echo worker {}: the runner (pid {parent}) is gone",
            lane + 1
        );
        return ExitCode::FAILURE;
    }
    let run = || -> Result<(), String> {
        let listener = crate::platform::adopt_listener(listen_fd).map_err(|err| err.to_string())?;
        listener
            .set_nonblocking(true)
            .map_err(|err| err.to_string())?;
        let clock = NativeClock;
        let io = HttpIo::default();
        send(&FromWorker::Ready {
            pid: std::process::id(),
            ready_ns: clock.now_ns(),
        })?;
        loop {
            let woke = crate::platform::wait_for_connection_or_input(&listener)
                .map_err(|err| format!("waiting: {err}"))?;
            if woke.input {
                // Shutdown, or the runner closed the pipe: either way, leave.
                let _ = read_frame(&mut std::io::stdin().lock());
                return send(&FromWorker::Bye {
                    cpu_ns: process_cpu_ns(),
                });
            }
            let stream = match listener.accept() {
                Ok((stream, _)) => stream,
                // Another worker took it, or that client gave up.
                Err(err) if retry_accept(&err) => continue,
                // Out of files: wait for the handlers to free some.
                Err(err) if crate::platform::out_of_files(&err) => {
                    std::thread::sleep(Duration::from_millis(10));
                    continue;
                }
                Err(err) => return Err(format!("accepting a connection: {err}")),
            };
            let mut ctx = WorkerCtx::new(lane, &clock, None);
            let served = match stream
                .set_nonblocking(false)
                .and_then(|()| TcpConn::new(stream))
            {
                Ok(mut conn) => ctx.handle_echo(&mut conn, wait_ms, &io),
                Err(err) => concur_core::echo::Served {
                    client: None,
                    outcome: Err(err.to_string()),
                },
            };
            send(&FromWorker::Done {
                task_idx: served.client.unwrap_or(NO_CLIENT),
                outcome: encode_body(&served.outcome),
                events: ctx.finish(),
            })?;
        }
    };
    match run() {
        Ok(()) => ExitCode::SUCCESS,
        Err(why) => {
            eprintln!("concur echo worker {}: {why}", lane + 1);
            ExitCode::FAILURE
        }
    }
}
