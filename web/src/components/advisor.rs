//! The decision flow as an interactive advisor: three questions, a
//! recommendation with its reasons (core's `advise`), and a button that
//! picks the experiment that shows it.

use crate::app::state::{Action, State};
use concur_core::advise::{MANY_CONNECTIONS, Situation, advise};
use wasm_bindgen::JsCast;
use yew::prelude::*;

#[derive(Properties, PartialEq)]
pub struct AdvisorProps {
    pub dispatch: UseReducerDispatcher<State>,
}

fn checked(event: &Event) -> bool {
    event
        .target()
        .and_then(|t| t.dyn_into::<web_sys::HtmlInputElement>().ok())
        .is_some_and(|input| input.checked())
}

#[component]
pub fn Advisor(props: &AdvisorProps) -> Html {
    let situation = use_state(|| Situation {
        cpu_bound: false,
        concurrent_io: 10,
        can_go_async: true,
    });
    let concurrent_text = use_state(|| "10".to_string());
    let set = |change: fn(&mut Situation, &Event)| {
        let situation = situation.clone();
        Callback::from(move |event: Event| {
            let mut next = *situation;
            change(&mut next, &event);
            situation.set(next);
        })
    };
    let on_concurrent = {
        let (situation, text) = (situation.clone(), concurrent_text.clone());
        Callback::from(move |event: InputEvent| {
            let value = event
                .target()
                .and_then(|t| t.dyn_into::<web_sys::HtmlInputElement>().ok())
                .map(|input| input.value())
                .unwrap_or_default();
            if let Ok(count) = value.trim().parse::<u32>() {
                situation.set(Situation {
                    concurrent_io: count.max(1),
                    ..*situation
                });
            }
            text.set(value);
        })
    };
    let valid = concurrent_text.trim().parse::<u32>().is_ok_and(|n| n >= 1);
    let advice = advise(*situation);
    let show = {
        let dispatch = props.dispatch.clone();
        let experiment = advice.experiment.to_string();
        Callback::from(move |_| dispatch.dispatch(Action::Pick(experiment.clone())))
    };
    html! {
        <section class="advisor" id="advisor">
            <h2>{ "Which model suits your program?" }</h2>
            <label><input type="checkbox" id="advise-cpu" checked={situation.cpu_bound}
                onchange={set(|s, e| s.cpu_bound = checked(e))} />{ " 1. Most of the time goes to computing (CPU-bound)" }</label>
            <label class={classes!((situation.cpu_bound).then_some("skipped"))}>{ " 2. I/O operations in flight at once: " }
                <input id="advise-concurrent" value={(*concurrent_text).clone()} oninput={on_concurrent} disabled={situation.cpu_bound} />
                if !valid { <em class="field-error">{ "must be a whole number of at least 1" }</em> }
            </label>
            <label class={classes!((situation.cpu_bound || situation.concurrent_io < MANY_CONNECTIONS).then_some("skipped"))}>
                <input type="checkbox" id="advise-async" checked={situation.can_go_async} disabled={situation.cpu_bound || situation.concurrent_io < MANY_CONNECTIONS}
                    onchange={set(|s, e| s.can_go_async = checked(e))} />{ " 3. Async libraries exist and the code can become async" }
            </label>
            <div class="advice" id="advice">
                <p><strong>{ format!("Use {}.", advice.pick.name()) }</strong></p>
                <ol>{ for advice.reasons.iter().map(|r| html! { <li>{ r }</li> }) }</ol>
                <button id="advise-show" onclick={show}>{ format!("Set up {}, the experiment that shows it", advice.experiment) }</button>
            </div>
        </section>
    }
}
