//! Faults end in reports, never in hangs: a task that panics while its
//! thread holds the emulated GIL fails alone, and a worker process that
//! stops answering is killed at its task's deadline, its task failed by
//! name, with no worker left behind. Test hooks (environment variables the
//! binary honours only when set) make the faults happen.

use crate::procs::{live_children_of, live_workers_started_by};
use crate::support::RunningConcur;
use std::time::Duration;

/// Long enough for a debug build on a busy machine, short enough that a run
/// that hangs fails the test instead of stalling the suite.
const RUN_DEADLINE: Duration = Duration::from_secs(90);

/// The line of stdout that reports `task` failed under `model`.
fn failure_line<'a>(stdout: &'a str, model: &str, task: u32) -> Option<&'a str> {
    let prefix = format!("{model}: task {task}: ");
    stdout
        .lines()
        .find(|line| line.trim_start().starts_with(&prefix))
}

#[test]
fn a_task_that_panics_holding_the_gil_fails_by_name_and_the_run_ends() {
    let mut runner = RunningConcur::start_with_env(
        &[
            "run",
            "cpu-sqrt",
            "--models",
            "threads-gil",
            "--workers",
            "2",
            "--tasks",
            "4",
            "--n",
            "2000000",
            "--runs",
            "1",
            "--warmup",
            "0",
            "--quiet",
        ],
        &[("CONCUR_TEST_PANIC_TASK", "1")],
    );
    let finished = runner.wait_with_deadline(RUN_DEADLINE);
    finished.assert_exit_code(1);
    let line = failure_line(&finished.stdout, "threads-gil", 1).unwrap_or_else(|| {
        panic!(
            "stdout does not report task 1 failed:\n{}",
            finished.describe()
        )
    });
    assert!(line.contains("panicked"), "{line:?}");
    assert!(
        finished.stdout.contains("1 failed"),
        "only the panicking task fails:\n{}",
        finished.describe()
    );
}

#[test]
fn a_worker_that_stops_answering_is_killed_at_its_deadline_and_its_task_fails() {
    let mut runner = RunningConcur::start_with_env(
        &[
            "run",
            "cpu-sqrt",
            "--models",
            "processes",
            "--workers",
            "2",
            "--tasks",
            "4",
            "--n",
            "1000",
            "--runs",
            "1",
            "--warmup",
            "0",
            "--quiet",
        ],
        &[("CONCUR_TEST_HANG_TASK", "1")],
    );
    let runner_pid = runner.pid();
    let finished = runner.wait_with_deadline(RUN_DEADLINE);
    finished.assert_exit_code(1);
    let line = failure_line(&finished.stdout, "processes", 1).unwrap_or_else(|| {
        panic!(
            "stdout does not report task 1 failed:\n{}",
            finished.describe()
        )
    });
    assert!(
        line.contains("gave no answer within") && line.contains("killed"),
        "{line:?}"
    );
    assert!(
        finished.stdout.contains("1 failed"),
        "the other worker ran the other tasks:\n{}",
        finished.describe()
    );
    assert!(
        live_children_of(runner_pid).is_empty(),
        "processes still have the runner {runner_pid} as parent"
    );
    assert!(
        live_workers_started_by(runner_pid).is_empty(),
        "the silent worker was left running"
    );
}
