//! The experiment catalog and the plans it makes.
//!
//! An [`Experiment`] names a workload from the tutorial with its defaults; with
//! validated [`Params`] it becomes a [`Plan`] of [`Task`]s. The executors run
//! plans without knowing which experiment they came from.

use crate::answer::TaskAnswer;
use crate::params::{Params, group};
use crate::workload;
use serde::{Deserialize, Serialize};

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
    /// One HTTP GET; the answer is the status code.
    Get { url: String },
}

/// One unit of work, numbered from 0 in plan order.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Task {
    pub idx: u32,
    pub op: Op,
}

/// The tasks of one run, in order.
#[derive(Clone, Debug, PartialEq)]
pub struct Plan {
    pub experiment: &'static str,
    pub tasks: Vec<Task>,
}

/// A workload from the tutorial, with the tutorial's parameters as defaults.
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
    /// Why the defaults differ from the tutorial's, where they do.
    pub defaults_note: &'static str,
}

/// Every experiment, in tutorial order.
pub fn catalog() -> Vec<Experiment> {
    vec![
        Experiment {
            id: "quick-io",
            title: "Quick side-by-side: five slow requests",
            bound: Bound::Io,
            summary: "GET an endpoint that answers after a delay, once per task",
            claim: "threads and async overlap the waits (about 1 s instead of 5 s); processes also do, after paying to start",
            defaults: Params {
                tasks: 5,
                workers: 5,
                n: 1,
                delay_ms: 1000,
                gil_switch_ms: 5.0,
                runs: 3,
                warmup: 1,
                target: None,
            },
            defaults_note: "the tutorial's parameters: 5 requests of 1 s, 5 workers",
        },
        Experiment {
            id: "cpu-sqrt",
            title: "CPU-bound: sum of square roots",
            bound: Bound::Cpu,
            summary: "sum sqrt(i) for i in 0..n, once per task",
            claim: "threads are no faster than one thread under the GIL (even slower); a process pool is about cores-times faster",
            defaults: Params {
                tasks: 4,
                workers: 4,
                n: 100_000_000,
                delay_ms: 0,
                gil_switch_ms: 5.0,
                runs: 3,
                warmup: 1,
                target: None,
            },
            defaults_note: "the tutorial's n (100,000,000 per task, 4 tasks, 4 workers): Python needs about 2 s per task, compiled Rust about 0.1 s, so a whole default run takes seconds",
        },
    ]
}

/// Finds an experiment by id.
pub fn find(id: &str) -> Option<Experiment> {
    catalog().into_iter().find(|experiment| experiment.id == id)
}

impl Experiment {
    /// The tasks of one run; I/O goes to `target` if set, otherwise to the
    /// built-in server at `server_base` (like `http://127.0.0.1:41234`).
    pub fn plan(&self, params: &Params, server_base: &str) -> Plan {
        let op = |_idx: u32| match self.bound {
            Bound::Cpu => Op::CpuSqrt { n: params.n },
            Bound::Io => Op::Get {
                url: match &params.target {
                    Some(url) => url.clone(),
                    None => format!("{server_base}/delay/{}", params.delay_ms),
                },
            },
        };
        Plan {
            experiment: self.id,
            tasks: (0..params.tasks)
                .map(|idx| Task { idx, op: op(idx) })
                .collect(),
        }
    }

    /// True when the experiment performs I/O (and so needs a server).
    pub fn needs_io(&self) -> bool {
        self.bound == Bound::Io
    }

    /// Checks one task's answer against what the workload must produce,
    /// independently of any other model.
    pub fn check(&self, task: &Task, answer: &TaskAnswer) -> Result<(), String> {
        match (&task.op, answer) {
            (Op::CpuSqrt { n }, TaskAnswer::Sum(sum)) => {
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
            (Op::Get { url }, TaskAnswer::Status(code)) => {
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
        match self.bound {
            Bound::Cpu => format!(
                "--tasks {} --workers {} --n {} --gil-switch-ms {} --runs {} --warmup {}",
                d.tasks,
                d.workers,
                group(d.n),
                d.gil_switch_ms,
                d.runs,
                d.warmup
            ),
            Bound::Io => format!(
                "--tasks {} --workers {} --delay-ms {} --gil-switch-ms {} --runs {} --warmup {}",
                d.tasks, d.workers, d.delay_ms, d.gil_switch_ms, d.runs, d.warmup
            ),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn plans_follow_the_params() {
        let quick = find("quick-io").unwrap();
        let plan = quick.plan(&quick.defaults, "http://127.0.0.1:9");
        assert_eq!(plan.tasks.len(), 5);
        assert_eq!(
            plan.tasks[4].op,
            Op::Get {
                url: "http://127.0.0.1:9/delay/1000".into()
            }
        );
        let mut params = quick.defaults.clone();
        params.target = Some("http://example.org/x".into());
        assert_eq!(
            quick.plan(&params, "unused").tasks[0].op,
            Op::Get {
                url: "http://example.org/x".into()
            }
        );
        let cpu = find("cpu-sqrt").unwrap();
        let plan = cpu.plan(&cpu.defaults, "");
        assert_eq!(
            plan.tasks[3],
            Task {
                idx: 3,
                op: Op::CpuSqrt { n: 100_000_000 }
            }
        );
        assert!(find("nope").is_none());
    }

    #[test]
    fn checks_catch_wrong_answers() {
        let cpu = find("cpu-sqrt").unwrap();
        let task = Task {
            idx: 0,
            op: Op::CpuSqrt { n: 100 },
        };
        assert!(
            cpu.check(&task, &TaskAnswer::Sum(661.462_947_103_147_7))
                .is_ok()
        );
        assert!(cpu.check(&task, &TaskAnswer::Sum(600.0)).is_err());
        assert!(cpu.check(&task, &TaskAnswer::Status(200)).is_err());
        let get = Task {
            idx: 1,
            op: Op::Get {
                url: "http://h/".into(),
            },
        };
        assert!(cpu.check(&get, &TaskAnswer::Status(200)).is_ok());
        assert!(cpu.check(&get, &TaskAnswer::Status(500)).is_err());
    }
}
