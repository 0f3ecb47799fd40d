//! Field validators and normalisers for the job-search start form.
//! Pure functions: raw text in (as typed on the web or read from paper),
//! a normalised value or a `FieldError` that can tell the person what to fix.
//!
//! Every validator trims outer white space and answers `Err(FieldError::Required)`
//! for empty input, so callers decide whether an empty optional field is absent.

mod choice;
mod date;
mod email;
mod error;
mod hetu;
mod messages;
mod personnummer;
mod phone;
mod postal_code;
mod text;

pub use choice::{choice, consent};
pub use date::{date, date_on};
pub use email::{EMAIL_MAX_CHARS, email};
pub use error::{FieldError, FieldErrorCode};
pub use hetu::{Hetu, hetu};
pub use phone::phone;
pub use postal_code::postal_code;
pub use text::{fold_for_compare, text};

/// Dashes that word processors, phone keyboards and OCR put where a plain
/// hyphen-minus was meant.
fn is_dash(c: char) -> bool {
    matches!(c, '-' | '\u{2010}'..='\u{2015}' | '\u{2212}')
}
