//! CPU work beside I/O, the convoy's CPU thread: it sums square roots
//! round after round for as long as the run's I/O tasks are busy, so every
//! request meets a lock holder.
//!
//! Workers that share memory (threads, sequential) share a [`Pending`]
//! count of the I/O tasks still busy; the CPU task stops at the end of the
//! round in which it reached zero. Workers that cannot see the others
//! (a process, the event loop) stop once the op's `max_ms` has passed. Every
//! round computes the same sum, and the answer is that sum, so it stays
//! checkable against the closed form and bit-identical across models.

use super::WorkerCtx;
use crate::experiment::Plan;
use crate::workload;
use std::sync::atomic::{AtomicUsize, Ordering};

/// How many of a run's I/O tasks have not finished yet.
#[derive(Debug)]
pub struct Pending(AtomicUsize);

impl Pending {
    /// Every task of `plan` that makes requests, none finished.
    pub fn of(plan: &Plan) -> Pending {
        let io = plan
            .tasks
            .iter()
            .filter(|task| task.op.requests().is_some())
            .count();
        Pending(AtomicUsize::new(io))
    }

    /// One I/O task finished (answered, failed or panicked).
    pub(crate) fn done(&self) {
        // Never below zero, whatever a caller does twice.
        let _ = self
            .0
            .fetch_update(Ordering::AcqRel, Ordering::Acquire, |left| {
                left.checked_sub(1)
            });
    }

    /// True while some I/O task is still busy.
    pub fn busy(&self) -> bool {
        self.0.load(Ordering::Acquire) > 0
    }
}

impl WorkerCtx<'_> {
    /// Sums sqrt(i) for i in 0..n, again and again while the I/O is busy
    /// (at least once), handing the GIL over when asked; one run slice per
    /// stretch holding the lock, however many rounds it spans. A round that
    /// disagrees with the first makes the answer NaN, which no check passes.
    #[inline(never)]
    pub(super) fn cpu_while_io(&mut self, task_idx: u32, n: u64, max_ms: u64) -> f64 {
        let (clock, pending) = (self.clock, self.pending);
        let started = clock.now_ns();
        let busy = || match pending {
            Some(pending) => pending.busy(),
            None => clock.now_ns().saturating_sub(started) < max_ms.saturating_mul(1_000_000),
        };
        self.with_checkpoints(task_idx, |checkpoint| {
            let first = workload::cpu_sqrt(n, &mut *checkpoint);
            while busy() {
                let again = workload::cpu_sqrt(n, &mut *checkpoint);
                if again.to_bits() != first.to_bits() {
                    return f64::NAN;
                }
            }
            first
        })
    }
}
