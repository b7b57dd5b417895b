//! Sequential and threads in the browser: core's worker loop on the
//! runner's own thread, or on the rayon pool's Web Workers.
//!
//! Task tree: `run_threads` opens a rayon scope and spawns one job per
//! worker; the pool has at least as many threads as a run may ask for, and
//! a job blocked on the GIL holds its thread, so every job gets a thread of
//! its own, as an OS thread would. The scope joins them all. The workers
//! share a count of the I/O tasks still busy (`Pending`), so the convoy's
//! CPU task computes for as long as the requests run, as natively.

use crate::clock::BrowserClock;
use crate::io::XhrIo;
use concur_core::clock::Clock;
use concur_core::experiment::Plan;
use concur_core::gil::Gil;
use concur_core::report::{RunOutcome, WorkerShare};
use concur_core::trace::Lane;
use concur_core::worker::{Pending, WorkerCtx};
use std::sync::atomic::AtomicUsize;
use std::time::Duration;

/// Stands in for a PID on lanes that live in the runner (browsers have none).
pub const RUNNER_PID: u32 = 1;

fn work(
    lane: u32,
    workers: u32,
    plan: &Plan,
    next: &AtomicUsize,
    pending: &Pending,
    gil: Option<&Gil>,
    io: &XhrIo,
) -> WorkerShare {
    let clock = BrowserClock;
    let mut ctx = WorkerCtx::new(lane, &clock, gil).sharing(pending);
    ctx.start();
    let outcomes = ctx.run_share(plan, lane, workers, next, io);
    WorkerShare {
        outcomes,
        events: ctx.finish(),
        ..WorkerShare::default()
    }
}

/// Every task on the runner's thread, one after another.
pub fn run_sequential(plan: &Plan, io: &XhrIo) -> RunOutcome {
    let start = BrowserClock.now_ns();
    let pending = Pending::of(plan);
    let worked = work(0, 1, plan, &AtomicUsize::new(0), &pending, None, io);
    let lanes = vec![Lane {
        id: 0,
        name: "runner thread".into(),
        pid: RUNNER_PID,
    }];
    RunOutcome::assemble(
        start,
        BrowserClock.now_ns(),
        plan.tasks.len(),
        lanes,
        [worked],
    )
}

/// Tasks spread over `workers` pool threads, with the emulated GIL when
/// `gil_switch` is set.
pub fn run_threads(
    plan: &Plan,
    workers: u32,
    gil_switch: Option<Duration>,
    io: &XhrIo,
) -> RunOutcome {
    let gil = gil_switch.map(Gil::new);
    let next = AtomicUsize::new(0);
    let pending = Pending::of(plan);
    let start = BrowserClock.now_ns();
    let mut slots: Vec<Option<WorkerShare>> = (0..workers).map(|_| None).collect();
    rayon::scope(|scope| {
        for (lane, slot) in slots.iter_mut().enumerate() {
            let (next, pending, gil) = (&next, &pending, gil.as_ref());
            scope.spawn(move |_| {
                *slot = Some(work(lane as u32, workers, plan, next, pending, gil, io))
            });
        }
    });
    let lanes = (0..workers)
        .map(|lane| Lane {
            id: lane,
            name: format!("worker {}", lane + 1),
            pid: RUNNER_PID,
        })
        .collect();
    let end = BrowserClock.now_ns();
    RunOutcome::assemble(
        start,
        end,
        plan.tasks.len(),
        lanes,
        slots.into_iter().flatten(),
    )
}
