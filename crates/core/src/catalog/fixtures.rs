//! Made-up results and knobs for the tests of claims and explanations:
//! one model's result with a given median and speedup, to be adjusted with
//! struct update syntax, and an experiment's defaults with a few knobs set.

use crate::experiment::find;
use crate::model::Model;
use crate::params::Params;
use crate::report::{ModelResult, TimeBreakdown};
use crate::stats::Summary;

/// A correct result of `model` with this median wall time and speedup.
pub fn result(model: Model, median: f64, speedup: f64) -> ModelResult {
    ModelResult {
        model,
        workers: 2,
        gil: model.gil(),
        gil_switch_ms: None,
        wall_s: Summary {
            median,
            min: median,
            max: median,
            mean: median,
            stddev: None,
        },
        speedup: Some(speedup),
        speedup_ci: None,
        cpu_util: None,
        answer: "ok".into(),
        answer_ok: true,
        problems: vec![],
        outlier_runs: vec![],
        request_ms: None,
        time: TimeBreakdown::default(),
        gil_stats: None,
        latency: None,
    }
}

/// A result with a mean time per request.
pub fn with_request_ms(model: Model, request_ms: f64) -> ModelResult {
    ModelResult {
        request_ms: Some(request_ms),
        ..result(model, 1.0, 1.0)
    }
}

/// The defaults of experiment `id` with these tasks, workers and delay.
pub fn params(id: &str, tasks: u64, workers: u64, delay_ms: u64) -> Params {
    let mut params = find(id).expect("a catalog id").defaults.clone();
    params
        .set_tasks(tasks)
        .and_then(|p| p.set_workers(workers))
        .and_then(|p| p.set_delay_ms(delay_ms))
        .expect("in range");
    params
}
