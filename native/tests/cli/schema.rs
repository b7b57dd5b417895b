//! `schema/report.schema.json` against real output: `--json` reports of
//! CPU and I/O runs (gil_stats, speedup intervals, latency), every other
//! experiment's quick report, a `concur python` report with CPython rows
//! where `python3` exists (and, from `export.rs`, a tour's and a fake
//! twin's `--export-json`); the schema's enums and ranges against
//! concur-core's own; and real reports with a field's type changed, an
//! unknown field or a missing one, which it must reject.

use crate::support::{FinishedCommand, RunningConcur};
use concur_core::model::Model;
use concur_core::params;
use concur_core::twin::PyModel;
use serde_json::{Value, json};
use std::time::Duration;

const DEADLINE: Duration = Duration::from_secs(120);

/// The schema file, parsed.
pub fn schema() -> Value {
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/../schema/report.schema.json");
    let text = std::fs::read_to_string(path).unwrap_or_else(|err| panic!("{path}: {err}"));
    serde_json::from_str(&text).unwrap_or_else(|err| panic!("{path} is not JSON: {err}"))
}

/// A validator for one of the schema's `$defs` (`report`, `reports`), or
/// for the whole schema (`None`).
fn validator(def: Option<&str>) -> jsonschema::Validator {
    let mut schema = schema();
    if let Some(def) = def {
        let object = schema.as_object_mut().unwrap();
        object.remove("oneOf");
        object.insert("$ref".into(), json!(format!("#/$defs/{def}")));
    }
    jsonschema::draft202012::new(&schema).expect("the schema compiles")
}

/// Every way `value` breaks the schema, one line each (empty when valid):
/// checked against the branch of the top-level `oneOf` it means to be (a
/// document when it has `reports`), whose errors name the field, and
/// against the whole schema, which must agree.
pub fn violations(value: &Value) -> Vec<String> {
    let def = if value.get("reports").is_some() {
        "reports"
    } else {
        "report"
    };
    let errors: Vec<String> = validator(Some(def))
        .iter_errors(value)
        .map(|err| {
            let message = err.to_string();
            let short: String = message.chars().take(300).collect();
            format!("{}: {short}", err.instance_path())
        })
        .collect();
    assert_eq!(
        validator(None).is_valid(value),
        errors.is_empty(),
        "the top-level oneOf disagrees with $defs/{def}: {errors:?}"
    );
    errors
}

/// Panics with every violation when `value` does not match the schema.
pub fn assert_valid(value: &Value, what: &str) {
    let errors = violations(value);
    assert!(
        errors.is_empty(),
        "{what} does not match schema/report.schema.json:\n{}",
        errors.join("\n")
    );
}

fn run_json(args: &[&str]) -> (FinishedCommand, Value) {
    let finished = RunningConcur::start(args).wait_with_deadline(DEADLINE);
    finished.assert_exit_code(0);
    let report = finished.stdout_json();
    (finished, report)
}

/// A small cpu-sqrt under every model, 3 runs each (so speedups have
/// intervals); its threads-gil row has gil_stats.
pub fn cpu_report() -> Value {
    let (_, report) = run_json(&[
        "run", "cpu-sqrt", "--quick", "--n", "20000", "--tasks", "2", "--runs", "3", "--json",
        "--quiet",
    ]);
    report
}

#[test]
fn the_schema_is_draft_2020_12_and_names_what_core_names() {
    let schema = schema();
    jsonschema::draft202012::meta::validate(&schema).expect("a valid draft 2020-12 schema");
    let defs = &schema["$defs"];
    let models: Vec<&str> = Model::ALL.iter().map(|m| m.name()).collect();
    assert_eq!(defs["model"]["enum"], json!(models));
    let py: Vec<&str> = PyModel::ALL.iter().map(|m| m.name()).collect();
    assert_eq!(defs["pyModel"]["enum"], json!(py));
    assert_eq!(
        defs["report"]["properties"]["schema_version"]["const"],
        json!(concur_core::report::SCHEMA_VERSION)
    );
    let knobs = &defs["params"]["properties"];
    for (name, limit) in [
        ("tasks", params::TASKS),
        ("workers", params::WORKERS),
        ("delay_ms", params::DELAY_MS),
        ("runs", params::RUNS),
        ("warmup", params::WARMUP),
    ] {
        assert_eq!(
            (&knobs[name]["minimum"], &knobs[name]["maximum"]),
            (&json!(limit.min), &json!(limit.max)),
            "{name}"
        );
    }
    assert_eq!(knobs["n"]["maximum"], json!(params::N.max));
    assert_eq!(
        knobs["gil_switch_ms"]["minimum"],
        json!(params::GIL_SWITCH_MS_MIN)
    );
    assert_eq!(
        knobs["gil_switch_ms"]["maximum"].as_f64(),
        Some(params::GIL_SWITCH_MS_MAX)
    );
}

#[test]
fn real_reports_match_and_a_changed_type_or_unknown_field_is_rejected() {
    let cpu = std::thread::spawn(cpu_report);
    let (_, io) = run_json(&["run", "quick-io", "--quick", "--json", "--quiet"]);
    let cpu = cpu.join().expect("the cpu-sqrt run");
    assert_valid(&cpu, "cpu-sqrt --json");
    assert_valid(&io, "quick-io --json");
    let gil = cpu["results"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["model"] == "threads-gil")
        .expect("a threads-gil row");
    assert!(gil["gil_stats"]["lanes"].is_array(), "{gil}");
    assert!(cpu["results"][1]["speedup_ci"].is_object(), "{cpu}");
    assert!(
        io["results"]
            .as_array()
            .unwrap()
            .iter()
            .all(|r| r["latency"]["bins"].is_array()),
        "every quick-io model has latencies: {io}"
    );

    let mut typed = cpu.clone();
    typed["results"][0]["workers"] = json!("1");
    assert!(
        violations(&typed)
            .iter()
            .any(|e| e.contains("/results/0/workers")),
        "a string worker count must be refused: {:?}",
        violations(&typed)
    );
    let mut unknown = io.clone();
    unknown["results"][0]["time"]["nap_s"] = json!(0.0);
    assert!(
        !violations(&unknown).is_empty(),
        "an unknown field must be refused"
    );
    let mut missing = io.clone();
    missing["params"]
        .as_object_mut()
        .unwrap()
        .remove("keep_alive");
    assert!(
        !violations(&missing).is_empty(),
        "a missing field must be refused"
    );
    let mut gil_off = cpu.clone();
    let idx = cpu["results"]
        .as_array()
        .unwrap()
        .iter()
        .position(|r| r["model"] == "threads-gil")
        .unwrap();
    gil_off["results"][idx]["gil"] = json!("off");
    assert!(
        !violations(&gil_off).is_empty(),
        "threads-gil's gil is \"on\""
    );
    let document = json!({"schema_version": 1, "tool": "t", "reports": [cpu.clone(), io.clone()]});
    assert_valid(&document, "a reports document of real reports");
    let mut extra = document.clone();
    extra["note"] = json!("x");
    assert!(
        !violations(&extra).is_empty(),
        "the document's keys are fixed"
    );
}

/// Where `python3` exists: a real twin's report (its CPython rows) and
/// its `--export-json`, the same JSON as `--json`.
#[test]
fn a_real_python_report_matches_where_python3_exists() {
    if !crate::support::python3_or_skip() {
        return;
    }
    let dir = crate::support::TempDir::new("schema-python");
    let file = dir.join("python.json");
    let file_arg = file.display().to_string();
    let mut args = vec!["python"];
    args.extend_from_slice(&crate::support::TINY_CPU_SQRT);
    args.extend([
        "--models",
        "sequential,threads-gil",
        "--json",
        "--quiet",
        "--export-json",
        &file_arg,
    ]);
    let (finished, report) = run_json(&args);
    assert!(
        report["cpython"]
            .as_array()
            .is_some_and(|rows| !rows.is_empty()),
        "{report}"
    );
    assert_valid(&report, "concur python --json");
    assert_eq!(
        std::fs::read_to_string(&file).unwrap(),
        finished.stdout,
        "--export-json writes what --json prints"
    );
}

/// Every other experiment's quick report (echo clients' latencies, the
/// database's idle time, timed-out health checks...), run side by side.
#[test]
fn every_experiments_quick_report_matches() {
    let runs: Vec<_> = crate::support::experiments()
        .into_iter()
        .filter(|id| !["cpu-sqrt", "quick-io"].contains(id))
        .map(|id| {
            let handle = std::thread::spawn(move || {
                let finished = RunningConcur::start(&["run", id, "--quick", "--json", "--quiet"])
                    .wait_with_deadline(DEADLINE);
                // A run with a wrong answer (exit 1) still prints its
                // report, which must match all the same.
                assert!(
                    matches!(finished.exit_code(), Some(0 | 1)),
                    "{}",
                    finished.describe()
                );
                finished.stdout_json()
            });
            (id, handle)
        })
        .collect();
    for (id, handle) in runs {
        let report = handle.join().unwrap_or_else(|_| panic!("{id} failed"));
        assert_valid(&report, &format!("concur run {id} --quick --json"));
    }
}
