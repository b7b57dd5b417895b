//! Running tasks on one worker: the code every thread, process and coroutine
//! shares, so that all models do the same work the same way.
//!
//! A [`WorkerCtx`] owns one lane of the trace. With the emulated GIL it takes
//! the lock before computing, offers it up at every workload checkpoint, and
//! lets go of it around each blocking step of I/O (a GET's look-up,
//! connect, send, receives and close, see [`steps`]), recording run,
//! gil-wait and io-wait slices as it goes: every re-take of the lock is a
//! gil-wait slice of its own.

use crate::answer::TaskAnswer;
use crate::clock::Clock;
use crate::experiment::{Dispatch, Op, Plan, Reply, Task};
use crate::gil::{Gil, GilGuard};
use crate::trace::{Event, EventKind, Recorder};
pub use crate::worker::steps::{Edge, GetRequest, Step, Steps};
use crate::workload;
use std::panic::AssertUnwindSafe;
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

    /// GETs as a sequence of blocking steps, each wrapped in
    /// [`Steps::blocking`]: looking the host up, connecting, sending, each
    /// receive until the response is complete, closing (with `keep_alive`,
    /// a reused connection skips all but sending and receiving). Platforms
    /// that cannot split a request keep this default: the whole GET as one
    /// receive.
    fn get_in_steps(
        &self,
        request: &GetRequest<'_>,
        steps: &mut Steps<'_>,
    ) -> Result<Reply, String> {
        steps.blocking(Step::Receive, || match request.timeout_ms {
            Some(ms) => self.get_within(request.url, ms),
            None => self.get(request.url).map(Reply::Status),
        })
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

/// One task's outcome as a worker reports it: its index, and its answer
/// or why it failed.
pub type TaskResult = (u32, Result<TaskAnswer, String>);

/// One worker's view of a run.
pub struct WorkerCtx<'a> {
    clock: &'a dyn Clock,
    gil: Option<&'a Gil>,
    /// The GIL while this worker holds it; dropping the context (also while
    /// a panic unwinds) gives it back.
    held: Option<GilGuard<'a>>,
    recorder: Recorder,
    /// The run's I/O tasks still busy, where the workers share memory.
    pending: Option<&'a Pending>,
}

impl<'a> WorkerCtx<'a> {
    pub fn new(lane: u32, clock: &'a dyn Clock, gil: Option<&'a Gil>) -> WorkerCtx<'a> {
        WorkerCtx {
            clock,
            gil,
            held: None,
            recorder: Recorder::new(lane),
            pending: None,
        }
    }

    /// Shares the count of the run's busy I/O tasks with the other workers
    /// (threads and sequential), so a CPU task that computes while the I/O
    /// is busy ([`Op::CpuWhileIo`]) sees when it is done.
    pub fn sharing(mut self, pending: &'a Pending) -> WorkerCtx<'a> {
        self.pending = Some(pending);
        self
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
        if let Some(gil) = self.gil
            && self.held.is_none()
        {
            let asked = self.clock.now_ns();
            self.held = Some(gil.acquire(self.recorder.lane()));
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
            Op::CpuWhileIo { n, max_ms } => {
                Some(TaskAnswer::Sum(self.cpu_while_io(task.idx, *n, *max_ms)))
            }
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
        let request = GetRequest {
            url,
            timeout_ms: task.op.timeout_ms(),
            keep_alive: task.op.keep_alive(),
        };
        let mut statuses = Vec::with_capacity(count as usize);
        for _ in 0..count {
            let reply = self.blocking_get(task.idx, &request, io);
            if let Some(ended) = settle(task, url, reply, &mut statuses) {
                return ended;
            }
        }
        Ok(task.op.answer_from(&statuses))
    }

    /// One blocking GET. Without a GIL it is one io-wait slice. Under the
    /// GIL every blocking step runs without the lock (an io-wait slice) and
    /// the lock is taken back after each (a gil-wait slice of its own): back
    /// from each step, the thread may wait for a CPU-bound holder (the
    /// convoy effect), as often as CPython's socket calls do.
    fn blocking_get(
        &mut self,
        task_idx: u32,
        request: &GetRequest<'_>,
        io: &dyn BlockingIo,
    ) -> Result<Reply, String> {
        let sent = self.now_ns();
        if self.gil.is_none() {
            let reply = io.get_in_steps(request, &mut Steps::unobserved());
            self.record(EventKind::IoWait, sent, self.now_ns(), Some(task_idx));
            return reply;
        }
        let mut step_started = sent;
        let mut around = |_step: Step, edge: Edge| match edge {
            Edge::Begin => {
                self.held = None;
                step_started = self.now_ns();
            }
            Edge::End => {
                let back = self.now_ns();
                self.record(EventKind::IoWait, step_started, back, Some(task_idx));
                self.take_gil(Some(task_idx));
            }
        };
        let reply = io.get_in_steps(request, &mut Steps::new(&mut around));
        // Where this request ended, the lock held again: a zero-length run
        // slice, at which `analysis::latency` splits a task's requests.
        let done = self.now_ns();
        self.record(EventKind::Run, done, done, Some(task_idx));
        reply
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
        self.held = None;
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
        let clock = self.clock;
        let (held, recorder) = (&mut self.held, &mut self.recorder);
        let mut run_start = clock.now_ns();
        let answer = work(&mut || {
            if let Some(held) = held
                && held.drop_requested()
            {
                let paused = clock.now_ns();
                recorder.record(EventKind::Run, run_start, paused, Some(task_idx));
                held.yield_if_requested();
                run_start = clock.now_ns();
                recorder.record(EventKind::GilWait, paused, run_start, Some(task_idx));
            }
        });
        recorder.record(EventKind::Run, run_start, clock.now_ns(), Some(task_idx));
        answer
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
    ) -> Vec<TaskResult> {
        self.run_share_with(plan, lane, workers, next, |ctx, task| {
            ctx.run_task(task, io)
        })
    }

    /// [`WorkerCtx::run_share`] with each task run by `run` (which may add
    /// to [`WorkerCtx::run_task`]). A task that panics fails, and only it:
    /// the worker takes the GIL back if it had let go, and goes on.
    pub fn run_share_with(
        &mut self,
        plan: &Plan,
        lane: u32,
        workers: u32,
        next: &AtomicUsize,
        mut run: impl FnMut(&mut Self, &Task) -> Result<TaskAnswer, String>,
    ) -> Vec<TaskResult> {
        let mut outcomes = Vec::new();
        let mut run_one = |ctx: &mut Self, task: &Task| {
            outcomes.push((task.idx, ctx.run_caught(task, &mut run)));
        };
        match plan.dispatch {
            Dispatch::Queue => {
                while let Some(task) = plan.tasks.get(next.fetch_add(1, Ordering::Relaxed)) {
                    run_one(self, task);
                }
            }
            Dispatch::Slices => {
                for task in plan.slice(lane, workers) {
                    run_one(self, task);
                }
            }
        }
        outcomes
    }

    /// Runs one task through `run`, turning a panic into its failure.
    fn run_caught(
        &mut self,
        task: &Task,
        run: &mut impl FnMut(&mut Self, &Task) -> Result<TaskAnswer, String>,
    ) -> Result<TaskAnswer, String> {
        let caught = std::panic::catch_unwind(AssertUnwindSafe(|| run(self, task)));
        if let Some(pending) = self.pending
            && task.op.requests().is_some()
        {
            pending.done();
        }
        caught.unwrap_or_else(|payload| {
            // It may have panicked between letting go of the GIL and taking
            // it back; the next task must start holding it.
            self.take_gil(Some(task.idx));
            Err(format!(
                "task {}: panicked: {}",
                task.idx,
                panic_message(payload.as_ref())
            ))
        })
    }

    /// Lets go of the GIL and hands back the lane's events.
    pub fn finish(self) -> Vec<Event> {
        let WorkerCtx { held, recorder, .. } = self;
        drop(held);
        recorder.into_events()
    }
}

/// What a panic said, when it said it with a string.
fn panic_message(payload: &(dyn std::any::Any + Send)) -> &str {
    payload
        .downcast_ref::<&str>()
        .copied()
        .or_else(|| payload.downcast_ref::<String>().map(String::as_str))
        .unwrap_or("no message")
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

mod beside;
pub mod deadline;
mod shipped;
pub mod steps;
#[cfg(test)]
mod steps_tests;
#[cfg(test)]
pub(crate) mod tests;

pub use beside::Pending;
pub use deadline::task_deadline;
pub use shipped::{answer_shipped_task, receive_shipped_answer};
