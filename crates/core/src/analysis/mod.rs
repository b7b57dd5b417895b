//! Analysis of one recorded run, for the learner's view: pure functions
//! over a [`Trace`] (and, where requests matter, its [`Plan`]) that turn
//! slices of time into numbers and sentences.
//!
//! - [`gil`]: the GIL in numbers, as gil_load or py-spy report it: how much
//!   of the run each thread held the lock, waited for it, and how often it
//!   changed hands.
//! - [`latency`]: one latency per request (or echo client) and their
//!   distribution as a [`latency::Histogram`].
//! - [`replay`]: what every lane was doing at an instant, in words, and the
//!   instants a replay's step buttons jump to.
//!
//! Nothing here reads a clock or changes a trace; every function is
//! well-defined for any trace, even an empty one or one of another model.

pub mod gil;
pub mod latency;
pub mod replay;

#[cfg(test)]
mod fixtures;
#[cfg(test)]
mod gil_tests;
#[cfg(test)]
mod latency_tests;
#[cfg(test)]
mod real_run_tests;
#[cfg(test)]
mod replay_tests;

pub use gil::{GilStats, LaneGil, gil_holder_at, gil_stats};
pub use latency::{Bin, Histogram, RequestSpan, histogram, latencies, request_spans};
pub use replay::{LaneState, Step, describe_at, next_event, prev_event, state_at};

use crate::trace::{Event, Trace};
use std::collections::{BTreeSet, HashMap, HashSet};

/// Every lane of a trace with its name: the trace's own lanes in their
/// order, then any lane that only appears in events (named "lane N").
pub(crate) fn lanes_of(trace: &Trace) -> Vec<(u32, String)> {
    let known: HashSet<u32> = trace.lanes.iter().map(|lane| lane.id).collect();
    let mut lanes: Vec<(u32, String)> = trace
        .lanes
        .iter()
        .map(|lane| (lane.id, lane.name.clone()))
        .collect();
    let extra: BTreeSet<u32> = trace
        .events
        .iter()
        .map(|event| event.lane)
        .filter(|id| !known.contains(id))
        .collect();
    lanes.extend(extra.into_iter().map(|id| (id, format!("lane {id}"))));
    lanes
}

/// The events of every lane, each lane's sorted by start (then end), in
/// one pass over the trace (echo runs have thousands of lanes).
pub(crate) fn events_by_lane(trace: &Trace) -> HashMap<u32, Vec<&Event>> {
    let mut lanes: HashMap<u32, Vec<&Event>> = HashMap::new();
    for event in &trace.events {
        lanes.entry(event.lane).or_default().push(event);
    }
    for events in lanes.values_mut() {
        events.sort_by_key(|event| (event.start_ns, event.end_ns));
    }
    lanes
}

/// True when `event` covers instant `t_ns`: from its start up to, not
/// including, its end. A zero-length event covers no instant.
pub(crate) fn covers(event: &Event, t_ns: u64) -> bool {
    event.start_ns <= t_ns && t_ns < event.end_ns
}

/// A duration for people: "850 ns", "12.5 µs", "3.1 ms", "2.40 s".
pub fn format_duration(ns: u64) -> String {
    let ns_f = ns as f64;
    if ns < 1_000 {
        format!("{ns} ns")
    } else if ns < 1_000_000 {
        format!("{:.1} µs", ns_f / 1e3)
    } else if ns < 1_000_000_000 {
        format!("{:.1} ms", ns_f / 1e6)
    } else {
        format!("{:.2} s", ns_f / 1e9)
    }
}
