//! `concur bench claims`: the comparison table's measurable rows, measured
//! here: what a thread, a process and an async task cost to create and to
//! switch to, how much memory each holds when many are alive, and how many
//! ran at once.
//!
//! Memory is the growth of resident memory (VmRSS from /proc) while the
//! units are alive, divided by their number; for processes it is the sum of
//! the children's own resident memory. Everything started here is joined,
//! reaped or dropped before the command returns.

use crate::children;
use crate::clock::NativeClock;
use crate::emit;
use crate::options::Failure;
use concur_core::clock::Clock;
use std::process::{Command, ExitCode, Stdio};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Condvar, Mutex};

/// Resident memory of a process in KiB, from /proc/<pid>/status.
fn rss_kib(pid: &str) -> Option<u64> {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).ok()?;
    status
        .lines()
        .find_map(|line| line.strip_prefix("VmRSS:"))
        .and_then(|value| value.split_whitespace().next()?.parse().ok())
}

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

/// Memory per thread with `count` threads alive (each waiting at a gate),
/// and how many of them the OS let start.
fn thread_memory(count: usize) -> (Option<f64>, usize) {
    let before = rss_kib("self");
    let gate = Arc::new((Mutex::new(false), Condvar::new()));
    let running = Arc::new(AtomicUsize::new(0));
    let mut handles = Vec::new();
    for _ in 0..count {
        let (gate, running) = (gate.clone(), running.clone());
        let spawned = std::thread::Builder::new().spawn(move || {
            running.fetch_add(1, Ordering::SeqCst);
            let (lock, opened) = &*gate;
            let mut open = lock.lock().unwrap_or_else(|p| p.into_inner());
            while !*open {
                open = opened.wait(open).unwrap_or_else(|p| p.into_inner());
            }
        });
        match spawned {
            Ok(handle) => handles.push(handle),
            Err(_) => break,
        }
    }
    while running.load(Ordering::SeqCst) < handles.len() {
        std::thread::sleep(std::time::Duration::from_millis(1));
    }
    let during = rss_kib("self");
    *gate.0.lock().unwrap_or_else(|p| p.into_inner()) = true;
    gate.1.notify_all();
    let started = handles.len();
    for handle in handles {
        let _ = handle.join();
    }
    let per = match (before, during) {
        (Some(before), Some(during)) => {
            Some(during.saturating_sub(before) as f64 / started.max(1) as f64)
        }
        _ => None,
    };
    (per, started)
}

/// Memory per async task with `count` tasks alive, each awaiting a signal.
fn task_memory(count: usize) -> Option<f64> {
    let runtime = tokio::runtime::Builder::new_current_thread().build().ok()?;
    let before = rss_kib("self")?;
    let during = runtime.block_on(async {
        let (release, _) = tokio::sync::broadcast::channel::<()>(1);
        let handles: Vec<_> = (0..count)
            .map(|_| {
                let mut wait = release.subscribe();
                tokio::spawn(async move {
                    let _ = wait.recv().await;
                })
            })
            .collect();
        tokio::task::yield_now().await;
        let during = rss_kib("self");
        let _ = release.send(());
        for handle in handles {
            let _ = handle.await;
        }
        during
    })?;
    Some(during.saturating_sub(before) as f64 / count as f64)
}

/// Resident memory per worker process with `count` of them alive.
fn process_memory(count: usize) -> Result<f64, String> {
    let exe = std::env::current_exe().map_err(|err| err.to_string())?;
    let mut alive = Vec::new();
    let mut failure = None;
    for _ in 0..count {
        let spawned = Command::new(&exe)
            .args([
                "__worker",
                "--lane",
                "0",
                "--parent",
                &std::process::id().to_string(),
            ])
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .spawn();
        match spawned {
            Ok(child) => {
                children::register(child.id());
                alive.push(child);
            }
            Err(err) => {
                failure = Some(format!(
                    "started {} of {count} processes: {err}",
                    alive.len()
                ));
                break;
            }
        }
    }
    // Each worker says Ready once it runs; wait for that before measuring.
    for child in &mut alive {
        if let Some(stdout) = child.stdout.as_mut() {
            let _ = crate::exec::worker::read_frame(stdout);
        }
    }
    let total: u64 = alive
        .iter()
        .filter_map(|c| rss_kib(&c.id().to_string()))
        .sum();
    let measured = alive.len();
    for mut child in alive {
        children::unregister(child.id());
        drop(child.stdin.take());
        let _ = child.kill();
        let _ = child.wait();
    }
    match failure {
        Some(why) => Err(why),
        None => Ok(total as f64 / measured.max(1) as f64),
    }
}

/// `concur __measure threads|tasks N`: run in a fresh process so that no
/// memory freed by an earlier measurement hides the growth; prints the KiB
/// per unit and how many started.
pub fn measure_in_this_process(kind: &str, count: usize) -> ExitCode {
    let (per, started) = match kind {
        "threads" => thread_memory(count),
        "tasks" => (task_memory(count), count),
        _ => return ExitCode::from(2),
    };
    match per {
        Some(per) => {
            emit(&format!("{per} {started}\n"));
            ExitCode::SUCCESS
        }
        None => ExitCode::FAILURE,
    }
}

/// Runs `__measure` in a child process: (KiB per unit, units started).
fn measure_in_child(kind: &str, count: usize) -> Result<(f64, usize), String> {
    let exe = std::env::current_exe().map_err(|err| err.to_string())?;
    let out = Command::new(exe)
        .args(["__measure", kind, &count.to_string()])
        .output()
        .map_err(|err| format!("cannot start the measuring process: {err}"))?;
    let text = String::from_utf8_lossy(&out.stdout);
    let mut words = text.split_whitespace();
    match (
        out.status.success(),
        words.next().and_then(|w| w.parse().ok()),
        words.next().and_then(|w| w.parse().ok()),
    ) {
        (true, Some(per), Some(started)) => Ok((per, started)),
        _ => Err(format!("measuring {count} {kind} failed ({})", out.status)),
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

pub fn run() -> Result<ExitCode, Failure> {
    children::exit_on_interrupt();
    let mut out =
        String::from("The comparison table's claims, measured on this machine (one run)\n\n");
    out.push_str("creation cost (start and finish one, one after another)\n");
    out.push_str(&format!(
        "  thread      {:>10.1} us   (tutorial: microseconds)\n",
        thread_creation(2_000)
    ));
    let process = process_creation(50).map_err(Failure::Run)?;
    out.push_str(&format!(
        "  process     {:>10.1} us   (tutorial: milliseconds)\n",
        process
    ));
    out.push_str(&format!(
        "  async task  {:>10.2} us\n",
        task_creation(100_000)
    ));
    out.push_str("\nswitch cost (half a ping-pong round trip)\n");
    out.push_str(&format!("  thread      {:>10.2} us\n", thread_switch()));
    let process = process_switch().map_err(Failure::Run)?;
    out.push_str(&format!(
        "  process     {:>10.2} us   (through pipes)\n",
        process
    ));
    out.push_str(&format!("  async task  {:>10.2} us\n", task_switch()));
    out.push_str("\nmemory per unit while many are alive (resident, not reserved)\n");
    let mut reached = Vec::new();
    let sizes: [(&str, &str, &[usize]); 2] = [
        ("threads", "threads", &[1_000, 10_000]),
        ("tasks", "async tasks", &[1_000, 10_000, 100_000]),
    ];
    for (kind, label, counts) in sizes {
        let mut most = 0;
        for &count in counts {
            let (per, started) = measure_in_child(kind, count).map_err(Failure::Run)?;
            most = most.max(started);
            out.push_str(&format!(
                "  {count:>7} {label:<12} {:>10} each  ({started} alive at once)\n",
                kib(Some(per))
            ));
        }
        reached.push(format!("{most} {label}"));
    }
    for count in [100, 1_000] {
        let per = process_memory(count).map_err(Failure::Run)?;
        out.push_str(&format!(
            "  {count:>7} processes    {:>10} each  (a Rust worker; CPython's are 20-50 MB)\n",
            kib(Some(per))
        ));
    }
    reached.push("1000 processes".into());
    out.push_str(&format!(
        "\nmost alive at once here (the largest sizes tried): {}\n",
        reached.join(", ")
    ));
    out.push_str(
        "  (10,000 processes are not started: at a few MiB each they would take tens of GiB)\n",
    );
    out.push_str("\nThe tutorial: a thread costs microseconds and 1-2 MB, a process milliseconds and 20-50 MB;\nthreads suit 10-100 concurrent I/O operations, async 100+ to thousands.\n");
    emit(&out);
    Ok(ExitCode::SUCCESS)
}
