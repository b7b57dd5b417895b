//! Async in the browser: one coroutine per task on the runner's event loop,
//! a semaphore as the connection limit, `fetch` for I/O. CPU work runs on
//! the loop and blocks it, as it would under asyncio.

use crate::clock::BrowserClock;
use crate::io::fetch_within;
use crate::js::{Semaphore, sleep_ms};
use crate::runner::threads::RUNNER_PID;
use concur_core::answer::TaskAnswer;
use concur_core::clock::Clock;
use concur_core::echo::echo_client;
use concur_core::experiment::{Op, Plan, Task};
use concur_core::report::{RunOutcome, WorkerShare};
use concur_core::trace::{Event, EventKind, Lane};
use concur_core::worker::WorkerCtx;

async fn coroutine(
    task: &Task,
    limit: &Semaphore,
    simulated: bool,
) -> (u32, Result<TaskAnswer, String>, Vec<Event>) {
    let clock = BrowserClock;
    let queued = clock.now_ns();
    limit.acquire().await;
    let mut ctx = WorkerCtx::new(task.idx, &clock, None);
    let admitted = clock.now_ns();
    if admitted > queued {
        ctx.record(EventKind::QueueWait, queued, admitted, Some(task.idx));
    }
    if let Op::Echo { .. } = &task.op {
        let outcome = serve_echo(&mut ctx, task).await;
        limit.release();
        return (task.idx, outcome, ctx.finish());
    }
    // Computations run right on the loop and block it, as under asyncio.
    let outcome = match (ctx.compute(task), task.op.requests()) {
        (Some(answer), _) => Ok(answer),
        // Blocking work with no async library (the database stand-in): it
        // runs on the loop and stalls it.
        (None, None) => ctx.run_task(task, &crate::io::XhrIo { simulated }),
        (None, Some(_)) => {
            ctx.await_requests(task, |url, timeout_ms| async move {
                fetch_within(&url, simulated, timeout_ms).await
            })
            .await
        }
    };
    limit.release();
    (task.idx, outcome, ctx.finish())
}

/// The in-page echo server's handler as a coroutine: wait for the client's
/// arrival, read its line, `await` the pause, send the line back. Every
/// wait is a timer, so the loop serves the other clients meanwhile.
async fn serve_echo(ctx: &mut WorkerCtx<'_>, task: &Task) -> Result<TaskAnswer, String> {
    let (message, wait_ms, arrival) = echo_client(task)?;
    // The loop starts the handler as the client arrives.
    if let Some(arrival) = arrival {
        let now = ctx.now_ns();
        if arrival > now {
            sleep_ms((arrival - now) as f64 / 1e6).await;
        }
    }
    let connected = arrival.unwrap_or_else(|| ctx.now_ns());
    let taken = connected;
    let read = ctx.now_ns();
    let line = message.to_string();
    ctx.record(EventKind::IoWait, read, ctx.now_ns(), Some(task.idx));
    let paused = ctx.now_ns();
    sleep_ms(wait_ms as f64).await;
    ctx.record(EventKind::IoWait, paused, ctx.now_ns(), Some(task.idx));
    let answer = TaskAnswer::echo_of(line.as_bytes());
    ctx.record_client(task.idx, connected, taken, ctx.now_ns());
    Ok(answer)
}

/// Runs every task as a coroutine, at most `limit` at once.
pub async fn run_async(plan: &Plan, limit: u32, simulated: bool) -> RunOutcome {
    let start = BrowserClock.now_ns();
    let semaphore = Semaphore::new(limit as usize);
    let results = futures::future::join_all(
        plan.tasks
            .iter()
            .map(|task| coroutine(task, &semaphore, simulated)),
    )
    .await;
    let end = BrowserClock.now_ns();
    let shares = results
        .into_iter()
        .map(|(task_idx, outcome, events)| WorkerShare {
            outcomes: vec![(task_idx, outcome)],
            events,
            ..WorkerShare::default()
        });
    let lanes = plan
        .tasks
        .iter()
        .map(|task| Lane {
            id: task.idx,
            name: format!("coroutine {}", task.idx + 1),
            pid: RUNNER_PID,
        })
        .collect();
    RunOutcome::assemble(start, end, plan.tasks.len(), lanes, shares)
}
