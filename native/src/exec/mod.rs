//! Executors: one per model, each turning a plan into a measured run.
//!
//! - `threads`: sequential (the calling thread) and OS threads with the
//!   emulated GIL on or off;
//! - `processes`: the binary re-executed as worker processes (`worker` is the
//!   child's side);
//! - `asynch`: a tokio current-thread runtime;
//! - `echo`: the echo server, whose model is the server's, against real
//!   TCP clients.
//!
//! Every executor returns a [`RunOutcome`]: start and end on the run clock,
//! CPU time, answers in task order, failures and the trace.

pub mod asynch;
pub mod echo;
pub mod processes;
pub mod threads;
pub mod watchdog;
pub mod worker;

use crate::clock::NativeClock;
use crate::http::HttpIo;
use concur_core::experiment::Plan;
use concur_core::model::Model;
use concur_core::report::RunOutcome;
use std::time::Duration;

/// What every executor needs besides the plan.
pub struct Env {
    pub clock: NativeClock,
    pub io: HttpIo,
    pub gil_switch: Duration,
}

/// Runs `plan` once under `model` with `workers` workers.
pub fn run_model(model: Model, workers: u32, plan: &Plan, env: &Env) -> RunOutcome {
    if plan.is_echo() {
        return echo::run_echo(model, workers, plan, env);
    }
    match model {
        Model::Sequential => threads::run_sequential(plan, env),
        Model::ThreadsGil => threads::run_threads(plan, workers, Some(env.gil_switch), env),
        Model::ThreadsFree => threads::run_threads(plan, workers, None, env),
        Model::Processes => processes::run_processes(plan, workers, env),
        Model::Async => asynch::run_async(plan, workers, env),
    }
}
