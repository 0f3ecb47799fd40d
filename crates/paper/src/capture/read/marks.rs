//! Checkboxes and the signature box: read by how much ink they hold, no OCR.
//! A box is chosen by a tick, a cross or by filling it in; a box blacked out
//! by scribbling over it and its edges is how people take a choice back, so
//! it is not a choice.

use crate::printable::FieldBox;

use super::ink::{CLEAR_OF_LINES_PX, Ink, Rect, Sheet};
use super::{ACCEPT_MARK, CANCELLED_ONLY, HEAVY_BOX, SEVERAL_TICKED, Seen};

/// Share of ink inside a checkbox (its printed border excluded). The inside
/// of a 5 mm box is some 28 x 28 px: up to 12 inked pixels is dust, from 31
/// (a 16 px stroke of a fine pen) it is a mark. On the sample scans ticks
/// and crosses cover 20-50 %, a filled-in or blacked-out box over 95 %.
const EMPTY_BELOW: f32 = 0.015;
const TICK_FROM: f32 = 0.04;
/// From here a box is filled in, and what is around it tells a fill (kept
/// inside the box) from a cancellation (scribbled over its edges too).
const FILLED_FROM: f32 = 0.6;
/// Share of ink in a band 0.4-0.75 mm outside the box, off its label side.
/// On the sample scans fills left 0-2 %, ticks running out of the box up
/// to 19 %, blacked-out boxes 88-100 %.
const AROUND_FROM_PX: i32 = 3;
const AROUND_TO_PX: i32 = 6;
const FILL_AROUND_BELOW: f32 = 0.3;
const CANCEL_AROUND_FROM: f32 = 0.6;
/// Ink no wider or taller than this (about 0.75 mm) is a speck, not a mark.
const SPECK_PX: i32 = 6;
/// How far from a boundary a measurement must be to count as certain.
const SURE_INSIDE: f32 = 0.015;
const SURE_AROUND: f32 = 0.1;
/// Confidence of a measurement in the gap between two readings.
const UNSURE: f32 = 0.3;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Mark {
    Empty,
    /// Some ink, too little to call it a tick.
    Faint,
    /// A tick, a cross, shading or a filled-in box.
    Ticked,
    /// Filled in, with some ink around: a fill or a cancellation.
    Heavy,
    Cancelled,
}

/// What a checkbox holds, from the share of ink inside it and around it,
/// and how sure that is: 0.5 on a boundary, 1 from the margin away.
pub(super) fn classify(inside: f32, around: f32) -> (Mark, f32) {
    let sure = |value: f32, lo: f32, hi: f32, margin: f32| {
        let distance = (value - lo).min(hi - value).max(0.0);
        0.5 + 0.5 * (distance / margin).min(1.0)
    };
    let (low, high) = (f32::NEG_INFINITY, f32::INFINITY);
    match (inside, around) {
        (i, _) if i < EMPTY_BELOW => (Mark::Empty, sure(i, low, EMPTY_BELOW, SURE_INSIDE)),
        (i, _) if i < TICK_FROM => (Mark::Faint, UNSURE),
        (i, _) if i < FILLED_FROM => (Mark::Ticked, sure(i, TICK_FROM, high, SURE_INSIDE)),
        (_, a) if a < FILL_AROUND_BELOW => {
            (Mark::Ticked, sure(a, low, FILL_AROUND_BELOW, SURE_AROUND))
        }
        (_, a) if a < CANCEL_AROUND_FROM => (Mark::Heavy, UNSURE),
        (_, a) => (
            Mark::Cancelled,
            sure(a, CANCEL_AROUND_FROM, high, SURE_AROUND),
        ),
    }
}

/// Whether the ink in a box is one speck of dust (or a touch of the pen
/// point): less than a tick's worth, within `SPECK_PX` each way. Any
/// stroke, however faint, is longer.
fn is_speck(inside: &Ink) -> bool {
    inside.ratio < TICK_FROM && inside.bounds.is_some_and(|b| b.w.max(b.h) <= SPECK_PX)
}

/// A choice (or the single consent box): `raw` is the ticked option's
/// value, empty when none is ticked.
pub(super) fn read_choice(sheet: &Sheet, placed: &FieldBox) -> Seen {
    let options = placed.options.as_deref().unwrap_or_default();
    let boxes: Vec<Rect> = options.iter().map(|o| Rect::from_mm(o.box_mm)).collect();
    let shift = sheet.snap(&boxes);
    let mut seen = Seen::new(ACCEPT_MARK);
    let mut ticked = Vec::new();
    let mut cancelled = false;
    for (option, b) in options.iter().zip(&boxes) {
        let b = b.offset(shift);
        let inside = sheet.measure(b.shrink(CLEAR_OF_LINES_PX));
        let (mark, confidence) = if is_speck(&inside) {
            (Mark::Empty, 1.0)
        } else {
            classify(inside.ratio, sheet.around(b, AROUND_FROM_PX, AROUND_TO_PX))
        };
        seen.doubt(confidence);
        match mark {
            Mark::Ticked => ticked.push(option.value.as_str()),
            Mark::Heavy => seen.problem(HEAVY_BOX),
            Mark::Cancelled => cancelled = true,
            Mark::Empty | Mark::Faint => {}
        }
    }
    seen.raw = ticked.join("+");
    if ticked.len() > 1 {
        seen.problem(SEVERAL_TICKED);
    }
    if cancelled && ticked.is_empty() {
        seen.problem(CANCELLED_ONLY);
    }
    seen
}

/// Ink in the signature box, that is, whether the form is signed: `raw`
/// is `yes` or empty.
pub(super) fn read_signature(sheet: &Sheet, placed: &FieldBox) -> Seen {
    /// A signature leaves hundreds of dark pixels over several millimetres;
    /// a few dozen is a stray mark, which is not trusted either way.
    const SIGNED_FROM: u32 = 150;
    const SIGNED_EXTENT_PX: i32 = 40;
    const NOISE_DARK: u32 = 30;
    let frame = Rect::from_mm(placed.box_mm);
    let frame = frame.offset(sheet.snap(&[frame]));
    let inside = sheet.measure(frame.shrink(CLEAR_OF_LINES_PX));
    let mut seen = Seen::new(ACCEPT_MARK);
    if inside.is_writing(SIGNED_FROM, SIGNED_EXTENT_PX) {
        seen.raw = "yes".into();
    } else if inside.dark > NOISE_DARK {
        seen.doubt(UNSURE);
    }
    seen
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn box_readings_by_ink_inside_and_around() {
        assert_eq!(classify(0.0, 0.0), (Mark::Empty, 1.0));
        assert_eq!(classify(0.02, 0.0).0, Mark::Faint);
        assert_eq!(classify(0.3, 0.0), (Mark::Ticked, 1.0));
        assert_eq!(classify(0.5, 0.2).0, Mark::Ticked, "a tick leaving the box");
        assert_eq!(classify(0.98, 0.01), (Mark::Ticked, 1.0), "filled in");
        assert_eq!(classify(0.98, 0.45).0, Mark::Heavy);
        assert_eq!(classify(1.0, 0.9), (Mark::Cancelled, 1.0));
    }

    #[test]
    fn a_speck_of_dust_in_a_box_is_no_mark_but_a_faint_stroke_is_doubted() {
        // The inside of a 5 mm box: 28 x 28 px.
        let ink = |dark: u32, w: i32, h: i32| Ink {
            dark,
            ratio: dark as f32 / 784.0,
            bounds: Some(Rect { x: 10, y: 10, w, h }),
        };
        let speck = ink(20, 5, 5);
        assert_eq!(classify(speck.ratio, 0.0).0, Mark::Faint, "by ink alone");
        assert!(is_speck(&speck));
        assert!(!is_speck(&ink(20, 16, 2)), "a faint stroke");
        assert!(
            !is_speck(&ink(36, 6, 6)),
            "a heavy dot is as much ink as a tick"
        );
    }

    #[test]
    fn confidence_falls_towards_a_boundary() {
        let (_, near) = classify(TICK_FROM + 0.001, 0.0);
        let (_, far) = classify(TICK_FROM + 0.05, 0.0);
        assert!(near < 0.6 && far == 1.0, "{near} {far}");
        assert!(classify(0.03, 0.0).1 < ACCEPT_MARK);
        assert!(classify(0.98, 0.45).1 < ACCEPT_MARK);
        assert!(classify(0.98, 0.27).1 < ACCEPT_MARK);
    }
}
