//! Replaying a run: what every lane was doing at an instant, said in plain
//! sentences, and the instants a replay's step buttons jump to (the next
//! slice boundary, GIL hand-over or finished request).
//!
//! A lane is in the slice that covers the instant, from its start up to,
//! not including, its end; between slices it is idle (kind None).

use crate::analysis::gil::{gil_holder_at, handover_instants};
use crate::analysis::latency::request_spans;
use crate::analysis::{covers, events_by_lane, format_duration, lanes_of};
use crate::experiment::{CLIENT_LANES, Plan};
use crate::trace::Event;
use crate::trace::{EventKind, Trace};
use serde::{Deserialize, Serialize};
use std::collections::HashMap;

/// What one lane is doing at an instant.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct LaneState {
    pub lane: u32,
    pub name: String,
    /// The kind of the slice covering the instant; None between slices.
    pub kind: Option<EventKind>,
    /// The covering slice's task.
    pub task_idx: Option<u32>,
    /// When the covering slice began; when idle, when the lane's previous
    /// slice ended (the instant itself before the lane's first slice).
    pub since_ns: u64,
}

/// Where a replay's step buttons jump.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Step {
    /// The next start or end of any slice.
    Any,
    /// The next instant the GIL passes to another lane.
    GilHandover,
    /// The next end of a request (see [`crate::analysis::latency`]).
    RequestDone,
}

/// Every lane's state at `t_ns`, in the trace's lane order.
pub fn state_at(trace: &Trace, t_ns: u64) -> Vec<LaneState> {
    states(trace, &events_by_lane(trace), t_ns)
}

fn states(trace: &Trace, by_lane: &HashMap<u32, Vec<&Event>>, t_ns: u64) -> Vec<LaneState> {
    lanes_of(trace)
        .into_iter()
        .map(|(lane, name)| {
            let events = by_lane.get(&lane).map_or(&[][..], Vec::as_slice);
            let covering = events.iter().find(|event| covers(event, t_ns));
            let (kind, task_idx, since_ns) = match covering {
                Some(event) => (Some(event.kind), event.task_idx, event.start_ns),
                None => {
                    let before = events
                        .iter()
                        .filter(|event| event.end_ns <= t_ns)
                        .map(|event| event.end_ns)
                        .max();
                    (None, None, before.unwrap_or(t_ns))
                }
            };
            LaneState {
                lane,
                name,
                kind,
                task_idx,
                since_ns,
            }
        })
        .collect()
}

/// One plain sentence per lane about what it is doing at `t_ns`, e.g.
/// "worker 2 waits for the GIL, held by worker 1 for 3.1 ms so far".
/// Lanes are named as in the trace; tasks by their index as recorded
/// (from 0, as the timeline's tooltips and failure lines do). A trace with
/// any `gil-wait` slice is taken for a GIL run: its computing lane is
/// said to hold the lock since it last took it ([`gil_holder_at`]).
pub fn describe_at(trace: &Trace, t_ns: u64) -> Vec<String> {
    let gil_run = trace.of_kind(EventKind::GilWait).next().is_some();
    let holder = gil_holder_at(trace, t_ns);
    let by_lane = events_by_lane(trace);
    let holder_name = holder.and_then(|(lane, _)| {
        lanes_of(trace)
            .into_iter()
            .find(|(id, _)| *id == lane)
            .map(|(_, name)| name)
    });
    states(trace, &by_lane, t_ns)
        .into_iter()
        .map(|state| {
            let so_far = format_duration(t_ns.saturating_sub(state.since_ns));
            let task = |word: &str| task_phrase(word, state.task_idx);
            let client = state.lane >= CLIENT_LANES;
            let what = match state.kind {
                Some(EventKind::Run) => match holder {
                    Some((lane, since)) if gil_run && lane == state.lane => format!(
                        "runs{} (holding the GIL for {})",
                        task(""),
                        format_duration(t_ns.saturating_sub(since))
                    ),
                    _ => format!("runs{} ({so_far} so far)", task("")),
                },
                Some(EventKind::GilWait) => match holder {
                    Some((lane, since)) if lane != state.lane => format!(
                        "waits for the GIL, held by {} for {} so far",
                        holder_name.as_deref().unwrap_or("another worker"),
                        format_duration(t_ns.saturating_sub(since))
                    ),
                    _ => format!("waits for the GIL while it changes hands ({so_far} so far)"),
                },
                Some(EventKind::IoWait) if client => {
                    format!("waits for its echo ({so_far} so far)")
                }
                Some(EventKind::IoWait) => {
                    format!("waits on I/O{} ({so_far} so far)", task(" for"))
                }
                Some(EventKind::QueueWait) if client => {
                    format!("waits for the server to take its connection ({so_far} so far)")
                }
                Some(EventKind::QueueWait) => {
                    format!("waits for a free slot{} ({so_far} so far)", task(" for"))
                }
                Some(EventKind::Spawn) => format!("is starting up ({so_far} so far)"),
                Some(EventKind::Serialize) => format!(
                    "copies the data{} across processes ({so_far} so far)",
                    task(" of")
                ),
                Some(EventKind::Idle) if state.task_idx.is_some() => {
                    format!("sleeps{} ({so_far} so far)", task(" in"))
                }
                Some(EventKind::Idle) => format!("is idle ({so_far} so far)"),
                None => {
                    let events = by_lane.get(&state.lane).map_or(&[][..], Vec::as_slice);
                    idle_phrase(events, t_ns).to_string()
                }
            };
            format!("{} {what}", state.name)
        })
        .collect()
}

/// " task 3", " for task 3" (with `word` " for"), or nothing without a task.
fn task_phrase(word: &str, task_idx: Option<u32>) -> String {
    task_idx.map_or_else(String::new, |idx| format!("{word} task {idx}"))
}

/// "has not started", "is idle" or "has finished", for a lane between
/// slices.
fn idle_phrase(events: &[&Event], t_ns: u64) -> &'static str {
    if events.iter().all(|event| event.start_ns > t_ns) {
        "has not started"
    } else if events.iter().all(|event| event.end_ns <= t_ns) {
        "has finished"
    } else {
        "is idle"
    }
}

/// The instants `step` may land on, ascending and without repeats.
fn targets(plan: &Plan, trace: &Trace, step: Step) -> Vec<u64> {
    let mut instants: Vec<u64> = match step {
        Step::Any => trace
            .events
            .iter()
            .flat_map(|event| [event.start_ns, event.end_ns])
            .collect(),
        Step::GilHandover => handover_instants(trace),
        Step::RequestDone => request_spans(plan, trace)
            .iter()
            .map(|span| span.end_ns)
            .collect(),
    };
    instants.sort_unstable();
    instants.dedup();
    instants
}

/// The first instant after `t_ns` that `step` lands on (the plan is needed
/// for [`Step::RequestDone`]: it says which tasks are requests). None past
/// the last.
pub fn next_event(plan: &Plan, trace: &Trace, t_ns: u64, step: Step) -> Option<u64> {
    targets(plan, trace, step)
        .into_iter()
        .find(|&instant| instant > t_ns)
}

/// The last instant before `t_ns` that `step` lands on; None before the
/// first.
pub fn prev_event(plan: &Plan, trace: &Trace, t_ns: u64, step: Step) -> Option<u64> {
    targets(plan, trace, step)
        .into_iter()
        .rev()
        .find(|&instant| instant < t_ns)
}
