//! One registration for a caseworker: the record and its sources, the
//! phone number to call, earlier calls; claiming and giving back, logging a
//! call, closing with a result. Every showing of the page is audited.

use askama::Template;
use axum::extract::{Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use serde::Deserialize;
use time::OffsetDateTime;
use uuid::Uuid;

use super::auth::Signed;
use super::queue::Choice;
use super::texts;
use super::texts::{
    StaffTexts, channel_label, fill, match_label, outcome_label, result_label, status_label,
};
use super::view::{
    Chrome, CopyNote, MessageKind, iso_time, local_date, local_time, message, phone_display, render,
};
use crate::accounts::Role;
use crate::callbacks::{CallOutcome, CloseResult};
use crate::store::audit::AuditAction;
use crate::web::staff::fields::FieldInput;
use crate::web::{AppError, AppState, IdPath};

mod actions;
pub use actions::{claim, close, log_attempt, release, take_over};
use intake_core::calendar::finnish_date;
use intake_core::form::FieldDef;
use intake_core::record::{FieldReading, FieldStatus, RegistrationStatus};

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
    /// The registrations whose sheets this one's paper form was a copy of.
    copy_notes: Vec<CopyNote>,
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
    staff: Signed,
    IdPath(id): IdPath,
    Query(query): Query<PageQuery>,
) -> Result<Response, AppError> {
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

async fn show(
    state: &AppState,
    staff: &Signed,
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
    let copied = state.store.copied_sheets(id).await?;
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
        copy_notes: CopyNote::all(
            t.copy_note,
            copied.iter().map(|c| (c.id, c.reference.as_str())),
            true,
        ),
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
    let stored = reading.and_then(|r| r.value.as_ref());
    let input = FieldInput::stored(def, lang, stored);
    let value = match stored {
        None => "–".to_string(),
        Some(_) => input.shown(t.yes, t.no),
    };
    // Why, in the page's language.
    let why = |r: &FieldReading| {
        r.reasons
            .iter()
            .enumerate()
            .map(|(i, x)| format!("{}{}", if i == 0 { ": " } else { "; " }, x.text(lang)))
            .collect::<String>()
    };
    let marker = reading.and_then(|r| match r.status {
        FieldStatus::Accepted if r.reasons.is_empty() => None,
        // The web form warned and the person confirmed what they wrote.
        FieldStatus::Accepted => Some(format!(
            "{}{} ({})",
            t.field_sent_as_written,
            why(r),
            r.candidates.join(", ")
        )),
        FieldStatus::NeedsReview => Some(format!(
            "{}{}{}",
            t.field_needs_review,
            why(r),
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
        label: input.label,
        value,
        marker,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

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
    fn a_field_sent_as_written_says_so_with_the_tables_values() {
        use intake_core::form::FormDefinition;
        use intake_core::i18n::Lang;
        use intake_core::record::{ReviewReason, Value};

        let form = FormDefinition::load_by_id(None, "jobseeker-start").unwrap();
        let def = form.field("post_office").unwrap();
        let mut reading = FieldReading::typed(Some(Value::Text("Närpes".into())));
        let t = texts::staff_texts(Lang::En);
        assert_eq!(field_line(def, Some(&reading), t, Lang::En).marker, None);
        reading.reasons = vec![ReviewReason::PostalMismatch];
        reading.candidates = vec!["VASA".into(), "VAASA".into()];
        let marker = field_line(def, Some(&reading), t, Lang::En).marker.unwrap();
        assert!(marker.starts_with(t.field_sent_as_written), "{marker}");
        assert!(marker.ends_with("(VASA, VAASA)"), "{marker}");
    }
}
