//! The layers every request passes: the security headers (here only, for
//! every response), HSTS over TLS, a cap on requests in flight, a request
//! timeout, and a plain 500 page when a handler panics. Their refusals are
//! plain pages in all three languages, since the layer cannot know which
//! one the person reads.

use std::any::Any;
use std::sync::Arc;

use askama::Template;
use axum::body::Body;
use axum::extract::{Request, State};
use axum::http::{HeaderMap, HeaderValue, Method, StatusCode, header};
use axum::middleware::Next;
use axum::response::{Html, IntoResponse, Response};
use tokio::sync::Semaphore;

use super::AppState;
use super::texts::{RefusalKind, refusal};
use super::transport::Transport;
use intake_core::i18n::Lang;

/// The mailroom upload: large scans on slow lines get the longer timeout.
pub const UPLOAD_PATH: &str = "/staff/mailroom";

/// Sets the headers of every response. Pages, downloads and scanned images
/// may carry personal data, so nothing is cached unless a handler says so
/// (the stylesheet), framed, sniffed or sent a referrer.
pub async fn security_headers(request: Request, next: Next) -> Response {
    let https = request
        .extensions()
        .get::<Transport>()
        .is_some_and(|t| t.https);
    let mut response = next.run(request).await;
    protect(response.headers_mut(), https);
    response
}

fn protect(headers: &mut HeaderMap, https: bool) {
    if !headers.contains_key(header::CACHE_CONTROL) {
        headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    }
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
    if https {
        // Only over TLS: sent over plain HTTP it would be ignored anyway,
        // and on loopback it would pin a developer's browser to HTTPS.
        headers.insert(
            header::STRICT_TRANSPORT_SECURITY,
            HeaderValue::from_static("max-age=31536000"),
        );
    }
}

/// The requests in flight, shared by every clone of the router.
#[derive(Clone)]
pub struct InFlight(Arc<Semaphore>);

impl InFlight {
    pub fn new(max: usize) -> InFlight {
        InFlight(Arc::new(Semaphore::new(max.max(1))))
    }
}

/// Refuses at once, with 503 and `Retry-After`, what comes over the cap:
/// queueing would only hold more connections open.
pub async fn limit_in_flight(
    State(in_flight): State<InFlight>,
    request: Request,
    next: Next,
) -> Response {
    let Ok(_permit) = in_flight.0.clone().try_acquire_owned() else {
        let mut response = plain_page(RefusalKind::Busy, StatusCode::SERVICE_UNAVAILABLE);
        response
            .headers_mut()
            .insert(header::RETRY_AFTER, HeaderValue::from_static("5"));
        return response;
    };
    next.run(request).await
}

/// Answers 503 when a handler has not answered in time; the handler is
/// dropped (a store transaction in it rolls back).
pub async fn time_limit(State(state): State<AppState>, request: Request, next: Next) -> Response {
    let http = &state.config.http;
    let limit = if request.method() == Method::POST && request.uri().path() == UPLOAD_PATH {
        http.upload_timeout()
    } else {
        http.request_timeout()
    };
    match tokio::time::timeout(limit, next.run(request)).await {
        Ok(response) => response,
        Err(_) => {
            tracing::warn!(seconds = limit.as_secs(), "a request timed out");
            plain_page(RefusalKind::TimedOut, StatusCode::SERVICE_UNAVAILABLE)
        }
    }
}

/// For `CatchPanicLayer`: the panic's message may hold anything, so only
/// that one happened is logged.
pub fn panic_page(_: Box<dyn Any + Send + 'static>) -> Response<Body> {
    tracing::error!("a request handler panicked");
    plain_page(RefusalKind::ServerError, StatusCode::INTERNAL_SERVER_ERROR)
}

struct PlainText {
    lang: &'static str,
    title: &'static str,
    body: &'static str,
}

#[derive(Template)]
#[template(path = "plain.html")]
struct PlainPage {
    texts: Vec<PlainText>,
}

/// A refusal in Swedish, Finnish and English on one page.
pub fn plain_page(kind: RefusalKind, status: StatusCode) -> Response {
    let page = PlainPage {
        texts: [Lang::Sv, Lang::Fi, Lang::En]
            .into_iter()
            .map(|lang| {
                let text = refusal(kind, lang);
                PlainText {
                    lang: lang.code(),
                    title: text.title,
                    body: text.body,
                }
            })
            .collect(),
    };
    match page.render() {
        Ok(html) => (status, Html(html)).into_response(),
        Err(_) => status.into_response(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn plain_pages_speak_all_three_languages() {
        let response = plain_page(RefusalKind::ServerError, StatusCode::INTERNAL_SERVER_ERROR);
        assert_eq!(response.status(), StatusCode::INTERNAL_SERVER_ERROR);
        for kind in [
            RefusalKind::Busy,
            RefusalKind::TimedOut,
            RefusalKind::ServerError,
        ] {
            for lang in Lang::ALL {
                assert!(!refusal(kind, lang).body.is_empty());
            }
        }
    }

    #[test]
    fn handlers_may_allow_caching_but_nothing_else() {
        let mut headers = HeaderMap::new();
        headers.insert(
            header::CACHE_CONTROL,
            HeaderValue::from_static("max-age=60"),
        );
        protect(&mut headers, false);
        assert_eq!(headers[header::CACHE_CONTROL], "max-age=60");
        assert_eq!(headers[header::X_FRAME_OPTIONS], "DENY");
        assert!(!headers.contains_key(header::STRICT_TRANSPORT_SECURITY));
        protect(&mut headers, true);
        assert!(headers.contains_key(header::STRICT_TRANSPORT_SECURITY));
    }
}
