//! Echo servers inside the runner: one connection at a time, a thread per
//! connection (with the emulated GIL on or off), and a tokio task per
//! connection.
//!
//! Task tree: `sequential` handles each accepted connection on the calling
//! thread. `threads` accepts on a scoped thread of its own that does
//! nothing else, so the kernel's accept queue drains while threads start,
//! and hands each connection over a channel to the calling thread, which
//! spawns a scoped thread per connection (small stacks, so thousands fit);
//! the scope joins them all. `tokio` runs a current-thread runtime whose
//! accept loop spawns a task per connection and awaits them all before the
//! runtime drops.

use super::{ServerRun, Stop, TcpConn, accept_until, peer_port, retry_accept, wait_ms};
use crate::clock::thread_cpu_ns;
use crate::exec::Env;
use concur_core::clock::Clock;
use concur_core::experiment::Plan;
use concur_core::gil::Gil;
use concur_core::report::WorkerShare;
use concur_core::trace::{EventKind, Lane, Recorder};
use concur_core::worker::WorkerCtx;
use concur_core::workload::echo_client_of;
use std::collections::{HashMap, HashSet};
use std::net::{TcpListener, TcpStream};
use std::sync::mpsc;
use std::time::Duration;
use tokio::io::{AsyncBufReadExt, AsyncWriteExt, BufReader};

/// Stack size of a connection thread: the handler needs little.
const CONNECTION_STACK: usize = 256 << 10;

fn lane(id: u32, name: String) -> Lane {
    Lane {
        id,
        name,
        pid: std::process::id(),
    }
}

/// Runs core's handler on one connection and names what went wrong.
fn handle(
    ctx: &mut WorkerCtx,
    stream: TcpStream,
    connection: u32,
    wait_ms: u64,
    env: &Env,
) -> Option<String> {
    let mut conn = match TcpConn::new(stream) {
        Ok(conn) => conn,
        Err(err) => return Some(format!("connection {connection}: {err}")),
    };
    let served = ctx.handle_echo(&mut conn, wait_ms, &env.io);
    served.outcome.err().map(|why| match served.client {
        Some(client) => format!("task {client}: the server: {why}"),
        None => format!("connection {connection}: {why}"),
    })
}

/// One connection after another on the calling thread.
pub fn sequential(listener: &TcpListener, plan: &Plan, env: &Env, stop: &Stop) -> ServerRun {
    let cpu_start = thread_cpu_ns();
    let wait = wait_ms(plan);
    let mut ctx = WorkerCtx::new(0, &env.clock, None);
    let mut failures = Vec::new();
    let mut accepted = HashSet::new();
    let mut connection = 0;
    loop {
        match accept_until(listener, stop) {
            Ok(Some(stream)) => {
                connection += 1;
                accepted.insert(peer_port(&stream));
                failures.extend(handle(&mut ctx, stream, connection, wait, env));
            }
            Ok(None) => break,
            Err(why) => {
                failures.push(why);
                break;
            }
        }
    }
    ServerRun {
        lanes: vec![lane(0, "main thread (one connection at a time)".into())],
        shares: vec![WorkerShare {
            events: ctx.finish(),
            failures,
            cpu_ns: Some(thread_cpu_ns() - cpu_start),
            ..WorkerShare::default()
        }],
        accepted: Some(accepted),
        dropped: HashMap::new(),
    }
}

/// Accepts until `stop`, as fast as the kernel hands connections over, and
/// sends each (or the error that ended accepting) to the thread starter.
/// Returns the thread's CPU time.
fn accept_all(
    listener: &TcpListener,
    stop: &Stop,
    accepted: mpsc::Sender<Result<TcpStream, String>>,
) -> u64 {
    let cpu_start = thread_cpu_ns();
    loop {
        let next = accept_until(listener, stop);
        let ended = !matches!(next, Ok(Some(_)));
        let Some(next) = next.transpose() else { break };
        if accepted.send(next).is_err() || ended {
            break;
        }
    }
    thread_cpu_ns() - cpu_start
}

/// A new thread for every connection: a thread of its own accepts, the
/// calling thread starts a thread per connection.
pub fn threads(
    listener: &TcpListener,
    plan: &Plan,
    env: &Env,
    stop: &Stop,
    gil_switch: Option<Duration>,
) -> ServerRun {
    let gil = gil_switch.map(Gil::new);
    let wait = wait_ms(plan);
    let starter_cpu = thread_cpu_ns();
    let mut starter = Recorder::new(0);
    let mut run = ServerRun {
        accepted: Some(HashSet::new()),
        ..ServerRun::default()
    };
    let mut accept_failures = Vec::new();
    let mut acceptor_cpu = None;
    std::thread::scope(|scope| {
        let (sender, connections) = mpsc::channel();
        // The acceptor takes no GIL: in CPython it would be the main
        // thread blocked in accept(), which lets go of the lock.
        let acceptor = std::thread::Builder::new()
            .name("acceptor".into())
            .spawn_scoped(scope, || accept_all(listener, stop, sender));
        let acceptor = match acceptor {
            Ok(acceptor) => acceptor,
            Err(err) => {
                accept_failures.push(format!("the OS refused the acceptor thread: {err}"));
                return;
            }
        };
        let mut handles = Vec::new();
        for next in connections {
            let stream = match next {
                Ok(stream) => stream,
                Err(why) => {
                    accept_failures.push(why);
                    continue;
                }
            };
            let connection = (handles.len() + run.dropped.len()) as u32 + 1;
            let port = peer_port(&stream);
            if let Some(accepted) = run.accepted.as_mut() {
                accepted.insert(port);
            }
            let spawning = env.clock.now_ns();
            let gil = gil.as_ref();
            let spawned = std::thread::Builder::new()
                .name(format!("conn-{connection}"))
                .stack_size(CONNECTION_STACK)
                .spawn_scoped(scope, move || {
                    let cpu_start = thread_cpu_ns();
                    let mut ctx = WorkerCtx::new(connection, &env.clock, gil);
                    // A new Python thread first takes the GIL.
                    ctx.start();
                    let failure = handle(&mut ctx, stream, connection, wait, env);
                    WorkerShare {
                        events: ctx.finish(),
                        failures: failure.into_iter().collect(),
                        cpu_ns: Some(thread_cpu_ns() - cpu_start),
                        ..WorkerShare::default()
                    }
                });
            starter.record(EventKind::Spawn, spawning, env.clock.now_ns(), None);
            match spawned {
                Ok(handle) => {
                    run.lanes.push(lane(
                        connection,
                        format!("thread for connection {connection}"),
                    ));
                    handles.push(handle);
                }
                Err(err) => {
                    // The connection closes unserved; its client reports
                    // the loss and the runner ties it to this line.
                    let why = format!("connection {connection}: the OS refused a thread: {err}");
                    run.dropped.insert(port, why.clone());
                    accept_failures.push(why);
                }
            }
        }
        acceptor_cpu = Some(acceptor.join().unwrap_or_else(|_| {
            accept_failures.push("the acceptor thread panicked".into());
            0
        }));
        for handle in handles {
            run.shares
                .push(handle.join().unwrap_or_else(|_| WorkerShare {
                    failures: vec!["a connection thread panicked".into()],
                    ..WorkerShare::default()
                }));
        }
    });
    run.lanes
        .insert(0, lane(0, "main thread (starts threads)".into()));
    run.shares.push(WorkerShare {
        events: starter.into_events(),
        failures: accept_failures,
        cpu_ns: Some(thread_cpu_ns() - starter_cpu + acceptor_cpu.unwrap_or(0)),
        ..WorkerShare::default()
    });
    run
}

/// The tutorial's asyncio handler on tokio: read a line, sleep, write it back.
async fn coroutine(
    stream: tokio::net::TcpStream,
    connection: u32,
    wait_ms: u64,
    clock: crate::clock::NativeClock,
) -> WorkerShare {
    let mut recorder = Recorder::new(connection);
    let (reader, mut writer) = stream.into_split();
    let mut line = String::new();
    let asked = clock.now_ns();
    let read = BufReader::new(reader).read_line(&mut line).await;
    let line = line.trim_end_matches(['\r', '\n']).to_string();
    let client = echo_client_of(&line);
    recorder.record(EventKind::IoWait, asked, clock.now_ns(), client);
    let failed = |why: String| WorkerShare {
        failures: vec![match client {
            Some(client) => format!("task {client}: the server: {why}"),
            None => format!("connection {connection}: {why}"),
        }],
        ..WorkerShare::default()
    };
    match read {
        Ok(0) => return failed("the client closed the connection".into()),
        Err(err) => return failed(err.to_string()),
        Ok(_) => {}
    }
    let paused = clock.now_ns();
    tokio::time::sleep(Duration::from_millis(wait_ms)).await;
    recorder.record(EventKind::IoWait, paused, clock.now_ns(), client);
    let sending = clock.now_ns();
    let sent = writer.write_all(format!("{line}\n").as_bytes()).await;
    recorder.record(EventKind::IoWait, sending, clock.now_ns(), client);
    match sent {
        Ok(()) => WorkerShare {
            events: recorder.into_events(),
            ..WorkerShare::default()
        },
        Err(err) => failed(format!("sending the echo: {err}")),
    }
}

/// One event loop: accept, and start a task for every connection.
pub fn tokio(listener: &TcpListener, plan: &Plan, env: &Env, stop: &Stop) -> ServerRun {
    let cpu_start = thread_cpu_ns();
    let wait = wait_ms(plan);
    let clock = env.clock;
    let served = (|| -> Result<(Vec<WorkerShare>, HashSet<u16>), String> {
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .map_err(|err| format!("cannot start the event loop: {err}"))?;
        let listener = listener
            .try_clone()
            .map_err(|err| format!("sharing the listener: {err}"))?;
        runtime.block_on(async move {
            let listener = tokio::net::TcpListener::from_std(listener)
                .map_err(|err| format!("the listener: {err}"))?;
            let mut handles = Vec::new();
            let mut failures = Vec::new();
            let mut peers = HashSet::new();
            loop {
                tokio::select! {
                    accepted = listener.accept() => match accepted {
                        Ok((stream, peer)) => {
                            peers.insert(peer.port());
                            let connection = handles.len() as u32 + 1;
                            handles.push(tokio::spawn(coroutine(stream, connection, wait, clock)));
                        }
                        // A client that gave up, or out of files (handlers
                        // finishing free some): go on accepting.
                        Err(err) if retry_accept(&err)
                            || crate::platform::out_of_files(&err) => {
                            tokio::time::sleep(Duration::from_millis(10)).await;
                        }
                        Err(err) => {
                            failures.push(format!("accepting a connection: {err}"));
                            break;
                        }
                    },
                    // Every client has its answer once `stop` is raised.
                    () = tokio::time::sleep(Duration::from_millis(20)) => {
                        if stop.raised() {
                            break;
                        }
                    }
                }
            }
            let mut shares = vec![WorkerShare {
                failures,
                ..WorkerShare::default()
            }];
            for handle in handles {
                shares.push(handle.await.unwrap_or_else(|err| WorkerShare {
                    failures: vec![format!("a connection task failed: {err}")],
                    ..WorkerShare::default()
                }));
            }
            Ok((shares, peers))
        })
    })();
    let (mut shares, accepted) = match served {
        Ok(served) => served,
        Err(why) => (
            vec![WorkerShare {
                failures: vec![why],
                ..WorkerShare::default()
            }],
            HashSet::new(),
        ),
    };
    let lanes = (1..shares.len() as u32)
        .map(|connection| lane(connection, format!("task for connection {connection}")))
        .collect();
    // The loop's one thread did all the serving.
    shares.push(WorkerShare {
        cpu_ns: Some(thread_cpu_ns() - cpu_start),
        ..WorkerShare::default()
    });
    ServerRun {
        lanes,
        shares,
        accepted: Some(accepted),
        dropped: HashMap::new(),
    }
}
