//! Call attempts, logged by the caseworker holding the lease, and what
//! follows from each: keep talking, call again later, send a letter, close.

use sqlx::Row;
use sqlx::any::AnyRow;
use time::OffsetDateTime;
use uuid::Uuid;

use super::super::audit::AuditAction;
use super::super::{Store, StoreError, timestamp};
use super::super::{staff_did, time_column};
use super::close::close_callback;
use super::{CALLABLE, optional_time};
use crate::callbacks::{CallOutcome, CallTime, NextStep, next_step};
use crate::config::StaffSettings;
use intake_core::record::RegistrationStatus;

/// One call, as logged.
#[derive(Debug, Clone)]
pub struct CallAttempt {
    pub at: OffsetDateTime,
    pub staff_name: String,
    pub outcome: CallOutcome,
    pub call_back_at: Option<OffsetDateTime>,
    pub note: String,
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

const UNREACHED: &str = "('no_answer', 'busy', 'voicemail', 'wrong_person')";

impl Store {
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
        let mut tx = self.begin_write().await?;
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
        staff_did(
            &mut tx,
            now,
            staff,
            Some(id),
            AuditAction::Attempt,
            &attempt_detail(attempt.outcome, step),
        )
        .await?;
        tx.commit().await?;
        Ok(AttemptLogged::Logged(step))
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

fn attempt_detail(outcome: CallOutcome, step: NextStep) -> String {
    let then = match step {
        NextStep::Talk => "talking".to_string(),
        NextStep::CallAgainAt(at) => format!("again from {}", timestamp(at)),
        NextStep::SendLetter => "send a letter".to_string(),
        NextStep::Close(result) => format!("closed: {}", result.as_str()),
    };
    format!("{}; {then}", outcome.as_str())
}

pub(super) fn attempt_from_row(row: &AnyRow) -> Result<CallAttempt, StoreError> {
    let outcome: String = row.try_get("outcome")?;
    Ok(CallAttempt {
        at: time_column(row, "attempted_at")?,
        staff_name: row.try_get("name")?,
        outcome: CallOutcome::parse(&outcome)
            .ok_or_else(|| StoreError::Corrupt(format!("call outcome `{outcome}`")))?,
        call_back_at: optional_time(row, "call_back_at")?,
        note: row.try_get("note")?,
    })
}
