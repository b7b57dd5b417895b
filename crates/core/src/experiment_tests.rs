//! Tests of experiments and plans: answer checks, health checks' either
//! outcome, the quick preset and how slices share out tasks.

use super::*;

#[test]
fn checks_catch_wrong_answers() {
    let cpu = find("cpu-sqrt").unwrap();
    let task = Task {
        idx: 0,
        op: Op::CpuSqrt { n: 100 },
    };
    assert!(
        cpu.check(&task, &TaskAnswer::Sum(661.462_947_103_147_7))
            .is_ok()
    );
    assert!(cpu.check(&task, &TaskAnswer::Sum(600.0)).is_err());
    assert!(cpu.check(&task, &TaskAnswer::Status(200)).is_err());
    let get = Task {
        idx: 1,
        op: Op::Get {
            url: "http://h/".into(),
            keep_alive: false,
        },
    };
    assert!(cpu.check(&get, &TaskAnswer::Status(200)).is_ok());
    assert!(cpu.check(&get, &TaskAnswer::Status(500)).is_err());
    let batch = Task {
        idx: 2,
        op: Op::Batch {
            values: vec![10, 51, 100, 50],
        },
    };
    assert!(
        cpu.check(&batch, &TaskAnswer::Stats { kept: 2, sum: 151 })
            .is_ok()
    );
    assert!(
        cpu.check(&batch, &TaskAnswer::Stats { kept: 3, sum: 201 })
            .is_err()
    );
}

#[test]
fn health_checks_must_time_out_only_when_the_delay_says_so() {
    let health = find("health-check").unwrap();
    let check = |delay_ms: Option<u64>| Task {
        idx: 0,
        op: Op::Check {
            url: "http://h/".into(),
            timeout_ms: 5000,
            delay_ms,
            keep_alive: false,
        },
    };
    let (ok, late) = (
        TaskAnswer::Status(200),
        TaskAnswer::TimedOut { after_ms: 5000 },
    );
    let fast = check(Some(1000));
    assert!(health.check(&fast, &ok).is_ok());
    assert!(health.check(&fast, &late).is_err());
    let slow = check(Some(6500));
    assert!(health.check(&slow, &late).is_ok());
    assert!(health.check(&slow, &ok).is_err());
    // Near the timeout either outcome is honest.
    let close = check(Some(5000));
    assert!(health.check(&close, &ok).is_ok() && health.check(&close, &late).is_ok());
    assert!(close.op.either_outcome() && !slow.op.either_outcome());
    // A --target's delay is unknown: either outcome is honest.
    let elsewhere = check(None);
    assert!(health.check(&elsewhere, &late).is_ok() && elsewhere.op.either_outcome());
    assert!(
        health
            .check(&check(Some(0)), &TaskAnswer::Status(503))
            .is_err()
    );
    let plan = health.plan(&health.defaults, "http://h");
    assert_eq!(plan.tasks[0].op.timeout_ms(), Some(5000));
}

#[test]
fn the_quick_preset_shrinks_waits_and_work_only() {
    let cpu = find("cpu-sqrt").unwrap();
    let quick = cpu.quick();
    assert_eq!(
        (quick.n(), quick.tasks(), quick.runs(), quick.warmup()),
        (5_000_000, 4, 1, 0)
    );
    let io = find("scraper").unwrap().quick();
    assert_eq!((io.delay_ms(), io.tasks(), io.workers()), (200, 5, 5));
    let convoy = find("convoy").unwrap().quick();
    assert_eq!((convoy.delay_ms(), convoy.n()), (10, 50_000));
    let db = find("db-inserts").unwrap().quick();
    assert_eq!((db.delay_ms(), db.n()), (10, 10));
    assert_eq!(find("data-batches").unwrap().n_limit().max, 100_000_000);
}

#[test]
fn slices_cover_every_task_once() {
    let plan = Plan {
        experiment: "x",
        tasks: (0..10)
            .map(|idx| Task {
                idx,
                op: Op::CpuSqrt { n: 1 },
            })
            .collect(),
        dispatch: Dispatch::Slices,
    };
    let seen: Vec<u32> = (0..3)
        .flat_map(|lane| plan.slice(lane, 3).iter().map(|t| t.idx))
        .collect();
    assert_eq!(seen, (0..10).collect::<Vec<_>>());
    assert_eq!(plan.slice(0, 3).len(), 3);
    assert_eq!(plan.slice(2, 3).len(), 4);
}
