//! Replay of the run in the detail view: a scrubber and a Play/Pause
//! button move a cursor through the run, step buttons jump to the next or
//! previous event boundary, GIL hand-over or finished request, and a
//! polite live region says what every worker is doing at the cursor
//! ("worker 2 waits for the GIL, held by worker 1 for 3.1 ms so far").
//!
//! The words and the step targets are core's (`concur_core::analysis`:
//! `describe_at`, `next_event`, `prev_event`), which the native side
//! shares; this file only asks and shows. Play crosses the whole run in
//! [`PLAY_MS`] of wall time, however long the run was, on a timer that
//! never blocks the page.

use super::lanes::shown_lanes;
use super::timeline::MAX_LANES;
use super::view::Shared;
use concur_core::analysis::{
    Step, describe_at, format_duration, next_event, prev_event, request_spans,
};
use concur_core::experiment::Plan;
use concur_core::report::RunOutcome;
use concur_core::trace::{EventKind, Trace};
use gloo_timers::callback::Interval;
use std::rc::Rc;
use yew::prelude::*;

/// How long Play takes to cross a whole run, ms of wall time.
pub const PLAY_MS: f64 = 6_000.0;
/// How often Play moves the cursor, ms.
const FRAME_MS: u32 = 33;

#[derive(Properties, PartialEq)]
pub struct ReplayProps {
    /// What is replayed: "threads-gil — last measured run".
    pub title: AttrValue,
    pub run: Shared<RunOutcome>,
    /// The run's plan: which tasks are requests (None: no request steps).
    #[prop_or_default]
    pub plan: Option<Shared<Plan>>,
    /// The cursor, ns from the run's start.
    pub cursor_ns: u64,
    pub on_cursor: Callback<u64>,
}

/// What the replay reads from a run, once per run.
struct Replayed {
    /// The trace of the lanes the detail view shows (all, unless thousands).
    trace: Trace,
    gil: bool,
    requests: bool,
}

fn replayed(run: &RunOutcome, plan: Option<&Plan>) -> Replayed {
    let trace = if run.trace.lanes.len() > MAX_LANES {
        let shown: Vec<u32> = shown_lanes(&run.trace.lanes, MAX_LANES)
            .iter()
            .map(|lane| lane.id)
            .collect();
        Trace {
            lanes: run
                .trace
                .lanes
                .iter()
                .filter(|lane| shown.contains(&lane.id))
                .cloned()
                .collect(),
            events: run
                .trace
                .events
                .iter()
                .filter(|event| shown.contains(&event.lane))
                .cloned()
                .collect(),
        }
    } else {
        run.trace.clone()
    };
    let gil = trace.of_kind(EventKind::GilWait).next().is_some();
    let requests = plan.is_some_and(|plan| !request_spans(plan, &trace).is_empty());
    Replayed {
        trace,
        gil,
        requests,
    }
}

/// Milliseconds since some fixed instant, for pacing Play.
fn now_ms() -> f64 {
    js_sys::Date::now()
}

#[component]
pub fn Replay(props: &ReplayProps) -> Html {
    let data = use_memo((props.run.clone(), props.plan.clone()), |(run, plan)| {
        replayed(run, plan.as_deref())
    });
    let playing = use_state(|| false);
    let (start, wall) = (props.run.start_ns, props.run.wall_ns());
    let cursor = props.cursor_ns.min(wall);
    {
        // A new run (the same model ran again) stops the old one's replay.
        let playing = playing.clone();
        use_effect_with(props.run.clone(), move |_| playing.set(false));
    }
    {
        // While playing, a timer moves the cursor from where Play was
        // pressed (the start again, if it was at the end) to the end.
        let (on_cursor, set_playing) = (props.on_cursor.clone(), playing.setter());
        use_effect_with(*playing, move |playing| {
            let timer = playing.then(|| {
                let from = if cursor >= wall { 0 } else { cursor };
                let began = now_ms();
                Interval::new(FRAME_MS, move || {
                    let share = (now_ms() - began) / PLAY_MS;
                    let at = from as f64 + share * wall as f64;
                    if at >= wall as f64 {
                        on_cursor.emit(wall);
                        set_playing.set(false);
                    } else {
                        on_cursor.emit(at as u64);
                    }
                })
            });
            move || drop(timer)
        });
    }
    let lines = use_memo((props.run.clone(), cursor), {
        let data = Rc::clone(&data);
        move |(_, cursor)| describe_at(&data.trace, start + cursor)
    });
    let on_play = {
        let playing = playing.clone();
        Callback::from(move |_: MouseEvent| playing.set(!*playing))
    };
    // Where each step button would go, None when nowhere; worked out
    // again only when the cursor stops (while playing every button works
    // and pauses first).
    let target = {
        let (data, plan) = (Rc::clone(&data), props.plan.clone());
        move |step: Step, forward: bool, cursor: u64| {
            let plan = plan.as_ref()?;
            let at = start + cursor;
            let found = if forward {
                next_event(plan, &data.trace, at, step)
            } else {
                prev_event(plan, &data.trace, at, step)
            };
            found.map(|ns| ns.saturating_sub(start).min(wall))
        }
    };
    const STEPS: [(Step, bool); 4] = [
        (Step::Any, false),
        (Step::Any, true),
        (Step::GilHandover, true),
        (Step::RequestDone, true),
    ];
    let stuck = use_memo((props.run.clone(), cursor, *playing), {
        let target = target.clone();
        move |(_, cursor, playing)| {
            STEPS.map(|(step, forward)| !playing && target(step, forward, *cursor).is_none())
        }
    });
    let jump = |idx: usize| {
        let (on_cursor, playing, target) =
            (props.on_cursor.clone(), playing.clone(), target.clone());
        let (step, forward) = STEPS[idx];
        Callback::from(move |_: MouseEvent| {
            playing.set(false);
            if let Some(at) = target(step, forward, cursor) {
                on_cursor.emit(at);
            }
        })
    };
    let (on_prev, on_next, on_handover, on_request) = (jump(0), jump(1), jump(2), jump(3));
    let [no_prev, no_next, no_handover, no_request] = *stuck;
    let on_scrub = {
        let (on_cursor, playing) = (props.on_cursor.clone(), playing.clone());
        Callback::from(move |event: InputEvent| {
            let input: web_sys::HtmlInputElement = event.target_unchecked_into();
            if let Ok(us) = input.value().parse::<f64>() {
                playing.set(false);
                on_cursor.emit(((us * 1_000.0) as u64).min(wall));
            }
        })
    };
    let wall_us = wall.div_ceil(1_000).max(1);
    let step_us = (wall_us / 500).max(1);
    let at = format!("+{} of {}", format_duration(cursor), format_duration(wall));
    html! {
        <section class="replay" id="replay" aria-labelledby="replay-heading" data-cursor-ns={cursor.to_string()}>
            <h3 id="replay-heading">{ "Replay: " }{ props.title.clone() }</h3>
            <div class="replay-controls" role="group" aria-label="Replay controls">
                <button type="button" id="replay-play" aria-label={if *playing { "Pause" } else { "Play" }} onclick={on_play}>
                    { if *playing { "❚❚ Pause" } else { "▶ Play" } }
                </button>
                <button type="button" id="replay-prev" aria-label="Previous event" disabled={no_prev} onclick={on_prev}>{ "⟨ Previous event" }</button>
                <button type="button" id="replay-next" aria-label="Next event" disabled={no_next} onclick={on_next}>{ "Next event ⟩" }</button>
                if data.gil {
                    <button type="button" id="replay-next-handover" aria-label="Next GIL hand-over" disabled={no_handover} onclick={on_handover}>{ "Next GIL hand-over ⟩" }</button>
                }
                if data.requests {
                    <button type="button" id="replay-next-request" aria-label="Next request that completes" disabled={no_request} onclick={on_request}>{ "Next request done ⟩" }</button>
                }
            </div>
            <div class="replay-scrub">
                <label for="replay-scrubber">{ "Time in the run: " }<output for="replay-scrubber">{ at.clone() }</output></label>
                <input type="range" id="replay-scrubber" min="0" max={wall_us.to_string()} step={step_us.to_string()}
                       value={(cursor / 1_000).to_string()} aria-valuetext={at} oninput={on_scrub} />
            </div>
            <div id="replay-says" class="replay-says" aria-live="polite" aria-busy={(*playing).to_string()}>
                <p class="replay-at">{ format!("At +{}:", format_duration(cursor)) }</p>
                <ul>
                    { for lines.iter().map(|line| html! { <li>{ line }</li> }) }
                </ul>
            </div>
        </section>
    }
}
