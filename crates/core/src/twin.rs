//! The Python twins: for each experiment, the script a lesson shows, written
//! the way the tutorial writes Python (sequential, threading,
//! multiprocessing, asyncio), that `concur python` runs with the machine's
//! own `python3` against concur's server and sets beside concur's models.
//!
//! The protocol between a twin and the runner, kept small so the scripts
//! stay readable:
//! - knobs arrive as environment variables with the experiment's defaults
//!   in the script: `BASE`, `TASKS`, `WORKERS`, `N`, `DELAY_MS`,
//!   `KEEP_ALIVE`, `SWITCH_MS`, and `MODELS` (which of the twin's models to
//!   run);
//! - every model prints one line, `<model> <seconds> s  answer <tokens>`,
//!   one token per task in task order ([`parse_answer`] reads them against
//!   the plan, so a twin's answer is checked like any model's).

use crate::answer::{RunAnswer, TaskAnswer};
use crate::experiment::{Op, Plan};
use crate::params::Params;
use serde::{Deserialize, Serialize};

/// One of the four ways the tutorial writes Python.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum PyModel {
    Sequential,
    Threading,
    Multiprocessing,
    Asyncio,
}

impl PyModel {
    pub const ALL: [PyModel; 4] = [
        PyModel::Sequential,
        PyModel::Threading,
        PyModel::Multiprocessing,
        PyModel::Asyncio,
    ];

    /// The name the twin prints and `MODELS` takes.
    pub fn name(self) -> &'static str {
        match self {
            PyModel::Sequential => "sequential",
            PyModel::Threading => "threading",
            PyModel::Multiprocessing => "multiprocessing",
            PyModel::Asyncio => "asyncio",
        }
    }

    pub fn parse(name: &str) -> Option<PyModel> {
        PyModel::ALL.into_iter().find(|model| model.name() == name)
    }
}

/// The third-party modules twins may import (everything else is the
/// standard library); what `concur python` checks before running.
pub const THIRD_PARTY: [&str; 2] = ["requests", "aiohttp"];

/// One experiment's twin.
#[derive(Clone, Copy, Debug)]
pub struct Twin {
    pub experiment: &'static str,
    /// The file name a learner saves it as.
    pub file: &'static str,
    pub source: &'static str,
    /// The models it runs, in the order it prints them.
    pub models: &'static [PyModel],
    /// Its lines time the requests alone (the convoy), so seconds / tasks
    /// is the time per request.
    pub per_request: bool,
}

use PyModel::{Asyncio, Multiprocessing, Sequential, Threading};

/// Every twin, in tutorial order.
pub fn twins() -> Vec<Twin> {
    macro_rules! twin {
        ($experiment:literal, $file:literal, $models:expr) => {
            twin!($experiment, $file, $models, false)
        };
        ($experiment:literal, $file:literal, $models:expr, $per_request:expr) => {
            Twin {
                experiment: $experiment,
                file: $file,
                source: include_str!(concat!("lessons/twins/", $file)),
                models: $models,
                per_request: $per_request,
            }
        };
    }
    vec![
        twin!(
            "quick-io",
            "quick_io.py",
            &[Sequential, Threading, Multiprocessing, Asyncio]
        ),
        twin!(
            "convoy",
            "convoy.py",
            &[Sequential, Threading, Multiprocessing],
            true
        ),
        twin!("scraper", "scraper.py", &[Sequential, Threading]),
        twin!("db-inserts", "db_inserts.py", &[Sequential, Threading]),
        twin!(
            "cpu-sqrt",
            "cpu_sqrt.py",
            &[Sequential, Threading, Multiprocessing]
        ),
        twin!(
            "data-batches",
            "data_batches.py",
            &[Sequential, Threading, Multiprocessing]
        ),
        twin!(
            "async-requests",
            "async_requests.py",
            &[Sequential, Asyncio]
        ),
        twin!(
            "echo-server",
            "echo_server.py",
            &[Sequential, Threading, Asyncio]
        ),
        twin!(
            "health-check",
            "health_check.py",
            &[Sequential, Threading, Multiprocessing, Asyncio]
        ),
    ]
}

/// The twin of an experiment, if it has one.
pub fn find(experiment: &str) -> Option<Twin> {
    twins()
        .into_iter()
        .find(|twin| twin.experiment == experiment)
}

impl Twin {
    /// The third-party modules the script imports at its top level.
    pub fn third_party(&self) -> Vec<&'static str> {
        let mut found: Vec<&'static str> = Vec::new();
        for line in self.source.lines() {
            let module = line
                .strip_prefix("import ")
                .or_else(|| line.strip_prefix("from "))
                .and_then(|rest| rest.split([' ', '.', ',']).next());
            if let Some(module) = module
                && let Some(known) = THIRD_PARTY.iter().find(|known| **known == module)
                && !found.contains(known)
            {
                found.push(known);
            }
        }
        found
    }

    /// The environment a run of the twin gets: the knobs, with `base` as
    /// the server and only `models` run.
    pub fn env(&self, params: &Params, base: &str, models: &[PyModel]) -> Vec<(String, String)> {
        let names: Vec<&str> = models.iter().map(|model| model.name()).collect();
        [
            ("BASE", base.to_string()),
            ("TASKS", params.tasks().to_string()),
            ("WORKERS", params.workers().to_string()),
            ("N", params.n().to_string()),
            ("DELAY_MS", params.delay_ms().to_string()),
            ("SWITCH_MS", params.gil_switch_ms().to_string()),
            ("KEEP_ALIVE", u8::from(params.keep_alive()).to_string()),
            ("MODELS", names.join(",")),
            ("PYTHONUNBUFFERED", "1".to_string()),
        ]
        .into_iter()
        .map(|(name, value)| (name.to_string(), value))
        .collect()
    }
}

/// One model's result line: `threading   1.234567 s  answer 200 200`.
#[derive(Clone, Debug, PartialEq)]
pub struct TwinLine {
    pub model: PyModel,
    pub seconds: f64,
    pub tokens: Vec<String>,
}

/// The result lines of a twin's output; other lines are commentary.
pub fn parse_output(stdout: &str) -> Vec<TwinLine> {
    stdout
        .lines()
        .filter_map(|line| {
            let mut words = line.split_whitespace();
            let model = PyModel::parse(words.next()?)?;
            let seconds: f64 = words.next()?.parse().ok()?;
            if words.next()? != "s" || words.next()? != "answer" || !seconds.is_finite() {
                return None;
            }
            Some(TwinLine {
                model,
                seconds,
                tokens: words.map(str::to_string).collect(),
            })
        })
        .collect()
}

/// Reads a twin's answer tokens as the plan's tasks answer: one token per
/// task, in task order, each in the form its kind of task answers.
pub fn parse_answer(plan: &Plan, tokens: &[String]) -> Result<RunAnswer, String> {
    if tokens.len() != plan.tasks.len() {
        return Err(format!(
            "{} answers for {} tasks",
            tokens.len(),
            plan.tasks.len()
        ));
    }
    plan.tasks
        .iter()
        .zip(tokens)
        .map(|(task, token)| {
            token_answer(&task.op, token)
                .map(Some)
                .ok_or_else(|| format!("task {}: cannot read \"{token}\"", task.idx))
        })
        .collect()
}

fn pair<A: std::str::FromStr, B: std::str::FromStr>(token: &str, sep: char) -> Option<(A, B)> {
    let (a, b) = token.split_once(sep)?;
    Some((a.parse().ok()?, b.parse().ok()?))
}

fn token_answer(op: &Op, token: &str) -> Option<TaskAnswer> {
    Some(match op {
        Op::CpuSqrt { .. } | Op::CpuWhileIo { .. } => TaskAnswer::Sum(token.parse().ok()?),
        Op::Batch { .. } => {
            let (kept, sum) = pair(token, ':')?;
            TaskAnswer::Stats { kept, sum }
        }
        Op::Gets { .. } => {
            let (ok, total) = pair(token, '/')?;
            TaskAnswer::Requests { ok, total }
        }
        Op::Insert { .. } => TaskAnswer::Rows {
            inserted: token.parse().ok()?,
        },
        Op::Echo { .. } => {
            let (bytes, hash) = token.split_once(':')?;
            TaskAnswer::Echo {
                bytes: bytes.parse().ok()?,
                hash: u64::from_str_radix(hash, 16).ok()?,
            }
        }
        Op::Check { timeout_ms, .. } if token == "timeout" => TaskAnswer::TimedOut {
            after_ms: u32::try_from(*timeout_ms).unwrap_or(u32::MAX),
        },
        Op::Get { .. } | Op::Check { .. } => TaskAnswer::Status(token.parse().ok()?),
    })
}

#[cfg(test)]
#[path = "twin_tests.rs"]
mod tests;

/// The interpreter a twin ran on, as it described itself.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Interpreter {
    /// What was run: `python3`, a path, `python3.13t`.
    pub command: String,
    /// `CPython 3.11.7`.
    pub name: String,
    /// Built without the GIL (`python3.13t` and later).
    pub free_threaded: bool,
    /// Whether the GIL was on while the twin ran (a free-threaded build
    /// turns it back on for C extensions that need it).
    pub gil_enabled: bool,
}

/// One model of a twin, measured: CPython's row beside concur's.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct CpythonResult {
    pub interpreter: Interpreter,
    pub model: PyModel,
    /// The twin's own timings of this model, one per measured run.
    pub wall_s: crate::stats::Summary,
    /// Against the same interpreter's sequential run.
    pub speedup: Option<f64>,
    /// Mean time per request, where the twin times requests (convoy).
    pub request_ms: Option<f64>,
    pub answer_ok: bool,
    pub problems: Vec<String>,
}
