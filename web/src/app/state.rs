//! The page's state as a reducer: knobs as typed, runner status, results.
//!
//! A lesson's prediction is frozen when Run is pressed, together with the
//! number of that run, and the verdict compares the frozen answer with the
//! report of that run only: an answer changed afterwards clears the
//! verdict until the next run, and opening a lesson shows none until a run
//! started there ends.

use crate::app::course::Link;
use crate::protocol::{Costs, FromRunner, IoMode};
use crate::runner::BROWSER_WORKERS;
use concur_core::experiment::{self, Bound, Experiment};
use concur_core::lessons::{Lesson, Prediction, lessons};
use concur_core::model::Model;
use concur_core::params::{self, ParamError, Params};
use concur_core::report::{ModelRuns, Report};
use std::rc::Rc;
use yew::Reducible;

/// A knob as the visitor typed it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Knob {
    Workers,
    Tasks,
    N,
    DelayMs,
    GilSwitchMs,
    Runs,
    Warmup,
}

impl Knob {
    pub const ALL: [Knob; 7] = [
        Knob::Workers,
        Knob::Tasks,
        Knob::N,
        Knob::DelayMs,
        Knob::GilSwitchMs,
        Knob::Runs,
        Knob::Warmup,
    ];

    /// The CLI flag's name, used as the input's id (`knob-delay-ms`).
    pub fn flag(self) -> &'static str {
        match self {
            Knob::Workers => "workers",
            Knob::Tasks => "tasks",
            Knob::N => "n",
            Knob::DelayMs => "delay-ms",
            Knob::GilSwitchMs => "gil-switch-ms",
            Knob::Runs => "runs",
            Knob::Warmup => "warmup",
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            Knob::Workers => "workers",
            Knob::Tasks => "tasks",
            Knob::N => "iterations per task (n)",
            Knob::DelayMs => "delay per request (ms)",
            Knob::GilSwitchMs => "GIL switch interval (ms)",
            Knob::Runs => "measured runs",
            Knob::Warmup => "warm-up runs",
        }
    }

    /// Whether the knob means anything for an experiment.
    pub fn applies(self, experiment: &Experiment) -> bool {
        match self {
            Knob::N => experiment.n_means.is_some(),
            Knob::DelayMs => experiment.bound == Bound::Io,
            _ => true,
        }
    }

    fn default_text(self, params: &Params) -> String {
        match self {
            Knob::Workers => params.workers().to_string(),
            Knob::Tasks => params.tasks().to_string(),
            Knob::N => params::group(params.n()),
            Knob::DelayMs => params.delay_ms().to_string(),
            Knob::GilSwitchMs => params.gil_switch_ms().to_string(),
            Knob::Runs => params.runs().to_string(),
            Knob::Warmup => params.warmup().to_string(),
        }
    }
}

/// A prediction as it stood when Run was pressed.
#[derive(Clone, Debug, PartialEq)]
pub struct FrozenPrediction {
    /// The lesson that asked.
    pub lesson: &'static str,
    pub prediction: Prediction,
    pub choice: String,
    /// The run it is judged against (see [`State::runs_started`]).
    pub run: u32,
}

/// What the run says about a frozen prediction.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Verdict {
    Agrees {
        choice: String,
    },
    Differs {
        choice: String,
        actual: String,
    },
    /// A model the question needs did not run or answered wrong.
    CannotTell {
        choice: String,
    },
}

/// Where the runner stands.
#[derive(Clone, Debug, PartialEq)]
pub enum RunnerStatus {
    Starting,
    Ready,
    Running {
        done: u32,
        total: u32,
        label: String,
    },
    Broken(String),
}

#[derive(Clone, Debug, PartialEq)]
pub struct State {
    pub experiment: String,
    /// The text of every knob, in `Knob::ALL` order.
    pub knobs: Vec<String>,
    /// The keep-alive checkbox (experiments that make HTTP requests).
    pub keep_alive: bool,
    pub models: Vec<Model>,
    pub runner: RunnerStatus,
    /// Pool size, or why threads cannot run here; None until the runner says.
    pub threads: Option<Result<u32, String>>,
    pub io: Option<IoMode>,
    pub result: Option<Rc<(Report, Vec<ModelRuns>)>>,
    pub error: Option<String>,
    pub imported: Option<Result<Rc<Report>, String>>,
    /// The model whose timeline is shown.
    pub timeline_model: Option<Model>,
    /// Runs requested that have ended, well or not (tests wait on it).
    pub completed: u32,
    /// The open lesson (an index into `lessons()`).
    pub lesson: usize,
    /// Ids of the lessons opened so far.
    pub visited: Vec<String>,
    /// The learner's answer to the open lesson's question.
    pub prediction: Option<String>,
    /// The answer frozen by the last Run pressed in this lesson.
    pub frozen: Option<FrozenPrediction>,
    /// True when the answer changed after Run froze another one.
    pub prediction_changed: bool,
    /// Runs requested so far; the number of the latest.
    pub runs_started: u32,
    /// The number of the run whose report `result` holds.
    pub result_run: Option<u32>,
    /// The comparison lesson's measurements, once made.
    pub costs: Option<Costs>,
    /// True while the runner measures them.
    pub measuring: bool,
}

pub enum Action {
    Pick(String),
    /// Sets the knobs to the experiment's quick preset.
    Quick,
    SetKnob(Knob, String),
    SetKeepAlive(bool),
    ToggleModel(Model),
    Runner(FromRunner),
    RunnerBroke(String),
    Started,
    Io(IoMode),
    Imported(Result<Rc<Report>, String>),
    ShowTimeline(Model),
    GoLesson(usize),
    /// The runner was asked to measure costs.
    Measuring,
    /// Moves by this many lessons (the arrow keys).
    Step(isize),
    RestoreVisited(Vec<String>),
    Predict(String),
    FollowLink(Link),
}

impl State {
    pub fn new() -> State {
        let first = experiment::catalog().remove(0);
        State {
            knobs: Knob::ALL
                .iter()
                .map(|k| k.default_text(&first.defaults))
                .collect(),
            keep_alive: first.defaults.keep_alive(),
            experiment: first.id.to_string(),
            models: Model::ALL.to_vec(),
            runner: RunnerStatus::Starting,
            threads: None,
            io: None,
            result: None,
            error: None,
            imported: None,
            timeline_model: None,
            completed: 0,
            lesson: 0,
            visited: Vec::new(),
            prediction: None,
            frozen: None,
            prediction_changed: false,
            runs_started: 0,
            result_run: None,
            costs: None,
            measuring: false,
        }
    }

    pub fn knob(&self, knob: Knob) -> &str {
        &self.knobs[Knob::ALL
            .iter()
            .position(|k| *k == knob)
            .expect("every knob is listed")]
    }

    fn current(&self) -> Experiment {
        experiment::find(&self.experiment).expect("the state only holds catalog experiments")
    }

    /// The knob's value, or why it is refused.
    pub fn check(&self, knob: Knob) -> Result<f64, ParamError> {
        let text = self.knob(knob);
        let whole = |limit: params::Limit| limit.parse(text).map(|v| v as f64);
        match knob {
            Knob::Workers => whole(BROWSER_WORKERS),
            Knob::Tasks => whole(params::TASKS),
            Knob::N => whole(self.current().n_limit()),
            Knob::DelayMs => whole(params::DELAY_MS),
            Knob::GilSwitchMs => params::parse_gil_switch_ms(text),
            Knob::Runs => whole(params::RUNS),
            Knob::Warmup => whole(params::WARMUP),
        }
    }

    /// Validated params, or the first refusal.
    pub fn params(&self) -> Result<Params, ParamError> {
        let defaults = experiment::find(&self.experiment)
            .map(|e| e.defaults)
            .expect("the picker only offers catalog experiments");
        let value = |knob: Knob| -> Result<f64, ParamError> {
            if knob.applies(&self.current()) {
                self.check(knob)
            } else {
                Ok(f64::NAN)
            }
        };
        let or = |v: f64, d: u64| if v.is_nan() { d } else { v as u64 };
        Params::new(
            value(Knob::Tasks)? as u64,
            value(Knob::Workers)? as u64,
            or(value(Knob::N)?, defaults.n()),
            or(value(Knob::DelayMs)?, defaults.delay_ms()),
            value(Knob::GilSwitchMs)?,
            value(Knob::Runs)? as u64,
            value(Knob::Warmup)? as u64,
            None,
        )
        .map(|mut params| {
            params.set_keep_alive(self.keep_alive && self.current().uses_http());
            params
        })
    }

    /// Models that can run here (threads need cross-origin isolation).
    pub fn runnable(&self, model: Model) -> bool {
        model.gil().is_none() || matches!(self.threads, Some(Ok(_)))
    }

    /// The open lesson, if the course has any.
    pub fn open_lesson(&self) -> Option<Lesson> {
        lessons().get(self.lesson).copied()
    }

    /// The open lesson's question, when its Run panel is showing.
    pub fn question(&self) -> Option<(Lesson, Prediction)> {
        let lesson = self.open_lesson()?;
        let prediction = lesson.predict?;
        (lesson.experiment == Some(self.experiment.as_str())).then_some((lesson, prediction))
    }

    /// True when the open lesson asks for a prediction not yet given.
    pub fn awaits_prediction(&self) -> bool {
        self.question().is_some() && self.prediction.is_none()
    }

    /// The frozen prediction judged against the report of the run it was
    /// frozen for; None until that run's report is here.
    pub fn verdict(&self) -> Option<Verdict> {
        let frozen = self.frozen.as_ref()?;
        let lesson = self.open_lesson()?;
        let result = self.result.as_ref()?;
        if lesson.id != frozen.lesson
            || self.result_run != Some(frozen.run)
            || lesson.experiment != Some(result.0.experiment.as_str())
        {
            return None;
        }
        let choice = frozen.choice.clone();
        Some(match frozen.prediction.outcome(&result.0) {
            Some(actual) if actual == choice => Verdict::Agrees { choice },
            Some(actual) => Verdict::Differs { choice, actual },
            None => Verdict::CannotTell { choice },
        })
    }

    /// The knobs as a link carries them (only those that apply): accepted
    /// whole numbers without digit separators, anything else as typed, so
    /// a refused knob stays refused when the link is opened.
    pub fn link_knobs(&self) -> Vec<(Knob, String)> {
        Knob::ALL
            .iter()
            .filter(|k| k.applies(&self.current()))
            .map(|&knob| {
                let text = match (knob, self.check(knob)) {
                    (Knob::GilSwitchMs, Ok(_)) => self.knob(knob).trim().to_string(),
                    (_, Ok(value)) => (value as u64).to_string(),
                    (_, Err(_)) => self.knob(knob).to_string(),
                };
                (knob, text)
            })
            .collect()
    }

    fn pick(&mut self, id: &str) {
        if let Some(mut found) = experiment::find(id) {
            // The browser's pool has BROWSER_WORKERS threads at most.
            found
                .defaults
                .set_workers(u64::from(
                    found.defaults.workers().min(BROWSER_WORKERS.max as u32),
                ))
                .expect("fewer workers stay in range");
            self.knobs = Knob::ALL
                .iter()
                .map(|k| k.default_text(&found.defaults))
                .collect();
            self.keep_alive = found.defaults.keep_alive();
            self.experiment = id.to_string();
        }
    }

    fn set_knob(&mut self, knob: Knob, text: String) {
        let idx = Knob::ALL
            .iter()
            .position(|k| *k == knob)
            .expect("every knob is listed");
        self.knobs[idx] = text;
    }

    fn go_lesson(&mut self, idx: usize) {
        let Some(lesson) = lessons().get(idx).copied() else {
            return;
        };
        self.lesson = idx;
        self.prediction = None;
        self.frozen = None;
        self.prediction_changed = false;
        if !self.visited.iter().any(|id| id == lesson.id) {
            self.visited.push(lesson.id.to_string());
        }
        if let Some(id) = lesson.experiment {
            self.pick(id);
            let preset = lesson.preset;
            let texts = [
                (Knob::Tasks, preset.tasks.map(u64::from)),
                (Knob::Workers, preset.workers.map(u64::from)),
                (Knob::N, preset.n),
                (Knob::DelayMs, preset.delay_ms),
            ];
            for (knob, value) in texts {
                if let Some(value) = value {
                    self.set_knob(knob, value.to_string());
                }
            }
        }
    }

    /// The models a Run would use.
    pub fn chosen_models(&self) -> Vec<Model> {
        self.models
            .iter()
            .copied()
            .filter(|m| self.runnable(*m))
            .collect()
    }
}

impl Default for State {
    fn default() -> Self {
        State::new()
    }
}

impl Reducible for State {
    type Action = Action;

    fn reduce(self: Rc<Self>, action: Action) -> Rc<Self> {
        let mut next = (*self).clone();
        match action {
            Action::Pick(id) => next.pick(&id),
            Action::Quick => {
                let mut quick = next.current().quick();
                quick
                    .set_workers(u64::from(quick.workers().min(BROWSER_WORKERS.max as u32)))
                    .expect("fewer workers stay in range");
                next.knobs = Knob::ALL.iter().map(|k| k.default_text(&quick)).collect();
                next.keep_alive = quick.keep_alive();
            }
            Action::SetKnob(knob, text) => next.set_knob(knob, text),
            Action::SetKeepAlive(on) => next.keep_alive = on,
            Action::ToggleModel(model) => {
                if next.models.contains(&model) {
                    next.models.retain(|m| *m != model);
                } else {
                    next.models.push(model);
                    next.models
                        .sort_by_key(|m| Model::ALL.iter().position(|x| x == m));
                }
            }
            Action::Started => {
                next.runs_started += 1;
                next.frozen = match (next.question(), &next.prediction) {
                    (Some((lesson, prediction)), Some(choice)) => Some(FrozenPrediction {
                        lesson: lesson.id,
                        prediction,
                        choice: choice.clone(),
                        run: next.runs_started,
                    }),
                    _ => None,
                };
                next.prediction_changed = false;
                next.error = None;
                next.runner = RunnerStatus::Running {
                    done: 0,
                    total: 0,
                    label: "starting".into(),
                };
            }
            Action::Runner(message) => match message {
                FromRunner::Ready { threads } => {
                    next.threads = Some(threads);
                    next.runner = RunnerStatus::Ready;
                }
                FromRunner::Progress { done, total, label } => {
                    next.runner = RunnerStatus::Running { done, total, label };
                }
                FromRunner::Finished { report, runs } => {
                    next.completed += 1;
                    next.runner = RunnerStatus::Ready;
                    next.timeline_model = report.results.first().map(|r| r.model);
                    next.result = Some(Rc::new((*report, runs)));
                    next.result_run = Some(next.runs_started);
                }
                FromRunner::Measured(costs) => {
                    next.measuring = false;
                    next.costs = Some(costs);
                }
                FromRunner::Failed { message } => {
                    next.measuring = false;
                    next.completed += 1;
                    next.runner = RunnerStatus::Ready;
                    next.error = Some(message);
                }
            },
            Action::RunnerBroke(why) => next.runner = RunnerStatus::Broken(why),
            Action::Io(io) => next.io = Some(io),
            Action::Imported(imported) => next.imported = Some(imported),
            Action::ShowTimeline(model) => next.timeline_model = Some(model),
            Action::GoLesson(idx) => next.go_lesson(idx),
            Action::Measuring => next.measuring = true,
            Action::Step(by) => {
                let target = next.lesson as isize + by;
                if target >= 0 {
                    next.go_lesson(target as usize);
                }
            }
            Action::RestoreVisited(ids) => {
                for id in ids {
                    if !next.visited.contains(&id) {
                        next.visited.push(id);
                    }
                }
            }
            Action::Predict(choice) => {
                // A different answer after Run is not judged by that run.
                if next.frozen.as_ref().is_some_and(|f| f.choice != choice) {
                    next.frozen = None;
                    next.prediction_changed = true;
                }
                next.prediction = Some(choice);
            }
            Action::FollowLink(link) => {
                let found = link
                    .lesson
                    .as_deref()
                    .and_then(|id| lessons().iter().position(|l| l.id == id));
                next.go_lesson(found.unwrap_or(next.lesson));
                for (knob, text) in link.knobs {
                    next.set_knob(knob, text);
                }
                if let Some(models) = link.models {
                    next.models = models;
                }
            }
        }
        Rc::new(next)
    }
}

#[cfg(test)]
#[path = "state_tests.rs"]
mod tests;
