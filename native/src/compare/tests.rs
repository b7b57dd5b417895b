//! Tests of reading the files `concur compare` takes and of the text it
//! prints: documents of reports, refusals that say why, the ratio's words.

use super::text::{note, render};
use super::*;
use concur_core::answer::TaskAnswer;
use concur_core::compare::{Cell, Row, row};
use concur_core::experiment::find;
use concur_core::model::Model;
use concur_core::report::{Machine, ModelRuns, RunOutcome};
use concur_core::stats::summarize;
use concur_core::workload::cpu_sqrt_bare;

/// A small cpu-sqrt report: sequential and threads-free, 3 runs each.
fn report(seq_ms: u64, free_ms: u64) -> Report {
    let experiment = find("cpu-sqrt").unwrap();
    let mut params = experiment.defaults.clone();
    params.set_n(1000).unwrap();
    params.set_tasks(2).unwrap();
    params.set_runs(3).unwrap();
    let plan = experiment.plan(&params, "");
    let answers = vec![Some(TaskAnswer::Sum(cpu_sqrt_bare(1000))); 2];
    let runs = |model: Model, ms: u64| ModelRuns {
        model,
        workers: 2,
        runs: (0..3)
            .map(|extra| RunOutcome {
                start_ns: 0,
                end_ns: (ms + extra) * 1_000_000,
                answers: answers.clone(),
                ..RunOutcome::default()
            })
            .collect(),
    };
    let machine = Machine {
        logical_cores: 8,
        os: "linux".into(),
        cpu_model: "Test CPU".into(),
    };
    Report::build(
        &experiment,
        &plan,
        &params,
        machine,
        "concur test",
        &[
            runs(Model::Sequential, seq_ms),
            runs(Model::ThreadsFree, free_ms),
        ],
    )
}

#[test]
fn a_bare_report_and_a_document_of_reports_are_both_read() {
    let json = report(100, 50).to_json();
    let bare = parse("a.json", &json).unwrap();
    assert_eq!(bare.reports.len(), 1);
    assert_eq!(bare.document_tool, None);
    let document =
        format!(r#"{{"schema_version": 1, "tool": "concur tour", "reports": [{json}, {json}]}}"#);
    let doc = parse("t.json", &document).unwrap();
    assert_eq!(doc.reports.len(), 2);
    assert_eq!(doc.document_tool.as_deref(), Some("concur tour"));
}

#[test]
fn what_is_not_a_report_is_refused_with_the_reason() {
    let cases = [
        ("{", "not JSON"),
        (r#"{"hello": 1}"#, "no schema_version"),
        (
            r#"{"schema_version": 9}"#,
            "schema_version 9 is not supported",
        ),
        (
            r#"{"schema_version": 2, "reports": []}"#,
            "schema_version 2",
        ),
        (r#"{"schema_version": 1, "reports": []}"#, "no tool"),
        (
            r#"{"schema_version": 1, "tool": "t", "reports": []}"#,
            "empty",
        ),
        (
            r#"{"schema_version": 1, "tool": "t", "reports": [{"x": 1}]}"#,
            "report 1: no schema_version",
        ),
    ];
    for (text, expected) in cases {
        let err = parse("x.json", text).unwrap_err();
        assert!(err.contains(expected), "{text}: {err}");
    }
}

#[test]
fn a_missing_file_is_a_usage_error_naming_it() {
    match load(Path::new("/nonexistent/concur-compare.json")) {
        Err(Failure::Usage(message)) => {
            assert!(
                message.starts_with("/nonexistent/concur-compare.json: cannot read it"),
                "{message}"
            );
        }
        other => panic!("expected a usage error, got {other:?}"),
    }
}

fn cell(walls: &[f64], ok: bool) -> Cell {
    Cell {
        label: "sequential".into(),
        workers: Some(1),
        wall_s: summarize(walls).unwrap(),
        speedup: Some(1.0),
        answer_ok: ok,
    }
}

fn pair(a: &[f64], b: &[f64]) -> Row {
    row("cpu-sqrt", 1, Some(cell(a, true)), Some(cell(b, true)))
}

#[test]
fn the_note_says_which_way_in_words() {
    assert_eq!(note(&pair(&[1.0], &[2.0])), "B takes 2.00x as long");
    assert_eq!(note(&pair(&[2.0], &[1.0])), "B is 2.00x faster");
    assert_eq!(
        note(&pair(&[1.0, 1.2], &[1.1, 1.3])),
        "B takes 1.09x as long, within the run-to-run spread"
    );
    let wrong = row(
        "cpu-sqrt",
        1,
        Some(cell(&[1.0], false)),
        Some(cell(&[1.0], true)),
    );
    assert_eq!(note(&wrong), "WRONG answer in A: no ratio");
    let alone = row("cpu-sqrt", 1, None, Some(cell(&[1.0], true)));
    assert_eq!(note(&alone), "only in B");
}

#[test]
fn the_text_has_both_sides_the_convention_and_one_table() {
    let a = Input {
        file: "a.json".into(),
        document_tool: None,
        reports: vec![report(100, 50)],
    };
    let b = Input {
        file: "b.json".into(),
        document_tool: None,
        reports: vec![report(200, 100)],
    };
    let text = render(&two_reports(&a, &b));
    for expected in [
        "A: a.json: concur test\n   8 logical cores, Test CPU, linux\n",
        "B: b.json: concur test",
        "B/A is B's median time over A's",
        "\ncpu-sqrt\n",
        "B takes 1.98x as long",
    ] {
        assert!(text.contains(expected), "{expected:?} missing from\n{text}");
    }
    let table = text
        .split("\ncpu-sqrt\n")
        .nth(1)
        .expect("the experiment's table");
    assert_eq!(table.lines().count(), 3, "{text}");
}
