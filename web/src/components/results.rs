//! The result table (the CLI's columns: median, mean ± σ, min … max, the
//! speedup and its 95% bootstrap interval) with problems and the
//! explanation.

use concur_core::export::table::{interval, times};
use concur_core::model::Model;
use concur_core::report::Report;
use concur_core::stats::MIN_RUNS;
use yew::prelude::*;

#[derive(Properties, PartialEq)]
pub struct ResultsProps {
    pub report: Report,
}

/// Under the table: how the intervals were made, or why there are none.
fn interval_note(report: &Report) -> Option<String> {
    let compared: Vec<_> = report
        .results
        .iter()
        .filter(|r| r.model != Model::Sequential && r.speedup.is_some())
        .collect();
    if compared.iter().any(|r| r.speedup_ci.is_some()) {
        Some("95% CI: percentile bootstrap over the runs (ratio of medians); indicative here, like every browser timing.".into())
    } else if !compared.is_empty() && (report.params.runs() as usize) < MIN_RUNS {
        Some(format!(
            "No speedup intervals: they need at least {MIN_RUNS} runs per model (this ran {}); try 5 runs.",
            report.params.runs()
        ))
    } else {
        None
    }
}

#[component]
pub fn Results(props: &ResultsProps) -> Html {
    let report = &props.report;
    let rows = report.results.iter().map(|r| {
        let [median, mean, range] = times(&r.wall_s);
        html! {
            <tr data-model={r.model.name()} class={if r.answer_ok { "" } else { "wrong" }}>
                <td>{ r.model.name() }</td>
                <td class="num">{ r.workers }</td>
                <td class="num">{ median }</td>
                <td class="num">{ mean }</td>
                <td class="num">{ range }</td>
                <td class="num">{ r.speedup.map_or("-".to_string(), |s| format!("{s:.2}x")) }</td>
                <td class="num">{ interval(r.speedup_ci.as_ref()) }</td>
                <td class="answer">{ if r.answer_ok { "ok " } else { "WRONG " } }{ &r.answer }</td>
            </tr>
        }
    });
    let problems = report.results.iter().flat_map(|r| r.problem_lines());
    html! {
        <section class="results">
            // Scrolls sideways in a narrow pane; focusable so keys can scroll it.
            <div class="table-scroll" role="region" aria-label="Result table" tabindex="0">
            <table>
                <thead><tr>
                    <th>{"model"}</th><th>{"workers"}</th><th>{"median"}</th>
                    <th>{"mean ± σ"}</th><th>{"min … max"}</th><th>{"speedup"}</th>
                    <th title="95% confidence interval of the speedup: percentile bootstrap over the runs">{"95% CI"}</th>
                    <th>{"answer"}</th>
                </tr></thead>
                <tbody>{ for rows }</tbody>
            </table>
            </div>
            if let Some(note) = interval_note(report) {
                <p class="indicative ci-note">{ note }</p>
            }
            if let Some(load) = &report.machine_load {
                <p class="machine-load">{ load.line() }</p>
            }
            <ul class="problems">{ for problems.map(|p| html! { <li>{ p }</li> }) }</ul>
            { for report.warnings.iter().map(|w| html! { <p class="warning">{ w }</p> }) }
        </section>
    }
}

/// Why the run came out as it did, and the tutorial's claims checked
/// against it: below the timelines, so the pictures come right after the
/// numbers.
#[component]
pub fn Explanation(props: &ResultsProps) -> Html {
    let report = &props.report;
    html! {
        <section class="explanation">
            <p class="why"><strong>{ "What just happened: " }</strong>{ &report.explanation }</p>
            if !report.claims.is_empty() {
                <ul class="claims">
                    { for report.claims.iter().map(|claim| {
                        let (class, verdict) = match claim.holds {
                            Some(true) => ("holds", "holds here"),
                            Some(false) => ("fails", "does not hold here"),
                            None => ("untested", "not tested"),
                        };
                        html! {
                            <li class={class}>
                                <strong>{ format!("The tutorial says {}: {verdict}. ", claim.claim) }</strong>
                                { format!("Tutorial: {}; this run: {}.", claim.tutorial, claim.measured) }
                            </li>
                        }
                    }) }
                </ul>
            }
        </section>
    }
}
