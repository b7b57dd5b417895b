//! Sequential and threads: the same worker loop on one or many OS threads.
//!
//! Task tree: `run_threads` spawns `workers` scoped threads; each pulls the
//! next task index from a shared atomic counter (the queue), runs it through
//! core's `WorkerCtx` (which handles the GIL) and hands back its answers,
//! events and CPU time when it joins. Nothing outlives the scope. The
//! workers share a count of the I/O tasks still busy (`Pending`), so the
//! convoy's CPU task computes exactly as long as the requests run.
//!
//! A task that panics fails alone (core catches the panic, and the GIL is
//! held through a guard that a panic releases); a thread that dies outside
//! a task is reported as a failure of the run instead of taking the runner
//! down. For the tests, `CONCUR_TEST_PANIC_TASK` names a task index that
//! panics as it starts, holding the GIL under threads-gil.

use super::Env;
use crate::clock::thread_cpu_ns;
use concur_core::clock::Clock;
use concur_core::experiment::Plan;
use concur_core::gil::Gil;
use concur_core::report::{RunOutcome, WorkerShare};
use concur_core::trace::Lane;
use concur_core::worker::{Pending, WorkerCtx};
use std::sync::atomic::AtomicUsize;
use std::time::Duration;

/// Test hook: the task with this index panics as it starts.
const PANIC_TASK_VAR: &str = "CONCUR_TEST_PANIC_TASK";

/// The task index `CONCUR_TEST_PANIC_TASK` names, if it is set.
fn panic_task() -> Option<u32> {
    std::env::var(PANIC_TASK_VAR).ok()?.parse().ok()
}

fn work(
    lane: u32,
    workers: u32,
    plan: &Plan,
    next: &AtomicUsize,
    pending: &Pending,
    gil: Option<&Gil>,
    env: &Env,
) -> WorkerShare {
    let cpu_start = thread_cpu_ns();
    let mut ctx = WorkerCtx::new(lane, &env.clock, gil).sharing(pending);
    ctx.start();
    let panic_task = panic_task();
    let outcomes = ctx.run_share_with(plan, lane, workers, next, |ctx, task| {
        if panic_task == Some(task.idx) {
            panic!("{PANIC_TASK_VAR}={} (a test hook)", task.idx);
        }
        ctx.run_task(task, &env.io)
    });
    WorkerShare {
        outcomes,
        events: ctx.finish(),
        cpu_ns: Some(thread_cpu_ns() - cpu_start),
        failures: Vec::new(),
    }
}

/// Every task on the calling thread, one after another.
pub fn run_sequential(plan: &Plan, env: &Env) -> RunOutcome {
    let start = env.clock.now_ns();
    let pending = Pending::of(plan);
    let result = work(0, 1, plan, &AtomicUsize::new(0), &pending, None, env);
    let end = env.clock.now_ns();
    let lanes = vec![Lane {
        id: 0,
        name: "main thread".into(),
        pid: std::process::id(),
    }];
    RunOutcome::assemble(start, end, plan.tasks.len(), lanes, [result])
}

/// Tasks spread over `workers` OS threads, with the emulated GIL when
/// `gil_switch` is set.
pub fn run_threads(
    plan: &Plan,
    workers: u32,
    gil_switch: Option<Duration>,
    env: &Env,
) -> RunOutcome {
    let gil = gil_switch.map(Gil::new);
    let next = AtomicUsize::new(0);
    let pending = Pending::of(plan);
    let start = env.clock.now_ns();
    let results: Vec<WorkerShare> = std::thread::scope(|scope| {
        let handles: Vec<_> = (0..workers)
            .map(|lane| {
                let (next, pending, gil) = (&next, &pending, gil.as_ref());
                std::thread::Builder::new()
                    .name(format!("worker-{}", lane + 1))
                    .spawn_scoped(scope, move || {
                        work(lane, workers, plan, next, pending, gil, env)
                    })
                    .expect("the OS refused to start a thread")
            })
            .collect();
        handles
            .into_iter()
            .zip(1..)
            .map(|(handle, worker)| {
                handle.join().unwrap_or_else(|_| WorkerShare {
                    failures: vec![format!(
                        "worker {worker}: its thread panicked between tasks"
                    )],
                    ..WorkerShare::default()
                })
            })
            .collect()
    });
    let end = env.clock.now_ns();
    let lanes = (0..workers)
        .map(|lane| Lane {
            id: lane,
            name: format!("worker {}", lane + 1),
            pid: std::process::id(),
        })
        .collect();
    RunOutcome::assemble(start, end, plan.tasks.len(), lanes, results)
}
