//! Running tasks on one worker: the code every thread, process and coroutine
//! shares, so that all models do the same work the same way.
//!
//! A [`WorkerCtx`] owns one lane of the trace. With the emulated GIL it takes
//! the lock before computing, offers it up at every workload checkpoint, and
//! lets go of it around blocking I/O, recording run, gil-wait and io-wait
//! slices as it goes.

use crate::answer::TaskAnswer;
use crate::clock::Clock;
use crate::experiment::{Dispatch, Op, Plan, Reply, Task};
use crate::gil::Gil;
use crate::trace::{Event, EventKind, Recorder};
use crate::wire::{FromWorker, TaskOutcome, decode_body, encode_body};
use crate::workload;
use std::sync::atomic::{AtomicUsize, Ordering};

/// Blocking I/O as the platform does it (a real HTTP GET natively, a
/// synchronous request inside a Web Worker in the browser).
pub trait BlockingIo: Sync {
    /// GETs `url`, blocking the calling thread, and returns the HTTP status.
    fn get(&self, url: &str) -> Result<u16, String>;

    /// GETs `url` but gives up after `timeout_ms`. Platforms override it;
    /// the default (for test doubles) never times out.
    fn get_within(&self, url: &str, timeout_ms: u64) -> Result<Reply, String> {
        let _ = timeout_ms;
        self.get(url).map(Reply::Status)
    }

    /// Opens a connection of its own to the shared database `db`.
    fn open_db(&self, db: &str) -> Result<Box<dyn DbConnection + '_>, String>;

    /// Blocks the calling thread for `ms` milliseconds (`time.sleep`).
    fn sleep_ms(&self, ms: u64);
}

/// One connection to a database that many workers write to.
pub trait DbConnection {
    /// Inserts one row and commits it; returns the nanoseconds spent
    /// waiting for the database's write lock (SQLite has a single writer).
    fn insert_commit(&mut self, task_idx: u32, row: u32) -> Result<u64, String>;
}

/// One worker's view of a run.
pub struct WorkerCtx<'a> {
    clock: &'a dyn Clock,
    gil: Option<&'a Gil>,
    recorder: Recorder,
}

impl<'a> WorkerCtx<'a> {
    pub fn new(lane: u32, clock: &'a dyn Clock, gil: Option<&'a Gil>) -> WorkerCtx<'a> {
        WorkerCtx {
            clock,
            gil,
            recorder: Recorder::new(lane),
        }
    }

    pub fn now_ns(&self) -> u64 {
        self.clock.now_ns()
    }

    /// Records a slice on this worker's lane.
    pub fn record(&mut self, kind: EventKind, start_ns: u64, end_ns: u64, task_idx: Option<u32>) {
        self.recorder.record(kind, start_ns, end_ns, task_idx);
    }

    /// Records echo client `task_idx` on its lane: queued from arriving
    /// until a worker took its connection, then waiting for the answer.
    pub fn record_client(&mut self, task_idx: u32, arrived: u64, taken: u64, answered: u64) {
        for event in crate::echo::client_events(task_idx, arrived, taken, answered) {
            self.recorder.record_on(
                event.lane,
                event.kind,
                event.start_ns,
                event.end_ns,
                event.task_idx,
            );
        }
    }

    /// Takes the GIL before the first task, as a new Python thread must.
    pub fn start(&mut self) {
        self.take_gil(None);
    }

    fn take_gil(&mut self, task_idx: Option<u32>) {
        if let Some(gil) = self.gil {
            let asked = self.clock.now_ns();
            gil.acquire(self.recorder.lane());
            let got = self.clock.now_ns();
            self.recorder
                .record(EventKind::GilWait, asked, got, task_idx);
        }
    }

    /// Runs a computation (handing the GIL over when asked); None for I/O,
    /// which each model performs in its own way.
    pub fn compute(&mut self, task: &Task) -> Option<TaskAnswer> {
        match &task.op {
            Op::CpuSqrt { n } => Some(TaskAnswer::Sum(self.cpu_sqrt(task.idx, *n))),
            Op::Batch { values } => {
                let (kept, sum) = self.with_checkpoints(task.idx, |checkpoint| {
                    workload::batch_stats(values, checkpoint)
                });
                Some(TaskAnswer::Stats { kept, sum })
            }
            Op::Get { .. }
            | Op::Gets { .. }
            | Op::Check { .. }
            | Op::Insert { .. }
            | Op::Echo { .. } => None,
        }
    }

    /// Runs one task to its answer.
    pub fn run_task(&mut self, task: &Task, io: &dyn BlockingIo) -> Result<TaskAnswer, String> {
        if let Some(answer) = self.compute(task) {
            return Ok(answer);
        }
        if let Op::Insert {
            db,
            rows,
            process_ms,
        } = &task.op
        {
            return self.insert(task.idx, db, *rows, *process_ms, io);
        }
        if let Op::Echo { .. } = &task.op {
            return self.serve_echo(task, io);
        }
        let (url, count) = task
            .op
            .requests()
            .expect("every operation computes, inserts or requests");
        let timeout_ms = task.op.timeout_ms();
        let mut statuses = Vec::with_capacity(count as usize);
        for _ in 0..count {
            // Blocking I/O happens without the GIL; taking it back afterwards
            // may wait for a CPU-bound holder (the convoy effect).
            let reply = self.without_gil(Some(task.idx), |ctx| {
                let sent = ctx.now_ns();
                let reply = match timeout_ms {
                    Some(ms) => io.get_within(url, ms),
                    None => io.get(url).map(Reply::Status),
                };
                ctx.record(EventKind::IoWait, sent, ctx.now_ns(), Some(task.idx));
                reply
            });
            if let Some(ended) = settle(task, url, reply, &mut statuses) {
                return ended;
            }
        }
        Ok(task.op.answer_from(&statuses))
    }

    /// Runs a task's GETs on an event loop: `get` sends one (with the
    /// task's timeout, if it has one) and is awaited, so other coroutines
    /// run meanwhile. The same bookkeeping as the blocking GETs above.
    pub async fn await_requests<F, Fut>(
        &mut self,
        task: &Task,
        mut get: F,
    ) -> Result<TaskAnswer, String>
    where
        F: FnMut(String, Option<u64>) -> Fut,
        Fut: Future<Output = Result<Reply, String>>,
    {
        let (url, count) = task
            .op
            .requests()
            .ok_or_else(|| format!("task {}: makes no requests", task.idx))?;
        let timeout_ms = task.op.timeout_ms();
        let mut statuses = Vec::with_capacity(count as usize);
        for _ in 0..count {
            let sent = self.now_ns();
            let reply = get(url.to_string(), timeout_ms).await;
            self.record(EventKind::IoWait, sent, self.now_ns(), Some(task.idx));
            if let Some(ended) = settle(task, url, reply, &mut statuses) {
                return ended;
            }
        }
        Ok(task.op.answer_from(&statuses))
    }

    /// Runs blocking work without the GIL, as a C extension or a system
    /// call does, and takes the lock back afterwards.
    pub(crate) fn without_gil<T>(
        &mut self,
        task_idx: Option<u32>,
        work: impl FnOnce(&mut Self) -> T,
    ) -> T {
        if let Some(gil) = self.gil {
            gil.release(self.recorder.lane());
        }
        let result = work(self);
        self.take_gil(task_idx);
        result
    }

    /// The db-inserts task: a connection of its own, one commit per row,
    /// then the simulated processing. Waiting for SQLite's write lock is a
    /// queue-wait slice, the commit an io-wait slice, processing idle.
    fn insert(
        &mut self,
        task_idx: u32,
        db: &str,
        rows: u32,
        process_ms: u64,
        io: &dyn BlockingIo,
    ) -> Result<TaskAnswer, String> {
        let mut connection = io
            .open_db(db)
            .map_err(|why| format!("task {task_idx}: opening {db}: {why}"))?;
        for row in 0..rows {
            let committed = self.without_gil(Some(task_idx), |ctx| {
                let start = ctx.clock.now_ns();
                let waited = connection.insert_commit(task_idx, row);
                let end = ctx.clock.now_ns();
                if let Ok(waited) = waited {
                    let locked_until = (start + waited).min(end);
                    if waited > 0 {
                        ctx.record(EventKind::QueueWait, start, locked_until, Some(task_idx));
                    }
                    ctx.record(EventKind::IoWait, locked_until, end, Some(task_idx));
                }
                waited
            });
            committed.map_err(|why| format!("task {task_idx}: row {row}: {why}"))?;
            self.without_gil(Some(task_idx), |ctx| {
                let start = ctx.clock.now_ns();
                io.sleep_ms(process_ms);
                let end = ctx.clock.now_ns();
                ctx.record(EventKind::Idle, start, end, Some(task_idx));
            });
        }
        Ok(TaskAnswer::Rows { inserted: rows })
    }

    /// The cpu-sqrt workload, handing the GIL over when another thread asks.
    ///
    /// Never inlined: every model then runs the very same machine code for
    /// the hot loop, so code placement cannot favour one model over another.
    #[inline(never)]
    pub fn cpu_sqrt(&mut self, task_idx: u32, n: u64) -> f64 {
        self.with_checkpoints(task_idx, |checkpoint| workload::cpu_sqrt(n, checkpoint))
    }

    /// Runs a workload as a `run` slice, giving it a checkpoint that hands
    /// the GIL over (a `gil-wait` slice) when another thread asks for it.
    fn with_checkpoints<T>(
        &mut self,
        task_idx: u32,
        work: impl FnOnce(&mut dyn FnMut()) -> T,
    ) -> T {
        let (clock, gil, lane) = (self.clock, self.gil, self.recorder.lane());
        let recorder = &mut self.recorder;
        let mut run_start = clock.now_ns();
        let answer = work(&mut || {
            if let Some(gil) = gil
                && gil.drop_requested()
            {
                let paused = clock.now_ns();
                recorder.record(EventKind::Run, run_start, paused, Some(task_idx));
                gil.yield_if_requested(lane);
                run_start = clock.now_ns();
                recorder.record(EventKind::GilWait, paused, run_start, Some(task_idx));
            }
        });
        recorder.record(EventKind::Run, run_start, clock.now_ns(), Some(task_idx));
        answer
    }

    /// Takes tasks from a shared queue (an atomic index into `tasks`) and
    /// runs them until none is left; the loop every thread-like worker runs.
    pub fn drain_queue(
        &mut self,
        tasks: &[Task],
        next: &AtomicUsize,
        io: &dyn BlockingIo,
    ) -> Vec<(u32, Result<TaskAnswer, String>)> {
        let mut outcomes = Vec::new();
        while let Some(task) = tasks.get(next.fetch_add(1, Ordering::Relaxed)) {
            outcomes.push((task.idx, self.run_task(task, io)));
        }
        outcomes
    }

    /// Runs worker `lane`'s share of the plan: tasks from the shared queue
    /// (`next` indexes it), or the worker's fixed slice of `workers`.
    pub fn run_share(
        &mut self,
        plan: &Plan,
        lane: u32,
        workers: u32,
        next: &AtomicUsize,
        io: &dyn BlockingIo,
    ) -> Vec<(u32, Result<TaskAnswer, String>)> {
        match plan.dispatch {
            Dispatch::Queue => self.drain_queue(&plan.tasks, next, io),
            Dispatch::Slices => plan
                .slice(lane, workers)
                .iter()
                .map(|task| (task.idx, self.run_task(task, io)))
                .collect(),
        }
    }

    /// Lets go of the GIL and hands back the lane's events.
    pub fn finish(self) -> Vec<Event> {
        if let Some(gil) = self.gil {
            gil.release(self.recorder.lane());
        }
        self.recorder.into_events()
    }
}

/// Takes one GET's reply into `statuses`; Some(outcome) when the task ends
/// early: a timeout is its answer, an error its failure.
fn settle(
    task: &Task,
    url: &str,
    reply: Result<Reply, String>,
    statuses: &mut Vec<u16>,
) -> Option<Result<TaskAnswer, String>> {
    match reply {
        Ok(Reply::Status(code)) => {
            statuses.push(code);
            None
        }
        Ok(Reply::TimedOut) => Some(Ok(Op::check_answer(
            Reply::TimedOut,
            task.op.timeout_ms().unwrap_or_default(),
        ))),
        Err(why) => Some(Err(format!("task {}: GET {url}: {why}", task.idx))),
    }
}

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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::trace::Trace;
    use std::time::{Duration, Instant};

    struct TestClock(Instant);
    impl Clock for TestClock {
        fn now_ns(&self) -> u64 {
            self.0.elapsed().as_nanos() as u64
        }
    }

    struct NoIo;
    impl BlockingIo for NoIo {
        fn get(&self, _url: &str) -> Result<u16, String> {
            std::thread::sleep(Duration::from_millis(20));
            Ok(200)
        }
        fn open_db(&self, _db: &str) -> Result<Box<dyn DbConnection + '_>, String> {
            Err("no database here".into())
        }
        fn sleep_ms(&self, ms: u64) {
            std::thread::sleep(Duration::from_millis(ms));
        }
    }

    /// A database with one writer at a time: a commit holds a shared lock
    /// for 1 ms and reports how long it waited for it. It also checks that
    /// nobody holds the GIL while it works.
    struct OneWriter<'g>(&'g std::sync::Mutex<u32>, &'g Gil);
    impl DbConnection for OneWriter<'_> {
        fn insert_commit(&mut self, task_idx: u32, _row: u32) -> Result<u64, String> {
            // Task i runs on lane i here; another lane may hold the GIL.
            assert_ne!(
                self.1.holder(),
                Some(task_idx),
                "the GIL is let go around the commit"
            );
            let asked = Instant::now();
            let mut rows = self.0.lock().unwrap();
            let waited = asked.elapsed().as_nanos() as u64;
            std::thread::sleep(Duration::from_millis(1));
            *rows += 1;
            Ok(waited)
        }
    }
    struct Db<'g>(&'g std::sync::Mutex<u32>, &'g Gil);
    impl BlockingIo for Db<'_> {
        fn get(&self, _url: &str) -> Result<u16, String> {
            Ok(200)
        }
        fn open_db(&self, _db: &str) -> Result<Box<dyn DbConnection + '_>, String> {
            Ok(Box::new(OneWriter(self.0, self.1)))
        }
        fn sleep_ms(&self, ms: u64) {
            std::thread::sleep(Duration::from_millis(ms));
        }
    }

    /// Two threads each sum 30M square roots (tens of ms) and return the trace.
    fn two_cpu_threads(gil: Option<&Gil>) -> Trace {
        let clock = TestClock(Instant::now());
        let task = Task {
            idx: 0,
            op: Op::CpuSqrt { n: 30_000_000 },
        };
        let mut events = Vec::new();
        std::thread::scope(|scope| {
            let handles: Vec<_> = (0..2)
                .map(|lane| {
                    let (clock, task) = (&clock, &task);
                    scope.spawn(move || {
                        let mut ctx = WorkerCtx::new(lane, clock, gil);
                        ctx.start();
                        ctx.run_task(task, &NoIo).unwrap();
                        ctx.finish()
                    })
                })
                .collect();
            for handle in handles {
                events.extend(handle.join().unwrap());
            }
        });
        Trace {
            lanes: vec![],
            events,
        }
    }

    #[test]
    fn inserts_commit_every_row_without_the_gil_and_show_lock_waits() {
        let gil = Gil::new(Duration::from_millis(5));
        let rows = std::sync::Mutex::new(0u32);
        let clock = TestClock(Instant::now());
        let db = Db(&rows, &gil);
        let task = |idx| Task {
            idx,
            op: Op::Insert {
                db: "t".into(),
                rows: 5,
                process_ms: 1,
            },
        };
        let mut events = Vec::new();
        std::thread::scope(|scope| {
            let handles: Vec<_> = (0..2u32)
                .map(|lane| {
                    let (clock, gil, db) = (&clock, &gil, &db);
                    scope.spawn(move || {
                        let mut ctx = WorkerCtx::new(lane, clock, Some(gil));
                        ctx.start();
                        assert_eq!(
                            ctx.run_task(&task(lane), db),
                            Ok(TaskAnswer::Rows { inserted: 5 })
                        );
                        ctx.finish()
                    })
                })
                .collect();
            for handle in handles {
                events.extend(handle.join().unwrap());
            }
        });
        assert_eq!(*rows.lock().unwrap(), 10);
        assert_eq!(
            events
                .iter()
                .filter(|e| e.kind == EventKind::IoWait)
                .count(),
            10
        );
        assert_eq!(
            events.iter().filter(|e| e.kind == EventKind::Idle).count(),
            10
        );
    }

    #[test]
    fn with_the_gil_on_no_two_run_events_overlap() {
        let gil = Gil::new(Duration::from_millis(5));
        let trace = two_cpu_threads(Some(&gil));
        assert!(trace.of_kind(EventKind::Run).count() >= 2);
        assert!(!trace.lanes_overlap(EventKind::Run));
        assert!(trace.total_ns(EventKind::GilWait) > 0);
    }

    #[test]
    fn with_the_gil_off_run_events_overlap() {
        let trace = two_cpu_threads(None);
        assert_eq!(trace.of_kind(EventKind::Run).count(), 2);
        assert!(trace.lanes_overlap(EventKind::Run));
        assert_eq!(trace.of_kind(EventKind::GilWait).count(), 0);
    }

    #[test]
    fn blocking_io_runs_without_the_gil() {
        let gil = Gil::new(Duration::from_millis(5));
        let clock = TestClock(Instant::now());
        let mut ctx = WorkerCtx::new(0, &clock, Some(&gil));
        ctx.start();
        let get = Task {
            idx: 3,
            op: Op::Get {
                url: "http://h/".into(),
            },
        };
        struct CheckFree<'g>(&'g Gil);
        impl BlockingIo for CheckFree<'_> {
            fn get(&self, _url: &str) -> Result<u16, String> {
                assert_eq!(self.0.holder(), None);
                Ok(204)
            }
            fn open_db(&self, _db: &str) -> Result<Box<dyn DbConnection + '_>, String> {
                Err("no database here".into())
            }
            fn sleep_ms(&self, _ms: u64) {}
        }
        assert_eq!(
            ctx.run_task(&get, &CheckFree(&gil)),
            Ok(TaskAnswer::Status(204))
        );
        assert_eq!(gil.holder(), Some(0));
        let events = ctx.finish();
        assert_eq!(gil.holder(), None);
        assert!(
            events
                .iter()
                .any(|e| e.kind == EventKind::IoWait && e.task_idx == Some(3))
        );
    }
}
