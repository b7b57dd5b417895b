//! Tests of the replay: lane states, sentences and step targets on
//! made-up traces.

use super::fixtures::{BASE_NS, alternation, at, get, plan_of, slice, workers};
use super::format_duration;
use super::replay::{Step, describe_at, next_event, prev_event, state_at};
use crate::experiment::Op;
use crate::trace::{EventKind, Trace};

#[test]
fn at_every_instant_of_an_alternation_one_lane_runs_and_the_other_waits() {
    let trace = alternation();
    for step in 0..300 {
        let states = state_at(&trace, BASE_NS + step * 100_000);
        let kinds: Vec<_> = states.iter().map(|state| state.kind).collect();
        let running = kinds
            .iter()
            .filter(|&&kind| kind == Some(EventKind::Run))
            .count();
        let waiting = kinds
            .iter()
            .filter(|&&kind| kind == Some(EventKind::GilWait))
            .count();
        // Worker 1 is done at 25 ms; worker 2 then computes alone.
        let expected_waiting = usize::from(step < 250);
        assert_eq!(
            (running, waiting),
            (1, expected_waiting),
            "at step {step}: {kinds:?}"
        );
    }
}

#[test]
fn a_lane_state_knows_its_slice_and_since_when() {
    let states = state_at(&alternation(), at(12.0));
    assert_eq!(states[0].kind, Some(EventKind::Run));
    assert_eq!(states[0].task_idx, Some(0));
    assert_eq!(states[0].since_ns, at(10.0));
    assert_eq!(states[1].kind, Some(EventKind::GilWait));
    assert_eq!(states[1].name, "worker 2");
    let after = state_at(&alternation(), at(27.0));
    assert_eq!(after[0].kind, None, "worker 1 is done");
    assert_eq!(after[0].since_ns, at(25.0));
}

#[test]
fn the_description_names_the_holder_and_how_long_it_held_the_lock() {
    assert_eq!(
        describe_at(&alternation(), at(12.0)),
        vec![
            "worker 1 runs task 0 (holding the GIL for 2.0 ms)",
            "worker 2 waits for the GIL, held by worker 1 for 2.0 ms so far",
        ]
    );
    assert_eq!(
        describe_at(&alternation(), at(27.0)),
        vec![
            "worker 1 has finished",
            "worker 2 runs task 1 (holding the GIL for 2.0 ms)",
        ]
    );
    assert_eq!(
        describe_at(&alternation(), BASE_NS - 1),
        vec!["worker 1 has not started", "worker 2 has not started"]
    );
}

#[test]
fn i_o_and_idle_lanes_are_described_too() {
    use EventKind::{GilWait, IoWait, Run};
    let trace = Trace {
        lanes: workers(4),
        events: vec![
            slice(0, Run, 0.0, 20.0, Some(3)),
            slice(1, IoWait, 2.0, 12.0, Some(5)),
            slice(1, GilWait, 12.0, 20.0, Some(5)),
            slice(2, IoWait, 0.0, 2.0, Some(6)),
            slice(2, IoWait, 9.0, 12.0, Some(6)),
            slice(3, GilWait, 0.0, 0.0, None),
        ],
    };
    assert_eq!(
        describe_at(&trace, at(10.0)),
        vec![
            "worker 1 runs task 3 (holding the GIL for 10.0 ms)",
            "worker 2 waits on I/O for task 5 (8.0 ms so far)",
            "worker 3 waits on I/O for task 6 (1.0 ms so far)",
            "worker 4 has finished",
        ]
    );
    assert_eq!(describe_at(&trace, at(5.0))[2], "worker 3 is idle");
}

#[test]
fn while_nobody_computes_waiters_see_the_lock_change_hands() {
    use EventKind::{GilWait, Run};
    let trace = Trace {
        lanes: workers(2),
        events: vec![
            slice(0, Run, 0.0, 5.0, Some(0)),
            slice(0, GilWait, 5.0, 8.0, Some(0)),
            slice(1, GilWait, 0.0, 6.0, None),
            slice(1, Run, 6.0, 10.0, Some(1)),
        ],
    };
    assert_eq!(
        describe_at(&trace, at(5.5)),
        vec![
            "worker 1 waits for the GIL while it changes hands (500.0 µs so far)",
            "worker 2 waits for the GIL while it changes hands (5.5 ms so far)",
        ]
    );
}

#[test]
fn without_a_gil_computing_lanes_say_how_long_they_ran() {
    let trace = Trace {
        lanes: workers(1),
        events: vec![slice(0, EventKind::Run, 0.0, 4.0, Some(0))],
    };
    assert_eq!(
        describe_at(&trace, at(1.5)),
        vec!["worker 1 runs task 0 (1.5 ms so far)"]
    );
}

#[test]
fn steps_jump_between_boundaries_hand_overs_and_finished_requests() {
    let trace = alternation();
    let plan = plan_of(vec![Op::CpuSqrt { n: 1 }, Op::CpuSqrt { n: 1 }]);
    assert_eq!(
        next_event(&plan, &trace, at(12.0), Step::Any),
        Some(at(15.0))
    );
    assert_eq!(
        prev_event(&plan, &trace, at(12.0), Step::Any),
        Some(at(10.0))
    );
    assert_eq!(
        next_event(&plan, &trace, at(10.0), Step::Any),
        Some(at(15.0)),
        "strictly after"
    );
    assert_eq!(
        prev_event(&plan, &trace, at(10.0), Step::Any),
        Some(at(5.0)),
        "strictly before"
    );
    assert_eq!(
        next_event(&plan, &trace, 0, Step::Any),
        Some(at(0.0)),
        "before the trace"
    );
    assert_eq!(prev_event(&plan, &trace, 0, Step::Any), None);
    assert_eq!(
        next_event(&plan, &trace, at(30.0), Step::Any),
        None,
        "after it"
    );
    assert_eq!(
        prev_event(&plan, &trace, at(99.0), Step::Any),
        Some(at(30.0))
    );
    // The first take (at 0) is no hand-over.
    assert_eq!(
        next_event(&plan, &trace, 0, Step::GilHandover),
        Some(at(5.0))
    );
    assert_eq!(
        prev_event(&plan, &trace, at(12.0), Step::GilHandover),
        Some(at(10.0))
    );
    assert_eq!(next_event(&plan, &trace, at(25.0), Step::GilHandover), None);
    assert_eq!(
        next_event(&plan, &trace, 0, Step::RequestDone),
        None,
        "no requests"
    );
}

#[test]
fn request_steps_land_on_the_ends_of_requests() {
    use EventKind::{GilWait, IoWait};
    let plan = plan_of(vec![get(), get()]);
    let trace = Trace {
        lanes: workers(2),
        events: vec![
            slice(0, IoWait, 0.0, 10.0, Some(0)),
            slice(0, GilWait, 10.0, 14.0, Some(0)),
            slice(1, IoWait, 0.0, 10.0, Some(1)),
            slice(1, GilWait, 10.0, 11.0, Some(1)),
        ],
    };
    assert_eq!(
        next_event(&plan, &trace, at(5.0), Step::RequestDone),
        Some(at(11.0))
    );
    assert_eq!(
        next_event(&plan, &trace, at(11.0), Step::RequestDone),
        Some(at(14.0))
    );
    assert_eq!(
        prev_event(&plan, &trace, at(14.0), Step::RequestDone),
        Some(at(11.0))
    );
}

#[test]
fn durations_read_well() {
    assert_eq!(format_duration(850), "850 ns");
    assert_eq!(format_duration(12_500), "12.5 µs");
    assert_eq!(format_duration(3_100_000), "3.1 ms");
    assert_eq!(format_duration(2_400_000_000), "2.40 s");
}
