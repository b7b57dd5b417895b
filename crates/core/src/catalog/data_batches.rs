//! data-batches, "Multiprocessing for CPU": batches of random values
//! filtered and summed, each batch copied to a worker process and back.

use super::defaults;
use crate::claims::{ClaimCheck, ClaimCtx, speedup_at_least};
use crate::experiment::{Bound, Dispatch, Experiment, Op, QuickN};
use crate::explain::cpu_bound;
use crate::model::Model;
use crate::params::{self, Limit};
use crate::workload::random_batch;

pub(super) fn experiment() -> Experiment {
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
        delay_means: "delay per request (ms)",
        // What fits in memory: every batch is held at once.
        n_limit: Limit {
            max: 100_000_000,
            ..params::N
        },
        quick_n: QuickN::Work,
        planner: |params, _| {
            let ops = (0..params.tasks())
                .map(|idx| Op::Batch {
                    values: random_batch(u64::from(idx), params.n() as usize),
                })
                .collect();
            (ops, Dispatch::Queue)
        },
        claims,
        browser_note: None,
        tutorial_seconds: &[(Model::Sequential, 3.82), (Model::Processes, 1.15)],
        explain: cpu_bound,
    }
}

fn claims(ctx: &ClaimCtx) -> Vec<ClaimCheck> {
    vec![speedup_at_least(
        ctx,
        Model::Processes,
        "a process pool is several times faster",
        "3.3x on 4 cores",
    )]
}
