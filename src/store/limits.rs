//! Rate counters of the public form, kept in the database so that several
//! web nodes share them and a failing database refuses rather than lets all
//! through. Fixed windows: an hour and a day per client, a day for all.

use rand::Rng;
use sqlx::{Any, Transaction};
use time::{Duration, OffsetDateTime};

use super::{StoreError, timestamp};
use crate::config::Limits;

/// The global counter is split over shards so that concurrent submissions
/// on PostgreSQL do not all queue on one row lock.
const GLOBAL_SHARDS: u32 = 16;

/// Which limit refused a submission.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LimitKind {
    ClientHour,
    ClientDay,
    GlobalDay,
}

/// A client as the limiter knows it: a keyed hash of its address, never
/// the address itself.
#[derive(Debug, Clone)]
pub struct RateKey(pub String);

/// Counts one submission against every limit inside the caller's
/// transaction; `Some(kind)` when a limit is exceeded (the caller rolls back).
pub(super) async fn count_submission(
    tx: &mut Transaction<'_, Any>,
    client: &RateKey,
    limits: &Limits,
    now: OffsetDateTime,
) -> Result<Option<LimitKind>, StoreError> {
    let hour = now.format(time::macros::format_description!("[year][month][day][hour]"));
    let day = now.format(time::macros::format_description!("[year][month][day]"));
    let (hour, day) = (hour.expect("formats"), day.expect("formats"));
    let client_hour = format!("client:{}:h:{hour}", client.0);
    let client_day = format!("client:{}:d:{day}", client.0);
    let global_day = format!("all:d:{day}");
    let shard = rand::rng().random_range(0..GLOBAL_SHARDS);

    let checks = [
        (client_hour, 0, Duration::hours(2), limits.per_ip_hour, LimitKind::ClientHour),
        (client_day, 0, Duration::days(2), limits.per_ip_day, LimitKind::ClientDay),
        (global_day, shard, Duration::days(2), limits.global_day, LimitKind::GlobalDay),
    ];
    for (bucket, shard, keep, limit, kind) in checks {
        sqlx::query(
            "INSERT INTO rate_counters (bucket, shard, expires_at, count) VALUES ($1, $2, $3, 1) \
             ON CONFLICT (bucket, shard) DO UPDATE SET count = rate_counters.count + 1",
        )
        .bind(&bucket)
        .bind(i64::from(shard))
        .bind(timestamp(now + keep))
        .execute(&mut **tx)
        .await?;
        let (count,): (i64,) =
            sqlx::query_as("SELECT CAST(SUM(count) AS BIGINT) FROM rate_counters WHERE bucket = $1")
                .bind(&bucket)
                .fetch_one(&mut **tx)
                .await?;
        if count > i64::from(limit) {
            return Ok(Some(kind));
        }
    }
    Ok(None)
}

impl super::Store {
    /// Forgets counters whose window is long over.
    pub async fn prune_rate_counters(&self, now: OffsetDateTime) -> Result<u64, StoreError> {
        let done = sqlx::query("DELETE FROM rate_counters WHERE expires_at < $1")
            .bind(timestamp(now))
            .execute(&self.writer)
            .await?;
        Ok(done.rows_affected())
    }
}
