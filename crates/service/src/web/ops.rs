//! For the operator: `/healthz` (the process answers), `/readyz` (the
//! database answers and a scan worker has sent a heartbeat lately) and
//! `/metrics` in Prometheus text format. `/metrics` is open from this
//! machine, or to `INTAKE_METRICS_TOKEN` as a bearer token; it shows counts
//! only, never personal data.

use std::time::Duration;

use axum::Router;
use axum::extract::State;
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use time::OffsetDateTime;

use super::AppState;
use super::transport::Transport;
use crate::metrics::{gauge, write_pages};
use crate::pipeline::worker::HEARTBEAT_EVERY;
use crate::store::heartbeat_fresh;

/// A heartbeat older than this (four missed beats) means no worker runs.
pub const HEARTBEAT_STALE: Duration = Duration::from_secs(HEARTBEAT_EVERY.as_secs() * 4);

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/healthz", get(healthz))
        .route("/readyz", get(readyz))
        .route("/metrics", get(metrics))
}

fn text(status: StatusCode, body: String) -> Response {
    (
        status,
        [(header::CONTENT_TYPE, "text/plain; charset=utf-8")],
        body,
    )
        .into_response()
}

async fn healthz() -> Response {
    text(StatusCode::OK, "ok\n".into())
}

/// 200 when this node can do its work; 503 saying what is wrong when not.
async fn readyz(State(state): State<AppState>) -> Response {
    if let Err(error) = state.store.ping().await {
        tracing::warn!(%error, "readiness: the database does not answer");
        return text(
            StatusCode::SERVICE_UNAVAILABLE,
            "database: not answering\n".into(),
        );
    }
    match state.store.latest_heartbeat().await {
        Ok(latest) if heartbeat_fresh(latest, OffsetDateTime::now_utc(), HEARTBEAT_STALE) => {
            text(StatusCode::OK, "database: ok\nworker: ok\n".into())
        }
        Ok(_) => text(
            StatusCode::SERVICE_UNAVAILABLE,
            format!(
                "database: ok\nworker: no heartbeat in the last {} seconds\n",
                HEARTBEAT_STALE.as_secs()
            ),
        ),
        Err(error) => {
            tracing::warn!(%error, "readiness: reading the heartbeats failed");
            text(
                StatusCode::SERVICE_UNAVAILABLE,
                "database: heartbeats cannot be read\n".into(),
            )
        }
    }
}

/// From this machine directly (not through a proxy), or with the token.
fn may_see_metrics(state: &AppState, transport: &Transport, headers: &HeaderMap) -> bool {
    let local = transport.client.is_loopback() && !headers.contains_key("x-forwarded-for");
    let expected = state.config.metrics_token.expose();
    let given = headers
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Bearer "));
    let token = !expected.is_empty()
        && given.is_some_and(|given| {
            super::api::constant_time_eq(given.as_bytes(), expected.as_bytes())
        });
    local || token
}

async fn metrics(
    State(state): State<AppState>,
    transport: Transport,
    headers: HeaderMap,
) -> Response {
    if !may_see_metrics(&state, &transport, &headers) {
        let mut response = text(
            StatusCode::UNAUTHORIZED,
            "metrics: open from this machine, or with the bearer token INTAKE_METRICS_TOKEN\n"
                .into(),
        );
        response.headers_mut().insert(
            header::WWW_AUTHENTICATE,
            HeaderValue::from_static("Bearer realm=\"metrics\""),
        );
        return response;
    }
    let counts = match state.store.operational_counts().await {
        Ok(counts) => counts,
        Err(error) => {
            tracing::warn!(%error, "metrics: the database counts failed");
            return text(
                StatusCode::SERVICE_UNAVAILABLE,
                "metrics: the database does not answer\n".into(),
            );
        }
    };
    let mut out = String::new();
    labelled(
        &mut out,
        "intake_queue_registrations",
        "Registrations in the callback queue, by status.",
        "status",
        &with_zeros(&STATUSES, &counts.registrations_by_status),
    );
    gauge(
        &mut out,
        "intake_queue_overdue",
        "Registrations awaiting a first call past their due day.",
        counts.overdue,
    );
    gauge(
        &mut out,
        "intake_review_backlog",
        "Paper registrations waiting for verification.",
        counts.review_backlog,
    );
    gauge(
        &mut out,
        "intake_triage_open",
        "Other mail waiting for a person.",
        counts.open_triage,
    );
    labelled(
        &mut out,
        "intake_jobs",
        "Scan jobs, by state.",
        "state",
        &with_zeros(&JOB_STATES, &counts.jobs_by_state),
    );
    let dead = counts
        .jobs_by_state
        .iter()
        .find(|(s, _)| s == "dead")
        .map_or(0, |(_, n)| *n);
    gauge(&mut out, "intake_jobs_dead", "Scan jobs given up.", dead);
    gauge(
        &mut out,
        "intake_files_quarantined",
        "Scanned files in quarantine.",
        counts.quarantined_files,
    );
    state.metrics.write(&mut out);
    write_pages(&mut out, &counts.pages_read);
    (
        StatusCode::OK,
        [(
            header::CONTENT_TYPE,
            "text/plain; version=0.0.4; charset=utf-8",
        )],
        out,
    )
        .into_response()
}

const STATUSES: [&str; 5] = [
    "awaiting_review",
    "awaiting_call",
    "send_letter",
    "closed",
    "withdrawn",
];
const JOB_STATES: [&str; 4] = ["queued", "running", "done", "dead"];

/// Every known label, zero when the database has none (a series that
/// disappears is not the same as one at zero), then any other.
fn with_zeros(known: &[&str], counted: &[(String, i64)]) -> Vec<(String, i64)> {
    let mut all: Vec<(String, i64)> = known
        .iter()
        .map(|k| {
            let n = counted.iter().find(|(c, _)| c == k).map_or(0, |(_, n)| *n);
            (k.to_string(), n)
        })
        .collect();
    all.extend(
        counted
            .iter()
            .filter(|(c, _)| !known.contains(&c.as_str()))
            .cloned(),
    );
    all
}

/// Counts refused staff sign-ins (the sign-in page answers those 401).
pub async fn count_sign_in_failures(
    State(state): State<AppState>,
    request: axum::extract::Request,
    next: axum::middleware::Next,
) -> Response {
    let sign_in =
        request.method() == axum::http::Method::POST && request.uri().path() == SIGN_IN_PATH;
    let response = next.run(request).await;
    if sign_in && response.status() == StatusCode::UNAUTHORIZED {
        state.metrics.sign_in_failed();
    }
    response
}

const SIGN_IN_PATH: &str = "/staff/sign-in";

fn labelled(out: &mut String, name: &str, help: &str, label: &str, values: &[(String, i64)]) {
    use std::fmt::Write;
    let _ = writeln!(out, "# HELP {name} {help}\n# TYPE {name} gauge");
    for (value, count) in values {
        // Values are the store's own codes (statuses, states), never input.
        let _ = writeln!(out, "{name}{{{label}=\"{value}\"}} {count}");
    }
}
