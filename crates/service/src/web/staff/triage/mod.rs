//! Triage for caseworkers: the mail from the drop box that is not our form,
//! oldest first, each with its page images and the text read from them. An
//! open item is turned into a registration (a form prefilled from what the
//! text gives), linked to an existing registration by its reference, or
//! closed with a note. Every view and action is audited.

mod actions;
mod prefill;
mod texts;

use std::collections::HashMap;
use std::ops::Deref;

use askama::Template;
use axum::extract::{Query, State};
use axum::http::StatusCode;
use axum::response::Response;
use serde::Deserialize;
use time::OffsetDateTime;
use uuid::Uuid;

use super::auth::Signed;
use super::fields::FieldInput;
use super::texts::fill;
use super::verify::images;
use super::view::{Chrome, MessageKind, local_date, local_time, message, render};
use crate::store::audit::AuditAction;
use crate::store::triage::{TriageItem, TriageStatus};
use crate::web::{AppError, AppState, IdPath};
pub use actions::{close, convert, link};
use intake_core::form::Channel;
use texts::{TriageTexts, triage_texts};

/// Longest note kept with a linked or closed item.
const NOTE_MAX_CHARS: usize = 2000;

#[derive(Deserialize, Default)]
pub struct NoticeQuery {
    notice: Option<String>,
    reference: Option<String>,
}

struct ListLine {
    id: String,
    received: String,
    office: String,
    file: String,
    start: String,
    pages: usize,
}

#[derive(Template)]
#[template(path = "staff/triage_list.html")]
struct ListPage {
    chrome: Chrome,
    t: &'static TriageTexts,
    lines: Vec<ListLine>,
    notice: Option<String>,
}

/// The pages of a text: the pipeline puts a form feed between them.
fn page_count(text: &str) -> usize {
    text.matches('\u{c}').count() + 1
}

fn office_name(state: &AppState, id: &str, lang: intake_core::i18n::Lang) -> String {
    state
        .config
        .office(id)
        .map_or(id.to_string(), |o| o.name.get(lang).to_string())
}

pub async fn list_page(
    State(state): State<AppState>,
    staff: Signed,
    Query(query): Query<NoticeQuery>,
) -> Result<Response, AppError> {
    let t = triage_texts(staff.lang);
    let items = state.store.open_triage_items().await?;
    let lines = items
        .iter()
        .map(|item| ListLine {
            id: item.id.to_string(),
            received: local_date(item.received_on),
            office: office_name(&state, &item.office, staff.lang),
            file: item.file_name.clone(),
            start: item
                .text
                .lines()
                .map(str::trim)
                .find(|l| !l.is_empty() && *l != "\u{c}")
                .map(|l| l.chars().take(80).collect())
                .unwrap_or_default(),
            pages: page_count(&item.text),
        })
        .collect();
    let reference = query.reference.as_deref().unwrap_or("");
    let notice = match query.notice.as_deref() {
        Some("converted") => Some(fill(t.notice_converted, reference)),
        Some("linked") => Some(fill(t.notice_linked, reference)),
        Some("closed") => Some(t.notice_closed.to_string()),
        Some("not_open") => Some(t.notice_not_open.to_string()),
        _ => None,
    };
    let page = ListPage {
        chrome: Chrome::signed(&staff, "/staff/triage"),
        t,
        lines,
        notice,
    };
    render(StatusCode::OK, &page)
}

struct PageThumb {
    src: Option<String>,
    alt: String,
    full: String,
}

/// One field of the registration form: the field as the definition gives
/// it, and whether its value was found in the letter.
struct FormField {
    input: FieldInput,
    found: bool,
    error: Option<String>,
    autofocus: bool,
}

impl Deref for FormField {
    type Target = FieldInput;

    fn deref(&self) -> &FieldInput {
        &self.input
    }
}

struct ErrorLine {
    anchor: String,
    message: String,
}

#[derive(Template)]
#[template(path = "staff/triage_item.html")]
struct ItemPage {
    chrome: Chrome,
    t: &'static TriageTexts,
    id: String,
    received: String,
    office: String,
    file: String,
    pages: Vec<PageThumb>,
    text: String,
    open: bool,
    status_line: Option<&'static str>,
    registration: Option<(String, String)>,
    handled: Option<String>,
    note: Option<String>,
    fields: Vec<FormField>,
    reference: String,
    link_note: String,
    close_note: String,
    errors: Vec<ErrorLine>,
    /// The id of the input the keyboard starts on after an error.
    focus: String,
    csrf: String,
}

/// What was typed into the three forms, kept when one comes back.
#[derive(Default)]
struct Entered {
    fields: Option<HashMap<String, String>>,
    reference: String,
    link_note: String,
    close_note: String,
}

pub async fn item_page(
    State(state): State<AppState>,
    staff: Signed,
    IdPath(id): IdPath,
) -> Result<Response, AppError> {
    let Some(item) = find(&state, id).await? else {
        return Ok(message(staff.lang, MessageKind::NotFound));
    };
    show(
        &state,
        &staff,
        &item,
        Entered::default(),
        Vec::new(),
        StatusCode::OK,
    )
    .await
}

async fn find(state: &AppState, id: Uuid) -> Result<Option<TriageItem>, AppError> {
    Ok(state.store.triage_item(id).await?)
}

async fn show(
    state: &AppState,
    staff: &Signed,
    item: &TriageItem,
    entered: Entered,
    errors: Vec<(String, String)>,
    status: StatusCode,
) -> Result<Response, AppError> {
    let lang = staff.lang;
    let t = triage_texts(lang);
    // Nothing is shown that is not in the audit log first.
    state
        .store
        .audit_event(
            staff.id(),
            item.registration_id,
            AuditAction::TriageView,
            &format!("triage {}", item.id),
            OffsetDateTime::now_utc(),
        )
        .await?;
    let found = prefill::prefill(&item.text);
    let error_of = |anchor: &str| {
        errors
            .iter()
            .find(|(a, _)| a == anchor)
            .map(|(_, m)| m.clone())
    };
    let fields = state
        .form
        .fields_for(Channel::Paper)
        .map(|def| {
            let value = match &entered.fields {
                Some(typed) => typed.get(&def.id).cloned().unwrap_or_default(),
                None => found
                    .get(def.id.as_str())
                    .cloned()
                    .or_else(|| def.default.clone())
                    .unwrap_or_default(),
            };
            FormField {
                input: FieldInput::new(def, lang, value),
                found: entered.fields.is_none() && found.contains_key(def.id.as_str()),
                error: error_of(&format!("c-{}", def.id)),
                autofocus: errors
                    .first()
                    .is_some_and(|(anchor, _)| *anchor == format!("c-{}", def.id)),
            }
        })
        .collect();
    let (status_line, handled) = match item.status {
        TriageStatus::Open => (None, None),
        done => (
            Some(match done {
                TriageStatus::Converted => t.status_converted,
                TriageStatus::Linked => t.status_linked,
                _ => t.status_closed,
            }),
            item.handled_by.as_ref().map(|who| {
                let when = item.handled_at.map(local_time).unwrap_or_default();
                format!("{} {when}", fill(t.handled_by, who))
            }),
        ),
    };
    let page = ItemPage {
        chrome: Chrome::signed(staff, "/staff/triage"),
        t,
        id: item.id.to_string(),
        received: local_date(item.received_on),
        office: office_name(state, &item.office, lang),
        file: item.file_name.clone(),
        pages: item
            .pages
            .iter()
            .map(|p| PageThumb {
                src: p
                    .image_path
                    .as_ref()
                    .map(|_| format!("/staff/triage/{}/image?page={}", item.id, p.page)),
                alt: fill(t.page_alt, &p.page.to_string()),
                full: fill(t.page_full, &p.page.to_string()),
            })
            .collect(),
        text: item.text.replace('\u{c}', "\n"),
        open: item.status == TriageStatus::Open,
        status_line,
        registration: item
            .registration_id
            .zip(item.registration_reference.clone())
            .map(|(id, reference)| (id.to_string(), reference)),
        handled,
        note: item.note.clone(),
        fields,
        reference: entered.reference,
        link_note: entered.link_note,
        close_note: entered.close_note,
        focus: errors.first().map(|(a, _)| a.clone()).unwrap_or_default(),
        errors: errors
            .into_iter()
            .map(|(anchor, message)| ErrorLine { anchor, message })
            .collect(),
        csrf: staff.csrf.clone(),
    };
    render(status, &page)
}

#[derive(Deserialize)]
pub struct ImageQuery {
    page: Option<u32>,
}

/// One page of an item, as stored (JPEG).
pub async fn image(
    State(state): State<AppState>,
    staff: Signed,
    IdPath(id): IdPath,
    Query(query): Query<ImageQuery>,
) -> Result<Response, AppError> {
    let not_found = || Ok(message(staff.lang, MessageKind::NotFound));
    let Some(item) = find(&state, id).await? else {
        return not_found();
    };
    let wanted = query.page.or_else(|| item.pages.first().map(|p| p.page));
    let Some(path) = item
        .pages
        .iter()
        .find(|p| Some(p.page) == wanted)
        .and_then(|p| p.image_path.as_deref())
    else {
        return not_found();
    };
    match images::read_stored(&state.pipeline.blobs, path).await? {
        Some(bytes) => Ok(images::image_response(bytes, "image/jpeg")),
        None => not_found(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pages_are_counted_by_their_form_feeds() {
        assert_eq!(page_count("one"), 1);
        assert_eq!(page_count("one\n\u{c}\ntwo"), 2);
    }
}
