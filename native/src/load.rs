//! How busy the rest of the machine was while the models ran.
//!
//! Two readings, before and after the runs: the machine's busy CPU time
//! (every process on every core, [`system_busy_cpu`]) and concur's own
//! ([`own_cpu`]: this process and its reaped children, which the processes
//! model's workers and the echo server's helper processes are by the time
//! a run returns). The difference is other programs' share; concur-core's
//! `MachineLoad` turns it into cores and a warning. [`system_busy_cpu`] is
//! the platform seam's (`platform/busy.rs`): `/proc/stat` on Linux,
//! `host_statistics` on macOS, `GetSystemTimes` on Windows.

use concur_core::stats::MachineLoad;
use std::time::{Duration, Instant};

/// Busy ticks of the aggregate `cpu` line of `/proc/stat`: user, nice,
/// system, irq and softirq (guest time is already inside user and nice;
/// idle, iowait and steal are not this machine working).
pub fn busy_ticks(proc_stat: &str) -> Option<u64> {
    let line = proc_stat.lines().find(|line| line.starts_with("cpu "))?;
    let fields: Vec<u64> = line
        .split_whitespace()
        .skip(1)
        .map(|field| field.parse().ok())
        .collect::<Option<_>>()?;
    let [user, nice, system, _idle, _iowait, irq, softirq, ..] = fields[..] else {
        return None;
    };
    Some(user + nice + system + irq + softirq)
}

/// CPU time every process on the machine has used since boot, summed over
/// cores (the platform seam's reading); None where the OS gives none.
pub fn system_busy_cpu() -> Option<Duration> {
    crate::platform::system_busy_cpu()
}

/// CPU time of this process and of its children that have been waited for.
pub fn own_cpu() -> Duration {
    crate::platform::own_cpu()
}

/// The readings at the start of a window.
pub struct LoadWindow {
    busy: Option<Duration>,
    own: Duration,
    start: Instant,
}

impl LoadWindow {
    pub fn start() -> LoadWindow {
        LoadWindow {
            busy: system_busy_cpu(),
            own: own_cpu(),
            start: Instant::now(),
        }
    }

    /// Reads again and says how busy other programs kept the machine.
    pub fn finish(self) -> MachineLoad {
        let window_s = self.start.elapsed().as_secs_f64();
        let own_s = own_cpu().saturating_sub(self.own).as_secs_f64();
        match (self.busy, system_busy_cpu()) {
            (Some(before), Some(after)) => {
                MachineLoad::measured(after.saturating_sub(before).as_secs_f64(), own_s, window_s)
            }
            _ => MachineLoad::not_measured(window_s),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn busy_ticks_sum_the_working_columns_of_the_cpu_line() {
        let stat = "cpu  100 5 50 9000 30 7 3 11 0 0\ncpu0 50 2 25 4500 15 3 1 5 0 0\nintr 1 2\n";
        assert_eq!(busy_ticks(stat), Some(100 + 5 + 50 + 7 + 3));
        assert_eq!(busy_ticks("cpu0 1 2 3 4 5 6 7\n"), None);
        assert_eq!(busy_ticks("cpu  1 2 x 4 5 6 7\n"), None);
        assert_eq!(busy_ticks("cpu  1 2 3\n"), None);
    }

    #[test]
    fn own_cpu_grows_with_work_done() {
        let before = own_cpu();
        let mut x = 0u64;
        let start = Instant::now();
        while start.elapsed() < Duration::from_millis(30) {
            x = std::hint::black_box(x.wrapping_add(1));
        }
        assert!(own_cpu() > before, "{x}");
    }

    #[test]
    fn the_machine_reports_busy_time_that_grows_with_work() {
        let before = system_busy_cpu().expect("this platform reads its busy time");
        let start = Instant::now();
        let mut x = 0u64;
        // Linux counts in 10 ms ticks, Windows in scheduler ticks (15.6 ms).
        while system_busy_cpu().unwrap() <= before && start.elapsed() < Duration::from_secs(5) {
            x = std::hint::black_box(x.wrapping_add(1));
        }
        assert!(system_busy_cpu().unwrap() > before, "{x}");
    }
}
