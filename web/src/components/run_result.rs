//! The result of the last run: bars and the results table, every model's
//! last measured run on one time axis, the per-model detail timeline
//! behind tabs with its replay, and the trace download.
//!
//! It owns what the views share: the zoom window (one [`View`] for the
//! one-axis view and the detail view) and the replay cursor, kept in one
//! reducer so the cursor, moving on a timer, can pull the window along.

use super::bars::Bars;
use super::numbers::{GilNumbers, Latencies};
use super::replay::Replay;
use super::results::{Explanation, Results};
use super::stacked::{ModelRun, StackedTimeline, extent_ns};
use super::timeline::Timeline;
use super::view::{Shared, View, ZoomBar};
use crate::runner::threads::RUNNER_PID;
use concur_core::catalog;
use concur_core::experiment::Plan;
use concur_core::export::chrome::chrome_trace;
use concur_core::model::Model;
use concur_core::report::{ModelRuns, Report};
use std::rc::Rc;
use wasm_bindgen::JsCast;
use yew::prelude::*;

#[derive(Properties, PartialEq)]
pub struct RunResultProps {
    /// The report and every run behind it.
    pub result: Shared<(Report, Vec<ModelRuns>)>,
    /// The model whose detail timeline (and replay) is shown.
    pub shown: Option<Model>,
    /// A tab was picked.
    pub on_show: Callback<Model>,
}

/// The zoom window and the replay cursor.
#[derive(Clone, Debug, Default, PartialEq)]
struct Looking {
    view: Option<View>,
    /// ns from the replayed run's start.
    cursor_ns: u64,
}

enum Look {
    /// A new window (None: every run whole).
    View(Option<View>),
    /// The cursor moved; a zoomed window follows it, within the extent.
    Cursor(u64, f64),
    /// A new result or another model: whole runs, cursor at the start.
    Reset,
}

impl Reducible for Looking {
    type Action = Look;

    fn reduce(self: Rc<Self>, action: Look) -> Rc<Self> {
        let mut next = (*self).clone();
        match action {
            Look::View(view) => next.view = view,
            Look::Cursor(ns, extent) => {
                next.cursor_ns = ns;
                next.view = next.view.map(|view| view.following(ns as f64, extent));
            }
            Look::Reset => next = Looking::default(),
        }
        if next == *self { self } else { Rc::new(next) }
    }
}

/// Saves the runs as a Chrome trace file through a download link.
fn download_trace(runs: &[ModelRuns]) -> Result<(), String> {
    let origin = runs
        .iter()
        .flat_map(|m| &m.runs)
        .map(|r| r.start_ns)
        .min()
        .unwrap_or(0);
    let json = chrome_trace(runs, origin, RUNNER_PID).to_string();
    let parts = js_sys::Array::of1(&json.into());
    let options = web_sys::BlobPropertyBag::new();
    options.set_type("application/json");
    let blob = web_sys::Blob::new_with_str_sequence_and_options(&parts, &options)
        .map_err(|e| crate::js::describe(&e))?;
    let url =
        web_sys::Url::create_object_url_with_blob(&blob).map_err(|e| crate::js::describe(&e))?;
    let document = web_sys::window()
        .and_then(|w| w.document())
        .ok_or("no document")?;
    let link: web_sys::HtmlAnchorElement = document
        .create_element("a")
        .map_err(|e| crate::js::describe(&e))?
        .dyn_into()
        .map_err(|_| "not an anchor")?;
    link.set_href(&url);
    link.set_download("concur-trace.json");
    link.click();
    let _ = web_sys::Url::revoke_object_url(&url);
    Ok(())
}

#[component]
pub fn RunResult(props: &RunResultProps) -> Html {
    let result: &(Report, Vec<ModelRuns>) = &props.result;
    let (report, runs) = (&result.0, &result.1);
    let looking = use_reducer(Looking::default);
    {
        let dispatch = looking.dispatcher();
        use_effect_with((props.result.clone(), props.shown), move |_| {
            dispatch.dispatch(Look::Reset)
        });
    }
    // The last measured run of every model, copied out once per result.
    let last: Rc<Vec<ModelRun>> = use_memo(props.result.clone(), |result| {
        let result: &(Report, Vec<ModelRuns>) = result;
        result
            .1
            .iter()
            .filter_map(|m| {
                let run = m.runs.last()?;
                Some((m.model, Shared(Rc::new(run.clone()))))
            })
            .collect()
    });
    let plan: Rc<Option<Shared<Plan>>> = use_memo(props.result.clone(), |result| {
        let result: &(Report, Vec<ModelRuns>) = result;
        let experiment = catalog::find(&result.0.experiment)?;
        Some(Shared(Rc::new(experiment.plan(&result.0.params, ""))))
    });
    let extent = extent_ns(&last);
    let detail = props
        .shown
        .and_then(|model| last.iter().find(|(m, _)| *m == model).cloned());
    let on_view = looking.dispatcher().to_callback().reform(Look::View);
    let on_cursor = {
        let dispatch = looking.dispatcher();
        Callback::from(move |ns: u64| dispatch.dispatch(Look::Cursor(ns, extent)))
    };
    let tabs = runs.iter().map(|m| {
        let model = m.model;
        let active = Some(model) == props.shown;
        let onclick = props.on_show.reform(move |_: MouseEvent| model);
        html! { <button class={classes!("tab", active.then_some("active"))} data-model={model.name()} aria-pressed={active.to_string()} {onclick}>{ model.name() }</button> }
    });
    let base = View::full(
        detail
            .as_ref()
            .map_or(extent, |(_, run)| run.wall_ns().max(1) as f64),
    );
    let cursor = looking.cursor_ns;
    let detail_views = detail.map(|(model, run)| {
        let title = format!("{} — last measured run", model.name());
        html! {
            <>
                <Timeline title={title.clone()} run={run.clone()} view={looking.view} extent_ns={extent}
                          on_view={on_view.clone()} cursor_ns={Some(cursor)} />
                <Replay key={model.name()} {title} {run} plan={(*plan).clone()} cursor_ns={cursor} on_cursor={on_cursor.clone()} />
            </>
        }
    });
    let on_download = {
        let runs = runs.clone();
        Callback::from(move |_| {
            if let Err(why) = download_trace(&runs) {
                web_sys::console::error_1(&why.into());
            }
        })
    };
    html! {
        <section id="result" data-experiment={report.experiment.clone()}>
            <h2>{ format!("Result: {}", report.experiment) }</h2>
            <Bars results={report.results.clone()} />
            <Results report={report.clone()} />
            <ZoomBar view={looking.view} {base} extent_ns={extent} anchor_ns={Some(cursor as f64)} on_view={on_view.clone()} />
            <StackedTimeline runs={Shared(Rc::clone(&last))} view={looking.view} {on_view}
                             cursor={props.shown.map(|model| (model, cursor))} />
            <div class="tabs" role="group" aria-label="Show one model in detail">{ for tabs }</div>
            { for detail_views }
            <Explanation report={report.clone()} />
            <GilNumbers results={report.results.clone()} />
            <Latencies results={report.results.clone()} />
            <button id="download-trace" onclick={on_download}>{ "Download trace (Chrome JSON, opens in Perfetto)" }</button>
        </section>
    }
}
