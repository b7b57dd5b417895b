//! The page's pieces, one component per file.

pub mod advisor;
pub mod bars;
pub mod compare;
pub mod controls;
pub mod lanes;
pub mod lesson;
pub mod marks;
pub mod numbers;
pub mod replay;
pub mod results;
pub mod run_result;
pub mod stacked;
pub mod ticker;
pub mod timeline;
pub mod view;

use concur_core::trace::EventKind;

/// One colour per event kind, shared by the timeline and its legend.
pub fn colour(kind: EventKind) -> &'static str {
    match kind {
        EventKind::Run => "#3a9e5f",
        EventKind::IoWait => "#4a7fc1",
        EventKind::GilWait => "#d9534f",
        EventKind::Spawn => "#8e5cb5",
        EventKind::Serialize => "#e8a33d",
        EventKind::QueueWait => "#9aa5ad",
        EventKind::Idle => "#e5e8ea",
    }
}

/// Seconds for people: "1.23 s" or "45.6 ms".
pub fn seconds(value: f64) -> String {
    if value >= 1.0 {
        format!("{value:.2} s")
    } else {
        format!("{:.1} ms", value * 1000.0)
    }
}
