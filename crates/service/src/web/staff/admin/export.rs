//! Export of closed registrations for the national system, as CSV (one
//! column per form field, in the definition's order) or JSON (the
//! normalised record with its sources and result). Each export is recorded
//! in the audit log against every registration in it.

use askama::Template;
use axum::extract::{Query, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde::Deserialize;
use serde_json::json;
use time::{Date, Duration, OffsetDateTime};

use super::auth::Signed;
use super::view::{Chrome, iso_time, local_date, render};
use crate::store::callbacks::{ClosedRegistration, ExportFormat};
use crate::web::{AppError, AppState};
use intake_core::calendar::finnish_date;
use intake_core::form::FormDefinition;
use intake_core::record::Value;
use intake_core::record::validate;

/// The longest period one export covers.
const MAX_DAYS: i64 = 366;

#[derive(Deserialize, Default)]
pub struct ExportQuery {
    from: Option<String>,
    to: Option<String>,
}

#[derive(Template)]
#[template(path = "staff/export.html")]
struct ExportPage {
    chrome: Chrome,
    from: String,
    to: String,
    error: Option<&'static str>,
}

pub async fn export_page(
    staff: Signed,
    Query(query): Query<ExportQuery>,
) -> Result<Response, AppError> {
    let today = finnish_date(OffsetDateTime::now_utc());
    let page = ExportPage {
        chrome: Chrome::signed(&staff, "/staff/export"),
        from: query
            .from
            .unwrap_or_else(|| local_date(today - Duration::days(30))),
        to: query.to.unwrap_or_else(|| local_date(today)),
        error: None,
    };
    render(StatusCode::OK, &page)
}

/// The period asked for, if it is one.
fn period(query: &ExportQuery) -> Option<(Date, Date)> {
    let parse = |value: &Option<String>| value.as_deref().and_then(|v| validate::date(v).ok());
    let (from, to) = (parse(&query.from)?, parse(&query.to)?);
    (from <= to && to - from <= Duration::days(MAX_DAYS)).then_some((from, to))
}

/// The export page again, saying what is wrong with the dates.
fn bad_period(staff: &Signed, query: &ExportQuery) -> Result<Response, AppError> {
    let chrome = Chrome::signed(staff, "/staff/export");
    let page = ExportPage {
        error: Some(chrome.t.error_dates),
        chrome,
        from: query.from.clone().unwrap_or_default(),
        to: query.to.clone().unwrap_or_default(),
    };
    render(StatusCode::UNPROCESSABLE_ENTITY, &page)
}

async fn closed(
    state: &AppState,
    staff: &Signed,
    from: Date,
    to: Date,
    format: ExportFormat,
) -> Result<Vec<ClosedRegistration>, AppError> {
    Ok(state
        .store
        .export_closed(staff.id(), from, to, format, OffsetDateTime::now_utc())
        .await?)
}

fn download(content_type: &'static str, name: String, body: String) -> Response {
    let mut response = body.into_response();
    let headers = response.headers_mut();
    headers.insert(header::CONTENT_TYPE, HeaderValue::from_static(content_type));
    if let Ok(value) = HeaderValue::from_str(&format!("attachment; filename=\"{name}\"")) {
        headers.insert(header::CONTENT_DISPOSITION, value);
    }
    crate::web::page::private(response)
}

pub async fn closed_csv(
    State(state): State<AppState>,
    staff: Signed,
    Query(query): Query<ExportQuery>,
) -> Result<Response, AppError> {
    let Some((from, to)) = period(&query) else {
        return bad_period(&staff, &query);
    };
    let closed = closed(&state, &staff, from, to, ExportFormat::Csv).await?;
    Ok(download(
        "text/csv; charset=utf-8",
        format!("closed-{from}-{to}.csv"),
        to_csv(&state.form, &closed),
    ))
}

pub async fn closed_json(
    State(state): State<AppState>,
    staff: Signed,
    Query(query): Query<ExportQuery>,
) -> Result<Response, AppError> {
    let Some((from, to)) = period(&query) else {
        return bad_period(&staff, &query);
    };
    let closed = closed(&state, &staff, from, to, ExportFormat::Json).await?;
    let records: Vec<serde_json::Value> = closed.iter().map(to_json).collect();
    let body = serde_json::to_string_pretty(&records).expect("JSON values serialise");
    Ok(download(
        "application/json",
        format!("closed-{from}-{to}.json"),
        body,
    ))
}

fn to_json(entry: &ClosedRegistration) -> serde_json::Value {
    json!({
        "registration": entry.registration,
        "sources": entry.sources.iter().map(|s| json!({
            "reference": s.reference,
            "channel": s.channel.as_str(),
            "received_at": iso_time(s.received_at),
        })).collect::<Vec<_>>(),
        "result": entry.result.map(|r| r.as_str()),
        "result_note": entry.result_note,
        "closed_at": iso_time(entry.closed_at),
        "closed_by": entry.closed_by,
        "first_contact_at": entry.first_contact_at.map(iso_time),
        "call_attempts": entry.attempts,
    })
}

const META_COLUMNS: [&str; 6] = [
    "reference",
    "sources",
    "channels",
    "received_at",
    "office",
    "identity_verified",
];
const RESULT_COLUMNS: [&str; 6] = [
    "result",
    "result_note",
    "closed_at",
    "closed_by",
    "first_contact_at",
    "call_attempts",
];

fn to_csv(form: &FormDefinition, closed: &[ClosedRegistration]) -> String {
    let mut out = String::new();
    let header: Vec<&str> = META_COLUMNS
        .iter()
        .copied()
        .chain(form.fields.iter().map(|f| f.id.as_str()))
        .chain(RESULT_COLUMNS.iter().copied())
        .collect();
    push_row(&mut out, header.iter().map(|h| h.to_string()));
    for entry in closed {
        let registration = &entry.registration;
        let mut channels: Vec<&str> = entry.sources.iter().map(|s| s.channel.as_str()).collect();
        channels.sort();
        channels.dedup();
        let meta = [
            registration.reference.to_string(),
            entry
                .sources
                .iter()
                .map(|s| s.reference.as_str())
                .collect::<Vec<_>>()
                .join(" "),
            channels.join(" "),
            iso_time(registration.received_at),
            registration.office.clone(),
            registration.identity_verified.to_string(),
        ];
        let fields = form.fields.iter().map(|def| {
            match registration
                .fields
                .get(&def.id)
                .and_then(|f| f.value.as_ref())
            {
                Some(Value::Text(text)) => text.clone(),
                Some(Value::Bool(yes)) => yes.to_string(),
                None => String::new(),
            }
        });
        let result = [
            entry
                .result
                .map(|r| r.as_str().to_string())
                .unwrap_or_default(),
            entry.result_note.clone(),
            iso_time(entry.closed_at),
            entry.closed_by.clone().unwrap_or_default(),
            entry.first_contact_at.map(iso_time).unwrap_or_default(),
            entry.attempts.to_string(),
        ];
        push_row(&mut out, meta.into_iter().chain(fields).chain(result));
    }
    out
}

fn push_row(out: &mut String, cells: impl Iterator<Item = String>) {
    let line: Vec<String> = cells.map(|cell| csv_cell(&cell)).collect();
    out.push_str(&line.join(","));
    out.push_str("\r\n");
}

/// RFC 4180 quoting; and text a spreadsheet would run as a formula gets a
/// leading apostrophe (a phone number's `+358…` is left alone).
fn csv_cell(value: &str) -> String {
    let formula = match value.chars().next() {
        Some('=' | '@' | '\t' | '\r') => true,
        Some('+' | '-') => !value[1..].chars().all(|c| c.is_ascii_digit() || c == ' '),
        _ => false,
    };
    let value = if formula {
        format!("'{value}")
    } else {
        value.to_string()
    };
    if value.contains([',', '"', '\n', '\r']) {
        format!("\"{}\"", value.replace('"', "\"\""))
    } else {
        value
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cells_are_quoted_and_formulas_defused() {
        assert_eq!(csv_cell("plain"), "plain");
        assert_eq!(csv_cell("a,b"), "\"a,b\"");
        assert_eq!(csv_cell("say \"hi\""), "\"say \"\"hi\"\"\"");
        assert_eq!(csv_cell("=1+1"), "'=1+1");
        assert_eq!(csv_cell("+358401234567"), "+358401234567");
        assert_eq!(csv_cell("-cmd"), "'-cmd");
        assert_eq!(csv_cell("line\nbreak"), "\"line\nbreak\"");
    }
}
