//! `concur completions SHELL` and `concur man`: the shell completion scripts
//! and the man page, generated from the same clap definition that parses the
//! command line (clap_complete, clap_mangen), so they never drift from it.
//! Hidden subcommands (the worker entry points) appear in neither.

use crate::cli::Cli;
use crate::options::Failure;
use clap::CommandFactory;
use clap_complete::Shell;

/// The completion script for `shell`.
pub fn completions(shell: Shell) -> String {
    let mut command = visible_command();
    let mut out = Vec::new();
    clap_complete::generate(shell, &mut command, "concur", &mut out);
    String::from_utf8_lossy(&out).into_owned()
}

/// concur's command without its hidden worker entry points: clap_complete
/// would offer them otherwise.
fn visible_command() -> clap::Command {
    let full = Cli::command();
    let visible: Vec<clap::Command> = full
        .get_subcommands()
        .filter(|sub| !sub.is_hide_set())
        .cloned()
        .collect();
    clap::Command::new("concur")
        .version(env!("CARGO_PKG_VERSION"))
        .about(full.get_about().cloned().unwrap_or_default())
        .subcommand_required(true)
        .subcommands(visible)
}

/// concur's man page (section 1) in roff: the top-level page, then one
/// section per visible subcommand with what it does and its options.
pub fn man_page() -> Result<String, Failure> {
    let command = Cli::command();
    let mut out = Vec::new();
    let render = |out: &mut Vec<u8>| -> std::io::Result<()> {
        use std::io::Write;
        let man = clap_mangen::Man::new(command.clone());
        man.render_title(out)?;
        man.render_name_section(out)?;
        man.render_synopsis_section(out)?;
        man.render_description_section(out)?;
        man.render_options_section(out)?;
        // One section per subcommand on this page (clap_mangen's own list
        // would point at concur-run(1) and the like, which are not shipped).
        for sub in command.get_subcommands().filter(|sub| !sub.is_hide_set()) {
            writeln!(out, ".SH \"CONCUR {}\"", sub.get_name().to_uppercase())?;
            if let Some(about) = sub.get_about() {
                writeln!(out, "{}", roff_text(&about.to_string()))?;
            }
            let sub_man = clap_mangen::Man::new(
                sub.clone()
                    .bin_name(format!("concur {}", sub.get_name()))
                    .disable_help_flag(true),
            );
            let mut part = Vec::new();
            sub_man.render_synopsis_section(&mut part)?;
            if sub.get_arguments().any(|arg| !arg.is_hide_set()) {
                sub_man.render_options_section(&mut part)?;
            }
            let part = String::from_utf8_lossy(&part)
                .replacen(".SH SYNOPSIS", ".SS Synopsis", 1)
                .replacen(".SH OPTIONS", ".SS Options", 1);
            out.write_all(part.as_bytes())?;
        }
        man.render_version_section(out)
    };
    render(&mut out).map_err(|err| Failure::Run(format!("cannot render the man page: {err}")))?;
    Ok(String::from_utf8_lossy(&out).into_owned())
}

/// Plain text made safe for a roff line: a leading `.` or `'` would be read
/// as a request, and backslashes as escapes.
fn roff_text(text: &str) -> String {
    let text = text.replace('\\', "\\e");
    if text.starts_with('.') || text.starts_with('\'') {
        format!("\\&{text}")
    } else {
        text
    }
}
