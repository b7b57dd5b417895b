//! `concur bench`: the argument is checked, and the memory measurement that
//! `bench claims` runs in fresh processes reports per-unit figures.

use crate::support::run_concur;

#[test]
fn bench_takes_only_claims() {
    let finished = run_concur(&["bench", "everything"]);
    finished.assert_exit_code(2);
    assert!(finished.stderr.contains("`claims`"), "{}", finished.stderr);
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
