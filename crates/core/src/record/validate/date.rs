//! Dates as people write them in Finland and Sweden: day first (`6.4.2020`,
//! `6/4 2020`), or ISO when four digits lead (`2020-04-06`).

use time::{Date, Month, OffsetDateTime};

use super::{FieldError, is_dash};

/// Reads a date; two-digit years are placed relative to today (UTC).
pub fn date(input: &str) -> Result<Date, FieldError> {
    date_on(input, OffsetDateTime::now_utc().date())
}

/// Reads a date as on `today`. A two-digit year YY is 20YY unless that is
/// more than a year after `today`, then 19YY.
pub fn date_on(input: &str, today: Date) -> Result<Date, FieldError> {
    let trimmed = input.trim();
    if trimmed.is_empty() {
        return Err(FieldError::Required);
    }
    let [first, second, third] = split(trimmed).ok_or(FieldError::DateFormat)?;
    let (year, month, day) = match (first.len(), second.len(), third.len()) {
        (4, 1..=2, 1..=2) => (number(first), number(second), number(third)),
        (1..=2, 1..=2, 4) => (number(third), number(second), number(first)),
        (1..=2, 1..=2, 2) => {
            let (month, day) = (number(second), number(first));
            (two_digit_year(number(third), month, day, today), month, day)
        }
        _ => return Err(FieldError::DateFormat),
    };
    let month = u8::try_from(month)
        .ok()
        .and_then(|m| Month::try_from(m).ok());
    month
        .and_then(|month| Date::from_calendar_date(year as i32, month, day as u8).ok())
        .ok_or(FieldError::DateImpossible)
}

/// Three runs of ASCII digits. Between two runs: white space, or one of
/// `. / -` with optional white space around it (`6. 4. 2020`, `6/4 2020`).
fn split(input: &str) -> Option<[&str; 3]> {
    let mut parts = Vec::with_capacity(3);
    let mut rest = input;
    loop {
        let digits_end = rest
            .find(|c: char| !c.is_ascii_digit())
            .unwrap_or(rest.len());
        if digits_end == 0 {
            return None;
        }
        parts.push(&rest[..digits_end]);
        rest = &rest[digits_end..];
        if rest.is_empty() {
            break;
        }
        let separator_end = rest
            .find(|c: char| c.is_ascii_digit())
            .unwrap_or(rest.len());
        let marks = rest[..separator_end]
            .chars()
            .filter(|c| !c.is_whitespace())
            .try_fold(0, |count, c| {
                (c == '.' || c == '/' || is_dash(c)).then_some(count + 1)
            })?;
        if marks > 1 {
            return None;
        }
        rest = &rest[separator_end..];
    }
    parts.try_into().ok()
}

fn number(digits: &str) -> u32 {
    digits.parse().unwrap_or(u32::MAX)
}

fn two_digit_year(yy: u32, month: u32, day: u32, today: Date) -> u32 {
    let limit = (
        today.year() as u32 + 1,
        today.month() as u32,
        u32::from(today.day()),
    );
    if (2000 + yy, month, day) > limit {
        1900 + yy
    } else {
        2000 + yy
    }
}

#[cfg(test)]
mod tests {
    use crate::record::validate::hetu::tests::refuses_each;
    use time::macros::date;

    use super::*;

    const TODAY: Date = date!(2026 - 04 - 10);

    fn read(input: &str) -> Result<Date, FieldError> {
        date_on(input, TODAY)
    }

    #[test]
    fn every_spelling_reads_as_6_april_2020() {
        for spelling in [
            "6.4.2020",
            "06.04.2020",
            "6/4 2020",
            "6/4/2020",
            "6-4-2020",
            "2020-04-06",
            "2020-4-6",
            "6.4.20",
            "06.04.20",
            "6. 4. 2020",
            "6 4 2020",
            " 6.4.2020 ",
            "6\u{2013}4\u{2013}2020",
        ] {
            assert_eq!(read(spelling), Ok(date!(2020 - 04 - 06)), "{spelling}");
        }
    }

    #[test]
    fn day_comes_first_even_when_it_could_be_a_month() {
        assert_eq!(read("4.6.2020"), Ok(date!(2020 - 06 - 04)));
        assert_eq!(read("12/1/2020"), Ok(date!(2020 - 01 - 12)));
    }

    #[test]
    fn two_digit_years_pivot_a_year_ahead_of_today() {
        assert_eq!(read("1.1.00"), Ok(date!(2000 - 01 - 01)));
        assert_eq!(read("10.4.26"), Ok(date!(2026 - 04 - 10)));
        assert_eq!(read("10.4.27"), Ok(date!(2027 - 04 - 10))); // exactly a year ahead
        assert_eq!(read("11.4.27"), Ok(date!(1927 - 04 - 11))); // more than a year ahead
        assert_eq!(read("31.12.99"), Ok(date!(1999 - 12 - 31)));
        assert_eq!(read("1.1.50"), Ok(date!(1950 - 01 - 01)));
    }

    #[test]
    fn today_matters_for_the_pivot() {
        assert_eq!(
            date_on("1.1.40", date!(2039 - 06 - 01)),
            Ok(date!(2040 - 01 - 01))
        );
        assert_eq!(
            date_on("1.1.40", date!(2026 - 06 - 01)),
            Ok(date!(1940 - 01 - 01))
        );
    }

    #[test]
    fn date_without_today_uses_the_clock() {
        let now = OffsetDateTime::now_utc().date();
        assert_eq!(
            date(&format!(
                "{}.{}.{}",
                now.day(),
                now.month() as u8,
                now.year()
            )),
            Ok(now)
        );
        assert_eq!(date("6.4.2020"), Ok(date!(2020 - 04 - 06)));
    }

    #[test]
    fn leap_years() {
        assert_eq!(read("29.2.2020"), Ok(date!(2020 - 02 - 29)));
        assert_eq!(read("29.2.2000"), Ok(date!(2000 - 02 - 29)));
        assert_eq!(read("29.2.00"), Ok(date!(2000 - 02 - 29)));
        assert_eq!(read("2024-02-29"), Ok(date!(2024 - 02 - 29)));
        assert_eq!(read("29.2.2019"), Err(FieldError::DateImpossible));
        assert_eq!(read("29.2.1900"), Err(FieldError::DateImpossible));
        assert_eq!(read("29.2.2100"), Err(FieldError::DateImpossible));
    }

    #[test]
    fn impossible_dates() {
        refuses_each(
            read,
            FieldError::DateImpossible,
            &[
                "31.2.2020",
                "31.4.2020",
                "0.4.2020",
                "6.0.2020",
                "6.13.2020",
                "32.1.2020",
                "2020-02-30",
                "2020-13-01",
            ],
        );
    }

    #[test]
    fn unreadable_formats() {
        refuses_each(
            read,
            FieldError::DateFormat,
            &[
                "6.4",
                "6.4.2020.1",
                "6.4.202",
                "6.4.20201",
                "06042020",
                "2020.4",
                "20-04-06x",
                "6..4.2020",
                "6./4.2020",
                "6.4.2020.",
                ".6.4.2020",
                "6,4,2020",
                "April 6, 2020",
                "6 huhtikuuta 2020",
                "123.4.2020",
                "6.123.2020",
                "2020-123-1",
                "6.4.２０２０",
            ],
        );
    }

    #[test]
    fn empty_is_required() {
        refuses_each(read, FieldError::Required, &["", "  "]);
    }
}
