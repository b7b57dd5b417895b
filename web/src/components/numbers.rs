//! Numbers of a run that the timeline makes hard to read off: the GIL per
//! thread (as gil_load or py-spy's "GIL: x%" report it) under GIL runs, and
//! each model's latency distribution where there were requests or echo
//! clients, drawn as a histogram with p50, p95 and max. Every figure comes
//! from the report, which computed it from the run's own trace.

use concur_core::analysis::Histogram;
use concur_core::report::ModelResult;
use yew::prelude::*;

#[derive(Properties, PartialEq)]
pub struct NumbersProps {
    pub results: Vec<ModelResult>,
}

fn percent(share: f64) -> String {
    format!("{:.0}%", share * 100.0)
}

/// Per thread under the GIL: how much of the run it held the lock, waited
/// for it, and how often it took it.
#[component]
pub fn GilNumbers(props: &NumbersProps) -> Html {
    let tables = props.results.iter().filter_map(|result| {
        let stats = result.gil_stats.as_ref()?;
        let rows = stats.lanes.iter().map(|lane| {
            html! {
                <tr data-lane={lane.lane.to_string()}>
                    <td>{ &lane.name }</td>
                    <td class="num held">{ percent(lane.held_share) }</td>
                    <td class="num waited">{ percent(lane.wait_share) }</td>
                    <td class="num">{ lane.takes }</td>
                    <td class="share-bar" aria-hidden="true">
                        <span class="held" style={format!("width: {:.1}%", lane.held_share * 100.0)}></span>
                        <span class="waited" style={format!("width: {:.1}%", lane.wait_share * 100.0)}></span>
                    </td>
                </tr>
            }
        });
        Some(html! {
            <figure class="gil-numbers" data-model={result.model.name()} data-held={stats.held_share.to_string()} data-handovers={stats.handovers.to_string()}>
                <figcaption>{ format!(
                    "The GIL in numbers ({}, median run): held {} of the run, changed hands {} times",
                    result.model.name(),
                    percent(stats.held_share),
                    stats.handovers
                ) }</figcaption>
                <table>
                    <thead><tr><th>{ "thread" }</th><th>{ "held it" }</th><th>{ "waited for it" }</th><th>{ "took it" }</th><th><span class="sr-only">{ "held and waited, as bars" }</span></th></tr></thead>
                    <tbody>{ for rows }</tbody>
                </table>
                <p class="note">{ "Held counts the time a thread computed with the lock; a thread back from I/O also holds it briefly between its I/O steps, and that time is not counted." }</p>
            </figure>
        })
    });
    html! { <>{ for tables }</> }
}

/// One model's histogram: bars of counts per latency bin, labelled.
fn histogram(model: &str, latency: &Histogram) -> Html {
    const WIDTH: f64 = 360.0;
    const HEIGHT: f64 = 90.0;
    let most = latency
        .bins
        .iter()
        .map(|bin| bin.count)
        .max()
        .unwrap_or(1)
        .max(1);
    let bar_width = WIDTH / latency.bins.len().max(1) as f64;
    let bars = latency.bins.iter().enumerate().map(|(idx, bin)| {
        let height = f64::from(bin.count) / f64::from(most) * HEIGHT;
        html! {
            <rect x={(idx as f64 * bar_width).to_string()} y={(HEIGHT - height).to_string()}
                  width={(bar_width - 1.0).max(1.0).to_string()} height={height.to_string()}>
                <title>{ format!("{:.2} to {:.2} ms: {} requests", bin.lo_ms, bin.hi_ms, bin.count) }</title>
            </rect>
        }
    });
    let summary = format!(
        "{model}: {} requests, p50 {:.2} ms, p95 {:.2} ms, max {:.2} ms",
        latency.count, latency.p50_ms, latency.p95_ms, latency.max_ms
    );
    html! {
        <figure class="histogram" data-model={model.to_string()} data-count={latency.count.to_string()}
                data-binned={latency.bins.iter().map(|b| b.count).sum::<u32>().to_string()}>
            <figcaption>{ summary.clone() }</figcaption>
            <svg viewBox={format!("0 0 {WIDTH} {}", HEIGHT + 16.0)} width="100%" role="img" aria-label={summary}>
                { for bars }
                <text x="0" y={(HEIGHT + 13.0).to_string()}>{ format!("{:.2} ms", latency.min_ms) }</text>
                <text x={WIDTH.to_string()} y={(HEIGHT + 13.0).to_string()} text-anchor="end">
                    { format!("{:.2} ms{}", latency.max_ms, if latency.log_bins { " (log scale)" } else { "" }) }
                </text>
            </svg>
        </figure>
    }
}

/// Each model's latency distribution where the run had requests.
#[component]
pub fn Latencies(props: &NumbersProps) -> Html {
    let figures: Vec<Html> = props
        .results
        .iter()
        .filter_map(|result| Some(histogram(result.model.name(), result.latency.as_ref()?)))
        .collect();
    if figures.is_empty() {
        return html! {};
    }
    html! {
        <section class="latencies" aria-labelledby="latencies-title">
            <h3 id="latencies-title">{ "Latency per request, median run" }</h3>
            <div class="histograms">{ for figures }</div>
        </section>
    }
}
