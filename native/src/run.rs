//! `concur run`: options -> server -> runs -> report -> table, JSON, trace.

use crate::cli::RunArgs;
use crate::clock::NativeClock;
use crate::exec::{Env, run_model};
use crate::export::Exports;
use crate::http::{HttpIo, probe};
use crate::load::LoadWindow;
use crate::machine::this_machine;
use crate::options::{Failure, RunOptions};
use crate::progress::Progress;
use crate::server::Server;
use crate::{children, emit, tool_name};
use concur_core::clock::Clock;
use concur_core::experiment::{Experiment, Plan};
use concur_core::export::{chrome::chrome_trace, table};
use concur_core::model::Model;
use concur_core::params::Params;
use concur_core::report::{ModelRuns, Report};
use std::process::ExitCode;

/// Where the I/O of a run goes: the built-in server (kept alive here) or a target.
pub struct IoTarget {
    server: Option<Server>,
    pub base_url: String,
}

impl IoTarget {
    /// Starts the built-in server when the experiment needs one, or checks
    /// that `--target` answers.
    pub fn prepare(experiment: &Experiment, params: &Params) -> Result<IoTarget, Failure> {
        if !experiment.uses_http() {
            return Ok(IoTarget {
                server: None,
                base_url: String::new(),
            });
        }
        if let Some(url) = params.target() {
            probe(url).map_err(|why| Failure::Run(format!("--target {url}: {why}")))?;
            return Ok(IoTarget {
                server: None,
                base_url: url.to_string(),
            });
        }
        let server = Server::start(([127, 0, 0, 1], 0).into()).map_err(|err| {
            Failure::Run(format!(
                "cannot start the built-in server on 127.0.0.1: {err}"
            ))
        })?;
        Ok(IoTarget {
            base_url: server.base_url(),
            server: Some(server),
        })
    }

    /// Stops the server, closing its port.
    pub fn close(self) {
        if let Some(server) = self.server {
            server.stop();
        }
    }
}

/// Runs every model `warmup + runs` times and keeps the measured runs.
pub fn measure(
    plan: &Plan,
    params: &Params,
    models: &[Model],
    env: &Env,
    progress: &Progress,
) -> Vec<ModelRuns> {
    let total = params.warmup() + params.runs();
    models
        .iter()
        .map(|&model| {
            let workers = plan.workers_for(model, params.workers());
            let mut runs = Vec::new();
            for run_idx in 0..total {
                let label = if run_idx < params.warmup() {
                    format!("{} warm-up {}", model.name(), run_idx + 1)
                } else {
                    format!("{} run {}", model.name(), run_idx - params.warmup() + 1)
                };
                progress.step(label);
                let outcome = run_model(model, workers, plan, env);
                if run_idx >= params.warmup() {
                    runs.push(outcome);
                }
                progress.advance();
            }
            ModelRuns {
                model,
                workers,
                runs,
            }
        })
        .collect()
}

pub fn headline(options: &RunOptions, report: &Report) -> String {
    let p = &options.params;
    let work = concur_core::export::work(&options.experiment, p);
    format!(
        "{}: {work}; {} run{} per model after {} warm-up; {} cores ({}), {}\n",
        options.experiment.id,
        p.runs(),
        if p.runs() == 1 { "" } else { "s" },
        p.warmup(),
        report.machine.logical_cores,
        report.machine.cpu_model,
        report.machine.os
    )
}

/// A finished run of every model: the report and what it was built from.
pub struct Executed {
    pub report: Report,
    pub plan: Plan,
    pub runs: Vec<ModelRuns>,
    /// The clock reading the trace's times count from.
    pub origin: u64,
}

/// Runs every model of a validated `concur run` and builds the report;
/// the server (if any) is stopped and the databases removed before it
/// returns.
pub fn execute(options: &RunOptions) -> Result<Executed, Failure> {
    children::exit_on_interrupt();
    let target = IoTarget::prepare(&options.experiment, &options.params)?;
    let plan = options.experiment.plan(&options.params, &target.base_url);
    let env = Env {
        clock: NativeClock,
        io: HttpIo::default(),
        gil_switch: options.params.gil_switch(),
    };
    let origin = env.clock.now_ns();
    let steps =
        options.models.len() as u64 * u64::from(options.params.warmup() + options.params.runs());
    let progress = Progress::new(steps, options.quiet);
    let window = LoadWindow::start();
    let runs = measure(&plan, &options.params, &options.models, &env, &progress);
    let load = window.finish();
    crate::db::remove_databases(&env.io.db_dir);
    progress.finish();
    target.close();
    let mut report = Report::build(
        &options.experiment,
        &plan,
        &options.params,
        this_machine(),
        &tool_name(),
        &runs,
    );
    report.note_machine_load(load);
    Ok(Executed {
        report,
        plan,
        runs,
        origin,
    })
}

/// `concur run`: validates the flags and the export paths, then runs.
pub fn command(args: RunArgs) -> Result<ExitCode, Failure> {
    let export = args.export.clone();
    let options = args.validate()?;
    let exports = Exports::check(&export)?;
    if let Some(trace) = &options.trace {
        exports.refuse_same_file("--trace", trace)?;
    }
    run(options, &exports)
}

/// Runs a validated `concur run`; the exports are written whatever the
/// answers were (the report says which were wrong).
pub fn run(options: RunOptions, exports: &Exports) -> Result<ExitCode, Failure> {
    let Executed {
        report,
        runs,
        origin,
        ..
    } = execute(&options)?;
    if options.json {
        emit(&format!("{}\n", report.to_json()));
    } else {
        emit(&format!(
            "{}{}",
            headline(&options, &report),
            table::render(&report)
        ));
    }
    exports.write_report(&report)?;
    if let Some(path) = &options.trace {
        let trace = chrome_trace(&runs, origin, std::process::id());
        std::fs::write(path, trace.to_string()).map_err(|err| {
            Failure::Run(format!("--trace {}: cannot write: {err}", path.display()))
        })?;
        if !options.quiet {
            eprintln!(
                "trace written to {} (open it at https://ui.perfetto.dev)",
                path.display()
            );
        }
    }
    if report.all_ok() {
        Ok(ExitCode::SUCCESS)
    } else {
        Err(Failure::Run(
            "some models failed or computed a wrong answer (see the problems above)".into(),
        ))
    }
}
