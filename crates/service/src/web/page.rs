//! An HTML page as a response. The security headers of every response
//! (no caching, framing, sniffing or referrer) are set in one place, the
//! `guard::security_headers` layer, not here.

use axum::http::StatusCode;
use axum::response::{Html, IntoResponse, Response};

/// An HTML page with a status.
pub fn html(status: StatusCode, html: String) -> Response {
    (status, Html(html)).into_response()
}
