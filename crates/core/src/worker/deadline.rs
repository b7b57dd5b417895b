//! How long a worker process may take over one task before the runner gives
//! up on it: a generous estimate from the task's operation, so that a
//! worker that stops answering (alive but silent) ends in a report instead
//! of holding a run forever. The native runner and the page share it.
//!
//! The estimate errs long: a deadline that fires on a slow but healthy
//! worker would report a fault that is not there. CPU work is costed at
//! several times what a debug build needs, and stretched when more workers
//! than cores share the machine; waits are the server's delays, the
//! health check's timeout, or, for servers nobody knows, the native
//! client's whole request timeout. A task gets [`MULTIPLE`] times that,
//! and never less than [`FLOOR`].

use crate::endpoints::parse_delay;
use crate::experiment::Op;
use std::time::Duration;

/// The least time any task is given.
pub const FLOOR: Duration = Duration::from_secs(10);

/// How many times its expected time a task is given.
pub const MULTIPLE: u32 = 4;

/// One iteration of cpu-sqrt, or one value of a batch (with its copy
/// through the pipe): a debug build on a slow core needs under 10 ns.
const NS_PER_ITERATION: u64 = 25;

/// One round trip to a server beyond its own delay (connecting, a server
/// busy with many clients).
const REQUEST_OVERHEAD_MS: u64 = 100;

/// A GET whose delay nobody knows in advance (a `--target`): as long as
/// the native client waits for an answer before failing the request.
pub const UNKNOWN_REQUEST_MS: u64 = 120_000;

/// One database commit, which may queue behind one commit of every other
/// worker (SQLite has a single writer).
const COMMIT_MS: u64 = 50;

/// How long one GET of `url` takes at most, in ms: the built-in server's
/// `/delay/SECONDS` (capped as the server caps it) and `/status/CODES`
/// say; any other URL may take as long as the client's timeout.
fn request_ms(url: &str) -> u64 {
    if let Some((_, tail)) = url.rsplit_once("/delay/")
        && let Ok(delay) = parse_delay(tail.split(['?', '#']).next().unwrap_or(tail))
    {
        let delay_ms = u64::try_from(delay.as_millis()).unwrap_or(u64::MAX);
        return delay_ms.saturating_add(REQUEST_OVERHEAD_MS);
    }
    if url.contains("/status/") {
        return REQUEST_OVERHEAD_MS;
    }
    UNKNOWN_REQUEST_MS
}

/// The deadline of a task doing `op` on one of `workers` worker processes
/// that share `cores` cores.
pub fn task_deadline(op: &Op, workers: u32, cores: u32) -> Duration {
    let (cpu_iterations, wait_ms) = match op {
        Op::CpuSqrt { n } => (*n, 0),
        // Its rounds end with the I/O, or after `max_ms` in a process.
        Op::CpuWhileIo { n, max_ms } => (*n, *max_ms),
        Op::Batch { values } => (values.len() as u64, 0),
        Op::Get { url, .. } => (0, request_ms(url)),
        Op::Gets { url, count, .. } => (0, request_ms(url).saturating_mul(u64::from(*count))),
        Op::Check { timeout_ms, .. } => (0, timeout_ms.saturating_add(REQUEST_OVERHEAD_MS)),
        Op::Insert {
            rows, process_ms, ..
        } => {
            let per_row = process_ms.saturating_add(COMMIT_MS.saturating_mul(u64::from(workers)));
            (0, per_row.saturating_mul(u64::from(*rows)))
        }
        Op::Echo {
            arrive_ms, wait_ms, ..
        } => (
            0,
            arrive_ms
                .saturating_add(*wait_ms)
                .saturating_add(REQUEST_OVERHEAD_MS),
        ),
    };
    // More busy workers than cores: each computes for a share of a core.
    let stretch = u64::from(workers.div_ceil(cores.max(1)).max(1));
    let cpu_ms = cpu_iterations
        .saturating_mul(NS_PER_ITERATION)
        .saturating_mul(stretch)
        / 1_000_000;
    let expected = Duration::from_millis(cpu_ms.saturating_add(wait_ms));
    FLOOR.max(expected.saturating_mul(MULTIPLE))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn get(url: &str) -> Op {
        Op::Get {
            url: url.into(),
            keep_alive: false,
        }
    }

    #[test]
    fn small_tasks_get_the_floor() {
        assert_eq!(task_deadline(&Op::CpuSqrt { n: 1000 }, 2, 2), FLOOR);
        assert_eq!(task_deadline(&get("http://h/status/200"), 2, 2), FLOOR);
        assert_eq!(task_deadline(&get("http://h/delay/0.02"), 2, 2), FLOOR);
    }

    #[test]
    fn cpu_work_gets_several_times_its_cost_and_more_when_cores_are_shared() {
        let n = 1_000_000_000; // 25 s at the conservative cost.
        let alone = task_deadline(&Op::CpuSqrt { n }, 4, 4);
        assert_eq!(alone, Duration::from_secs(100));
        // Eight workers on two cores: each gets a quarter of a core.
        let crowded = task_deadline(&Op::CpuSqrt { n }, 8, 2);
        assert_eq!(crowded, Duration::from_secs(400));
        // 4,000,000 values cost 100 ms; 64 workers share one core.
        let batch = task_deadline(
            &Op::Batch {
                values: vec![0; 4_000_000],
            },
            64,
            1,
        );
        assert_eq!(batch, Duration::from_millis(25_600));
    }

    #[test]
    fn waits_count_the_delays_timeouts_and_commits() {
        // 7.5 s of delay: 7.6 s with the overhead, four times over.
        assert_eq!(
            task_deadline(&get("http://h/delay/7.5"), 5, 2),
            Duration::from_millis(30_400)
        );
        // The server waits 10 s at most, whatever the URL asks.
        assert_eq!(
            task_deadline(&get("http://h/delay/30?x=1"), 5, 2),
            Duration::from_millis(40_400)
        );
        let gets = Op::Gets {
            url: "http://h/delay/1".into(),
            count: 10,
            keep_alive: false,
        };
        assert_eq!(task_deadline(&gets, 2, 2), Duration::from_millis(44_000));
        let check = Op::Check {
            url: "http://h/delay/9".into(),
            timeout_ms: 5_000,
            delay_ms: Some(9_000),
            keep_alive: false,
        };
        assert_eq!(task_deadline(&check, 5, 2), Duration::from_millis(20_400));
        let insert = Op::Insert {
            db: "t".into(),
            rows: 100,
            process_ms: 10,
        };
        // 100 rows x (10 ms + 4 workers x 50 ms), four times over.
        assert_eq!(task_deadline(&insert, 4, 2), Duration::from_secs(84));
    }

    #[test]
    fn a_server_nobody_knows_may_take_the_whole_request_timeout() {
        let deadline = task_deadline(&get("https://example.org/"), 1, 8);
        assert_eq!(
            deadline,
            Duration::from_millis(UNKNOWN_REQUEST_MS * u64::from(MULTIPLE))
        );
    }
}
