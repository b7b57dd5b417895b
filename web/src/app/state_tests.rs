//! Tests of the page's reducer: predictions frozen at Run and judged only
//! by that run, and knob text from deep links judged by core's parser.

use super::*;
use crate::app::course::{format_hash, parse_hash};
use concur_core::report::{Machine, ModelResult, TimeBreakdown};
use concur_core::stats::Summary;

fn result(model: Model, wall_s: f64) -> ModelResult {
    ModelResult {
        model,
        workers: 2,
        gil: model.gil(),
        gil_switch_ms: None,
        wall_s: Summary {
            median: wall_s,
            min: wall_s,
            max: wall_s,
            mean: wall_s,
            stddev: None,
        },
        speedup: Some(1.0 / wall_s),
        speedup_ci: None,
        cpu_util: None,
        answer: "ok".into(),
        answer_ok: true,
        problems: Vec::new(),
        outlier_runs: Vec::new(),
        request_ms: None,
        time: TimeBreakdown::default(),
        gil_stats: None,
        latency: None,
    }
}

/// A report of `experiment` where sequential takes 1 s and every other
/// model `others_s`.
fn report_of(experiment: &str, others_s: f64) -> Report {
    let found = experiment::find(experiment).expect("a catalog experiment");
    Report {
        schema_version: 1,
        tool: "test".into(),
        experiment: found.id.into(),
        params: found.defaults,
        machine: Machine {
            logical_cores: 2,
            os: "test-os".into(),
            cpu_model: "test-cpu".into(),
        },
        results: Model::ALL
            .iter()
            .map(|&model| {
                result(
                    model,
                    if model == Model::Sequential {
                        1.0
                    } else {
                        others_s
                    },
                )
            })
            .collect(),
        explanation: String::new(),
        claims: Vec::new(),
        warnings: Vec::new(),
        machine_load: None,
        cpython: Vec::new(),
    }
}

fn finished(report: Report) -> Action {
    Action::Runner(FromRunner::Finished {
        report: Box::new(report),
        runs: Vec::new(),
    })
}

/// A state with the first lesson that asks a question open; its
/// experiment, question, and a report with its right and a wrong answer.
fn asking() -> (Rc<State>, &'static str, Report, String, String) {
    let (idx, lesson) = lessons()
        .into_iter()
        .enumerate()
        .find(|(_, l)| l.predict.is_some() && l.experiment.is_some())
        .expect("a lesson asks a question");
    let experiment = lesson.experiment.expect("checked above");
    let state = Rc::new(State::new()).reduce(Action::GoLesson(idx));
    assert!(state.awaits_prediction());
    let report = report_of(experiment, 0.5);
    let prediction = lesson.predict.expect("checked above");
    let right = prediction.outcome(&report).expect("every model ran");
    let wrong = prediction
        .options()
        .into_iter()
        .find(|o| *o != right)
        .expect("two options at least");
    (state, experiment, report, right, wrong)
}

#[test]
fn the_prediction_is_frozen_when_run_is_pressed() {
    let (state, _, report, right, wrong) = asking();
    let state = state
        .reduce(Action::Predict(wrong.clone()))
        .reduce(Action::Started);
    // Changing the answer while the run goes unfreezes it: no verdict.
    let changed = state
        .clone()
        .reduce(Action::Predict(right.clone()))
        .reduce(finished(report.clone()));
    assert_eq!(changed.verdict(), None);
    assert!(changed.prediction_changed);
    let judged = state.reduce(finished(report));
    assert_eq!(
        judged.verdict(),
        Some(Verdict::Differs {
            choice: wrong,
            actual: right.clone()
        })
    );
    // Switching to the right answer after the run is not "the run agrees".
    let after = judged.reduce(Action::Predict(right.clone()));
    assert_eq!(after.verdict(), None);
    assert!(after.prediction_changed);
    assert!(!after.awaits_prediction(), "Run stays unlocked");
}

#[test]
fn a_verdict_needs_a_run_started_after_the_prediction() {
    let (state, experiment, report, right, _) = asking();
    let lesson = state.lesson;
    let ran = state
        .reduce(Action::Predict(right.clone()))
        .reduce(Action::Started)
        .reduce(finished(report.clone()));
    assert_eq!(
        ran.verdict(),
        Some(Verdict::Agrees {
            choice: right.clone()
        })
    );
    // Back in the lesson, the old run's report is still shown but judges nothing.
    let back = ran
        .reduce(Action::Step(1))
        .reduce(Action::GoLesson(lesson))
        .reduce(Action::Predict(right.clone()));
    assert!(back.result.is_some());
    assert_eq!(back.verdict(), None);
    let running = back.reduce(Action::Started);
    assert_eq!(running.verdict(), None, "the new run has not ended");
    let failed = running.clone().reduce(Action::Runner(FromRunner::Failed {
        message: "broke".into(),
    }));
    assert_eq!(failed.verdict(), None, "a failed run judges nothing");
    let slower = running.reduce(finished(report_of(experiment, 2.0)));
    assert!(matches!(
        slower.verdict(),
        Some(Verdict::Agrees { .. } | Verdict::Differs { .. })
    ));
    assert!(!slower.prediction_changed);
}

#[test]
fn a_run_that_cannot_tell_says_so() {
    let (state, experiment, _, right, _) = asking();
    let mut empty = report_of(experiment, 0.5);
    empty.results.clear();
    let judged = state
        .reduce(Action::Predict(right.clone()))
        .reduce(Action::Started)
        .reduce(finished(empty));
    assert_eq!(
        judged.verdict(),
        Some(Verdict::CannotTell { choice: right })
    );
}

/// Opens `hash` as the page does on load.
fn follow(hash: &str) -> Rc<State> {
    Rc::new(State::new()).reduce(Action::FollowLink(parse_hash(hash)))
}

#[test]
fn a_deep_link_knob_is_judged_by_the_fields_parser() {
    let state = follow("#lesson=gil&workers=2,4");
    assert_eq!(state.knob(Knob::Workers), "2,4");
    let refused = state.check(Knob::Workers).expect_err("2,4 is not 24");
    assert_eq!(refused, BROWSER_WORKERS.parse("2,4").expect_err("refused"));
    assert_eq!(refused.field, "workers");
    assert!(
        refused.problem.contains("(got \"2,4\")"),
        "{}",
        refused.problem
    );
    assert!(state.params().is_err());
    // The link the page writes back keeps the refused text, not 24.
    let link = format_hash("gil", &state.link_knobs(), &state.models);
    assert!(link.contains("workers=2,4"), "{link}");
    assert_eq!(follow(&link).check(Knob::Workers), Err(refused));
    for text in ["1,,0", ",5", "2_4"] {
        let state = follow(&format!("#lesson=gil&tasks={text}"));
        assert!(state.check(Knob::Tasks).is_err(), "{text}");
    }
}

#[test]
fn links_carry_accepted_numbers_without_separators() {
    let state = follow("#lesson=gil&n=4,000,000&tasks=1_000&gil-switch-ms=%200.5");
    assert_eq!(state.check(Knob::N), Ok(4_000_000.0));
    let knobs = state.link_knobs();
    let text = |knob| {
        knobs
            .iter()
            .find(|(k, _)| *k == knob)
            .map(|(_, t)| t.as_str())
    };
    assert_eq!(text(Knob::N), Some("4000000"));
    assert_eq!(text(Knob::Tasks), Some("1000"));
    assert_eq!(text(Knob::GilSwitchMs), Some("0.5"));
}

#[test]
fn keep_alive_reaches_the_params_of_http_experiments_only() {
    let convoy = Rc::new(State::new()).reduce(Action::Pick("convoy".into()));
    assert!(!convoy.keep_alive);
    assert!(!convoy.params().expect("defaults are valid").keep_alive());
    let kept = convoy.reduce(Action::SetKeepAlive(true));
    assert!(kept.params().expect("valid").keep_alive());
    // Another experiment starts from its own default again.
    let cpu = kept.clone().reduce(Action::Pick("cpu-sqrt".into()));
    assert!(!cpu.keep_alive);
    let cpu = cpu.reduce(Action::SetKeepAlive(true));
    assert!(
        !cpu.params().expect("valid").keep_alive(),
        "cpu-sqrt makes no requests"
    );
    assert!(!kept.reduce(Action::Quick).keep_alive);
}
