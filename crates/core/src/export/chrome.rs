//! Chrome trace event JSON (opens in Perfetto and chrome://tracing).
//!
//! One track per worker: thread and coroutine lanes live in the runner's own
//! process, each model with its own tracks; lanes of other processes (the
//! processes model's workers, the echo clients) carry that process's real
//! PID. Every event is a complete ("X") slice named by its
//! kind; a "runs" track marks each measured run of each model.

use crate::experiment::CLIENT_LANES;
use crate::model::Model;
use crate::report::ModelRuns;
use serde_json::{Value, json};
use std::collections::BTreeMap;

fn micros(ns: u64, origin_ns: u64) -> f64 {
    ns.saturating_sub(origin_ns) as f64 / 1000.0
}

/// Builds the trace of every measured run; `origin_ns` becomes time zero and
/// `own_pid` is the runner's process id.
pub fn chrome_trace(runs: &[ModelRuns], origin_ns: u64, own_pid: u32) -> Value {
    let mut events = Vec::new();
    let mut tracks: BTreeMap<(u32, u32), String> = BTreeMap::new();
    let mut next_tid = 1u32;
    // Processes whose lanes are echo clients, labelled as such.
    let mut clients = std::collections::BTreeSet::new();
    let runs_tid = 0u32;
    tracks.insert((own_pid, runs_tid), "runs".to_string());
    for (model_idx, model_runs) in runs.iter().enumerate() {
        let model = model_runs.model;
        // Thread-like lanes of one model share tids across its runs.
        let mut lane_tids: BTreeMap<u32, u32> = BTreeMap::new();
        for (run_idx, run) in model_runs.runs.iter().enumerate() {
            events.push(json!({
                "name": format!("{} run {}", model.name(), run_idx + 1),
                "cat": "run-total",
                "ph": "X",
                "pid": own_pid,
                "tid": runs_tid,
                "ts": micros(run.start_ns, origin_ns),
                "dur": micros(run.end_ns, run.start_ns),
                "args": { "model": model.name(), "run": run_idx + 1, "wall_ms": run.wall_ns() as f64 / 1e6 },
            }));
            let mut lane_track: BTreeMap<u32, (u32, u32)> = BTreeMap::new();
            for lane in &run.trace.lanes {
                let elsewhere = model == Model::Processes || lane.pid != own_pid;
                let track = if elsewhere {
                    (lane.pid, lane.id + 1)
                } else {
                    let tid = *lane_tids.entry(lane.id).or_insert_with(|| {
                        next_tid += 1;
                        next_tid
                    });
                    (own_pid, tid)
                };
                let name = if elsewhere {
                    format!("{} {} (pid {})", model.name(), lane.name, lane.pid)
                } else {
                    format!("{} {}", model.name(), lane.name)
                };
                if lane.id >= CLIENT_LANES {
                    clients.insert(lane.pid);
                }
                tracks.insert(track, name);
                lane_track.insert(lane.id, track);
            }
            for event in &run.trace.events {
                let Some(&(pid, tid)) = lane_track.get(&event.lane) else {
                    continue;
                };
                events.push(json!({
                    "name": event.kind.name(),
                    "cat": event.kind.name(),
                    "ph": "X",
                    "pid": pid,
                    "tid": tid,
                    "ts": micros(event.start_ns, origin_ns),
                    "dur": micros(event.end_ns, event.start_ns),
                    "args": { "model": model.name(), "run": run_idx + 1, "task": event.task_idx, "model_order": model_idx },
                }));
            }
        }
    }
    let mut processes: BTreeMap<u32, String> = BTreeMap::new();
    for (&(pid, tid), name) in &tracks {
        events.push(json!({ "name": "thread_name", "ph": "M", "pid": pid, "tid": tid, "args": { "name": name } }));
        events.push(json!({ "name": "thread_sort_index", "ph": "M", "pid": pid, "tid": tid, "args": { "sort_index": tid } }));
        let label = if pid == own_pid {
            format!("concur (pid {pid})")
        } else if clients.contains(&pid) {
            format!("echo clients (pid {pid})")
        } else {
            format!("worker process (pid {pid})")
        };
        processes.entry(pid).or_insert(label);
    }
    for (pid, name) in processes {
        events.push(json!({ "name": "process_name", "ph": "M", "pid": pid, "tid": 0, "args": { "name": name } }));
    }
    json!({ "traceEvents": events, "displayTimeUnit": "ms" })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::report::RunOutcome;
    use crate::trace::{Event, EventKind, Lane, Trace};

    fn one_run(model: Model, pid: u32) -> ModelRuns {
        ModelRuns {
            model,
            workers: 1,
            runs: vec![RunOutcome {
                start_ns: 1_000,
                end_ns: 9_000,
                trace: Trace {
                    lanes: vec![Lane {
                        id: 0,
                        name: "worker 1".into(),
                        pid,
                    }],
                    events: vec![Event {
                        lane: 0,
                        kind: EventKind::GilWait,
                        start_ns: 2_000,
                        end_ns: 3_500,
                        task_idx: Some(0),
                    }],
                },
                ..RunOutcome::default()
            }],
        }
    }

    #[test]
    fn snapshot_of_a_small_trace() {
        let trace = chrome_trace(
            &[
                one_run(Model::ThreadsGil, 10),
                one_run(Model::Processes, 77),
            ],
            1_000,
            10,
        );
        let expected = r#"{"displayTimeUnit":"ms","traceEvents":[{"args":{"model":"threads-gil","run":1,"wall_ms":0.008},"cat":"run-total","dur":8.0,"name":"threads-gil run 1","ph":"X","pid":10,"tid":0,"ts":0.0},{"args":{"model":"threads-gil","model_order":0,"run":1,"task":0},"cat":"gil-wait","dur":1.5,"name":"gil-wait","ph":"X","pid":10,"tid":2,"ts":1.0},{"args":{"model":"processes","run":1,"wall_ms":0.008},"cat":"run-total","dur":8.0,"name":"processes run 1","ph":"X","pid":10,"tid":0,"ts":0.0},{"args":{"model":"processes","model_order":1,"run":1,"task":0},"cat":"gil-wait","dur":1.5,"name":"gil-wait","ph":"X","pid":77,"tid":1,"ts":1.0},{"args":{"name":"runs"},"name":"thread_name","ph":"M","pid":10,"tid":0},{"args":{"sort_index":0},"name":"thread_sort_index","ph":"M","pid":10,"tid":0},{"args":{"name":"threads-gil worker 1"},"name":"thread_name","ph":"M","pid":10,"tid":2},{"args":{"sort_index":2},"name":"thread_sort_index","ph":"M","pid":10,"tid":2},{"args":{"name":"processes worker 1 (pid 77)"},"name":"thread_name","ph":"M","pid":77,"tid":1},{"args":{"sort_index":1},"name":"thread_sort_index","ph":"M","pid":77,"tid":1},{"args":{"name":"concur (pid 10)"},"name":"process_name","ph":"M","pid":10,"tid":0},{"args":{"name":"worker process (pid 77)"},"name":"process_name","ph":"M","pid":77,"tid":0}]}"#;
        assert_eq!(trace.to_string(), expected);
    }
}
