//! Native clocks: the run clock handed to core, and CPU-time readings.
//!
//! The run clock is `CLOCK_MONOTONIC`, which every process on the machine
//! shares, so worker processes stamp their events on the parent's timeline.

use concur_core::clock::Clock;

fn read(clock: libc::clockid_t) -> u64 {
    let mut now = libc::timespec {
        tv_sec: 0,
        tv_nsec: 0,
    };
    // SAFETY: `now` is a valid, writable timespec and the clock ids used here
    // exist on every supported OS; clock_gettime only writes into it.
    let rc = unsafe { libc::clock_gettime(clock, &mut now) };
    assert_eq!(rc, 0, "clock_gettime failed");
    now.tv_sec as u64 * 1_000_000_000 + now.tv_nsec as u64
}

/// The machine-wide monotonic clock.
#[derive(Clone, Copy, Debug, Default)]
pub struct NativeClock;

impl Clock for NativeClock {
    fn now_ns(&self) -> u64 {
        read(libc::CLOCK_MONOTONIC)
    }
}

/// CPU time used by the calling thread.
pub fn thread_cpu_ns() -> u64 {
    read(libc::CLOCK_THREAD_CPUTIME_ID)
}

/// CPU time used by the whole process (every thread).
pub fn process_cpu_ns() -> u64 {
    read(libc::CLOCK_PROCESS_CPUTIME_ID)
}
