//! The machine's busy CPU time: what every process on every core has used
//! since boot, read from the OS, so that `load.rs` can subtract concur's
//! own use and tell how busy other programs kept the machine.
//!
//! - Linux: the aggregate `cpu` line of `/proc/stat` (parsed by
//!   `load::busy_ticks`) in clock ticks;
//! - macOS: the Mach host's CPU load ticks (`host_statistics` with
//!   `HOST_CPU_LOAD_INFO`: user, system and nice; idle is not work). The
//!   counters are 32 bits and wrap after about 500 days of one core's busy
//!   time summed over cores; a window they wrap in reads as idle;
//! - Windows: `GetSystemTimes` (kernel time includes idle time, so busy is
//!   kernel plus user minus idle).
//!
//! Elsewhere it returns None and the report says the load was not measured.

use std::time::Duration;

/// Clock ticks to a duration at `sysconf(_SC_CLK_TCK)` ticks per second.
#[cfg(unix)]
fn from_ticks(ticks: u64) -> Option<Duration> {
    // SAFETY: sysconf only reads a configuration value.
    let per_second = unsafe { libc::sysconf(libc::_SC_CLK_TCK) };
    let per_second = u64::try_from(per_second).ok().filter(|&hz| hz > 0)?;
    Some(Duration::from_nanos(
        ticks.saturating_mul(1_000_000_000 / per_second),
    ))
}

/// CPU time every process on the machine has used since boot, summed over
/// cores.
#[cfg(target_os = "linux")]
pub fn system_busy_cpu() -> Option<Duration> {
    from_ticks(crate::load::busy_ticks(
        &std::fs::read_to_string("/proc/stat").ok()?,
    )?)
}

/// CPU time every process on the machine has used since boot, summed over
/// cores.
#[cfg(target_os = "macos")]
pub fn system_busy_cpu() -> Option<Duration> {
    use std::sync::OnceLock;
    unsafe extern "C" {
        // libc marks its binding deprecated in favour of the mach2 crate;
        // this one call does not justify another dependency.
        fn mach_host_self() -> libc::mach_port_t;
    }
    // One send right to the host port, kept for the process's life.
    static HOST: OnceLock<libc::mach_port_t> = OnceLock::new();
    // SAFETY: mach_host_self takes no arguments and returns a port name.
    let host = *HOST.get_or_init(|| unsafe { mach_host_self() });
    let mut info = libc::host_cpu_load_info {
        cpu_ticks: [0; libc::CPU_STATE_MAX as usize],
    };
    let mut count = libc::HOST_CPU_LOAD_INFO_COUNT;
    // SAFETY: host_statistics writes at most `count` integers (the size of
    // host_cpu_load_info) into `info` and updates `count`.
    let status = unsafe {
        libc::host_statistics(
            host,
            libc::HOST_CPU_LOAD_INFO,
            (&raw mut info).cast(),
            &mut count,
        )
    };
    if status != libc::KERN_SUCCESS {
        return None;
    }
    let ticks = |state: libc::c_int| u64::from(info.cpu_ticks[state as usize]);
    from_ticks(
        ticks(libc::CPU_STATE_USER) + ticks(libc::CPU_STATE_SYSTEM) + ticks(libc::CPU_STATE_NICE),
    )
}

/// CPU time every process on the machine has used since boot, summed over
/// cores.
#[cfg(windows)]
pub fn system_busy_cpu() -> Option<Duration> {
    use windows_sys::Win32::Foundation::FILETIME;
    use windows_sys::Win32::System::Threading::GetSystemTimes;
    let zero = FILETIME {
        dwLowDateTime: 0,
        dwHighDateTime: 0,
    };
    let (mut idle, mut kernel, mut user) = (zero, zero, zero);
    // SAFETY: GetSystemTimes writes the three FILETIMEs it is given.
    if unsafe { GetSystemTimes(&mut idle, &mut kernel, &mut user) } == 0 {
        return None;
    }
    // FILETIME counts 100 ns intervals.
    let ns = |time: FILETIME| {
        ((u64::from(time.dwHighDateTime) << 32) | u64::from(time.dwLowDateTime)) * 100
    };
    Some(Duration::from_nanos(
        (ns(kernel) + ns(user)).saturating_sub(ns(idle)),
    ))
}

/// Not read on this platform.
#[cfg(not(any(target_os = "linux", target_os = "macos", windows)))]
pub fn system_busy_cpu() -> Option<Duration> {
    None
}
