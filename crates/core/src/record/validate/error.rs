//! Why a field value was refused, as a stable machine code. The sentences
//! shown to people live in `messages.rs`.

use std::fmt;

use crate::i18n::Lang;

/// Why a value was refused. `code()` is a stable snake_case machine code
/// (stored with paper readings and sent to the browser), so never rename one.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum FieldError {
    /// Empty (or only white space).
    Required,
    /// Longer than `max` characters after normalising.
    TooLong {
        max: usize,
    },
    /// Free text contains a control character (other than white space).
    ControlCharacter,

    /// Henkilötunnus: not 11 characters, or digits/check character missing.
    HetuFormat,
    /// Henkilötunnus: the 7th character is not one of the 13 century signs.
    HetuCenturySign {
        sign: char,
    },
    /// Henkilötunnus: DDMMYY with the century is not a calendar date.
    HetuDate,
    /// Henkilötunnus: individual number 000 or 001, never issued.
    HetuIndividualNumber,
    /// Henkilötunnus: the check character does not match.
    HetuCheck,
    /// Henkilötunnus: a temporary code (900-999). `hetu()` accepts these;
    /// callers that must refuse them (the web form) return this.
    HetuTemporary,
    /// Not a henkilötunnus but a valid Swedish personnummer.
    HetuSwedishPersonnummer,

    /// Phone: letters or other characters that are not digits or separators.
    PhoneCharacters,
    /// Phone: neither national (leading 0) nor international (+ or 00), or a
    /// misplaced +.
    PhoneFormat,
    PhoneTooShort,
    PhoneTooLong,

    /// Postal code: not exactly five digits.
    PostalCodeFormat,
    /// Email: not a plausible address.
    EmailFormat,

    /// Date: not day, month and year in a form we read.
    DateFormat,
    /// Date: read, but no such day (31.2.2020).
    DateImpossible,

    /// A choice field got a value outside its options.
    NotAnOption,
    /// The contact consent box was not ticked.
    ConsentMissing,
    /// A required choice with no option chosen.
    ChoiceMissing,

    /// No identity code, and the box "I do not have one" not ticked.
    HetuOrNoHetu,
    /// No Finnish identity code: the date of birth is needed instead.
    BirthDateMissing,
    /// The date of birth is not the one the identity code carries.
    BirthDateMismatch,
    /// Not the ISO 3166-1 alpha-2 code of a country we list.
    CountryUnknown,
    /// "Another language" chosen without saying which.
    OtherLanguageMissing,
}

impl FieldError {
    pub fn code(&self) -> &'static str {
        self.kind().code()
    }

    /// Which rule refused the value, without its details.
    pub fn kind(&self) -> FieldErrorCode {
        match self {
            FieldError::Required => FieldErrorCode::Required,
            FieldError::TooLong { .. } => FieldErrorCode::TooLong,
            FieldError::ControlCharacter => FieldErrorCode::ControlCharacter,
            FieldError::HetuFormat => FieldErrorCode::HetuFormat,
            FieldError::HetuCenturySign { .. } => FieldErrorCode::HetuCenturySign,
            FieldError::HetuDate => FieldErrorCode::HetuDate,
            FieldError::HetuIndividualNumber => FieldErrorCode::HetuIndividualNumber,
            FieldError::HetuCheck => FieldErrorCode::HetuCheck,
            FieldError::HetuTemporary => FieldErrorCode::HetuTemporary,
            FieldError::HetuSwedishPersonnummer => FieldErrorCode::HetuSwedishPersonnummer,
            FieldError::PhoneCharacters => FieldErrorCode::PhoneCharacters,
            FieldError::PhoneFormat => FieldErrorCode::PhoneFormat,
            FieldError::PhoneTooShort => FieldErrorCode::PhoneTooShort,
            FieldError::PhoneTooLong => FieldErrorCode::PhoneTooLong,
            FieldError::PostalCodeFormat => FieldErrorCode::PostalCodeFormat,
            FieldError::EmailFormat => FieldErrorCode::EmailFormat,
            FieldError::DateFormat => FieldErrorCode::DateFormat,
            FieldError::DateImpossible => FieldErrorCode::DateImpossible,
            FieldError::NotAnOption => FieldErrorCode::NotAnOption,
            FieldError::ConsentMissing => FieldErrorCode::ConsentMissing,
            FieldError::ChoiceMissing => FieldErrorCode::ChoiceMissing,
            FieldError::HetuOrNoHetu => FieldErrorCode::HetuOrNoHetu,
            FieldError::BirthDateMissing => FieldErrorCode::BirthDateMissing,
            FieldError::BirthDateMismatch => FieldErrorCode::BirthDateMismatch,
            FieldError::CountryUnknown => FieldErrorCode::CountryUnknown,
            FieldError::OtherLanguageMissing => FieldErrorCode::OtherLanguageMissing,
        }
    }
}

macro_rules! field_error_codes {
    ($($variant:ident => $code:literal,)*) => {
        /// The rule a `FieldError` comes from, without its details: what a
        /// paper reading stores when a rule did not pass (see
        /// `ReviewReason::Invalid`).
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
        pub enum FieldErrorCode {
            $($variant,)*
        }

        impl FieldErrorCode {
            pub const ALL: &'static [FieldErrorCode] = &[$(FieldErrorCode::$variant,)*];

            /// The stable snake_case code, the same as `FieldError::code`.
            pub fn code(self) -> &'static str {
                match self {
                    $(FieldErrorCode::$variant => $code,)*
                }
            }

            /// The code of the review reason this rule gives: `invalid_` and
            /// the rule's code.
            pub fn review_code(self) -> &'static str {
                match self {
                    $(FieldErrorCode::$variant => concat!("invalid_", $code),)*
                }
            }

            pub fn from_code(code: &str) -> Option<FieldErrorCode> {
                Self::ALL.iter().copied().find(|c| c.code() == code)
            }
        }
    };
}

field_error_codes! {
    Required => "required",
    TooLong => "too_long",
    ControlCharacter => "control_character",
    HetuFormat => "hetu_format",
    HetuCenturySign => "hetu_century_sign",
    HetuDate => "hetu_date",
    HetuIndividualNumber => "hetu_individual_number",
    HetuCheck => "hetu_check",
    HetuTemporary => "hetu_temporary",
    HetuSwedishPersonnummer => "hetu_swedish_personnummer",
    PhoneCharacters => "phone_characters",
    PhoneFormat => "phone_format",
    PhoneTooShort => "phone_too_short",
    PhoneTooLong => "phone_too_long",
    PostalCodeFormat => "postal_code_format",
    EmailFormat => "email_format",
    DateFormat => "date_format",
    DateImpossible => "date_impossible",
    NotAnOption => "not_an_option",
    ConsentMissing => "consent_missing",
    ChoiceMissing => "choice_missing",
    HetuOrNoHetu => "hetu_or_no_hetu",
    BirthDateMissing => "birth_date_missing",
    BirthDateMismatch => "birth_date_mismatch",
    CountryUnknown => "country_unknown",
    OtherLanguageMissing => "other_language_missing",
}

impl fmt::Display for FieldError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message(Lang::En))
    }
}

impl std::error::Error for FieldError {}

#[cfg(test)]
pub(super) mod tests {
    use super::*;

    /// One value of every variant. `position` below fails to compile when a
    /// variant is added, and the test then fails until it is listed here.
    pub(in crate::record::validate) fn every_variant() -> Vec<FieldError> {
        vec![
            FieldError::Required,
            FieldError::TooLong { max: 80 },
            FieldError::ControlCharacter,
            FieldError::HetuFormat,
            FieldError::HetuCenturySign { sign: 'G' },
            FieldError::HetuDate,
            FieldError::HetuIndividualNumber,
            FieldError::HetuCheck,
            FieldError::HetuTemporary,
            FieldError::HetuSwedishPersonnummer,
            FieldError::PhoneCharacters,
            FieldError::PhoneFormat,
            FieldError::PhoneTooShort,
            FieldError::PhoneTooLong,
            FieldError::PostalCodeFormat,
            FieldError::EmailFormat,
            FieldError::DateFormat,
            FieldError::DateImpossible,
            FieldError::NotAnOption,
            FieldError::ConsentMissing,
            FieldError::ChoiceMissing,
            FieldError::HetuOrNoHetu,
            FieldError::BirthDateMissing,
            FieldError::BirthDateMismatch,
            FieldError::CountryUnknown,
            FieldError::OtherLanguageMissing,
        ]
    }

    fn position(e: &FieldError) -> usize {
        match e {
            FieldError::Required => 0,
            FieldError::TooLong { .. } => 1,
            FieldError::ControlCharacter => 2,
            FieldError::HetuFormat => 3,
            FieldError::HetuCenturySign { .. } => 4,
            FieldError::HetuDate => 5,
            FieldError::HetuIndividualNumber => 6,
            FieldError::HetuCheck => 7,
            FieldError::HetuTemporary => 8,
            FieldError::HetuSwedishPersonnummer => 9,
            FieldError::PhoneCharacters => 10,
            FieldError::PhoneFormat => 11,
            FieldError::PhoneTooShort => 12,
            FieldError::PhoneTooLong => 13,
            FieldError::PostalCodeFormat => 14,
            FieldError::EmailFormat => 15,
            FieldError::DateFormat => 16,
            FieldError::DateImpossible => 17,
            FieldError::NotAnOption => 18,
            FieldError::ConsentMissing => 19,
            FieldError::ChoiceMissing => 20,
            FieldError::HetuOrNoHetu => 21,
            FieldError::BirthDateMissing => 22,
            FieldError::BirthDateMismatch => 23,
            FieldError::CountryUnknown => 24,
            FieldError::OtherLanguageMissing => 25,
        }
    }
    const VARIANT_COUNT: usize = 26;

    #[test]
    fn every_variant_lists_each_variant_once() {
        let mut seen: Vec<usize> = every_variant().iter().map(position).collect();
        seen.sort_unstable();
        assert_eq!(seen, (0..VARIANT_COUNT).collect::<Vec<_>>());
    }

    #[test]
    fn codes_are_distinct_snake_case() {
        let codes: Vec<&str> = every_variant().iter().map(FieldError::code).collect();
        for code in &codes {
            assert!(!code.is_empty());
            assert!(
                code.chars().all(|c| c.is_ascii_lowercase() || c == '_'),
                "{code} is not snake_case"
            );
            assert_eq!(
                codes.iter().filter(|c| *c == code).count(),
                1,
                "{code} twice"
            );
        }
    }

    #[test]
    fn every_variant_has_its_kind_and_every_kind_a_variant() {
        let kinds: Vec<FieldErrorCode> = every_variant().iter().map(FieldError::kind).collect();
        assert_eq!(kinds, FieldErrorCode::ALL);
        for kind in FieldErrorCode::ALL {
            assert_eq!(FieldErrorCode::from_code(kind.code()), Some(*kind));
            assert_eq!(kind.review_code(), format!("invalid_{}", kind.code()));
        }
    }

    #[test]
    fn codes_named_in_the_brief_are_stable() {
        assert_eq!(FieldError::HetuCheck.code(), "hetu_check");
        assert_eq!(FieldError::Required.code(), "required");
        assert_eq!(FieldError::TooLong { max: 5 }.code(), "too_long");
        assert_eq!(FieldError::NotAnOption.code(), "not_an_option");
        assert_eq!(FieldError::ConsentMissing.code(), "consent_missing");
    }

    #[test]
    fn display_is_the_english_message_and_it_is_an_error() {
        for e in every_variant() {
            assert_eq!(e.to_string(), e.message(Lang::En));
        }
        let boxed: Box<dyn std::error::Error> = Box::new(FieldError::HetuCheck);
        assert!(boxed.to_string().contains("last character"));
    }
}
