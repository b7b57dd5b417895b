//! Small bridges to JavaScript: the worker scope, message inboxes, timers,
//! an async semaphore, and starting Web Workers.

use futures::StreamExt;
use futures::channel::{mpsc, oneshot};
use std::cell::RefCell;
use std::collections::VecDeque;
use std::rc::Rc;
use wasm_bindgen::JsCast;
use wasm_bindgen::prelude::*;
use web_sys::{DedicatedWorkerGlobalScope, MessageEvent, Worker, WorkerOptions, WorkerType};

/// The scope of the dedicated worker this code runs in.
pub fn worker_scope() -> DedicatedWorkerGlobalScope {
    js_sys::global().unchecked_into()
}

/// True when the page may share memory between workers.
pub fn cross_origin_isolated() -> bool {
    js_sys::Reflect::get(&js_sys::global(), &"crossOriginIsolated".into())
        .ok()
        .and_then(|value| value.as_bool())
        .unwrap_or(false)
}

/// `navigator.hardwareConcurrency` from a window or a worker.
pub fn logical_cores() -> u32 {
    js_sys::Reflect::get(&js_sys::global(), &"navigator".into())
        .and_then(|navigator| js_sys::Reflect::get(&navigator, &"hardwareConcurrency".into()))
        .ok()
        .and_then(|value| value.as_f64())
        .map_or(1, |cores| cores as u32)
}

/// `navigator.userAgent`, as the report's "OS".
pub fn user_agent() -> String {
    js_sys::Reflect::get(&js_sys::global(), &"navigator".into())
        .and_then(|navigator| js_sys::Reflect::get(&navigator, &"userAgent".into()))
        .ok()
        .and_then(|value| value.as_string())
        .unwrap_or_else(|| "unknown browser".into())
}

/// Describes a JS error value in one line.
pub fn describe(value: &JsValue) -> String {
    js_sys::Reflect::get(value, &"message".into())
        .ok()
        .and_then(|message| message.as_string())
        .or_else(|| value.as_string())
        .unwrap_or_else(|| format!("{value:?}"))
}

/// Messages arriving at a worker or a scope, to be awaited one by one.
/// Errors of a worker (it crashed or failed to load) arrive as `Err`.
pub struct Inbox {
    receiver: mpsc::UnboundedReceiver<Result<JsValue, String>>,
    _on_message: Closure<dyn FnMut(MessageEvent)>,
    _on_error: Closure<dyn FnMut(JsValue)>,
}

impl Inbox {
    fn new(set: impl Fn(&js_sys::Function, &js_sys::Function)) -> Inbox {
        let (sender, receiver) = mpsc::unbounded();
        let on_message = {
            let sender = sender.clone();
            Closure::<dyn FnMut(MessageEvent)>::new(move |event: MessageEvent| {
                let _ = sender.unbounded_send(Ok(event.data()));
            })
        };
        let on_error = Closure::<dyn FnMut(JsValue)>::new(move |error: JsValue| {
            let _ = sender.unbounded_send(Err(describe(&error)));
        });
        set(
            on_message.as_ref().unchecked_ref(),
            on_error.as_ref().unchecked_ref(),
        );
        Inbox {
            receiver,
            _on_message: on_message,
            _on_error: on_error,
        }
    }

    /// Listens to a worker this code started.
    pub fn of_worker(worker: &Worker) -> Inbox {
        Inbox::new(|on_message, on_error| {
            worker.set_onmessage(Some(on_message));
            worker.set_onerror(Some(on_error));
        })
    }

    /// Listens to the scope this worker runs in (its parent's messages).
    pub fn of_scope(scope: &DedicatedWorkerGlobalScope) -> Inbox {
        Inbox::new(|on_message, on_error| {
            scope.set_onmessage(Some(on_message));
            scope.set_onerror(Some(on_error));
        })
    }

    /// The next message, or why none will come.
    pub async fn next(&mut self) -> Result<JsValue, String> {
        self.receiver
            .next()
            .await
            .unwrap_or_else(|| Err("the message channel closed".into()))
    }
}

/// The loader of the everyday runner (every experiment but db-inserts), as
/// trunk names it.
pub const RUNNER: &str = "runner_loader.js";

/// The loader of the runner with SQLite, for db-inserts only.
pub const DB_RUNNER: &str = "runner_db_loader.js";

/// Where a runner's loader is in this build: xtask's `dist.rs` gives each
/// loader a content-hashed name and writes it into index.html as
/// `<meta name="concur-worker" data-loader="runner_loader.js" content="...">`,
/// so a new deploy can never pair this page with an old runner. A bare
/// trunk build has no such line and keeps trunk's name.
pub fn loader_url(loader: &str) -> String {
    let selector = format!("meta[name=\"concur-worker\"][data-loader=\"{loader}\"]");
    web_sys::window()
        .and_then(|window| window.document())
        .and_then(|document| document.query_selector(&selector).ok().flatten())
        .and_then(|meta| meta.get_attribute("content"))
        .unwrap_or_else(|| format!("./{loader}"))
}

/// Starts a module worker running `script` (a runner's loader), named `name`.
pub fn start_worker(script: &str, name: &str) -> Result<Worker, String> {
    let options = WorkerOptions::new();
    options.set_type(WorkerType::Module);
    options.set_name(name);
    Worker::new_with_options(script, &options).map_err(|err| describe(&err))
}

/// The script this worker runs (its `location`), or None outside a worker.
fn own_script() -> Option<String> {
    let location = js_sys::Reflect::get(&js_sys::global(), &"location".into()).ok()?;
    js_sys::Reflect::get(&location, &"href".into())
        .ok()?
        .as_string()
}

/// From a runner: starts one more instance of the same runner binary (the
/// database runner's process workers have SQLite too), named `name`.
pub fn start_runner_worker(name: &str) -> Result<Worker, String> {
    let script = own_script().ok_or("no script location to start a worker from")?;
    start_worker(&script, name)
}

/// Resolves after `ms` milliseconds, on whatever event loop runs it.
pub async fn sleep_ms(ms: f64) {
    let promise = js_sys::Promise::new(&mut |resolve, _reject| {
        let global = js_sys::global();
        let set_timeout = js_sys::Reflect::get(&global, &"setTimeout".into())
            .ok()
            .and_then(|f| f.dyn_into::<js_sys::Function>().ok());
        if let Some(set_timeout) = set_timeout {
            let _ = set_timeout.call2(&global, &resolve, &JsValue::from_f64(ms));
        } else {
            let _ = resolve.call0(&JsValue::NULL);
        }
    });
    let _ = wasm_bindgen_futures::JsFuture::from(promise).await;
}

/// A counting semaphore for one event loop (asyncio.Semaphore's twin).
#[derive(Clone)]
pub struct Semaphore {
    state: Rc<RefCell<(usize, VecDeque<oneshot::Sender<()>>)>>,
}

impl Semaphore {
    pub fn new(permits: usize) -> Semaphore {
        Semaphore {
            state: Rc::new(RefCell::new((permits, VecDeque::new()))),
        }
    }

    /// Waits for a permit; give it back with [`Semaphore::release`].
    pub async fn acquire(&self) {
        let waiting = {
            let mut state = self.state.borrow_mut();
            if state.0 > 0 {
                state.0 -= 1;
                None
            } else {
                let (sender, receiver) = oneshot::channel();
                state.1.push_back(sender);
                Some(receiver)
            }
        };
        if let Some(receiver) = waiting {
            let _ = receiver.await;
        }
    }

    /// Hands the permit to the longest waiter, or returns it.
    pub fn release(&self) {
        let mut state = self.state.borrow_mut();
        while let Some(waiter) = state.1.pop_front() {
            if waiter.send(()).is_ok() {
                return;
            }
        }
        state.0 += 1;
    }
}
