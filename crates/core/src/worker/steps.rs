//! A blocking GET as the steps a socket takes: looking the host up,
//! connecting, sending, each
//! receive until the response is complete, closing.
//!
//! CPython's socket module lets go of the GIL around each of those system
//! calls and takes it back after each one (`Py_BEGIN_ALLOW_THREADS` in
//! `Modules/socketmodule.c`), so beside a CPU-bound thread one
//! `requests.get` must win the lock back several times, and each time may
//! wait a whole switch interval. The platform performs the steps
//! ([`super::BlockingIo::get_in_steps`]) and wraps each in
//! [`Steps::blocking`]; the worker decides what happens around them (see
//! `WorkerCtx::blocking_get`), so the accounting lives in core.

/// One blocking step of an HTTP request.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Step {
    /// Looking the host up before connecting (`socket.getaddrinfo`).
    Resolve,
    /// Opening a new connection (`socket.connect`).
    Connect,
    /// Writing the request (`socket.sendall`).
    Send,
    /// One read of the response (`socket.recv_into`); a response arrives in
    /// one or more of them.
    Receive,
    /// Closing the connection (`socket.close`).
    Close,
}

/// Where a step is: about to block, or back from it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Edge {
    Begin,
    End,
}

/// What one GET asks for.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct GetRequest<'u> {
    pub url: &'u str,
    /// Give up after this long, answering "timed out".
    pub timeout_ms: Option<u64>,
    /// Reuse a connection (`requests.Session`) instead of opening a new one
    /// per request and closing it after (`requests.get`).
    pub keep_alive: bool,
}

/// The hook a worker puts around each blocking step of a request.
pub struct Steps<'h> {
    hook: Option<&'h mut dyn FnMut(Step, Edge)>,
    taken: u32,
}

impl<'h> Steps<'h> {
    /// Steps that call `hook` as each begins and ends.
    pub fn new(hook: &'h mut dyn FnMut(Step, Edge)) -> Steps<'h> {
        Steps {
            hook: Some(hook),
            taken: 0,
        }
    }

    /// Steps nobody watches (no GIL to let go of).
    pub fn unobserved() -> Steps<'static> {
        Steps {
            hook: None,
            taken: 0,
        }
    }

    /// Runs one blocking step: the hook hears it begin, `work` blocks, the
    /// hook hears it end.
    pub fn blocking<T>(&mut self, step: Step, work: impl FnOnce() -> T) -> T {
        self.taken += 1;
        if let Some(hook) = self.hook.as_mut() {
            hook(step, Edge::Begin);
        }
        let result = work();
        if let Some(hook) = self.hook.as_mut() {
            hook(step, Edge::End);
        }
        result
    }

    /// How many steps ran so far.
    pub fn taken(&self) -> u32 {
        self.taken
    }
}
