//! Keeps the lessons' "Rust that actually runs" excerpts true to the code
//! they quote. An excerpt is a hand copy of lines from this repository, so
//! it goes stale silently when the code changes; this test reads the quoted
//! files and fails as soon as an excerpt line no longer appears in them.
//!
//! The format an excerpt follows:
//!
//! - A header line `// path/to/file.rs: what it shows` (or
//!   `// path/to/file.rs (note)`) names the file the lines below it quote,
//!   relative to the workspace root. Every excerpt starts with one, and a
//!   new header starts a new quotation, of the same file or another.
//! - Every other non-blank line must appear in that file, after the
//!   previous quoted line (lines are compared trimmed, so indentation may
//!   differ, and lines in between may be left out).
//! - A full-line comment that starts with `// ...` is an elision: it says
//!   that something was left out or summarises it, and is not looked up.
//! - A comment at the end of a code line (after ` // `) is the lesson's own
//!   note: only the code before it is compared, on both sides.

use super::lessons;
use std::path::{Path, PathBuf};

/// The path a header line names, if `line` is a header.
fn quoted_file(line: &str) -> Option<&str> {
    let rest = line.trim().strip_prefix("// ")?;
    let path = rest.split([':', ' ']).next()?;
    (path.ends_with(".rs") && path.contains('/')).then_some(path)
}

/// Whether `line` is an elision (`// ...` and whatever follows).
fn is_elision(line: &str) -> bool {
    line.trim().starts_with("// ...")
}

/// The part of a line that is compared: the trimmed line without the
/// comment at its end, if it has code before that comment.
fn code(line: &str) -> &str {
    let line = line.trim();
    match line.find(" // ") {
        Some(at) => line[..at].trim_end(),
        None => line,
    }
}

fn workspace_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

/// Checks one excerpt; returns every problem found, one line each.
fn check_excerpt(lesson: &str, excerpt: &str, root: &Path) -> Vec<String> {
    let mut problems = Vec::new();
    let mut source: Option<(String, Vec<String>)> = None;
    let mut cursor = 0;
    for (number, line) in excerpt.lines().enumerate() {
        let number = number + 1;
        if line.trim().is_empty() || is_elision(line) {
            continue;
        }
        if let Some(path) = quoted_file(line) {
            match std::fs::read_to_string(root.join(path)) {
                Ok(text) => {
                    source = Some((path.to_string(), text.lines().map(String::from).collect()))
                }
                Err(err) => {
                    problems.push(format!("{lesson}: line {number} names {path}: {err}"));
                    source = None;
                }
            }
            cursor = 0;
            continue;
        }
        let Some((path, lines)) = &source else {
            if number == 1 || problems.is_empty() {
                problems.push(format!(
                    "{lesson}: line {number} quotes no file (start with `// path.rs: ...`)"
                ));
            }
            continue;
        };
        let wanted = code(line);
        match lines[cursor..].iter().position(|have| code(have) == wanted) {
            Some(offset) => cursor += offset + 1,
            None => problems.push(format!(
                "{lesson}: line {number} is not in {path} (after line {cursor}): {wanted:?}"
            )),
        }
    }
    problems
}

#[test]
fn every_excerpt_quotes_its_file_line_for_line() {
    let root = workspace_root();
    let problems: Vec<String> = lessons()
        .iter()
        .flat_map(|lesson| check_excerpt(lesson.id, lesson.rust, &root))
        .collect();
    assert!(
        problems.is_empty(),
        "stale excerpts:\n{}",
        problems.join("\n")
    );
}

#[test]
fn the_check_catches_a_changed_line_and_a_missing_header() {
    let root = workspace_root();
    let good = "// crates/core/src/model.rs: the models\n\
                pub enum Model {\n    // ... the variants\n    Sequential, // a note\n";
    assert_eq!(check_excerpt("t", good, &root), Vec::<String>::new());
    let changed = "// crates/core/src/model.rs: the models\npub enum Models {\n";
    assert_eq!(check_excerpt("t", changed, &root).len(), 1);
    // Lines must come in the file's order.
    let swapped = "// crates/core/src/model.rs: the models\n    Sequential,\npub enum Model {\n";
    assert_eq!(check_excerpt("t", swapped, &root).len(), 1);
    let headless = "pub enum Model {\n";
    assert_eq!(check_excerpt("t", headless, &root).len(), 1);
    let missing = "// crates/core/src/nope.rs: nothing\n";
    assert_eq!(check_excerpt("t", missing, &root).len(), 1);
}
