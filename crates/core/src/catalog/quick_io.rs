//! quick-io, the tutorial's opening side-by-side: five GETs of a slow
//! endpoint under every model, to show which of them overlap the waits.

use super::{defaults, delayed_gets};
use crate::claims::{ClaimCheck, ClaimCtx, about_one_delay};
use crate::experiment::{Bound, Experiment, QuickN};
use crate::explain::{Measured, io_bound};
use crate::model::Model;
use crate::params;

pub(super) fn experiment() -> Experiment {
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
        delay_means: "delay per request (ms)",
        n_limit: params::N,
        quick_n: QuickN::Work,
        planner: delayed_gets,
        claims,
        browser_note: None,
        tutorial_seconds: &[
            (Model::Sequential, 5.0),
            (Model::ThreadsGil, 1.05),
            (Model::Processes, 2.35),
            (Model::Async, 1.02),
        ],
        explain,
    }
}

fn claims(ctx: &ClaimCtx) -> Vec<ClaimCheck> {
    vec![
        about_one_delay(
            ctx,
            Model::ThreadsGil,
            ctx.tasks,
            "threads overlap the waits: about one delay in all",
            "1.05 s for 5 requests of 1 s",
        ),
        about_one_delay(
            ctx,
            Model::Async,
            ctx.tasks,
            "async overlaps the waits: about one delay in all",
            "1.02 s",
        ),
        about_one_delay(
            ctx,
            Model::Processes,
            ctx.tasks,
            "processes overlap the waits too, after paying to start",
            "2.35 s (start-up heavy)",
        ),
    ]
}

fn explain(m: &Measured) -> Vec<String> {
    io_bound(
        m,
        &format!("its {} requests waited for the server", m.params.tasks()),
    )
}
