//! Bad input: every refused flag value exits with status 2, prints nothing
//! on stdout, and says on one stderr line which flag is wrong and (for
//! numbers) what range it allows.

use crate::support::run_concur;

/// Runs `concur ARGS` and checks the usage-error contract; `fragments` must
/// all appear in the one stderr line.
pub(crate) fn assert_usage_error(args: &[&str], fragments: &[&str]) {
    let finished = run_concur(args);
    finished.assert_exit_code(2);
    let stderr = finished.stderr.trim_end();
    assert_eq!(
        stderr.lines().count(),
        1,
        "stderr is not one line:\n{}",
        finished.describe()
    );
    assert!(
        stderr.starts_with("concur: error: "),
        "{}",
        finished.describe()
    );
    for fragment in fragments {
        assert!(
            stderr.contains(fragment),
            "stderr lacks {fragment:?}:\n{}",
            finished.describe()
        );
    }
    assert!(
        finished.stdout.is_empty(),
        "a refused command printed on stdout:\n{}",
        finished.describe()
    );
}

#[test]
fn workers_zero_is_refused_with_its_range() {
    assert_usage_error(
        &["run", "cpu-sqrt", "--workers", "0"],
        &["--workers", "from 1 to 512", "\"0\""],
    );
}

#[test]
fn workers_negative_is_refused_with_its_range() {
    assert_usage_error(
        &["run", "cpu-sqrt", "--workers", "-1"],
        &["--workers", "from 1 to 512", "\"-1\""],
    );
}

#[test]
fn n_overflowing_u64_is_refused_with_its_range() {
    assert_usage_error(
        &["run", "cpu-sqrt", "--n", "99999999999999999999"],
        &["--n ", "from 1 to 10,000,000,000"],
    );
}

#[test]
fn tasks_not_a_number_is_refused_with_its_range() {
    assert_usage_error(
        &["run", "cpu-sqrt", "--tasks", "abc"],
        &["--tasks", "from 1 to 10,000", "\"abc\""],
    );
}

#[test]
fn runs_zero_is_refused_with_its_range() {
    assert_usage_error(
        &["run", "cpu-sqrt", "--runs", "0"],
        &["--runs", "from 1 to 100"],
    );
}

#[test]
fn gil_switch_ms_zero_is_refused_with_its_range() {
    assert_usage_error(
        &["run", "cpu-sqrt", "--gil-switch-ms", "0"],
        &["--gil-switch-ms", "from 0.01 to 1000"],
    );
}

#[test]
fn delay_ms_above_the_servers_ten_seconds_is_refused_with_its_range() {
    assert_usage_error(
        &["run", "quick-io", "--delay-ms", "10001"],
        &["--delay-ms", "from 0 to 10,000"],
    );
}

#[test]
fn unknown_model_is_refused_listing_the_models() {
    assert_usage_error(
        &["run", "cpu-sqrt", "--models", "fibers"],
        &["--models", "fibers", "threads-gil", "all"],
    );
}

#[test]
fn unknown_experiment_is_refused_listing_the_experiments() {
    assert_usage_error(&["run", "nope"], &["nope", "quick-io", "cpu-sqrt"]);
}

#[test]
fn trace_in_a_missing_directory_is_refused_before_running() {
    assert_usage_error(
        &[
            "run",
            "cpu-sqrt",
            "--trace",
            "/nonexistent-dir/x.json",
            "--n",
            "1000",
        ],
        &["--trace", "/nonexistent-dir/x.json"],
    );
}

#[test]
fn target_with_ftp_scheme_is_refused() {
    assert_usage_error(
        &["run", "quick-io", "--target", "ftp://x"],
        &["--target", "http://", "ftp://x"],
    );
}

#[test]
fn n_on_quick_io_is_refused_as_not_applicable() {
    assert_usage_error(
        &["run", "quick-io", "--n", "5"],
        &["--n ", "does not apply to quick-io"],
    );
}

#[test]
fn delay_ms_on_cpu_sqrt_is_refused_as_not_applicable() {
    assert_usage_error(
        &["run", "cpu-sqrt", "--delay-ms", "5"],
        &["--delay-ms", "does not apply to cpu-sqrt"],
    );
}

#[test]
fn keep_alive_without_http_requests_is_refused_as_not_applicable() {
    assert_usage_error(
        &["run", "cpu-sqrt", "--keep-alive"],
        &["--keep-alive", "does not apply to cpu-sqrt"],
    );
    assert_usage_error(
        &["run", "db-inserts", "--keep-alive"],
        &["--keep-alive", "does not apply to db-inserts"],
    );
}

#[test]
fn serve_port_above_65535_is_refused_with_its_range() {
    assert_usage_error(
        &["serve", "--port", "70000"],
        &["--port", "from 0 to 65,535"],
    );
}
