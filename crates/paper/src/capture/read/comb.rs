//! Comb fields (identity code, postal code, phone, dates): one character per
//! printed cell. Empty cells are told by their ink and never reach OCR; the
//! written ones are lined up in a strip and read together, three ways, so that
//! every character is read among others and in its cell's order.

use image::GrayImage;

use crate::capture::ocr::{self, Segmentation};
use crate::printable::FieldBox;
use intake_core::form::{FieldDef, FieldType};
use intake_core::record::validate;

use super::ink::{CLEAR_OF_LINES_PX, Holds, Ink, Rect, Sheet};
use super::{
    ACCEPT_COMB, CLOSE_RUNNER_UP, NOT_ONE_PER_BOX, OUT_OF_PLACE, READINGS_DIFFER, Seen,
    UNCLEAR_SIGN, UNREADABLE, agree, choices,
};

const DIGITS: &str = "0123456789";
const CENTURY_SIGNS: &str = "+-YXWVUABCDEF";
const HETU_CHECK: &str = "0123456789ABCDEFHJKLMNPRSTUVWXY";
const PHONE_FIRST: &str = "+0123456789";
/// People write `040-1234567` in the boxes, a dash in one of them.
const PHONE_REST: &str = "0123456789-";
/// Every character an identity code can hold, in any position.
const HETU_ANY: &str = "0123456789+-ABCDEFHJKLMNPRSTUVWXY";
/// A country code (form v2's citizenship): two capital letters.
const LETTERS: &str = "ABCDEFGHIJKLMNOPQRSTUVWXYZ";

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
/// A dash is a flat stroke at least this long (a printed 12 pt dash is
/// some 11 px, less than a character's extent), lying in the middle
/// half of its cell's height.
const DASH_MIN_LENGTH_PX: i32 = 7;
/// Two strips of a phone number, postal code or date that agree at this
/// confidence or more are taken without the third. On two generated sets
/// of 140 forms each, the third strip never differed from two that agreed
/// at 0.85 or more (639 combs; the one wrong comb among them was read
/// wrong by all three); it differs where the first two are less sure.
const SURE_COMB: f32 = 0.90;
/// The confidence of an identity code whose check character vouches for
/// it (see `read`).
const CHECKED_CODE: f32 = 0.95;
/// Below this confidence a checked code's century sign is not trusted
/// unless its shape tells it. Typed codes with the newer signs read at
/// 0.75-0.85 and were always right on generated samples.
const CHECKED_SIGN: f32 = 0.7;
/// Century signs the check character does not tell apart from another one
/// of their century, but whose shape is checked or unmistakable: `-` is
/// flat, `A` and `+` are not read for one another.
const SIGNS_BY_SHAPE: &str = "-A+";

pub(super) fn read(sheet: &Sheet, field: &FieldDef, placed: &FieldBox) -> Seen {
    let cells: Vec<Rect> = placed
        .cell_boxes_mm
        .iter()
        .copied()
        .map(Rect::from_mm)
        .collect();
    let shift = sheet.snap(&cells);
    let mut seen = Seen::new(ACCEPT_COMB);
    // Each written cell's ink, cropped, with its position in the comb.
    let mut written: Vec<(usize, GrayImage)> = Vec::new();
    // Cells holding a dash: told by its shape, not read. Tesseract drops a
    // lone dash among digits more often than not, and a printed one has
    // too little ink to count as writing.
    let mut dashes: Vec<usize> = Vec::new();
    for (position, cell) in cells.iter().enumerate() {
        let cell = cell.offset(shift);
        let inside = sheet.measure(cell.shrink(CLEAR_OF_LINES_PX));
        let dash_allowed = whitelist(field.field_type, position).contains('-');
        if dash_allowed && is_dash(&inside, cell) {
            dashes.push(position);
        } else if inside.is_writing(MIN_DARK, MIN_EXTENT_PX) {
            match sheet.writing_crop(cell.shrink(OCR_INSET_PX), Holds::Character) {
                Some(crop) => written.push((position, crop)),
                None => seen.doubt(FAINT_CELL),
            }
        } else if inside.dark > NOISE_DARK {
            seen.doubt(FAINT_CELL);
        }
    }
    if written.is_empty() {
        if !dashes.is_empty() {
            seen.raw = "-".repeat(dashes.len());
        }
        return seen;
    }
    // A phone number, postal code or date read below `ACCEPT_COMB` goes to
    // review whatever the other strips say. An identity code's check
    // character can vouch for it: every strip is read.
    let enough = if field.field_type == FieldType::Hetu {
        agree::Enough::EVERY_WAY
    } else {
        agree::Enough {
            doubted_below: ACCEPT_COMB,
            sure_after: 2,
            sure_from: SURE_COMB,
        }
    };
    let all = match read_strips(&written, field_whitelist(field.field_type), enough, true) {
        Ok(read) => read,
        Err(error) => {
            tracing::warn!(field = %field.id, %error, "OCR failed on a comb");
            seen.doubt(0.0);
            seen.problem(UNREADABLE);
            return seen;
        }
    };
    seen.doubt(all.confidence);
    let mut chars: Vec<char> = all.text.chars().collect();
    // An identity code's digits are read again on their own, with only
    // digits allowed: among letters Tesseract reads a hand-printed 5 as S
    // or a 0 as U, which digits alone cannot be. Not needed when every
    // reading gave the same code and its check character vouches for it.
    let checked_as_read = field.field_type == FieldType::Hetu
        && all.unanimous
        && chars.len() == cells.len()
        && validate::hetu(&all.text).is_ok();
    let mut digits_unanimous = checked_as_read;
    if field.field_type == FieldType::Hetu && !checked_as_read {
        let digit_cells: Vec<(usize, GrayImage)> = written
            .iter()
            .filter(|(position, _)| whitelist(field.field_type, *position) == DIGITS)
            .cloned()
            .collect();
        if let Ok(digits) = read_strips(&digit_cells, DIGITS, agree::Enough::EVERY_WAY, false)
            && digits.text.chars().count() == digit_cells.len()
            && chars.len() == written.len()
        {
            let mut read_digits = digits.text.chars();
            for ((position, _), c) in written.iter().zip(chars.iter_mut()) {
                if whitelist(field.field_type, *position) == DIGITS {
                    *c = read_digits.next().unwrap_or(*c);
                }
            }
            digits_unanimous = digits.unanimous;
        }
    }
    if chars.len() != written.len() {
        seen.problem(NOT_ONE_PER_BOX);
        seen.raw = all.text;
        return seen;
    }
    let mut by_cell = vec![None; cells.len()];
    for &position in &dashes {
        by_cell[position] = Some('-');
    }
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
    // An identity code has its check character; other combs have only
    // Tesseract's own weighing of each character against its runner-up.
    if field.field_type != FieldType::Hetu && seen.problems.is_empty() {
        let cells_read: Vec<usize> = written.iter().map(|(position, _)| *position).collect();
        let close =
            choices::close_calls(&all.symbols, &all.text, field_whitelist(field.field_type));
        match close {
            None => seen.problem(CLOSE_RUNNER_UP),
            Some(close) if !close.is_empty() => {
                seen.problem(CLOSE_RUNNER_UP);
                seen.alternatives = choices::alternatives(&close, |swap| {
                    let mut cells = by_cell.clone();
                    for (index, c) in swap {
                        cells[cells_read[*index]] = Some(*c);
                    }
                    join(field.field_type, &cells)
                });
            }
            Some(_) => {}
        }
    }
    // Phone numbers, postal codes and dates have no check character, and
    // the strips, read by the same model, can agree on the same wrong
    // digit at high confidence (on hands it was not tuned on, a 9 as 1 or
    // 4). What would be accepted is read once more by another model, and
    // must come out the same.
    if needs_second_opinion(field.field_type)
        && seen.problems.is_empty()
        && seen.confidence >= seen.threshold
    {
        let other = second_opinion(&written, field_whitelist(field.field_type));
        let cells_read: Vec<usize> = written.iter().map(|(position, _)| *position).collect();
        confirm(&mut seen, &all.text, other.as_deref(), |text| {
            let mut cells = by_cell.clone();
            for (&position, c) in cells_read.iter().zip(text.chars()) {
                if !whitelist(field.field_type, position).contains(c) {
                    return None;
                }
                cells[position] = Some(c);
            }
            Some(join(field.field_type, &cells))
        });
    }
    // An identity code's check character catches every single misread
    // digit and every swap of two neighbours (31 is prime and divides no
    // digit times a power of ten), so readings that all agree on a code
    // that checks are trusted above Tesseract's own confidence, which on
    // hand printing is low even when right. The century sign is outside
    // the check: without the readings' own confidence, only the signs
    // told apart by shape are trusted so.
    if field.field_type == FieldType::Hetu
        && seen.problems.is_empty()
        && validate::hetu(&seen.raw).is_ok()
        && digits_unanimous
        && agree_at(&all, &written, &[6, 10])
    {
        let sign = by_cell.get(6).copied().flatten();
        if sign.is_some_and(|sign| SIGNS_BY_SHAPE.contains(sign))
            || seen.confidence >= CHECKED_SIGN
            || sign.is_some_and(|sign| sign_read_alone(&written, sign))
        {
            seen.confidence = seen.confidence.max(CHECKED_CODE);
        }
    }
    seen
}

/// The written cells read as strips, three ways (or as few as `enough`
/// says), with only `allowed`.
fn read_strips(
    written: &[(usize, GrayImage)],
    allowed: &str,
    enough: agree::Enough,
    with_choices: bool,
) -> Result<agree::Agreed, ocr::OcrError> {
    let crops: Vec<&GrayImage> = written.iter().map(|(_, crop)| crop).collect();
    let strips = STRIPS.map(|(gap, height, _)| strip(&crops, gap, height));
    let ways: Vec<(&GrayImage, Segmentation)> = strips
        .iter()
        .zip(STRIPS)
        .map(|(image, (_, _, segmentation))| (image, segmentation))
        .collect();
    let same: fn(&str) -> String = |text| text.split_whitespace().collect();
    if with_choices {
        agree::read_agreed_with_choices(&ways, ocr::FIELD_LANGUAGES, allowed, same, enough)
    } else {
        agree::read_agreed(&ways, ocr::FIELD_LANGUAGES, allowed, same, enough)
    }
}

/// The combs that nothing but their readings vouches for: an identity
/// code has its check character, a country code its list.
fn needs_second_opinion(field_type: FieldType) -> bool {
    matches!(
        field_type,
        FieldType::Date | FieldType::PostalCode | FieldType::Phone
    )
}

/// The written cells read once more by another model: the first strip,
/// read with the English model instead of the Swedish and Finnish ones.
/// The strips' own model, even on the strip made black and white (as a
/// line's second reading is), gave the same wrong digit as its grey
/// strips did (`25` as `29`, `12` as `11`); the English model read both
/// right. `None` when OCR failed.
fn second_opinion(written: &[(usize, GrayImage)], allowed: &str) -> Option<String> {
    let crops: Vec<&GrayImage> = written.iter().map(|(_, crop)| crop).collect();
    let (gap, height, segmentation) = STRIPS[0];
    let image = strip(&crops, gap, height);
    match ocr::read(&image, ocr::OTHER_MODEL, segmentation, allowed) {
        Ok(read) => Some(read.text.split_whitespace().collect()),
        Err(error) => {
            tracing::warn!(%error, "OCR failed on a comb's second opinion");
            None
        }
    }
}

/// Sends `seen` to review unless `other`, the written cells read another
/// way, gave the same characters as `read` (`None`: it could not be made).
/// When it differs and `as_field` can make a value of it (one allowed
/// character per written cell), that value is offered first among the
/// alternatives.
fn confirm(
    seen: &mut Seen,
    read: &str,
    other: Option<&str>,
    as_field: impl Fn(&str) -> Option<String>,
) {
    if other == Some(read) {
        return;
    }
    seen.problem(READINGS_DIFFER);
    let offered = other
        .filter(|other| other.chars().count() == read.chars().count())
        .and_then(as_field);
    if let Some(offered) = offered
        && offered != seen.raw
    {
        seen.alternatives
            .retain(|alternative| *alternative != offered);
        seen.alternatives.insert(0, offered);
    }
}

/// Whether every reading of `read` has one character per written cell and
/// the same one in each of `positions` (of the comb) that was written.
fn agree_at(read: &agree::Agreed, written: &[(usize, GrayImage)], positions: &[usize]) -> bool {
    let indices: Vec<usize> = written
        .iter()
        .enumerate()
        .filter(|(_, (position, _))| positions.contains(position))
        .map(|(index, _)| index)
        .collect();
    let readings: Vec<Vec<char>> = read.texts.iter().map(|t| t.chars().collect()).collect();
    readings.iter().all(|r| r.len() == written.len())
        && indices
            .iter()
            .all(|&i| readings.iter().all(|r| r[i] == readings[0][i]))
}

/// Whether a cell's ink is one flat stroke across its middle: a dash.
fn is_dash(inside: &Ink, cell: Rect) -> bool {
    let Some(b) = inside.bounds else {
        return false;
    };
    let middle = b.y + b.h / 2;
    let (top, bottom) = (cell.y + cell.h / 4, cell.y + cell.h * 3 / 4);
    b.w >= DASH_MIN_LENGTH_PX
        && b.h * 2 < b.w
        && middle >= top
        && middle <= bottom
        // A stroke, not a few specks spread out.
        && inside.dark as i32 >= b.w
}

/// The strips a comb is read from: (gap between characters, height the
/// characters are scaled to, segmentation). The first two were the pair
/// that on synthetic hand printing accepted most right values while never
/// agreeing on a wrong one; the third caught a `2` both read as `1` on
/// generated samples, for about one comb in a hundred more to review.
/// (It is not read after two strips that agree at `SURE_COMB`.)
const STRIPS: [(u32, u32, Segmentation); 3] = [
    (6, 24, Segmentation::Line),
    (8, 32, Segmentation::RawLine),
    (10, 40, Segmentation::Line),
];

/// The written cells side by side, scaled alike to `height` pixels and
/// centred on one line, `gap` apart. Tesseract's models read a character
/// far better among others than alone (on hand printing, a lone digit came
/// back empty more often than not).
fn strip(crops: &[&GrayImage], gap: u32, height: u32) -> GrayImage {
    let tallest = crops.iter().map(|c| c.height()).max().unwrap_or(1).max(1);
    // At most doubled, so that a lone dash does not become a bar.
    let scale = (height as f32 / tallest as f32).min(2.0);
    let scaled: Vec<GrayImage> = crops.iter().map(|c| agree::scaled(c, scale)).collect();
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

/// Whether the century sign's cell, read on its own with only century
/// signs allowed, gives `sign` again: the strips read it among digits and
/// with every character of a code allowed.
fn sign_read_alone(written: &[(usize, GrayImage)], sign: char) -> bool {
    let Some((_, crop)) = written.iter().find(|(position, _)| *position == 6) else {
        return false;
    };
    let (gap, height, segmentation) = STRIPS[0];
    let alone = strip(&[crop], gap, height);
    let read = ocr::read(&alone, ocr::FIELD_LANGUAGES, segmentation, CENTURY_SIGNS);
    read.is_ok_and(|read| read.text.trim() == sign.to_string())
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
        FieldType::Country => LETTERS,
        _ => DIGITS,
    }
}

/// What the cell at `position` (0-based) may hold.
fn whitelist(field_type: FieldType, position: usize) -> &'static str {
    match (field_type, position) {
        (FieldType::Hetu, 6) => CENTURY_SIGNS,
        (FieldType::Hetu, 10) => HETU_CHECK,
        (FieldType::Phone, 0) => PHONE_FIRST,
        (FieldType::Phone, _) => PHONE_REST,
        (FieldType::Country, _) => LETTERS,
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
        assert_eq!(whitelist(FieldType::Phone, 1), PHONE_REST);
    }

    /// A date read as `raw` from its written cells `read`, as the comb
    /// has it before the second opinion.
    fn date_read(raw: &str) -> Seen {
        let mut seen = Seen::new(ACCEPT_COMB);
        seen.raw = raw.into();
        seen.doubt(0.95);
        seen
    }

    fn as_date(text: &str) -> Option<String> {
        let cells: Vec<Option<char>> = text.chars().map(Some).collect();
        Some(join(FieldType::Date, &cells))
    }

    #[test]
    fn a_comb_is_accepted_only_when_a_second_reading_agrees() {
        let mut agreed = date_read("29.01.2020");
        confirm(&mut agreed, "29012020", Some("29012020"), as_date);
        assert_eq!(agreed, date_read("29.01.2020"), "nothing changed");

        let mut differing = date_read("21.01.2020");
        differing.alternatives = vec!["27.01.2020".into()];
        confirm(&mut differing, "21012020", Some("29012020"), as_date);
        assert_eq!(differing.problems, [READINGS_DIFFER]);
        assert_eq!(
            differing.alternatives,
            ["29.01.2020", "27.01.2020"],
            "the other reading offered first"
        );
    }

    #[test]
    fn a_second_reading_that_fails_or_does_not_fit_goes_to_review_offering_nothing() {
        let mut failed = date_read("12.09.2020");
        confirm(&mut failed, "12092020", None, as_date);
        assert_eq!(failed.problems, [READINGS_DIFFER]);
        assert!(failed.alternatives.is_empty());

        let mut shorter = date_read("12.09.2020");
        confirm(&mut shorter, "12092020", Some("1292020"), as_date);
        assert_eq!(shorter.problems, [READINGS_DIFFER]);
        assert!(shorter.alternatives.is_empty());

        let mut unfit = date_read("12.09.2020");
        confirm(&mut unfit, "12092020", Some("12042020"), |_| None);
        assert_eq!(unfit.problems, [READINGS_DIFFER]);
        assert!(unfit.alternatives.is_empty());
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
