//! The tutorial's claims, checked against what a run measured.
//!
//! Each experiment of the catalog carries the claims its section makes (its
//! `claims` function, beside its defaults in `catalog/`); after a run every
//! claim is marked as holding, not holding, or untestable (a model it needs
//! did not run). The tutorial's own numbers come from a distant test
//! service on a 4-core machine, so claims are checked as shapes (who wins,
//! roughly by how much), never as absolute times. The thresholds below are
//! shared with the explanations (`explain.rs`), so a sentence states an
//! effect exactly when the claim about it holds.

use crate::experiment::{Experiment, find};
use crate::model::Model;
use crate::params::Params;
use crate::report::ModelResult;
use serde::{Deserialize, Serialize};

/// Threads under the GIL gained nothing on CPU work up to this speedup.
pub const NO_GAIN: f64 = 1.1;
/// Threads under the GIL lost little on CPU work down to this speedup.
pub const LITTLE_LOSS: f64 = 0.8;
/// A model overlapped its waits when it beat one-after-another by this factor.
pub const OVERLAP: f64 = 1.5;
/// One time is clearly longer than another (queued clients, threads held
/// back by the lock) at this factor.
pub const CLEARLY_LONGER: f64 = 1.5;
/// "Several-fold": the convoy's slowdown per request.
pub const SEVERAL_FOLD: f64 = 3.0;
/// "About one delay": at most this many delays per round of slow requests,
/// plus [`START_UP_S`].
pub const ONE_DELAY: f64 = 1.5;
/// Start-up allowed on top of short delays, in seconds.
pub const START_UP_S: f64 = 0.05;
/// "About cores-times faster": at least this share of the best speedup the
/// work allows.
pub const NEAR_IDEAL: f64 = 0.7;
/// "The fastest": within this factor of the best of the others.
pub const FASTEST_MARGIN: f64 = 1.05;
/// A model computed on several cores at once from this CPU utilisation up
/// (1.0 is one core busy for the whole run).
pub const SEVERAL_CORES: f64 = 1.5;
/// A model computed on about one core up to this CPU utilisation.
pub const ONE_CORE: f64 = 1.2;
/// One plain loop had a core to itself from this CPU utilisation up; below
/// it, other programs were using the CPU during the run.
pub const FULL_CORE: f64 = 0.8;
/// A wait is small beside other work up to this share of it.
pub const SMALL_SHARE: f64 = 0.25;

/// True when threads under the GIL ran about as fast as one thread.
pub fn no_gain_little_loss(speedup: f64) -> bool {
    (LITTLE_LOSS..=NO_GAIN).contains(&speedup)
}

/// True when `slow` is at least [`SEVERAL_FOLD`] times `fast`.
pub fn several_fold(slow: f64, fast: f64) -> bool {
    slow >= SEVERAL_FOLD * fast
}

/// True when `long` is at least [`CLEARLY_LONGER`] times `short`.
pub fn clearly_longer(long: f64, short: f64) -> bool {
    long >= CLEARLY_LONGER * short
}

/// True when a wait of `ms` is about one handler wait of `wait_ms`.
pub fn within_one_wait(ms: f64, wait_ms: f64) -> bool {
    ms <= ONE_DELAY * wait_ms + START_UP_S * 1000.0
}

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

/// The tutorial's reported wall times for an experiment (its machine, its
/// service); empty for an unknown id or where the tutorial gave none.
pub fn tutorial_seconds(experiment: &str) -> Vec<(Model, f64)> {
    find(experiment).map_or_else(Vec::new, |found| found.tutorial_seconds.to_vec())
}

/// What an experiment's claims read: the run's results and knobs.
pub struct ClaimCtx<'a> {
    pub results: &'a [ModelResult],
    pub delay_s: f64,
    pub workers: u32,
    pub tasks: u32,
    /// How many tasks can compute at once: workers, tasks and cores.
    pub parallel: f64,
    /// The best speedup the work allows: tasks / ceil(tasks / parallel).
    pub ideal: f64,
}

impl<'a> ClaimCtx<'a> {
    /// The context of one run; `cores` is the machine's logical cores.
    pub fn new(results: &'a [ModelResult], params: &Params, cores: u32) -> ClaimCtx<'a> {
        let (workers, tasks) = (params.workers(), params.tasks());
        let parallel = f64::from(workers.min(tasks).min(cores).max(1));
        ClaimCtx {
            results,
            delay_s: params.delay_ms() as f64 / 1000.0,
            workers,
            tasks,
            parallel,
            ideal: f64::from(tasks) / (f64::from(tasks) / parallel).ceil(),
        }
    }

    /// A model's result, if it ran and answered correctly.
    pub fn result(&self, model: Model) -> Option<&ModelResult> {
        self.results
            .iter()
            .find(|r| r.model == model && r.answer_ok)
    }

    pub fn median(&self, model: Model) -> Option<f64> {
        self.result(model).map(|r| r.wall_s.median)
    }

    pub fn speedup(&self, model: Model) -> Option<f64> {
        self.result(model).and_then(|r| r.speedup)
    }

    pub fn request_ms(&self, model: Model) -> Option<f64> {
        self.result(model).and_then(|r| r.request_ms)
    }

    /// Rounds of the delay that `slow` slow requests need: ceil(slow / workers).
    pub fn rounds(&self, slow: u32) -> f64 {
        (f64::from(slow.max(1)) / f64::from(self.workers.max(1))).ceil()
    }
}

/// Checks an experiment's claims against a run; `cores` is the machine's
/// logical cores.
pub fn check_claims(
    experiment: &Experiment,
    results: &[ModelResult],
    params: &Params,
    cores: u32,
) -> Vec<ClaimCheck> {
    (experiment.claims)(&ClaimCtx::new(results, params, cores))
}

/// A claim with what was measured and whether it holds; None when a model
/// it needs did not run.
pub fn check(claim: &str, tutorial: &str, measured: Option<(String, bool)>) -> ClaimCheck {
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

/// "about one delay": within [`ONE_DELAY`] delays (plus [`START_UP_S`])
/// per round the workers need for the `slow` slow requests.
pub fn about_one_delay(
    ctx: &ClaimCtx,
    model: Model,
    slow: u32,
    claim: &str,
    tutorial: &str,
) -> ClaimCheck {
    let rounds = ctx.rounds(slow);
    let measured = ctx.median(model).map(|wall| {
        let rounds_text = if rounds > 1.0 {
            format!(" ({rounds} rounds, as there are more slow requests than workers)")
        } else {
            String::new()
        };
        (
            format!(
                "{} took {wall:.2} s for a {:.2} s delay{rounds_text}",
                model.name(),
                ctx.delay_s
            ),
            wall <= rounds * ONE_DELAY * ctx.delay_s + START_UP_S,
        )
    });
    check(claim, tutorial, measured)
}

/// "each client answered about one handler wait after it connected".
pub fn answered_in_one_wait(
    ctx: &ClaimCtx,
    model: Model,
    claim: &str,
    tutorial: &str,
) -> ClaimCheck {
    let wait_ms = ctx.delay_s * 1000.0;
    let measured = ctx.request_ms(model).map(|ms| {
        (
            format!(
                "under {} a client waited {ms:.0} ms on average for a {wait_ms:.0} ms handler",
                model.name()
            ),
            within_one_wait(ms, wait_ms),
        )
    });
    check(claim, tutorial, measured)
}

/// "about cores-times faster": at least [`NEAR_IDEAL`] of the ideal speedup.
pub fn speedup_at_least(ctx: &ClaimCtx, model: Model, claim: &str, tutorial: &str) -> ClaimCheck {
    let measured = ctx.speedup(model).map(|s| {
        (
            format!("{} {s:.2}x on {} usable cores", model.name(), ctx.parallel),
            s >= NEAR_IDEAL * ctx.ideal,
        )
    });
    check(claim, tutorial, measured)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::catalog::fixtures::{params, result};
    use crate::experiment::catalog;

    fn claims(id: &str, results: &[ModelResult], p: &Params, cores: u32) -> Vec<ClaimCheck> {
        check_claims(&find(id).unwrap(), results, p, cores)
    }

    fn holds(checks: &[ClaimCheck]) -> Vec<Option<bool>> {
        checks.iter().map(|c| c.holds).collect()
    }

    #[test]
    fn every_experiment_has_claims_and_untested_ones_say_so() {
        for experiment in catalog() {
            let checks = check_claims(&experiment, &[], &experiment.defaults, 2);
            assert!(!checks.is_empty(), "{} has no claims", experiment.id);
            assert!(
                checks.iter().all(|c| c.holds.is_none()),
                "{}",
                experiment.id
            );
        }
    }

    #[test]
    fn cpu_claims_hold_or_fail_by_shape() {
        let good = [
            result(Model::Sequential, 1.0, 1.0),
            result(Model::ThreadsGil, 1.0, 1.0),
            result(Model::Processes, 0.52, 1.92),
        ];
        let p = params("cpu-sqrt", 4, 4, 0);
        assert_eq!(
            holds(&claims("cpu-sqrt", &good, &p, 2)),
            [Some(true), Some(true)]
        );
        let slow = [
            result(Model::Sequential, 1.0, 1.0),
            result(Model::Processes, 5.0, 0.2),
        ];
        let checks = claims("data-batches", &slow, &params("data-batches", 8, 4, 0), 2);
        assert_eq!(checks[0].holds, Some(false));
        assert!(checks[0].measured.contains("0.20x"));
        let missing = claims("cpu-sqrt", &[result(Model::Sequential, 1.0, 1.0)], &p, 2);
        assert!(missing.iter().all(|c| c.holds.is_none()));
    }

    #[test]
    fn gil_threads_must_neither_gain_nor_lose_much_on_cpu_work() {
        let p = params("cpu-sqrt", 4, 4, 0);
        let with_gil = |speedup| [result(Model::ThreadsGil, 1.0 / speedup, speedup)];
        assert_eq!(
            claims("cpu-sqrt", &with_gil(1.02), &p, 2)[0].holds,
            Some(true)
        );
        assert_eq!(
            claims("cpu-sqrt", &with_gil(1.5), &p, 2)[0].holds,
            Some(false)
        );
        assert_eq!(
            claims("cpu-sqrt", &with_gil(0.6), &p, 2)[0].holds,
            Some(false)
        );
        assert!(
            claims("cpu-sqrt", &with_gil(1.0), &p, 2)[0]
                .tutorial
                .contains("tutorial's machine")
        );
    }

    #[test]
    fn claims_allow_for_rounds_and_uneven_shares() {
        // 10 requests on 5 workers need two rounds of the delay.
        let two_rounds = [result(Model::ThreadsGil, 2.05, 4.9)];
        let scraper = params("scraper", 10, 5, 1000);
        assert_eq!(
            claims("scraper", &two_rounds, &scraper, 2)[0].holds,
            Some(true)
        );
        // The browser's limit of 8 for 10 slow requests of 50: two rounds too.
        let limited = [result(Model::Async, 2.02, 2.5)];
        let requests = params("async-requests", 50, 8, 1000);
        assert_eq!(
            claims("async-requests", &limited, &requests, 2)[0].holds,
            Some(true)
        );
        // 5 tasks on 4 cores can reach 2.5x at best, not 4x.
        let uneven = [
            result(Model::ThreadsGil, 1.0, 1.0),
            result(Model::Processes, 0.42, 2.4),
        ];
        let cpu = params("cpu-sqrt", 5, 4, 0);
        assert_eq!(claims("cpu-sqrt", &uneven, &cpu, 4)[1].holds, Some(true));
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
        let p = params("echo-server", 5, 5, 500);
        assert_eq!(
            holds(&claims("echo-server", &results, &p, 2)),
            [Some(true), Some(true), Some(true)]
        );
        let queued = [with_ms(Model::Async, 1300.0)];
        assert_eq!(claims("echo-server", &queued, &p, 2)[0].holds, Some(false));
    }

    #[test]
    fn io_claims_compare_with_the_delay() {
        let results = [
            result(Model::ThreadsGil, 1.02, 4.9),
            result(Model::Async, 1.01, 4.95),
            result(Model::Processes, 1.9, 2.6),
        ];
        let p = params("quick-io", 5, 5, 1000);
        assert_eq!(
            holds(&claims("quick-io", &results, &p, 2)),
            [Some(true), Some(true), Some(false)]
        );
        assert!(tutorial_seconds("cpu-sqrt").contains(&(Model::Sequential, 8.45)));
        assert!(tutorial_seconds("no-such-experiment").is_empty());
    }

    #[test]
    fn convoy_claims_need_a_several_fold_slowdown() {
        let with_ms = |model, ms| ModelResult {
            request_ms: Some(ms),
            ..result(model, 1.0, 1.0)
        };
        let p = params("convoy", 50, 2, 0);
        let shown = [
            with_ms(Model::ThreadsGil, 5.2),
            with_ms(Model::ThreadsFree, 0.2),
            with_ms(Model::Processes, 0.25),
        ];
        assert_eq!(
            holds(&claims("convoy", &shown, &p, 2)),
            [Some(true), Some(true)]
        );
        let hidden = [
            with_ms(Model::ThreadsGil, 2.4),
            with_ms(Model::ThreadsFree, 1.2),
            with_ms(Model::Processes, 2.6),
        ];
        assert_eq!(
            holds(&claims("convoy", &hidden, &p, 2)),
            [Some(false), Some(false)]
        );
    }

    #[test]
    fn db_and_health_claims_compare_models() {
        let db = params("db-inserts", 4, 4, 10);
        let overlapped = [
            result(Model::Sequential, 1.0, 1.0),
            result(Model::ThreadsGil, 0.3, 3.3),
        ];
        assert_eq!(
            claims("db-inserts", &overlapped, &db, 2)[0].holds,
            Some(true)
        );
        let queued = [
            result(Model::Sequential, 1.0, 1.0),
            result(Model::ThreadsGil, 0.9, 1.1),
        ];
        assert_eq!(claims("db-inserts", &queued, &db, 2)[0].holds, Some(false));
        let health = params("health-check", 50, 5, 1000);
        let fastest = |asynch| {
            [
                result(Model::Async, asynch, 1.0),
                result(Model::ThreadsGil, 2.0, 1.0),
                result(Model::Processes, 2.5, 1.0),
            ]
        };
        assert_eq!(
            claims("health-check", &fastest(1.1), &health, 2)[0].holds,
            Some(true)
        );
        assert_eq!(
            claims("health-check", &fastest(3.0), &health, 2)[0].holds,
            Some(false)
        );
    }
}
