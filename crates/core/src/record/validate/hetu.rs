//! The Finnish personal identity code (henkilötunnus / personbeteckning):
//! `DDMMYY C ZZZ Q`. A Swedish personnummer in its place is recognised and
//! reported as such, because "broken code" would send the person hunting for a typo.

use time::{Date, Month};

use super::{FieldError, is_dash, personnummer};

const CHECK_CHARS: &[u8; 31] = b"0123456789ABCDEFHJKLMNPRSTUVWXY";

/// A well-formed henkilötunnus.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Hetu {
    /// Normalised `DDMMYYCZZZQ`, upper case. Stored whole: without its
    /// century sign the code is not unique.
    pub code: String,
    pub birth_date: Date,
    /// Individual number 900-999: never in the population register.
    pub temporary: bool,
}

impl Hetu {
    /// For channels that may not accept temporary codes (the public web form).
    pub fn require_permanent(self) -> Result<Hetu, FieldError> {
        if self.temporary {
            Err(FieldError::HetuTemporary)
        } else {
            Ok(self)
        }
    }
}

/// Validates a henkilötunnus as typed or read. Temporary codes are `Ok` with
/// `temporary: true`; see [`Hetu::require_permanent`].
pub fn hetu(input: &str) -> Result<Hetu, FieldError> {
    let trimmed = input.trim();
    if trimmed.is_empty() {
        return Err(FieldError::Required);
    }
    // Typographic dashes (smart punctuation, OCR) stand for the `-` sign.
    let normalised: String = trimmed
        .chars()
        .map(|c| {
            if is_dash(c) {
                '-'
            } else {
                c.to_ascii_uppercase()
            }
        })
        .collect();
    parse(&normalised).map_err(|err| {
        // A Swedish number in the hetu shape (`811218-9876`) is only called
        // Swedish when it is not a valid hetu and its Luhn digit holds.
        if personnummer::is_personnummer(&normalised) {
            FieldError::HetuSwedishPersonnummer
        } else {
            err
        }
    })
}

/// Parses an upper-cased code with plain dashes.
pub(super) fn parse(code: &str) -> Result<Hetu, FieldError> {
    let chars: Vec<char> = code.chars().collect();
    if chars.len() != 11 {
        return Err(FieldError::HetuFormat);
    }
    let digits_ok = chars[..6]
        .iter()
        .chain(&chars[7..10])
        .all(char::is_ascii_digit);
    let sign = chars[6];
    let check = chars[10];
    if !digits_ok || sign.is_whitespace() || !check.is_ascii_alphanumeric() {
        return Err(FieldError::HetuFormat);
    }
    let century = match sign {
        '+' => 1800,
        '-' | 'Y' | 'X' | 'W' | 'V' | 'U' => 1900,
        'A'..='F' => 2000,
        other => return Err(FieldError::HetuCenturySign { sign: other }),
    };
    let number = |range: std::ops::Range<usize>| {
        chars[range]
            .iter()
            .fold(0u32, |n, c| n * 10 + (*c as u32 - '0' as u32))
    };
    let (day, month, year, individual) = (number(0..2), number(2..4), number(4..6), number(7..10));
    let birth_date = Month::try_from(month as u8)
        .ok()
        .and_then(|month| Date::from_calendar_date(century + year as i32, month, day as u8).ok())
        .ok_or(FieldError::HetuDate)?;
    if individual < 2 {
        return Err(FieldError::HetuIndividualNumber);
    }
    if check != check_char(day * 10_000_000 + month * 100_000 + year * 1000 + individual) {
        return Err(FieldError::HetuCheck);
    }
    Ok(Hetu {
        code: chars.iter().collect(),
        birth_date,
        temporary: individual >= 900,
    })
}

/// The check character for DDMMYYZZZ read as one integer.
fn check_char(ddmmyyzzz: u32) -> char {
    CHECK_CHARS[(ddmmyyzzz % 31) as usize] as char
}

#[cfg(test)]
pub(super) mod tests {
    use time::macros::date;

    use super::*;

    /// Asserts that the check gives the one error for every input.
    pub(in crate::record::validate) fn refuses_each<T: std::fmt::Debug + PartialEq>(
        check: impl Fn(&str) -> Result<T, FieldError>,
        error: FieldError,
        inputs: &[&str],
    ) {
        for input in inputs {
            assert_eq!(check(input), Err(error.clone()), "{input:?}");
        }
    }

    /// A valid code for the date and individual number, with the given sign.
    pub(in crate::record::validate) fn make_hetu(
        day: u32,
        month: u32,
        yy: u32,
        sign: char,
        zzz: u32,
    ) -> String {
        let check = check_char(day * 10_000_000 + month * 100_000 + yy * 1000 + zzz);
        format!("{day:02}{month:02}{yy:02}{sign}{zzz:03}{check}")
    }

    #[test]
    fn the_documented_examples_pass() {
        let h = hetu("131052-308T").unwrap();
        assert_eq!(h.code, "131052-308T");
        assert_eq!(h.birth_date, date!(1952 - 10 - 13));
        assert!(!h.temporary);

        let h = hetu("010594Y9032").unwrap();
        assert_eq!(h.birth_date, date!(1994 - 05 - 01));
        assert!(h.temporary);

        let h = hetu("010516B903X").unwrap();
        assert_eq!(h.birth_date, date!(2016 - 05 - 01));
        assert!(h.temporary);

        let h = hetu("020504A902E").unwrap();
        assert_eq!(h.birth_date, date!(2004 - 05 - 02));
        assert!(h.temporary);
    }

    #[test]
    fn helper_agrees_with_the_documented_examples() {
        assert_eq!(make_hetu(13, 10, 52, '-', 308), "131052-308T");
        assert_eq!(make_hetu(1, 5, 94, 'Y', 903), "010594Y9032");
        assert_eq!(make_hetu(1, 5, 16, 'B', 903), "010516B903X");
        assert_eq!(make_hetu(2, 5, 4, 'A', 902), "020504A902E");
    }

    #[test]
    fn every_century_sign_is_accepted_with_its_century() {
        let signs = [
            ('+', 1800),
            ('-', 1900),
            ('Y', 1900),
            ('X', 1900),
            ('W', 1900),
            ('V', 1900),
            ('U', 1900),
            ('A', 2000),
            ('B', 2000),
            ('C', 2000),
            ('D', 2000),
            ('E', 2000),
            ('F', 2000),
        ];
        for (sign, century) in signs {
            let code = make_hetu(24, 12, 7, sign, 234);
            let h = hetu(&code).unwrap_or_else(|e| panic!("{code}: {e:?}"));
            assert_eq!(h.code, code);
            assert_eq!(
                h.birth_date,
                Date::from_calendar_date(century + 7, Month::December, 24).unwrap()
            );
            assert!(!h.temporary);
        }
    }

    #[test]
    fn lower_case_and_outer_white_space_are_normalised() {
        assert_eq!(hetu("  010594y9032\t").unwrap().code, "010594Y9032");
        assert_eq!(hetu("010516b903x").unwrap().code, "010516B903X");
        assert_eq!(hetu(" 131052-308t ").unwrap().code, "131052-308T");
    }

    #[test]
    fn typographic_dash_is_read_as_the_minus_sign() {
        assert_eq!(hetu("131052\u{2013}308T").unwrap().code, "131052-308T");
        assert_eq!(hetu("131052\u{2212}308T").unwrap().code, "131052-308T");
    }

    #[test]
    fn empty_is_required() {
        refuses_each(hetu, FieldError::Required, &["", "   "]);
    }

    #[test]
    fn wrong_length_or_characters_is_a_format_error() {
        refuses_each(
            hetu,
            FieldError::HetuFormat,
            &[
                "131052308T",    // sign missing
                "131052-308",    // check missing
                "131052-308TT",  // one too many
                "131052 - 308T", // inner spaces
                "131052 308T",   // space for a sign
                "13105X-308T",   // letter in the date
                "131052-3O8T",   // letter O for zero
                "131052-308*",   // check not alphanumeric
                "131052-308Ä",   // check not ASCII
                "1310５2-308T",  // full-width digit
            ],
        );
    }

    #[test]
    fn unknown_century_sign_is_named() {
        assert_eq!(
            hetu("131052G308T"),
            Err(FieldError::HetuCenturySign { sign: 'G' })
        );
        assert_eq!(
            hetu("131052/308T"),
            Err(FieldError::HetuCenturySign { sign: '/' })
        );
        assert_eq!(
            hetu("131052z308T"),
            Err(FieldError::HetuCenturySign { sign: 'Z' })
        );
    }

    #[test]
    fn impossible_dates_are_refused() {
        for (day, month, yy, sign) in [
            (32, 1, 52, '-'),
            (0, 1, 52, '-'),
            (1, 13, 52, '-'),
            (1, 0, 52, '-'),
            (31, 4, 80, 'A'),
            (30, 2, 0, 'A'),
        ] {
            let code = make_hetu(day, month, yy, sign, 308);
            assert_eq!(hetu(&code), Err(FieldError::HetuDate), "{code}");
        }
    }

    #[test]
    fn february_29_only_in_leap_years_of_the_full_year() {
        // 2000 and 1996 are leap years, 1900 and 2001 are not.
        assert!(hetu(&make_hetu(29, 2, 0, 'A', 123)).is_ok());
        assert_eq!(
            hetu(&make_hetu(29, 2, 0, '-', 123)),
            Err(FieldError::HetuDate)
        );
        assert!(hetu(&make_hetu(29, 2, 96, 'Y', 123)).is_ok());
        assert_eq!(
            hetu(&make_hetu(29, 2, 1, 'B', 123)),
            Err(FieldError::HetuDate)
        );
        assert_eq!(
            hetu(&make_hetu(29, 2, 0, 'A', 123)).unwrap().birth_date,
            date!(2000 - 02 - 29)
        );
    }

    #[test]
    fn individual_numbers_000_and_001_are_refused_002_is_not() {
        assert_eq!(
            hetu(&make_hetu(13, 10, 52, '-', 0)),
            Err(FieldError::HetuIndividualNumber)
        );
        assert_eq!(
            hetu(&make_hetu(13, 10, 52, '-', 1)),
            Err(FieldError::HetuIndividualNumber)
        );
        assert!(hetu(&make_hetu(13, 10, 52, '-', 2)).is_ok());
    }

    #[test]
    fn temporary_range_starts_at_900() {
        assert!(!hetu(&make_hetu(13, 10, 52, '-', 899)).unwrap().temporary);
        assert!(hetu(&make_hetu(13, 10, 52, '-', 900)).unwrap().temporary);
        assert!(hetu(&make_hetu(13, 10, 52, '-', 999)).unwrap().temporary);
    }

    #[test]
    fn require_permanent_refuses_only_temporary_codes() {
        assert_eq!(
            hetu("010594Y9032").unwrap().require_permanent(),
            Err(FieldError::HetuTemporary)
        );
        assert_eq!(
            hetu("131052-308T")
                .unwrap()
                .require_permanent()
                .unwrap()
                .code,
            "131052-308T"
        );
    }

    #[test]
    fn wrong_check_character_is_refused() {
        assert_eq!(hetu("131052-308U"), Err(FieldError::HetuCheck));
        assert_eq!(hetu("131052-309T"), Err(FieldError::HetuCheck)); // typo in the number
        assert_eq!(hetu("131053-308T"), Err(FieldError::HetuCheck)); // typo in the year
        assert_eq!(hetu("010594Y903G"), Err(FieldError::HetuCheck)); // G is not in the alphabet
    }

    #[test]
    fn each_of_the_31_check_characters_is_reachable() {
        let mut seen = std::collections::BTreeSet::new();
        for zzz in 2..200 {
            let code = make_hetu(13, 10, 52, '-', zzz);
            seen.insert(code.chars().last().unwrap());
            assert!(hetu(&code).is_ok(), "{code}");
        }
        assert_eq!(seen.len(), 31);
    }
}
