//! Why echo clients were lost: the listener's backlog, the kernel's
//! accept-queue counters, and a cause attached to every client that got
//! no echo.
//!
//! When thousands of clients connect at once and the server does not
//! accept fast enough, the accept queue (the listener's backlog, capped by
//! `net.core.somaxconn`; asyncio's default is 100) fills up. Linux then
//! drops SYNs and handshake ACKs and counts them as `ListenOverflows` and
//! `ListenDrops` in `/proc/net/netstat`: a dropped client retries after a
//! second or more, and one whose half-open connection expires meanwhile
//! is reset. The runner reads both counters before and after a run; they
//! cover the whole network namespace, so they count what happened during
//! the run, not only to this listener. Every lost client's failure line
//! then names its cause: the server never accepted its connection (with
//! the counters' delta), the server dropped it (the OS refused a thread),
//! or the client's deadline passed (and where it was then).
//!
//! Two hidden variables make losses reproducible in tests:
//! `CONCUR_TEST_ECHO_BACKLOG` sets the backlog, `CONCUR_TEST_ECHO_DEADLINE_MS`
//! the clients' deadline.

use super::ServerRun;
use super::clients::{Answered, Stage};

/// Sets the listener's backlog (tests only).
const BACKLOG_VAR: &str = "CONCUR_TEST_ECHO_BACKLOG";
/// Sets every client's deadline in milliseconds (tests only).
pub const DEADLINE_VAR: &str = "CONCUR_TEST_ECHO_DEADLINE_MS";

/// The backlog when `net.core.somaxconn` cannot be read (Linux's default
/// since 5.4).
const FALLBACK_BACKLOG: i32 = 4096;

/// A number a hidden test variable names, if it is set.
pub fn test_knob(var: &str) -> Option<u64> {
    std::env::var(var).ok()?.trim().parse().ok()
}

/// The listener's backlog and where it came from.
#[derive(Clone, Debug, PartialEq)]
pub struct Backlog {
    pub size: i32,
    pub source: String,
}

impl Backlog {
    /// The deepest queue the kernel allows (`net.core.somaxconn`; listen(2)
    /// caps any larger backlog at it), or the test variable's.
    pub fn chosen() -> Backlog {
        if let Some(size) = test_knob(BACKLOG_VAR) {
            return Backlog {
                size: i32::try_from(size).unwrap_or(i32::MAX),
                source: BACKLOG_VAR.into(),
            };
        }
        match std::fs::read_to_string("/proc/sys/net/core/somaxconn")
            .ok()
            .and_then(|text| text.trim().parse::<i32>().ok())
        {
            Some(size) if size > 0 => Backlog {
                size,
                source: "net.core.somaxconn".into(),
            },
            _ => Backlog {
                size: FALLBACK_BACKLOG,
                source: "net.core.somaxconn unreadable".into(),
            },
        }
    }
}

/// The kernel's accept-queue counters (TcpExt in `/proc/net/netstat`).
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub struct QueueCounters {
    /// Handshakes dropped because the accept queue was full.
    pub overflows: u64,
    /// Every SYN or handshake a listener dropped (overflows included).
    pub drops: u64,
}

impl QueueCounters {
    /// Reads the counters; an error says why they are not measured.
    pub fn read() -> Result<QueueCounters, String> {
        let text = std::fs::read_to_string("/proc/net/netstat")
            .map_err(|err| format!("/proc/net/netstat: {err}"))?;
        QueueCounters::parse(&text)
    }

    /// The counters in the text of `/proc/net/netstat`: a `TcpExt:` line of
    /// names followed by a `TcpExt:` line of values.
    pub fn parse(text: &str) -> Result<QueueCounters, String> {
        let mut rows = text.lines().filter(|line| line.starts_with("TcpExt:"));
        let (names, values) = rows
            .next()
            .zip(rows.next())
            .ok_or("/proc/net/netstat has no TcpExt counters")?;
        let value_of = |name: &str| -> Result<u64, String> {
            names
                .split_whitespace()
                .zip(values.split_whitespace())
                .find(|(key, _)| *key == name)
                .and_then(|(_, value)| value.parse().ok())
                .ok_or_else(|| format!("/proc/net/netstat has no TcpExt {name}"))
        };
        Ok(QueueCounters {
            overflows: value_of("ListenOverflows")?,
            drops: value_of("ListenDrops")?,
        })
    }

    /// What the counters rose by since `before`.
    pub fn since(self, before: QueueCounters) -> QueueCounters {
        QueueCounters {
            overflows: self.overflows.saturating_sub(before.overflows),
            drops: self.drops.saturating_sub(before.drops),
        }
    }
}

/// The counters' rise during the run, or why it was not measured.
pub type QueueDelta = Result<QueueCounters, String>;

/// What the accept queue did during the run, in words.
pub fn queue_cause(delta: &QueueDelta, backlog: &Backlog) -> String {
    match delta {
        Ok(delta) if delta.overflows > 0 || delta.drops > 0 => format!(
            "the accept queue (backlog {}, {}) overflowed during the run: ListenOverflows +{}, \
             ListenDrops +{} (/proc/net/netstat, machine-wide)",
            backlog.size, backlog.source, delta.overflows, delta.drops
        ),
        Ok(_) => format!(
            "no accept-queue overflow was counted during the run (backlog {}, ListenOverflows +0, \
             ListenDrops +0)",
            backlog.size
        ),
        Err(why) => format!("accept-queue overflows were not measured ({why})"),
    }
}

/// Why one lost client got no echo, from what the server and the kernel saw.
fn cause_of(stage: Stage, port: Option<u16>, server: &ServerRun, queue: &str) -> (Cause, String) {
    if let Some(why) = port.and_then(|port| server.dropped.get(&port)) {
        return (
            Cause::Dropped,
            format!("the server accepted its connection and closed it unserved ({why})"),
        );
    }
    let accepted = match (&server.accepted, port) {
        (Some(accepted), Some(port)) => Some(accepted.contains(&port)),
        (Some(_), None) => Some(false),
        (None, _) => None,
    };
    match (accepted, stage) {
        (Some(true), _) => (
            Cause::Served,
            "the server took its connection (see the server's lines)".into(),
        ),
        (Some(false), _) => (
            Cause::NeverAccepted,
            format!("the server never accepted its connection: {queue}"),
        ),
        (None, Stage::Connecting) => (Cause::NeverAccepted, format!("it never connected: {queue}")),
        (None, _) => (
            Cause::Unknown,
            format!("the pool's workers do not say which connections they took; {queue}"),
        ),
    }
}

/// The kinds of cause the run's summary counts.
#[derive(Clone, Copy, PartialEq)]
enum Cause {
    NeverAccepted,
    Dropped,
    Served,
    Unknown,
}

/// Attaches its cause to every lost client's failure line and adds a line
/// that sums the losses up with the queue's counters.
pub fn account(
    answered: &mut Answered,
    server: &ServerRun,
    delta: &QueueDelta,
    backlog: &Backlog,
    n_clients: usize,
) {
    let queue = queue_cause(delta, backlog);
    let mut causes = Vec::new();
    for (idx, outcome) in &mut answered.share.outcomes {
        let Err(why) = outcome else { continue };
        let (stage, port) = answered
            .seen
            .get(idx)
            .copied()
            .unwrap_or((Stage::Connecting, None));
        let (cause, words) = cause_of(stage, port, server, &queue);
        causes.push(cause);
        *why = format!("{why}; {words}");
    }
    if causes.is_empty() {
        return;
    }
    let count = |cause: Cause| causes.iter().filter(|c| **c == cause).count();
    let parts: Vec<String> = [
        (Cause::NeverAccepted, "never accepted"),
        (Cause::Dropped, "closed unserved"),
        (Cause::Served, "taken by the server"),
        (Cause::Unknown, "taken or not (not tracked)"),
    ]
    .into_iter()
    .filter(|(cause, _)| count(*cause) > 0)
    .map(|(cause, words)| format!("{} {words}", count(cause)))
    .collect();
    answered.share.failures.push(format!(
        "{} of {n_clients} clients got no echo ({}); {queue}",
        causes.len(),
        parts.join(", ")
    ));
}

#[cfg(test)]
mod tests {
    use super::*;

    const NETSTAT: &str = "TcpExt: SyncookiesSent ListenOverflows ListenDrops TCPSynRetrans\n\
                           TcpExt: 0 630 631 12\n\
                           IpExt: InNoRoutes\n\
                           IpExt: 0\n";

    #[test]
    fn counters_are_read_by_name_and_compared() {
        let after = QueueCounters::parse(NETSTAT).unwrap();
        assert_eq!(
            after,
            QueueCounters {
                overflows: 630,
                drops: 631
            }
        );
        let before = QueueCounters {
            overflows: 600,
            drops: 600,
        };
        let delta = after.since(before);
        assert_eq!((delta.overflows, delta.drops), (30, 31));
        assert!(QueueCounters::parse("IpExt: a\nIpExt: 1\n").is_err());
        let backlog = Backlog {
            size: 1,
            source: "test".into(),
        };
        let words = queue_cause(&Ok(delta), &backlog);
        assert!(
            words.contains("ListenOverflows +30, ListenDrops +31"),
            "{words}"
        );
        let words = queue_cause(&Err("no /proc".into()), &backlog);
        assert!(words.contains("not measured (no /proc)"), "{words}");
    }
}
