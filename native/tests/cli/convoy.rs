//! `concur run convoy`: under the emulated GIL every blocking step of a
//! request (looking up, connecting, sending, each receive, closing) takes
//! the lock back as its own gil-wait slice, the CPU task computes until the
//! requests are done, and a request beside it costs several times what it
//! costs with free threads.

use crate::support::{TempDir, run_concur};
use crate::traces::read_trace;
use serde_json::Value;

/// The `(task, end in µs)` of every slice of `model` named `kind` (or any
/// kind, for None) in a Chrome trace.
fn slices(trace: &Value, model: &str, kind: Option<&str>) -> Vec<(u64, f64)> {
    trace["traceEvents"]
        .as_array()
        .expect("traceEvents is an array")
        .iter()
        .filter(|event| event["ph"] == "X" && event["args"]["model"] == model)
        .filter(|event| kind.is_none_or(|kind| event["name"] == kind))
        .filter_map(|event| {
            let task = event["args"]["task"].as_u64()?;
            let end = event["ts"].as_f64()? + event["dur"].as_f64()?;
            Some((task, end))
        })
        .collect()
}

/// The result of `model` in a JSON report.
fn result_of<'a>(report: &'a Value, model: &str) -> &'a Value {
    report["results"]
        .as_array()
        .and_then(|results| results.iter().find(|r| r["model"] == model))
        .unwrap_or_else(|| panic!("no result for {model} in {report}"))
}

#[test]
fn a_request_beside_cpu_work_under_the_gil_costs_several_times_a_free_one() {
    const REQUESTS: usize = 20;
    let dir = TempDir::new("convoy");
    let trace_path = dir.join("convoy.json");
    let finished = run_concur(&[
        "run",
        "convoy",
        "--models",
        "threads-gil,threads-free",
        "--tasks",
        &REQUESTS.to_string(),
        "--delay-ms",
        "1",
        "--n",
        "200000",
        "--gil-switch-ms",
        "20",
        "--runs",
        "1",
        "--warmup",
        "0",
        "--json",
        "--quiet",
        "--trace",
        trace_path.to_str().expect("a UTF-8 temp path"),
    ]);
    finished.assert_exit_code(0);
    let report = finished.stdout_json();
    let context = finished.describe();
    let request_ms = |model: &str| {
        let result = result_of(&report, model);
        assert_eq!(result["answer_ok"], true, "{model}: {context}");
        result["request_ms"]
            .as_f64()
            .unwrap_or_else(|| panic!("no request_ms for {model}: {context}"))
    };
    let (gil, free) = (request_ms("threads-gil"), request_ms("threads-free"));
    // Robust: back from every 1 ms receive the thread finds the lock taken
    // by the CPU task (which had a whole millisecond to take it) and waits
    // a whole 20 ms switch interval before it even asks for it, so that one
    // step alone adds several times what a request takes free (a few ms,
    // even in a debug build on a busy machine); the other steps only add.
    assert!(
        gil > 1.8 * free,
        "{gil:.2} ms per request under the GIL, {free:.2} ms free: {context}"
    );
    // One latency per request in each model's histogram, however the GIL
    // made them wait; the GIL's shares never add up past the whole run.
    for model in ["threads-gil", "threads-free"] {
        let latency = &result_of(&report, model)["latency"];
        assert_eq!(latency["count"], REQUESTS as u64, "{model}: {context}");
        let binned: u64 = latency["bins"]
            .as_array()
            .expect("bins")
            .iter()
            .map(|bin| bin["count"].as_u64().unwrap())
            .sum();
        assert_eq!(binned, REQUESTS as u64, "{model}: {context}");
        let (p50, p95, max) = (
            latency["p50_ms"].as_f64().unwrap(),
            latency["p95_ms"].as_f64().unwrap(),
            latency["max_ms"].as_f64().unwrap(),
        );
        assert!(p50 <= p95 && p95 <= max, "{model}: {latency}");
    }
    let gil = &result_of(&report, "threads-gil")["gil_stats"];
    let lanes = gil["lanes"].as_array().expect("per-thread GIL numbers");
    let held: f64 = lanes
        .iter()
        .map(|lane| lane["held_share"].as_f64().unwrap())
        .sum();
    assert!(held <= 1.0 + 1e-9, "{gil}");
    assert!(
        gil["handovers"].as_u64().unwrap() >= REQUESTS as u64,
        "{gil}"
    );
    let trace = read_trace(&trace_path);
    for model in ["threads-gil", "threads-free"] {
        let all = slices(&trace, model, None);
        let last_end = |task: u64| {
            all.iter()
                .filter(|(t, _)| *t == task)
                .map(|(_, end)| *end)
                .fold(f64::MIN, f64::max)
        };
        assert!(
            last_end(1) >= last_end(0),
            "{model}: the CPU task stopped before the requests were done: {context}"
        );
    }
    // Each request re-takes the lock after each of at least five steps
    // (look-up, connect, send, receive, close); without the GIL, never.
    let retakes = slices(&trace, "threads-gil", Some("gil-wait"))
        .iter()
        .filter(|(task, _)| *task == 0)
        .count();
    assert!(
        retakes >= 5 * REQUESTS,
        "{retakes} gil-wait slices: {context}"
    );
    assert!(slices(&trace, "threads-free", Some("gil-wait")).is_empty());
}

#[test]
fn with_keep_alive_requests_share_a_connection_and_the_report_says_so() {
    const REQUESTS: usize = 20;
    let dir = TempDir::new("convoy-keep-alive");
    let trace_path = dir.join("convoy.json");
    let finished = run_concur(&[
        "run",
        "convoy",
        "--keep-alive",
        "--models",
        "threads-gil",
        "--tasks",
        &REQUESTS.to_string(),
        "--delay-ms",
        "1",
        "--n",
        "20000",
        "--runs",
        "1",
        "--warmup",
        "0",
        "--json",
        "--quiet",
        "--trace",
        trace_path.to_str().expect("a UTF-8 temp path"),
    ]);
    finished.assert_exit_code(0);
    let report = finished.stdout_json();
    let context = finished.describe();
    assert_eq!(report["params"]["keep_alive"], true, "{context}");
    // Only the first request looks up, connects (and none closes): the
    // rest send and receive on the kept connection, re-taking the lock
    // two or three times each instead of five or more.
    let trace = read_trace(&trace_path);
    let retakes = slices(&trace, "threads-gil", Some("gil-wait"))
        .iter()
        .filter(|(task, _)| *task == 0)
        .count();
    assert!(
        (2 * REQUESTS..5 * REQUESTS).contains(&retakes),
        "{retakes} gil-wait slices: {context}"
    );
}
