//! The admin's pages: the staff accounts (with lock-outs to lift) and the
//! audit log, per staff member and per registration.

use askama::Template;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use time::OffsetDateTime;

use super::auth::{NoFields, Signed, StaffForm};
use super::texts::{action_label, role_label};
use super::view::{Chrome, MessageKind, iso_time, local_time, message, render};
use crate::store::audit::AuditEntry;
use crate::web::{AppError, AppState, IdPath};

struct MemberLine {
    id: String,
    name: String,
    role: &'static str,
    created: String,
    locked_until: Option<String>,
}

#[derive(Template)]
#[template(path = "staff/staff_list.html")]
struct StaffListPage {
    chrome: Chrome,
    members: Vec<MemberLine>,
    csrf: String,
}

pub async fn staff_list(
    State(state): State<AppState>,
    staff: Signed,
) -> Result<Response, AppError> {
    let now = OffsetDateTime::now_utc();
    let chrome = Chrome::signed(&staff, "/staff/admin/staff");
    let t = chrome.t;
    let members = state
        .store
        .staff_members()
        .await?
        .into_iter()
        .map(|m| MemberLine {
            id: m.id.to_string(),
            name: m.name,
            role: role_label(t, m.role),
            created: local_time(m.created_at),
            locked_until: m.locked_until.filter(|u| *u > now).map(local_time),
        })
        .collect();
    let csrf = staff.csrf.clone();
    render(
        StatusCode::OK,
        &StaffListPage {
            chrome,
            members,
            csrf,
        },
    )
}

pub async fn unlock(
    State(state): State<AppState>,
    IdPath(id): IdPath,
    StaffForm { staff, .. }: StaffForm<NoFields>,
) -> Result<Response, AppError> {
    state
        .store
        .unlock_staff(id, staff.id(), OffsetDateTime::now_utc())
        .await?;
    Ok(Redirect::to("/staff/admin/staff").into_response())
}

struct EntryLine {
    at_iso: String,
    at: String,
    staff_id: Option<String>,
    staff_name: String,
    action: String,
    registration_id: Option<String>,
    reference: String,
    detail: String,
}

#[derive(Template)]
#[template(path = "staff/audit.html")]
struct AuditPage {
    chrome: Chrome,
    heading: String,
    entries: Vec<EntryLine>,
}

fn lines(chrome: &Chrome, entries: Vec<AuditEntry>) -> Vec<EntryLine> {
    entries
        .into_iter()
        .map(|e| EntryLine {
            at_iso: iso_time(e.at),
            at: local_time(e.at),
            staff_id: e.staff_id.map(|id| id.to_string()),
            staff_name: e.staff_name.unwrap_or_default(),
            action: action_label(chrome.t, &e.action),
            registration_id: e.registration_id.map(|id| id.to_string()),
            reference: e.reference.unwrap_or_default(),
            detail: e.detail,
        })
        .collect()
}

pub async fn staff_audit(
    State(state): State<AppState>,
    staff: Signed,
    IdPath(id): IdPath,
) -> Result<Response, AppError> {
    let member = state.store.staff_member(id).await?;
    let Some(member) = member else {
        return Ok(message(staff.lang, MessageKind::NotFound));
    };
    let chrome = Chrome::signed(&staff, "/staff/admin/staff");
    let entries = lines(&chrome, state.store.audit_for_staff(member.id).await?);
    let page = AuditPage {
        heading: format!("{}: {}", chrome.t.audit_title, member.name),
        chrome,
        entries,
    };
    render(StatusCode::OK, &page)
}

pub async fn registration_audit(
    State(state): State<AppState>,
    staff: Signed,
    IdPath(id): IdPath,
) -> Result<Response, AppError> {
    let registration = state.store.registration(id).await?;
    let Some(registration) = registration else {
        return Ok(message(staff.lang, MessageKind::NotFound));
    };
    let chrome = Chrome::signed(&staff, "/staff/admin/staff");
    let entries = lines(
        &chrome,
        state.store.audit_for_registration(registration.id).await?,
    );
    let page = AuditPage {
        heading: format!("{}: {}", chrome.t.audit_title, registration.reference),
        chrome,
        entries,
    };
    render(StatusCode::OK, &page)
}
