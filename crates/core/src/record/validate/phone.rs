//! Phone numbers to E.164 (`+358401234567`): the caseworker's dialler needs one
//! spelling, and duplicates are found by comparing it.

use super::{FieldError, is_dash};

const FINLAND: &str = "358";

/// Normalises a Finnish or foreign phone number to E.164.
pub fn phone(input: &str) -> Result<String, FieldError> {
    let trimmed = input.trim();
    if trimmed.is_empty() {
        return Err(FieldError::Required);
    }
    let is_separator = |c: char| c.is_whitespace() || is_dash(c) || matches!(c, '.' | '(' | ')');
    // Letters first: `040 123 4567 ext 5` is not a number we can dial.
    if !trimmed
        .chars()
        .all(|c| c.is_ascii_digit() || c == '+' || is_separator(c))
    {
        return Err(FieldError::PhoneCharacters);
    }
    let significant: String = trimmed.chars().filter(|&c| !is_separator(c)).collect();
    let (plus, digits) = match significant.strip_prefix('+') {
        Some(rest) => (true, rest),
        None => (false, significant.as_str()),
    };
    if digits.contains('+') {
        return Err(FieldError::PhoneFormat);
    }
    if digits.is_empty() {
        return Err(FieldError::PhoneTooShort);
    }
    let international = if plus {
        digits.to_owned()
    } else if let Some(rest) = digits.strip_prefix("00") {
        rest.to_owned()
    } else if let Some(rest) = digits.strip_prefix('0') {
        format!("{FINLAND}{rest}")
    } else {
        // `401234567` or `358401234567`: guessing which one was meant would
        // give the caseworker a wrong number.
        return Err(FieldError::PhoneFormat);
    };
    if international.is_empty() {
        return Err(FieldError::PhoneTooShort);
    }
    if international.starts_with('0') {
        return Err(FieldError::PhoneFormat); // no country code starts with 0
    }
    let international = match international.strip_prefix(FINLAND) {
        Some(national) => {
            // `+358 (0)40 ...`: the trunk zero is not dialled from abroad.
            let national = national.strip_prefix('0').unwrap_or(national);
            if national.len() < 7 {
                return Err(FieldError::PhoneTooShort);
            }
            if national.len() > 12 {
                return Err(FieldError::PhoneTooLong);
            }
            format!("{FINLAND}{national}")
        }
        None => international,
    };
    match international.len() {
        ..8 => Err(FieldError::PhoneTooShort),
        16.. => Err(FieldError::PhoneTooLong),
        _ => Ok(format!("+{international}")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::record::validate::hetu::tests::refuses_each;

    #[test]
    fn finnish_spellings_all_normalise_to_e164() {
        for spelling in [
            "040 123 4567",
            "040-1234567",
            "+358 40 123 4567",
            "00358401234567",
            "(040) 123 4567",
            "0401234567",
            "040.123.4567",
            "+358 (0)40 123 4567",
            "+358 040 123 4567",
            "00358 040 1234567",
            "  040 123 4567 ",
            "040\u{2013}123\u{a0}4567",
        ] {
            assert_eq!(
                phone(spelling).as_deref(),
                Ok("+358401234567"),
                "{spelling}"
            );
        }
    }

    #[test]
    fn landlines_and_050_numbers() {
        assert_eq!(phone("09 123 4567").as_deref(), Ok("+35891234567"));
        assert_eq!(phone("050 123 4567").as_deref(), Ok("+358501234567"));
        assert_eq!(phone("(09) 876 543").as_deref(), Ok("+3589876543"));
    }

    #[test]
    fn foreign_numbers_keep_their_country_code() {
        assert_eq!(phone("+46 70 123 45 67").as_deref(), Ok("+46701234567"));
        assert_eq!(phone("0046 70 123 45 67").as_deref(), Ok("+46701234567"));
        assert_eq!(phone("+372 5123 4567").as_deref(), Ok("+37251234567"));
        assert_eq!(phone("+1 (212) 555-0100").as_deref(), Ok("+12125550100"));
    }

    #[test]
    fn empty_is_required() {
        refuses_each(phone, FieldError::Required, &["", " \t "]);
    }

    #[test]
    fn letters_and_other_characters_are_refused() {
        refuses_each(
            phone,
            FieldError::PhoneCharacters,
            &[
                "040 123 456O",
                "040 123 4567 ext 5",
                "puh. 040 1234567",
                "040/1234567",
                "040*1234567",
                "040 123 4567 #",
            ],
        );
    }

    #[test]
    fn misplaced_plus_or_missing_prefix_is_a_format_error() {
        refuses_each(
            phone,
            FieldError::PhoneFormat,
            &[
                "040+1234567",
                "++358401234567",
                "401234567",
                "358401234567",
                "+0401234567",
                "000401234567",
            ],
        );
    }

    #[test]
    fn too_short() {
        refuses_each(
            phone,
            FieldError::PhoneTooShort,
            &[
                "+",
                "()",
                "-",
                "0",
                "00",
                "040 1234",
                "+358 40 1234",
                "+358 0 123456",
                "+46 7012",
                "+46 70 12 3",
            ],
        );
        // The shortest accepted: seven digits after 358, eight digits in all.
        assert_eq!(phone("09 123 456").as_deref(), Ok("+3589123456"));
        assert_eq!(phone("+46 7012 34").as_deref(), Ok("+46701234"));
    }

    #[test]
    fn too_long() {
        assert_eq!(
            phone("+358 40 123 4567 890").as_deref(),
            Ok("+358401234567890")
        );
        assert_eq!(phone("040 123 4567 8901"), Err(FieldError::PhoneTooLong));
        assert_eq!(phone("+44 1234 5678 901234"), Err(FieldError::PhoneTooLong));
        assert_eq!(
            phone("+44 1234 5678 90123").as_deref(),
            Ok("+441234567890123")
        );
        // Two numbers written one after the other.
        assert_eq!(
            phone("040 123 4567, 050 765 4321"),
            Err(FieldError::PhoneCharacters)
        );
        assert_eq!(
            phone("040 123 4567 050 765 4321"),
            Err(FieldError::PhoneTooLong)
        );
    }
}
