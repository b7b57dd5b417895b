//! The tutorial's claims, checked against what a run measured.
//!
//! Each experiment carries the claims its section makes; after a run every
//! claim is marked as holding, not holding, or untestable (a model it needs
//! did not run). The tutorial's own numbers come from a distant test
//! service on a 4-core machine, so claims are checked as shapes (who wins,
//! roughly by how much), never as absolute times.

use crate::model::Model;
use crate::report::ModelResult;
use serde::{Deserialize, Serialize};

/// One claim and what this run says about it.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct ClaimCheck {
    pub claim: String,
    /// What the tutorial measured, for comparison.
    pub tutorial: String,
    /// What this run measured.
    pub measured: String,
    /// None when a model the claim needs did not run correctly.
    pub holds: Option<bool>,
}

impl ClaimCheck {
    /// "holds", "DOES NOT HOLD" or "untested", as the terminal prints it.
    pub fn verdict(&self) -> &'static str {
        match self.holds {
            Some(true) => "holds",
            Some(false) => "DOES NOT HOLD",
            None => "untested",
        }
    }
}

/// The tutorial's reported wall times for an experiment (its machine, its service).
pub fn tutorial_seconds(experiment: &str) -> Vec<(Model, f64)> {
    match experiment {
        "quick-io" => vec![
            (Model::Sequential, 5.0),
            (Model::ThreadsGil, 1.05),
            (Model::Processes, 2.35),
            (Model::Async, 1.02),
        ],
        "scraper" => vec![(Model::Sequential, 10.0), (Model::ThreadsGil, 2.15)],
        "cpu-sqrt" => vec![
            (Model::Sequential, 8.45),
            (Model::ThreadsGil, 10.32),
            (Model::Processes, 2.35),
        ],
        "data-batches" => vec![(Model::Sequential, 3.82), (Model::Processes, 1.15)],
        "async-requests" => vec![(Model::Async, 3.45)],
        "health-check" => vec![
            (Model::ThreadsGil, 15.32),
            (Model::Processes, 18.45),
            (Model::Async, 12.15),
        ],
        _ => Vec::new(),
    }
}

struct Ctx<'a> {
    results: &'a [ModelResult],
    delay_s: f64,
    parallel: f64,
    /// Rounds of delays the slow requests need: ceil(slow / workers).
    rounds: f64,
    /// The best speedup the work allows: tasks / ceil(tasks / parallel).
    ideal: f64,
}

impl Ctx<'_> {
    fn result(&self, model: Model) -> Option<&ModelResult> {
        self.results
            .iter()
            .find(|r| r.model == model && r.answer_ok)
    }

    fn median(&self, model: Model) -> Option<f64> {
        self.result(model).map(|r| r.wall_s.median)
    }

    fn speedup(&self, model: Model) -> Option<f64> {
        self.result(model).and_then(|r| r.speedup)
    }
}

fn check(claim: &str, tutorial: &str, measured: Option<(String, bool)>) -> ClaimCheck {
    let (measured, holds) = match measured {
        Some((text, holds)) => (text, Some(holds)),
        None => ("not measured (a model it needs did not run)".into(), None),
    };
    ClaimCheck {
        claim: claim.into(),
        tutorial: tutorial.into(),
        measured,
        holds,
    }
}

/// "about one delay": within 1.5 delays (plus 50 ms for start-up on short
/// delays) per round the workers need for the slow requests.
fn about_one_delay(ctx: &Ctx, model: Model, claim: &str, tutorial: &str) -> ClaimCheck {
    let measured = ctx.median(model).map(|wall| {
        let rounds = if ctx.rounds > 1.0 {
            format!(
                " ({} rounds, as there are more slow requests than workers)",
                ctx.rounds
            )
        } else {
            String::new()
        };
        (
            format!(
                "{} took {wall:.2} s for a {:.2} s delay{rounds}",
                model.name(),
                ctx.delay_s
            ),
            wall <= ctx.rounds * (1.5 * ctx.delay_s) + 0.05,
        )
    });
    check(claim, tutorial, measured)
}

/// "each client answered about one handler wait after it connected":
/// the mean client wait within 1.5 waits plus 50 ms.
fn answered_in_one_wait(ctx: &Ctx, model: Model, claim: &str, tutorial: &str) -> ClaimCheck {
    let measured = ctx.result(model).and_then(|r| r.request_ms).map(|ms| {
        (
            format!(
                "under {} a client waited {ms:.0} ms on average for a {:.0} ms handler",
                model.name(),
                ctx.delay_s * 1000.0
            ),
            ms <= 1.5 * ctx.delay_s * 1000.0 + 50.0,
        )
    });
    check(claim, tutorial, measured)
}

fn speedup_at_least(ctx: &Ctx, model: Model, claim: &str, tutorial: &str) -> ClaimCheck {
    let wanted = 0.7 * ctx.ideal;
    let measured = ctx.speedup(model).map(|s| {
        (
            format!("{} {s:.2}x on {} usable cores", model.name(), ctx.parallel),
            s >= wanted,
        )
    });
    check(claim, tutorial, measured)
}

/// Checks an experiment's claims; `cores` is the machine's logical cores.
pub fn check_claims(
    experiment: &str,
    results: &[ModelResult],
    delay_ms: u64,
    workers: u32,
    tasks: u32,
    cores: u32,
) -> Vec<ClaimCheck> {
    let parallel = f64::from(workers.min(tasks).min(cores).max(1));
    // Where one request in five is slow (async-requests), only those count.
    let slow = if experiment == "async-requests" {
        tasks / 5
    } else {
        tasks
    };
    let ctx = Ctx {
        results,
        delay_s: delay_ms as f64 / 1000.0,
        parallel,
        rounds: (f64::from(slow.max(1)) / f64::from(workers.max(1))).ceil(),
        ideal: f64::from(tasks) / (f64::from(tasks) / parallel).ceil(),
    };
    match experiment {
        "quick-io" => vec![
            about_one_delay(
                &ctx,
                Model::ThreadsGil,
                "threads overlap the waits: about one delay in all",
                "1.05 s for 5 requests of 1 s",
            ),
            about_one_delay(
                &ctx,
                Model::Async,
                "async overlaps the waits: about one delay in all",
                "1.02 s",
            ),
            about_one_delay(
                &ctx,
                Model::Processes,
                "processes overlap the waits too, after paying to start",
                "2.35 s (start-up heavy)",
            ),
        ],
        "convoy" => {
            let ms = |model| ctx.result(model).and_then(|r| r.request_ms);
            vec![
                check(
                    "under the GIL, short requests beside CPU work slow down several-fold",
                    "documented for CPython's GIL since 3.2 (up to one switch interval per request)",
                    match (ms(Model::ThreadsGil), ms(Model::ThreadsFree)) {
                        (Some(gil), Some(free)) => Some((
                            format!("{gil:.2} ms per request with the GIL, {free:.2} ms without"),
                            gil >= 3.0 * free,
                        )),
                        _ => None,
                    },
                ),
                check(
                    "a process removes the convoy",
                    "each process has its own GIL",
                    match (ms(Model::Processes), ms(Model::ThreadsGil)) {
                        (Some(process), Some(gil)) => Some((
                            format!(
                                "{process:.2} ms per request in a process, {gil:.2} ms beside a GIL holder"
                            ),
                            process * 3.0 <= gil,
                        )),
                        _ => None,
                    },
                ),
            ]
        }
        "db-inserts" => vec![check(
            "threads overlap the processing after each commit, though SQLite lets one writer in at a time",
            "4 threads x 10 rows in 0.45 s",
            match (ctx.median(Model::ThreadsGil), ctx.median(Model::Sequential)) {
                (Some(threads), Some(sequential)) => Some((
                    format!(
                        "threads-gil {threads:.2} s against {sequential:.2} s one after another"
                    ),
                    threads <= 0.6 * sequential,
                )),
                _ => None,
            },
        )],
        "scraper" => vec![about_one_delay(
            &ctx,
            Model::ThreadsGil,
            "a pool of 5 threads fetches 5 slow pages in about the time of one",
            "2.15 s for 5 pages of 2 s",
        )],
        "cpu-sqrt" => vec![
            check(
                "threads under the GIL are no faster than sequential code",
                "1.22x slower (10.32 s against 8.45 s)",
                ctx.speedup(Model::ThreadsGil)
                    .map(|s| (format!("threads-gil {s:.2}x"), s <= 1.1)),
            ),
            speedup_at_least(
                &ctx,
                Model::Processes,
                "a process pool is about cores-times faster",
                "3.6x on 4 cores",
            ),
        ],
        "data-batches" => vec![speedup_at_least(
            &ctx,
            Model::Processes,
            "a process pool is several times faster",
            "3.3x on 4 cores",
        )],
        "async-requests" => vec![about_one_delay(
            &ctx,
            Model::Async,
            "with a limit of 50 the batch takes about one slow request",
            "3.45 s, 14.5 requests/s, against a distant service",
        )],
        "echo-server" => {
            let ms = |model| ctx.result(model).and_then(|r| r.request_ms);
            vec![
                answered_in_one_wait(
                    &ctx,
                    Model::Async,
                    "one event loop serves every client at once: each gets its echo one handler wait after connecting",
                    "5 clients 0.1 s apart, each answered 0.5 s after it connected",
                ),
                answered_in_one_wait(
                    &ctx,
                    Model::ThreadsGil,
                    "a thread per connection does it too, GIL or not: the handler waits without the lock",
                    "threads scale to hundreds of connections",
                ),
                check(
                    "a server that takes one connection at a time makes clients queue",
                    "the reason to serve many connections with asyncio",
                    match (ms(Model::Sequential), ms(Model::Async)) {
                        (Some(one), Some(asynch)) => Some((
                            format!(
                                "a client waited {one:.0} ms on average one at a time, {asynch:.0} ms under async"
                            ),
                            one >= 1.5 * asynch,
                        )),
                        _ => None,
                    },
                ),
            ]
        }
        "health-check" => vec![check(
            "async is the fastest design",
            "async 12.15 s, threads 15.32 s, processes 18.45 s",
            match (
                ctx.median(Model::Async),
                ctx.median(Model::ThreadsGil),
                ctx.median(Model::Processes),
            ) {
                (Some(a), Some(t), Some(p)) => Some((
                    format!("async {a:.2} s, threads {t:.2} s, processes {p:.2} s"),
                    a <= t.min(p) * 1.05,
                )),
                _ => None,
            },
        )],
        _ => Vec::new(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::stats::Summary;

    fn result(model: Model, median: f64, speedup: f64) -> ModelResult {
        ModelResult {
            model,
            workers: 2,
            gil: model.gil(),
            gil_switch_ms: None,
            wall_s: Summary {
                median,
                min: median,
                max: median,
                mean: median,
                stddev: None,
            },
            speedup: Some(speedup),
            cpu_util: None,
            answer: "ok".into(),
            answer_ok: true,
            problems: vec![],
            outlier_runs: vec![],
            request_ms: None,
            time: Default::default(),
        }
    }

    #[test]
    fn cpu_claims_hold_or_fail_by_shape() {
        let good = [
            result(Model::Sequential, 1.0, 1.0),
            result(Model::ThreadsGil, 1.0, 1.0),
            result(Model::Processes, 0.52, 1.92),
        ];
        let checks = check_claims("cpu-sqrt", &good, 0, 4, 4, 2);
        assert_eq!(
            checks.iter().map(|c| c.holds).collect::<Vec<_>>(),
            [Some(true), Some(true)]
        );
        let slow = [
            result(Model::Sequential, 1.0, 1.0),
            result(Model::Processes, 5.0, 0.2),
        ];
        let checks = check_claims("data-batches", &slow, 0, 4, 8, 2);
        assert_eq!(checks[0].holds, Some(false));
        assert!(checks[0].measured.contains("0.20x"));
        let missing = check_claims(
            "cpu-sqrt",
            &[result(Model::Sequential, 1.0, 1.0)],
            0,
            4,
            4,
            2,
        );
        assert!(missing.iter().all(|c| c.holds.is_none()));
    }

    #[test]
    fn claims_allow_for_rounds_and_uneven_shares() {
        // 10 requests on 5 workers need two rounds of the delay.
        let two_rounds = [result(Model::ThreadsGil, 2.05, 4.9)];
        assert_eq!(
            check_claims("scraper", &two_rounds, 1000, 5, 10, 2)[0].holds,
            Some(true)
        );
        // The browser's limit of 8 for 10 slow requests of 50: two rounds too.
        let limited = [result(Model::Async, 2.02, 2.5)];
        assert_eq!(
            check_claims("async-requests", &limited, 1000, 8, 50, 2)[0].holds,
            Some(true)
        );
        // 5 tasks on 4 cores can reach 2.5x at best, not 4x.
        let uneven = [
            result(Model::ThreadsGil, 1.0, 1.0),
            result(Model::Processes, 0.42, 2.4),
        ];
        assert_eq!(
            check_claims("cpu-sqrt", &uneven, 0, 4, 5, 4)[1].holds,
            Some(true)
        );
    }

    #[test]
    fn echo_claims_read_the_clients_waits() {
        let with_ms = |model, ms| ModelResult {
            request_ms: Some(ms),
            ..result(model, 1.0, 1.0)
        };
        let results = [
            with_ms(Model::Sequential, 1300.0),
            with_ms(Model::ThreadsGil, 505.0),
            with_ms(Model::Async, 502.0),
        ];
        let checks = check_claims("echo-server", &results, 500, 5, 5, 2);
        assert_eq!(
            checks.iter().map(|c| c.holds).collect::<Vec<_>>(),
            [Some(true), Some(true), Some(true)]
        );
        let queued = [with_ms(Model::Async, 1300.0)];
        assert_eq!(
            check_claims("echo-server", &queued, 500, 5, 5, 2)[0].holds,
            Some(false)
        );
    }

    #[test]
    fn io_claims_compare_with_the_delay() {
        let results = [
            result(Model::ThreadsGil, 1.02, 4.9),
            result(Model::Async, 1.01, 4.95),
            result(Model::Processes, 1.9, 2.6),
        ];
        let checks = check_claims("quick-io", &results, 1000, 5, 5, 2);
        assert_eq!(
            checks.iter().map(|c| c.holds).collect::<Vec<_>>(),
            [Some(true), Some(true), Some(false)]
        );
        assert!(tutorial_seconds("cpu-sqrt").contains(&(Model::Sequential, 8.45)));
    }
}
