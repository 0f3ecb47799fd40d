//! Choice fields (service language, situation, call time), whose stored value
//! must be one of the form's option ids, and the consent tick box.

use super::FieldError;

/// Returns the option that `input` names, ignoring outer white space and
/// ASCII case, or `NotAnOption`.
pub fn choice<'a>(input: &str, options: &[&'a str]) -> Result<&'a str, FieldError> {
    let trimmed = input.trim();
    if trimmed.is_empty() {
        return Err(FieldError::Required);
    }
    options
        .iter()
        .find(|option| option.eq_ignore_ascii_case(trimmed))
        .copied()
        .ok_or(FieldError::NotAnOption)
}

/// The contact consent box: the caseworker's call is how identity gets
/// confirmed, so a registration cannot go ahead without it.
pub fn consent(given: bool) -> Result<(), FieldError> {
    if given {
        Ok(())
    } else {
        Err(FieldError::ConsentMissing)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const CALL_TIME: [&str; 3] = ["morning", "afternoon", "any"];

    #[test]
    fn picks_the_option_case_insensitively() {
        assert_eq!(choice("morning", &CALL_TIME), Ok("morning"));
        assert_eq!(choice(" Afternoon ", &CALL_TIME), Ok("afternoon"));
    }

    #[test]
    fn refuses_what_is_not_an_option() {
        assert_eq!(choice("evening", &CALL_TIME), Err(FieldError::NotAnOption));
        assert_eq!(choice("morn", &CALL_TIME), Err(FieldError::NotAnOption));
        assert_eq!(choice("", &CALL_TIME), Err(FieldError::Required));
    }

    #[test]
    fn consent_must_be_given() {
        assert_eq!(consent(true), Ok(()));
        assert_eq!(consent(false), Err(FieldError::ConsentMissing));
    }
}
