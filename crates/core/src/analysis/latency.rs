//! Latency per request and its distribution: what one GET (or one echo
//! client) cost from its first blocking step to its answer.
//!
//! A worker's request is its task's `io-wait` slices and, under the GIL,
//! the `gil-wait` slice after each step (taking the lock back): the
//! latency runs from the start of its first step to the end of its last
//! re-take, so GIL waits between steps count (the convoy: a 10 ms request
//! costing 30). `queue-wait` slices before it (a pool or semaphore slot)
//! and `serialize` slices (shipping a task to a process) do not. An echo
//! client's latency is its lane from first slice to last: waiting for the
//! server to take its connection, then for the echo, as
//! `report::request_ms` counts it.
//!
//! Where a task makes several GETs ([`crate::experiment::Op::Gets`]):
//! without a GIL each GET is one `io-wait` slice, so each is a request;
//! a `run` slice of the task between steps also separates requests. Under
//! the GIL as recorded today the steps of consecutive GETs follow each
//! other with nothing in between, so their boundaries are unknown: the
//! task becomes one [`RequestSpan`] covering `count` requests, and each of
//! them gets the task's mean (even if the task stopped early, on an error
//! or a timeout, after fewer GETs).
//!
//! Histograms use nearest-rank percentiles (the value at rank
//! ⌈p/100 · n⌉ of the sorted sample) and ⌈√n⌉ bins, at most 20, equal in
//! width, or equal in ratio (log-spaced) when max/min > 50.

use crate::experiment::{CLIENT_LANES, Plan};
use crate::trace::{Event, EventKind, Trace};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// The most bins a histogram has.
pub const MAX_BINS: usize = 20;

/// Above this max/min ratio bins are log-spaced.
pub const LOG_RATIO: f64 = 50.0;

/// One request, or several whose boundaries were not recorded.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct RequestSpan {
    pub task_idx: u32,
    pub lane: u32,
    pub start_ns: u64,
    pub end_ns: u64,
    /// How many requests the span covers: 1, or a GIL task's GET count
    /// when its per-request boundaries are unknown.
    pub requests: u32,
}

impl RequestSpan {
    /// Milliseconds per request of the span.
    pub fn latency_ms(&self) -> f64 {
        self.end_ns.saturating_sub(self.start_ns) as f64 / 1e6 / f64::from(self.requests.max(1))
    }
}

/// The requests of a run, in task order: those of the plan's GET tasks
/// (`Op::Get`, `Op::Check`, `Op::Gets`) and every echo client's lane.
/// A task that recorded no I/O (it failed first) has none.
pub fn request_spans(plan: &Plan, trace: &Trace) -> Vec<RequestSpan> {
    let mut per_task: BTreeMap<u32, Vec<&Event>> = BTreeMap::new();
    let mut per_client: BTreeMap<u32, Vec<&Event>> = BTreeMap::new();
    for event in &trace.events {
        if event.lane >= CLIENT_LANES {
            per_client.entry(event.lane).or_default().push(event);
        } else if let Some(idx) = event.task_idx
            && matches!(
                event.kind,
                EventKind::IoWait | EventKind::GilWait | EventKind::Run
            )
        {
            per_task.entry(idx).or_default().push(event);
        }
    }
    let mut spans = Vec::new();
    for task in &plan.tasks {
        let (Some((_, count)), Some(events)) = (task.op.requests(), per_task.get_mut(&task.idx))
        else {
            continue;
        };
        events.sort_by_key(|event| (event.start_ns, event.end_ns));
        spans.extend(task_requests(task.idx, count, events));
    }
    for (lane, events) in per_client {
        let start = events.iter().map(|event| event.start_ns).min();
        let end = events.iter().map(|event| event.end_ns).max();
        if let (Some(start_ns), Some(end_ns)) = (start, end) {
            spans.push(RequestSpan {
                task_idx: lane - CLIENT_LANES,
                lane,
                start_ns,
                end_ns,
                requests: 1,
            });
        }
    }
    spans.sort_by_key(|span| (span.task_idx, span.start_ns));
    spans
}

/// Splits one GET task's slices (sorted) into its requests.
fn task_requests(task_idx: u32, count: u32, events: &[&Event]) -> Vec<RequestSpan> {
    let span = |group: &[&Event], requests: u32| {
        let start_ns = group.iter().map(|event| event.start_ns).min()?;
        let end_ns = group.iter().map(|event| event.end_ns).max()?;
        Some(RequestSpan {
            task_idx,
            lane: group.first()?.lane,
            start_ns,
            end_ns,
            requests,
        })
    };
    let has = |kind| events.iter().any(|event| event.kind == kind);
    if has(EventKind::Run) {
        // Computing between requests marks where one ends.
        return events
            .split(|event| event.kind == EventKind::Run)
            .filter(|group| group.iter().any(|event| event.kind == EventKind::IoWait))
            .filter_map(|group| span(group, 1))
            .collect();
    }
    if !has(EventKind::GilWait) {
        return events
            .iter()
            .filter(|event| event.kind == EventKind::IoWait)
            .filter_map(|event| span(std::slice::from_ref(event), 1))
            .collect();
    }
    span(events, count.max(1)).into_iter().collect()
}

/// Milliseconds per request, one per request in task order (see
/// [`request_spans`]; a span of several requests gives each its mean).
pub fn latencies(plan: &Plan, trace: &Trace) -> Vec<f64> {
    request_spans(plan, trace)
        .iter()
        .flat_map(|span| std::iter::repeat_n(span.latency_ms(), span.requests as usize))
        .collect()
}

/// One bar of a histogram: values in `lo_ms..hi_ms` (the last bar
/// includes its upper edge).
#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
pub struct Bin {
    pub lo_ms: f64,
    pub hi_ms: f64,
    pub count: u32,
}

/// The distribution of a sample of latencies.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Histogram {
    pub count: u32,
    pub p50_ms: f64,
    pub p95_ms: f64,
    pub max_ms: f64,
    pub min_ms: f64,
    pub mean_ms: f64,
    pub bins: Vec<Bin>,
    /// True when the bins are log-spaced (max/min > [`LOG_RATIO`]).
    pub log_bins: bool,
}

/// The nearest-rank percentile `p` (0 < p <= 100) of an ascending sample:
/// the value at rank ⌈p/100 · n⌉ (counting from 1). None when empty.
pub fn percentile(sorted: &[f64], p: f64) -> Option<f64> {
    let n = sorted.len();
    let rank = ((p / 100.0) * n as f64).ceil() as usize;
    sorted.get(rank.clamp(1, n.max(1)) - 1).copied()
}

/// The histogram of `latencies_ms`; values that are not finite numbers
/// are left out. None when no value is left.
pub fn histogram(latencies_ms: &[f64]) -> Option<Histogram> {
    let mut sorted: Vec<f64> = latencies_ms
        .iter()
        .copied()
        .filter(|ms| ms.is_finite())
        .collect();
    sorted.sort_by(f64::total_cmp);
    let (min_ms, max_ms) = (*sorted.first()?, *sorted.last()?);
    let n = sorted.len();
    let log_bins = min_ms > 0.0 && max_ms / min_ms > LOG_RATIO;
    Some(Histogram {
        count: u32::try_from(n).unwrap_or(u32::MAX),
        p50_ms: percentile(&sorted, 50.0)?,
        p95_ms: percentile(&sorted, 95.0)?,
        max_ms,
        min_ms,
        mean_ms: sorted.iter().sum::<f64>() / n as f64,
        bins: bins(&sorted, log_bins),
        log_bins,
    })
}

/// ⌈√n⌉ bins (at most [`MAX_BINS`]) between the sample's min and max;
/// one bin when all values are equal.
fn bins(sorted: &[f64], log: bool) -> Vec<Bin> {
    let (Some(&min), Some(&max)) = (sorted.first(), sorted.last()) else {
        return Vec::new();
    };
    let count = u32::try_from(sorted.len()).unwrap_or(u32::MAX);
    if max <= min {
        return vec![Bin {
            lo_ms: min,
            hi_ms: max,
            count,
        }];
    }
    let n_bins = ((sorted.len() as f64).sqrt().ceil() as usize).clamp(1, MAX_BINS);
    let edge = |i: usize| {
        let at = i as f64 / n_bins as f64;
        if log {
            min * (max / min).powf(at)
        } else {
            min + (max - min) * at
        }
    };
    let mut bins: Vec<Bin> = (0..n_bins)
        .map(|i| Bin {
            lo_ms: edge(i),
            hi_ms: if i + 1 == n_bins { max } else { edge(i + 1) },
            count: 0,
        })
        .collect();
    for &value in sorted {
        let at = if log {
            (value / min).ln() / (max / min).ln()
        } else {
            (value - min) / (max - min)
        };
        let idx = ((at * n_bins as f64).floor().max(0.0) as usize).min(n_bins - 1);
        bins[idx].count += 1;
    }
    bins
}
