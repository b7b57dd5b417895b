//! `concur fidelity`: how close the emulated GIL comes to CPython's.
//!
//! Each GIL-sensitive shape runs under concur (the emulated GIL, and the
//! model it is compared with) and under the machine's CPython through the
//! experiment's twin, with the same knobs; each side gives one ratio, and
//! the two agree when they are within [`AGREE`] of each other:
//! - CPU-bound threads: threads' speedup over one loop (cpu-sqrt);
//! - the convoy: the time per request beside CPU work over the time alone,
//!   with a new connection per request and with keep-alive, at the 5 ms
//!   switch interval and at 0.5 ms;
//! - the CPU work in a process instead: the same ratio.
//!
//! Exit 1 when a shape disagrees (unless `--exit-zero`) or any answer is
//! wrong; 2 when there is no Python to compare with.

use crate::cli::FidelityArgs;
use crate::options::{Failure, RunOptions};
use crate::python::{interpreters, results, run_twin, twin_models};
use crate::run::execute;
use crate::{emit, python};
use concur_core::experiment::{Experiment, find};
use concur_core::model::Model;
use concur_core::twin::{self, PyModel};
use serde::Serialize;
use std::process::ExitCode;

/// Ratios within this share of each other agree.
pub const AGREE: f64 = 0.15;

/// What a shape compares.
#[derive(Clone, Copy, Debug, PartialEq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Measure {
    /// The threads' speedup over the sequential loop.
    Speedup,
    /// Time per request beside the CPU work over the time alone.
    RequestCost,
}

/// One shape: an experiment with a few knobs set, and the models compared.
struct Shape {
    name: &'static str,
    experiment: &'static str,
    measure: Measure,
    /// concur's model; its twin's model is the matching CPython one.
    model: Model,
    py_model: PyModel,
    n: Option<u64>,
    switch_ms: Option<f64>,
    keep_alive: bool,
}

fn shapes() -> Vec<Shape> {
    let convoy = |name, model, py_model, switch_ms, keep_alive| Shape {
        name,
        experiment: "convoy",
        measure: Measure::RequestCost,
        model,
        py_model,
        n: None,
        switch_ms: Some(switch_ms),
        keep_alive,
    };
    vec![
        Shape {
            name: "CPU-bound threads (cpu-sqrt, 4 x 20,000,000)",
            experiment: "cpu-sqrt",
            measure: Measure::Speedup,
            model: Model::ThreadsGil,
            py_model: PyModel::Threading,
            n: Some(20_000_000),
            switch_ms: None,
            keep_alive: false,
        },
        convoy(
            "convoy, new connection per request, 5 ms",
            Model::ThreadsGil,
            PyModel::Threading,
            5.0,
            false,
        ),
        convoy(
            "convoy, keep-alive, 5 ms",
            Model::ThreadsGil,
            PyModel::Threading,
            5.0,
            true,
        ),
        convoy(
            "convoy, new connection per request, 0.5 ms",
            Model::ThreadsGil,
            PyModel::Threading,
            0.5,
            false,
        ),
        convoy(
            "convoy, keep-alive, 0.5 ms",
            Model::ThreadsGil,
            PyModel::Threading,
            0.5,
            true,
        ),
        convoy(
            "convoy, CPU work in a process instead",
            Model::Processes,
            PyModel::Multiprocessing,
            5.0,
            false,
        ),
    ]
}

/// One shape, measured.
#[derive(Debug, Serialize)]
pub struct Row {
    pub shape: &'static str,
    pub measure: Measure,
    pub interpreter: String,
    pub cpython: Option<f64>,
    pub concur: Option<f64>,
    pub agree: bool,
    /// Wrong answers or missing measurements, on either side.
    pub problems: Vec<String>,
}

/// The two sides agree when concur's ratio is within [`AGREE`] of CPython's.
pub fn agree(cpython: f64, concur: f64) -> bool {
    cpython > 0.0 && ((concur / cpython) - 1.0).abs() <= AGREE
}

fn options_for(
    shape: &Shape,
    experiment: Experiment,
    runs: u64,
    quiet: bool,
) -> Result<RunOptions, Failure> {
    let mut params = experiment.defaults.clone();
    if let Some(n) = shape.n {
        params.set_n(n)?;
    }
    if let Some(ms) = shape.switch_ms {
        params.set_gil_switch_ms(ms)?;
    }
    params.set_keep_alive(shape.keep_alive);
    params.set_runs(runs)?;
    // One unmeasured run first where the loops are short enough to afford it.
    params.set_warmup(u64::from(shape.measure == Measure::Speedup))?;
    Ok(RunOptions {
        experiment,
        params,
        models: vec![Model::Sequential, shape.model],
        json: false,
        trace: None,
        quiet,
    })
}

/// One side's ratio from its sequential row and its model's row, each
/// given as (speedup, time per request).
fn ratio(
    measure: Measure,
    sequential: (Option<f64>, Option<f64>),
    model: (Option<f64>, Option<f64>),
) -> Option<f64> {
    match measure {
        Measure::Speedup => model.0,
        Measure::RequestCost => Some(model.1? / sequential.1?),
    }
}

fn measure_shape(shape: &Shape, args: &FidelityArgs, runs: u64) -> Result<Row, Failure> {
    let experiment = find(shape.experiment).expect("shapes name catalog experiments");
    let twin = twin::find(shape.experiment).expect("every shape's experiment has a twin");
    let options = options_for(shape, experiment, runs, args.quiet)?;
    let interpreters = interpreters(args.python.as_deref(), &twin, args.quiet)?;
    // The main interpreter only: free-threaded builds answer another question.
    let main = &interpreters[..1];
    if !args.quiet {
        eprintln!("concur: {} ...", shape.name);
    }
    let executed = execute(&options)?;
    let models = twin_models(&twin, &options.models);
    let measured = run_twin(&twin, &options, main, &models, python::deadline(&executed))?;
    let rows = results(&twin, &options, &executed, &measured, &models);
    let ours = |model| executed.report.results.iter().find(|r| r.model == model);
    let theirs = |model| rows.iter().find(|r| r.model == model);
    let concur = ours(Model::Sequential)
        .zip(ours(shape.model))
        .and_then(|(seq, model)| {
            ratio(
                shape.measure,
                (seq.speedup, seq.request_ms),
                (model.speedup, model.request_ms),
            )
        });
    let cpython = theirs(PyModel::Sequential)
        .zip(theirs(shape.py_model))
        .and_then(|(seq, model)| {
            ratio(
                shape.measure,
                (seq.speedup, seq.request_ms),
                (model.speedup, model.request_ms),
            )
        });
    let mut problems: Vec<String> = executed
        .report
        .results
        .iter()
        .flat_map(|r| r.problem_lines())
        .collect();
    for row in &rows {
        problems.extend(
            row.problems
                .iter()
                .map(|p| format!("CPython {}: {p}", row.model.name())),
        );
    }
    Ok(Row {
        shape: shape.name,
        measure: shape.measure,
        interpreter: main[0].interpreter.name.clone(),
        agree: problems.is_empty()
            && matches!((cpython, concur), (Some(c), Some(o)) if agree(c, o)),
        cpython,
        concur,
        problems,
    })
}

fn render(rows: &[Row], runs: u64) -> String {
    let interpreter = rows
        .first()
        .map_or("CPython", |row| row.interpreter.as_str());
    let mut out = format!(
        "How close concur's emulated GIL comes to {interpreter} on this machine (medians of {runs} run{}; they agree within ±{:.0}%):\n\n",
        if runs == 1 { "" } else { "s" },
        AGREE * 100.0
    );
    out.push_str(&format!(
        "{:<46} {:<28} {:>8} {:>8}  agree\n",
        "shape", "ratio", "CPython", "concur"
    ));
    let ratio = |value: Option<f64>| value.map_or("-".to_string(), |v| format!("{v:.2}x"));
    for row in rows {
        let what = match row.measure {
            Measure::Speedup => "speedup over one loop",
            Measure::RequestCost => "per request, beside / alone",
        };
        let verdict = match (row.cpython, row.concur) {
            _ if !row.problems.is_empty() => "FAILED".to_string(),
            (Some(c), Some(o)) if row.agree => format!("yes ({:+.0}%)", (o / c - 1.0) * 100.0),
            (Some(c), Some(o)) => format!("NO ({:+.0}%)", (o / c - 1.0) * 100.0),
            _ => "no figure".to_string(),
        };
        out.push_str(&format!(
            "{:<46} {:<28} {:>8} {:>8}  {verdict}\n",
            row.shape,
            what,
            ratio(row.cpython),
            ratio(row.concur)
        ));
    }
    for row in rows {
        for problem in &row.problems {
            out.push_str(&format!("{}: {problem}\n", row.shape));
        }
    }
    out
}

/// Runs `concur fidelity`.
pub fn run(args: FidelityArgs) -> Result<ExitCode, Failure> {
    let runs = concur_core::params::RUNS.parse(&args.runs)?;
    let mut rows = Vec::new();
    for shape in shapes() {
        rows.push(measure_shape(&shape, &args, runs)?);
    }
    if args.json {
        emit(&format!(
            "{}\n",
            serde_json::to_string_pretty(&rows).expect("rows serialize")
        ));
    } else {
        emit(&render(&rows, runs));
    }
    if rows.iter().any(|row| !row.problems.is_empty()) {
        return Err(Failure::Run(
            "a model failed or computed a wrong answer (see above)".into(),
        ));
    }
    if rows.iter().all(|row| row.agree) || args.exit_zero {
        Ok(ExitCode::SUCCESS)
    } else {
        Err(Failure::Run(
            "a shape's ratios differ by more than 15% (--exit-zero keeps the table only)".into(),
        ))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ratios_agree_within_fifteen_percent_either_way() {
        assert!(agree(2.69, 2.3));
        assert!(!agree(2.69, 2.2));
        assert!(agree(1.0, 1.15));
        assert!(!agree(1.0, 1.16));
        assert!(!agree(0.0, 0.0));
    }

    #[test]
    fn every_shape_has_a_twin_that_runs_both_of_its_models() {
        for shape in shapes() {
            let twin = twin::find(shape.experiment).expect("a twin");
            assert!(twin.models.contains(&shape.py_model), "{}", shape.name);
            assert!(twin.models.contains(&PyModel::Sequential), "{}", shape.name);
            let experiment = find(shape.experiment).unwrap();
            let options = options_for(&shape, experiment, 1, true).unwrap();
            assert_eq!(
                twin_models(&twin, &options.models),
                [PyModel::Sequential, shape.py_model]
            );
            if shape.measure == Measure::RequestCost {
                assert!(twin.per_request, "{}", shape.name);
            }
        }
    }

    #[test]
    fn the_table_says_which_shapes_disagree_and_by_how_much() {
        let row = |cpython, concur| Row {
            shape: "convoy",
            measure: Measure::RequestCost,
            interpreter: "CPython 3.11.7".into(),
            cpython: Some(cpython),
            concur: Some(concur),
            agree: agree(cpython, concur),
            problems: Vec::new(),
        };
        let text = render(&[row(2.69, 2.0), row(1.46, 1.5)], 3);
        assert!(text.contains("CPython 3.11.7"), "{text}");
        assert!(text.contains("NO (-26%)"), "{text}");
        assert!(text.contains("yes (+3%)"), "{text}");
    }
}
