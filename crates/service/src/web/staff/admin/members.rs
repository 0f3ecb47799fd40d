//! The admin's pages: the staff accounts over their whole life (paused
//! sign-ins to lift, disabling and enabling, new passwords, roles) and the
//! audit log, per staff member and per registration. An admin does not
//! disable or demote their own account here (the command line can), so the
//! last admin cannot shut everyone out by a slip.

use askama::Template;
use axum::extract::{Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use serde::Deserialize;
use time::OffsetDateTime;

use super::auth::{NoFields, Signed, StaffForm};
use super::texts::{action_label, role_label};
use super::view::{Chrome, MessageKind, iso_time, local_time, message, render};
use crate::accounts::{Role, password};
use crate::store::audit::AuditEntry;
use crate::web::staff::sign_in::name_key;
use crate::web::{AppError, AppState, IdPath};

struct MemberLine {
    id: String,
    name: String,
    role: Role,
    role_text: &'static str,
    created: String,
    paused_until: Option<String>,
    disabled: bool,
    is_me: bool,
}

struct RoleChoice {
    code: &'static str,
    label: &'static str,
}

#[derive(Template)]
#[template(path = "staff/staff_list.html")]
struct StaffListPage {
    chrome: Chrome,
    members: Vec<MemberLine>,
    roles: Vec<RoleChoice>,
    error: Option<String>,
    csrf: String,
}

#[derive(Deserialize, Default)]
pub struct StaffListQuery {
    error: Option<String>,
}

pub async fn staff_list(
    State(state): State<AppState>,
    staff: Signed,
    Query(query): Query<StaffListQuery>,
) -> Result<Response, AppError> {
    let now = OffsetDateTime::now_utc();
    let chrome = Chrome::signed(&staff, "/staff/admin/staff");
    let t = chrome.t;
    let mut members = Vec::new();
    for m in state.store.staff_members().await? {
        let paused = state
            .store
            .name_paused_until(&name_key(&state, &m.name), &state.config.staff, now)
            .await?;
        members.push(MemberLine {
            id: m.id.to_string(),
            role: m.role,
            role_text: role_label(t, m.role),
            created: local_time(m.created_at),
            paused_until: paused.map(local_time),
            disabled: m.disabled_at.is_some(),
            is_me: m.id == staff.id(),
            name: m.name,
        });
    }
    let roles = Role::ALL
        .into_iter()
        .map(|role| RoleChoice {
            code: role.as_str(),
            label: role_label(t, role),
        })
        .collect();
    let error = match query.error.as_deref() {
        Some("password") => Some(super::texts::fill(
            t.password_too_short,
            &password::MIN_LENGTH.to_string(),
        )),
        _ => None,
    };
    let csrf = staff.csrf.clone();
    render(
        StatusCode::OK,
        &StaffListPage {
            chrome,
            members,
            roles,
            error,
            csrf,
        },
    )
}

fn back_to_list() -> Response {
    Redirect::to("/staff/admin/staff").into_response()
}

pub async fn unlock(
    State(state): State<AppState>,
    IdPath(id): IdPath,
    StaffForm { staff, .. }: StaffForm<NoFields>,
) -> Result<Response, AppError> {
    let Some(member) = state.store.staff_member(id).await? else {
        return Ok(message(staff.lang, MessageKind::NotFound));
    };
    let key = name_key(&state, &member.name);
    let now = OffsetDateTime::now_utc();
    state
        .store
        .unpause_sign_in(member.id, &key, staff.id(), now)
        .await?;
    Ok(back_to_list())
}

pub async fn disable(
    State(state): State<AppState>,
    IdPath(id): IdPath,
    StaffForm { staff, .. }: StaffForm<NoFields>,
) -> Result<Response, AppError> {
    set_disabled(state, id, staff, true).await
}

pub async fn enable(
    State(state): State<AppState>,
    IdPath(id): IdPath,
    StaffForm { staff, .. }: StaffForm<NoFields>,
) -> Result<Response, AppError> {
    set_disabled(state, id, staff, false).await
}

async fn set_disabled(
    state: AppState,
    id: uuid::Uuid,
    staff: Signed,
    disabled: bool,
) -> Result<Response, AppError> {
    if id == staff.id() {
        return Ok(message(staff.lang, MessageKind::Forbidden));
    }
    let now = OffsetDateTime::now_utc();
    if !state
        .store
        .set_staff_disabled(id, disabled, Some(staff.id()), now)
        .await?
    {
        return Ok(message(staff.lang, MessageKind::NotFound));
    }
    Ok(back_to_list())
}

#[derive(Deserialize)]
pub struct PasswordFields {
    #[serde(default)]
    new_password: String,
}

pub async fn set_password(
    State(state): State<AppState>,
    IdPath(id): IdPath,
    StaffForm { staff, form }: StaffForm<PasswordFields>,
) -> Result<Response, AppError> {
    if password::check_new(&form.new_password).is_err() {
        return Ok(Redirect::to("/staff/admin/staff?error=password#error-summary").into_response());
    }
    let new_password = form.new_password;
    let hash = tokio::task::spawn_blocking(move || password::hash(&new_password))
        .await
        .map_err(|_| AppError::Task)?;
    let now = OffsetDateTime::now_utc();
    if !state
        .store
        .set_staff_password(id, &hash, Some(staff.id()), now)
        .await?
    {
        return Ok(message(staff.lang, MessageKind::NotFound));
    }
    Ok(back_to_list())
}

#[derive(Deserialize)]
pub struct RoleFields {
    #[serde(default)]
    role: String,
}

pub async fn set_role(
    State(state): State<AppState>,
    IdPath(id): IdPath,
    StaffForm { staff, form }: StaffForm<RoleFields>,
) -> Result<Response, AppError> {
    let Some(role) = Role::parse(&form.role) else {
        return Ok(message(staff.lang, MessageKind::BadForm));
    };
    if id == staff.id() {
        return Ok(message(staff.lang, MessageKind::Forbidden));
    }
    let now = OffsetDateTime::now_utc();
    if !state
        .store
        .set_staff_role(id, role, Some(staff.id()), now)
        .await?
    {
        return Ok(message(staff.lang, MessageKind::NotFound));
    }
    Ok(back_to_list())
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
