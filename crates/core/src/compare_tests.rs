//! Tests of the comparison: matching, the ratio's direction, overlap,
//! warnings for differing knobs, wrong answers, and the CPython mapping.

use super::*;
use crate::answer::TaskAnswer;
use crate::experiment::find;
use crate::report::{ModelRuns, RunOutcome};
use crate::stats::summarize;
use crate::trace::Trace;
use crate::workload::cpu_sqrt_bare;

fn machine(cores: u32) -> Machine {
    Machine {
        logical_cores: cores,
        os: "test-os".into(),
        cpu_model: "test-cpu".into(),
    }
}

fn params(n: u64, runs: u64) -> Params {
    let mut params = find("cpu-sqrt").unwrap().defaults.clone();
    params.set_n(n).unwrap();
    params.set_tasks(2).unwrap();
    params.set_workers(2).unwrap();
    params.set_runs(runs).unwrap();
    params
}

/// A cpu-sqrt report; each model with its runs' wall times in ms, its
/// answer right unless `wrong` names it.
fn report(params: &Params, models: &[(Model, &[u64])], wrong: Option<Model>) -> Report {
    let experiment = find("cpu-sqrt").unwrap();
    let plan = experiment.plan(params, "");
    let right = TaskAnswer::Sum(cpu_sqrt_bare(params.n()));
    let runs: Vec<ModelRuns> = models
        .iter()
        .map(|(model, walls)| {
            let answer = if Some(*model) == wrong {
                TaskAnswer::Sum(1.0)
            } else {
                right
            };
            ModelRuns {
                model: *model,
                workers: model.workers(params.workers()),
                runs: walls
                    .iter()
                    .map(|ms| RunOutcome {
                        start_ns: 0,
                        end_ns: ms * 1_000_000,
                        cpu_ns: None,
                        answers: vec![Some(answer); plan.tasks.len()],
                        failures: vec![],
                        trace: Trace::default(),
                    })
                    .collect(),
            }
        })
        .collect();
    Report::build(&experiment, &plan, params, machine(2), "test", &runs)
}

fn input(file: &str, reports: Vec<Report>) -> Input {
    Input {
        file: file.into(),
        document_tool: None,
        reports,
    }
}

fn cell(label: &str, walls: &[f64], ok: bool) -> Cell {
    Cell {
        label: label.into(),
        workers: Some(1),
        wall_s: summarize(walls).unwrap(),
        speedup: None,
        answer_ok: ok,
    }
}

/// Each row's A and B labels, None for a side the row is missing from.
fn row_labels(cmp: &Comparison) -> Vec<(Option<&str>, Option<&str>)> {
    cmp.rows
        .iter()
        .map(|r| {
            (
                r.a.as_ref().map(|c| c.label.as_str()),
                r.b.as_ref().map(|c| c.label.as_str()),
            )
        })
        .collect()
}
#[test]
fn the_ratio_is_b_over_a_and_overlap_follows_the_ranges() {
    let slow = cell("sequential", &[2.0, 2.1, 2.2], true);
    let fast = cell("sequential", &[1.0, 1.1, 1.2], true);
    let row = row("cpu-sqrt", 1, Some(fast.clone()), Some(slow.clone()));
    assert!((row.ratio.unwrap() - 2.1 / 1.1).abs() < 1e-12, "{row:?}");
    assert_eq!(row.overlap, Some(false));
    let reversed = super::row("cpu-sqrt", 1, Some(slow), Some(fast));
    assert!(reversed.ratio.unwrap() < 1.0);
    let a = cell("x", &[1.0, 1.5], true);
    let b = cell("x", &[1.4, 2.0], true);
    assert!(ranges_overlap(&a.wall_s, &b.wall_s));
    // Touching ends count as overlapping.
    let c = cell("x", &[1.5, 3.0], true);
    assert!(ranges_overlap(&a.wall_s, &c.wall_s));
}

#[test]
fn a_wrong_answer_on_either_side_gets_no_ratio() {
    let right = cell("threads-free", &[1.0], true);
    let wrong = cell("threads-free", &[2.0], false);
    for (a, b) in [(&right, &wrong), (&wrong, &right)] {
        let row = row("cpu-sqrt", 1, Some(a.clone()), Some(b.clone()));
        assert!(row.wrong);
        assert_eq!(row.ratio, None);
    }
}

#[test]
fn rows_are_matched_by_model_and_one_sided_rows_are_kept() {
    let p = params(1000, 3);
    let a = report(
        &p,
        &[
            (Model::Sequential, &[100, 110, 120]),
            (Model::Processes, &[60, 61, 62]),
        ],
        None,
    );
    let b = report(
        &p,
        &[
            (Model::Sequential, &[200, 210, 220]),
            (Model::ThreadsFree, &[100, 105, 110]),
        ],
        None,
    );
    let cmp = two_reports(&input("a.json", vec![a]), &input("b.json", vec![b]));
    assert_eq!(cmp.kind, Kind::TwoReports);
    let labels = row_labels(&cmp);
    assert_eq!(
        labels,
        [
            (Some("sequential"), Some("sequential")),
            (Some("processes"), None),
            (None, Some("threads-free")),
        ]
    );
    let seq = &cmp.rows[0];
    assert!((seq.ratio.unwrap() - 0.21 / 0.11).abs() < 1e-9, "{seq:?}");
    assert_eq!(seq.overlap, Some(false));
    assert_eq!(cmp.rows[1].ratio, None);
    assert_eq!(cmp.rows[1].overlap, None);
    // Each side's speedup is its own, straight from its report.
    assert_eq!(cmp.rows[2].b.as_ref().unwrap().speedup, Some(0.21 / 0.105));
    assert!(cmp.warnings.is_empty(), "{:?}", cmp.warnings);
    assert_eq!(cmp.sides[0].file, "a.json");
    assert_eq!(cmp.sides[1].label, "B");
}

#[test]
fn experiments_pair_by_id_and_occurrence() {
    let p = params(1000, 3);
    let one = |ms: u64| report(&p, &[(Model::Sequential, &[ms, ms, ms])], None);
    let a = input("a.json", vec![one(100), one(200)]);
    let b = input("b.json", vec![one(300)]);
    let cmp = two_reports(&a, &b);
    assert_eq!(cmp.rows.len(), 2);
    assert_eq!(cmp.rows[0].occurrence, 1);
    assert!((cmp.rows[0].ratio.unwrap() - 3.0).abs() < 1e-9);
    assert_eq!(cmp.rows[1].occurrence, 2);
    assert!(cmp.rows[1].b.is_none());
}

#[test]
fn each_differing_knob_is_one_warning() {
    let a = params(1000, 3);
    let mut b = params(2000, 5);
    b.set_keep_alive(true);
    let lines = param_differences(&a, &b);
    assert_eq!(lines.len(), 3, "{lines:?}");
    assert!(
        lines[0].starts_with("--n is 1,000 in A and 2,000 in B"),
        "{lines:?}"
    );
    assert!(lines[0].contains("the work is not the same"), "{lines:?}");
    assert!(
        lines[1].starts_with("--keep-alive is off in A and on in B"),
        "{lines:?}"
    );
    assert!(
        lines[2].starts_with("--runs is 3 in A and 5 in B"),
        "{lines:?}"
    );
    assert!(param_differences(&a, &a.clone()).is_empty());

    let ra = report(&a, &[(Model::Sequential, &[10, 11, 12])], None);
    let rb = report(&b, &[(Model::Sequential, &[20, 21, 22, 23, 24])], None);
    let cmp = two_reports(&input("a", vec![ra]), &input("b", vec![rb]));
    assert_eq!(cmp.warnings.len(), 3, "{:?}", cmp.warnings);
    assert!(
        cmp.warnings[0].starts_with("cpu-sqrt: --n is"),
        "{:?}",
        cmp.warnings
    );
}

#[test]
fn a_single_run_side_is_warned_about() {
    let one = params(1000, 1);
    let ra = report(&one, &[(Model::Sequential, &[10])], None);
    let rb = report(&one, &[(Model::Sequential, &[10])], None);
    let cmp = two_reports(&input("a", vec![ra]), &input("b", vec![rb]));
    assert_eq!(cmp.warnings.len(), 2, "{:?}", cmp.warnings);
    assert!(cmp.warnings[0].contains("A has 1 run per model"));
    assert_eq!(cmp.rows[0].overlap, Some(true));
}

#[test]
fn wrong_answers_in_a_report_carry_into_the_rows() {
    let p = params(1000, 3);
    let models: &[(Model, &[u64])] = &[
        (Model::Sequential, &[100, 100, 100]),
        (Model::ThreadsFree, &[50, 50, 50]),
    ];
    let a = report(&p, models, None);
    let b = report(&p, models, Some(Model::ThreadsFree));
    let cmp = two_reports(&input("a", vec![a]), &input("b", vec![b]));
    assert_eq!(cmp.rows[0].ratio, Some(1.0));
    assert!(cmp.rows[1].wrong);
    assert_eq!(cmp.rows[1].ratio, None);
}

fn interpreter(free_threaded: bool, gil_enabled: bool) -> Interpreter {
    Interpreter {
        command: "python3".into(),
        name: "CPython 3.13.1".into(),
        free_threaded,
        gil_enabled,
    }
}

#[test]
fn cpython_models_map_to_their_concur_twins() {
    let gil = interpreter(false, true);
    let free = interpreter(true, false);
    let free_but_gil_on = interpreter(true, true);
    assert_eq!(counterpart(PyModel::Sequential, &gil), Model::Sequential);
    assert_eq!(counterpart(PyModel::Threading, &gil), Model::ThreadsGil);
    assert_eq!(counterpart(PyModel::Threading, &free), Model::ThreadsFree);
    assert_eq!(
        counterpart(PyModel::Threading, &free_but_gil_on),
        Model::ThreadsGil
    );
    assert_eq!(
        counterpart(PyModel::Multiprocessing, &gil),
        Model::Processes
    );
    assert_eq!(counterpart(PyModel::Asyncio, &free), Model::Async);
}

fn twin_row(interpreter: &Interpreter, model: PyModel, walls: &[f64], ok: bool) -> CpythonResult {
    CpythonResult {
        interpreter: interpreter.clone(),
        model,
        wall_s: summarize(walls).unwrap(),
        speedup: Some(0.5),
        request_ms: None,
        answer_ok: ok,
        problems: vec![],
    }
}

#[test]
fn one_python_report_sets_concur_beside_each_interpreter() {
    let p = params(1000, 3);
    let mut rep = report(
        &p,
        &[
            (Model::Sequential, &[100, 100, 100]),
            (Model::ThreadsGil, &[100, 100, 100]),
            (Model::ThreadsFree, &[50, 50, 50]),
            (Model::Async, &[100, 100, 100]),
        ],
        None,
    );
    let gil = interpreter(false, true);
    let free = interpreter(true, false);
    rep.cpython = vec![
        twin_row(&gil, PyModel::Sequential, &[0.4], true),
        twin_row(&gil, PyModel::Threading, &[0.4], true),
        twin_row(&free, PyModel::Threading, &[0.2], false),
        twin_row(&gil, PyModel::Multiprocessing, &[0.3], true),
    ];
    let cmp = concur_vs_cpython(&input("py.json", vec![rep])).unwrap();
    assert_eq!(cmp.kind, Kind::ConcurVsCpython);
    let pairs = row_labels(&cmp);
    assert_eq!(
        pairs,
        [
            (Some("sequential"), Some("CPython 3.13.1 sequential")),
            (Some("threads-gil"), Some("CPython 3.13.1 threading")),
            (
                Some("threads-free"),
                Some("CPython 3.13.1 (free-threaded) threading")
            ),
            (None, Some("CPython 3.13.1 multiprocessing")),
            (Some("async"), None),
        ]
    );
    assert!((cmp.rows[0].ratio.unwrap() - 4.0).abs() < 1e-9);
    assert!(cmp.rows[2].wrong && cmp.rows[2].ratio.is_none());
    assert_eq!(cmp.rows[1].b.as_ref().unwrap().speedup, Some(0.5));
    assert_eq!(
        cmp.sides[1].tool,
        "CPython 3.13.1, CPython 3.13.1 (free-threaded)"
    );
}

#[test]
fn one_report_without_cpython_rows_asks_for_a_second() {
    let p = params(1000, 3);
    let rep = report(&p, &[(Model::Sequential, &[100, 100, 100])], None);
    let err = concur_vs_cpython(&input("alone.json", vec![rep])).unwrap_err();
    assert!(err.contains("alone.json holds no CPython rows"), "{err}");
    assert!(err.contains("second report"), "{err}");
}
