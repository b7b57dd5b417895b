//! `use_io`: finds out who answers the experiments' endpoints beside the
//! page: the page's own service worker (`served by your browser`, the
//! normal mode on a static host), `concur serve`, or nobody (no service
//! worker controls the page: waits are simulated, and the page says so).
//!
//! The endpoints live below the page's own folder, so under a sub-path
//! (`https://example.org/concur/`) requests go to `/concur/delay/...`, in
//! the service worker's scope.

use crate::app::state::{Action, State};
use crate::io::{ServedBy, probe_endpoints};
use crate::protocol::IoMode;
use yew::prelude::*;

/// Who answers the endpoints at `base`, once known.
#[derive(Clone, Debug, PartialEq)]
pub struct Endpoints {
    pub base: String,
    pub served_by: Option<ServedBy>,
}

/// The page's folder, without its trailing slash: `http://h/concur` for
/// `http://h/concur/` and `http://h/concur/index.html#lesson=gil`.
pub fn page_base(href: &str) -> String {
    let without_fragment = href.split('#').next().unwrap_or(href);
    let without_query = without_fragment
        .split('?')
        .next()
        .unwrap_or(without_fragment);
    match without_query.rfind('/') {
        Some(at) if at > without_query.find("://").map_or(0, |s| s + 2) => {
            without_query[..at].to_string()
        }
        _ => without_query.trim_end_matches('/').to_string(),
    }
}

#[hook]
pub fn use_io(dispatch: UseReducerDispatcher<State>) -> Option<Endpoints> {
    let endpoints = use_state(|| None::<Endpoints>);
    {
        let endpoints = endpoints.setter();
        use_effect_with((), move |_| {
            wasm_bindgen_futures::spawn_local(async move {
                let href = web_sys::window().and_then(|w| w.location().href().ok());
                let Some(base) = href.as_deref().map(page_base) else {
                    dispatch.dispatch(Action::Io(IoMode::Simulated));
                    return;
                };
                let served_by = probe_endpoints(&base).await;
                dispatch.dispatch(Action::Io(match served_by {
                    Some(_) => IoMode::Server { base: base.clone() },
                    None => IoMode::Simulated,
                }));
                endpoints.set(Some(Endpoints { base, served_by }));
            });
        });
    }
    (*endpoints).clone()
}

#[cfg(test)]
mod tests {
    use super::page_base;

    #[test]
    fn the_base_is_the_page_folder() {
        assert_eq!(page_base("http://h:1/"), "http://h:1");
        assert_eq!(page_base("http://h:1/#lesson=gil"), "http://h:1");
        assert_eq!(page_base("https://x.org/concur/"), "https://x.org/concur");
        assert_eq!(
            page_base("https://x.org/concur/index.html?a=1#b/c"),
            "https://x.org/concur"
        );
        assert_eq!(page_base("http://h:1"), "http://h:1");
    }
}
