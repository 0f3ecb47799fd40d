//! Free writing boxes (names, address, email, occupation): read as one line
//! of text, two ways, with a whitelist chosen by what the field holds, so that
//! OCR cannot wander into symbols nobody writes there.

use image::GrayImage;

use crate::capture::ocr::{self, Segmentation};
use crate::form::{FieldDef, FieldType};
use crate::paper::FieldBox;

use super::ink::{CLEAR_OF_LINES_PX, Rect, Sheet};
use super::{
    ACCEPT_EMAIL, ACCEPT_LINE, LETTERS_OR_DIGITS, RING_OR_DOTS, Seen, UNREADABLE, agree, diacritics,
};

const LETTERS: &str = "ABCDEFGHIJKLMNOPQRSTUVWXYZÅÄÖÉÜabcdefghijklmnopqrstuvwxyzåäöéü";
const DIGITS: &str = "0123456789";

/// Writing in a line box: more than a short dash's worth of ink.
const MIN_DARK: u32 = 40;
const MIN_EXTENT_PX: i32 = 12;
/// Dust: a line box is large, so a few specks are expected.
const NOISE_DARK: u32 = 15;
const FAINT_LINE: f32 = 0.5;
/// As for comb cells: close to the printed line, so tall letters stay whole.
const OCR_INSET_PX: i32 = 3;
/// The second reading is of the line at this scale: capitals some 25 px
/// tall rather than 36, which Tesseract gets wrong in other places. (Of
/// 0.55, 0.7 and 1.4, 0.7 let fewest wrong lines through on the samples.)
const SECOND_SCALE: f32 = 0.7;

pub(super) fn read(sheet: &Sheet, field: &FieldDef, placed: &FieldBox) -> Seen {
    let frame = Rect::from_mm(placed.box_mm);
    let frame = frame.offset(sheet.snap(&[frame]));
    let mut seen = Seen::new(if field.field_type == FieldType::Email {
        ACCEPT_EMAIL
    } else {
        ACCEPT_LINE
    });
    let inside = sheet.measure(frame.shrink(CLEAR_OF_LINES_PX));
    if !inside.is_writing(MIN_DARK, MIN_EXTENT_PX) {
        if inside.dark > NOISE_DARK {
            seen.doubt(FAINT_LINE);
        }
        return seen;
    }
    let Some(crop) = sheet.writing_crop(frame.shrink(OCR_INSET_PX)) else {
        seen.doubt(FAINT_LINE);
        return seen;
    };
    let languages = if field.field_type == FieldType::Email {
        ocr::EMAIL_LANGUAGES
    } else {
        ocr::FIELD_LANGUAGES
    };
    let smaller = agree::scaled(&crop, SECOND_SCALE);
    let read = agree::read_agreed(
        &[(&crop, Segmentation::Line), (&smaller, Segmentation::Line)],
        languages,
        &whitelist(field),
        |text| text.split_whitespace().collect::<Vec<_>>().join(" "),
    );
    match read {
        Ok(read) => {
            seen.doubt(read.confidence);
            seen.raw = read.text;
            if seen.raw.is_empty() {
                seen.doubt(0.0);
                seen.problem(UNREADABLE);
            } else if whitelist(field).contains('0')
                && field.field_type != FieldType::Email
                && seen.raw.split(' ').any(may_be_a_number)
            {
                seen.problem(LETTERS_OR_DIGITS);
            }
            if diacritics::has_checked_letter(&seen.raw)
                && !rings_and_dots_agree(&crop, languages, &whitelist(field), &seen.raw)
            {
                seen.problem(RING_OR_DOTS);
            }
        }
        Err(error) => {
            tracing::warn!(field = %field.id, %error, "OCR failed on a line");
            seen.doubt(0.0);
            seen.problem(UNREADABLE);
        }
    }
    seen
}

/// Whether each Å and Ä (å, ä) of `text`, read again with where each
/// character stands, has the marks above it that it should.
fn rings_and_dots_agree(
    crop: &GrayImage,
    languages: &'static str,
    allowed: &str,
    text: &str,
) -> bool {
    match ocr::read_symbols(crop, languages, allowed) {
        Ok((read, symbols)) => {
            let same: String = read.text.split_whitespace().collect::<Vec<_>>().join(" ");
            same == text && diacritics::marks_agree(crop, &symbols)
        }
        Err(_) => false,
    }
}

/// Names and the post office hold letters; email its own symbols; street
/// addresses and free text also digits and common punctuation. Told apart
/// by the definition's autocomplete hint, which says what a field holds.
fn whitelist(field: &FieldDef) -> String {
    let name_like = matches!(
        field.autocomplete.as_deref(),
        Some("family-name" | "given-name" | "name" | "address-level2")
    );
    match field.field_type {
        FieldType::Email => format!("{LETTERS}{DIGITS}@._-+"),
        _ if name_like => format!("{LETTERS} -'."),
        _ => format!("{LETTERS}{DIGITS} -'.,/()&"),
    }
}

/// Where letters and digits mix (a street address), Tesseract can read a
/// handwritten house number as the letters it resembles, both times and
/// confidently: `54` as `SU`, `50` as `SO`. A word of two or more letters
/// that are all such look-alikes is more likely such a number than a word.
fn may_be_a_number(word: &str) -> bool {
    const LOOK_ALIKES: &str = "OQDIL|ZSGBTUY";
    word.chars().count() >= 2 && word.chars().all(|c| LOOK_ALIKES.contains(c))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn house_numbers_read_as_letters_are_suspected() {
        for word in ["SO", "UO", "SS", "SU", "IZ"] {
            assert!(may_be_a_number(word), "{word}");
        }
        for word in ["B", "12", "12B", "AS", "TIE", "STORGATAN"] {
            assert!(!may_be_a_number(word), "{word}");
        }
    }
}
