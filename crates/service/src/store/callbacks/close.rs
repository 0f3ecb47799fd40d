//! Closing a registration with its result, only by the caseworker holding
//! it and only after a call that reached the person (or a letter sent).

use time::OffsetDateTime;
use uuid::Uuid;

use super::super::audit::AuditAction;
use super::super::staff_did;
use super::super::{Store, StoreError, timestamp};
use super::CALLABLE;
use crate::callbacks::CloseResult;
use intake_core::record::RegistrationStatus;

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

const CONTACT: &str = "('reached', 'call_back_later', 'refused')";

impl Store {
    /// Closes a registration the caseworker holds, with a result.
    pub async fn close_registration(
        &self,
        id: Uuid,
        staff: Uuid,
        closing: &Closing,
        now: OffsetDateTime,
    ) -> Result<CloseOutcome, StoreError> {
        let now_text = timestamp(now);
        let mut tx = self.begin_write().await?;
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
        staff_did(&mut tx, now, staff, Some(id), AuditAction::Close, &detail).await?;
        tx.commit().await?;
        Ok(CloseOutcome::Closed)
    }
}

pub(super) async fn close_callback(
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
