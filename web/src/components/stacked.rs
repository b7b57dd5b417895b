//! Every model on one time axis: the last measured run of each model,
//! stacked, each model's lanes grouped under its name, time measured from
//! that run's own start, and all drawn at the same pixels per second, so a
//! run that took five times longer is drawn five times wider. A thin bar
//! under each model's name spans its run (`rect.run-extent`, with the wall
//! time in `data-wall-ns`). It shares the zoom window with the detail
//! view, and shows the replay cursor on the model being replayed.

use super::lanes::{Prepared, draw_lane, prepare};
use super::marks::{legend, pattern_defs};
use super::view::{LABEL, Shared, View, WIDTH, axis, use_pointer_zoom};
use concur_core::analysis::format_duration;
use concur_core::model::Model;
use concur_core::report::RunOutcome;
use std::rc::Rc;
use yew::prelude::*;

/// Height of a model's heading row and of each lane.
const HEAD: f64 = 20.0;
const ROW: f64 = 16.0;
/// Space between models, and under them for the axis.
const GAP: f64 = 8.0;
const AXIS: f64 = 28.0;
/// The most lanes shown per model here (the detail view shows more).
pub const STACKED_LANES: usize = 8;
const PATTERNS: &str = "stacked-pattern";

/// The last measured run of each model, in the order they ran.
pub type ModelRun = (Model, Shared<RunOutcome>);

#[derive(Properties, PartialEq)]
pub struct StackedProps {
    pub runs: Shared<Vec<ModelRun>>,
    /// The shared window; None shows the longest run whole.
    #[prop_or_default]
    pub view: Option<View>,
    #[prop_or_default]
    pub on_view: Callback<Option<View>>,
    /// The model being replayed and the cursor, ns from its run's start.
    #[prop_or_default]
    pub cursor: Option<(Model, u64)>,
}

/// The longest run among `runs`, ns (at least 1).
pub fn extent_ns(runs: &[ModelRun]) -> f64 {
    runs.iter()
        .map(|(_, run)| run.wall_ns())
        .max()
        .unwrap_or(1)
        .max(1) as f64
}

/// Where each model's group starts and ends (y), and the SVG's height.
fn layout(models: &[(Model, Prepared)]) -> (Vec<(f64, f64)>, f64) {
    let mut y = 0.0;
    let groups = models
        .iter()
        .map(|(_, prepared)| {
            let top = y;
            y += HEAD + ROW * prepared.lanes.len() as f64;
            let bottom = y;
            y += GAP;
            (top, bottom)
        })
        .collect();
    (groups, y + AXIS)
}

#[derive(Properties, PartialEq)]
struct BodyProps {
    models: Shared<Vec<(Model, Prepared)>>,
    view: View,
}

/// The models' lanes and the axis: redrawn only when the runs or the
/// window change.
#[component]
fn StackedBody(props: &BodyProps) -> Html {
    let (models, view) = (&*props.models, &props.view);
    let (groups, height) = layout(models);
    let clip = |x: f64| x.clamp(LABEL, WIDTH);
    let drawn = models.iter().zip(&groups).map(|((model, prepared), (top, _))| {
        let shown = prepared.lanes.len();
        let lanes_note = if shown < prepared.total_lanes {
            format!(" · {shown} of {} lanes", prepared.total_lanes)
        } else {
            String::new()
        };
        let (left, right) = (clip(view.x(0.0)), clip(view.x(prepared.wall_ns as f64)));
        let lanes = prepared.lanes.iter().enumerate().map(|(row, lane)| {
            let y = top + HEAD + row as f64 * ROW;
            html! {
                <g class="stacked-lane" data-model={model.name()} data-lane={lane.lane.id.to_string()}>
                    <text x="10" y={(y + ROW * 0.75).to_string()} class="lane-label small">{ &lane.lane.name }</text>
                    { draw_lane(lane, view, PATTERNS, y + 2.0, ROW - 4.0) }
                </g>
            }
        });
        html! {
            <g class="model-group" data-model={model.name()}>
                <text x="0" y={(top + HEAD * 0.72).to_string()} class="model-label">
                    { format!("{} · {}{lanes_note}", model.name(), format_duration(prepared.wall_ns)) }
                </text>
                if right > left {
                    <rect class="run-extent" data-model={model.name()} data-wall-ns={prepared.wall_ns.to_string()}
                          x={left.to_string()} y={(top + HEAD / 2.0 - 2.0).to_string()} width={(right - left).to_string()} height="4">
                        <title>{ format!("{}: the whole run, {}", model.name(), format_duration(prepared.wall_ns)) }</title>
                    </rect>
                }
                { for lanes }
            </g>
        }
    });
    html! {
        <g class="stacked-body">
            { pattern_defs(PATTERNS) }
            { for drawn }
            { axis(view, height - AXIS + 4.0) }
        </g>
    }
}

/// Every model's last run on one shared time axis.
#[component]
pub fn StackedTimeline(props: &StackedProps) -> Html {
    let models = use_memo(props.runs.clone(), |runs| {
        runs.iter()
            .map(|(model, run)| (*model, prepare(run, STACKED_LANES)))
            .collect::<Vec<_>>()
    });
    let models = Shared(Rc::clone(&models));
    let extent = extent_ns(&props.runs);
    let view = props.view.unwrap_or(View::full(extent));
    let pointer = use_pointer_zoom(view, extent, props.on_view.clone());
    let (groups, height) = layout(&models);
    let cursor = props.cursor.and_then(|(replayed, ns)| {
        let at = models.iter().position(|(model, _)| *model == replayed)?;
        let (top, bottom) = groups[at];
        let ns = ns as f64;
        view.shows(ns).then(|| {
            let x = view.x(ns).to_string();
            html! { <line id="stacked-cursor" class="replay-cursor" x1={x.clone()} x2={x} y1={top.to_string()} y2={bottom.to_string()} /> }
        })
    });
    html! {
        <figure class="stacked" id="one-axis">
            <figcaption>{ "Every model on one time axis: the last measured run of each, timed from its own start, all at the same scale" }</figcaption>
            <svg viewBox={format!("0 0 {WIDTH} {height}")} width="100%" role="img" class="zoomable" ref={pointer.node}
                 aria-label="every model's last run on one time axis"
                 onwheel={pointer.onwheel} onpointerdown={pointer.onpointerdown}
                 onpointermove={pointer.onpointermove} onpointerup={pointer.onpointerup}>
                <StackedBody {models} {view} />
                { for cursor }
            </svg>
            { legend() }
        </figure>
    }
}
