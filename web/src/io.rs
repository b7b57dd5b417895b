//! I/O in the browser: blocking for thread and process workers, awaited
//! for async, and simulated with timers where no server answers.
//!
//! Blocking GETs use a synchronous XMLHttpRequest, which workers allow and
//! which holds the thread exactly as Python's `requests.get` does. Simulated
//! waits block with `std::thread::sleep` (an atomic wait on the shared
//! memory) or await a timer.

use crate::js::{describe, sleep_ms};
use concur_core::worker::{BlockingIo, DbConnection};
use std::sync::atomic::{AtomicU64, Ordering};
use wasm_bindgen::JsCast;

static REQUESTS: AtomicU64 = AtomicU64::new(0);

/// Makes every request's URL distinct. Chromium lets only one request for
/// a given URL go to the network at a time (its cache lock), which would
/// serialize five identical `/delay/1000` GETs no matter the model.
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

/// What a simulated GET of `url` would answer, and after how long: the
/// built-in endpoints' behaviour (`/delay/{ms}`, `/status/{code}`).
pub fn simulate(url: &str) -> (u16, f64) {
    let path = url
        .split("://")
        .nth(1)
        .map_or(url, |rest| rest.find('/').map_or("/", |at| &rest[at..]));
    if let Some(ms) = path
        .strip_prefix("/delay/")
        .and_then(|ms| ms.parse::<f64>().ok())
    {
        (200, ms)
    } else if let Some(code) = path
        .strip_prefix("/status/")
        .and_then(|code| code.parse::<u16>().ok())
    {
        (code, 0.0)
    } else {
        (200, 0.0)
    }
}

/// Blocking GETs from a worker thread.
#[derive(Clone, Copy, Debug)]
pub struct XhrIo {
    pub simulated: bool,
}

impl BlockingIo for XhrIo {
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

    fn open_db(&self, _db: &str) -> Result<Box<dyn DbConnection + '_>, String> {
        Ok(Box::new(StandInDb))
    }

    fn sleep_ms(&self, ms: u64) {
        std::thread::sleep(std::time::Duration::from_millis(ms));
    }
}

/// Rows committed to the stand-in database of this WebAssembly instance.
static STAND_IN_ROWS: std::sync::Mutex<u64> = std::sync::Mutex::new(0);

/// How long a stand-in commit holds the writer lock, like a small SQLite
/// commit on a fast disk.
const STAND_IN_COMMIT_MS: u64 = 1;

/// What stands in for SQLite in the browser: one table per WebAssembly
/// instance behind a single writer lock held for a commit's time. Threads
/// share it (and wait for each other, as SQLite's writers do); each process
/// worker has its own instance, so its own table.
struct StandInDb;

impl DbConnection for StandInDb {
    fn insert_commit(&mut self, _task_idx: u32, _row: u32) -> Result<u64, String> {
        let asked = crate::clock::now_ms();
        let mut rows = STAND_IN_ROWS
            .lock()
            .map_err(|_| "the stand-in database is poisoned")?;
        let waited = ((crate::clock::now_ms() - asked).max(0.0) * 1e6) as u64;
        std::thread::sleep(std::time::Duration::from_millis(STAND_IN_COMMIT_MS));
        *rows += 1;
        Ok(waited)
    }
}

/// An awaited GET on the current event loop.
pub async fn fetch_status(url: &str, simulated: bool) -> Result<u16, String> {
    if simulated {
        let (status, ms) = simulate(url);
        sleep_ms(ms).await;
        return Ok(status);
    }
    let global = js_sys::global();
    let fetch: js_sys::Function = js_sys::Reflect::get(&global, &"fetch".into())
        .map_err(|err| describe(&err))?
        .dyn_into()
        .map_err(|_| "this scope has no fetch".to_string())?;
    let promise: js_sys::Promise = fetch
        .call1(&global, &distinct(url).into())
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
    Ok(response.status())
}

#[cfg(test)]
mod tests {
    use super::simulate;

    #[test]
    fn distinct_urls_keep_their_query() {
        assert_eq!(
            super::with_nonce("http://h/delay/5", 255),
            "http://h/delay/5?concur-request=ff"
        );
        assert_eq!(
            super::with_nonce("http://h/get?x=1", 1),
            "http://h/get?x=1&concur-request=1"
        );
    }

    #[test]
    fn simulation_follows_the_endpoints() {
        assert_eq!(simulate("http://h:1/delay/250"), (200, 250.0));
        assert_eq!(simulate("http://h/status/503"), (503, 0.0));
        assert_eq!(simulate("http://h/get"), (200, 0.0));
    }
}
