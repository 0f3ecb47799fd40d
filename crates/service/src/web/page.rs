//! The one place for the headers of every response that may carry personal
//! data: pages (public and staff), downloads and scanned images are never
//! cached, never framed, never sniffed and send no referrer on.

use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{Html, IntoResponse, Response};

/// An HTML page with the security headers.
pub fn html(status: StatusCode, html: String) -> Response {
    private((status, Html(html)).into_response())
}

/// Any response (a page, a download, an image) with the security headers.
pub fn private(mut response: Response) -> Response {
    protect(response.headers_mut());
    response
}

fn protect(headers: &mut HeaderMap) {
    headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    headers.insert(
        header::REFERRER_POLICY,
        HeaderValue::from_static("no-referrer"),
    );
    headers.insert(
        header::X_CONTENT_TYPE_OPTIONS,
        HeaderValue::from_static("nosniff"),
    );
    headers.insert(header::X_FRAME_OPTIONS, HeaderValue::from_static("DENY"));
    headers.insert(
        header::CONTENT_SECURITY_POLICY,
        HeaderValue::from_static("default-src 'self'; form-action 'self'; frame-ancestors 'none'"),
    );
}
