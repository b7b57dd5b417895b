//! The detail timeline of one run: one lane per worker, one bar per trace
//! event (colour and texture by kind), with the details in a tooltip on
//! hover. Gaps between a lane's events within the run are drawn as idle
//! bars. It shows the shared zoom window ([`View`]): the wheel zooms, a
//! drag pans, the axis relabels; the replay cursor is a vertical line.
//! Runs with thousands of lanes (an echo server with 10,000 clients) show
//! the first workers and the first clients, and say so: the downloaded
//! trace has every lane.
//!
//! With the emulated GIL a lane on top shows who held the lock when. It
//! tells workers apart by a hue of their own, none of them an event kind's
//! colour (green there would read as "running", blue as "waiting for
//! I/O"), and by the worker's number written on slices wide enough to hold
//! it; a legend line of its own names each worker's hue.

use super::lanes::{Prepared, draw_lane, prepare};
use super::marks::{legend, pack, pattern_defs};
use super::view::{LABEL, Shared, View, WIDTH, axis, use_pointer_zoom};
use concur_core::analysis::format_duration;
use concur_core::report::RunOutcome;
use concur_core::trace::Lane;
use std::rc::Rc;
use yew::prelude::*;

const LANE: f64 = 22.0;
/// Room under the lanes for the axis.
const AXIS: f64 = 28.0;
/// The most lanes drawn; beyond it the page would spend seconds drawing.
pub const MAX_LANES: usize = 60;
/// One hue per worker in the "GIL held by" lane (as many as the browser's
/// pool has threads), none of them an event kind's colour.
const HOLDER_COLOURS: [&str; 8] = [
    "#d6409f", "#17becf", "#8c564b", "#a9a21d", "#222222", "#f5d000", "#7a1f3d", "#00706b",
];
/// The narrowest holder slice (px) that gets its worker's number written on it.
const NUMBERED_WIDTH: f64 = 14.0;
/// The patterns' id prefix in this SVG.
const PATTERNS: &str = "detail-pattern";

/// The hue of the worker on lane `lane` in the "GIL held by" lane.
fn holder_colour(lane: u32) -> &'static str {
    HOLDER_COLOURS[lane as usize % HOLDER_COLOURS.len()]
}

/// The legend line naming each GIL holder's hue.
fn holder_legend(holders: &[Lane]) -> Html {
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
    pub run: Shared<RunOutcome>,
    /// The shared window; None shows the run whole.
    #[prop_or_default]
    pub view: Option<View>,
    /// How far the window may reach (the longest run shown anywhere), ns;
    /// this run's own length when smaller.
    #[prop_or_default]
    pub extent_ns: f64,
    /// Asks for another window (the wheel, a drag); None: whole again.
    #[prop_or_default]
    pub on_view: Callback<Option<View>>,
    /// The replay cursor, ns from the run's start.
    #[prop_or_default]
    pub cursor_ns: Option<u64>,
}

/// The SVG's height for a prepared run.
fn height(prepared: &Prepared) -> f64 {
    LANE * (prepared.lanes.len() + usize::from(prepared.gil)) as f64 + AXIS
}

#[derive(Properties, PartialEq)]
struct BodyProps {
    prepared: Shared<Prepared>,
    view: View,
}

/// Everything in the SVG but the cursor: redrawn only when the run or the
/// window changes, never as the replay cursor moves.
#[component]
fn TimelineBody(props: &BodyProps) -> Html {
    let (prepared, view) = (&*props.prepared, &props.view);
    let first_row = usize::from(prepared.gil);
    let name_of = |id: u32| {
        prepared
            .holders
            .iter()
            .find(|l| l.id == id)
            .map_or("a worker", |l| l.name.as_str())
    };
    let holder = prepared.gil.then(|| {
        let held = pack(&prepared.held, view).into_iter().map(|mark| {
            let width = mark.width();
            let number = mark.key + 1;
            let tip = if mark.count == 1 {
                format!("{} holds the GIL for {}", name_of(mark.key), format_duration(mark.end_ns.saturating_sub(mark.start_ns)))
            } else {
                let parts: Vec<String> = mark.parts.iter().map(|(lane, ns)| format!("{} {}", name_of(*lane), format_duration(*ns))).collect();
                format!("{} turns merged at this zoom: {}", mark.count, parts.join(", "))
            };
            html! {
                <>
                    <rect class="held" data-worker={number.to_string()} x={mark.left.to_string()} y="3" width={width.to_string()} height={(LANE - 6.0).to_string()}
                          fill={holder_colour(mark.key)}>
                        <title>{ tip }</title>
                    </rect>
                    if width >= NUMBERED_WIDTH {
                        <text class="holder-number" x={(mark.left + width / 2.0).to_string()} y={(LANE * 0.7).to_string()} text-anchor="middle">{ number }</text>
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
    let lanes = prepared.lanes.iter().enumerate().map(|(row, lane)| {
        let y = (row + first_row) as f64 * LANE;
        html! {
            <g class="lane" data-lane={lane.lane.id.to_string()}>
                <text x="0" y={(y + LANE * 0.7).to_string()} class="lane-label">{ &lane.lane.name }</text>
                <line x1={LABEL.to_string()} x2={WIDTH.to_string()} y1={(y + LANE / 2.0).to_string()} y2={(y + LANE / 2.0).to_string()} class="lane-axis" />
                { draw_lane(lane, view, PATTERNS, y + 3.0, LANE - 6.0) }
            </g>
        }
    });
    html! {
        <g class="timeline-body">
            { pattern_defs(PATTERNS) }
            { for holder }
            { for lanes }
            { axis(view, height(prepared) - AXIS + 4.0) }
        </g>
    }
}

#[component]
pub fn Timeline(props: &TimelineProps) -> Html {
    let prepared = use_memo(props.run.clone(), |run| prepare(run, MAX_LANES));
    let prepared = Shared(Rc::clone(&prepared));
    let wall = prepared.wall_ns.max(1) as f64;
    let view = props.view.unwrap_or(View::full(wall));
    let pointer = use_pointer_zoom(view, props.extent_ns.max(wall), props.on_view.clone());
    let height = height(&prepared);
    let hidden = prepared.total_lanes - prepared.lanes.len();
    let cursor = props
        .cursor_ns
        .map(|ns| ns as f64)
        .filter(|ns| view.shows(*ns))
        .map(|ns| {
            let x = view.x(ns).to_string();
            html! {
                <line id="replay-cursor" class="replay-cursor" data-cursor-ns={ns.to_string()} x1={x.clone()} x2={x} y1="0" y2={(height - AXIS + 4.0).to_string()} />
            }
        });
    html! {
        <figure class="timeline" id="detail-timeline">
            <figcaption>{ props.title.clone() }</figcaption>
            <svg viewBox={format!("0 0 {WIDTH} {height}")} width="100%" role="img" class="zoomable" ref={pointer.node}
                 aria-label="timeline of every worker"
                 onwheel={pointer.onwheel} onpointerdown={pointer.onpointerdown}
                 onpointermove={pointer.onpointermove} onpointerup={pointer.onpointerup}>
                <TimelineBody prepared={prepared.clone()} {view} />
                { for cursor }
            </svg>
            if hidden > 0 {
                <p class="lanes-hidden">{ format!(
                    "Showing {} of {} lanes (the first workers and the first clients); the downloaded trace has every lane.",
                    prepared.lanes.len(),
                    prepared.total_lanes
                ) }</p>
            }
            { legend() }
            if prepared.gil { { holder_legend(&prepared.holders) } }
        </figure>
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::components::colour;
    use concur_core::trace::EventKind;

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
}
