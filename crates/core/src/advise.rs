//! The tutorial's decision flow as one pure function: three questions lead
//! to a model, the reasons, and the experiment that shows it.
//!
//! 1. CPU-bound? Processes: the GIL keeps threads from computing in
//!    parallel and async cannot parallelise at all.
//! 2. Otherwise, how many I/O operations at once? Under about 100, threads.
//! 3. 100 or more: async, if the code can become async (async libraries
//!    exist, no legacy blocking code); if not, stay with threads.

use serde::{Deserialize, Serialize};

/// Where threads stop being the easy answer for I/O (the tutorial's ~100).
pub const MANY_CONNECTIONS: u32 = 100;

/// The three answers the flow needs.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Situation {
    /// Most of the time goes to computing, not waiting.
    pub cpu_bound: bool,
    /// How many I/O operations are in flight at once.
    pub concurrent_io: u32,
    /// Async libraries exist for the I/O and the code can become async.
    pub can_go_async: bool,
}

/// A recommended model.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Pick {
    Processes,
    Threads,
    Async,
}

impl Pick {
    pub fn name(self) -> &'static str {
        match self {
            Pick::Processes => "processes (multiprocessing)",
            Pick::Threads => "threads (threading)",
            Pick::Async => "async (asyncio)",
        }
    }
}

/// What the flow recommends and why.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Advice {
    pub pick: Pick,
    /// The steps of the flow that led here, in order.
    pub reasons: Vec<String>,
    /// The catalog experiment that demonstrates the recommendation.
    pub experiment: &'static str,
}

/// Walks the decision flow.
pub fn advise(situation: Situation) -> Advice {
    if situation.cpu_bound {
        return Advice {
            pick: Pick::Processes,
            reasons: vec![
                "The work is CPU-bound: what limits it is computing, not waiting.".into(),
                "Under the GIL only one thread computes at a time, so threads cannot use a second core.".into(),
                "Async runs on one thread and never computes in parallel.".into(),
                "Each process has its own interpreter and its own GIL, so a pool uses every core; ship little data per task, since copying it costs.".into(),
            ],
            experiment: "cpu-sqrt",
        };
    }
    let mut reasons = vec!["The work is I/O-bound: most of the time goes to waiting, and the GIL is released while waiting.".to_string()];
    if situation.concurrent_io < MANY_CONNECTIONS {
        reasons.push(format!(
            "{} operations at once is a modest number (under about {MANY_CONNECTIONS}): a thread per operation costs little and keeps ordinary blocking code.",
            situation.concurrent_io
        ));
        return Advice {
            pick: Pick::Threads,
            reasons,
            experiment: "scraper",
        };
    }
    reasons.push(format!(
        "{} operations at once is many: threads cost memory and switching each, while coroutines are cheap and one event loop holds thousands.",
        situation.concurrent_io
    ));
    if situation.can_go_async {
        reasons.push("Async libraries exist and the code can become async, so one event loop serves them all.".into());
        Advice {
            pick: Pick::Async,
            reasons,
            experiment: "async-requests",
        }
    } else {
        reasons.push("The code must stay blocking (no async libraries, or legacy code), so async is not an option: stay with threads, perhaps a bounded pool.".into());
        Advice {
            pick: Pick::Threads,
            reasons,
            experiment: "quick-io",
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn pick(cpu_bound: bool, concurrent_io: u32, can_go_async: bool) -> Advice {
        advise(Situation {
            cpu_bound,
            concurrent_io,
            can_go_async,
        })
    }

    #[test]
    fn cpu_bound_work_goes_to_processes_whatever_else() {
        for (io, can) in [(1, false), (10_000, true)] {
            let advice = pick(true, io, can);
            assert_eq!(advice.pick, Pick::Processes);
            assert_eq!(advice.experiment, "cpu-sqrt");
        }
    }

    #[test]
    fn few_connections_go_to_threads() {
        let advice = pick(false, 99, true);
        assert_eq!(advice.pick, Pick::Threads);
        assert_eq!(advice.experiment, "scraper");
        assert!(advice.reasons[1].contains("99 operations"));
    }

    #[test]
    fn many_connections_go_async_when_the_code_can() {
        let advice = pick(false, MANY_CONNECTIONS, true);
        assert_eq!(advice.pick, Pick::Async);
        assert_eq!(advice.experiment, "async-requests");
    }

    #[test]
    fn many_connections_stay_on_threads_when_the_code_cannot_go_async() {
        let advice = pick(false, 5_000, false);
        assert_eq!(advice.pick, Pick::Threads);
        assert!(advice.reasons.last().unwrap().contains("stay with threads"));
    }
}
