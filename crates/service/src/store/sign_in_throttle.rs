//! Sign-in throttles: failed sign-ins counted in fixed windows, per name
//! from one address, per address and per name. A name that is no account
//! is counted the same as one that is, so neither the answer nor the work
//! tells which names exist. A name is paused from one address long before
//! it is paused for everyone, so that a stranger cannot keep a member out.

use time::OffsetDateTime;
use uuid::Uuid;

use super::audit::{AuditAction, record};
use super::{Store, StoreError, parse_timestamp, timestamp};
use crate::config::StaffSettings;

/// Who is trying, as the throttles know it: keyed hashes (hex) of the name
/// and of the client's address, never the name or address themselves.
#[derive(Debug, Clone)]
pub struct SignInKeys {
    pub name: String,
    pub address: String,
}

/// One window's buckets, each with its limit.
struct Buckets {
    name_from_address: String,
    address: String,
    name: String,
    ends: OffsetDateTime,
}

impl Buckets {
    fn new(keys: &SignInKeys, settings: &StaffSettings, now: OffsetDateTime) -> Buckets {
        let window = settings.lockout().whole_seconds().max(1);
        let index = now.unix_timestamp().div_euclid(window);
        let ends = OffsetDateTime::from_unix_timestamp((index + 1) * window).unwrap_or(now);
        Buckets {
            name_from_address: format!("na|{}|{}|{index}", keys.name, keys.address),
            address: format!("a|{}|{index}", keys.address),
            name: format!("n|{}|{index}", keys.name),
            ends,
        }
    }

    fn limits<'a>(&'a self, settings: &StaffSettings) -> [(&'a str, u32); 3] {
        [
            (&self.name_from_address, settings.max_failed_sign_ins),
            (&self.address, settings.max_failed_per_address),
            (&self.name, settings.max_failed_per_name),
        ]
    }
}

impl Store {
    /// Until when sign-ins for these keys are paused, if they are: some
    /// bucket of the current window has reached its limit.
    pub async fn sign_in_paused(
        &self,
        keys: &SignInKeys,
        settings: &StaffSettings,
        now: OffsetDateTime,
    ) -> Result<Option<OffsetDateTime>, StoreError> {
        let buckets = Buckets::new(keys, settings, now);
        let rows: Vec<(String, i64)> = sqlx::query_as(
            "SELECT bucket, count FROM sign_in_failures WHERE bucket IN ($1, $2, $3)",
        )
        .bind(&buckets.name_from_address)
        .bind(&buckets.address)
        .bind(&buckets.name)
        .fetch_all(&self.writer)
        .await?;
        let full = buckets.limits(settings).into_iter().any(|(bucket, limit)| {
            rows.iter()
                .any(|(b, count)| b == bucket && *count >= i64::from(limit))
        });
        Ok(full.then_some(buckets.ends))
    }

    /// Counts a failed sign-in in every bucket; for a name that is an
    /// account, the refusal also goes to its audit log.
    pub async fn count_failed_sign_in(
        &self,
        keys: &SignInKeys,
        member: Option<Uuid>,
        settings: &StaffSettings,
        now: OffsetDateTime,
    ) -> Result<(), StoreError> {
        let buckets = Buckets::new(keys, settings, now);
        let mut tx = self.begin_write().await?;
        sqlx::query(
            "INSERT INTO sign_in_failures (bucket, count, expires_at) \
             VALUES ($1, 1, $4), ($2, 1, $4), ($3, 1, $4) \
             ON CONFLICT (bucket) DO UPDATE SET count = sign_in_failures.count + 1",
        )
        .bind(&buckets.name_from_address)
        .bind(&buckets.address)
        .bind(&buckets.name)
        .bind(timestamp(buckets.ends))
        .execute(&mut *tx)
        .await?;
        sqlx::query("DELETE FROM sign_in_failures WHERE expires_at <= $1")
            .bind(timestamp(now))
            .execute(&mut *tx)
            .await?;
        if let Some(member) = member {
            record(
                &mut tx,
                now,
                Some(member),
                None,
                AuditAction::SignInRefused,
                "",
            )
            .await?;
        }
        tx.commit().await?;
        Ok(())
    }

    /// A correct password from an address forgets that address's failures
    /// for the name.
    pub async fn forget_failed_sign_ins(
        &self,
        keys: &SignInKeys,
        settings: &StaffSettings,
        now: OffsetDateTime,
    ) -> Result<(), StoreError> {
        let buckets = Buckets::new(keys, settings, now);
        sqlx::query("DELETE FROM sign_in_failures WHERE bucket = $1")
            .bind(&buckets.name_from_address)
            .execute(&self.writer)
            .await?;
        Ok(())
    }

    /// Until when a name is paused from at least one address, if it is
    /// (what the admin's staff list shows).
    pub async fn name_paused_until(
        &self,
        name_key: &str,
        settings: &StaffSettings,
        now: OffsetDateTime,
    ) -> Result<Option<OffsetDateTime>, StoreError> {
        let rows: Vec<(String, i64, String)> = sqlx::query_as(
            "SELECT bucket, count, expires_at FROM sign_in_failures \
             WHERE (bucket LIKE $1 OR bucket LIKE $2) AND expires_at > $3",
        )
        .bind(format!("na|{name_key}|%"))
        .bind(format!("n|{name_key}|%"))
        .bind(timestamp(now))
        .fetch_all(&self.reader)
        .await?;
        let mut until = None;
        for (bucket, count, expires) in rows {
            let limit = if bucket.starts_with("na|") {
                settings.max_failed_sign_ins
            } else {
                settings.max_failed_per_name
            };
            if count >= i64::from(limit) {
                let expires = parse_timestamp(&expires)?;
                until = until.max(Some(expires));
            }
        }
        Ok(until)
    }

    /// An admin lifts a name's pause before it runs out, from every
    /// address. Audited with the account's id.
    pub async fn unpause_sign_in(
        &self,
        staff: Uuid,
        name_key: &str,
        admin: Uuid,
        now: OffsetDateTime,
    ) -> Result<(), StoreError> {
        let mut tx = self.begin_write().await?;
        sqlx::query("DELETE FROM sign_in_failures WHERE bucket LIKE $1 OR bucket LIKE $2")
            .bind(format!("na|{name_key}|%"))
            .bind(format!("n|{name_key}|%"))
            .execute(&mut *tx)
            .await?;
        record(
            &mut tx,
            now,
            Some(admin),
            None,
            AuditAction::Unlock,
            &staff.to_string(),
        )
        .await?;
        tx.commit().await?;
        Ok(())
    }
}
