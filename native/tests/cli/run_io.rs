//! `concur run quick-io` against its built-in server: every model gets the
//! right statuses and the concurrent ones overlap the waits; a `--target`
//! nobody listens on fails the run with a message naming the flag.

use crate::support::run_concur;

#[test]
fn quick_io_every_model_answers_http_200_and_concurrent_models_beat_sequential() {
    let finished = run_concur(&[
        "run",
        "quick-io",
        "--delay-ms",
        "100",
        "--tasks",
        "3",
        "--workers",
        "3",
        "--runs",
        "1",
        "--warmup",
        "0",
        "--json",
        "--quiet",
    ]);
    finished.assert_exit_code(0);
    let report = finished.stdout_json();
    let context = finished.describe();
    let results = report["results"].as_array().expect("results is an array");
    assert_eq!(results.len(), 5, "{context}");

    let median_of = |model: &str| {
        results
            .iter()
            .find(|result| result["model"] == model)
            .and_then(|result| result["wall_s"]["median"].as_f64())
            .unwrap_or_else(|| panic!("no median wall time for {model}: {context}"))
    };
    for result in results {
        let model = result["model"].as_str().unwrap_or("?");
        assert_eq!(result["answer_ok"], true, "{model}: {context}");
        assert_eq!(result["answer"], "3 × HTTP 200", "{model}: {context}");
        assert_eq!(
            result["problems"].as_array().map(Vec::len),
            Some(0),
            "{model}: {context}"
        );
    }
    // Three 100 ms waits: at least 0.3 s one after another, about 0.1 s
    // overlapped. A ratio within one run, not an absolute time.
    let sequential = median_of("sequential");
    assert!(
        sequential >= 0.3,
        "sequential took {sequential} s: {context}"
    );
    for model in ["threads-gil", "threads-free", "processes", "async"] {
        let median = median_of(model);
        assert!(
            median < sequential,
            "{model} ({median} s) was not faster than sequential ({sequential} s): {context}"
        );
    }
}

#[test]
fn quick_io_target_where_nothing_listens_fails_with_exit_1_naming_target() {
    let finished = run_concur(&[
        "run",
        "quick-io",
        "--target",
        "http://127.0.0.1:1/",
        "--models",
        "sequential",
        "--runs",
        "1",
        "--warmup",
        "0",
        "--quiet",
    ]);
    finished.assert_exit_code(1);
    let stderr = finished.stderr.trim_end();
    assert_eq!(stderr.lines().count(), 1, "{}", finished.describe());
    assert!(stderr.contains("--target"), "{}", finished.describe());
    assert!(stderr.contains("cannot connect"), "{}", finished.describe());
    assert!(
        finished.stdout.is_empty(),
        "a run that could not start printed a report: {}",
        finished.describe()
    );
}
