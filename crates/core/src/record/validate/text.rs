//! Free text and names: one space between words, no hidden control
//! characters, a length limit; and the folded form used to compare them.

use super::FieldError;

/// Trims, collapses inner white space (tabs and line breaks included) to one
/// space, refuses other control characters, and limits the length in characters.
pub fn text(input: &str, max_chars: usize) -> Result<String, FieldError> {
    if input.chars().any(|c| c.is_control() && !c.is_whitespace()) {
        return Err(FieldError::ControlCharacter);
    }
    let collapsed = collapse_white_space(input);
    if collapsed.is_empty() {
        return Err(FieldError::Required);
    }
    if collapsed.chars().count() > max_chars {
        return Err(FieldError::TooLong { max: max_chars });
    }
    Ok(collapsed)
}

/// For comparing names and free text: case folded, white space collapsed.
/// Block capitals on paper and mixed case on the web compare equal.
pub fn fold_for_compare(input: &str) -> String {
    collapse_white_space(input).to_lowercase()
}

fn collapse_white_space(input: &str) -> String {
    input.split_whitespace().collect::<Vec<_>>().join(" ")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn trims_and_collapses_white_space() {
        assert_eq!(text("  Anna   Maria ", 80).as_deref(), Ok("Anna Maria"));
        assert_eq!(
            text("Storgatan\t1\r\nB 12", 80).as_deref(),
            Ok("Storgatan 1 B 12")
        );
        assert_eq!(text("Åsa\u{a0}Öberg", 80).as_deref(), Ok("Åsa Öberg"));
    }

    #[test]
    fn keeps_case_and_letters_as_written() {
        assert_eq!(
            text("VIRTANEN-ÖSTERBERG", 80).as_deref(),
            Ok("VIRTANEN-ÖSTERBERG")
        );
    }

    #[test]
    fn empty_is_required() {
        assert_eq!(text("", 80), Err(FieldError::Required));
        assert_eq!(text(" \n\t ", 80), Err(FieldError::Required));
    }

    #[test]
    fn control_characters_are_refused() {
        assert_eq!(text("Anna\u{0}", 80), Err(FieldError::ControlCharacter));
        assert_eq!(
            text("Anna\u{1b}[31m", 80),
            Err(FieldError::ControlCharacter)
        );
        assert_eq!(text("Anna\u{7f}", 80), Err(FieldError::ControlCharacter));
    }

    #[test]
    fn length_is_counted_in_characters_after_collapsing() {
        assert_eq!(text("ÄÄÄÄÄ", 5).as_deref(), Ok("ÄÄÄÄÄ"));
        assert_eq!(text("ÄÄÄÄÄÄ", 5), Err(FieldError::TooLong { max: 5 }));
        assert_eq!(text("  ab    cd  ", 5).as_deref(), Ok("ab cd"));
        assert_eq!(text("ab cd e", 5), Err(FieldError::TooLong { max: 5 }));
    }

    #[test]
    fn folding_makes_block_capitals_and_spacing_equal() {
        assert_eq!(
            fold_for_compare("  ÅSA   ÖBERG-VIRTANEN "),
            "åsa öberg-virtanen"
        );
        assert_eq!(
            fold_for_compare("Åsa Öberg-Virtanen"),
            fold_for_compare("ÅSA\tÖBERG-VIRTANEN")
        );
        assert_ne!(fold_for_compare("Åsa Öberg"), fold_for_compare("Asa Oberg"));
        assert_eq!(fold_for_compare(""), "");
    }
}
