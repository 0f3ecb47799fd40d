//! The sign-in room: signing in and out, the staff home page and the
//! language switch.
//!
//! Signing in gives nothing away: an unknown name, a wrong password, a
//! disabled account and a paused name get the same answer after the same
//! work (one argon2 check and one count of the failure). Failures are
//! throttled per name from one address, per address and per name
//! (`store::sign_in_throttle`); argon2 runs a few at a time. The form is
//! bound to a pre-session cookie that a cross-site form cannot send, so no
//! one can sign a browser into their own account (login CSRF).

use askama::Template;
use axum::Router;
use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Redirect, Response};
use hmac::{Hmac, Mac};
use serde::Deserialize;
use sha2::Sha256;
use std::time::Duration;
use time::OffsetDateTime;

use super::auth::{
    self, NoFields, SESSION_COOKIE, Signed, StaffForm, cookie, new_session_token, safe_next,
    secure_request, session_cookie, staff_lang,
};
use super::view::{Chrome, render};
use super::{Access, Room};
use crate::accounts::{Role, password};
use crate::store::sign_in_throttle::SignInKeys;
use crate::web::transport::Transport;
use crate::web::{AppError, AppState, abuse};
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
/// The pre-session cookie the sign-in form is bound to.
pub const PRE_SESSION_COOKIE: &str = "intake_sign_in";

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
    transport: Transport,
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
    let form = SignInForm::default();
    sign_in_form(
        &state,
        &transport,
        &headers,
        lang,
        safe_next(query.next.as_deref()),
        &form,
        notice,
        None,
        StatusCode::OK,
    )
}

/// The sign-in page with a form token bound to the browser's pre-session
/// cookie (set here when the browser has none).
#[allow(clippy::too_many_arguments)]
fn sign_in_form(
    state: &AppState,
    transport: &Transport,
    headers: &HeaderMap,
    lang: Lang,
    next: String,
    form: &SignInForm,
    notice: Option<String>,
    error: Option<String>,
    status: StatusCode,
) -> Result<Response, AppError> {
    let (pre_session, fresh) = match cookie(headers, PRE_SESSION_COOKIE) {
        Some(value) => (value, false),
        None => (new_session_token(), true),
    };
    let page = SignInPage {
        chrome: Chrome::anonymous(lang, "/staff/sign-in"),
        token: state.tokens.issue(&sign_in_purpose(&pre_session)),
        next,
        name: form.name.trim().to_lowercase(),
        notice,
        error,
    };
    let mut response = render(status, &page)?;
    if fresh {
        let mut value = format!(
            "{PRE_SESSION_COOKIE}={pre_session}; Path=/staff/sign-in; HttpOnly; SameSite=Strict"
        );
        if secure_request(state, transport) {
            value.push_str("; Secure");
        }
        let value = HeaderValue::from_str(&value).expect("a cookie of URL-safe characters");
        response.headers_mut().append(header::SET_COOKIE, value);
    }
    Ok(response)
}

/// The form token's purpose names the pre-session, so a token is good only
/// with the cookie it was issued beside.
fn sign_in_purpose(pre_session: &str) -> String {
    let mut mac = Hmac::<Sha256>::new_from_slice(b"staff-sign-in").expect("any key");
    mac.update(pre_session.as_bytes());
    let tag = mac.finalize().into_bytes();
    format!("{SIGN_IN_PURPOSE}|{}", crate::store::hex(&tag[..12]))
}

/// The throttles' keys: keyed hashes of the name and of the address.
fn sign_in_keys(state: &AppState, name: &str, address: std::net::IpAddr) -> SignInKeys {
    let keyed = |label: &[u8], value: &[u8]| {
        let mut mac = Hmac::<Sha256>::new_from_slice(&state.secret).expect("any key");
        mac.update(label);
        mac.update(value);
        crate::store::hex(&mac.finalize().into_bytes()[..16])
    };
    SignInKeys {
        name: keyed(b"sign-in-name|", name.as_bytes()),
        address: keyed(
            b"sign-in-address|",
            abuse::rate_key(&state.secret, address).client.as_bytes(),
        ),
    }
}

/// The throttles' key of a name alone (the admin's staff list).
pub fn name_key(state: &AppState, name: &str) -> String {
    sign_in_keys(state, name, std::net::Ipv4Addr::UNSPECIFIED.into()).name
}

#[derive(Deserialize, Default)]
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
    let refuse = |error: &str, status| {
        sign_in_form(
            &state,
            &transport,
            &headers,
            lang,
            next.clone(),
            &form,
            None,
            Some(error.to_string()),
            status,
        )
    };
    let bound_to_browser = cookie(&headers, PRE_SESSION_COOKIE).is_some_and(|pre_session| {
        state
            .tokens
            .verify(&sign_in_purpose(&pre_session), &form.form_token)
            .is_ok()
    });
    if !bound_to_browser {
        return refuse(t.sign_in_form_expired, StatusCode::BAD_REQUEST);
    }
    let name = form.name.trim().to_lowercase();
    let keys = sign_in_keys(&state, &name, transport.client);
    let settings = &state.config.staff;
    let now = OffsetDateTime::now_utc();

    // The same work whatever the name: look up, one argon2 check (against
    // a decoy when there is no usable account), and on failure one count.
    let paused = state.store.sign_in_paused(&keys, settings, now).await?;
    let record = state.store.staff_for_sign_in(&name).await?;
    // How long a sign-in waits for a free password check before it is
    // told to come back.
    let wait = Duration::from_millis(settings.password_check_wait_ms);
    let Ok(permit) = tokio::time::timeout(wait, state.hashing.clone().acquire_owned()).await else {
        return refuse(t.sign_in_busy, StatusCode::SERVICE_UNAVAILABLE);
    };
    let stored = record.as_ref().map(|r| r.password_hash.clone());
    let password = form.password.clone();
    let correct = tokio::task::spawn_blocking(move || {
        let _permit = permit;
        match stored {
            Some(stored) => password::verify(&password, &stored),
            None => {
                password::verify_decoy(&password);
                false
            }
        }
    })
    .await
    .unwrap_or(false);
    let member = record.map(|r| r.member);
    let usable = member.as_ref().filter(|m| m.disabled_at.is_none());
    let Some(member) = usable.filter(|_| correct && paused.is_none()) else {
        let known = member.as_ref().map(|m| m.id);
        state
            .store
            .count_failed_sign_in(&keys, known, settings, now)
            .await?;
        tracing::info!("a staff sign-in was refused");
        return refuse(t.sign_in_wrong, StatusCode::UNAUTHORIZED);
    };
    state
        .store
        .forget_failed_sign_ins(&keys, settings, now)
        .await?;
    // A fresh secret at every sign-in: a session planted before it is useless.
    if let Some(old) = cookie(&headers, SESSION_COOKIE) {
        state.store.end_session(&old).await?;
    }
    let token = new_session_token();
    state
        .store
        .start_session(member.id, &token, settings, now)
        .await?;
    tracing::info!(staff = %member.id, "staff signed in");
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
