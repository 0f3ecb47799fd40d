//! The mailroom's letters to print: the pending letters, printing them as
//! one batch (the exact set printed is recorded), downloading a batch's
//! PDF, and marking it sent, which closes its registrations as "letter
//! sent". Letters that cannot be printed are listed, and go to the
//! caseworkers' dashboard. Mailroom staff and admins only.

mod texts;

use askama::Template;
use axum::extract::{Query, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Redirect, Response};
use serde::Deserialize;
use time::OffsetDateTime;

use super::auth::{Signed, StaffForm};
use super::view::{Chrome, MessageKind, local_date, local_time, message, render};
use super::{Access, Room};
use crate::letters::{self, AddressProblem, LettersError};
use crate::store::{DueLetter, LetterBatch, LetterHand, MarkedSent};
use crate::web::{AppError, AppState, IdPath};
use intake_core::calendar::finnish_date;
pub use texts::{LettersTexts, letters_texts};

pub fn rooms() -> Vec<Room> {
    vec![
        Room::new(Access::Mailroom)
            .get("/staff/letters", list_page)
            .post("/staff/letters", print)
            .get("/staff/letters/batches/{id}", batch_page)
            .get("/staff/letters/batches/{id}/pdf", batch_pdf)
            .post("/staff/letters/batches/{id}/sent", mark_sent),
    ]
}

/// A line of the lists: what the mailroom needs to find the envelope.
pub struct LetterLine {
    pub id: String,
    pub reference: String,
    pub office: String,
    pub received: String,
    pub language: &'static str,
    pub attempts: u32,
    pub problem: Option<&'static str>,
}

impl LetterLine {
    pub fn new(
        state: &AppState,
        t: &LettersTexts,
        lang: intake_core::i18n::Lang,
        due: &DueLetter,
        problem: Option<AddressProblem>,
    ) -> LetterLine {
        let registration = &due.registration;
        LetterLine {
            id: registration.id.to_string(),
            reference: registration.reference.to_string(),
            office: office_name(state, lang, &registration.office),
            received: local_date(finnish_date(registration.received_at)),
            language: t.language_text(registration.text("service_language")),
            attempts: due.attempts,
            problem: problem.map(|p| t.problem_text(&p)),
        }
    }
}

struct OfficeChoice {
    id: String,
    name: String,
    selected: bool,
}

struct BatchLine {
    id: String,
    made: String,
    made_by: String,
    office: String,
    letters: i64,
}

#[derive(Template)]
#[template(path = "staff/letters.html")]
struct ListPage {
    chrome: Chrome,
    t: &'static LettersTexts,
    csrf: String,
    offices: Vec<OfficeChoice>,
    office: String,
    notice: Option<&'static str>,
    pending: Vec<LetterLine>,
    in_open_batch: usize,
    for_caseworker: Vec<LetterLine>,
    open_batches: Vec<BatchLine>,
}

#[derive(Template)]
#[template(path = "staff/letter_batch.html")]
struct BatchPage {
    chrome: Chrome,
    t: &'static LettersTexts,
    csrf: String,
    id: String,
    made: String,
    sent: Option<String>,
    waiting: usize,
    notice: Vec<String>,
}

#[derive(Deserialize)]
pub struct ListQuery {
    #[serde(default)]
    office: String,
    notice: Option<String>,
}

fn office_name(state: &AppState, lang: intake_core::i18n::Lang, id: &str) -> String {
    state
        .config
        .office(id)
        .map_or(id.to_string(), |o| o.name.get(lang).to_string())
}

/// The office chosen, if it is one of ours; empty or unknown is all.
fn chosen_office<'a>(state: &AppState, office: &'a str) -> Option<&'a str> {
    state.config.office(office).map(|_| office)
}

fn failed(error: LettersError) -> AppError {
    match error {
        LettersError::Store(error) => AppError::Store(error),
        other => {
            tracing::error!(error = %other, "printing letters failed");
            AppError::Task
        }
    }
}

fn hand(staff: &Signed) -> LetterHand {
    LetterHand {
        staff: Some(staff.id()),
        name: staff.session.member.name.clone(),
    }
}

pub async fn list_page(
    State(state): State<AppState>,
    staff: Signed,
    Query(query): Query<ListQuery>,
) -> Result<Response, AppError> {
    let lang = staff.lang;
    let t = letters_texts(lang);
    let office = chosen_office(&state, &query.office);
    let now = OffsetDateTime::now_utc();
    let list = letters::letter_list(&state.store, &state.config, office, now).await?;
    let line = |due: &DueLetter, problem| LetterLine::new(&state, t, lang, due, problem);
    let open_batches = state
        .store
        .open_letter_batches()
        .await?
        .into_iter()
        .map(|b| BatchLine {
            id: b.id.to_string(),
            made: local_time(b.made_at),
            made_by: b.made_by_name.clone(),
            office: b
                .office
                .as_deref()
                .map_or(t.all_offices.to_string(), |o| office_name(&state, lang, o)),
            letters: b.letters,
        })
        .collect();
    let page = ListPage {
        chrome: Chrome::signed(&staff, "/staff/letters"),
        t,
        csrf: staff.csrf.clone(),
        offices: state
            .config
            .offices
            .iter()
            .map(|o| OfficeChoice {
                id: o.id.clone(),
                name: o.name.get(lang).to_string(),
                selected: Some(o.id.as_str()) == office,
            })
            .collect(),
        office: office.unwrap_or("").to_string(),
        notice: match query.notice.as_deref() {
            Some("nothing") => Some(t.nothing_to_print),
            Some("already_sent") => Some(t.already_sent),
            _ => None,
        },
        pending: list.pending.iter().map(|(d, _)| line(d, None)).collect(),
        in_open_batch: list.in_open_batch,
        for_caseworker: list
            .for_caseworker
            .iter()
            .map(|(d, p)| line(d, Some(*p)))
            .collect(),
        open_batches,
    };
    render(StatusCode::OK, &page)
}

#[derive(Deserialize)]
pub struct PrintForm {
    #[serde(default)]
    office: String,
}

/// Makes the batch of every pending letter, then shows it: the PDF is a
/// link on the batch's page, so that a reload never makes a second batch.
pub async fn print(
    State(state): State<AppState>,
    StaffForm { staff, form }: StaffForm<PrintForm>,
) -> Result<Response, AppError> {
    let office = chosen_office(&state, &form.office);
    let now = OffsetDateTime::now_utc();
    let printed = letters::print_pending(&state.store, &state.config, office, &hand(&staff), now)
        .await
        .map_err(failed)?;
    Ok(match printed {
        Some(batch) => Redirect::to(&format!("/staff/letters/batches/{}", batch.id)),
        None => Redirect::to("/staff/letters?notice=nothing"),
    }
    .into_response())
}

#[derive(Deserialize)]
pub struct BatchQuery {
    closed: Option<usize>,
    skipped: Option<usize>,
}

pub async fn batch_page(
    State(state): State<AppState>,
    staff: Signed,
    IdPath(id): IdPath,
    Query(query): Query<BatchQuery>,
) -> Result<Response, AppError> {
    let lang = staff.lang;
    let t = letters_texts(lang);
    let Some(batch) = state.store.letter_batch(id).await? else {
        return Ok(message(lang, MessageKind::NotFound));
    };
    let waiting = state.store.batch_letters(id).await?.len();
    let said = |pattern: &str, at, name: &str| {
        pattern
            .replace("{date}", &local_time(at))
            .replace("{name}", name)
    };
    let LetterBatch {
        made_at,
        made_by_name,
        sent_at,
        sent_by_name,
        ..
    } = batch;
    let mut notice = Vec::new();
    if let Some(closed) = query.closed {
        notice.push(t.marked.replace("{closed}", &closed.to_string()));
    }
    if let Some(skipped) = query.skipped.filter(|n| *n > 0) {
        notice.push(t.marked_skipped.replace("{skipped}", &skipped.to_string()));
    }
    let page = BatchPage {
        chrome: Chrome::signed(&staff, "/staff/letters"),
        t,
        csrf: staff.csrf.clone(),
        id: id.to_string(),
        made: said(t.batch_made, made_at, &made_by_name),
        sent: sent_at.map(|at| said(t.batch_sent, at, sent_by_name.as_deref().unwrap_or(""))),
        waiting,
        notice,
    };
    render(StatusCode::OK, &page)
}

/// The batch's letters still waiting, as one PDF (each download audited).
pub async fn batch_pdf(
    State(state): State<AppState>,
    staff: Signed,
    IdPath(id): IdPath,
) -> Result<Response, AppError> {
    let now = OffsetDateTime::now_utc();
    let printed = letters::reprint(&state.store, &state.config, id, &hand(&staff), now)
        .await
        .map_err(failed)?;
    let Some(printed) = printed else {
        return Ok(message(staff.lang, MessageKind::NotFound));
    };
    let mut response = printed.pdf.into_response();
    let headers = response.headers_mut();
    headers.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/pdf"),
    );
    headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    let name = format!("attachment; filename=\"letters-{}.pdf\"", finnish_date(now));
    if let Ok(value) = HeaderValue::from_str(&name) {
        headers.insert(header::CONTENT_DISPOSITION, value);
    }
    Ok(response)
}

pub async fn mark_sent(
    State(state): State<AppState>,
    IdPath(id): IdPath,
    StaffForm { staff, .. }: StaffForm<super::auth::NoFields>,
) -> Result<Response, AppError> {
    let now = OffsetDateTime::now_utc();
    let marked = state
        .store
        .mark_letter_batch_sent(id, &hand(&staff), now)
        .await?;
    Ok(match marked {
        MarkedSent::Done { closed, skipped } => Redirect::to(&format!(
            "/staff/letters/batches/{id}?closed={closed}&skipped={skipped}"
        ))
        .into_response(),
        MarkedSent::AlreadySent(_) => {
            Redirect::to("/staff/letters?notice=already_sent").into_response()
        }
        MarkedSent::NotFound => message(staff.lang, MessageKind::NotFound),
    })
}
