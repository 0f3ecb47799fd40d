//! The callback queue page: every open registration of both channels in
//! due order, overdue ones marked, with filters and a search box, and a
//! Claim button on each line. The form is posted: a search holds a
//! henkilötunnus, a name or a phone number, which must not reach a URL
//! (server and proxy logs, the browser's history, a sign-in's `next=`).
//! Links with filters alone (`?status=...`) still work.

use askama::Template;
use axum::extract::{Query, State};
use axum::http::StatusCode;
use axum::response::Response;
use serde::Deserialize;
use time::OffsetDateTime;

use super::auth::{Signed, StaffForm};
use super::texts::{channel_label, fill, status_label};
use super::view::{Chrome, iso_time, local_clock, local_date, local_time, render};
use crate::store::audit::AuditAction;
use crate::store::callbacks::{QueueEntry, QueueFilter};
use crate::web::{AppError, AppState};
use intake_core::calendar::finnish_date;
use intake_core::record::{Channel, RegistrationStatus};

#[derive(Deserialize, Default)]
pub struct QueueQuery {
    status: Option<String>,
    office: Option<String>,
    language: Option<String>,
    other_language: Option<String>,
    channel: Option<String>,
    when: Option<String>,
    q: Option<String>,
    notice: Option<String>,
}

pub struct Choice {
    pub value: String,
    pub label: String,
    pub selected: bool,
}

struct Line {
    id: String,
    reference: String,
    name: String,
    phone: String,
    language: String,
    office: String,
    channels: String,
    received_iso: String,
    received: String,
    due_iso: String,
    due: String,
    attempts: i64,
    overdue: bool,
    due_today: bool,
    call_from: Option<String>,
    holder: Option<String>,
    mine: bool,
}

#[derive(Template)]
#[template(path = "staff/queue.html")]
struct QueuePage {
    chrome: Chrome,
    statuses: Vec<Choice>,
    offices: Vec<Choice>,
    languages: Vec<Choice>,
    other_language: String,
    channels: Vec<Choice>,
    when_all: bool,
    search: String,
    notice: Option<&'static str>,
    lines: Vec<Line>,
    claimable: bool,
    csrf: String,
    /// After a call is logged or closed, the keyboard starts on the next
    /// registration's Claim button.
    focus_first_claim: bool,
}

fn choices(
    options: impl IntoIterator<Item = (String, String)>,
    chosen: Option<&str>,
) -> Vec<Choice> {
    options
        .into_iter()
        .map(|(value, label)| Choice {
            selected: chosen == Some(value.as_str()),
            value,
            label,
        })
        .collect()
}

fn non_empty(value: &Option<String>) -> Option<&str> {
    value.as_deref().map(str::trim).filter(|v| !v.is_empty())
}

/// The queue by a link: filters only, never a search.
pub async fn queue_page(
    State(state): State<AppState>,
    staff: Signed,
    Query(query): Query<QueueQuery>,
) -> Result<Response, AppError> {
    let query = QueueQuery { q: None, ..query };
    show_queue(state, staff, query).await
}

/// The queue as the filter form asks for it, with the search.
pub async fn queue_search(
    State(state): State<AppState>,
    StaffForm { staff, form }: StaffForm<QueueQuery>,
) -> Result<Response, AppError> {
    show_queue(state, staff, form).await
}

async fn show_queue(
    state: AppState,
    staff: Signed,
    query: QueueQuery,
) -> Result<Response, AppError> {
    let now = OffsetDateTime::now_utc();
    let chrome = Chrome::signed(&staff, "/staff/queue");
    let (t, lang) = (chrome.t, chrome.lang);
    let status = non_empty(&query.status)
        .and_then(RegistrationStatus::parse)
        .unwrap_or(RegistrationStatus::AwaitingCall);
    let office = non_empty(&query.office)
        .filter(|id| state.config.office(id).is_some())
        .map(str::to_string);
    let language_field = state.form.field("service_language");
    let language = non_empty(&query.language)
        .filter(|v| language_field.is_some_and(|f| f.option(v).is_some()))
        .map(str::to_string);
    let channel = match non_empty(&query.channel) {
        Some("web") => Some(Channel::Web),
        Some("paper") => Some(Channel::Paper),
        _ => None,
    };
    let search = non_empty(&query.q).map(str::to_string);
    let other_language = non_empty(&query.other_language).map(str::to_string);
    let filter = QueueFilter {
        status,
        office: office.clone(),
        language: language.clone(),
        other_language: other_language.clone(),
        channel,
        search: search.clone(),
        include_later: query.when.as_deref() == Some("all"),
    };
    let entries = state.store.queue(&filter, now).await?;
    // Which lists were seen is audited; what was searched for is not logged.
    let detail = format!(
        "status={} office={} language={} other_language={} channel={} search={}",
        status.as_str(),
        office.as_deref().unwrap_or("all"),
        language.as_deref().unwrap_or("all"),
        if other_language.is_some() {
            "yes"
        } else {
            "no"
        },
        channel.map_or("all", Channel::as_str),
        if search.is_some() { "yes" } else { "no" },
    );
    state
        .store
        .audit_event(staff.id(), None, AuditAction::QueueView, &detail, now)
        .await?;

    let today = finnish_date(now);
    let language_name = |value: &str| {
        language_field
            .and_then(|f| f.option(value))
            .map_or(value.to_string(), |o| o.label.get(lang).to_string())
    };
    let office_name = |id: &str| {
        state
            .config
            .office(id)
            .map_or(id.to_string(), |o| o.name.get(lang).to_string())
    };
    let lines = entries
        .iter()
        .map(|entry: &QueueEntry| Line {
            id: entry.id.to_string(),
            reference: entry.reference.clone(),
            name: format!("{}, {}", entry.surname, entry.first_names),
            phone: entry.phone.clone().unwrap_or_default(),
            language: match (entry.service_language.as_deref(), &entry.other_language) {
                // "other: Arabic", for the interpreter to book.
                (Some(value), Some(which)) => format!("{}: {which}", language_name(value)),
                (value, _) => value.map(&language_name).unwrap_or_default(),
            },
            office: office_name(&entry.office),
            channels: entry
                .channels
                .iter()
                .map(|c| channel_label(t, *c))
                .collect::<Vec<_>>()
                .join(" + "),
            received_iso: iso_time(entry.received_at),
            received: local_time(entry.received_at),
            due_iso: entry.due_on.to_string(),
            due: local_date(entry.due_on),
            attempts: entry.attempts,
            overdue: entry.is_overdue(today),
            due_today: entry.first_contact_at.is_none() && entry.due_on == today,
            call_from: entry.next_call_at.filter(|at| *at > now).map(|at| {
                if finnish_date(at) == today {
                    local_clock(at)
                } else {
                    local_time(at)
                }
            }),
            mine: entry.holder.as_ref().is_some_and(|h| h.id == staff.id()),
            holder: entry
                .holder
                .as_ref()
                .map(|h| format!("{} ({})", h.name, fill(t.until, &local_clock(h.until)))),
        })
        .collect();
    let page = QueuePage {
        statuses: choices(
            [
                RegistrationStatus::AwaitingCall,
                RegistrationStatus::SendLetter,
                RegistrationStatus::AwaitingReview,
                RegistrationStatus::Closed,
                RegistrationStatus::Withdrawn,
            ]
            .map(|s| (s.as_str().to_string(), status_label(t, s).to_string())),
            Some(status.as_str()),
        ),
        offices: choices(
            state
                .config
                .offices
                .iter()
                .map(|o| (o.id.clone(), o.name.get(lang).to_string())),
            office.as_deref(),
        ),
        languages: choices(
            language_field
                .map(|f| f.options.clone())
                .unwrap_or_default()
                .into_iter()
                .map(|o| (o.value.clone(), o.label.get(lang).to_string())),
            language.as_deref(),
        ),
        other_language: other_language.unwrap_or_default(),
        channels: choices(
            [Channel::Web, Channel::Paper]
                .map(|c| (c.as_str().to_string(), channel_label(t, c).to_string())),
            channel.map(Channel::as_str),
        ),
        when_all: filter.include_later,
        search: search.unwrap_or_default(),
        focus_first_claim: matches!(
            query.notice.as_deref(),
            Some("logged" | "closed" | "released")
        ),
        notice: match query.notice.as_deref() {
            Some("logged") => Some(t.notice_logged),
            Some("closed") => Some(t.notice_closed),
            Some("released") => Some(t.notice_released),
            _ => None,
        },
        claimable: matches!(
            status,
            RegistrationStatus::AwaitingCall | RegistrationStatus::SendLetter
        ),
        lines,
        csrf: staff.csrf.clone(),
        chrome,
    };
    render(StatusCode::OK, &page)
}
