//! The progress bar on stderr.
//!
//! It stays hidden for the first second (quick runs print nothing), and
//! entirely when stderr is not a terminal or with `--quiet`. A small reveal
//! thread shows it after that second and ticks it while a long run goes on.

use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};
use std::io::IsTerminal;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

const REVEAL_AFTER: Duration = Duration::from_secs(1);

pub struct Progress {
    bar: Option<ProgressBar>,
    done: Arc<AtomicBool>,
    reveal: Option<std::thread::JoinHandle<()>>,
}

impl Progress {
    /// A bar over `total` steps; `quiet` hides it for good.
    pub fn new(total: u64, quiet: bool) -> Progress {
        let done = Arc::new(AtomicBool::new(false));
        if quiet || !std::io::stderr().is_terminal() {
            return Progress {
                bar: None,
                done,
                reveal: None,
            };
        }
        let bar = ProgressBar::with_draw_target(Some(total), ProgressDrawTarget::hidden());
        bar.set_style(
            ProgressStyle::with_template(
                "{spinner} {elapsed:>3} [{bar:30}] {pos}/{len} runs  {msg}",
            )
            .expect("the template is valid")
            .progress_chars("=> "),
        );
        let reveal = {
            let (bar, done) = (bar.clone(), done.clone());
            std::thread::spawn(move || {
                let started = Instant::now();
                while started.elapsed() < REVEAL_AFTER {
                    if done.load(Ordering::Acquire) {
                        return;
                    }
                    std::thread::sleep(Duration::from_millis(25));
                }
                if !done.load(Ordering::Acquire) {
                    bar.set_draw_target(ProgressDrawTarget::stderr());
                    bar.enable_steady_tick(Duration::from_millis(120));
                }
            })
        };
        Progress {
            bar: Some(bar),
            done,
            reveal: Some(reveal),
        }
    }

    /// Says what is running now.
    pub fn step(&self, message: String) {
        if let Some(bar) = &self.bar {
            bar.set_message(message);
        }
    }

    /// One step done.
    pub fn advance(&self) {
        if let Some(bar) = &self.bar {
            bar.inc(1);
        }
    }

    /// Clears the bar for good.
    pub fn finish(mut self) {
        self.done.store(true, Ordering::Release);
        if let Some(reveal) = self.reveal.take() {
            let _ = reveal.join();
        }
        if let Some(bar) = &self.bar {
            bar.finish_and_clear();
        }
    }
}
