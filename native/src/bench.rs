//! `concur bench`: the speed targets, measured in one run and printed as ratios.
//!
//! The machine is shared and noisy, so nothing here asserts wall-clock
//! times; it prints what it measured beside each target and says which
//! targets this run met. A line is judged on the run's answers first: a
//! model that computed a wrong answer, or none (its processes did not
//! start, its requests were refused), finishes fast for the wrong reason,
//! so its line is FAILED whatever its time. The exit status is 1 when a
//! line failed, and when a target was missed unless `--exit-zero`.

use crate::cli::BenchArgs;
use crate::clock::NativeClock;
use crate::exec::Env;
use crate::export::Exports;
use crate::http::HttpIo;
use crate::options::Failure;
use crate::progress::Progress;
use crate::run::{IoTarget, measure};
use concur_core::clock::Clock;
use concur_core::experiment::{self, Experiment};
use concur_core::model::Model;
use concur_core::params::Params;
use concur_core::report::{ModelResult, Report};
use concur_core::worker::WorkerCtx;
use concur_core::workload::{cpu_sqrt_bare, cpu_sqrt_is_plausible};
use std::process::ExitCode;

/// What a line's run says about its target.
#[derive(Clone, Debug, PartialEq)]
enum Verdict {
    Met,
    Missed,
    /// The answers were wrong or missing, so the time proves nothing.
    Failed(String),
}

/// One line of the verdict table.
struct Line {
    what: String,
    target: String,
    measured: String,
    verdict: Verdict,
}

/// The first answer problem of the models a line rests on: a model that
/// did not run, or one whose answers were wrong or missing.
fn answer_problem(results: &[ModelResult], needed: &[Model]) -> Option<String> {
    needed.iter().find_map(
        |&model| match results.iter().find(|result| result.model == model) {
            None => Some(format!("{} did not run", model.name())),
            Some(result) if !result.answer_ok => Some(format!(
                "{} answered wrongly ({})",
                model.name(),
                result
                    .problems
                    .first()
                    .map_or(result.answer.as_str(), String::as_str)
            )),
            Some(_) => None,
        },
    )
}

/// Judges a measured value against its target, answers first: any answer
/// problem fails the line, however good the value looks.
fn judge(problem: Option<String>, value: f64, target: impl Fn(f64) -> bool) -> Verdict {
    match problem {
        Some(why) => Verdict::Failed(why),
        None if value.is_finite() && target(value) => Verdict::Met,
        None => Verdict::Missed,
    }
}

fn median_s(results: &[ModelResult], model: Model) -> f64 {
    results
        .iter()
        .find(|result| result.model == model)
        .map_or(f64::NAN, |result| result.wall_s.median)
}

/// Bare loop against the loop inside the harness, alternated, best of each;
/// both sums must agree bit for bit and with the closed form.
fn harness_overhead() -> Line {
    const N: u64 = 50_000_000;
    const ROUNDS: usize = 7;
    let clock = NativeClock;
    let (mut bare, mut harness) = (u64::MAX, u64::MAX);
    let mut problem = None;
    for _ in 0..ROUNDS {
        let start = clock.now_ns();
        let bare_sum = cpu_sqrt_bare(N);
        bare = bare.min(clock.now_ns() - start);
        let start = clock.now_ns();
        let mut ctx = WorkerCtx::new(0, &clock, None);
        let harness_sum = ctx.cpu_sqrt(0, N);
        harness = harness.min(clock.now_ns() - start);
        if bare_sum.to_bits() != harness_sum.to_bits() {
            problem = Some(format!(
                "the harness changed the answer ({harness_sum} against {bare_sum})"
            ));
        } else if !cpu_sqrt_is_plausible(N, bare_sum) {
            problem = Some(format!("the sum {bare_sum} is not the closed form's"));
        }
    }
    let ratio = harness as f64 / bare as f64;
    Line {
        what: "cpu-sqrt per iteration: harness / bare loop".into(),
        target: "<= 1.05".into(),
        measured: format!(
            "{ratio:.3} ({:.2} vs {:.2} ns/iter)",
            harness as f64 / N as f64,
            bare as f64 / N as f64
        ),
        verdict: judge(problem, ratio, |ratio| ratio <= 1.05),
    }
}

/// Runs `models` on `experiment` and reports them, answers checked.
fn run_experiment(
    experiment: &Experiment,
    params: &Params,
    models: &[Model],
    quiet: bool,
) -> Result<Report, Failure> {
    let target = IoTarget::prepare(experiment, params)?;
    let plan = experiment.plan(params, &target.base_url);
    let env = Env {
        clock: NativeClock,
        io: HttpIo::default(),
        gil_switch: params.gil_switch(),
    };
    let progress = Progress::new(
        models.len() as u64 * u64::from(params.runs() + params.warmup()),
        quiet,
    );
    let runs = measure(&plan, params, models, &env, &progress);
    progress.finish();
    target.close();
    let report = Report::build(
        experiment,
        &plan,
        params,
        crate::machine::this_machine(),
        &crate::tool_name(),
        &runs,
    );
    Ok(report)
}

/// The speedup line of `model` against sequential.
fn speedup_line(results: &[ModelResult], model: Model, target: &str, met: fn(f64) -> bool) -> Line {
    let speedup = median_s(results, Model::Sequential) / median_s(results, model);
    Line {
        what: format!("cpu-sqrt {} speedup, 2 workers, 4 tasks", model.name()),
        target: target.into(),
        measured: format!("{speedup:.2}x"),
        verdict: judge(
            answer_problem(results, &[Model::Sequential, model]),
            speedup,
            met,
        ),
    }
}

/// The cpu-sqrt lines, and the report they were read from.
fn cpu_lines(quiet: bool) -> Result<(Vec<Line>, Report), Failure> {
    let experiment = experiment::find("cpu-sqrt").expect("cpu-sqrt is in the catalog");
    let mut params = experiment.defaults.clone();
    params.set_workers(2)?;
    let models = [
        Model::Sequential,
        Model::ThreadsGil,
        Model::ThreadsFree,
        Model::Processes,
    ];
    let report = run_experiment(&experiment, &params, &models, quiet)?;
    let results = &report.results;
    let lines = vec![
        speedup_line(results, Model::ThreadsFree, ">= 1.80x", |s| s >= 1.8),
        speedup_line(results, Model::Processes, ">= 1.80x", |s| s >= 1.8),
        // A lower bound too: a GIL run far slower than sequential is as
        // wrong an emulation as one that runs in parallel.
        speedup_line(results, Model::ThreadsGil, "0.80x to 1.05x", |s| {
            (0.8..=1.05).contains(&s)
        }),
    ];
    Ok((lines, report))
}

/// How much longer than the sum of its delays sequential quick-io may take
/// (connecting and answering on loopback cost milliseconds, not seconds).
const QUICK_IO_SLACK: f64 = 1.2;

/// The quick-io lines: sequential takes every delay in turn, the others
/// overlap them into about one.
fn quick_io_lines(results: &[ModelResult], params: &Params) -> Vec<Line> {
    let delay_s = params.delay_ms() as f64 / 1000.0;
    let sequential = median_s(results, Model::Sequential);
    let all_delays = delay_s * f64::from(params.tasks());
    let mut lines = vec![Line {
        what: format!(
            "quick-io sequential, {} GETs of {} ms",
            params.tasks(),
            params.delay_ms()
        ),
        target: format!("{all_delays:.1} to {:.1} s", all_delays * QUICK_IO_SLACK),
        measured: format!("{sequential:.2} s"),
        verdict: judge(
            answer_problem(results, &[Model::Sequential]),
            sequential,
            |wall| (all_delays..=all_delays * QUICK_IO_SLACK).contains(&wall),
        ),
    }];
    for model in [
        Model::ThreadsGil,
        Model::ThreadsFree,
        Model::Processes,
        Model::Async,
    ] {
        let wall = median_s(results, model);
        lines.push(Line {
            what: format!(
                "quick-io {}, {} workers",
                model.name(),
                model.workers(params.workers())
            ),
            target: format!("<= {:.2} s (1.2x one delay)", 1.2 * delay_s),
            measured: format!(
                "{wall:.2} s ({:.2}x one delay, {:.2}x faster)",
                wall / delay_s,
                sequential / wall
            ),
            verdict: judge(answer_problem(results, &[model]), wall, |wall| {
                wall <= 1.2 * delay_s
            }),
        });
    }
    lines
}

/// The quick-io lines, and the report they were read from.
fn io_lines(quiet: bool) -> Result<(Vec<Line>, Report), Failure> {
    let experiment = experiment::find("quick-io").expect("quick-io is in the catalog");
    let mut params = experiment.defaults.clone();
    params.set_runs(1)?;
    let report = run_experiment(&experiment, &params, &Model::ALL, quiet)?;
    Ok((quick_io_lines(&report.results, &params), report))
}

/// The verdict table and its tally.
fn render(lines: &[Line]) -> String {
    let width = lines.iter().map(|l| l.what.len()).max().unwrap_or(0);
    let target_width = lines.iter().map(|l| l.target.len()).max().unwrap_or(0);
    let mut out = String::new();
    for line in lines {
        let verdict = match &line.verdict {
            Verdict::Met => "met".to_string(),
            Verdict::Missed => "MISSED".to_string(),
            Verdict::Failed(why) => format!("FAILED: {why}"),
        };
        out.push_str(&format!(
            "{:<width$}  target {:<target_width$}  measured {}  {verdict}\n",
            line.what, line.target, line.measured,
        ));
    }
    let (missed, failed) = tally(lines);
    out.push_str(&format!(
        "\n{} of {} targets met",
        lines.len() - missed - failed,
        lines.len()
    ));
    if failed > 0 {
        out.push_str(&format!(
            "; {failed} FAILED (wrong or missing answers: their times prove nothing)"
        ));
    }
    if missed > 0 {
        out.push_str(&format!(
            "; {missed} missed (a shared, busy machine can miss: run again to compare)"
        ));
    }
    out.push('\n');
    out
}

/// (missed, failed) lines.
fn tally(lines: &[Line]) -> (usize, usize) {
    let count = |wanted: fn(&Verdict) -> bool| lines.iter().filter(|l| wanted(&l.verdict)).count();
    (
        count(|v| *v == Verdict::Missed),
        count(|v| matches!(v, Verdict::Failed(_))),
    )
}

/// The exit status for a table: failed lines always fail the command (like
/// a wrong answer in `concur run`), missed targets unless `exit_zero`.
fn outcome(lines: &[Line], exit_zero: bool) -> Result<ExitCode, Failure> {
    match tally(lines) {
        (_, failed) if failed > 0 => Err(Failure::Run(format!(
            "{failed} bench lines FAILED: a model answered wrongly or not at all"
        ))),
        (missed, _) if missed > 0 && !exit_zero => Err(Failure::Run(format!(
            "{missed} targets missed (--exit-zero exits 0 for missed targets)"
        ))),
        _ => Ok(ExitCode::SUCCESS),
    }
}

/// Runs every benchmark and prints the verdicts.
pub fn bench(args: &BenchArgs) -> Result<ExitCode, Failure> {
    let exports = Exports::check(&args.export)?;
    crate::children::exit_on_interrupt();
    let machine = crate::machine::this_machine();
    crate::emit(&format!(
        "concur bench on {} cores ({}); ratios from this one run\n\n",
        machine.logical_cores, machine.cpu_model
    ));
    let mut lines = vec![harness_overhead()];
    let (cpu, cpu_report) = cpu_lines(args.quiet)?;
    lines.extend(cpu);
    let (io, io_report) = io_lines(args.quiet)?;
    lines.extend(io);
    crate::emit(&render(&lines));
    finish(&lines, &[cpu_report, io_report], &exports, args.exit_zero)
}

/// Writes the exports (also when a line failed: the reports say why),
/// then gives the exit status.
fn finish(
    lines: &[Line],
    reports: &[Report],
    exports: &Exports,
    exit_zero: bool,
) -> Result<ExitCode, Failure> {
    exports.write_reports(&crate::tool_name(), reports)?;
    outcome(lines, exit_zero)
}

#[cfg(test)]
mod tests {
    use super::*;
    use concur_core::stats::Summary;

    fn result(model: Model, median_s: f64, answer_ok: bool) -> ModelResult {
        ModelResult {
            model,
            workers: 5,
            gil: model.gil(),
            gil_switch_ms: None,
            wall_s: Summary {
                median: median_s,
                min: median_s,
                max: median_s,
                mean: median_s,
                stddev: None,
            },
            speedup: None,
            speedup_ci: None,
            cpu_util: None,
            answer: if answer_ok {
                "5 × HTTP 200"
            } else {
                "5 failed"
            }
            .into(),
            answer_ok,
            problems: if answer_ok {
                vec![]
            } else {
                vec!["task 0 failed: connection refused".into()]
            },
            outlier_runs: vec![],
            request_ms: None,
            time: Default::default(),
            gil_stats: None,
            latency: None,
        }
    }

    fn quick_io_params() -> Params {
        let mut params = experiment::find("quick-io").unwrap().defaults.clone();
        params.set_runs(1).unwrap();
        params
    }

    #[test]
    fn a_fast_run_with_wrong_or_missing_answers_is_failed_never_met() {
        let params = quick_io_params();
        let delay_s = params.delay_ms() as f64 / 1000.0;
        // Every model is fast enough; processes answered nothing (they did
        // not start) and async is missing from the run.
        let results = [
            result(Model::Sequential, delay_s * f64::from(params.tasks()), true),
            result(Model::ThreadsGil, delay_s, true),
            result(Model::ThreadsFree, delay_s, true),
            result(Model::Processes, 0.001, false),
        ];
        let lines = quick_io_lines(&results, &params);
        let verdict = |name: &str| {
            lines
                .iter()
                .find(|line| line.what.contains(name))
                .map(|line| line.verdict.clone())
                .unwrap()
        };
        assert_eq!(verdict("threads-gil"), Verdict::Met);
        assert_eq!(
            verdict("processes"),
            Verdict::Failed(
                "processes answered wrongly (task 0 failed: connection refused)".into()
            )
        );
        assert_eq!(
            verdict("async"),
            Verdict::Failed("async did not run".into())
        );
        assert!(render(&lines).contains("2 FAILED"), "{}", render(&lines));
        assert!(matches!(outcome(&lines, true), Err(Failure::Run(_))));
    }

    #[test]
    fn a_wrong_baseline_fails_the_speedup_lines() {
        let results = [
            result(Model::Sequential, 4.0, false),
            result(Model::Processes, 1.0, true),
        ];
        let line = speedup_line(&results, Model::Processes, ">= 1.80x", |s| s >= 1.8);
        assert!(
            matches!(line.verdict, Verdict::Failed(_)),
            "{:?}",
            line.verdict
        );
    }

    #[test]
    fn the_reports_are_exported_even_when_a_line_failed() {
        let dir = std::env::temp_dir().join(format!("concur-bench-export-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let exports = Exports::check(&crate::cli::ExportArgs {
            export_json: Some(dir.join("bench.json")),
            export_csv: Some(dir.join("bench.csv")),
            export_markdown: Some(dir.join("bench.md")),
        })
        .unwrap();
        let report = |experiment: &str, results: Vec<ModelResult>| Report {
            schema_version: concur_core::report::SCHEMA_VERSION,
            tool: "test".into(),
            experiment: experiment.into(),
            params: quick_io_params(),
            machine: crate::machine::this_machine(),
            results,
            explanation: String::new(),
            claims: vec![],
            warnings: vec![],
            machine_load: None,
            cpython: vec![],
        };
        let reports = [
            report("cpu-sqrt", vec![result(Model::Sequential, 4.0, true)]),
            report(
                "quick-io",
                vec![
                    result(Model::Sequential, 5.0, true),
                    result(Model::Processes, 0.001, false),
                ],
            ),
        ];
        let lines = quick_io_lines(&reports[1].results, &quick_io_params());
        assert!(matches!(
            finish(&lines, &reports, &exports, true),
            Err(Failure::Run(_))
        ));
        let json: serde_json::Value =
            serde_json::from_str(&std::fs::read_to_string(dir.join("bench.json")).unwrap())
                .unwrap();
        assert_eq!(json["schema_version"], 1);
        assert_eq!(json["tool"], crate::tool_name());
        let experiments: Vec<&str> = json["reports"]
            .as_array()
            .unwrap()
            .iter()
            .map(|report| report["experiment"].as_str().unwrap())
            .collect();
        assert_eq!(experiments, ["cpu-sqrt", "quick-io"]);
        let csv = std::fs::read_to_string(dir.join("bench.csv")).unwrap();
        assert_eq!(csv.lines().count(), 1 + 3, "{csv}");
        assert!(csv.contains("quick-io,concur,processes,5,1,"), "{csv}");
        let markdown = std::fs::read_to_string(dir.join("bench.md")).unwrap();
        assert_eq!(markdown.matches("\n## ").count() + 1, 2, "{markdown}");
        let _ = std::fs::remove_dir_all(&dir);
    }

    #[test]
    fn missed_targets_fail_the_exit_status_unless_exit_zero() {
        let line = |verdict| Line {
            what: "w".into(),
            target: "t".into(),
            measured: "m".into(),
            verdict,
        };
        let missed = [line(Verdict::Met), line(Verdict::Missed)];
        assert!(matches!(outcome(&missed, false), Err(Failure::Run(_))));
        assert_eq!(outcome(&missed, true).unwrap(), ExitCode::SUCCESS);
        assert_eq!(
            judge(None, f64::NAN, |_| true),
            Verdict::Missed,
            "an unmeasured value never meets a target"
        );
    }
}
