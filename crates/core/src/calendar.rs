//! Working days in Finland: the callback due date counts 5 working days from
//! the received date, skipping weekends and public holidays. Holidays are
//! computed (Easter by the Gregorian computus), never listed by hand.

use time::{Date, Duration, Month, OffsetDateTime, UtcOffset, Weekday};

/// Working days within which the first contact is due (DOMAIN.md).
pub const FIRST_CONTACT_WORKING_DAYS: u32 = 5;

pub fn easter_sunday(year: i32) -> Date {
    let a = year % 19;
    let b = year / 100;
    let c = year % 100;
    let d = b / 4;
    let e = b % 4;
    let f = (b + 8) / 25;
    let g = (b - f + 1) / 3;
    let h = (19 * a + b - d - g + 15) % 30;
    let i = c / 4;
    let k = c % 4;
    let l = (32 + 2 * e + 2 * i - h - k) % 7;
    let m = (a + 11 * h + 22 * l) / 451;
    let month = (h + l - 7 * m + 114) / 31;
    let day = (h + l - 7 * m + 114) % 31 + 1;
    Date::from_calendar_date(
        year,
        Month::try_from(month as u8).expect("3 or 4"),
        day as u8,
    )
    .expect("Easter is a real date")
}

/// Public holidays and the days offices are closed that fall on a weekday
/// in some years (Midsummer Eve and Christmas Eve are closed days).
pub fn is_holiday(date: Date) -> bool {
    let easter = easter_sunday(date.year());
    let (month, day) = (date.month(), date.day());
    let fixed = matches!(
        (month, day),
        (Month::January, 1)
            | (Month::January, 6)
            | (Month::May, 1)
            | (Month::December, 6)
            | (Month::December, 24)
            | (Month::December, 25)
            | (Month::December, 26)
    );
    let movable = [
        easter - Duration::days(2),  // Good Friday
        easter + Duration::days(1),  // Easter Monday
        easter + Duration::days(39), // Ascension Day
    ]
    .contains(&date);
    // Midsummer Eve: the Friday between 19 and 25 June.
    let midsummer_eve =
        month == Month::June && (19..=25).contains(&day) && date.weekday() == Weekday::Friday;
    fixed || movable || midsummer_eve
}

pub fn is_working_day(date: Date) -> bool {
    !matches!(date.weekday(), Weekday::Saturday | Weekday::Sunday) && !is_holiday(date)
}

/// The date `days` working days after `start` (the start day itself does
/// not count, so something received on a Friday with 5 days is due the next
/// Friday when no holiday intervenes).
pub fn add_working_days(start: Date, days: u32) -> Date {
    let mut date = start;
    let mut left = days;
    while left > 0 {
        date = date.next_day().expect("dates stay in range");
        if is_working_day(date) {
            left -= 1;
        }
    }
    date
}

/// Finland's offset from UTC at a moment: EET (+2) and, from the last Sunday
/// of March 01:00 UTC to the last Sunday of October 01:00 UTC, EEST (+3).
pub fn finnish_offset(at: OffsetDateTime) -> UtcOffset {
    let utc = at.to_offset(UtcOffset::UTC);
    let year = utc.year();
    let last_sunday = |month: Month| {
        let mut day = Date::from_calendar_date(year, month, 31).expect("March and October have 31");
        while day.weekday() != Weekday::Sunday {
            day = day.previous_day().expect("in range");
        }
        day.with_hms(1, 0, 0).expect("valid").assume_utc()
    };
    let summer = utc >= last_sunday(Month::March) && utc < last_sunday(Month::October);
    UtcOffset::from_hms(if summer { 3 } else { 2 }, 0, 0).expect("valid offset")
}

/// The calendar date in Finland at a moment.
pub fn finnish_date(at: OffsetDateTime) -> Date {
    at.to_offset(finnish_offset(at)).date()
}

/// The first moment of a day in Finland: a batch's stamped received date
/// as a moment.
pub fn start_of_finnish_day(date: Date) -> OffsetDateTime {
    // The offset at noon UTC is the day's (clocks change at 01:00 UTC).
    let offset = finnish_offset(date.with_hms(12, 0, 0).expect("valid").assume_utc());
    date.with_hms(0, 0, 0).expect("valid").assume_offset(offset)
}

/// When the first call is due for something received at `received_at`.
pub fn first_contact_due(received_at: OffsetDateTime) -> Date {
    add_working_days(finnish_date(received_at), FIRST_CONTACT_WORKING_DAYS)
}

#[cfg(test)]
mod tests {
    use super::*;
    use time::macros::{date, datetime};

    #[test]
    fn easter_matches_known_years() {
        assert_eq!(easter_sunday(2024), date!(2024 - 03 - 31));
        assert_eq!(easter_sunday(2025), date!(2025 - 04 - 20));
        assert_eq!(easter_sunday(2026), date!(2026 - 04 - 05));
        assert_eq!(easter_sunday(2027), date!(2027 - 03 - 28));
    }

    #[test]
    fn finnish_holidays_of_2026() {
        for holiday in [
            date!(2026 - 01 - 01),
            date!(2026 - 01 - 06),
            date!(2026 - 04 - 03),
            date!(2026 - 04 - 06),
            date!(2026 - 05 - 01),
            date!(2026 - 05 - 14),
            date!(2026 - 06 - 19),
            date!(2026 - 12 - 24),
            date!(2026 - 12 - 25),
        ] {
            assert!(is_holiday(holiday), "{holiday}");
        }
        assert!(!is_holiday(date!(2026 - 04 - 07)));
        assert!(
            !is_holiday(date!(2026 - 06 - 26)),
            "not Midsummer Eve in 2026"
        );
    }

    #[test]
    fn due_dates_skip_weekends_and_holidays() {
        for (received, due) in [
            // Friday 20.11.2026: five working days is Friday 27.11.
            (date!(2026 - 11 - 20), date!(2026 - 11 - 27)),
            // Thursday 2.4.2026; Good Friday and Easter Monday are closed.
            (date!(2026 - 04 - 02), date!(2026 - 04 - 13)),
            // Tuesday 22.12.2026: 23, 28, 29, 30, 31 December.
            (date!(2026 - 12 - 22), date!(2026 - 12 - 31)),
        ] {
            assert_eq!(add_working_days(received, 5), due, "received {received}");
        }
    }

    #[test]
    fn the_finnish_date_changes_at_local_midnight() {
        // 22:30 UTC in November is 00:30 the next day in Helsinki (UTC+2).
        assert_eq!(
            finnish_date(datetime!(2026-11-20 22:30 UTC)),
            date!(2026 - 11 - 21)
        );
        // 21:30 UTC in July is 00:30 in Helsinki (UTC+3).
        assert_eq!(
            finnish_date(datetime!(2026-07-10 21:30 UTC)),
            date!(2026 - 07 - 11)
        );
        assert_eq!(
            finnish_date(datetime!(2026-07-10 20:30 UTC)),
            date!(2026 - 07 - 10)
        );
    }
}
