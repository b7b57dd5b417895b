//! `concur tour`: every experiment of the catalog under every model, the
//! tutorial's numbers beside the measured ones, and each of its claims
//! marked as holding or not on this machine.

use crate::cli::TourArgs;
use crate::clock::NativeClock;
use crate::exec::Env;
use crate::http::UreqIo;
use crate::machine::this_machine;
use crate::options::Failure;
use crate::progress::Progress;
use crate::run::{IoTarget, measure};
use crate::{children, emit, tool_name};
use concur_core::claims::tutorial_seconds;
use concur_core::experiment::catalog;
use concur_core::export::table::duration;
use concur_core::model::Model;
use concur_core::report::Report;
use std::process::ExitCode;

fn section(report: &Report, title: &str) -> String {
    let tutorial = tutorial_seconds(&report.experiment);
    let mut out = format!("\n== {} ({})\n", title, report.experiment);
    out.push_str(&format!(
        "{:<13} {:>10} {:>10} {:>9}\n",
        "model", "tutorial", "here", "speedup"
    ));
    for result in &report.results {
        let then = tutorial
            .iter()
            .find(|(model, _)| *model == result.model)
            .map_or("-".to_string(), |(_, s)| duration(*s));
        out.push_str(&format!(
            "{:<13} {:>10} {:>10} {:>9}{}\n",
            result.model.name(),
            then,
            duration(result.wall_s.median),
            result
                .speedup
                .map_or("-".to_string(), |s| format!("{s:.2}x")),
            if result.answer_ok { "" } else { "  WRONG" }
        ));
    }
    for claim in &report.claims {
        let verdict = claim.verdict();
        out.push_str(&format!(
            "  {verdict:<13} {} (here: {})\n",
            claim.claim, claim.measured
        ));
    }
    out
}

pub fn run(args: TourArgs) -> Result<ExitCode, Failure> {
    children::exit_on_interrupt();
    let machine = this_machine();
    let experiments = catalog();
    let mut held = (0, 0);
    let mut all_ok = true;
    emit(&format!(
        "concur tour{}: every experiment under every model on {} cores ({}); the tutorial ran on 4 cores against a distant service\n",
        if args.quick { " (quick preset)" } else { "" },
        machine.logical_cores,
        machine.cpu_model
    ));
    for experiment in &experiments {
        let params = if args.quick {
            experiment.quick()
        } else {
            experiment.defaults.clone()
        };
        let target = IoTarget::prepare(experiment, &params)?;
        let plan = experiment.plan(&params, &target.base_url);
        let env = Env {
            clock: NativeClock,
            io: UreqIo::default(),
            gil_switch: params.gil_switch(),
        };
        let progress = Progress::new(
            Model::ALL.len() as u64 * u64::from(params.runs() + params.warmup()),
            args.quiet,
        );
        progress.step(experiment.id.to_string());
        let runs = measure(&plan, &params, &Model::ALL, &env, &progress);
        crate::db::remove_databases(&env.io.db_dir);
        progress.finish();
        target.close();
        let report = Report::build(
            experiment,
            &plan,
            &params,
            machine.clone(),
            &tool_name(),
            &runs,
        );
        all_ok &= report.all_ok();
        for claim in &report.claims {
            held.1 += 1;
            if claim.holds == Some(true) {
                held.0 += 1;
            }
        }
        emit(&section(&report, experiment.title));
    }
    emit(&format!(
        "\n{} of {} of the tutorial's claims hold on this machine.\n",
        held.0, held.1
    ));
    if all_ok {
        Ok(ExitCode::SUCCESS)
    } else {
        Err(Failure::Run(
            "some models computed a wrong answer (marked WRONG above)".into(),
        ))
    }
}
