//! The echo server's handler, shared by every blocking server, and the
//! in-page echo server that plays the clients where no TCP socket exists.
//!
//! [`WorkerCtx::handle_echo`] is the handler: read a line, pause (the
//! tutorial's `await asyncio.sleep`), send the line back; every wait
//! happens without the GIL. Natively it runs on real TCP connections
//! (`native/src/exec/echo`). In the browser each client is a scheduled
//! arrival on the run's clock: the worker that takes the task waits for it
//! without the GIL (a blocked `accept()`), then runs the same handler on
//! the client's line; the client's lane shows it queued until a worker took
//! it, then waiting for the answer.

use crate::answer::TaskAnswer;
use crate::experiment::{CLIENT_LANES, Op, Task};
use crate::trace::{Event, EventKind};
use crate::worker::{BlockingIo, WorkerCtx};
use crate::workload::echo_client_of;

/// One connection a handler reads a line from and writes it back to.
pub trait EchoConnection {
    /// Reads one line, without its newline, blocking until it is there.
    fn read_line(&mut self) -> Result<String, String>;
    /// Sends `line` and a newline, blocking until it is sent.
    fn send_line(&mut self, line: &str) -> Result<(), String>;
}

/// What a handler did for one connection.
#[derive(Clone, Debug, PartialEq)]
pub struct Served {
    /// The client the line came from, if the line says.
    pub client: Option<u32>,
    /// What went back to the client, as the client records it.
    pub outcome: Result<TaskAnswer, String>,
}

/// When a scheduled client arrives on the run's clock; None when the plan
/// was not scheduled for an in-page run (the client is there at once).
pub fn arrival_ns(op: &Op) -> Option<u64> {
    match op {
        Op::Echo {
            arrive_ms,
            run_start_ns,
            ..
        } if *run_start_ns > 0 => Some(run_start_ns + arrive_ms * 1_000_000),
        _ => None,
    }
}

/// An echo client's line, the handler's pause and its arrival (see
/// [`arrival_ns`]); an error for any other task.
pub fn echo_client(task: &Task) -> Result<(&str, u64, Option<u64>), String> {
    match &task.op {
        Op::Echo {
            message, wait_ms, ..
        } => Ok((message, *wait_ms, arrival_ns(&task.op))),
        _ => Err(format!("task {}: not an echo client", task.idx)),
    }
}

/// Whole milliseconds to sleep to cover `ns` (rounded up).
pub fn ms_to_cover(ns: u64) -> u64 {
    ns.div_ceil(1_000_000)
}

/// An echo client's lane: a queue-wait slice from arriving until a server
/// worker took the connection (none if at once), then an io-wait slice
/// until the answer was in.
pub fn client_events(task_idx: u32, arrived: u64, taken: u64, answered: u64) -> Vec<Event> {
    let taken = taken.clamp(arrived, answered.max(arrived));
    let slice = |kind, start_ns, end_ns| Event {
        lane: CLIENT_LANES + task_idx,
        kind,
        start_ns,
        end_ns,
        task_idx: Some(task_idx),
    };
    let mut events = Vec::with_capacity(2);
    if taken > arrived {
        events.push(slice(EventKind::QueueWait, arrived, taken));
    }
    events.push(slice(EventKind::IoWait, taken, answered.max(taken)));
    events
}

/// A client's line already in memory: the in-page connection.
struct InPage<'a> {
    line: &'a str,
    sent: Option<String>,
}

impl EchoConnection for InPage<'_> {
    fn read_line(&mut self) -> Result<String, String> {
        Ok(self.line.to_string())
    }
    fn send_line(&mut self, line: &str) -> Result<(), String> {
        self.sent = Some(line.to_string());
        Ok(())
    }
}

impl WorkerCtx<'_> {
    /// The echo handler: reads a line, pauses `wait_ms`, sends the line
    /// back, each an io-wait slice. Blocking steps let go of the GIL, so
    /// under the emulated GIL other handlers run meanwhile.
    pub fn handle_echo(
        &mut self,
        conn: &mut dyn EchoConnection,
        wait_ms: u64,
        io: &dyn BlockingIo,
    ) -> Served {
        let asked = self.now_ns();
        let line = self.without_gil(None, |_| conn.read_line());
        let read = self.now_ns();
        let line = match line {
            Ok(line) => line,
            Err(why) => {
                self.record(EventKind::IoWait, asked, read, None);
                return Served {
                    client: None,
                    outcome: Err(format!("reading a line: {why}")),
                };
            }
        };
        let client = echo_client_of(&line);
        self.record(EventKind::IoWait, asked, read, client);
        self.without_gil(client, |ctx| {
            // The pause stands for awaiting some other service, so it
            // shows as waiting for I/O.
            let paused = ctx.now_ns();
            io.sleep_ms(wait_ms);
            ctx.record(EventKind::IoWait, paused, ctx.now_ns(), client);
        });
        let sending = self.now_ns();
        let sent = self.without_gil(client, |_| conn.send_line(&line));
        self.record(EventKind::IoWait, sending, self.now_ns(), client);
        Served {
            client,
            outcome: sent
                .map(|()| TaskAnswer::echo_of(line.as_bytes()))
                .map_err(|why| format!("sending the echo: {why}")),
        }
    }

    /// Serves one scheduled in-page client with blocking waits (threads,
    /// processes in the browser).
    pub(crate) fn serve_echo(
        &mut self,
        task: &Task,
        io: &dyn BlockingIo,
    ) -> Result<TaskAnswer, String> {
        let (message, wait_ms, arrival) = echo_client(task)?;
        // accept(): blocks, without the GIL, until the client connects; a
        // worker that was waiting takes the client as it arrives.
        let waited = self.without_gil(Some(task.idx), |ctx| match arrival {
            Some(arrival) if arrival > ctx.now_ns() => {
                io.sleep_ms(ms_to_cover(arrival - ctx.now_ns()));
                true
            }
            _ => false,
        });
        let now = self.now_ns();
        let connected = arrival.unwrap_or(now);
        let taken = if waited { connected } else { now };
        let mut conn = InPage {
            line: message,
            sent: None,
        };
        let served = self.handle_echo(&mut conn, wait_ms, io);
        self.record_client(task.idx, connected, taken, self.now_ns());
        match conn.sent {
            Some(reply) => Ok(TaskAnswer::echo_of(reply.as_bytes())),
            None => Err(format!(
                "task {}: no echo sent: {:?}",
                task.idx, served.outcome
            )),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::clock::Clock;
    use crate::experiment::find;
    use crate::gil::Gil;
    use crate::worker::DbConnection;
    use std::time::{Duration, Instant};

    struct TestClock(Instant);
    impl Clock for TestClock {
        fn now_ns(&self) -> u64 {
            // Never 0: a run that starts at 0 would read as "not scheduled".
            self.0.elapsed().as_nanos() as u64 + 1
        }
    }

    struct Sleeper<'g>(&'g Gil);
    impl BlockingIo for Sleeper<'_> {
        fn get(&self, _url: &str) -> Result<u16, String> {
            Err("no HTTP here".into())
        }
        fn open_db(&self, _db: &str) -> Result<Box<dyn DbConnection + '_>, String> {
            Err("no database here".into())
        }
        fn sleep_ms(&self, ms: u64) {
            assert_eq!(self.0.holder(), None, "waits happen without the GIL");
            std::thread::sleep(Duration::from_millis(ms));
        }
    }

    #[test]
    fn a_worker_waits_for_the_arrival_then_the_handler_and_echoes() {
        let echo = find("echo-server").unwrap();
        let mut params = echo.quick();
        params.set_tasks(2).expect("in range");
        params.set_n(30).expect("in range");
        params.set_delay_ms(20).expect("in range");
        let clock = TestClock(Instant::now());
        let plan = echo.plan(&params, "").starting_at(clock.now_ns()).unwrap();
        let gil = Gil::new(Duration::from_millis(5));
        let mut ctx = WorkerCtx::new(0, &clock, Some(&gil));
        ctx.start();
        for task in &plan.tasks {
            let answer = ctx.run_task(task, &Sleeper(&gil)).unwrap();
            assert_eq!(echo.check(task, &answer), Ok(()));
        }
        let events = ctx.finish();
        let client = |idx: u32| {
            events
                .iter()
                .find(|e| e.lane == crate::experiment::CLIENT_LANES + idx)
                .unwrap()
        };
        // Client 1 arrived 30 ms in and was answered a handler wait later.
        assert!(client(1).start_ns >= 30_000_000);
        assert!(client(1).duration_ns() >= 20_000_000);
        assert!(client(1).end_ns >= 50_000_000);
        // Read, pause, send per client, and no queueing for one worker
        // that was ready before each client came.
        assert_eq!(
            events
                .iter()
                .filter(|e| e.kind == EventKind::IoWait && e.lane < crate::experiment::CLIENT_LANES)
                .count(),
            6
        );
        let queued = client_events(3, 10, 25, 40);
        assert_eq!(
            queued
                .iter()
                .map(|e| (e.kind, e.start_ns, e.end_ns))
                .collect::<Vec<_>>(),
            [(EventKind::QueueWait, 10, 25), (EventKind::IoWait, 25, 40)]
        );
        assert_eq!(ms_to_cover(1), 1);
        assert_eq!(ms_to_cover(2_000_000), 2);
    }
}
