//! A process worker: one more instance of the runner binary, with its own
//! memory, that runs tasks sent to it as wire frames, like the native
//! `concur __worker`. No GIL: every process has its own interpreter.

use crate::clock::BrowserClock;
use crate::io::XhrIo;
use crate::js::{Inbox, worker_scope};
use crate::runner::processes::{FIRST_PROCESS_ID, post_frame, read_frame};
use concur_core::clock::Clock;
use concur_core::wire::{FromWorker, ToWorker, encode_frame};
use concur_core::worker::answer_shipped_task;

/// Serves tasks; `name_rest` is what follows `process-` in the worker name:
/// the lane, then `-simulated` when no server answers.
pub fn process_main(name_rest: &str) {
    let lane: u32 = name_rest
        .split('-')
        .next()
        .and_then(|n| n.parse().ok())
        .unwrap_or(0);
    let io = XhrIo {
        simulated: name_rest.ends_with("-simulated"),
    };
    wasm_bindgen_futures::spawn_local(async move {
        let scope = worker_scope();
        let mut inbox = Inbox::of_scope(&scope);
        let clock = BrowserClock;
        let ready = FromWorker::Ready {
            pid: FIRST_PROCESS_ID + lane,
            ready_ns: clock.now_ns(),
        };
        if post_frame(&scope, &encode_frame(&ready)).is_err() {
            return;
        }
        while let Ok(message) = inbox.next().await {
            let decode_start = clock.now_ns();
            let Ok(message) = read_frame::<ToWorker>(&message) else {
                // An unreadable task: say goodbye, so the runner fails the
                // task in flight instead of waiting for an answer forever.
                let _ = post_frame(&scope, &encode_frame(&FromWorker::Bye { cpu_ns: 0 }));
                scope.close();
                return;
            };
            let decode_end = clock.now_ns();
            let reply = match message {
                ToWorker::Task(task) => {
                    answer_shipped_task(lane, &clock, &io, &task, (decode_start, decode_end))
                }
                ToWorker::Shutdown => FromWorker::Bye { cpu_ns: 0 },
            };
            let bye = matches!(reply, FromWorker::Bye { .. });
            let _ = post_frame(&scope, &encode_frame(&reply));
            if bye {
                scope.close();
                return;
            }
        }
    });
}
