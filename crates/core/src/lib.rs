//! concur-core: everything the native runner and the playground share.
//!
//! An [`experiment::Experiment`] plus validated [`params::Params`] becomes a
//! [`experiment::Plan`]: a list of tasks, each a pure workload or an I/O
//! operation. An executor (native or web, one per [`model::Model`]) runs the
//! plan; every worker uses [`worker::WorkerCtx`] to run its tasks, which takes
//! the emulated [`gil::Gil`] when asked to and records a [`trace::Trace`].
//! Runs become a [`report::Report`] with statistics, answer checks and an
//! explanation, exported as JSON or as a Chrome trace.
//!
//! Architecture invariant: this crate performs no platform I/O and reads no
//! clock of its own. Executors hand it a [`clock::Clock`] and a
//! [`worker::BlockingIo`]; it compiles for wasm32 as well as native targets.
//!
//! ```
//! use concur_core::workload::cpu_sqrt_bare;
//! assert_eq!(cpu_sqrt_bare(5), 0.0 + 1.0 + 2f64.sqrt() + 3f64.sqrt() + 2.0);
//! ```

pub mod advise;
pub mod analysis;
pub mod answer;
pub mod catalog;
pub mod claims;
pub mod clock;
pub mod compare;
pub mod echo;
pub mod endpoints;
pub mod experiment;
pub mod explain;
pub mod export;
pub mod gil;
pub mod lessons;
pub mod model;
pub mod params;
pub mod report;
pub mod stats;
pub mod trace;
pub mod twin;
pub mod wire;
pub mod worker;
pub mod workload;
