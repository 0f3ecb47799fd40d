//! The jobseeker's pages: the form (rendered from the definition), the
//! receipt, and the private status page with withdrawal.

use std::collections::HashMap;

use askama::Template;
use axum::Router;
use axum::body::Bytes;
use axum::extract::rejection::BytesRejection;
use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use time::{Date, OffsetDateTime};

use super::abuse::{self, HONEYPOT_FIELD, TOKEN_FIELD, TokenProblem};
use super::texts::{PageTexts, RefusalKind, refusal, texts};
use super::transport::Transport;
use super::{AppError, AppState};
use crate::metrics::Refused;
use crate::store::{LimitKind, NewRegistration, StatusView, Submission, SubmissionKey};
use intake_core::calendar;
use intake_core::form::Channel;
use intake_core::i18n::Lang;
use intake_core::record::normalise::normalise_submission;
use intake_core::record::paper_postal::note_postal_sent_as_written;
use intake_core::record::{Provenance, RegistrationStatus};

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/", get(negotiated_form))
        .route("/static/style.css", get(stylesheet))
        .route(PAPER_FORM_PATH, get(paper_form))
        .route("/{lang}", get(form_page).post(submit))
        .route("/{lang}/status/{token}", get(status_page))
        .route(
            "/{lang}/status/{token}/withdraw",
            axum::routing::post(withdraw),
        )
}

mod form;

use form::{
    FormInput, IntroChoice, POSTAL_CONFIRM_FIELD, postal_warning, postal_warning_as_typed,
    render_form,
};

const WITHDRAW_PURPOSE: &str = "withdraw";

/// The blank paper form to print, a fresh sheet serial with every download.
pub(super) const PAPER_FORM_PATH: &str = "/paper-form.pdf";

/// The printable form, one copy with a serial of its own: people print it
/// once and copy it, so no two downloads share a serial (copies of one
/// still arrive, and are told apart by who wrote on them).
async fn paper_form(State(state): State<AppState>) -> Result<Response, AppError> {
    let form = state.form.clone();
    let serial = intake_paper::printable::new_serial();
    let name = format!("{}-{serial}.pdf", form.id());
    let rendered = tokio::task::spawn_blocking(move || {
        let layout = intake_paper::printable::Layout::from_definition(&form);
        intake_paper::printable::render(&form, &layout, &[serial])
    })
    .await;
    let pdf = match rendered
        .map_err(|e| e.to_string())
        .and_then(|r| r.map_err(|e| e.to_string()))
    {
        Ok(pdf) => pdf,
        Err(error) => {
            tracing::error!(%error, "the paper form could not be made");
            return Ok(refusal_page(
                Lang::Fi,
                RefusalKind::Unavailable,
                StatusCode::INTERNAL_SERVER_ERROR,
            ));
        }
    };
    Ok((
        [
            (header::CONTENT_TYPE, "application/pdf".to_string()),
            (
                header::CONTENT_DISPOSITION,
                format!("attachment; filename=\"{name}\""),
            ),
            (header::CACHE_CONTROL, "no-store".to_string()),
        ],
        pdf,
    )
        .into_response())
}

async fn stylesheet() -> impl IntoResponse {
    (
        [
            (header::CONTENT_TYPE, "text/css; charset=utf-8"),
            (header::CACHE_CONTROL, "public, max-age=3600"),
        ],
        include_str!("../../../static/style.css"),
    )
}

/// `/` shows the form in the language the browser prefers.
async fn negotiated_form(State(state): State<AppState>, headers: HeaderMap) -> Response {
    let lang = headers
        .get(header::ACCEPT_LANGUAGE)
        .and_then(|v| v.to_str().ok())
        .and_then(Lang::from_accept_language)
        .unwrap_or(Lang::Fi);
    render_form(&state, lang, FormInput::default(), StatusCode::OK)
}

/// `?intro=plain-fi` or `plain-sv`: the intro in plain language.
#[derive(serde::Deserialize, Default)]
struct IntroQuery {
    intro: Option<String>,
}

async fn form_page(
    State(state): State<AppState>,
    Path(lang): Path<String>,
    Query(query): Query<IntroQuery>,
) -> Response {
    let input = FormInput {
        intro: IntroChoice::parse(query.intro.as_deref()),
        ..FormInput::default()
    };
    match Lang::from_code(&lang) {
        Some(lang) => render_form(&state, lang, input, StatusCode::OK),
        None => not_found_page(Lang::Fi),
    }
}

pub async fn not_found(headers: HeaderMap) -> Response {
    let lang = headers
        .get(header::ACCEPT_LANGUAGE)
        .and_then(|v| v.to_str().ok())
        .and_then(Lang::from_accept_language)
        .unwrap_or(Lang::Fi);
    not_found_page(lang)
}

fn not_found_page(lang: Lang) -> Response {
    refusal_page(lang, RefusalKind::NotFound, StatusCode::NOT_FOUND)
}

async fn submit(
    State(state): State<AppState>,
    Path(lang): Path<String>,
    Query(query): Query<IntroQuery>,
    transport: Transport,
    headers: HeaderMap,
    body: Result<Bytes, BytesRejection>,
) -> Result<Response, AppError> {
    let Some(lang) = Lang::from_code(&lang) else {
        return Ok(not_found_page(Lang::Fi));
    };
    let intro = IntroChoice::parse(query.intro.as_deref());
    let metrics = &state.metrics;
    let refuse = |kind, status| {
        metrics.refused(match kind {
            RefusalKind::Automated => Refused::Automated,
            RefusalKind::TooLarge => Refused::TooLarge,
            RefusalKind::Unavailable => Refused::Unavailable,
            _ => Refused::BadToken,
        });
        Ok(refusal_page(lang, kind, status))
    };
    let body = match body {
        Ok(body) => body,
        Err(rejection) if rejection.status() == StatusCode::PAYLOAD_TOO_LARGE => {
            return refuse(RefusalKind::TooLarge, StatusCode::PAYLOAD_TOO_LARGE);
        }
        Err(_) => return refuse(RefusalKind::BadToken, StatusCode::BAD_REQUEST),
    };
    let Ok(pairs) = serde_urlencoded::from_bytes::<Vec<(String, String)>>(&body) else {
        return refuse(RefusalKind::BadToken, StatusCode::BAD_REQUEST);
    };
    let values: HashMap<String, String> = pairs.into_iter().collect();
    if values.get(HONEYPOT_FIELD).is_some_and(|v| !v.is_empty()) {
        return refuse(RefusalKind::Automated, StatusCode::BAD_REQUEST);
    }
    let token = values.get(TOKEN_FIELD).map(String::as_str).unwrap_or("");
    let nonce = match state.tokens.verify(state.form.id(), token) {
        Ok(nonce) => nonce,
        Err(TokenProblem::Invalid) => {
            return refuse(RefusalKind::BadToken, StatusCode::BAD_REQUEST);
        }
        Err(TokenProblem::Expired) => {
            metrics.refused(Refused::Expired);
            let input = FormInput {
                values,
                expired: true,
                intro,
                ..FormInput::default()
            };
            return Ok(render_form(
                &state,
                lang,
                input,
                StatusCode::UNPROCESSABLE_ENTITY,
            ));
        }
    };

    let office = values.get("office").and_then(|id| state.config.office(id));
    let fields = normalise_submission(&state.form, Channel::Web, &values);
    // The table may be out of date or the person may know better: once
    // they say they checked, it goes as written.
    let confirmed = values.get(POSTAL_CONFIRM_FIELD).map(String::as_str) == Some("yes");
    let (office, mut fields) = match (office, fields) {
        (Some(office), Ok(fields)) => (office, fields),
        (office, fields) => {
            metrics.refused(Refused::Invalid);
            let errors = fields.err().unwrap_or_default();
            let input = FormInput {
                postal_warning: postal_warning_as_typed(&values, &errors, lang),
                postal_confirmed: confirmed,
                errors,
                office_missing: office.is_none(),
                values,
                expired: false,
                intro,
            };
            return Ok(render_form(
                &state,
                lang,
                input,
                StatusCode::UNPROCESSABLE_ENTITY,
            ));
        }
    };

    if let Some(warning) = postal_warning(&fields, lang).filter(|_| !confirmed) {
        let input = FormInput {
            values,
            postal_warning: Some(warning),
            intro,
            ..FormInput::default()
        };
        return Ok(render_form(
            &state,
            lang,
            input,
            StatusCode::UNPROCESSABLE_ENTITY,
        ));
    }
    if confirmed {
        note_postal_sent_as_written(&mut fields);
    }

    let new = NewRegistration {
        form: state.form.id().to_string(),
        form_version: state.form.version(),
        office: office.id.clone(),
        fields,
        provenance: Provenance::Web { language: lang },
        submission_key: Some(SubmissionKey {
            status_token: abuse::status_token(&state.secret, &nonce),
            nonce,
        }),
    };
    let client = abuse::rate_key(&state.secret, transport.client);
    let submission = match state
        .store
        .submit_web(new, &client, &state.config.limits)
        .await
    {
        Ok(submission) => submission,
        Err(error) => {
            // Refuse rather than guess: nothing was stored.
            tracing::error!(%error, "a web submission could not be stored");
            return refuse(RefusalKind::Unavailable, StatusCode::SERVICE_UNAVAILABLE);
        }
    };
    let (registration, status_token, duplicate) = match submission {
        Submission::Stored {
            registration,
            status_token,
        } => (registration, status_token, false),
        Submission::AlreadyStored {
            registration,
            status_token,
        } => (registration, status_token, true),
        Submission::Limited(kind) => {
            metrics.refused(Refused::from_limit(kind));
            let refusal = match kind {
                LimitKind::GlobalDay => RefusalKind::DailyCapReached,
                _ => RefusalKind::TooManyFromClient,
            };
            return Ok(refusal_page(lang, refusal, StatusCode::TOO_MANY_REQUESTS));
        }
    };
    if duplicate {
        metrics.resubmitted();
    } else {
        metrics.accepted();
    }
    tracing::debug!(registration = %registration.id, duplicate, "web registration stored");

    let status_path = format!("/{}/status/{status_token}", lang.code());
    let host = headers
        .get(header::HOST)
        .and_then(|h| h.to_str().ok())
        .unwrap_or("localhost");
    let scheme = if transport.https { "https" } else { "http" };
    let due = calendar::first_contact_due(registration.received_at);
    let page = ReceiptPage {
        lang,
        t: texts(lang),
        languages: language_links(|l| format!("/{}", l.code()), lang),
        duplicate,
        reference: registration.reference.to_string(),
        received_iso: crate::store::timestamp(registration.received_at),
        received_local: local_time(registration.received_at),
        due_iso: due.to_string(),
        due_local: local_date(due),
        status_url: format!("{scheme}://{host}{status_path}"),
        status_path,
    };
    Ok(super::page::html(StatusCode::OK, page.render()?))
}

async fn status_page(
    State(state): State<AppState>,
    Path((lang, token)): Path<(String, String)>,
) -> Result<Response, AppError> {
    let Some(lang) = Lang::from_code(&lang) else {
        return Ok(not_found_page(Lang::Fi));
    };
    match state.store.status_by_token(&token).await? {
        Some(view) => render_status(&state, lang, &token, &view, false),
        None => Ok(not_found_page(lang)),
    }
}

async fn withdraw(
    State(state): State<AppState>,
    Path((lang, token)): Path<(String, String)>,
    body: Result<Bytes, BytesRejection>,
) -> Result<Response, AppError> {
    let Some(lang) = Lang::from_code(&lang) else {
        return Ok(not_found_page(Lang::Fi));
    };
    let values: HashMap<String, String> = body
        .ok()
        .and_then(|b| serde_urlencoded::from_bytes::<Vec<(String, String)>>(&b).ok())
        .map(|pairs| pairs.into_iter().collect())
        .unwrap_or_default();
    let form_token = values.get(TOKEN_FIELD).map(String::as_str).unwrap_or("");
    if state
        .tokens
        .verify(&withdraw_purpose(&token), form_token)
        .is_err()
    {
        return Ok(refusal_page(
            lang,
            RefusalKind::BadToken,
            StatusCode::BAD_REQUEST,
        ));
    }
    let Some(view) = state.store.status_by_token(&token).await? else {
        return Ok(not_found_page(lang));
    };
    state.store.withdraw(view.registration.id).await?;
    tracing::info!(registration = %view.registration.id, "registration withdrawn by the jobseeker");
    let view = state.store.status_by_token(&token).await?.unwrap_or(view);
    render_status(&state, lang, &token, &view, true)
}

/// A withdraw form is valid only for the status link it was shown on.
fn withdraw_purpose(status_token: &str) -> String {
    format!("{WITHDRAW_PURPOSE}|{status_token}")
}

fn render_status(
    state: &AppState,
    lang: Lang,
    token: &str,
    view: &StatusView,
    just_withdrawn: bool,
) -> Result<Response, AppError> {
    let t = texts(lang);
    let registration = &view.registration;
    let page = StatusPage {
        lang,
        t,
        languages: language_links(|l| format!("/{}/status/{token}", l.code()), lang),
        reference: registration.reference.to_string(),
        received_iso: crate::store::timestamp(registration.received_at),
        received_local: local_time(registration.received_at),
        due_iso: view.due_on.to_string(),
        due_local: local_date(view.due_on),
        status: status_text(t, registration.status),
        can_withdraw: registration.status.can_withdraw(),
        just_withdrawn,
        withdraw_action: format!("/{}/status/{token}/withdraw", lang.code()),
        token: state.tokens.issue(&withdraw_purpose(token)),
    };
    Ok(super::page::html(StatusCode::OK, page.render()?))
}

fn status_text(t: &PageTexts, status: RegistrationStatus) -> &'static str {
    match status {
        RegistrationStatus::AwaitingReview => t.status_awaiting_review,
        RegistrationStatus::AwaitingCall => t.status_awaiting_call,
        RegistrationStatus::SendLetter => t.status_send_letter,
        RegistrationStatus::Closed => t.status_closed,
        RegistrationStatus::Withdrawn => t.status_withdrawn,
    }
}

fn refusal_page(lang: Lang, kind: RefusalKind, status: StatusCode) -> Response {
    let text = refusal(kind, lang);
    let page = MessagePage {
        lang,
        t: texts(lang),
        languages: language_links(|l| format!("/{}", l.code()), lang),
        heading: text.title,
        body: text.body,
        back_href: format!("/{}", lang.code()),
    };
    match page.render() {
        Ok(html) => super::page::html(status, html),
        Err(e) => AppError::from(e).into_response(),
    }
}

fn local_time(at: OffsetDateTime) -> String {
    let local = at.to_offset(calendar::finnish_offset(at));
    format!(
        "{}.{}.{} {:02}:{:02}",
        local.day(),
        u8::from(local.month()),
        local.year(),
        local.hour(),
        local.minute()
    )
}

fn local_date(date: Date) -> String {
    format!("{}.{}.{}", date.day(), u8::from(date.month()), date.year())
}

pub(super) struct LanguageLink {
    code: &'static str,
    name: &'static str,
    href: String,
    current: bool,
}

pub(super) fn language_links(href: impl Fn(Lang) -> String, current: Lang) -> Vec<LanguageLink> {
    Lang::ALL
        .into_iter()
        .map(|l| LanguageLink {
            code: l.code(),
            name: l.native_name(),
            href: href(l),
            current: l == current,
        })
        .collect()
}

#[derive(Template)]
#[template(path = "receipt.html")]
struct ReceiptPage {
    lang: Lang,
    t: &'static PageTexts,
    languages: Vec<LanguageLink>,
    duplicate: bool,
    reference: String,
    received_iso: String,
    received_local: String,
    due_iso: String,
    due_local: String,
    status_path: String,
    status_url: String,
}

#[derive(Template)]
#[template(path = "status.html")]
struct StatusPage {
    lang: Lang,
    t: &'static PageTexts,
    languages: Vec<LanguageLink>,
    reference: String,
    received_iso: String,
    received_local: String,
    due_iso: String,
    due_local: String,
    status: &'static str,
    can_withdraw: bool,
    just_withdrawn: bool,
    withdraw_action: String,
    token: String,
}

#[derive(Template)]
#[template(path = "message.html")]
struct MessagePage {
    lang: Lang,
    t: &'static PageTexts,
    languages: Vec<LanguageLink>,
    heading: &'static str,
    body: &'static str,
    back_href: String,
}
