//! `concur bench` and `concur tour`: the argument is checked, the memory
//! measurement that `bench claims` runs in fresh processes reports per-unit
//! figures and how many units it counted, and a claim that cannot hold
//! makes the tour exit 1 (0 with `--exit-zero`).

use crate::support::run_concur;

#[test]
fn bench_takes_only_claims_and_help_lists_it() {
    let finished = run_concur(&["bench", "everything"]);
    finished.assert_exit_code(2);
    assert!(
        finished
            .stderr
            .contains("unrecognized subcommand 'everything'"),
        "{}",
        finished.stderr
    );
    let help = run_concur(&["bench", "--help"]);
    help.assert_exit_code(0);
    assert!(
        help.stdout
            .lines()
            .any(|line| line.trim_start().starts_with("claims ")),
        "{}",
        help.stdout
    );
}

#[test]
fn the_memory_measurement_reports_per_unit_figures() {
    for kind in ["threads", "tasks"] {
        let finished = run_concur(&["__measure", kind, "200"]);
        finished.assert_exit_code(0);
        let words: Vec<f64> = finished
            .stdout
            .split_whitespace()
            .map(|w| w.parse().unwrap())
            .collect();
        assert_eq!(words.len(), 2, "{kind}: {}", finished.stdout);
        assert!(
            words[0] >= 0.0 && words[0] < 1024.0,
            "{kind}: {} KiB each",
            words[0]
        );
        assert_eq!(words[1], 200.0, "{kind}: all 200 were alive at once");
    }
}

#[test]
fn the_process_memory_counts_the_workers_that_said_ready_and_were_measured() {
    let finished = run_concur(&["__measure", "processes", "3"]);
    finished.assert_exit_code(0);
    let words: Vec<&str> = finished.stdout.split_whitespace().collect();
    assert_eq!(words.len(), 4, "{}", finished.describe());
    let (rss, private): (f64, f64) = (words[0].parse().unwrap(), words[1].parse().unwrap());
    assert!(
        rss > 0.0 && private > 0.0 && private <= rss,
        "{}",
        finished.stdout
    );
    assert_eq!(words[2..], ["3", "3"], "3 measured of 3 started");
}

/// `concur tour` on cpu-sqrt alone with 1,000 iterations per task: starting
/// worker processes takes far longer than the whole sequential run, so the
/// claim that a process pool is about cores-times faster cannot hold.
fn tour_where_a_claim_cannot_hold(extra: &[&str]) -> crate::support::FinishedCommand {
    let mut args = vec![
        "tour", "--only", "cpu-sqrt", "--quick", "--n", "1000", "--quiet",
    ];
    args.extend_from_slice(extra);
    run_concur(&args)
}

#[test]
fn a_claim_that_does_not_hold_fails_the_tour_unless_exit_zero() {
    let finished = tour_where_a_claim_cannot_hold(&[]);
    finished.assert_exit_code(1);
    assert!(
        finished
            .stdout
            .contains("DOES NOT HOLD a process pool is about cores-times faster"),
        "{}",
        finished.describe()
    );
    assert!(
        finished
            .stderr
            .contains("concur: error: claims not holding here: "),
        "{}",
        finished.describe()
    );
    assert!(
        !finished.stdout.contains("WRONG"),
        "{}",
        finished.describe()
    );

    let table_only = tour_where_a_claim_cannot_hold(&["--exit-zero"]);
    table_only.assert_exit_code(0);
    assert!(
        table_only.stdout.contains("DOES NOT HOLD"),
        "{}",
        table_only.describe()
    );
}

#[test]
fn tour_refuses_unknown_experiments_and_n_where_there_is_none() {
    let unknown = run_concur(&["tour", "--only", "cpu-sqrt,nope"]);
    unknown.assert_exit_code(2);
    assert!(
        unknown.stderr.contains("\"nope\""),
        "{}",
        unknown.describe()
    );
    let no_n = run_concur(&["tour", "--only", "quick-io", "--n", "5"]);
    no_n.assert_exit_code(2);
    assert!(
        no_n.stderr.contains("--n does not apply to quick-io"),
        "{}",
        no_n.describe()
    );
}

#[test]
fn the_ping_pong_process_echoes_every_byte_and_stops_at_end_of_input() {
    use std::io::Write;
    use std::process::{Command, Stdio};
    let mut child = Command::new(env!("CARGO_BIN_EXE_concur"))
        .arg("__pong")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .spawn()
        .expect("concur starts");
    child.stdin.take().unwrap().write_all(b"ping").unwrap();
    let output = child.wait_with_output().unwrap();
    assert!(output.status.success());
    assert_eq!(output.stdout, b"ping");
}
