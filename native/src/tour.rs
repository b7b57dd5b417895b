//! `concur tour`: every experiment of the catalog (or those `--only` names)
//! under every model, the tutorial's numbers beside the measured ones, and
//! each of its claims marked as holding or not on this machine.
//!
//! The exit status says whether the tour confirmed the tutorial: 1 when a
//! model answered wrongly (always), and 1 when a claim does not hold or
//! could not be tested unless `--exit-zero`. An untested claim counts
//! against the tour because a tour is there to confirm claims; every model
//! runs, so a claim goes untested only when a model it needs failed.

use crate::cli::TourArgs;
use crate::clock::NativeClock;
use crate::exec::Env;
use crate::export::Exports;
use crate::http::HttpIo;
use crate::machine::this_machine;
use crate::options::Failure;
use crate::progress::Progress;
use crate::run::{IoTarget, measure};
use crate::{children, emit, tool_name};
use concur_core::claims::{ClaimCheck, tutorial_seconds};
use concur_core::experiment::{Experiment, catalog};
use concur_core::export::table::duration;
use concur_core::model::Model;
use concur_core::params::Params;
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
        // A wrong row says why, as `concur run` does, so a failure in a
        // long tour can be read without running the experiment again.
        for problem in result.problems.iter().take(3) {
            out.push_str(&format!("    {problem}\n"));
        }
        if result.problems.len() > 3 {
            out.push_str(&format!(
                "    and {} more problems\n",
                result.problems.len() - 3
            ));
        }
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

/// The experiments to tour, each with its knobs, all checked before
/// anything runs.
fn chosen(args: &TourArgs) -> Result<Vec<(Experiment, Params)>, Failure> {
    let all = catalog();
    let experiments = match &args.only {
        None => all,
        Some(list) => list
            .split(',')
            .map(|id| {
                let id = id.trim();
                all.iter().find(|e| e.id == id).cloned().ok_or_else(|| {
                    let ids: Vec<&str> = all.iter().map(|e| e.id).collect();
                    Failure::Usage(format!(
                        "--only: unknown experiment \"{id}\": choose from {} (see concur list)",
                        ids.join(", ")
                    ))
                })
            })
            .collect::<Result<Vec<_>, _>>()?,
    };
    experiments
        .into_iter()
        .map(|experiment| {
            let mut params = if args.quick {
                experiment.quick()
            } else {
                experiment.defaults.clone()
            };
            if let Some(text) = &args.n {
                if experiment.n_means.is_none() {
                    return Err(Failure::Usage(format!(
                        "--n does not apply to {}: it has no n",
                        experiment.id
                    )));
                }
                params.set_n(experiment.n_limit().parse(text)?)?;
            }
            Ok((experiment, params))
        })
        .collect()
}

/// Claims that held, that did not, and that could not be tested.
#[derive(Debug, Default, PartialEq)]
struct Tally {
    held: usize,
    not_held: usize,
    untested: usize,
}

impl Tally {
    fn add(&mut self, claims: &[ClaimCheck]) {
        for claim in claims {
            match claim.holds {
                Some(true) => self.held += 1,
                Some(false) => self.not_held += 1,
                None => self.untested += 1,
            }
        }
    }

    fn summary(&self) -> String {
        let total = self.held + self.not_held + self.untested;
        let mut out = format!(
            "\n{} of {total} of the tutorial's claims hold on this machine",
            self.held
        );
        if self.not_held + self.untested > 0 {
            out.push_str(&format!(
                " ({} not holding, {} untested)",
                self.not_held, self.untested
            ));
        }
        out.push_str(".\n");
        out
    }

    /// Why the tour fails on its claims, if it does.
    fn failure(&self) -> Option<String> {
        (self.not_held + self.untested > 0).then(|| {
            format!(
                "claims not holding here: {}, untested: {} (--exit-zero exits 0 for these)",
                self.not_held, self.untested
            )
        })
    }
}

pub fn run(args: TourArgs) -> Result<ExitCode, Failure> {
    let experiments = chosen(&args)?;
    let exports = Exports::check(&args.export)?;
    children::exit_on_interrupt();
    let machine = this_machine();
    let mut tally = Tally::default();
    let mut all_ok = true;
    let mut reports = Vec::new();
    emit(&format!(
        "concur tour{}: {} under every model on {} cores ({}); the tutorial ran on 4 cores against a distant service\n",
        if args.quick { " (quick preset)" } else { "" },
        if args.only.is_some() {
            "the chosen experiments"
        } else {
            "every experiment"
        },
        machine.logical_cores,
        machine.cpu_model
    ));
    for (experiment, params) in &experiments {
        let target = IoTarget::prepare(experiment, params)?;
        let plan = experiment.plan(params, &target.base_url);
        let env = Env {
            clock: NativeClock,
            io: HttpIo::default(),
            gil_switch: params.gil_switch(),
        };
        let progress = Progress::new(
            Model::ALL.len() as u64 * u64::from(params.runs() + params.warmup()),
            args.quiet,
        );
        progress.step(experiment.id.to_string());
        let runs = measure(&plan, params, &Model::ALL, &env, &progress);
        crate::db::remove_databases(&env.io.db_dir);
        progress.finish();
        target.close();
        let report = Report::build(
            experiment,
            &plan,
            params,
            machine.clone(),
            &tool_name(),
            &runs,
        );
        all_ok &= report.all_ok();
        tally.add(&report.claims);
        emit(&section(&report, experiment.title));
        reports.push(report);
    }
    emit(&tally.summary());
    exports.write_reports(&tool_name(), &reports)?;
    if !all_ok {
        return Err(Failure::Run(
            "some models computed a wrong answer (marked WRONG above)".into(),
        ));
    }
    match tally.failure() {
        Some(why) if !args.exit_zero => Err(Failure::Run(why)),
        _ => Ok(ExitCode::SUCCESS),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn claim(holds: Option<bool>) -> ClaimCheck {
        ClaimCheck {
            claim: "c".into(),
            tutorial: "t".into(),
            measured: "m".into(),
            holds,
        }
    }

    #[test]
    fn claims_that_do_not_hold_or_go_untested_fail_the_tour() {
        let mut tally = Tally::default();
        tally.add(&[claim(Some(true)), claim(Some(true))]);
        assert_eq!(tally.failure(), None);
        tally.add(&[claim(None)]);
        assert!(tally.failure().unwrap().contains("untested: 1"));
        tally.add(&[claim(Some(false))]);
        assert_eq!(
            tally.summary(),
            "\n2 of 4 of the tutorial's claims hold on this machine (1 not holding, 1 untested).\n"
        );
    }
}
