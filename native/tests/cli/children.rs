//! Worker processes never outlive a command: a worker killed mid-run fails
//! its task (exit 1) without leaving the other behind, Ctrl-C stops the
//! runner with status 130 and kills every worker, and a normal run reaps
//! every worker it started.

use crate::procs::{
    clock_ticks_per_second, is_live_concur_worker, live_children_of, live_worker_children_of,
    live_workers_started_by, poll_until, proc_stat, send_signal,
};
use crate::support::{RunningConcur, TempDir};
use crate::traces::{processes_model_pids, read_trace, trace_slices};
use std::collections::BTreeSet;
use std::time::Duration;

/// About 3.5 s per task in a debug build: long enough to act mid-task.
const LONG_N: &str = "500000000";

/// CPU a worker must have used before we count it as inside its task
/// (starting up costs a few milliseconds).
const BUSY_CPU: Duration = Duration::from_millis(60);

fn start_long_processes_run() -> RunningConcur {
    RunningConcur::start(&[
        "run",
        "cpu-sqrt",
        "--models",
        "processes",
        "--workers",
        "2",
        "--tasks",
        "2",
        "--n",
        LONG_N,
        "--runs",
        "1",
        "--warmup",
        "0",
        "--quiet",
    ])
}

/// Waits (up to 20 s) until the runner has two `__worker` children that are
/// both computing, and returns their pids.
fn wait_for_two_busy_workers(runner: &RunningConcur) -> Vec<u32> {
    let busy_ticks = (BUSY_CPU.as_millis() as u64 * clock_ticks_per_second()).div_ceil(1000);
    let mut workers = Vec::new();
    let found = poll_until(Duration::from_secs(20), || {
        workers = live_worker_children_of(runner.pid());
        workers.len() == 2
            && workers
                .iter()
                .all(|&pid| proc_stat(pid).is_some_and(|stat| stat.cpu_ticks >= busy_ticks))
    });
    assert!(
        found,
        "runner {} never had two busy __worker children (saw {workers:?})",
        runner.pid()
    );
    workers.sort_unstable();
    workers
}

fn assert_gone_within(pids: &[u32], deadline: Duration, what: &str) {
    let gone = poll_until(deadline, || {
        pids.iter().all(|&pid| !is_live_concur_worker(pid))
    });
    let alive: Vec<u32> = pids
        .iter()
        .copied()
        .filter(|&pid| is_live_concur_worker(pid))
        .collect();
    assert!(gone, "{what}: workers {alive:?} still run");
}

#[test]
fn killing_one_worker_mid_task_fails_that_task_with_exit_1_and_leaves_no_worker() {
    let mut runner = start_long_processes_run();
    let runner_pid = runner.pid();
    let workers = wait_for_two_busy_workers(&runner);
    let (killed, survivor) = (workers[0], workers[1]);
    send_signal(killed, libc::SIGKILL);

    let finished = runner.wait_with_deadline(Duration::from_secs(120));
    finished.assert_exit_code(1);
    let failure_line = finished
        .stdout
        .lines()
        .find(|line| line.contains(&format!("(pid {killed})")))
        .unwrap_or_else(|| {
            panic!(
                "stdout never names the killed worker {killed}:\n{}",
                finished.describe()
            )
        });
    assert!(
        failure_line.starts_with("processes: task "),
        "{failure_line:?}"
    );
    assert!(
        failure_line.contains("SIGKILL") || failure_line.contains("signal"),
        "{failure_line:?}"
    );
    assert!(
        finished.stdout.contains("1 failed"),
        "the answer does not count the lost task:\n{}",
        finished.describe()
    );
    assert!(
        finished.stderr.contains("failed"),
        "{}",
        finished.describe()
    );

    assert!(
        live_children_of(runner_pid).is_empty(),
        "processes still have the runner {runner_pid} as parent"
    );
    assert_gone_within(&[killed, survivor], Duration::from_secs(2), "after the run");
    assert!(live_workers_started_by(runner_pid).is_empty());
}

#[test]
fn ctrl_c_exits_130_says_interrupted_and_kills_both_workers() {
    let mut runner = start_long_processes_run();
    let runner_pid = runner.pid();
    let workers = wait_for_two_busy_workers(&runner);
    let mut started_by_runner = live_workers_started_by(runner_pid);
    started_by_runner.sort_unstable();
    assert_eq!(started_by_runner, workers, "workers name their runner");
    send_signal(runner_pid, libc::SIGINT);

    let finished = runner.wait_with_deadline(Duration::from_secs(30));
    assert_eq!(
        finished.exit_code(),
        Some(130),
        "Ctrl-C must exit with 130:\n{}",
        finished.describe()
    );
    assert!(
        finished.stderr.contains("interrupted"),
        "{}",
        finished.describe()
    );
    assert_gone_within(&workers, Duration::from_secs(2), "after Ctrl-C");
    assert!(live_workers_started_by(runner_pid).is_empty());
}

#[test]
fn a_normal_processes_run_reaps_every_worker_of_every_run() {
    let dir = TempDir::new("reaped");
    let trace_path = dir.join("trace.json");
    let trace_arg = trace_path.to_str().expect("a UTF-8 temp path");
    let mut runner = RunningConcur::start(&[
        "run",
        "quick-io",
        "--models",
        "processes",
        "--delay-ms",
        "20",
        "--tasks",
        "4",
        "--workers",
        "2",
        "--runs",
        "2",
        "--warmup",
        "1",
        "--quiet",
        "--trace",
        trace_arg,
    ]);
    let runner_pid = runner.pid();
    let finished = runner.wait_with_deadline(Duration::from_secs(120));
    finished.assert_exit_code(0);

    let slices = trace_slices(&read_trace(&trace_path));
    let mut all_pids = BTreeSet::new();
    for run in 1..=2 {
        let marker = format!("processes run {run}");
        let (start, end) = slices
            .iter()
            .find(|slice| slice.name == marker)
            .map(|slice| (slice.start_us, slice.end_us()))
            .unwrap_or_else(|| panic!("no {marker:?} marker"));
        let in_run: Vec<_> = slices
            .iter()
            .filter(|slice| slice.tid != 0 && slice.start_us >= start && slice.end_us() <= end)
            .cloned()
            .collect();
        let pids = processes_model_pids(&in_run);
        assert_eq!(pids.len(), 2, "run {run} should have two workers: {pids:?}");
        assert!(!pids.contains(&runner_pid));
        all_pids.extend(pids);
    }
    let all_pids: Vec<u32> = all_pids.into_iter().collect();
    assert_gone_within(&all_pids, Duration::from_secs(2), "after a normal run");
    assert!(live_workers_started_by(runner_pid).is_empty());
}
