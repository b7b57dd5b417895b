//! concur, the native runner: the same workloads on real OS threads, real OS
//! processes and tokio, with statistics worth trusting.
//!
//! `main.rs` only calls [`main`]. Flags are parsed in [`cli`], validated into
//! [`options`], run by [`run`] through the executors in [`exec`] (one per
//! model), and reported through concur-core's report and exporters.
//!
//! Architecture invariant: nothing outlives a command. Servers stop and
//! close their port, scoped threads join, worker processes are reaped (and
//! killed on Ctrl-C, or by the kernel if the runner dies).

pub mod advise;
pub mod bench;
pub mod bench_claims;
pub mod children;
pub mod cli;
pub mod clock;
pub mod compare;
pub mod db;
pub mod exec;
pub mod export;
pub mod fidelity;
pub mod http;
pub mod lesson;
pub mod list;
pub mod load;
pub mod machine;
pub mod options;
pub mod platform;
pub mod progress;
pub mod python;
pub mod run;
pub mod server;
pub mod shell;
pub mod tour;

use clap::Parser;
use cli::{Cli, Command};
use options::Failure;
use std::process::ExitCode;

/// Writes to stdout; a reader that went away (`concur list | head -1`) is
/// not an error worth a panic, so a broken pipe ends the output quietly.
pub fn emit(text: &str) {
    use std::io::Write;
    let mut stdout = std::io::stdout().lock();
    if let Err(err) = stdout
        .write_all(text.as_bytes())
        .and_then(|()| stdout.flush())
        && err.kind() != std::io::ErrorKind::BrokenPipe
    {
        eprintln!("concur: warning: cannot write to stdout: {err}");
    }
}

/// "concur 0.1.0 (native)", as reports name their tool.
pub fn tool_name() -> String {
    format!("concur {} (native)", env!("CARGO_PKG_VERSION"))
}

fn serve(args: cli::ServeArgs) -> Result<ExitCode, Failure> {
    let port = concur_core::params::Limit {
        field: "port",
        min: 0,
        max: 65_535,
    }
    .parse(&args.port)?;
    let host = server::parse_host(&args.host).ok_or_else(|| {
        Failure::Usage(format!(
            "--host must be an IP address such as 127.0.0.1 or 0.0.0.0, or localhost (got \"{}\")",
            args.host
        ))
    })?;
    let bind = std::net::SocketAddr::new(host, port as u16);
    if let Some(dir) = &args.dir
        && !dir.join("index.html").is_file()
    {
        return Err(Failure::Usage(format!(
            "--dir {}: no index.html there (build the playground first: cargo xtask play)",
            dir.display()
        )));
    }
    server::serve_until_interrupted(bind, args.dir.as_deref(), |addr| {
        if let Some(warning) = server::exposure_warning(addr, args.dir.as_deref()) {
            eprintln!("{warning}");
        }
        let page = match &args.dir {
            Some(dir) => format!("  the page: http://{addr}/ (from {})\n", dir.display()),
            None => String::new(),
        };
        emit(&format!(
            "serving the concur endpoints on http://{addr} (Ctrl-C stops)\n{page}  /delay/{{seconds}}  /status/{{codes}}  /get  /echo\n"
        ));
    })
    .map_err(|err| Failure::Run(format!("cannot serve on {bind}: {err}")))?;
    Ok(ExitCode::SUCCESS)
}

/// Parses the command line, runs the command, and maps failures to exit
/// statuses: 2 for usage errors, 1 for run failures.
pub fn main() -> ExitCode {
    // 512 worker processes need two pipes each, and `bench claims` starts 1,000.
    platform::raise_open_file_limit();
    let cli = Cli::parse();
    let outcome = match cli.command {
        Command::Run(args) => run::command(*args),
        Command::List => {
            emit(&list::render());
            Ok(ExitCode::SUCCESS)
        }
        Command::Serve(args) => serve(args),
        Command::Bench(args) => match args.what {
            None => bench::bench(&args),
            Some(cli::BenchCommand::Claims) => bench_claims::run(),
        },
        Command::Completions { shell } => {
            emit(&shell::completions(shell));
            Ok(ExitCode::SUCCESS)
        }
        Command::Man => shell::man_page().map(|page| {
            emit(&page);
            ExitCode::SUCCESS
        }),
        Command::Exit => Ok(ExitCode::SUCCESS),
        Command::Pong => Ok(bench_claims::pong()),
        Command::Measure { kind, count } => Ok(bench_claims::measure_in_this_process(&kind, count)),
        Command::Advise(args) => advise::run(args),
        Command::Tour(args) => tour::run(args),
        Command::Lesson { lesson } => lesson::run(lesson),
        Command::Python(args) => python::run(*args),
        Command::Fidelity(args) => fidelity::run(args),
        Command::Compare(args) => compare::run(&args),
        Command::Worker { lane, parent } => Ok(exec::worker::worker_main(lane, parent)),
        Command::EchoWorker {
            lane,
            parent,
            listen_fd,
            wait_ms,
        } => Ok(exec::echo::pool::worker_main(
            lane, parent, &listen_fd, wait_ms,
        )),
        Command::EchoClients { parent, addr } => {
            Ok(exec::echo::clients::clients_main(parent, &addr))
        }
    };
    match outcome {
        Ok(code) => code,
        Err(Failure::Usage(message)) => {
            eprintln!("concur: error: {message}");
            ExitCode::from(2)
        }
        Err(Failure::Run(message)) => {
            eprintln!("concur: error: {message}");
            ExitCode::from(1)
        }
    }
}
