//! The verification station: mailroom staff check the paper fields the
//! machine was unsure of. The list holds every registration awaiting
//! review, oldest received first; each has one form with its flagged
//! fields, each beside the picture of it on the page and what was read.
//! The first field has the focus, Tab moves on, Enter saves (checked by the
//! web form's rules) and opens the next form; the whole page is a link
//! away. When nothing is left to check, the registration is in the queue.
//! A field with evidence against it (the postal code table) says so, and
//! offers the likely values as buttons with access keys: one puts its
//! value in the input, and the form comes back to be saved.

mod fields;
pub mod images;
mod pages;
pub mod texts;

use std::collections::HashMap;

use askama::Template;
use axum::extract::{Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use serde::Deserialize;
use time::OffsetDateTime;
use uuid::Uuid;

use super::auth::{Signed, StaffForm};
use super::texts::fill;
use super::view::{Chrome, local_date, render};
use crate::store::audit::AuditAction;
use crate::store::review::{Review, Reviewed, review_fingerprint};
use crate::web::{AppError, AppState, IdPath};
use fields::FieldView;
use intake_core::calendar::finnish_date;
use intake_core::form::{Channel, FieldDef, FormDefinition};
use intake_core::record::validate::FieldError;
use intake_core::record::{FieldReading, FieldStatus, Registration, RegistrationStatus};
use intake_paper::printable::Layout;
pub use pages::{crop, page_image, pages_page};
use texts::{VerifyTexts, verify_texts};

/// The second button of the form: its name and value.
const SEND_ON_FIELD: &str = "verify_action";
const SEND_ON_VALUE: &str = "send_on";

#[derive(Deserialize, Default)]
pub struct NoticeQuery {
    notice: Option<String>,
    reference: Option<String>,
}

struct ListLine {
    id: String,
    reference: String,
    received: String,
    office: String,
    fields: String,
}

#[derive(Template)]
#[template(path = "staff/verify_list.html")]
struct ListPage {
    chrome: Chrome,
    t: &'static VerifyTexts,
    lines: Vec<ListLine>,
    notices: Vec<String>,
}

struct ErrorLine {
    field: String,
    label: String,
    message: String,
}

#[derive(Template)]
#[template(path = "staff/verify_form.html")]
struct FormPage {
    chrome: Chrome,
    t: &'static VerifyTexts,
    id: String,
    reference: String,
    received: String,
    office: String,
    position: String,
    has_pages: bool,
    /// Candidate buttons are on the page: a hidden save button comes first
    /// so that Enter in an input still saves.
    has_candidates: bool,
    fields: Vec<FieldView>,
    errors: Vec<ErrorLine>,
    notice: Option<String>,
    seen: String,
    csrf: String,
}

/// The notice a page shows after a redirect.
fn notice_text(t: &VerifyTexts, query: &NoticeQuery) -> Option<String> {
    let reference = query.reference.as_deref().unwrap_or("");
    Some(match query.notice.as_deref()? {
        "queued" => fill(t.notice_queued, reference),
        "folded" => fill(t.notice_folded, reference),
        "sent_on" => fill(t.notice_sent_on, reference),
        "changed" => t.notice_changed.to_string(),
        "flagged" => t.notice_flagged.to_string(),
        "not_awaiting" => t.notice_not_awaiting.to_string(),
        _ => return None,
    })
}

fn office_name(state: &AppState, id: &str, lang: intake_core::i18n::Lang) -> String {
    state
        .config
        .office(id)
        .map_or(id.to_string(), |o| o.name.get(lang).to_string())
}

/// The definition a registration was read by (paper printed last year may
/// be an older version), else the current one.
fn definition_of<'a>(state: &'a AppState, registration: &Registration) -> &'a FormDefinition {
    state
        .pipeline
        .catalogue
        .definition(&registration.form, registration.form_version)
        .unwrap_or(&state.form)
}

/// The flagged fields in the order the form puts them.
fn flagged<'a>(
    definition: &'a FormDefinition,
    registration: &'a Registration,
) -> Vec<(&'a FieldDef, &'a FieldReading)> {
    definition
        .fields_for(Channel::Paper)
        .filter_map(|def| {
            let reading = registration.fields.get(&def.id)?;
            (reading.status == FieldStatus::NeedsReview).then_some((def, reading))
        })
        .collect()
}

pub async fn list_page(
    State(state): State<AppState>,
    staff: Signed,
    Query(query): Query<NoticeQuery>,
) -> Result<Response, AppError> {
    let chrome = Chrome::signed(&staff, "/staff/verify");
    let t = verify_texts(staff.lang);
    let entries = state.store.review_list().await?;
    // The fields in the order the form puts them.
    let labels = |flagged: &[String]| {
        let mut known: Vec<String> = state
            .form
            .fields
            .iter()
            .filter(|f| flagged.contains(&f.id))
            .map(|f| f.label(staff.lang).to_string())
            .collect();
        known.extend(
            flagged
                .iter()
                .filter(|id| state.form.field(id).is_none())
                .cloned(),
        );
        known.join(", ")
    };
    let lines = entries
        .iter()
        .map(|entry| ListLine {
            id: entry.id.to_string(),
            reference: entry.reference.clone(),
            received: local_date(finnish_date(entry.received_at)),
            office: office_name(&state, &entry.office, staff.lang),
            fields: labels(&entry.flagged),
        })
        .collect::<Vec<_>>();
    let mut notices: Vec<String> = notice_text(t, &query).into_iter().collect();
    if lines.is_empty() && query.notice.as_deref().is_some_and(|n| n != "not_awaiting") {
        notices.push(t.notice_all_done.to_string());
    }
    let page = ListPage {
        chrome,
        t,
        lines,
        notices,
    };
    render(StatusCode::OK, &page)
}

pub async fn form_page(
    State(state): State<AppState>,
    staff: Signed,
    IdPath(id): IdPath,
    Query(query): Query<NoticeQuery>,
) -> Result<Response, AppError> {
    let Some(registration) = awaiting(&state, id).await? else {
        return Ok(to_list("not_awaiting", None));
    };
    let notice = notice_text(verify_texts(staff.lang), &query);
    show_form(
        &state,
        &staff,
        &registration,
        None,
        Vec::new(),
        notice,
        StatusCode::OK,
    )
    .await
}

/// The registration if it is waiting for review.
async fn awaiting(state: &AppState, id: Uuid) -> Result<Option<Registration>, AppError> {
    Ok(state
        .store
        .registration(id)
        .await?
        .filter(|r| r.status == RegistrationStatus::AwaitingReview))
}

fn to_list(notice: &str, reference: Option<&str>) -> Response {
    let mut query = vec![("notice", notice)];
    query.extend(reference.map(|r| ("reference", r)));
    let query = serde_urlencoded::to_string(&query).unwrap_or_default();
    Redirect::to(&format!("/staff/verify?{query}")).into_response()
}

async fn show_form(
    state: &AppState,
    staff: &Signed,
    registration: &Registration,
    entered: Option<&HashMap<String, String>>,
    errors: Vec<(String, FieldError)>,
    notice: Option<String>,
    status: StatusCode,
) -> Result<Response, AppError> {
    let lang = staff.lang;
    let t = verify_texts(lang);
    let now = OffsetDateTime::now_utc();
    let id = registration.id;
    // Nothing is shown that is not in the audit log first.
    state
        .store
        .audit_event(staff.id(), Some(id), AuditAction::View, "verify", now)
        .await?;
    let definition = definition_of(state, registration);
    let layout = Layout::from_definition(definition);
    let images = state.store.registration_page_images(id).await?;
    let entries = state.store.review_list().await?;
    let position = entries.iter().position(|e| e.id == id).map_or(1, |i| i + 1);
    let error_of = |field: &str| errors.iter().find(|(f, _)| f == field).map(|(_, e)| e);
    let first_error = errors.first().map(|(field, _)| field.as_str());
    // After a candidate is picked, its field has the focus: Enter saves.
    let focus = entered
        .and_then(|form| form.get(fields::PICK_FIELD))
        .and_then(|pick| pick.split_once('='))
        .map(|(field, _)| field);
    let mut views = Vec::new();
    for (def, reading) in flagged(definition, registration) {
        let typed = entered.map(|form| form.get(&def.id).map_or("", String::as_str));
        let mut view = fields::view(def, reading, typed, lang, t);
        view.crop = layout
            .field(&def.id)
            .filter(|placed| images.iter().any(|i| i.form_page == placed.page))
            .map(|_| format!("/staff/verify/{id}/crop?field={}", def.id));
        view.error = error_of(&def.id).map(|e| e.message(lang));
        view.evidence = fields::evidence(def, reading, &registration.fields, lang);
        view.autofocus = match (first_error, focus) {
            (Some(field), _) | (None, Some(field)) => field == def.id,
            (None, None) => views.is_empty(),
        };
        views.push(view);
    }
    fields::number_candidates(&mut views, t);
    let has_candidates = views.iter().any(|v| !v.candidates.is_empty());
    let error_lines = views
        .iter()
        .filter_map(|v| {
            Some(ErrorLine {
                field: v.id.clone(),
                label: v.label.clone(),
                message: v.error.clone()?,
            })
        })
        .collect();
    let page = FormPage {
        chrome: Chrome::signed(staff, "/staff/verify"),
        t,
        id: id.to_string(),
        reference: registration.reference.to_string(),
        received: local_date(finnish_date(registration.received_at)),
        office: office_name(state, &registration.office, lang),
        position: format!(
            "{} {}",
            fill(t.position, &position.to_string()),
            entries.len()
        ),
        has_pages: !images.is_empty(),
        has_candidates,
        fields: views,
        errors: error_lines,
        notice,
        seen: review_fingerprint(&registration.fields),
        csrf: staff.csrf.clone(),
    };
    render(status, &page)
}

pub async fn submit(
    State(state): State<AppState>,
    IdPath(id): IdPath,
    StaffForm { staff, form }: StaffForm<HashMap<String, String>>,
) -> Result<Response, AppError> {
    let Some(registration) = awaiting(&state, id).await? else {
        return Ok(to_list("not_awaiting", None));
    };
    let id = registration.id;
    let changed =
        || Ok(Redirect::to(&format!("/staff/verify/{id}?notice=changed")).into_response());
    let seen = form.get("seen").map_or("", String::as_str);
    if seen != review_fingerprint(&registration.fields) {
        return changed();
    }
    let definition = definition_of(&state, &registration);
    let flagged = flagged(definition, &registration);
    // A candidate picked: into its input, and the form back to be saved.
    // A button press never saves, even when its value is not one offered.
    if form.contains_key(fields::PICK_FIELD) {
        let mut entered = form.clone();
        if let Some((field, value)) = fields::picked(&flagged, &form) {
            entered.insert(field, value.to_string());
        }
        return show_form(
            &state,
            &staff,
            &registration,
            Some(&entered),
            Vec::new(),
            None,
            StatusCode::OK,
        )
        .await;
    }
    // "Send on as it is": what passes the rules is kept, the rest stays
    // flagged for the caseworker.
    let send_on = form.get(SEND_ON_FIELD).map(String::as_str) == Some(SEND_ON_VALUE);
    let (decisions, unresolved) = if send_on {
        fields::decide_what_passes(definition, &registration.fields, &flagged, &form)
    } else {
        // Each answer by its own rules, then all of them by the rules
        // between fields.
        let decided = fields::decide(&flagged, &form).and_then(|decisions| {
            let errors =
                fields::rule_errors(definition, &registration.fields, &flagged, &decisions);
            if errors.is_empty() {
                Ok(decisions)
            } else {
                Err(errors)
            }
        });
        match decided {
            Ok(decisions) => (decisions, Vec::new()),
            Err(errors) => {
                return show_form(
                    &state,
                    &staff,
                    &registration,
                    Some(&form),
                    errors,
                    None,
                    StatusCode::UNPROCESSABLE_ENTITY,
                )
                .await;
            }
        }
    };
    // The next form is the one after this in the list, else the first.
    let before = state.store.review_list().await?;
    let at = before.iter().position(|e| e.id == id).unwrap_or(0);
    let next: Vec<Uuid> = before
        .iter()
        .skip(at + 1)
        .chain(before.iter().take(at))
        .map(|e| e.id)
        .filter(|other| *other != id)
        .collect();
    let review = Review {
        registration: id,
        seen: seen.to_string(),
        staff_id: staff.id(),
        staff_name: staff.session.member.name.clone(),
        decisions,
    };
    let now = OffsetDateTime::now_utc();
    let applied = if unresolved.is_empty() {
        state.store.apply_review(&review, definition, now).await?
    } else {
        state
            .store
            .send_on_review(&review, &unresolved, definition, now)
            .await?
    };
    let how = match applied {
        Reviewed::Queued { folded_into: None } if !unresolved.is_empty() => "sent_on",
        Reviewed::Queued { folded_into: None } => "queued",
        Reviewed::Queued {
            folded_into: Some(_),
        } => "folded",
        Reviewed::Changed => return changed(),
        // Saved, but with the answers a field not on the form breaks a
        // rule: the same form again, with that field to check.
        Reviewed::Flagged(_) => {
            return Ok(Redirect::to(&format!("/staff/verify/{id}?notice=flagged")).into_response());
        }
        Reviewed::NotAwaiting => return Ok(to_list("not_awaiting", None)),
    };
    let reference = registration.reference.to_string();
    Ok(match next.first() {
        Some(next) => {
            let query = serde_urlencoded::to_string([("notice", how), ("reference", &reference)])
                .unwrap_or_default();
            Redirect::to(&format!("/staff/verify/{next}?{query}")).into_response()
        }
        None => to_list(how, Some(&reference)),
    })
}
