//! Validated options: flags become values that cannot be wrong.
//!
//! Every refusal is a [`Failure::Usage`] naming the flag and what it allows;
//! `main` turns it into exit status 2.

use crate::cli::RunArgs;
use concur_core::experiment::{self, Bound, Experiment};
use concur_core::model::Model;
use concur_core::params::{self, Params};
use std::path::{Path, PathBuf};

/// Why a command did not succeed, and so its exit status.
#[derive(Debug)]
pub enum Failure {
    /// Bad input: exit status 2.
    Usage(String),
    /// The run itself failed: exit status 1.
    Run(String),
}

impl From<params::ParamError> for Failure {
    fn from(err: params::ParamError) -> Failure {
        Failure::Usage(err.to_string())
    }
}

/// A run, ready to go.
#[derive(Debug)]
pub struct RunOptions {
    pub experiment: Experiment,
    pub params: Params,
    pub models: Vec<Model>,
    pub json: bool,
    pub trace: Option<PathBuf>,
    pub quiet: bool,
}

fn not_for(flag: &str, experiment: &Experiment, why: &str) -> Failure {
    Failure::Usage(format!(
        "--{flag} does not apply to {}: {why}",
        experiment.id
    ))
}

/// Checks that `path` can be written without leaving a file behind.
fn check_writable(path: &Path) -> Result<(), Failure> {
    let existed = path.exists();
    let refuse = |why: String| {
        Failure::Usage(format!(
            "--trace {}: cannot write there: {why}",
            path.display()
        ))
    };
    if path.is_dir() {
        return Err(refuse("it is a directory".into()));
    }
    std::fs::OpenOptions::new()
        .write(true)
        .create(true)
        .truncate(false)
        .open(path)
        .map_err(|err| refuse(err.to_string()))?;
    if !existed {
        let _ = std::fs::remove_file(path);
    }
    Ok(())
}

impl RunArgs {
    pub fn validate(self) -> Result<RunOptions, Failure> {
        let ids = || {
            let ids: Vec<&str> = experiment::catalog().iter().map(|e| e.id).collect();
            ids.join(", ")
        };
        let Some(id) = &self.experiment else {
            return Err(Failure::Usage(format!(
                "name an experiment: one of {} (see concur list)",
                ids()
            )));
        };
        let experiment = experiment::find(id).ok_or_else(|| {
            Failure::Usage(format!(
                "unknown experiment \"{id}\": choose one of {} (see concur list)",
                ids()
            ))
        })?;
        let base = if self.quick {
            experiment.quick()
        } else {
            experiment.defaults.clone()
        };
        let d = &base;
        match experiment.bound {
            Bound::Cpu => {
                if self.delay_ms.is_some() {
                    return Err(not_for("delay-ms", &experiment, "it makes no requests"));
                }
                if self.target.is_some() {
                    return Err(not_for("target", &experiment, "it makes no requests"));
                }
                if self.keep_alive {
                    return Err(not_for("keep-alive", &experiment, "it makes no requests"));
                }
            }
            Bound::Io => {
                if self.n.is_some() && experiment.n_means.is_none() {
                    return Err(not_for(
                        "n",
                        &experiment,
                        "its tasks are requests, not loops",
                    ));
                }
                if self.target.is_some() && !experiment.uses_http() {
                    return Err(not_for("target", &experiment, "it makes no HTTP requests"));
                }
                if self.keep_alive && !experiment.uses_http() {
                    return Err(not_for(
                        "keep-alive",
                        &experiment,
                        "it makes no HTTP requests",
                    ));
                }
                if self.target.is_some() && self.delay_ms.is_some() {
                    return Err(Failure::Usage(
                        "--delay-ms sets the built-in server's delay; with --target the URL decides, so give one or the other".into(),
                    ));
                }
            }
        }
        let whole = |limit: params::Limit, text: &Option<String>, default: u64| match text {
            Some(text) => limit.parse(text),
            None => Ok(default),
        };
        let gil_switch_ms = match &self.gil_switch_ms {
            Some(text) => params::parse_gil_switch_ms(text)?,
            None => d.gil_switch_ms(),
        };
        let mut params = Params::new(
            whole(params::TASKS, &self.tasks, d.tasks().into())?,
            whole(params::WORKERS, &self.workers, d.workers().into())?,
            whole(experiment.n_limit(), &self.n, d.n())?,
            whole(params::DELAY_MS, &self.delay_ms, d.delay_ms())?,
            gil_switch_ms,
            whole(params::RUNS, &self.runs, d.runs().into())?,
            whole(params::WARMUP, &self.warmup, d.warmup().into())?,
            self.target,
        )?;
        params.set_keep_alive(self.keep_alive);
        let models = match &self.models {
            Some(text) => Model::parse_list(text)?,
            None => Model::ALL.to_vec(),
        };
        if let Some(path) = &self.trace {
            check_writable(path)?;
        }
        Ok(RunOptions {
            experiment,
            params,
            models,
            json: self.json,
            trace: self.trace,
            quiet: self.quiet,
        })
    }
}
