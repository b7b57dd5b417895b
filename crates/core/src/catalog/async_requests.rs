//! async-requests, "Asyncio for many connections": 50 requests, one in
//! five slow, with a limit on how many are in flight.

use super::{REQUEST_TIMEOUT_MS, defaults, mixed_gets};
use crate::claims::{ClaimCheck, ClaimCtx, about_one_delay};
use crate::experiment::{Bound, Dispatch, Experiment, QuickN};
use crate::explain::{Measured, io_bound};
use crate::model::Model;
use crate::params;

pub(super) fn experiment() -> Experiment {
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
        delay_means: "delay per request (ms)",
        n_limit: params::N,
        quick_n: QuickN::Work,
        planner: |params, base| {
            (
                mixed_gets(params, base, REQUEST_TIMEOUT_MS),
                Dispatch::Queue,
            )
        },
        claims,
        browser_note: None,
        tutorial_seconds: &[(Model::Async, 3.45)],
        explain,
    }
}

fn claims(ctx: &ClaimCtx) -> Vec<ClaimCheck> {
    // Only the slow requests, one in five, need rounds of the delay.
    vec![about_one_delay(
        ctx,
        Model::Async,
        ctx.tasks / 5,
        "with a limit of 50 the batch takes about one slow request",
        "3.45 s, 14.5 requests/s, against a distant service",
    )]
}

fn explain(m: &Measured) -> Vec<String> {
    io_bound(
        m,
        &format!("its {} requests waited for the server", m.params.tasks()),
    )
}
