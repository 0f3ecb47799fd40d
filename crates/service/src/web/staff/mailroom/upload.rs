//! The mailroom upload page: many scanned files at once, with the office
//! and the day the box was emptied, into one batch. Each file is stored
//! durably (original and row) before the page says it was received; the
//! batch page then shows how the reading goes. Mailroom staff only; the
//! multipart form carries the staff CSRF token before its files.

use askama::Template;
use axum::extract::multipart::{Field, MultipartRejection};
use axum::extract::{Multipart, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use time::{Date, OffsetDateTime};

use super::auth::{CSRF_FIELD, Signed, same_secret};
use super::texts::{MailroomTexts, mailroom_texts};
use super::view::{Chrome, MessageKind, local_date, message, render};
use crate::config::Config;
use crate::store::{BatchEntry, BatchProgress, BatchSummary, ScanBatch, ScanFile};
use crate::web::{AppError, AppState, IdPath};

/// Longest value of a plain field of the upload form.
const FIELD_MAX_BYTES: usize = 1024;

struct OfficeChoice {
    id: String,
    name: String,
    selected: bool,
}

#[derive(Template)]
#[template(path = "staff/mailroom_upload.html")]
struct UploadPage {
    chrome: Chrome,
    t: &'static MailroomTexts,
    csrf: String,
    offices: Vec<OfficeChoice>,
    received: String,
    scanned_by: String,
    errors: Vec<&'static str>,
}

#[derive(Template)]
#[template(path = "staff/mailroom_batch.html")]
struct BatchPage {
    chrome: Chrome,
    t: &'static MailroomTexts,
    batch: ScanBatch,
    office: String,
    received: String,
    files: Vec<ScanFile>,
    progress: BatchProgress,
    summary: BatchSummary,
    /// Forms made from photocopies of a sheet registered for someone else.
    copies: usize,
    reading: bool,
}

/// What the person filled in, kept when the form comes back with errors.
struct UploadInput {
    office: String,
    received: String,
    scanned_by: String,
}

fn render_upload(
    state: &AppState,
    staff: &Signed,
    input: UploadInput,
    errors: Vec<&'static str>,
) -> Result<Response, AppError> {
    let lang = staff.lang;
    let offices = state
        .config
        .offices
        .iter()
        .map(|office| OfficeChoice {
            id: office.id.clone(),
            name: office.name.get(lang).to_string(),
            selected: office.id == input.office,
        })
        .collect();
    let status = if errors.is_empty() {
        StatusCode::OK
    } else {
        StatusCode::UNPROCESSABLE_ENTITY
    };
    let page = UploadPage {
        chrome: Chrome::signed(staff, "/staff/mailroom"),
        t: mailroom_texts(lang),
        csrf: staff.csrf.clone(),
        offices,
        received: input.received,
        scanned_by: input.scanned_by,
        errors,
    };
    render(status, &page)
}

pub async fn upload_page(
    State(state): State<AppState>,
    staff: Signed,
) -> Result<Response, AppError> {
    let today = intake_core::calendar::finnish_date(OffsetDateTime::now_utc());
    let input = UploadInput {
        office: state.config.offices[0].id.clone(),
        received: today.to_string(),
        scanned_by: staff.session.member.name.clone(),
    };
    render_upload(&state, &staff, input, Vec::new())
}

/// Reads the form as it streams in: the CSRF token and the fields before
/// the files (the form puts them first), then each file straight to disk.
/// A form without a valid token stores nothing and is refused with 400.
/// Whatever the answer, the rest of the request is read first (within the
/// limit), so that the browser is still listening when it comes.
pub async fn upload(
    State(state): State<AppState>,
    staff: Signed,
    form: Result<Multipart, MultipartRejection>,
) -> Result<Response, AppError> {
    let Ok(mut form) = form else {
        return Ok(message(staff.lang, MessageKind::BadForm));
    };
    let t = mailroom_texts(staff.lang);
    let mut input = UploadInput {
        office: String::new(),
        received: String::new(),
        scanned_by: String::new(),
    };
    let mut csrf_ok = false;
    let mut batch: Option<ScanBatch> = None;
    let mut errors = Vec::new();
    // The whole request counts against the upload limit (the router's
    // small body limit is lifted for this route).
    let mut budget = state.config.scanning.upload_bytes;
    // Over the limit or broken off: nothing more is read.
    let mut stopped = false;
    while !stopped {
        let field = match form.next_field().await {
            Ok(Some(field)) => field,
            Ok(None) => break,
            Err(_) => {
                errors.push(t.error_upload_broken);
                stopped = true;
                break;
            }
        };
        let name = field.name().unwrap_or("").to_string();
        if name != "files" {
            let Some(value) = small_text(field, &mut budget).await else {
                errors.push(t.error_upload_broken);
                stopped = true;
                break;
            };
            match name.as_str() {
                CSRF_FIELD => csrf_ok = same_secret(&value, &staff.csrf),
                "office" => input.office = value,
                "received" => input.received = value.trim().to_string(),
                "scanned_by" => input.scanned_by = value.trim().to_string(),
                _ => {}
            }
            continue;
        }
        let file_name = field.file_name().unwrap_or("").to_string();
        if !csrf_ok || file_name.is_empty() {
            stopped = !drain(field, &mut budget).await;
            continue;
        }
        if batch.is_none() {
            let (received, problems) = check_fields(&state.config, t, &input);
            let Some(received) = received.filter(|_| problems.is_empty()) else {
                errors.extend(problems);
                stopped = !drain(field, &mut budget).await;
                break;
            };
            let made = state
                .store
                .create_batch(
                    &input.office,
                    received,
                    &input.scanned_by,
                    BatchEntry::Upload,
                )
                .await?;
            state
                .store
                .audit_event(
                    staff.id(),
                    None,
                    crate::store::audit::AuditAction::ScanUpload,
                    &format!("batch {}", made.id),
                    OffsetDateTime::now_utc(),
                )
                .await?;
            batch = Some(made);
        }
        let batch = batch.as_ref().expect("made above");
        match store_upload(&state, batch, &file_name, field, &mut budget).await {
            Ok(()) => {}
            Err(UploadProblem::Broken) => {
                errors.push(t.error_upload_broken);
                stopped = true;
            }
            Err(UploadProblem::Store(error)) => return Err(error),
        }
    }
    while !stopped && let Ok(Some(field)) = form.next_field().await {
        if !drain(field, &mut budget).await {
            break;
        }
    }
    if !csrf_ok {
        return Ok(message(staff.lang, MessageKind::BadForm));
    }
    match batch {
        // What was stored stays stored; the batch page says what came in.
        Some(batch) => {
            Ok(Redirect::to(&format!("/staff/mailroom/batches/{}", batch.id)).into_response())
        }
        None => {
            if errors.is_empty() {
                errors.extend(check_fields(&state.config, t, &input).1);
                errors.push(t.error_no_files);
            }
            render_upload(&state, &staff, input, errors)
        }
    }
}

/// Reads and drops a field of a refused upload; `false` when the request
/// went over the limit.
async fn drain(mut field: Field<'_>, budget: &mut usize) -> bool {
    while let Ok(Some(chunk)) = field.chunk().await {
        match budget.checked_sub(chunk.len()) {
            Some(left) => *budget = left,
            None => return false,
        }
    }
    true
}

/// A plain field's text, within its own small limit and the request's.
async fn small_text(mut field: Field<'_>, budget: &mut usize) -> Option<String> {
    let mut bytes = Vec::new();
    while let Some(chunk) = field.chunk().await.ok()? {
        if bytes.len() + chunk.len() > FIELD_MAX_BYTES || chunk.len() > *budget {
            return None;
        }
        *budget -= chunk.len();
        bytes.extend_from_slice(&chunk);
    }
    String::from_utf8(bytes).ok()
}

fn check_fields(
    config: &Config,
    t: &'static MailroomTexts,
    input: &UploadInput,
) -> (Option<Date>, Vec<&'static str>) {
    let mut problems = Vec::new();
    if config.office(&input.office).is_none() {
        problems.push(t.error_office);
    }
    let received = Date::parse(
        &input.received,
        time::macros::format_description!("[year]-[month]-[day]"),
    )
    .ok();
    let today = intake_core::calendar::finnish_date(OffsetDateTime::now_utc());
    match received {
        None => problems.push(t.error_date),
        Some(date) if date > today => problems.push(t.error_date_future),
        Some(_) => {}
    }
    if input.scanned_by.is_empty() {
        problems.push(t.error_scanned_by);
    }
    (received, problems)
}

enum UploadProblem {
    /// The upload broke off or went over the size limit.
    Broken,
    Store(AppError),
}

async fn store_upload(
    state: &AppState,
    batch: &ScanBatch,
    file_name: &str,
    mut field: Field<'_>,
    budget: &mut usize,
) -> Result<(), UploadProblem> {
    let pipeline = &state.pipeline;
    let store_error = |e: std::io::Error| {
        tracing::error!(error = %e, "storing an upload failed");
        UploadProblem::Store(AppError::Storage)
    };
    let mut writer = pipeline
        .blobs
        .original_writer()
        .await
        .map_err(store_error)?;
    loop {
        match field.chunk().await {
            Ok(Some(chunk)) if chunk.len() <= *budget => {
                *budget -= chunk.len();
                writer.write(&chunk).await.map_err(store_error)?;
            }
            Ok(Some(_)) | Err(_) => return Err(UploadProblem::Broken),
            Ok(None) => break,
        }
    }
    let original = writer.finish().await.map_err(store_error)?;
    pipeline
        .admit(batch, file_name, original)
        .await
        .map_err(|error| {
            tracing::error!(error = %format!("{error:#}"), "recording an upload failed");
            UploadProblem::Store(AppError::Storage)
        })?;
    Ok(())
}

pub async fn batch_page(
    State(state): State<AppState>,
    staff: Signed,
    IdPath(id): IdPath,
) -> Result<Response, AppError> {
    let lang = staff.lang;
    let found = state.store.batch(id).await?;
    let Some(batch) = found else {
        return Ok(message(lang, MessageKind::NotFound));
    };
    let progress = state.store.batch_progress(batch.id).await?;
    let mut copied: Vec<_> = (state.store.batch_pages(batch.id).await?)
        .into_iter()
        .filter(|p| p.copy_of.is_some())
        .filter_map(|p| p.registration_id)
        .collect();
    copied.sort();
    copied.dedup();
    let page = BatchPage {
        chrome: Chrome::signed(&staff, "/staff/mailroom"),
        t: mailroom_texts(lang),
        office: state
            .config
            .office(&batch.office)
            .map_or(batch.office.clone(), |o| o.name.get(lang).to_string()),
        received: local_date(batch.received_on),
        files: state.store.batch_files(batch.id).await?,
        summary: state.store.batch_summary(batch.id).await?,
        copies: copied.len(),
        reading: progress.files_open > 0,
        progress,
        batch,
    };
    render(StatusCode::OK, &page)
}
