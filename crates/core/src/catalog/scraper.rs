//! scraper, "Threading for I/O": a pool of workers fetching slow pages
//! from a queue.

use super::{defaults, delayed_gets};
use crate::claims::{ClaimCheck, ClaimCtx, about_one_delay};
use crate::experiment::{Bound, Experiment, QuickN};
use crate::explain::{Measured, io_bound};
use crate::model::Model;
use crate::params;

pub(super) fn experiment() -> Experiment {
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
        delay_means: "delay per request (ms)",
        n_limit: params::N,
        quick_n: QuickN::Work,
        planner: delayed_gets,
        claims,
        browser_note: None,
        tutorial_seconds: &[(Model::Sequential, 10.0), (Model::ThreadsGil, 2.15)],
        explain,
    }
}

fn claims(ctx: &ClaimCtx) -> Vec<ClaimCheck> {
    vec![about_one_delay(
        ctx,
        Model::ThreadsGil,
        ctx.tasks,
        "a pool of 5 threads fetches 5 slow pages in about the time of one",
        "2.15 s for 5 pages of 2 s",
    )]
}

fn explain(m: &Measured) -> Vec<String> {
    io_bound(
        m,
        &format!(
            "its {} page fetches waited for the server",
            m.params.tasks()
        ),
    )
}
