//! The experiment catalog: the tutorial's workloads with its parameters as
//! defaults, in tutorial order, and how each becomes a list of operations.

use crate::experiment::{Bound, Dispatch, Experiment, Op};
use crate::params::Params;
use crate::workload::{echo_message, random_batch};

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
    let url = url(
        params,
        server_base,
        &format!("/delay/{}", params.delay_ms()),
    );
    let ops = (0..params.tasks())
        .map(|_| Op::Get { url: url.clone() })
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
                (format!("/delay/{}", params.delay_ms()), params.delay_ms())
            } else {
                ("/status/200".to_string(), 0)
            };
            Op::Check {
                url: url(params, server_base, &path),
                timeout_ms,
                delay_ms: params.target().is_none().then_some(delay_ms),
            }
        })
        .collect()
}

/// Every experiment, in tutorial order.
pub fn catalog() -> Vec<Experiment> {
    vec![
        Experiment {
            id: "quick-io",
            title: "Quick side-by-side: five slow requests",
            bound: Bound::Io,
            summary: "GET an endpoint that answers after a delay, once per task",
            claim: "threads and async overlap the waits (about 1 s instead of 5 s); processes also do, after paying to start",
            defaults: defaults(5, 5, 1, 1000, 3, 1),
            defaults_note: "the tutorial's parameters: 5 requests of 1 s, 5 workers",
            n_means: None,
            tasks_means: None,
            planner: delayed_gets,
        },
        Experiment {
            id: "convoy",
            title: "The GIL's convoy effect: short I/O beside CPU work",
            bound: Bound::Io,
            summary: "one worker makes many short blocking requests while another sums square roots; what does each request cost?",
            claim: "under the GIL a thread back from I/O waits up to one switch interval (5 ms) for the lock, so short requests beside CPU work slow down several-fold; a shorter interval or a process removes it",
            defaults: defaults(50, 2, 300_000_000, 0, 1, 0),
            defaults_note: "50 immediate requests beside a 300,000,000-iteration sum, 2 workers; try --gil-switch-ms 0.5",
            n_means: Some("iterations of the CPU task"),
            tasks_means: Some("requests by the I/O worker"),
            planner: |params, base| {
                let ops = vec![
                    Op::Gets {
                        url: url(params, base, &format!("/delay/{}", params.delay_ms())),
                        count: params.tasks(),
                    },
                    Op::CpuSqrt { n: params.n() },
                ];
                (ops, Dispatch::Queue)
            },
        },
        Experiment {
            id: "scraper",
            title: "Threading for I/O: a scraper with a worker pool",
            bound: Bound::Io,
            summary: "a fixed pool of workers takes URLs from a queue and fetches pages that answer after a delay",
            claim: "5 workers fetch 5 slow pages in about the time of one (2.15 s against about 10 s one by one)",
            defaults: defaults(5, 5, 1, 2000, 1, 0),
            defaults_note: "the tutorial's parameters: 5 URLs that answer after 2 s, 5 workers; one run, since one after another takes 10 s",
            n_means: None,
            tasks_means: None,
            planner: delayed_gets,
        },
        Experiment {
            id: "db-inserts",
            title: "Threading for I/O: concurrent database inserts",
            bound: Bound::Io,
            summary: "each worker inserts rows into one SQLite file through a connection of its own, committing every row, then processes for a while",
            claim: "4 worker threads insert 40 rows in about 0.45 s: the processing after each row overlaps, while SQLite lets one writer commit at a time",
            defaults: defaults(4, 4, 10, 10, 1, 0),
            defaults_note: "the tutorial's 4 workers x 10 rows with 10 ms of processing after each commit; --delay-ms sets the processing, --n the rows",
            n_means: Some("rows per worker"),
            tasks_means: Some("batches of rows (a connection each)"),
            planner: |params, _| {
                let insert = Op::Insert {
                    db: "db-inserts".into(),
                    rows: params.n().min(u64::from(u32::MAX)) as u32,
                    process_ms: params.delay_ms(),
                };
                (
                    (0..params.tasks()).map(|_| insert.clone()).collect(),
                    Dispatch::Queue,
                )
            },
        },
        Experiment {
            id: "cpu-sqrt",
            title: "CPU-bound: sum of square roots",
            bound: Bound::Cpu,
            summary: "sum sqrt(i) for i in 0..n, once per task",
            claim: "threads are no faster than one thread under the GIL (even slower); a process pool is about cores-times faster",
            defaults: defaults(4, 4, 100_000_000, 0, 3, 1),
            defaults_note: "the tutorial's n (100,000,000 per task, 4 tasks, 4 workers): Python needs about 2 s per task, compiled Rust about 0.1 s, so a whole default run takes seconds",
            n_means: Some("iterations per task"),
            tasks_means: None,
            planner: |params, _| {
                (
                    (0..params.tasks())
                        .map(|_| Op::CpuSqrt { n: params.n() })
                        .collect(),
                    Dispatch::Queue,
                )
            },
        },
        Experiment {
            id: "data-batches",
            title: "Multiprocessing for CPU: batch processing",
            bound: Bound::Cpu,
            summary: "keep the values over 50 in batches of random integers from 0 to 100; count, sum and average them",
            claim: "a process pool is several times faster (3.3x on 4 cores); shipping each batch to a process costs serialization both ways",
            defaults: defaults(8, 4, 1_000_000, 0, 3, 1),
            defaults_note: "the tutorial's 8 batches of 1,000,000 values; it used a pool of cpu_count workers (4 there): set --workers to your core count",
            n_means: Some("values per batch"),
            tasks_means: None,
            planner: |params, _| {
                let ops = (0..params.tasks())
                    .map(|idx| Op::Batch {
                        values: random_batch(u64::from(idx), params.n() as usize),
                    })
                    .collect();
                (ops, Dispatch::Queue)
            },
        },
        Experiment {
            id: "async-requests",
            title: "Asyncio for many connections: requests with a limit",
            bound: Bound::Io,
            summary: "50 requests, every fifth answering after a delay, the rest at once, at most --workers in flight",
            claim: "with a limit of 50 the whole batch takes about as long as one slow request (3.45 s, 14.5 requests/s against a distant service)",
            defaults: defaults(50, 50, 1, 1000, 1, 0),
            defaults_note: "the tutorial's 10 requests of 1 s and 40 immediate ones with a connection limit of 50",
            n_means: None,
            tasks_means: None,
            planner: |params, base| {
                (
                    mixed_gets(params, base, REQUEST_TIMEOUT_MS),
                    Dispatch::Queue,
                )
            },
        },
        Experiment {
            id: "echo-server",
            title: "Asyncio for many connections: an echo server",
            bound: Bound::Io,
            summary: "a TCP echo server whose handler waits before answering; clients connect one after another, send a line and wait for it to come back",
            claim: "one event loop serves every client at once: each gets its echo one handler wait after it connects, where a server taking one connection at a time makes them queue",
            defaults: defaults(5, 5, 100, 500, 3, 1),
            defaults_note: "the tutorial's 5 clients started 0.1 s apart and a handler that waits 0.5 s; threads start one per connection, --workers sizes the process pool",
            n_means: Some("ms between client starts"),
            tasks_means: Some("clients"),
            planner: |params, _| {
                let ops = (0..params.tasks())
                    .map(|idx| Op::Echo {
                        message: echo_message(idx),
                        arrive_ms: u64::from(idx) * params.n(),
                        wait_ms: params.delay_ms(),
                        run_start_ns: 0,
                    })
                    .collect();
                (ops, Dispatch::Queue)
            },
        },
        Experiment {
            id: "health-check",
            title: "Real life: a URL health checker",
            bound: Bound::Io,
            summary: "check 50 URLs, four healthy and one slow in every five; threads get fixed slices of the list",
            claim: "against a distant service: threads 15.32 s, processes 18.45 s, async 12.15 s; on loopback each design nears its ideal (threads: 2 slow URLs per worker, about 2 s)",
            defaults: defaults(50, 5, 1, 1000, 1, 0),
            defaults_note: "the tutorial's (4 healthy + 1 slow) x 10 URLs and 5 thread workers; it used a pool of 4 processes and an async limit of 50, here all follow --workers",
            n_means: None,
            tasks_means: None,
            planner: |params, base| (mixed_gets(params, base, CHECK_TIMEOUT_MS), Dispatch::Slices),
        },
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
                url: "http://127.0.0.1:9/delay/1000".into()
            }
        );
        let mut params = quick.defaults.clone();
        params
            .set_target(Some("http://example.org/x".into()))
            .expect("in range");
        assert_eq!(
            quick.plan(&params, "unused").tasks[0].op,
            Op::Get {
                url: "http://example.org/x".into()
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
