//! Sequential and threads in the browser: core's worker loop on the
//! runner's own thread, or on the rayon pool's Web Workers.
//!
//! Task tree: `run_threads` opens a rayon scope and spawns one job per
//! worker; the pool has at least as many threads as a run may ask for, and
//! a job blocked on the GIL holds its thread, so every job gets a thread of
//! its own, as an OS thread would. The scope joins them all.

use crate::clock::BrowserClock;
use crate::io::XhrIo;
use concur_core::answer::{TaskAnswer, gather};
use concur_core::clock::Clock;
use concur_core::experiment::Plan;
use concur_core::gil::Gil;
use concur_core::report::RunOutcome;
use concur_core::trace::{Event, Lane, Trace};
use concur_core::worker::WorkerCtx;
use std::sync::atomic::AtomicUsize;
use std::time::Duration;

/// Stands in for a PID on lanes that live in the runner (browsers have none).
pub const RUNNER_PID: u32 = 1;

type Worked = (Vec<(u32, Result<TaskAnswer, String>)>, Vec<Event>);

fn work(
    lane: u32,
    workers: u32,
    plan: &Plan,
    next: &AtomicUsize,
    gil: Option<&Gil>,
    io: &XhrIo,
) -> Worked {
    let clock = BrowserClock;
    let mut ctx = WorkerCtx::new(lane, &clock, gil);
    ctx.start();
    let outcomes = ctx.run_share(plan, lane, workers, next, io);
    (outcomes, ctx.finish())
}

fn outcome(start_ns: u64, plan: &Plan, lanes: Vec<Lane>, worked: Vec<Worked>) -> RunOutcome {
    let end_ns = BrowserClock.now_ns();
    let mut events = Vec::new();
    let mut outcomes = Vec::new();
    for (lane_outcomes, lane_events) in worked {
        outcomes.extend(lane_outcomes);
        events.extend(lane_events);
    }
    let (answers, failures) = gather(plan.tasks.len(), outcomes);
    RunOutcome {
        start_ns,
        end_ns,
        cpu_ns: None,
        answers,
        failures,
        trace: Trace { lanes, events },
    }
}

/// Every task on the runner's thread, one after another.
pub fn run_sequential(plan: &Plan, io: &XhrIo) -> RunOutcome {
    let start = BrowserClock.now_ns();
    let worked = work(0, 1, plan, &AtomicUsize::new(0), None, io);
    let lanes = vec![Lane {
        id: 0,
        name: "runner thread".into(),
        pid: RUNNER_PID,
    }];
    outcome(start, plan, lanes, vec![worked])
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
    let start = BrowserClock.now_ns();
    let mut slots: Vec<Option<Worked>> = (0..workers).map(|_| None).collect();
    rayon::scope(|scope| {
        for (lane, slot) in slots.iter_mut().enumerate() {
            let (next, gil) = (&next, gil.as_ref());
            scope.spawn(move |_| *slot = Some(work(lane as u32, workers, plan, next, gil, io)));
        }
    });
    let lanes = (0..workers)
        .map(|lane| Lane {
            id: lane,
            name: format!("worker {}", lane + 1),
            pid: RUNNER_PID,
        })
        .collect();
    outcome(start, plan, lanes, slots.into_iter().flatten().collect())
}
