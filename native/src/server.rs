//! The built-in HTTP endpoints: what the I/O experiments talk to.
//!
//! The endpoints follow httpbin.org (`httpbin.rs`), so the tutorial's
//! `https://httpbin.org/...` URLs work against concur unchanged:
//! `/delay/{seconds}` answers after that many seconds (fractions allowed,
//! 10 at most), `/status/{codes}` answers with that status (or one of a
//! list, picked at random), `/get` describes the request; `/echo` (concur's
//! own) returns the body.
//! A run starts a [`Server`] on 127.0.0.1 with an ephemeral port on its own
//! thread and stops it when done; `concur serve` runs the same router in the
//! foreground until Ctrl-C, optionally with a directory of static files (the
//! playground). Every response carries the cross-origin isolation headers
//! (COOP same-origin, COEP require-corp) that shared memory needs.
//!
//! Bodies of 1 KB and more are compressed as the client asks
//! (`Accept-Encoding`: brotli first, then gzip), so the playground's
//! WebAssembly and JavaScript cross the network at a fraction of their
//! size; tiny answers (the endpoints' JSON) and already-compressed formats
//! (images) go as they are, and a delayed answer is compressed only once
//! its delay has passed.
//!
//! Task tree: the server thread owns a current-thread tokio runtime; axum
//! spawns one task per connection on it. Stopping drops the runtime, which
//! cancels in-flight requests, so a stop never waits for a long delay.
//!
//! `concur serve` on an address other than loopback warns first: `/get`
//! sends back every request header (cookies and tokens included), `/echo`
//! returns whatever is posted, and `--dir` hands out its files, to anyone
//! who can reach the machine.

mod httpbin;

use axum::Router;
use axum::http::header;
use axum::routing::{any, get};
use httpbin::{delay, describe, echo, not_found, status};
use std::net::SocketAddr;
use tokio::sync::oneshot;
use tower_http::compression::Predicate;
use tower_http::compression::predicate::{NotForContentType, SizeAbove};

/// Every endpoint; with `site`, the files below it too (the built
/// playground), and on every response the headers that make the page
/// cross-origin isolated, which shared memory (threads) requires.
pub fn router(site: Option<&std::path::Path>) -> Router {
    let endpoints = Router::new()
        .route("/delay/{seconds}", get(delay))
        .route("/status/{codes}", any(status))
        .route("/get", get(describe))
        .route("/echo", any(echo));
    let routed = match site {
        Some(dir) => endpoints.fallback_service(
            tower_http::services::ServeDir::new(dir)
                .append_index_html_on_directories(true)
                // A `name.br` or `name.gz` beside a file, if a build left
                // one, is sent as it is instead of compressing again.
                .precompressed_br()
                .precompressed_gzip()
                .fallback(get(not_found)),
        ),
        None => endpoints.fallback(not_found),
    };
    let header = |name: &'static str, value: &'static str| {
        tower_http::set_header::SetResponseHeaderLayer::overriding(
            header::HeaderName::from_static(name),
            header::HeaderValue::from_static(value),
        )
    };
    routed
        .layer(compression())
        .layer(header("cross-origin-opener-policy", "same-origin"))
        .layer(header("cross-origin-embedder-policy", "require-corp"))
        .layer(header("cross-origin-resource-policy", "same-origin"))
}

/// The router as a service that tells handlers the client's address
/// (httpbin's `origin`).
fn with_client_address(
    router: Router,
) -> axum::extract::connect_info::IntoMakeServiceWithConnectInfo<Router, SocketAddr> {
    router.into_make_service_with_connect_info::<SocketAddr>()
}

/// Below this many bytes a body goes uncompressed: the saving would not
/// pay for the work, nor for the framing.
const COMPRESS_FROM_BYTES: u16 = 1024;

/// Brotli or gzip, whichever the request prefers, for bodies worth it.
fn compression() -> tower_http::compression::CompressionLayer<impl Predicate> {
    let worth_it = SizeAbove::new(COMPRESS_FROM_BYTES)
        .and(NotForContentType::GRPC)
        .and(NotForContentType::IMAGES)
        .and(NotForContentType::SSE)
        .and(NotForContentType::const_new("font/woff2"))
        .and(NotForContentType::const_new("application/zip"))
        .and(NotForContentType::const_new("application/gzip"));
    tower_http::compression::CompressionLayer::new()
        .br(true)
        .gzip(true)
        .compress_when(worth_it)
}

/// The address `--host` names: an IP address, or `localhost` (127.0.0.1).
pub fn parse_host(text: &str) -> Option<std::net::IpAddr> {
    if text.eq_ignore_ascii_case("localhost") {
        return Some(std::net::Ipv4Addr::LOCALHOST.into());
    }
    text.parse().ok()
}

/// What serving on `addr` exposes to the network, or None on loopback
/// (127.0.0.0/8, ::1, and IPv4-mapped loopback), which only this machine
/// reaches.
pub fn exposure_warning(addr: SocketAddr, site: Option<&std::path::Path>) -> Option<String> {
    if addr.ip().to_canonical().is_loopback() {
        return None;
    }
    let files = match site {
        Some(dir) => format!(", and every file under {}", dir.display()),
        None => String::new(),
    };
    Some(format!(
        "concur: warning: {} is not a loopback address: anyone who can reach this machine on port {} can use /get (which sends back every request header, cookies and tokens included), /echo (which returns whatever is posted to it), /delay and /status{files}; use --host 127.0.0.1 to keep them on this machine",
        addr.ip(),
        addr.port()
    ))
}

/// A server running on its own thread until stopped or dropped.
pub struct Server {
    addr: SocketAddr,
    stop: Option<oneshot::Sender<()>>,
    thread: Option<std::thread::JoinHandle<()>>,
}

impl Server {
    /// Binds `bind` (port 0 picks a free one) and starts serving.
    pub fn start(bind: SocketAddr) -> std::io::Result<Server> {
        let listener = std::net::TcpListener::bind(bind)?;
        listener.set_nonblocking(true)?;
        let addr = listener.local_addr()?;
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()?;
        let (stop, stopped) = oneshot::channel::<()>();
        let thread = std::thread::Builder::new()
            .name("concur-server".into())
            .spawn(move || {
                runtime.block_on(async move {
                    let Ok(listener) = tokio::net::TcpListener::from_std(listener) else {
                        return;
                    };
                    tokio::select! {
                        _ = axum::serve(listener, with_client_address(router(None))) => {}
                        _ = stopped => {}
                    }
                });
                // Dropping the runtime here cancels in-flight connections.
            })?;
        Ok(Server {
            addr,
            stop: Some(stop),
            thread: Some(thread),
        })
    }

    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// `http://127.0.0.1:PORT`, without a trailing slash.
    pub fn base_url(&self) -> String {
        format!("http://{}", self.addr)
    }

    /// Stops serving, closes the port and joins the thread.
    pub fn stop(mut self) {
        self.shut_down();
    }

    fn shut_down(&mut self) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
        if let Some(thread) = self.thread.take() {
            let _ = thread.join();
        }
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        self.shut_down();
    }
}

/// `concur serve`: serves in the foreground until Ctrl-C or SIGTERM; `ready` hears the
/// bound address once the port is open.
pub fn serve_until_interrupted(
    bind: SocketAddr,
    site: Option<&std::path::Path>,
    ready: impl FnOnce(SocketAddr),
) -> std::io::Result<()> {
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()?;
    runtime.block_on(async move {
        let listener = tokio::net::TcpListener::bind(bind).await?;
        // Handlers go in before the address is announced, so a Ctrl-C sent
        // the moment a caller reads it is caught, not fatal.
        let interrupted = crate::platform::interrupted()?;
        ready(listener.local_addr()?);
        tokio::select! {
            served = axum::serve(listener, with_client_address(router(site))) => served,
            () = interrupted => Ok(()),
        }
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::{Duration, Instant};

    fn fetch(url: &str) -> (u16, String) {
        match ureq::get(url).call() {
            Ok(response) => (response.status(), response.into_string().unwrap()),
            Err(ureq::Error::Status(code, response)) => (code, response.into_string().unwrap()),
            Err(err) => panic!("{url}: {err}"),
        }
    }

    #[test]
    fn endpoints_answer_as_documented() {
        let server = Server::start("127.0.0.1:0".parse().unwrap()).unwrap();
        let base = server.base_url();
        let started = Instant::now();
        let (code, body) = fetch(&format!("{base}/delay/0.12"));
        assert_eq!(code, 200);
        assert!(body.contains(r#""url":"http://"#), "{body}");
        assert!(started.elapsed() >= Duration::from_millis(120));
        assert_eq!(fetch(&format!("{base}/status/503")).0, 503);
        assert_eq!(fetch(&format!("{base}/status/42")).0, 400);
        let (code, body) = fetch(&format!("{base}/delay/1,000x"));
        assert_eq!(code, 400);
        assert!(body.contains("0 to 10"), "{body}");
        let (code, body) = fetch(&format!("{base}/get?x=1"));
        assert_eq!(code, 200);
        assert!(body.contains(r#""args":{"x":"1"}"#), "{body}");
        let echoed = ureq::post(&format!("{base}/echo"))
            .set("content-type", "text/plain")
            .send_string("hello")
            .unwrap();
        assert_eq!(echoed.content_type(), "text/plain");
        assert_eq!(echoed.into_string().unwrap(), "hello");
        assert_eq!(fetch(&format!("{base}/nothing")).0, 404);
    }

    #[test]
    fn a_site_is_served_with_isolation_headers_beside_the_endpoints() {
        let dir = std::env::temp_dir().join(format!("concur-site-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        std::fs::write(dir.join("index.html"), "<p>hi</p>").unwrap();
        std::fs::write(dir.join("app.wasm"), b"\0asm").unwrap();
        let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        let addr = listener.local_addr().unwrap();
        drop(listener);
        let site = dir.clone();
        std::thread::spawn(move || serve_until_interrupted(addr, Some(&site), |_| {}));
        let base = format!("http://{addr}");
        let page = (0..100)
            .find_map(|_| {
                std::thread::sleep(Duration::from_millis(20));
                ureq::get(&format!("{base}/")).call().ok()
            })
            .expect("the server came up");
        assert_eq!(
            page.header("cross-origin-opener-policy"),
            Some("same-origin")
        );
        assert_eq!(
            page.header("cross-origin-embedder-policy"),
            Some("require-corp")
        );
        assert_eq!(page.into_string().unwrap(), "<p>hi</p>");
        let wasm = ureq::get(&format!("{base}/app.wasm")).call().unwrap();
        assert_eq!(wasm.content_type(), "application/wasm");
        assert_eq!(fetch(&format!("{base}/delay/0.001")).0, 200);
        assert_eq!(fetch(&format!("{base}/missing.js")).0, 404);
        std::fs::remove_dir_all(&dir).unwrap();
    }

    #[test]
    fn only_non_loopback_addresses_warn_and_the_warning_names_what_is_exposed() {
        let warn = |host: &str| {
            let ip = parse_host(host).unwrap_or_else(|| panic!("{host} parses"));
            exposure_warning(SocketAddr::new(ip, 8080), None)
        };
        for quiet in [
            "127.0.0.1",
            "127.1.2.3",
            "::1",
            "localhost",
            "::ffff:127.0.0.1",
        ] {
            assert_eq!(warn(quiet), None, "{quiet}");
        }
        for loud in ["0.0.0.0", "::", "192.168.1.20", "10.0.0.1"] {
            let warning = warn(loud).unwrap_or_else(|| panic!("{loud} must warn"));
            for exposed in ["/get", "every request header", "/echo", "port 8080"] {
                assert!(warning.contains(exposed), "{loud}: {warning}");
            }
        }
        let site = std::path::Path::new("/srv/dist");
        let warning =
            exposure_warning("0.0.0.0:80".parse().unwrap(), Some(site)).expect("a warning");
        assert!(warning.contains("every file under /srv/dist"), "{warning}");
        assert_eq!(parse_host("example.org"), None);
    }

    #[test]
    fn stop_closes_the_port_without_waiting_for_slow_requests() {
        let server = Server::start("127.0.0.1:0".parse().unwrap()).unwrap();
        let addr = server.addr();
        let slow = std::thread::spawn(move || {
            ureq::get(&format!("http://{addr}/delay/10"))
                .call()
                .is_err()
        });
        std::thread::sleep(Duration::from_millis(100));
        let started = Instant::now();
        server.stop();
        assert!(started.elapsed() < Duration::from_secs(5));
        assert!(slow.join().unwrap(), "the slow request must be cut off");
        assert!(
            std::net::TcpStream::connect(addr).is_err(),
            "port {addr} still open"
        );
    }
}
