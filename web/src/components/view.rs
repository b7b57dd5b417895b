//! The time window both timelines show, and how the learner moves it.
//!
//! A [`View`] is a stretch of time measured from a run's own start, shared
//! by the one-axis view of every model and the per-model detail view: zoom
//! into one and the other shows the same stretch. The mouse wheel zooms
//! around the pointer, a drag pans, and [`ZoomBar`]'s buttons do both from
//! the keyboard. Axis ticks fall on round numbers of the window's own unit
//! (ns, µs, ms or s). [`Shared`] lets big data ride in properties that
//! compare by pointer, so a view redraws only when its run or window moves.

use std::ops::Deref;
use std::rc::Rc;
use wasm_bindgen::JsCast;
use yew::html::IntoPropValue;
use yew::prelude::*;

/// Width of every timeline's drawing, in SVG units.
pub const WIDTH: f64 = 860.0;
/// Room on the left for lane names.
pub const LABEL: f64 = 130.0;
/// The narrowest window: a microsecond.
pub const MIN_SPAN_NS: f64 = 1_000.0;
/// How much one press of "Zoom in" narrows the window.
const ZOOM_STEP: f64 = 0.5;
/// How far one press of an arrow button pans, as a share of the window.
const PAN_STEP: f64 = 0.25;

/// Data shared by pointer: equal when it is the same allocation, so
/// comparing properties never walks a trace of thousands of events.
#[derive(Debug)]
pub struct Shared<T>(pub Rc<T>);

impl<T> Clone for Shared<T> {
    fn clone(&self) -> Self {
        Shared(Rc::clone(&self.0))
    }
}

impl<T> PartialEq for Shared<T> {
    fn eq(&self, other: &Self) -> bool {
        Rc::ptr_eq(&self.0, &other.0)
    }
}

impl<T> Deref for Shared<T> {
    type Target = T;
    fn deref(&self) -> &T {
        &self.0
    }
}

impl<T> IntoPropValue<Shared<T>> for Rc<T> {
    fn into_prop_value(self) -> Shared<T> {
        Shared(self)
    }
}

/// A stretch of time, in nanoseconds from a run's start.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct View {
    pub from_ns: f64,
    pub to_ns: f64,
}

impl View {
    /// The whole of a run `extent_ns` long.
    pub fn full(extent_ns: f64) -> View {
        View {
            from_ns: 0.0,
            to_ns: extent_ns.max(1.0),
        }
    }

    pub fn span(&self) -> f64 {
        (self.to_ns - self.from_ns).max(1.0)
    }

    /// The SVG x of an instant `ns` from the run's start.
    pub fn x(&self, ns: f64) -> f64 {
        LABEL + (ns - self.from_ns) / self.span() * (WIDTH - LABEL)
    }

    /// The instant at SVG x.
    pub fn t(&self, x: f64) -> f64 {
        self.from_ns + (x - LABEL) / (WIDTH - LABEL) * self.span()
    }

    /// True when `ns` is inside the window.
    pub fn shows(&self, ns: f64) -> bool {
        self.from_ns <= ns && ns <= self.to_ns
    }

    /// Narrows (`factor` < 1) or widens the window, keeping `anchor_ns`
    /// where it is on screen, within `[0, extent_ns]`.
    pub fn zoom(self, factor: f64, anchor_ns: f64, extent_ns: f64) -> View {
        let extent = extent_ns.max(1.0);
        let span = (self.span() * factor).clamp(MIN_SPAN_NS.min(extent), extent);
        let share = ((anchor_ns - self.from_ns) / self.span()).clamp(0.0, 1.0);
        let from = anchor_ns - share * span;
        View {
            from_ns: from,
            to_ns: from + span,
        }
        .within(extent)
    }

    /// Moves the window by `delta_ns`, within `[0, extent_ns]`.
    pub fn pan(self, delta_ns: f64, extent_ns: f64) -> View {
        View {
            from_ns: self.from_ns + delta_ns,
            to_ns: self.to_ns + delta_ns,
        }
        .within(extent_ns.max(1.0))
    }

    /// The window shifted (not resized) to lie within `[0, extent]`.
    fn within(self, extent: f64) -> View {
        let span = self.span().min(extent);
        let from = self.from_ns.clamp(0.0, extent - span);
        View {
            from_ns: from,
            to_ns: from + span,
        }
    }

    /// The window moved as little as needed to show `ns`, if it does not.
    pub fn following(self, ns: f64, extent_ns: f64) -> View {
        if self.shows(ns) {
            self
        } else {
            self.pan(ns - (self.from_ns + self.span() / 2.0), extent_ns)
        }
    }
}

/// The unit a window `span_ns` long is labelled in: its name and size.
fn unit(span_ns: f64) -> (&'static str, f64) {
    if span_ns < 2e3 {
        ("ns", 1.0)
    } else if span_ns < 2e6 {
        ("µs", 1e3)
    } else if span_ns < 2e9 {
        ("ms", 1e6)
    } else {
        ("s", 1e9)
    }
}

/// Round ticks across the window, about six of them: the instants (ns from
/// the run's start) with their labels, and the unit they are written in.
pub fn ticks(view: &View) -> (Vec<(f64, String)>, &'static str) {
    let raw = view.span() / 6.0;
    let power = 10f64.powf(raw.log10().floor());
    let step = [1.0, 2.0, 5.0, 10.0]
        .iter()
        .map(|m| m * power)
        .find(|s| *s >= raw)
        .unwrap_or(10.0 * power);
    let (name, size) = unit(view.span());
    let decimals = (-(step / size).log10().floor()).max(0.0) as usize;
    let first = (view.from_ns / step).ceil() as i64;
    let last = (view.to_ns / step).floor() as i64;
    let ticks = (first..=last)
        .map(|idx| {
            let at = idx as f64 * step;
            (at, format!("{:.*} {name}", decimals, at / size))
        })
        .collect();
    (ticks, name)
}

/// The axis under a timeline: a tick and label at every round instant.
pub fn axis(view: &View, y: f64) -> Html {
    let (ticks, unit) = ticks(view);
    html! {
        <g class="time-axis" data-unit={unit}>
            <line class="axis-line" x1={LABEL.to_string()} x2={WIDTH.to_string()} y1={y.to_string()} y2={y.to_string()} />
            { for ticks.into_iter().map(|(at, label)| {
                let x = view.x(at);
                let anchor = if x > WIDTH - 20.0 { "end" } else if x < LABEL + 20.0 { "start" } else { "middle" };
                html! {
                    <>
                        <line class="tick" x1={x.to_string()} x2={x.to_string()} y1={y.to_string()} y2={(y + 4.0).to_string()} />
                        <text class="axis tick-label" x={x.to_string()} y={(y + 14.0).to_string()} text-anchor={anchor}>{ label }</text>
                    </>
                }
            }) }
        </g>
    }
}

#[derive(Properties, PartialEq)]
pub struct ZoomBarProps {
    /// The shared window; None while every view shows its run whole.
    pub view: Option<View>,
    /// What "Zoom in" narrows while there is no window yet (the detail
    /// view's whole run, so both views zoom in).
    pub base: View,
    /// The longest run: the window never reaches past it.
    pub extent_ns: f64,
    /// Where to zoom around when it is in the window (the replay cursor).
    #[prop_or_default]
    pub anchor_ns: Option<f64>,
    /// A new window; None shows every run whole again.
    pub on_view: Callback<Option<View>>,
}

/// Buttons that zoom and pan the timelines from the keyboard. With
/// nothing zoomed, there is nothing to zoom out of or pan.
#[component]
pub fn ZoomBar(props: &ZoomBarProps) -> Html {
    let extent = props.extent_ns;
    let view = props.view.unwrap_or(props.base);
    let anchor = props
        .anchor_ns
        .filter(|ns| view.shows(*ns))
        .unwrap_or(view.from_ns + view.span() / 2.0);
    let zoomed = props.view.is_some();
    let button = |id: &'static str,
                  label: &'static str,
                  text: &'static str,
                  next: Option<Option<View>>| {
        let on_view = props.on_view.clone();
        let disabled = next.is_none();
        html! {
            <button type="button" id={id} aria-label={label} title={label} {disabled}
                    onclick={Callback::from(move |_| if let Some(next) = next { on_view.emit(next) })}>{ text }</button>
        }
    };
    let pan = |share: f64| zoomed.then(|| Some(view.pan(share * view.span(), extent)));
    html! {
        <div class="zoom-bar" role="toolbar" aria-label="Zoom and pan the timelines">
            { button("zoom-in", "Zoom in", "Zoom in", Some(Some(view.zoom(ZOOM_STEP, anchor, extent)))) }
            { button("zoom-out", "Zoom out", "Zoom out", zoomed.then(|| Some(view.zoom(1.0 / ZOOM_STEP, anchor, extent)))) }
            { button("zoom-reset", "Reset zoom", "Reset", zoomed.then_some(None)) }
            { button("pan-left", "Pan earlier", "←", pan(-PAN_STEP)) }
            { button("pan-right", "Pan later", "→", pan(PAN_STEP)) }
            <span class="zoom-hint">{ "or scroll over a timeline to zoom, drag to pan" }</span>
        </div>
    }
}

/// The left edge and width (CSS px) of the element behind `node`. (An
/// event's current target is no help: yew listens at the page's root.)
fn bounds(node: &NodeRef) -> Option<(f64, f64)> {
    let element = node.get()?;
    let method = js_sys::Reflect::get(&element, &"getBoundingClientRect".into()).ok()?;
    let rect = method
        .dyn_into::<js_sys::Function>()
        .ok()?
        .call0(&element)
        .ok()?;
    let get = |key: &str| js_sys::Reflect::get(&rect, &key.into()).ok()?.as_f64();
    Some((get("left")?, get("width")?.max(1.0)))
}

/// Mouse handlers of one timeline's SVG (`WIDTH` units wide), and the ref
/// the SVG must carry (`ref={pointer.node}`).
pub struct PointerZoom {
    pub node: NodeRef,
    pub onwheel: Callback<WheelEvent>,
    pub onpointerdown: Callback<PointerEvent>,
    pub onpointermove: Callback<PointerEvent>,
    pub onpointerup: Callback<PointerEvent>,
}

/// Wheel zooms around the pointer; dragging pans. `view` is the window the
/// SVG shows, `extent_ns` the longest run.
#[hook]
pub fn use_pointer_zoom(
    view: View,
    extent_ns: f64,
    on_view: Callback<Option<View>>,
) -> PointerZoom {
    // Where a drag began: the pointer's x (CSS px) and the window then.
    let drag = use_mut_ref(|| None::<(f64, View)>);
    let node = use_node_ref();
    let onwheel = {
        let (on_view, node) = (on_view.clone(), node.clone());
        Callback::from(move |event: WheelEvent| {
            let Some((left, width)) = bounds(&node) else {
                return;
            };
            event.prevent_default();
            let x = (f64::from(event.client_x()) - left) / width * WIDTH;
            let factor = if event.delta_y() < 0.0 { 0.8 } else { 1.25 };
            on_view.emit(Some(view.zoom(factor, view.t(x), extent_ns)));
        })
    };
    let onpointerdown = {
        let (drag, node) = (drag.clone(), node.clone());
        Callback::from(move |event: PointerEvent| {
            if event.button() != 0 {
                return;
            }
            *drag.borrow_mut() = Some((f64::from(event.client_x()), view));
            if let Some(element) = node.cast::<web_sys::Element>() {
                let _ = element.set_pointer_capture(event.pointer_id());
            }
        })
    };
    let onpointermove = {
        let (drag, node) = (drag.clone(), node.clone());
        Callback::from(move |event: PointerEvent| {
            let Some((start_x, start_view)) = *drag.borrow() else {
                return;
            };
            let Some((_, width)) = bounds(&node) else {
                return;
            };
            let moved = f64::from(event.client_x()) - start_x;
            if moved.abs() < 2.0 {
                return;
            }
            let per_px = start_view.span() / (width * (WIDTH - LABEL) / WIDTH);
            on_view.emit(Some(start_view.pan(-moved * per_px, extent_ns)));
        })
    };
    let onpointerup = Callback::from(move |_: PointerEvent| *drag.borrow_mut() = None);
    PointerZoom {
        node,
        onwheel,
        onpointerdown,
        onpointermove,
        onpointerup,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn zooming_keeps_the_anchor_in_place_and_stays_inside_the_run() {
        let full = View::full(1e9);
        let zoomed = full.zoom(0.5, 250e6, 1e9);
        assert_eq!((zoomed.from_ns, zoomed.to_ns), (125e6, 625e6));
        assert!((full.x(250e6) - zoomed.x(250e6)).abs() < 1e-9);
        // Zooming out past the run shows the whole run, no more.
        assert_eq!(zoomed.zoom(10.0, 0.0, 1e9), full);
        // Never narrower than a microsecond.
        assert!((full.zoom(1e-12, 5e8, 1e9).span() - MIN_SPAN_NS).abs() < 1e-6);
        // Panning stops at either end.
        assert_eq!(zoomed.pan(-1e9, 1e9).from_ns, 0.0);
        assert_eq!(zoomed.pan(1e9, 1e9).to_ns, 1e9);
        assert!(zoomed.following(900e6, 1e9).shows(900e6));
        assert_eq!(zoomed.following(300e6, 1e9), zoomed);
    }

    #[test]
    fn ticks_are_round_and_relabel_as_the_window_narrows() {
        let (seconds, unit) = ticks(&View::full(5e9));
        assert_eq!(unit, "s");
        assert_eq!(seconds.first().map(|t| t.1.as_str()), Some("0 s"));
        assert!(seconds.iter().any(|t| t.1 == "1 s"));
        let (ms, unit) = ticks(&View::full(300e6));
        assert_eq!(unit, "ms");
        assert!(ms.iter().any(|t| t.1 == "50 ms"), "{ms:?}");
        let narrow = View {
            from_ns: 1_000_000.0,
            to_ns: 1_003_000.0,
        };
        let (us, unit) = ticks(&narrow);
        assert_eq!(unit, "µs");
        assert!(us.iter().any(|t| t.1 == "1000.5 µs"), "{us:?}");
        assert!((4..=12).contains(&us.len()));
        let (ns, unit) = ticks(&View::full(3_000.0).zoom(0.1, 0.0, 3_000.0));
        assert_eq!(unit, "ns");
        assert!(!ns.is_empty());
    }
}
