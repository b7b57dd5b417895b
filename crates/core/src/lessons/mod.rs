//! The course: one lesson per section of the tutorial (two for asyncio:
//! many requests, then an echo server), shared by the page (the stepper)
//! and the terminal (`concur lesson`).
//!
//! A lesson says what it teaches in plain words, shows the Python the
//! tutorial is about (a twin of what runs, written here) and the Rust that
//! actually runs, asks the learner to predict before pressing Run, and
//! names the experiment (and knob settings) its Run panel uses. What the
//! run showed is computed from the result (`explain`, `claims`), never
//! written in advance.

mod content;

use crate::model::Model;
use crate::report::Report;
use serde::Serialize;

pub use content::lessons;

/// What the learner predicts before pressing Run; the right answer comes
/// from the run itself.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
pub enum Prediction {
    /// Which model finishes first?
    FastestModel,
    /// Do threads with the GIL beat sequential code by more than 20%?
    GilThreadsHelp,
    /// Do processes beat sequential code by more than 20%?
    ProcessesHelp,
}

impl Prediction {
    /// The question as the learner sees it.
    pub fn question(self) -> &'static str {
        match self {
            Prediction::FastestModel => "Which model will finish first?",
            Prediction::GilThreadsHelp => {
                "Will threads under the GIL finish clearly faster (by more than 20%) than one plain loop?"
            }
            Prediction::ProcessesHelp => {
                "Will a pool of processes finish clearly faster (by more than 20%) than one plain loop?"
            }
        }
    }

    /// The choices offered.
    pub fn options(self) -> Vec<String> {
        match self {
            Prediction::FastestModel => Model::ALL.iter().map(|m| m.name().to_string()).collect(),
            _ => vec!["yes".to_string(), "no".to_string()],
        }
    }

    /// The right choice according to `report`, if the report can tell.
    /// Models with a wrong answer do not count, and a speedup counts only
    /// when the sequential run it is measured against answered right too.
    pub fn outcome(self, report: &Report) -> Option<String> {
        let right = |model: Model| {
            report
                .results
                .iter()
                .find(|r| r.model == model && r.answer_ok)
        };
        let speedup = |model: Model| {
            right(Model::Sequential)?;
            right(model)?.speedup
        };
        let yes_no = |value: bool| if value { "yes" } else { "no" }.to_string();
        match self {
            // A model that answered wrong might have been fastest had it
            // worked: the run cannot tell who is fastest then.
            Prediction::FastestModel if report.results.iter().any(|r| !r.answer_ok) => None,
            Prediction::FastestModel => report
                .results
                .iter()
                .min_by(|a, b| a.wall_s.median.total_cmp(&b.wall_s.median))
                .map(|r| r.model.name().to_string()),
            Prediction::GilThreadsHelp => speedup(Model::ThreadsGil).map(|s| yes_no(s > 1.2)),
            Prediction::ProcessesHelp => speedup(Model::Processes).map(|s| yes_no(s > 1.2)),
        }
    }
}

/// Knob settings a lesson starts its Run panel with (None keeps the
/// experiment's default). Small enough for a phone.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize)]
pub struct Preset {
    pub tasks: Option<u32>,
    pub workers: Option<u32>,
    pub n: Option<u64>,
    pub delay_ms: Option<u64>,
}

/// One lesson of the course.
#[derive(Clone, Copy, Debug, Serialize)]
pub struct Lesson {
    /// Short, stable, used in deep links: `#lesson=gil`.
    pub id: &'static str,
    /// The tutorial's section number (1 to 9; lessons may share one).
    pub section: u8,
    pub title: &'static str,
    /// What the lesson teaches, paragraph by paragraph, in plain words.
    pub body: &'static [&'static str],
    /// The Python the lesson is about: a twin of what runs.
    pub python: &'static str,
    /// The Rust that actually runs, abridged.
    pub rust: &'static str,
    /// The experiment its Run panel uses, if it has one.
    pub experiment: Option<&'static str>,
    pub preset: Preset,
    /// The prediction asked before Run (lessons with an experiment).
    pub predict: Option<Prediction>,
    /// What to remember, one line each.
    pub takeaways: &'static [&'static str],
}

/// Finds a lesson by id.
pub fn find(id: &str) -> Option<Lesson> {
    lessons().into_iter().find(|lesson| lesson.id == id)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::experiment::find;
    use crate::report::{Machine, ModelResult};

    /// A result of `model` taking `wall_s`, with its speedup against a
    /// sequential run of `sequential_s`.
    fn result(model: Model, wall_s: f64, sequential_s: f64, answer_ok: bool) -> ModelResult {
        ModelResult {
            answer_ok,
            ..crate::catalog::fixtures::result(model, wall_s, sequential_s / wall_s)
        }
    }

    fn report(results: Vec<ModelResult>) -> Report {
        let experiment = find("cpu-sqrt").expect("a catalog experiment");
        Report {
            schema_version: 1,
            tool: "test".into(),
            experiment: experiment.id.into(),
            params: experiment.defaults,
            machine: Machine {
                logical_cores: 2,
                os: "test-os".into(),
                cpu_model: "test-cpu".into(),
            },
            results,
            explanation: String::new(),
            claims: Vec::new(),
            warnings: Vec::new(),
            machine_load: None,
            cpython: Vec::new(),
        }
    }

    /// Sequential at 1.2 s beside `model` at `wall_s`.
    fn against_sequential(model: Model, wall_s: f64) -> Report {
        report(vec![
            result(Model::Sequential, 1.2, 1.2, true),
            result(model, wall_s, 1.2, true),
        ])
    }

    #[test]
    fn the_fastest_model_is_the_one_with_the_lowest_median() {
        let all = report(vec![
            result(Model::Sequential, 1.0, 1.0, true),
            result(Model::ThreadsFree, 0.4, 1.0, true),
            result(Model::Processes, 0.5, 1.0, true),
        ]);
        let outcome = Prediction::FastestModel.outcome(&all);
        assert_eq!(outcome.as_deref(), Some("threads-free"));
        assert!(
            Prediction::FastestModel
                .options()
                .contains(&outcome.unwrap())
        );
    }

    #[test]
    fn a_wrong_answer_leaves_the_fastest_model_untold() {
        let all = report(vec![
            result(Model::Sequential, 1.0, 1.0, true),
            result(Model::ThreadsFree, 0.4, 1.0, false),
        ]);
        assert_eq!(Prediction::FastestModel.outcome(&all), None);
        let right = report(vec![
            result(Model::Sequential, 1.0, 1.0, true),
            result(Model::ThreadsFree, 0.4, 1.0, true),
        ]);
        assert_eq!(
            Prediction::FastestModel.outcome(&right).as_deref(),
            Some("threads-free")
        );
        let none_right = report(vec![result(Model::Sequential, 1.0, 1.0, false)]);
        assert_eq!(Prediction::FastestModel.outcome(&none_right), None);
        assert_eq!(Prediction::FastestModel.outcome(&report(vec![])), None);
    }

    #[test]
    fn help_means_more_than_a_fifth_faster() {
        for (prediction, model) in [
            (Prediction::GilThreadsHelp, Model::ThreadsGil),
            (Prediction::ProcessesHelp, Model::Processes),
        ] {
            // 1.2 s against 0.9 s is 1.33x; against 1.0 s exactly 1.2x; 1.1 s is 1.09x.
            let faster = against_sequential(model, 0.9);
            assert_eq!(prediction.outcome(&faster).as_deref(), Some("yes"));
            let at_threshold = against_sequential(model, 1.0);
            assert_eq!(prediction.outcome(&at_threshold).as_deref(), Some("no"));
            let barely = against_sequential(model, 1.1);
            assert_eq!(prediction.outcome(&barely).as_deref(), Some("no"));
            let slower = against_sequential(model, 2.0);
            assert_eq!(prediction.outcome(&slower).as_deref(), Some("no"));
            assert_eq!(prediction.options(), ["yes", "no"]);
        }
    }

    #[test]
    fn help_cannot_be_told_without_both_models_answering_right() {
        for (prediction, model) in [
            (Prediction::GilThreadsHelp, Model::ThreadsGil),
            (Prediction::ProcessesHelp, Model::Processes),
        ] {
            let missing = report(vec![result(Model::Sequential, 1.2, 1.2, true)]);
            assert_eq!(prediction.outcome(&missing), None, "{model:?} missing");
            let wrong = report(vec![
                result(Model::Sequential, 1.2, 1.2, true),
                result(model, 0.5, 1.2, false),
            ]);
            assert_eq!(prediction.outcome(&wrong), None, "{model:?} wrong");
            // A speedup over a sequential run that answered wrong means nothing.
            let wrong_baseline = report(vec![
                result(Model::Sequential, 1.2, 1.2, false),
                result(model, 0.5, 1.2, true),
            ]);
            assert_eq!(
                prediction.outcome(&wrong_baseline),
                None,
                "{model:?} baseline"
            );
            // Without a sequential run there is no speedup at all.
            let mut alone = result(model, 0.5, 1.2, true);
            alone.speedup = None;
            assert_eq!(prediction.outcome(&report(vec![alone])), None);
        }
    }
}
