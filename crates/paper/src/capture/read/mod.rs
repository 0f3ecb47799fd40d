//! Reading the fields of a registered form page: each field's box found by
//! the layout, emptiness and checkboxes decided by ink alone, writing read
//! by OCR, and every value put through the same validators as the web form.
//! A wrong value must rather be flagged than accepted: anything doubtful
//! leaves here as `needs_review` with a reason a person can act on.

mod agree;
mod choices;
mod comb;
mod diacritics;
mod ink;
mod line;
mod marks;
mod stops;
mod vocabulary;

#[cfg(test)]
mod tests;

use std::collections::BTreeMap;

use crate::capture::RegisteredPage;
use crate::printable::{FieldKind, Layout};
use intake_core::form::{Channel, FieldDef, FieldType, FormDefinition};
use intake_core::record::normalise::normalise_field;
use intake_core::record::validate;
use intake_core::record::{FieldReading, FieldStatus, ReviewReason};

/// Lowest confidence accepted for a comb: the lowest of its three
/// readings, which must agree. Combs hold phone numbers and postal codes,
/// which have no check character, so this is set where synthetic hand
/// printing never had a wrong value accepted (at 0.80 one in 75 was).
pub const ACCEPT_COMB: f32 = 0.85;
/// Lowest confidence accepted for a line of text: its weakest word in the
/// lower of two agreeing readings. Clean print reads at 0.85-0.96. On
/// generated sample forms 0.80 let 4 wrong lines through in 120 forms,
/// 0.90 2 in 200, for some 1.5 in 100 more printed fields to review.
pub const ACCEPT_LINE: f32 = 0.90;
/// Lowest confidence accepted for an email address, which must also pass
/// the email check. Typed addresses read right at 0.6-0.9 (their dots and
/// `@` pull Tesseract's confidence down); on generated samples no wrong
/// address came above 0.45, and wrong ones mostly fail the check.
pub const ACCEPT_EMAIL: f32 = 0.75;
/// Lowest confidence accepted for checkboxes and the signature: a
/// measurement closer than about 0.01 to a threshold is not trusted.
pub const ACCEPT_MARK: f32 = 0.75;

// Reasons for review, stored with the reading as codes for the mailroom.
pub const LOW_CONFIDENCE: ReviewReason = ReviewReason::LowConfidence;
pub const REQUIRED_BUT_EMPTY: ReviewReason = ReviewReason::RequiredButEmpty;
pub const TEMPORARY_HETU: ReviewReason = ReviewReason::TemporaryHetu;
pub const SEVERAL_TICKED: ReviewReason = ReviewReason::SeveralTicked;
pub const HEAVY_BOX: ReviewReason = ReviewReason::HeavyBox;
pub const CANCELLED_ONLY: ReviewReason = ReviewReason::CancelledOnly;
pub const UNREADABLE: ReviewReason = ReviewReason::Unreadable;
pub const NOT_ONE_PER_BOX: ReviewReason = ReviewReason::NotOnePerBox;
pub const OUT_OF_PLACE: ReviewReason = ReviewReason::OutOfPlace;
pub const UNCLEAR_SIGN: ReviewReason = ReviewReason::UnclearSign;
pub const RING_OR_DOTS: ReviewReason = ReviewReason::RingOrDots;
pub const LETTERS_OR_DIGITS: ReviewReason = ReviewReason::LettersOrDigits;
pub const CLOSE_RUNNER_UP: ReviewReason = ReviewReason::CloseRunnerUp;
pub const UNLISTED_UNCONFIRMED: ReviewReason = ReviewReason::UnlistedUnconfirmed;
pub const NEAR_LISTED_WORD: ReviewReason = ReviewReason::NearListedWord;
pub const READINGS_DIFFER: ReviewReason = ReviewReason::ReadingsDiffer;

/// Reads every field the layout puts on this page (`page.qr.page`), keyed
/// by field id. Fields of the layout missing from the definition are
/// skipped: the two are made from the same file, so that is a caller's bug.
pub fn read_fields(
    page: &RegisteredPage,
    layout: &Layout,
    form: &FormDefinition,
) -> BTreeMap<String, FieldReading> {
    let sheet = ink::Sheet::new(&page.image);
    let sheet = &sheet;
    layout
        .fields_on(page.qr.page)
        .filter_map(|placed| {
            let Some(field) = form.field(&placed.id) else {
                tracing::warn!(field = %placed.id, form = %form.id(), "layout field missing from the definition");
                return None;
            };
            let seen = match placed.kind {
                FieldKind::Comb => comb::read(sheet, field, placed),
                FieldKind::Line => line::read(sheet, field, placed),
                FieldKind::Choice => marks::read_choice(sheet, placed),
                FieldKind::Signature => marks::read_signature(sheet, placed),
            };
            Some((placed.id.clone(), judge(field, seen)))
        })
        .collect()
}

/// What was seen in a field's boxes, before validation.
#[derive(Debug, Clone, PartialEq)]
struct Seen {
    /// The text read; empty when the field was left empty.
    raw: String,
    /// The least certain part of the reading, 0 to 1.
    confidence: f32,
    /// Below this confidence the field goes to review.
    threshold: f32,
    /// Reasons for review found while reading, before validation.
    problems: Vec<ReviewReason>,
    /// Other readings of the writing, most likely first.
    alternatives: Vec<String>,
}

impl Seen {
    fn new(threshold: f32) -> Seen {
        Seen {
            raw: String::new(),
            confidence: 1.0,
            threshold,
            problems: Vec::new(),
            alternatives: Vec::new(),
        }
    }

    fn doubt(&mut self, confidence: f32) {
        self.confidence = self.confidence.min(confidence);
    }

    fn problem(&mut self, problem: ReviewReason) {
        if !self.problems.contains(&problem) {
            self.problems.push(problem);
        }
    }
}

/// Validates what was seen and decides whether it can be accepted.
fn judge(field: &FieldDef, seen: Seen) -> FieldReading {
    let mut reasons: Vec<ReviewReason> = seen.problems.clone();
    if seen.confidence < seen.threshold {
        reasons.push(LOW_CONFIDENCE);
    }
    let value = match normalise_field(field, Channel::Paper, &seen.raw) {
        Ok(value) => {
            if field.field_type == FieldType::Hetu
                && validate::hetu(&seen.raw).is_ok_and(|h| h.temporary)
            {
                reasons.push(TEMPORARY_HETU);
            }
            value
        }
        // Whichever error the validators give an empty required field
        // (required, consent missing, no choice), the reviewer's task is
        // the same.
        Err(_) if seen.raw.trim().is_empty() => {
            reasons.push(REQUIRED_BUT_EMPTY);
            None
        }
        // A problem seen while reading (an unreadable character, two
        // ticks) already explains why the text does not validate.
        Err(_) if !seen.problems.is_empty() => None,
        Err(error) => {
            reasons.push(ReviewReason::from(&error));
            None
        }
    };
    // A value read with doubt is kept for the reviewer to confirm; a value
    // that failed validation is not a value.
    let status = if reasons.is_empty() {
        FieldStatus::Accepted
    } else {
        FieldStatus::NeedsReview
    };
    FieldReading {
        value,
        status,
        raw: (!seen.raw.is_empty()).then_some(seen.raw),
        confidence: Some(seen.confidence),
        reasons,
        candidates: Vec::new(),
        corrected_by: None,
        alternatives: seen.alternatives,
    }
}
