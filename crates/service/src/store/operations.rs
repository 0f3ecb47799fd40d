//! What an operator watches: worker heartbeats (for `/readyz`), the counts
//! behind `/metrics`, and handing back a stopping worker's job leases.

use std::time::Duration;

use time::OffsetDateTime;

use super::{Store, StoreError, parse_timestamp, timestamp};
use intake_core::calendar::finnish_date;

/// The database side of `/metrics`, counted when asked.
#[derive(Debug, Clone, Default)]
pub struct OperationalCounts {
    /// Registrations in the callback queue by status (folded duplicates
    /// not counted twice).
    pub registrations_by_status: Vec<(String, i64)>,
    /// Awaiting a call, not yet spoken to, past the due day.
    pub overdue: i64,
    /// Paper registrations waiting for the mailroom's verification.
    pub review_backlog: i64,
    /// Other mail (triage items) not yet handled.
    pub open_triage: i64,
    pub jobs_by_state: Vec<(String, i64)>,
    pub quarantined_files: i64,
    /// Pages read by every worker, per bucket of seconds per page.
    pub pages_read: Vec<PageReadTotal>,
}

/// The pages recorded whose reading time fell in one bucket, and that
/// time in all (see migration 0015).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct PageReadTotal {
    /// The bucket's upper bound as Prometheus labels it, or `untimed`.
    pub bucket: String,
    pub pages: i64,
    pub micros: i64,
}

impl Store {
    /// Says that `worker` is alive now.
    pub async fn worker_heartbeat(&self, worker: &str) -> Result<(), StoreError> {
        sqlx::query(
            "INSERT INTO worker_heartbeats (worker_id, beat_at) VALUES ($1, $2) \
             ON CONFLICT (worker_id) DO UPDATE SET beat_at = excluded.beat_at",
        )
        .bind(worker)
        .bind(timestamp(OffsetDateTime::now_utc()))
        .execute(&self.writer)
        .await?;
        Ok(())
    }

    /// A worker that stops cleanly takes its heartbeat with it.
    pub async fn worker_stopped(&self, worker: &str) -> Result<(), StoreError> {
        sqlx::query("DELETE FROM worker_heartbeats WHERE worker_id = $1")
            .bind(worker)
            .execute(&self.writer)
            .await?;
        Ok(())
    }

    /// The most recent heartbeat of any worker.
    pub async fn latest_heartbeat(&self) -> Result<Option<OffsetDateTime>, StoreError> {
        let (latest,): (Option<String>,) =
            sqlx::query_as("SELECT MAX(beat_at) FROM worker_heartbeats")
                .fetch_one(&self.reader)
                .await?;
        latest.as_deref().map(parse_timestamp).transpose()
    }

    /// Whether the database answers a query.
    pub async fn ping(&self) -> Result<(), StoreError> {
        let (_,): (i64,) = sqlx::query_as("SELECT CAST(1 AS BIGINT)")
            .fetch_one(&self.reader)
            .await?;
        Ok(())
    }

    /// Hands back the jobs `worker` holds, at once rather than when their
    /// leases run out, without counting the attempt (stopping was not the
    /// file's fault). Pages already recorded are not read again.
    pub async fn release_leases(&self, worker: &str) -> Result<u64, StoreError> {
        let now = timestamp(OffsetDateTime::now_utc());
        let done = sqlx::query(
            "UPDATE jobs SET state = 'queued', lease_holder = NULL, lease_until = NULL, \
             attempts = CASE WHEN attempts > 0 THEN attempts - 1 ELSE 0 END, \
             run_after = $1, updated_at = $1 \
             WHERE lease_holder = $2 AND state = 'running'",
        )
        .bind(&now)
        .bind(worker)
        .execute(&self.writer)
        .await?;
        Ok(done.rows_affected())
    }

    pub async fn operational_counts(&self) -> Result<OperationalCounts, StoreError> {
        let registrations_by_status = sqlx::query_as(
            // A queue entry carries its registration's status, none once
            // folded into another: counted in the queue index alone.
            "SELECT status, COUNT(*) FROM callbacks WHERE status IS NOT NULL \
             GROUP BY status ORDER BY status",
        )
        .fetch_all(&self.reader)
        .await?;
        let today = finnish_date(OffsetDateTime::now_utc()).to_string();
        let (overdue,): (i64,) = sqlx::query_as(
            "SELECT COUNT(*) FROM callbacks WHERE status = 'awaiting_call' \
             AND due_on < $1 AND first_contact_at IS NULL",
        )
        .bind(&today)
        .fetch_one(&self.reader)
        .await?;
        let (review_backlog,): (i64,) = sqlx::query_as(
            "SELECT COUNT(*) FROM registrations \
             WHERE status = 'awaiting_review' AND duplicate_of IS NULL",
        )
        .fetch_one(&self.reader)
        .await?;
        let (open_triage,): (i64,) =
            sqlx::query_as("SELECT COUNT(*) FROM triage_items WHERE status = 'open'")
                .fetch_one(&self.reader)
                .await?;
        let jobs_by_state =
            sqlx::query_as("SELECT state, COUNT(*) FROM jobs GROUP BY state ORDER BY state")
                .fetch_all(&self.reader)
                .await?;
        let (quarantined_files,): (i64,) =
            sqlx::query_as("SELECT COUNT(*) FROM scan_files WHERE state = 'quarantined'")
                .fetch_one(&self.reader)
                .await?;
        let pages_read = sqlx::query_as::<_, (String, i64, i64)>(
            "SELECT bucket, pages, micros FROM page_read_totals ORDER BY bucket",
        )
        .fetch_all(&self.reader)
        .await?
        .into_iter()
        .map(|(bucket, pages, micros)| PageReadTotal {
            bucket,
            pages,
            micros,
        })
        .collect();
        Ok(OperationalCounts {
            pages_read,
            registrations_by_status,
            overdue,
            review_backlog,
            open_triage,
            jobs_by_state,
            quarantined_files,
        })
    }
}

/// How old the newest heartbeat may be for the service to be ready.
pub fn heartbeat_fresh(
    latest: Option<OffsetDateTime>,
    now: OffsetDateTime,
    within: Duration,
) -> bool {
    latest.is_some_and(|beat| {
        let age = now - beat;
        age <= time::Duration::try_from(within).unwrap_or(time::Duration::MAX)
    })
}
