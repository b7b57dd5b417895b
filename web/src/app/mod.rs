//! The page: header, run panel, pictures and tables of the last run, and
//! the comparison with a native report. State lives in one reducer.

pub mod course;
pub mod state;

use crate::components::{
    bars::Bars, compare::Compare, controls::Controls, lesson::LessonView, results::Results,
    ticker::Ticker, timeline::Timeline,
};
use crate::hooks::{
    use_io::{Endpoints, use_io},
    use_runner::use_runner,
};
use crate::io::ServedBy;
use crate::js::{cross_origin_isolated, logical_cores};
use crate::protocol::{IoMode, RunRequest, ToRunner};
use crate::runner::threads::RUNNER_PID;
use concur_core::export::chrome::chrome_trace;
use concur_core::report::{ModelRuns, Report};
use state::{Action, State};
use wasm_bindgen::JsCast;
use yew::prelude::*;

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

fn notices(state: &State, endpoints: Option<&Endpoints>) -> Html {
    let io = match (&state.io, endpoints) {
        (Some(IoMode::Simulated), _) => html! {
            <p class="notice" id="simulated-io">{ "No service worker controls this page (they are blocked here, or unsupported, as in some private windows) and no concur server answers beside it, so request waits are simulated with timers. Open the page in an ordinary window, or serve it with " }<code>{ "cargo xtask play" }</code>{ ", for real HTTP." }</p>
        },
        (
            Some(IoMode::Server { .. }),
            Some(Endpoints {
                base,
                served_by: Some(served_by),
            }),
        ) => {
            let (who, how) = match served_by {
                ServedBy::Browser => (
                    "browser",
                    "served by your browser: this page's service worker answers them, so every request is real HTTP that really waits, with no server",
                ),
                ServedBy::ConcurServe => ("concur-serve", "served by concur serve"),
            };
            html! {
                <p class="notice endpoints" id="endpoints" data-served-by={who}>{ "Endpoints (/delay, /status, /get, /echo) at " }<code>{ base.clone() }</code>{ ": " }{ how }{ "." }</p>
            }
        }
        _ => html! {},
    };
    let threads = match &state.threads {
        Some(Err(why)) => {
            html! { <p class="notice" id="threads-unavailable">{ "Threads are unavailable: " }{ why }</p> }
        }
        _ => html! {},
    };
    html! { <>{ io }{ threads }</> }
}

/// Restores the course from the link or the saved progress, keeps both
/// up to date, and moves between lessons with the arrow keys.
#[hook]
fn use_course(state: &UseReducerHandle<State>) {
    {
        let dispatch = state.dispatcher();
        use_effect_with((), move |_| {
            let hash = web_sys::window()
                .and_then(|w| w.location().hash().ok())
                .unwrap_or_default();
            let (saved, visited) = course::load_progress();
            dispatch.dispatch(Action::RestoreVisited(visited));
            let mut link = course::parse_hash(&hash);
            if link.lesson.is_none() {
                link = course::Link {
                    lesson: saved,
                    ..course::Link::default()
                };
            }
            dispatch.dispatch(Action::FollowLink(link));
        });
    }
    {
        let dispatch = state.dispatcher();
        use_effect_with((), move |_| {
            let listener = arrow_keys(dispatch);
            move || drop(listener)
        });
    }
    let lesson = state.open_lesson().map(|l| l.id);
    let deps = (
        lesson,
        state.link_knobs(),
        state.models.clone(),
        state.visited.clone(),
    );
    use_effect_with(deps, |(lesson, knobs, models, visited)| {
        if let Some(lesson) = lesson {
            let hash = course::format_hash(lesson, knobs, models);
            if let Some(history) = web_sys::window().and_then(|w| w.history().ok()) {
                let _ =
                    history.replace_state_with_url(&wasm_bindgen::JsValue::NULL, "", Some(&hash));
            }
            course::save_progress(lesson, visited);
        }
    });
}

/// Arrow keys move between lessons unless the learner is typing in a field.
fn arrow_keys(dispatch: UseReducerDispatcher<State>) -> gloo_events::EventListener {
    let document = gloo_utils::document();
    gloo_events::EventListener::new(&document, "keydown", move |event| {
        let Some(event) = event.dyn_ref::<web_sys::KeyboardEvent>() else {
            return;
        };
        let typing = event
            .target()
            .and_then(|t| t.dyn_into::<web_sys::Element>().ok())
            .is_some_and(|el| matches!(el.tag_name().as_str(), "INPUT" | "SELECT" | "TEXTAREA"));
        if typing || event.alt_key() || event.ctrl_key() || event.meta_key() {
            return;
        }
        match event.key().as_str() {
            "ArrowRight" => dispatch.dispatch(Action::Step(1)),
            "ArrowLeft" => dispatch.dispatch(Action::Step(-1)),
            _ => {}
        }
    })
}

#[component]
pub fn App() -> Html {
    let state = use_reducer(State::new);
    use_effect_with((), |_| {
        // The benchmark reads this: time from navigation to the first render.
        if let Some(performance) = web_sys::window().and_then(|w| w.performance()) {
            let _ = performance.mark("concur-first-render");
        }
    });
    use_course(&state);
    let send = use_runner(state.dispatcher());
    let endpoints = use_io(state.dispatcher());
    let on_run = {
        let (state, send) = (state.clone(), send.clone());
        Callback::from(move |_| {
            let (Ok(params), Some(io)) = (state.params(), state.io.clone()) else {
                return;
            };
            state.dispatch(Action::Started);
            send.emit(ToRunner::Run(RunRequest {
                experiment: state.experiment.clone(),
                params,
                models: state.chosen_models(),
                io,
            }));
        })
    };
    let on_measure = {
        let (dispatch, send) = (state.dispatcher(), send.clone());
        Callback::from(move |_| {
            dispatch.dispatch(Action::Measuring);
            send.emit(ToRunner::Measure);
        })
    };
    let on_import = {
        let dispatch = state.dispatcher();
        Callback::from(move |imported: Result<Report, String>| {
            dispatch.dispatch(Action::Imported(imported.map(std::rc::Rc::new)))
        })
    };
    let results = state.result.as_ref().map(|result| {
        let (report, runs) = (&result.0, &result.1);
        let shown = state.timeline_model.and_then(|model| runs.iter().find(|m| m.model == model));
        let tabs = runs.iter().map(|m| {
            let dispatch = state.dispatcher();
            let model = m.model;
            let active = Some(model) == state.timeline_model;
            html! { <button class={classes!("tab", active.then_some("active"))} data-model={model.name()} onclick={Callback::from(move |_| dispatch.dispatch(Action::ShowTimeline(model)))}>{ model.name() }</button> }
        });
        let timeline = shown.and_then(|m| m.runs.last().map(|run| (m.model, run.clone()))).map(|(model, run)| {
            html! { <Timeline title={format!("{} — last measured run", model.name())} {run} /> }
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
                <div class="tabs">{ for tabs }</div>
                { for timeline }
                <button id="download-trace" onclick={on_download}>{ "Download trace (Chrome JSON, opens in Perfetto)" }</button>
            </section>
        }
    });
    html! {
        <main data-completed={state.completed.to_string()}>
            <header>
                <h1>{ "concur playground" }</h1>
                <p class="facts">
                    <span id="cores">{ format!("{} logical cores", logical_cores()) }</span>
                    <span id="isolation">{ if cross_origin_isolated() { "cross-origin isolated: threads can share memory" } else { "not cross-origin isolated" } }</span>
                    <Ticker />
                </p>
                <p class="indicative">{ "Browser timers are coarse (5 to 100 µs), so these numbers are indicative; the native runner (concur run) is the authority." }</p>
            </header>
            { notices(&state, endpoints.as_ref()) }
            <LessonView state={state.clone()} {on_measure} />
            <Controls state={state.clone()} {on_run} />
            // Stable wrappers: yew matches unkeyed children from the end, so a
            // child list that grows must not shift the header (and its ticker).
            <div class="error-slot">
                if let Some(error) = &state.error { <p class="error" id="run-error">{ error }</p> }
            </div>
            <div class="result-slot">{ for results }</div>
            <Compare browser={state.result.as_ref().map(|r| r.0.clone())} native={state.imported.clone()} {on_import} />
        </main>
    }
}
