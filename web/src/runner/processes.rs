//! Processes in the browser: separate Web Workers, each with its own
//! WebAssembly instance and memory, fed over `postMessage`.
//!
//! Task tree: `run_processes` starts `workers` process workers (more
//! instances of the runner binary, named `process-N`), then runs one feeder
//! future per worker on the runner's event loop. A feeder pops the next
//! task, encodes it with core's wire format (the same frames the native
//! runner sends through pipes), posts the bytes, awaits the answer and
//! decodes it; when the queue is empty it says Shutdown, awaits Bye and
//! terminates the worker. Encoding and decoding are `serialize` events;
//! start-up until the worker's own Ready stamp is a `spawn` event.

use crate::clock::BrowserClock;
use crate::js::{Inbox, start_runner_worker};
use concur_core::answer::TaskAnswer;
use concur_core::clock::Clock;
use concur_core::experiment::{Plan, Task};
use concur_core::report::{RunOutcome, WorkerShare};
use concur_core::trace::{Event, EventKind, Lane, Recorder};
use concur_core::wire::{FromWorker, ToWorker, decode_body, encode_frame, frame_len};
use concur_core::worker::receive_shipped_answer;
use std::cell::RefCell;
use std::collections::VecDeque;
use web_sys::Worker;

/// Process lanes get numbers from here up in place of PIDs.
pub const FIRST_PROCESS_ID: u32 = 100;

/// What one feeder brings back.
struct Fed {
    outcomes: Vec<(u32, Result<TaskAnswer, String>)>,
    failures: Vec<String>,
    events: Vec<Event>,
}

/// Posts one message as a frame of bytes (the structured clone copies it).
pub fn post_frame(target: &impl PostFrame, frame: &[u8]) -> Result<(), String> {
    target.post(&js_sys::Uint8Array::from(frame).into())
}

/// Anything with `postMessage`.
pub trait PostFrame {
    fn post(&self, value: &wasm_bindgen::JsValue) -> Result<(), String>;
}

impl PostFrame for Worker {
    fn post(&self, value: &wasm_bindgen::JsValue) -> Result<(), String> {
        self.post_message(value)
            .map_err(|err| crate::js::describe(&err))
    }
}

impl PostFrame for web_sys::DedicatedWorkerGlobalScope {
    fn post(&self, value: &wasm_bindgen::JsValue) -> Result<(), String> {
        self.post_message(value)
            .map_err(|err| crate::js::describe(&err))
    }
}

/// Decodes a message that arrived as a frame of bytes.
pub fn read_frame<T: serde::de::DeserializeOwned>(
    value: &wasm_bindgen::JsValue,
) -> Result<T, String> {
    let bytes = js_sys::Uint8Array::new(value).to_vec();
    let prefix: [u8; 4] = bytes
        .get(..4)
        .and_then(|p| p.try_into().ok())
        .ok_or("a message too short to be a frame")?;
    let len = frame_len(prefix)?;
    let body = bytes
        .get(4..4 + len)
        .ok_or("a frame shorter than its length")?;
    decode_body(body)
}

async fn next(inbox: &mut Inbox) -> Result<FromWorker, String> {
    read_frame(&inbox.next().await?)
}

async fn drive(
    worker: &Worker,
    inbox: &mut Inbox,
    recorder: &mut Recorder,
    spawn_start: u64,
    queue: &RefCell<VecDeque<&Task>>,
    fed: &mut Fed,
    in_flight: &mut Option<u32>,
) -> Result<(), String> {
    let clock = BrowserClock;
    match next(inbox).await? {
        FromWorker::Ready { ready_ns, .. } => {
            recorder.record(EventKind::Spawn, spawn_start, ready_ns, None)
        }
        other => return Err(format!("said {other:?} instead of Ready")),
    }
    loop {
        let popped = queue.borrow_mut().pop_front();
        let Some(task) = popped else {
            post_frame(worker, &encode_frame(&ToWorker::Shutdown))?;
            return match next(inbox).await? {
                FromWorker::Bye { .. } => Ok(()),
                other => Err(format!("said {other:?} instead of Bye")),
            };
        };
        *in_flight = Some(task.idx);
        let encode_start = clock.now_ns();
        let frame = encode_frame(&ToWorker::Task(task.clone()));
        recorder.record(
            EventKind::Serialize,
            encode_start,
            clock.now_ns(),
            Some(task.idx),
        );
        post_frame(worker, &frame)?;
        let reply = inbox.next().await?;
        let decode_start = clock.now_ns();
        let reply = read_frame::<FromWorker>(&reply)?;
        let (outcome, events) =
            receive_shipped_answer(reply, task, decode_start, &clock, recorder)?;
        fed.events.extend(events);
        fed.outcomes.push((task.idx, outcome));
        *in_flight = None;
    }
}

async fn feed(lane: u32, queue: &RefCell<VecDeque<&Task>>, simulated: bool) -> Fed {
    let mut fed = Fed {
        outcomes: Vec::new(),
        failures: Vec::new(),
        events: Vec::new(),
    };
    let spawn_start = BrowserClock.now_ns();
    let suffix = if simulated { "-simulated" } else { "" };
    let worker = match start_runner_worker(&format!("process-{lane}{suffix}")) {
        Ok(worker) => worker,
        Err(why) => {
            fed.failures
                .push(format!("worker {} could not start: {why}", lane + 1));
            return fed;
        }
    };
    let mut inbox = Inbox::of_worker(&worker);
    let mut recorder = Recorder::new(lane);
    let mut in_flight = None;
    let driven = drive(
        &worker,
        &mut inbox,
        &mut recorder,
        spawn_start,
        queue,
        &mut fed,
        &mut in_flight,
    )
    .await;
    worker.terminate();
    if let Err(why) = driven {
        let what = format!("worker {} failed ({why})", lane + 1);
        match in_flight {
            Some(task_idx) => fed
                .outcomes
                .push((task_idx, Err(format!("task {task_idx}: {what}")))),
            None => fed.failures.push(what),
        }
    }
    fed.events.extend(recorder.into_events());
    fed
}

/// Runs the plan on `workers` process workers.
pub async fn run_processes(plan: &Plan, workers: u32, simulated: bool) -> RunOutcome {
    let start = BrowserClock.now_ns();
    let queue = RefCell::new(plan.tasks.iter().collect::<VecDeque<_>>());
    let fed =
        futures::future::join_all((0..workers).map(|lane| feed(lane, &queue, simulated))).await;
    let end = BrowserClock.now_ns();
    let unrun = WorkerShare {
        outcomes: queue
            .into_inner()
            .iter()
            .map(|task| {
                (
                    task.idx,
                    Err(format!(
                        "task {}: not run: every worker had failed",
                        task.idx
                    )),
                )
            })
            .collect(),
        ..WorkerShare::default()
    };
    let shares = fed.into_iter().map(|worker| WorkerShare {
        outcomes: worker.outcomes,
        failures: worker.failures,
        events: worker.events,
        cpu_ns: None,
    });
    let lanes = (0..workers)
        .map(|lane| Lane {
            id: lane,
            name: format!("worker {}", lane + 1),
            pid: FIRST_PROCESS_ID + lane,
        })
        .collect();
    RunOutcome::assemble(start, end, plan.tasks.len(), lanes, shares.chain([unrun]))
}
