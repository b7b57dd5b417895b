//! concur-web: the playground, compiled to WebAssembly.
//!
//! Three binaries of one package, wired by `data-trunk` links in the root
//! index.html (`runner_db` is `runner` built with SQLite, started only for
//! db-inserts):
//! - `app`: the yew page on the main thread. It never computes; it talks to
//!   the runner and draws what comes back.
//! - `runner`: a module Web Worker that runs experiments. Threads are the
//!   wasm-bindgen-rayon pool inside it (Web Workers sharing its memory);
//!   processes are more instances of this same binary in their own Web
//!   Workers (their own memory, data copied by message); async is the
//!   runner's own event loop. A runner instance started with a worker name
//!   beginning `process` acts as such a process worker instead.
//!
//! Architecture invariant: the page's main thread never blocks and never
//! runs a workload.

pub mod app;
pub mod clock;
pub mod components;
#[cfg(feature = "sqlite")]
pub mod db;
pub mod hooks;
pub mod io;
pub mod js;
pub mod process;
pub mod protocol;
pub mod runner;
