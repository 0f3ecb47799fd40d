//! One letter's page. The recipient's address sits in the window of a C5
//! or DL envelope (20 mm from the left, 45 mm from the top, 90 x 45 mm,
//! as DIN 5008 and the Finnish window envelopes have it), with the
//! office's return line above it; the date and reference stand right of
//! the window, the text below it.

use intake_core::i18n::Lang;

use super::font::{Glyphs, Weight};
use super::texts::letter_texts;
use super::{Letter, LetterError, date_text};
use crate::printable::canvas::Canvas;
use crate::printable::text::wrap_by;

/// The envelope's window, `[x, y, width, height]` in mm from the top left.
pub const WINDOW_MM: [f64; 4] = [20.0, 45.0, 90.0, 45.0];
/// Text keeps this far inside the window, so a letter that slides in the
/// envelope still shows the whole address.
const WINDOW_INSET: f64 = 5.0;
const LEFT: f64 = WINDOW_MM[0] + WINDOW_INSET;
const RIGHT: f64 = 190.0;
/// The date and reference, right of the window.
const SIDE_LEFT: f64 = 125.0;
const BODY_TOP: f64 = 102.0;
/// The last baseline the body may take; below is the bottom margin.
const BODY_BOTTOM: f64 = 280.0;
/// Sizes tried in turn until the body fits: one language fits at the
/// first, English with Finnish may need the smaller.
const BODY_SIZES: [f64; 4] = [10.5, 9.5, 8.5, 7.5];

/// A line of text in the letter's font.
struct Line {
    weight: Weight,
    size_pt: f64,
    text: String,
    grey: bool,
}

impl Line {
    fn new(weight: Weight, size_pt: f64, text: impl Into<String>, grey: bool) -> Line {
        Line {
            weight,
            size_pt,
            text: text.into(),
            grey,
        }
    }
}

/// A line placed on the page.
struct Placed {
    x: f64,
    baseline: f64,
    line: Line,
}

/// The page's content stream; the glyphs it sets are added to `glyphs`.
pub fn page(letter: &Letter, glyphs: &mut Glyphs) -> Result<Vec<u8>, LetterError> {
    let mut canvas = Canvas::new();
    for Placed { x, baseline, line } in head(letter).into_iter().chain(body(letter)) {
        let codes = glyphs.encode(line.weight, &line.text)?;
        let font = (line.weight.resource(), line.size_pt);
        canvas.glyphs(x, baseline, font, codes, line.grey);
    }
    Ok(canvas.encode()?)
}

/// `text` broken into lines no wider than `max_mm` in `weight` at `size_pt`.
fn wrap(text: &str, weight: Weight, size_pt: f64, max_mm: f64) -> Vec<String> {
    wrap_by(text, max_mm, |line| weight.width_mm(line, size_pt))
}

/// The letterhead, the window's address and the date and reference.
fn head(letter: &Letter) -> Vec<Placed> {
    let first = letter.languages.first().copied().unwrap_or(Lang::Fi);
    let office = &letter.office;
    let mut placed = Vec::new();
    let mut at = |x: f64, baseline: f64, line: Line| placed.push(Placed { x, baseline, line });
    at(
        LEFT,
        20.0,
        Line::new(Weight::Bold, 13.0, office.name.get(first), false),
    );
    at(
        LEFT,
        25.5,
        Line::new(Weight::Regular, 9.0, office.address(first), false),
    );
    at(
        LEFT,
        30.0,
        Line::new(Weight::Regular, 9.0, office.phone.clone(), false),
    );

    // The return line, small, at the top of the window.
    let [_, window_top, window_width, _] = WINDOW_MM;
    let back = format!("{}, {}", office.name.get(first), office.address(first));
    let back = wrap(
        &back,
        Weight::Regular,
        7.0,
        window_width - 2.0 * WINDOW_INSET,
    )
    .into_iter()
    .next()
    .unwrap_or_default();
    at(
        LEFT,
        window_top + 5.0,
        Line::new(Weight::Regular, 7.0, back, true),
    );
    let recipient = &letter.recipient;
    let address = [
        recipient.name.clone(),
        recipient.street_address.clone(),
        format!(
            "{} {}",
            recipient.postal_code,
            recipient.post_office.to_uppercase()
        ),
    ];
    for (i, text) in address.into_iter().enumerate() {
        let baseline = window_top + 13.0 + 5.0 * i as f64;
        at(
            LEFT,
            baseline,
            Line::new(Weight::Regular, 11.0, text, false),
        );
    }

    for (i, lang) in letter.languages.iter().enumerate() {
        let t = letter_texts(*lang);
        let top = window_top + 5.0 + 11.0 * i as f64;
        let grey = i > 0;
        at(
            SIDE_LEFT,
            top,
            Line::new(Weight::Regular, 9.0, t.date, grey),
        );
        at(
            SIDE_LEFT + 28.0,
            top,
            Line::new(Weight::Regular, 9.0, date_text(letter.dated), grey),
        );
        at(
            SIDE_LEFT,
            top + 4.5,
            Line::new(Weight::Regular, 9.0, t.reference, grey),
        );
        let reference = Line::new(Weight::Bold, 9.0, letter.reference.clone(), grey);
        at(SIDE_LEFT + 28.0, top + 4.5, reference);
    }
    placed
}

/// The text in each language, at the largest size that fits the page.
fn body(letter: &Letter) -> Vec<Placed> {
    let mut lines = Vec::new();
    for size in BODY_SIZES {
        lines = body_at(letter, size);
        if lines.last().is_none_or(|last| last.baseline <= BODY_BOTTOM) {
            break;
        }
    }
    lines
}

fn body_at(letter: &Letter, size: f64) -> Vec<Placed> {
    let width = RIGHT - LEFT;
    let leading = size * 0.5;
    let mut placed = Vec::new();
    let mut y = BODY_TOP;
    for (i, lang) in letter.languages.iter().enumerate() {
        if i > 0 {
            y += leading * 1.5;
        }
        let t = letter_texts(*lang);
        let received = date_text(letter.received_on);
        let tried = t
            .tried
            .count(letter.attempts as usize)
            .replace("{phone}", &letter.phone);
        let what_now = t
            .what_now
            .replace("{office_phone}", &letter.office.phone)
            .replace("{reference}", &letter.reference)
            .replace("{office_address}", &letter.office.address(*lang));
        let paragraphs: [(Weight, f64, String); 8] = [
            (Weight::Bold, size + 3.0, t.title.to_string()),
            (
                Weight::Regular,
                size,
                t.greeting.replace("{name}", &letter.recipient.name),
            ),
            (
                Weight::Regular,
                size,
                t.received.replace("{date}", &received),
            ),
            (Weight::Regular, size, tried),
            (Weight::Bold, size + 0.5, t.what_now_heading.to_string()),
            (Weight::Regular, size, what_now),
            (Weight::Bold, size + 0.5, t.date_stands_heading.to_string()),
            (
                Weight::Regular,
                size,
                t.date_stands.replace("{date}", &received),
            ),
        ];
        for (n, (font, font_size, text)) in paragraphs.into_iter().enumerate() {
            // The greeting runs on into the next paragraph; headings sit
            // close to what they head.
            let gap = match n {
                0 | 2 => 0.0,
                4 | 6 => leading * 1.2,
                _ => leading * 0.6,
            };
            y += gap;
            for text in wrap(&text, font, font_size, width) {
                y += font_size * 0.5;
                let line = Line::new(font, font_size, text, false);
                placed.push(Placed {
                    x: LEFT,
                    baseline: y,
                    line,
                });
            }
        }
        y += leading * 2.0;
        placed.push(Placed {
            x: LEFT,
            baseline: y,
            line: Line::new(Weight::Regular, size, t.closing, false),
        });
        y += leading;
        placed.push(Placed {
            x: LEFT,
            baseline: y,
            line: Line::new(Weight::Regular, size, letter.office.name.get(*lang), false),
        });
    }
    placed
}
