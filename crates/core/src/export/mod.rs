//! Views of runs for machines and terminals: one file per format.
//!
//! JSON is [`crate::report::Report::to_json`]; here are the Chrome trace and
//! the plain-text table.

pub mod chrome;
pub mod table;
