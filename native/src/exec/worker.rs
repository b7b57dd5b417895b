//! The worker process: `concur __worker`, the child side of the processes model.
//!
//! It reads [`ToWorker`] frames on stdin and writes [`FromWorker`] frames on
//! stdout (nothing else may go to stdout), running each task through core's
//! `WorkerCtx` with no GIL: every process has its own interpreter, as in
//! CPython's multiprocessing. It dies with the runner (`follow_parent`),
//! and leaves when stdin closes.
//!
//! For the tests, `CONCUR_TEST_HANG_TASK` names a task index that the worker
//! receiving it never answers (it sleeps instead, alive and silent), so the
//! runner's deadlines can be seen at work.

use crate::clock::{NativeClock, process_cpu_ns};
use crate::http::HttpIo;
use concur_core::clock::Clock;
use concur_core::wire::{FromWorker, ToWorker, decode_body, encode_frame, frame_len};
use concur_core::worker::answer_shipped_task;
use std::io::{BufReader, Read, Write};
use std::process::ExitCode;

/// Reads one frame's body; None when the stream ended cleanly before it.
pub fn read_frame(input: &mut impl Read) -> Result<Option<Vec<u8>>, String> {
    let mut prefix = [0u8; 4];
    match input.read_exact(&mut prefix) {
        Ok(()) => {}
        Err(err) if err.kind() == std::io::ErrorKind::UnexpectedEof => return Ok(None),
        Err(err) => return Err(format!("reading a frame: {err}")),
    }
    let mut body = vec![0u8; frame_len(prefix)?];
    input
        .read_exact(&mut body)
        .map_err(|err| format!("reading a frame body: {err}"))?;
    Ok(Some(body))
}

/// Test hook: the worker that receives the task with this index hangs.
const HANG_TASK_VAR: &str = "CONCUR_TEST_HANG_TASK";

/// The task index `CONCUR_TEST_HANG_TASK` names, if it is set.
fn hang_task() -> Option<u32> {
    std::env::var(HANG_TASK_VAR).ok()?.parse().ok()
}

fn send(output: &mut impl Write, message: &FromWorker) -> std::io::Result<()> {
    output.write_all(&encode_frame(message))?;
    output.flush()
}

/// Dies with the parent (`platform::die_with_parent`: on Linux the kernel
/// sends SIGKILL when the spawning thread of `parent` ends; on Windows the
/// runner's job does it; on macOS stdin closing). Returns false if the
/// parent is already gone.
pub(crate) fn follow_parent(parent: u32) -> bool {
    crate::platform::die_with_parent();
    crate::platform::parent_is(parent)
}

/// The worker's main loop.
pub fn worker_main(lane: u32, parent: u32) -> ExitCode {
    if !follow_parent(parent) {
        eprintln!(
            "concur worker {}: the runner (pid {parent}) is gone",
            lane + 1
        );
        return ExitCode::FAILURE;
    }
    let clock = NativeClock;
    let mut io = HttpIo::default();
    io.db_dir = crate::db::inherited_db_dir();
    let mut input = BufReader::new(std::io::stdin().lock());
    let mut output = std::io::stdout().lock();
    let hang_task = hang_task();
    let mut run = || -> Result<(), String> {
        let pid = std::process::id();
        let ready = FromWorker::Ready {
            pid,
            ready_ns: clock.now_ns(),
        };
        send(&mut output, &ready).map_err(|err| err.to_string())?;
        loop {
            let Some(body) = read_frame(&mut input)? else {
                return Ok(()); // The runner closed the pipe: nothing more to do.
            };
            let decode_start = clock.now_ns();
            let message: ToWorker = decode_body(&body)?;
            let decode_end = clock.now_ns();
            match message {
                ToWorker::Task(task) if hang_task == Some(task.idx) => {
                    eprintln!(
                        "concur worker {}: {HANG_TASK_VAR}={}: never answering (a test hook)",
                        lane + 1,
                        task.idx
                    );
                    loop {
                        std::thread::sleep(std::time::Duration::from_secs(3600));
                    }
                }
                ToWorker::Task(task) => {
                    let done =
                        answer_shipped_task(lane, &clock, &io, &task, (decode_start, decode_end));
                    send(&mut output, &done).map_err(|err| err.to_string())?;
                }
                ToWorker::Shutdown => {
                    let bye = FromWorker::Bye {
                        cpu_ns: process_cpu_ns(),
                    };
                    return send(&mut output, &bye).map_err(|err| err.to_string());
                }
            }
        }
    };
    match run() {
        Ok(()) => ExitCode::SUCCESS,
        Err(why) => {
            eprintln!("concur worker {}: {why}", lane + 1);
            ExitCode::FAILURE
        }
    }
}
