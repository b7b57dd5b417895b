//! The clock an executor hands to core.
//!
//! Core never reads time itself: native executors pass a monotonic clock that
//! is shared by every process of a run, the web passes `performance.now()`.
//! Timestamps are nanoseconds on an epoch that all lanes of one run share.

/// A source of monotonic timestamps in nanoseconds.
pub trait Clock: Send + Sync {
    /// Nanoseconds since an arbitrary epoch shared by every worker of a run.
    fn now_ns(&self) -> u64;
}
