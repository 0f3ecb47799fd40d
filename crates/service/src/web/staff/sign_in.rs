//! The sign-in room: signing in and out, the staff home page and the
//! language switch.
//! A wrong password counts towards a lock-out; an unknown name takes as
//! long to refuse as a known one.

use askama::Template;
use axum::Router;
use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Redirect, Response};
use serde::Deserialize;
use time::OffsetDateTime;

use super::auth::{
    self, NoFields, SESSION_COOKIE, Signed, StaffForm, cookie, new_session_token, safe_next,
    secure_request, session_cookie, staff_lang,
};
use super::view::{Chrome, local_time, render};
use super::{Access, Room};
use crate::accounts::{Role, password};
use crate::web::transport::Transport;
use crate::web::{AppError, AppState};
use intake_core::i18n::Lang;

/// The sign-in room: open to anyone; home and sign-out need a session.
pub fn rooms() -> Vec<Room> {
    vec![
        Room::new(Access::Public)
            .get("/staff/sign-in", sign_in_page)
            .post("/staff/sign-in", sign_in)
            .get("/staff/language/{lang}", language),
        Room::new(Access::AnyStaff)
            .get("/staff", home)
            .post("/staff/sign-out", sign_out),
    ]
}

pub fn router(state: &AppState) -> Router<AppState> {
    super::rooms::router(rooms(), state)
}

const SIGN_IN_PURPOSE: &str = "staff-sign-in";

#[derive(Template)]
#[template(path = "staff/sign_in.html")]
struct SignInPage {
    chrome: Chrome,
    token: String,
    next: String,
    name: String,
    notice: Option<String>,
    error: Option<String>,
}

#[derive(Deserialize, Default)]
pub struct SignInQuery {
    next: Option<String>,
    reason: Option<String>,
}

pub async fn sign_in_page(
    State(state): State<AppState>,
    headers: HeaderMap,
    Query(query): Query<SignInQuery>,
) -> Result<Response, AppError> {
    let lang = staff_lang(&headers);
    let t = super::texts::staff_texts(lang);
    let notice = match query.reason.as_deref() {
        Some("expired") => Some(t.session_ended.to_string()),
        Some("signed_out") => Some(t.signed_out.to_string()),
        _ => None,
    };
    sign_in_form(
        &state,
        lang,
        safe_next(query.next.as_deref()),
        String::new(),
        notice,
        None,
        StatusCode::OK,
    )
}

fn sign_in_form(
    state: &AppState,
    lang: Lang,
    next: String,
    name: String,
    notice: Option<String>,
    error: Option<String>,
    status: StatusCode,
) -> Result<Response, AppError> {
    let page = SignInPage {
        chrome: Chrome::anonymous(lang, "/staff/sign-in"),
        token: state.tokens.issue(SIGN_IN_PURPOSE),
        next,
        name,
        notice,
        error,
    };
    render(status, &page)
}

#[derive(Deserialize)]
pub struct SignInForm {
    #[serde(default)]
    name: String,
    #[serde(default)]
    password: String,
    #[serde(default)]
    form_token: String,
    next: Option<String>,
}

pub async fn sign_in(
    State(state): State<AppState>,
    transport: Transport,
    headers: HeaderMap,
    body: axum::body::Bytes,
) -> Result<Response, AppError> {
    let lang = staff_lang(&headers);
    let t = super::texts::staff_texts(lang);
    let Ok(form) = serde_urlencoded::from_bytes::<SignInForm>(&body) else {
        return Ok(super::view::message(
            lang,
            super::view::MessageKind::BadForm,
        ));
    };
    let next = safe_next(form.next.as_deref());
    let name = form.name.trim().to_lowercase();
    let refuse = |error: String, status| {
        sign_in_form(
            &state,
            lang,
            next.clone(),
            name.clone(),
            None,
            Some(error),
            status,
        )
    };
    if state
        .tokens
        .verify(SIGN_IN_PURPOSE, &form.form_token)
        .is_err()
    {
        return refuse(t.sign_in_form_expired.to_string(), StatusCode::BAD_REQUEST);
    }
    let now = OffsetDateTime::now_utc();
    let record = state.store.staff_for_sign_in(&name).await?;
    let Some(record) = record else {
        let password = form.password;
        let _ = tokio::task::spawn_blocking(move || password::verify_decoy(&password)).await;
        return refuse(t.sign_in_wrong.to_string(), StatusCode::UNAUTHORIZED);
    };
    let locked = |until: OffsetDateTime| super::texts::fill(t.sign_in_locked, &local_time(until));
    if let Some(until) = record.member.locked_until.filter(|until| *until > now) {
        return refuse(locked(until), StatusCode::UNAUTHORIZED);
    }
    let stored = record.password_hash.clone();
    let password = form.password;
    let correct = tokio::task::spawn_blocking(move || password::verify(&password, &stored))
        .await
        .unwrap_or(false);
    if !correct {
        let locked_until = state
            .store
            .record_failed_sign_in(record.member.id, &state.config.staff, now)
            .await?;
        tracing::info!(staff = %record.member.id, locked = locked_until.is_some(), "a staff sign-in was refused");
        return match locked_until {
            Some(until) => refuse(locked(until), StatusCode::UNAUTHORIZED),
            None => refuse(t.sign_in_wrong.to_string(), StatusCode::UNAUTHORIZED),
        };
    }
    // A fresh secret at every sign-in: a session planted before it is useless.
    if let Some(old) = cookie(&headers, SESSION_COOKIE) {
        state.store.end_session(&old).await?;
    }
    let token = new_session_token();
    state
        .store
        .start_session(record.member.id, &token, &state.config.staff, now)
        .await?;
    tracing::info!(staff = %record.member.id, "staff signed in");
    let mut response = Redirect::to(&next).into_response();
    response.headers_mut().insert(
        header::SET_COOKIE,
        session_cookie(Some(&token), secure_request(&state, &transport)),
    );
    Ok(response)
}

pub async fn sign_out(
    State(state): State<AppState>,
    transport: Transport,
    StaffForm { staff, .. }: StaffForm<NoFields>,
) -> Result<Response, AppError> {
    state
        .store
        .sign_out(&staff.session, OffsetDateTime::now_utc())
        .await?;
    let mut response = Redirect::to("/staff/sign-in?reason=signed_out").into_response();
    response.headers_mut().insert(
        header::SET_COOKIE,
        session_cookie(None, secure_request(&state, &transport)),
    );
    Ok(response)
}

#[derive(Deserialize)]
pub struct LanguageQuery {
    back: Option<String>,
}

/// Remembers the language in a cookie and goes back to the page.
pub async fn language(
    State(state): State<AppState>,
    transport: Transport,
    Path(code): Path<String>,
    Query(query): Query<LanguageQuery>,
) -> Response {
    let back = match query.back.as_deref() {
        Some("/staff/sign-in") => "/staff/sign-in".to_string(),
        other => safe_next(other),
    };
    let mut response = Redirect::to(&back).into_response();
    if let Some(lang) = Lang::from_code(&code) {
        response.headers_mut().insert(
            header::SET_COOKIE,
            auth::lang_cookie(lang, secure_request(&state, &transport)),
        );
    }
    response
}

struct HomeLink {
    href: &'static str,
    label: &'static str,
    hint: &'static str,
}

#[derive(Template)]
#[template(path = "staff/home.html")]
struct HomePage {
    chrome: Chrome,
    links: Vec<HomeLink>,
}

pub async fn home(staff: Signed) -> Result<Response, AppError> {
    let chrome = Chrome::signed(&staff, "/staff");
    let t = chrome.t;
    let role = staff.session.member.role;
    let mut links = Vec::new();
    if matches!(role, Role::Caseworker | Role::Admin) {
        links.push(HomeLink {
            href: "/staff/queue",
            label: t.nav_queue,
            hint: t.home_queue_hint,
        });
        links.push(HomeLink {
            href: "/staff/triage",
            label: t.nav_triage,
            hint: t.home_triage_hint,
        });
        links.push(HomeLink {
            href: "/staff/dashboard",
            label: t.nav_dashboard,
            hint: t.home_dashboard_hint,
        });
    }
    if matches!(role, Role::Mailroom | Role::Admin) {
        links.push(HomeLink {
            href: "/staff/verify",
            label: t.nav_verify,
            hint: t.home_verify_hint,
        });
        links.push(HomeLink {
            href: "/staff/mailroom",
            label: t.nav_mailroom,
            hint: t.home_mailroom_hint,
        });
    }
    if role == Role::Admin {
        links.push(HomeLink {
            href: "/staff/export",
            label: t.nav_export,
            hint: t.home_export_hint,
        });
        links.push(HomeLink {
            href: "/staff/admin/staff",
            label: t.nav_staff,
            hint: t.home_staff_hint,
        });
    }
    render(StatusCode::OK, &HomePage { chrome, links })
}
