//! The analysis on a real run: two threads under the emulated GIL (a
//! 1 ms switch interval) sum square roots in this process, as the
//! threads-gil model runs cpu-sqrt, and the GIL numbers and the replay
//! must agree with what the lock allows.

use super::gil::{gil_holder_at, gil_stats};
use super::latency::{histogram, latencies};
use super::replay::state_at;
use crate::experiment::{Plan, find};
use crate::gil::Gil;
use crate::trace::{EventKind, Lane, Trace};
use crate::worker::tests::TestClock;
use crate::worker::{BlockingIo, DbConnection, WorkerCtx};
use std::sync::atomic::AtomicUsize;
use std::time::{Duration, Instant};

/// No I/O: cpu-sqrt makes none.
struct NoIo;
impl BlockingIo for NoIo {
    fn get(&self, _url: &str) -> Result<u16, String> {
        Err("no I/O in this test".into())
    }
    fn open_db(&self, _db: &str) -> Result<Box<dyn DbConnection + '_>, String> {
        Err("no database in this test".into())
    }
    fn sleep_ms(&self, ms: u64) {
        std::thread::sleep(Duration::from_millis(ms));
    }
}

/// cpu-sqrt's plan with 4 tasks of `n` square roots for 2 workers.
fn small_plan(n: u64) -> Plan {
    let experiment = find("cpu-sqrt").expect("cpu-sqrt is in the catalog");
    let mut params = experiment.defaults.clone();
    params.set_n(n).expect("n in range");
    params.set_tasks(4).expect("tasks in range");
    params.set_workers(2).expect("workers in range");
    experiment.plan(&params, "")
}

/// Runs `plan` on two threads sharing one emulated GIL.
fn run_threads_gil(plan: &Plan) -> Trace {
    let gil = Gil::new(Duration::from_millis(1));
    let clock = TestClock(Instant::now());
    let next = AtomicUsize::new(0);
    let mut events = Vec::new();
    std::thread::scope(|scope| {
        let handles: Vec<_> = (0..2u32)
            .map(|lane| {
                let (gil, clock, next) = (&gil, &clock, &next);
                scope.spawn(move || {
                    let mut ctx = WorkerCtx::new(lane, clock, Some(gil));
                    ctx.start();
                    let outcomes = ctx.run_share(plan, lane, 2, next, &NoIo);
                    assert!(outcomes.iter().all(|(_, answer)| answer.is_ok()));
                    ctx.finish()
                })
            })
            .collect();
        for handle in handles {
            events.extend(handle.join().expect("a worker thread"));
        }
    });
    let lanes = (0..2)
        .map(|id| Lane {
            id,
            name: format!("worker {}", id + 1),
            pid: 1,
        })
        .collect();
    Trace { lanes, events }
}

#[test]
fn a_real_threads_gil_run_has_one_holder_and_consistent_shares() {
    let plan = small_plan(1_000_000);
    let trace = run_threads_gil(&plan);
    let (start, end) = trace.span_ns().expect("events");
    assert!(end > start);

    for step in 0..200u64 {
        let t = start + (end - start) * step / 200;
        let states = state_at(&trace, t);
        let running: Vec<u32> = states
            .iter()
            .filter(|state| state.kind == Some(EventKind::Run))
            .map(|state| state.lane)
            .collect();
        assert!(running.len() <= 1, "two lanes compute at {t}: {states:?}");
        let holder = gil_holder_at(&trace, t);
        assert_eq!(holder.map(|(lane, _)| lane), running.first().copied());
        if let Some((_, since)) = holder {
            assert!(since <= t);
        }
        for state in &states {
            if state.kind == Some(EventKind::GilWait) {
                // Someone else holds it, or nobody computes: the lock is
                // changing hands (or held between two tasks).
                assert_ne!(holder.map(|(lane, _)| lane), Some(state.lane));
            }
        }
    }

    let stats = gil_stats(&trace);
    let span = (end - start) as f64;
    let sum: f64 = stats.lanes.iter().map(|lane| lane.held_share).sum();
    assert!(sum <= 1.0 + 1e-9, "held shares sum to {sum}");
    assert!((stats.held_share - sum).abs() < 1e-9, "an exclusive lock");
    for lane in &stats.lanes {
        let run_ns: u64 = trace
            .of_kind(EventKind::Run)
            .filter(|event| event.lane == lane.lane)
            .map(|event| event.duration_ns())
            .sum();
        assert_eq!(lane.held_ns, run_ns);
        assert!((lane.held_share - run_ns as f64 / span).abs() < 1e-9);
    }
    assert!(stats.handovers >= 1, "the second thread took the lock");
    assert_eq!(
        stats.handovers,
        stats.lanes.iter().map(|lane| lane.takes).sum::<u32>()
    );
    assert!(
        latencies(&plan, &trace).is_empty(),
        "cpu-sqrt makes no requests"
    );
    assert_eq!(histogram(&latencies(&plan, &trace)), None);
}
