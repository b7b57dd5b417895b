//! The timeline: one lane per worker, one coloured bar per trace event,
//! with the details in a tooltip on hover. Gaps between a lane's events
//! within the run are drawn as idle bars. Runs with thousands of lanes (an
//! echo server with 10,000 clients) show the first workers and the first
//! clients, and say so: the downloaded trace has every lane.
//!
//! With the emulated GIL a lane on top shows who held the lock when. It
//! tells workers apart by a hue of their own, none of them an event kind's
//! colour (green there would read as "running", blue as "waiting for
//! I/O"), and by the worker's number written on slices wide enough to hold
//! it; a legend line of its own names each worker's hue.

use super::{colour, seconds};
use concur_core::experiment::CLIENT_LANES;
use concur_core::report::RunOutcome;
use concur_core::trace::{Event, EventKind, Lane};
use std::collections::HashMap;
use yew::prelude::*;

const WIDTH: f64 = 860.0;
const LABEL: f64 = 130.0;
const LANE: f64 = 22.0;
/// The most lanes drawn; beyond it the page would spend seconds drawing.
const MAX_LANES: usize = 60;
/// One hue per worker in the "GIL held by" lane (as many as the browser's
/// pool has threads), none of them an event kind's colour.
const HOLDER_COLOURS: [&str; 8] = [
    "#d6409f", "#17becf", "#8c564b", "#a9a21d", "#222222", "#f5d000", "#7a1f3d", "#00706b",
];
/// The narrowest holder slice (px) that gets its worker's number written on it.
const NUMBERED_WIDTH: f64 = 14.0;

/// The hue of the worker on lane `lane` in the "GIL held by" lane.
fn holder_colour(lane: u32) -> &'static str {
    HOLDER_COLOURS[lane as usize % HOLDER_COLOURS.len()]
}

/// The legend line naming each GIL holder's hue.
fn holder_legend(holders: &[&Lane]) -> Html {
    html! {
        <div class="legend holder-legend" id="gil-holder-legend">
            <strong>{ "GIL held by (top lane): " }</strong>
            { for holders.iter().map(|lane| html! {
                <span data-worker={(lane.id + 1).to_string()}><i style={format!("background:{}", holder_colour(lane.id))}></i>{ &lane.name }</span>
            }) }
        </div>
    }
}

#[derive(Properties, PartialEq)]
pub struct TimelineProps {
    pub title: AttrValue,
    pub run: RunOutcome,
}

/// The stretches of a lane's run where none of its events was going on.
fn idle_gaps(events: &[Event], lane: u32, start_ns: u64, end_ns: u64) -> Vec<Event> {
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

/// The lanes to draw: all of them, or up to [`MAX_LANES`] split between
/// the first workers and the first echo clients.
fn shown_lanes(lanes: &[Lane]) -> Vec<&Lane> {
    if lanes.len() <= MAX_LANES {
        return lanes.iter().collect();
    }
    let (workers, clients): (Vec<&Lane>, Vec<&Lane>) =
        lanes.iter().partition(|lane| lane.id < CLIENT_LANES);
    let client_rows = clients.len().min(MAX_LANES / 2);
    let worker_rows = workers.len().min(MAX_LANES - client_rows);
    let client_rows = clients.len().min(MAX_LANES - worker_rows);
    workers[..worker_rows]
        .iter()
        .chain(&clients[..client_rows])
        .copied()
        .collect()
}

#[component]
pub fn Timeline(props: &TimelineProps) -> Html {
    let run = &props.run;
    let span = run.wall_ns().max(1) as f64;
    let x = |ns: u64| LABEL + (ns.saturating_sub(run.start_ns) as f64 / span) * (WIDTH - LABEL);
    // With the emulated GIL, whoever computes holds the lock: its run slices
    // make a lane of their own showing who held the GIL when.
    let gil = run
        .trace
        .events
        .iter()
        .any(|e| e.kind == EventKind::GilWait);
    let first_row = usize::from(gil);
    let shown = shown_lanes(&run.trace.lanes);
    let hidden = run.trace.lanes.len() - shown.len();
    let mut by_lane: HashMap<u32, Vec<Event>> = HashMap::new();
    for event in &run.trace.events {
        by_lane.entry(event.lane).or_default().push(event.clone());
    }
    let height = LANE * (shown.len() + first_row) as f64 + 24.0;
    let holders: Vec<&Lane> = run
        .trace
        .lanes
        .iter()
        .filter(|lane| {
            gil && run
                .trace
                .events
                .iter()
                .any(|e| e.lane == lane.id && e.kind == EventKind::Run)
        })
        .collect();
    let holder = gil.then(|| {
        let held = run.trace.events.iter().filter(|e| e.kind == EventKind::Run).map(|event| {
            let (left, right) = (x(event.start_ns), x(event.end_ns));
            let width = (right - left).max(0.75);
            let name = run.trace.lanes.iter().find(|l| l.id == event.lane).map_or("a worker", |l| l.name.as_str());
            let number = event.lane + 1;
            html! {
                <>
                    <rect class="held" data-worker={number.to_string()} x={left.to_string()} y="3" width={width.to_string()} height={(LANE - 6.0).to_string()}
                          fill={holder_colour(event.lane)}>
                        <title>{ format!("{name} holds the GIL for {}", seconds(event.duration_ns() as f64 / 1e9)) }</title>
                    </rect>
                    if width >= NUMBERED_WIDTH {
                        <text class="holder-number" x={(left + width / 2.0).to_string()} y={(LANE * 0.7).to_string()} text-anchor="middle">{ number }</text>
                    }
                </>
            }
        });
        html! {
            <g class="gil-lane">
                <text x="0" y={(LANE * 0.7).to_string()} class="lane-label">{ "GIL held by" }</text>
                { for held }
            </g>
        }
    });
    let lanes = shown.iter().enumerate().map(|(row, lane)| {
        let y = (row + first_row) as f64 * LANE;
        let mut events: Vec<Event> = by_lane.remove(&lane.id).unwrap_or_default();
        events.extend(idle_gaps(&events, lane.id, run.start_ns, run.end_ns));
        let bars = events.iter().map(|event| {
            let (left, right) = (x(event.start_ns), x(event.end_ns));
            let tip = format!(
                "{} · {}{} · from +{} for {}",
                lane.name,
                event.kind.name(),
                event.task_idx.map_or(String::new(), |t| format!(" (task {t})")),
                seconds(event.start_ns.saturating_sub(run.start_ns) as f64 / 1e9),
                seconds(event.duration_ns() as f64 / 1e9),
            );
            html! {
                <rect class={format!("event {}", event.kind.name())} x={left.to_string()} y={(y + 3.0).to_string()}
                      width={(right - left).max(0.75).to_string()} height={(LANE - 6.0).to_string()} fill={colour(event.kind)}>
                    <title>{ tip }</title>
                </rect>
            }
        });
        html! {
            <g class="lane" data-lane={lane.id.to_string()}>
                <text x="0" y={(y + LANE * 0.7).to_string()} class="lane-label">{ &lane.name }</text>
                <line x1={LABEL.to_string()} x2={WIDTH.to_string()} y1={(y + LANE / 2.0).to_string()} y2={(y + LANE / 2.0).to_string()} class="lane-axis" />
                { for bars }
            </g>
        }
    });
    let axis_y = height - 8.0;
    html! {
        <figure class="timeline">
            <figcaption>{ props.title.clone() }</figcaption>
            <svg viewBox={format!("0 0 {WIDTH} {height}")} width="100%" role="img" aria-label="timeline of every worker">
                { for holder }
                { for lanes }
                <text x={LABEL.to_string()} y={axis_y.to_string()} class="axis">{ "0" }</text>
                <text x={WIDTH.to_string()} y={axis_y.to_string()} class="axis" text-anchor="end">{ seconds(span / 1e9) }</text>
            </svg>
            if hidden > 0 {
                <p class="lanes-hidden">{ format!(
                    "Showing {} of {} lanes (the first workers and the first clients); the downloaded trace has every lane.",
                    shown.len(),
                    run.trace.lanes.len()
                ) }</p>
            }
            <div class="legend events">
                { for EventKind::ALL.iter().map(|kind| html! {
                    <span data-kind={kind.name()}><i style={format!("background:{}", colour(*kind))}></i>{ kind.name() }</span>
                }) }
            </div>
            if gil { { holder_legend(&holders) } }
        </figure>
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
    fn gil_holders_never_wear_an_event_colour() {
        let legend: Vec<&str> = EventKind::ALL.iter().map(|kind| colour(*kind)).collect();
        for lane in 0..crate::runner::BROWSER_WORKERS.max as u32 {
            let hue = holder_colour(lane);
            assert!(!legend.contains(&hue), "worker {} wears {hue}", lane + 1);
        }
        // Every worker of the browser's largest pool has a hue of its own.
        let hues: std::collections::HashSet<&str> = (0..crate::runner::BROWSER_WORKERS.max as u32)
            .map(holder_colour)
            .collect();
        assert_eq!(hues.len(), crate::runner::BROWSER_WORKERS.max as usize);
    }

    #[test]
    fn thousands_of_lanes_show_the_first_workers_and_clients() {
        let lane = |id| Lane {
            id,
            name: String::new(),
            pid: 1,
        };
        let few: Vec<Lane> = (0..5).map(lane).collect();
        assert_eq!(shown_lanes(&few).len(), 5);
        let many: Vec<Lane> = (0..10_000)
            .map(lane)
            .chain((0..10_000).map(|idx| lane(CLIENT_LANES + idx)))
            .collect();
        let shown = shown_lanes(&many);
        assert_eq!(shown.len(), MAX_LANES);
        assert_eq!(
            shown.iter().filter(|l| l.id >= CLIENT_LANES).count(),
            MAX_LANES / 2
        );
        assert_eq!(shown[0].id, 0);
        // One server lane beside many clients: all the room goes to clients.
        let sequential: Vec<Lane> = std::iter::once(lane(0))
            .chain((0..10_000).map(|idx| lane(CLIENT_LANES + idx)))
            .collect();
        let shown = shown_lanes(&sequential);
        assert_eq!((shown.len(), shown[0].id), (MAX_LANES, 0));
    }
}
