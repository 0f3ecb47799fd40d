//! What a caseworker does on a registration's page: claim it and give it
//! back, log a call, close it with a result; and the admin's take-over.
//! Each answers with the page again (with errors) or a redirect.

use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use serde::Deserialize;
use time::OffsetDateTime;

use super::super::auth::{NoFields, StaffForm};
use super::{CALL_BACK_MAX_DAYS, Entered, ErrorLink, NOTE_MAX_CHARS, page_path, show};
use crate::callbacks::schedule::finnish_moment;
use crate::callbacks::{CallOutcome, CloseResult, NextStep};
use crate::store::callbacks::{
    AttemptLogged, Claim, CloseOutcome, Closing, NewCallAttempt, TakeOver,
};
use crate::web::{AppError, AppState, IdPath};
use intake_core::record::validate;

pub async fn claim(
    State(state): State<AppState>,
    IdPath(id): IdPath,
    StaffForm { staff, .. }: StaffForm<NoFields>,
) -> Result<Response, AppError> {
    let now = OffsetDateTime::now_utc();
    let notice = match state
        .store
        .claim(id, staff.id(), &state.config.staff, now)
        .await?
    {
        Claim::Claimed { .. } => "claimed",
        Claim::HeldBy(_) => "held",
        Claim::NotOpen => "not_open",
    };
    Ok(Redirect::to(&page_path(id, notice)).into_response())
}

pub async fn release(
    State(state): State<AppState>,
    IdPath(id): IdPath,
    StaffForm { staff, .. }: StaffForm<NoFields>,
) -> Result<Response, AppError> {
    state
        .store
        .release(id, staff.id(), OffsetDateTime::now_utc())
        .await?;
    Ok(Redirect::to("/staff/queue?notice=released").into_response())
}

pub async fn take_over(
    State(state): State<AppState>,
    IdPath(id): IdPath,
    StaffForm { staff, .. }: StaffForm<NoFields>,
) -> Result<Response, AppError> {
    let taken = state
        .store
        .take_over(
            id,
            staff.id(),
            &state.config.staff,
            OffsetDateTime::now_utc(),
        )
        .await?;
    let notice = match taken {
        TakeOver::Taken { .. } => "taken",
        TakeOver::NotOpen => "not_open",
    };
    Ok(Redirect::to(&page_path(id, notice)).into_response())
}

#[derive(Deserialize)]
pub struct AttemptForm {
    outcome: Option<String>,
    #[serde(default)]
    note: String,
    #[serde(default)]
    call_back_date: String,
    #[serde(default)]
    call_back_time: String,
}

pub async fn log_attempt(
    State(state): State<AppState>,
    IdPath(id): IdPath,
    StaffForm { staff, form }: StaffForm<AttemptForm>,
) -> Result<Response, AppError> {
    let t = super::texts::staff_texts(staff.lang);
    let now = OffsetDateTime::now_utc();
    let outcome = form.outcome.as_deref().and_then(CallOutcome::parse);
    let note = clean_note(&form.note);
    let mut errors = Vec::new();
    if outcome.is_none() {
        errors.push(ErrorLink {
            anchor: "outcome-reached",
            message: t.error_outcome,
        });
    }
    if note.chars().count() > NOTE_MAX_CHARS {
        errors.push(ErrorLink {
            anchor: "note",
            message: t.error_note_long,
        });
    }
    let call_back_at = if outcome == Some(CallOutcome::CallBackLater) {
        let at = call_back_moment(&form.call_back_date, &form.call_back_time)
            .filter(|at| *at > now && *at < now + time::Duration::days(CALL_BACK_MAX_DAYS));
        if at.is_none() {
            errors.push(ErrorLink {
                anchor: "call-back-date",
                message: t.error_call_back,
            });
        }
        at
    } else {
        None
    };
    let Some(outcome) = outcome.filter(|_| errors.is_empty()) else {
        let entered = Entered {
            outcome: form.outcome,
            note: form.note,
            call_back_date: form.call_back_date,
            call_back_time: form.call_back_time,
            ..Entered::default()
        };
        return show(
            &state,
            &staff,
            id,
            None,
            entered,
            errors,
            StatusCode::UNPROCESSABLE_ENTITY,
        )
        .await;
    };
    let attempt = NewCallAttempt {
        outcome,
        note,
        call_back_at,
    };
    let logged = state
        .store
        .log_attempt(id, staff.id(), &attempt, &state.config.staff, now)
        .await?;
    let target = match logged {
        AttemptLogged::Logged(NextStep::Talk) => format!("{}#close", page_path(id, "reached")),
        AttemptLogged::Logged(_) => "/staff/queue?notice=logged".to_string(),
        AttemptLogged::NotHolder => page_path(id, "not_holder"),
    };
    Ok(Redirect::to(&target).into_response())
}

#[derive(Deserialize)]
pub struct CloseForm {
    result: Option<String>,
    identity_confirmed: Option<String>,
    #[serde(default)]
    close_note: String,
}

pub async fn close(
    State(state): State<AppState>,
    IdPath(id): IdPath,
    StaffForm { staff, form }: StaffForm<CloseForm>,
) -> Result<Response, AppError> {
    let t = super::texts::staff_texts(staff.lang);
    let result = form.result.as_deref().and_then(CloseResult::parse);
    let identity_confirmed = form.identity_confirmed.as_deref() == Some("yes");
    let note = clean_note(&form.close_note);
    let mut errors = Vec::new();
    match result {
        None => errors.push(ErrorLink {
            anchor: "results",
            message: t.error_result,
        }),
        Some(CloseResult::Registered) if !identity_confirmed => errors.push(ErrorLink {
            anchor: "identity_confirmed",
            message: t.error_identity,
        }),
        _ => {}
    }
    if note.chars().count() > NOTE_MAX_CHARS {
        errors.push(ErrorLink {
            anchor: "close_note",
            message: t.error_note_long,
        });
    }
    let Some(result) = result.filter(|_| errors.is_empty()) else {
        let entered = Entered {
            result: form.result,
            identity_confirmed,
            close_note: form.close_note,
            ..Entered::default()
        };
        return show(
            &state,
            &staff,
            id,
            None,
            entered,
            errors,
            StatusCode::UNPROCESSABLE_ENTITY,
        )
        .await;
    };
    let closing = Closing {
        result,
        identity_confirmed,
        note,
    };
    let outcome = state
        .store
        .close_registration(id, staff.id(), &closing, OffsetDateTime::now_utc())
        .await?;
    let target = match outcome {
        CloseOutcome::Closed => "/staff/queue?notice=closed".to_string(),
        CloseOutcome::NotHolder => page_path(id, "not_holder"),
        CloseOutcome::NotAllowed => page_path(id, "not_allowed"),
    };
    Ok(Redirect::to(&target).into_response())
}

/// Notes keep their line breaks but no other control characters.
fn clean_note(note: &str) -> String {
    note.chars()
        .filter(|c| !c.is_control() || *c == '\n')
        .collect::<String>()
        .trim()
        .to_string()
}

/// A call-back time typed as a date (`2026-11-20` or `20.11.2026`) and a
/// time (`14:30` or `14.30`), Finnish time.
fn call_back_moment(date: &str, clock: &str) -> Option<OffsetDateTime> {
    let date = validate::date(date).ok()?;
    let (hour, minute) = clock.trim().split_once([':', '.'])?;
    let (hour, minute): (u8, u8) = (hour.parse().ok()?, minute.parse().ok()?);
    (hour < 24 && minute < 60).then(|| finnish_moment(date, hour, minute))
}

#[cfg(test)]
mod tests {
    use super::*;
    use time::macros::datetime;

    #[test]
    fn a_call_back_time_is_read_in_finnish_time() {
        assert_eq!(
            call_back_moment("20.11.2026", "14.30"),
            Some(datetime!(2026-11-20 12:30 UTC))
        );
        assert_eq!(
            call_back_moment("2026-07-01", "09:00"),
            Some(datetime!(2026-07-01 06:00 UTC))
        );
        assert_eq!(call_back_moment("2026-07-01", "25:00"), None);
        assert_eq!(call_back_moment("", "09:00"), None);
    }

    #[test]
    fn notes_lose_control_characters_but_keep_lines() {
        assert_eq!(clean_note(" a\u{7}b\nc \r"), "ab\nc");
    }
}
