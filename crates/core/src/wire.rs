//! Messages between a parent and its worker processes (or process Web Workers).
//!
//! Wire types are kept apart from internal ones and encoded with postcard, a
//! compact binary serde format. A frame is a 4-byte little-endian length and
//! the encoded message. Who sends what:
//! - parent -> worker: [`ToWorker::Task`] any number of times, then [`ToWorker::Shutdown`];
//! - worker -> parent: [`FromWorker::Ready`] once, one [`FromWorker::Done`] per
//!   task, and [`FromWorker::Bye`] before it exits.

use crate::answer::TaskAnswer;
use crate::experiment::Task;
use crate::trace::Event;
use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};

/// Largest frame either side accepts, so a corrupt length cannot exhaust memory.
pub const MAX_FRAME_BYTES: u32 = 256 << 20;

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub enum ToWorker {
    Task(Task),
    Shutdown,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub enum FromWorker {
    /// The worker started; `pid` is its own process id and `ready_ns` the
    /// run clock when its main began, which ends its spawn slice.
    Ready { pid: u32, ready_ns: u64 },
    /// A task ended. `outcome` is a `Result<TaskAnswer, String>` encoded on
    /// its own ([`encode_body`]) so the worker can time that encoding; `events`
    /// are the worker's trace slices for the task, serialization included.
    Done {
        task_idx: u32,
        outcome: Vec<u8>,
        events: Vec<Event>,
    },
    /// The worker is leaving; `cpu_ns` is the CPU time its process used,
    /// where the platform can tell (0 where it cannot).
    Bye { cpu_ns: u64 },
}

/// What a task's result looks like on the wire, inside [`FromWorker::Done`].
pub type TaskOutcome = Result<TaskAnswer, String>;

/// Encodes a value without a length prefix.
pub fn encode_body<T: Serialize>(value: &T) -> Vec<u8> {
    postcard::to_allocvec(value).expect("wire messages always encode")
}

/// Encodes a message as one frame (length prefix included).
pub fn encode_frame<T: Serialize>(message: &T) -> Vec<u8> {
    let body = encode_body(message);
    let mut frame = Vec::with_capacity(body.len() + 4);
    frame.extend_from_slice(&(body.len() as u32).to_le_bytes());
    frame.extend_from_slice(&body);
    frame
}

/// Reads a frame's length prefix, refusing absurd lengths.
pub fn frame_len(prefix: [u8; 4]) -> Result<usize, String> {
    let len = u32::from_le_bytes(prefix);
    if len > MAX_FRAME_BYTES {
        Err(format!(
            "frame of {len} bytes exceeds the {MAX_FRAME_BYTES}-byte limit"
        ))
    } else {
        Ok(len as usize)
    }
}

/// Decodes a frame's body (without the length prefix).
pub fn decode_body<T: DeserializeOwned>(body: &[u8]) -> Result<T, String> {
    postcard::from_bytes(body).map_err(|err| format!("malformed message: {err}"))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::experiment::Op;
    use crate::trace::EventKind;

    #[test]
    fn messages_round_trip_through_frames() {
        let task = ToWorker::Task(Task {
            idx: 2,
            op: Op::Get {
                url: "http://h/delay/0.005".into(),
                keep_alive: false,
            },
        });
        let frame = encode_frame(&task);
        let len = frame_len(frame[..4].try_into().unwrap()).unwrap();
        assert_eq!(len, frame.len() - 4);
        assert_eq!(decode_body::<ToWorker>(&frame[4..]).unwrap(), task);

        let outcome: TaskOutcome = Ok(TaskAnswer::Sum(1.5));
        let done = FromWorker::Done {
            task_idx: 2,
            outcome: encode_body(&outcome),
            events: vec![Event {
                lane: 1,
                kind: EventKind::Run,
                start_ns: 1,
                end_ns: 9,
                task_idx: Some(2),
            }],
        };
        assert_eq!(
            decode_body::<FromWorker>(&encode_frame(&done)[4..]).unwrap(),
            done
        );
        assert!(decode_body::<FromWorker>(&[0xff, 0xff]).is_err());
        assert!(frame_len(u32::MAX.to_le_bytes()).is_err());
    }
}
