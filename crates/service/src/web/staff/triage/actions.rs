//! What a caseworker does with an open triage item: make a registration
//! of it (checked by the web form's rules), link it to a registration by
//! reference, or close it with a note. Each happens once; a form with
//! errors comes back with what was typed.

use std::collections::HashMap;

use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use serde::Deserialize;
use time::OffsetDateTime;

use super::super::auth::StaffForm;
use super::super::view::{MessageKind, message};
use super::texts::triage_texts;
use super::{Entered, NOTE_MAX_CHARS, find, show};
use crate::store::NewRegistration;
use crate::store::triage::{TriageDone, TriageStatus};
use crate::web::{AppError, AppState, IdPath};
use intake_core::calendar::start_of_finnish_day;
use intake_core::form::Channel;
use intake_core::record::normalise::normalise_submission;
use intake_core::record::validate::FieldError;
use intake_core::record::{Provenance, Reference};

fn to_list(notice: &str, reference: Option<&str>) -> Response {
    let mut query = vec![("notice", notice)];
    query.extend(reference.map(|r| ("reference", r)));
    let query = serde_urlencoded::to_string(&query).unwrap_or_default();
    Redirect::to(&format!("/staff/triage?{query}")).into_response()
}

fn done_redirect(done: TriageDone, reference: &str) -> Response {
    match done {
        TriageDone::Converted(_) => to_list("converted", Some(reference)),
        TriageDone::Linked => to_list("linked", Some(reference)),
        TriageDone::Closed => to_list("closed", None),
        TriageDone::NotOpen => to_list("not_open", None),
    }
}

pub async fn convert(
    State(state): State<AppState>,
    IdPath(id): IdPath,
    StaffForm { staff, form }: StaffForm<HashMap<String, String>>,
) -> Result<Response, AppError> {
    let Some(item) = find(&state, id).await? else {
        return Ok(message(staff.lang, MessageKind::NotFound));
    };
    if item.status != TriageStatus::Open {
        return Ok(to_list("not_open", None));
    }
    let fields = match normalise_submission(&state.form, Channel::Paper, &form) {
        Ok(fields) => fields,
        Err(errors) => {
            let errors = errors
                .into_iter()
                .map(|(field, error): (String, FieldError)| {
                    (format!("c-{field}"), error.message(staff.lang))
                })
                .collect();
            let entered = Entered {
                fields: Some(form),
                ..Entered::default()
            };
            return show(
                &state,
                &staff,
                &item,
                entered,
                errors,
                StatusCode::UNPROCESSABLE_ENTITY,
            )
            .await;
        }
    };
    let new = NewRegistration {
        form: state.form.id().to_string(),
        form_version: state.form.version(),
        office: item.office.clone(),
        fields,
        provenance: Provenance::Paper {
            original_sha256: item.original_sha256.clone(),
            pages: item.pages.iter().map(|p| p.page).collect(),
            serial: None,
        },
        submission_key: None,
    };
    let now = OffsetDateTime::now_utc();
    let done = state
        .store
        .convert_triage(
            item.id,
            staff.id(),
            &new,
            start_of_finnish_day(item.received_on),
            now,
        )
        .await?;
    let reference = match &done {
        TriageDone::Converted(registration) => registration.reference.to_string(),
        _ => String::new(),
    };
    Ok(done_redirect(done, &reference))
}

#[derive(Deserialize)]
pub struct LinkForm {
    #[serde(default)]
    reference: String,
    #[serde(default)]
    link_note: String,
}

pub async fn link(
    State(state): State<AppState>,
    IdPath(id): IdPath,
    StaffForm { staff, form }: StaffForm<LinkForm>,
) -> Result<Response, AppError> {
    let Some(item) = find(&state, id).await? else {
        return Ok(message(staff.lang, MessageKind::NotFound));
    };
    let t = triage_texts(staff.lang);
    let reference = Reference::parse(&form.reference);
    let owner = match &reference {
        Some(reference) => state.store.reference_owner(reference).await?,
        None => None,
    };
    let note = clean_note(&form.link_note);
    let mut errors = Vec::new();
    if owner.is_none() {
        errors.push(("reference".to_string(), t.error_reference.to_string()));
    }
    if note.chars().count() > NOTE_MAX_CHARS {
        errors.push(("link_note".to_string(), t.error_note_long.to_string()));
    }
    let (Some(owner), Some(reference), true) = (owner, reference, errors.is_empty()) else {
        let entered = Entered {
            reference: form.reference,
            link_note: form.link_note,
            ..Entered::default()
        };
        return show(
            &state,
            &staff,
            &item,
            entered,
            errors,
            StatusCode::UNPROCESSABLE_ENTITY,
        )
        .await;
    };
    let done = state
        .store
        .link_triage(item.id, staff.id(), owner, &note, OffsetDateTime::now_utc())
        .await?;
    Ok(done_redirect(done, reference.as_str()))
}

#[derive(Deserialize)]
pub struct CloseForm {
    #[serde(default)]
    close_note: String,
}

pub async fn close(
    State(state): State<AppState>,
    IdPath(id): IdPath,
    StaffForm { staff, form }: StaffForm<CloseForm>,
) -> Result<Response, AppError> {
    let Some(item) = find(&state, id).await? else {
        return Ok(message(staff.lang, MessageKind::NotFound));
    };
    let t = triage_texts(staff.lang);
    let note = clean_note(&form.close_note);
    let problem = if note.is_empty() {
        Some(t.error_note)
    } else if note.chars().count() > NOTE_MAX_CHARS {
        Some(t.error_note_long)
    } else {
        None
    };
    if let Some(problem) = problem {
        let entered = Entered {
            close_note: form.close_note,
            ..Entered::default()
        };
        let errors = vec![("close_note".to_string(), problem.to_string())];
        return show(
            &state,
            &staff,
            &item,
            entered,
            errors,
            StatusCode::UNPROCESSABLE_ENTITY,
        )
        .await;
    }
    let done = state
        .store
        .close_triage(item.id, staff.id(), &note, OffsetDateTime::now_utc())
        .await?;
    Ok(done_redirect(done, ""))
}

/// Notes keep their line breaks but no other control characters.
fn clean_note(note: &str) -> String {
    note.chars()
        .filter(|c| !c.is_control() || *c == '\n')
        .collect::<String>()
        .trim()
        .to_string()
}
