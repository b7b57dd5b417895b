//! The responsiveness indicator: a counter the main thread bumps every
//! 100 ms. It keeps ticking during runs, which proves the work is elsewhere;
//! the longest gap between ticks is shown too.

use crate::clock::now_ms;
use gloo_timers::callback::Interval;
use yew::prelude::*;

#[component]
pub fn Ticker() -> Html {
    let ticks = use_state(|| 0u64);
    let worst_gap = use_state(|| 0f64);
    {
        let (ticks, worst_gap) = (ticks.clone(), worst_gap.clone());
        use_effect_with((), move |_| {
            let mut count = 0u64;
            let mut last = now_ms();
            let mut worst = 0f64;
            let interval = Interval::new(100, move || {
                let now = now_ms();
                worst = worst.max(now - last - 100.0);
                last = now;
                count += 1;
                ticks.set(count);
                worst_gap.set(worst);
            });
            move || drop(interval)
        });
    }
    let janky = *worst_gap > 200.0;
    html! {
        <span class={classes!("ticker", janky.then_some("janky"))} title="The page's main thread bumps this every 100 ms; it keeps counting while experiments run in Web Workers.">
            { format!("main thread responsive: tick {} (worst delay {:.0} ms)", *ticks, worst_gap.max(0.0)) }
        </span>
    }
}
