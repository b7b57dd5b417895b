//! The timeline: one lane per worker, one coloured bar per trace event,
//! with the details in a tooltip on hover.

use super::{colour, seconds};
use concur_core::report::RunOutcome;
use concur_core::trace::EventKind;
use yew::prelude::*;

const WIDTH: f64 = 860.0;
const LABEL: f64 = 130.0;
const LANE: f64 = 22.0;

#[derive(Properties, PartialEq)]
pub struct TimelineProps {
    pub title: AttrValue,
    pub run: RunOutcome,
}

#[component]
pub fn Timeline(props: &TimelineProps) -> Html {
    let run = &props.run;
    let span = run.wall_ns().max(1) as f64;
    let x = |ns: u64| LABEL + (ns.saturating_sub(run.start_ns) as f64 / span) * (WIDTH - LABEL);
    let height = LANE * run.trace.lanes.len() as f64 + 24.0;
    let lanes = run.trace.lanes.iter().enumerate().map(|(row, lane)| {
        let y = row as f64 * LANE;
        let bars = run.trace.events.iter().filter(|e| e.lane == lane.id).map(|event| {
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
                { for lanes }
                <text x={LABEL.to_string()} y={axis_y.to_string()} class="axis">{ "0" }</text>
                <text x={WIDTH.to_string()} y={axis_y.to_string()} class="axis" text-anchor="end">{ seconds(span / 1e9) }</text>
            </svg>
            <div class="legend">
                { for EventKind::ALL.iter().filter(|k| **k != EventKind::Idle).map(|kind| html! {
                    <span><i style={format!("background:{}", colour(*kind))}></i>{ kind.name() }</span>
                }) }
            </div>
        </figure>
    }
}
