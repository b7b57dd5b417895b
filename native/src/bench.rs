//! `concur bench`: the speed targets, measured in one run and printed as ratios.
//!
//! The machine is shared and noisy, so nothing here asserts wall-clock
//! times; it prints what it measured beside each target and says which
//! targets this run met.

use crate::clock::NativeClock;
use crate::exec::Env;
use crate::http::UreqIo;
use crate::options::Failure;
use crate::progress::Progress;
use crate::run::{IoTarget, measure};
use concur_core::clock::Clock;
use concur_core::experiment::{self, Experiment};
use concur_core::model::Model;
use concur_core::params::Params;
use concur_core::report::{ModelRuns, RunOutcome};
use concur_core::stats::summarize;
use concur_core::worker::WorkerCtx;
use concur_core::workload::cpu_sqrt_bare;
use std::process::ExitCode;

/// One line of the verdict table.
struct Line {
    what: String,
    target: String,
    measured: String,
    met: bool,
}

fn median_s(runs: &[RunOutcome]) -> f64 {
    let walls: Vec<f64> = runs.iter().map(|r| r.wall_ns() as f64 / 1e9).collect();
    summarize(&walls).map_or(f64::NAN, |s| s.median)
}

fn by_model(runs: &[ModelRuns], model: Model) -> f64 {
    runs.iter()
        .find(|m| m.model == model)
        .map_or(f64::NAN, |m| median_s(&m.runs))
}

/// Bare loop against the loop inside the harness, alternated, best of each.
fn harness_overhead() -> Line {
    const N: u64 = 50_000_000;
    const ROUNDS: usize = 7;
    let clock = NativeClock;
    let (mut bare, mut harness) = (u64::MAX, u64::MAX);
    for _ in 0..ROUNDS {
        let start = clock.now_ns();
        let bare_sum = cpu_sqrt_bare(N);
        bare = bare.min(clock.now_ns() - start);
        let start = clock.now_ns();
        let mut ctx = WorkerCtx::new(0, &clock, None);
        let harness_sum = ctx.cpu_sqrt(0, N);
        harness = harness.min(clock.now_ns() - start);
        assert_eq!(
            bare_sum.to_bits(),
            harness_sum.to_bits(),
            "the harness changed the answer"
        );
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
        met: ratio <= 1.05,
    }
}

fn run_experiment(
    experiment: &Experiment,
    params: &Params,
    models: &[Model],
    quiet: bool,
) -> Result<Vec<ModelRuns>, Failure> {
    let target = IoTarget::prepare(experiment, params)?;
    let plan = experiment.plan(params, &target.base_url);
    let env = Env {
        clock: NativeClock,
        io: UreqIo::default(),
        gil_switch: params.gil_switch(),
    };
    let progress = Progress::new(
        models.len() as u64 * u64::from(params.runs() + params.warmup()),
        quiet,
    );
    let runs = measure(&plan, params, models, &env, &progress);
    progress.finish();
    target.close();
    Ok(runs)
}

fn cpu_lines(quiet: bool) -> Result<Vec<Line>, Failure> {
    let experiment = experiment::find("cpu-sqrt").expect("cpu-sqrt is in the catalog");
    let mut params = experiment.defaults.clone();
    params.set_workers(2).expect("in range");
    let models = [
        Model::Sequential,
        Model::ThreadsGil,
        Model::ThreadsFree,
        Model::Processes,
    ];
    let runs = run_experiment(&experiment, &params, &models, quiet)?;
    let sequential = by_model(&runs, Model::Sequential);
    let line = |model: Model, target: &str, met: fn(f64) -> bool| {
        let speedup = sequential / by_model(&runs, model);
        Line {
            what: format!("cpu-sqrt {} speedup, 2 workers, 4 tasks", model.name()),
            target: target.into(),
            measured: format!("{speedup:.2}x"),
            met: met(speedup),
        }
    };
    Ok(vec![
        line(Model::ThreadsFree, ">= 1.80x", |s| s >= 1.8),
        line(Model::Processes, ">= 1.80x", |s| s >= 1.8),
        line(Model::ThreadsGil, "<= 1.05x", |s| s <= 1.05),
    ])
}

fn io_lines(quiet: bool) -> Result<Vec<Line>, Failure> {
    let experiment = experiment::find("quick-io").expect("quick-io is in the catalog");
    let mut params = experiment.defaults.clone();
    params.set_runs(1).expect("in range");
    let runs = run_experiment(&experiment, &params, &Model::ALL, quiet)?;
    let delay_s = params.delay_ms() as f64 / 1000.0;
    let sequential = by_model(&runs, Model::Sequential);
    let mut lines = vec![Line {
        what: format!(
            "quick-io sequential, {} GETs of {} ms",
            params.tasks(),
            params.delay_ms()
        ),
        target: format!("about {:.1} s", delay_s * f64::from(params.tasks())),
        measured: format!("{sequential:.2} s"),
        met: sequential >= delay_s * f64::from(params.tasks()),
    }];
    for model in [
        Model::ThreadsGil,
        Model::ThreadsFree,
        Model::Processes,
        Model::Async,
    ] {
        let wall = by_model(&runs, model);
        lines.push(Line {
            what: format!(
                "quick-io {}, {} workers",
                model.name(),
                model.workers(params.workers())
            ),
            target: "<= 1.20 s (1.2x one delay)".into(),
            measured: format!(
                "{wall:.2} s ({:.2}x one delay, {:.2}x faster)",
                wall / delay_s,
                sequential / wall
            ),
            met: wall <= 1.2 * delay_s,
        });
    }
    Ok(lines)
}

/// Runs every benchmark and prints the verdicts.
pub fn bench(quiet: bool) -> Result<ExitCode, Failure> {
    crate::children::exit_on_interrupt();
    let machine = crate::machine::this_machine();
    crate::emit(&format!(
        "concur bench on {} cores ({}); ratios from this one run\n\n",
        machine.logical_cores, machine.cpu_model
    ));
    let mut lines = vec![harness_overhead()];
    lines.extend(cpu_lines(quiet)?);
    lines.extend(io_lines(quiet)?);
    let width = lines.iter().map(|l| l.what.len()).max().unwrap_or(0);
    let target_width = lines.iter().map(|l| l.target.len()).max().unwrap_or(0);
    let mut out = String::new();
    for line in &lines {
        out.push_str(&format!(
            "{:<width$}  target {:<target_width$}  measured {}  {}\n",
            line.what,
            line.target,
            line.measured,
            if line.met { "met" } else { "MISSED" }
        ));
    }
    let missed = lines.iter().filter(|l| !l.met).count();
    out.push_str(&format!(
        "\n{} of {} targets met{}\n",
        lines.len() - missed,
        lines.len(),
        if missed > 0 {
            " (a shared, busy machine can miss; run again to compare)"
        } else {
            ""
        }
    ));
    crate::emit(&out);
    Ok(ExitCode::SUCCESS)
}
