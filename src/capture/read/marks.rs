//! Checkboxes and the signature box: read by how much ink they hold, no OCR.
//! A box is ticked by a tick, a cross or shading; a box blacked out almost
//! completely is how people cancel a choice, so it is not a tick.

use image::GrayImage;

use crate::paper::FieldBox;

use super::ink::{self, CLEAR_OF_LINES_PX, Rect};
use super::{ACCEPT_MARK, CANCELLED_ONLY, HEAVY_BOX, SEVERAL_TICKED, Seen};

/// Share of dark pixels inside a checkbox (its printed border excluded).
/// The inside of a 5 mm box is some 28 x 28 px: up to 12 dark pixels is dust,
/// from 31 (a 16 px stroke of a fine pen) it is a mark. A tick or a cross
/// covers 5-30 %, shading up to about half; past 80 % the box is blacked
/// out. The gaps between are where a box is not trusted either way.
const EMPTY_BELOW: f32 = 0.015;
const TICK_FROM: f32 = 0.04;
const TICK_UP_TO: f32 = 0.55;
const CANCELLED_FROM: f32 = 0.80;
/// How far from a boundary a measurement must be to count as certain.
const SURE_MARGIN: f32 = 0.015;
/// Confidence of a measurement in the gap between two readings.
const UNSURE: f32 = 0.3;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Mark {
    Empty,
    /// Some ink, too little to call it a tick.
    Faint,
    Ticked,
    /// Between a tick and a blacked-out box.
    Heavy,
    Cancelled,
}

/// What a checkbox holds and how sure that is (0.5 on a boundary, 1 from
/// `SURE_MARGIN` away from it).
pub(super) fn classify(ratio: f32) -> (Mark, f32) {
    let sure = |lo: f32, hi: f32| {
        let distance = (ratio - lo).min(hi - ratio).max(0.0);
        0.5 + 0.5 * (distance / SURE_MARGIN).min(1.0)
    };
    match ratio {
        r if r < EMPTY_BELOW => (Mark::Empty, sure(f32::NEG_INFINITY, EMPTY_BELOW)),
        r if r < TICK_FROM => (Mark::Faint, UNSURE),
        r if r <= TICK_UP_TO => (Mark::Ticked, sure(TICK_FROM, TICK_UP_TO)),
        r if r < CANCELLED_FROM => (Mark::Heavy, UNSURE),
        _ => (Mark::Cancelled, sure(CANCELLED_FROM, f32::INFINITY)),
    }
}

/// A choice (or the single consent box): `raw` is the ticked option's
/// value, empty when none is ticked.
pub(super) fn read_choice(image: &GrayImage, placed: &FieldBox) -> Seen {
    let options = placed.options.as_deref().unwrap_or_default();
    let boxes: Vec<Rect> = options.iter().map(|o| Rect::from_mm(o.box_mm)).collect();
    let shift = ink::snap(image, &boxes);
    let mut seen = Seen::new(ACCEPT_MARK);
    let mut ticked = Vec::new();
    let mut cancelled = false;
    for (option, b) in options.iter().zip(&boxes) {
        let inside = ink::measure(image, b.offset(shift).shrink(CLEAR_OF_LINES_PX));
        let (mark, confidence) = classify(inside.ratio);
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
pub(super) fn read_signature(image: &GrayImage, placed: &FieldBox) -> Seen {
    /// A signature leaves hundreds of dark pixels over several millimetres;
    /// a few dozen is a stray mark, which is not trusted either way.
    const SIGNED_FROM: u32 = 150;
    const SIGNED_EXTENT_PX: i32 = 40;
    const NOISE_DARK: u32 = 30;
    let frame = Rect::from_mm(placed.box_mm);
    let frame = frame.offset(ink::snap(image, &[frame]));
    let inside = ink::measure(image, frame.shrink(CLEAR_OF_LINES_PX));
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
    fn box_readings_by_ink_share() {
        assert_eq!(classify(0.0), (Mark::Empty, 1.0));
        assert_eq!(classify(0.02).0, Mark::Faint);
        assert_eq!(classify(0.12), (Mark::Ticked, 1.0));
        assert_eq!(classify(0.5).0, Mark::Ticked);
        assert_eq!(classify(0.7).0, Mark::Heavy);
        assert_eq!(classify(0.95), (Mark::Cancelled, 1.0));
    }

    #[test]
    fn confidence_falls_towards_a_boundary() {
        let (_, near) = classify(TICK_FROM + 0.001);
        let (_, far) = classify(TICK_FROM + 0.05);
        assert!(near < 0.6 && far == 1.0, "{near} {far}");
        assert!(classify(0.03).1 < ACCEPT_MARK);
        assert!(classify(0.7).1 < ACCEPT_MARK);
    }
}
