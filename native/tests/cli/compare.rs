//! Tests of `concur compare` on real reports: two cpu-sqrt runs with
//! different `--n` (the printed ratio is the files' medians' ratio, the
//! differing knob is warned about), a tour-style document of reports,
//! refusals of a missing file and of JSON that is no report (exit 2,
//! naming the path), and one `concur python` report compared with its
//! CPython rows where this machine has a `python3`.

use crate::support::{FinishedCommand, RunningConcur, TempDir, run_concur};
use serde_json::{Value, json};
use std::path::{Path, PathBuf};
use std::time::Duration;

/// A small cpu-sqrt run, saved as JSON in `dir/name`.
fn saved_run(dir: &TempDir, name: &str, n: &str) -> (PathBuf, Value) {
    let out = run_concur(&[
        "run",
        "cpu-sqrt",
        "--quick",
        "--json",
        "--quiet",
        "--models",
        "sequential,threads-free",
        "--tasks",
        "2",
        "--workers",
        "2",
        "--runs",
        "3",
        "--n",
        n,
    ]);
    out.assert_exit_code(0);
    let path = dir.join(name);
    std::fs::write(&path, &out.stdout).unwrap();
    (path, out.stdout_json())
}

fn compare(args: &[&Path]) -> FinishedCommand {
    let mut all: Vec<&str> = vec!["compare"];
    all.extend(args.iter().map(|path| path.to_str().unwrap()));
    run_concur(&all)
}

fn compare_json(args: &[&Path]) -> (FinishedCommand, Value) {
    let mut all: Vec<&str> = vec!["compare", "--json"];
    all.extend(args.iter().map(|path| path.to_str().unwrap()));
    let out = run_concur(&all);
    out.assert_exit_code(0);
    let json = out.stdout_json();
    (out, json)
}

/// The median of `model` in a report's results.
fn median(report: &Value, model: &str) -> f64 {
    report["results"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["model"] == model)
        .unwrap_or_else(|| panic!("no {model} in {report}"))["wall_s"]["median"]
        .as_f64()
        .unwrap()
}

/// `got` is `expected` but for the last bits a float may lose when
/// serde_json's default parser reads it twice.
fn assert_close(got: Option<f64>, expected: f64) {
    let got = got.unwrap_or_else(|| panic!("no number where {expected} was expected"));
    assert!(
        (got - expected).abs() <= 1e-12 * expected.abs(),
        "{got} vs {expected}"
    );
}

/// Every row's ratio is B's median over A's, as the files hold them.
fn assert_ratios(rows: &[Value], a: &Value, b: &Value) {
    for model in ["sequential", "threads-free"] {
        let row = rows
            .iter()
            .find(|row| row["a"]["label"] == model)
            .unwrap_or_else(|| panic!("no {model} row in {rows:?}"));
        assert_close(row["a"]["wall_s"]["median"].as_f64(), median(a, model));
        assert_close(row["b"]["wall_s"]["median"].as_f64(), median(b, model));
        assert_close(row["ratio"].as_f64(), median(b, model) / median(a, model));
        assert!(row["overlap"].is_boolean(), "{row}");
        assert_eq!(row["wrong"], false);
    }
}

#[test]
fn two_runs_compare_by_the_ratio_of_their_medians_and_warn_of_the_knob() {
    let dir = TempDir::new("compare-two");
    let (a_path, a) = saved_run(&dir, "a.json", "20000");
    let (b_path, b) = saved_run(&dir, "b.json", "40000");
    let (out, cmp) = compare_json(&[&a_path, &b_path]);
    assert_eq!(cmp["kind"], "two-reports", "{}", out.describe());
    let rows = cmp["rows"].as_array().unwrap();
    assert_eq!(rows.len(), 2, "{}", out.describe());
    assert_ratios(rows, &a, &b);
    let warnings = cmp["warnings"].to_string();
    assert!(
        warnings.contains("--n is 20,000 in A and 40,000 in B: the work is not the same"),
        "{warnings}"
    );
    assert_eq!(cmp["sides"][0]["tool"], a["tool"]);
    assert_eq!(
        cmp["sides"][1]["machine"]["logical_cores"],
        b["machine"]["logical_cores"]
    );

    let text = compare(&[&a_path, &b_path]);
    text.assert_exit_code(0);
    let ratio = median(&b, "sequential") / median(&a, "sequential");
    for expected in [
        "B/A is B's median time over A's".to_string(),
        format!("{ratio:.2}x"),
        "warning: cpu-sqrt: --n is 20,000 in A and 40,000 in B: the work is not the same"
            .to_string(),
    ] {
        assert!(
            text.stdout.contains(&expected),
            "{expected:?}: {}",
            text.describe()
        );
    }
}

#[test]
fn a_document_of_reports_is_read_and_paired_by_experiment_in_order() {
    let dir = TempDir::new("compare-doc");
    let (_, a) = saved_run(&dir, "a.json", "20000");
    let (_, b) = saved_run(&dir, "b.json", "30000");
    let document = |reports: [&Value; 2]| {
        json!({"schema_version": 1, "tool": "x", "reports": reports}).to_string()
    };
    let first = dir.join("first.json");
    let second = dir.join("second.json");
    std::fs::write(&first, document([&a, &b])).unwrap();
    std::fs::write(&second, document([&b, &a])).unwrap();
    let (out, cmp) = compare_json(&[&first, &second]);
    assert_eq!(cmp["sides"][0]["document_tool"], "x", "{}", out.describe());
    assert_eq!(cmp["sides"][0]["reports"], 2);
    let rows = cmp["rows"].as_array().unwrap();
    let (one, two): (Vec<Value>, Vec<Value>) =
        rows.iter().cloned().partition(|row| row["occurrence"] == 1);
    assert_eq!((one.len(), two.len()), (2, 2), "{}", out.describe());
    assert_ratios(&one, &a, &b);
    assert_ratios(&two, &b, &a);
}

#[test]
fn a_missing_file_or_json_that_is_no_report_exits_2_naming_the_path() {
    let dir = TempDir::new("compare-bad");
    let (a_path, _) = saved_run(&dir, "a.json", "20000");
    let missing = dir.join("missing.json");
    let out = compare(&[&a_path, &missing]);
    out.assert_exit_code(2);
    let named = format!("{}: cannot read it", missing.display());
    assert!(out.stderr.contains(&named), "{}", out.describe());

    let stranger = dir.join("stranger.json");
    std::fs::write(&stranger, r#"{"name": "not a report"}"#).unwrap();
    let out = compare(&[&stranger, &a_path]);
    out.assert_exit_code(2);
    let named = format!("{}: no schema_version", stranger.display());
    assert!(out.stderr.contains(&named), "{}", out.describe());

    let future = dir.join("future.json");
    std::fs::write(&future, r#"{"schema_version": 7, "reports": []}"#).unwrap();
    let out = compare(&[&a_path, &future]);
    out.assert_exit_code(2);
    assert!(
        out.stderr.contains("schema_version 7"),
        "{}",
        out.describe()
    );

    // One report without CPython rows: a second one is needed.
    let out = compare(&[&a_path]);
    out.assert_exit_code(2);
    assert!(out.stderr.contains("second report"), "{}", out.describe());
}

/// Where `python3` exists: one `concur python` report, concur beside CPython.
#[test]
fn a_python_report_alone_compares_concur_with_cpython() {
    if !crate::support::python3_or_skip() {
        return;
    }
    let mut args = vec!["python"];
    args.extend_from_slice(&crate::support::TINY_CPU_SQRT);
    args.extend(["--quick", "--json", "--quiet"]);
    let out = RunningConcur::start(&args).wait_with_deadline(Duration::from_secs(300));
    out.assert_exit_code(0);
    let report = out.stdout_json();
    let dir = TempDir::new("compare-python");
    let path = dir.join("python.json");
    std::fs::write(&path, &out.stdout).unwrap();
    let (out, cmp) = compare_json(&[&path]);
    assert_eq!(cmp["kind"], "concur-vs-cpython", "{}", out.describe());
    let rows = cmp["rows"].as_array().unwrap();
    for twin in report["cpython"].as_array().unwrap() {
        let concur_model = match twin["model"].as_str().unwrap() {
            "sequential" => "sequential",
            "threading" if twin["interpreter"]["gil_enabled"] == true => "threads-gil",
            "threading" => "threads-free",
            "multiprocessing" => "processes",
            other => panic!("cpu-sqrt's twin has no {other}"),
        };
        let interpreter = &twin["interpreter"];
        let build = match (
            interpreter["free_threaded"].as_bool(),
            interpreter["gil_enabled"].as_bool(),
        ) {
            (Some(false), _) => "",
            (Some(true), Some(false)) => " (free-threaded)",
            _ => " (free-threaded build, GIL on)",
        };
        let label = format!(
            "{}{build} {}",
            interpreter["name"].as_str().unwrap(),
            twin["model"].as_str().unwrap()
        );
        let row = rows
            .iter()
            .find(|row| row["b"]["label"] == label)
            .unwrap_or_else(|| panic!("no row for {twin} in {rows:?}"));
        assert_eq!(row["a"]["label"], concur_model, "{row}");
        let expected = twin["wall_s"]["median"].as_f64().unwrap() / median(&report, concur_model);
        assert_close(row["ratio"].as_f64(), expected);
        assert_close(
            row["b"]["speedup"].as_f64(),
            twin["speedup"].as_f64().unwrap(),
        );
    }
    let text = compare(&[&path]);
    text.assert_exit_code(0);
    assert!(
        text.stdout.contains("threads-gil vs CPython 3."),
        "{}",
        text.describe()
    );
}
