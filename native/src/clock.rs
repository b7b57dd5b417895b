//! Native clocks: the run clock handed to core, and CPU-time readings.
//!
//! The run clock is the platform's monotonic clock (`CLOCK_MONOTONIC`,
//! `QueryPerformanceCounter`), which every process on the machine shares, so
//! worker processes stamp their events on the parent's timeline.

use concur_core::clock::Clock;

/// The machine-wide monotonic clock.
#[derive(Clone, Copy, Debug, Default)]
pub struct NativeClock;

impl Clock for NativeClock {
    fn now_ns(&self) -> u64 {
        crate::platform::monotonic_ns()
    }
}

/// CPU time used by the calling thread.
pub fn thread_cpu_ns() -> u64 {
    crate::platform::thread_cpu_ns()
}

/// CPU time used by the whole process (every thread).
pub fn process_cpu_ns() -> u64 {
    crate::platform::process_cpu_ns()
}
