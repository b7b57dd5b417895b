//! A run's lanes made ready to draw, once per run: which lanes to show
//! (runs with thousands of lanes, an echo server with 10,000 clients, show
//! the first workers and the first clients), each lane's slices in time
//! from the run's start with the gaps between them as idle, and who held
//! the GIL when. Drawing a lane in a window is then [`draw_lane`], cheap
//! enough to redo on every zoom step.

use super::marks::{Slice, fill, pack, title};
use super::view::View;
use concur_core::experiment::CLIENT_LANES;
use concur_core::report::RunOutcome;
use concur_core::trace::{Event, EventKind, Lane};
use std::collections::HashMap;
use yew::prelude::*;

/// One lane ready to draw.
#[derive(Clone, Debug, PartialEq)]
pub struct PreparedLane {
    pub lane: Lane,
    /// Its slices and idle gaps, ns from the run's start, sorted by start.
    pub slices: Vec<Slice<EventKind>>,
}

/// A run ready to draw.
#[derive(Clone, Debug, PartialEq)]
pub struct Prepared {
    pub wall_ns: u64,
    /// True when the run had an (emulated) GIL: someone waited for it.
    pub gil: bool,
    pub lanes: Vec<PreparedLane>,
    /// How many lanes the run has, shown or not.
    pub total_lanes: usize,
    /// Who computed, hence held the GIL, when (GIL runs only), by lane id.
    pub held: Vec<Slice<u32>>,
    /// The lanes that ever held the GIL.
    pub holders: Vec<Lane>,
}

/// The stretches of a lane's run where none of its events was going on.
pub fn idle_gaps(events: &[Event], lane: u32, start_ns: u64, end_ns: u64) -> Vec<Event> {
    let mut spans: Vec<(u64, u64)> = events.iter().map(|e| (e.start_ns, e.end_ns)).collect();
    spans.sort_unstable();
    let mut gaps = Vec::new();
    let mut covered = start_ns;
    for (start, end) in spans.into_iter().chain(std::iter::once((end_ns, end_ns))) {
        if start > covered {
            gaps.push(Event {
                lane,
                kind: EventKind::Idle,
                start_ns: covered,
                end_ns: start,
                task_idx: None,
            });
        }
        covered = covered.max(end);
    }
    gaps
}

/// The lanes to draw: all of them, or up to `max` split between the first
/// workers and the first echo clients.
pub fn shown_lanes(lanes: &[Lane], max: usize) -> Vec<&Lane> {
    if lanes.len() <= max {
        return lanes.iter().collect();
    }
    let (workers, clients): (Vec<&Lane>, Vec<&Lane>) =
        lanes.iter().partition(|lane| lane.id < CLIENT_LANES);
    let client_rows = clients.len().min(max / 2);
    let worker_rows = workers.len().min(max - client_rows);
    let client_rows = clients.len().min(max - worker_rows);
    workers[..worker_rows]
        .iter()
        .chain(&clients[..client_rows])
        .copied()
        .collect()
}

/// Sorts a run's events into drawable lanes, showing at most `max_lanes`.
pub fn prepare(run: &RunOutcome, max_lanes: usize) -> Prepared {
    let base = run.start_ns;
    let slice = |event: &Event| Slice {
        key: event.kind,
        start_ns: event.start_ns.saturating_sub(base),
        end_ns: event.end_ns.saturating_sub(base),
        task_idx: event.task_idx,
    };
    let gil = run
        .trace
        .events
        .iter()
        .any(|e| e.kind == EventKind::GilWait);
    let mut by_lane: HashMap<u32, Vec<Event>> = HashMap::new();
    for event in &run.trace.events {
        by_lane.entry(event.lane).or_default().push(event.clone());
    }
    let lanes = shown_lanes(&run.trace.lanes, max_lanes)
        .into_iter()
        .map(|lane| {
            let mut events = by_lane.remove(&lane.id).unwrap_or_default();
            events.extend(idle_gaps(&events, lane.id, run.start_ns, run.end_ns));
            let mut slices: Vec<Slice<EventKind>> = events.iter().map(slice).collect();
            slices.sort_by_key(|s| (s.start_ns, s.end_ns));
            PreparedLane {
                lane: lane.clone(),
                slices,
            }
        })
        .collect();
    let mut held: Vec<Slice<u32>> = if gil {
        run.trace
            .of_kind(EventKind::Run)
            .map(|event| {
                let Slice {
                    start_ns,
                    end_ns,
                    task_idx,
                    ..
                } = slice(event);
                Slice {
                    key: event.lane,
                    start_ns,
                    end_ns,
                    task_idx,
                }
            })
            .collect()
    } else {
        Vec::new()
    };
    held.sort_by_key(|s| (s.start_ns, s.end_ns));
    let holders = run
        .trace
        .lanes
        .iter()
        .filter(|lane| held.iter().any(|s| s.key == lane.id))
        .cloned()
        .collect();
    Prepared {
        wall_ns: run.wall_ns(),
        gil,
        lanes,
        total_lanes: run.trace.lanes.len(),
        held,
        holders,
    }
}

/// One lane's slices in `view` as rectangles from `y`, `height` tall, each
/// with its tooltip; patterns come from the SVG's defs named `prefix`. A
/// mark standing for several slices carries the class of every kind in it.
pub fn draw_lane(lane: &PreparedLane, view: &View, prefix: &str, y: f64, height: f64) -> Html {
    let marks = pack(&lane.slices, view);
    html! {
        { for marks.iter().map(|mark| {
            let mut class = classes!("event", mark.key.name());
            if mark.count > 1 {
                class.push("merged");
                for (kind, _) in &mark.parts[1..] {
                    class.push(kind.name());
                }
            }
            html! {
                <rect {class} x={mark.left.to_string()} y={y.to_string()} width={mark.width().to_string()}
                      height={height.to_string()} fill={fill(prefix, mark.key)}>
                    <title>{ title(&lane.lane.name, mark) }</title>
                </rect>
            }
        }) }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn gaps_between_events_become_idle() {
        let event = |start_ns, end_ns| Event {
            lane: 0,
            kind: EventKind::Run,
            start_ns,
            end_ns,
            task_idx: None,
        };
        let gaps = idle_gaps(&[event(10, 20), event(15, 30), event(40, 50)], 0, 0, 60);
        let spans: Vec<(u64, u64)> = gaps.iter().map(|g| (g.start_ns, g.end_ns)).collect();
        assert_eq!(spans, vec![(0, 10), (30, 40), (50, 60)]);
        assert!(gaps.iter().all(|g| g.kind == EventKind::Idle));
        assert!(idle_gaps(&[event(0, 60)], 0, 0, 60).is_empty());
    }

    #[test]
    fn thousands_of_lanes_show_the_first_workers_and_clients() {
        const MAX: usize = 60;
        let lane = |id| Lane {
            id,
            name: String::new(),
            pid: 1,
        };
        let few: Vec<Lane> = (0..5).map(lane).collect();
        assert_eq!(shown_lanes(&few, MAX).len(), 5);
        let many: Vec<Lane> = (0..10_000)
            .map(lane)
            .chain((0..10_000).map(|idx| lane(CLIENT_LANES + idx)))
            .collect();
        let shown = shown_lanes(&many, MAX);
        assert_eq!(shown.len(), MAX);
        assert_eq!(
            shown.iter().filter(|l| l.id >= CLIENT_LANES).count(),
            MAX / 2
        );
        assert_eq!(shown[0].id, 0);
        // One server lane beside many clients: all the room goes to clients.
        let sequential: Vec<Lane> = std::iter::once(lane(0))
            .chain((0..10_000).map(|idx| lane(CLIENT_LANES + idx)))
            .collect();
        let shown = shown_lanes(&sequential, MAX);
        assert_eq!((shown.len(), shown[0].id), (MAX, 0));
    }

    #[test]
    fn a_run_is_prepared_from_its_own_start() {
        let event = |lane, kind, start_ns, end_ns| Event {
            lane,
            kind,
            start_ns,
            end_ns,
            task_idx: Some(lane),
        };
        let run = RunOutcome {
            start_ns: 1_000,
            end_ns: 2_000,
            cpu_ns: None,
            answers: Default::default(),
            failures: Vec::new(),
            trace: concur_core::trace::Trace {
                lanes: (0..2)
                    .map(|id| Lane {
                        id,
                        name: format!("worker {}", id + 1),
                        pid: 1,
                    })
                    .collect(),
                events: vec![
                    event(0, EventKind::Run, 1_000, 1_500),
                    event(1, EventKind::GilWait, 1_000, 1_500),
                    event(1, EventKind::Run, 1_500, 2_000),
                ],
            },
        };
        let prepared = prepare(&run, 60);
        assert!(prepared.gil);
        assert_eq!(prepared.wall_ns, 1_000);
        let first: Vec<(u64, u64)> = prepared.lanes[0]
            .slices
            .iter()
            .map(|s| (s.start_ns, s.end_ns))
            .collect();
        assert_eq!(first, vec![(0, 500), (500, 1_000)]);
        let held: Vec<u32> = prepared.held.iter().map(|s| s.key).collect();
        assert_eq!(held, vec![0, 1]);
        assert_eq!(prepared.holders.len(), 2);
    }
}
