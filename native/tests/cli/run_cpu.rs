//! `concur run cpu-sqrt`: the JSON report of every model, the Chrome trace
//! it writes with `--trace`, and what that trace shows about the emulated
//! GIL (threads-gil computes one thread at a time, threads-free in parallel).

use crate::procs::is_live_concur_worker;
use crate::support::{COMMAND_DEADLINE, RunningConcur, TempDir, run_concur};
use crate::traces::{TraceSlice, processes_model_pids, read_trace, trace_slices};
use std::collections::{BTreeMap, BTreeSet};

/// Small enough for a debug build: a few milliseconds per task.
const SMALL_CPU_ARGS: [&str; 11] = [
    "--n",
    "200000",
    "--tasks",
    "4",
    "--workers",
    "2",
    "--runs",
    "1",
    "--warmup",
    "0",
    "--quiet",
];

const MODELS_IN_TABLE_ORDER: [&str; 5] = [
    "sequential",
    "threads-gil",
    "threads-free",
    "processes",
    "async",
];

const LANE_EVENT_NAMES: [&str; 6] = [
    "run",
    "io-wait",
    "gil-wait",
    "spawn",
    "serialize",
    "queue-wait",
];

#[test]
fn cpu_sqrt_json_report_has_every_model_in_order_with_consistent_answers() {
    let mut args = vec!["run", "cpu-sqrt", "--json"];
    args.extend(SMALL_CPU_ARGS);
    let finished = run_concur(&args);
    finished.assert_exit_code(0);
    let report = finished.stdout_json();
    let context = finished.describe();

    assert_eq!(report["schema_version"], 1, "{context}");
    assert!(
        report["machine"]["logical_cores"].as_u64().unwrap_or(0) >= 1,
        "{context}"
    );
    for field in ["os", "cpu_model"] {
        let text = report["machine"][field].as_str().unwrap_or("");
        assert!(
            !text.trim().is_empty(),
            "machine.{field} is empty: {context}"
        );
    }
    let results = report["results"].as_array().expect("results is an array");
    let models: Vec<&str> = results
        .iter()
        .map(|result| result["model"].as_str().unwrap_or("?"))
        .collect();
    assert_eq!(models, MODELS_IN_TABLE_ORDER, "{context}");

    let first_answer = results[0]["answer"].as_str().expect("answer is a string");
    assert!(
        first_answer.starts_with("4 sums, total "),
        "{first_answer:?}"
    );
    for result in results {
        let model = result["model"].as_str().unwrap_or("?");
        let expected_workers = if model == "sequential" { 1 } else { 2 };
        assert_eq!(result["workers"], expected_workers, "{model}: {context}");
        let expected_gil = match model {
            "threads-gil" => serde_json::json!("on"),
            "threads-free" => serde_json::json!("off"),
            _ => serde_json::Value::Null,
        };
        assert_eq!(result["gil"], expected_gil, "{model}: {context}");
        let wall = &result["wall_s"];
        let [median, min, max] = ["median", "min", "max"].map(|key| {
            wall[key]
                .as_f64()
                .unwrap_or_else(|| panic!("{model}: wall_s.{key} is not a number"))
        });
        assert!(min > 0.0 && median > 0.0 && max > 0.0, "{model}: {wall}");
        assert!(min <= median && median <= max, "{model}: {wall}");
        let speedup = result["speedup"]
            .as_f64()
            .unwrap_or_else(|| panic!("{model}: speedup is not a number: {context}"));
        assert!(speedup > 0.0, "{model}: speedup {speedup}");
        if model == "sequential" {
            assert!((speedup - 1.0).abs() < 1e-9, "sequential speedup {speedup}");
        }
        assert_eq!(result["answer_ok"], true, "{model}: {context}");
        assert_eq!(result["answer"], first_answer, "{model}: {context}");
    }
    let explanation = report["explanation"].as_str().unwrap_or("");
    assert!(!explanation.trim().is_empty(), "{context}");
}

fn is_run_marker(slice: &TraceSlice) -> bool {
    slice.tid == 0 && slice.name == format!("{} run 1", slice.model)
}

#[test]
fn cpu_sqrt_trace_file_has_well_formed_events_and_real_worker_pids_that_are_gone_afterwards() {
    let dir = TempDir::new("cpu-trace");
    let trace_path = dir.join("trace.json");
    let trace_arg = trace_path.to_str().expect("a UTF-8 temp path");
    let mut args = vec!["run", "cpu-sqrt", "--trace", trace_arg];
    args.extend(SMALL_CPU_ARGS);
    let mut running = RunningConcur::start(&args);
    let runner_pid = u64::from(running.pid());
    let finished = running.wait_with_deadline(COMMAND_DEADLINE);
    finished.assert_exit_code(0);

    let trace = read_trace(&trace_path);
    let slices = trace_slices(&trace);
    assert!(!slices.is_empty(), "no X events in {trace}");
    for slice in &slices {
        assert!(slice.start_us >= 0.0 && slice.dur_us >= 0.0, "{slice:?}");
        assert!(
            LANE_EVENT_NAMES.contains(&slice.name.as_str()) || is_run_marker(slice),
            "unexpected event name: {slice:?}"
        );
    }

    // One marker per model on the runner's "runs" track, in table order.
    let markers: Vec<&str> = slices
        .iter()
        .filter(|slice| is_run_marker(slice))
        .map(|slice| slice.model.as_str())
        .collect();
    assert_eq!(markers, MODELS_IN_TABLE_ORDER);
    assert!(
        slices
            .iter()
            .filter(|slice| slice.tid == 0)
            .all(|slice| slice.pid == runner_pid && is_run_marker(slice))
    );

    // Every track with events is named.
    let events = trace["traceEvents"].as_array().expect("an array");
    let named_tracks: BTreeSet<(u64, u64)> = events
        .iter()
        .filter(|event| event["ph"] == "M" && event["name"] == "thread_name")
        .map(|event| {
            (
                event["pid"].as_u64().unwrap(),
                event["tid"].as_u64().unwrap(),
            )
        })
        .collect();
    assert!(!named_tracks.is_empty(), "no thread_name metadata");
    for slice in &slices {
        assert!(
            named_tracks.contains(&(slice.pid, slice.tid)),
            "unnamed track for {slice:?}"
        );
    }

    // Thread, coroutine and sequential lanes live in the runner itself.
    for slice in slices.iter().filter(|slice| slice.model != "processes") {
        assert_eq!(slice.pid, runner_pid, "{slice:?}");
    }
    // Process lanes carry the worker's own pid: one pid per track and back.
    let lane_slices: Vec<&TraceSlice> = slices
        .iter()
        .filter(|slice| slice.model == "processes" && slice.tid != 0)
        .collect();
    assert!(
        lane_slices.iter().any(|slice| slice.name == "run"),
        "the processes model recorded no run events"
    );
    let mut pids_per_tid: BTreeMap<u64, BTreeSet<u64>> = BTreeMap::new();
    let mut tids_per_pid: BTreeMap<u64, BTreeSet<u64>> = BTreeMap::new();
    for slice in &lane_slices {
        assert_ne!(
            slice.pid, runner_pid,
            "a worker event on the runner: {slice:?}"
        );
        pids_per_tid.entry(slice.tid).or_default().insert(slice.pid);
        tids_per_pid.entry(slice.pid).or_default().insert(slice.tid);
    }
    assert!(
        pids_per_tid.values().all(|pids| pids.len() == 1),
        "{pids_per_tid:?}"
    );
    assert!(
        tids_per_pid.values().all(|tids| tids.len() == 1),
        "{tids_per_pid:?}"
    );
    let worker_pids = processes_model_pids(&slices);
    assert!(worker_pids.len() >= 2, "worker pids: {worker_pids:?}");
    for pid in worker_pids {
        assert!(
            !is_live_concur_worker(pid),
            "worker {pid} from the trace still runs after the runner exited"
        );
    }
}

/// Slices named "run" of one model, by trace tid.
fn run_slices_of<'a>(slices: &'a [TraceSlice], model: &str) -> Vec<&'a TraceSlice> {
    slices
        .iter()
        .filter(|slice| slice.name == "run" && slice.model == model)
        .collect()
}

/// Pairs of run slices on different tids that share more than a rounding
/// error of time (touching ends do not count).
fn overlapping_pairs_on_different_tids<'a>(
    runs: &[&'a TraceSlice],
) -> Vec<(&'a TraceSlice, &'a TraceSlice)> {
    const ROUNDING_US: f64 = 0.001;
    let mut pairs = Vec::new();
    for (idx, a) in runs.iter().enumerate() {
        for b in &runs[idx + 1..] {
            if a.tid != b.tid
                && a.start_us < b.end_us() - ROUNDING_US
                && b.start_us < a.end_us() - ROUNDING_US
            {
                pairs.push((*a, *b));
            }
        }
    }
    pairs
}

#[test]
fn gil_on_threads_never_compute_at_once_while_gil_off_threads_do() {
    let dir = TempDir::new("gil-trace");
    let trace_path = dir.join("gil.json");
    let trace_arg = trace_path.to_str().expect("a UTF-8 temp path");
    // About 0.12 s per task in a debug build, so the GIL changes hands
    // (every 5 ms) many times and the free threads overlap for long.
    let finished = run_concur(&[
        "run",
        "cpu-sqrt",
        "--models",
        "threads",
        "--workers",
        "2",
        "--tasks",
        "2",
        "--n",
        "20000000",
        "--runs",
        "1",
        "--warmup",
        "0",
        "--quiet",
        "--trace",
        trace_arg,
    ]);
    finished.assert_exit_code(0);
    let slices = trace_slices(&read_trace(&trace_path));

    let gil_runs = run_slices_of(&slices, "threads-gil");
    let gil_tids: BTreeSet<u64> = gil_runs.iter().map(|slice| slice.tid).collect();
    assert_eq!(
        gil_tids.len(),
        2,
        "both GIL threads must have computed (the lock changed hands): {gil_runs:?}"
    );
    let gil_overlaps = overlapping_pairs_on_different_tids(&gil_runs);
    assert!(
        gil_overlaps.is_empty(),
        "two threads computed at once under the GIL: {:?}",
        gil_overlaps.first()
    );
    assert!(
        slices
            .iter()
            .any(|slice| slice.model == "threads-gil" && slice.name == "gil-wait"),
        "threads-gil recorded no gil-wait"
    );

    let free_runs = run_slices_of(&slices, "threads-free");
    assert!(
        !overlapping_pairs_on_different_tids(&free_runs).is_empty(),
        "threads-free threads never computed at the same time: {free_runs:?}"
    );
    assert!(
        !slices
            .iter()
            .any(|slice| slice.model == "threads-free" && slice.name == "gil-wait"),
        "threads-free waited for a GIL"
    );
}
