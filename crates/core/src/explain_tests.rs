//! Tests of the shared explanation pieces: every sentence that names a
//! cause appears when the measurement shows it and gives way to a plain
//! statement when it does not.

use super::*;
use crate::catalog::fixtures::{params, result};
use crate::experiment::find;
use crate::report::TimeBreakdown;

fn explained(id: &str, p: &Params, results: &[ModelResult]) -> String {
    explain(&find(id).unwrap(), p, results, 2)
}

fn cpu(results: &[ModelResult]) -> String {
    explained("cpu-sqrt", &params("cpu-sqrt", 4, 4, 0), results)
}

fn io(results: &[ModelResult]) -> String {
    explained("quick-io", &params("quick-io", 5, 5, 1000), results)
}

fn busy(model: Model, median: f64, speedup: Option<f64>, cpu_util: Option<f64>) -> ModelResult {
    ModelResult {
        speedup,
        cpu_util,
        ..result(model, median, 1.0)
    }
}

fn sequential(median: f64) -> ModelResult {
    busy(Model::Sequential, median, Some(1.0), Some(1.0))
}

#[test]
fn a_cpu_winner_is_said_to_use_several_cores_only_when_it_kept_them_busy() {
    let parallel = cpu(&[
        sequential(1.0),
        busy(Model::ThreadsFree, 0.52, Some(1.92), Some(1.93)),
    ]);
    assert!(
        parallel.contains("threads-free won (1.92x): it kept about 1.9 of the 2 cores busy"),
        "{parallel}"
    );
    let noise = cpu(&[
        sequential(1.0),
        busy(Model::ThreadsFree, 0.96, Some(1.04), Some(1.0)),
    ]);
    assert!(noise.contains("kept only about 1.0 core busy"), "{noise}");
    assert!(noise.contains("its edge is noise"), "{noise}");
    let unmeasured = cpu(&[
        sequential(1.0),
        busy(Model::Processes, 0.52, Some(1.92), None),
    ]);
    assert!(
        unmeasured.contains("only computing on several cores"),
        "{unmeasured}"
    );
    let unexplained = cpu(&[
        sequential(1.0),
        busy(Model::Processes, 0.7, Some(1.43), Some(1.1)),
    ]);
    assert!(
        unexplained.contains("does not show where its lead came from"),
        "{unexplained}"
    );
}

#[test]
fn gil_threads_on_cpu_work_are_explained_by_their_speedup() {
    let gil = |speedup, util| busy(Model::ThreadsGil, 1.0 / speedup, Some(speedup), util);
    let turns = cpu(&[sequential(1.0), gil(1.02, Some(1.0))]);
    assert!(
        turns.contains("Threads-gil stayed at 1.02x, about as fast as one thread"),
        "{turns}"
    );
    assert!(turns.contains("took turns on about 1.0 core"), "{turns}");
    let fell = cpu(&[sequential(1.0), gil(0.6, Some(1.0))]);
    assert!(fell.contains("Threads-gil fell to 0.60x"), "{fell}");
    assert!(!fell.contains("took turns"), "{fell}");
    let gained = cpu(&[sequential(1.0), gil(1.5, Some(1.5))]);
    assert!(
        gained.contains("Unexpected: threads-gil reached 1.50x"),
        "{gained}"
    );
}

#[test]
fn async_on_cpu_work_is_said_to_block_only_when_it_gained_nothing() {
    let blocked = cpu(&[
        sequential(1.0),
        busy(Model::Async, 1.0, Some(1.0), Some(1.0)),
    ]);
    assert!(
        blocked.contains("CPU work blocks the event loop"),
        "{blocked}"
    );
    let gained = cpu(&[
        sequential(1.0),
        busy(Model::Async, 0.5, Some(2.0), Some(1.0)),
    ]);
    assert!(
        gained.contains("Unexpected: async reached 2.00x"),
        "{gained}"
    );
    assert!(!gained.contains("blocks the event loop"), "{gained}");
}

#[test]
fn processes_lose_to_their_overheads_only_when_those_outweighed_the_computing() {
    let lost = |spawn_s, serialize_s, run_s| ModelResult {
        time: TimeBreakdown {
            spawn_s,
            serialize_s,
            run_s,
            ..TimeBreakdown::default()
        },
        ..busy(Model::Processes, 0.2, Some(0.5), Some(0.5))
    };
    let costly = cpu(&[sequential(0.1), lost(0.05, 0.08, 0.1)]);
    assert!(
        costly.contains("starting the workers (50.0 ms) and copying data to them and answers back (80.0 ms) took longer than the 100.0 ms they spent computing"),
        "{costly}"
    );
    let cheap = cpu(&[sequential(0.1), lost(0.005, 0.001, 0.1)]);
    assert!(
        cheap.contains("took only 6.0 ms against 100.0 ms of computing"),
        "{cheap}"
    );
    assert!(
        cheap.contains("does not show where the rest went"),
        "{cheap}"
    );
    let mut won = lost(0.02, 0.001, 0.1);
    won.speedup = Some(1.9);
    won.wall_s.median = 0.05;
    let paid = cpu(&[sequential(0.1), won]);
    assert!(
        paid.contains("Processes paid about 10.0 ms to start each worker"),
        "{paid}"
    );
}

#[test]
fn io_winners_are_said_to_overlap_only_when_they_beat_one_after_another() {
    let overlapped = io(&[sequential(5.0), busy(Model::Async, 1.0, Some(5.0), None)]);
    assert!(
        overlapped.contains("its 5 requests waited for the server at the same time"),
        "{overlapped}"
    );
    let barely = io(&[sequential(1.2), busy(Model::Async, 1.0, Some(1.2), None)]);
    assert!(barely.contains("no clear overlap of the waits"), "{barely}");
    assert!(!barely.contains("at the same time"), "{barely}");
}

#[test]
fn the_gil_is_blamed_for_slow_io_threads_only_when_they_waited_for_it() {
    let gil = |median, gil_wait_s| ModelResult {
        time: TimeBreakdown {
            gil_wait_s,
            ..TimeBreakdown::default()
        },
        ..busy(Model::ThreadsGil, median, None, None)
    };
    let free = busy(Model::ThreadsFree, 1.0, None, None);
    let queued = io(&[free.clone(), gil(2.0, 3.0)]);
    assert!(
        queued.contains("waited 3.00 s in all for the lock, each one back"),
        "{queued}"
    );
    let elsewhere = io(&[free.clone(), gil(2.0, 0.1)]);
    assert!(elsewhere.contains("waited only 0.10 s"), "{elsewhere}");
    assert!(
        elsewhere.contains("does not show where the rest went"),
        "{elsewhere}"
    );
    let fine = io(&[free, gil(1.05, 0.0)]);
    assert!(
        fine.contains("The GIL did not hold threads-gil back"),
        "{fine}"
    );
    let overlapped = io(&[
        sequential(5.0),
        busy(Model::ThreadsGil, 1.0, Some(5.0), None),
    ]);
    assert!(
        overlapped.contains("did not stop threads-gil overlapping"),
        "{overlapped}"
    );
    let stuck = io(&[
        sequential(5.0),
        busy(Model::ThreadsGil, 4.0, Some(1.25), None),
    ]);
    assert!(
        stuck.contains("Unexpected: threads-gil reached only 1.25x"),
        "{stuck}"
    );
    let alone = explained(
        "quick-io",
        &params("quick-io", 5, 1, 1000),
        &[
            sequential(5.0),
            busy(Model::ThreadsGil, 5.0, Some(1.0), None),
        ],
    );
    assert!(
        alone.contains("had one worker, so nothing could overlap"),
        "{alone}"
    );
    let unknown = io(&[busy(Model::ThreadsGil, 1.0, None, None)]);
    assert!(
        unknown.contains("add sequential or threads-free"),
        "{unknown}"
    );
}

#[test]
fn a_busy_machine_is_named_only_when_one_plain_loop_lacked_a_core() {
    let threads = busy(Model::ThreadsFree, 0.5, Some(2.0), Some(1.9));
    let crowded = cpu(&[
        busy(Model::Sequential, 1.0, Some(1.0), Some(0.41)),
        threads.clone(),
    ]);
    assert!(
        crowded.contains("kept only 41% of a core busy: other programs"),
        "{crowded}"
    );
    let quiet = cpu(&[sequential(1.0), threads]);
    assert!(!quiet.contains("other programs"), "{quiet}");
}

#[test]
fn when_one_loop_wins_the_overheads_are_blamed_only_when_they_were_measured() {
    let with_time = |model, median, spawn_s, serialize_s| ModelResult {
        time: TimeBreakdown {
            spawn_s,
            serialize_s,
            ..TimeBreakdown::default()
        },
        ..busy(model, median, Some(1.0 / median), Some(1.0))
    };
    let costly = cpu(&[sequential(1.0), with_time(Model::Processes, 1.3, 0.2, 0.2)]);
    assert!(
        costly
            .contains("the closest, processes, lost by 0.30 s, and spent 0.40 s starting workers"),
        "{costly}"
    );
    let unexplained = io(&[sequential(1.0), with_time(Model::Processes, 1.3, 0.01, 0.0)]);
    assert!(
        unexplained.contains("this run does not show where"),
        "{unexplained}"
    );
    assert!(
        !unexplained.contains("overheads cost more"),
        "{unexplained}"
    );
}
