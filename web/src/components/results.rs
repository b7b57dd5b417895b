//! The result table (the CLI's columns) with problems and the explanation.

use super::seconds;
use concur_core::report::Report;
use yew::prelude::*;

#[derive(Properties, PartialEq)]
pub struct ResultsProps {
    pub report: Report,
}

#[component]
pub fn Results(props: &ResultsProps) -> Html {
    let report = &props.report;
    let rows = report.results.iter().map(|r| {
        html! {
            <tr data-model={r.model.name()} class={if r.answer_ok { "" } else { "wrong" }}>
                <td>{ r.model.name() }</td>
                <td class="num">{ r.workers }</td>
                <td class="num">{ seconds(r.wall_s.median) }</td>
                <td class="num">{ seconds(r.wall_s.min) }</td>
                <td class="num">{ seconds(r.wall_s.max) }</td>
                <td class="num">{ r.speedup.map_or("-".to_string(), |s| format!("{s:.2}x")) }</td>
                <td class="answer">{ if r.answer_ok { "ok " } else { "WRONG " } }{ &r.answer }</td>
            </tr>
        }
    });
    let problems = report.results.iter().flat_map(|r| r.problem_lines());
    html! {
        <section class="results">
            <table>
                <thead><tr><th>{"model"}</th><th>{"workers"}</th><th>{"median"}</th><th>{"min"}</th><th>{"max"}</th><th>{"speedup"}</th><th>{"answer"}</th></tr></thead>
                <tbody>{ for rows }</tbody>
            </table>
            <ul class="problems">{ for problems.map(|p| html! { <li>{ p }</li> }) }</ul>
            { for report.warnings.iter().map(|w| html! { <p class="warning">{ w }</p> }) }
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
