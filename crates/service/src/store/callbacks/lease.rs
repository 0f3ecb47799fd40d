//! Claims are time-limited leases only one caseworker holds at a time, so
//! two never call the same person; an admin can take one over.

use sqlx::Row;
use sqlx::any::AnyRow;
use time::OffsetDateTime;
use uuid::Uuid;

use super::super::audit::AuditAction;
use super::super::{Store, StoreError, timestamp};
use super::super::{optional_id, staff_did};
use super::{CALLABLE, optional_time};
use crate::config::StaffSettings;

/// Who holds a registration, while their lease lasts.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LeaseHolder {
    pub id: Uuid,
    pub name: String,
    pub until: OffsetDateTime,
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

impl Store {
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
        let mut tx = self.begin_write().await?;
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
            staff_did(&mut tx, now, staff, Some(id), AuditAction::Claim, "").await?;
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
        let mut tx = self.begin_write().await?;
        let done = sqlx::query(
            "UPDATE callbacks SET lease_holder = NULL, lease_until = NULL \
             WHERE registration_id = $1 AND lease_holder = $2",
        )
        .bind(id.to_string())
        .bind(staff.to_string())
        .execute(&mut *tx)
        .await?;
        if done.rows_affected() == 1 {
            staff_did(&mut tx, now, staff, Some(id), AuditAction::Release, "").await?;
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
        let mut tx = self.begin_write().await?;
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
        let detail = from.as_deref().map(|n| format!("from {n}"));
        let action = AuditAction::TakeOver;
        staff_did(
            &mut tx,
            now,
            admin,
            Some(id),
            action,
            &detail.unwrap_or_default(),
        )
        .await?;
        tx.commit().await?;
        Ok(TakeOver::Taken { from })
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

pub(super) fn holder_from_row(
    row: &AnyRow,
    now: OffsetDateTime,
) -> Result<Option<LeaseHolder>, StoreError> {
    let id = optional_id(row, "lease_holder")?;
    let until = optional_time(row, "lease_until")?;
    let name: Option<String> = row.try_get("holder_name")?;
    Ok(match (id, until) {
        (Some(id), Some(until)) if until > now => Some(LeaseHolder {
            id,
            name: name.unwrap_or_default(),
            until,
        }),
        _ => None,
    })
}
