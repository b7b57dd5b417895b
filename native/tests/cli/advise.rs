//! `concur advise`: every branch of the tutorial's decision flow from
//! flags, and refusals when an answer is missing or malformed; and
//! `concur lesson`, the course in the terminal.

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

#[test]
fn lessons_list_print_and_refuse_unknown_ones() {
    let list = run_concur(&["lesson"]);
    list.assert_exit_code(0);
    assert_eq!(
        list.stdout.lines().filter(|l| l.starts_with("  ")).count(),
        10
    );
    let by_number = run_concur(&["lesson", "2"]);
    by_number.assert_exit_code(0);
    let by_id = run_concur(&["lesson", "gil"]);
    assert_eq!(by_number.stdout, by_id.stdout);
    assert!(by_id.stdout.starts_with("2. "));
    assert!(by_id.stdout.contains("The Python this lesson is about:"));
    assert!(by_id.stdout.contains("Then see: concur run cpu-sqrt"));
    assert!(
        by_id
            .stdout
            .contains("And beside CPython: concur python cpu-sqrt"),
        "{}",
        by_id.stdout
    );
    let unknown = run_concur(&["lesson", "fibers"]);
    unknown.assert_exit_code(2);
    assert!(unknown.stderr.contains("unknown lesson \"fibers\""));
    assert!(unknown.stderr.contains("from 1 to 9"), "{}", unknown.stderr);
}

#[test]
fn lesson_section_five_has_two_lessons_and_each_names_the_other() {
    let five = run_concur(&["lesson", "5"]);
    five.assert_exit_code(0);
    assert_eq!(five.stdout, run_concur(&["lesson", "asyncio"]).stdout);
    assert!(five.stdout.contains("Then see: concur run async-requests"));
    assert!(
        five.stdout
            .contains("Section 5 also has: concur lesson echo-server")
    );
    let echo = run_concur(&["lesson", "echo-server"]);
    echo.assert_exit_code(0);
    assert!(echo.stdout.starts_with("5. "), "{}", echo.stdout);
    assert!(echo.stdout.contains("asyncio.start_server"));
    assert!(echo.stdout.contains("Then see: concur run echo-server\n"));
    assert!(echo.stdout.contains("--tasks 10000 --n 0"));
    assert!(
        echo.stdout
            .contains("Section 5 also has: concur lesson asyncio")
    );
    let six = run_concur(&["lesson", "6"]);
    assert!(six.stdout.starts_with("6. "), "{}", six.stdout);
    assert!(!six.stdout.contains("also has"));
}
