//! I/O in the browser: blocking for thread and process workers, awaited
//! for async, and simulated with timers where no server answers.
//!
//! The endpoints are real HTTP either way they are served: by the page's
//! service worker (web/sw.js, on a static host) or by `concur serve`; the
//! service worker marks its answers with `x-concur-served-by: browser`.
//!
//! Blocking GETs use a synchronous XMLHttpRequest, which workers allow and
//! which holds the thread exactly as Python's `requests.get` does. Simulated
//! waits block with `std::thread::sleep` (an atomic wait on the shared
//! memory) or await a timer.

use crate::js::{describe, sleep_ms};
use concur_core::endpoints;
use concur_core::experiment::Reply;
use concur_core::worker::{BlockingIo, DbConnection, GetRequest, Step, Steps};
use std::sync::atomic::{AtomicU64, Ordering};
use wasm_bindgen::JsCast;

static REQUESTS: AtomicU64 = AtomicU64::new(0);

/// Makes every request's URL distinct. Chromium lets only one request for
/// a given URL go to the network at a time (its cache lock), which would
/// serialize five identical `/delay/1` GETs no matter the model.
pub fn distinct(url: &str) -> String {
    // Time tells instances (process workers) apart, the counter requests
    // within one instance.
    let nonce =
        (crate::clock::now_ms() * 1000.0) as u64 ^ (REQUESTS.fetch_add(1, Ordering::Relaxed) << 48);
    with_nonce(url, nonce)
}

fn with_nonce(url: &str, nonce: u64) -> String {
    let separator = if url.contains('?') { '&' } else { '?' };
    format!("{url}{separator}concur-request={nonce:x}")
}

/// What a simulated GET of `url` would answer, and after how long in ms:
/// the built-in endpoints' rules (`concur_core::endpoints`), as
/// `concur serve` and the service worker apply them: `/delay/{seconds}`
/// (10 s at most), `/status/{codes}` (one of a list at random), 400 for
/// what they refuse.
pub fn simulate(url: &str) -> (u16, f64) {
    simulate_rolled(url, js_sys::Math::random)
}

/// [`simulate`] with the dice for `/status/{codes}` lists given.
fn simulate_rolled(url: &str, roll: impl FnOnce() -> f64) -> (u16, f64) {
    let path = url
        .split("://")
        .nth(1)
        .map_or(url, |rest| rest.find('/').map_or("/", |at| &rest[at..]));
    let path = path.split(['?', '#']).next().unwrap_or(path);
    if let Some(seconds) = path.strip_prefix("/delay/") {
        match endpoints::parse_delay(seconds) {
            Ok(wait) => (200, wait.as_secs_f64() * 1000.0),
            Err(_) => (400, 0.0),
        }
    } else if let Some(codes) = path.strip_prefix("/status/") {
        (endpoints::pick_status(codes, roll()).unwrap_or(400), 0.0)
    } else {
        (200, 0.0)
    }
}

/// What a simulated GET with a timeout gets, and how long it waits for it.
pub fn simulate_within(url: &str, timeout_ms: u64) -> (Reply, f64) {
    let (status, ms) = simulate(url);
    if ms > timeout_ms as f64 {
        (Reply::TimedOut, timeout_ms as f64)
    } else {
        (Reply::Status(status), ms)
    }
}

/// True when a thrown value is the browser's timeout error.
fn is_timeout(err: &wasm_bindgen::JsValue) -> bool {
    js_sys::Reflect::get(err, &"name".into())
        .ok()
        .and_then(|name| name.as_string())
        .is_some_and(|name| name == "TimeoutError")
}

/// Blocking GETs from a worker thread.
#[derive(Clone, Copy, Debug)]
pub struct XhrIo {
    pub simulated: bool,
}

impl BlockingIo for XhrIo {
    /// A synchronous XHR cannot be split into the socket's steps, so the
    /// steps a CPython `requests.get` takes are taken around it: a new
    /// connection's look-up and connect, and the send, are steps that cost
    /// the browser nothing (it does them inside the XHR) but still let the
    /// GIL go and take it back, as CPython's socket calls do; the XHR
    /// itself is the receive; a new connection ends with a close. So a GET
    /// under the emulated GIL wins the lock back as often here as natively
    /// (five times, or twice on a kept-alive connection).
    fn get_in_steps(
        &self,
        request: &GetRequest<'_>,
        steps: &mut Steps<'_>,
    ) -> Result<Reply, String> {
        if !request.keep_alive {
            steps.blocking(Step::Resolve, || ());
            steps.blocking(Step::Connect, || ());
        }
        steps.blocking(Step::Send, || ());
        let reply = steps.blocking(Step::Receive, || match request.timeout_ms {
            Some(ms) => self.get_within(request.url, ms),
            None => self.get(request.url).map(Reply::Status),
        });
        if !request.keep_alive {
            steps.blocking(Step::Close, || ());
        }
        reply
    }

    fn get(&self, url: &str) -> Result<u16, String> {
        if self.simulated {
            let (status, ms) = simulate(url);
            std::thread::sleep(std::time::Duration::from_secs_f64(ms / 1000.0));
            return Ok(status);
        }
        let request = web_sys::XmlHttpRequest::new().map_err(|err| describe(&err))?;
        request
            .open_with_async("GET", &distinct(url), false)
            .map_err(|err| describe(&err))?;
        request.send().map_err(|err| describe(&err))?;
        request.status().map_err(|err| describe(&err))
    }

    fn get_within(&self, url: &str, timeout_ms: u64) -> Result<Reply, String> {
        if self.simulated {
            let (reply, ms) = simulate_within(url, timeout_ms);
            std::thread::sleep(std::time::Duration::from_secs_f64(ms / 1000.0));
            return Ok(reply);
        }
        // A worker's synchronous request honours `timeout` and throws a
        // TimeoutError when it runs out.
        let request = web_sys::XmlHttpRequest::new().map_err(|err| describe(&err))?;
        request
            .open_with_async("GET", &distinct(url), false)
            .map_err(|err| describe(&err))?;
        request.set_timeout(timeout_ms.min(u64::from(u32::MAX)) as u32);
        match request.send() {
            Ok(()) => request
                .status()
                .map(Reply::Status)
                .map_err(|err| describe(&err)),
            Err(err) if is_timeout(&err) => Ok(Reply::TimedOut),
            Err(err) => Err(describe(&err)),
        }
    }

    fn open_db(&self, db: &str) -> Result<Box<dyn DbConnection + '_>, String> {
        #[cfg(feature = "sqlite")]
        return crate::db::open(db);
        #[cfg(not(feature = "sqlite"))]
        Err(format!(
            "{db}: this build has no database (only the database runner, runner_db, has SQLite)"
        ))
    }

    fn sleep_ms(&self, ms: u64) {
        std::thread::sleep(std::time::Duration::from_millis(ms));
    }
}

/// Who answers the endpoints beside the page.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ServedBy {
    /// The page's own service worker.
    Browser,
    /// `concur serve` (or another server with the same endpoints).
    ConcurServe,
}

/// Asks `{base}/status/204` who answers; None when nobody does.
pub async fn probe_endpoints(base: &str) -> Option<ServedBy> {
    let controller = web_sys::AbortController::new().ok()?;
    let response = fetch_response(&format!("{base}/status/204"), controller.signal())
        .await
        .ok()?;
    if response.status() != 204 {
        return None;
    }
    // `Headers.get` through Reflect: web-sys's Headers type is not enabled.
    let served_by = js_sys::Reflect::get(&response, &"headers".into())
        .ok()
        .and_then(|headers| {
            let get: js_sys::Function = js_sys::Reflect::get(&headers, &"get".into())
                .ok()?
                .dyn_into()
                .ok()?;
            get.call1(&headers, &"x-concur-served-by".into()).ok()
        })
        .and_then(|value| value.as_string());
    Some(if served_by.as_deref() == Some("browser") {
        ServedBy::Browser
    } else {
        ServedBy::ConcurServe
    })
}

/// An awaited GET on the current event loop.
pub async fn fetch_status(url: &str, simulated: bool) -> Result<u16, String> {
    match fetch_within(url, simulated, None).await? {
        Reply::Status(status) => Ok(status),
        Reply::TimedOut => Err("timed out".into()),
    }
}

/// An awaited GET that gives up after `timeout_ms`, if set: the request is
/// aborted when the timer fires first (aiohttp's `ClientTimeout`).
pub async fn fetch_within(
    url: &str,
    simulated: bool,
    timeout_ms: Option<u64>,
) -> Result<Reply, String> {
    if simulated {
        let (reply, ms) = match timeout_ms {
            Some(timeout_ms) => simulate_within(url, timeout_ms),
            None => {
                let (status, ms) = simulate(url);
                (Reply::Status(status), ms)
            }
        };
        sleep_ms(ms).await;
        return Ok(reply);
    }
    let controller = web_sys::AbortController::new().map_err(|err| describe(&err))?;
    let fetched = Box::pin(fetch_once(url, controller.signal()));
    let Some(timeout_ms) = timeout_ms else {
        return fetched.await.map(Reply::Status);
    };
    let timer = Box::pin(sleep_ms(timeout_ms as f64));
    match futures::future::select(fetched, timer).await {
        futures::future::Either::Left((status, _)) => status.map(Reply::Status),
        futures::future::Either::Right(((), _)) => {
            controller.abort();
            Ok(Reply::TimedOut)
        }
    }
}

/// One fetch, its body read to the end; `signal` can abort it.
async fn fetch_once(url: &str, signal: web_sys::AbortSignal) -> Result<u16, String> {
    fetch_response(url, signal).await.map(|r| r.status())
}

/// One fetch of a distinct URL, its body read to the end.
async fn fetch_response(
    url: &str,
    signal: web_sys::AbortSignal,
) -> Result<web_sys::Response, String> {
    let global = js_sys::global();
    let fetch: js_sys::Function = js_sys::Reflect::get(&global, &"fetch".into())
        .map_err(|err| describe(&err))?
        .dyn_into()
        .map_err(|_| "this scope has no fetch".to_string())?;
    let init = web_sys::RequestInit::new();
    init.set_signal(Some(&signal));
    let promise: js_sys::Promise = fetch
        .call2(&global, &distinct(url).into(), &init)
        .map_err(|err| describe(&err))?
        .dyn_into()
        .map_err(|_| "fetch returned no promise".to_string())?;
    let response: web_sys::Response = wasm_bindgen_futures::JsFuture::from(promise)
        .await
        .map_err(|err| describe(&err))?
        .dyn_into()
        .map_err(|_| "fetch gave no Response".to_string())?;
    let body = response.array_buffer().map_err(|err| describe(&err))?;
    wasm_bindgen_futures::JsFuture::from(body)
        .await
        .map_err(|err| describe(&err))?;
    Ok(response)
}

#[cfg(test)]
mod tests {

    #[test]
    fn distinct_urls_keep_their_query() {
        assert_eq!(
            super::with_nonce("http://h/delay/0.005", 255),
            "http://h/delay/0.005?concur-request=ff"
        );
        assert_eq!(
            super::with_nonce("http://h/get?x=1", 1),
            "http://h/get?x=1&concur-request=1"
        );
    }

    #[test]
    fn simulation_follows_the_endpoints() {
        let simulate = |url: &str| super::simulate_rolled(url, || 0.7);
        assert_eq!(simulate("http://h:1/delay/0.25"), (200, 250.0));
        assert_eq!(simulate("http://h:1/delay/1.5?x=1"), (200, 1500.0));
        assert_eq!(simulate("http://h/delay/99999"), (200, 10_000.0));
        assert_eq!(simulate("http://h/delay/-1"), (400, 0.0));
        assert_eq!(simulate("http://h/delay/1,000x"), (400, 0.0));
        assert_eq!(simulate("http://h/status/503"), (503, 0.0));
        assert_eq!(simulate("http://h/status/200,500"), (500, 0.0));
        assert_eq!(simulate("http://h/status/42"), (400, 0.0));
        assert_eq!(simulate("http://h/get"), (200, 0.0));
    }

    #[test]
    fn simulated_waits_past_the_timeout_time_out() {
        use concur_core::experiment::Reply;
        assert_eq!(
            super::simulate_within("http://h/delay/6", 5000),
            (Reply::TimedOut, 5000.0)
        );
        assert_eq!(
            super::simulate_within("http://h/delay/0.1", 5000),
            (Reply::Status(200), 100.0)
        );
    }
}
