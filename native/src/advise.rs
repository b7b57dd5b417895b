//! `concur advise`: the tutorial's decision flow in the terminal. Answers
//! come from flags; a missing one is asked for when stdin is a terminal and
//! refused (exit 2) when it is not.

use crate::cli::AdviseArgs;
use crate::emit;
use crate::options::Failure;
use concur_core::advise::{MANY_CONNECTIONS, Situation, advise};
use concur_core::params::Limit;
use std::io::{BufRead, IsTerminal, Write};
use std::process::ExitCode;

const CONCURRENT: Limit = Limit {
    field: "concurrent",
    min: 1,
    max: 10_000_000,
};

fn yes_no(field: &'static str, text: &str) -> Result<bool, Failure> {
    match text.trim().to_ascii_lowercase().as_str() {
        "y" | "yes" | "true" => Ok(true),
        "n" | "no" | "false" => Ok(false),
        other => Err(Failure::Usage(format!(
            "--{field} must be yes or no (got \"{other}\")"
        ))),
    }
}

/// The flag's value, or the answer to `question` when stdin is a terminal.
fn answer(field: &'static str, given: Option<String>, question: &str) -> Result<String, Failure> {
    if let Some(given) = given {
        return Ok(given);
    }
    if !std::io::stdin().is_terminal() {
        return Err(Failure::Usage(format!(
            "--{field} is needed (stdin is not a terminal, so it cannot be asked for)"
        )));
    }
    eprint!("{question} ");
    let _ = std::io::stderr().flush();
    let mut line = String::new();
    std::io::stdin()
        .lock()
        .read_line(&mut line)
        .map_err(|err| Failure::Run(format!("reading the answer: {err}")))?;
    Ok(line)
}

pub fn run(args: AdviseArgs) -> Result<ExitCode, Failure> {
    let cpu_bound = yes_no(
        "cpu-bound",
        &answer(
            "cpu-bound",
            args.cpu_bound,
            "Is the work CPU-bound (computing, not waiting)? [yes/no]",
        )?,
    )?;
    let (concurrent_io, can_go_async) = if cpu_bound {
        (1, false)
    } else {
        let concurrent = answer(
            "concurrent",
            args.concurrent,
            "How many I/O operations must be in flight at once? [a number]",
        )?;
        let concurrent = CONCURRENT.parse(&concurrent)? as u32;
        let can = if concurrent >= MANY_CONNECTIONS {
            yes_no(
                "async-ok",
                &answer(
                    "async-ok",
                    args.async_ok,
                    "Do async libraries exist for it, and can the code become async? [yes/no]",
                )?,
            )?
        } else {
            args.async_ok
                .as_deref()
                .map(|text| yes_no("async-ok", text))
                .transpose()?
                .unwrap_or(false)
        };
        (concurrent, can)
    };
    let advice = advise(Situation {
        cpu_bound,
        concurrent_io,
        can_go_async,
    });
    let mut out = format!("Use {}.\n\n", advice.pick.name());
    for (step, reason) in advice.reasons.iter().enumerate() {
        out.push_str(&format!("{}. {reason}\n", step + 1));
    }
    out.push_str(&format!(
        "\nSee it happen: concur run {} (or pick {} in the playground)\n",
        advice.experiment, advice.experiment
    ));
    emit(&out);
    Ok(ExitCode::SUCCESS)
}
