//! The "why" under every result: sentences computed from what was measured.
//!
//! It names the winner and the reason, says why threads with the GIL did or
//! did not help, and flags where this run contradicts the tutorial.

use crate::experiment::{Bound, Experiment};
use crate::model::Model;
use crate::params::Params;
use crate::report::ModelResult;

fn find(results: &[ModelResult], model: Model) -> Option<&ModelResult> {
    results.iter().find(|result| result.model == model)
}

fn seconds_text(seconds: f64) -> String {
    format!("{seconds:.2} s")
}

fn speedup_text(result: &ModelResult) -> String {
    match result.speedup {
        Some(speedup) => format!("{speedup:.2}x"),
        None => format!("{:.3} s", result.wall_s.median),
    }
}

/// Explains a set of results in a few sentences.
pub fn explain(
    experiment: &Experiment,
    params: &Params,
    results: &[ModelResult],
    cores: u32,
) -> String {
    let wrong: Vec<&str> = results
        .iter()
        .filter(|r| !r.answer_ok)
        .map(|r| r.model.name())
        .collect();
    let Some(winner) = results
        .iter()
        .filter(|r| r.answer_ok)
        .min_by(|a, b| a.wall_s.median.total_cmp(&b.wall_s.median))
    else {
        return "No model produced a correct answer, so there is nothing to compare.".to_string();
    };
    if experiment.id == "convoy" {
        return convoy(params, results, &wrong);
    }
    let mut sentences = Vec::new();
    let parallel = params.workers().min(params.tasks()).min(cores.max(1));
    let reason = match (experiment.bound, winner.model) {
        (_, Model::Sequential) => {
            "nothing else beat one plain loop: the overhead of the others outweighed any overlap"
                .to_string()
        }
        (Bound::Cpu, Model::ThreadsFree | Model::Processes) => format!(
            "its workers computed on {parallel} of the {cores} cores at once, and the work is pure computation with nothing to share"
        ),
        (Bound::Cpu, _) => {
            "it computed on one core at a time, like sequential code, so its edge is noise"
                .to_string()
        }
        (Bound::Io, Model::Processes) if experiment.id == "echo-server" => format!(
            "its pool of {} worker processes served that many connections at a time, each handler waiting on its own",
            winner.workers
        ),
        (Bound::Io, Model::Async) if experiment.id == "echo-server" => format!(
            "its one event loop ran a task for each of the {} clients, so every handler waited at the same time",
            params.tasks()
        ),
        (Bound::Io, _) if experiment.id == "echo-server" => format!(
            "it started a thread for each of the {} clients, so every handler waited at the same time",
            params.tasks()
        ),
        (Bound::Io, _) if experiment.uses_http() => format!(
            "its {} requests waited for the server at the same time instead of one after another",
            params.tasks()
        ),
        (Bound::Io, _) => format!(
            "its {} workers waited (for the disk, for their processing) at the same time instead of one after another",
            params.workers().min(params.tasks())
        ),
    };
    sentences.push(format!(
        "{} won ({}): {reason}.",
        winner.model.name(),
        speedup_text(winner)
    ));

    if let Some(gil) = find(results, Model::ThreadsGil).filter(|r| r.answer_ok) {
        let speedup = gil.speedup.unwrap_or(f64::NAN);
        let free_wall = find(results, Model::ThreadsFree)
            .filter(|r| r.answer_ok)
            .map(|r| r.wall_s.median);
        let text = match experiment.bound {
            Bound::Cpu if gil.speedup.is_none() => format!(
                "threads-gil took {:.3} s and its threads waited {:.2} s in all for the lock: only the thread holding the GIL may compute (add sequential to --models to see the speedup)",
                gil.wall_s.median, gil.time.gil_wait_s
            ),
            Bound::Cpu if speedup <= 1.15 => format!(
                "threads-gil stayed at {}: a thread must hold the one global lock to compute, so its {} threads took turns on one core ({:.2} s waiting for the lock in all), as CPython's threads do",
                speedup_text(gil),
                gil.workers,
                gil.time.gil_wait_s
            ),
            Bound::Cpu => format!(
                "unexpected: threads-gil reached {}, but a GIL should keep CPU-bound threads near 1x; the machine may have been busy during the sequential runs",
                speedup_text(gil)
            ),
            // With one worker or one task nothing can overlap: no surprise.
            // Many threads waking from I/O queue for the one lock.
            Bound::Io if free_wall.is_some_and(|free| gil.wall_s.median > 1.5 * free) => format!(
                "threads-gil took {} against {} for free threads: with {} threads, each one back from waiting had to queue for the one lock before it could go on",
                seconds_text(gil.wall_s.median),
                seconds_text(free_wall.unwrap_or_default()),
                gil.workers
            ),
            Bound::Io
                if speedup >= 1.5
                    || gil.speedup.is_none()
                    || params.workers().min(params.tasks()) == 1 =>
            {
                format!(
                    "the GIL did not hold threads-gil back ({}): a thread lets go of the lock while it waits for I/O",
                    speedup_text(gil)
                )
            }
            Bound::Io => format!(
                "unexpected: threads-gil reached only {} on I/O; threads release the GIL while they wait, so they should overlap",
                speedup_text(gil)
            ),
        };
        sentences.push(format!("{}.", capitalize(&text)));
    }
    if let Some(asynch) = find(results, Model::Async).filter(|r| r.answer_ok)
        && experiment.bound == Bound::Cpu
    {
        sentences.push(format!(
            "Async ran every task on its one thread ({}): CPU work blocks the event loop, so coroutines cannot overlap it.",
            speedup_text(asynch)
        ));
    }
    if let Some(processes) = find(results, Model::Processes).filter(|r| r.answer_ok) {
        let start_ms = processes.time.spawn_s * 1000.0 / f64::from(processes.workers.max(1));
        let lost = experiment.bound == Bound::Cpu && processes.speedup.is_some_and(|s| s < 1.0);
        if lost {
            sentences.push(format!(
                "Processes lost to one plain loop ({}): copying the data to the workers and the answers back cost {:.1} ms of serialization and {:.1} ms of start-up, more than spreading the work saved.",
                speedup_text(processes),
                processes.time.serialize_s * 1000.0,
                processes.time.spawn_s * 1000.0
            ));
        } else if start_ms >= 0.05 {
            sentences.push(format!(
                "Processes paid about {start_ms:.1} ms to start each worker and {:.2} ms moving data across pipes.",
                processes.time.serialize_s * 1000.0
            ));
        }
    }
    if experiment.id == "echo-server" {
        sentences.push(echo_waits(params, results));
    }
    if experiment.id == "db-inserts" {
        let waited: f64 = [Model::ThreadsGil, Model::ThreadsFree]
            .iter()
            .filter_map(|m| find(results, *m))
            .map(|r| r.time.queue_wait_s)
            .fold(0.0, f64::max);
        sentences.push(format!(
            "SQLite lets one connection write at a time: the thread models waited up to {:.1} ms in all for its lock (queue-wait in the trace), small beside the processing they overlapped.",
            waited * 1000.0
        ));
    }
    if experiment.bound == Bound::Cpu && cores < 2 {
        sentences.push(
            "This machine reports one core, so no model can compute in parallel here.".to_string(),
        );
    }
    if !wrong.is_empty() {
        sentences.push(format!("Wrong or failed: {}.", wrong.join(", ")));
    }
    sentences.join(" ")
}

/// How long an echo client waited for its answer under each model.
fn echo_waits(params: &Params, results: &[ModelResult]) -> String {
    let waits: Vec<String> = results
        .iter()
        .filter(|r| r.answer_ok)
        .filter_map(|r| {
            let ms = r.request_ms?;
            let note = match r.model {
                Model::Processes => {
                    format!(" (a pool of {} serves that many at a time)", r.workers)
                }
                _ => String::new(),
            };
            Some(format!("{} {ms:.0} ms{note}", r.model.name()))
        })
        .collect();
    format!(
        "From connecting to getting its line back, a client waited on average: {}, for a handler that pauses {} ms. A server that serves one connection at a time makes each client wait for those before it.",
        waits.join(", "),
        params.delay_ms()
    )
}

/// The convoy is about what each request costs, not about who wins.
fn convoy(params: &Params, results: &[ModelResult], wrong: &[&str]) -> String {
    let ms = |model: Model| {
        find(results, model)
            .filter(|r| r.answer_ok)
            .and_then(|r| r.request_ms)
    };
    let mut sentences = Vec::new();
    match (ms(Model::ThreadsGil), ms(Model::ThreadsFree)) {
        (Some(gil), Some(free)) => sentences.push(format!(
            "Each of the I/O worker's requests took {gil:.2} ms beside a CPU-bound thread under the GIL, against {free:.2} ms with free threads ({:.1}x): back from every request, the thread had to win the lock back from the thread summing square roots, which lets go only when asked and after the {} ms switch interval has passed; that is the convoy effect.",
            gil / free.max(1e-9),
            params.gil_switch_ms()
        )),
        (Some(gil), None) => sentences.push(format!(
            "Each request took {gil:.2} ms beside a CPU-bound thread under the GIL ({} ms switch interval); run threads-free too to see what it costs without the lock.",
            params.gil_switch_ms()
        )),
        _ => {}
    }
    if let Some(process) = ms(Model::Processes) {
        sentences.push(format!("In a process of its own a request took {process:.2} ms: each process has its own GIL, so nobody holds it up."));
    }
    if let Some(asynch) = ms(Model::Async) {
        sentences.push(format!("Async took {asynch:.2} ms per request: the sum ran on the event loop and blocked it, so the replies waited until it finished."));
    }
    if let Some(sequential) = ms(Model::Sequential) {
        sentences.push(format!("One after another (sequential) a request took {sequential:.2} ms, with nothing competing."));
    }
    if params.gil_switch_ms() >= 1.0 {
        sentences.push(
            "Try a shorter --gil-switch-ms (0.5, say) and watch the GIL lane's waits shrink."
                .into(),
        );
    }
    if !wrong.is_empty() {
        sentences.push(format!("Wrong or failed: {}.", wrong.join(", ")));
    }
    sentences.join(" ")
}

fn capitalize(text: &str) -> String {
    let mut chars = text.chars();
    match chars.next() {
        Some(first) => first.to_uppercase().chain(chars).collect(),
        None => String::new(),
    }
}
