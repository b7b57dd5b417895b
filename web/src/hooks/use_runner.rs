//! `use_runner`: starts the runner worker once and hands back a callback
//! that sends it requests; its answers become reducer actions.

use crate::app::state::{Action, State};
use crate::js::{describe, start_runner_worker};
use crate::protocol::{FromRunner, ToRunner};
use std::cell::RefCell;
use std::rc::Rc;
use wasm_bindgen::JsCast;
use wasm_bindgen::prelude::*;
use web_sys::{MessageEvent, Worker};
use yew::prelude::*;

/// The worker and the closures that must live as long as it does.
type Held = Option<(
    Worker,
    Closure<dyn FnMut(MessageEvent)>,
    Closure<dyn FnMut(JsValue)>,
)>;

fn start(dispatch: UseReducerDispatcher<State>, held: &Rc<RefCell<Held>>) {
    let worker = match start_runner_worker("runner") {
        Ok(worker) => worker,
        Err(why) => {
            dispatch.dispatch(Action::RunnerBroke(format!(
                "the runner worker did not start: {why}"
            )));
            return;
        }
    };
    let on_message = {
        let dispatch = dispatch.clone();
        Closure::<dyn FnMut(MessageEvent)>::new(move |event: MessageEvent| {
            let text = event.data().as_string().unwrap_or_default();
            match serde_json::from_str::<FromRunner>(&text) {
                Ok(message) => dispatch.dispatch(Action::Runner(message)),
                Err(err) => dispatch.dispatch(Action::RunnerBroke(format!(
                    "the runner said something unreadable: {err}"
                ))),
            }
        })
    };
    let on_error = Closure::<dyn FnMut(JsValue)>::new(move |error: JsValue| {
        dispatch.dispatch(Action::RunnerBroke(format!(
            "the runner worker failed: {}",
            describe(&error)
        )));
    });
    worker.set_onmessage(Some(on_message.as_ref().unchecked_ref()));
    worker.set_onerror(Some(on_error.as_ref().unchecked_ref()));
    *held.borrow_mut() = Some((worker, on_message, on_error));
}

#[hook]
pub fn use_runner(dispatch: UseReducerDispatcher<State>) -> Callback<ToRunner> {
    let held: Rc<RefCell<Held>> = use_mut_ref(|| None);
    {
        let held = held.clone();
        use_effect_with((), move |_| {
            start(dispatch, &held);
            move || {
                if let Some((worker, _, _)) = held.borrow_mut().take() {
                    worker.terminate();
                }
            }
        });
    }
    Callback::from(move |message: ToRunner| {
        if let Some((worker, _, _)) = held.borrow().as_ref() {
            let _ = worker.post_message(&message.to_json().into());
        }
    })
}
