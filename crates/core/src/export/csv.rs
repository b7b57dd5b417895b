//! The CSV export (`--export-csv`): a header, then one row per model
//! result of every report, concur's models first and then a `concur
//! python` report's CPython rows (their `source` names the interpreter).
//!
//! Quoting follows RFC 4180: a field with a comma, a double quote or a line
//! break is quoted, its quotes doubled; lines end in CRLF. Times are seconds
//! as plain decimal numbers with every digit Rust needs to read the same
//! `f64` back (never an exponent), so a spreadsheet's median equals the
//! JSON report's; a null (no stddev with one run, no speedup without
//! sequential, no interval under 3 runs) is an empty cell.

use crate::report::{ModelResult, Report};
use crate::stats::Summary;
use crate::twin::CpythonResult;
use std::borrow::Cow;

/// The columns, in order.
pub const HEADER: [&str; 16] = [
    "experiment",
    "source",
    "model",
    "workers",
    "runs",
    "mean_s",
    "stddev_s",
    "median_s",
    "min_s",
    "max_s",
    "speedup",
    "speedup_ci_low",
    "speedup_ci_high",
    "answer_ok",
    "request_ms",
    "cpu_util",
];

/// What the `source` column says for concur's own models.
pub const CONCUR: &str = "concur";

/// The CSV of `reports`: the header, then their rows in order.
pub fn render(reports: &[Report]) -> String {
    let mut out = line(HEADER.iter().map(|name| Cow::Borrowed(*name)));
    for report in reports {
        for result in &report.results {
            out.push_str(&line(concur_row(report, result)));
        }
        for result in &report.cpython {
            out.push_str(&line(cpython_row(report, result)));
        }
    }
    out
}

/// One field, quoted when RFC 4180 asks for it.
pub fn field(text: &str) -> Cow<'_, str> {
    if text.contains([',', '"', '\r', '\n']) {
        Cow::Owned(format!("\"{}\"", text.replace('"', "\"\"")))
    } else {
        Cow::Borrowed(text)
    }
}

/// A number as a plain decimal with full precision (Rust's shortest
/// representation that reads back the same); empty for null or a value
/// JSON cannot hold either (NaN, infinities).
pub fn number(value: Option<f64>) -> String {
    match value {
        Some(value) if value.is_finite() => format!("{value}"),
        _ => String::new(),
    }
}

fn line<'a>(fields: impl IntoIterator<Item = Cow<'a, str>>) -> String {
    let fields: Vec<String> = fields
        .into_iter()
        .map(|text| field(&text).into_owned())
        .collect();
    format!("{}\r\n", fields.join(","))
}

fn concur_row<'a>(report: &'a Report, result: &'a ModelResult) -> Vec<Cow<'a, str>> {
    let ci = result.speedup_ci.as_ref();
    let mut row = vec![
        Cow::Borrowed(report.experiment.as_str()),
        Cow::Borrowed(CONCUR),
        Cow::Borrowed(result.model.name()),
        Cow::Owned(result.workers.to_string()),
        Cow::Owned(report.params.runs().to_string()),
    ];
    row.extend(times(&result.wall_s, result.speedup));
    row.extend([
        Cow::Owned(number(ci.map(|ci| ci.low))),
        Cow::Owned(number(ci.map(|ci| ci.high))),
        Cow::Borrowed(if result.answer_ok { "true" } else { "false" }),
        Cow::Owned(number(result.request_ms)),
        Cow::Owned(number(result.cpu_util)),
    ]);
    row
}

/// A CPython row: the twin measures no worker count, interval or CPU use.
fn cpython_row<'a>(report: &'a Report, result: &'a CpythonResult) -> Vec<Cow<'a, str>> {
    let mut row = vec![
        Cow::Borrowed(report.experiment.as_str()),
        Cow::Owned(super::cpython_source(&result.interpreter)),
        Cow::Borrowed(result.model.name()),
        Cow::Borrowed(""),
        Cow::Owned(report.params.runs().to_string()),
    ];
    row.extend(times(&result.wall_s, result.speedup));
    row.extend([
        Cow::Borrowed(""),
        Cow::Borrowed(""),
        Cow::Borrowed(if result.answer_ok { "true" } else { "false" }),
        Cow::Owned(number(result.request_ms)),
        Cow::Borrowed(""),
    ]);
    row
}

/// mean_s, stddev_s, median_s, min_s, max_s and speedup.
fn times<'a>(wall_s: &Summary, speedup: Option<f64>) -> [Cow<'a, str>; 6] {
    [
        Some(wall_s.mean),
        wall_s.stddev,
        Some(wall_s.median),
        Some(wall_s.min),
        Some(wall_s.max),
        speedup,
    ]
    .map(|value| Cow::Owned(number(value)))
}

/// Reads back what [`render`] writes (RFC 4180: quoted fields, doubled
/// quotes, CRLF line ends) into rows of fields, the header first.
pub fn parse(text: &str) -> Result<Vec<Vec<String>>, String> {
    let (mut rows, mut row, mut field, mut quoted) = (vec![], vec![], String::new(), false);
    let mut chars = text.chars().peekable();
    while let Some(c) = chars.next() {
        match (c, quoted) {
            ('"', true) if chars.peek() == Some(&'"') => {
                field.push('"');
                chars.next();
            }
            ('"', _) => quoted = !quoted,
            (',', false) => row.push(std::mem::take(&mut field)),
            ('\r', false) => {}
            ('\n', false) => {
                row.push(std::mem::take(&mut field));
                rows.push(std::mem::take(&mut row));
            }
            (c, _) => field.push(c),
        }
    }
    if quoted || !field.is_empty() || !row.is_empty() {
        return Err("the CSV ends mid-row".to_string());
    }
    Ok(rows)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::export::fixtures::{cpu_report, with_cpython};

    #[test]
    fn quotes_only_what_needs_quoting() {
        assert_eq!(field("plain"), "plain");
        assert_eq!(field("a,b"), "\"a,b\"");
        assert_eq!(field("say \"hi\""), "\"say \"\"hi\"\"\"");
        assert_eq!(field("two\nlines"), "\"two\nlines\"");
        assert_eq!(field(""), "");
    }

    #[test]
    fn numbers_are_plain_decimals_that_read_back_exactly() {
        for value in [
            0.516_120_418,
            1e-7,
            4.897_201_298_028_663,
            1.0,
            12_345.678_9,
        ] {
            let text = number(Some(value));
            assert!(!text.contains('e'), "{text}");
            assert_eq!(text.parse::<f64>().unwrap().to_bits(), value.to_bits());
        }
        assert_eq!(number(None), "");
        assert_eq!(number(Some(f64::NAN)), "");
        assert_eq!(number(Some(1.0)), "1");
    }

    #[test]
    fn one_row_per_model_with_the_reports_figures() {
        let report = cpu_report();
        let rows = parse(&render(std::slice::from_ref(&report))).unwrap();
        assert_eq!(rows[0], HEADER);
        assert_eq!(rows.len(), 1 + report.results.len());
        for (row, result) in rows[1..].iter().zip(&report.results) {
            let col = |name: &str| row[HEADER.iter().position(|h| *h == name).unwrap()].as_str();
            assert_eq!(col("experiment"), "cpu-sqrt");
            assert_eq!(col("source"), "concur");
            assert_eq!(col("model"), result.model.name());
            assert_eq!(col("workers"), result.workers.to_string());
            assert_eq!(col("runs"), "3");
            assert_eq!(
                col("median_s").parse::<f64>().unwrap(),
                result.wall_s.median
            );
            assert_eq!(col("answer_ok"), result.answer_ok.to_string());
            match result.speedup_ci {
                Some(ci) => assert_eq!(col("speedup_ci_low").parse::<f64>().unwrap(), ci.low),
                None => assert_eq!(col("speedup_ci_low"), ""),
            }
            assert_eq!(col("speedup").parse::<f64>().ok(), result.speedup);
        }
        let wrong = &rows[1..].iter().find(|row| row[2] == "processes").unwrap();
        assert_eq!(wrong[13], "false");
        assert_eq!(rows[1][11], "", "sequential has no interval against itself");
        assert!(!rows[2][11].is_empty(), "3 runs each side give an interval");
    }

    #[test]
    fn cpython_rows_name_their_interpreter_and_leave_unmeasured_cells_empty() {
        let report = with_cpython(cpu_report());
        let text = render(&[report.clone(), cpu_report()]);
        let rows = parse(&text).unwrap();
        assert_eq!(
            rows.len(),
            1 + 2 * report.results.len() + report.cpython.len()
        );
        let cpython: Vec<&Vec<String>> = rows
            .iter()
            .filter(|row| row[1].starts_with("CPython"))
            .collect();
        assert_eq!(cpython.len(), report.cpython.len());
        assert_eq!(cpython[0][1], "CPython 3.11.7 (python3)");
        assert_eq!(cpython[0][2], "sequential");
        assert_eq!(cpython[1][2], "threading");
        assert_eq!(cpython[1][3], "", "the twin measures no worker count");
        assert_eq!(
            cpython[1][10].parse::<f64>().unwrap(),
            report.cpython[1].speedup.unwrap()
        );
        assert!(text.ends_with("\r\n"));
    }
}
