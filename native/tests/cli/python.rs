//! `concur python`: with a fake `python3` on PATH (missing interpreter,
//! missing modules, a twin that fails or answers wrong: clear messages,
//! exit 2 or 1, nothing left running), and one quick real twin run when
//! this machine has a `python3`.

use crate::support::{RunningConcur, TempDir};
use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};
use std::time::Duration;

const MINUTE: Duration = Duration::from_secs(60);

use crate::support::TINY_CPU_SQRT as QUICK;

/// A fake `python3` in a directory of its own: it answers the probe
/// (`-c ...`) with `probe_json`, and runs `twin_body` (shell) for a twin.
fn fake_python(dir: &TempDir, probe_json: &str, twin_body: &str) -> PathBuf {
    fake_interpreter(dir, "python3", probe_json, twin_body)
}

/// A fake interpreter named `name` in `dir/bin`, as [`fake_python`].
fn fake_interpreter(dir: &TempDir, name: &str, probe_json: &str, twin_body: &str) -> PathBuf {
    let bin = dir.join("bin");
    std::fs::create_dir_all(&bin).unwrap();
    let path = bin.join(name);
    let script = format!(
        "#!/bin/sh\nif [ \"$1\" = \"-c\" ]; then\n  echo '{probe_json}'\n  exit 0\nfi\n{twin_body}\n"
    );
    std::fs::write(&path, script).unwrap();
    std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o755)).unwrap();
    bin
}

const READY: &str = r#"{"name": "CPython 3.12.1", "free_threaded": false, "gil_enabled": true, "missing": [], "major_minor": [3, 12]}"#;

fn python_run(path_dir: &Path, args: &[&str]) -> crate::support::FinishedCommand {
    let path = format!("{}:/usr/bin:/bin", path_dir.display());
    let mut all = vec!["python"];
    all.extend_from_slice(args);
    RunningConcur::start_with_env(&all, &[("PATH", &path)]).wait_with_deadline(MINUTE)
}

#[test]
fn without_python3_it_says_so_in_one_line_and_exits_2() {
    let empty = TempDir::new("no-python");
    let out = RunningConcur::start_with_env(
        &["python", "cpu-sqrt"],
        &[("PATH", &empty.join("").display().to_string())],
    )
    .wait_with_deadline(MINUTE);
    out.assert_exit_code(2);
    assert!(
        out.stderr.contains("no python3 on PATH"),
        "{}",
        out.describe()
    );
    assert_eq!(out.stderr.trim().lines().count(), 1, "{}", out.describe());
}

#[test]
fn missing_modules_are_named_with_the_venv_commands_and_exit_2() {
    let dir = TempDir::new("no-requests");
    let probe = READY.replace(r#""missing": []"#, r#""missing": ["requests"]"#);
    let bin = fake_python(&dir, &probe, "echo should not run >&2; exit 9");
    let out = python_run(&bin, &["convoy", "--tasks", "2"]);
    out.assert_exit_code(2);
    for expected in [
        "cannot import requests",
        "python3 -m venv",
        "pip install requests",
        "--python ~/.venvs/concur/bin/python3",
        "never installs",
    ] {
        assert!(
            out.stderr.contains(expected),
            "{expected}: {}",
            out.describe()
        );
    }
    assert!(!out.stderr.contains("should not run"), "{}", out.describe());
}

#[test]
fn an_old_or_strange_python_is_refused_with_exit_2() {
    let dir = TempDir::new("old-python");
    let bin = fake_python(&dir, &READY.replace("[3, 12]", "[2, 7]"), "exit 0");
    let out = python_run(&bin, &QUICK);
    out.assert_exit_code(2);
    assert!(out.stderr.contains("is Python 2.7"), "{}", out.describe());
    let bin = fake_python(&dir, "not json", "exit 0");
    let out = python_run(&bin, &QUICK);
    out.assert_exit_code(2);
    assert!(
        out.stderr.contains("did not answer as a Python 3"),
        "{}",
        out.describe()
    );
}

#[test]
fn a_failing_twin_exits_1_with_its_last_lines_and_leaves_nothing_running() {
    let dir = TempDir::new("failing-twin");
    let marker = dir.join("straggler.pid");
    let body = format!(
        "sleep 300 &\necho $! > {}\necho 'Traceback (most recent call last):' >&2\necho 'ZeroDivisionError: division by zero' >&2\nexit 1",
        marker.display()
    );
    let bin = fake_python(&dir, READY, &body);
    let out = python_run(&bin, &QUICK);
    out.assert_exit_code(1);
    assert!(
        out.stderr
            .contains("cpu-sqrt's twin failed under CPython 3.12.1 (exit 1)"),
        "{}",
        out.describe()
    );
    assert!(
        out.stderr.contains("ZeroDivisionError"),
        "{}",
        out.describe()
    );
    let straggler = std::fs::read_to_string(&marker).unwrap();
    let stat =
        std::fs::read_to_string(format!("/proc/{}/stat", straggler.trim())).unwrap_or_default();
    let state = stat
        .rsplit(')')
        .next()
        .unwrap_or("")
        .trim_start()
        .chars()
        .next();
    assert!(
        matches!(state, None | Some('Z')),
        "the twin's child outlived it: {stat}"
    );
}

#[test]
fn a_twin_with_a_wrong_answer_is_marked_wrong_and_exits_1() {
    let dir = TempDir::new("wrong-twin");
    let body = "echo 'sequential        0.100000 s  answer 1.0 1.0'\n\
                echo 'threading         0.100000 s  answer 1.0 1.0'\n\
                echo 'multiprocessing   0.100000 s  answer 1.0 1.0'";
    let bin = fake_python(&dir, READY, body);
    let out = python_run(&bin, &QUICK);
    out.assert_exit_code(1);
    assert!(
        out.stdout.contains("CPython 3.12.1 sequential"),
        "{}",
        out.describe()
    );
    assert!(out.stdout.contains("WRONG"), "{}", out.describe());
    assert!(
        out.stdout.contains("is not sum(sqrt(i)"),
        "{}",
        out.describe()
    );
}

#[test]
fn a_twin_that_prints_no_result_for_a_model_is_a_failure() {
    let dir = TempDir::new("silent-twin");
    let bin = fake_python(&dir, READY, "echo 'sequential 0.1 s  answer 1 1'");
    let out = python_run(&bin, &QUICK);
    out.assert_exit_code(1);
    assert!(
        out.stderr.contains("printed no threading line"),
        "{}",
        out.describe()
    );
}

#[test]
fn listing_printing_and_unknown_twins() {
    let out = RunningConcur::start(&["python"]).wait_with_deadline(MINUTE);
    out.assert_exit_code(0);
    assert!(
        out.stdout.contains("cpu-sqrt") && out.stdout.contains("convoy.py"),
        "{}",
        out.describe()
    );
    let out = RunningConcur::start(&["python", "cpu-sqrt", "--print"]).wait_with_deadline(MINUTE);
    out.assert_exit_code(0);
    assert!(
        out.stdout.contains("def sum_sqrt(n):"),
        "{}",
        out.describe()
    );
    let out = RunningConcur::start(&["python", "nope"]).wait_with_deadline(MINUTE);
    out.assert_exit_code(2);
    assert!(
        out.stderr.contains("no Python twin for \"nope\""),
        "{}",
        out.describe()
    );
    let out = RunningConcur::start(&["python", "cpu-sqrt", "--n", "0"]).wait_with_deadline(MINUTE);
    out.assert_exit_code(2);
    assert!(out.stderr.contains("--n"), "{}", out.describe());
}

/// Where `python3` exists: a real twin run whose answers match concur's.
#[test]
fn a_real_twin_run_matches_concurs_answers() {
    if !crate::support::python3_or_skip() {
        return;
    }
    let mut args = vec!["python"];
    args.extend_from_slice(&QUICK);
    args.push("--json");
    let out = RunningConcur::start(&args).wait_with_deadline(Duration::from_secs(300));
    out.assert_exit_code(0);
    let report = out.stdout_json();
    let rows = report["cpython"].as_array().expect("cpython rows");
    let models: Vec<&str> = rows
        .iter()
        .map(|row| row["model"].as_str().unwrap())
        .collect();
    assert_eq!(
        models,
        ["sequential", "threading", "multiprocessing"],
        "{}",
        out.describe()
    );
    for row in rows {
        assert_eq!(row["answer_ok"], true, "{row}");
        assert!(
            row["interpreter"]["name"]
                .as_str()
                .unwrap()
                .contains("Python 3."),
            "{row}"
        );
    }
}

#[test]
fn fidelity_without_python3_or_with_bad_runs_exits_2() {
    let empty = TempDir::new("no-python-fidelity");
    let out = RunningConcur::start_with_env(
        &["fidelity"],
        &[("PATH", &empty.join("").display().to_string())],
    )
    .wait_with_deadline(MINUTE);
    out.assert_exit_code(2);
    assert!(
        out.stderr.contains("no python3 on PATH"),
        "{}",
        out.describe()
    );
    let out = RunningConcur::start(&["fidelity", "--runs", "0"]).wait_with_deadline(MINUTE);
    out.assert_exit_code(2);
    assert!(out.stderr.contains("runs"), "{}", out.describe());
}

/// A twin's lines for QUICK (two sums of 1,000 square roots), right.
const RIGHT_LINES: &str = "echo 'sequential        0.100000 s  answer 21065.833110879048 21065.833110879048'\n\
    echo 'threading         0.050000 s  answer 21065.833110879048 21065.833110879048'\n\
    echo 'multiprocessing   0.060000 s  answer 21065.833110879048 21065.833110879048'";

#[test]
fn a_free_threaded_build_on_path_runs_too_and_is_labelled() {
    let dir = TempDir::new("free-threaded");
    let bin = fake_python(&dir, READY, RIGHT_LINES);
    let free = READY
        .replace("CPython 3.12.1", "CPython 3.13.1")
        .replace(
            r#""free_threaded": false, "gil_enabled": true"#,
            r#""free_threaded": true, "gil_enabled": false"#,
        )
        .replace("[3, 12]", "[3, 13]");
    fake_interpreter(&dir, "python3.13t", &free, RIGHT_LINES);
    let out = python_run(&bin, &QUICK);
    out.assert_exit_code(0);
    assert!(
        out.stdout.contains("CPython 3.12.1 threading"),
        "{}",
        out.describe()
    );
    assert!(
        out.stdout
            .contains("CPython 3.13.1 (free-threaded) threading"),
        "{}",
        out.describe()
    );
    // Against its own sequential run: 0.100 / 0.050.
    assert!(out.stdout.contains("2.00x"), "{}", out.describe());
}
