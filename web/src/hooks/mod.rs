//! Hooks: the runner worker and the I/O server, as the page sees them.

pub mod use_io;
pub mod use_runner;
