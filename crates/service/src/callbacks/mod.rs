//! The callback rules: the outcomes of a call and what follows from each,
//! and when an unreached person is called again. Pure functions: `store`
//! applies them inside its transactions, `web` shows them.

pub mod schedule;

use serde::Serialize;
use time::OffsetDateTime;

pub use schedule::CallTime;

/// How one call attempt went.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum CallOutcome {
    Reached,
    NoAnswer,
    Busy,
    Voicemail,
    WrongNumber,
    WrongPerson,
    CallBackLater,
    Refused,
}

impl CallOutcome {
    pub const ALL: [CallOutcome; 8] = [
        CallOutcome::Reached,
        CallOutcome::NoAnswer,
        CallOutcome::Busy,
        CallOutcome::Voicemail,
        CallOutcome::WrongNumber,
        CallOutcome::WrongPerson,
        CallOutcome::CallBackLater,
        CallOutcome::Refused,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            CallOutcome::Reached => "reached",
            CallOutcome::NoAnswer => "no_answer",
            CallOutcome::Busy => "busy",
            CallOutcome::Voicemail => "voicemail",
            CallOutcome::WrongNumber => "wrong_number",
            CallOutcome::WrongPerson => "wrong_person",
            CallOutcome::CallBackLater => "call_back_later",
            CallOutcome::Refused => "refused",
        }
    }

    pub fn parse(text: &str) -> Option<CallOutcome> {
        CallOutcome::ALL.into_iter().find(|o| o.as_str() == text)
    }

    /// The jobseeker was not spoken to. Only these count towards the
    /// attempts after which a letter goes out: someone who answered and
    /// asked to be called later has not been hard to reach.
    pub fn is_unreached(self) -> bool {
        matches!(
            self,
            CallOutcome::NoAnswer
                | CallOutcome::Busy
                | CallOutcome::Voicemail
                | CallOutcome::WrongPerson
        )
    }

    /// The jobseeker was spoken to: the first contact happened.
    pub fn is_contact(self) -> bool {
        matches!(
            self,
            CallOutcome::Reached | CallOutcome::CallBackLater | CallOutcome::Refused
        )
    }
}

/// How a registration's callback ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum CloseResult {
    /// Identity confirmed and the job search registered in the national system.
    Registered,
    /// The person does not want to start a job search after all.
    NotStarting,
    /// The person belongs to another service or area.
    Referred,
    /// Not reached by phone; a letter was sent.
    LetterSent,
    /// The person refused the call.
    Refused,
}

impl CloseResult {
    pub const ALL: [CloseResult; 5] = [
        CloseResult::Registered,
        CloseResult::NotStarting,
        CloseResult::Referred,
        CloseResult::LetterSent,
        CloseResult::Refused,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            CloseResult::Registered => "registered",
            CloseResult::NotStarting => "not_starting",
            CloseResult::Referred => "referred",
            CloseResult::LetterSent => "letter_sent",
            CloseResult::Refused => "refused",
        }
    }

    pub fn parse(text: &str) -> Option<CloseResult> {
        CloseResult::ALL.into_iter().find(|r| r.as_str() == text)
    }
}

/// What the queue does after an attempt.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum NextStep {
    /// Reached: the caseworker confirms identity and closes, still holding it.
    Talk,
    /// Back into the queue, not before this moment.
    CallAgainAt(OffsetDateTime),
    /// Unreachable by phone: the registration moves to "send a letter".
    SendLetter,
    /// Finished by the call itself.
    Close(CloseResult),
}

/// What follows from an attempt. `unreached` counts the unreached attempts
/// including this one; `call_back_at` is the time agreed on the phone.
pub fn next_step(
    outcome: CallOutcome,
    unreached: u32,
    max_attempts: u32,
    now: OffsetDateTime,
    call_time: CallTime,
    call_back_at: Option<OffsetDateTime>,
) -> NextStep {
    match outcome {
        CallOutcome::Reached => NextStep::Talk,
        CallOutcome::Refused => NextStep::Close(CloseResult::Refused),
        // Another try on the same number reaches the same stranger.
        CallOutcome::WrongNumber => NextStep::SendLetter,
        CallOutcome::CallBackLater => NextStep::CallAgainAt(
            call_back_at
                .filter(|at| *at > now)
                .unwrap_or_else(|| schedule::next_slot(now, call_time)),
        ),
        CallOutcome::NoAnswer
        | CallOutcome::Busy
        | CallOutcome::Voicemail
        | CallOutcome::WrongPerson => {
            if unreached >= max_attempts {
                NextStep::SendLetter
            } else if outcome == CallOutcome::Busy {
                NextStep::CallAgainAt(schedule::soon_or_next_slot(now, call_time))
            } else {
                NextStep::CallAgainAt(schedule::next_slot(now, call_time))
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use time::macros::datetime;

    #[test]
    fn names_round_trip() {
        for outcome in CallOutcome::ALL {
            assert_eq!(CallOutcome::parse(outcome.as_str()), Some(outcome));
        }
        for result in CloseResult::ALL {
            assert_eq!(CloseResult::parse(result.as_str()), Some(result));
        }
    }

    #[test]
    fn the_third_unreached_attempt_sends_a_letter() {
        // Tuesday 10.11.2026 10:00 in Helsinki.
        let now = datetime!(2026-11-10 08:00 UTC);
        let step = |outcome, n| next_step(outcome, n, 3, now, CallTime::Any, None);
        assert!(matches!(
            step(CallOutcome::NoAnswer, 1),
            NextStep::CallAgainAt(_)
        ));
        assert!(matches!(
            step(CallOutcome::Voicemail, 2),
            NextStep::CallAgainAt(_)
        ));
        assert_eq!(step(CallOutcome::Busy, 3), NextStep::SendLetter);
        assert_eq!(step(CallOutcome::WrongNumber, 1), NextStep::SendLetter);
        assert_eq!(step(CallOutcome::Reached, 3), NextStep::Talk);
        assert_eq!(
            step(CallOutcome::Refused, 0),
            NextStep::Close(CloseResult::Refused)
        );
    }

    #[test]
    fn call_back_later_keeps_the_agreed_time() {
        let now = datetime!(2026-11-10 08:00 UTC);
        let agreed = datetime!(2026-11-12 12:30 UTC);
        assert_eq!(
            next_step(
                CallOutcome::CallBackLater,
                0,
                3,
                now,
                CallTime::Any,
                Some(agreed)
            ),
            NextStep::CallAgainAt(agreed)
        );
    }
}
