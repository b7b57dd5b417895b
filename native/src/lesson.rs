//! `concur lesson`: the course in the terminal, from the same content as
//! the page. Without an argument it lists the lessons; with an id or a
//! section number it prints that lesson and the command that runs it. A
//! section with two lessons (5: requests, then the echo server) prints its
//! first and names the other.

use crate::emit;
use crate::options::Failure;
use concur_core::lessons::{Lesson, lessons};
use std::process::ExitCode;

/// Wraps a paragraph at `width` columns.
fn wrap(text: &str, width: usize, indent: &str) -> String {
    let mut out = String::new();
    let mut line = String::new();
    for word in text.split_whitespace() {
        if !line.is_empty() && line.len() + 1 + word.len() > width {
            out.push_str(indent);
            out.push_str(&line);
            out.push('\n');
            line.clear();
        }
        if !line.is_empty() {
            line.push(' ');
        }
        line.push_str(word);
    }
    if !line.is_empty() {
        out.push_str(indent);
        out.push_str(&line);
        out.push('\n');
    }
    out
}

fn indented(code: &str) -> String {
    code.trim_matches('\n')
        .lines()
        .map(|line| format!("    {line}\n"))
        .collect()
}

/// The command that runs a lesson's experiment with its preset.
pub fn try_command(lesson: &Lesson) -> Option<String> {
    let experiment = lesson.experiment?;
    let preset = lesson.preset;
    let mut command = format!("concur run {experiment}");
    for (flag, value) in [
        ("tasks", preset.tasks.map(u64::from)),
        ("workers", preset.workers.map(u64::from)),
        ("n", preset.n),
        ("delay-ms", preset.delay_ms),
    ] {
        if let Some(value) = value {
            command.push_str(&format!(" --{flag} {value}"));
        }
    }
    Some(command)
}

fn render(lesson: &Lesson) -> String {
    let mut out = format!("{}. {}\n\n", lesson.section, lesson.title);
    for paragraph in lesson.body {
        out.push_str(&wrap(paragraph, 78, ""));
        out.push('\n');
    }
    out.push_str("The Python this lesson is about:\n\n");
    out.push_str(&indented(lesson.python));
    out.push_str("\nThe Rust that actually runs:\n\n");
    out.push_str(&indented(lesson.rust));
    out.push_str("\nRemember:\n");
    for takeaway in lesson.takeaways {
        out.push_str(&format!("  -{}", &wrap(takeaway, 76, "    ")[3..]));
    }
    if let Some(prediction) = lesson.predict {
        out.push_str(&format!(
            "\nPredict first: {} ({})\n",
            prediction.question(),
            prediction.options().join(" / ")
        ));
    }
    if let Some(command) = try_command(lesson) {
        out.push_str(&format!("Then see: {command}\n"));
        // The lesson's Python above, run with this machine's python3 beside it.
        let beside = command.replacen("concur run", "concur python", 1);
        out.push_str(&format!("And beside CPython: {beside}\n"));
    }
    if lesson.id == "decision-flow" {
        out.push_str("Then ask: concur advise\n");
    }
    if lesson.id == "echo-server" {
        out.push_str(
            "Then push it: concur run echo-server --tasks 10000 --n 0 \
             --models async,threads-free,threads-gil\n",
        );
    }
    out
}

/// The lesson `which` names: its id, or its section number (the first
/// lesson of that section).
fn find<'a>(all: &'a [Lesson], which: &str) -> Option<&'a Lesson> {
    let section = which.trim().parse::<u8>().ok();
    all.iter()
        .find(|l| l.id == which)
        .or_else(|| all.iter().find(|l| Some(l.section) == section))
}

/// "Section 5 also has: ..." for the other lessons of `lesson`'s section.
fn others_in_section(all: &[Lesson], lesson: &Lesson) -> String {
    all.iter()
        .filter(|l| l.section == lesson.section && l.id != lesson.id)
        .map(|l| {
            format!(
                "Section {} also has: concur lesson {} ({})\n",
                l.section, l.id, l.title
            )
        })
        .collect()
}

pub fn run(which: Option<String>) -> Result<ExitCode, Failure> {
    let all = lessons();
    let Some(which) = which else {
        let mut out = String::from("Lessons (concur lesson <id or number>):\n");
        for lesson in &all {
            out.push_str(&format!(
                "  {}  {:<16} {}\n",
                lesson.section, lesson.id, lesson.title
            ));
        }
        emit(&out);
        return Ok(ExitCode::SUCCESS);
    };
    match find(&all, &which) {
        Some(lesson) => {
            emit(&(render(lesson) + &others_in_section(&all, lesson)));
            Ok(ExitCode::SUCCESS)
        }
        None => {
            let ids: Vec<&str> = all.iter().map(|l| l.id).collect();
            let last_section = all.iter().map(|l| l.section).max().unwrap_or(0);
            Err(Failure::Usage(format!(
                "unknown lesson \"{which}\": give a number from 1 to {last_section} or one of {}",
                ids.join(", ")
            )))
        }
    }
}
