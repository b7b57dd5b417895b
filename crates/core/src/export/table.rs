//! The result table as plain text, the way the CLI prints it. A report
//! with a Python twin's results (`concur python`) gets CPython's rows in
//! the same table, then a line per model pairing the speedups.
//!
//! The main table has hyperfine's figures per model (median, mean ± σ,
//! min … max, all in one unit per row) and each speedup with its 95%
//! bootstrap interval; notes below it say when there is no interval, what
//! other programs did to the machine, and every warning.

use crate::report::{ModelResult, Report};
use crate::stats::{Interval, MIN_RUNS, RESAMPLES, Summary};
use crate::twin::{CpythonResult, PyModel};

/// Seconds for people: "12.3 s", "1.23 s" or "45.6 ms".
pub fn duration(seconds: f64) -> String {
    if seconds >= 10.0 {
        format!("{seconds:.1} s")
    } else if seconds >= 1.0 {
        format!("{seconds:.2} s")
    } else {
        format!("{:.1} ms", seconds * 1000.0)
    }
}

/// One row's unit: seconds from 1 s up, milliseconds below, with the
/// decimals that keep about four significant digits.
struct Unit {
    per_second: f64,
    name: &'static str,
    decimals: usize,
}

impl Unit {
    fn for_seconds(seconds: f64) -> Unit {
        let (per_second, name) = if seconds >= 1.0 {
            (1.0, "s")
        } else {
            (1000.0, "ms")
        };
        let scaled = seconds * per_second;
        let decimals = match scaled {
            x if x >= 100.0 => 1,
            x if x >= 10.0 => 2,
            _ if name == "ms" => 2,
            _ => 3,
        };
        Unit {
            per_second,
            name,
            decimals,
        }
    }

    fn number(&self, seconds: f64) -> String {
        format!("{:.*}", self.decimals, seconds * self.per_second)
    }
}

/// Median, "mean ± σ" and "min … max", in the unit of the median (the
/// page's result table shows the same).
pub fn times(wall: &Summary) -> [String; 3] {
    let unit = Unit::for_seconds(wall.median);
    let mean = match wall.stddev {
        Some(sd) => format!("{} ± {}", unit.number(wall.mean), unit.number(sd)),
        None => unit.number(wall.mean),
    };
    [
        format!("{} {}", unit.number(wall.median), unit.name),
        format!("{mean} {}", unit.name),
        format!(
            "{} … {} {}",
            unit.number(wall.min),
            unit.number(wall.max),
            unit.name
        ),
    ]
}

/// "1.91–2.03", or "-" without an interval.
pub fn interval(ci: Option<&Interval>) -> String {
    ci.map_or_else(
        || "-".to_string(),
        |ci| format!("{:.2}–{:.2}", ci.low, ci.high),
    )
}

/// "1.95x", or "-" without a sequential run to compare with.
fn speedup_cell(speedup: Option<f64>) -> String {
    speedup.map_or_else(|| "-".to_string(), |s| format!("{s:.2}x"))
}

/// The per-request column: empty where no model made requests.
fn request_cell(request_ms: Option<f64>, requests: bool) -> String {
    match (requests, request_ms) {
        (false, _) => String::new(),
        (true, Some(ms)) => format!("{ms:.2} ms"),
        (true, None) => "-".to_string(),
    }
}

fn row(result: &ModelResult, requests: bool) -> Vec<String> {
    let model = match result.gil_switch_ms {
        Some(ms) if ms != 5.0 => format!("{} ({ms} ms)", result.model.name()),
        _ => result.model.name().to_string(),
    };
    let [median, mean, range] = times(&result.wall_s);
    vec![
        model,
        result.workers.to_string(),
        median,
        mean,
        range,
        speedup_cell(result.speedup),
        interval(result.speedup_ci.as_ref()),
        result
            .cpu_util
            .map_or_else(|| "-".to_string(), |util| format!("{:.0}%", util * 100.0)),
        request_cell(result.request_ms, requests),
        if result.answer_ok {
            format!("ok   {}", result.answer)
        } else {
            format!("WRONG {}", result.answer)
        },
    ]
}

/// A CPython row: the interpreter and model, no worker count or CPU use
/// (the twin does not measure them).
fn cpython_row(result: &CpythonResult, requests: bool) -> Vec<String> {
    let free = if result.interpreter.free_threaded {
        if result.interpreter.gil_enabled {
            " (free-threaded build, GIL on)"
        } else {
            " (free-threaded)"
        }
    } else {
        ""
    };
    let [median, mean, range] = times(&result.wall_s);
    vec![
        format!("{}{free} {}", result.interpreter.name, result.model.name()),
        "-".into(),
        median,
        mean,
        range,
        speedup_cell(result.speedup),
        "-".into(),
        "-".into(),
        request_cell(result.request_ms, requests),
        if result.answer_ok {
            "ok   same as concur's".to_string()
        } else {
            "WRONG".to_string()
        },
    ]
}

/// Which of concur's models a CPython model is the twin of.
fn counterparts(model: PyModel) -> &'static [crate::model::Model] {
    use crate::model::Model;
    match model {
        PyModel::Sequential => &[Model::Sequential],
        PyModel::Threading => &[Model::ThreadsGil, Model::ThreadsFree],
        PyModel::Multiprocessing => &[Model::Processes],
        PyModel::Asyncio => &[Model::Async],
    }
}

/// One line per CPython model: its speedup beside its counterparts'.
fn side_by_side(report: &Report) -> String {
    let mut out = String::new();
    for result in report
        .cpython
        .iter()
        .filter(|r| r.model != PyModel::Sequential)
    {
        let Some(speedup) = result.speedup else {
            continue;
        };
        let theirs: Vec<String> = counterparts(result.model)
            .iter()
            .filter_map(|model| {
                let ours = report.results.iter().find(|r| r.model == *model)?;
                Some(format!("{} {:.2}x", model.name(), ours.speedup?))
            })
            .collect();
        if theirs.is_empty() {
            continue;
        }
        out.push_str(&format!(
            "  {} {}: {speedup:.2}x its sequential; concur {}\n",
            result.interpreter.name,
            result.model.name(),
            theirs.join(", ")
        ));
    }
    if out.is_empty() {
        out
    } else {
        format!(
            "\nSpeedups side by side (each against its own sequential run; CPython's times are the twin's own time.perf_counter readings):\n{out}"
        )
    }
}

/// Percent for people: "48%".
fn percent(share: f64) -> String {
    format!("{:.0}%", share * 100.0)
}

/// The GIL in numbers under the GIL model, as gil_load or py-spy put it.
fn gil_lines(report: &Report) -> String {
    let mut out = String::new();
    for result in &report.results {
        let Some(stats) = &result.gil_stats else {
            continue;
        };
        out.push_str(&format!(
            "\nThe GIL ({}, median run): held {} of the run, changed hands {} times\n",
            result.model.name(),
            percent(stats.held_share),
            stats.handovers
        ));
        for lane in &stats.lanes {
            out.push_str(&format!(
                "  {}: held it {}, waited for it {}, took it {} times\n",
                lane.name,
                percent(lane.held_share),
                percent(lane.wait_share),
                lane.takes
            ));
        }
    }
    out
}

/// Each model's latency distribution: p50, p95 and max per request.
fn latency_lines(report: &Report) -> String {
    let rows: Vec<String> = report
        .results
        .iter()
        .filter_map(|result| {
            let latency = result.latency.as_ref()?;
            Some(format!(
                "  {:<13} {:>9} {:>9} {:>9}  ({} requests)\n",
                result.model.name(),
                format!("{:.2}", latency.p50_ms),
                format!("{:.2}", latency.p95_ms),
                format!("{:.2}", latency.max_ms),
                latency.count
            ))
        })
        .collect();
    if rows.is_empty() {
        return String::new();
    }
    format!(
        "\nLatency per request, median run (ms):\n  {:<13} {:>9} {:>9} {:>9}\n{}",
        "model",
        "p50",
        "p95",
        "max",
        rows.concat()
    )
}

/// The column of the time per request, left out where there were no requests.
const PER_REQUEST: usize = 8;

/// How the intervals were made, or why there are none; what other
/// programs did to the machine.
fn statistics_notes(report: &Report) -> String {
    let mut out = String::new();
    let compared = || {
        report
            .results
            .iter()
            .filter(|r| r.model != crate::model::Model::Sequential && r.speedup.is_some())
    };
    if compared().any(|r| r.speedup_ci.is_some()) {
        out.push_str(&format!(
            "95% CI: percentile bootstrap over the runs, ratio of medians, {RESAMPLES} resamples\n"
        ));
    } else if compared().next().is_some() && (report.params.runs() as usize) < MIN_RUNS {
        let runs = report.params.runs();
        out.push_str(&format!(
            "note: no speedup intervals: they need at least {MIN_RUNS} runs per model (this ran {runs}); try --runs 5\n"
        ));
    }
    if let Some(load) = &report.machine_load {
        out.push_str(&load.line());
        out.push('\n');
    }
    out
}

/// Rows of cells as text columns two spaces apart, each as wide as its
/// widest cell; the columns `right` picks align right (numbers), the others
/// left. Each line ends in a newline, without trailing spaces.
pub fn aligned(rows: &[Vec<String>], right: impl Fn(usize) -> bool) -> String {
    let columns = rows.iter().map(Vec::len).max().unwrap_or(0);
    let widths: Vec<usize> = (0..columns)
        .map(|col| {
            rows.iter()
                .filter_map(|row| row.get(col))
                .map(|cell| cell.chars().count())
                .max()
                .unwrap_or(0)
        })
        .collect();
    let mut out = String::new();
    for row in rows {
        let cells: Vec<String> = row
            .iter()
            .enumerate()
            .map(|(col, cell)| {
                let pad = " ".repeat(widths[col] - cell.chars().count());
                if right(col) {
                    format!("{pad}{cell}")
                } else {
                    format!("{cell}{pad}")
                }
            })
            .collect();
        out.push_str(cells.join("  ").trim_end());
        out.push('\n');
    }
    out
}

/// Renders the table, then any problems, warnings and the explanation.
pub fn render(report: &Report) -> String {
    // The per-request column shows only where there were requests.
    let requests = report.results.iter().any(|r| r.request_ms.is_some())
        || report.cpython.iter().any(|r| r.request_ms.is_some());
    let header: Vec<String> = [
        "model",
        "workers",
        "median",
        "mean ± σ",
        "min … max",
        "speedup",
        "95% CI",
        "cpu",
        if requests { "per request" } else { "" },
        "answer",
    ]
    .map(String::from)
    .to_vec();
    let rows: Vec<Vec<String>> = std::iter::once(header)
        .chain(report.results.iter().map(|r| row(r, requests)))
        .chain(report.cpython.iter().map(|r| cpython_row(r, requests)))
        .map(|mut cells| {
            if !requests {
                cells.remove(PER_REQUEST);
            }
            cells
        })
        .collect();
    let numeric = if requests {
        1..=PER_REQUEST
    } else {
        1..=PER_REQUEST - 1
    };
    // Numbers align right, words left.
    let mut out = aligned(&rows, |col| numeric.contains(&col));
    for line in report.results.iter().flat_map(|r| r.problem_lines()) {
        out.push_str(&line);
        out.push('\n');
    }
    for result in &report.cpython {
        for problem in &result.problems {
            out.push_str(&format!(
                "{} {}: {problem}\n",
                result.interpreter.name,
                result.model.name()
            ));
        }
    }
    out.push_str(&statistics_notes(report));
    out.push_str(&side_by_side(report));
    out.push_str(&gil_lines(report));
    out.push_str(&latency_lines(report));
    for warning in &report.warnings {
        out.push_str(&format!("warning: {warning}\n"));
    }
    out.push_str(&format!("\nWhy: {}\n", report.explanation));
    if !report.claims.is_empty() {
        out.push_str("\nThe tutorial's claims on this machine:\n");
        for claim in &report.claims {
            let verdict = claim.verdict();
            out.push_str(&format!(
                "  {verdict:<13} {} (tutorial: {}; here: {})\n",
                claim.claim, claim.tutorial, claim.measured
            ));
        }
    }
    out
}
