//! Tests of report building: answer checks, speedups, explanations, JSON.

use super::*;
use crate::answer::TaskAnswer;
use crate::experiment::find;
use crate::workload::cpu_sqrt_bare;

fn machine(cores: u32) -> Machine {
    Machine {
        logical_cores: cores,
        os: "test-os".into(),
        cpu_model: "test-cpu".into(),
    }
}

fn run(wall_ms: u64, cpu_ms: u64, answers: Vec<Option<TaskAnswer>>) -> RunOutcome {
    RunOutcome {
        start_ns: 0,
        end_ns: wall_ms * 1_000_000,
        cpu_ns: Some(cpu_ms * 1_000_000),
        answers,
        failures: vec![],
        trace: Trace::default(),
    }
}

fn cpu_setup() -> (Experiment, Params, Plan, Vec<Option<TaskAnswer>>) {
    let experiment = find("cpu-sqrt").unwrap();
    let mut params = experiment.defaults.clone();
    params.set_n(1000).expect("in range");
    params.set_tasks(2).expect("in range");
    params.set_workers(2).expect("in range");
    let plan = experiment.plan(&params, "");
    let right = vec![Some(TaskAnswer::Sum(cpu_sqrt_bare(1000))); 2];
    (experiment, params, plan, right)
}

#[test]
fn speedups_are_against_the_sequential_median() {
    let (experiment, params, plan, right) = cpu_setup();
    let runs = vec![
        ModelRuns {
            model: Model::Sequential,
            workers: 1,
            runs: vec![
                run(1000, 1000, right.clone()),
                run(1200, 1200, right.clone()),
                run(800, 800, right.clone()),
            ],
        },
        ModelRuns {
            model: Model::ThreadsFree,
            workers: 2,
            runs: vec![run(500, 1000, right.clone())],
        },
        ModelRuns {
            model: Model::ThreadsGil,
            workers: 2,
            runs: vec![run(1000, 1000, right.clone())],
        },
    ];
    let report = Report::build(&experiment, &plan, &params, machine(2), "test", &runs);
    assert!(report.all_ok(), "{:?}", report.results);
    let free = &report.results[1];
    assert_eq!(free.speedup, Some(2.0));
    assert_eq!(free.cpu_util, Some(2.0));
    assert_eq!(free.gil, Some(GilMode::Off));
    assert_eq!(report.results[2].gil, Some(GilMode::On));
    assert_eq!(report.results[2].gil_switch_ms, Some(5.0));
    assert_eq!(report.results[0].wall_s.median, 1.0);
    assert!(
        report.explanation.starts_with("threads-free won (2.00x)"),
        "{}",
        report.explanation
    );
    assert!(
        report.explanation.contains("took turns"),
        "{}",
        report.explanation
    );
}

#[test]
fn a_differing_or_failed_answer_is_flagged() {
    let (experiment, params, plan, right) = cpu_setup();
    let mut off_by_a_bit = right.clone();
    let Some(TaskAnswer::Sum(sum)) = off_by_a_bit[1] else {
        unreachable!()
    };
    off_by_a_bit[1] = Some(TaskAnswer::Sum(f64::from_bits(sum.to_bits() + 1)));
    let mut failed = run(100, 100, vec![right[0], None]);
    failed.failures = vec!["task 1: worker 2 (pid 9) was killed by signal 9 (SIGKILL)".into()];
    let runs = vec![
        ModelRuns {
            model: Model::Sequential,
            workers: 1,
            runs: vec![run(100, 100, right.clone())],
        },
        ModelRuns {
            model: Model::Processes,
            workers: 2,
            runs: vec![run(60, 100, off_by_a_bit)],
        },
        ModelRuns {
            model: Model::Async,
            workers: 2,
            runs: vec![failed],
        },
    ];
    let report = Report::build(&experiment, &plan, &params, machine(2), "test", &runs);
    assert!(!report.all_ok());
    assert!(report.results[0].answer_ok);
    assert!(!report.results[1].answer_ok);
    assert_eq!(
        report.results[1].problems,
        vec!["answer differs from the other models' answer"]
    );
    assert!(!report.results[2].answer_ok);
    assert!(report.results[2].problems[0].contains("SIGKILL"));
    assert!(report.results[2].answer.ends_with("1 failed"));
    // The winner must be a model with the right answer, not the faster wrong one.
    assert!(
        report.explanation.starts_with("sequential won"),
        "{}",
        report.explanation
    );
    assert!(
        report
            .explanation
            .contains("Wrong or failed: processes, async.")
    );
}

#[test]
fn a_wrong_answer_is_caught_even_when_every_model_agrees() {
    let (experiment, params, plan, _) = cpu_setup();
    let wrong = vec![Some(TaskAnswer::Sum(1.0)); 2];
    let runs = vec![ModelRuns {
        model: Model::Sequential,
        workers: 1,
        runs: vec![run(10, 10, wrong)],
    }];
    let report = Report::build(&experiment, &plan, &params, machine(2), "test", &runs);
    assert!(!report.results[0].answer_ok);
    assert!(report.results[0].problems[0].contains("is not sum(sqrt(i)"));
}

#[test]
fn io_explanations_credit_the_overlap() {
    let experiment = find("quick-io").unwrap();
    let params = experiment.defaults.clone();
    let plan = experiment.plan(&params, "http://127.0.0.1:9");
    let ok = vec![Some(TaskAnswer::Status(200)); 5];
    let runs = vec![
        ModelRuns {
            model: Model::Sequential,
            workers: 1,
            runs: vec![run(5000, 1, ok.clone())],
        },
        ModelRuns {
            model: Model::ThreadsGil,
            workers: 5,
            runs: vec![run(1010, 1, ok.clone())],
        },
        ModelRuns {
            model: Model::Async,
            workers: 5,
            runs: vec![run(1002, 1, ok.clone())],
        },
    ];
    let report = Report::build(&experiment, &plan, &params, machine(2), "test", &runs);
    assert!(report.all_ok());
    assert!(
        report.explanation.starts_with("async won"),
        "{}",
        report.explanation
    );
    assert!(
        report
            .explanation
            .contains("lets go of the lock while it waits for I/O")
    );
}

#[test]
fn json_round_trips_and_refuses_other_versions() {
    let (experiment, params, plan, right) = cpu_setup();
    let runs = vec![ModelRuns {
        model: Model::Sequential,
        workers: 1,
        runs: vec![run(10, 10, right)],
    }];
    let report = Report::build(&experiment, &plan, &params, machine(4), "test", &runs);
    let json = report.to_json();
    assert_eq!(Report::from_json(&json).unwrap(), report);
    let value: serde_json::Value = serde_json::from_str(&json).unwrap();
    assert_eq!(value["results"][0]["model"], "sequential");
    assert_eq!(value["results"][0]["gil"], serde_json::Value::Null);
    assert!(value["results"][0]["wall_s"]["median"].is_number());
    let newer = json.replace("\"schema_version\": 1", "\"schema_version\": 99");
    assert!(Report::from_json(&newer).unwrap_err().contains("99"));
    assert!(
        Report::from_json("{}")
            .unwrap_err()
            .contains("schema_version")
    );
    assert!(
        Report::from_json("not json")
            .unwrap_err()
            .starts_with("not JSON")
    );
}

#[test]
fn an_imported_report_with_knobs_out_of_range_is_refused_by_name() {
    let (experiment, params, plan, right) = cpu_setup();
    let runs = vec![ModelRuns {
        model: Model::Sequential,
        workers: 1,
        runs: vec![run(10, 10, right)],
    }];
    let report = Report::build(&experiment, &plan, &params, machine(4), "test", &runs);
    let mut value: serde_json::Value = serde_json::from_str(&report.to_json()).unwrap();
    value["params"]["workers"] = 0.into();
    let err = Report::from_json(&value.to_string()).unwrap_err();
    assert!(
        err.contains("--workers must be a whole number from 1 to 512"),
        "{err}"
    );
    // In range for Params, out of range for cpu-sqrt (its n starts at 1).
    let mut value: serde_json::Value = serde_json::from_str(&report.to_json()).unwrap();
    value["params"]["n"] = 0.into();
    let err = Report::from_json(&value.to_string()).unwrap_err();
    assert!(err.contains("params are out of range: --n must"), "{err}");
    let mut value: serde_json::Value = serde_json::from_str(&report.to_json()).unwrap();
    value["experiment"] = "nope".into();
    let err = Report::from_json(&value.to_string()).unwrap_err();
    assert!(
        err.contains("\"nope\" is not one this build knows"),
        "{err}"
    );
}

#[test]
fn without_sequential_the_gil_sentence_makes_no_claim_about_speedup() {
    let (experiment, params, plan, right) = cpu_setup();
    let runs = vec![
        ModelRuns {
            model: Model::ThreadsGil,
            workers: 2,
            runs: vec![run(100, 100, right.clone())],
        },
        ModelRuns {
            model: Model::ThreadsFree,
            workers: 2,
            runs: vec![run(50, 100, right)],
        },
    ];
    let report = Report::build(&experiment, &plan, &params, machine(2), "test", &runs);
    assert_eq!(report.results[0].speedup, None);
    assert!(
        !report.explanation.contains("nexpected"),
        "{}",
        report.explanation
    );
    assert!(
        report.explanation.contains("add sequential to --models"),
        "{}",
        report.explanation
    );
}

#[test]
fn health_checks_near_the_timeout_may_differ_between_models() {
    let experiment = find("health-check").unwrap();
    let mut params = experiment.defaults.clone();
    params.set_tasks(5).expect("in range");
    // The fifth URL takes about the timeout: either outcome is honest.
    params.set_delay_ms(5000).expect("in range");
    let plan = experiment.plan(&params, "http://h");
    let answered: Vec<Option<TaskAnswer>> = vec![Some(TaskAnswer::Status(200)); 5];
    let mut timed_out = answered.clone();
    timed_out[4] = Some(TaskAnswer::TimedOut { after_ms: 5000 });
    let runs = |late: &Vec<Option<TaskAnswer>>| {
        vec![
            ModelRuns {
                model: Model::ThreadsFree,
                workers: 5,
                runs: vec![run(5000, 10, answered.clone())],
            },
            ModelRuns {
                model: Model::Async,
                workers: 5,
                runs: vec![run(5000, 10, late.clone())],
            },
        ]
    };
    let report = Report::build(
        &experiment,
        &plan,
        &params,
        machine(2),
        "t",
        &runs(&timed_out),
    );
    assert!(report.all_ok(), "{:?}", report.results[1].problems);
    // Far from the timeout the models must agree.
    params.set_delay_ms(1000).expect("in range");
    let plan = experiment.plan(&params, "http://h");
    let report = Report::build(
        &experiment,
        &plan,
        &params,
        machine(2),
        "t",
        &runs(&timed_out),
    );
    assert!(!report.all_ok());
}

#[test]
fn thousands_of_problems_show_as_ten_and_a_count() {
    let (experiment, params, plan, _) = cpu_setup();
    let runs = vec![ModelRuns {
        model: Model::Sequential,
        workers: 1,
        runs: vec![run(1000, 1000, vec![None, None])],
    }];
    let mut report = Report::build(&experiment, &plan, &params, machine(2), "t", &runs);
    report.results[0].problems = (0..25).map(|i| format!("task {i}: lost")).collect();
    let lines = report.results[0].problem_lines();
    assert_eq!(lines.len(), PROBLEMS_SHOWN + 1);
    assert_eq!(lines[0], "sequential: task 0: lost");
    assert_eq!(
        lines[PROBLEMS_SHOWN],
        "sequential: and 15 more problems (the JSON report lists them all)"
    );
}

#[test]
fn processing_and_lock_waits_are_measured_from_the_trace() {
    let experiment = find("db-inserts").unwrap();
    let params = experiment.defaults.clone();
    let plan = experiment.plan(&params, "");
    let rows = vec![Some(TaskAnswer::Rows { inserted: 10 }); 4];
    let slice = |kind, start_ms: u64, end_ms: u64| crate::trace::Event {
        lane: 0,
        kind,
        start_ns: start_ms * 1_000_000,
        end_ns: end_ms * 1_000_000,
        task_idx: Some(0),
    };
    let mut threads = run(120, 10, rows.clone());
    threads.trace.events = vec![
        slice(EventKind::QueueWait, 0, 2),
        slice(EventKind::IoWait, 2, 3),
        slice(EventKind::Idle, 3, 103),
    ];
    let runs = vec![
        ModelRuns {
            model: Model::Sequential,
            workers: 1,
            runs: vec![run(450, 10, rows)],
        },
        ModelRuns {
            model: Model::ThreadsGil,
            workers: 4,
            runs: vec![threads],
        },
    ];
    let report = Report::build(&experiment, &plan, &params, machine(2), "t", &runs);
    assert!(report.all_ok(), "{:?}", report.results);
    let time = &report.results[1].time;
    assert_eq!((time.queue_wait_s, time.idle_s), (0.002, 0.1));
    assert!(
        report
            .explanation
            .contains("waited up to 2.0 ms in all for its lock (queue-wait in the trace), small beside the 100.0 ms of processing"),
        "{}",
        report.explanation
    );
    // Reports written before idle time was measured still load.
    let mut older: serde_json::Value = serde_json::from_str(&report.to_json()).unwrap();
    for result in older["results"].as_array_mut().unwrap() {
        result["time"].as_object_mut().unwrap().remove("idle_s");
    }
    let older = Report::from_json(&older.to_string()).unwrap();
    assert_eq!(older.results[1].time.idle_s, 0.0);
}

#[test]
fn speedup_intervals_outlier_warnings_and_machine_load_reach_the_report() {
    let (experiment, params, plan, right) = cpu_setup();
    let walls = |ms: &[u64]| ms.iter().map(|&ms| run(ms, ms, right.clone())).collect();
    let runs = vec![
        ModelRuns {
            model: Model::Sequential,
            workers: 1,
            runs: walls(&[1000, 1010, 990, 1005, 995]),
        },
        ModelRuns {
            model: Model::ThreadsFree,
            workers: 2,
            runs: walls(&[500, 505, 495, 900, 502]),
        },
        ModelRuns {
            model: Model::Processes,
            workers: 2,
            runs: walls(&[500, 510]),
        },
    ];
    let mut report = Report::build(&experiment, &plan, &params, machine(2), "test", &runs);
    assert_eq!(
        report.results[0].speedup_ci, None,
        "sequential is the reference"
    );
    let free = &report.results[1];
    let ci = free.speedup_ci.expect("5 runs on each side");
    assert!(ci.contains(free.speedup.unwrap()), "{ci:?}");
    assert_eq!(report.results[2].speedup_ci, None, "2 runs");
    assert_eq!(free.outlier_runs, vec![3]);
    let warning = report
        .warnings
        .iter()
        .find(|w| w.starts_with("threads-free"));
    let warning = warning.expect("an outlier warning");
    assert!(warning.contains("run 4 took 900.0 ms"), "{warning}");
    assert!(warning.contains("--warmup or --runs"), "{warning}");

    report.note_machine_load(crate::stats::MachineLoad::measured(30.0, 17.0, 10.0));
    assert!(
        report.warnings.last().unwrap().contains("1.30 cores"),
        "{:?}",
        report.warnings
    );
    let json = report.to_json();
    let back = Report::from_json(&json).unwrap();
    assert_eq!(back.machine_load, report.machine_load);
    assert_eq!(back.results[1].speedup_ci, report.results[1].speedup_ci);
    // A report from before intervals and load still loads.
    let mut old: serde_json::Value = serde_json::from_str(&json).unwrap();
    old.as_object_mut().unwrap().remove("machine_load");
    for result in old["results"].as_array_mut().unwrap() {
        result.as_object_mut().unwrap().remove("speedup_ci");
    }
    let old = Report::from_json(&old.to_string()).unwrap();
    assert_eq!((old.machine_load, old.results[1].speedup_ci), (None, None));
}
