//! The comparison lesson's measurements, made in this browser: what a Web
//! Worker with its own WebAssembly instance costs to start (a process here,
//! and a thread too, since browser threads are Web Workers), what an async
//! task costs, and how many async tasks can wait at once (counted as each
//! one parks at its await, not assumed).

use crate::clock::now_ms;
use crate::js::{Inbox, sleep_ms, start_runner_worker};
use crate::protocol::Costs;
use crate::runner::processes::read_frame;
use concur_core::wire::FromWorker;
use futures::FutureExt;
use futures::channel::oneshot;
use std::cell::Cell;
use std::rc::Rc;
use std::task::Poll;

/// Workers started one after another for the start-up figure.
const WORKERS: u32 = 3;
/// Async tasks for the creation figure, and tasks spawned for the
/// most-alive trial.
const TASKS: u32 = 10_000;
const ALIVE: u32 = 100_000;
/// The most times the alive trial yields to the event loop waiting for its
/// count to stop rising.
const MAX_YIELDS: u32 = 100;

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

/// Round trips for the switch figures.
const ROUND_TRIPS: u32 = 2_000;
const MESSAGE_ROUND_TRIPS: u32 = 200;

/// Half a round trip between two pool threads handing a token back and forth.
fn thread_switch() -> f64 {
    let (to_other, from_main) = std::sync::mpsc::channel::<u32>();
    let (to_main, from_other) = std::sync::mpsc::channel::<u32>();
    let elapsed_ms = std::sync::Mutex::new(0.0);
    rayon::scope(|scope| {
        scope.spawn(move |_| {
            for token in from_main {
                if to_main.send(token).is_err() {
                    break;
                }
            }
        });
        let elapsed_ms = &elapsed_ms;
        scope.spawn(move |_| {
            let started = now_ms();
            for token in 0..ROUND_TRIPS {
                let _ = to_other.send(token);
                let _ = from_other.recv();
            }
            *elapsed_ms.lock().unwrap_or_else(|p| p.into_inner()) = now_ms() - started;
        });
    });
    let elapsed_ms = elapsed_ms.into_inner().unwrap_or_else(|p| p.into_inner());
    elapsed_ms * 1000.0 / f64::from(2 * ROUND_TRIPS)
}

/// Half a round trip of a tiny task to a process worker and back.
async fn process_switch() -> Result<f64, String> {
    use concur_core::experiment::{Op, Task};
    use concur_core::wire::{ToWorker, encode_frame};
    let worker = start_runner_worker("process-0-simulated")?;
    let mut inbox = Inbox::of_worker(&worker);
    read_frame::<FromWorker>(&inbox.next().await?)?;
    let frame = encode_frame(&ToWorker::Task(Task {
        idx: 0,
        op: Op::CpuSqrt { n: 1 },
    }));
    let started = now_ms();
    for _ in 0..MESSAGE_ROUND_TRIPS {
        crate::runner::processes::post_frame(&worker, &frame)?;
        read_frame::<FromWorker>(&inbox.next().await?)?;
    }
    let elapsed_ms = now_ms() - started;
    worker.terminate();
    Ok(elapsed_ms * 1000.0 / f64::from(2 * MESSAGE_ROUND_TRIPS))
}

/// Half a round trip between two tasks on this event loop.
async fn task_switch() -> f64 {
    use futures::{SinkExt, StreamExt};
    let (mut to_other, mut from_main) = futures::channel::mpsc::channel::<u32>(1);
    let (mut to_main, mut from_other) = futures::channel::mpsc::channel::<u32>(1);
    let other = async move {
        while let Some(token) = from_main.next().await {
            if to_main.send(token).await.is_err() {
                break;
            }
        }
    };
    let started = now_ms();
    let main = async move {
        for token in 0..ROUND_TRIPS {
            let _ = to_other.send(token).await;
            let _ = from_other.next().await;
        }
        now_ms() - started
    };
    let (elapsed_ms, ()) = futures::join!(main, other);
    elapsed_ms * 1000.0 / f64::from(2 * ROUND_TRIPS)
}

/// Spawns [`ALIVE`] tasks on this event loop, each waiting on one signal,
/// and counts those that actually parked at their await before it fired:
/// a task counts itself when its first poll finds the signal not yet sent.
/// The spawner yields to the loop (a timer, so every queued task gets its
/// turn first) until the count stops rising, then fires the signal and
/// waits for every task to end.
async fn alive_at_once() -> Result<u32, String> {
    let waiting = Rc::new(Cell::new(0u32));
    let ended = Rc::new(Cell::new(0u32));
    let (fire, signal) = oneshot::channel::<()>();
    let signal = signal.shared();
    let (all_ended, on_all_ended) = oneshot::channel::<()>();
    let all_ended = Rc::new(Cell::new(Some(all_ended)));
    for _ in 0..ALIVE {
        let (waiting, ended, all_ended) = (waiting.clone(), ended.clone(), all_ended.clone());
        let mut signal = signal.clone();
        wasm_bindgen_futures::spawn_local(async move {
            let mut counted = false;
            std::future::poll_fn(|cx| match signal.poll_unpin(cx) {
                Poll::Ready(_) => Poll::Ready(()),
                Poll::Pending => {
                    if !counted {
                        counted = true;
                        waiting.set(waiting.get() + 1);
                    }
                    Poll::Pending
                }
            })
            .await;
            ended.set(ended.get() + 1);
            if ended.get() == ALIVE
                && let Some(sender) = all_ended.take()
            {
                let _ = sender.send(());
            }
        });
    }
    let mut seen = 0;
    for _ in 0..MAX_YIELDS {
        sleep_ms(0.0).await;
        let now = waiting.get();
        if now == ALIVE || (now > 0 && now == seen) {
            break;
        }
        seen = now;
    }
    let alive = waiting.get();
    let _ = fire.send(());
    on_all_ended
        .await
        .map_err(|_| "the waiting tasks did not all end".to_string())?;
    Ok(alive)
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
    let tasks_alive = alive_at_once().await?;
    let thread_switch_us = pool.is_ok().then(thread_switch);
    let process_switch_us = process_switch().await?;
    let task_switch_us = task_switch().await;
    Ok(Costs {
        thread_switch_us,
        process_switch_us,
        task_switch_us,
        worker_start_ms: total_ms / f64::from(WORKERS),
        workers_started: WORKERS,
        task_start_us,
        tasks_alive,
        tasks_spawned: ALIVE,
        pool_threads: pool,
    })
}
