//! `concur completions` and `concur man`: generated from the same clap
//! definition that parses the command line, they name every visible
//! subcommand and flag and none of the hidden worker entry points.

use crate::support::run_concur;

/// The subcommands `concur --help` lists (hidden ones are not there).
fn visible_subcommands() -> Vec<String> {
    let help = run_concur(&["--help"]);
    help.assert_exit_code(0);
    help.stdout
        .lines()
        .skip_while(|line| !line.starts_with("Commands:"))
        .skip(1)
        .take_while(|line| line.starts_with("  "))
        .filter_map(|line| line.split_whitespace().next())
        .filter(|name| *name != "help")
        .map(str::to_string)
        .collect()
}

#[test]
fn every_shell_gets_a_script_naming_every_subcommand() {
    let subcommands = visible_subcommands();
    assert!(
        ["run", "bench", "compare", "completions", "man"]
            .iter()
            .all(|name| subcommands.iter().any(|s| s == name)),
        "{subcommands:?}"
    );
    for shell in ["bash", "zsh", "fish", "powershell", "elvish"] {
        let finished = run_concur(&["completions", shell]);
        finished.assert_exit_code(0);
        for name in &subcommands {
            assert!(
                finished.stdout.contains(name.as_str()),
                "{shell}: no {name}"
            );
        }
        // fish writes `-l keep-alive`, the others `--keep-alive`.
        for flag in ["export-markdown", "keep-alive", "gil-switch-ms"] {
            assert!(finished.stdout.contains(flag), "{shell}: no {flag}");
        }
        assert!(
            !finished.stdout.contains("__worker") && !finished.stdout.contains("listen_fd"),
            "{shell}: a hidden entry point is offered"
        );
    }
}

#[test]
fn bash_accepts_the_bash_script() {
    let finished = run_concur(&["completions", "bash"]);
    let dir = std::env::temp_dir().join(format!("concur-completions-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let script = dir.join("concur.bash");
    std::fs::write(&script, &finished.stdout).unwrap();
    let checked = std::process::Command::new("bash")
        .arg("-n")
        .arg(&script)
        .output()
        .expect("bash runs");
    std::fs::remove_dir_all(&dir).ok();
    assert!(
        checked.status.success(),
        "{}",
        String::from_utf8_lossy(&checked.stderr)
    );
}

#[test]
fn an_unknown_shell_is_a_usage_error_naming_the_choices() {
    let finished = run_concur(&["completions", "tcsh"]);
    finished.assert_exit_code(2);
    assert!(
        finished.stderr.contains("bash") && finished.stderr.contains("powershell"),
        "{}",
        finished.stderr
    );
}

#[test]
fn the_man_page_has_a_section_per_subcommand_with_its_flags() {
    let finished = run_concur(&["man"]);
    finished.assert_exit_code(0);
    let page = &finished.stdout;
    assert!(
        page.contains(".TH concur 1"),
        "{}",
        &page[..200.min(page.len())]
    );
    for name in visible_subcommands() {
        let heading = format!(".SH \"CONCUR {}\"", name.to_uppercase());
        assert!(page.contains(&heading), "no {heading}");
    }
    let run_section = &page[page.find(".SH \"CONCUR RUN\"").unwrap()..];
    let run_section = &run_section[..run_section.find(".SH \"CONCUR LIST\"").unwrap()];
    for flag in [r"\-\-export\-csv", r"\-\-runs", r"\-\-keep\-alive"] {
        assert!(run_section.contains(flag), "run's section lacks {flag}");
    }
    assert!(!page.contains("__worker") && !page.contains("concur\\-run(1)"));
}
