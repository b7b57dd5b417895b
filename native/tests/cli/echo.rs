//! The `echo-server` experiment, natively a real TCP echo server on
//! 127.0.0.1 against clients in a process of their own: every model echoes
//! every client, one connection at a time makes clients queue, the trace has
//! a lane per client (and per connection thread, per pool worker with its
//! real pid), 10,000 clients are served, no `__echo-worker` or
//! `__echo-clients` process outlives a run or Ctrl-C (and the port closes),
//! and bad flag values are refused.

use crate::bad_input::assert_usage_error;
use crate::procs::{poll_until, proc_args, proc_stat, send_signal};
use crate::support::{FinishedCommand, MODELS, RunningConcur, TempDir, run_concur};
use crate::traces::{TraceSlice, read_trace, trace_slices};
use serde_json::Value;
use std::collections::{BTreeMap, BTreeSet};
use std::net::{SocketAddr, TcpStream};
use std::time::Duration;

/// The hidden subcommands of the echo server's helper processes.
const ECHO_WORKER: &str = "__echo-worker";
const ECHO_CLIENTS: &str = "__echo-clients";

/// `concur run echo-server FLAGS EXTRA`, measured once without a warm-up.
fn echo_run<'a>(flags: &'a str, extra: &[&'a str]) -> Vec<&'a str> {
    let mut args = vec!["run", "echo-server"];
    args.extend(flags.split_whitespace());
    args.extend_from_slice(extra);
    args.extend(["--runs", "1", "--warmup", "0", "--quiet"]);
    args
}

/// The report's results, checked to be every model's in order, each with
/// every echo right, the same answer and a client wait; returns them by model.
fn answered_by_every_model<'r>(
    finished: &FinishedCommand,
    report: &'r Value,
    models: &[&str],
    clients: u32,
) -> BTreeMap<String, &'r Value> {
    let results = report["results"].as_array().expect("results");
    let names: Vec<&str> = results
        .iter()
        .map(|r| r["model"].as_str().expect("a model name"))
        .collect();
    assert_eq!(names, models, "{}", finished.describe());
    let answers: BTreeSet<&str> = results
        .iter()
        .map(|r| r["answer"].as_str().expect("an answer"))
        .collect();
    assert_eq!(answers.len(), 1, "every model echoes the same: {answers:?}");
    let answer = answers.first().expect("one answer");
    assert!(
        answer.starts_with(&format!("{clients} echoes, ")),
        "{answer:?}"
    );
    for result in results {
        let model = &result["model"];
        assert_eq!(result["answer_ok"], true, "{model}: {}", result["problems"]);
        assert_eq!(result["problems"], Value::Array(vec![]), "{model}");
        let request_ms = result["request_ms"].as_f64();
        assert!(
            request_ms.is_some_and(|ms| ms > 0.0),
            "{model}: no client wait in {result}"
        );
    }
    results
        .iter()
        .map(|r| (r["model"].as_str().unwrap().to_string(), r))
        .collect()
}

#[test]
fn every_model_echoes_every_client_and_one_at_a_time_makes_clients_queue() {
    let finished = run_concur(&echo_run("--tasks 5 --n 0 --delay-ms 100 --json", &[]));
    finished.assert_exit_code(0);
    let report = finished.stdout_json();
    let results = answered_by_every_model(&finished, &report, &MODELS, 5);
    let wait = |model: &str| results[model]["request_ms"].as_f64().unwrap();
    for model in MODELS {
        // A lower bound, not a timing: every echo comes after a handler
        // that slept 100 ms, and sleeps never end early.
        assert!(wait(model) >= 100.0, "{model}: {} ms", wait(model));
    }
    // All 5 clients connect at once: one at a time, client k waits k
    // handlers (mean 3); a server that serves them all at once, one (mean
    // 1). Processes are left out: the pool's start-up counts in their waits.
    for concurrent in ["async", "threads-gil", "threads-free"] {
        assert!(
            wait("sequential") > 1.5 * wait(concurrent),
            "sequential clients should queue: sequential {} ms, {concurrent} {} ms",
            wait("sequential"),
            wait(concurrent)
        );
    }
    // Threads start one per connection, --workers sizes only the pool.
    let workers = |model: &str| results[model]["workers"].as_u64().unwrap();
    assert_eq!(workers("sequential"), 1);
    assert_eq!(workers("threads-free"), 5);
    assert_eq!(workers("async"), 5);
}

/// The `thread_name` of every track of a trace, by (pid, tid).
fn track_names(trace: &Value) -> BTreeMap<(u64, u64), String> {
    trace["traceEvents"]
        .as_array()
        .expect("traceEvents is an array")
        .iter()
        .filter(|event| event["ph"] == "M" && event["name"] == "thread_name")
        .map(|event| {
            (
                (
                    event["pid"].as_u64().unwrap(),
                    event["tid"].as_u64().unwrap(),
                ),
                event["args"]["name"].as_str().unwrap().to_string(),
            )
        })
        .collect()
}

/// Every complete slice of a trace with its `args.task` (None when the
/// slice belongs to no client).
fn task_slices(trace: &Value) -> Vec<(TraceSlice, Option<u64>)> {
    let tasks = trace["traceEvents"]
        .as_array()
        .expect("traceEvents is an array")
        .iter()
        .filter(|event| event["ph"] == "X")
        .map(|event| event["args"]["task"].as_u64());
    trace_slices(trace).into_iter().zip(tasks).collect()
}

/// True when `pid` is a live (not zombie) process whose arguments hold `subcommand`.
fn is_live(pid: u32, subcommand: &str) -> bool {
    proc_stat(pid).is_some_and(|stat| !matches!(stat.state, 'Z' | 'X' | 'x'))
        && proc_args(pid).is_some_and(|args| args.iter().any(|arg| arg == subcommand))
}

#[test]
fn the_trace_has_a_lane_per_client_and_pool_workers_with_real_pids_that_are_gone() {
    let dir = TempDir::new("echo-trace");
    let trace_path = dir.join("trace.json");
    let trace_arg = trace_path.to_str().expect("a UTF-8 temp path");
    let mut runner = RunningConcur::start(&echo_run(
        "--tasks 4 --n 10 --delay-ms 50 --workers 2 --json --trace",
        &[trace_arg],
    ));
    let runner_pid = u64::from(runner.pid());
    let finished = runner.wait_with_deadline(Duration::from_secs(120));
    finished.assert_exit_code(0);
    let report = finished.stdout_json();
    let results = answered_by_every_model(&finished, &report, &MODELS, 4);
    assert_eq!(
        results["processes"]["workers"], 2,
        "--workers sizes the pool"
    );
    assert_eq!(results["threads-gil"]["workers"], 4, "a thread per client");

    let trace = read_trace(&trace_path);
    let names = track_names(&trace);
    let slices = task_slices(&trace);
    let tracks_of = |model: &str, lane: &str| -> Vec<((u64, u64), String)> {
        let prefix = format!("{model} {lane} ");
        names
            .iter()
            .filter(|(_, name)| name.starts_with(&prefix))
            .map(|(&track, name)| (track, name.clone()))
            .collect()
    };
    let slices_on = |model: &str, track: (u64, u64)| -> Vec<&(TraceSlice, Option<u64>)> {
        slices
            .iter()
            .filter(|(s, _)| s.model == model && (s.pid, s.tid) == track)
            .collect()
    };
    // The clients whose lines slices on `tracks` handled.
    let served_on = |model: &str, tracks: &[((u64, u64), String)]| -> Vec<u64> {
        let served: BTreeSet<u64> = tracks
            .iter()
            .flat_map(|(track, _)| slices_on(model, *track))
            .filter_map(|(_, task)| *task)
            .collect();
        served.into_iter().collect()
    };

    for model in MODELS {
        // One lane per client, "client N", holding client N's wait from
        // connecting to its echo: queued until a server took it (if it
        // had to), then waiting for the answer.
        let clients = tracks_of(model, "client");
        let number_of = |name: &str| -> u64 {
            let after = &name[format!("{model} client ").len()..];
            let number = after.split_whitespace().next().unwrap_or("");
            number.parse().unwrap_or_else(|_| panic!("{name:?}"))
        };
        let mut numbers: Vec<u64> = clients.iter().map(|(_, name)| number_of(name)).collect();
        numbers.sort_unstable();
        assert_eq!(numbers, [1, 2, 3, 4], "{model}: {clients:?}");
        for (track, name) in &clients {
            let number = number_of(name);
            let mut waits = slices_on(model, *track);
            waits.sort_by(|a, b| a.0.start_us.total_cmp(&b.0.start_us));
            let kinds: Vec<&str> = waits.iter().map(|(s, _)| s.name.as_str()).collect();
            assert!(
                kinds == ["io-wait"] || kinds == ["queue-wait", "io-wait"],
                "{name}: {waits:?}"
            );
            assert!(
                waits.iter().all(|(_, task)| *task == Some(number - 1)),
                "{name}: {waits:?}"
            );
            // One at a time, every client after the first queues behind
            // the handlers before it.
            if model == "sequential" && number > 1 {
                assert_eq!(kinds[0], "queue-wait", "{name}: {waits:?}");
            }
            for pair in waits.windows(2) {
                let gap = pair[1].0.start_us - pair[0].0.end_us();
                assert!(gap.abs() < 1.0, "{name}: not one wait: {waits:?}");
            }
        }
        // The server handled every client's line.
        let server_lanes: Vec<_> = names
            .iter()
            .filter(|(_, name)| name.starts_with(&format!("{model} ")))
            .filter(|(_, name)| !name.contains(" client "))
            .map(|(&track, name)| (track, name.clone()))
            .collect();
        assert_eq!(served_on(model, &server_lanes), [0, 1, 2, 3], "{model}");
    }

    for model in ["threads-gil", "threads-free"] {
        let threads = tracks_of(model, "thread for connection");
        let mut connections: Vec<&str> = threads
            .iter()
            .map(|(_, name)| &name[format!("{model} thread for connection ").len()..])
            .collect();
        connections.sort_unstable();
        assert_eq!(connections, ["1", "2", "3", "4"], "{model}: {threads:?}");
        assert_eq!(served_on(model, &threads), [0, 1, 2, 3], "{model}");
        for (track, name) in &threads {
            let tasks: BTreeSet<Option<u64>> = slices_on(model, *track)
                .iter()
                .filter(|(_, task)| task.is_some())
                .map(|(_, task)| *task)
                .collect();
            assert_eq!(tasks.len(), 1, "{name} serves one client: {tasks:?}");
        }
        assert!(threads.iter().all(|((pid, _), _)| *pid == runner_pid));
    }

    // The pool: two workers, each a real process of its own.
    let workers = tracks_of("processes", "worker");
    let worker_pids: BTreeSet<u64> = workers.iter().map(|((pid, _), _)| *pid).collect();
    assert_eq!(workers.len(), 2, "{workers:?}");
    assert_eq!(worker_pids.len(), 2, "distinct pids: {workers:?}");
    for ((pid, _), name) in &workers {
        assert!(name.ends_with(&format!("(pid {pid})")), "{name}");
    }
    assert_eq!(
        served_on("processes", &workers),
        [0, 1, 2, 3],
        "the pool's workers served every client"
    );
    // The processes model's client lanes carry the clients process's pid.
    let client_pids: BTreeSet<u64> = tracks_of("processes", "client")
        .iter()
        .map(|((pid, _), _)| *pid)
        .collect();
    assert_eq!(client_pids.len(), 1, "one clients process: {client_pids:?}");
    let clients_pid = *client_pids.first().unwrap();
    assert!(!worker_pids.contains(&clients_pid));
    assert!(!worker_pids.contains(&runner_pid) && clients_pid != runner_pid);

    for pid in worker_pids {
        let pid = u32::try_from(pid).unwrap();
        let gone = poll_until(Duration::from_secs(2), || !is_live(pid, ECHO_WORKER));
        assert!(gone, "echo worker {pid} outlived the run");
    }
    let clients_pid = u32::try_from(clients_pid).unwrap();
    let gone = poll_until(Duration::from_secs(2), || {
        !is_live(clients_pid, ECHO_CLIENTS)
    });
    assert!(gone, "the echo clients {clients_pid} outlived the run");
}

/// Whether the hard limit on open files (which `concur` raises its soft
/// limit to) is at least `needed`, and what it is.
fn open_file_limit_allows(needed: u64) -> (bool, u64) {
    let mut limit = libc::rlimit {
        rlim_cur: 0,
        rlim_max: 0,
    };
    // SAFETY: getrlimit only writes the struct passed.
    let rc = unsafe { libc::getrlimit(libc::RLIMIT_NOFILE, &mut limit) };
    assert_eq!(rc, 0, "getrlimit(RLIMIT_NOFILE) failed");
    let hard: u64 = limit.rlim_max;
    (hard >= needed, hard)
}

/// Whether this user may run `needed` more threads: RLIMIT_NPROC and the
/// cgroup's pids.max (containers often set one); the reason if not.
fn thread_limits_allow(needed: u64) -> (bool, String) {
    let mut limit = libc::rlimit {
        rlim_cur: 0,
        rlim_max: 0,
    };
    // SAFETY: getrlimit only writes the struct passed.
    let rc = unsafe { libc::getrlimit(libc::RLIMIT_NPROC, &mut limit) };
    assert_eq!(rc, 0, "getrlimit(RLIMIT_NPROC) failed");
    if limit.rlim_cur != libc::RLIM_INFINITY && limit.rlim_cur < needed {
        return (
            false,
            format!(
                "the process limit (ulimit -u) is {}; 10,000 connection threads need about {needed}",
                limit.rlim_cur
            ),
        );
    }
    let cgroup = std::fs::read_to_string("/proc/self/cgroup").unwrap_or_default();
    // cgroup v1 names the pids controller; v2 has one hierarchy ("0::").
    let file = cgroup
        .lines()
        .find_map(|line| line.split_once(":pids:"))
        .map(|(_, path)| format!("/sys/fs/cgroup/pids{path}/pids.max"))
        .or_else(|| {
            let path = cgroup.lines().find_map(|line| line.strip_prefix("0::"))?;
            Some(format!("/sys/fs/cgroup{path}/pids.max"))
        });
    let max = file
        .and_then(|file| std::fs::read_to_string(file).ok())
        .unwrap_or_default();
    match max.trim().parse::<u64>() {
        Ok(max) if max < needed => (
            false,
            format!(
                "this cgroup allows {max} tasks (pids.max); 10,000 connection threads need about {needed}"
            ),
        ),
        _ => (true, String::new()),
    }
}

#[test]
fn ten_thousand_clients_each_get_their_echo_from_async_and_free_threads() {
    // The server holds a descriptor per open connection and the clients
    // process one per client: each needs 10,000 and a few more.
    let (enough, hard) = open_file_limit_allows(10_100);
    assert!(
        enough,
        "the hard open-file limit is {hard}; serving 10,000 clients needs about 10,100 \
         in each of the server and the clients process (raise `ulimit -Hn`)"
    );
    // And threads-free starts a thread per client.
    let (threads_ok, why) = thread_limits_allow(10_100);
    assert!(threads_ok, "{why}");
    let finished = run_concur(&echo_run(
        "--tasks 10000 --n 0 --delay-ms 200 --models async,threads-free --json",
        &[],
    ));
    finished.assert_exit_code(0);
    let report = finished.stdout_json();
    let results = answered_by_every_model(&finished, &report, &["threads-free", "async"], 10_000);
    assert_eq!(results["threads-free"]["workers"], 10_000);
}

/// A live `__echo-worker` or `__echo-clients` process started for `runner`.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord)]
struct EchoHelper {
    pid: u32,
    subcommand: &'static str,
    /// Its parent when seen (the runner, or whoever adopted an orphan).
    ppid: u32,
    /// `--addr` of the clients (the server's address).
    addr: Option<String>,
}

/// Live echo helpers whose `--parent` names `runner`, wherever they were
/// reparented to.
fn live_echo_helpers_of(runner: u32) -> Vec<EchoHelper> {
    let runner = runner.to_string();
    std::fs::read_dir("/proc")
        .expect("/proc is readable")
        .filter_map(|entry| entry.ok()?.file_name().to_str()?.parse::<u32>().ok())
        .filter_map(|pid| {
            let args = proc_args(pid)?;
            let subcommand = [ECHO_WORKER, ECHO_CLIENTS]
                .into_iter()
                .find(|sub| args.iter().any(|arg| arg == sub))?;
            let flag = |name: &str| {
                args.windows(2)
                    .find(|pair| pair[0] == name)
                    .map(|pair| pair[1].clone())
            };
            if flag("--parent")? != runner {
                return None;
            }
            let stat = proc_stat(pid)?;
            if matches!(stat.state, 'Z' | 'X' | 'x') {
                return None;
            }
            Some(EchoHelper {
                pid,
                subcommand,
                ppid: stat.ppid,
                addr: flag("--addr"),
            })
        })
        .collect()
}

fn assert_no_echo_helper_outlives(runner: u32, seen: &BTreeSet<EchoHelper>) {
    let gone = poll_until(Duration::from_secs(2), || {
        live_echo_helpers_of(runner).is_empty()
            && seen
                .iter()
                .all(|helper| !is_live(helper.pid, helper.subcommand))
    });
    assert!(
        gone,
        "echo helpers of runner {runner} outlived it: {:?}",
        live_echo_helpers_of(runner)
    );
}

#[test]
fn a_run_leaves_no_echo_worker_or_clients_process_behind() {
    let mut runner =
        RunningConcur::start(&echo_run("--tasks 3 --n 0 --delay-ms 300 --workers 2", &[]));
    let runner_pid = runner.pid();
    // Watch the helpers come and go while the run lasts (each model's run
    // takes at least one 300 ms handler pause); each is the runner's child.
    let mut seen = BTreeSet::new();
    poll_until(Duration::from_secs(120), || {
        for helper in live_echo_helpers_of(runner_pid) {
            assert_eq!(helper.ppid, runner_pid, "{helper:?} is the runner's child");
            seen.insert(helper);
        }
        proc_stat(runner_pid).is_none_or(|stat| stat.state == 'Z')
    });
    let finished = runner.wait_with_deadline(Duration::from_secs(120));
    finished.assert_exit_code(0);
    let count = |subcommand: &str| {
        seen.iter()
            .filter(|helper| helper.subcommand == subcommand)
            .count()
    };
    // At least one of each was seen, so the scan works; at most one clients
    // process per model and the pool's two workers. (A scan of /proc can
    // stall while another test starts 10,000 threads, so one model's short
    // run may pass unseen.)
    let (clients, workers) = (count(ECHO_CLIENTS), count(ECHO_WORKER));
    assert!((1..=5).contains(&clients), "clients processes: {seen:?}");
    assert!((1..=2).contains(&workers), "pool workers: {seen:?}");
    assert_no_echo_helper_outlives(runner_pid, &seen);
}

/// Established TCP connections in this network namespace whose local or
/// remote port is `port` (from `/proc/net/tcp`).
fn established_connections_on(port: u16) -> usize {
    let table = std::fs::read_to_string("/proc/net/tcp").expect("/proc/net/tcp is readable");
    table
        .lines()
        .skip(1)
        .filter(|line| {
            let fields: Vec<&str> = line.split_whitespace().collect();
            let port_of = |field: Option<&&str>| {
                field
                    .and_then(|addr| addr.rsplit(':').next())
                    .and_then(|hex| u16::from_str_radix(hex, 16).ok())
            };
            fields.get(3) == Some(&"01")
                && (port_of(fields.get(1)) == Some(port) || port_of(fields.get(2)) == Some(port))
        })
        .count()
}

/// Ctrl-C while `model` serves clients whose handlers pause 5 s: exit 130,
/// no helper process left, the port closed.
fn ctrl_c_mid_run_stops_everything(model: &str, expected_workers: usize) {
    let mut runner = RunningConcur::start(&echo_run(
        "--tasks 5 --n 0 --delay-ms 5000 --workers 2 --models",
        &[model],
    ));
    let runner_pid = runner.pid();
    let mut helpers = Vec::new();
    let mut addr: Option<SocketAddr> = None;
    let serving = poll_until(Duration::from_secs(30), || {
        helpers = live_echo_helpers_of(runner_pid);
        addr = helpers
            .iter()
            .find_map(|helper| helper.addr.as_deref()?.parse().ok());
        let workers = helpers
            .iter()
            .filter(|helper| helper.subcommand == ECHO_WORKER)
            .count();
        // In the middle: the pool is up and clients are connected.
        workers == expected_workers
            && addr.is_some_and(|addr| established_connections_on(addr.port()) > 0)
    });
    assert!(
        serving,
        "{model}: never saw the clients connected to {expected_workers} workers: {helpers:?}"
    );
    assert!(
        helpers.iter().all(|helper| helper.ppid == runner_pid),
        "{helpers:?}"
    );
    let addr = addr.expect("the clients' --addr");
    send_signal(runner_pid, libc::SIGINT);

    let finished = runner.wait_with_deadline(Duration::from_secs(30));
    assert_eq!(
        finished.exit_code(),
        Some(130),
        "{model}: Ctrl-C must exit with 130:\n{}",
        finished.describe()
    );
    assert!(
        finished.stderr.contains("interrupted"),
        "{}",
        finished.describe()
    );
    let seen: BTreeSet<EchoHelper> = helpers.into_iter().collect();
    assert_no_echo_helper_outlives(runner_pid, &seen);
    match TcpStream::connect_timeout(&addr, Duration::from_secs(2)) {
        Err(err) if err.kind() == std::io::ErrorKind::ConnectionRefused => {}
        other => panic!("{model}: {addr} should be closed after Ctrl-C, connecting gave {other:?}"),
    }
}

#[test]
fn ctrl_c_mid_processes_echo_run_exits_130_and_leaves_no_helper_and_no_port() {
    ctrl_c_mid_run_stops_everything("processes", 2);
}

#[test]
fn ctrl_c_mid_threads_echo_run_exits_130_and_kills_the_clients() {
    ctrl_c_mid_run_stops_everything("threads-gil", 0);
}

#[test]
fn echo_flags_out_of_range_or_not_applicable_are_refused() {
    for n in ["-1", "10001"] {
        assert_usage_error(
            &["run", "echo-server", "--n", n],
            &["--n ", "from 0 to 10,000", &format!("\"{n}\"")],
        );
    }
    assert_usage_error(
        &["run", "echo-server", "--target", "http://127.0.0.1:1/"],
        &["--target", "echo-server", "no HTTP requests"],
    );
    assert_usage_error(
        &["run", "echo-server", "--tasks", "10001"],
        &["--tasks", "from 1 to 10,000", "\"10001\""],
    );
}
