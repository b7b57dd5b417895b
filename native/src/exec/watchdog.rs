//! The deadline keeper of a processes run: one thread that kills a worker
//! process whose feeder has waited too long for it.
//!
//! A feeder arms its slot before each wait on its child (for Ready, for an
//! answer, for Bye, for the exit) and disarms it when the wait ends. Should a
//! deadline pass first, the watchdog kills the child (`platform::kill`:
//! SIGKILL, or `TerminateProcess` on Windows): the feeder's
//! blocked read or write then fails, and [`Watchdog::disarm`] tells it that
//! the watchdog fired and after how long. Feeders disarm before they reap,
//! so a pid the kernel may hand out again is never killed.
//!
//! Task tree: `exec::processes` runs [`Watchdog::watch`] on a scoped thread
//! beside the feeders; a [`StopOnDrop`] guard ends it, also when the run
//! unwinds.

use std::sync::{Condvar, Mutex, MutexGuard};
use std::time::{Duration, Instant};

#[derive(Clone, Copy, Debug, Default)]
struct Slot {
    pid: u32,
    /// When to kill `pid`, and the limit that was set.
    armed: Option<(Instant, Duration)>,
    /// The limit that passed, once the watchdog killed the process.
    fired: Option<Duration>,
}

#[derive(Debug, Default)]
struct State {
    slots: Vec<Slot>,
    stopped: bool,
    /// When the watchdog means to wake next; None while it sleeps until
    /// told (or has not started).
    wakes_at: Option<Instant>,
}

/// Deadlines for the worker processes of one run, one slot per worker.
#[derive(Debug, Default)]
pub struct Watchdog {
    state: Mutex<State>,
    changed: Condvar,
}

impl Watchdog {
    pub fn new(slots: usize) -> Watchdog {
        Watchdog {
            state: Mutex::new(State {
                slots: vec![Slot::default(); slots],
                ..State::default()
            }),
            changed: Condvar::new(),
        }
    }

    fn lock(&self) -> MutexGuard<'_, State> {
        // The state stays valid whoever panicked while holding it.
        self.state
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    /// Kills `pid` unless slot `slot` is disarmed or armed again within
    /// `within`.
    pub fn arm(&self, slot: usize, pid: u32, within: Duration) {
        let at = Instant::now() + within;
        let mut state = self.lock();
        // A kill already made stays reported until the feeder disarms.
        let slot = &mut state.slots[slot];
        slot.pid = pid;
        slot.armed = Some((at, within));
        // Deadlines mostly lie beyond the next wake-up; only an earlier one
        // needs the watchdog awake.
        if state.wakes_at.is_none_or(|wakes_at| at < wakes_at) {
            self.changed.notify_one();
        }
    }

    /// Stops watching slot `slot`; the limit that passed when the watchdog
    /// killed its process.
    pub fn disarm(&self, slot: usize) -> Option<Duration> {
        let mut state = self.lock();
        let slot = &mut state.slots[slot];
        slot.armed = None;
        slot.fired.take()
    }

    /// The watchdog's loop: kills the process of every slot whose deadline
    /// passed, until [`Watchdog::stop`].
    pub fn watch(&self) {
        let mut state = self.lock();
        while !state.stopped {
            let now = Instant::now();
            let mut next: Option<Instant> = None;
            for slot in &mut state.slots {
                let Some((at, within)) = slot.armed else {
                    continue;
                };
                if at <= now {
                    // The pid is a child that is not reaped yet (feeders
                    // disarm first), so it names no one else.
                    crate::platform::kill(slot.pid);
                    slot.armed = None;
                    slot.fired = Some(within);
                } else {
                    next = Some(next.map_or(at, |next| next.min(at)));
                }
            }
            state.wakes_at = next;
            state = match next {
                Some(at) => {
                    self.changed
                        .wait_timeout(state, at.saturating_duration_since(now))
                        .unwrap_or_else(|poisoned| poisoned.into_inner())
                        .0
                }
                None => self
                    .changed
                    .wait(state)
                    .unwrap_or_else(|poisoned| poisoned.into_inner()),
            };
        }
    }

    /// Ends [`Watchdog::watch`].
    pub fn stop(&self) {
        self.lock().stopped = true;
        self.changed.notify_all();
    }
}

/// Stops the watchdog when dropped, so its thread never outlives the run.
pub struct StopOnDrop<'w>(pub &'w Watchdog);

impl Drop for StopOnDrop<'_> {
    fn drop(&mut self) {
        self.0.stop();
    }
}

// The test's sleepers are `sleep`, a Unix program.
#[cfg(all(test, unix))]
mod tests {
    use super::*;
    use std::process::Command;

    #[test]
    fn a_process_past_its_deadline_is_killed_and_the_feeder_told() {
        let watchdog = Watchdog::new(2);
        let mut sleeper = Command::new("sleep").arg("60").spawn().expect("sleep runs");
        let mut quick = Command::new("sleep").arg("60").spawn().expect("sleep runs");
        std::thread::scope(|scope| {
            let _stop = StopOnDrop(&watchdog);
            scope.spawn(|| watchdog.watch());
            watchdog.arm(1, quick.id(), Duration::from_secs(60));
            watchdog.arm(0, sleeper.id(), Duration::from_millis(50));
            let status = sleeper.wait().expect("the sleeper ends");
            assert!(!status.success(), "killed, not finished: {status}");
            assert_eq!(watchdog.disarm(0), Some(Duration::from_millis(50)));
            assert_eq!(
                watchdog.disarm(1),
                None,
                "the other deadline had not passed"
            );
        });
        quick.kill().expect("the other sleeper still runs");
        let _ = quick.wait();
    }
}
