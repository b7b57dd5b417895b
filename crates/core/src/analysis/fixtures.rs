//! Made-up traces for the analysis tests: slices given in milliseconds
//! after a base instant, so tests can also look before a trace begins.

use crate::experiment::{Dispatch, Op, Plan, Task};
use crate::trace::{Event, EventKind, Lane, Trace};

/// Where synthetic traces begin, in nanoseconds.
pub const BASE_NS: u64 = 1_000_000_000;

/// The instant `ms` milliseconds after [`BASE_NS`].
pub fn at(ms: f64) -> u64 {
    BASE_NS + (ms * 1e6).round() as u64
}

/// A slice on `lane` from `start_ms` to `end_ms`.
pub fn slice(lane: u32, kind: EventKind, start_ms: f64, end_ms: f64, task: Option<u32>) -> Event {
    Event {
        lane,
        kind,
        start_ns: at(start_ms),
        end_ns: at(end_ms),
        task_idx: task,
    }
}

/// Lanes 0..n named "worker 1".."worker n".
pub fn workers(n: u32) -> Vec<Lane> {
    (0..n)
        .map(|id| Lane {
            id,
            name: format!("worker {}", id + 1),
            pid: 1,
        })
        .collect()
}

/// Two workers under the GIL taking turns every 5 ms for 30 ms:
/// worker 1 computes at 0-5, 10-15, 20-25 (task 0), worker 2 at 5-10,
/// 15-20, 25-30 (task 1), each waiting for the GIL while the other runs.
pub fn alternation() -> Trace {
    use EventKind::{GilWait, Run};
    let events = vec![
        slice(0, GilWait, 0.0, 0.0, None),
        slice(0, Run, 0.0, 5.0, Some(0)),
        slice(0, GilWait, 5.0, 10.0, Some(0)),
        slice(0, Run, 10.0, 15.0, Some(0)),
        slice(0, GilWait, 15.0, 20.0, Some(0)),
        slice(0, Run, 20.0, 25.0, Some(0)),
        slice(1, GilWait, 0.0, 5.0, None),
        slice(1, Run, 5.0, 10.0, Some(1)),
        slice(1, GilWait, 10.0, 15.0, Some(1)),
        slice(1, Run, 15.0, 20.0, Some(1)),
        slice(1, GilWait, 20.0, 25.0, Some(1)),
        slice(1, Run, 25.0, 30.0, Some(1)),
    ];
    Trace {
        lanes: workers(2),
        events,
    }
}

/// A plan of these operations, task i being the i-th.
pub fn plan_of(ops: Vec<Op>) -> Plan {
    Plan {
        experiment: "synthetic",
        tasks: (0..).zip(ops).map(|(idx, op)| Task { idx, op }).collect(),
        dispatch: Dispatch::Queue,
    }
}

/// `count` GETs one after another.
pub fn gets(count: u32) -> Op {
    Op::Gets {
        url: "http://127.0.0.1:1/delay/10".into(),
        count,
        keep_alive: false,
    }
}

/// One GET.
pub fn get() -> Op {
    Op::Get {
        url: "http://127.0.0.1:1/delay/10".into(),
        keep_alive: false,
    }
}
