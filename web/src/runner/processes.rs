//! Processes in the browser: separate Web Workers, each with its own
//! WebAssembly instance and memory, fed over `postMessage`.
//!
//! Task tree: `run_processes` starts `workers` process workers (more
//! instances of the runner binary that runs this, named `process-N`: the
//! database runner's have SQLite, the everyday runner's do not), then runs
//! one feeder future per worker on the runner's event loop. A feeder pops the next
//! task, encodes it with core's wire format (the same frames the native
//! runner sends through pipes), posts the bytes, awaits the answer and
//! decodes it; when the queue is empty it says Shutdown, awaits Bye and
//! terminates the worker. Encoding and decoding are `serialize` events;
//! start-up until the worker's own Ready stamp is a `spawn` event.
//!
//! Every wait on a worker races a timer: Ready, each answer (core's
//! `task_deadline`, from the task's operation), Bye. A worker that lets one
//! pass is terminated and its feeder reports the task by name and stops.

use crate::clock::BrowserClock;
use crate::js::{Inbox, logical_cores, sleep_ms, start_runner_worker};
use concur_core::answer::TaskAnswer;
use concur_core::clock::Clock;
use concur_core::experiment::{Plan, Task};
use concur_core::report::{RunOutcome, WorkerShare};
use concur_core::trace::{Event, EventKind, Lane, Recorder};
use concur_core::wire::{FromWorker, ToWorker, decode_body, encode_frame, frame_len};
use concur_core::worker::{receive_shipped_answer, task_deadline};
use futures::future::{Either, select};
use std::cell::RefCell;
use std::collections::VecDeque;
use std::time::Duration;
use wasm_bindgen::JsValue;
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

/// How long a worker may take to say Ready: it loads and compiles the
/// runner's WebAssembly, which takes longer the more start at once.
fn ready_deadline(workers: u32) -> Duration {
    Duration::from_secs(30) + Duration::from_millis(100) * workers
}

/// How long a worker may take to answer Shutdown with Bye.
const BYE_DEADLINE: Duration = Duration::from_secs(10);

/// Why a feeder stopped driving its worker.
enum Stop {
    Failed(String),
    /// No message came within this limit.
    Silent(Duration),
}

impl From<String> for Stop {
    fn from(why: String) -> Stop {
        Stop::Failed(why)
    }
}

/// "12.0 s".
fn seconds(limit: Duration) -> String {
    format!("{:.1} s", limit.as_secs_f64())
}

/// The worker's next message, if it comes within `within`.
async fn next_within(inbox: &mut Inbox, within: Duration) -> Result<JsValue, Stop> {
    let message = std::pin::pin!(inbox.next());
    let timer = std::pin::pin!(sleep_ms(within.as_secs_f64() * 1000.0));
    match select(message, timer).await {
        Either::Left((message, _)) => Ok(message?),
        Either::Right(((), _)) => Err(Stop::Silent(within)),
    }
}

async fn next(inbox: &mut Inbox, within: Duration) -> Result<FromWorker, Stop> {
    Ok(read_frame(&next_within(inbox, within).await?)?)
}

/// What `drive` works with besides the worker.
struct Driving<'a, 'q> {
    recorder: &'a mut Recorder,
    spawn_start: u64,
    queue: &'a RefCell<VecDeque<&'q Task>>,
    workers: u32,
    cores: u32,
}

async fn drive(
    worker: &Worker,
    inbox: &mut Inbox,
    driving: Driving<'_, '_>,
    fed: &mut Fed,
    in_flight: &mut Option<u32>,
) -> Result<(), Stop> {
    let Driving {
        recorder,
        spawn_start,
        queue,
        workers,
        cores,
    } = driving;
    let clock = BrowserClock;
    match next(inbox, ready_deadline(workers)).await? {
        FromWorker::Ready { ready_ns, .. } => {
            recorder.record(EventKind::Spawn, spawn_start, ready_ns, None)
        }
        other => return Err(format!("said {other:?} instead of Ready").into()),
    }
    loop {
        let popped = queue.borrow_mut().pop_front();
        let Some(task) = popped else {
            post_frame(worker, &encode_frame(&ToWorker::Shutdown))?;
            return match next(inbox, BYE_DEADLINE).await? {
                FromWorker::Bye { .. } => Ok(()),
                other => Err(format!("said {other:?} instead of Bye").into()),
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
        let reply = next_within(inbox, task_deadline(&task.op, workers, cores)).await?;
        let decode_start = clock.now_ns();
        let reply = read_frame::<FromWorker>(&reply)?;
        let (outcome, events) =
            receive_shipped_answer(reply, task, decode_start, &clock, recorder)?;
        fed.events.extend(events);
        fed.outcomes.push((task.idx, outcome));
        *in_flight = None;
    }
}

async fn feed(lane: u32, queue: &RefCell<VecDeque<&Task>>, workers: u32, simulated: bool) -> Fed {
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
    let driving = Driving {
        recorder: &mut recorder,
        spawn_start,
        queue,
        workers,
        cores: logical_cores(),
    };
    let driven = drive(&worker, &mut inbox, driving, &mut fed, &mut in_flight).await;
    worker.terminate();
    if let Err(stop) = driven {
        let what = match stop {
            Stop::Failed(why) => format!("worker {} failed ({why})", lane + 1),
            Stop::Silent(limit) => format!(
                "worker {} gave no answer within {}; terminated",
                lane + 1,
                seconds(limit)
            ),
        };
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
        futures::future::join_all((0..workers).map(|lane| feed(lane, &queue, workers, simulated)))
            .await;
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
