//! Blocking I/O for threads and processes (HTTP, the database, sleeps), and
//! the reachability probe.
//!
//! A blocking GET holds its thread until the answer is in, as Python's
//! `requests.get` does; the async model uses reqwest instead (`exec::asynch`).

use concur_core::experiment::Reply;
use concur_core::worker::{BlockingIo, DbConnection};
use std::io::Read;
use std::net::{TcpStream, ToSocketAddrs};
use std::path::PathBuf;
use std::time::Duration;

/// How long a request may take before it counts as failed.
pub const REQUEST_TIMEOUT: Duration = Duration::from_secs(120);
/// How long connecting may take.
pub const CONNECT_TIMEOUT: Duration = Duration::from_secs(5);
/// Bodies are read (so connections can be reused) up to this size.
const MAX_BODY_BYTES: u64 = 16 << 20;

/// Blocking GETs through ureq agents (their connections are pooled), and
/// SQLite files under the command's database directory.
#[derive(Clone)]
pub struct UreqIo {
    agent: ureq::Agent,
    /// For GETs with a timeout of their own, which bounds connecting too
    /// (ureq lets an agent's connect timeout override a request's).
    checks: ureq::Agent,
    pub db_dir: PathBuf,
}

impl Default for UreqIo {
    fn default() -> Self {
        UreqIo {
            agent: ureq::AgentBuilder::new()
                .timeout_connect(CONNECT_TIMEOUT)
                .timeout(REQUEST_TIMEOUT)
                .build(),
            checks: ureq::AgentBuilder::new().build(),
            db_dir: crate::db::db_dir(),
        }
    }
}

/// True when a transport error means the time ran out.
fn timed_out(err: &ureq::Transport) -> bool {
    let io = std::error::Error::source(err).and_then(|e| e.downcast_ref::<std::io::Error>());
    io.is_some_and(|e| {
        matches!(
            e.kind(),
            std::io::ErrorKind::TimedOut | std::io::ErrorKind::WouldBlock
        )
    })
}

impl UreqIo {
    fn call(&self, url: &str, timeout: Option<Duration>) -> Result<Reply, String> {
        let request = match timeout {
            Some(timeout) => self.checks.get(url).timeout(timeout),
            None => self.agent.get(url),
        };
        let response = match request.call() {
            Ok(response) => response,
            Err(ureq::Error::Status(_, response)) => response,
            Err(ureq::Error::Transport(err)) if timeout.is_some() && timed_out(&err) => {
                return Ok(Reply::TimedOut);
            }
            Err(ureq::Error::Transport(err)) => return Err(err.to_string()),
        };
        let status = response.status();
        let read = std::io::copy(
            &mut response.into_reader().take(MAX_BODY_BYTES),
            &mut std::io::sink(),
        );
        match read {
            Ok(_) => Ok(Reply::Status(status)),
            Err(err)
                if timeout.is_some()
                    && matches!(
                        err.kind(),
                        std::io::ErrorKind::TimedOut | std::io::ErrorKind::WouldBlock
                    ) =>
            {
                Ok(Reply::TimedOut)
            }
            Err(err) => Err(format!("reading the body: {err}")),
        }
    }
}

impl BlockingIo for UreqIo {
    fn get_within(&self, url: &str, timeout_ms: u64) -> Result<Reply, String> {
        self.call(url, Some(Duration::from_millis(timeout_ms)))
    }

    fn get(&self, url: &str) -> Result<u16, String> {
        match self.call(url, None)? {
            Reply::Status(status) => Ok(status),
            Reply::TimedOut => Err(format!("no answer within {} s", REQUEST_TIMEOUT.as_secs())),
        }
    }

    fn open_db(&self, db: &str) -> Result<Box<dyn DbConnection + '_>, String> {
        crate::db::open(&self.db_dir, db)
    }

    fn sleep_ms(&self, ms: u64) {
        std::thread::sleep(Duration::from_millis(ms));
    }
}

/// Checks that the host of an `http://` URL accepts connections.
pub fn probe(url: &str) -> Result<(), String> {
    let rest = url.strip_prefix("http://").unwrap_or(url);
    let host = rest.split(['/', '?', '#']).next().unwrap_or("");
    let with_port = if host
        .rsplit_once(':')
        .is_some_and(|(_, port)| port.parse::<u16>().is_ok())
    {
        host.to_string()
    } else {
        format!("{host}:80")
    };
    let addrs: Vec<_> = with_port
        .to_socket_addrs()
        .map_err(|err| format!("cannot resolve {host}: {err}"))?
        .collect();
    let mut last = format!("{host} has no address");
    for addr in addrs {
        match TcpStream::connect_timeout(&addr, CONNECT_TIMEOUT) {
            Ok(_) => return Ok(()),
            Err(err) => last = format!("cannot connect to {addr}: {err}"),
        }
    }
    Err(last)
}
