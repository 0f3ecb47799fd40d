//! Comb fields (identity code, postal code, phone, dates): one character per
//! printed cell. Empty cells are told by their ink and never reach OCR; the
//! written ones are lined up in a strip and read together, twice, so that
//! every character is read among others and in its cell's order.

use image::GrayImage;

use crate::capture::ocr::{self, Segmentation};
use crate::form::{FieldDef, FieldType};
use crate::paper::FieldBox;

use super::ink::{self, CLEAR_OF_LINES_PX, Rect};
use super::{ACCEPT_COMB, NOT_ONE_PER_BOX, OUT_OF_PLACE, Seen, UNCLEAR_SIGN, UNREADABLE, twice};

const DIGITS: &str = "0123456789";
const CENTURY_SIGNS: &str = "+-YXWVUABCDEF";
const HETU_CHECK: &str = "0123456789ABCDEFHJKLMNPRSTUVWXY";
const PHONE_FIRST: &str = "+0123456789";
/// Every character an identity code can hold, in any position.
const HETU_ANY: &str = "0123456789+-ABCDEFHJKLMNPRSTUVWXY";

/// A cell holds writing from this many dark pixels spread over
/// `MIN_EXTENT_PX`: a 2 mm dash in a fine pen still makes it.
const MIN_DARK: u32 = 24;
const MIN_EXTENT_PX: i32 = 12;
/// Up to this many dark pixels is dust or scanner noise; between this and
/// `MIN_DARK` the cell may hold a faint character, which is not trusted.
const NOISE_DARK: u32 = 8;
/// The OCR crop keeps closer to the printed lines than the ink measurement
/// (3 px clears a 0.6 pt line with a pixel of registration error), so that
/// characters written up to the cell's edge stay whole.
const OCR_INSET_PX: i32 = 3;
/// Confidence of a cell that looks empty but holds more than noise.
const FAINT_CELL: f32 = 0.5;

pub(super) fn read(image: &GrayImage, field: &FieldDef, placed: &FieldBox) -> Seen {
    let cells: Vec<Rect> = placed
        .cell_boxes_mm
        .iter()
        .copied()
        .map(Rect::from_mm)
        .collect();
    let shift = ink::snap(image, &cells);
    let mut seen = Seen::new(ACCEPT_COMB);
    // Each written cell's ink, cropped, with its position in the comb.
    let mut written: Vec<(usize, GrayImage)> = Vec::new();
    for (position, cell) in cells.iter().enumerate() {
        let cell = cell.offset(shift);
        let inside = ink::measure(image, cell.shrink(CLEAR_OF_LINES_PX));
        if inside.is_writing(MIN_DARK, MIN_EXTENT_PX) {
            match ink::writing_crop(image, cell.shrink(OCR_INSET_PX)) {
                Some(crop) => written.push((position, crop)),
                None => seen.doubt(FAINT_CELL),
            }
        } else if inside.dark > NOISE_DARK {
            seen.doubt(FAINT_CELL);
        }
    }
    if written.is_empty() {
        return seen;
    }
    let crops: Vec<&GrayImage> = written.iter().map(|(_, crop)| crop).collect();
    let strips = STRIPS.map(|(gap, height, _)| strip(&crops, gap, height));
    let read = twice::read_twice(
        [(&strips[0], STRIPS[0].2), (&strips[1], STRIPS[1].2)],
        ocr::FIELD_LANGUAGES,
        field_whitelist(field.field_type),
        |text| text.split_whitespace().collect(),
    );
    let read = match read {
        Ok(read) => read,
        Err(error) => {
            tracing::warn!(field = %field.id, %error, "OCR failed on a comb");
            seen.doubt(0.0);
            seen.problem(UNREADABLE);
            return seen;
        }
    };
    seen.doubt(read.confidence);
    let chars: Vec<char> = read.text.chars().collect();
    if chars.len() != written.len() {
        seen.problem(NOT_ONE_PER_BOX);
        seen.raw = read.text;
        return seen;
    }
    let mut by_cell = vec![None; cells.len()];
    for ((position, crop), c) in written.iter().zip(chars) {
        if !whitelist(field.field_type, *position).contains(c) {
            seen.problem(OUT_OF_PLACE);
        } else if field.field_type == FieldType::Hetu && *position == 6 && !sign_fits_shape(c, crop)
        {
            seen.problem(UNCLEAR_SIGN);
        }
        by_cell[*position] = Some(c);
    }
    seen.raw = join(field.field_type, &by_cell);
    seen
}

/// The two strips a comb is read from: (gap between characters, height the
/// characters are scaled to, segmentation). Chosen on synthetic hand
/// printing as the pair that accepted most right values while never
/// agreeing on a wrong one.
const STRIPS: [(u32, u32, Segmentation); 2] =
    [(6, 24, Segmentation::Line), (8, 32, Segmentation::RawLine)];

/// The written cells side by side, scaled alike to `height` pixels and
/// centred on one line, `gap` apart. Tesseract's models read a character
/// far better among others than alone (on hand printing, a lone digit came
/// back empty more often than not).
fn strip(crops: &[&GrayImage], gap: u32, height: u32) -> GrayImage {
    let tallest = crops.iter().map(|c| c.height()).max().unwrap_or(1).max(1);
    // At most doubled, so that a lone dash does not become a bar.
    let scale = (height as f32 / tallest as f32).min(2.0);
    let scaled: Vec<GrayImage> = crops.iter().map(|c| twice::scaled(c, scale)).collect();
    let h = scaled.iter().map(|c| c.height()).max().unwrap_or(1);
    let w = scaled.iter().map(|c| c.width() + gap).sum::<u32>() - gap;
    let mut out = GrayImage::from_pixel(w, h, image::Luma([255]));
    let mut x = 0;
    for c in &scaled {
        image::imageops::replace(&mut out, c, x.into(), ((h - c.height()) / 2).into());
        x += c.width() + gap;
    }
    out
}

/// The century sign is outside the check character's reach (`-` and `A`
/// give the same check), so its shape is checked too: a dash is flat,
/// anything else is not.
fn sign_fits_shape(sign: char, crop: &GrayImage) -> bool {
    let flat = crop.height() * 2 < crop.width();
    flat == (sign == '-')
}

/// What the comb as a whole may hold; each position is checked against
/// `whitelist` once read (a letter among the date digits of an identity
/// code, a `+` inside a phone number).
fn field_whitelist(field_type: FieldType) -> &'static str {
    match field_type {
        FieldType::Hetu => HETU_ANY,
        FieldType::Phone => PHONE_FIRST,
        _ => DIGITS,
    }
}

/// What the cell at `position` (0-based) may hold.
fn whitelist(field_type: FieldType, position: usize) -> &'static str {
    match (field_type, position) {
        (FieldType::Hetu, 6) => CENTURY_SIGNS,
        (FieldType::Hetu, 10) => HETU_CHECK,
        (FieldType::Phone, 0) => PHONE_FIRST,
        _ => DIGITS,
    }
}

/// The cells as text: in order, empty cells skipped; a date as
/// `DD.MM.YYYY` from its `DDMMYYYY` cells, so that a day or month written
/// with one digit still reads (`6.4.2020`).
fn join(field_type: FieldType, chars: &[Option<char>]) -> String {
    let text = |cells: &[Option<char>]| cells.iter().flatten().collect::<String>();
    if field_type == FieldType::Date && chars.len() == 8 {
        if chars.iter().all(Option::is_none) {
            return String::new();
        }
        return format!(
            "{}.{}.{}",
            text(&chars[..2]),
            text(&chars[2..4]),
            text(&chars[4..])
        );
    }
    text(chars)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_hetu_position_allows_only_what_it_can_hold() {
        let allowed: Vec<&str> = (0..11).map(|i| whitelist(FieldType::Hetu, i)).collect();
        assert!(allowed[..6].iter().all(|w| *w == DIGITS));
        assert_eq!(allowed[6], CENTURY_SIGNS);
        assert!(allowed[7..10].iter().all(|w| *w == DIGITS));
        assert_eq!(allowed[10], HETU_CHECK);
        assert_eq!(whitelist(FieldType::Phone, 0), PHONE_FIRST);
        assert_eq!(whitelist(FieldType::Phone, 1), DIGITS);
    }

    #[test]
    fn dates_join_by_group_and_other_combs_skip_empty_cells() {
        let cells =
            |s: &str| -> Vec<Option<char>> { s.chars().map(|c| (c != '_').then_some(c)).collect() };
        assert_eq!(join(FieldType::Date, &cells("06042020")), "06.04.2020");
        assert_eq!(join(FieldType::Date, &cells("6_4_2020")), "6.4.2020");
        assert_eq!(join(FieldType::Date, &cells("________")), "");
        assert_eq!(join(FieldType::Phone, &cells("040_123_4567")), "0401234567");
    }
}
