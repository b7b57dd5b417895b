//! Timestamped events per worker: what every view (table, timeline, Chrome
//! trace) is drawn from.
//!
//! A worker owns a [`Lane`]; everything it does is an [`Event`] on that lane
//! with a [`EventKind`]. Executors merge the events of all workers of one run
//! into a [`Trace`].

use serde::{Deserialize, Serialize};

/// What a worker was doing during an event.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum EventKind {
    /// Computing (and, with the GIL on, holding it).
    Run,
    /// Blocked on I/O, or awaiting it in async code.
    IoWait,
    /// Waiting to take the emulated GIL.
    GilWait,
    /// Starting a worker (a process or a Web Worker).
    Spawn,
    /// Encoding or decoding a message that crosses a process boundary.
    Serialize,
    /// Waiting for a slot (a connection limit or a pool queue).
    QueueWait,
    /// Nothing to do.
    Idle,
}

impl EventKind {
    /// Every kind, in the order legends list them.
    pub const ALL: [EventKind; 7] = [
        EventKind::Run,
        EventKind::IoWait,
        EventKind::GilWait,
        EventKind::Spawn,
        EventKind::Serialize,
        EventKind::QueueWait,
        EventKind::Idle,
    ];

    /// The name used in traces and on screen: `run`, `io-wait`, ...
    pub fn name(self) -> &'static str {
        match self {
            EventKind::Run => "run",
            EventKind::IoWait => "io-wait",
            EventKind::GilWait => "gil-wait",
            EventKind::Spawn => "spawn",
            EventKind::Serialize => "serialize",
            EventKind::QueueWait => "queue-wait",
            EventKind::Idle => "idle",
        }
    }
}

/// One slice of a worker's time.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Event {
    /// The lane (worker) this happened on.
    pub lane: u32,
    pub kind: EventKind,
    pub start_ns: u64,
    pub end_ns: u64,
    /// The task being worked on, if any.
    pub task_idx: Option<u32>,
}

impl Event {
    pub fn duration_ns(&self) -> u64 {
        self.end_ns.saturating_sub(self.start_ns)
    }

    /// True when the two events share some instant (touching ends do not count).
    pub fn overlaps(&self, other: &Event) -> bool {
        self.start_ns < other.end_ns && other.start_ns < self.end_ns
    }
}

/// A worker: a thread, a process or a coroutine.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Lane {
    pub id: u32,
    /// For people: "worker 2", "coroutine 4 (task 4)".
    pub name: String,
    /// The OS process the lane lived in (the worker's own for processes).
    pub pid: u32,
}

/// Everything that happened in one run of one model.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct Trace {
    pub lanes: Vec<Lane>,
    pub events: Vec<Event>,
}

impl Trace {
    /// Events of one kind, in recording order.
    pub fn of_kind(&self, kind: EventKind) -> impl Iterator<Item = &Event> {
        self.events.iter().filter(move |event| event.kind == kind)
    }

    /// Total time per kind, summed over lanes, in nanoseconds.
    pub fn total_ns(&self, kind: EventKind) -> u64 {
        self.of_kind(kind).map(Event::duration_ns).sum()
    }

    /// True when two events of `kind` on different lanes overlap in time.
    pub fn lanes_overlap(&self, kind: EventKind) -> bool {
        let events: Vec<&Event> = self.of_kind(kind).collect();
        events.iter().enumerate().any(|(idx, a)| {
            events[idx + 1..]
                .iter()
                .any(|b| a.lane != b.lane && a.overlaps(b))
        })
    }

    /// Earliest start and latest end of any event, if there is one.
    pub fn span_ns(&self) -> Option<(u64, u64)> {
        let start = self.events.iter().map(|event| event.start_ns).min()?;
        let end = self.events.iter().map(|event| event.end_ns).max()?;
        Some((start, end))
    }
}

/// Collects the events of one lane as a worker goes.
#[derive(Debug)]
pub struct Recorder {
    lane: u32,
    events: Vec<Event>,
}

impl Recorder {
    pub fn new(lane: u32) -> Recorder {
        Recorder {
            lane,
            events: Vec::new(),
        }
    }

    pub fn lane(&self) -> u32 {
        self.lane
    }

    /// Records one slice; empty or inverted slices are kept at zero length.
    pub fn record(&mut self, kind: EventKind, start_ns: u64, end_ns: u64, task_idx: Option<u32>) {
        self.events.push(Event {
            lane: self.lane,
            kind,
            start_ns,
            end_ns: end_ns.max(start_ns),
            task_idx,
        });
    }

    /// Records a slice on another lane (an echo client this worker serves).
    pub fn record_on(
        &mut self,
        lane: u32,
        kind: EventKind,
        start_ns: u64,
        end_ns: u64,
        task_idx: Option<u32>,
    ) {
        let own = std::mem::replace(&mut self.lane, lane);
        self.record(kind, start_ns, end_ns, task_idx);
        self.lane = own;
    }

    pub fn into_events(self) -> Vec<Event> {
        self.events
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn event(lane: u32, start_ns: u64, end_ns: u64) -> Event {
        Event {
            lane,
            kind: EventKind::Run,
            start_ns,
            end_ns,
            task_idx: None,
        }
    }

    #[test]
    fn overlap_needs_a_shared_instant_on_different_lanes() {
        let touching = Trace {
            lanes: vec![],
            events: vec![event(0, 0, 10), event(1, 10, 20)],
        };
        assert!(!touching.lanes_overlap(EventKind::Run));
        let same_lane = Trace {
            lanes: vec![],
            events: vec![event(0, 0, 10), event(0, 5, 20)],
        };
        assert!(!same_lane.lanes_overlap(EventKind::Run));
        let crossing = Trace {
            lanes: vec![],
            events: vec![event(0, 0, 10), event(1, 9, 20)],
        };
        assert!(crossing.lanes_overlap(EventKind::Run));
        assert_eq!(crossing.span_ns(), Some((0, 20)));
    }
}
