//! The browser's clock for core: `performance.timeOrigin + performance.now()`.
//!
//! Every worker has its own `performance`, but origin plus now is one shared
//! timeline, so lanes from different workers line up. Browsers coarsen these
//! timers (5 us when cross-origin isolated, up to 100 us otherwise), which is
//! why the page calls its numbers indicative.

use concur_core::clock::Clock;
use wasm_bindgen::JsCast;

/// Reads the global scope's `performance` (window or worker alike).
fn performance() -> Option<web_sys::Performance> {
    let global = js_sys::global();
    js_sys::Reflect::get(&global, &"performance".into())
        .ok()
        .and_then(|value| value.dyn_into::<web_sys::Performance>().ok())
}

/// Milliseconds on the shared timeline.
pub fn now_ms() -> f64 {
    performance().map_or(0.0, |perf| perf.time_origin() + perf.now())
}

#[derive(Clone, Copy, Debug, Default)]
pub struct BrowserClock;

impl Clock for BrowserClock {
    fn now_ns(&self) -> u64 {
        (now_ms() * 1e6) as u64
    }
}
