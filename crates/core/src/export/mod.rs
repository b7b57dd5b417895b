//! Views of runs for machines and terminals: one file per format.
//!
//! - JSON: [`crate::report::Report::to_json`] (`--json`, and
//!   `--export-json` of `concur run` and `concur python`), and
//!   [`crate::report::Reports::to_json`] for a command that measured
//!   several reports (`concur tour`, `concur bench`).
//! - [`chrome`]: the Chrome trace (`--trace`).
//! - [`table`]: the plain-text table the CLI prints.
//! - [`csv`]: one RFC 4180 row per model result (`--export-csv`).
//! - [`markdown`]: one table per report, as hyperfine's
//!   `--export-markdown` writes them.
//!
//! CSV and Markdown are pure functions of reports, so the page can offer
//! the same files. Both carry a `concur python` report's CPython rows,
//! labelled with the interpreter ([`cpython_source`]). [`work`] says in
//! words what a run did, for the table's headline and Markdown's heading.

pub mod chrome;
pub mod csv;
pub mod markdown;
pub mod table;

#[cfg(test)]
mod fixtures;

use crate::experiment::{Experiment, find};
use crate::params::{Params, group};
use crate::report::Report;
use crate::twin::Interpreter;

/// Where a CPython row comes from, for people: `CPython 3.11.7 (python3)`,
/// `CPython 3.13.1 free-threaded (python3.13t)`.
pub fn cpython_source(interpreter: &Interpreter) -> String {
    let build = match (interpreter.free_threaded, interpreter.gil_enabled) {
        (false, _) => "",
        (true, false) => " free-threaded",
        (true, true) => " free-threaded, GIL on",
    };
    format!("{}{build} ({})", interpreter.name, interpreter.command)
}

/// What an experiment's run did, in words: "4 tasks, 5,000,000
/// iterations per task", "5 tasks, 100 ms delay on the built-in server".
pub fn work(experiment: &Experiment, params: &Params) -> String {
    let work = match (params.target(), experiment.n_means) {
        (Some(url), _) => format!("{} tasks against {url}", params.tasks()),
        (None, Some(n_means)) => format!(
            "{} {}, {} {n_means}",
            params.tasks(),
            experiment.tasks_means.unwrap_or("tasks"),
            group(params.n())
        ),
        (None, None) => format!(
            "{} tasks, {} ms delay on the built-in server",
            params.tasks(),
            params.delay_ms()
        ),
    };
    if params.keep_alive() {
        format!("{work}, connections kept alive")
    } else {
        work
    }
}

/// [`work`] for a report; an experiment this build does not know (an
/// imported report) is described by its task count alone.
pub fn work_of(report: &Report) -> String {
    match find(&report.experiment) {
        Some(experiment) => work(&experiment, &report.params),
        None => format!("{} tasks", report.params.tasks()),
    }
}

#[cfg(test)]
mod tests {
    use super::fixtures::{cpu_report, with_cpython};
    use crate::report::Reports;

    #[test]
    fn the_reports_document_has_exactly_its_three_keys_and_round_trips() {
        let doc = Reports::new("test", vec![cpu_report(), with_cpython(cpu_report())]);
        let json = doc.to_json();
        let value: serde_json::Value = serde_json::from_str(&json).unwrap();
        let keys: Vec<&String> = value.as_object().unwrap().keys().collect();
        assert_eq!(keys, ["reports", "schema_version", "tool"]);
        assert_eq!(value["schema_version"], 1);
        assert_eq!(value["reports"][1]["cpython"][0]["model"], "sequential");
        // serde_json's default parser may miss a float's last bit, so
        // compare what survives any parser.
        let back = Reports::from_json(&json).unwrap();
        assert_eq!((back.tool.as_str(), back.reports.len()), ("test", 2));
        assert_eq!(back.reports[1].cpython.len(), 2);
        assert!(!back.reports[0].results[2].answer_ok);
        let bad = json.replacen("\"tasks\": 2", "\"tasks\": 0", 1);
        let err = Reports::from_json(&bad).unwrap_err();
        assert!(
            err.starts_with("report 1: ") && err.contains("tasks"),
            "{err}"
        );
        let err = Reports::from_json(&cpu_report().to_json()).unwrap_err();
        assert!(err.contains("no reports array"), "{err}");
    }
}
