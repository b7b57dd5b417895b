//! Tests of the GIL numbers: exact counts on a made-up alternation, and
//! shares that respect an exclusive lock.

use super::fixtures::{BASE_NS, alternation, at, slice, workers};
use super::gil::{gil_holder_at, gil_stats, handover_instants, takes};
use crate::trace::{EventKind, Trace};

#[test]
fn an_alternation_gives_exact_shares_and_hand_overs() {
    let stats = gil_stats(&alternation());
    assert_eq!(stats.lanes.len(), 2);
    let (first, second) = (&stats.lanes[0], &stats.lanes[1]);
    assert_eq!(
        (first.name.as_str(), second.name.as_str()),
        ("worker 1", "worker 2")
    );
    assert_eq!((first.held_ns, second.held_ns), (15_000_000, 15_000_000));
    assert_eq!((first.wait_ns, second.wait_ns), (10_000_000, 15_000_000));
    assert!((first.held_share - 0.5).abs() < 1e-12);
    assert!((second.held_share - 0.5).abs() < 1e-12);
    assert!((first.wait_share - 1.0 / 3.0).abs() < 1e-12);
    assert!((second.wait_share - 0.5).abs() < 1e-12);
    // Takes at 0 (worker 1, the first), 5, 10, 15, 20, 25 alternate.
    assert_eq!(stats.handovers, 5);
    assert_eq!((first.takes, second.takes), (2, 3));
    assert!((stats.held_share - 1.0).abs() < 1e-12);
    assert_eq!(
        handover_instants(&alternation()),
        vec![at(5.0), at(10.0), at(15.0), at(20.0), at(25.0)]
    );
}

#[test]
fn held_shares_of_an_exclusive_lock_sum_to_at_most_one() {
    use EventKind::{GilWait, IoWait, Run};
    // Three workers; the lock also lies free at times (all in I/O).
    let trace = Trace {
        lanes: workers(3),
        events: vec![
            slice(0, Run, 0.0, 4.0, Some(0)),
            slice(0, IoWait, 4.0, 12.0, Some(0)),
            slice(0, GilWait, 12.0, 12.5, Some(0)),
            slice(1, GilWait, 0.0, 4.0, None),
            slice(1, Run, 4.0, 7.0, Some(1)),
            slice(1, IoWait, 7.0, 20.0, Some(1)),
            slice(2, GilWait, 0.0, 7.0, None),
            slice(2, Run, 7.0, 9.0, Some(2)),
            slice(2, GilWait, 9.0, 13.0, Some(2)),
            slice(2, Run, 13.0, 16.0, Some(2)),
        ],
    };
    let stats = gil_stats(&trace);
    let sum: f64 = stats.lanes.iter().map(|lane| lane.held_share).sum();
    assert!(sum <= 1.0 + 1e-12);
    assert!(
        (stats.held_share - sum).abs() < 1e-12,
        "exclusive: union = sum"
    );
    assert!((stats.held_share - 12.0 / 20.0).abs() < 1e-12);
    for lane in &stats.lanes {
        assert!((0.0..=1.0).contains(&lane.held_share));
        assert!((0.0..=1.0).contains(&lane.wait_share));
    }
    // Takes: lane 1 at 4 (first), lane 2 at 7, lane 0 at 12.5, lane 2 at 13.
    assert_eq!(stats.handovers, 3);
    assert_eq!(takes(&trace)[0].from, None);
}

#[test]
fn overlapping_computation_without_a_gil_counts_once_in_the_total() {
    use EventKind::Run;
    let trace = Trace {
        lanes: workers(2),
        events: vec![
            slice(0, Run, 0.0, 10.0, Some(0)),
            slice(1, Run, 0.0, 10.0, Some(1)),
        ],
    };
    let stats = gil_stats(&trace);
    assert!((stats.held_share - 1.0).abs() < 1e-12);
    assert_eq!(stats.handovers, 0);
    assert_eq!(stats.lanes[0].takes, 0);
}

#[test]
fn an_empty_trace_has_no_shares() {
    let stats = gil_stats(&Trace::default());
    assert!(stats.lanes.is_empty());
    assert_eq!(stats.held_share, 0.0);
    assert_eq!(stats.handovers, 0);
    assert_eq!(gil_holder_at(&Trace::default(), 0), None);
}

#[test]
fn exactly_one_lane_holds_the_gil_at_every_instant_of_an_alternation() {
    let trace = alternation();
    for step in 0..300 {
        let t = BASE_NS + step * 100_000;
        let holder = gil_holder_at(&trace, t);
        let expected = if (step / 50) % 2 == 0 { 0 } else { 1 };
        assert_eq!(
            holder.map(|(lane, _)| lane),
            Some(expected),
            "at step {step}"
        );
        // Held since the start of its current 5 ms turn.
        assert_eq!(
            holder.map(|(_, since)| since),
            Some(BASE_NS + (step / 50) * 5_000_000)
        );
    }
    assert_eq!(gil_holder_at(&trace, at(30.0)), None, "after the trace");
    assert_eq!(gil_holder_at(&trace, BASE_NS - 1), None, "before it");
}
