//! How slices of time are drawn: a colour and a texture per event kind
//! (colour is never the only carrier of meaning: gil-wait is hatched,
//! io-wait dotted, ...), the legend showing the same swatches, and the
//! packing that keeps a trace of thousands of events to a few hundred SVG
//! elements per lane: slices outside the window are dropped, and runs of
//! slices narrower than a pixel merge into one mark that says what it
//! holds.

use super::colour;
use super::view::{LABEL, View, WIDTH};
use concur_core::analysis::format_duration;
use concur_core::trace::EventKind;
use yew::prelude::*;

/// Slices narrower than this (SVG units, about a screen pixel) merge.
pub const MIN_WIDTH: f64 = 1.0;

/// The texture laid over a kind's colour, as an SVG pattern's strokes and
/// as the legend swatch's CSS: (svg, css background-image).
fn texture(kind: EventKind) -> Option<(&'static str, &'static str)> {
    match kind {
        EventKind::GilWait => Some((
            "hatch",
            "repeating-linear-gradient(45deg, rgba(255,255,255,.75) 0 2px, transparent 2px 5px)",
        )),
        EventKind::IoWait => Some((
            "dots",
            "radial-gradient(circle, rgba(255,255,255,.85) 1.2px, transparent 1.6px) 0 0 / 5px 5px",
        )),
        EventKind::Spawn => Some((
            "cross",
            "repeating-linear-gradient(45deg, rgba(255,255,255,.7) 0 1px, transparent 1px 5px), repeating-linear-gradient(-45deg, rgba(255,255,255,.7) 0 1px, transparent 1px 5px)",
        )),
        EventKind::Serialize => Some((
            "vertical",
            "repeating-linear-gradient(90deg, rgba(255,255,255,.75) 0 1.5px, transparent 1.5px 4px)",
        )),
        EventKind::QueueWait => Some((
            "horizontal",
            "repeating-linear-gradient(0deg, rgba(255,255,255,.8) 0 1.5px, transparent 1.5px 4px)",
        )),
        EventKind::Run | EventKind::Idle => None,
    }
}

/// The strokes of one texture inside a 6 x 6 pattern tile.
fn strokes(name: &str) -> Html {
    let line = |x1: f64, y1: f64, x2: f64, y2: f64, width: f64| {
        html! { <line x1={x1.to_string()} y1={y1.to_string()} x2={x2.to_string()} y2={y2.to_string()} stroke="#ffffff" stroke-opacity="0.75" stroke-width={width.to_string()} /> }
    };
    match name {
        "hatch" => {
            html! { <>{ line(0.0, 6.0, 6.0, 0.0, 1.6) }{ line(-1.5, 1.5, 1.5, -1.5, 1.6) }{ line(4.5, 7.5, 7.5, 4.5, 1.6) }</> }
        }
        "dots" => html! { <circle cx="3" cy="3" r="1.2" fill="#ffffff" fill-opacity="0.85" /> },
        "cross" => {
            html! { <>{ line(0.0, 6.0, 6.0, 0.0, 0.9) }{ line(0.0, 0.0, 6.0, 6.0, 0.9) }</> }
        }
        "vertical" => line(3.0, 0.0, 3.0, 6.0, 1.4),
        _ => line(0.0, 3.0, 6.0, 3.0, 1.4),
    }
}

/// The fill of a slice of `kind` in an SVG whose patterns carry `prefix`.
pub fn fill(prefix: &str, kind: EventKind) -> String {
    match texture(kind) {
        Some(_) => format!("url(#{prefix}-{})", kind.name()),
        None => colour(kind).to_string(),
    }
}

/// The patterns of the textured kinds, ids `{prefix}-{kind}` (each SVG
/// gets its own prefix: ids are unique in the document).
pub fn pattern_defs(prefix: &str) -> Html {
    html! {
        <defs>
            { for EventKind::ALL.iter().filter_map(|kind| {
                let (name, _) = texture(*kind)?;
                Some(html! {
                    <pattern id={format!("{prefix}-{}", kind.name())} patternUnits="userSpaceOnUse" width="6" height="6">
                        <rect width="6" height="6" fill={colour(*kind)} />
                        { strokes(name) }
                    </pattern>
                })
            }) }
        </defs>
    }
}

/// The legend of event kinds: each swatch wears the colour and texture
/// the slices wear.
pub fn legend() -> Html {
    html! {
        <div class="legend events">
            { for EventKind::ALL.iter().map(|kind| {
                let image = texture(*kind).map_or(String::new(), |(_, css)| format!("; background: {css}, {}", colour(*kind)));
                html! {
                    <span data-kind={kind.name()} data-texture={texture(*kind).map_or("solid", |(name, _)| name)}>
                        <i style={format!("background-color:{}{image}", colour(*kind))}></i>{ kind.name() }
                    </span>
                }
            }) }
        </div>
    }
}

/// One slice to draw: what it is (an event kind, or a worker for the GIL
/// lane), and when, in ns from the run's start.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Slice<K> {
    pub key: K,
    pub start_ns: u64,
    pub end_ns: u64,
    pub task_idx: Option<u32>,
}

/// One drawn rectangle: a slice, or several narrow ones merged.
#[derive(Clone, Debug, PartialEq)]
pub struct Mark<K> {
    /// The slice's key; for merged slices the one that lasted longest.
    pub key: K,
    pub left: f64,
    pub right: f64,
    pub start_ns: u64,
    pub end_ns: u64,
    pub task_idx: Option<u32>,
    /// How many slices it stands for.
    pub count: u32,
    /// Time per key of the merged slices, longest first.
    pub parts: Vec<(K, u64)>,
}

impl<K: Copy + PartialEq> Mark<K> {
    fn single(slice: &Slice<K>, left: f64, right: f64) -> Mark<K> {
        Mark {
            key: slice.key,
            left,
            right,
            start_ns: slice.start_ns,
            end_ns: slice.end_ns,
            task_idx: slice.task_idx,
            count: 1,
            parts: vec![(slice.key, slice.end_ns.saturating_sub(slice.start_ns))],
        }
    }

    fn absorb(&mut self, slice: &Slice<K>, right: f64) {
        let duration = slice.end_ns.saturating_sub(slice.start_ns);
        match self.parts.iter_mut().find(|(key, _)| *key == slice.key) {
            Some(part) => part.1 += duration,
            None => self.parts.push((slice.key, duration)),
        }
        self.parts.sort_by_key(|part| std::cmp::Reverse(part.1));
        self.key = self.parts[0].0;
        self.right = self.right.max(right);
        self.end_ns = self.end_ns.max(slice.end_ns);
        if self.task_idx != slice.task_idx {
            self.task_idx = None;
        }
        self.count += 1;
    }

    /// The drawn width: never under a third of a pixel, so it shows.
    pub fn width(&self) -> f64 {
        (self.right - self.left).max(0.75)
    }
}

/// The marks of one lane's slices (sorted by start) in `view`: slices
/// outside it are dropped, the rest clipped to it, and neighbours narrower
/// than [`MIN_WIDTH`] merged until the merged mark is that wide.
pub fn pack<K: Copy + PartialEq>(slices: &[Slice<K>], view: &View) -> Vec<Mark<K>> {
    let mut marks: Vec<Mark<K>> = Vec::new();
    // Whether the last mark is a cluster of narrow slices still growing.
    let mut open = false;
    for slice in slices {
        let (start, end) = (slice.start_ns as f64, slice.end_ns as f64);
        if end < view.from_ns || start > view.to_ns {
            continue;
        }
        let left = view.x(start).max(LABEL);
        let right = view.x(end).min(WIDTH);
        if right - left >= MIN_WIDTH {
            marks.push(Mark::single(slice, left, right));
            open = false;
            continue;
        }
        match marks.last_mut() {
            Some(last) if open && left - last.right < MIN_WIDTH => {
                last.absorb(slice, right);
                open = last.right - last.left < MIN_WIDTH;
            }
            _ => {
                marks.push(Mark::single(slice, left, right));
                open = true;
            }
        }
    }
    marks
}

/// A tooltip: "worker 2 · gil-wait · task 3 · 4.8 ms", or for merged
/// slices "worker 2 · 40 slices: run 3.1 ms, gil-wait 1.2 ms · 4.3 ms".
pub fn title(lane: &str, mark: &Mark<EventKind>) -> String {
    let task = mark
        .task_idx
        .map_or(String::new(), |idx| format!(" · task {idx}"));
    let length = format_duration(mark.end_ns.saturating_sub(mark.start_ns));
    if mark.count == 1 {
        return format!("{lane} · {}{task} · {length}", mark.key.name());
    }
    let parts: Vec<String> = mark
        .parts
        .iter()
        .map(|(kind, ns)| format!("{} {}", kind.name(), format_duration(*ns)))
        .collect();
    format!(
        "{lane} · {} slices merged at this zoom: {}{task} · {length}",
        mark.count,
        parts.join(", ")
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    fn slice(key: EventKind, start_ns: u64, end_ns: u64) -> Slice<EventKind> {
        Slice {
            key,
            start_ns,
            end_ns,
            task_idx: Some(3),
        }
    }

    #[test]
    fn thousands_of_narrow_slices_become_a_few_marks() {
        // 10,000 slices of 100 µs over one second: 730 units of drawing.
        let slices: Vec<_> = (0..10_000u64)
            .map(|idx| {
                let kind = if idx % 3 == 0 {
                    EventKind::GilWait
                } else {
                    EventKind::Run
                };
                slice(kind, idx * 100_000, (idx + 1) * 100_000)
            })
            .collect();
        let marks = pack(&slices, &View::full(1e9));
        assert!(marks.len() <= 800, "{} marks", marks.len());
        assert_eq!(marks.iter().map(|m| m.count).sum::<u32>(), 10_000);
        assert!(marks.iter().all(|m| m.key == EventKind::Run));
        assert!(title("worker 1", &marks[0]).contains("slices merged at this zoom: run"));
        // Zoomed in to a millisecond, the same slices stand alone again, and
        // only those in the window are drawn.
        let zoomed = View {
            from_ns: 500e6,
            to_ns: 501e6,
        };
        let marks = pack(&slices, &zoomed);
        assert!(
            marks.len() <= 12 && marks.iter().all(|m| m.count == 1),
            "{marks:?}"
        );
        assert!(marks.iter().all(|m| m.left >= LABEL && m.right <= WIDTH));
    }

    #[test]
    fn a_wide_slice_is_one_mark_with_its_own_tooltip() {
        let marks = pack(&[slice(EventKind::GilWait, 0, 4_800_000)], &View::full(1e7));
        assert_eq!(marks.len(), 1);
        assert_eq!(
            title("worker 2", &marks[0]),
            "worker 2 · gil-wait · task 3 · 4.8 ms"
        );
        assert_eq!(fill("d", EventKind::GilWait), "url(#d-gil-wait)");
        assert_eq!(fill("d", EventKind::Run), colour(EventKind::Run));
    }

    #[test]
    fn every_waiting_kind_has_a_texture_of_its_own() {
        let names: Vec<&str> = EventKind::ALL
            .iter()
            .filter_map(|kind| texture(*kind).map(|t| t.0))
            .collect();
        let distinct: std::collections::HashSet<&&str> = names.iter().collect();
        assert_eq!((names.len(), distinct.len()), (5, 5));
    }
}
