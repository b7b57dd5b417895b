//! The course: a stepper over the lessons (buttons, previous/next, the
//! arrow keys) and the open lesson (`LessonView`, the left pane): its
//! words, the Python it is about, the Rust that runs. `LessonAside` is the
//! lesson's part of the experiment pane (the right pane): the question to
//! answer before Run, checked against the run afterwards, or, in lessons
//! without a Run, the advisor or the comparison's measurements. A step is
//! labelled with its tutorial section, and a section with two lessons (5)
//! gets 5a and 5b.

use crate::app::state::{Action, State, Verdict};
use crate::components::advisor::Advisor;
use concur_core::lessons::{Lesson, lessons};
use wasm_bindgen::JsCast;
use yew::prelude::*;

#[derive(Properties, PartialEq)]
pub struct LessonProps {
    pub state: UseReducerHandle<State>,
}

#[derive(Properties, PartialEq)]
pub struct AsideProps {
    pub state: UseReducerHandle<State>,
    /// Asks the runner to measure the comparison table's rows.
    pub on_measure: Callback<()>,
}

/// The comparison lesson's rows, measured in this browser.
fn costs(state: &State, on_measure: &Callback<()>) -> Html {
    let onclick = {
        let on_measure = on_measure.clone();
        Callback::from(move |_| on_measure.emit(()))
    };
    let table = state.costs.as_ref().map(|costs| {
        let threads = match &costs.pool_threads {
            Ok(n) => format!("{n} Web Workers sharing memory, started with the page; each cost about what a process does"),
            Err(why) => format!("none: {why}"),
        };
        html! {
            <table id="costs">
                <thead><tr><th scope="col">{ "what" }</th><th scope="col">{ "in this browser" }</th></tr></thead>
                <tbody>
                    <tr><td>{ "start a process (a Web Worker with its own WebAssembly instance)" }</td>
                        <td class="num" id="cost-worker-start">{ format!("{:.1} ms", costs.worker_start_ms) }</td></tr>
                    <tr><td>{ "switch between two threads (half a ping-pong)" }</td>
                        <td class="num" id="cost-thread-switch">{ costs.thread_switch_us.map_or("-".to_string(), |us| format!("{us:.2} us")) }</td></tr>
                    <tr><td>{ "switch to a process and back, by message (half a round trip)" }</td>
                        <td class="num" id="cost-process-switch">{ format!("{:.2} us", costs.process_switch_us) }</td></tr>
                    <tr><td>{ "switch between two async tasks (half a ping-pong)" }</td>
                        <td class="num" id="cost-task-switch">{ format!("{:.2} us", costs.task_switch_us) }</td></tr>
                    <tr><td>{ "threads" }</td><td>{ threads }</td></tr>
                    <tr><td>{ "create and run an async task" }</td>
                        <td class="num" id="cost-task-start">{ format!("{:.2} us", costs.task_start_us) }</td></tr>
                    <tr><td>{ format!("async tasks alive at once, all waiting (counted as each reached its await, of {} spawned)", concur_core::params::group(u64::from(costs.tasks_spawned))) }</td>
                        <td class="num" id="cost-tasks-alive" data-spawned={costs.tasks_spawned.to_string()}>{ costs.tasks_alive }</td></tr>
                    <tr><td>{ "memory per worker" }</td>
                        <td>{ "not reported by browsers; concur bench claims measures it natively" }</td></tr>
                </tbody>
            </table>
        }
    });
    html! {
        <section class="costs" aria-labelledby="costs-title">
            <h2 id="costs-title">{ "The table's costs, measured here" }</h2>
            <button id="measure" {onclick} disabled={state.measuring || !matches!(state.runner, crate::app::state::RunnerStatus::Ready)}>
                { if state.measuring { "Measuring…" } else { "Measure these rows in this browser" } }
            </button>
            { for table }
        </section>
    }
}

/// The stepper's label of lesson `idx`: its section number, with a letter
/// when its section has more than one lesson.
fn step_label(all: &[Lesson], idx: usize) -> String {
    let section = all[idx].section;
    let in_section = all.iter().filter(|l| l.section == section).count();
    if in_section < 2 {
        return section.to_string();
    }
    let before = all[..idx].iter().filter(|l| l.section == section).count();
    let letter = char::from(b'a' + (before % 26) as u8);
    format!("{section}{letter}")
}

/// "You predicted ...; the run says ...", once the run the prediction was
/// frozen for has ended; a word on why there is none after a change.
fn verdict(state: &State) -> Html {
    if state.prediction_changed {
        return html! {
            <p class="verdict changed" id="verdict-cleared">{ "You changed your answer after Run, so that run does not judge it: press Run again to check it." }</p>
        };
    }
    match state.verdict() {
        Some(Verdict::Agrees { choice }) => html! {
            <p class="verdict right" id="verdict">{ format!("You predicted {choice} before Run, and the run agrees: {choice}.") }</p>
        },
        Some(Verdict::Differs { choice, actual }) => html! {
            <p class="verdict wrong" id="verdict">{ format!("You predicted {choice} before Run; the run says {actual}. The explanation below says why.") }</p>
        },
        Some(Verdict::CannotTell { choice }) => html! {
            <p class="verdict" id="verdict">{ format!("You predicted {choice} before Run, but this run cannot tell: a model the question needs did not run or answered wrong.") }</p>
        },
        None => html! {},
    }
}

/// Focuses the first control `focus` finds, then scrolls the element
/// `selector` finds to the top of the view (the run bar's shortcuts on a
/// phone): focus first, so its own scrolling does not win.
pub fn reveal(selector: &str, focus: &str) {
    let document = gloo_utils::document();
    if let Ok(Some(control)) = document.query_selector(focus)
        && let Ok(control) = control.dyn_into::<web_sys::HtmlElement>()
    {
        let _ = control.focus();
    }
    if let Ok(Some(target)) = document.query_selector(selector) {
        target.scroll_into_view();
    }
}

#[component]
pub fn LessonView(props: &LessonProps) -> Html {
    let state = &props.state;
    let all = lessons();
    // A new lesson opens at its top (the pane keeps its scroll otherwise).
    use_effect_with(state.lesson, |_| {
        if let Ok(Some(pane)) = gloo_utils::document().query_selector("#lesson") {
            pane.set_scroll_top(0);
        }
    });
    let Some(lesson) = state.open_lesson() else {
        return html! {};
    };
    let go = |idx: usize| {
        let dispatch = state.dispatcher();
        Callback::from(move |_| dispatch.dispatch(Action::GoLesson(idx)))
    };
    let steps = all.iter().enumerate().map(|(idx, l)| {
        let visited = state.visited.iter().any(|id| id == l.id);
        let current = idx == state.lesson;
        let label = format!("{} {}{}", step_label(&all, idx), l.title, if visited { " (visited)" } else { "" });
        html! {
            <button class={classes!("step", current.then_some("current"), visited.then_some("visited"))}
                    data-lesson={l.id} title={l.title} aria-label={label} aria-current={current.then_some("step")}
                    onclick={go(idx)}>{ step_label(&all, idx) }</button>
        }
    });
    html! {
        <section class="lesson pane" id="lesson" data-lesson={lesson.id} aria-labelledby="lesson-title">
            <nav class="stepper" aria-label="lessons">
                <button id="prev" disabled={state.lesson == 0} onclick={go(state.lesson.saturating_sub(1))}>{ "← previous" }</button>
                { for steps }
                <button id="next" disabled={state.lesson + 1 >= all.len()} onclick={go((state.lesson + 1).min(all.len() - 1))}>{ "next →" }</button>
                <small>{ " (or the arrow keys)" }</small>
            </nav>
            <h2 id="lesson-title">{ format!("{}. {}", lesson.section, lesson.title) }</h2>
            { for lesson.body.iter().map(|paragraph| html! { <p>{ *paragraph }</p> }) }
            // A code block may scroll sideways, so it is a named region that takes
            // the focus: keyboards scroll it too.
            <figure class="code">
                <figcaption id="python-caption">{ "The Python this lesson is about" }</figcaption>
                <pre tabindex="0" role="region" aria-labelledby="python-caption"><code class="python">{ lesson.python }</code></pre>
            </figure>
            <details class="code">
                <summary>{ "The Rust that actually runs" }</summary>
                <pre tabindex="0" role="region" aria-label="The Rust that actually runs"><code class="rust">{ lesson.rust }</code></pre>
            </details>
            if lesson.id == "gil" {
                <p class="also">
                    { "The GIL also slows I/O down when a CPU-bound thread holds it: the convoy effect. " }
                    <button id="try-convoy" onclick={{
                        let dispatch = state.dispatcher();
                        Callback::from(move |_| dispatch.dispatch(Action::Pick("convoy".into())))
                    }}>{ "Set up the convoy experiment" }</button>
                    { " (then try a GIL switch interval of 0.5 ms)." }
                </p>
            }
            <h3 class="takeaways-title">{ "Takeaways" }</h3>
            <ul class="takeaways">{ for lesson.takeaways.iter().map(|t| html! { <li>{ *t }</li> }) }</ul>
            <nav class="lesson-end" aria-label="next lesson">
                if let Some(next) = all.get(state.lesson + 1) {
                    <button id="next-lesson" onclick={go(state.lesson + 1)}>{ format!("Next: {}. {} →", next.section, next.title) }</button>
                } else {
                    <p>{ "That was the last lesson." }</p>
                }
            </nav>
        </section>
    }
}

/// The open lesson's part of the experiment pane: its question (above the
/// knobs, so it is answered before Run), or what a lesson without a Run
/// offers instead.
#[component]
pub fn LessonAside(props: &AsideProps) -> Html {
    let state = &props.state;
    let Some(lesson) = state.open_lesson() else {
        return html! {};
    };
    let predict = state.question().map(|(_, prediction)| {
        let options = prediction.options().into_iter().map(|option| {
            let dispatch = state.dispatcher();
            let value = option.clone();
            let onchange = Callback::from(move |_| dispatch.dispatch(Action::Predict(value.clone())));
            let checked = state.prediction.as_deref() == Some(option.as_str());
            html! {
                <label><input type="radio" name="prediction" value={option.clone()} {checked} {onchange} />{ format!(" {option}") }</label>
            }
        });
        html! {
            <fieldset class={classes!("predict", state.prediction.is_none().then_some("pending"))} id="predict">
                <legend><strong>{ "Predict first: " }</strong>{ prediction.question() }</legend>
                <div class="options">{ for options }</div>
                if state.prediction.is_none() { <small>{ "Choose an answer to unlock Run." }</small> }
                <div aria-live="polite">{ verdict(state) }</div>
            </fieldset>
        }
    });
    html! {
        <>
            { for predict }
            if lesson.id == "decision-flow" { <Advisor dispatch={state.dispatcher()} /> }
            if lesson.id == "comparison" { { costs(state, &props.on_measure) } }
        </>
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn steps_carry_their_section_and_a_letter_when_it_is_shared() {
        let all = lessons();
        let labels: Vec<String> = (0..all.len()).map(|idx| step_label(&all, idx)).collect();
        assert_eq!(labels, ["1", "2", "3", "4", "5a", "5b", "6", "7", "8", "9"]);
    }
}
