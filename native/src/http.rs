//! Blocking HTTP for threads and processes, and the reachability probe.
//!
//! A blocking GET holds its thread until the answer is in, as Python's
//! `requests.get` does; the async model uses reqwest instead (`exec::asynch`).

use concur_core::worker::BlockingIo;
use std::io::Read;
use std::net::{TcpStream, ToSocketAddrs};
use std::time::Duration;

/// How long a request may take before it counts as failed.
pub const REQUEST_TIMEOUT: Duration = Duration::from_secs(120);
/// How long connecting may take.
pub const CONNECT_TIMEOUT: Duration = Duration::from_secs(5);
/// Bodies are read (so connections can be reused) up to this size.
const MAX_BODY_BYTES: u64 = 16 << 20;

/// Blocking GETs through one ureq agent (its connections are pooled).
#[derive(Clone)]
pub struct UreqIo {
    agent: ureq::Agent,
}

impl Default for UreqIo {
    fn default() -> Self {
        UreqIo {
            agent: ureq::AgentBuilder::new()
                .timeout_connect(CONNECT_TIMEOUT)
                .timeout(REQUEST_TIMEOUT)
                .build(),
        }
    }
}

impl BlockingIo for UreqIo {
    fn get(&self, url: &str) -> Result<u16, String> {
        let response = match self.agent.get(url).call() {
            Ok(response) => response,
            Err(ureq::Error::Status(_, response)) => response,
            Err(ureq::Error::Transport(err)) => return Err(err.to_string()),
        };
        let status = response.status();
        std::io::copy(
            &mut response.into_reader().take(MAX_BODY_BYTES),
            &mut std::io::sink(),
        )
        .map_err(|err| format!("reading the body: {err}"))?;
        Ok(status)
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
