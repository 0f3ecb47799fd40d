//! Finnish postal codes: exactly five digits, kept as text (leading zeros matter).

use super::FieldError;

/// Accepts exactly five ASCII digits after trimming outer white space.
pub fn postal_code(input: &str) -> Result<String, FieldError> {
    let trimmed = input.trim();
    if trimmed.is_empty() {
        return Err(FieldError::Required);
    }
    if trimmed.len() == 5 && trimmed.bytes().all(|b| b.is_ascii_digit()) {
        Ok(trimmed.to_owned())
    } else {
        Err(FieldError::PostalCodeFormat)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::record::validate::hetu::tests::refuses_each;

    #[test]
    fn five_digits_pass_with_leading_zeros_kept() {
        assert_eq!(postal_code("00100").as_deref(), Ok("00100"));
        assert_eq!(postal_code(" 65100\n").as_deref(), Ok("65100"));
        assert_eq!(postal_code("99999").as_deref(), Ok("99999"));
    }

    #[test]
    fn empty_is_required() {
        refuses_each(postal_code, FieldError::Required, &["", "  "]);
    }

    #[test]
    fn anything_but_five_digits_is_refused() {
        refuses_each(
            postal_code,
            FieldError::PostalCodeFormat,
            &[
                "0010",
                "001000",
                "00 100",
                "FI-00100",
                "0010O",
                "１００１０",
                "100",
                "00100 Helsinki",
            ],
        );
    }
}
