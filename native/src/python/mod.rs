//! `concur python [EXPERIMENT]`: runs the experiment's Python twin (the
//! script its lesson shows, shipped in this binary) with the machine's
//! `python3` against concur's own server, with the same knobs, and sets
//! CPython's results beside concur's models in one table (and in `--json`,
//! as the report's `cpython` rows).
//!
//! Flow: check the interpreter and the modules the twin imports (exit 2,
//! with the venv commands, when something is missing; nothing is ever
//! installed), run concur's models ([`crate::run::execute`]), then the twin
//! `warmup + runs` times on each interpreter (free-threaded builds on PATH
//! too), check every answer against the plan and concur's own, and print.
//! With no experiment, it lists the twins and what this Python can run.

pub mod interp;
pub mod script;

use crate::cli::PythonArgs;
use crate::export::Exports;
use crate::options::{Failure, RunOptions};
use crate::progress::Progress;
use crate::run::{Executed, execute, headline};
use crate::server::Server;
use crate::{emit, tool_name};
use concur_core::answer::{RunAnswer, same_answers};
use concur_core::export::table;
use concur_core::model::Model;
use concur_core::report::comparable;
use concur_core::stats::summarize;
use concur_core::twin::{self, CpythonResult, PyModel, Twin, TwinLine, parse_answer};
use interp::{Probed, free_threaded_on_path, main_python, missing_message, probe};
use script::{Limits, run_script};
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::time::Duration;

/// The twin's models that match the concur models asked for; sequential
/// always, as the baseline of CPython's speedups.
pub fn twin_models(twin: &Twin, models: &[Model]) -> Vec<PyModel> {
    twin.models
        .iter()
        .copied()
        .filter(|model| {
            *model == PyModel::Sequential
                || models.iter().any(|ours| match model {
                    PyModel::Sequential => false,
                    PyModel::Threading => matches!(ours, Model::ThreadsGil | Model::ThreadsFree),
                    PyModel::Multiprocessing => *ours == Model::Processes,
                    PyModel::Asyncio => *ours == Model::Async,
                })
        })
        .collect()
}

/// The interpreters to run: the main one (its problems are usage errors)
/// and, without `--python`, free-threaded builds on PATH that can run the
/// twin (the others are skipped with a note).
pub fn interpreters(
    given: Option<&Path>,
    twin: &Twin,
    quiet: bool,
) -> Result<Vec<Probed>, Failure> {
    let main = main_python(given)?;
    let needed = twin.third_party();
    let probed = probe(&main, &needed).map_err(Failure::Usage)?;
    if !probed.missing.is_empty() {
        return Err(Failure::Usage(missing_message(
            &probed,
            twin.experiment,
            &needed,
        )));
    }
    let mut all = vec![probed];
    if given.is_none() {
        for path in free_threaded_on_path(&main) {
            match probe(&path, &needed) {
                Ok(extra) if extra.missing.is_empty() => all.push(extra),
                Ok(extra) if !quiet => eprintln!(
                    "concur: note: {} ({}) is skipped: it cannot import {}",
                    path.display(),
                    extra.interpreter.name,
                    extra.missing.join(", ")
                ),
                Err(why) if !quiet => eprintln!("concur: note: {why}; skipped"),
                _ => {}
            }
        }
    }
    Ok(all)
}

/// The twin written where the interpreter can run it; removed on drop.
struct ScriptFile {
    dir: PathBuf,
    path: PathBuf,
}

impl ScriptFile {
    fn write(twin: &Twin) -> Result<ScriptFile, Failure> {
        let dir = std::env::temp_dir().join(format!("concur-twin-{}", std::process::id()));
        std::fs::create_dir_all(&dir)
            .and_then(|()| std::fs::write(dir.join(twin.file), twin.source))
            .map_err(|err| {
                Failure::Run(format!("cannot write the twin to {}: {err}", dir.display()))
            })?;
        Ok(ScriptFile {
            path: dir.join(twin.file),
            dir,
        })
    }
}

impl Drop for ScriptFile {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

/// One interpreter's measured runs of the twin: its lines, run by run.
pub struct TwinRuns {
    pub probed: Probed,
    pub runs: Vec<Vec<TwinLine>>,
}

/// Runs the twin `warmup + runs` times on each interpreter against a
/// fresh built-in server; a failing script or a missing line is a run
/// failure that names the interpreter and shows the script's last lines.
pub fn run_twin(
    twin: &Twin,
    options: &RunOptions,
    interpreters: &[Probed],
    models: &[PyModel],
    deadline: Duration,
) -> Result<Vec<TwinRuns>, Failure> {
    let script = ScriptFile::write(twin)?;
    let server = Server::start(([127, 0, 0, 1], 0).into())
        .map_err(|err| Failure::Run(format!("cannot start the built-in server: {err}")))?;
    let env = twin.env(&options.params, &server.base_url(), models);
    let params = &options.params;
    let total = params.warmup() + params.runs();
    let progress = Progress::new(u64::from(total) * interpreters.len() as u64, options.quiet);
    let mut measured = Vec::new();
    let outcome = (|| {
        for probed in interpreters {
            let mut runs = Vec::new();
            for run_idx in 0..total {
                progress.step(format!("{} run {}", probed.interpreter.name, run_idx + 1));
                let args = [script.path.display().to_string()];
                let out = run_script(&probed.path, &args, &env, &Limits { deadline })
                    .map_err(Failure::Run)?;
                if !out.success {
                    return Err(Failure::Run(format!(
                        "{}'s twin failed under {} (exit {}):\n{}",
                        twin.experiment,
                        probed.interpreter.name,
                        out.code
                            .map_or("by a signal".to_string(), |code| code.to_string()),
                        out.tail()
                    )));
                }
                let lines = twin::parse_output(&out.stdout);
                if let Some(missing) = models
                    .iter()
                    .find(|m| !lines.iter().any(|l| l.model == **m))
                {
                    return Err(Failure::Run(format!(
                        "{}'s twin printed no {} line under {}; it printed:\n{}",
                        twin.experiment,
                        missing.name(),
                        probed.interpreter.name,
                        out.stdout.trim_end()
                    )));
                }
                if run_idx >= params.warmup() {
                    runs.push(lines);
                }
                progress.advance();
            }
            measured.push(TwinRuns {
                probed: probed.clone(),
                runs,
            });
        }
        Ok(())
    })();
    progress.finish();
    server.stop();
    outcome.map(|()| measured)
}

/// The answer concur's models agreed on: the first run that passes the
/// workload's checks.
fn reference(executed: &Executed, options: &RunOptions) -> Option<RunAnswer> {
    executed
        .runs
        .iter()
        .flat_map(|model| &model.runs)
        .find(|run| {
            run.failures.is_empty()
                && run.answers.len() == executed.plan.tasks.len()
                && executed
                    .plan
                    .tasks
                    .iter()
                    .zip(&run.answers)
                    .all(|(task, answer)| {
                        answer
                            .as_ref()
                            .is_some_and(|answer| options.experiment.check(task, answer).is_ok())
                    })
        })
        .map(|run| run.answers.clone())
}

/// CPython's rows: per interpreter and model, the summary of its times,
/// its speedup against its own sequential, and its answers checked.
pub fn results(
    twin: &Twin,
    options: &RunOptions,
    executed: &Executed,
    measured: &[TwinRuns],
    models: &[PyModel],
) -> Vec<CpythonResult> {
    let plan = &executed.plan;
    let reference = reference(executed, options);
    let mut rows = Vec::new();
    for interp in measured {
        let mut per_model: Vec<CpythonResult> = models
            .iter()
            .map(|&model| {
                let lines: Vec<&TwinLine> = interp
                    .runs
                    .iter()
                    .filter_map(|run| run.iter().find(|line| line.model == model))
                    .collect();
                let walls: Vec<f64> = lines.iter().map(|line| line.seconds).collect();
                let wall_s = summarize(&walls).expect("every run printed every model");
                let mut problems: Vec<String> = Vec::new();
                for line in &lines {
                    let problem = match parse_answer(plan, &line.tokens) {
                        Err(why) => Some(format!("its answer cannot be read: {why}")),
                        Ok(answer) => check_answer(options, executed, &answer, reference.as_ref()),
                    };
                    if let Some(problem) = problem
                        && !problems.contains(&problem)
                    {
                        problems.push(problem);
                    }
                }
                CpythonResult {
                    interpreter: interp.probed.interpreter.clone(),
                    model,
                    request_ms: twin
                        .per_request
                        .then(|| wall_s.median * 1000.0 / f64::from(options.params.tasks())),
                    wall_s,
                    speedup: None,
                    answer_ok: problems.is_empty(),
                    problems,
                }
            })
            .collect();
        let sequential = per_model
            .iter()
            .find(|row| row.model == PyModel::Sequential)
            .map(|row| row.wall_s.median);
        for row in &mut per_model {
            row.speedup = sequential.map(|seq| seq / row.wall_s.median);
        }
        rows.extend(per_model);
    }
    rows
}

/// The first problem with a twin's answer: a task whose answer fails the
/// workload's own check, or answers that differ from concur's.
fn check_answer(
    options: &RunOptions,
    executed: &Executed,
    answer: &RunAnswer,
    reference: Option<&RunAnswer>,
) -> Option<String> {
    let plan = &executed.plan;
    for (task, answer) in plan.tasks.iter().zip(answer) {
        if let Some(answer) = answer
            && let Err(why) = options.experiment.check(task, answer)
        {
            return Some(why);
        }
    }
    match reference {
        Some(reference)
            if !same_answers(&comparable(plan, answer), &comparable(plan, reference)) =>
        {
            Some("its answer differs from concur's".to_string())
        }
        Some(_) => None,
        None => Some("concur's own models found no right answer to compare with".to_string()),
    }
}

/// `concur python` with no experiment: the twins, and what this Python can run.
fn list(given: Option<&Path>) -> String {
    let mut out =
        String::from("Python twins (concur python <experiment>; --print shows the script):\n\n");
    let python = main_python(given).ok();
    for twin in twin::twins() {
        let models: Vec<&str> = twin.models.iter().map(|m| m.name()).collect();
        let needed = twin.third_party();
        let status = match &python {
            None => String::new(),
            Some(path) => match probe(path, &needed) {
                Ok(probed) if probed.missing.is_empty() => "  ready".to_string(),
                Ok(probed) => format!("  needs {}", probed.missing.join(", ")),
                Err(why) => format!("  ({why})"),
            },
        };
        out.push_str(&format!(
            "  {:<15} {:<18} {}{}{}\n",
            twin.experiment,
            twin.file,
            models.join(", "),
            if needed.is_empty() {
                String::new()
            } else {
                format!("; imports {}", needed.join(", "))
            },
            status
        ));
    }
    match python {
        Some(path) => out.push_str(&format!("\nPython: {}\n", path.display())),
        None => out.push_str("\nPython: no python3 on PATH (name one with --python PATH)\n"),
    }
    out
}

/// How long one run of the twin may take: generous, since CPython computes
/// tens of times slower than concur, but finite.
pub fn deadline(executed: &Executed) -> Duration {
    let concur_s: f64 = executed.report.results.iter().map(|r| r.wall_s.max).sum();
    Duration::from_secs_f64(120.0 + 100.0 * concur_s)
}

/// Exports need a report; listing the twins or printing one makes none.
fn refuse_exports(exports: &Exports, instead: &str) -> Result<(), Failure> {
    if exports.is_empty() {
        return Ok(());
    }
    Err(Failure::Usage(format!(
        "{}: {instead} makes no report to export (name an experiment to run, without --print)",
        exports.flags()
    )))
}

/// Runs `concur python`.
pub fn run(args: PythonArgs) -> Result<ExitCode, Failure> {
    let exports = Exports::check(&args.run.export)?;
    let Some(id) = args.run.experiment.clone() else {
        refuse_exports(&exports, "listing the twins")?;
        emit(&list(args.python.as_deref()));
        return Ok(ExitCode::SUCCESS);
    };
    let twin = twin::find(&id).ok_or_else(|| {
        let ids: Vec<&str> = twin::twins().iter().map(|t| t.experiment).collect();
        Failure::Usage(format!(
            "no Python twin for \"{id}\": choose one of {} (see concur python)",
            ids.join(", ")
        ))
    })?;
    if args.print {
        refuse_exports(&exports, "--print")?;
        emit(twin.source);
        return Ok(ExitCode::SUCCESS);
    }
    let options = args.run.validate()?;
    if options.params.target().is_some() {
        return Err(Failure::Usage(
            "--target does not apply to concur python: the twin and concur both talk to concur's own server".into(),
        ));
    }
    let interpreters = interpreters(args.python.as_deref(), &twin, options.quiet)?;
    let models = twin_models(&twin, &options.models);
    let mut executed = execute(&options)?;
    let measured = run_twin(&twin, &options, &interpreters, &models, deadline(&executed))?;
    executed.report.cpython = results(&twin, &options, &executed, &measured, &models);
    executed.report.tool = tool_name();
    let report = &executed.report;
    if options.json {
        emit(&format!("{}\n", report.to_json()));
    } else {
        emit(&format!(
            "{}{}",
            headline(&options, report),
            table::render(report)
        ));
    }
    exports.write_report(report)?;
    if report.all_ok() && report.cpython.iter().all(|row| row.answer_ok) {
        Ok(ExitCode::SUCCESS)
    } else {
        Err(Failure::Run(
            "some models failed or computed a wrong answer (see the problems above)".into(),
        ))
    }
}
