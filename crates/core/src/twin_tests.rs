//! Tests of the twins' protocol: output lines, answer tokens, imports.

use super::*;
use crate::answer::same_answers;
use crate::experiment::find as experiment;
use crate::workload;

fn tokens(text: &str) -> Vec<String> {
    text.split_whitespace().map(str::to_string).collect()
}

#[test]
fn every_twin_names_a_known_experiment_and_prints_its_models() {
    for twin in twins() {
        assert!(experiment(twin.experiment).is_some(), "{}", twin.experiment);
        assert!(
            twin.source.starts_with("\"\"\""),
            "{}: a docstring first",
            twin.file
        );
        for model in twin.models {
            assert!(
                twin.source.contains(&format!("\"{}\"", model.name())),
                "{} never prints {}",
                twin.file,
                model.name()
            );
        }
        assert!(twin.source.contains("\"MODELS\""), "{}", twin.file);
    }
}

#[test]
fn third_party_imports_are_read_from_the_import_lines() {
    let convoy = find("convoy").unwrap();
    assert_eq!(convoy.third_party(), ["requests"]);
    assert!(find("cpu-sqrt").unwrap().third_party().is_empty());
    let fake = Twin {
        experiment: "x",
        file: "x.py",
        source: "import os\nfrom aiohttp import web\nimport requests.adapters\n  import requests\n",
        models: &[],
        per_request: false,
    };
    assert_eq!(fake.third_party(), ["aiohttp", "requests"]);
}

#[test]
fn result_lines_are_read_and_commentary_is_not() {
    let out = "switch interval: 0.005 s\n\
               sequential        0.404834 s  answer 30/30 666666166.4588418\n  13.49 ms per request\n\
               threading 1e-3 s answer 1 2\n\
               asyncio   nan s  answer 1\n\
               threading 1.0 ms answer 1\n";
    let lines = parse_output(out);
    assert_eq!(
        lines,
        [
            TwinLine {
                model: PyModel::Sequential,
                seconds: 0.404834,
                tokens: tokens("30/30 666666166.4588418"),
            },
            TwinLine {
                model: PyModel::Threading,
                seconds: 0.001,
                tokens: tokens("1 2"),
            },
        ]
    );
}

#[test]
fn answers_are_read_per_task_kind_and_compare_bit_for_bit() {
    let cpu = experiment("cpu-sqrt").unwrap();
    let mut params = cpu.defaults.clone();
    params.set_n(1000).unwrap();
    params.set_tasks(2).unwrap();
    let plan = cpu.plan(&params, "");
    let sum = workload::cpu_sqrt_bare(1000);
    // Python's repr of the same float reads back to the same bits.
    let answer = parse_answer(&plan, &tokens("21065.833110879048 21065.833110879048")).unwrap();
    assert_eq!(answer, vec![Some(TaskAnswer::Sum(sum)); 2]);
    let off = parse_answer(&plan, &tokens("21065.83311087905 21065.833110879048")).unwrap();
    assert!(!same_answers(&off, &answer));
    assert!(
        parse_answer(&plan, &tokens("21065.8"))
            .unwrap_err()
            .contains("1 answers for 2")
    );
    assert!(
        parse_answer(&plan, &tokens("x 1"))
            .unwrap_err()
            .contains("task 0")
    );
}

#[test]
fn every_kind_of_task_has_a_token() {
    let health = experiment("health-check").unwrap();
    let plan = health.plan(&health.defaults, "http://h");
    let mut text: Vec<&str> = vec!["200"; plan.tasks.len()];
    text[4] = "timeout";
    let answer = parse_answer(&plan, &tokens(&text.join(" "))).unwrap();
    assert_eq!(answer[0], Some(TaskAnswer::Status(200)));
    assert!(matches!(
        answer[4],
        Some(TaskAnswer::TimedOut { after_ms: 5000 })
    ));
    let convoy = experiment("convoy").unwrap();
    let plan = convoy.plan(&convoy.defaults, "http://h");
    let answer = parse_answer(&plan, &tokens("100/100 666666166.4588418")).unwrap();
    assert_eq!(
        answer[0],
        Some(TaskAnswer::Requests {
            ok: 100,
            total: 100
        })
    );
    let batches = experiment("data-batches").unwrap();
    let plan = batches.plan(&batches.defaults, "");
    let answer = parse_answer(&plan, &tokens(&vec!["5:300"; plan.tasks.len()].join(" "))).unwrap();
    assert_eq!(answer[0], Some(TaskAnswer::Stats { kept: 5, sum: 300 }));
    let echo = experiment("echo-server").unwrap();
    let plan = echo.plan(&echo.defaults, "");
    let answer =
        parse_answer(&plan, &tokens(&vec!["42:00ff"; plan.tasks.len()].join(" "))).unwrap();
    assert_eq!(
        answer[0],
        Some(TaskAnswer::Echo {
            bytes: 42,
            hash: 255
        })
    );
    let db = experiment("db-inserts").unwrap();
    let plan = db.plan(&db.defaults, "");
    let answer = parse_answer(&plan, &tokens(&vec!["10"; plan.tasks.len()].join(" "))).unwrap();
    assert_eq!(answer[0], Some(TaskAnswer::Rows { inserted: 10 }));
}

#[test]
fn the_environment_carries_every_knob() {
    let cpu = experiment("cpu-sqrt").unwrap();
    let env = find("cpu-sqrt").unwrap().env(
        &cpu.defaults,
        "http://127.0.0.1:9",
        &[PyModel::Threading, PyModel::Sequential],
    );
    let get = |name: &str| {
        env.iter()
            .find(|(key, _)| key == name)
            .map(|(_, v)| v.as_str())
    };
    assert_eq!(get("N"), Some("100000000"));
    assert_eq!(get("TASKS"), Some("4"));
    assert_eq!(get("SWITCH_MS"), Some("5"));
    assert_eq!(get("MODELS"), Some("threading,sequential"));
    assert_eq!(get("BASE"), Some("http://127.0.0.1:9"));
}

/// The default a twin gives knob `name` (`os.environ.get("N", "1_000")`).
fn twin_default(source: &str, name: &str) -> Option<String> {
    let source = source.replace("get(\n    ", "get(");
    let needle = format!("os.environ.get(\"{name}\", \"");
    let start = source.find(&needle)? + needle.len();
    let end = start + source[start..].find('"')?;
    Some(source[start..end].replace('_', ""))
}

#[test]
fn twins_default_to_their_experiments_defaults() {
    for twin in twins() {
        let defaults = &experiment(twin.experiment).unwrap().defaults;
        let expected = [
            ("TASKS", defaults.tasks().to_string()),
            ("WORKERS", defaults.workers().to_string()),
            ("N", defaults.n().to_string()),
            ("DELAY_MS", defaults.delay_ms().to_string()),
            ("SWITCH_MS", defaults.gil_switch_ms().to_string()),
            ("KEEP_ALIVE", u8::from(defaults.keep_alive()).to_string()),
        ];
        let mut read = 0;
        for (name, value) in expected {
            if let Some(default) = twin_default(twin.source, name) {
                assert_eq!(default, value, "{}: {name}", twin.file);
                read += 1;
            }
        }
        assert!(read >= 2, "{} reads too few knobs", twin.file);
        let models = twin_default(twin.source, "MODELS").expect("a MODELS knob");
        let names: Vec<&str> = twin.models.iter().map(|m| m.name()).collect();
        assert_eq!(models, names.join(","), "{}", twin.file);
    }
}
