//! The statistics of `concur run`: each speedup's bootstrap interval in the
//! JSON report (around the speedup, null for sequential and under 3 runs),
//! the table's mean ± σ and interval columns, and the machine-load figure.

use crate::support::run_concur;

const CPU_ARGS: [&str; 8] = [
    "run", "cpu-sqrt", "--n", "100000", "--warmup", "0", "--quiet", "--runs",
];

#[test]
fn json_report_has_a_speedup_interval_around_each_speedup() {
    let mut args = CPU_ARGS.to_vec();
    args.extend(["5", "--json"]);
    let finished = run_concur(&args);
    finished.assert_exit_code(0);
    let report = finished.stdout_json();
    let context = finished.describe();
    for result in report["results"].as_array().expect("results") {
        let model = result["model"].as_str().unwrap_or("?");
        let ci = &result["speedup_ci"];
        if model == "sequential" {
            assert!(ci.is_null(), "{model}: {ci}");
            continue;
        }
        let speedup = result["speedup"].as_f64().expect("a speedup");
        let [low, high, level] = ["low", "high", "level"]
            .map(|key| ci[key].as_f64().unwrap_or_else(|| panic!("{model}: {ci}")));
        assert!(
            low <= speedup && speedup <= high,
            "{model}: {speedup} outside {ci}: {context}"
        );
        assert_eq!(
            (level, &ci["method"]),
            (0.95, &serde_json::json!("bootstrap"))
        );
        assert_eq!(ci["resamples"], 2000, "{model}: {ci}");
    }
    let load = &report["machine_load"];
    assert!(load["window_s"].as_f64().is_some(), "{load}");
    assert!(
        load["others_cores"].is_number() || load["note"].is_string(),
        "machine_load says neither a figure nor why not: {load}"
    );
}

#[test]
fn table_prints_mean_and_deviation_and_notes_missing_intervals() {
    let mut args = CPU_ARGS.to_vec();
    args.push("3");
    let finished = run_concur(&args);
    finished.assert_exit_code(0);
    let header = finished.stdout.lines().nth(1).unwrap_or("");
    for column in ["mean ± σ", "min … max", "speedup", "95% CI"] {
        assert!(header.contains(column), "{column:?} not in {header:?}");
    }
    assert!(finished.stdout.contains(" ± "), "{}", finished.describe());
    assert!(
        finished.stdout.contains("percentile bootstrap"),
        "{}",
        finished.describe()
    );
    assert!(
        finished.stdout.contains("Other programs"),
        "{}",
        finished.describe()
    );

    let mut args = CPU_ARGS.to_vec();
    args.extend(["2", "--json"]);
    let two = run_concur(&args);
    two.assert_exit_code(0);
    for result in two.stdout_json()["results"].as_array().expect("results") {
        assert!(result["speedup_ci"].is_null(), "{result}");
    }
    args.pop();
    let table = run_concur(&args);
    assert!(
        table.stdout.contains("try --runs 5"),
        "{}",
        table.describe()
    );
}
