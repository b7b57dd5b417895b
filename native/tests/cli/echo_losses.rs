//! Lost echo clients are accounted for: with a deliberately tiny backlog
//! (`CONCUR_TEST_ECHO_BACKLOG=1`), many clients starting at once, a server
//! that takes one connection at a time and a short client deadline
//! (`CONCUR_TEST_ECHO_DEADLINE_MS`), the kernel's accept queue overflows
//! and clients go without an echo. Every one of them must appear in the
//! report with its cause, and a summary line must count them beside the
//! rise of the kernel's `ListenOverflows` counter during the run.

use crate::support::RunningConcur;
use std::time::Duration;

/// The number right after `label` in `text`, if there is one.
fn number_after(text: &str, label: &str) -> Option<u64> {
    let rest = &text[text.find(label)? + label.len()..];
    let digits: String = rest.chars().take_while(char::is_ascii_digit).collect();
    digits.parse().ok()
}

/// True when `problem` is a client's own failure line ("task I: client I+1: ...").
fn is_client_line(problem: &str) -> bool {
    let Some(rest) = problem.strip_prefix("task ") else {
        return false;
    };
    let idx: String = rest.chars().take_while(char::is_ascii_digit).collect();
    idx.parse::<u64>().is_ok_and(|idx| {
        rest[idx.to_string().len()..].starts_with(&format!(": client {}: ", idx + 1))
    })
}

#[test]
fn every_client_lost_to_an_overflowing_accept_queue_is_reported_with_its_cause() {
    const CLIENTS: usize = 30;
    let mut runner = RunningConcur::start_with_env(
        &[
            "run",
            "echo-server",
            "--tasks",
            "30",
            "--n",
            "0",
            "--delay-ms",
            "100",
            "--models",
            "sequential",
            "--runs",
            "1",
            "--warmup",
            "0",
            "--json",
            "--quiet",
        ],
        &[
            ("CONCUR_TEST_ECHO_BACKLOG", "1"),
            ("CONCUR_TEST_ECHO_DEADLINE_MS", "1500"),
        ],
    );
    let finished = runner.wait_with_deadline(Duration::from_secs(120));
    // One connection at a time with 100 ms handlers cannot answer 30
    // clients within 1.5 s: some are lost, and the run says so.
    finished.assert_exit_code(1);
    let report = finished.stdout_json();
    let result = &report["results"][0];
    assert_eq!(result["model"], "sequential", "{}", finished.describe());
    let problems: Vec<&str> = result["problems"]
        .as_array()
        .expect("problems")
        .iter()
        .map(|p| p.as_str().expect("a problem line"))
        .collect();
    let lost: Vec<&str> = problems
        .iter()
        .copied()
        .filter(|p| is_client_line(p))
        .collect();
    assert!(!lost.is_empty() && lost.len() <= CLIENTS, "{problems:#?}");
    // Every lost client names its cause: a connection the server never
    // accepted (with the queue's measured overflow) or one it took.
    for line in &lost {
        let never_accepted = line.contains("; the server never accepted its connection: ")
            && line.contains("the accept queue (backlog 1, CONCUR_TEST_ECHO_BACKLOG) overflowed")
            && number_after(line, "ListenOverflows +").is_some_and(|n| n > 0);
        let taken = line.contains("; the server took its connection");
        assert!(never_accepted || taken, "no cause: {line}");
    }
    assert!(
        lost.iter()
            .any(|line| line.contains("the server never accepted its connection")),
        "a backlog of 1 leaves some clients unaccepted: {lost:#?}"
    );
    // One line sums the losses up with the counters' rise during the run.
    let summary: Vec<&str> = problems
        .iter()
        .copied()
        .filter(|p| p.contains(&format!(" of {CLIENTS} clients got no echo (")))
        .collect();
    assert_eq!(summary.len(), 1, "{problems:#?}");
    assert_eq!(
        number_after(summary[0], ""),
        Some(lost.len() as u64),
        "the summary counts every lost client: {}",
        summary[0]
    );
    assert!(
        number_after(summary[0], "ListenOverflows +").is_some_and(|n| n > 0),
        "{}",
        summary[0]
    );
    // The run's answer counts the same clients as failed.
    let answer = result["answer"].as_str().expect("an answer");
    assert!(
        answer.ends_with(&format!("{} failed", lost.len())),
        "{answer}"
    );
}
