//! health-check, the tutorial's real-life example: 50 URLs checked with a
//! timeout, threads owning fixed slices of the list.

use super::{CHECK_TIMEOUT_MS, defaults, mixed_gets};
use crate::claims::{ClaimCheck, ClaimCtx, FASTEST_MARGIN, check};
use crate::experiment::{Bound, Dispatch, Experiment, QuickN};
use crate::explain::{Measured, io_bound};
use crate::model::Model;
use crate::params;

pub(super) fn experiment() -> Experiment {
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
        delay_means: "delay per request (ms)",
        n_limit: params::N,
        quick_n: QuickN::Work,
        planner: |params, base| (mixed_gets(params, base, CHECK_TIMEOUT_MS), Dispatch::Slices),
        claims,
        browser_note: None,
        tutorial_seconds: &[
            (Model::ThreadsGil, 15.32),
            (Model::Processes, 18.45),
            (Model::Async, 12.15),
        ],
        explain,
    }
}

fn claims(ctx: &ClaimCtx) -> Vec<ClaimCheck> {
    vec![check(
        "async is the fastest design",
        "async 12.15 s, threads 15.32 s, processes 18.45 s",
        match (
            ctx.median(Model::Async),
            ctx.median(Model::ThreadsGil),
            ctx.median(Model::Processes),
        ) {
            (Some(a), Some(t), Some(p)) => Some((
                format!("async {a:.2} s, threads {t:.2} s, processes {p:.2} s"),
                a <= t.min(p) * FASTEST_MARGIN,
            )),
            _ => None,
        },
    )]
}

fn explain(m: &Measured) -> Vec<String> {
    io_bound(
        m,
        &format!("its {} checks waited for the server", m.params.tasks()),
    )
}
