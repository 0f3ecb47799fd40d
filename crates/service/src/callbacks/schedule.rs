//! When to phone again. Calls are made on working days in two windows,
//! morning 8-12 and afternoon 12-16 Finnish time, and only in the one the
//! jobseeker asked for when they asked. An unreached person comes back at
//! the start of the next window, so the next try falls at another time of
//! day or on another day.

use time::{Date, Duration, OffsetDateTime, UtcOffset};

use intake_core::calendar::{finnish_date, finnish_offset, is_working_day};

/// The form's "best time to call".
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CallTime {
    Morning,
    Afternoon,
    Any,
}

const MORNING: (u8, u8) = (8, 12);
const AFTERNOON: (u8, u8) = (12, 16);

/// A busy line is tried again this much later, within the same window.
const BUSY_RETRY: Duration = Duration::minutes(30);

impl CallTime {
    /// From the form's `call_time` value; no answer means any time.
    pub fn from_field(value: Option<&str>) -> CallTime {
        match value {
            Some("morning") => CallTime::Morning,
            Some("afternoon") => CallTime::Afternoon,
            _ => CallTime::Any,
        }
    }

    fn windows(self) -> &'static [(u8, u8)] {
        match self {
            CallTime::Morning => &[MORNING],
            CallTime::Afternoon => &[AFTERNOON],
            CallTime::Any => &[MORNING, AFTERNOON],
        }
    }
}

/// A wall-clock time in Finland as a moment. Clocks change at 01:00 UTC,
/// hours before any window opens, so the offset of a guess is the day's.
pub fn finnish_moment(date: Date, hour: u8, minute: u8) -> OffsetDateTime {
    let local = date.with_hms(hour, minute, 0).expect("a valid time of day");
    let guess = local.assume_offset(UtcOffset::from_hms(2, 0, 0).expect("valid"));
    local
        .assume_offset(finnish_offset(guess))
        .to_offset(UtcOffset::UTC)
}

/// The start of the first call window after `after`.
pub fn next_slot(after: OffsetDateTime, call_time: CallTime) -> OffsetDateTime {
    let mut date = finnish_date(after);
    loop {
        if is_working_day(date) {
            for (start, _) in call_time.windows() {
                let at = finnish_moment(date, *start, 0);
                if at > after {
                    return at;
                }
            }
        }
        date = date.next_day().expect("dates stay in range");
    }
}

/// Whether a moment falls inside a window the person can be called in.
pub fn in_window(at: OffsetDateTime, call_time: CallTime) -> bool {
    let local = at.to_offset(finnish_offset(at));
    is_working_day(local.date())
        && call_time
            .windows()
            .iter()
            .any(|(start, end)| (*start..*end).contains(&local.hour()))
}

/// A busy line is on the phone now: half an hour on, if that is still in a
/// window, else the next window.
pub fn soon_or_next_slot(after: OffsetDateTime, call_time: CallTime) -> OffsetDateTime {
    let soon = after + BUSY_RETRY;
    if in_window(soon, call_time) {
        soon.to_offset(UtcOffset::UTC)
    } else {
        next_slot(after, call_time)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use time::macros::{date, datetime};

    #[test]
    fn the_next_window_is_the_other_half_of_the_day() {
        // Monday 9.11.2026 09:30 in Helsinki (UTC+2).
        let now = datetime!(2026-11-09 07:30 UTC);
        assert_eq!(
            next_slot(now, CallTime::Any),
            datetime!(2026-11-09 10:00 UTC)
        );
        assert_eq!(
            next_slot(now, CallTime::Afternoon),
            datetime!(2026-11-09 10:00 UTC)
        );
        assert_eq!(
            next_slot(now, CallTime::Morning),
            datetime!(2026-11-10 06:00 UTC)
        );
    }

    #[test]
    fn an_afternoon_miss_before_easter_comes_back_on_tuesday() {
        // Thursday 2.4.2026 14:00 in Helsinki (UTC+3): Good Friday, the
        // weekend and Easter Monday are skipped.
        let now = datetime!(2026-04-02 11:00 UTC);
        assert_eq!(
            next_slot(now, CallTime::Any),
            datetime!(2026-04-07 05:00 UTC)
        );
    }

    #[test]
    fn a_busy_line_is_tried_again_within_the_window() {
        let now = datetime!(2026-11-09 07:30 UTC);
        assert_eq!(
            soon_or_next_slot(now, CallTime::Any),
            datetime!(2026-11-09 08:00 UTC)
        );
        // 15:45 on a Friday: the window closes, Monday morning.
        let late = datetime!(2026-11-13 13:45 UTC);
        assert_eq!(
            soon_or_next_slot(late, CallTime::Any),
            datetime!(2026-11-16 06:00 UTC)
        );
    }

    #[test]
    fn finnish_wall_clock_follows_summer_time() {
        assert_eq!(
            finnish_moment(date!(2026 - 07 - 01), 8, 0),
            datetime!(2026-07-01 05:00 UTC)
        );
        assert_eq!(
            finnish_moment(date!(2026 - 12 - 01), 8, 0),
            datetime!(2026-12-01 06:00 UTC)
        );
    }
}
