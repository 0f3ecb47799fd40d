//! Why a field needs review: a closed list, stored with each reading as a
//! JSON array of stable codes and said in each language from the core's
//! locales (`[review]`).

use serde::{Deserialize, Deserializer, Serialize, Serializer};

use super::validate::{FieldError, FieldErrorCode};
use crate::i18n::Lang;
use crate::locale::core_texts;

/// Why a field needs review. `code()` is stored, so never rename one.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ReviewReason {
    /// the recogniser's confidence was below the threshold
    LowConfidence,
    /// a required field was left empty
    RequiredButEmpty,
    /// a temporary identity code (900-999)
    TemporaryHetu,
    /// more than one option ticked
    SeveralTicked,
    /// a box heavily filled: chosen or cancelled?
    HeavyBox,
    /// a choice cancelled and no other ticked
    CancelledOnly,
    /// the writing could not be read
    Unreadable,
    /// not one character per comb box
    NotOnePerBox,
    /// a character that cannot stand in its box
    OutOfPlace,
    /// the henkilötunnus century sign is unclear
    UnclearSign,
    /// Å, Ä or Ö: the marks above the letters do not match the reading
    RingOrDots,
    /// a number may have been read as letters
    LettersOrDigits,
    /// a character's second reading came close to its first
    CloseRunnerUp,
    /// the page with the field has not arrived
    MissingPage,
    /// paper: a date after the day the paper was received
    DateInFuture,
    /// paper: a date before 1900
    DateBefore1900,
    /// paper: the signature date is after the day the paper was received
    SignedAfterReceived,
    /// the postal code belongs to another post office than the one written
    PostalMismatch,
    /// there is no such postal code
    PostalCodeUnknown,
    /// handwriting: a word in no word list that a second, different
    /// reading did not confirm
    UnlistedUnconfirmed,
    /// handwriting: a word in no word list one letter from one that is
    NearListedWord,
    /// handwriting: the characters of a comb read a second, different way
    /// came out otherwise
    ReadingsDiffer,
    /// A rule of the web form did not pass (`invalid_` and the rule's code).
    Invalid(FieldErrorCode),
    /// A reason stored before reasons were codes that matched none of them;
    /// its words are not kept.
    Other,
}

impl ReviewReason {
    /// Every reason, each rule's included.
    pub const ALL: [ReviewReason; 49] = [
        ReviewReason::LowConfidence,
        ReviewReason::RequiredButEmpty,
        ReviewReason::TemporaryHetu,
        ReviewReason::SeveralTicked,
        ReviewReason::HeavyBox,
        ReviewReason::CancelledOnly,
        ReviewReason::Unreadable,
        ReviewReason::NotOnePerBox,
        ReviewReason::OutOfPlace,
        ReviewReason::UnclearSign,
        ReviewReason::RingOrDots,
        ReviewReason::LettersOrDigits,
        ReviewReason::CloseRunnerUp,
        ReviewReason::MissingPage,
        ReviewReason::DateInFuture,
        ReviewReason::DateBefore1900,
        ReviewReason::SignedAfterReceived,
        ReviewReason::PostalMismatch,
        ReviewReason::PostalCodeUnknown,
        ReviewReason::UnlistedUnconfirmed,
        ReviewReason::NearListedWord,
        ReviewReason::ReadingsDiffer,
        ReviewReason::Invalid(FieldErrorCode::Required),
        ReviewReason::Invalid(FieldErrorCode::TooLong),
        ReviewReason::Invalid(FieldErrorCode::ControlCharacter),
        ReviewReason::Invalid(FieldErrorCode::HetuFormat),
        ReviewReason::Invalid(FieldErrorCode::HetuCenturySign),
        ReviewReason::Invalid(FieldErrorCode::HetuDate),
        ReviewReason::Invalid(FieldErrorCode::HetuIndividualNumber),
        ReviewReason::Invalid(FieldErrorCode::HetuCheck),
        ReviewReason::Invalid(FieldErrorCode::HetuTemporary),
        ReviewReason::Invalid(FieldErrorCode::HetuSwedishPersonnummer),
        ReviewReason::Invalid(FieldErrorCode::PhoneCharacters),
        ReviewReason::Invalid(FieldErrorCode::PhoneFormat),
        ReviewReason::Invalid(FieldErrorCode::PhoneTooShort),
        ReviewReason::Invalid(FieldErrorCode::PhoneTooLong),
        ReviewReason::Invalid(FieldErrorCode::PostalCodeFormat),
        ReviewReason::Invalid(FieldErrorCode::EmailFormat),
        ReviewReason::Invalid(FieldErrorCode::DateFormat),
        ReviewReason::Invalid(FieldErrorCode::DateImpossible),
        ReviewReason::Invalid(FieldErrorCode::NotAnOption),
        ReviewReason::Invalid(FieldErrorCode::ConsentMissing),
        ReviewReason::Invalid(FieldErrorCode::ChoiceMissing),
        ReviewReason::Invalid(FieldErrorCode::HetuOrNoHetu),
        ReviewReason::Invalid(FieldErrorCode::BirthDateMissing),
        ReviewReason::Invalid(FieldErrorCode::BirthDateMismatch),
        ReviewReason::Invalid(FieldErrorCode::CountryUnknown),
        ReviewReason::Invalid(FieldErrorCode::OtherLanguageMissing),
        ReviewReason::Other,
    ];

    pub fn code(self) -> &'static str {
        match self {
            ReviewReason::LowConfidence => "low_confidence",
            ReviewReason::RequiredButEmpty => "required_but_empty",
            ReviewReason::TemporaryHetu => "temporary_hetu",
            ReviewReason::SeveralTicked => "several_ticked",
            ReviewReason::HeavyBox => "heavy_box",
            ReviewReason::CancelledOnly => "cancelled_only",
            ReviewReason::Unreadable => "unreadable",
            ReviewReason::NotOnePerBox => "not_one_per_box",
            ReviewReason::OutOfPlace => "out_of_place",
            ReviewReason::UnclearSign => "unclear_sign",
            ReviewReason::RingOrDots => "ring_or_dots",
            ReviewReason::LettersOrDigits => "letters_or_digits",
            ReviewReason::CloseRunnerUp => "close_runner_up",
            ReviewReason::MissingPage => "missing_page",
            ReviewReason::DateInFuture => "date_in_future",
            ReviewReason::DateBefore1900 => "date_before_1900",
            ReviewReason::SignedAfterReceived => "signed_after_received",
            ReviewReason::PostalMismatch => "postal_mismatch",
            ReviewReason::PostalCodeUnknown => "postal_code_unknown",
            ReviewReason::UnlistedUnconfirmed => "unlisted_unconfirmed",
            ReviewReason::NearListedWord => "near_listed_word",
            ReviewReason::ReadingsDiffer => "readings_differ",
            ReviewReason::Invalid(rule) => rule.review_code(),
            ReviewReason::Other => "other",
        }
    }

    pub fn from_code(code: &str) -> Option<ReviewReason> {
        Self::ALL.into_iter().find(|r| r.code() == code)
    }

    /// The reason as the staff read it, in `lang`. For a rule, the short
    /// name of the rule: the verification station says the rule's whole
    /// message instead when asking the validator again gives it.
    pub fn text(self, lang: Lang) -> &'static str {
        core_texts(lang).review.get(self.code())
    }
}

impl From<&FieldError> for ReviewReason {
    fn from(error: &FieldError) -> ReviewReason {
        ReviewReason::Invalid(error.kind())
    }
}

impl Serialize for ReviewReason {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(self.code())
    }
}

/// A code this program does not know (written by a newer one) reads as
/// `Other` rather than making the whole record unreadable.
impl<'de> Deserialize<'de> for ReviewReason {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let code = String::deserialize(deserializer)?;
        Ok(ReviewReason::from_code(&code).unwrap_or(ReviewReason::Other))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_are_distinct_snake_case_and_read_back() {
        for reason in ReviewReason::ALL {
            let code = reason.code();
            assert!(
                code.starts_with(|c: char| c.is_ascii_lowercase())
                    && code
                        .chars()
                        .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_'),
                "{code}"
            );
            assert_eq!(ReviewReason::from_code(code), Some(reason));
            assert_eq!(
                ReviewReason::ALL
                    .iter()
                    .filter(|r| r.code() == code)
                    .count(),
                1
            );
        }
        assert_eq!(
            ReviewReason::ALL.len(),
            23 + FieldErrorCode::ALL.len(),
            "every rule is a reason"
        );
    }

    #[test]
    fn codes_are_stable() {
        assert_eq!(ReviewReason::LowConfidence.code(), "low_confidence");
        assert_eq!(ReviewReason::MissingPage.code(), "missing_page");
        assert_eq!(ReviewReason::DateInFuture.code(), "date_in_future");
        assert_eq!(ReviewReason::DateBefore1900.code(), "date_before_1900");
        assert_eq!(
            ReviewReason::SignedAfterReceived.code(),
            "signed_after_received"
        );
        assert_eq!(ReviewReason::PostalMismatch.code(), "postal_mismatch");
        assert_eq!(
            ReviewReason::PostalCodeUnknown.code(),
            "postal_code_unknown"
        );
        assert_eq!(
            ReviewReason::Invalid(FieldErrorCode::HetuCheck).code(),
            "invalid_hetu_check"
        );
    }

    #[test]
    fn every_reason_is_said_in_every_language() {
        for reason in ReviewReason::ALL {
            let [sv, fi, en] = Lang::ALL.map(|lang| reason.text(lang));
            for text in [sv, fi, en] {
                assert!(!text.trim().is_empty(), "{}", reason.code());
            }
            assert_ne!(sv, en, "{}", reason.code());
        }
    }

    #[test]
    fn stored_as_a_json_array_of_codes() {
        let reasons = vec![
            ReviewReason::LowConfidence,
            ReviewReason::from(&FieldError::TooLong { max: 3 }),
        ];
        let json = serde_json::to_string(&reasons).unwrap();
        assert_eq!(json, r#"["low_confidence","invalid_too_long"]"#);
        let back: Vec<ReviewReason> =
            serde_json::from_str(r#"["low_confidence","invalid_too_long","from_the_future"]"#)
                .unwrap();
        assert_eq!(
            back,
            [
                ReviewReason::LowConfidence,
                ReviewReason::Invalid(FieldErrorCode::TooLong),
                ReviewReason::Other
            ]
        );
    }
}
