//! Chrome traces written by `concur run --trace`: reading the file and
//! turning its complete ("X") events into slices the tests can compare.

use serde_json::Value;
use std::collections::BTreeSet;
use std::path::Path;

/// Reads and parses a Chrome trace written by `--trace`.
pub fn read_trace(path: &Path) -> Value {
    let text = std::fs::read_to_string(path)
        .unwrap_or_else(|err| panic!("cannot read the trace {}: {err}", path.display()));
    serde_json::from_str(&text).unwrap_or_else(|err| panic!("the trace is not JSON: {err}"))
}

/// One complete ("X") event of a Chrome trace, in microseconds.
#[derive(Clone, Debug)]
pub struct TraceSlice {
    pub name: String,
    pub pid: u64,
    pub tid: u64,
    pub start_us: f64,
    pub dur_us: f64,
    /// `args.model`, the model whose run the slice belongs to.
    pub model: String,
}

impl TraceSlice {
    pub fn end_us(&self) -> f64 {
        self.start_us + self.dur_us
    }
}

/// Every "X" event of a trace; panics on an event without numeric ts and dur.
pub fn trace_slices(trace: &Value) -> Vec<TraceSlice> {
    let events = trace["traceEvents"]
        .as_array()
        .expect("traceEvents is an array");
    events
        .iter()
        .filter(|event| event["ph"] == "X")
        .map(|event| TraceSlice {
            name: event["name"].as_str().expect("a name").to_string(),
            pid: event["pid"].as_u64().expect("a numeric pid"),
            tid: event["tid"].as_u64().expect("a numeric tid"),
            start_us: event["ts"].as_f64().expect("a numeric ts"),
            dur_us: event["dur"].as_f64().expect("a numeric dur"),
            model: event["args"]["model"].as_str().unwrap_or("").to_string(),
        })
        .collect()
}

/// The distinct pids of the processes model's slices, in order.
pub fn processes_model_pids(slices: &[TraceSlice]) -> BTreeSet<u32> {
    slices
        .iter()
        .filter(|slice| slice.model == "processes" && slice.tid != 0)
        .map(|slice| u32::try_from(slice.pid).expect("pids fit in u32"))
        .collect()
}
