//! Async: one tokio current-thread runtime, one coroutine per task.
//!
//! Task tree: `run_async` builds the runtime on the calling thread and
//! spawns every task as a tokio task; a semaphore with `limit` permits plays
//! the connection limit. GETs go through reqwest (an async client); CPU work
//! runs right on the loop and blocks it, as it would under asyncio. The
//! runtime is dropped before returning, so nothing it started lives on.

use super::Env;
use crate::clock::{NativeClock, thread_cpu_ns};
use crate::http::HttpIo;
use crate::http::{CONNECT_TIMEOUT, REQUEST_TIMEOUT};
use concur_core::answer::TaskAnswer;
use concur_core::clock::Clock;
use concur_core::experiment::{Plan, Reply, Task};
use concur_core::report::{RunOutcome, WorkerShare};
use concur_core::trace::{Event, EventKind, Lane};
use concur_core::worker::WorkerCtx;
use std::sync::Arc;
use tokio::sync::Semaphore;

type TaskResult = (u32, Result<TaskAnswer, String>, Vec<Event>);

/// One GET; with `timeout_ms`, a request that takes longer is a timeout
/// (reqwest's per-request timeout, like aiohttp's `ClientTimeout`).
async fn get(
    client: &reqwest::Client,
    url: &str,
    timeout_ms: Option<u64>,
) -> Result<Reply, String> {
    let mut request = client.get(url);
    if let Some(ms) = timeout_ms {
        request = request.timeout(std::time::Duration::from_millis(ms));
    }
    let fetched = async {
        let response = request.send().await?;
        let status = response.status().as_u16();
        response.bytes().await?;
        Ok::<u16, reqwest::Error>(status)
    };
    match fetched.await {
        Ok(status) => Ok(Reply::Status(status)),
        Err(err) if timeout_ms.is_some() && err.is_timeout() => Ok(Reply::TimedOut),
        Err(err) => Err(describe(&err)),
    }
}

/// reqwest's messages hide the cause; show the whole chain on one line.
fn describe(err: &reqwest::Error) -> String {
    let mut text = err.to_string();
    let mut source = std::error::Error::source(err);
    while let Some(cause) = source {
        text.push_str(&format!(": {cause}"));
        source = cause.source();
    }
    text
}

async fn coroutine(
    task: Task,
    limit: Arc<Semaphore>,
    client: reqwest::Client,
    clock: NativeClock,
    blocking: HttpIo,
) -> TaskResult {
    let lane = task.idx;
    let queued = clock.now_ns();
    let _permit = limit
        .acquire_owned()
        .await
        .expect("the semaphore is never closed");
    let mut ctx = WorkerCtx::new(lane, &clock, None);
    let admitted = clock.now_ns();
    if admitted > queued {
        ctx.record(EventKind::QueueWait, queued, admitted, Some(task.idx));
    }
    // Computations run right on the loop and block it, as under asyncio.
    let outcome = match (ctx.compute(&task), task.op.requests()) {
        (Some(answer), _) => Ok(answer),
        // Blocking work with no async library (the database): it runs on
        // the loop and stalls it, as sqlite3 would under asyncio.
        (None, None) => ctx.run_task(&task, &blocking),
        (None, Some(_)) => {
            let client = &client;
            ctx.await_requests(&task, |url, timeout_ms| async move {
                get(client, &url, timeout_ms).await
            })
            .await
        }
    };
    (task.idx, outcome, ctx.finish())
}

/// Runs every task as a coroutine on one thread, at most `limit` at once.
pub fn run_async(plan: &Plan, limit: u32, env: &Env) -> RunOutcome {
    let clock = env.clock;
    let cpu_start = thread_cpu_ns();
    let start = clock.now_ns();
    let lanes: Vec<Lane> = plan
        .tasks
        .iter()
        .map(|task| Lane {
            id: task.idx,
            name: format!("coroutine {}", task.idx + 1),
            pid: std::process::id(),
        })
        .collect();
    let results: Result<Vec<TaskResult>, String> = (|| {
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .map_err(|err| format!("cannot start the event loop: {err}"))?;
        // Requests with a timeout of their own (health checks) let it bound
        // connecting too; the rest give up connecting after 5 s.
        let own_timeouts = plan.tasks.iter().any(|t| t.op.timeout_ms().is_some());
        let builder = reqwest::Client::builder().timeout(REQUEST_TIMEOUT);
        let builder = if own_timeouts {
            builder
        } else {
            builder.connect_timeout(CONNECT_TIMEOUT)
        };
        let client = builder
            .build()
            .map_err(|err| format!("cannot build the HTTP client: {err}"))?;
        let limit = Arc::new(Semaphore::new(limit as usize));
        let blocking = env.io.clone();
        runtime.block_on(async move {
            let handles: Vec<_> = plan
                .tasks
                .iter()
                .map(|task| {
                    tokio::spawn(coroutine(
                        task.clone(),
                        limit.clone(),
                        client.clone(),
                        clock,
                        blocking.clone(),
                    ))
                })
                .collect();
            let mut results = Vec::with_capacity(handles.len());
            for handle in handles {
                results.push(
                    handle
                        .await
                        .map_err(|err| format!("a coroutine failed: {err}"))?,
                );
            }
            Ok(results)
        })
    })();
    let end = clock.now_ns();
    let cpu_ns = thread_cpu_ns() - cpu_start;
    let shares: Vec<WorkerShare> = match results {
        Ok(results) => results
            .into_iter()
            .map(|(task_idx, outcome, events)| WorkerShare {
                outcomes: vec![(task_idx, outcome)],
                events,
                ..WorkerShare::default()
            })
            .collect(),
        Err(why) => vec![WorkerShare {
            failures: vec![why],
            ..WorkerShare::default()
        }],
    };
    // The loop's one thread did all the work, so its CPU time is the run's.
    let loop_cpu = WorkerShare {
        cpu_ns: Some(cpu_ns),
        ..WorkerShare::default()
    };
    RunOutcome::assemble(
        start,
        end,
        plan.tasks.len(),
        lanes,
        shares.into_iter().chain([loop_cpu]),
    )
}
