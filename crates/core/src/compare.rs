//! Two saved reports side by side, or one report's concur rows beside its
//! CPython rows: the pure part of `concur compare` (reading files and
//! printing are the runner's).
//!
//! Rows are matched by experiment and model. Each matched row carries both
//! sides' wall-time summaries as the files hold them, the ratio of the
//! medians B over A (none when either side's answer was wrong), whether
//! the two min … max ranges overlap (then the difference is within the
//! run-to-run spread), and each side's speedup over its own sequential.
//! Rows found on one side only are kept, with the other side empty.
//! Knobs that differ between paired reports become warnings: the work is
//! not the same. Every number comes from the reports; the only arithmetic
//! is the ratio and the overlap test.

use crate::model::Model;
use crate::params::{Params, group};
use crate::report::{Machine, ModelResult, Report};
use crate::stats::{MachineLoad, Summary};
use crate::twin::{CpythonResult, Interpreter, PyModel};
use serde::{Deserialize, Serialize};

/// What the ratio means, as the text header and the JSON state it.
pub const RATIO_MEANING: &str =
    "B/A is B's median time over A's: above 1 B took longer, below 1 B was faster";

/// What one file held: one report, or a document of several.
#[derive(Clone, Debug)]
pub struct Input {
    /// The file's path, as the user gave it.
    pub file: String,
    /// The `tool` of a `{"reports": [...]}` document; None for a bare report.
    pub document_tool: Option<String>,
    pub reports: Vec<Report>,
}

/// Which comparison this is.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Kind {
    /// Two files, row by row.
    TwoReports,
    /// One `concur python` report: concur's models (A) beside CPython's (B).
    ConcurVsCpython,
}

/// Other programs' CPU use during one report's runs.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct ReportLoad {
    pub experiment: String,
    pub load: MachineLoad,
}

/// One side of the comparison: where its numbers come from.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Side {
    /// "A" or "B".
    pub label: String,
    pub file: String,
    /// The reports' tool ("concur 0.1.0 (native)"), or the CPython
    /// interpreters for the CPython side.
    pub tool: String,
    pub document_tool: Option<String>,
    /// How many reports the side's rows come from.
    pub reports: usize,
    pub machine: Machine,
    /// Per report that measured it; empty where nobody did (the page, the
    /// CPython twins).
    pub machine_load: Vec<ReportLoad>,
}

/// One side of one row: a model's numbers from its report.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Cell {
    /// `threads-gil`, or `CPython 3.11.7 threading`.
    pub label: String,
    /// Null for CPython rows (the twin does not report them).
    pub workers: Option<u32>,
    pub wall_s: Summary,
    /// Against the same side's own sequential median.
    pub speedup: Option<f64>,
    pub answer_ok: bool,
}

/// One model of one experiment, on both sides (or on one).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Row {
    pub experiment: String,
    /// 1 for an experiment's first report on a side, 2 for its second...
    pub occurrence: usize,
    pub a: Option<Cell>,
    pub b: Option<Cell>,
    /// B's median over A's; null with a side missing or a wrong answer.
    pub ratio: Option<f64>,
    /// True when the two min … max ranges overlap: the difference is
    /// within the run-to-run spread. Null with a side missing.
    pub overlap: Option<bool>,
    /// Either side's answer was wrong.
    pub wrong: bool,
}

/// The whole comparison, as `concur compare --json` prints it.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Comparison {
    pub kind: Kind,
    pub ratio_meaning: String,
    pub sides: Vec<Side>,
    pub rows: Vec<Row>,
    pub warnings: Vec<String>,
}

/// "CPython 3.13.1 (free-threaded)", as the result table labels it.
pub fn interpreter_label(interpreter: &Interpreter) -> String {
    let free = match (interpreter.free_threaded, interpreter.gil_enabled) {
        (true, true) => " (free-threaded build, GIL on)",
        (true, false) => " (free-threaded)",
        (false, _) => "",
    };
    format!("{}{free}", interpreter.name)
}

/// The concur model a CPython model is the twin of. Threads map by what
/// the interpreter ran with: the GIL on (a default build, or a
/// free-threaded build that turned it back on) is threads-gil, off is
/// threads-free.
pub fn counterpart(model: PyModel, interpreter: &Interpreter) -> Model {
    match model {
        PyModel::Sequential => Model::Sequential,
        PyModel::Threading if interpreter.gil_enabled => Model::ThreadsGil,
        PyModel::Threading => Model::ThreadsFree,
        PyModel::Multiprocessing => Model::Processes,
        PyModel::Asyncio => Model::Async,
    }
}

fn concur_cell(result: &ModelResult) -> Cell {
    Cell {
        label: result.model.name().to_string(),
        workers: Some(result.workers),
        wall_s: result.wall_s,
        speedup: result.speedup,
        answer_ok: result.answer_ok,
    }
}

fn cpython_cell(result: &CpythonResult) -> Cell {
    Cell {
        label: format!(
            "{} {}",
            interpreter_label(&result.interpreter),
            result.model.name()
        ),
        workers: None,
        wall_s: result.wall_s,
        speedup: result.speedup,
        answer_ok: result.answer_ok,
    }
}

/// Every row a report holds: concur's models, then CPython's.
fn cells(report: &Report) -> Vec<Cell> {
    report
        .results
        .iter()
        .map(concur_cell)
        .chain(report.cpython.iter().map(cpython_cell))
        .collect()
}

/// True when the closed ranges `a` and `b` (min … max) share a point.
pub fn ranges_overlap(a: &Summary, b: &Summary) -> bool {
    a.min <= b.max && b.min <= a.max
}

/// A row from what each side has; the ratio only where both answers
/// were right.
pub fn row(experiment: &str, occurrence: usize, a: Option<Cell>, b: Option<Cell>) -> Row {
    let wrong = [&a, &b].into_iter().flatten().any(|cell| !cell.answer_ok);
    let (ratio, overlap) = match (&a, &b) {
        (Some(a), Some(b)) => (
            (!wrong && a.wall_s.median > 0.0).then(|| b.wall_s.median / a.wall_s.median),
            Some(ranges_overlap(&a.wall_s, &b.wall_s)),
        ),
        _ => (None, None),
    };
    Row {
        experiment: experiment.to_string(),
        occurrence,
        a,
        b,
        ratio,
        overlap,
        wrong,
    }
}

/// Pairs two lists of cells by label: A's order first, then B's leftovers.
pub fn match_cells(experiment: &str, occurrence: usize, a: Vec<Cell>, b: Vec<Cell>) -> Vec<Row> {
    let mut b: Vec<Option<Cell>> = b.into_iter().map(Some).collect();
    let mut rows: Vec<Row> = a
        .into_iter()
        .map(|cell| {
            let partner = b
                .iter_mut()
                .find(|other| {
                    other
                        .as_ref()
                        .is_some_and(|other| other.label == cell.label)
                })
                .and_then(Option::take);
            row(experiment, occurrence, Some(cell), partner)
        })
        .collect();
    rows.extend(
        b.into_iter()
            .flatten()
            .map(|cell| row(experiment, occurrence, None, Some(cell))),
    );
    rows
}

/// One warning line per knob that differs between two reports' params.
pub fn param_differences(a: &Params, b: &Params) -> Vec<String> {
    const WORK: &str = "the work is not the same";
    const MEASURED: &str = "the medians and min … max come from different numbers of runs";
    let on_off = |on: bool| if on { "on" } else { "off" }.to_string();
    let target = |t: Option<&str>| t.unwrap_or("the built-in server").to_string();
    let knobs: [(&str, String, String, &str); 9] = [
        (
            "--tasks",
            a.tasks().to_string(),
            b.tasks().to_string(),
            WORK,
        ),
        ("--n", group(a.n()), group(b.n()), WORK),
        (
            "--delay-ms",
            a.delay_ms().to_string(),
            b.delay_ms().to_string(),
            WORK,
        ),
        (
            "--workers",
            a.workers().to_string(),
            b.workers().to_string(),
            WORK,
        ),
        (
            "--gil-switch-ms",
            a.gil_switch_ms().to_string(),
            b.gil_switch_ms().to_string(),
            WORK,
        ),
        (
            "--keep-alive",
            on_off(a.keep_alive()),
            on_off(b.keep_alive()),
            WORK,
        ),
        ("--target", target(a.target()), target(b.target()), WORK),
        (
            "--runs",
            a.runs().to_string(),
            b.runs().to_string(),
            MEASURED,
        ),
        (
            "--warmup",
            a.warmup().to_string(),
            b.warmup().to_string(),
            "one side's first measured runs may be colder",
        ),
    ];
    knobs
        .into_iter()
        .filter(|(_, a, b, _)| a != b)
        .map(|(knob, a, b, why)| format!("{knob} is {a} in A and {b} in B: {why}"))
        .collect()
}

/// How many reports before `idx` in `reports` are of the same experiment, plus one.
fn occurrence(reports: &[Report], idx: usize) -> usize {
    reports[..idx]
        .iter()
        .filter(|report| report.experiment == reports[idx].experiment)
        .count()
        + 1
}

fn loads(reports: &[Report]) -> Vec<ReportLoad> {
    reports
        .iter()
        .filter_map(|report| {
            Some(ReportLoad {
                experiment: report.experiment.clone(),
                load: report.machine_load.clone()?,
            })
        })
        .collect()
}

fn side(label: &str, input: &Input) -> Side {
    let first = input
        .reports
        .first()
        .expect("an input holds at least one report");
    Side {
        label: label.to_string(),
        file: input.file.clone(),
        tool: first.tool.clone(),
        document_tool: input.document_tool.clone(),
        reports: input.reports.len(),
        machine: first.machine.clone(),
        machine_load: loads(&input.reports),
    }
}

/// Warnings a side's reports carry about the machine: other programs busy,
/// reports of one file made on different machines.
fn side_warnings(label: &str, input: &Input) -> Vec<String> {
    let mut warnings: Vec<String> = input
        .reports
        .iter()
        .filter_map(|report| {
            let warning = report.machine_load.as_ref()?.warning()?;
            Some(format!("{label} ({}): {warning}", report.experiment))
        })
        .collect();
    let first = &input.reports[0].machine;
    if input.reports.iter().any(|report| report.machine != *first) {
        warnings.push(format!(
            "{label}: the reports in {} were made on different machines; the header shows the first's",
            input.file
        ));
    }
    warnings
}

/// Two files, row by row: reports paired by experiment (the first report
/// of an experiment in A with the first in B, and so on), models by name.
pub fn two_reports(a: &Input, b: &Input) -> Comparison {
    let mut rows = Vec::new();
    let mut warnings = side_warnings("A", a);
    warnings.extend(side_warnings("B", b));
    let mut b_used = vec![false; b.reports.len()];
    for (idx, report) in a.reports.iter().enumerate() {
        let nth = occurrence(&a.reports, idx);
        let partner = (0..b.reports.len()).find(|&j| {
            b.reports[j].experiment == report.experiment && occurrence(&b.reports, j) == nth
        });
        let Some(j) = partner else {
            rows.extend(match_cells(&report.experiment, nth, cells(report), vec![]));
            continue;
        };
        b_used[j] = true;
        let other = &b.reports[j];
        let id = &report.experiment;
        warnings.extend(
            param_differences(&report.params, &other.params)
                .into_iter()
                .map(|line| format!("{id}: {line}")),
        );
        for (label, params) in [("A", &report.params), ("B", &other.params)] {
            if params.runs() == 1 {
                warnings.push(format!(
                    "{id}: {label} has 1 run per model, so its min … max is that one run and shows no spread; use --runs 3 or more before reading a difference"
                ));
            }
        }
        rows.extend(match_cells(id, nth, cells(report), cells(other)));
    }
    for (j, report) in b.reports.iter().enumerate() {
        if !b_used[j] {
            let nth = occurrence(&b.reports, j);
            rows.extend(match_cells(&report.experiment, nth, vec![], cells(report)));
        }
    }
    Comparison {
        kind: Kind::TwoReports,
        ratio_meaning: RATIO_MEANING.to_string(),
        sides: vec![side("A", a), side("B", b)],
        rows,
        warnings,
    }
}

/// One file's concur rows (A) beside its CPython rows (B); an error that
/// says a second report is needed when the file holds no CPython rows.
pub fn concur_vs_cpython(input: &Input) -> Result<Comparison, String> {
    let with_twins: Vec<&Report> = input
        .reports
        .iter()
        .filter(|report| !report.cpython.is_empty())
        .collect();
    let Some(first) = with_twins.first() else {
        return Err(format!(
            "{} holds no CPython rows, so there is nothing to compare it with: give a second report (concur compare A.json B.json), or compare a `concur python EXPERIMENT --json` report alone",
            input.file
        ));
    };
    let mut warnings = side_warnings("A", input);
    let mut rows = Vec::new();
    let mut interpreters: Vec<String> = Vec::new();
    for (idx, report) in input.reports.iter().enumerate() {
        let id = &report.experiment;
        if report.cpython.is_empty() {
            warnings.push(format!("{id}: no CPython rows in this report; left out"));
            continue;
        }
        let nth = occurrence(&input.reports, idx);
        let mut used = vec![false; report.results.len()];
        for twin in &report.cpython {
            let name = interpreter_label(&twin.interpreter);
            if !interpreters.contains(&name) {
                interpreters.push(name);
            }
            let model = counterpart(twin.model, &twin.interpreter);
            let ours = report.results.iter().position(|r| r.model == model);
            if let Some(pos) = ours {
                used[pos] = true;
            }
            let a = ours.map(|pos| concur_cell(&report.results[pos]));
            rows.push(row(id, nth, a, Some(cpython_cell(twin))));
        }
        for (pos, result) in report.results.iter().enumerate() {
            if !used[pos] {
                rows.push(row(id, nth, Some(concur_cell(result)), None));
            }
        }
        if report.params.runs() == 1 {
            warnings.push(format!(
                "{id}: 1 run per model on both sides, so min … max is that one run and shows no spread; use --runs 3 or more before reading a difference"
            ));
        }
    }
    let a = side("A", input);
    let b = Side {
        label: "B".to_string(),
        tool: interpreters.join(", "),
        machine: first.machine.clone(),
        machine_load: Vec::new(),
        reports: with_twins.len(),
        ..a.clone()
    };
    Ok(Comparison {
        kind: Kind::ConcurVsCpython,
        ratio_meaning: RATIO_MEANING.to_string(),
        sides: vec![a, b],
        rows,
        warnings,
    })
}

#[cfg(test)]
#[path = "compare_tests.rs"]
mod tests;
