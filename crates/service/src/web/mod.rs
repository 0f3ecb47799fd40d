//! The HTTP side: the public form for jobseekers (`public`), the staff
//! rooms (`staff`) and a small JSON API.
//! Pages are server-rendered templates that work without JavaScript.

pub mod abuse;
mod api;
mod error;
pub mod guard;
mod id;
mod ops;
pub mod page;
mod public;
pub mod staff;
pub mod texts;
pub mod transport;

use std::sync::Arc;

use axum::Router;
use axum::extract::{DefaultBodyLimit, FromRef};
use axum::middleware::{from_fn, from_fn_with_state};
use tower_http::catch_panic::CatchPanicLayer;
use tower_http::trace::TraceLayer;

use crate::config::Config;
use crate::store::Store;
use intake_core::form::FormDefinition;

pub use error::AppError;
pub use id::{BadId, IdPath};

#[derive(Clone)]
pub struct AppState {
    pub config: Arc<Config>,
    pub store: Store,
    /// Scans: stores uploads and reads them.
    pub pipeline: crate::pipeline::Pipeline,
    pub form: Arc<FormDefinition>,
    pub tokens: abuse::FormTokens,
    /// Keys the rate-limit hashes of client addresses.
    pub secret: Arc<Vec<u8>>,
    /// Password checks running at once (argon2 takes ~19 MiB each).
    pub hashing: Arc<tokio::sync::Semaphore>,
    /// This process's counters for `/metrics`.
    pub metrics: crate::metrics::Metrics,
}

impl FromRef<AppState> for Store {
    fn from_ref(state: &AppState) -> Store {
        state.store.clone()
    }
}

pub fn router(state: AppState) -> Router {
    router_with(state, Router::new())
}

/// The routes, plus `extra` ones (tests add a handler that panics), inside
/// the layers every request passes, outermost last: the transport (client
/// address, TLS), the security headers, a 500 page on panic, the cap on
/// requests in flight, the timeout, the body limit.
pub fn router_with(state: AppState, extra: Router<AppState>) -> Router {
    let body_limit = state.config.limits.body_bytes;
    let in_flight = guard::InFlight::new(state.config.http.max_concurrent_requests);
    Router::new()
        .merge(public::router())
        .merge(staff::router(&state))
        .merge(ops::router())
        .merge(extra)
        .nest("/api", api::router())
        .fallback(public::not_found)
        .layer(DefaultBodyLimit::max(body_limit))
        .layer(from_fn_with_state(
            state.clone(),
            ops::count_sign_in_failures,
        ))
        .layer(from_fn_with_state(state.clone(), guard::time_limit))
        .layer(from_fn_with_state(in_flight, guard::limit_in_flight))
        .layer(CatchPanicLayer::custom(guard::panic_page))
        .layer(from_fn(guard::security_headers))
        .layer(from_fn_with_state(state.clone(), transport::resolve))
        // Spans name the method and path only: a query string can carry
        // what a person typed, and personal data never goes to the logs.
        .layer(TraceLayer::new_for_http().make_span_with(
            |request: &axum::http::Request<axum::body::Body>| {
                tracing::debug_span!(
                    "request",
                    method = %request.method(),
                    path = %loggable_path(request.uri().path())
                )
            },
        ))
        .with_state(state)
}

/// A request's path as the logs may hold it: a status link's token opens a
/// person's status, so it is left out.
fn loggable_path(path: &str) -> &str {
    match path.find("/status/") {
        Some(at) => &path[..at + "/status/".len()],
        None => path,
    }
}
