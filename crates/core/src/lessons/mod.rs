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
    pub fn outcome(self, report: &Report) -> Option<String> {
        let speedup = |model: Model| {
            report
                .results
                .iter()
                .find(|r| r.model == model && r.answer_ok)
                .and_then(|r| r.speedup)
        };
        let yes_no = |value: bool| if value { "yes" } else { "no" }.to_string();
        match self {
            Prediction::FastestModel => report
                .results
                .iter()
                .filter(|r| r.answer_ok)
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
