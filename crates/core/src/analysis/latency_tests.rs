//! Tests of request latencies and their histograms.

use super::fixtures::{get, gets, plan_of, slice, workers};
use super::latency::{histogram, latencies, percentile, request_spans};
use crate::experiment::{CLIENT_LANES, Op};
use crate::trace::{EventKind, Trace};

fn close(a: f64, b: f64) -> bool {
    (a - b).abs() < 1e-9
}

#[test]
fn each_get_of_a_gets_task_without_a_gil_is_one_request() {
    use EventKind::{IoWait, Run};
    let plan = plan_of(vec![gets(3), Op::CpuSqrt { n: 10 }]);
    let trace = Trace {
        lanes: workers(2),
        events: vec![
            slice(0, IoWait, 0.0, 10.0, Some(0)),
            slice(0, IoWait, 10.0, 22.0, Some(0)),
            slice(0, IoWait, 22.0, 30.0, Some(0)),
            slice(1, Run, 0.0, 30.0, Some(1)),
        ],
    };
    let ms = latencies(&plan, &trace);
    assert_eq!(ms.len(), 3, "one per GET of the plan");
    assert!(close(ms[0], 10.0) && close(ms[1], 12.0) && close(ms[2], 8.0));
}

#[test]
fn under_the_gil_a_request_runs_to_its_last_re_take() {
    use EventKind::{GilWait, IoWait, Run};
    // The convoy: a 10 ms GET whose steps wait for a CPU-bound holder.
    let plan = plan_of(vec![get(), Op::CpuSqrt { n: 10 }]);
    let trace = Trace {
        lanes: workers(2),
        events: vec![
            slice(0, IoWait, 0.0, 1.0, Some(0)),
            slice(0, GilWait, 1.0, 6.0, Some(0)),
            slice(0, IoWait, 6.0, 15.0, Some(0)),
            slice(0, GilWait, 15.0, 30.0, Some(0)),
            slice(1, Run, 0.0, 30.0, Some(1)),
        ],
    };
    assert_eq!(latencies(&plan, &trace), vec![30.0]);
}

#[test]
fn a_gil_gets_task_without_boundaries_gives_each_request_its_mean() {
    use EventKind::{GilWait, IoWait};
    let plan = plan_of(vec![gets(3)]);
    let events = (0..6)
        .flat_map(|step| {
            let start = f64::from(step) * 5.0;
            [
                slice(0, IoWait, start, start + 4.0, Some(0)),
                slice(0, GilWait, start + 4.0, start + 5.0, Some(0)),
            ]
        })
        .collect();
    let trace = Trace {
        lanes: workers(1),
        events,
    };
    let spans = request_spans(&plan, &trace);
    assert_eq!(spans.len(), 1);
    assert_eq!(spans[0].requests, 3);
    assert_eq!(latencies(&plan, &trace), vec![10.0, 10.0, 10.0]);
}

#[test]
fn computing_between_requests_marks_their_boundaries() {
    use EventKind::{GilWait, IoWait, Run};
    let plan = plan_of(vec![gets(3)]);
    let mut events = Vec::new();
    for (request, steps) in [(0.0, 2), (10.0, 3), (25.0, 1)] {
        for step in 0..steps {
            let start = request + f64::from(step) * 4.0;
            events.push(slice(0, IoWait, start, start + 3.0, Some(0)));
            events.push(slice(0, GilWait, start + 3.0, start + 4.0, Some(0)));
        }
        let end = request + f64::from(steps) * 4.0;
        events.push(slice(0, Run, end, end, Some(0)));
    }
    let trace = Trace {
        lanes: workers(1),
        events,
    };
    assert_eq!(latencies(&plan, &trace), vec![8.0, 12.0, 4.0]);
}

#[test]
fn waiting_for_a_slot_is_not_part_of_a_request() {
    use EventKind::{IoWait, QueueWait, Serialize};
    let plan = plan_of(vec![get(), get()]);
    let trace = Trace {
        lanes: workers(2),
        events: vec![
            slice(0, QueueWait, 0.0, 5.0, Some(0)),
            slice(0, IoWait, 5.0, 15.0, Some(0)),
            slice(1, Serialize, 0.0, 2.0, Some(1)),
            slice(1, IoWait, 2.0, 13.0, Some(1)),
            slice(1, Serialize, 13.0, 14.0, Some(1)),
        ],
    };
    assert_eq!(latencies(&plan, &trace), vec![10.0, 11.0]);
}

#[test]
fn an_echo_client_waits_from_its_first_slice_to_its_last() {
    use EventKind::{IoWait, QueueWait, Run};
    let echo = |arrive_ms| Op::Echo {
        message: "hi".into(),
        arrive_ms,
        wait_ms: 3,
        run_start_ns: 0,
    };
    let plan = plan_of(vec![echo(0), echo(1)]);
    let trace = Trace {
        lanes: plan.client_lanes(1),
        events: vec![
            slice(0, Run, 0.0, 1.0, Some(0)),
            slice(CLIENT_LANES + 1, QueueWait, 1.0, 3.0, Some(1)),
            slice(CLIENT_LANES + 1, IoWait, 3.0, 7.0, Some(1)),
            slice(CLIENT_LANES, IoWait, 0.0, 4.0, Some(0)),
        ],
    };
    assert_eq!(latencies(&plan, &trace), vec![4.0, 6.0]);
}

#[test]
fn percentiles_are_nearest_rank() {
    let sorted: Vec<f64> = (1..=10).map(f64::from).collect();
    assert_eq!(percentile(&sorted, 50.0), Some(5.0));
    assert_eq!(percentile(&sorted, 95.0), Some(10.0));
    assert_eq!(percentile(&sorted, 10.0), Some(1.0));
    assert_eq!(percentile(&sorted, 0.0), Some(1.0));
    let hundred: Vec<f64> = (1..=100).map(f64::from).collect();
    assert_eq!(percentile(&hundred, 95.0), Some(95.0));
    assert_eq!(percentile(&[], 50.0), None);
}

#[test]
fn a_histogram_summarizes_and_bins_every_value() {
    let values: Vec<f64> = (1..=20).rev().map(f64::from).collect();
    let h = histogram(&values).expect("values");
    assert_eq!(h.count, 20);
    assert_eq!(
        (h.min_ms, h.max_ms, h.p50_ms, h.p95_ms),
        (1.0, 20.0, 10.0, 19.0)
    );
    assert!(close(h.mean_ms, 10.5));
    assert!(!h.log_bins);
    assert_eq!(h.bins.len(), 5, "⌈√20⌉ bins");
    assert_eq!(h.bins.iter().map(|bin| bin.count).sum::<u32>(), 20);
    assert_eq!(h.bins[0].lo_ms, 1.0);
    assert_eq!(h.bins[4].hi_ms, 20.0);
    assert!(h.bins.windows(2).all(|pair| pair[0].hi_ms == pair[1].lo_ms));
}

#[test]
fn a_wide_range_gets_log_spaced_bins() {
    let values = [0.1, 0.2, 0.3, 2.0, 5.0, 100.0, 100.0, 100.0, 100.0];
    let h = histogram(&values).expect("values");
    assert!(h.log_bins);
    assert_eq!(h.bins.len(), 3);
    assert!(close(h.bins[1].lo_ms, 0.1 * 1000f64.powf(1.0 / 3.0)));
    assert_eq!(
        h.bins.iter().map(|bin| bin.count).collect::<Vec<_>>(),
        vec![3, 2, 4]
    );
}

#[test]
fn equal_values_make_one_bin_and_nothing_makes_no_histogram() {
    let h = histogram(&[7.5; 4]).expect("values");
    assert_eq!(
        (h.count, h.p50_ms, h.p95_ms, h.min_ms, h.max_ms),
        (4, 7.5, 7.5, 7.5, 7.5)
    );
    assert_eq!(h.bins.len(), 1);
    assert_eq!(h.bins[0].count, 4);
    assert_eq!(histogram(&[]), None);
    assert_eq!(histogram(&[f64::NAN]), None);
}
