//! `--export-json`, `--export-csv`, `--export-markdown`: every file read
//! back and checked against the JSON report (models, workers, medians bit
//! for bit, speedups, answers), beside `--json` or the table on stdout; a
//! tour's document of reports; a `concur python` report's CPython rows;
//! files written when a model answered wrongly; and bad paths refused
//! before anything runs, naming the flag.

use crate::schema::assert_valid;
use crate::support::{FinishedCommand, RunningConcur, TempDir};
use concur_core::export::markdown;
use serde_json::Value;
use std::os::unix::fs::PermissionsExt;
use std::path::Path;
use std::time::{Duration, Instant};

const DEADLINE: Duration = Duration::from_secs(180);

/// The three export flags, into `dir` as `name.json`, `.csv` and `.md`.
fn export_flags(dir: &TempDir, name: &str) -> Vec<String> {
    [("json", "json"), ("csv", "csv"), ("markdown", "md")]
        .iter()
        .flat_map(|(flag, ext)| {
            [
                format!("--export-{flag}"),
                dir.join(&format!("{name}.{ext}")).display().to_string(),
            ]
        })
        .collect()
}

fn concur(args: &[String], env: &[(&str, &str)]) -> FinishedCommand {
    let args: Vec<&str> = args.iter().map(String::as_str).collect();
    RunningConcur::start_with_env(&args, env).wait_with_deadline(DEADLINE)
}

fn strings(args: &[&str]) -> Vec<String> {
    args.iter().map(|arg| arg.to_string()).collect()
}

fn read(path: &Path) -> String {
    std::fs::read_to_string(path).unwrap_or_else(|err| panic!("{}: {err}", path.display()))
}

/// RFC 4180 as the export writes it, read by core's reader.
fn parse_csv(text: &str) -> Vec<Vec<String>> {
    concur_core::export::csv::parse(text).unwrap_or_else(|why| panic!("{why}: {text}"))
}

/// The CSV as maps from column name to cell.
fn csv_records(text: &str) -> Vec<std::collections::HashMap<String, String>> {
    let rows = parse_csv(text);
    assert_eq!(rows[0][..3], ["experiment", "source", "model"], "{text}");
    rows[1..]
        .iter()
        .map(|row| {
            assert_eq!(row.len(), rows[0].len(), "{row:?}");
            rows[0].iter().cloned().zip(row.iter().cloned()).collect()
        })
        .collect()
}

/// A JSON number or null as the CSV writes it (empty for null), compared
/// bit for bit through both parsers.
fn same_number(cell: &str, json: &Value, what: &str) {
    match json.as_f64() {
        None => assert_eq!(cell, "", "{what}: null is an empty cell"),
        Some(value) => assert_eq!(
            cell.parse::<f64>().map(f64::to_bits),
            Ok(value.to_bits()),
            "{what}: CSV {cell} against JSON {value}"
        ),
    }
}

/// Every concur row of the CSV against the report's results, in order.
fn check_csv_rows(records: &[std::collections::HashMap<String, String>], report: &Value) {
    let results = report["results"].as_array().unwrap();
    assert_eq!(records.len(), results.len());
    for (record, result) in records.iter().zip(results) {
        let model = result["model"].as_str().unwrap();
        assert_eq!(record["experiment"], report["experiment"].as_str().unwrap());
        assert_eq!(record["source"], "concur");
        assert_eq!(record["model"], model);
        assert_eq!(record["workers"], result["workers"].to_string());
        assert_eq!(record["runs"], report["params"]["runs"].to_string());
        assert_eq!(record["answer_ok"], result["answer_ok"].to_string());
        for (column, value) in [
            ("median_s", &result["wall_s"]["median"]),
            ("mean_s", &result["wall_s"]["mean"]),
            ("stddev_s", &result["wall_s"]["stddev"]),
            ("min_s", &result["wall_s"]["min"]),
            ("max_s", &result["wall_s"]["max"]),
            ("speedup", &result["speedup"]),
            ("speedup_ci_low", &result["speedup_ci"]["low"]),
            ("speedup_ci_high", &result["speedup_ci"]["high"]),
            ("request_ms", &result["request_ms"]),
            ("cpu_util", &result["cpu_util"]),
        ] {
            same_number(&record[column], value, &format!("{model} {column}"));
        }
    }
}

/// The Markdown table rows (not the header or alignment rows), as cells.
fn markdown_rows(text: &str) -> Vec<Vec<String>> {
    text.lines()
        .filter(|line| line.starts_with("| ") && !line.starts_with("| Model "))
        .map(|line| {
            line.trim_matches('|')
                .split(" | ")
                .map(|cell| cell.trim().to_string())
                .collect()
        })
        .collect()
}

fn check_markdown_rows(rows: &[Vec<String>], report: &Value) {
    let results = report["results"].as_array().unwrap();
    assert_eq!(rows.len(), results.len(), "{rows:?}");
    for (row, result) in rows.iter().zip(results) {
        assert_eq!(row.len(), 7, "{row:?}");
        assert_eq!(row[0], result["model"].as_str().unwrap());
        assert_eq!(row[1], result["workers"].to_string());
        let median = result["wall_s"]["median"].as_f64().unwrap();
        assert_eq!(row[4], markdown::ms(median), "{row:?}");
        assert_eq!(
            row[4],
            format!(
                "{:.*}",
                row[4].split('.').nth(1).map_or(0, str::len),
                median * 1000.0
            )
        );
        let ok = result["answer_ok"].as_bool().unwrap();
        assert_eq!(row[6].starts_with("ok ("), ok, "{row:?}");
    }
}

#[test]
fn all_three_exports_beside_json_match_the_report() {
    let dir = TempDir::new("export-run");
    let mut args = strings(&[
        "run", "cpu-sqrt", "--quick", "--n", "20000", "--tasks", "2", "--runs", "3", "--json",
        "--quiet",
    ]);
    args.extend(export_flags(&dir, "run"));
    let finished = concur(&args, &[]);
    finished.assert_exit_code(0);
    let report = finished.stdout_json();
    assert_eq!(
        read(&dir.join("run.json")),
        finished.stdout,
        "the same JSON as --json"
    );
    check_csv_rows(&csv_records(&read(&dir.join("run.csv"))), &report);
    let markdown = read(&dir.join("run.md"));
    assert!(
        markdown.starts_with("## cpu-sqrt: 2 tasks, 20,000 iterations per task\n"),
        "{markdown}"
    );
    check_markdown_rows(&markdown_rows(&markdown), &report);
    assert!(
        markdown.contains(" ("),
        "speedups carry their intervals: {markdown}"
    );
}

#[test]
fn exports_beside_the_table_carry_request_times() {
    let dir = TempDir::new("export-io");
    let mut args = strings(&[
        "run",
        "quick-io",
        "--quick",
        "--models",
        "sequential,async",
        "--quiet",
    ]);
    args.extend(export_flags(&dir, "io"));
    let finished = concur(&args, &[]);
    finished.assert_exit_code(0);
    assert!(
        finished.stdout.contains("quick-io: "),
        "the table is still printed: {}",
        finished.describe()
    );
    let report: Value = serde_json::from_str(&read(&dir.join("io.json"))).unwrap();
    let records = csv_records(&read(&dir.join("io.csv")));
    check_csv_rows(&records, &report);
    assert!(
        records.iter().all(|r| !r["request_ms"].is_empty()),
        "{records:?}"
    );
    check_markdown_rows(&markdown_rows(&read(&dir.join("io.md"))), &report);
}

#[test]
fn files_are_written_when_a_model_answers_wrongly() {
    let dir = TempDir::new("export-wrong");
    let mut args = strings(&[
        "run",
        "cpu-sqrt",
        "--models",
        "threads-gil,processes",
        "--tasks",
        "2",
        "--n",
        "1000",
        "--runs",
        "1",
        "--warmup",
        "0",
        "--quiet",
    ]);
    args.extend(export_flags(&dir, "wrong"));
    let finished = concur(&args, &[("CONCUR_TEST_PANIC_TASK", "1")]);
    finished.assert_exit_code(1);
    let records = csv_records(&read(&dir.join("wrong.csv")));
    let answers: Vec<(&str, &str)> = records
        .iter()
        .map(|r| (r["model"].as_str(), r["answer_ok"].as_str()))
        .collect();
    assert_eq!(answers, [("threads-gil", "false"), ("processes", "true")]);
    let markdown = read(&dir.join("wrong.md"));
    assert!(markdown.contains("| WRONG: "), "{markdown}");
    let report: Value = serde_json::from_str(&read(&dir.join("wrong.json"))).unwrap();
    assert_eq!(report["results"][0]["answer_ok"], false);
}

#[test]
fn a_tour_exports_one_report_per_experiment() {
    let dir = TempDir::new("export-tour");
    let mut args = strings(&[
        "tour",
        "--quick",
        "--only",
        "cpu-sqrt,quick-io",
        "--exit-zero",
        "--quiet",
    ]);
    args.extend(export_flags(&dir, "tour"));
    let finished = concur(&args, &[]);
    finished.assert_exit_code(0);
    let document: Value = serde_json::from_str(&read(&dir.join("tour.json"))).unwrap();
    assert_valid(&document, "concur tour --export-json");
    let keys: Vec<&String> = document.as_object().unwrap().keys().collect();
    assert_eq!(keys, ["reports", "schema_version", "tool"]);
    let reports = document["reports"].as_array().unwrap();
    let ids: Vec<&str> = reports
        .iter()
        .map(|r| r["experiment"].as_str().unwrap())
        .collect();
    assert_eq!(ids, ["cpu-sqrt", "quick-io"]);
    let records = csv_records(&read(&dir.join("tour.csv")));
    let split = reports[0]["results"].as_array().unwrap().len();
    check_csv_rows(&records[..split], &reports[0]);
    check_csv_rows(&records[split..], &reports[1]);
    let markdown = read(&dir.join("tour.md"));
    let headings: Vec<&str> = markdown.lines().filter(|l| l.starts_with("## ")).collect();
    assert_eq!(headings.len(), 2, "{markdown}");
    assert!(headings[0].starts_with("## cpu-sqrt: ") && headings[1].starts_with("## quick-io: "));
    let rows = markdown_rows(&markdown);
    check_markdown_rows(&rows[..split], &reports[0]);
    check_markdown_rows(&rows[split..], &reports[1]);
}

/// A fake `python3` that answers the probe and prints a right twin for
/// two sums of 1,000 square roots (as tests/cli/python.rs makes them).
fn fake_python(dir: &TempDir) -> String {
    let bin = dir.join("bin");
    std::fs::create_dir_all(&bin).unwrap();
    let probe = r#"{"name": "CPython 3.12.1", "free_threaded": false, "gil_enabled": true, "missing": [], "major_minor": [3, 12]}"#;
    let lines = "echo 'sequential        0.100000 s  answer 21065.833110879048 21065.833110879048'\n\
        echo 'threading         0.050000 s  answer 21065.833110879048 21065.833110879048'";
    let script = format!(
        "#!/bin/sh\nif [ \"$1\" = \"-c\" ]; then\n  echo '{probe}'\n  exit 0\nfi\n{lines}\n"
    );
    let path = bin.join("python3");
    std::fs::write(&path, script).unwrap();
    std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o755)).unwrap();
    format!("{}:/usr/bin:/bin", bin.display())
}

#[test]
fn a_python_report_exports_its_cpython_rows_labelled() {
    let dir = TempDir::new("export-python");
    let path = fake_python(&dir);
    let mut args = strings(&["python"]);
    args.extend(strings(&crate::support::TINY_CPU_SQRT));
    args.extend(strings(&[
        "--models",
        "sequential,threads-gil",
        "--json",
        "--quiet",
    ]));
    args.extend(export_flags(&dir, "py"));
    let finished = concur(&args, &[("PATH", &path)]);
    finished.assert_exit_code(0);
    let report = finished.stdout_json();
    assert_valid(&report, "concur python --json");
    assert_eq!(read(&dir.join("py.json")), finished.stdout);
    let records = csv_records(&read(&dir.join("py.csv")));
    let concur_rows: Vec<_> = records
        .iter()
        .filter(|r| r["source"] == "concur")
        .cloned()
        .collect();
    check_csv_rows(&concur_rows, &report);
    let cpython: Vec<_> = records.iter().filter(|r| r["source"] != "concur").collect();
    let models: Vec<&str> = cpython.iter().map(|r| r["model"].as_str()).collect();
    assert_eq!(models, ["sequential", "threading"]);
    for (record, row) in cpython.iter().zip(report["cpython"].as_array().unwrap()) {
        assert!(
            record["source"].starts_with("CPython 3.12.1 ("),
            "{record:?}"
        );
        same_number(
            &record["median_s"],
            &row["wall_s"]["median"],
            "CPython median",
        );
        same_number(&record["speedup"], &row["speedup"], "CPython speedup");
        assert_eq!(record["workers"], "");
    }
    let markdown = read(&dir.join("py.md"));
    assert!(markdown.contains("| CPython 3.12.1 ("), "{markdown}");
    assert!(
        markdown.contains(" threading | – | 50.00 ± – | "),
        "{markdown}"
    );
}

#[test]
fn bad_export_paths_exit_2_at_once_naming_the_flag() {
    let dir = TempDir::new("export-bad");
    let a_dir = dir.join("").display().to_string();
    let cases: Vec<(Vec<String>, &str)> = vec![
        (
            strings(&["run", "cpu-sqrt", "--export-csv", "/nope/x.csv"]),
            "--export-csv /nope/x.csv: directory /nope does not exist",
        ),
        (
            strings(&["run", "cpu-sqrt", "--export-json", &a_dir]),
            "--export-json ",
        ),
        (
            strings(&["tour", "--export-markdown", "/nope/t.md"]),
            "--export-markdown /nope/t.md: directory /nope does not exist",
        ),
        // bench takes a minute when it runs: refused before the first line.
        (
            strings(&["bench", "--export-json", "/nope/b.json"]),
            "--export-json /nope/b.json: directory /nope does not exist",
        ),
        (
            strings(&["python", "cpu-sqrt", "--export-csv", "/nope/p.csv"]),
            "--export-csv /nope/p.csv: directory /nope does not exist",
        ),
        (
            strings(&["python", "--export-csv", "p.csv"]),
            "--export-csv: listing the twins makes no report",
        ),
        (
            strings(&[
                "run",
                "cpu-sqrt",
                "--trace",
                "t.json",
                "--export-json",
                "t.json",
            ]),
            "--trace t.json: the same file as --export-json",
        ),
        (
            strings(&["bench", "claims", "--export-json", "c.json"]),
            "--export-json",
        ),
    ];
    for (args, message) in cases {
        let started = Instant::now();
        let finished = concur(&args, &[]);
        finished.assert_exit_code(2);
        assert!(
            finished.stderr.contains(message),
            "{message:?}:\n{}",
            finished.describe()
        );
        assert!(
            finished.stdout.is_empty(),
            "nothing ran:\n{}",
            finished.describe()
        );
        assert!(
            started.elapsed() < Duration::from_secs(20),
            "refused only after {:?}:\n{}",
            started.elapsed(),
            finished.describe()
        );
    }
    for probe in ["p.csv", "c.json", "t.json"] {
        assert!(!Path::new(probe).exists(), "{probe} was left behind");
    }
}
