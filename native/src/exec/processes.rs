//! Processes: a pool of worker processes fed over pipes.
//!
//! Task tree: `run_processes` spawns every worker from the calling thread
//! (which lives through the run, so each child's death signal stays armed),
//! then starts one scoped feeder thread per child. A feeder owns its child's
//! pipes: it pops the next task from the shared queue, encodes it, sends it,
//! waits for the answer and decodes it, until the queue is empty; then it
//! asks the child to leave and reaps it. If a child dies, its feeder reports
//! the task it was running and stops; the other feeders take the rest.
//!
//! Every wait on a child has a deadline, kept by the run's watchdog thread
//! (`exec::watchdog`): Ready, each answer (core's `task_deadline`, from the
//! task's operation), Bye and the exit. A child that lets one pass is
//! killed; its feeder reports the task by name and stops. A feeder that
//! unwinds kills and reaps its child through a guard.

use super::Env;
use super::watchdog::{StopOnDrop, Watchdog};
use super::worker::read_frame;
use crate::children;
use concur_core::answer::TaskAnswer;
use concur_core::clock::Clock;
use concur_core::experiment::{Plan, Task};
use concur_core::report::{RunOutcome, WorkerShare};
use concur_core::trace::{Event, EventKind, Lane, Recorder};
use concur_core::wire::{FromWorker, ToWorker, decode_body, encode_frame};
use concur_core::worker::{receive_shipped_answer, task_deadline};
use std::collections::VecDeque;
use std::io::{BufReader, Write};
use std::process::{Child, Command, Stdio};
use std::sync::Mutex;
use std::time::Duration;

/// How long a worker may take to say Ready: starting many debug builds on
/// a busy machine is slow, so it grows with the pool.
fn ready_deadline(workers: u32) -> Duration {
    Duration::from_secs(30) + Duration::from_millis(100) * workers
}

/// How long a worker may take to answer Shutdown with Bye, and then to exit.
const LEAVING_DEADLINE: Duration = Duration::from_secs(10);

/// One feeder's deadlines, kept by the run's watchdog.
struct Deadlines<'w> {
    watchdog: &'w Watchdog,
    slot: usize,
    pid: u32,
    workers: u32,
    cores: u32,
}

impl Deadlines<'_> {
    fn arm(&self, within: Duration) {
        self.watchdog.arm(self.slot, self.pid, within);
    }

    /// The limit that passed, when the watchdog killed the child.
    fn disarm(&self) -> Option<Duration> {
        self.watchdog.disarm(self.slot)
    }
}

/// A child not yet reaped: if its feeder unwinds, dropping this kills and
/// reaps it, so it cannot outlive the run.
struct Unreaped<'d, 'w>(&'d Deadlines<'w>);

impl Drop for Unreaped<'_, '_> {
    fn drop(&mut self) {
        let pid = self.0.pid;
        self.0.disarm();
        // The child is not reaped yet, so the pid still names it.
        crate::platform::kill(pid);
        children::unregister(pid);
        let _ = reap(pid);
    }
}

/// "12.0 s".
fn seconds(limit: Duration) -> String {
    format!("{:.1} s", limit.as_secs_f64())
}

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
    let mut command = Command::new(exe);
    command
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
        .stderr(Stdio::inherit());
    let child = crate::platform::spawn_child(&mut command)?;
    children::register(child.id());
    Ok(child)
}

fn read_message(stdout: &mut impl std::io::Read) -> Result<FromWorker, String> {
    match read_frame(stdout)? {
        Some(body) => decode_body(&body),
        None => Err("its pipe closed".to_string()),
    }
}

/// What `drive` works with besides the child.
struct Driving<'a, 'q> {
    recorder: &'a mut Recorder,
    spawn_start: u64,
    queue: &'a Mutex<VecDeque<&'q Task>>,
    env: &'a Env,
    deadlines: &'a Deadlines<'a>,
}

/// Drives one child through the queue; `Err` when the child failed.
fn drive(
    child: &mut Child,
    driving: Driving,
    fed: &mut Fed,
    in_flight: &mut Option<u32>,
) -> Result<(), String> {
    let Driving {
        recorder,
        spawn_start,
        queue,
        env,
        deadlines,
    } = driving;
    let mut stdin = child.stdin.take().ok_or("no stdin pipe")?;
    let mut stdout = BufReader::new(child.stdout.take().ok_or("no stdout pipe")?);
    deadlines.arm(ready_deadline(deadlines.workers));
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
            deadlines.arm(LEAVING_DEADLINE);
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
        deadlines.arm(task_deadline(&task.op, deadlines.workers, deadlines.cores));
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

/// What every feeder of a run shares.
struct Pool<'a, 'q> {
    queue: &'a Mutex<VecDeque<&'q Task>>,
    env: &'a Env,
    watchdog: &'a Watchdog,
    workers: u32,
    cores: u32,
}

fn feed(lane_id: u32, spawned: std::io::Result<Child>, spawn_start: u64, pool: &Pool) -> Fed {
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
    let deadlines = Deadlines {
        watchdog: pool.watchdog,
        slot: lane_id as usize,
        pid,
        workers: pool.workers,
        cores: pool.cores,
    };
    let unreaped = Unreaped(&deadlines);
    let mut recorder = Recorder::new(lane_id);
    let mut in_flight = None;
    let driving = Driving {
        recorder: &mut recorder,
        spawn_start,
        queue: pool.queue,
        env: pool.env,
        deadlines: &deadlines,
    };
    let driven = drive(&mut child, driving, &mut fed, &mut in_flight);
    let silent_for = deadlines.disarm();
    if driven.is_err() {
        // It may still be alive (a garbled message); it must not outlive us.
        let _ = child.kill();
    }
    deadlines.arm(LEAVING_DEADLINE);
    wait_until_ended(pid);
    let slow_to_exit = deadlines.disarm();
    // Unregistered first: once reaped, the pid may belong to someone else.
    children::unregister(pid);
    std::mem::forget(unreaped);
    let (status, cpu_ns) = reap(pid);
    fed.cpu_ns = cpu_ns;
    let worker = format!("worker {} (pid {pid})", lane_id + 1);
    let failure = match (driven, silent_for) {
        (Err(_), Some(limit)) => Some(format!(
            "{worker} gave no answer within {}; killed",
            seconds(limit)
        )),
        (Err(why), None) => Some(format!("{worker} {} ({why})", describe_exit(status))),
        (Ok(()), _) => slow_to_exit.map(|limit| {
            format!(
                "{worker} did not exit within {} of saying goodbye; killed",
                seconds(limit)
            )
        }),
    };
    match (failure, in_flight) {
        (Some(failure), Some(task_idx)) => fed
            .outcomes
            .push((task_idx, Err(format!("task {task_idx}: {failure}")))),
        (Some(failure), None) => fed.failures.push(failure),
        (None, _) => {}
    }
    fed.events.extend(recorder.into_events());
    fed
}

/// Blocks until the child `pid` has ended, without reaping it: until it is
/// reaped its pid cannot be handed out again, so the watchdog may still
/// kill it safely.
fn wait_until_ended(pid: u32) {
    crate::platform::wait_until_ended(pid);
}

/// Waits for the child and reads the system's account of its CPU time,
/// which covers a worker that was killed before it could say goodbye.
pub(crate) fn reap(pid: u32) -> (std::io::Result<std::process::ExitStatus>, u64) {
    crate::platform::reap(pid)
}

/// How a worker ended, for people: "was killed by signal 9 (SIGKILL)".
pub(crate) fn describe_exit(status: std::io::Result<std::process::ExitStatus>) -> String {
    match status {
        Ok(status) => crate::platform::describe_status(&status),
        Err(err) => format!("ended in an unknown way: {err}"),
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
    let watchdog = Watchdog::new(workers as usize);
    let pool = Pool {
        queue: &queue,
        env,
        watchdog: &watchdog,
        workers,
        cores: std::thread::available_parallelism().map_or(1, |n| n.get() as u32),
    };
    let fed: Vec<Fed> = std::thread::scope(|scope| {
        let _stop = StopOnDrop(&watchdog);
        scope.spawn(|| watchdog.watch());
        let handles: Vec<_> = spawned
            .into_iter()
            .map(|(lane, child, spawn_start)| {
                let pool = &pool;
                (
                    lane,
                    scope.spawn(move || feed(lane, child, spawn_start, pool)),
                )
            })
            .collect();
        handles
            .into_iter()
            .map(|(lane, handle)| {
                handle.join().unwrap_or_else(|_| Fed {
                    lane: Lane {
                        id: lane,
                        name: format!("worker {}", lane + 1),
                        pid: 0,
                    },
                    outcomes: Vec::new(),
                    failures: vec![format!("worker {}: its feeder thread panicked", lane + 1)],
                    events: Vec::new(),
                    cpu_ns: 0,
                })
            })
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
