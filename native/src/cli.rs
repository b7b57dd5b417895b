//! Raw command-line flags, as clap parses them.
//!
//! Numbers arrive as text so that `options` can refuse bad values with a
//! message naming the flag and its range (clap's own message for `-1` or an
//! overflowing number would not). Validation lives in `options`.

use clap::{Args, Parser, Subcommand};
use std::path::PathBuf;

#[derive(Debug, Parser)]
#[command(
    name = "concur",
    version,
    about = "Run the same workloads under threads, processes and async, and see which wins and why",
    propagate_version = true
)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Run an experiment under every model and compare them
    Run(Box<RunArgs>),
    /// List the experiments, their defaults and the models
    List,
    /// Serve the I/O endpoints (/delay/{seconds}, /status/{codes}, /get, /echo: httpbin.org's paths), and with --dir a site, until Ctrl-C
    Serve(ServeArgs),
    /// Measure the speed targets and print them as ratios (exit 1 when one is missed or fails)
    Bench(BenchArgs),
    /// Which model suits your program? The tutorial's decision flow
    Advise(AdviseArgs),
    /// Run every experiment and check the tutorial's claims on this machine (exit 1 when one does not hold)
    Tour(TourArgs),
    /// Run an experiment's Python twin with this machine's python3 beside concur's models (no experiment: list the twins)
    Python(Box<PythonArgs>),
    /// How close the emulated GIL comes to CPython's: the GIL-sensitive shapes under both (exit 1 when one is off by more than 15%)
    Fidelity(FidelityArgs),
    /// Two saved reports side by side with ratios (`--json` or `--export-json` output); one report with CPython rows compares concur with CPython
    Compare(CompareArgs),
    /// Read the course: list the lessons, or print one (by id or number)
    Lesson {
        /// A lesson id (`gil`) or section number (`2`)
        lesson: Option<String>,
    },
    /// Print a shell completion script (e.g. `concur completions bash > ~/.local/share/bash-completion/completions/concur`)
    Completions {
        /// The shell to complete for
        #[arg(value_enum)]
        shell: clap_complete::Shell,
    },
    /// Print concur's man page in roff (e.g. `concur man > ~/.local/share/man/man1/concur.1`)
    Man,
    /// Exits at once (what `bench claims` starts to time process creation)
    #[command(name = "__exit", hide = true)]
    Exit,
    /// Echoes stdin to stdout byte by byte (what `bench claims` times switches with)
    #[command(name = "__pong", hide = true)]
    Pong,
    /// Measures memory per thread, task or process in a fresh process (for `bench claims`)
    #[command(name = "__measure", hide = true)]
    Measure { kind: String, count: usize },
    /// A worker process of the echo server's pool (started by `run`)
    #[command(name = "__echo-worker", hide = true)]
    EchoWorker {
        #[arg(long)]
        lane: u32,
        #[arg(long)]
        parent: u32,
        #[arg(long)]
        listen_fd: String,
        #[arg(long)]
        wait_ms: u64,
    },
    /// The echo server's clients (started by `run`)
    #[command(name = "__echo-clients", hide = true)]
    EchoClients {
        #[arg(long)]
        parent: u32,
        #[arg(long)]
        addr: String,
    },
    /// The worker process of the processes model (started by `run`)
    #[command(name = "__worker", hide = true)]
    Worker {
        #[arg(long)]
        lane: u32,
        #[arg(long)]
        parent: u32,
    },
}

#[derive(Debug, Args)]
pub struct RunArgs {
    /// The experiment to run (see `concur list`)
    pub experiment: Option<String>,
    /// Models to run: comma-separated names, `threads` for both thread models, or `all`
    #[arg(long, value_name = "LIST")]
    pub models: Option<String>,
    /// Workers per model (threads, processes, async concurrency limit)
    #[arg(long, value_name = "N", allow_hyphen_values = true)]
    pub workers: Option<String>,
    /// Number of tasks
    #[arg(long, value_name = "N", allow_hyphen_values = true)]
    pub tasks: Option<String>,
    /// Iterations per CPU task (cpu-sqrt)
    #[arg(long, value_name = "N", allow_hyphen_values = true)]
    pub n: Option<String>,
    /// Server-side delay of each request in milliseconds (quick-io)
    #[arg(long, value_name = "MS", allow_hyphen_values = true)]
    pub delay_ms: Option<String>,
    /// Measured runs per model
    #[arg(long, value_name = "N", allow_hyphen_values = true)]
    pub runs: Option<String>,
    /// Unmeasured warm-up runs per model
    #[arg(long, value_name = "N", allow_hyphen_values = true)]
    pub warmup: Option<String>,
    /// The emulated GIL's switch interval in milliseconds (CPython: 5)
    #[arg(long, value_name = "MS", allow_hyphen_values = true)]
    pub gil_switch_ms: Option<String>,
    /// Send the I/O to this http:// URL instead of the built-in server
    #[arg(long, value_name = "URL")]
    pub target: Option<String>,
    /// Blocking GETs (sequential, threads, processes) reuse one connection per worker (requests.Session) instead of opening one per request (requests.get, the tutorial's code); the async model's client reuses its connections either way (aiohttp.ClientSession)
    #[arg(long)]
    pub keep_alive: bool,
    /// Print the report as JSON instead of a table
    #[arg(long)]
    pub json: bool,
    /// Write a Chrome trace (open it in Perfetto) to FILE
    #[arg(long, value_name = "FILE")]
    pub trace: Option<PathBuf>,
    /// No progress bar and no notes on stderr
    #[arg(long, short)]
    pub quiet: bool,
    /// Start from the quick preset (short waits, little computing, one run)
    #[arg(long)]
    pub quick: bool,
    #[command(flatten)]
    pub export: ExportArgs,
}

/// Files to write the results to as well, hyperfine's export flags: any
/// of them at once, beside the table or `--json` on stdout. Their paths
/// are checked before anything runs.
#[derive(Clone, Debug, Default, Args)]
pub struct ExportArgs {
    /// Also write the JSON report to FILE (what --json prints; tour and bench: {"schema_version", "tool", "reports": [...]})
    #[arg(long, value_name = "FILE")]
    pub export_json: Option<PathBuf>,
    /// Also write one CSV row per model to FILE (seconds, full precision; CPython rows labelled by interpreter)
    #[arg(long, value_name = "FILE")]
    pub export_csv: Option<PathBuf>,
    /// Also write a Markdown table per experiment to FILE, as hyperfine does
    #[arg(long, value_name = "FILE")]
    pub export_markdown: Option<PathBuf>,
}

#[derive(Debug, Args)]
pub struct PythonArgs {
    #[command(flatten)]
    pub run: RunArgs,
    /// The Python to run (default: python3 on PATH); free-threaded builds found on PATH run too
    #[arg(long, value_name = "PATH")]
    pub python: Option<PathBuf>,
    /// Print the twin's script instead of running it
    #[arg(long)]
    pub print: bool,
}

#[derive(Debug, Args)]
pub struct FidelityArgs {
    /// The Python to compare with (default: python3 on PATH)
    #[arg(long, value_name = "PATH")]
    pub python: Option<PathBuf>,
    /// Measured runs of each shape on each side; the ratios use the medians
    #[arg(
        long,
        value_name = "N",
        default_value = "3",
        allow_hyphen_values = true
    )]
    pub runs: String,
    /// Print the table as JSON
    #[arg(long)]
    pub json: bool,
    /// Exit 0 even when a shape is off by more than 15% (failures still exit 1)
    #[arg(long)]
    pub exit_zero: bool,
    /// No progress bar
    #[arg(long, short)]
    pub quiet: bool,
}

#[derive(Debug, Args)]
pub struct TourArgs {
    /// Use every experiment's quick preset (about a minute in all)
    #[arg(long)]
    pub quick: bool,
    /// Tour only these experiments: comma-separated ids (see `concur list`)
    #[arg(long, value_name = "LIST")]
    pub only: Option<String>,
    /// Set n (iterations, batch size or rows) of every experiment in --only
    #[arg(long, value_name = "N", allow_hyphen_values = true, requires = "only")]
    pub n: Option<String>,
    /// Exit 0 even when a claim does not hold or could not be tested (wrong answers still exit 1)
    #[arg(long)]
    pub exit_zero: bool,
    /// No progress bar
    #[arg(long, short)]
    pub quiet: bool,
    #[command(flatten)]
    pub export: ExportArgs,
}

#[derive(Debug, Args)]
pub struct CompareArgs {
    /// The first report (JSON written by `--json` or `--export-json`)
    #[arg(value_name = "A.json")]
    pub a: PathBuf,
    /// The second report; leave it out to compare a `concur python` report's concur rows with its CPython rows
    #[arg(value_name = "B.json")]
    pub b: Option<PathBuf>,
    /// Print the comparison as JSON
    #[arg(long)]
    pub json: bool,
}

#[derive(Debug, Args)]
pub struct ServeArgs {
    /// Port to listen on (0 picks a free one)
    #[arg(long, default_value = "8080", allow_hyphen_values = true)]
    pub port: String,
    /// Address to bind; 127.0.0.1 keeps it on this machine
    #[arg(long, default_value = "127.0.0.1")]
    pub host: String,
    /// Also serve the files in DIR (the built playground, with index.html)
    #[arg(long, value_name = "DIR")]
    pub dir: Option<PathBuf>,
}

#[derive(Debug, Args)]
pub struct AdviseArgs {
    /// Is the work CPU-bound (computing rather than waiting)? yes or no
    #[arg(long, value_name = "YES|NO")]
    pub cpu_bound: Option<String>,
    /// How many I/O operations are in flight at once
    #[arg(long, value_name = "N", allow_hyphen_values = true)]
    pub concurrent: Option<String>,
    /// Do async libraries exist, and can the code become async? yes or no
    #[arg(long, value_name = "YES|NO")]
    pub async_ok: Option<String>,
}

#[derive(Debug, Args)]
#[command(args_conflicts_with_subcommands = true)]
pub struct BenchArgs {
    #[command(subcommand)]
    pub what: Option<BenchCommand>,
    /// Exit 0 even when a target is missed (wrong or missing answers still exit 1)
    #[arg(long)]
    pub exit_zero: bool,
    /// No progress bar
    #[arg(long, short)]
    pub quiet: bool,
    // Exports the reports of the measured runs (cpu-sqrt, quick-io).
    #[command(flatten)]
    pub export: ExportArgs,
}

#[derive(Debug, Subcommand)]
pub enum BenchCommand {
    /// Measure the comparison table's rows instead: creation cost, memory and how many can be alive, per thread, task and process
    Claims,
}
