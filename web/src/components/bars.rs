//! Wall time per model as a bar chart, labelled with the speedup.

use super::seconds;
use concur_core::report::ModelResult;
use yew::prelude::*;

#[derive(Properties, PartialEq)]
pub struct BarsProps {
    pub results: Vec<ModelResult>,
}

#[component]
pub fn Bars(props: &BarsProps) -> Html {
    let longest = props
        .results
        .iter()
        .map(|r| r.wall_s.median)
        .fold(0.0f64, f64::max)
        .max(1e-9);
    let row = 26.0;
    let height = row * props.results.len() as f64;
    let bars = props.results.iter().enumerate().map(|(idx, result)| {
        let y = idx as f64 * row;
        let width = result.wall_s.median / longest * 480.0;
        let label = format!(
            "{}{}",
            seconds(result.wall_s.median),
            result.speedup.map_or(String::new(), |s| format!(" · {s:.2}x")),
        );
        html! {
            <g class="bar" data-model={result.model.name()}>
                <text x="0" y={(y + 17.0).to_string()}>{ result.model.name() }</text>
                <rect x="110" y={(y + 4.0).to_string()} width={width.max(1.0).to_string()} height="18"
                      class={if result.answer_ok { "ok" } else { "wrong" }} />
                <text x={(116.0 + width).to_string()} y={(y + 17.0).to_string()}>{ label }</text>
            </g>
        }
    });
    html! {
        <figure class="bars">
            <figcaption>{ "Median wall time per model (shorter is better)" }</figcaption>
            <svg viewBox={format!("0 0 760 {height}")} width="100%" role="img" aria-label="wall time per model">{ for bars }</svg>
        </figure>
    }
}
