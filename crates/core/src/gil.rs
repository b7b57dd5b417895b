//! The emulated GIL: one global lock a thread must hold to compute.
//!
//! It follows CPython's "new GIL" (3.2 and later, `Python/ceval_gil.c`):
//! - a thread that wants the lock waits on a condition variable for at most
//!   one switch interval; if the lock has not changed hands meanwhile, it sets
//!   a drop request;
//! - the holder polls that request at checkpoints in its work loop
//!   ([`GilGuard::yield_if_requested`]), releases the lock and then waits
//!   until another thread has taken it (forced switching), so it cannot grab
//!   the lock straight back;
//! - blocking I/O happens with the lock released (the [`GilGuard`] dropped,
//!   then [`Gil::acquire`] afterwards), which is why threads still help I/O.
//!
//! Holding the lock means holding a [`GilGuard`]: dropping it releases the
//! lock, also while a panicking holder unwinds, and only the holder can
//! release it (checked in release builds too). The lock records who holds it
//! so views can draw a "GIL holder" lane. It uses only `std::sync` (no
//! clock): relative condition-variable timeouts work natively and in Web
//! Workers built with atomics.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Condvar, Mutex, MutexGuard};
use std::time::Duration;

/// CPython's default switch interval (`sys.getswitchinterval()`), 5 ms.
pub const DEFAULT_SWITCH_INTERVAL: Duration = Duration::from_millis(5);

#[derive(Debug, Default)]
struct State {
    holder: Option<u32>,
    /// Bumped every time the lock is taken; a waiter whose timeout passes
    /// with the same number knows nobody switched.
    switch_number: u64,
}

/// One global interpreter lock shared by the threads of a run.
#[derive(Debug)]
pub struct Gil {
    state: Mutex<State>,
    /// Signalled when the lock is released.
    released: Condvar,
    /// Signalled when the lock is taken (for forced switching).
    taken: Condvar,
    drop_request: AtomicBool,
    switch_interval: Duration,
}

impl Gil {
    pub fn new(switch_interval: Duration) -> Gil {
        Gil {
            state: Mutex::new(State::default()),
            released: Condvar::new(),
            taken: Condvar::new(),
            drop_request: AtomicBool::new(false),
            switch_interval,
        }
    }

    pub fn switch_interval(&self) -> Duration {
        self.switch_interval
    }

    /// The worker that holds the lock now, if any.
    pub fn holder(&self) -> Option<u32> {
        self.lock_state().holder
    }

    fn lock_state(&self) -> MutexGuard<'_, State> {
        // A panicking worker must not wedge the others: the state stays valid.
        self.state
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    /// Blocks until `worker` holds the lock. The guard gives the lock back
    /// when it drops, also when its thread panics while holding it, so a
    /// crashed holder cannot leave the others waiting forever.
    #[must_use = "the lock is given back as soon as the guard drops"]
    pub fn acquire(&self, worker: u32) -> GilGuard<'_> {
        self.take(worker);
        GilGuard { gil: self, worker }
    }

    fn take(&self, worker: u32) {
        let mut state = self.lock_state();
        while state.holder.is_some() {
            let seen = state.switch_number;
            let (guard, timeout) = self
                .released
                .wait_timeout(state, self.switch_interval)
                .unwrap_or_else(|poisoned| poisoned.into_inner());
            state = guard;
            if timeout.timed_out() && state.holder.is_some() && state.switch_number == seen {
                self.drop_request.store(true, Ordering::Release);
            }
        }
        state.holder = Some(worker);
        state.switch_number += 1;
        self.drop_request.store(false, Ordering::Release);
        self.taken.notify_all();
    }

    /// Gives the lock up, checking (in release builds too) that `worker`
    /// holds it; returns the state still locked, for forced switching.
    fn give_up(&self, worker: u32) -> Option<MutexGuard<'_, State>> {
        let mut state = self.lock_state();
        if state.holder != Some(worker) {
            let holder = state.holder;
            drop(state);
            // A second panic while unwinding would abort the whole process.
            if !std::thread::panicking() {
                panic!("worker {worker} gave up the GIL, but {holder:?} holds it");
            }
            return None;
        }
        state.holder = None;
        self.released.notify_one();
        Some(state)
    }

    /// True when a waiting thread has asked the holder to let go.
    pub fn drop_requested(&self) -> bool {
        self.drop_request.load(Ordering::Acquire)
    }
}

/// The GIL, held by one worker until this guard drops.
#[derive(Debug)]
pub struct GilGuard<'g> {
    gil: &'g Gil,
    worker: u32,
}

impl GilGuard<'_> {
    /// True when a waiting thread has asked the holder to let go.
    pub fn drop_requested(&self) -> bool {
        self.gil.drop_requested()
    }

    /// The checkpoint in a work loop: when another thread asked for the lock,
    /// hand it over, wait until it was taken, and queue up for it again.
    /// Returns true when the lock changed hands.
    pub fn yield_if_requested(&mut self) -> bool {
        if !self.drop_requested() {
            return false;
        }
        let Some(mut state) = self.gil.give_up(self.worker) else {
            return false;
        };
        let released_at = state.switch_number;
        // Forced switching: the requester is waiting, so someone takes it.
        while state.switch_number == released_at {
            state = self
                .gil
                .taken
                .wait(state)
                .unwrap_or_else(|poisoned| poisoned.into_inner());
        }
        drop(state);
        self.gil.take(self.worker);
        true
    }
}

impl Drop for GilGuard<'_> {
    fn drop(&mut self) {
        self.gil.give_up(self.worker);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::Arc;
    use std::sync::atomic::AtomicU32;
    use std::sync::mpsc::channel;
    use std::time::Instant;

    #[test]
    fn one_holder_at_a_time_and_everyone_gets_a_turn() {
        let gil = Gil::new(Duration::from_millis(1));
        let inside = AtomicU32::new(0);
        let turns = [AtomicU32::new(0), AtomicU32::new(0)];
        std::thread::scope(|scope| {
            for worker in 0..2u32 {
                let (gil, inside, turns) = (&gil, &inside, &turns);
                scope.spawn(move || {
                    let mut held = gil.acquire(worker);
                    let started = Instant::now();
                    while started.elapsed() < Duration::from_millis(60) {
                        assert_eq!(inside.fetch_add(1, Ordering::SeqCst), 0);
                        assert_eq!(gil.holder(), Some(worker));
                        inside.fetch_sub(1, Ordering::SeqCst);
                        if held.yield_if_requested() {
                            turns[worker as usize].fetch_add(1, Ordering::SeqCst);
                        }
                    }
                });
            }
        });
        // Both threads ran for 60 ms of their own wall time beside each other,
        // so the lock must have been handed over repeatedly.
        assert!(turns.iter().map(|t| t.load(Ordering::SeqCst)).sum::<u32>() >= 2);
        assert_eq!(gil.holder(), None);
    }

    #[test]
    fn an_uncontended_lock_is_never_asked_for() {
        let gil = Gil::new(DEFAULT_SWITCH_INTERVAL);
        let mut held = gil.acquire(7);
        assert!(!held.yield_if_requested());
        assert_eq!(gil.holder(), Some(7));
        drop(held);
        assert_eq!(gil.holder(), None);
    }

    #[test]
    fn a_holder_that_panics_lets_the_others_in() {
        let gil = Arc::new(Gil::new(Duration::from_millis(1)));
        let (holding, held) = channel();
        let crashing = {
            let gil = Arc::clone(&gil);
            std::thread::spawn(move || {
                let _held = gil.acquire(0);
                holding.send(()).expect("the test waits for this");
                // Give the other thread time to queue up behind the lock.
                std::thread::sleep(Duration::from_millis(20));
                panic!("worker 0 fails while holding the GIL");
            })
        };
        held.recv().expect("worker 0 took the lock");
        // The waiter runs on a thread of its own, so that a lock left held
        // fails this test at its deadline instead of hanging it.
        let (finished, done) = channel();
        let waiter = {
            let gil = Arc::clone(&gil);
            std::thread::spawn(move || {
                let held = gil.acquire(1);
                let _ = finished.send(gil.holder());
                drop(held);
            })
        };
        assert_eq!(
            done.recv_timeout(Duration::from_secs(30)),
            Ok(Some(1)),
            "worker 1 never got the GIL its panicking holder had"
        );
        assert!(crashing.join().is_err(), "worker 0 panicked");
        waiter.join().expect("worker 1 finished");
        assert_eq!(gil.holder(), None);
    }
}
