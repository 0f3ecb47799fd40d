//! Free writing boxes (names, address, email, occupation): read as one line
//! of text, two ways, with a whitelist chosen by what the field holds, so that
//! OCR cannot wander into symbols nobody writes there.

use image::GrayImage;

use crate::capture::ocr::{self, Segmentation};
use crate::printable::FieldBox;
use intake_core::form::{FieldDef, FieldType};

use super::ink::{CLEAR_OF_LINES_PX, Holds, Rect, Sheet};
use super::{
    ACCEPT_EMAIL, ACCEPT_LINE, LETTERS_OR_DIGITS, RING_OR_DOTS, Seen, UNREADABLE, agree,
    diacritics, stops, vocabulary,
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
/// A first reading at this confidence or more is taken without the
/// second: 0.96 is the most Tesseract gives a line crop. On two generated
/// sets of 140 forms each, of 405 lines (68 handwritten) first read at
/// 0.96 none was wrong; the second reading differed once, wrongly.
const SURE_LINE: f32 = 0.96;
/// Two readings that agree at this confidence or more, under the line's
/// threshold, are read a third way, and accepted if that agrees too. On
/// generated samples, of 62 lines from 0.80 to 0.90 that the third
/// reading confirmed, 60 were right; below 0.80 one in three was wrong.
const CONFIRM_LINE_FROM: f32 = 0.80;

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
    let Some(crop) = sheet.writing_crop(frame.shrink(OCR_INSET_PX), Holds::Line) else {
        seen.doubt(FAINT_LINE);
        return seen;
    };
    let languages = if field.field_type == FieldType::Email {
        ocr::EMAIL_LANGUAGES
    } else {
        ocr::FIELD_LANGUAGES
    };
    let smaller = agree::scaled(&crop, SECOND_SCALE);
    let same = if field.field_type == FieldType::Email {
        same_address
    } else {
        same_line
    };
    // Below `CONFIRM_LINE_FROM` nothing vouches for a line, so a first
    // reading that low is not read again. An email address can be vouched
    // for at any confidence (by its full stops), and Tesseract is never
    // sure of one: it is read both ways.
    let enough = if field.field_type == FieldType::Email {
        agree::Enough::EVERY_WAY
    } else {
        agree::Enough {
            doubted_below: CONFIRM_LINE_FROM.min(seen.threshold),
            sure_after: 1,
            sure_from: SURE_LINE,
        }
    };
    let read = agree::read_agreed(
        &[(&crop, Segmentation::Line), (&smaller, Segmentation::Line)],
        languages,
        &whitelist(field),
        same,
        enough,
    );
    match read {
        Ok(read) => {
            seen.doubt(read.confidence);
            if vouched_for(field, &read, &crop, languages, seen.threshold) {
                seen.confidence = seen.threshold;
            }
            seen.raw = read.text.clone();
            if seen.raw.is_empty() {
                seen.doubt(0.0);
                seen.problem(UNREADABLE);
            } else if whitelist(field).contains('0')
                && field.field_type != FieldType::Email
                && seen.raw.split(' ').any(may_be_a_number)
            {
                seen.problem(LETTERS_OR_DIGITS);
            }
            // Every line: a reading can also drop a letter's marks.
            match diacritics::as_marked(&crop, &seen.raw) {
                Some(text) => seen.raw = text,
                None => seen.problem(RING_OR_DOTS),
            }
            let line = vocabulary::LineReading {
                field,
                read: &read,
                crop: &crop,
                smaller: &smaller,
                languages,
                whitelist: &whitelist(field),
                same,
            };
            vocabulary::check(&line, &mut seen);
        }
        Err(error) => {
            tracing::warn!(field = %field.id, %error, "OCR failed on a line");
            seen.doubt(0.0);
            seen.problem(UNREADABLE);
        }
    }
    seen
}

/// Whether readings that agree, but on which Tesseract put less confidence
/// than `threshold`, are vouched for another way. An email address (whose
/// `@` and dots Tesseract is unsure of even in clean print) by its full
/// stops: as many on the ink's baseline as in the text; the address must
/// still pass the email check. Another line by a third reading that
/// fails differently (`RawLine`), if Tesseract was nearly sure.
fn vouched_for(
    field: &FieldDef,
    read: &agree::Agreed,
    crop: &GrayImage,
    languages: &'static str,
    threshold: f32,
) -> bool {
    if !read.unanimous || read.text.is_empty() || read.confidence >= threshold {
        return false;
    }
    if field.field_type == FieldType::Email {
        return stops::full_stops(crop) == Some(read.text.matches('.').count());
    }
    read.confidence >= CONFIRM_LINE_FROM
        && agree::confirmed(
            read,
            (crop, Segmentation::RawLine),
            languages,
            &whitelist(field),
            same_line,
        )
        .unwrap_or(false)
}

/// Readings of a line compare with their white space collapsed, and Å
/// taken as Ä: Tesseract tells the two apart poorly, and the ink decides
/// between them (`diacritics::as_marked`).
fn same_line(text: &str) -> String {
    text.split_whitespace()
        .collect::<Vec<_>>()
        .join(" ")
        .replace('Å', "Ä")
        .replace('å', "ä")
}

/// Email addresses compare without regard to case, as they are stored.
fn same_address(text: &str) -> String {
    same_line(text).to_lowercase()
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
