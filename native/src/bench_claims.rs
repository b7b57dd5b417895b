//! `concur bench claims`: the comparison table's measurable rows, measured
//! here: what a thread, a process and an async task cost to create and to
//! switch to, how much memory each holds when many are alive, and how many
//! ran at once.
//!
//! Beside each figure it prints what CPython 3.11 measured on the machine
//! this course was written on, labelled as such: those numbers come from
//! there, not from this run. Memory is measured in `memory`, in fresh
//! processes; only units counted alive (and, for processes, those that said
//! Ready and whose memory was read) enter a figure, and the output says how
//! many that was. Everything started here is joined, reaped or dropped
//! before the command returns.

mod memory;

use crate::children;
use crate::clock::NativeClock;
use crate::emit;
use crate::options::Failure;
use concur_core::clock::Clock;
use memory::ProcessMemory;
use std::process::{Command, ExitCode, Stdio};

/// Whose numbers the bracketed figures are. Measured here: CPython 3.11.7
/// on the 2-core machine this course was written on (the fact-check of the
/// comparison table), once, not by this command.
const CPYTHON: &str = "CPython 3.11.7 on the 2-core machine this course was written on";

/// CPython's start costs, measured there (see [`CPYTHON`]).
const CPYTHON_THREAD_START: &str = "a thread 65 us";
const CPYTHON_PROCESS_START: &str = "fork 1.6 ms, forkserver 21 ms, spawn 40 ms";
const CPYTHON_TASK_START: &str = "an asyncio task 12.7 us (4.5 us with the cyclic GC off)";

/// CPython's memory per unit, measured there (see [`CPYTHON`]).
const CPYTHON_THREAD_MEMORY: &str = "a thread blocked in sleep 15.7 KB resident (its 8 MB stack is reserved address space, not memory used)";
const CPYTHON_TASK_MEMORY: &str = "an asyncio task 1.24 KB per sleeping task";
const CPYTHON_PROCESS_MEMORY: &str = "a fork Pool worker 16 MB resident (2 MB private), a spawn worker 22.5 MB resident (12 MB private); only spawn with requests and aiohttp imported reaches about 40 MB";

fn micros(ns: u64, count: usize) -> f64 {
    ns as f64 / 1000.0 / count as f64
}

/// Creating and joining threads one after another: microseconds each.
fn thread_creation(count: usize) -> f64 {
    let clock = NativeClock;
    let start = clock.now_ns();
    for _ in 0..count {
        std::thread::spawn(|| std::hint::black_box(1))
            .join()
            .expect("a trivial thread");
    }
    micros(clock.now_ns() - start, count)
}

/// Starting and reaping processes (this binary, exiting at once): microseconds each.
fn process_creation(count: usize) -> Result<f64, String> {
    let exe = std::env::current_exe().map_err(|err| err.to_string())?;
    let clock = NativeClock;
    let start = clock.now_ns();
    for _ in 0..count {
        let status = Command::new(&exe)
            .arg("__exit")
            .stdout(Stdio::null())
            .status()
            .map_err(|err| format!("cannot start a process: {err}"))?;
        if !status.success() {
            return Err(format!("a trivial process ended with {status}"));
        }
    }
    Ok(micros(clock.now_ns() - start, count))
}

/// Spawning and awaiting tokio tasks on one thread: microseconds each.
fn task_creation(count: usize) -> f64 {
    let runtime = tokio::runtime::Builder::new_current_thread()
        .build()
        .expect("a runtime");
    let clock = NativeClock;
    let start = clock.now_ns();
    runtime.block_on(async {
        let handles: Vec<_> = (0..count)
            .map(|i| tokio::spawn(async move { std::hint::black_box(i) }))
            .collect();
        for handle in handles {
            handle.await.expect("a trivial task");
        }
    });
    micros(clock.now_ns() - start, count)
}

/// Round trips for the switch figures.
const ROUND_TRIPS: usize = 10_000;

/// Half a round trip between two threads handing a token back and forth:
/// what switching from one thread to another costs, in microseconds.
fn thread_switch() -> f64 {
    let (to_other, from_main) = std::sync::mpsc::channel::<usize>();
    let (to_main, from_other) = std::sync::mpsc::channel::<usize>();
    let other = std::thread::spawn(move || {
        for token in from_main {
            if to_main.send(token).is_err() {
                break;
            }
        }
    });
    let clock = NativeClock;
    let start = clock.now_ns();
    for token in 0..ROUND_TRIPS {
        to_other.send(token).expect("the other thread is alive");
        from_other.recv().expect("the other thread answers");
    }
    let elapsed = clock.now_ns() - start;
    drop(to_other);
    let _ = other.join();
    micros(elapsed, 2 * ROUND_TRIPS)
}

/// Half a round trip to a child process through pipes (`concur __pong`).
fn process_switch() -> Result<f64, String> {
    use std::io::{Read, Write};
    let exe = std::env::current_exe().map_err(|err| err.to_string())?;
    let mut child = Command::new(exe)
        .arg("__pong")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .spawn()
        .map_err(|err| format!("cannot start a process: {err}"))?;
    children::register(child.id());
    let (mut to_child, mut from_child) = (
        child.stdin.take().expect("piped"),
        child.stdout.take().expect("piped"),
    );
    let clock = NativeClock;
    let start = clock.now_ns();
    let mut byte = [0u8; 1];
    let mut result = Ok(());
    for _ in 0..ROUND_TRIPS {
        if let Err(err) = to_child
            .write_all(&byte)
            .and_then(|()| to_child.flush())
            .and_then(|()| from_child.read_exact(&mut byte))
        {
            result = Err(format!("the ping-pong process stopped: {err}"));
            break;
        }
    }
    let elapsed = clock.now_ns() - start;
    drop(to_child);
    children::unregister(child.id());
    let _ = child.kill();
    let _ = child.wait();
    result.map(|()| micros(elapsed, 2 * ROUND_TRIPS))
}

/// `concur __pong`: echoes every byte from stdin to stdout until stdin ends.
pub fn pong() -> ExitCode {
    use std::io::{Read, Write};
    let (mut input, mut output) = (std::io::stdin().lock(), std::io::stdout().lock());
    let mut byte = [0u8; 1];
    while input.read_exact(&mut byte).is_ok() {
        if output
            .write_all(&byte)
            .and_then(|()| output.flush())
            .is_err()
        {
            break;
        }
    }
    ExitCode::SUCCESS
}

/// Half a round trip between two tasks on one event loop.
fn task_switch() -> f64 {
    let runtime = tokio::runtime::Builder::new_current_thread()
        .build()
        .expect("a runtime");
    let clock = NativeClock;
    runtime.block_on(async {
        let (to_other, mut from_main) = tokio::sync::mpsc::channel::<usize>(1);
        let (to_main, mut from_other) = tokio::sync::mpsc::channel::<usize>(1);
        let other = tokio::spawn(async move {
            while let Some(token) = from_main.recv().await {
                if to_main.send(token).await.is_err() {
                    break;
                }
            }
        });
        let start = clock.now_ns();
        for token in 0..ROUND_TRIPS {
            to_other.send(token).await.expect("the other task is alive");
            from_other.recv().await.expect("the other task answers");
        }
        let elapsed = clock.now_ns() - start;
        drop(to_other);
        let _ = other.await;
        micros(elapsed, 2 * ROUND_TRIPS)
    })
}

/// `concur __measure threads|tasks|processes N`: measures in this fresh
/// process. Threads and tasks print "KIB_EACH ALIVE"; processes print
/// "RSS_KIB_EACH PRIVATE_KIB_EACH MEASURED STARTED" ("-" for unknown) and,
/// on a second line, why starting stopped early.
pub fn measure_in_this_process(kind: &str, count: usize) -> ExitCode {
    // Die with `bench claims`: the kernel kills this process (and so, in
    // turn, the workers it started) when the thread that started it ends.
    crate::platform::die_with_parent();
    let per_unit = match kind {
        "threads" => memory::thread_memory(count),
        "tasks" => memory::task_memory(count),
        "processes" => {
            return match memory::process_memory(count) {
                Ok(measured) => {
                    let or_dash = |kib: Option<f64>| kib.map_or("-".into(), |kib| kib.to_string());
                    emit(&format!(
                        "{} {} {} {}\n{}",
                        or_dash(measured.rss_kib_each),
                        or_dash(measured.private_kib_each),
                        measured.measured,
                        measured.started,
                        measured.stopped.map_or(String::new(), |why| why + "\n")
                    ));
                    ExitCode::SUCCESS
                }
                Err(why) => {
                    eprintln!("concur: error: {why}");
                    ExitCode::FAILURE
                }
            };
        }
        _ => {
            eprintln!(
                "concur: error: __measure takes threads, tasks or processes (got \"{kind}\")"
            );
            return ExitCode::from(2);
        }
    };
    match per_unit {
        (Some(per), alive) => {
            emit(&format!("{per} {alive}\n"));
            ExitCode::SUCCESS
        }
        (None, _) => ExitCode::FAILURE,
    }
}

/// Runs `__measure` in a child process; its stdout.
fn measure_in_child(kind: &str, count: usize) -> Result<String, String> {
    let exe = std::env::current_exe().map_err(|err| err.to_string())?;
    let out = Command::new(exe)
        .args(["__measure", kind, &count.to_string()])
        .stderr(Stdio::inherit())
        .output()
        .map_err(|err| format!("cannot start the measuring process: {err}"))?;
    if !out.status.success() {
        return Err(format!("measuring {count} {kind} failed ({})", out.status));
    }
    Ok(String::from_utf8_lossy(&out.stdout).into_owned())
}

/// (KiB each, counted alive) of threads or tasks, from a fresh process.
fn units_in_child(kind: &str, count: usize) -> Result<(f64, usize), String> {
    let text = measure_in_child(kind, count)?;
    let mut words = text.split_whitespace();
    match (
        words.next().and_then(|w| w.parse().ok()),
        words.next().and_then(|w| w.parse().ok()),
    ) {
        (Some(per), Some(alive)) => Ok((per, alive)),
        _ => Err(format!(
            "measuring {count} {kind}: unreadable output {text:?}"
        )),
    }
}

/// Memory per worker process, from a fresh process.
fn processes_in_child(count: usize) -> Result<ProcessMemory, String> {
    let text = measure_in_child("processes", count)?;
    let mut lines = text.lines();
    let words: Vec<&str> = lines.next().unwrap_or("").split_whitespace().collect();
    let kib = |word: &str| word.parse::<f64>().ok();
    match words[..] {
        [rss, private, measured, started] => Ok(ProcessMemory {
            wanted: count,
            started: started
                .parse()
                .map_err(|_| format!("unreadable output {text:?}"))?,
            measured: measured
                .parse()
                .map_err(|_| format!("unreadable output {text:?}"))?,
            rss_kib_each: kib(rss),
            private_kib_each: kib(private),
            stopped: lines.next().map(str::to_string),
        }),
        _ => Err(format!(
            "measuring {count} processes: unreadable output {text:?}"
        )),
    }
}

fn kib(value: Option<f64>) -> String {
    value.map_or("unknown".to_string(), |kib| {
        if kib >= 1024.0 {
            format!("{:.1} MiB", kib / 1024.0)
        } else {
            format!("{kib:.1} KiB")
        }
    })
}

/// One line of the process memory table, with the count it rests on.
fn process_line(memory: &ProcessMemory) -> String {
    let mut line = format!(
        "  {:>7} processes    {:>10} resident, {} private each  ({} of {} processes started and measured",
        memory.wanted,
        kib(memory.rss_kib_each),
        kib(memory.private_kib_each),
        memory.measured,
        memory.wanted
    );
    if let Some(why) = &memory.stopped {
        line.push_str(&format!("; {} started: {why}", memory.started));
    }
    line.push_str(")\n");
    line
}

/// What the largest sizes reached, as counted: "N threads, N async tasks, N processes".
fn most_alive(threads: usize, tasks: usize, processes: &ProcessMemory) -> String {
    format!(
        "{threads} threads, {tasks} async tasks, {} processes (each counted: running, polled, or Ready and measured)",
        processes.measured
    )
}

/// What 10,000 processes would need at the private size measured (their
/// shared pages exist once, so resident sizes would overstate it).
fn ten_thousand_processes(processes: &ProcessMemory) -> String {
    match processes.private_kib_each {
        Some(each) => format!(
            "  (10,000 processes are not started: at the {} private each measured above they would need at least {:.1} GiB)\n",
            kib(Some(each)),
            each * 10_000.0 / 1024.0 / 1024.0
        ),
        None => "  (10,000 processes are not started)\n".to_string(),
    }
}

pub fn run() -> Result<ExitCode, Failure> {
    children::exit_on_interrupt();
    let mut out = format!(
        "The comparison table's claims, measured on this machine (one run)\n[in brackets: {CPYTHON}, measured there, not by this run]\n\n"
    );
    out.push_str("creation cost (start and finish one, one after another)\n");
    out.push_str(&format!(
        "  thread      {:>10.1} us   [{CPYTHON_THREAD_START}]\n",
        thread_creation(2_000)
    ));
    let process = process_creation(50).map_err(Failure::Run)?;
    out.push_str(&format!(
        "  process     {process:>10.1} us   (this binary, fork and exec) [{CPYTHON_PROCESS_START}]\n"
    ));
    out.push_str(&format!(
        "  async task  {:>10.2} us   [{CPYTHON_TASK_START}]\n",
        task_creation(100_000)
    ));
    out.push_str("\nswitch cost (half a ping-pong round trip)\n");
    out.push_str(&format!("  thread      {:>10.2} us\n", thread_switch()));
    let process = process_switch().map_err(Failure::Run)?;
    out.push_str(&format!(
        "  process     {process:>10.2} us   (through pipes)\n"
    ));
    out.push_str(&format!("  async task  {:>10.2} us\n", task_switch()));
    out.push_str("\nmemory per unit while many are alive\n");
    out.push_str(
        "  threads and tasks: growth of this process's resident memory (VmRSS) over the number counted alive\n",
    );
    let mut most = [0usize; 2];
    let sizes: [(&str, &str, &[usize], &str); 2] = [
        (
            "threads",
            "threads",
            &[1_000, 10_000],
            CPYTHON_THREAD_MEMORY,
        ),
        (
            "tasks",
            "async tasks",
            &[1_000, 10_000, 100_000],
            CPYTHON_TASK_MEMORY,
        ),
    ];
    for (slot, (kind, label, counts, cpython)) in sizes.into_iter().enumerate() {
        for &count in counts {
            let (per, alive) = units_in_child(kind, count).map_err(Failure::Run)?;
            most[slot] = most[slot].max(alive);
            out.push_str(&format!(
                "  {count:>7} {label:<12} {:>10} each  ({alive} of {count} counted alive at once)\n",
                kib(Some(per))
            ));
        }
        out.push_str(&format!("    [{cpython}]\n"));
    }
    out.push_str(
        "  processes: each Rust worker's resident memory (VmRSS, its binary's shared pages counted in each) and private memory (Private_Clean + Private_Dirty)\n",
    );
    let mut largest = None;
    for count in [100, 1_000] {
        let measured = processes_in_child(count).map_err(Failure::Run)?;
        out.push_str(&process_line(&measured));
        largest = Some(measured);
    }
    out.push_str(&format!("    [{CPYTHON_PROCESS_MEMORY}]\n"));
    let largest = largest.expect("two sizes were measured");
    out.push_str(&format!(
        "\nmost alive at once here (the largest sizes tried): {}\n",
        most_alive(most[0], most[1], &largest)
    ));
    out.push_str(&ten_thousand_processes(&largest));
    // Source: measured here with CPython 3.11.7 (see the bracketed lines):
    // the tutorial's 1-2 MB counts a thread's reserved stack, and 20-50 MB
    // fits spawn workers with big imports, not fork workers.
    out.push_str("\nThe tutorial's table says: a thread costs microseconds and 1-2 MB, a process milliseconds and 20-50 MB;\nthreads suit 10-100 concurrent I/O operations, async 100+ to thousands.\n(Its 1-2 MB per thread is the reserved stack, address space rather than memory used; its 20-50 MB per process fits spawn workers with large imports. The bracketed CPython figures above are resident and private memory.)\n");
    emit(&out);
    Ok(ExitCode::SUCCESS)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn measured(wanted: usize, measured: usize, stopped: Option<&str>) -> ProcessMemory {
        ProcessMemory {
            wanted,
            started: measured,
            measured,
            rss_kib_each: Some(2048.0),
            private_kib_each: Some(512.0),
            stopped: stopped.map(str::to_string),
        }
    }

    #[test]
    fn the_process_line_says_how_many_were_measured() {
        let line = process_line(&measured(1_000, 997, Some("the OS refused process 998")));
        assert!(
            line.contains("2.0 MiB resident, 512.0 KiB private each"),
            "{line}"
        );
        assert!(
            line.contains("997 of 1000 processes started and measured; 997 started: the OS refused process 998"),
            "{line}"
        );
    }

    #[test]
    fn most_alive_reports_what_was_counted() {
        let line = most_alive(9_990, 100_000, &measured(1_000, 997, None));
        assert!(
            line.starts_with("9990 threads, 100000 async tasks, 997 processes"),
            "{line}"
        );
        assert!(!line.contains("1000 processes"), "{line}");
        assert!(ten_thousand_processes(&measured(1_000, 997, None)).contains("at least 4.9 GiB"));
    }
}
