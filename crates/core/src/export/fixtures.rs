//! Reports for the export tests: a cpu-sqrt run built by
//! [`Report::build`] from made-up runs (three per model, so speedups have
//! intervals; processes answered wrongly), and the same with CPython rows.

use crate::answer::TaskAnswer;
use crate::experiment::find;
use crate::model::Model;
use crate::report::{Machine, ModelRuns, Report, RunOutcome};
use crate::stats::summarize;
use crate::twin::{CpythonResult, Interpreter, PyModel};
use crate::workload::cpu_sqrt_bare;

fn run(wall_ms: u64, answer: f64) -> RunOutcome {
    RunOutcome {
        start_ns: 0,
        end_ns: wall_ms * 1_000_000 + 123_457,
        cpu_ns: Some(wall_ms * 900_000),
        answers: vec![Some(TaskAnswer::Sum(answer)); 2],
        ..RunOutcome::default()
    }
}

/// cpu-sqrt under sequential, threads-free and processes, 3 runs each.
pub fn cpu_report() -> Report {
    let experiment = find("cpu-sqrt").unwrap();
    let mut params = experiment.defaults.clone();
    params.set_n(1000).unwrap();
    params.set_tasks(2).unwrap();
    params.set_workers(2).unwrap();
    params.set_runs(3).unwrap();
    let plan = experiment.plan(&params, "");
    let right = cpu_sqrt_bare(1000);
    let models = |model, workers, walls: [u64; 3], answer| ModelRuns {
        model,
        workers,
        runs: walls.iter().map(|&wall| run(wall, answer)).collect(),
    };
    let runs = vec![
        models(Model::Sequential, 1, [200, 210, 205], right),
        models(Model::ThreadsFree, 2, [101, 104, 99], right),
        models(Model::Processes, 2, [120, 125, 130], right + 1.0),
    ];
    let machine = Machine {
        logical_cores: 2,
        os: "test-os".into(),
        cpu_model: "test-cpu".into(),
    };
    Report::build(&experiment, &plan, &params, machine, "test", &runs)
}

/// `report` with a CPython 3.11.7's sequential and threading rows.
pub fn with_cpython(mut report: Report) -> Report {
    let interpreter = Interpreter {
        command: "python3".into(),
        name: "CPython 3.11.7".into(),
        free_threaded: false,
        gil_enabled: true,
    };
    let row = |model, walls: &[f64], speedup| CpythonResult {
        interpreter: interpreter.clone(),
        model,
        wall_s: summarize(walls).unwrap(),
        speedup,
        request_ms: None,
        answer_ok: true,
        problems: vec![],
    };
    report.cpython = vec![
        row(PyModel::Sequential, &[1.5, 1.6, 1.4], Some(1.0)),
        row(PyModel::Threading, &[1.55, 1.5, 1.6], Some(1.5 / 1.55)),
    ];
    report
}
