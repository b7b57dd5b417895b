//! `--export-json`, `--export-csv`, `--export-markdown` (on `run`,
//! `python`, `tour` and `bench`): the files, after hyperfine's flags.
//!
//! [`Exports::check`] runs before anything is measured, so a long run
//! cannot end in "cannot write": each path's directory must exist, the
//! path must not be a directory, must be writable, and no two flags may
//! name the same file (a usage error, exit 2, naming the flag). After the
//! runs, [`Exports::write_report`] (one report: `run`, `python`) or
//! [`Exports::write_reports`] (`tour`, `bench`: the JSON is a
//! [`Reports`] document) writes every file, also when a model answered
//! wrongly, since the report says so; a write that fails then is a run
//! failure (exit 1) naming the flag. The formats are concur-core's
//! (`export::csv`, `export::markdown`).

use crate::cli::ExportArgs;
use crate::options::Failure;
use concur_core::export::{csv, markdown};
use concur_core::report::{Report, Reports};
use std::path::{Path, PathBuf};

/// One export format, named by its flag.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Format {
    Json,
    Csv,
    Markdown,
}

impl Format {
    pub fn flag(self) -> &'static str {
        match self {
            Format::Json => "--export-json",
            Format::Csv => "--export-csv",
            Format::Markdown => "--export-markdown",
        }
    }
}

/// The export files a command was asked for, their paths checked.
#[derive(Debug, Default)]
pub struct Exports {
    files: Vec<(Format, PathBuf)>,
}

impl Exports {
    /// Checks every path before anything runs.
    pub fn check(args: &ExportArgs) -> Result<Exports, Failure> {
        let asked = [
            (Format::Json, &args.export_json),
            (Format::Csv, &args.export_csv),
            (Format::Markdown, &args.export_markdown),
        ];
        let mut files: Vec<(Format, PathBuf)> = Vec::new();
        for (format, path) in asked {
            let Some(path) = path else { continue };
            check_path(format.flag(), path)?;
            Exports {
                files: files.clone(),
            }
            .refuse_same_file(format.flag(), path)?;
            files.push((format, path.clone()));
        }
        Ok(Exports { files })
    }

    /// Refuses `path` of another flag (`--trace`) when an export writes
    /// the same file.
    pub fn refuse_same_file(&self, flag: &str, path: &Path) -> Result<(), Failure> {
        match self.files.iter().find(|(_, taken)| taken == path) {
            Some((format, _)) => Err(Failure::Usage(format!(
                "{flag} {}: the same file as {}; give each its own file",
                path.display(),
                format.flag()
            ))),
            None => Ok(()),
        }
    }

    pub fn is_empty(&self) -> bool {
        self.files.is_empty()
    }

    /// The flags given, for messages ("--export-json, --export-csv").
    pub fn flags(&self) -> String {
        let flags: Vec<&str> = self.files.iter().map(|(format, _)| format.flag()).collect();
        flags.join(", ")
    }

    /// Writes one report (`concur run`, `concur python`): the JSON is
    /// exactly what `--json` prints.
    pub fn write_report(&self, report: &Report) -> Result<(), Failure> {
        self.write(std::slice::from_ref(report), || report.to_json())
    }

    /// Writes every report of a command (`concur tour`, `concur bench`):
    /// the JSON is one [`Reports`] document holding them in order.
    pub fn write_reports(&self, tool: &str, reports: &[Report]) -> Result<(), Failure> {
        self.write(reports, || Reports::new(tool, reports.to_vec()).to_json())
    }

    /// Writes every file, then reports every write that failed.
    fn write(&self, reports: &[Report], json: impl Fn() -> String) -> Result<(), Failure> {
        let mut failed = Vec::new();
        for (format, path) in &self.files {
            let text = match format {
                Format::Json => format!("{}\n", json()),
                Format::Csv => csv::render(reports),
                Format::Markdown => markdown::render(reports),
            };
            if let Err(err) = std::fs::write(path, text) {
                failed.push(format!(
                    "{} {}: cannot write: {err}",
                    format.flag(),
                    path.display()
                ));
            }
        }
        if failed.is_empty() {
            Ok(())
        } else {
            Err(Failure::Run(failed.join("; ")))
        }
    }
}

/// A usage error unless `path` can be written: its directory exists, it
/// is not a directory itself, and a file can be opened there (a probe
/// file that did not exist before is removed again).
pub fn check_path(flag: &str, path: &Path) -> Result<(), Failure> {
    let refuse = |why: String| Failure::Usage(format!("{flag} {}: {why}", path.display()));
    if path.as_os_str().is_empty() {
        return Err(Failure::Usage(format!("{flag}: the file name is empty")));
    }
    if path.is_dir() {
        return Err(refuse("it is a directory; name a file".into()));
    }
    let parent = match path.parent() {
        Some(parent) if !parent.as_os_str().is_empty() => parent,
        _ => Path::new("."),
    };
    if !parent.exists() {
        return Err(refuse(format!(
            "directory {} does not exist",
            parent.display()
        )));
    }
    if !parent.is_dir() {
        return Err(refuse(format!("{} is not a directory", parent.display())));
    }
    let existed = path.exists();
    std::fs::OpenOptions::new()
        .write(true)
        .create(true)
        .truncate(false)
        .open(path)
        .map_err(|err| refuse(format!("cannot write there: {err}")))?;
    if !existed {
        let _ = std::fs::remove_file(path);
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn dir(name: &str) -> PathBuf {
        let dir = std::env::temp_dir().join(format!("concur-export-{}-{name}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).unwrap();
        dir
    }

    fn usage(result: Result<Exports, Failure>) -> String {
        match result {
            Err(Failure::Usage(message)) => message,
            other => panic!("expected a usage error, got {other:?}"),
        }
    }

    #[test]
    fn bad_paths_are_usage_errors_that_name_the_flag() {
        let tmp = dir("paths");
        let args = |json: Option<PathBuf>, csv: Option<PathBuf>| ExportArgs {
            export_json: json,
            export_csv: csv,
            export_markdown: None,
        };
        let message = usage(Exports::check(&args(None, Some("/nope/x.csv".into()))));
        assert_eq!(
            message,
            "--export-csv /nope/x.csv: directory /nope does not exist"
        );
        let message = usage(Exports::check(&args(Some(tmp.clone()), None)));
        assert!(
            message.starts_with("--export-json ") && message.contains("is a directory"),
            "{message}"
        );
        let file = tmp.join("a");
        std::fs::write(&file, "x").unwrap();
        let message = usage(Exports::check(&args(None, Some(file.join("b.csv")))));
        assert!(message.contains("is not a directory"), "{message}");
        let same = tmp.join("same");
        let message = usage(Exports::check(&args(Some(same.clone()), Some(same))));
        assert!(
            message.starts_with("--export-csv ") && message.contains("same file as --export-json"),
            "{message}"
        );
        let _ = std::fs::remove_dir_all(&tmp);
    }

    #[test]
    fn checking_leaves_no_file_behind_and_keeps_an_existing_one() {
        let tmp = dir("probe");
        let new = tmp.join("new.md");
        let old = tmp.join("old.json");
        std::fs::write(&old, "kept").unwrap();
        let exports = Exports::check(&ExportArgs {
            export_json: Some(old.clone()),
            export_csv: None,
            export_markdown: Some(new.clone()),
        })
        .unwrap();
        assert!(!new.exists());
        assert_eq!(std::fs::read_to_string(&old).unwrap(), "kept");
        assert_eq!(exports.flags(), "--export-json, --export-markdown");
        assert!(Exports::check(&ExportArgs::default()).unwrap().is_empty());
        let _ = std::fs::remove_dir_all(&tmp);
    }

    #[test]
    fn a_write_that_fails_after_the_run_is_a_run_failure_naming_the_flag() {
        let tmp = dir("late");
        let path = tmp.join("gone").join("x.csv");
        let exports = Exports {
            files: vec![(Format::Csv, path)],
        };
        match exports.write_reports("test", &[]) {
            Err(Failure::Run(message)) => {
                assert!(message.starts_with("--export-csv "), "{message}");
                assert!(message.contains("cannot write"), "{message}");
            }
            other => panic!("expected a run failure, got {other:?}"),
        }
        let _ = std::fs::remove_dir_all(&tmp);
    }
}
