//! What a caseworker sees: the queue in due order, narrowed by office,
//! language, channel or a search, and one registration with its calls.

use sqlx::Row;
use sqlx::any::AnyRow;
use time::{Date, OffsetDateTime};
use uuid::Uuid;

use super::super::audit::parse_uuid;
use super::super::registrations::parse_date;
use super::super::{Backend, Store, StoreError, timestamp};
use super::super::{id_column, time_column};
use super::attempts::attempt_from_row;
use super::lease::holder_from_row;
use super::{CallAttempt, LeaseHolder, optional_time, parse_channel};
use crate::callbacks::CloseResult;
use intake_core::record::validate::{fold_for_compare, hetu, phone};
use intake_core::record::{Channel, Reference, Registration, RegistrationStatus};

/// What the queue page asks for.
#[derive(Debug, Clone)]
pub struct QueueFilter {
    pub status: RegistrationStatus,
    pub office: Option<String>,
    /// The form's `service_language` value.
    pub language: Option<String>,
    /// Part of the language written for "another language" (form v2's
    /// `other_language`), whatever its case and accents: "arab" finds
    /// "Arabic" and "arabia".
    pub other_language: Option<String>,
    pub channel: Option<Channel>,
    /// A reference, identity code, phone number or part of a name.
    pub search: Option<String>,
    /// Also those not to be called again before a later time.
    pub include_later: bool,
}

impl Default for QueueFilter {
    fn default() -> QueueFilter {
        QueueFilter {
            status: RegistrationStatus::AwaitingCall,
            office: None,
            language: None,
            other_language: None,
            channel: None,
            search: None,
            include_later: false,
        }
    }
}

/// One line of the queue.
#[derive(Debug, Clone)]
pub struct QueueEntry {
    pub id: Uuid,
    pub reference: String,
    pub status: RegistrationStatus,
    /// Of all its sources: a web and a paper form make one registration.
    pub channels: Vec<Channel>,
    pub office: String,
    pub surname: String,
    pub first_names: String,
    pub phone: Option<String>,
    pub service_language: Option<String>,
    /// Which language, when the service language is another one.
    pub other_language: Option<String>,
    pub call_time: Option<String>,
    pub received_at: OffsetDateTime,
    pub due_on: Date,
    pub attempts: i64,
    pub next_call_at: Option<OffsetDateTime>,
    pub first_contact_at: Option<OffsetDateTime>,
    pub holder: Option<LeaseHolder>,
}

impl QueueEntry {
    /// Not yet spoken to, and the due day has passed.
    pub fn is_overdue(&self, today: Date) -> bool {
        self.first_contact_at.is_none() && self.due_on < today
    }
}

/// A registration with everything the claimed page shows.
#[derive(Debug, Clone)]
pub struct CallbackDetail {
    pub registration: Registration,
    /// `None` for a registration without a queue entry (folded ones).
    pub due_on: Option<Date>,
    pub attempts: i64,
    pub next_call_at: Option<OffsetDateTime>,
    pub first_contact_at: Option<OffsetDateTime>,
    pub holder: Option<LeaseHolder>,
    pub result: Option<CloseResult>,
    pub result_note: Option<String>,
    pub closed_at: Option<OffsetDateTime>,
    pub closed_by: Option<String>,
    pub call_attempts: Vec<CallAttempt>,
}

/// Most lines the queue shows at once.
const QUEUE_LIMIT: usize = 500;

impl Store {
    pub async fn queue(
        &self,
        filter: &QueueFilter,
        now: OffsetDateTime,
    ) -> Result<Vec<QueueEntry>, StoreError> {
        let mut sql = String::from(
            "SELECT r.id, r.reference, r.status, r.channel, r.office, r.received_at, r.fields, \
             r.phone, c.due_on, c.received_at AS queue_received_at, c.attempts, c.next_call_at, \
             c.first_contact_at, c.lease_holder, c.lease_until, s.name AS holder_name, \
             (SELECT COUNT(*) FROM registrations d WHERE d.duplicate_of = r.id \
               AND d.channel <> r.channel) AS other_channel \
             FROM callbacks c CROSS JOIN registrations r \
             LEFT JOIN staff s ON s.id = c.lease_holder \
             WHERE c.status = $1 AND r.id = c.registration_id",
        );
        // The queue is walked from its entries of the status in the
        // page's order (callbacks_status_due), no sort, so the database
        // stops at the page's end. An entry carries its registration's
        // status (NULL once folded into another), copied by triggers; the
        // CROSS JOIN keeps SQLite from starting at the registrations'
        // status index instead.
        if filter.status != RegistrationStatus::Closed {
            sql.push_str(" AND c.closed_at IS NULL");
        }
        let mut binds: Vec<String> = vec![filter.status.as_str().to_string()];
        let bind = |binds: &mut Vec<String>, sql: &mut String, clause: &str, value: String| {
            binds.push(value);
            sql.push_str(&clause.replace('?', &format!("${}", binds.len())));
        };
        if let Some(office) = &filter.office {
            bind(&mut binds, &mut sql, " AND r.office = ?", office.clone());
        }
        if let Some(language) = &filter.language {
            // The entry's copy of the value (callbacks_status_language).
            bind(
                &mut binds,
                &mut sql,
                " AND c.language = ?",
                language.clone(),
            );
        }
        if let Some(channel) = filter.channel {
            // A registration matches by any of its sources.
            bind(
                &mut binds,
                &mut sql,
                " AND (r.channel = ? OR r.id IN (SELECT d.duplicate_of FROM registrations d \
                 WHERE d.duplicate_of IS NOT NULL AND d.channel = ?))",
                channel.as_str().to_string(),
            );
        }
        // Only the queue proper holds people back until a later time.
        if !filter.include_later && filter.status == RegistrationStatus::AwaitingCall {
            bind(
                &mut binds,
                &mut sql,
                " AND (c.next_call_at IS NULL OR c.next_call_at <= ?)",
                timestamp(now),
            );
        }
        // Case-insensitive for ASCII letters on both backends.
        let like = match self.backend {
            Backend::Sqlite => "LIKE",
            Backend::Postgres => "ILIKE",
        };
        let other_language = filter
            .other_language
            .as_deref()
            .map(fold_for_compare)
            .filter(|term| !term.is_empty());
        if let Some(term) = &other_language {
            // The few entries with one written (callbacks_other_language),
            // narrowed in SQL and checked below.
            bind(
                &mut binds,
                &mut sql,
                &format!(
                    " AND c.other_language IS NOT NULL AND c.other_language {like} ? ESCAPE '\\'"
                ),
                candidate_pattern(term),
            );
        }
        let search = filter
            .search
            .as_deref()
            .map(str::trim)
            .filter(|s| !s.is_empty());
        let mut name_search = None;
        let mut reference_owner = None;
        if let Some(term) = search {
            // An identity code or phone number is found exactly, in every
            // source; anything else is a reference or a name.
            let key = hetu(term)
                .map(|h| h.code)
                .or_else(|_| phone(term))
                .ok()
                .filter(|_| Reference::parse(term).is_none());
            match key {
                Some(key) => {
                    // The people first (by the code and phone indexes),
                    // then their entries by key: a handful of rows.
                    let people = self.registrations_of_person(&key).await?;
                    if people.is_empty() {
                        return Ok(Vec::new());
                    }
                    let mut list = Vec::with_capacity(people.len());
                    for id in people {
                        binds.push(id);
                        list.push(format!("${}", binds.len()));
                    }
                    sql.push_str(&format!(" AND c.registration_id IN ({})", list.join(", ")));
                }
                None => {
                    if let Some(reference) = Reference::parse(term) {
                        reference_owner = self.reference_owner(&reference).await?;
                    }
                    let term = fold_for_compare(term);
                    // The entry's copy of the names, narrowed in SQL and
                    // checked below; NULL (not copied) is always read.
                    binds.push(candidate_pattern(&term));
                    let mut clause = format!(
                        " AND (c.names IS NULL OR c.names {like} ${} ESCAPE '\\'",
                        binds.len()
                    );
                    if let Some(owner) = reference_owner {
                        binds.push(owner.to_string());
                        clause.push_str(&format!(" OR c.registration_id = ${}", binds.len()));
                    }
                    clause.push(')');
                    sql.push_str(&clause);
                    name_search = Some(term);
                }
            }
        }
        // Rows narrowed in SQL alone are exact; the others are checked
        // here, a page at a time after the last row read, until the page
        // is full or the queue ends.
        let exact = name_search.is_none() && other_language.is_none();
        let mut after: Option<[String; 3]> = None;
        let mut entries = Vec::new();
        loop {
            let mut page = sql.clone();
            let mut page_binds = binds.clone();
            if let Some(keys) = after.take() {
                let n = page_binds.len();
                page.push_str(&format!(
                    " AND (c.due_on, c.received_at, c.registration_id) > (${}, ${}, ${})",
                    n + 1,
                    n + 2,
                    n + 3
                ));
                page_binds.extend(keys);
            }
            page.push_str(&format!(
                " ORDER BY c.due_on, c.received_at, c.registration_id LIMIT {QUEUE_LIMIT}"
            ));
            let mut query = sqlx::query(&page);
            for value in &page_binds {
                query = query.bind(value);
            }
            let rows = query.fetch_all(&self.reader).await?;
            for row in &rows {
                let entry = entry_from_row(row, now)?;
                if let Some(language) = &filter.language
                    && entry.service_language.as_ref() != Some(language)
                {
                    continue;
                }
                if let Some(term) = &other_language
                    && !entry
                        .other_language
                        .as_deref()
                        .is_some_and(|written| fold_for_compare(written).contains(term.as_str()))
                {
                    continue;
                }
                if let Some(term) = &name_search
                    && reference_owner != Some(entry.id)
                    && !name_matches(&entry, term)
                {
                    continue;
                }
                entries.push(entry);
                if entries.len() == QUEUE_LIMIT {
                    return Ok(entries);
                }
            }
            match rows.last() {
                Some(last) if !exact && rows.len() == QUEUE_LIMIT => {
                    after = Some([
                        last.try_get("due_on")?,
                        last.try_get("queue_received_at")?,
                        last.try_get("id")?,
                    ]);
                }
                _ => return Ok(entries),
            }
        }
    }

    /// The registrations that stand for a person's identity code or phone
    /// number, in any of their sources.
    async fn registrations_of_person(&self, key: &str) -> Result<Vec<String>, StoreError> {
        let rows: Vec<(String,)> = sqlx::query_as(
            "SELECT DISTINCT COALESCE(duplicate_of, id) FROM registrations \
             WHERE hetu = $1 OR phone = $1",
        )
        .bind(key)
        .fetch_all(&self.reader)
        .await?;
        Ok(rows.into_iter().map(|(id,)| id).collect())
    }

    /// The registration that stands for a reference (its own, or the one
    /// it was folded into).
    pub async fn reference_owner(&self, reference: &Reference) -> Result<Option<Uuid>, StoreError> {
        let row: Option<(String,)> = sqlx::query_as(
            "SELECT COALESCE(duplicate_of, id) FROM registrations WHERE reference = $1",
        )
        .bind(reference.as_str())
        .fetch_optional(&self.reader)
        .await?;
        row.map(|(id,)| parse_uuid(&id)).transpose()
    }

    pub async fn callback_detail(
        &self,
        id: Uuid,
        now: OffsetDateTime,
    ) -> Result<Option<CallbackDetail>, StoreError> {
        let Some(registration) = self.registration(id).await? else {
            return Ok(None);
        };
        let row = sqlx::query(
            "SELECT c.due_on, c.attempts, c.next_call_at, c.first_contact_at, c.lease_holder, \
             c.lease_until, s.name AS holder_name, c.result, c.result_note, c.closed_at, \
             cb.name AS closed_by_name FROM callbacks c \
             LEFT JOIN staff s ON s.id = c.lease_holder \
             LEFT JOIN staff cb ON cb.id = c.closed_by WHERE c.registration_id = $1",
        )
        .bind(id.to_string())
        .fetch_optional(&self.reader)
        .await?;
        let attempts = sqlx::query(
            "SELECT a.attempted_at, s.name, a.outcome, a.call_back_at, a.note \
             FROM call_attempts a JOIN staff s ON s.id = a.staff_id \
             WHERE a.registration_id = $1 ORDER BY a.attempted_at, a.id",
        )
        .bind(id.to_string())
        .fetch_all(&self.reader)
        .await?
        .iter()
        .map(attempt_from_row)
        .collect::<Result<Vec<_>, _>>()?;
        let mut detail = CallbackDetail {
            registration,
            due_on: None,
            attempts: 0,
            next_call_at: None,
            first_contact_at: None,
            holder: None,
            result: None,
            result_note: None,
            closed_at: None,
            closed_by: None,
            call_attempts: attempts,
        };
        if let Some(row) = row {
            let result: Option<String> = row.try_get("result")?;
            detail.due_on = Some(parse_date(&row.try_get::<String, _>("due_on")?)?);
            detail.attempts = row.try_get("attempts")?;
            detail.next_call_at = optional_time(&row, "next_call_at")?;
            detail.first_contact_at = optional_time(&row, "first_contact_at")?;
            detail.holder = holder_from_row(&row, now)?;
            detail.result = result.as_deref().and_then(CloseResult::parse);
            detail.result_note = row.try_get("result_note")?;
            detail.closed_at = optional_time(&row, "closed_at")?;
            detail.closed_by = row.try_get("closed_by_name")?;
        }
        Ok(Some(detail))
    }
}

/// A LIKE pattern (ILIKE on PostgreSQL) that every text whose folded form
/// ([`fold_for_compare`]) contains `term` matches, and few others: the
/// term's ASCII characters as they are, matched regardless of ASCII case,
/// and anything else as `%`. White space may be collapsed in the folded
/// text, and a character may lower-case to others (`İ` to `i̇`, the
/// Kelvin sign to `k`), so those, `i` and `k` match any run.
fn candidate_pattern(term: &str) -> String {
    let mut pattern = String::from("%");
    let mut any_run = true;
    for c in term.chars() {
        if !c.is_ascii_graphic() || c == 'i' || c == 'k' {
            if !any_run {
                pattern.push('%');
                any_run = true;
            }
            continue;
        }
        if matches!(c, '%' | '_' | '\\') {
            pattern.push('\\');
        }
        pattern.push(c);
        any_run = false;
    }
    if !any_run {
        pattern.push('%');
    }
    pattern
}

fn name_matches(entry: &QueueEntry, term: &str) -> bool {
    let forward = fold_for_compare(&format!("{} {}", entry.surname, entry.first_names));
    let backward = fold_for_compare(&format!("{} {}", entry.first_names, entry.surname));
    forward.contains(term) || backward.contains(term)
}

fn entry_from_row(row: &AnyRow, now: OffsetDateTime) -> Result<QueueEntry, StoreError> {
    let status: String = row.try_get("status")?;
    let channel: String = row.try_get("channel")?;
    let fields: String = row.try_get("fields")?;
    let other_channel: i64 = row.try_get("other_channel")?;
    let fields: serde_json::Value =
        serde_json::from_str(&fields).map_err(|e| StoreError::Corrupt(format!("fields: {e}")))?;
    let text = |id: &str| fields[id]["value"].as_str().map(str::to_string);
    let channel = parse_channel(&channel)?;
    let mut channels = vec![channel];
    if other_channel > 0 {
        channels.push(match channel {
            Channel::Web => Channel::Paper,
            Channel::Paper => Channel::Web,
        });
        channels.sort_by_key(|c| c.as_str());
    }
    Ok(QueueEntry {
        id: id_column(row, "id")?,
        reference: row.try_get("reference")?,
        status: RegistrationStatus::parse(&status)
            .ok_or_else(|| StoreError::Corrupt(format!("status `{status}`")))?,
        channels,
        office: row.try_get("office")?,
        surname: text("surname").unwrap_or_default(),
        first_names: text("first_names").unwrap_or_default(),
        phone: row.try_get("phone")?,
        service_language: text("service_language"),
        other_language: text("other_language"),
        call_time: text("call_time"),
        received_at: time_column(row, "received_at")?,
        due_on: parse_date(&row.try_get::<String, _>("due_on")?)?,
        attempts: row.try_get("attempts")?,
        next_call_at: optional_time(row, "next_call_at")?,
        first_contact_at: optional_time(row, "first_contact_at")?,
        holder: holder_from_row(row, now)?,
    })
}
