//! Blocking I/O for threads and processes (HTTP, the database, sleeps), and
//! the reachability probe.
//!
//! A blocking GET holds its thread until the answer is in, as Python's
//! `requests.get` does; the async model uses reqwest instead (`exec::asynch`).
//! It is a minimal HTTP/1.1 client over `std::net::TcpStream` that makes
//! the blocking steps CPython's socket calls make, each wrapped in core's
//! `Steps::blocking` so that under the emulated GIL the worker lets go of
//! the lock around each and takes it back after: looking the host up,
//! connecting, writing the
//! request, every read until the response is complete (by Content-Length,
//! chunks, or the connection closing), closing. With keep-alive a
//! connection goes back to an idle pool instead of closing (as a
//! `requests.Session` keeps it), and the next request to that host reuses
//! it, skipping the connect and the close.

use concur_core::experiment::Reply;
use concur_core::worker::{BlockingIo, DbConnection, GetRequest, Step, Steps};
use std::io::{Read, Write};
use std::net::{SocketAddr, TcpStream, ToSocketAddrs};
use std::path::PathBuf;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

/// How long a request may take before it counts as failed.
pub const REQUEST_TIMEOUT: Duration = Duration::from_secs(120);
/// How long connecting may take.
pub const CONNECT_TIMEOUT: Duration = Duration::from_secs(5);
/// What one read asks for, the size of CPython's socket file buffer
/// (`io.DEFAULT_BUFFER_SIZE`); a longer body still to come is asked for in
/// one read, up to [`MAX_READ`], as its buffered reader does.
const READ_BYTES: usize = 8192;
const MAX_READ: usize = 1 << 20;
/// Response headers longer than this are refused.
const MAX_HEAD_BYTES: usize = 64 << 10;
/// Idle keep-alive connections kept at most.
const MAX_IDLE: usize = 16;

/// Blocking GETs in steps, a pool of idle keep-alive connections shared by
/// clones, and SQLite files under the command's database directory.
#[derive(Clone)]
pub struct HttpIo {
    idle: Arc<Mutex<Vec<(String, TcpStream)>>>,
    pub db_dir: PathBuf,
}

impl Default for HttpIo {
    fn default() -> Self {
        HttpIo {
            idle: Arc::default(),
            db_dir: crate::db::db_dir(),
        }
    }
}

/// Why a GET got no status.
enum Failure {
    TimedOut,
    /// A reused connection the server had closed: retry on a new one.
    Stale,
    Broken(String),
}

fn failure(err: &std::io::Error, doing: &str) -> Failure {
    match err.kind() {
        std::io::ErrorKind::TimedOut | std::io::ErrorKind::WouldBlock => Failure::TimedOut,
        _ => Failure::Broken(format!("{doing}: {err}")),
    }
}

/// Where a GET goes: `host[:port]` to connect to (and key the pool by), the
/// Host header, and the path with its query.
struct Target<'u> {
    authority: String,
    host: &'u str,
    path: &'u str,
}

fn target(url: &str) -> Result<Target<'_>, String> {
    let rest = url
        .strip_prefix("http://")
        .ok_or_else(|| format!("{url}: only plain http:// URLs are supported"))?;
    let split = rest.find(['/', '?']).unwrap_or(rest.len());
    let (host, path) = rest.split_at(split);
    let host = host.split('#').next().unwrap_or(host);
    if host.is_empty() {
        return Err(format!("{url}: no host"));
    }
    let path = path.split('#').next().unwrap_or(path);
    let path = if path.is_empty() { "/" } else { path };
    Ok(Target {
        authority: with_port(host),
        host,
        path,
    })
}

/// `host:port`, port 80 when the URL names none.
fn with_port(host: &str) -> String {
    let has_port = host
        .rsplit_once(':')
        .is_some_and(|(before, port)| !before.ends_with(':') && port.parse::<u16>().is_ok());
    if has_port && (!host.starts_with('[') || host.contains("]:")) {
        host.to_string()
    } else {
        format!("{host}:80")
    }
}

/// What is left until `deadline`; an error once it passed.
fn remaining(deadline: Instant) -> Result<Duration, Failure> {
    let left = deadline.saturating_duration_since(Instant::now());
    if left.is_zero() {
        Err(Failure::TimedOut)
    } else {
        Ok(left)
    }
}

/// Looks `authority` up, as `socket.create_connection` does first.
fn resolve(authority: &str) -> Result<Vec<SocketAddr>, Failure> {
    Ok(authority
        .to_socket_addrs()
        .map_err(|err| Failure::Broken(format!("cannot resolve {authority}: {err}")))?
        .collect())
}

/// Connects to the first of `addrs` that answers, within `limit` each.
fn connect(authority: &str, addrs: Vec<SocketAddr>, limit: Duration) -> Result<TcpStream, Failure> {
    let mut last = Failure::Broken(format!("{authority} has no address"));
    for addr in addrs {
        match TcpStream::connect_timeout(&addr, limit) {
            Ok(stream) => {
                // As urllib3 does: small requests go out at once.
                let _ = stream.set_nodelay(true);
                return Ok(stream);
            }
            Err(err) => last = failure(&err, &format!("cannot connect to {addr}")),
        }
    }
    Err(last)
}

/// One connection's reads: every read is a blocking step.
struct Reader<'s, 'h, 'x> {
    stream: &'s mut TcpStream,
    steps: &'h mut Steps<'x>,
    deadline: Instant,
    /// Bytes read and not yet consumed.
    buf: Vec<u8>,
    /// True once any byte of the response arrived.
    heard: bool,
}

impl Reader<'_, '_, '_> {
    /// Reads once (up to `want` bytes); false when the peer closed.
    fn receive(&mut self, want: usize) -> Result<bool, Failure> {
        let left = remaining(self.deadline)?;
        self.stream
            .set_read_timeout(Some(left))
            .map_err(|err| failure(&err, "setting a read timeout"))?;
        let mut chunk = vec![0u8; want.clamp(READ_BYTES, MAX_READ)];
        let stream = &mut *self.stream;
        let read = self
            .steps
            .blocking(Step::Receive, || stream.read(&mut chunk))
            .map_err(|err| failure(&err, "reading the response"))?;
        self.buf.extend_from_slice(&chunk[..read]);
        self.heard |= read > 0;
        Ok(read > 0)
    }

    /// The index just past the next CRLF at or after `from`, reading more
    /// until there is one.
    fn line_end(&mut self, from: usize) -> Result<usize, Failure> {
        loop {
            if let Some(at) = find(&self.buf[from.min(self.buf.len())..], b"\r\n") {
                return Ok(from + at + 2);
            }
            if self.buf.len() > MAX_HEAD_BYTES {
                return Err(Failure::Broken("a response line is too long".into()));
            }
            if !self.receive(READ_BYTES)? {
                return Err(Failure::Broken("the connection closed mid-response".into()));
            }
        }
    }

    /// Reads until `len` bytes are buffered.
    fn fill(&mut self, len: usize) -> Result<(), Failure> {
        while self.buf.len() < len {
            if !self.receive(len - self.buf.len())? {
                return Err(Failure::Broken(format!(
                    "the connection closed {} bytes before the body's end",
                    len - self.buf.len()
                )));
            }
        }
        Ok(())
    }
}

fn find(haystack: &[u8], needle: &[u8]) -> Option<usize> {
    haystack
        .windows(needle.len())
        .position(|window| window == needle)
}

/// The response's status, and whether its connection may be reused.
struct Response {
    status: u16,
    reusable: bool,
}

/// Reads one response to its end.
fn read_response(reader: &mut Reader<'_, '_, '_>) -> Result<Response, Failure> {
    let head_end = loop {
        if let Some(at) = find(&reader.buf, b"\r\n\r\n") {
            break at + 4;
        }
        if reader.buf.len() > MAX_HEAD_BYTES {
            return Err(Failure::Broken("the response headers are too long".into()));
        }
        if !reader.receive(READ_BYTES)? {
            return Err(if reader.heard {
                Failure::Broken("the connection closed before the response headers ended".into())
            } else {
                Failure::Stale
            });
        }
    };
    let head = String::from_utf8_lossy(&reader.buf[..head_end]).into_owned();
    reader.buf.drain(..head_end);
    let mut lines = head.split("\r\n");
    let status_line = lines.next().unwrap_or_default();
    let mut parts = status_line.split(' ');
    let version = parts.next().unwrap_or_default();
    let status: u16 = parts
        .next()
        .and_then(|code| code.parse().ok())
        .filter(|_| version.starts_with("HTTP/1."))
        .ok_or_else(|| Failure::Broken(format!("not an HTTP/1 response: {status_line:?}")))?;
    let (mut length, mut chunked, mut close) = (None, false, version == "HTTP/1.0");
    for line in lines {
        let Some((name, value)) = line.split_once(':') else {
            continue;
        };
        let value = value.trim().to_ascii_lowercase();
        match name.trim().to_ascii_lowercase().as_str() {
            "content-length" => length = value.parse::<usize>().ok(),
            "transfer-encoding" => chunked = value.ends_with("chunked"),
            "connection" => close = value.contains("close"),
            _ => {}
        }
    }
    if status == 204 || status == 304 || (100..200).contains(&status) {
        return Ok(Response {
            status,
            reusable: !close,
        });
    }
    if chunked {
        read_chunks(reader)?;
    } else if let Some(length) = length {
        reader.fill(length)?;
    } else {
        // No length: the body ends when the server closes.
        while reader.receive(MAX_READ)? {
            reader.buf.clear();
        }
        close = true;
    }
    Ok(Response {
        status,
        reusable: !close,
    })
}

/// Reads a chunked body and its trailers, dropping what it consumed.
fn read_chunks(reader: &mut Reader<'_, '_, '_>) -> Result<(), Failure> {
    loop {
        let end = reader.line_end(0)?;
        let line = String::from_utf8_lossy(&reader.buf[..end - 2]).into_owned();
        let hex = line.split(';').next().unwrap_or_default().trim();
        let size = usize::from_str_radix(hex, 16)
            .map_err(|_| Failure::Broken(format!("a bad chunk size {hex:?}")))?;
        reader.buf.drain(..end);
        if size == 0 {
            // Trailers, up to an empty line.
            loop {
                let end = reader.line_end(0)?;
                reader.buf.drain(..end);
                if end == 2 {
                    return Ok(());
                }
            }
        }
        reader.fill(size + 2)?;
        reader.buf.drain(..size + 2);
    }
}

impl HttpIo {
    fn take_idle(&self, authority: &str) -> Option<TcpStream> {
        let mut idle = self.idle.lock().unwrap_or_else(|p| p.into_inner());
        let at = idle.iter().position(|(key, _)| key == authority)?;
        Some(idle.swap_remove(at).1)
    }

    fn put_idle(&self, authority: String, stream: TcpStream) {
        let mut idle = self.idle.lock().unwrap_or_else(|p| p.into_inner());
        if idle.len() < MAX_IDLE {
            idle.push((authority, stream));
        }
    }

    /// One GET in steps, on a reused connection if `keep_alive` and one is
    /// idle (retrying once on a new one if the server had closed it).
    fn exchange(
        &self,
        target: &Target<'_>,
        keep_alive: bool,
        deadline: Instant,
        connect_limit: Duration,
        steps: &mut Steps<'_>,
    ) -> Result<u16, Failure> {
        if keep_alive && let Some(stream) = self.take_idle(&target.authority) {
            match self.on(stream, target, keep_alive, deadline, steps) {
                Err(Failure::Stale) => {}
                other => return other,
            }
        }
        let limit = remaining(deadline)?.min(connect_limit);
        let addrs = steps.blocking(Step::Resolve, || resolve(&target.authority))?;
        let stream = steps.blocking(Step::Connect, || connect(&target.authority, addrs, limit))?;
        match self.on(stream, target, keep_alive, deadline, steps) {
            Err(Failure::Stale) => Err(Failure::Broken(
                "the server closed the connection without answering".into(),
            )),
            other => other,
        }
    }

    /// Sends the request on `stream`, reads the response, and closes the
    /// connection or keeps it for the next request.
    fn on(
        &self,
        mut stream: TcpStream,
        target: &Target<'_>,
        keep_alive: bool,
        deadline: Instant,
        steps: &mut Steps<'_>,
    ) -> Result<u16, Failure> {
        // What requests sends, less the compression it would ask for.
        let request = format!(
            "GET {} HTTP/1.1\r\nHost: {}\r\nUser-Agent: concur\r\nAccept: */*\r\nAccept-Encoding: identity\r\nConnection: keep-alive\r\n\r\n",
            target.path, target.host
        );
        stream
            .set_write_timeout(Some(remaining(deadline)?))
            .map_err(|err| failure(&err, "setting a write timeout"))?;
        let sent = steps.blocking(Step::Send, || stream.write_all(request.as_bytes()));
        if let Err(err) = sent {
            return Err(match err.kind() {
                std::io::ErrorKind::BrokenPipe | std::io::ErrorKind::ConnectionReset => {
                    Failure::Stale
                }
                _ => failure(&err, "sending the request"),
            });
        }
        let mut reader = Reader {
            stream: &mut stream,
            steps,
            deadline,
            buf: Vec::new(),
            heard: false,
        };
        let response = read_response(&mut reader)?;
        if keep_alive && response.reusable {
            self.put_idle(target.authority.clone(), stream);
        } else {
            steps.blocking(Step::Close, || drop(stream));
        }
        Ok(response.status)
    }
}

impl BlockingIo for HttpIo {
    fn get_in_steps(
        &self,
        request: &GetRequest<'_>,
        steps: &mut Steps<'_>,
    ) -> Result<Reply, String> {
        let target = target(request.url)?;
        let timeout = request.timeout_ms.map(Duration::from_millis);
        let deadline = Instant::now() + timeout.unwrap_or(REQUEST_TIMEOUT);
        // A GET with a timeout of its own bounds connecting by it alone.
        let connect_limit = timeout.unwrap_or(CONNECT_TIMEOUT);
        match self.exchange(&target, request.keep_alive, deadline, connect_limit, steps) {
            Ok(status) => Ok(Reply::Status(status)),
            Err(Failure::TimedOut) if timeout.is_some() => Ok(Reply::TimedOut),
            Err(Failure::TimedOut) => {
                Err(format!("no answer within {} s", REQUEST_TIMEOUT.as_secs()))
            }
            Err(Failure::Stale) => Err("the connection closed without an answer".into()),
            Err(Failure::Broken(why)) => Err(why),
        }
    }

    fn get_within(&self, url: &str, timeout_ms: u64) -> Result<Reply, String> {
        let request = GetRequest {
            url,
            timeout_ms: Some(timeout_ms),
            keep_alive: false,
        };
        self.get_in_steps(&request, &mut Steps::unobserved())
    }

    fn get(&self, url: &str) -> Result<u16, String> {
        let request = GetRequest {
            url,
            timeout_ms: None,
            keep_alive: false,
        };
        match self.get_in_steps(&request, &mut Steps::unobserved())? {
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

#[cfg(test)]
mod tests;
