//! Processes: a pool of worker processes fed over pipes.
//!
//! Task tree: `run_processes` spawns every worker from the calling thread
//! (which lives through the run, so each child's death signal stays armed),
//! then starts one scoped feeder thread per child. A feeder owns its child's
//! pipes: it pops the next task from the shared queue, encodes it, sends it,
//! waits for the answer and decodes it, until the queue is empty; then it
//! asks the child to leave and reaps it. If a child dies, its feeder reports
//! the task it was running and stops; the other feeders take the rest.

use super::Env;
use super::worker::read_frame;
use crate::children;
use concur_core::answer::TaskAnswer;
use concur_core::clock::Clock;
use concur_core::experiment::{Plan, Task};
use concur_core::report::{RunOutcome, WorkerShare};
use concur_core::trace::{Event, EventKind, Lane, Recorder};
use concur_core::wire::{FromWorker, ToWorker, decode_body, encode_frame};
use concur_core::worker::receive_shipped_answer;
use std::collections::VecDeque;
use std::io::{BufReader, Write};
use std::process::{Child, Command, Stdio};
use std::sync::Mutex;

/// What one feeder brings back.
struct Fed {
    lane: Lane,
    outcomes: Vec<(u32, Result<TaskAnswer, String>)>,
    failures: Vec<String>,
    events: Vec<Event>,
    cpu_ns: u64,
}

fn spawn_worker(lane: u32, db_dir: &std::path::Path) -> std::io::Result<Child> {
    let exe = std::env::current_exe()?;
    let child = Command::new(exe)
        .args([
            "__worker",
            "--lane",
            &lane.to_string(),
            "--parent",
            &std::process::id().to_string(),
        ])
        .env(crate::db::DB_DIR_VAR, db_dir)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::inherit())
        .spawn()?;
    children::register(child.id());
    Ok(child)
}

fn read_message(stdout: &mut impl std::io::Read) -> Result<FromWorker, String> {
    match read_frame(stdout)? {
        Some(body) => decode_body(&body),
        None => Err("its pipe closed".to_string()),
    }
}

/// Drives one child through the queue; `Err` when the child failed.
fn drive(
    child: &mut Child,
    recorder: &mut Recorder,
    spawn_start: u64,
    queue: &Mutex<VecDeque<&Task>>,
    env: &Env,
    fed: &mut Fed,
    in_flight: &mut Option<u32>,
) -> Result<(), String> {
    let mut stdin = child.stdin.take().ok_or("no stdin pipe")?;
    let mut stdout = BufReader::new(child.stdout.take().ok_or("no stdout pipe")?);
    match read_message(&mut stdout)? {
        // The worker stamped its own start on the shared clock: that ends
        // its spawn slice, however late this feeder reads the message.
        FromWorker::Ready { ready_ns, .. } => {
            recorder.record(EventKind::Spawn, spawn_start, ready_ns, None)
        }
        other => return Err(format!("said {other:?} instead of Ready")),
    }
    loop {
        let next = queue.lock().unwrap_or_else(|p| p.into_inner()).pop_front();
        let Some(task) = next else {
            stdin
                .write_all(&encode_frame(&ToWorker::Shutdown))
                .and_then(|()| stdin.flush())
                .map_err(|err| format!("asking it to leave: {err}"))?;
            return match read_message(&mut stdout)? {
                FromWorker::Bye { .. } => Ok(()),
                other => Err(format!("said {other:?} instead of Bye")),
            };
        };
        *in_flight = Some(task.idx);
        let encode_start = env.clock.now_ns();
        let frame = encode_frame(&ToWorker::Task(task.clone()));
        recorder.record(
            EventKind::Serialize,
            encode_start,
            env.clock.now_ns(),
            Some(task.idx),
        );
        stdin
            .write_all(&frame)
            .and_then(|()| stdin.flush())
            .map_err(|err| format!("sending the task: {err}"))?;
        let reply = read_message(&mut stdout)?;
        let decode_start = env.clock.now_ns();
        let (outcome, events) =
            receive_shipped_answer(reply, task, decode_start, &env.clock, recorder)?;
        fed.events.extend(events);
        fed.outcomes.push((task.idx, outcome));
        *in_flight = None;
    }
}

fn feed(
    lane_id: u32,
    spawned: std::io::Result<Child>,
    spawn_start: u64,
    queue: &Mutex<VecDeque<&Task>>,
    env: &Env,
) -> Fed {
    let mut fed = Fed {
        lane: Lane {
            id: lane_id,
            name: format!("worker {}", lane_id + 1),
            pid: 0,
        },
        outcomes: Vec::new(),
        failures: Vec::new(),
        events: Vec::new(),
        cpu_ns: 0,
    };
    let mut child = match spawned {
        Ok(child) => child,
        Err(err) => {
            fed.failures
                .push(format!("worker {} could not start: {err}", lane_id + 1));
            return fed;
        }
    };
    let pid = child.id();
    fed.lane.pid = pid;
    let mut recorder = Recorder::new(lane_id);
    let mut in_flight = None;
    let driven = drive(
        &mut child,
        &mut recorder,
        spawn_start,
        queue,
        env,
        &mut fed,
        &mut in_flight,
    );
    if driven.is_err() {
        // It may still be alive (a garbled message); it must not outlive us.
        let _ = child.kill();
    }
    // Unregistered first: once reaped, the pid may belong to someone else.
    children::unregister(pid);
    let (status, cpu_ns) = reap(pid);
    fed.cpu_ns = cpu_ns;
    if let Err(why) = driven {
        let worker = format!(
            "worker {} (pid {pid}) {} ({why})",
            lane_id + 1,
            describe_exit(status)
        );
        match in_flight {
            Some(task_idx) => fed
                .outcomes
                .push((task_idx, Err(format!("task {task_idx}: {worker}")))),
            None => fed.failures.push(worker),
        }
    }
    fed.events.extend(recorder.into_events());
    fed
}

/// Waits for the child and reads the kernel's account of its CPU time,
/// which covers a worker that was killed before it could say goodbye.
pub(crate) fn reap(pid: u32) -> (std::io::Result<std::process::ExitStatus>, u64) {
    use std::os::unix::process::ExitStatusExt;
    let pid = pid as libc::pid_t;
    let mut status = 0;
    // SAFETY: rusage is plain old data, valid when zeroed.
    let mut usage: libc::rusage = unsafe { std::mem::zeroed() };
    loop {
        // SAFETY: both pointers refer to live, writable locals.
        let rc = unsafe { libc::wait4(pid, &mut status, 0, &mut usage) };
        if rc == pid {
            let micros = |t: libc::timeval| t.tv_sec as u64 * 1_000_000 + t.tv_usec as u64;
            let cpu_ns = (micros(usage.ru_utime) + micros(usage.ru_stime)) * 1000;
            return (Ok(std::process::ExitStatus::from_raw(status)), cpu_ns);
        }
        let err = std::io::Error::last_os_error();
        if err.kind() != std::io::ErrorKind::Interrupted {
            return (Err(err), 0);
        }
    }
}

/// How a worker ended, for people: "was killed by signal 9 (SIGKILL)".
pub(crate) fn describe_exit(status: std::io::Result<std::process::ExitStatus>) -> String {
    use std::os::unix::process::ExitStatusExt;
    match status {
        Ok(status) => match (status.code(), status.signal()) {
            (Some(code), _) => format!("exited with status {code}"),
            (None, Some(signal)) => format!("was killed by signal {signal}{}", signal_name(signal)),
            (None, None) => format!("ended: {status}"),
        },
        Err(err) => format!("ended in an unknown way: {err}"),
    }
}

fn signal_name(signal: i32) -> &'static str {
    match signal {
        libc::SIGKILL => " (SIGKILL)",
        libc::SIGTERM => " (SIGTERM)",
        libc::SIGSEGV => " (SIGSEGV)",
        libc::SIGABRT => " (SIGABRT)",
        libc::SIGINT => " (SIGINT)",
        _ => "",
    }
}

/// Runs the plan on `workers` worker processes.
pub fn run_processes(plan: &Plan, workers: u32, env: &Env) -> RunOutcome {
    let start = env.clock.now_ns();
    // Spawned here, on the thread that outlives them (see the module docs).
    let spawned: Vec<(u32, std::io::Result<Child>, u64)> = (0..workers)
        .map(|lane| {
            let spawn_start = env.clock.now_ns();
            (lane, spawn_worker(lane, &env.io.db_dir), spawn_start)
        })
        .collect();
    let queue = Mutex::new(plan.tasks.iter().collect::<VecDeque<_>>());
    let fed: Vec<Fed> = std::thread::scope(|scope| {
        let handles: Vec<_> = spawned
            .into_iter()
            .map(|(lane, child, spawn_start)| {
                let queue = &queue;
                scope.spawn(move || feed(lane, child, spawn_start, queue, env))
            })
            .collect();
        handles
            .into_iter()
            .map(|handle| handle.join().expect("a feeder thread panicked"))
            .collect()
    });
    let end = env.clock.now_ns();
    let leftover = queue.into_inner().unwrap_or_else(|p| p.into_inner());
    let unrun = WorkerShare {
        outcomes: leftover
            .iter()
            .map(|task| {
                (
                    task.idx,
                    Err(format!(
                        "task {}: not run: every worker process had died",
                        task.idx
                    )),
                )
            })
            .collect(),
        ..WorkerShare::default()
    };
    let lanes = fed.iter().map(|worker| worker.lane.clone()).collect();
    let shares = fed.into_iter().map(|worker| WorkerShare {
        outcomes: worker.outcomes,
        failures: worker.failures,
        events: worker.events,
        cpu_ns: Some(worker.cpu_ns),
    });
    RunOutcome::assemble(start, end, plan.tasks.len(), lanes, shares.chain([unrun]))
}
