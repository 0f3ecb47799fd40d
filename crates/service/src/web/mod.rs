//! The HTTP side: the public form for jobseekers (`public`), the staff
//! rooms (`staff`) and a small JSON API.
//! Pages are server-rendered templates that work without JavaScript.

pub mod abuse;
mod api;
mod error;
mod id;
pub mod page;
mod public;
pub mod staff;
pub mod texts;

use std::sync::Arc;

use axum::Router;
use axum::extract::{DefaultBodyLimit, FromRef};
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
}

impl FromRef<AppState> for Store {
    fn from_ref(state: &AppState) -> Store {
        state.store.clone()
    }
}

pub fn router(state: AppState) -> Router {
    let body_limit = state.config.limits.body_bytes;
    Router::new()
        .merge(public::router())
        .merge(staff::router(&state))
        .nest("/api", api::router())
        .fallback(public::not_found)
        .layer(DefaultBodyLimit::max(body_limit))
        // Spans name the method and path only: a query string can carry
        // what a person typed, and personal data never goes to the logs.
        .layer(TraceLayer::new_for_http().make_span_with(
            |request: &axum::http::Request<axum::body::Body>| {
                tracing::debug_span!(
                    "request",
                    method = %request.method(),
                    path = %request.uri().path()
                )
            },
        ))
        .with_state(state)
}
