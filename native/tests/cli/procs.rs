//! Processes seen through `/proc`: the state, parent and CPU time of a pid,
//! its arguments, the children of a pid (by the ppid in `/proc/*/stat`),
//! live `concur __worker` processes; plus sending signals and polling.

use std::time::{Duration, Instant};

/// What `/proc/PID/stat` says about a process.
#[derive(Clone, Copy, Debug)]
pub struct ProcStat {
    pub state: char,
    pub ppid: u32,
    /// utime + stime, in clock ticks.
    pub cpu_ticks: u64,
}

/// Reads `/proc/PID/stat`; None when the process does not exist.
pub fn proc_stat(pid: u32) -> Option<ProcStat> {
    let text = std::fs::read_to_string(format!("/proc/{pid}/stat")).ok()?;
    // The command name sits in parentheses and may hold spaces.
    let after_name = &text[text.rfind(')')? + 1..];
    let fields: Vec<&str> = after_name.split_whitespace().collect();
    Some(ProcStat {
        state: fields.first()?.chars().next()?,
        ppid: fields.get(1)?.parse().ok()?,
        cpu_ticks: fields.get(11)?.parse::<u64>().ok()? + fields.get(12)?.parse::<u64>().ok()?,
    })
}

/// The arguments of a process; None when it does not exist. A zombie has none.
pub fn proc_args(pid: u32) -> Option<Vec<String>> {
    let bytes = std::fs::read(format!("/proc/{pid}/cmdline")).ok()?;
    Some(
        bytes
            .split(|&byte| byte == 0)
            .filter(|arg| !arg.is_empty())
            .map(|arg| String::from_utf8_lossy(arg).into_owned())
            .collect(),
    )
}

/// True when `pid` is a live (not zombie) `concur __worker` process.
pub fn is_live_concur_worker(pid: u32) -> bool {
    let Some(stat) = proc_stat(pid) else {
        return false;
    };
    if matches!(stat.state, 'Z' | 'X' | 'x') {
        return false; // Dead; only waiting to be reaped (by an init that may never do it).
    }
    proc_args(pid).is_some_and(|args| args.iter().any(|arg| arg == "__worker"))
}

fn all_pids() -> Vec<u32> {
    std::fs::read_dir("/proc")
        .expect("/proc is readable")
        .filter_map(|entry| entry.ok()?.file_name().to_str()?.parse().ok())
        .collect()
}

/// Live `concur __worker` processes whose ppid is `parent`.
pub fn live_worker_children_of(parent: u32) -> Vec<u32> {
    all_pids()
        .into_iter()
        .filter(|&pid| proc_stat(pid).is_some_and(|stat| stat.ppid == parent))
        .filter(|&pid| is_live_concur_worker(pid))
        .collect()
}

/// Live processes of any kind whose ppid is `parent`.
pub fn live_children_of(parent: u32) -> Vec<u32> {
    all_pids()
        .into_iter()
        .filter(|&pid| proc_stat(pid).is_some_and(|stat| stat.ppid == parent && stat.state != 'Z'))
        .collect()
}

/// Live workers started for runner `runner` (`__worker ... --parent RUNNER`),
/// wherever they were reparented to.
pub fn live_workers_started_by(runner: u32) -> Vec<u32> {
    let runner = runner.to_string();
    all_pids()
        .into_iter()
        .filter(|&pid| is_live_concur_worker(pid))
        .filter(|&pid| {
            proc_args(pid).is_some_and(|args| {
                args.windows(2)
                    .any(|pair| pair[0] == "--parent" && pair[1] == runner)
            })
        })
        .collect()
}

/// Polls `condition` every 10 ms until it holds or `deadline` passes.
pub fn poll_until(deadline: Duration, mut condition: impl FnMut() -> bool) -> bool {
    let started = Instant::now();
    loop {
        if condition() {
            return true;
        }
        if started.elapsed() > deadline {
            return false;
        }
        std::thread::sleep(Duration::from_millis(10));
    }
}

/// Sends `signal` to one process that this test started (directly or through
/// the runner).
pub fn send_signal(pid: u32, signal: libc::c_int) {
    let pid = libc::pid_t::try_from(pid).expect("pids fit in pid_t");
    // SAFETY: kill touches no memory of ours; a stale pid yields ESRCH.
    let rc = unsafe { libc::kill(pid, signal) };
    assert_eq!(rc, 0, "kill({pid}, {signal}) failed");
}

/// Clock ticks per second, the unit of `ProcStat::cpu_ticks`.
pub fn clock_ticks_per_second() -> u64 {
    // SAFETY: sysconf only reads a configuration value.
    let ticks = unsafe { libc::sysconf(libc::_SC_CLK_TCK) };
    u64::try_from(ticks).ok().filter(|&t| t > 0).unwrap_or(100)
}
