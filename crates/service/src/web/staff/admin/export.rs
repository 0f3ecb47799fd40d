//! Export of closed registrations for the national system, as CSV (one
//! column per form field, in the definition's order) or JSON (the
//! normalised record with its sources and result). Each export is recorded
//! in the audit log against every registration in it.
//!
//! Every CSV cell is quoted and a cell a spreadsheet would run as a formula
//! is defused, in every cell: Finnish and Swedish Excel split on `;`, so an
//! unquoted `x;=cmd|…` would become a live formula in the next column.
//! `?excel=1` gives the same rows with a UTF-8 byte order mark and `;`
//! between cells, which Excel in those locales opens as columns.

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
    /// `1`: the CSV for Excel in Finnish and Swedish settings.
    excel: Option<String>,
}

/// How the CSV is laid out.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum CsvDialect {
    /// RFC 4180: `,` between cells, no byte order mark.
    Standard,
    /// A UTF-8 byte order mark and `;` between cells.
    Excel,
}

impl CsvDialect {
    fn separator(self) -> &'static str {
        match self {
            CsvDialect::Standard => ",",
            CsvDialect::Excel => ";",
        }
    }
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
    response
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
    let (dialect, name) = if query.excel.as_deref() == Some("1") {
        (CsvDialect::Excel, format!("closed-{from}-{to}-excel.csv"))
    } else {
        (CsvDialect::Standard, format!("closed-{from}-{to}.csv"))
    };
    Ok(download(
        "text/csv; charset=utf-8",
        name,
        to_csv(&state.form, &closed, dialect),
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

fn to_csv(form: &FormDefinition, closed: &[ClosedRegistration], dialect: CsvDialect) -> String {
    let mut out = String::new();
    if dialect == CsvDialect::Excel {
        out.push('\u{feff}');
    }
    let header: Vec<&str> = META_COLUMNS
        .iter()
        .copied()
        .chain(form.fields.iter().map(|f| f.id.as_str()))
        .chain(RESULT_COLUMNS.iter().copied())
        .collect();
    push_row(&mut out, dialect, header.iter().map(|h| h.to_string()));
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
        push_row(
            &mut out,
            dialect,
            meta.into_iter().chain(fields).chain(result),
        );
    }
    out
}

fn push_row(out: &mut String, dialect: CsvDialect, cells: impl Iterator<Item = String>) {
    let line: Vec<String> = cells.map(|cell| csv_cell(&cell)).collect();
    out.push_str(&line.join(dialect.separator()));
    out.push_str("\r\n");
}

/// Every cell quoted (so no separator inside it splits it, whichever the
/// spreadsheet uses); text a spreadsheet would run as a formula gets a
/// leading apostrophe. A signed number (a phone's `+358…`) is no formula
/// and stays as it is.
fn csv_cell(value: &str) -> String {
    let formula = match value.chars().next() {
        Some('=' | '@' | '\t' | '\r' | '\n') => true,
        Some('+' | '-') => !value[1..].chars().all(|c| c.is_ascii_digit() || c == ' '),
        _ => false,
    };
    let value = if formula {
        format!("'{value}")
    } else {
        value.to_string()
    };
    format!("\"{}\"", value.replace('"', "\"\""))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cells_are_quoted_and_formulas_defused() {
        assert_eq!(csv_cell("plain"), "\"plain\"");
        assert_eq!(csv_cell(""), "\"\"");
        assert_eq!(csv_cell("a,b"), "\"a,b\"");
        assert_eq!(csv_cell("say \"hi\""), "\"say \"\"hi\"\"\"");
        assert_eq!(csv_cell("=1+1"), "\"'=1+1\"");
        assert_eq!(csv_cell("@SUM(A1)"), "\"'@SUM(A1)\"");
        assert_eq!(csv_cell("\t=1"), "\"'\t=1\"");
        assert_eq!(csv_cell("+358401234567"), "\"+358401234567\"");
        assert_eq!(csv_cell("+1+cmd"), "\"'+1+cmd\"");
        assert_eq!(csv_cell("-cmd"), "\"'-cmd\"");
        assert_eq!(csv_cell("line\nbreak"), "\"line\nbreak\"");
    }

    /// Splits a line of the Excel dialect as Excel in fi/sv does: on `;`
    /// outside quotes.
    fn excel_cells(line: &str) -> Vec<String> {
        let (mut cells, mut cell, mut quoted) = (Vec::new(), String::new(), false);
        let mut chars = line.chars().peekable();
        while let Some(c) = chars.next() {
            match c {
                '"' if quoted && chars.peek() == Some(&'"') => {
                    cell.push('"');
                    chars.next();
                }
                '"' => quoted = !quoted,
                ';' if !quoted => cells.push(std::mem::take(&mut cell)),
                c => cell.push(c),
            }
        }
        cells.push(cell);
        cells
    }

    #[test]
    fn a_semicolon_formula_stays_inert_in_one_cell() {
        let name = "x;=cmd|' /C calc'!A0";
        let mut out = String::new();
        push_row(
            &mut out,
            CsvDialect::Excel,
            ["a".to_string(), name.to_string(), "=1".to_string()].into_iter(),
        );
        let cells = excel_cells(out.trim_end());
        assert_eq!(cells, ["a", name, "'=1"]);
        assert!(cells.iter().all(|c| !c.starts_with(['=', '+', '-', '@'])));
    }
}
