//! Tests of the worker loop: the GIL around computations and blocking I/O,
//! database inserts, and tasks that panic.

use super::*;
use crate::trace::Trace;
use std::time::{Duration, Instant};

/// A clock counting from its creation, for tests that run workers here
/// (also the steps tests and `analysis`'s real run).
pub(crate) struct TestClock(pub(crate) Instant);
impl Clock for TestClock {
    fn now_ns(&self) -> u64 {
        self.0.elapsed().as_nanos() as u64
    }
}

struct NoIo;
impl BlockingIo for NoIo {
    fn get(&self, _url: &str) -> Result<u16, String> {
        std::thread::sleep(Duration::from_millis(20));
        Ok(200)
    }
    fn open_db(&self, _db: &str) -> Result<Box<dyn DbConnection + '_>, String> {
        Err("no database here".into())
    }
    fn sleep_ms(&self, ms: u64) {
        std::thread::sleep(Duration::from_millis(ms));
    }
}

/// A database with one writer at a time: a commit holds a shared lock
/// for 1 ms and reports how long it waited for it. It also checks that
/// nobody holds the GIL while it works.
struct OneWriter<'g>(&'g std::sync::Mutex<u32>, &'g Gil);
impl DbConnection for OneWriter<'_> {
    fn insert_commit(&mut self, task_idx: u32, _row: u32) -> Result<u64, String> {
        // Task i runs on lane i here; another lane may hold the GIL.
        assert_ne!(
            self.1.holder(),
            Some(task_idx),
            "the GIL is let go around the commit"
        );
        let asked = Instant::now();
        let mut rows = self.0.lock().unwrap();
        let waited = asked.elapsed().as_nanos() as u64;
        std::thread::sleep(Duration::from_millis(1));
        *rows += 1;
        Ok(waited)
    }
}
struct Db<'g>(&'g std::sync::Mutex<u32>, &'g Gil);
impl BlockingIo for Db<'_> {
    fn get(&self, _url: &str) -> Result<u16, String> {
        Ok(200)
    }
    fn open_db(&self, _db: &str) -> Result<Box<dyn DbConnection + '_>, String> {
        Ok(Box::new(OneWriter(self.0, self.1)))
    }
    fn sleep_ms(&self, ms: u64) {
        std::thread::sleep(Duration::from_millis(ms));
    }
}

/// Two threads each sum 30M square roots (tens of ms) and return the trace.
fn two_cpu_threads(gil: Option<&Gil>) -> Trace {
    let clock = TestClock(Instant::now());
    let task = Task {
        idx: 0,
        op: Op::CpuSqrt { n: 30_000_000 },
    };
    let mut events = Vec::new();
    std::thread::scope(|scope| {
        let handles: Vec<_> = (0..2)
            .map(|lane| {
                let (clock, task) = (&clock, &task);
                scope.spawn(move || {
                    let mut ctx = WorkerCtx::new(lane, clock, gil);
                    ctx.start();
                    ctx.run_task(task, &NoIo).unwrap();
                    ctx.finish()
                })
            })
            .collect();
        for handle in handles {
            events.extend(handle.join().unwrap());
        }
    });
    Trace {
        lanes: vec![],
        events,
    }
}

#[test]
fn inserts_commit_every_row_without_the_gil_and_show_lock_waits() {
    let gil = Gil::new(Duration::from_millis(5));
    let rows = std::sync::Mutex::new(0u32);
    let clock = TestClock(Instant::now());
    let db = Db(&rows, &gil);
    let task = |idx| Task {
        idx,
        op: Op::Insert {
            db: "t".into(),
            rows: 5,
            process_ms: 1,
        },
    };
    let mut events = Vec::new();
    std::thread::scope(|scope| {
        let handles: Vec<_> = (0..2u32)
            .map(|lane| {
                let (clock, gil, db) = (&clock, &gil, &db);
                scope.spawn(move || {
                    let mut ctx = WorkerCtx::new(lane, clock, Some(gil));
                    ctx.start();
                    assert_eq!(
                        ctx.run_task(&task(lane), db),
                        Ok(TaskAnswer::Rows { inserted: 5 })
                    );
                    ctx.finish()
                })
            })
            .collect();
        for handle in handles {
            events.extend(handle.join().unwrap());
        }
    });
    assert_eq!(*rows.lock().unwrap(), 10);
    assert_eq!(
        events
            .iter()
            .filter(|e| e.kind == EventKind::IoWait)
            .count(),
        10
    );
    assert_eq!(
        events.iter().filter(|e| e.kind == EventKind::Idle).count(),
        10
    );
}

#[test]
fn with_the_gil_on_no_two_run_events_overlap() {
    let gil = Gil::new(Duration::from_millis(5));
    let trace = two_cpu_threads(Some(&gil));
    assert!(trace.of_kind(EventKind::Run).count() >= 2);
    assert!(!trace.lanes_overlap(EventKind::Run));
    assert!(trace.total_ns(EventKind::GilWait) > 0);
}

#[test]
fn with_the_gil_off_run_events_overlap() {
    let trace = two_cpu_threads(None);
    assert_eq!(trace.of_kind(EventKind::Run).count(), 2);
    assert!(trace.lanes_overlap(EventKind::Run));
    assert_eq!(trace.of_kind(EventKind::GilWait).count(), 0);
}

#[test]
fn blocking_io_runs_without_the_gil() {
    let gil = Gil::new(Duration::from_millis(5));
    let clock = TestClock(Instant::now());
    let mut ctx = WorkerCtx::new(0, &clock, Some(&gil));
    ctx.start();
    let get = Task {
        idx: 3,
        op: Op::Get {
            url: "http://h/".into(),
            keep_alive: false,
        },
    };
    struct CheckFree<'g>(&'g Gil);
    impl BlockingIo for CheckFree<'_> {
        fn get(&self, _url: &str) -> Result<u16, String> {
            assert_eq!(self.0.holder(), None);
            Ok(204)
        }
        fn open_db(&self, _db: &str) -> Result<Box<dyn DbConnection + '_>, String> {
            Err("no database here".into())
        }
        fn sleep_ms(&self, _ms: u64) {}
    }
    assert_eq!(
        ctx.run_task(&get, &CheckFree(&gil)),
        Ok(TaskAnswer::Status(204))
    );
    assert_eq!(gil.holder(), Some(0));
    let events = ctx.finish();
    assert_eq!(gil.holder(), None);
    assert!(
        events
            .iter()
            .any(|e| e.kind == EventKind::IoWait && e.task_idx == Some(3))
    );
}

/// A plan of `ops` taken from one queue (the steps tests use it too).
pub(super) fn plan_of(ops: Vec<Op>) -> Plan {
    Plan {
        experiment: "test",
        tasks: ops
            .into_iter()
            .enumerate()
            .map(|(idx, op)| Task {
                idx: idx as u32,
                op,
            })
            .collect(),
        dispatch: Dispatch::Queue,
    }
}

#[test]
fn a_task_that_panics_holding_the_gil_fails_alone_and_the_others_finish() {
    let gil = Gil::new(Duration::from_millis(1));
    let clock = TestClock(Instant::now());
    let plan = plan_of(vec![Op::CpuSqrt { n: 200_000 }; 6]);
    let next = AtomicUsize::new(0);
    let mut outcomes = Vec::new();
    std::thread::scope(|scope| {
        let handles: Vec<_> = (0..2u32)
            .map(|lane| {
                let (clock, gil, plan, next) = (&clock, &gil, &plan, &next);
                scope.spawn(move || {
                    let mut ctx = WorkerCtx::new(lane, clock, Some(gil));
                    ctx.start();
                    let outcomes = ctx.run_share_with(plan, lane, 2, next, |ctx, task| {
                        assert_eq!(gil.holder(), Some(lane), "tasks start holding the GIL");
                        if task.idx == 2 {
                            panic!("task 2 fails on purpose");
                        }
                        ctx.run_task(task, &NoIo)
                    });
                    ctx.finish();
                    outcomes
                })
            })
            .collect();
        for handle in handles {
            outcomes.extend(handle.join().expect("the panic stays inside its task"));
        }
    });
    outcomes.sort_by_key(|(idx, _)| *idx);
    assert_eq!(outcomes.len(), 6);
    for (idx, outcome) in &outcomes {
        match (idx, outcome) {
            (2, Err(why)) => assert_eq!(why, "task 2: panicked: task 2 fails on purpose"),
            (_, Ok(TaskAnswer::Sum(_))) => {}
            other => panic!("unexpected outcome {other:?}"),
        }
    }
    assert_eq!(gil.holder(), None);
}

#[test]
fn a_task_that_panics_without_the_gil_takes_it_back_for_the_next() {
    struct PanickingGet;
    impl BlockingIo for PanickingGet {
        fn get(&self, _url: &str) -> Result<u16, String> {
            panic!("the GET blew up");
        }
        fn open_db(&self, _db: &str) -> Result<Box<dyn DbConnection + '_>, String> {
            Err("no database here".into())
        }
        fn sleep_ms(&self, _ms: u64) {}
    }
    let gil = Gil::new(Duration::from_millis(5));
    let clock = TestClock(Instant::now());
    let get = Op::Get {
        url: "http://h/".into(),
        keep_alive: false,
    };
    let plan = plan_of(vec![get.clone(), get]);
    let mut ctx = WorkerCtx::new(0, &clock, Some(&gil));
    ctx.start();
    let mut holders = Vec::new();
    let outcomes = ctx.run_share_with(&plan, 0, 1, &AtomicUsize::new(0), |ctx, task| {
        holders.push(gil.holder());
        ctx.run_task(task, &PanickingGet)
    });
    assert_eq!(holders, [Some(0), Some(0)], "each task starts with the GIL");
    assert_eq!(
        outcomes,
        [
            (0, Err("task 0: panicked: the GET blew up".to_string())),
            (1, Err("task 1: panicked: the GET blew up".to_string())),
        ]
    );
    ctx.finish();
    assert_eq!(gil.holder(), None);
}
