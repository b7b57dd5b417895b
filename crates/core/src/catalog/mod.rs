//! The experiment catalog: the tutorial's workloads in tutorial order, one
//! module each. A module sets everything about its experiment side by
//! side: its defaults, how it becomes a list of operations, the tutorial's
//! claims and figures, and the hook that explains a run. A new or renamed
//! experiment therefore brings its claims along; nothing matches on ids.

mod async_requests;
mod convoy;
mod cpu_sqrt;
mod data_batches;
mod db_inserts;
mod echo_server;
#[cfg(test)]
pub(crate) mod fixtures;
mod health_check;
mod quick_io;
mod scraper;

pub use crate::endpoints::delay_path;
use crate::experiment::{Dispatch, Experiment, Op};
use crate::params::Params;

/// The tutorial's defaults shared by most experiments.
const fn defaults(
    tasks: u32,
    workers: u32,
    n: u64,
    delay_ms: u64,
    runs: u32,
    warmup: u32,
) -> Params {
    Params::catalog_default(tasks, workers, n, delay_ms, runs, warmup)
}

/// Where a GET goes: `--target` as given, or a path on the built-in server.
fn url(params: &Params, server_base: &str, path: &str) -> String {
    match params.target() {
        Some(target) => target.to_string(),
        None => format!("{server_base}{path}"),
    }
}

fn delayed_gets(params: &Params, server_base: &str) -> (Vec<Op>, Dispatch) {
    let url = url(params, server_base, &delay_path(params.delay_ms()));
    let ops = (0..params.tasks())
        .map(|_| Op::Get {
            url: url.clone(),
            keep_alive: params.keep_alive(),
        })
        .collect();
    (ops, Dispatch::Queue)
}

/// The health checker's timeout per request, as in the tutorial.
pub const CHECK_TIMEOUT_MS: u64 = 5_000;
/// The async requests' timeout (aiohttp's `ClientTimeout(total=30)`).
pub const REQUEST_TIMEOUT_MS: u64 = 30_000;

/// Every fifth request waits `delay_ms`, the rest answer at once: the
/// tutorial's 10 slow and 40 fast requests, or its (4 up + 1 slow) x 10 URLs;
/// each gives up after `timeout_ms`.
fn mixed_gets(params: &Params, server_base: &str, timeout_ms: u64) -> Vec<Op> {
    (0..params.tasks())
        .map(|idx| {
            let (path, delay_ms) = if idx % 5 == 4 {
                (delay_path(params.delay_ms()), params.delay_ms())
            } else {
                ("/status/200".to_string(), 0)
            };
            Op::Check {
                url: url(params, server_base, &path),
                timeout_ms,
                delay_ms: params.target().is_none().then_some(delay_ms),
                keep_alive: params.keep_alive(),
            }
        })
        .collect()
}

/// Every experiment, in tutorial order.
pub fn catalog() -> Vec<Experiment> {
    vec![
        quick_io::experiment(),
        convoy::experiment(),
        scraper::experiment(),
        db_inserts::experiment(),
        cpu_sqrt::experiment(),
        data_batches::experiment(),
        async_requests::experiment(),
        echo_server::experiment(),
        health_check::experiment(),
    ]
}

/// Finds an experiment by id.
pub fn find(id: &str) -> Option<Experiment> {
    catalog().into_iter().find(|experiment| experiment.id == id)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::experiment::Task;

    #[test]
    fn plans_follow_the_params() {
        let quick = find("quick-io").unwrap();
        let plan = quick.plan(&quick.defaults, "http://127.0.0.1:9");
        assert_eq!(plan.tasks.len(), 5);
        assert_eq!(
            plan.tasks[4].op,
            Op::Get {
                url: "http://127.0.0.1:9/delay/1".into(),
                keep_alive: false,
            }
        );
        let mut params = quick.defaults.clone();
        params
            .set_target(Some("http://example.org/x".into()))
            .expect("in range");
        assert_eq!(
            quick.plan(&params, "unused").tasks[0].op,
            Op::Get {
                url: "http://example.org/x".into(),
                keep_alive: false,
            }
        );
        let cpu = find("cpu-sqrt").unwrap();
        assert_eq!(
            cpu.plan(&cpu.defaults, "").tasks[3],
            Task {
                idx: 3,
                op: Op::CpuSqrt { n: 100_000_000 }
            }
        );
        assert!(find("nope").is_none());
    }

    #[test]
    fn keep_alive_reaches_every_get_of_every_http_experiment() {
        for experiment in catalog().into_iter().filter(|e| e.uses_http()) {
            for keep_alive in [false, true] {
                let mut params = experiment.defaults.clone();
                params.set_keep_alive(keep_alive);
                let plan = experiment.plan(&params, "http://h");
                let gets: Vec<&Op> = plan
                    .tasks
                    .iter()
                    .map(|t| &t.op)
                    .filter(|op| op.url().is_some())
                    .collect();
                assert!(!gets.is_empty(), "{}", experiment.id);
                assert!(
                    gets.iter().all(|op| op.keep_alive() == keep_alive),
                    "{} keep_alive {keep_alive}",
                    experiment.id
                );
            }
        }
    }

    #[test]
    fn every_default_and_quick_preset_passes_the_checks() {
        for experiment in catalog() {
            for params in [experiment.defaults.clone(), experiment.quick()] {
                let json = serde_json::to_string(&params).unwrap();
                let checked: Params = serde_json::from_str(&json)
                    .unwrap_or_else(|err| panic!("{}: {err}", experiment.id));
                assert_eq!(checked, params);
                assert!(
                    experiment.n_limit().check(params.n()).is_ok(),
                    "{}",
                    experiment.id
                );
            }
        }
    }

    #[test]
    fn mixed_plans_have_one_slow_request_in_five() {
        let health = find("health-check").unwrap();
        let plan = health.plan(&health.defaults, "http://h");
        let slow = plan
            .tasks
            .iter()
            .filter(|t| t.op.url().unwrap().contains("/delay/"))
            .count();
        assert_eq!((plan.tasks.len(), slow), (50, 10));
        assert_eq!(plan.dispatch, Dispatch::Slices);
        // Each of 5 thread workers owns two slow URLs, as in the tutorial.
        let slow_in_first = plan
            .slice(0, 5)
            .iter()
            .filter(|t| t.op.url().unwrap().contains("/delay/"))
            .count();
        assert_eq!(slow_in_first, 2);
    }

    #[test]
    fn batches_are_seeded_and_differ_per_task() {
        let batches = find("data-batches").unwrap();
        let mut params = batches.defaults.clone();
        params.set_n(1000).expect("in range");
        let first = batches.plan(&params, "");
        assert_eq!(first, batches.plan(&params, ""));
        let Op::Batch { values } = &first.tasks[0].op else {
            panic!("a batch")
        };
        assert_eq!(values.len(), 1000);
        assert!(values.iter().all(|v| *v <= 100));
        assert_ne!(first.tasks[0].op, first.tasks[1].op);
    }

    #[test]
    fn echo_clients_arrive_apart_and_say_different_things() {
        let echo = find("echo-server").unwrap();
        let plan = echo.plan(&echo.defaults, "unused");
        assert!(plan.is_echo() && !echo.uses_http());
        let arrivals: Vec<u64> = plan
            .tasks
            .iter()
            .map(|t| match &t.op {
                Op::Echo {
                    arrive_ms, wait_ms, ..
                } => {
                    assert_eq!(*wait_ms, 500);
                    *arrive_ms
                }
                other => panic!("{other:?}"),
            })
            .collect();
        assert_eq!(arrivals, [0, 100, 200, 300, 400]);
        let scheduled = plan.starting_at(7).unwrap();
        assert!(matches!(
            scheduled.tasks[4].op,
            Op::Echo {
                run_start_ns: 7,
                ..
            }
        ));
        assert_eq!(plan.client_lanes(1)[4].name, "client 5");
        let quick = echo.quick();
        assert_eq!((quick.n(), quick.delay_ms(), quick.tasks()), (10, 50, 5));
        assert_eq!(echo.n_limit().min, 0);
        assert!(
            find("cpu-sqrt")
                .unwrap()
                .plan(&quick, "")
                .starting_at(1)
                .is_none()
        );
    }

    #[test]
    fn the_tutorials_figures_come_with_every_experiment_that_had_them() {
        // The tutorial gave wall times for every section but the echo
        // server's; the convoy is not in the tutorial.
        let without: Vec<&str> = catalog()
            .iter()
            .filter(|e| e.tutorial_seconds.is_empty())
            .map(|e| e.id)
            .collect();
        assert_eq!(without, ["convoy", "echo-server"]);
        for experiment in catalog() {
            let mut models: Vec<_> = experiment
                .tutorial_seconds
                .iter()
                .map(|(m, _)| *m)
                .collect();
            models.dedup();
            assert_eq!(
                models.len(),
                experiment.tutorial_seconds.len(),
                "{}",
                experiment.id
            );
            assert!(experiment.tutorial_seconds.iter().all(|(_, s)| *s > 0.0));
        }
    }

    #[test]
    fn ids_are_unique_and_in_tutorial_order() {
        let ids: Vec<&str> = catalog().iter().map(|e| e.id).collect();
        assert_eq!(
            ids,
            [
                "quick-io",
                "convoy",
                "scraper",
                "db-inserts",
                "cpu-sqrt",
                "data-batches",
                "async-requests",
                "echo-server",
                "health-check"
            ]
        );
    }
}
