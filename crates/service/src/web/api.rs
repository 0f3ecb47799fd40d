//! The JSON API: one registration by id, for staff tools. It is closed
//! unless an API token is configured, and then needs it as a bearer token.

use axum::extract::State;
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::{Json, Router};
use hmac::{Hmac, Mac};
use serde_json::json;
use sha2::Sha256;

use super::{AppError, AppState, BadId, IdPath};

pub fn router() -> Router<AppState> {
    Router::new().route("/registrations/{id}", get(registration))
}

fn problem(status: StatusCode, message: &str) -> Response {
    (status, Json(json!({ "error": message }))).into_response()
}

async fn registration(
    State(state): State<AppState>,
    id: Result<IdPath, BadId>,
    headers: HeaderMap,
) -> Result<Response, AppError> {
    if let Err((status, message)) = authorise(&state, &headers) {
        return Ok(problem(status, message));
    }
    let Ok(IdPath(id)) = id else {
        return Ok(problem(StatusCode::BAD_REQUEST, "the id is not a UUID"));
    };
    Ok(match state.store.registration(id).await? {
        Some(registration) => Json(registration).into_response(),
        None => problem(StatusCode::NOT_FOUND, "no registration has this id"),
    })
}

fn authorise(state: &AppState, headers: &HeaderMap) -> Result<(), (StatusCode, &'static str)> {
    let expected = state.config.api_token.expose();
    if expected.is_empty() {
        return Err((
            StatusCode::FORBIDDEN,
            "the API is closed: set INTAKE_API_TOKEN to open it",
        ));
    }
    let given = headers
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Bearer "))
        .unwrap_or("");
    if constant_time_eq(given.as_bytes(), expected.as_bytes()) {
        Ok(())
    } else {
        Err((StatusCode::UNAUTHORIZED, "a valid bearer token is needed"))
    }
}

/// Compares through HMAC so the time taken says nothing about the token.
pub(super) fn constant_time_eq(given: &[u8], expected: &[u8]) -> bool {
    let mut mac = Hmac::<Sha256>::new_from_slice(b"api-token-compare").expect("any key");
    mac.update(expected);
    let expected_tag = mac.finalize().into_bytes();
    let mut mac = Hmac::<Sha256>::new_from_slice(b"api-token-compare").expect("any key");
    mac.update(given);
    mac.verify_slice(&expected_tag).is_ok()
}
