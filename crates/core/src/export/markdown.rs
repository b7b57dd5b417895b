//! The Markdown export (`--export-markdown`), after hyperfine's: one table
//! per report, headed by the experiment's id and its work, with a row per
//! model (then a `concur python` report's CPython rows, named by their
//! interpreter):
//!
//! `| Model | Workers | Mean ± σ [ms] | Min … Max [ms] | Median [ms] | Speedup (95% CI) | Answer |`
//!
//! Cells hold measurements only (no verdicts beyond whether the answer was
//! right); a null is `–`, and a `|` inside a cell is escaped so it cannot
//! split the row. The report's warnings (outlier runs, a busy machine)
//! follow the table as `> warning: …` lines, so a shared table keeps them.

use crate::report::{ModelResult, Report};
use crate::stats::Summary;
use crate::twin::CpythonResult;

/// What a null cell shows.
pub const NULL: &str = "–";

/// The header row and the alignment row every table starts with.
pub const HEADER: &str = "| Model | Workers | Mean ± σ [ms] | Min … Max [ms] | Median [ms] | Speedup (95% CI) | Answer |\n|:---|---:|---:|---:|---:|---:|:---|\n";

/// One table per report, in order, separated by a blank line.
pub fn render(reports: &[Report]) -> String {
    reports.iter().map(table).collect::<Vec<_>>().join("\n")
}

/// One report's heading, a line on how it was measured, and its table.
pub fn table(report: &Report) -> String {
    let runs = report.params.runs();
    let mut out = format!(
        "## {}: {}\n\n{} run{} per model after {} warm-up; {} cores ({}), {}\n\n{HEADER}",
        cell(&report.experiment),
        cell(&super::work_of(report)),
        runs,
        if runs == 1 { "" } else { "s" },
        report.params.warmup(),
        report.machine.logical_cores,
        cell(&report.machine.cpu_model),
        cell(&report.machine.os),
    );
    for result in &report.results {
        out.push_str(&concur_row(result));
    }
    for result in &report.cpython {
        out.push_str(&cpython_row(result));
    }
    // What the table alone would hide: outliers, a busy machine, a model
    // that could not run here.
    if !report.warnings.is_empty() {
        out.push('\n');
        for warning in &report.warnings {
            out.push_str(&format!("> warning: {}\n", warning.replace('\n', " ")));
        }
    }
    out
}

/// Milliseconds with about four significant digits (`1234.5`, `105.6`,
/// `12.34`, `1.234`, `0.1234`); a value JSON cannot hold is `–`.
pub fn ms(seconds: f64) -> String {
    ms_to(seconds, decimals(seconds))
}

/// How many decimals [`ms`] gives `seconds`.
fn decimals(seconds: f64) -> usize {
    match (seconds * 1000.0).abs() {
        x if x >= 100.0 => 1,
        x if x >= 10.0 => 2,
        x if x >= 1.0 => 3,
        _ => 4,
    }
}

/// Milliseconds with a given number of decimals (σ takes its mean's).
fn ms_to(seconds: f64, decimals: usize) -> String {
    let ms = seconds * 1000.0;
    if ms.is_finite() {
        format!("{ms:.decimals$}")
    } else {
        NULL.to_string()
    }
}

/// A cell's text with `|` escaped and line breaks flattened.
pub fn cell(text: &str) -> String {
    text.replace('|', "\\|").replace(['\r', '\n'], " ")
}

fn row(cells: [String; 7]) -> String {
    format!("| {} |\n", cells.join(" | "))
}

/// The three time cells: mean ± σ, min … max, median.
fn times(wall: &Summary) -> [String; 3] {
    [
        format!(
            "{} ± {}",
            ms(wall.mean),
            wall.stddev
                .map_or(NULL.to_string(), |sd| ms_to(sd, decimals(wall.mean)))
        ),
        format!("{} … {}", ms(wall.min), ms(wall.max)),
        ms(wall.median),
    ]
}

fn speedup(value: Option<f64>, interval: Option<(f64, f64)>) -> String {
    match (value, interval) {
        (Some(value), Some((low, high))) => format!("{value:.2} ({low:.2}–{high:.2})"),
        (Some(value), None) => format!("{value:.2}"),
        (None, _) => NULL.to_string(),
    }
}

fn answer(ok: bool, answer: &str, problems: &[String]) -> String {
    if ok {
        cell(&format!("ok ({answer})"))
    } else {
        cell(&format!(
            "WRONG: {}",
            problems.first().map_or(answer, String::as_str)
        ))
    }
}

fn concur_row(result: &ModelResult) -> String {
    let [mean, range, median] = times(&result.wall_s);
    row([
        result.model.name().to_string(),
        result.workers.to_string(),
        mean,
        range,
        median,
        speedup(
            result.speedup,
            result.speedup_ci.map(|ci| (ci.low, ci.high)),
        ),
        answer(result.answer_ok, &result.answer, &result.problems),
    ])
}

fn cpython_row(result: &CpythonResult) -> String {
    let [mean, range, median] = times(&result.wall_s);
    row([
        cell(&format!(
            "{} {}",
            super::cpython_source(&result.interpreter),
            result.model.name()
        )),
        NULL.to_string(),
        mean,
        range,
        median,
        speedup(result.speedup, None),
        answer(result.answer_ok, "same as concur's", &result.problems),
    ])
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::export::fixtures::{cpu_report, with_cpython};

    /// The cells of a table row, `\|` kept inside its cell.
    fn cells(line: &str) -> Vec<String> {
        let inner = line.trim().trim_start_matches('|').trim_end_matches('|');
        let mut cells = vec![String::new()];
        let mut chars = inner.chars().peekable();
        while let Some(c) = chars.next() {
            match c {
                '\\' if chars.peek() == Some(&'|') => {
                    cells.last_mut().unwrap().push('|');
                    chars.next();
                }
                '|' => cells.push(String::new()),
                c => cells.last_mut().unwrap().push(c),
            }
        }
        cells.iter().map(|c| c.trim().to_string()).collect()
    }

    #[test]
    fn one_table_with_a_row_per_model_and_the_medians() {
        let report = cpu_report();
        let text = render(std::slice::from_ref(&report));
        assert!(
            text.starts_with("## cpu-sqrt: 2 tasks, 1,000 iterations per task\n"),
            "{text}"
        );
        assert!(
            text.contains("3 runs per model after 1 warm-up; 2 cores (test-cpu), test-os"),
            "{text}"
        );
        let rows: Vec<Vec<String>> = text
            .lines()
            .filter(|line| line.starts_with("| ") && !line.starts_with("| Model"))
            .map(cells)
            .collect();
        assert_eq!(rows.len(), report.results.len());
        for (row, result) in rows.iter().zip(&report.results) {
            assert_eq!(row.len(), 7, "{row:?}");
            assert_eq!(row[0], result.model.name());
            assert_eq!(row[1], result.workers.to_string());
            assert_eq!(row[4], ms(result.wall_s.median));
        }
        assert_eq!(rows[0][2], "205.1 ± 5.0");
        assert_eq!(rows[0][3], "200.1 … 210.1");
        assert_eq!(rows[0][5], "1.00", "sequential has no interval");
        assert!(rows[1][5].starts_with("2.03 ("), "{:?}", rows[1]);
        assert!(rows[2][6].starts_with("WRONG: "), "{:?}", rows[2]);
        assert!(rows[0][6].starts_with("ok ("), "{:?}", rows[0]);
    }

    #[test]
    fn the_warnings_follow_the_table_and_only_when_there_are_some() {
        let mut report = cpu_report();
        report.warnings.clear();
        assert!(!table(&report).contains("warning"), "{}", table(&report));
        report.warnings = vec!["threads-gil: 1 of 3 runs are outliers".into()];
        let text = table(&report);
        let last = text.lines().last().unwrap();
        assert_eq!(last, "> warning: threads-gil: 1 of 3 runs are outliers");
    }

    #[test]
    fn pipes_are_escaped_nulls_are_dashes_and_cpython_rows_are_labelled() {
        let mut report = with_cpython(cpu_report());
        report.results[2].problems = vec!["a | b\nc".into()];
        report.results[0].wall_s.stddev = None;
        report.results[1].speedup = None;
        let text = render(&[report.clone(), cpu_report()]);
        assert_eq!(text.matches("## cpu-sqrt").count(), 2);
        assert_eq!(text.matches(HEADER).count(), 2);
        let line = |model: &str| {
            cells(
                text.lines()
                    .find(|line| line.starts_with(&format!("| {model} ")))
                    .unwrap(),
            )
        };
        assert_eq!(line("processes")[6], "WRONG: a | b c");
        assert!(text.contains("WRONG: a \\| b c"), "{text}");
        assert!(line("sequential")[2].ends_with("± –"));
        assert_eq!(line("threads-free")[5], NULL);
        let threading = line("CPython 3.11.7 (python3) threading");
        assert_eq!(threading[1], NULL);
        assert_eq!(threading[4], "1550.0");
        assert_eq!(threading[5], "0.97");
        assert_eq!(threading[6], "ok (same as concur's)");
    }

    #[test]
    fn milliseconds_keep_about_four_digits() {
        assert_eq!(ms(1.2345), "1234.5");
        assert_eq!(ms(0.012_345), "12.35");
        assert_eq!(ms(0.001_234_5), "1.234");
        assert_eq!(ms(0.000_123_46), "0.1235");
        assert_eq!(ms(f64::NAN), NULL);
    }
}
