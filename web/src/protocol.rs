//! Messages between the page and the runner worker (JSON strings).
//!
//! The page sends [`ToRunner`]; the runner answers with [`FromRunner`]. Who
//! owns what: the page owns the runner worker (one, for the page's
//! lifetime); the runner owns the thread pool and every process worker.

use concur_core::model::Model;
use concur_core::params::Params;
use concur_core::report::{ModelRuns, Report};
use serde::{Deserialize, Serialize};

/// Where I/O goes.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub enum IoMode {
    /// Real HTTP to `concur serve` at this origin.
    Server { base: String },
    /// No server answers: waits are simulated with timers.
    Simulated,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct RunRequest {
    pub experiment: String,
    pub params: Params,
    pub models: Vec<Model>,
    pub io: IoMode,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub enum ToRunner {
    Run(RunRequest),
    /// Measure what workers and tasks cost here (the comparison lesson).
    Measure,
}

/// What the comparison table's rows cost in this browser.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Costs {
    /// Starting a Web Worker with its own WebAssembly instance until it
    /// answers: what a process (and, here, a thread) costs to create.
    pub worker_start_ms: f64,
    pub workers_started: u32,
    /// Creating and running one async task on the event loop.
    pub task_start_us: f64,
    /// Async tasks seen waiting at once: of `tasks_spawned` tasks, those
    /// that had reached their await when the signal they wait on fired.
    pub tasks_alive: u32,
    pub tasks_spawned: u32,
    /// Threads the pool runs, or why there are none.
    pub pool_threads: Result<u32, String>,
    /// Half a ping-pong round trip between two pool threads (None without
    /// a pool), between the runner and a process worker (by message), and
    /// between two tasks on the event loop; microseconds.
    pub thread_switch_us: Option<f64>,
    pub process_switch_us: f64,
    pub task_switch_us: f64,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub enum FromRunner {
    /// The runner is listening. `threads` is the pool size, or why the
    /// threads model cannot run here.
    Ready {
        threads: Result<u32, String>,
    },
    /// One run of one model finished.
    Progress {
        done: u32,
        total: u32,
        label: String,
    },
    Measured(Costs),
    Finished {
        report: Box<Report>,
        runs: Vec<ModelRuns>,
    },
    Failed {
        message: String,
    },
}

impl ToRunner {
    pub fn to_json(&self) -> String {
        serde_json::to_string(self).expect("messages always serialize")
    }
}

impl FromRunner {
    pub fn to_json(&self) -> String {
        serde_json::to_string(self).expect("messages always serialize")
    }
}
