//! The "why" under every result: sentences computed from what was measured.
//!
//! Each experiment of the catalog has an explanation hook (its `explain`
//! function); most build on the pieces here: who won and why, what the GIL
//! did to threads, what processes paid to start and to move data. Every
//! sentence that names a cause first checks the measurement that supports
//! it, with the thresholds the claims use (`claims.rs`), and says plainly
//! when the run does not show the effect.

use crate::claims::{
    FULL_CORE, LITTLE_LOSS, NO_GAIN, ONE_CORE, OVERLAP, SEVERAL_CORES, clearly_longer,
    no_gain_little_loss,
};
use crate::experiment::Experiment;
use crate::model::Model;
use crate::params::Params;
use crate::report::ModelResult;

/// What an explanation reads: one run's knobs and results.
pub struct Measured<'a> {
    pub experiment: &'a Experiment,
    pub params: &'a Params,
    pub results: &'a [ModelResult],
    /// The machine's logical cores.
    pub cores: u32,
}

impl Measured<'_> {
    /// A model's result, if it ran and answered correctly.
    pub fn ok(&self, model: Model) -> Option<&ModelResult> {
        self.results
            .iter()
            .find(|result| result.model == model && result.answer_ok)
    }

    /// The fastest model with the right answer.
    pub fn winner(&self) -> Option<&ModelResult> {
        self.results
            .iter()
            .filter(|r| r.answer_ok)
            .min_by(|a, b| a.wall_s.median.total_cmp(&b.wall_s.median))
    }
}

pub(crate) fn seconds_text(seconds: f64) -> String {
    format!("{seconds:.2} s")
}

pub(crate) fn speedup_text(result: &ModelResult) -> String {
    match result.speedup {
        Some(speedup) => format!("{speedup:.2}x"),
        None => format!("{:.3} s", result.wall_s.median),
    }
}

/// "about 1.9 of the 2 cores", "about 1.0 core".
fn cores_text(util: f64, cores: u32) -> String {
    if util >= SEVERAL_CORES {
        format!("about {util:.1} of the {cores} cores")
    } else {
        format!("about {util:.1} core")
    }
}

/// Explains a set of results in a few sentences.
pub fn explain(
    experiment: &Experiment,
    params: &Params,
    results: &[ModelResult],
    cores: u32,
) -> String {
    let measured = Measured {
        experiment,
        params,
        results,
        cores,
    };
    if measured.winner().is_none() {
        return "No model produced a correct answer, so there is nothing to compare.".to_string();
    }
    let mut sentences = (experiment.explain)(&measured);
    let wrong: Vec<&str> = results
        .iter()
        .filter(|r| !r.answer_ok)
        .map(|r| r.model.name())
        .collect();
    if !wrong.is_empty() {
        sentences.push(format!("Wrong or failed: {}.", wrong.join(", ")));
    }
    sentences.join(" ")
}

/// "winner won (speedup): reason."
pub(crate) fn winner_sentence(winner: &ModelResult, reason: &str) -> String {
    format!(
        "{} won ({}): {reason}.",
        winner.model.name(),
        speedup_text(winner)
    )
}

/// The explanation of a CPU-bound experiment: who computed in parallel,
/// what the GIL and the event loop did, what processes paid.
pub(crate) fn cpu_bound(m: &Measured) -> Vec<String> {
    let Some(winner) = m.winner() else {
        return Vec::new();
    };
    let mut sentences = vec![winner_sentence(winner, &cpu_winner_reason(m, winner))];
    sentences.extend(gil_on_cpu(m));
    sentences.extend(async_on_cpu(m));
    sentences.extend(processes_costs(m));
    if let Some(util) = m.ok(Model::Sequential).and_then(|r| r.cpu_util)
        && util < FULL_CORE
    {
        sentences.push(format!(
            "One plain loop kept only {:.0}% of a core busy: other programs were using the CPU during this run, so its times are noisy.",
            util * 100.0
        ));
    }
    if m.cores < 2 {
        sentences.push(
            "This machine reports one core, so no model can compute in parallel here.".to_string(),
        );
    }
    sentences
}

/// Why one plain loop won, as far as the run shows it: the closest model's
/// measured overheads (starting workers, shipping data, waiting for the
/// GIL, summed over its workers) against what it lost by.
pub(crate) fn sequential_won(m: &Measured, winner: &ModelResult) -> String {
    let closest = m
        .results
        .iter()
        .filter(|r| r.answer_ok && r.model != Model::Sequential)
        .min_by(|a, b| a.wall_s.median.total_cmp(&b.wall_s.median));
    let Some(closest) = closest else {
        return "no other model answered correctly to compare with".to_string();
    };
    let lost_by = closest.wall_s.median - winner.wall_s.median;
    let time = &closest.time;
    let overhead = time.spawn_s + time.serialize_s + time.gil_wait_s;
    if overhead >= lost_by && overhead > 0.0 {
        format!(
            "nothing else beat one plain loop: the closest, {}, lost by {}, and spent {} starting workers, shipping data and waiting for the GIL (summed over its workers)",
            closest.model.name(),
            seconds_text(lost_by),
            seconds_text(overhead)
        )
    } else {
        format!(
            "nothing else beat one plain loop; the closest, {}, lost by {}, and this run does not show where (its start-up, shipping and GIL waits came to {})",
            closest.model.name(),
            seconds_text(lost_by),
            seconds_text(overhead)
        )
    }
}

fn cpu_winner_reason(m: &Measured, winner: &ModelResult) -> String {
    if winner.model == Model::Sequential {
        return sequential_won(m, winner);
    }
    let speedup = winner.speedup;
    match (winner.cpu_util, speedup) {
        (Some(util), _) if util >= SEVERAL_CORES => format!(
            "it kept {} busy, computing several tasks at once",
            cores_text(util, m.cores)
        ),
        (None, Some(s)) if s >= SEVERAL_CORES => format!(
            "only computing on several cores at once makes CPU work {s:.2}x faster (this platform cannot measure CPU time)"
        ),
        (_, Some(s)) if s <= NO_GAIN => match winner.cpu_util {
            Some(util) => format!(
                "it kept only {} busy, like one plain loop, so its edge is noise",
                cores_text(util, m.cores)
            ),
            None => "its edge over one plain loop is within noise".to_string(),
        },
        (Some(util), _) => format!(
            "it kept only {} busy, so this run does not show where its lead came from",
            cores_text(util, m.cores)
        ),
        (None, _) => "add sequential to --models to see how much it gained".to_string(),
    }
}

/// What the GIL did to CPU-bound threads.
fn gil_on_cpu(m: &Measured) -> Option<String> {
    let gil = m.ok(Model::ThreadsGil)?;
    let waited = gil.time.gil_wait_s;
    let text = match gil.speedup {
        None if gil.workers > 1 && waited > 0.0 => format!(
            "Threads-gil took {:.3} s and its threads waited {waited:.2} s in all for the lock, since only the thread holding the GIL may compute (add sequential to --models to see the speedup)",
            gil.wall_s.median
        ),
        None => format!(
            "Threads-gil took {:.3} s (add sequential to --models to see the speedup)",
            gil.wall_s.median
        ),
        Some(s) if no_gain_little_loss(s) => {
            let one_core = match gil.cpu_util {
                Some(util) if util <= ONE_CORE => format!(" on {}", cores_text(util, m.cores)),
                _ => String::new(),
            };
            let waiting = if waited > 0.0 {
                format!(" ({waited:.2} s waiting for the lock in all)")
            } else {
                String::new()
            };
            if gil.workers > 1 {
                format!(
                    "Threads-gil stayed at {s:.2}x, about as fast as one thread, as CPython's threads are on CPU work: a thread must hold the one global lock to compute, so its {} threads took turns{one_core}{waiting}, and each handover costs little",
                    gil.workers
                )
            } else {
                format!(
                    "Threads-gil stayed at {s:.2}x with one thread, which had the lock to itself{one_core}"
                )
            }
        }
        Some(s) if s < LITTLE_LOSS => format!(
            "Threads-gil fell to {s:.2}x, slower than one plain loop by more than handing the lock over should cost (CPython 3.11 loses about nothing); the machine may have been busy"
        ),
        Some(s) => format!(
            "Unexpected: threads-gil reached {s:.2}x, but a GIL should keep CPU-bound threads near 1x; the machine may have been busy during the sequential runs"
        ),
    };
    Some(format!("{text}."))
}

/// Why async gains nothing on CPU work, when it did not.
fn async_on_cpu(m: &Measured) -> Option<String> {
    let asynch = m.ok(Model::Async)?;
    Some(match asynch.speedup {
        Some(s) if s > NO_GAIN => format!(
            "Unexpected: async reached {s:.2}x on CPU work its one thread cannot overlap; the machine may have been busy during the sequential runs."
        ),
        _ => format!(
            "Async ran every task on its one thread ({}): CPU work blocks the event loop, so coroutines cannot overlap it.",
            speedup_text(asynch)
        ),
    })
}

/// What processes paid to start and to move data, and whether that is why
/// they lost.
pub(crate) fn processes_costs(m: &Measured) -> Option<String> {
    let processes = m.ok(Model::Processes)?;
    let time = &processes.time;
    let overhead_ms = (time.spawn_s + time.serialize_s) * 1000.0;
    let run_ms = time.run_s * 1000.0;
    if processes.speedup.is_some_and(|s| s < 1.0) && run_ms > 0.0 {
        return Some(if overhead_ms >= run_ms {
            format!(
                "Processes lost to one plain loop ({}): starting the workers ({:.1} ms) and copying data to them and answers back ({:.1} ms) took longer than the {run_ms:.1} ms they spent computing.",
                speedup_text(processes),
                time.spawn_s * 1000.0,
                time.serialize_s * 1000.0
            )
        } else {
            format!(
                "Processes lost to one plain loop ({}), though starting the workers and copying data took only {overhead_ms:.1} ms against {run_ms:.1} ms of computing; this run does not show where the rest went.",
                speedup_text(processes)
            )
        });
    }
    let start_ms = time.spawn_s * 1000.0 / f64::from(processes.workers.max(1));
    (start_ms >= 0.05).then(|| {
        format!(
            "Processes paid about {start_ms:.1} ms to start each worker and {:.2} ms moving data across pipes.",
            time.serialize_s * 1000.0
        )
    })
}

/// The explanation of an I/O-bound experiment whose workers wait; `waited`
/// says what waited at the same time ("its 5 requests waited for the
/// server").
pub(crate) fn io_bound(m: &Measured, waited: &str) -> Vec<String> {
    let Some(winner) = m.winner() else {
        return Vec::new();
    };
    let reason = if winner.model == Model::Sequential {
        sequential_won(m, winner)
    } else {
        io_winner_reason(winner, waited)
    };
    let mut sentences = vec![winner_sentence(winner, &reason)];
    sentences.extend(gil_on_io(m));
    sentences.extend(processes_costs(m));
    sentences
}

fn io_winner_reason(winner: &ModelResult, waited: &str) -> String {
    match winner.speedup {
        Some(s) if s >= OVERLAP => {
            format!("{waited} at the same time instead of one after another")
        }
        Some(_) => "only by a little, so this run shows no clear overlap of the waits".to_string(),
        None => {
            "add sequential to --models to see how much overlapping the waits saved".to_string()
        }
    }
}

/// What the GIL did to threads that wait for I/O.
pub(crate) fn gil_on_io(m: &Measured) -> Option<String> {
    let gil = m.ok(Model::ThreadsGil)?;
    let wall = gil.wall_s.median;
    let lock_s = gil.time.gil_wait_s;
    let free = m.ok(Model::ThreadsFree).map(|r| r.wall_s.median);
    let overlapping = m.params.workers().min(m.params.tasks()) > 1;
    let text = match (free, gil.speedup) {
        (Some(free), _) if clearly_longer(wall, free) && lock_s >= wall - free => format!(
            "Threads-gil took {} against {} for free threads: its {} threads waited {lock_s:.2} s in all for the lock, each one back from waiting queuing for it before it could go on",
            seconds_text(wall),
            seconds_text(free),
            gil.workers
        ),
        (Some(free), _) if clearly_longer(wall, free) => format!(
            "Threads-gil took {} against {} for free threads, though its threads waited only {lock_s:.2} s in all for the lock; this run does not show where the rest went",
            seconds_text(wall),
            seconds_text(free)
        ),
        (Some(free), _) => format!(
            "The GIL did not hold threads-gil back ({} against {} for free threads): a thread lets go of the lock while it waits for I/O",
            seconds_text(wall),
            seconds_text(free)
        ),
        (None, Some(s)) if s >= OVERLAP => format!(
            "The GIL did not stop threads-gil overlapping the waits ({s:.2}x): a thread lets go of the lock while it waits for I/O"
        ),
        (None, Some(s)) if !overlapping => {
            format!("Threads-gil had one worker, so nothing could overlap ({s:.2}x)")
        }
        (None, Some(s)) => format!(
            "Unexpected: threads-gil reached only {s:.2}x on I/O; threads release the GIL while they wait, so they should overlap"
        ),
        (None, None) => format!(
            "Threads-gil took {}; add sequential or threads-free to --models to see what the GIL cost",
            seconds_text(wall)
        ),
    };
    Some(format!("{text}."))
}

#[cfg(test)]
#[path = "explain_tests.rs"]
mod tests;
