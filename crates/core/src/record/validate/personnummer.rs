//! Recognising a Swedish personnummer or samordningsnummer, so people who
//! moved from Sweden are told what they wrote instead of "typo in your code".

/// True for a Luhn-valid personnummer with a plausible date, in any of the
/// usual spellings: `YYMMDD-NNNC`, `YYMMDD+NNNC` (100 or older),
/// `YYYYMMDD-NNNC`, or the same without a separator. Samordningsnummer
/// (day + 60) count too. Expects upper case with plain `-`.
pub(super) fn is_personnummer(input: &str) -> bool {
    let (digits, full_year) = match split(input) {
        Some(parts) => parts,
        None => return false,
    };
    let value = |i: usize| digits[i] as u32 - '0' as u32;
    let yy = value(0) * 10 + value(1);
    let month = value(2) * 10 + value(3);
    let mut day = value(4) * 10 + value(5);
    if day > 60 {
        day -= 60; // samordningsnummer
    }
    let year = full_year.unwrap_or(yy);
    plausible_date(year, month, day) && luhn_valid(&digits)
}

/// The ten digits YYMMDDNNNC and, for the long forms, the four-digit year.
fn split(input: &str) -> Option<([u8; 10], Option<u32>)> {
    let bytes = input.as_bytes();
    let body: Vec<u8> = match bytes.len() {
        10 | 12 => bytes.to_vec(),
        11 | 13 if matches!(bytes[bytes.len() - 5], b'-' | b'+') => {
            let sep = bytes.len() - 5;
            [&bytes[..sep], &bytes[sep + 1..]].concat()
        }
        _ => return None,
    };
    if !body.iter().all(u8::is_ascii_digit) {
        return None;
    }
    let (century, ten) = body.split_at(body.len() - 10);
    let full_year = match century {
        [] => None,
        [c1, c2] => {
            let cc = u32::from(c1 - b'0') * 10 + u32::from(c2 - b'0');
            if !(18..=20).contains(&cc) {
                return None;
            }
            Some(cc * 100 + u32::from(ten[0] - b'0') * 10 + u32::from(ten[1] - b'0'))
        }
        _ => return None,
    };
    Some((ten.try_into().ok()?, full_year))
}

/// With only two year digits the century is unknown; treating every fourth
/// year as leap is close enough to recognise a number.
fn plausible_date(year: u32, month: u32, day: u32) -> bool {
    let leap = if year < 100 {
        year.is_multiple_of(4)
    } else {
        time::util::is_leap_year(year as i32)
    };
    let days = match month {
        1 | 3 | 5 | 7 | 8 | 10 | 12 => 31,
        4 | 6 | 9 | 11 => 30,
        2 if leap => 29,
        2 => 28,
        _ => return false,
    };
    (1..=days).contains(&day)
}

/// Luhn over YYMMDDNNN with weights 2,1,2,...; the tenth digit is the check.
fn luhn_valid(digits: &[u8; 10]) -> bool {
    let sum: u32 = digits[..9]
        .iter()
        .enumerate()
        .map(|(i, d)| {
            let n = u32::from(d - b'0') * if i % 2 == 0 { 2 } else { 1 };
            n / 10 + n % 10
        })
        .sum();
    (10 - sum % 10) % 10 == u32::from(digits[9] - b'0')
}

#[cfg(test)]
pub(super) mod tests {
    use super::*;

    /// Completes YYMMDDNNN with its Luhn digit.
    pub(in crate::record::validate) fn with_luhn(nine: &str) -> String {
        (0..10)
            .map(|c| format!("{nine}{c}"))
            .find(|ten| luhn_valid(ten.as_bytes().try_into().unwrap()))
            .unwrap()
    }

    #[test]
    fn luhn_matches_known_numbers() {
        assert_eq!(with_luhn("811218987"), "8112189876");
        assert_eq!(with_luhn("640823323"), "6408233234"); // Skatteverket's example
    }

    /// One personnummer in each of its spellings.
    pub(in crate::record::validate) const SPELLINGS: [&str; 5] = [
        "811218-9876",
        "811218+9876",
        "8112189876",
        "19811218-9876",
        "198112189876",
    ];

    #[test]
    fn every_spelling_is_recognised() {
        for pnr in SPELLINGS.into_iter().chain(["640823-3234"]) {
            assert!(is_personnummer(pnr), "{pnr}");
        }
    }

    #[test]
    fn samordningsnummer_has_day_plus_60() {
        let samordning = with_luhn("701063234"); // born 3.10.1970, day 63
        assert!(is_personnummer(&format!(
            "{}-{}",
            &samordning[..6],
            &samordning[6..]
        )));
        assert!(is_personnummer(&format!("19{samordning}")));
        let day_92 = with_luhn("701092234"); // 32 + 60: no such day
        assert!(!is_personnummer(&day_92));
    }

    #[test]
    fn wrong_luhn_digit_or_date_is_not_recognised() {
        assert!(!is_personnummer("811218-9875"));
        assert!(!is_personnummer("8112189877"));
        let month_13 = with_luhn("811318987");
        assert!(!is_personnummer(&month_13));
        let feb_30 = with_luhn("810230987");
        assert!(!is_personnummer(&feb_30));
    }

    #[test]
    fn leap_day_follows_the_year() {
        assert!(is_personnummer(&with_luhn("040229123")));
        assert!(!is_personnummer(&with_luhn("030229123")));
        assert!(is_personnummer(&format!("20{}", with_luhn("000229123"))));
        assert!(!is_personnummer(&format!("19{}", with_luhn("000229123"))));
    }

    #[test]
    fn other_shapes_are_not_recognised() {
        for not in [
            "",
            "811218*9876",
            "81121-89876",
            "17811218-9876", // century 17
            "811218-987A",
            "811218 9876",
            "81121898761",
        ] {
            assert!(!is_personnummer(not), "{not}");
        }
    }

    /// `YYMMDD-NNNC` is also the shape of a hetu; these go through `hetu()`.
    mod through_hetu {
        use time::macros::date;

        use super::{SPELLINGS, with_luhn};
        use crate::record::validate::hetu::parse;
        use crate::record::validate::hetu::tests::refuses_each;
        use crate::record::validate::personnummer::is_personnummer;
        use crate::record::validate::{FieldError, hetu};

        fn hyphenated(ten: &str) -> String {
            format!("{}-{}", &ten[..6], &ten[6..])
        }

        #[test]
        fn swedish_numbers_in_every_spelling_are_reported_as_swedish() {
            refuses_each(hetu, FieldError::HetuSwedishPersonnummer, &SPELLINGS);
            let samordning = with_luhn("701063234");
            assert_eq!(
                hetu(&hyphenated(&samordning)),
                Err(FieldError::HetuSwedishPersonnummer)
            );
        }

        #[test]
        fn hetu_shaped_with_real_hetu_date_and_bad_check_is_swedish_when_luhn_holds() {
            // 120315 is 12.3.1915 as a hetu and 2012-03-15 as a personnummer.
            // As a hetu the check would be 3; the Luhn digit 2 holds.
            assert_eq!(parse("120315-0022"), Err(FieldError::HetuCheck));
            assert!(is_personnummer("120315-0022"));
            assert_eq!(
                hetu("120315-0022"),
                Err(FieldError::HetuSwedishPersonnummer)
            );
            assert_eq!(
                hetu("120315-0023").unwrap().birth_date,
                date!(1915 - 03 - 12)
            );
        }

        #[test]
        fn a_valid_hetu_wins_even_when_it_also_passes_luhn() {
            // Check character 9 is right both as hetu and as Luhn digit.
            assert!(is_personnummer("120315-0089"));
            assert_eq!(hetu("120315-0089").unwrap().code, "120315-0089");
            assert_eq!(
                hetu("120315-0089").unwrap().birth_date,
                date!(1915 - 03 - 12)
            );
        }

        #[test]
        fn failing_both_checks_keeps_the_hetu_error() {
            assert_eq!(hetu("811218-9875"), Err(FieldError::HetuDate)); // day 81, Luhn wrong
            assert_eq!(hetu("131052-3081"), Err(FieldError::HetuCheck));
            assert!(!is_personnummer("131052-3081"));
            assert_eq!(hetu("8112189875"), Err(FieldError::HetuFormat));
        }
    }
}
