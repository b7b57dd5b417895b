//! Experiments, plans and tasks: what runs, independent of how.
//!
//! An [`Experiment`] (listed in [`crate::catalog`]) names a workload from the
//! tutorial with its defaults, its claims and its explanation hook; with
//! validated [`Params`] it becomes a [`Plan`] of [`Task`]s. The executors run plans without knowing which
//! experiment they came from.

use crate::answer::TaskAnswer;
use crate::claims::{ClaimCheck, ClaimCtx};
use crate::explain::Measured;
use crate::model::Model;
use crate::params::{Limit, ParamError, Params, group};
use crate::trace::Lane;
use crate::workload;
use serde::{Deserialize, Serialize};

pub use crate::catalog::{catalog, find};

/// What bounds an experiment's speed.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Bound {
    Cpu,
    Io,
}

/// One operation a task performs.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub enum Op {
    /// Sum of sqrt(i) for i in 0..n.
    CpuSqrt { n: u64 },
    /// The convoy's CPU thread: the sum of sqrt(i) for i in 0..n, again and
    /// again for as long as the run's I/O tasks are busy (at least once).
    /// Workers that cannot see the others (processes, the event loop) stop
    /// after `max_ms`. Every round must give the same sum, and the answer is
    /// that sum, so it is checkable and the same in every model.
    CpuWhileIo { n: u64, max_ms: u64 },
    /// Keep the values over 50 of a batch; count and sum them. The batch
    /// travels with the task, so processes must copy it.
    Batch { values: Vec<u8> },
    /// One HTTP GET; the answer is the status code. With `keep_alive` a
    /// blocking GET may reuse a connection an earlier task of its worker
    /// left open (`requests.Session`), else it opens its own.
    Get {
        url: String,
        #[serde(default)]
        keep_alive: bool,
    },
    /// A health check: one GET that counts as timed out when no answer
    /// came within `timeout_ms` (`requests.get(url, timeout=5)`).
    /// `delay_ms` is how long the built-in server will take; None for a
    /// `--target`, whose delays nobody knows in advance. `keep_alive` as
    /// for [`Op::Get`].
    Check {
        url: String,
        timeout_ms: u64,
        delay_ms: Option<u64>,
        #[serde(default)]
        keep_alive: bool,
    },
    /// `count` GETs one after another (the convoy's I/O thread); the
    /// answer counts the successful ones. With `keep_alive` they share one
    /// connection (`requests.Session`), else each opens and closes its own
    /// (`requests.get`).
    Gets {
        url: String,
        count: u32,
        #[serde(default)]
        keep_alive: bool,
    },
    /// Insert `rows` rows into the shared database `db` through a
    /// connection of the task's own, committing each, then "processing"
    /// for `process_ms` (a sleep) before the next.
    Insert {
        db: String,
        rows: u32,
        process_ms: u64,
    },
    /// Serve one client of an echo server: the client connects `arrive_ms`
    /// after the run starts and sends `message` (one line); the handler
    /// waits `wait_ms` (`await asyncio.sleep`) before sending it back.
    /// Natively a real client connects over TCP; in-page executors play the
    /// arrival from `run_start_ns`, which [`Plan::starting_at`] sets per run.
    Echo {
        message: String,
        arrive_ms: u64,
        wait_ms: u64,
        run_start_ns: u64,
    },
}

impl Op {
    /// The URL of an I/O operation; None for computations.
    pub fn url(&self) -> Option<&str> {
        self.requests().map(|(url, _)| url)
    }

    /// The URL and how many GETs of it, for I/O operations.
    pub fn requests(&self) -> Option<(&str, u32)> {
        match self {
            Op::Get { url, .. } | Op::Check { url, .. } => Some((url, 1)),
            Op::Gets { url, count, .. } => Some((url, *count)),
            _ => None,
        }
    }

    /// True when the GETs reuse connections; every request of the
    /// tutorial's code opens its own (`requests.get`).
    pub fn keep_alive(&self) -> bool {
        matches!(
            self,
            Op::Get {
                keep_alive: true,
                ..
            } | Op::Check {
                keep_alive: true,
                ..
            } | Op::Gets {
                keep_alive: true,
                ..
            }
        )
    }

    /// True for a health check whose outcome may go either way: its
    /// server's delay is unknown, or within 20% of the timeout. Models may
    /// then disagree honestly, so such answers are not compared.
    pub fn either_outcome(&self) -> bool {
        match self {
            Op::Check {
                timeout_ms,
                delay_ms,
                ..
            } => delay_ms.is_none_or(|ms| ms * 5 >= timeout_ms * 4 && ms * 5 <= timeout_ms * 6),
            _ => false,
        }
    }

    /// The per-request timeout of a health check.
    pub fn timeout_ms(&self) -> Option<u64> {
        match self {
            Op::Check { timeout_ms, .. } => Some(*timeout_ms),
            _ => None,
        }
    }

    /// The answer to a health check: the status, or a timeout.
    pub fn check_answer(reply: Reply, timeout_ms: u64) -> TaskAnswer {
        match reply {
            Reply::Status(code) => TaskAnswer::Status(code),
            Reply::TimedOut => TaskAnswer::TimedOut {
                after_ms: timeout_ms.min(u64::from(u32::MAX)) as u32,
            },
        }
    }

    /// How many round trips a client waits for: GETs, or one echo.
    pub fn request_count(&self) -> u32 {
        match self {
            Op::Echo { .. } => 1,
            _ => self.requests().map_or(0, |(_, count)| count),
        }
    }

    /// The answer of an I/O operation from the statuses its GETs returned.
    pub fn answer_from(&self, statuses: &[u16]) -> TaskAnswer {
        match self {
            Op::Get { .. } | Op::Check { .. } => {
                TaskAnswer::Status(statuses.first().copied().unwrap_or(0))
            }
            _ => TaskAnswer::Requests {
                ok: statuses.iter().filter(|s| (200..300).contains(*s)).count() as u32,
                total: statuses.len() as u32,
            },
        }
    }
}

/// What a GET with a timeout got.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Reply {
    Status(u16),
    TimedOut,
}

/// One unit of work, numbered from 0 in plan order.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Task {
    pub idx: u32,
    pub op: Op,
}

/// How thread workers share out the tasks.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum Dispatch {
    /// Each worker takes the next task from a shared queue.
    Queue,
    /// Worker w of n gets the w-th contiguous slice of the tasks up front
    /// (the health checker's threads design).
    Slices,
}

/// The tasks of one run, in order.
#[derive(Clone, Debug, PartialEq)]
pub struct Plan {
    pub experiment: &'static str,
    pub tasks: Vec<Task>,
    pub dispatch: Dispatch,
}

/// Lanes of echo clients get ids from here up (client i: this + i), apart
/// from the server's workers.
pub const CLIENT_LANES: u32 = 1 << 20;

impl Plan {
    /// True when the tasks are clients of an echo server.
    pub fn is_echo(&self) -> bool {
        matches!(
            self.tasks.first().map(|task| &task.op),
            Some(Op::Echo { .. })
        )
    }

    /// The plan of one in-page run that starts at `start_ns`: echo clients
    /// arrive on that clock. None for plans without clients.
    pub fn starting_at(&self, start_ns: u64) -> Option<Plan> {
        if !self.is_echo() {
            return None;
        }
        let mut plan = self.clone();
        for task in &mut plan.tasks {
            if let Op::Echo { run_start_ns, .. } = &mut task.op {
                *run_start_ns = start_ns;
            }
        }
        Some(plan)
    }

    /// How many workers `model` runs this plan with, given `--workers`: an
    /// echo server starts a thread or a task per connection, so those
    /// models have one per client.
    pub fn workers_for(&self, model: Model, workers: u32) -> u32 {
        match model {
            Model::ThreadsGil | Model::ThreadsFree | Model::Async if self.is_echo() => {
                self.tasks.len() as u32
            }
            _ => model.workers(workers),
        }
    }

    /// One lane per echo client (none for other plans), for `pid`.
    pub fn client_lanes(&self, pid: u32) -> Vec<Lane> {
        if !self.is_echo() {
            return Vec::new();
        }
        self.tasks
            .iter()
            .map(|task| Lane {
                id: CLIENT_LANES + task.idx,
                name: format!("client {}", task.idx + 1),
                pid,
            })
            .collect()
    }

    /// The tasks worker `lane` of `workers` owns under [`Dispatch::Slices`].
    pub fn slice(&self, lane: u32, workers: u32) -> &[Task] {
        let len = self.tasks.len();
        let workers = workers.max(1) as usize;
        let start = len * lane as usize / workers;
        let end = len * (lane as usize + 1) / workers;
        &self.tasks[start.min(len)..end.min(len)]
    }
}

/// How the `quick` preset shrinks `--n`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum QuickN {
    /// `n` counts work: big counts (iterations, values) shrink to a
    /// twentieth (at least 1,000); small ones (rows) stay.
    Work,
    /// `n` is a time that must shrink with the waits (the gap between echo
    /// clients), to a tenth, so what overlapped still overlaps.
    WithTheWaits,
}

/// A workload from the tutorial, with the tutorial's parameters as
/// defaults, its claims, the tutorial's figures and how to explain a run:
/// all set beside each other in [`crate::catalog`].
#[derive(Clone, Debug)]
pub struct Experiment {
    pub id: &'static str,
    pub title: &'static str,
    pub bound: Bound,
    /// What runs, in one sentence.
    pub summary: &'static str,
    /// What the tutorial claims about it.
    pub claim: &'static str,
    pub defaults: Params,
    /// Why the defaults are what they are.
    pub defaults_note: &'static str,
    /// What `--n` means here, if anything ("iterations per task", ...).
    pub n_means: Option<&'static str>,
    /// What `--tasks` counts, where it is not plain tasks.
    pub tasks_means: Option<&'static str>,
    /// What `--delay-ms` sets here, for labels.
    pub(crate) delay_means: &'static str,
    /// The allowed range of `--n` here.
    pub(crate) n_limit: Limit,
    /// How the quick preset shrinks `--n`.
    pub(crate) quick_n: QuickN,
    /// Builds the tasks; I/O goes to `target` if set, else to `server_base`.
    pub(crate) planner: fn(&Params, &str) -> (Vec<Op>, Dispatch),
    /// The tutorial's claims, checked against a run.
    pub(crate) claims: fn(&ClaimCtx) -> Vec<ClaimCheck>,
    /// The tutorial's wall times per model (its machine, its service);
    /// empty where its section gave none.
    pub tutorial_seconds: &'static [(Model, f64)],
    /// The sentences explaining a run (see [`crate::explain`]).
    pub(crate) explain: fn(&Measured) -> Vec<String>,
    /// How the browser runs this experiment, where it differs from the
    /// native runner (the page shows it beside the knobs).
    pub browser_note: Option<&'static str>,
}

impl Experiment {
    /// The tasks of one run; I/O goes to `--target` if set, otherwise to
    /// the built-in server at `server_base` (like `http://127.0.0.1:41234`).
    pub fn plan(&self, params: &Params, server_base: &str) -> Plan {
        let (ops, dispatch) = (self.planner)(params, server_base);
        Plan {
            experiment: self.id,
            tasks: ops
                .into_iter()
                .enumerate()
                .map(|(idx, op)| Task {
                    idx: idx as u32,
                    op,
                })
                .collect(),
            dispatch,
        }
    }

    /// The `quick` preset: the same shape at a tenth of the waits and a
    /// twentieth of the computing, one run, no warm-up; small enough for
    /// CI and a phone.
    pub fn quick(&self) -> Params {
        let mut params = self.defaults.clone();
        params.set_runs(1).expect("shrinking keeps it in range");
        params.set_warmup(0).expect("shrinking keeps it in range");
        // Long waits shrink to a tenth (at least 50 ms); short ones stay.
        params
            .set_delay_ms((params.delay_ms() / 10).max(params.delay_ms().min(50)))
            .expect("shrinking keeps it in range");
        let n = match self.quick_n {
            QuickN::WithTheWaits => params.n() / 10,
            QuickN::Work if params.n() >= 20_000 => (params.n() / 20).max(1000),
            QuickN::Work => params.n(),
        };
        params.set_n(n).expect("shrinking keeps it in range");
        params
    }

    /// What `--delay-ms` sets here, for labels.
    pub fn delay_means(&self) -> &'static str {
        self.delay_means
    }

    /// The allowed range of `--n` here: what fits in memory where `n` is a
    /// batch size, what finishes where it counts rows.
    pub fn n_limit(&self) -> Limit {
        self.n_limit
    }

    /// Checks what `Params` cannot check alone: `--n` within this
    /// experiment's own range (rows, batch sizes and gaps have their own).
    pub fn check_params(&self, params: &Params) -> Result<(), ParamError> {
        self.n_limit.check(params.n()).map(|_| ())
    }

    /// True when the experiment makes HTTP requests (and so needs a server
    /// or `--target`).
    pub fn uses_http(&self) -> bool {
        self.bound == Bound::Io
            && self
                .plan(&self.quick(), "http://probe")
                .tasks
                .iter()
                .any(|task| task.op.url().is_some())
    }

    /// Checks one task's answer against what the workload must produce,
    /// independently of any other model.
    pub fn check(&self, task: &Task, answer: &TaskAnswer) -> Result<(), String> {
        match (&task.op, answer) {
            (Op::CpuSqrt { n } | Op::CpuWhileIo { n, .. }, TaskAnswer::Sum(sum)) => {
                if workload::cpu_sqrt_is_plausible(*n, *sum) {
                    Ok(())
                } else {
                    Err(format!(
                        "task {}: sum {sum} is not sum(sqrt(i) for i < {}) ≈ {}",
                        task.idx,
                        group(*n),
                        workload::cpu_sqrt_expected(*n)
                    ))
                }
            }
            (Op::Batch { values }, TaskAnswer::Stats { kept, sum }) => {
                // An independent count, not the workload's own loop.
                let over: Vec<u64> = values
                    .iter()
                    .filter(|v| **v > 50)
                    .map(|v| u64::from(*v))
                    .collect();
                if over.len() as u64 == *kept && over.iter().sum::<u64>() == *sum {
                    Ok(())
                } else {
                    Err(format!(
                        "task {}: kept {kept} values summing to {sum}, but {} values over 50 sum to {}",
                        task.idx,
                        over.len(),
                        over.iter().sum::<u64>()
                    ))
                }
            }
            (Op::Gets { url, count, .. }, TaskAnswer::Requests { ok, total }) => {
                if ok == count && total == count {
                    Ok(())
                } else {
                    Err(format!(
                        "task {}: {ok} of {total} GETs of {url} succeeded, {count} expected",
                        task.idx
                    ))
                }
            }
            (Op::Insert { rows, .. }, TaskAnswer::Rows { inserted }) => {
                if inserted == rows {
                    Ok(())
                } else {
                    Err(format!(
                        "task {}: {inserted} of {rows} rows inserted",
                        task.idx
                    ))
                }
            }
            (Op::Echo { message, .. }, TaskAnswer::Echo { bytes, hash }) => {
                let expected = message.as_bytes();
                if *bytes as usize == expected.len() && *hash == workload::echo_hash(expected) {
                    Ok(())
                } else {
                    Err(format!(
                        "task {}: client {} got back {bytes} bytes that are not the {} it sent",
                        task.idx,
                        task.idx + 1,
                        expected.len()
                    ))
                }
            }
            (
                op @ Op::Check {
                    url,
                    timeout_ms,
                    delay_ms,
                    ..
                },
                answer,
            ) => {
                // Far from the timeout the outcome is certain; near it, or
                // against a --target, either may happen.
                let certain = !op.either_outcome();
                let must_answer = certain && delay_ms.is_some_and(|ms| ms < *timeout_ms);
                let must_time_out = certain && delay_ms.is_some_and(|ms| ms > *timeout_ms);
                match answer {
                    TaskAnswer::Status(code) if !(200..300).contains(code) => {
                        Err(format!("task {}: GET {url} answered HTTP {code}", task.idx))
                    }
                    TaskAnswer::Status(_) if must_time_out => Err(format!(
                        "task {}: GET {url} answered, though it takes longer than the {timeout_ms} ms timeout",
                        task.idx
                    )),
                    TaskAnswer::TimedOut { .. } if must_answer => Err(format!(
                        "task {}: GET {url} timed out after {timeout_ms} ms, though it answers sooner",
                        task.idx
                    )),
                    TaskAnswer::Status(_) | TaskAnswer::TimedOut { .. } => Ok(()),
                    other => Err(format!(
                        "task {}: {other:?} is the wrong kind of answer",
                        task.idx
                    )),
                }
            }
            (Op::Get { url, .. }, TaskAnswer::Status(code)) => {
                if (200..300).contains(code) {
                    Ok(())
                } else {
                    Err(format!("task {}: GET {url} answered HTTP {code}", task.idx))
                }
            }
            (_, other) => Err(format!(
                "task {}: {other:?} is the wrong kind of answer",
                task.idx
            )),
        }
    }

    /// One line of the defaults, for `concur list`.
    pub fn defaults_line(&self) -> String {
        let d = &self.defaults;
        let mut size = Vec::new();
        if self.n_means.is_some() {
            size.push(format!("--n {}", group(d.n())));
        }
        if self.bound == Bound::Io {
            size.push(format!("--delay-ms {}", d.delay_ms()));
        }
        let size = size.join(" ");
        format!(
            "--tasks {} --workers {} {size} --gil-switch-ms {} --runs {} --warmup {}",
            d.tasks(),
            d.workers(),
            d.gil_switch_ms(),
            d.runs(),
            d.warmup()
        )
    }
}

#[cfg(test)]
#[path = "experiment_tests.rs"]
mod tests;
