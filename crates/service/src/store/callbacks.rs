//! The callback queue: every open registration from both channels, in due
//! order; claims as time-limited leases that only one caseworker can hold;
//! call attempts and what follows from them; closing with a result. Every
//! change is written with its audit entry in one transaction.

mod overview;

use sqlx::Row;
use sqlx::any::AnyRow;
use time::{Date, OffsetDateTime};
use uuid::Uuid;

pub use overview::{ClosedRegistration, DayCount, ExportFormat, Overview};

use super::audit::{self, AuditAction, parse_uuid};
use super::registrations::parse_date;
use super::{Store, StoreError, parse_timestamp, timestamp};
use crate::callbacks::{CallOutcome, CallTime, CloseResult, NextStep, next_step};
use crate::config::StaffSettings;
use intake_core::record::validate::{fold_for_compare, hetu, phone};
use intake_core::record::{Channel, Reference, Registration, RegistrationStatus};

/// What the queue page asks for.
#[derive(Debug, Clone)]
pub struct QueueFilter {
    pub status: RegistrationStatus,
    pub office: Option<String>,
    /// The form's `service_language` value.
    pub language: Option<String>,
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
            channel: None,
            search: None,
            include_later: false,
        }
    }
}

/// Who holds a registration, while their lease lasts.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LeaseHolder {
    pub id: Uuid,
    pub name: String,
    pub until: OffsetDateTime,
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

/// One call, as logged.
#[derive(Debug, Clone)]
pub struct CallAttempt {
    pub at: OffsetDateTime,
    pub staff_name: String,
    pub outcome: CallOutcome,
    pub call_back_at: Option<OffsetDateTime>,
    pub note: String,
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

/// What a claim came to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Claim {
    Claimed {
        until: OffsetDateTime,
    },
    /// Someone else holds it.
    HeldBy(LeaseHolder),
    /// Not in the queue (closed, withdrawn, awaiting review, unknown).
    NotOpen,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum TakeOver {
    /// Taken; from whom, if anyone held it.
    Taken {
        from: Option<String>,
    },
    NotOpen,
}

/// A call attempt as the caseworker logs it.
#[derive(Debug, Clone)]
pub struct NewCallAttempt {
    pub outcome: CallOutcome,
    pub note: String,
    /// For `call_back_later`: the time agreed on the phone.
    pub call_back_at: Option<OffsetDateTime>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum AttemptLogged {
    Logged(NextStep),
    /// The caseworker does not hold the registration (any more).
    NotHolder,
}

/// Closing after the call.
#[derive(Debug, Clone)]
pub struct Closing {
    pub result: CloseResult,
    pub identity_confirmed: bool,
    pub note: String,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CloseOutcome {
    Closed,
    NotHolder,
    /// Closing with this result needs a call that reached the person (or,
    /// for `letter_sent`, a registration in "send a letter").
    NotAllowed,
}

/// Statuses a caseworker can claim and work on.
const CALLABLE: &str = "('awaiting_call', 'send_letter')";
const UNREACHED: &str = "('no_answer', 'busy', 'voicemail', 'wrong_person')";
const CONTACT: &str = "('reached', 'call_back_later', 'refused')";

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
             r.phone, c.due_on, c.attempts, c.next_call_at, c.first_contact_at, \
             c.lease_holder, c.lease_until, s.name AS holder_name, \
             (SELECT COUNT(*) FROM registrations d WHERE d.duplicate_of = r.id \
               AND d.channel <> r.channel) AS other_channel \
             FROM callbacks c JOIN registrations r ON r.id = c.registration_id \
             LEFT JOIN staff s ON s.id = c.lease_holder \
             WHERE r.duplicate_of IS NULL AND r.status = $1",
        );
        let mut binds: Vec<String> = vec![filter.status.as_str().to_string()];
        let mut bind = |sql: &mut String, clause: &str, value: String| {
            binds.push(value);
            sql.push_str(&clause.replace('?', &format!("${}", binds.len())));
        };
        if let Some(office) = &filter.office {
            bind(&mut sql, " AND r.office = ?", office.clone());
        }
        if let Some(channel) = filter.channel {
            // A registration matches by any of its sources.
            bind(
                &mut sql,
                " AND (r.channel = ? OR r.id IN (SELECT d.duplicate_of FROM registrations d \
                 WHERE d.duplicate_of IS NOT NULL AND d.channel = ?))",
                channel.as_str().to_string(),
            );
        }
        // Only the queue proper holds people back until a later time.
        if !filter.include_later && filter.status == RegistrationStatus::AwaitingCall {
            bind(
                &mut sql,
                " AND (c.next_call_at IS NULL OR c.next_call_at <= ?)",
                timestamp(now),
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
                Some(key) => bind(
                    &mut sql,
                    " AND r.id IN (SELECT COALESCE(x.duplicate_of, x.id) FROM registrations x \
                     WHERE x.hetu = ? OR x.phone = ?)",
                    key,
                ),
                None => {
                    if let Some(reference) = Reference::parse(term) {
                        reference_owner = self.reference_owner(&reference).await?;
                    }
                    name_search = Some(fold_for_compare(term));
                }
            }
        }
        sql.push_str(" ORDER BY c.due_on, r.received_at, r.id");
        let mut query = sqlx::query(&sql);
        for value in &binds {
            query = query.bind(value);
        }
        let rows = query.fetch_all(&self.reader).await?;
        let mut entries = Vec::new();
        for row in &rows {
            let entry = entry_from_row(row, now)?;
            if let Some(language) = &filter.language
                && entry.service_language.as_ref() != Some(language)
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
                break;
            }
        }
        Ok(entries)
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

    /// Takes the registration for one caseworker until the lease runs out.
    /// One statement decides, so of two at the same moment exactly one wins;
    /// claiming one's own again extends the lease.
    pub async fn claim(
        &self,
        id: Uuid,
        staff: Uuid,
        settings: &StaffSettings,
        now: OffsetDateTime,
    ) -> Result<Claim, StoreError> {
        let until = now + settings.lease();
        let mut tx = self.writer.begin().await?;
        let done = sqlx::query(&format!(
            "UPDATE callbacks SET lease_holder = $1, lease_until = $2 \
             WHERE registration_id = $3 \
             AND (lease_holder IS NULL OR lease_until <= $4 OR lease_holder = $1) \
             AND EXISTS (SELECT 1 FROM registrations r WHERE r.id = $3 \
               AND r.duplicate_of IS NULL AND r.status IN {CALLABLE})"
        ))
        .bind(staff.to_string())
        .bind(timestamp(until))
        .bind(id.to_string())
        .bind(timestamp(now))
        .execute(&mut *tx)
        .await?;
        if done.rows_affected() == 1 {
            audit::record(&mut tx, now, Some(staff), Some(id), AuditAction::Claim, "").await?;
            tx.commit().await?;
            return Ok(Claim::Claimed { until });
        }
        tx.rollback().await?;
        Ok(match self.holder(id, now).await? {
            Some(holder) if holder.id != staff => Claim::HeldBy(holder),
            _ => Claim::NotOpen,
        })
    }

    /// Gives a claimed registration back to the queue.
    pub async fn release(
        &self,
        id: Uuid,
        staff: Uuid,
        now: OffsetDateTime,
    ) -> Result<bool, StoreError> {
        let mut tx = self.writer.begin().await?;
        let done = sqlx::query(
            "UPDATE callbacks SET lease_holder = NULL, lease_until = NULL \
             WHERE registration_id = $1 AND lease_holder = $2",
        )
        .bind(id.to_string())
        .bind(staff.to_string())
        .execute(&mut *tx)
        .await?;
        if done.rows_affected() == 1 {
            audit::record(
                &mut tx,
                now,
                Some(staff),
                Some(id),
                AuditAction::Release,
                "",
            )
            .await?;
        }
        tx.commit().await?;
        Ok(done.rows_affected() == 1)
    }

    /// An admin takes a registration over from whoever holds it.
    pub async fn take_over(
        &self,
        id: Uuid,
        admin: Uuid,
        settings: &StaffSettings,
        now: OffsetDateTime,
    ) -> Result<TakeOver, StoreError> {
        let mut tx = self.writer.begin().await?;
        let previous: Option<(Option<String>, Option<String>)> = sqlx::query_as(
            "SELECT s.name, c.lease_until FROM callbacks c \
             LEFT JOIN staff s ON s.id = c.lease_holder WHERE c.registration_id = $1",
        )
        .bind(id.to_string())
        .fetch_optional(&mut *tx)
        .await?;
        let done = sqlx::query(&format!(
            "UPDATE callbacks SET lease_holder = $1, lease_until = $2 \
             WHERE registration_id = $3 AND EXISTS (SELECT 1 FROM registrations r \
               WHERE r.id = $3 AND r.duplicate_of IS NULL AND r.status IN {CALLABLE})"
        ))
        .bind(admin.to_string())
        .bind(timestamp(now + settings.lease()))
        .bind(id.to_string())
        .execute(&mut *tx)
        .await?;
        if done.rows_affected() != 1 {
            tx.rollback().await?;
            return Ok(TakeOver::NotOpen);
        }
        let now_text = timestamp(now);
        let from = previous
            .and_then(|(name, until)| name.filter(|_| until.is_some_and(|until| until > now_text)));
        audit::record(
            &mut tx,
            now,
            Some(admin),
            Some(id),
            AuditAction::TakeOver,
            &from
                .as_deref()
                .map(|n| format!("from {n}"))
                .unwrap_or_default(),
        )
        .await?;
        tx.commit().await?;
        Ok(TakeOver::Taken { from })
    }

    /// Logs one call and does what follows from it: a person reached stays
    /// with the caseworker; one not reached comes back at the next sensible
    /// time, or after the last attempt moves to "send a letter".
    pub async fn log_attempt(
        &self,
        id: Uuid,
        staff: Uuid,
        attempt: &NewCallAttempt,
        settings: &StaffSettings,
        now: OffsetDateTime,
    ) -> Result<AttemptLogged, StoreError> {
        let now_text = timestamp(now);
        let mut tx = self.writer.begin().await?;
        // Taking the row first also locks it against a takeover meanwhile.
        let held = sqlx::query(&format!(
            "UPDATE callbacks SET attempts = attempts + 1 \
             WHERE registration_id = $1 AND lease_holder = $2 AND lease_until > $3 \
             AND EXISTS (SELECT 1 FROM registrations r WHERE r.id = $1 \
               AND r.status IN {CALLABLE})"
        ))
        .bind(id.to_string())
        .bind(staff.to_string())
        .bind(&now_text)
        .execute(&mut *tx)
        .await?;
        if held.rows_affected() != 1 {
            tx.rollback().await?;
            return Ok(AttemptLogged::NotHolder);
        }
        let (earlier,): (i64,) = sqlx::query_as(&format!(
            "SELECT COUNT(*) FROM call_attempts WHERE registration_id = $1 \
             AND outcome IN {UNREACHED}"
        ))
        .bind(id.to_string())
        .fetch_one(&mut *tx)
        .await?;
        let (fields,): (String,) = sqlx::query_as("SELECT fields FROM registrations WHERE id = $1")
            .bind(id.to_string())
            .fetch_one(&mut *tx)
            .await?;
        let call_time = serde_json::from_str::<serde_json::Value>(&fields)
            .ok()
            .and_then(|f| f["call_time"]["value"].as_str().map(str::to_string));
        let unreached =
            u32::try_from(earlier).unwrap_or(u32::MAX) + u32::from(attempt.outcome.is_unreached());
        let step = next_step(
            attempt.outcome,
            unreached,
            settings.max_call_attempts,
            now,
            CallTime::from_field(call_time.as_deref()),
            attempt.call_back_at,
        );
        let call_back_at = match (attempt.outcome, step) {
            (CallOutcome::CallBackLater, NextStep::CallAgainAt(at)) => Some(timestamp(at)),
            _ => None,
        };
        sqlx::query(
            "INSERT INTO call_attempts (id, registration_id, staff_id, attempted_at, outcome, \
             call_back_at, note) VALUES ($1, $2, $3, $4, $5, $6, $7)",
        )
        .bind(Uuid::new_v4().to_string())
        .bind(id.to_string())
        .bind(staff.to_string())
        .bind(&now_text)
        .bind(attempt.outcome.as_str())
        .bind(call_back_at)
        .bind(&attempt.note)
        .execute(&mut *tx)
        .await?;
        if attempt.outcome.is_contact() {
            sqlx::query(
                "UPDATE callbacks SET first_contact_at = COALESCE(first_contact_at, $1) \
                 WHERE registration_id = $2",
            )
            .bind(&now_text)
            .bind(id.to_string())
            .execute(&mut *tx)
            .await?;
        }
        match step {
            NextStep::Talk => {
                sqlx::query(
                    "UPDATE callbacks SET next_call_at = NULL, lease_until = $1 \
                     WHERE registration_id = $2",
                )
                .bind(timestamp(now + settings.lease()))
                .bind(id.to_string())
                .execute(&mut *tx)
                .await?;
            }
            NextStep::CallAgainAt(at) => {
                sqlx::query(
                    "UPDATE callbacks SET next_call_at = $1, lease_holder = NULL, \
                     lease_until = NULL WHERE registration_id = $2",
                )
                .bind(timestamp(at))
                .bind(id.to_string())
                .execute(&mut *tx)
                .await?;
            }
            NextStep::SendLetter => {
                set_status(&mut tx, id, RegistrationStatus::SendLetter, &now_text).await?;
                sqlx::query(
                    "UPDATE callbacks SET next_call_at = NULL, lease_holder = NULL, \
                     lease_until = NULL WHERE registration_id = $1",
                )
                .bind(id.to_string())
                .execute(&mut *tx)
                .await?;
            }
            NextStep::Close(result) => {
                set_status(&mut tx, id, RegistrationStatus::Closed, &now_text).await?;
                close_callback(&mut tx, id, staff, result, &attempt.note, &now_text).await?;
            }
        }
        audit::record(
            &mut tx,
            now,
            Some(staff),
            Some(id),
            AuditAction::Attempt,
            &attempt_detail(attempt.outcome, step),
        )
        .await?;
        tx.commit().await?;
        Ok(AttemptLogged::Logged(step))
    }

    /// Closes a registration the caseworker holds, with a result.
    pub async fn close_registration(
        &self,
        id: Uuid,
        staff: Uuid,
        closing: &Closing,
        now: OffsetDateTime,
    ) -> Result<CloseOutcome, StoreError> {
        let now_text = timestamp(now);
        let mut tx = self.writer.begin().await?;
        let held: Option<(String, i64)> = sqlx::query_as(&format!(
            "SELECT r.status, (SELECT COUNT(*) FROM call_attempts a \
               WHERE a.registration_id = r.id AND a.outcome IN {CONTACT}) \
             FROM callbacks c JOIN registrations r ON r.id = c.registration_id \
             WHERE c.registration_id = $1 AND c.lease_holder = $2 AND c.lease_until > $3"
        ))
        .bind(id.to_string())
        .bind(staff.to_string())
        .bind(&now_text)
        .fetch_optional(&mut *tx)
        .await?;
        let Some((status, contacts)) = held else {
            tx.rollback().await?;
            return Ok(CloseOutcome::NotHolder);
        };
        let allowed = match closing.result {
            CloseResult::LetterSent => status == RegistrationStatus::SendLetter.as_str(),
            CloseResult::Registered => contacts > 0 && closing.identity_confirmed,
            _ => contacts > 0,
        };
        if !allowed {
            tx.rollback().await?;
            return Ok(CloseOutcome::NotAllowed);
        }
        let done = sqlx::query(&format!(
            "UPDATE registrations SET status = $1, updated_at = $2 \
             WHERE id = $3 AND status IN {CALLABLE}"
        ))
        .bind(RegistrationStatus::Closed.as_str())
        .bind(&now_text)
        .bind(id.to_string())
        .execute(&mut *tx)
        .await?;
        if done.rows_affected() != 1 {
            // Withdrawn by the jobseeker meanwhile.
            tx.rollback().await?;
            return Ok(CloseOutcome::NotAllowed);
        }
        if closing.identity_confirmed {
            sqlx::query("UPDATE registrations SET identity_verified = $1 WHERE id = $2")
                .bind(true)
                .bind(id.to_string())
                .execute(&mut *tx)
                .await?;
        }
        close_callback(&mut tx, id, staff, closing.result, &closing.note, &now_text).await?;
        let detail = format!(
            "{}{}",
            closing.result.as_str(),
            if closing.identity_confirmed {
                ", identity confirmed"
            } else {
                ""
            }
        );
        audit::record(
            &mut tx,
            now,
            Some(staff),
            Some(id),
            AuditAction::Close,
            &detail,
        )
        .await?;
        tx.commit().await?;
        Ok(CloseOutcome::Closed)
    }

    async fn holder(
        &self,
        id: Uuid,
        now: OffsetDateTime,
    ) -> Result<Option<LeaseHolder>, StoreError> {
        let row = sqlx::query(
            "SELECT c.lease_holder, c.lease_until, s.name AS holder_name FROM callbacks c \
             LEFT JOIN staff s ON s.id = c.lease_holder WHERE c.registration_id = $1",
        )
        .bind(id.to_string())
        .fetch_optional(&self.writer)
        .await?;
        row.map(|row| holder_from_row(&row, now))
            .transpose()
            .map(Option::flatten)
    }
}

async fn set_status(
    tx: &mut sqlx::Transaction<'_, sqlx::Any>,
    id: Uuid,
    status: RegistrationStatus,
    now: &str,
) -> Result<(), StoreError> {
    sqlx::query("UPDATE registrations SET status = $1, updated_at = $2 WHERE id = $3")
        .bind(status.as_str())
        .bind(now)
        .bind(id.to_string())
        .execute(&mut **tx)
        .await?;
    Ok(())
}

async fn close_callback(
    tx: &mut sqlx::Transaction<'_, sqlx::Any>,
    id: Uuid,
    staff: Uuid,
    result: CloseResult,
    note: &str,
    now: &str,
) -> Result<(), StoreError> {
    sqlx::query(
        "UPDATE callbacks SET result = $1, result_note = $2, closed_at = $3, closed_by = $4, \
         next_call_at = NULL, lease_holder = NULL, lease_until = NULL WHERE registration_id = $5",
    )
    .bind(result.as_str())
    .bind(note)
    .bind(now)
    .bind(staff.to_string())
    .bind(id.to_string())
    .execute(&mut **tx)
    .await?;
    Ok(())
}

fn attempt_detail(outcome: CallOutcome, step: NextStep) -> String {
    let then = match step {
        NextStep::Talk => "talking".to_string(),
        NextStep::CallAgainAt(at) => format!("again from {}", timestamp(at)),
        NextStep::SendLetter => "send a letter".to_string(),
        NextStep::Close(result) => format!("closed: {}", result.as_str()),
    };
    format!("{}; {then}", outcome.as_str())
}

fn name_matches(entry: &QueueEntry, term: &str) -> bool {
    let forward = fold_for_compare(&format!("{} {}", entry.surname, entry.first_names));
    let backward = fold_for_compare(&format!("{} {}", entry.first_names, entry.surname));
    forward.contains(term) || backward.contains(term)
}

fn optional_time(row: &AnyRow, column: &str) -> Result<Option<OffsetDateTime>, StoreError> {
    let text: Option<String> = row.try_get(column)?;
    text.as_deref().map(parse_timestamp).transpose()
}

fn holder_from_row(row: &AnyRow, now: OffsetDateTime) -> Result<Option<LeaseHolder>, StoreError> {
    let id: Option<String> = row.try_get("lease_holder")?;
    let until = optional_time(row, "lease_until")?;
    let name: Option<String> = row.try_get("holder_name")?;
    Ok(match (id, until) {
        (Some(id), Some(until)) if until > now => Some(LeaseHolder {
            id: parse_uuid(&id)?,
            name: name.unwrap_or_default(),
            until,
        }),
        _ => None,
    })
}

fn entry_from_row(row: &AnyRow, now: OffsetDateTime) -> Result<QueueEntry, StoreError> {
    let id: String = row.try_get("id")?;
    let status: String = row.try_get("status")?;
    let channel: String = row.try_get("channel")?;
    let fields: String = row.try_get("fields")?;
    let received_at: String = row.try_get("received_at")?;
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
        id: parse_uuid(&id)?,
        reference: row.try_get("reference")?,
        status: RegistrationStatus::parse(&status)
            .ok_or_else(|| StoreError::Corrupt(format!("status `{status}`")))?,
        channels,
        office: row.try_get("office")?,
        surname: text("surname").unwrap_or_default(),
        first_names: text("first_names").unwrap_or_default(),
        phone: row.try_get("phone")?,
        service_language: text("service_language"),
        call_time: text("call_time"),
        received_at: parse_timestamp(&received_at)?,
        due_on: parse_date(&row.try_get::<String, _>("due_on")?)?,
        attempts: row.try_get("attempts")?,
        next_call_at: optional_time(row, "next_call_at")?,
        first_contact_at: optional_time(row, "first_contact_at")?,
        holder: holder_from_row(row, now)?,
    })
}

fn attempt_from_row(row: &AnyRow) -> Result<CallAttempt, StoreError> {
    let at: String = row.try_get("attempted_at")?;
    let outcome: String = row.try_get("outcome")?;
    Ok(CallAttempt {
        at: parse_timestamp(&at)?,
        staff_name: row.try_get("name")?,
        outcome: CallOutcome::parse(&outcome)
            .ok_or_else(|| StoreError::Corrupt(format!("call outcome `{outcome}`")))?,
        call_back_at: optional_time(row, "call_back_at")?,
        note: row.try_get("note")?,
    })
}

pub(super) fn parse_channel(text: &str) -> Result<Channel, StoreError> {
    match text {
        "web" => Ok(Channel::Web),
        "paper" => Ok(Channel::Paper),
        other => Err(StoreError::Corrupt(format!("channel `{other}`"))),
    }
}
