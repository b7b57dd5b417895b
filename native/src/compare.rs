//! `concur compare A.json [B.json]`: two saved reports side by side, or a
//! `concur python` report's concur rows beside its CPython rows.
//!
//! A file holds one report (`concur run --json`, `concur python EXP
//! --json`) or a document `{"schema_version": 1, "tool": ..., "reports":
//! [...]}` (`--export-json`); anything else is refused naming the file
//! (exit 2). The matching, ratios and warnings are core's
//! (`concur_core::compare`); `text.rs` prints them.

mod text;

use crate::cli::CompareArgs;
use crate::emit;
use crate::options::Failure;
use concur_core::compare::{Comparison, Input, concur_vs_cpython, two_reports};
use concur_core::report::{Report, Reports};
use std::path::Path;
use std::process::ExitCode;

/// Prints the comparison of the reports `args` names.
pub fn run(args: &CompareArgs) -> Result<ExitCode, Failure> {
    let a = load(&args.a)?;
    let comparison: Comparison = match &args.b {
        Some(b) => two_reports(&a, &load(b)?),
        None => concur_vs_cpython(&a).map_err(Failure::Usage)?,
    };
    if args.json {
        let json = serde_json::to_string_pretty(&comparison)
            .map_err(|err| Failure::Run(format!("cannot write the comparison as JSON: {err}")))?;
        emit(&format!("{json}\n"));
    } else {
        emit(&text::render(&comparison));
    }
    Ok(ExitCode::SUCCESS)
}

/// Reads one file: a report or a document of reports.
fn load(path: &Path) -> Result<Input, Failure> {
    let file = path.display().to_string();
    let text = std::fs::read_to_string(path)
        .map_err(|err| Failure::Usage(format!("{file}: cannot read it: {err}")))?;
    parse(&file, &text).map_err(|why| Failure::Usage(format!("{file}: {why}")))
}

/// A report, or a `{"schema_version": 1, "reports": [...]}` document.
fn parse(file: &str, text: &str) -> Result<Input, String> {
    let value: serde_json::Value =
        serde_json::from_str(text).map_err(|err| format!("not JSON: {err}"))?;
    if value.get("reports").is_none() {
        return Ok(Input {
            file: file.to_string(),
            document_tool: None,
            reports: vec![Report::from_json(text)?],
        });
    }
    let document = Reports::from_json(text)?;
    if document.reports.is_empty() {
        return Err("its \"reports\" list is empty".to_string());
    }
    Ok(Input {
        file: file.to_string(),
        document_tool: Some(document.tool),
        reports: document.reports,
    })
}

#[cfg(test)]
mod tests;
