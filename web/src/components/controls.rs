//! The run panel: experiment picker, knobs validated as they are typed,
//! the keep-alive checkbox (experiments that make HTTP requests), model
//! choice, and the run bar: the Run button with the progress state.
//!
//! The run bar (`#run-bar`) holds the page's one Run button. On a wide
//! screen it sticks to the bottom of the experiment pane, so Run stays in
//! view however far the pane scrolls; on a phone (one column) it is fixed
//! to the bottom of the screen, so Run is one tap away while the learner
//! reads the lesson above the experiment, with shortcuts down to the
//! question that unlocks it and to the result of the last run.

use crate::app::state::{Action, Knob, RunnerStatus, State};
use concur_core::experiment::catalog;
use concur_core::model::Model;
use wasm_bindgen::JsCast;
use yew::prelude::*;

#[derive(Properties, PartialEq)]
pub struct ControlsProps {
    pub state: UseReducerHandle<State>,
    pub on_run: Callback<()>,
}

fn value_of(event: &Event) -> String {
    event
        .target()
        .and_then(|t| t.dyn_into::<web_sys::HtmlInputElement>().ok())
        .map(|input| input.value())
        .unwrap_or_default()
}

#[component]
pub fn Controls(props: &ControlsProps) -> Html {
    let state = &props.state;
    let experiment =
        concur_core::experiment::find(&state.experiment).expect("a catalog experiment");
    let pick = {
        let dispatch = props.state.dispatcher();
        Callback::from(move |event: Event| {
            if let Some(select) = event
                .target()
                .and_then(|t| t.dyn_into::<web_sys::HtmlSelectElement>().ok())
            {
                dispatch.dispatch(Action::Pick(select.value()));
            }
        })
    };
    let knobs = Knob::ALL
        .iter()
        .filter(|k| k.applies(&experiment))
        .map(|&knob| {
            let dispatch = props.state.dispatcher();
            let oninput = Callback::from(move |event: InputEvent| {
                let event: Event = event.into();
                dispatch.dispatch(Action::SetKnob(knob, value_of(&event)));
            });
            let problem = state.check(knob).err();
            let id = format!("knob-{}", knob.flag());
            html! {
                <label class={classes!("knob", problem.is_some().then_some("invalid"))}>
                    <span>{ match (knob, experiment.n_means, experiment.tasks_means) { (Knob::N, Some(means), _) => format!("{means} (n)"), (Knob::Tasks, _, Some(means)) => means.to_string(), (Knob::DelayMs, _, _) => experiment.delay_means().to_string(), _ => knob.label().to_string() } }</span>
                    <input id={id} value={state.knob(knob).to_string()} {oninput} />
                    // Always present, so the input keeps its place (and focus) when a message appears.
                    <em class="field-error">{ problem.map(|p| p.problem).unwrap_or_default() }</em>
                </label>
            }
        });
    // A checkbox inside its label: named by its text, toggled by Space.
    let keep_alive = experiment.uses_http().then(|| {
        let dispatch = props.state.dispatcher();
        let onchange = Callback::from(move |event: Event| {
            let on = event
                .target()
                .and_then(|t| t.dyn_into::<web_sys::HtmlInputElement>().ok())
                .is_some_and(|input| input.checked());
            dispatch.dispatch(Action::SetKeepAlive(on));
        });
        html! {
            <label class="keep-alive" title="off: every request opens and closes its own connection (requests.get, the tutorial's code); on: each worker's blocking requests reuse one connection (requests.Session). The async model reuses its connections either way (aiohttp.ClientSession).">
                <input type="checkbox" id="knob-keep-alive" checked={state.keep_alive} {onchange} />
                { " keep-alive (one connection reused)" }
            </label>
        }
    });
    let models = Model::ALL.iter().map(|&model| {
        let dispatch = props.state.dispatcher();
        let onchange = Callback::from(move |_| dispatch.dispatch(Action::ToggleModel(model)));
        let runnable = state.runnable(model);
        let why = match (&state.threads, runnable) {
            (Some(Err(why)), false) => why.clone(),
            _ => model.describe().to_string(),
        };
        html! {
            <label class={classes!("model", (!runnable).then_some("unavailable"))} title={why}>
                <input type="checkbox" id={format!("model-{}", model.name())} checked={runnable && state.models.contains(&model)} disabled={!runnable} {onchange} />
                { model.name() }
                <small>{ if runnable { "" } else { " (unavailable)" } }</small>
            </label>
        }
    });
    let running = matches!(state.runner, RunnerStatus::Running { .. });
    let ready = matches!(state.runner, RunnerStatus::Ready) && state.io.is_some();
    let valid =
        state.params().is_ok() && !state.chosen_models().is_empty() && !state.awaits_prediction();
    let onclick = {
        let on_run = props.on_run.clone();
        Callback::from(move |_| on_run.emit(()))
    };
    let status = match &state.runner {
        RunnerStatus::Starting => html! { <span>{ "starting the runner…" }</span> },
        RunnerStatus::Ready => html! {},
        RunnerStatus::Running { done, total, label } => html! {
            <span class="progress"><progress max={total.max(&1).to_string()} value={done.to_string()} />{ format!(" {done}/{total} runs · {label}") }</span>
        },
        RunnerStatus::Broken(why) => html! { <span class="error">{ why }</span> },
    };
    let awaits_prediction = state.awaits_prediction();
    let to_predict =
        Callback::from(|_| crate::components::lesson::reveal("#predict", "#predict input"));
    let to_result = Callback::from(|_| {
        crate::components::lesson::reveal(".result-slot", ".result-slot button")
    });
    html! {
        <>
            <section class="controls" data-ready={ready.to_string()} aria-label="experiment settings">
                <label class="picker">
                    <span>{ "experiment" }</span>
                    <select id="experiment" onchange={pick}>
                        { for catalog().into_iter().map(|e| html! { <option value={e.id} selected={e.id == state.experiment}>{ format!("{} — {}", e.id, e.title) }</option> }) }
                    </select>
                </label>
                <p class="summary">{ experiment.summary }{ ". The tutorial: " }{ experiment.claim }{ "." }</p>
                if let Some(note) = experiment.browser_note {
                    <p class="browser-note" id="browser-note">{ note }</p>
                }
                <div class="knobs">{ for knobs }</div>
                { for keep_alive }
                <button id="quick" class="quick" title="a tenth of the waits, a twentieth of the computing, one run"
                        onclick={{ let dispatch = props.state.dispatcher(); Callback::from(move |_| dispatch.dispatch(Action::Quick)) }}>
                    { "Quick preset (for a phone)" }
                </button>
                <fieldset class="models">
                    <legend>{ "models" }</legend>
                    { for models }
                </fieldset>
            </section>
            <div class="run-bar" id="run-bar">
                <button id="run" {onclick} disabled={running || !ready || !valid}>{ if running { "Running…" } else { "Run" } }</button>
                <span class="run-status" role="status">{ status }</span>
                if awaits_prediction {
                    <button class="to-predict" id="to-predict" onclick={to_predict}>{ "Answer the question first" }</button>
                } else if state.result.is_some() && !running {
                    <button class="to-result" id="to-result" onclick={to_result}>{ "See the result" }</button>
                }
            </div>
        </>
    }
}
