//! The GIL in numbers, as gil_load or py-spy's "GIL: x%" report it: for a
//! run of the threads-gil model, how much of the run each worker held the
//! lock, how much it waited for it, and how often the lock changed hands.
//!
//! Where the numbers come from (see `WorkerCtx` in `worker.rs`):
//! - **held** = the lane's `run` slices. Under the emulated GIL a worker
//!   computes only while it holds the lock, and every blocking step of I/O
//!   (an `io-wait` slice) happens with the lock let go, so `run` slices are
//!   held time and never overlap across lanes. The lock is also held for
//!   the few microseconds between a re-take and the next step of a GET, or
//!   between two tasks, which no slice records: held shares are exact for
//!   computing and a slight under-count of the whole.
//! - **waited** = the lane's `gil-wait` slices (the first take, every
//!   re-take after an I/O step, every forced hand-over at a checkpoint).
//! - **takes** = acquisitions: every `gil-wait` slice ends with its lane
//!   holding the lock, so the slices' ends, in time order, are the order in
//!   which the lock was taken. A take is a hand-over when the previous
//!   taker was another lane (even if the lock lay free in between, as
//!   after a release for I/O): the owner changed.

use crate::analysis::{covers, lanes_of};
use crate::experiment::CLIENT_LANES;
use crate::trace::{EventKind, Trace};
use serde::{Deserialize, Serialize};
use std::collections::HashMap;

/// One worker's share of the GIL.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct LaneGil {
    pub lane: u32,
    /// The lane's name, "worker 2".
    pub name: String,
    /// Share of the run's span (0..=1) this lane held the GIL (computed).
    pub held_share: f64,
    /// Share of the run's span (0..=1) this lane waited for the GIL.
    pub wait_share: f64,
    /// How many times this lane took the GIL from another lane.
    pub takes: u32,
    pub held_ns: u64,
    pub wait_ns: u64,
}

/// The GIL over one run.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct GilStats {
    /// Every worker lane (echo client lanes excluded), in the trace's order.
    pub lanes: Vec<LaneGil>,
    /// Share of the run's span (0..=1) anybody held the GIL.
    pub held_share: f64,
    /// How many times the GIL passed from one lane to another.
    pub handovers: u32,
}

/// One take of the GIL: who took it, when, and from whom (the previous
/// taker, None for the first take of the run).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Take {
    pub lane: u32,
    pub at_ns: u64,
    pub from: Option<u32>,
}

impl Take {
    /// True when the GIL changed owner with this take.
    pub fn is_handover(&self) -> bool {
        self.from.is_some_and(|from| from != self.lane)
    }
}

/// Every take of the GIL in time order: the ends of `gil-wait` slices.
pub fn takes(trace: &Trace) -> Vec<Take> {
    let mut ends: Vec<(u64, u32)> = trace
        .of_kind(EventKind::GilWait)
        .map(|event| (event.end_ns, event.lane))
        .collect();
    ends.sort_unstable();
    let mut previous = None;
    ends.into_iter()
        .map(|(at_ns, lane)| {
            let take = Take {
                lane,
                at_ns,
                from: previous,
            };
            previous = Some(lane);
            take
        })
        .collect()
}

/// The instants the GIL passed to another lane, in time order.
pub fn handover_instants(trace: &Trace) -> Vec<u64> {
    takes(trace)
        .into_iter()
        .filter(Take::is_handover)
        .map(|take| take.at_ns)
        .collect()
}

/// The GIL in numbers for `trace` (meaningful for threads-gil runs; for
/// other models "held" is simply computing, and there are no takes).
/// Shares are of the trace's span; an empty trace gives all zeros.
pub fn gil_stats(trace: &Trace) -> GilStats {
    let span = trace
        .span_ns()
        .map_or(0, |(start, end)| end.saturating_sub(start));
    let share = |ns: u64| {
        if span == 0 {
            0.0
        } else {
            (ns as f64 / span as f64).clamp(0.0, 1.0)
        }
    };
    let all_takes = takes(trace);
    let mut taken: HashMap<u32, u32> = HashMap::new();
    for take in all_takes.iter().filter(|take| take.is_handover()) {
        *taken.entry(take.lane).or_default() += 1;
    }
    let mut held: HashMap<u32, u64> = HashMap::new();
    let mut waited: HashMap<u32, u64> = HashMap::new();
    for event in &trace.events {
        match event.kind {
            EventKind::Run => *held.entry(event.lane).or_default() += event.duration_ns(),
            EventKind::GilWait => *waited.entry(event.lane).or_default() += event.duration_ns(),
            _ => {}
        }
    }
    let lanes: Vec<LaneGil> = lanes_of(trace)
        .into_iter()
        .filter(|(lane, _)| *lane < CLIENT_LANES)
        .map(|(lane, name)| {
            let held_ns = held.get(&lane).copied().unwrap_or(0);
            let wait_ns = waited.get(&lane).copied().unwrap_or(0);
            LaneGil {
                lane,
                name,
                held_share: share(held_ns),
                wait_share: share(wait_ns),
                takes: taken.get(&lane).copied().unwrap_or(0),
                held_ns,
                wait_ns,
            }
        })
        .collect();
    let handovers = all_takes.iter().filter(|take| take.is_handover()).count();
    GilStats {
        lanes,
        held_share: share(union_ns(trace, EventKind::Run)),
        handovers: u32::try_from(handovers).unwrap_or(u32::MAX),
    }
}

/// The time covered by slices of `kind` on any worker lane, overlaps
/// counted once.
fn union_ns(trace: &Trace, kind: EventKind) -> u64 {
    let mut slices: Vec<(u64, u64)> = trace
        .of_kind(kind)
        .filter(|event| event.lane < CLIENT_LANES)
        .map(|event| (event.start_ns, event.end_ns.max(event.start_ns)))
        .collect();
    slices.sort_unstable();
    let mut total = 0;
    let mut current: Option<(u64, u64)> = None;
    for (start, end) in slices {
        current = match current {
            Some((from, to)) if start <= to => Some((from, to.max(end))),
            Some((from, to)) => {
                total += to - from;
                Some((start, end))
            }
            None => Some((start, end)),
        };
    }
    total + current.map_or(0, |(from, to)| to - from)
}

/// Who holds the GIL at `t_ns`, and since when: the lane in a `run` slice
/// (under the emulated GIL at most one; should several compute, as without
/// a GIL, the first in the trace's lane order). It has held the lock since
/// it last took it: the end of its latest slice of another kind (its
/// `gil-wait`), else the start of its first `run` slice. None when nobody
/// computes: the lock is free, changing hands, or held between steps.
pub fn gil_holder_at(trace: &Trace, t_ns: u64) -> Option<(u32, u64)> {
    let running: HashMap<u32, u64> = trace
        .of_kind(EventKind::Run)
        .filter(|event| covers(event, t_ns))
        .map(|event| (event.lane, event.start_ns))
        .collect();
    if running.is_empty() {
        return None;
    }
    let (lane, run_start) = lanes_of(trace)
        .into_iter()
        .find_map(|(lane, _)| running.get(&lane).map(|&start| (lane, start)))?;
    let lane_events = || trace.events.iter().filter(move |event| event.lane == lane);
    let since = lane_events()
        .filter(|event| event.kind != EventKind::Run && event.end_ns <= t_ns)
        .map(|event| event.end_ns)
        .max()
        .or_else(|| {
            lane_events()
                .filter(|event| event.kind == EventKind::Run)
                .map(|event| event.start_ns)
                .min()
        })
        .unwrap_or(run_start);
    Some((lane, since.min(run_start)))
}
