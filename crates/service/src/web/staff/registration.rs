//! One registration for a caseworker: the record and its sources, the
//! phone number to call, earlier calls; claiming and giving back, logging a
//! call, closing with a result. Every showing of the page is audited.

use askama::Template;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use serde::Deserialize;
use time::OffsetDateTime;
use uuid::Uuid;

use super::auth::{AdminAccess, CaseworkerAccess, NoFields, Requirement, Signed, StaffForm};
use super::queue::Choice;
use super::texts::{
    StaffTexts, channel_label, fill, match_label, outcome_label, result_label, status_label,
};
use super::view::{
    Chrome, MessageKind, iso_time, local_date, local_time, message, phone_display, render,
};
use crate::accounts::Role;
use crate::callbacks::schedule::finnish_moment;
use crate::callbacks::{CallOutcome, CloseResult, NextStep};
use crate::store::audit::AuditAction;
use crate::store::callbacks::{
    AttemptLogged, Claim, CloseOutcome, Closing, NewCallAttempt, TakeOver,
};
use crate::web::{AppError, AppState};
use intake_core::calendar::finnish_date;
use intake_core::form::FieldDef;
use intake_core::record::validate;
use intake_core::record::{FieldReading, FieldStatus, RegistrationStatus, Value};

/// Longest note kept with a call or a result.
const NOTE_MAX_CHARS: usize = 2000;
/// How far ahead a call-back can be agreed.
const CALL_BACK_MAX_DAYS: i64 = 90;

#[derive(Deserialize, Default)]
pub struct PageQuery {
    notice: Option<String>,
}

/// What the caseworker typed, kept when the form comes back with errors.
#[derive(Default)]
struct Entered {
    outcome: Option<String>,
    note: String,
    call_back_date: String,
    call_back_time: String,
    result: Option<String>,
    identity_confirmed: bool,
    close_note: String,
}

struct ErrorLink {
    anchor: &'static str,
    message: &'static str,
}

struct FieldLine {
    label: String,
    value: String,
    marker: Option<String>,
}

struct SourceLine {
    reference: String,
    channel: &'static str,
    received_iso: String,
    received: String,
    office: String,
    matched: Option<&'static str>,
}

/// A letter (triage item) linked to the registration.
struct LetterLine {
    id: String,
    received_iso: String,
    received: String,
    /// The first lines of its text.
    opening: String,
}

/// How much of a letter's text the page shows.
const LETTER_LINES: usize = 3;
const LETTER_CHARS: usize = 240;

/// The first lines of a letter's text (blank lines skipped), cut short.
fn letter_opening(text: &str) -> String {
    let lines: Vec<&str> = text
        .split(['\n', '\u{c}'])
        .map(str::trim)
        .filter(|line| !line.is_empty())
        .collect();
    let mut opening = lines
        .iter()
        .take(LETTER_LINES)
        .copied()
        .collect::<Vec<_>>()
        .join(" / ");
    let mut cut = lines.len() > LETTER_LINES;
    if opening.chars().count() > LETTER_CHARS {
        opening = opening.chars().take(LETTER_CHARS).collect();
        cut = true;
    }
    if cut {
        opening.push_str(" …");
    }
    opening
}

struct AttemptLine {
    at_iso: String,
    at: String,
    who: String,
    outcome: &'static str,
    call_back: Option<String>,
    note: String,
}

struct ClosedView {
    result: &'static str,
    by: String,
    at: String,
    note: String,
}

#[derive(Template)]
#[template(path = "staff/registration.html")]
struct RegistrationPage {
    chrome: Chrome,
    id: String,
    reference: String,
    name: String,
    status: &'static str,
    callable: bool,
    received_iso: String,
    received: String,
    due_iso: String,
    due: String,
    overdue: bool,
    identity_verified: bool,
    channels: String,
    office: String,
    phone: String,
    phone_display: String,
    call_time: String,
    service_language: String,
    lease_mine: Option<String>,
    lease_other: Option<String>,
    is_admin: bool,
    next_call: Option<String>,
    attempts: i64,
    outcomes: Vec<Choice>,
    results: Vec<Choice>,
    can_close: bool,
    entered: Entered,
    errors: Vec<ErrorLink>,
    notice: Option<&'static str>,
    call_log: Vec<AttemptLine>,
    fields: Vec<FieldLine>,
    sources: Vec<SourceLine>,
    letters: Vec<LetterLine>,
    closed: Option<ClosedView>,
    csrf: String,
    /// What the keyboard starts on: the error summary, the phone number
    /// just after claiming, the close form after a reached call.
    focus: &'static str,
}

fn notice_text(t: &StaffTexts, notice: Option<&str>) -> Option<&'static str> {
    Some(match notice? {
        "claimed" => t.notice_claimed,
        "held" => t.notice_held,
        "not_open" => t.notice_not_open,
        "taken" => t.notice_taken,
        "reached" => t.notice_reached,
        "not_holder" => t.notice_not_holder,
        "not_allowed" => t.notice_not_allowed,
        "released" => t.notice_released,
        _ => return None,
    })
}

fn page_path(id: Uuid, notice: &str) -> String {
    format!("/staff/registrations/{id}?notice={notice}")
}

pub async fn page(
    State(state): State<AppState>,
    staff: Signed<CaseworkerAccess>,
    Path(id): Path<String>,
    Query(query): Query<PageQuery>,
) -> Result<Response, AppError> {
    let Ok(id) = Uuid::parse_str(&id) else {
        return Ok(message(staff.lang, MessageKind::NotFound));
    };
    // A folded registration is shown as the one it was folded into.
    if let Some(primary) = state.store.duplicate_of(id).await? {
        return Ok(Redirect::to(&format!("/staff/registrations/{primary}")).into_response());
    }
    let notice = notice_text(
        super::texts::staff_texts(staff.lang),
        query.notice.as_deref(),
    );
    show(
        &state,
        &staff,
        id,
        notice,
        Entered::default(),
        Vec::new(),
        StatusCode::OK,
    )
    .await
}

async fn show<R: Requirement>(
    state: &AppState,
    staff: &Signed<R>,
    id: Uuid,
    notice: Option<&'static str>,
    entered: Entered,
    errors: Vec<ErrorLink>,
    status: StatusCode,
) -> Result<Response, AppError> {
    let now = OffsetDateTime::now_utc();
    let Some(detail) = state.store.callback_detail(id, now).await? else {
        return Ok(message(staff.lang, MessageKind::NotFound));
    };
    let sources = state.store.registration_sources(id).await?;
    let letters = state.store.triage_items_of(id).await?;
    // Nothing is shown that is not in the audit log first.
    state
        .store
        .audit_event(staff.id(), Some(id), AuditAction::View, "", now)
        .await?;

    let path = format!("/staff/registrations/{id}");
    let chrome = Chrome::signed(staff, &path);
    let (t, lang) = (chrome.t, chrome.lang);
    let registration = &detail.registration;
    let field_def = |field: &str| state.form.field(field);
    let choice_label = |field: &str| {
        let value = registration.text(field)?;
        Some(
            field_def(field)
                .and_then(|f| f.option(value))
                .map_or(value.to_string(), |o| o.label.get(lang).to_string()),
        )
    };
    let mut channels: Vec<_> = sources.iter().map(|s| s.channel).collect();
    channels.sort_by_key(|c| c.as_str());
    channels.dedup();
    let callable = matches!(
        registration.status,
        RegistrationStatus::AwaitingCall | RegistrationStatus::SendLetter
    );
    let mine = detail.holder.as_ref().filter(|h| h.id == staff.id());
    let other = detail.holder.as_ref().filter(|h| h.id != staff.id());
    let contacted = detail.call_attempts.iter().any(|a| a.outcome.is_contact());
    let can_close = callable
        && mine.is_some()
        && (contacted || registration.status == RegistrationStatus::SendLetter);
    let today = finnish_date(now);
    let office = |id: &str| {
        state
            .config
            .office(id)
            .map_or(id.to_string(), |o| o.name.get(lang).to_string())
    };
    let focus = if !errors.is_empty() {
        "errors"
    } else if notice == Some(t.notice_claimed) {
        "phone"
    } else if notice == Some(t.notice_reached) && can_close {
        "close"
    } else {
        ""
    };
    let page = RegistrationPage {
        id: id.to_string(),
        reference: registration.reference.to_string(),
        name: format!(
            "{} {}",
            registration.text("first_names").unwrap_or_default(),
            registration.text("surname").unwrap_or_default()
        ),
        status: status_label(t, registration.status),
        callable,
        received_iso: iso_time(registration.received_at),
        received: local_time(registration.received_at),
        due_iso: detail.due_on.map(|d| d.to_string()).unwrap_or_default(),
        due: detail.due_on.map(local_date).unwrap_or_default(),
        overdue: callable
            && detail.first_contact_at.is_none()
            && detail.due_on.is_some_and(|d| d < today),
        identity_verified: registration.identity_verified,
        channels: channels
            .iter()
            .map(|c| channel_label(t, *c))
            .collect::<Vec<_>>()
            .join(" + "),
        office: office(&registration.office),
        phone: registration.text("phone").unwrap_or_default().to_string(),
        phone_display: phone_display(registration.text("phone").unwrap_or_default()),
        call_time: choice_label("call_time").unwrap_or_default(),
        service_language: choice_label("service_language").unwrap_or_default(),
        lease_mine: mine.map(|h| fill(t.lease_yours, &local_time(h.until))),
        lease_other: other.map(|h| format!("{} ({})", h.name, fill(t.until, &local_time(h.until)))),
        is_admin: staff.session.member.role == Role::Admin,
        next_call: detail.next_call_at.filter(|at| *at > now).map(local_time),
        attempts: detail.attempts,
        outcomes: CallOutcome::ALL
            .iter()
            .map(|o| Choice {
                value: o.as_str().to_string(),
                label: outcome_label(t, *o).to_string(),
                selected: entered.outcome.as_deref() == Some(o.as_str()),
            })
            .collect(),
        results: CloseResult::ALL
            .iter()
            .filter(|r| match r {
                // A letter closes only what is waiting for one.
                CloseResult::LetterSent => registration.status == RegistrationStatus::SendLetter,
                _ => contacted,
            })
            .map(|r| Choice {
                value: r.as_str().to_string(),
                label: result_label(t, *r).to_string(),
                selected: entered.result.as_deref() == Some(r.as_str()),
            })
            .collect(),
        can_close,
        call_log: detail
            .call_attempts
            .iter()
            .map(|a| AttemptLine {
                at_iso: iso_time(a.at),
                at: local_time(a.at),
                who: a.staff_name.clone(),
                outcome: outcome_label(t, a.outcome),
                call_back: a.call_back_at.map(local_time),
                note: a.note.clone(),
            })
            .collect(),
        fields: state
            .form
            .fields
            .iter()
            .map(|def| field_line(def, registration.fields.get(&def.id), t, lang))
            .collect(),
        sources: sources
            .iter()
            .map(|s| SourceLine {
                reference: s.reference.clone(),
                channel: channel_label(t, s.channel),
                received_iso: iso_time(s.received_at),
                received: local_time(s.received_at),
                office: office(&s.office),
                matched: s.matched_on.map(|m| match_label(t, m)),
            })
            .collect(),
        letters: letters
            .iter()
            .map(|item| LetterLine {
                id: item.id.to_string(),
                received_iso: item.received_on.to_string(),
                received: local_date(item.received_on),
                opening: letter_opening(&item.text),
            })
            .collect(),
        closed: detail.result.map(|result| ClosedView {
            result: result_label(t, result),
            by: detail.closed_by.clone().unwrap_or_default(),
            at: detail.closed_at.map(local_time).unwrap_or_default(),
            note: detail.result_note.clone().unwrap_or_default(),
        }),
        entered,
        errors,
        focus,
        notice,
        csrf: staff.csrf.clone(),
        chrome,
    };
    render(status, &page)
}

fn field_line(
    def: &FieldDef,
    reading: Option<&FieldReading>,
    t: &StaffTexts,
    lang: intake_core::i18n::Lang,
) -> FieldLine {
    let value = match reading.and_then(|r| r.value.as_ref()) {
        None => "–".to_string(),
        Some(Value::Bool(true)) => t.yes.to_string(),
        Some(Value::Bool(false)) => t.no.to_string(),
        Some(Value::Text(text)) => def
            .option(text)
            .map_or(text.clone(), |o| o.label.get(lang).to_string()),
    };
    let marker = reading.and_then(|r| match r.status {
        FieldStatus::Accepted => None,
        FieldStatus::NeedsReview => Some(format!(
            "{}{}{}",
            t.field_needs_review,
            // Why, in the page's language.
            r.reasons
                .iter()
                .enumerate()
                .map(|(i, x)| format!("{}{}", if i == 0 { ": " } else { "; " }, x.text(lang)))
                .collect::<String>(),
            // Sent on from the verification station as it was.
            r.corrected_by
                .as_deref()
                .map(|who| format!(" ({} {who})", t.field_sent_on_by))
                .unwrap_or_default()
        )),
        FieldStatus::Corrected => Some(format!(
            "{} {}",
            t.field_corrected_by,
            r.corrected_by.as_deref().unwrap_or("?")
        )),
    });
    FieldLine {
        label: def.label(lang).to_string(),
        value,
        marker,
    }
}

fn parse_id(id: &str) -> Option<Uuid> {
    Uuid::parse_str(id).ok()
}

pub async fn claim(
    State(state): State<AppState>,
    Path(id): Path<String>,
    StaffForm { staff, .. }: StaffForm<CaseworkerAccess, NoFields>,
) -> Result<Response, AppError> {
    let Some(id) = parse_id(&id) else {
        return Ok(message(staff.lang, MessageKind::NotFound));
    };
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
    Path(id): Path<String>,
    StaffForm { staff, .. }: StaffForm<CaseworkerAccess, NoFields>,
) -> Result<Response, AppError> {
    let Some(id) = parse_id(&id) else {
        return Ok(message(staff.lang, MessageKind::NotFound));
    };
    state
        .store
        .release(id, staff.id(), OffsetDateTime::now_utc())
        .await?;
    Ok(Redirect::to("/staff/queue?notice=released").into_response())
}

pub async fn take_over(
    State(state): State<AppState>,
    Path(id): Path<String>,
    StaffForm { staff, .. }: StaffForm<AdminAccess, NoFields>,
) -> Result<Response, AppError> {
    let Some(id) = parse_id(&id) else {
        return Ok(message(staff.lang, MessageKind::NotFound));
    };
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
    Path(id): Path<String>,
    StaffForm { staff, form }: StaffForm<CaseworkerAccess, AttemptForm>,
) -> Result<Response, AppError> {
    let Some(id) = parse_id(&id) else {
        return Ok(message(staff.lang, MessageKind::NotFound));
    };
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
    Path(id): Path<String>,
    StaffForm { staff, form }: StaffForm<CaseworkerAccess, CloseForm>,
) -> Result<Response, AppError> {
    let Some(id) = parse_id(&id) else {
        return Ok(message(staff.lang, MessageKind::NotFound));
    };
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
    fn a_letter_shows_its_first_lines() {
        assert_eq!(
            letter_opening("Hei,\n\nolen työtön.\n"),
            "Hei, / olen työtön."
        );
        assert_eq!(letter_opening("a\nb\u{c}c\nd"), "a / b / c …");
        assert_eq!(letter_opening(&"x".repeat(300)).chars().count(), 242);
    }

    #[test]
    fn notes_lose_control_characters_but_keep_lines() {
        assert_eq!(clean_note(" a\u{7}b\nc \r"), "ab\nc");
    }
}
