//! Memory per unit while many units are alive, for `concur bench claims`,
//! each measured in a fresh `concur __measure` process so that memory freed
//! by an earlier measurement cannot hide the growth.
//!
//! Threads and async tasks: the growth of this process's resident memory
//! (VmRSS) divided by how many were counted alive. Processes: the resident
//! memory (VmRSS) and private memory (Private_Clean + Private_Dirty from
//! smaps_rollup) of each child, averaged over the children that said Ready
//! and whose memory could be read, and only those: a child that never
//! started, or vanished, would otherwise pull the average down. Everything
//! started here is joined, reaped or dropped before the function returns.

use crate::children;
use concur_core::wire::{FromWorker, decode_body};
use std::process::{Child, Command, Stdio};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Condvar, Mutex};

/// A field of /proc/<pid>/<file> in KiB ("VmRSS:   2172 kB").
fn proc_kib(pid: &str, file: &str, field: &str) -> Option<u64> {
    let text = std::fs::read_to_string(format!("/proc/{pid}/{file}")).ok()?;
    text.lines()
        .find_map(|line| line.strip_prefix(field)?.strip_prefix(':'))
        .and_then(|value| value.split_whitespace().next()?.parse().ok())
}

/// Resident memory of a process in KiB.
fn rss_kib(pid: &str) -> Option<u64> {
    proc_kib(pid, "status", "VmRSS")
}

/// Memory only this process maps, in KiB: its private clean and dirty pages.
fn private_kib(pid: &str) -> Option<u64> {
    Some(
        proc_kib(pid, "smaps_rollup", "Private_Clean")?
            + proc_kib(pid, "smaps_rollup", "Private_Dirty")?,
    )
}

/// Memory per thread with `count` threads alive (each waiting at a gate),
/// and how many were counted running at once.
pub fn thread_memory(count: usize) -> (Option<f64>, usize) {
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
    let alive = running.load(Ordering::SeqCst);
    *gate.0.lock().unwrap_or_else(|p| p.into_inner()) = true;
    gate.1.notify_all();
    for handle in handles {
        let _ = handle.join();
    }
    let per = match (before, during) {
        (Some(before), Some(during)) if alive > 0 => {
            Some(during.saturating_sub(before) as f64 / alive as f64)
        }
        _ => None,
    };
    (per, alive)
}

/// Memory per async task with `count` tasks spawned, each awaiting a
/// signal, and how many were counted running (polled at least once).
pub fn task_memory(count: usize) -> (Option<f64>, usize) {
    let Ok(runtime) = tokio::runtime::Builder::new_current_thread().build() else {
        return (None, 0);
    };
    let before = rss_kib("self");
    let running = Arc::new(AtomicUsize::new(0));
    let (during, alive) = runtime.block_on(async {
        let (release, _) = tokio::sync::broadcast::channel::<()>(1);
        let handles: Vec<_> = (0..count)
            .map(|_| {
                let mut wait = release.subscribe();
                let running = running.clone();
                tokio::spawn(async move {
                    running.fetch_add(1, Ordering::SeqCst);
                    let _ = wait.recv().await;
                })
            })
            .collect();
        // Let every task run to its wait; a bound keeps a stuck count from
        // hanging the command.
        for _ in 0..10_000 {
            tokio::task::yield_now().await;
            if running.load(Ordering::SeqCst) == count {
                break;
            }
        }
        let during = rss_kib("self");
        let alive = running.load(Ordering::SeqCst);
        let _ = release.send(());
        for handle in handles {
            let _ = handle.await;
        }
        (during, alive)
    });
    let per = match (before, during) {
        (Some(before), Some(during)) if alive > 0 => {
            Some(during.saturating_sub(before) as f64 / alive as f64)
        }
        _ => None,
    };
    (per, alive)
}

/// What one child of the process measurement showed.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct ChildSample {
    /// Its Ready frame arrived.
    pub ready: bool,
    pub rss_kib: Option<u64>,
    pub private_kib: Option<u64>,
}

/// Memory per worker process, over the children that counted.
#[derive(Clone, Debug, PartialEq)]
pub struct ProcessMemory {
    /// How many were asked for.
    pub wanted: usize,
    /// How many the OS started.
    pub started: usize,
    /// Started, said Ready, and had their memory read: all alive at once.
    pub measured: usize,
    /// Mean resident KiB of the measured children.
    pub rss_kib_each: Option<f64>,
    /// Mean private KiB, when it could be read for every measured child.
    pub private_kib_each: Option<f64>,
    /// Why starting stopped early, if it did.
    pub stopped: Option<String>,
}

/// Averages over the children that said Ready and whose memory was read,
/// and only those.
pub fn summarize_children(
    wanted: usize,
    samples: &[ChildSample],
    stopped: Option<String>,
) -> ProcessMemory {
    let measured: Vec<&ChildSample> = samples
        .iter()
        .filter(|sample| sample.ready && sample.rss_kib.is_some())
        .collect();
    let mean = |values: Option<Vec<u64>>| {
        values
            .filter(|values| !values.is_empty())
            .map(|values| values.iter().sum::<u64>() as f64 / values.len() as f64)
    };
    ProcessMemory {
        wanted,
        started: samples.len(),
        measured: measured.len(),
        rss_kib_each: mean(measured.iter().map(|s| s.rss_kib).collect()),
        private_kib_each: mean(measured.iter().map(|s| s.private_kib).collect()),
        stopped,
    }
}

/// True when the child's first frame is its Ready, naming its own pid.
fn said_ready(child: &mut Child) -> bool {
    let pid = child.id();
    let Some(stdout) = child.stdout.as_mut() else {
        return false;
    };
    match crate::exec::worker::read_frame(stdout) {
        Ok(Some(body)) => matches!(
            decode_body::<FromWorker>(&body),
            Ok(FromWorker::Ready { pid: said, .. }) if said == pid
        ),
        _ => false,
    }
}

/// Starts `count` worker processes, waits for each one's Ready, reads the
/// memory of all of them while all are alive, then ends them.
pub fn process_memory(count: usize) -> Result<ProcessMemory, String> {
    let exe = std::env::current_exe().map_err(|err| err.to_string())?;
    let parent = std::process::id().to_string();
    let mut alive: Vec<Child> = Vec::new();
    let mut stopped = None;
    for _ in 0..count {
        let spawned = Command::new(&exe)
            .args(["__worker", "--lane", "0", "--parent", &parent])
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .spawn();
        match spawned {
            Ok(child) => {
                children::register(child.id());
                alive.push(child);
            }
            Err(err) => {
                stopped = Some(format!("the OS refused process {}: {err}", alive.len() + 1));
                break;
            }
        }
    }
    let ready: Vec<bool> = alive.iter_mut().map(said_ready).collect();
    let samples: Vec<ChildSample> = alive
        .iter()
        .zip(ready)
        .map(|(child, ready)| {
            let pid = child.id().to_string();
            ChildSample {
                ready,
                rss_kib: rss_kib(&pid),
                private_kib: private_kib(&pid),
            }
        })
        .collect();
    for mut child in alive {
        children::unregister(child.id());
        drop(child.stdin.take());
        let _ = child.kill();
        let _ = child.wait();
    }
    Ok(summarize_children(count, &samples, stopped))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sample(ready: bool, rss_kib: Option<u64>, private_kib: Option<u64>) -> ChildSample {
        ChildSample {
            ready,
            rss_kib,
            private_kib,
        }
    }

    #[test]
    fn only_children_that_said_ready_and_were_read_count() {
        let samples = [
            sample(true, Some(3000), Some(500)),
            sample(true, Some(1000), Some(300)),
            // Never said Ready (its memory is the half-started process's).
            sample(false, Some(100), Some(50)),
            // Said Ready, then vanished before its memory was read.
            sample(true, None, None),
        ];
        let memory = summarize_children(5, &samples, Some("no more pids".into()));
        assert_eq!(memory.wanted, 5);
        assert_eq!(memory.started, 4);
        assert_eq!(memory.measured, 2);
        assert_eq!(memory.rss_kib_each, Some(2000.0));
        assert_eq!(memory.private_kib_each, Some(400.0));
    }

    #[test]
    fn private_memory_is_unknown_unless_read_for_every_measured_child() {
        let samples = [
            sample(true, Some(3000), Some(500)),
            sample(true, Some(1000), None),
        ];
        let memory = summarize_children(2, &samples, None);
        assert_eq!(memory.rss_kib_each, Some(2000.0));
        assert_eq!(memory.private_kib_each, None);
        let nothing = summarize_children(3, &[sample(false, None, None)], None);
        assert_eq!((nothing.measured, nothing.rss_kib_each), (0, None));
    }

    #[test]
    fn proc_fields_are_read_in_kib() {
        assert!(rss_kib("self").is_some_and(|kib| kib > 0));
        assert!(proc_kib("self", "status", "NoSuchField").is_none());
    }
}
