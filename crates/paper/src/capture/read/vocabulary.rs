//! Handwriting against word lists (`intake_core::words`). On hands it was
//! not tuned on, Tesseract reads a letter wrong at 0.93-0.99 confidence,
//! with no runner-up, and the readings of the same crop agree on it
//! (`JAKOBSTAD` as `TAKOBSTAD`, `KORHONEN` as `KOKHONEN`). A line whose
//! words are names, places or words is kept on one reading as before; one
//! whose words are in no list is accepted only when a reading made a
//! different way agrees, and a name or post office never when a listed one
//! is one letter away.

use image::GrayImage;
use imageproc::contrast::{ThresholdType, otsu_level, threshold};

use crate::capture::ocr::{self, Segmentation};
use intake_core::form::FieldDef;
use intake_core::words::Vocabulary;

use super::{NEAR_LISTED_WORD, Seen, UNLISTED_UNCONFIRMED, agree};

/// At most this many listed words are offered for one misread word.
const MOST_NEIGHBOURS: usize = 3;
/// A line whose every word is listed, read below its threshold but at
/// this confidence or more, is accepted when the other two ways of
/// reading it give the same text: the lists and three readings that fail
/// differently together vouch for it.
const LISTED_FROM: f32 = 0.5;

/// How a line's reading is checked against its field's vocabulary.
pub(super) struct LineReading<'a> {
    pub field: &'a FieldDef,
    pub read: &'a agree::Agreed,
    pub crop: &'a GrayImage,
    /// The crop as the second way reads it (`line::SECOND_SCALE`).
    pub smaller: &'a GrayImage,
    pub languages: &'static str,
    pub whitelist: &'a str,
    /// How readings are compared (`line::same_line`).
    pub same: fn(&str) -> String,
}

/// Sends `seen` to review when its words are in none of the field's
/// lists and either (names and post offices) a listed one is one letter
/// from one of them, or a
/// reading of the ink made another way (binarised, and without
/// Tesseract's line finding) gives another text. Only a reading that
/// would otherwise be accepted costs that extra reading.
pub(super) fn check(line: &LineReading, seen: &mut Seen) {
    let Some(vocabulary) = Vocabulary::of(line.field) else {
        return;
    };
    if seen.raw.is_empty() || !seen.problems.is_empty() {
        return;
    }
    if vocabulary.lists(&seen.raw) {
        if seen.confidence < seen.threshold
            && seen.confidence >= LISTED_FROM
            && agreed_every_way(line)
        {
            seen.confidence = seen.threshold;
        }
        return;
    }
    let unlisted = if vocabulary.is_closed() {
        vocabulary.unlisted(&seen.raw)
    } else {
        Vec::new()
    };
    let mut alternatives: Vec<String> = Vec::new();
    for word in &unlisted {
        for neighbour in vocabulary.neighbours(word, MOST_NEIGHBOURS) {
            let text = seen.raw.replacen(word.as_str(), &neighbour, 1);
            if !alternatives.contains(&text) {
                alternatives.push(text);
            }
        }
    }
    if !alternatives.is_empty() {
        seen.problem(NEAR_LISTED_WORD);
        alternatives.truncate(MOST_NEIGHBOURS);
        seen.alternatives = alternatives;
        return;
    }
    if seen.confidence < seen.threshold {
        return;
    }
    match other_reading(line) {
        Ok(other) if other == line.read.text => {}
        Ok(other) => {
            seen.problem(UNLISTED_UNCONFIRMED);
            if !other.is_empty() {
                seen.alternatives = vec![other];
            }
        }
        Err(error) => {
            tracing::warn!(field = %line.field.id, %error, "OCR failed on a line's second reading");
            seen.problem(UNLISTED_UNCONFIRMED);
        }
    }
}

/// Whether the readings made so far gave one text, and the line read at
/// its smaller scale (if that was not read) and the other way
/// ([`other_reading`]) gives the same text again.
fn agreed_every_way(line: &LineReading) -> bool {
    // Not `unanimous`: that is false too when a doubtful first reading
    // stopped the others.
    if line.read.texts.iter().any(|text| *text != line.read.text) {
        return false;
    }
    if line.read.texts.len() < 2 {
        let smaller = ocr::read(
            line.smaller,
            line.languages,
            Segmentation::Line,
            line.whitelist,
        );
        if !smaller.is_ok_and(|read| (line.same)(&read.text) == line.read.text) {
            return false;
        }
    }
    other_reading(line).is_ok_and(|other| other == line.read.text)
}

/// The line read a way none of its other readings was: the crop made
/// black and white at its own Otsu level, read as one raw line (`PSM 13`).
fn other_reading(line: &LineReading) -> Result<String, ocr::OcrError> {
    let binarised = threshold(line.crop, otsu_level(line.crop), ThresholdType::Binary);
    let read = ocr::read(
        &binarised,
        line.languages,
        Segmentation::RawLine,
        line.whitelist,
    )?;
    Ok((line.same)(&read.text))
}
