//! Who is asking: the session cookie, the layer that lets a room's roles in,
//! and the extractors that read the member and check the CSRF token every
//! staff form carries. A session's secret is 256 random bits in an HttpOnly
//! cookie; the CSRF token is an HMAC of the session, so it needs no storage
//! and dies with the session.

use axum::body::Body;
use axum::extract::{FromRequest, FromRequestParts, Request, State};
use axum::http::request::Parts;
use axum::http::{HeaderMap, HeaderValue, Method, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Redirect, Response};
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use hmac::{Hmac, Mac};
use rand::RngCore;
use serde::de::DeserializeOwned;
use sha2::Sha256;
use time::OffsetDateTime;

use super::Access;
use super::view::{self, MessageKind};
use crate::store::staff::StaffSession;
use crate::web::transport::Transport;
use crate::web::{AppError, AppState};
use intake_core::i18n::Lang;

pub const SESSION_COOKIE: &str = "intake_staff";
pub const LANG_COOKIE: &str = "intake_staff_lang";
/// The hidden field of every staff form.
pub const CSRF_FIELD: &str = "csrf";

/// What a room's layer needs: the state to look the session up in, and
/// the access the room demands.
#[derive(Clone)]
pub struct Gate {
    pub state: AppState,
    pub access: Access,
}

/// The layer of every staff room that is not public: without a live
/// session the request goes to the sign-in page; with the wrong role it
/// gets 403. The member it let in rides on the request for `Signed`.
pub async fn gate(State(gate): State<Gate>, mut request: Request, next: Next) -> Response {
    let (mut parts, body) = request.into_parts();
    let signed = match Signed::look_up(&mut parts, &gate.state).await {
        Ok(signed) => signed,
        Err(refusal) => return refusal,
    };
    if !gate.access.allows(Some(signed.session.member.role)) {
        return view::message(signed.lang, MessageKind::Forbidden);
    }
    parts.extensions.insert(signed);
    request = Request::from_parts(parts, body);
    next.run(request).await
}

/// A signed-in staff member: the one the room's layer let in (the layer
/// is what refuses), with the CSRF token for the forms on the page.
#[derive(Clone)]
pub struct Signed {
    pub session: StaffSession,
    pub lang: Lang,
    /// The CSRF token for the forms on the page.
    pub csrf: String,
}

impl Signed {
    pub fn id(&self) -> uuid::Uuid {
        self.session.member.id
    }

    /// The member of the request's session cookie; without a live session,
    /// the redirect to the sign-in page.
    async fn look_up(parts: &mut Parts, state: &AppState) -> Result<Signed, Response> {
        let lang = staff_lang(&parts.headers);
        let token = cookie(&parts.headers, SESSION_COOKIE);
        let session = match &token {
            Some(token) => state
                .store
                .staff_session(token, &state.config.staff, OffsetDateTime::now_utc())
                .await
                .map_err(|e| AppError::from(e).into_response())?,
            None => None,
        };
        let Some(session) = session else {
            return Err(to_sign_in(parts, token.is_some()));
        };
        Ok(Signed {
            csrf: csrf_token(&state.secret, &session.token_sha256),
            session,
            lang,
        })
    }
}

impl FromRequestParts<AppState> for Signed {
    type Rejection = Response;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, Response> {
        match parts.extensions.get::<Signed>() {
            Some(signed) => Ok(signed.clone()),
            // Outside a room's layer: a live session is the least asked.
            None => Signed::look_up(parts, state).await,
        }
    }
}

/// A staff form: the signed-in member, and the fields once the CSRF token
/// has been checked. A wrong or missing token is refused with 400.
pub struct StaffForm<T> {
    pub staff: Signed,
    pub form: T,
}

impl<T: DeserializeOwned + Send> FromRequest<AppState> for StaffForm<T> {
    type Rejection = Response;

    async fn from_request(request: Request<Body>, state: &AppState) -> Result<Self, Response> {
        let (mut parts, body) = request.into_parts();
        let staff = Signed::from_request_parts(&mut parts, state).await?;
        let refuse = || view::message(staff.lang, MessageKind::BadForm);
        let Ok(bytes) = axum::body::to_bytes(body, state.config.limits.body_bytes).await else {
            return Err(refuse());
        };
        let Ok(pairs) = serde_urlencoded::from_bytes::<Vec<(String, String)>>(&bytes) else {
            return Err(refuse());
        };
        let given = pairs
            .iter()
            .find(|(name, _)| name == CSRF_FIELD)
            .map_or("", |(_, value)| value.as_str());
        if !same_secret(given, &staff.csrf) {
            return Err(refuse());
        }
        let Ok(form) = serde_urlencoded::from_bytes::<T>(&bytes) else {
            return Err(refuse());
        };
        Ok(StaffForm { staff, form })
    }
}

/// A form with nothing in it but its CSRF token (a button).
#[derive(serde::Deserialize)]
pub struct NoFields {}

/// Where a request without a live session goes: GET pages come back to
/// themselves after signing in; anything else starts at the home page.
fn to_sign_in(parts: &Parts, had_cookie: bool) -> Response {
    let mut target = String::from("/staff/sign-in");
    let mut query = Vec::new();
    if parts.method == Method::GET
        && let Some(path) = parts.uri.path_and_query()
    {
        query.push(("next", path.as_str().to_string()));
    }
    if had_cookie {
        query.push(("reason", "expired".to_string()));
    }
    if !query.is_empty() {
        target.push('?');
        target.push_str(&serde_urlencoded::to_string(&query).unwrap_or_default());
    }
    Redirect::to(&target).into_response()
}

/// Where to go after signing in: only a staff page of this site.
pub fn safe_next(next: Option<&str>) -> String {
    match next {
        Some(next)
            if next.starts_with("/staff")
                && !next.starts_with("/staff/sign-in")
                && !next.contains("//")
                && !next.contains('\\') =>
        {
            next.to_string()
        }
        _ => "/staff".to_string(),
    }
}

/// The session cookie's secret, fresh for every sign-in.
pub fn new_session_token() -> String {
    let mut bytes = [0u8; 32];
    rand::rng().fill_bytes(&mut bytes);
    URL_SAFE_NO_PAD.encode(bytes)
}

pub fn csrf_token(secret: &[u8], session_hash: &str) -> String {
    let mut mac = Hmac::<Sha256>::new_from_slice(secret).expect("HMAC takes any key");
    mac.update(b"staff-csrf|");
    mac.update(session_hash.as_bytes());
    URL_SAFE_NO_PAD.encode(mac.finalize().into_bytes())
}

/// Compares through HMAC so the time taken says nothing about the secret.
pub fn same_secret(given: &str, expected: &str) -> bool {
    let tag = |text: &str| {
        let mut mac = Hmac::<Sha256>::new_from_slice(b"staff-compare").expect("any key");
        mac.update(text.as_bytes());
        mac
    };
    let expected = tag(expected).finalize().into_bytes();
    tag(given).verify_slice(&expected).is_ok()
}

/// A cookie's value from the request.
pub fn cookie(headers: &HeaderMap, name: &str) -> Option<String> {
    headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|pair| pair.trim().split_once('='))
        .find(|(key, _)| *key == name)
        .map(|(_, value)| value.trim_matches('"').to_string())
        .filter(|value| !value.is_empty())
}

/// The language of the staff pages: the one chosen, else the browser's.
pub fn staff_lang(headers: &HeaderMap) -> Lang {
    cookie(headers, LANG_COOKIE)
        .as_deref()
        .and_then(Lang::from_code)
        .or_else(|| {
            headers
                .get(header::ACCEPT_LANGUAGE)
                .and_then(|v| v.to_str().ok())
                .and_then(Lang::from_accept_language)
        })
        .unwrap_or(Lang::Fi)
}

/// Whether cookies must be `Secure` (see [`Transport::secure_cookies`]).
pub fn secure_request(state: &AppState, transport: &Transport) -> bool {
    transport.secure_cookies(state)
}

/// `Set-Cookie` for a session; `None` clears it.
pub fn session_cookie(token: Option<&str>, secure: bool) -> HeaderValue {
    let value = match token {
        Some(token) => format!("{SESSION_COOKIE}={token}; Path=/staff; HttpOnly; SameSite=Lax"),
        None => format!("{SESSION_COOKIE}=; Path=/staff; HttpOnly; SameSite=Lax; Max-Age=0"),
    };
    let value = if secure {
        format!("{value}; Secure")
    } else {
        value
    };
    HeaderValue::from_str(&value).expect("a cookie of URL-safe characters")
}

pub fn lang_cookie(lang: Lang, secure: bool) -> HeaderValue {
    let mut value = format!(
        "{LANG_COOKIE}={}; Path=/staff; SameSite=Lax; Max-Age=31536000",
        lang.code()
    );
    if secure {
        value.push_str("; Secure");
    }
    HeaderValue::from_str(&value).expect("a plain cookie")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_staff_pages_are_followed_after_sign_in() {
        assert_eq!(
            safe_next(Some("/staff/queue?office=vaasa")),
            "/staff/queue?office=vaasa"
        );
        assert_eq!(safe_next(Some("https://evil.example/")), "/staff");
        assert_eq!(safe_next(Some("//evil.example/staff")), "/staff");
        assert_eq!(safe_next(Some("/staff//evil")), "/staff");
        assert_eq!(safe_next(Some("/staff/sign-in")), "/staff");
        assert_eq!(safe_next(None), "/staff");
    }

    #[test]
    fn cookies_are_found_among_others() {
        let mut headers = HeaderMap::new();
        headers.insert(
            header::COOKIE,
            "a=1; intake_staff=abc; b=2".parse().unwrap(),
        );
        assert_eq!(cookie(&headers, SESSION_COOKIE).as_deref(), Some("abc"));
        assert_eq!(cookie(&headers, "missing"), None);
    }

    #[test]
    fn the_csrf_token_belongs_to_its_session() {
        let a = csrf_token(b"key", "session-a");
        assert_eq!(a, csrf_token(b"key", "session-a"));
        assert_ne!(a, csrf_token(b"key", "session-b"));
        assert_ne!(a, csrf_token(b"other key", "session-a"));
        assert!(same_secret(&a, &a));
        assert!(!same_secret("", &a));
    }
}
