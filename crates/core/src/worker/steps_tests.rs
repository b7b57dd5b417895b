//! Tests of GETs in blocking steps under the emulated GIL, and of the
//! convoy's CPU task computing for as long as the I/O is busy.

use super::tests::{TestClock, plan_of};
use super::*;
use crate::trace::Trace;
use crate::workload;
use std::time::{Duration, Instant};

/// The steps of one small response on a new connection.
const STEPS: [Step; 5] = [
    Step::Connect,
    Step::Send,
    Step::Receive,
    Step::Receive,
    Step::Close,
];

/// A GET in [`STEPS`], each blocking 1 ms; it checks that lane `lane` does
/// not hold the GIL during a step.
struct Stepwise<'g> {
    gil: Option<&'g Gil>,
    lane: u32,
}
impl BlockingIo for Stepwise<'_> {
    fn get(&self, _url: &str) -> Result<u16, String> {
        Err("only in steps".into())
    }
    fn get_in_steps(
        &self,
        request: &GetRequest<'_>,
        steps: &mut Steps<'_>,
    ) -> Result<Reply, String> {
        assert!(!request.keep_alive);
        for step in STEPS {
            steps.blocking(step, || {
                if let Some(gil) = self.gil {
                    assert_ne!(gil.holder(), Some(self.lane), "{step:?} holds the GIL");
                }
                std::thread::sleep(Duration::from_millis(1));
            });
        }
        Ok(Reply::Status(200))
    }
    fn open_db(&self, _db: &str) -> Result<Box<dyn DbConnection + '_>, String> {
        Err("no database here".into())
    }
    fn sleep_ms(&self, _ms: u64) {}
}

const REQUESTS: u32 = 6;
const ROUND: u64 = 200_000;

/// The convoy's two tasks on two threads sharing a [`Pending`]: GETs in
/// [`STEPS`] on lane 0 and CPU rounds on lane 1; the answers and the trace.
fn convoy(gil: Option<&Gil>) -> (Vec<TaskResult>, Trace) {
    let clock = TestClock(Instant::now());
    let plan = plan_of(vec![
        Op::Gets {
            url: "http://h/".into(),
            count: REQUESTS,
            keep_alive: false,
        },
        Op::CpuWhileIo {
            n: ROUND,
            max_ms: 0,
        },
    ]);
    let (next, pending) = (AtomicUsize::new(0), Pending::of(&plan));
    let mut outcomes = Vec::new();
    let mut events = Vec::new();
    std::thread::scope(|scope| {
        let handles: Vec<_> = (0..2u32)
            .map(|lane| {
                let (clock, plan, next, pending) = (&clock, &plan, &next, &pending);
                scope.spawn(move || {
                    let mut ctx = WorkerCtx::new(lane, clock, gil).sharing(pending);
                    ctx.start();
                    let io = Stepwise { gil, lane };
                    let outcomes = ctx.run_share(plan, lane, 2, next, &io);
                    (outcomes, ctx.finish())
                })
            })
            .collect();
        for handle in handles {
            let (done, lane_events) = handle.join().unwrap();
            outcomes.extend(done);
            events.extend(lane_events);
        }
    });
    outcomes.sort_by_key(|(idx, _)| *idx);
    (
        outcomes,
        Trace {
            lanes: vec![],
            events,
        },
    )
}

fn of_task(trace: &Trace, kind: EventKind, task_idx: u32) -> Vec<&Event> {
    trace
        .events
        .iter()
        .filter(|e| e.kind == kind && e.task_idx == Some(task_idx))
        .collect()
}

#[test]
fn under_contention_every_step_of_a_request_re_takes_the_gil() {
    let gil = Gil::new(Duration::from_millis(1));
    let (outcomes, trace) = convoy(Some(&gil));
    assert_eq!(
        outcomes[0].1,
        Ok(TaskAnswer::Requests {
            ok: REQUESTS,
            total: REQUESTS
        })
    );
    let steps = STEPS.len() * REQUESTS as usize;
    // One io-wait slice per step, and the lock taken back after each one.
    assert_eq!(of_task(&trace, EventKind::IoWait, 0).len(), steps);
    assert_eq!(of_task(&trace, EventKind::GilWait, 0).len(), steps);
    // The CPU task held the lock meanwhile, so taking it back cost time.
    let waited: u64 = of_task(&trace, EventKind::GilWait, 0)
        .iter()
        .map(|e| e.duration_ns())
        .sum();
    assert!(waited > 0);
    assert!(!trace.lanes_overlap(EventKind::Run));
    assert_eq!(gil.holder(), None);
}

#[test]
fn without_a_gil_a_request_is_one_io_wait_and_no_gil_wait() {
    let (outcomes, trace) = convoy(None);
    assert!(outcomes[0].1.is_ok());
    assert_eq!(
        of_task(&trace, EventKind::IoWait, 0).len(),
        REQUESTS as usize
    );
    assert_eq!(trace.of_kind(EventKind::GilWait).count(), 0);
}

#[test]
fn the_cpu_task_computes_until_the_requests_are_done_and_answers_one_round() {
    for gil in [Some(Gil::new(Duration::from_millis(1))), None] {
        let (outcomes, trace) = convoy(gil.as_ref());
        let last_end = |task_idx| {
            trace
                .events
                .iter()
                .filter(|e| e.task_idx == Some(task_idx))
                .map(|e| e.end_ns)
                .max()
                .unwrap()
        };
        assert!(
            last_end(1) >= last_end(0),
            "the CPU task stopped before the requests were done"
        );
        let round = workload::cpu_sqrt(ROUND, || {});
        match outcomes[1].1 {
            Ok(TaskAnswer::Sum(sum)) => assert_eq!(sum.to_bits(), round.to_bits()),
            ref other => panic!("unexpected answer {other:?}"),
        }
    }
}

#[test]
fn a_cpu_task_that_cannot_see_the_requests_stops_after_its_time() {
    let clock = TestClock(Instant::now());
    let mut ctx = WorkerCtx::new(0, &clock, None);
    let task = Task {
        idx: 0,
        op: Op::CpuWhileIo {
            n: 1000,
            max_ms: 20,
        },
    };
    let started = clock.now_ns();
    let answer = ctx.compute(&task);
    let ended = clock.now_ns();
    assert_eq!(
        answer,
        Some(TaskAnswer::Sum(workload::cpu_sqrt(1000, || {})))
    );
    // It reads the same clock to stop, so it cannot stop sooner.
    assert!(ended - started >= 20_000_000);
}
