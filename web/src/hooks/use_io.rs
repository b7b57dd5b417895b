//! `use_io`: finds out whether `concur serve` answers beside the page (real
//! HTTP) or not (a static host: waits are simulated, and the page says so).

use crate::app::state::{Action, State};
use crate::io::fetch_status;
use crate::protocol::IoMode;
use yew::prelude::*;

fn origin() -> Option<String> {
    web_sys::window()?.location().origin().ok()
}

#[hook]
pub fn use_io(dispatch: UseReducerDispatcher<State>) {
    use_effect_with((), move |_| {
        wasm_bindgen_futures::spawn_local(async move {
            let mode = match origin() {
                Some(base) => match fetch_status(&format!("{base}/status/204"), false).await {
                    Ok(204) => IoMode::Server { base },
                    _ => IoMode::Simulated,
                },
                None => IoMode::Simulated,
            };
            dispatch.dispatch(Action::Io(mode));
        });
    });
}
