//! `concur advise`: every branch of the tutorial's decision flow from
//! flags, and refusals when an answer is missing or malformed.

use crate::support::run_concur;

fn advice(args: &[&str]) -> String {
    let mut all = vec!["advise"];
    all.extend_from_slice(args);
    let finished = run_concur(&all);
    finished.assert_exit_code(0);
    finished.stdout
}

#[test]
fn each_branch_of_the_flow_names_its_model_and_experiment() {
    let cpu = advice(&["--cpu-bound", "yes"]);
    assert!(cpu.starts_with("Use processes"), "{cpu}");
    assert!(cpu.contains("concur run cpu-sqrt"));
    let few = advice(&["--cpu-bound", "no", "--concurrent", "20"]);
    assert!(few.starts_with("Use threads"), "{few}");
    assert!(few.contains("concur run scraper"));
    let many = advice(&[
        "--cpu-bound",
        "no",
        "--concurrent",
        "1000",
        "--async-ok",
        "yes",
    ]);
    assert!(many.starts_with("Use async"), "{many}");
    assert!(many.contains("concur run async-requests"));
    let legacy = advice(&[
        "--cpu-bound",
        "no",
        "--concurrent",
        "1000",
        "--async-ok",
        "no",
    ]);
    assert!(legacy.starts_with("Use threads"), "{legacy}");
    assert!(legacy.contains("stay with threads"));
}

#[test]
fn missing_or_malformed_answers_exit_2_naming_the_flag() {
    for (args, flag) in [
        (vec!["advise", "--cpu-bound", "no"], "--concurrent"),
        (vec!["advise", "--cpu-bound", "maybe"], "--cpu-bound"),
        (
            vec!["advise", "--cpu-bound", "no", "--concurrent", "0"],
            "--concurrent",
        ),
        (
            vec!["advise", "--cpu-bound", "no", "--concurrent", "500"],
            "--async-ok",
        ),
        (vec!["advise"], "--cpu-bound"),
    ] {
        let finished = run_concur(&args);
        finished.assert_exit_code(2);
        assert!(
            finished.stderr.contains(flag),
            "{args:?}: {}",
            finished.stderr
        );
    }
}
