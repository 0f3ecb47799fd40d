//! One error type for handlers: the detail goes to the log (never personal
//! data), the person sees a plain page in all three languages.

use axum::http::StatusCode;
use axum::response::{Html, IntoResponse, Response};

use crate::store::StoreError;

#[derive(Debug, thiserror::Error)]
pub enum AppError {
    #[error("store: {0}")]
    Store(#[from] StoreError),
    #[error("template: {0}")]
    Template(#[from] askama::Error),
    /// Writing a file to disk failed (the detail was logged where it happened).
    #[error("storing a file failed")]
    Storage,
    /// Work run off the async runtime (hashing a password) did not finish.
    #[error("a background task failed")]
    Task,
}

impl IntoResponse for AppError {
    fn into_response(self) -> Response {
        tracing::error!(error = %self, "request failed");
        let page = "<!doctype html><html lang=\"sv\"><head><meta charset=\"utf-8\">\
            <meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\
            <title>Fel / Virhe / Error</title></head><body><main>\
            <h1>Något gick fel / Jotain meni vikaan / Something went wrong</h1>\
            <p lang=\"sv\">Försök igen om en stund. Samma blankett sparas aldrig två gånger.</p>\
            <p lang=\"fi\">Yritä hetken kuluttua uudelleen. Samaa lomaketta ei koskaan tallenneta kahdesti.</p>\
            <p lang=\"en\">Try again in a while. The same form is never saved twice.</p>\
            </main></body></html>";
        (StatusCode::INTERNAL_SERVER_ERROR, Html(page)).into_response()
    }
}
