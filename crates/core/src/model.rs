//! The concurrency models an experiment runs under.

use crate::params::ParamError;
use serde::{Deserialize, Serialize};

/// A way to run the tasks of a plan.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Model {
    /// One thread, one task after another: the baseline.
    Sequential,
    /// OS threads (Web Workers in the browser) that must hold the emulated GIL to compute.
    ThreadsGil,
    /// OS threads with no GIL, as in Rust or free-threaded CPython.
    ThreadsFree,
    /// Separate processes (separate Web Workers) that share no memory.
    Processes,
    /// One thread running an event loop with a concurrency limit.
    Async,
}

/// Whether a model's threads hold the emulated GIL, as reports show it.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum GilMode {
    On,
    Off,
}

impl Model {
    /// Every model, in the order tables list them.
    pub const ALL: [Model; 5] = [
        Model::Sequential,
        Model::ThreadsGil,
        Model::ThreadsFree,
        Model::Processes,
        Model::Async,
    ];

    pub fn name(self) -> &'static str {
        match self {
            Model::Sequential => "sequential",
            Model::ThreadsGil => "threads-gil",
            Model::ThreadsFree => "threads-free",
            Model::Processes => "processes",
            Model::Async => "async",
        }
    }

    /// What the model stands for, in one line.
    pub fn describe(self) -> &'static str {
        match self {
            Model::Sequential => "one thread, tasks one after another",
            Model::ThreadsGil => {
                "threads behind one global lock (CPython's GIL, 5 ms switch interval)"
            }
            Model::ThreadsFree => "threads with no GIL (Rust, free-threaded CPython 3.13t+)",
            Model::Processes => "a pool of worker processes, data copied across pipes",
            Model::Async => "one thread, one event loop, a concurrency limit",
        }
    }

    pub fn gil(self) -> Option<GilMode> {
        match self {
            Model::ThreadsGil => Some(GilMode::On),
            Model::ThreadsFree => Some(GilMode::Off),
            _ => None,
        }
    }

    /// How many workers the model uses for a `workers` knob.
    pub fn workers(self, workers: u32) -> u32 {
        match self {
            Model::Sequential => 1,
            _ => workers,
        }
    }

    /// Parses `all` or a comma-separated list of names; `threads` means both
    /// thread models. Duplicates are dropped, the table order is kept.
    pub fn parse_list(text: &str) -> Result<Vec<Model>, ParamError> {
        let mut chosen = Vec::new();
        for word in text.split(',').map(str::trim) {
            let found: Vec<Model> = match word {
                "all" => Model::ALL.to_vec(),
                "threads" => vec![Model::ThreadsGil, Model::ThreadsFree],
                _ => Model::ALL
                    .into_iter()
                    .filter(|model| model.name() == word)
                    .collect(),
            };
            if found.is_empty() {
                let names: Vec<&str> = Model::ALL.iter().map(|model| model.name()).collect();
                return Err(ParamError {
                    field: "models",
                    problem: format!(
                        "must be a comma-separated list of {}, threads or all (got \"{word}\")",
                        names.join(", ")
                    ),
                });
            }
            chosen.extend(found);
        }
        Ok(Model::ALL
            .into_iter()
            .filter(|model| chosen.contains(model))
            .collect())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_lists_in_table_order() {
        assert_eq!(
            Model::parse_list("async, sequential,async").unwrap(),
            vec![Model::Sequential, Model::Async]
        );
        assert_eq!(Model::parse_list("all").unwrap().len(), 5);
        assert_eq!(
            Model::parse_list("threads").unwrap(),
            vec![Model::ThreadsGil, Model::ThreadsFree]
        );
        let err = Model::parse_list("fibers").unwrap_err();
        assert_eq!(err.field, "models");
        assert!(err.problem.contains("fibers"));
    }
}
