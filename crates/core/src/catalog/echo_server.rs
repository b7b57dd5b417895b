//! echo-server, "Asyncio for many connections": a TCP echo server whose
//! handler waits before answering, and clients that connect one after
//! another; the model is the server's.

use super::defaults;
use crate::claims::{
    ClaimCheck, ClaimCtx, answered_in_one_wait, check, clearly_longer, within_one_wait,
};
use crate::experiment::{Bound, Dispatch, Experiment, Op, QuickN};
use crate::explain::{Measured, gil_on_io, processes_costs, sequential_won, winner_sentence};
use crate::model::Model;
use crate::params::{self, Limit};
use crate::report::ModelResult;
use crate::workload::echo_message;

pub(super) fn experiment() -> Experiment {
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
        delay_means: "handler's pause before echoing (ms)",
        // Milliseconds between client starts; 0 starts them all at once.
        n_limit: Limit {
            min: 0,
            max: 10_000,
            ..params::N
        },
        // The gap between clients shrinks with the handler's wait, so the
        // clients still overlap.
        quick_n: QuickN::WithTheWaits,
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
        claims,
        // The tutorial's section gives no times.
        browser_note: Some(
            "In this browser: a page cannot open TCP sockets, so this is an in-page equivalent. Each client is an arrival scheduled on the run's clock; the server's workers (at most 8 threads here, not one per connection) wait for it, run the same handler and answer. `concur run echo-server` runs a real TCP server against real clients.",
        ),
        tutorial_seconds: &[],
        explain,
    }
}

fn claims(ctx: &ClaimCtx) -> Vec<ClaimCheck> {
    vec![
        answered_in_one_wait(
            ctx,
            Model::Async,
            "one event loop serves every client at once: each gets its echo one handler wait after connecting",
            "5 clients 0.1 s apart, each answered 0.5 s after it connected",
        ),
        answered_in_one_wait(
            ctx,
            Model::ThreadsGil,
            "a thread per connection does it too, GIL or not: the handler waits without the lock",
            "threads scale to hundreds of connections",
        ),
        check(
            "a server that takes one connection at a time makes clients queue",
            "the reason to serve many connections with asyncio",
            match (
                ctx.request_ms(Model::Sequential),
                ctx.request_ms(Model::Async),
            ) {
                (Some(one), Some(asynch)) => Some((
                    format!(
                        "a client waited {one:.0} ms on average one at a time, {asynch:.0} ms under async"
                    ),
                    clearly_longer(one, asynch),
                )),
                _ => None,
            },
        ),
    ]
}

fn explain(m: &Measured) -> Vec<String> {
    let Some(winner) = m.winner() else {
        return Vec::new();
    };
    let mut sentences = vec![winner_sentence(winner, &winner_reason(m, winner))];
    sentences.extend(gil_on_io(m));
    sentences.extend(processes_costs(m));
    sentences.extend(client_waits(m));
    sentences
}

/// Why the fastest server won: it served the clients at once, when each
/// was answered about one handler wait after connecting.
fn winner_reason(m: &Measured, winner: &ModelResult) -> String {
    let wait_ms = m.params.delay_ms() as f64;
    let clients = m.params.tasks();
    match winner.request_ms {
        _ if winner.model == Model::Sequential => sequential_won(m, winner),
        Some(ms) if !within_one_wait(ms, wait_ms) => format!(
            "though its clients waited {ms:.0} ms on average, more than one handler wait ({wait_ms:.0} ms), so it did not serve them all at once"
        ),
        None => "its clients' waits were not measured".to_string(),
        Some(_) => match winner.model {
            Model::Processes => format!(
                "its pool of {} worker processes served that many connections at a time, each handler waiting on its own",
                winner.workers
            ),
            Model::Async => format!(
                "its one event loop ran a task for each of the {clients} clients, so every handler waited at the same time"
            ),
            _ => format!(
                "it started a thread for each of the {clients} clients, so every handler waited at the same time"
            ),
        },
    }
}

/// How long a client waited under each model, and whether serving one
/// connection at a time made them queue.
fn client_waits(m: &Measured) -> Vec<String> {
    let measured: Vec<&ModelResult> = m
        .results
        .iter()
        .filter(|r| r.answer_ok && r.request_ms.is_some())
        .collect();
    if measured.is_empty() {
        return Vec::new();
    }
    let waits: Vec<String> = measured
        .iter()
        .map(|r| {
            let note = match r.model {
                Model::Processes => {
                    format!(" (a pool of {} serves that many at a time)", r.workers)
                }
                _ => String::new(),
            };
            format!(
                "{} {:.0} ms{note}",
                r.model.name(),
                r.request_ms.unwrap_or_default()
            )
        })
        .collect();
    let mut sentences = vec![format!(
        "From connecting to getting its line back, a client waited on average: {}, for a handler that pauses {} ms.",
        waits.join(", "),
        m.params.delay_ms()
    )];
    let one_at_a_time = m.ok(Model::Sequential).and_then(|r| r.request_ms);
    let best_other = measured
        .iter()
        .filter(|r| r.model != Model::Sequential)
        .filter_map(|r| r.request_ms)
        .min_by(f64::total_cmp);
    if let (Some(one), Some(best)) = (one_at_a_time, best_other) {
        sentences.push(if clearly_longer(one, best) {
            format!(
                "Serving one connection at a time made each client wait for those before it ({one:.0} ms against {best:.0} ms)."
            )
        } else {
            format!(
                "Here serving one connection at a time cost clients little ({one:.0} ms against {best:.0} ms): they hardly queued behind one another, with clients starting {} ms apart.",
                m.params.n()
            )
        });
    }
    sentences
}

#[cfg(test)]
mod tests {
    use crate::catalog::fixtures::{params, with_request_ms};
    use crate::experiment::find;
    use crate::explain::explain;
    use crate::model::Model;
    use crate::report::ModelResult;

    fn explained(results: &[ModelResult]) -> String {
        let experiment = find("echo-server").unwrap();
        explain(&experiment, &params("echo-server", 5, 5, 500), results, 2)
    }

    fn at(model: Model, ms: f64, wall: f64) -> ModelResult {
        let mut result = with_request_ms(model, ms);
        result.wall_s.median = wall;
        result
    }

    #[test]
    fn queueing_is_named_only_when_one_at_a_time_was_clearly_slower() {
        let queued = explained(&[
            at(Model::Sequential, 1300.0, 2.9),
            at(Model::Async, 502.0, 0.9),
        ]);
        assert!(queued.starts_with("async won"), "{queued}");
        assert!(
            queued.contains("every handler waited at the same time"),
            "{queued}"
        );
        assert!(
            queued.contains("made each client wait for those before it"),
            "{queued}"
        );
        let apart = explained(&[
            at(Model::Sequential, 510.0, 2.9),
            at(Model::Async, 502.0, 2.8),
        ]);
        assert!(
            apart.contains("cost clients little (510 ms against 502 ms)"),
            "{apart}"
        );
        assert!(!apart.contains("made each client wait"), "{apart}");
    }

    #[test]
    fn the_winner_is_said_to_serve_everyone_at_once_only_within_one_wait() {
        let slow = explained(&[
            at(Model::Sequential, 1500.0, 3.0),
            at(Model::ThreadsGil, 1200.0, 2.0),
        ]);
        assert!(slow.contains("did not serve them all at once"), "{slow}");
        assert!(
            !slow.contains("every handler waited at the same time"),
            "{slow}"
        );
    }
}
