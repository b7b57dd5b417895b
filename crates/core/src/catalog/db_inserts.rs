//! db-inserts, "Threading for I/O": workers inserting rows into one SQLite
//! file, each through a connection of its own, processing after each row.

use super::defaults;
use crate::claims::{ClaimCheck, ClaimCtx, OVERLAP, SMALL_SHARE, check};
use crate::experiment::{Bound, Dispatch, Experiment, Op, QuickN};
use crate::explain::{Measured, io_bound};
use crate::model::Model;
use crate::params::{self, Limit};

pub(super) fn experiment() -> Experiment {
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
        delay_means: "processing after each row (ms)",
        // What finishes: every row is a commit.
        n_limit: Limit {
            max: 100_000,
            ..params::N
        },
        quick_n: QuickN::Work,
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
        claims,
        browser_note: Some(
            "In this browser: real SQLite, compiled into the runner's WebAssembly, with the database in memory. This SQLite is built single-threaded and a page has no file two WebAssembly instances can open at once, so the thread workers share one connection behind a lock (waiting for it is waiting for SQLite's single writer) and each process worker has a database of its own. Natively every worker has its own connection to one SQLite file.",
        ),
        tutorial_seconds: &[(Model::ThreadsGil, 0.45)],
        explain,
    }
}

fn claims(ctx: &ClaimCtx) -> Vec<ClaimCheck> {
    vec![check(
        "threads overlap the processing after each commit, though SQLite lets one writer in at a time",
        "4 threads x 10 rows in 0.45 s",
        match (ctx.median(Model::ThreadsGil), ctx.median(Model::Sequential)) {
            (Some(threads), Some(sequential)) => Some((
                format!("threads-gil {threads:.2} s against {sequential:.2} s one after another"),
                threads * OVERLAP <= sequential,
            )),
            _ => None,
        },
    )]
}

fn explain(m: &Measured) -> Vec<String> {
    let waited = format!(
        "its {} workers waited (for the disk, for their processing)",
        m.params.workers().min(m.params.tasks())
    );
    let mut sentences = io_bound(m, &waited);
    sentences.extend(lock_waits(m));
    sentences
}

/// How long the thread models queued for SQLite's write lock, against the
/// processing they did: the model that waited longest speaks for both.
fn lock_waits(m: &Measured) -> Option<String> {
    let longest = [Model::ThreadsGil, Model::ThreadsFree]
        .into_iter()
        .filter_map(|model| m.ok(model))
        .max_by(|a, b| a.time.queue_wait_s.total_cmp(&b.time.queue_wait_s))?;
    let waited_ms = longest.time.queue_wait_s * 1000.0;
    let processing_ms = longest.time.idle_s * 1000.0;
    Some(if waited_ms <= 0.0 {
        "SQLite lets one connection write at a time, but here no thread had to wait for its lock."
            .to_string()
    } else if waited_ms <= SMALL_SHARE * processing_ms {
        format!(
            "SQLite lets one connection write at a time: the thread models waited up to {waited_ms:.1} ms in all for its lock (queue-wait in the trace), small beside the {processing_ms:.1} ms of processing."
        )
    } else {
        format!(
            "SQLite lets one connection write at a time: {} waited {waited_ms:.1} ms in all for its lock (queue-wait in the trace), not small beside its {processing_ms:.1} ms of processing: the lock held its threads back.",
            longest.model.name()
        )
    })
}

#[cfg(test)]
mod tests {
    use crate::catalog::fixtures::{params, result};
    use crate::experiment::find;
    use crate::explain::explain;
    use crate::model::Model;
    use crate::report::{ModelResult, TimeBreakdown};

    fn threads(queue_wait_s: f64, idle_s: f64) -> ModelResult {
        ModelResult {
            time: TimeBreakdown {
                queue_wait_s,
                idle_s,
                ..TimeBreakdown::default()
            },
            ..result(Model::ThreadsGil, 0.2, 4.0)
        }
    }

    fn explained(thread_result: ModelResult) -> String {
        let results = [result(Model::Sequential, 0.8, 1.0), thread_result];
        let experiment = find("db-inserts").unwrap();
        explain(&experiment, &params("db-inserts", 4, 4, 10), &results, 2)
    }

    #[test]
    fn the_lock_wait_is_called_small_only_beside_much_more_processing() {
        let small = explained(threads(0.005, 0.4));
        assert!(
            small.contains("small beside the 400.0 ms of processing"),
            "{small}"
        );
        let large = explained(threads(0.3, 0.4));
        assert!(large.contains("not small beside its 400.0 ms"), "{large}");
        assert!(large.contains("the lock held its threads back"), "{large}");
        let none = explained(threads(0.0, 0.4));
        assert!(none.contains("no thread had to wait"), "{none}");
    }
}
