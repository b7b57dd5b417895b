//! Tasks that cross a process boundary: what a process worker does with a
//! task that arrived as a message, and how the parent takes the answer back.

use super::{BlockingIo, WorkerCtx};
use crate::clock::Clock;
use crate::experiment::Task;
use crate::trace::{Event, EventKind, Recorder};
use crate::wire::{FromWorker, TaskOutcome, decode_body, encode_body};

/// A process worker's answer to a task that arrived as a message: it runs
/// the task with no GIL (every process has its own), and records decoding
/// the task (`decoded`, start and end) and encoding the answer as
/// `serialize` slices, the cost of crossing the process boundary.
pub fn answer_shipped_task(
    lane: u32,
    clock: &dyn Clock,
    io: &dyn BlockingIo,
    task: &Task,
    decoded: (u64, u64),
) -> FromWorker {
    let mut ctx = WorkerCtx::new(lane, clock, None);
    ctx.record(EventKind::Serialize, decoded.0, decoded.1, Some(task.idx));
    let outcome: TaskOutcome = ctx.run_task(task, io);
    let encode_start = clock.now_ns();
    let outcome = encode_body(&outcome);
    ctx.record(
        EventKind::Serialize,
        encode_start,
        clock.now_ns(),
        Some(task.idx),
    );
    FromWorker::Done {
        task_idx: task.idx,
        outcome,
        events: ctx.finish(),
    }
}

/// The parent's side of a shipped task: checks that `reply` answers `task`,
/// decodes the answer (a `serialize` slice on `recorder` from
/// `decode_start`), and hands back the answer and the worker's events.
pub fn receive_shipped_answer(
    reply: FromWorker,
    task: &Task,
    decode_start: u64,
    clock: &dyn Clock,
    recorder: &mut Recorder,
) -> Result<(TaskOutcome, Vec<Event>), String> {
    match reply {
        FromWorker::Done {
            task_idx,
            outcome,
            events,
        } if task_idx == task.idx => {
            let outcome: TaskOutcome = decode_body(&outcome)?;
            recorder.record(
                EventKind::Serialize,
                decode_start,
                clock.now_ns(),
                Some(task.idx),
            );
            Ok((outcome, events))
        }
        other => Err(format!("answered task {} with {other:?}", task.idx)),
    }
}
