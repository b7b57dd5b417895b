//! The comparison lesson's measurements, made in this browser: what a Web
//! Worker with its own WebAssembly instance costs to start (a process here,
//! and a thread too, since browser threads are Web Workers), what an async
//! task costs, and how many async tasks can wait at once.

use crate::clock::now_ms;
use crate::js::{Inbox, start_runner_worker};
use crate::protocol::Costs;
use crate::runner::processes::read_frame;
use concur_core::wire::FromWorker;
use futures::FutureExt;
use futures::channel::oneshot;

/// Workers started one after another for the start-up figure.
const WORKERS: u32 = 3;
/// Async tasks for the creation figure, and for the most-alive trial.
const TASKS: u32 = 10_000;
const ALIVE: u32 = 100_000;

/// Starts a process worker and waits for its Ready: milliseconds taken.
async fn start_one(idx: u32) -> Result<f64, String> {
    let started = now_ms();
    let worker = start_runner_worker(&format!("process-{idx}-simulated"))?;
    let mut inbox = Inbox::of_worker(&worker);
    let ready = read_frame::<FromWorker>(&inbox.next().await?);
    worker.terminate();
    match ready? {
        FromWorker::Ready { .. } => Ok(now_ms() - started),
        other => Err(format!("the worker said {other:?} instead of Ready")),
    }
}

/// Measures everything; `pool` is the thread pool's size or why there is none.
pub async fn measure(pool: Result<u32, String>) -> Result<Costs, String> {
    let mut total_ms = 0.0;
    for idx in 0..WORKERS {
        total_ms += start_one(idx).await?;
    }
    let started = now_ms();
    futures::future::join_all((0..TASKS).map(|i| async move { std::hint::black_box(i) })).await;
    let task_start_us = (now_ms() - started) * 1000.0 / f64::from(TASKS);
    // Every task waits on one signal, so all are alive at once before it fires.
    let (fire, signal) = oneshot::channel::<()>();
    let signal = signal.shared();
    let waiting = futures::future::join_all((0..ALIVE).map(|_| {
        let signal = signal.clone();
        async move {
            let _ = signal.await;
        }
    }));
    let _ = fire.send(());
    waiting.await;
    Ok(Costs {
        worker_start_ms: total_ms / f64::from(WORKERS),
        workers_started: WORKERS,
        task_start_us,
        tasks_alive: ALIVE,
        pool_threads: pool,
    })
}
