//! Every experiment of the catalog under every model, with small
//! parameters: the right answer everywhere, and the shape each design must
//! have (fixed slices for the health checker's threads, serialization for
//! processes shipping data batches).

use crate::support::{MODELS, TempDir, experiments, run_concur};
use crate::traces::{read_trace, trace_slices};
use serde_json::Value;
use std::collections::{BTreeMap, BTreeSet};

/// Runs an experiment with `--json` and checks every model's answer.
fn run_all_models(experiment: &str, extra: &[&str]) -> Value {
    let mut args = vec![
        "run", experiment, "--runs", "1", "--warmup", "0", "--json", "--quiet",
    ];
    args.extend_from_slice(extra);
    let finished = run_concur(&args);
    finished.assert_exit_code(0);
    let report = finished.stdout_json();
    let results = report["results"].as_array().expect("results");
    let models: Vec<&str> = results
        .iter()
        .map(|r| r["model"].as_str().unwrap())
        .collect();
    assert_eq!(models, MODELS, "{experiment}");
    let answers: BTreeSet<&str> = results
        .iter()
        .map(|r| r["answer"].as_str().unwrap())
        .collect();
    assert_eq!(
        answers.len(),
        1,
        "{experiment}: every model computes the same answer: {answers:?}"
    );
    for result in results {
        assert_eq!(
            result["answer_ok"], true,
            "{experiment} {}: {}",
            result["model"], result["problems"]
        );
    }
    report
}

#[test]
fn io_experiments_answer_under_every_model() {
    for experiment in ["scraper", "async-requests"] {
        let report = run_all_models(
            experiment,
            &["--delay-ms", "50", "--tasks", "10", "--workers", "5"],
        );
        assert_eq!(
            report["results"][0]["answer"], "10 × HTTP 200",
            "{experiment}"
        );
    }
}

#[test]
fn convoy_answers_under_every_model_and_measures_each_request() {
    let report = run_all_models("convoy", &["--n", "2000000", "--tasks", "10"]);
    assert!(
        report["results"][0]["answer"]
            .as_str()
            .unwrap()
            .starts_with("10 of 10 requests ok")
    );
    for result in report["results"].as_array().unwrap() {
        assert!(
            result["request_ms"].as_f64().unwrap() > 0.0,
            "{}",
            result["model"]
        );
    }
    assert_eq!(report["claims"].as_array().unwrap().len(), 2);
}

#[test]
fn db_inserts_commit_every_row_under_every_model_and_refuse_a_target() {
    let report = run_all_models(
        "db-inserts",
        &[
            "--n",
            "5",
            "--tasks",
            "3",
            "--workers",
            "3",
            "--delay-ms",
            "2",
        ],
    );
    assert_eq!(report["results"][0]["answer"], "15 rows committed");
    let finished = run_concur(&["run", "db-inserts", "--target", "http://127.0.0.1:9/"]);
    finished.assert_exit_code(2);
    assert!(
        finished
            .stderr
            .contains("--target does not apply to db-inserts"),
        "{}",
        finished.stderr
    );
}

#[test]
fn data_batches_answer_under_every_model_and_processes_pay_to_ship_them() {
    let dir = TempDir::new("batches");
    let trace_path = dir.join("trace.json");
    let trace_arg = trace_path.to_str().unwrap();
    let report = run_all_models(
        "data-batches",
        &[
            "--n",
            "200000",
            "--tasks",
            "4",
            "--workers",
            "2",
            "--trace",
            trace_arg,
        ],
    );
    assert!(
        report["results"][0]["answer"]
            .as_str()
            .unwrap()
            .starts_with("4 batches, kept ")
    );
    let processes = &report["results"][3];
    assert!(processes["time"]["serialize_s"].as_f64().unwrap() > 0.0);
    // Four serialize slices per batch: the parent encodes it, the worker
    // decodes it, encodes the answer, and the parent decodes that.
    let serialize = trace_slices(&read_trace(&trace_path))
        .into_iter()
        .filter(|s| s.model == "processes" && s.name == "serialize")
        .count();
    assert_eq!(serialize, 4 * 4);
}

#[test]
fn health_check_threads_each_own_a_fixed_slice() {
    let dir = TempDir::new("health");
    let trace_path = dir.join("trace.json");
    let report = run_all_models(
        "health-check",
        &[
            "--delay-ms",
            "50",
            "--tasks",
            "20",
            "--workers",
            "4",
            "--trace",
            trace_path.to_str().unwrap(),
        ],
    );
    assert_eq!(report["results"][0]["answer"], "20 × HTTP 200");
    let trace = read_trace(&trace_path);
    let mut tasks_by_track: BTreeMap<u64, BTreeSet<u64>> = BTreeMap::new();
    for event in trace["traceEvents"].as_array().unwrap() {
        if event["ph"] == "X"
            && event["name"] == "io-wait"
            && event["args"]["model"] == "threads-free"
        {
            tasks_by_track
                .entry(event["tid"].as_u64().unwrap())
                .or_default()
                .insert(event["args"]["task"].as_u64().unwrap());
        }
    }
    let slices: Vec<Vec<u64>> = tasks_by_track
        .into_values()
        .map(|tasks| tasks.into_iter().collect())
        .collect();
    let expected: Vec<Vec<u64>> = (0..4).map(|w| (w * 5..w * 5 + 5).collect()).collect();
    assert_eq!(slices, expected, "worker w checks URLs 5w..5w+5, in order");
}

#[test]
fn a_health_check_gives_up_after_five_seconds_in_blocking_and_async_code() {
    // The fifth URL answers after 6 s, past the tutorial's 5 s timeout.
    let finished = run_concur(&[
        "run",
        "health-check",
        "--tasks",
        "5",
        "--workers",
        "5",
        "--delay-ms",
        "6000",
        "--models",
        "threads-gil,async",
        "--runs",
        "1",
        "--warmup",
        "0",
        "--json",
        "--quiet",
    ]);
    finished.assert_exit_code(0);
    let report = finished.stdout_json();
    for result in report["results"].as_array().unwrap() {
        assert_eq!(result["answer_ok"], true, "{}", result["problems"]);
        // The server would have answered at 6 s: "timed out" means the
        // request was given up before then.
        assert_eq!(result["answer"], "4 × HTTP 200, 1 timed out");
    }
}

#[test]
fn list_shows_every_experiment_of_the_catalog_in_order() {
    let finished = run_concur(&["list"]);
    finished.assert_exit_code(0);
    // Each experiment's first line: "  id  title [CPU-bound]".
    let listed: Vec<&str> = finished
        .stdout
        .lines()
        .filter(|line| line.ends_with("-bound]"))
        .filter_map(|line| line.split_whitespace().next())
        .collect();
    assert_eq!(listed, experiments(), "{}", finished.stdout);
}

#[test]
fn the_quick_tour_runs_every_experiment_and_checks_the_claims() {
    // Claims may not hold on a busy machine; this test is about the table.
    let finished = run_concur(&["tour", "--quick", "--quiet", "--exit-zero"]);
    finished.assert_exit_code(0);
    for id in experiments() {
        assert!(
            finished.stdout.contains(&format!("({id})")),
            "the tour shows {id}"
        );
    }
    assert!(
        finished
            .stdout
            .contains("of the tutorial's claims hold on this machine")
    );
    assert!(
        finished.stdout.contains("8.45 s"),
        "the tutorial's numbers stand beside the measured ones"
    );
}

#[test]
fn n_is_limited_to_what_each_experiment_can_hold() {
    for (experiment, max) in [("data-batches", "100,000,000"), ("db-inserts", "100,000")] {
        let finished = run_concur(&["run", experiment, "--n", "200000000"]);
        finished.assert_exit_code(2);
        assert!(
            finished
                .stderr
                .contains(&format!("--n must be a whole number from 1 to {max}")),
            "{experiment}: {}",
            finished.stderr
        );
    }
}
