//! The page: header, then two panes: the lesson on the left, the
//! experiment on the right (the lesson's question, the run panel and its
//! run bar, pictures and tables of the last run, the comparison with a
//! native report). Below 1000 px wide the panes stack, lesson first, and
//! the run bar is fixed to the bottom of the screen (`style.css`). State
//! lives in one reducer.

pub mod course;
pub mod state;

use crate::components::{
    compare::Compare,
    controls::Controls,
    lesson::{LessonAside, LessonView},
    run_result::RunResult,
    ticker::Ticker,
};
use crate::hooks::{
    use_io::{Endpoints, use_io},
    use_runner::use_runner,
};
use crate::io::ServedBy;
use crate::js::{cross_origin_isolated, logical_cores};
use crate::protocol::{IoMode, RunRequest, ToRunner};
use concur_core::report::Report;
use state::{Action, State};
use wasm_bindgen::JsCast;
use yew::prelude::*;

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
    let results = state.result.clone().map(|result| {
        html! { <RunResult {result} shown={state.timeline_model} on_show={state.dispatcher().to_callback().reform(Action::ShowTimeline)} /> }
    });
    html! {
        <div class="page">
            <header class="masthead">
                <h1>{ "concur playground" }</h1>
                <p class="facts">
                    <span id="cores">{ format!("{} logical cores", logical_cores()) }</span>
                    <span id="isolation">{ if cross_origin_isolated() { "cross-origin isolated: threads can share memory" } else { "not cross-origin isolated" } }</span>
                    <Ticker />
                </p>
                <p class="indicative">{ "Browser timers are coarse (5 to 100 µs), so these numbers are indicative; the native runner (concur run) is the authority." }</p>
            </header>
            <main data-completed={state.completed.to_string()}>
            { notices(&state, endpoints.as_ref()) }
            <div class="panes">
            <LessonView state={state.clone()} />
            // The experiment pane; its children stay at this depth so the
            // results' lines below keep their place.
            <section class="pane experiment" id="experiment-pane" aria-labelledby="experiment-title">
            <h2 class="visually-hidden" id="experiment-title">{ "Try it" }</h2>
            <LessonAside state={state.clone()} {on_measure} />
            <Controls state={state.clone()} {on_run} />
            // Stable wrappers: yew matches unkeyed children from the end, so a
            // child list that grows must not shift the header (and its ticker).
            <div class="error-slot" aria-live="polite">
                if let Some(error) = &state.error { <p class="error" id="run-error">{ error }</p> }
            </div>
            <div class="result-slot">{ for results }</div>
            <Compare browser={state.result.as_ref().map(|r| r.0.clone())} native={state.imported.clone()} {on_import} />
            </section>
            </div>
            </main>
        </div>
    }
}
