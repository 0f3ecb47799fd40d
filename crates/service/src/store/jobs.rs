//! The durable work queue, in the same database as the work: a job is a row
//! enqueued in the transaction that stores its file. A worker claims one with
//! a lease and renews it while it works; a job whose worker died is claimed
//! again when the lease runs out. Passing failures are retried with backoff;
//! after too many attempts a job is dead, with its reason kept.

use std::time::Duration;

use sqlx::{Any, Row, Transaction};
use time::OffsetDateTime;
use uuid::Uuid;

use super::audit::{AuditAction, record};
use super::{Backend, Store, StoreError, timestamp};
use super::{id_column, parse_id};

/// Attempts before a job is given up (its file goes to quarantine). A job
/// whose worker is killed while on it counts an attempt too, so a file that
/// crashes workers cannot take them all down for ever.
pub const MAX_ATTEMPTS: u32 = 5;

/// Why a file whose every reading ended with its worker gone is quarantined.
pub fn crashed_reason(attempts: u32) -> String {
    format!("reading crashed or timed out {attempts} times")
}

/// A job a worker holds.
#[derive(Debug, Clone)]
pub struct ClaimedJob {
    pub id: Uuid,
    pub file_id: Uuid,
    /// This one included.
    pub attempts: u32,
}

/// Which quarantined files to read again.
#[derive(Debug, Clone, Copy)]
pub enum Requeue {
    Batch(Uuid),
    File(Uuid),
}

/// What `requeue_quarantined` did.
#[derive(Debug, Default)]
pub struct Requeued {
    /// Files queued again: id, name, and the reason they had.
    pub queued: Vec<(Uuid, String, String)>,
    /// Files left quarantined because their original is deleted (an
    /// erasure or the retention rules took it): id, name, and when.
    pub original_gone: Vec<(Uuid, String, String)>,
}

/// Counts of a queue, for the worker's and the mailroom's view.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct QueueCounts {
    pub queued: u64,
    pub running: u64,
    pub dead: u64,
}

pub(super) async fn enqueue_file(
    tx: &mut Transaction<'_, Any>,
    file: Uuid,
    now: &str,
) -> Result<(), StoreError> {
    sqlx::query(
        "INSERT INTO jobs (id, kind, file_id, state, attempts, run_after, created_at, updated_at) \
         VALUES ($1, 'read_file', $2, 'queued', 0, $3, $3, $3)",
    )
    .bind(Uuid::new_v4().to_string())
    .bind(file.to_string())
    .bind(now)
    .execute(&mut **tx)
    .await?;
    Ok(())
}

impl Store {
    /// Takes a job whose lease ran out (its worker is gone) or else the
    /// oldest job that is due, for `lease`, and counts the attempt. A job
    /// whose lease ran out on its last attempt is not taken again: it is
    /// given up first (see [`crashed_reason`]). PostgreSQL skips rows other
    /// workers are claiming; SQLite has one writer, so claims are already
    /// one at a time.
    pub async fn claim_job(
        &self,
        worker: &str,
        lease: Duration,
    ) -> Result<Option<ClaimedJob>, StoreError> {
        let now = OffsetDateTime::now_utc();
        self.give_up_crashed_jobs(now).await?;
        // Two statements, each one index range (`jobs_lease`, `jobs_due`):
        // an OR of the two conditions made every claim scan and sort the
        // whole table. Expired leases first, so a crashed worker's file is
        // not starved by a long queue; there are few of them.
        let expired =
            "state = 'running' AND lease_until < $3 AND attempts < $4 ORDER BY lease_until";
        if let Some(job) = self.claim_one(expired, true, worker, now, lease).await? {
            return Ok(Some(job));
        }
        let due = "state = 'queued' AND run_after <= $3 ORDER BY run_after, created_at";
        self.claim_one(due, false, worker, now, lease).await
    }

    /// Claims the first of `candidates` (a condition and order over $3, the
    /// time, and with `bounded` $4, the attempt limit).
    async fn claim_one(
        &self,
        candidates: &str,
        bounded: bool,
        worker: &str,
        now: OffsetDateTime,
        lease: Duration,
    ) -> Result<Option<ClaimedJob>, StoreError> {
        let skip_locked = match self.backend {
            Backend::Postgres => " FOR UPDATE SKIP LOCKED",
            Backend::Sqlite => "",
        };
        let sql = format!(
            "UPDATE jobs SET state = 'running', lease_holder = $1, lease_until = $2, \
             attempts = attempts + 1, updated_at = $3 \
             WHERE id = (SELECT id FROM jobs WHERE {candidates} LIMIT 1{skip_locked}) \
             RETURNING id, file_id, attempts"
        );
        let query = sqlx::query(&sql)
            .bind(worker)
            .bind(timestamp(now + lease))
            .bind(timestamp(now));
        let query = if bounded {
            query.bind(i64::from(MAX_ATTEMPTS))
        } else {
            query
        };
        let Some(row) = query.fetch_optional(&self.writer).await? else {
            return Ok(None);
        };
        let attempts: i64 = row.try_get("attempts")?;
        Ok(Some(ClaimedJob {
            id: id_column(&row, "id")?,
            file_id: id_column(&row, "file_id")?,
            attempts: attempts as u32,
        }))
    }

    /// Jobs whose lease ran out on their last allowed attempt: every claim
    /// of them ended with the worker gone (killed, crashed, hung past its
    /// lease). Their file is quarantined and the job is dead, so a file that
    /// takes workers down is not claimed again after every restart.
    async fn give_up_crashed_jobs(&self, now: OffsetDateTime) -> Result<(), StoreError> {
        let now_text = timestamp(now);
        let exhausted: Vec<(String, String, i64)> = sqlx::query_as(
            "SELECT id, file_id, attempts FROM jobs \
             WHERE state = 'running' AND lease_until < $1 AND attempts >= $2",
        )
        .bind(&now_text)
        .bind(i64::from(MAX_ATTEMPTS))
        .fetch_all(&self.writer)
        .await?;
        for (job, file, attempts) in exhausted {
            let reason = crashed_reason(attempts as u32);
            let mut tx = self.begin_write().await?;
            let buried = sqlx::query(
                "UPDATE jobs SET state = 'dead', last_error = $1, lease_holder = NULL, \
                 lease_until = NULL, updated_at = $2 \
                 WHERE id = $3 AND state = 'running' AND lease_until < $2",
            )
            .bind(&reason)
            .bind(&now_text)
            .bind(&job)
            .execute(&mut *tx)
            .await?;
            if buried.rows_affected() == 1 {
                sqlx::query(
                    "UPDATE scan_files SET state = 'quarantined', reason = $1, updated_at = $2 \
                     WHERE id = $3",
                )
                .bind(&reason)
                .bind(&now_text)
                .bind(&file)
                .execute(&mut *tx)
                .await?;
                tracing::error!(%job, %file, %reason, "a file was given up: its reading never finished");
            }
            tx.commit().await?;
        }
        Ok(())
    }

    /// Extends a lease; `false` when the job is no longer this worker's (its
    /// lease ran out and another took it): the worker must stop.
    pub async fn renew_lease(
        &self,
        job: Uuid,
        worker: &str,
        lease: Duration,
    ) -> Result<bool, StoreError> {
        let now = OffsetDateTime::now_utc();
        let done = sqlx::query(
            "UPDATE jobs SET lease_until = $1, updated_at = $2 \
             WHERE id = $3 AND lease_holder = $4 AND state = 'running'",
        )
        .bind(timestamp(now + lease))
        .bind(timestamp(now))
        .bind(job.to_string())
        .bind(worker)
        .execute(&self.writer)
        .await?;
        Ok(done.rows_affected() == 1)
    }

    pub async fn complete_job(&self, job: Uuid, worker: &str) -> Result<bool, StoreError> {
        self.end_job(job, worker, "done", None, OffsetDateTime::now_utc())
            .await
    }

    /// A passing failure: the job runs again after `after`.
    pub async fn retry_job(
        &self,
        job: Uuid,
        worker: &str,
        error: &str,
        after: Duration,
    ) -> Result<bool, StoreError> {
        let run_after = OffsetDateTime::now_utc() + after;
        self.end_job(job, worker, "queued", Some(error), run_after)
            .await
    }

    /// The dead letter: the job is not tried again; its reason stays.
    pub async fn bury_job(&self, job: Uuid, worker: &str, error: &str) -> Result<bool, StoreError> {
        self.end_job(job, worker, "dead", Some(error), OffsetDateTime::now_utc())
            .await
    }

    async fn end_job(
        &self,
        job: Uuid,
        worker: &str,
        state: &str,
        error: Option<&str>,
        run_after: OffsetDateTime,
    ) -> Result<bool, StoreError> {
        let done = sqlx::query(
            "UPDATE jobs SET state = $1, last_error = COALESCE($2, last_error), run_after = $3, \
             lease_holder = NULL, lease_until = NULL, updated_at = $4 \
             WHERE id = $5 AND lease_holder = $6 AND state = 'running'",
        )
        .bind(state)
        .bind(error)
        .bind(timestamp(run_after))
        .bind(timestamp(OffsetDateTime::now_utc()))
        .bind(job.to_string())
        .bind(worker)
        .execute(&self.writer)
        .await?;
        Ok(done.rows_affected() == 1)
    }

    /// Sends quarantined files back to be read, once what stopped them is
    /// fixed: each file is queued again and its job goes back to the queue
    /// with its attempts reset (a file quarantined when it was handed in
    /// gets its first job). Pages already recorded are not read again. Each
    /// file is audited with `by` and the reason it had. A file whose
    /// original was deleted cannot be read again and stays as it is: the
    /// paper must be scanned anew.
    pub async fn requeue_quarantined(
        &self,
        which: Requeue,
        by: &str,
    ) -> Result<Requeued, StoreError> {
        let now = OffsetDateTime::now_utc();
        let now_text = timestamp(now);
        let (filter, key) = match which {
            Requeue::Batch(batch) => ("batch_id", batch),
            Requeue::File(file) => ("id", file),
        };
        let mut tx = self.begin_write().await?;
        type Row = (String, String, String, Option<String>, Option<String>);
        let files: Vec<Row> = sqlx::query_as(&format!(
            "SELECT f.id, f.batch_id, f.name, f.reason, \
             CASE WHEN o.sha256 IS NULL THEN 'unknown' ELSE o.removed_at END AS removed_at \
             FROM scan_files f LEFT JOIN scan_originals o ON o.sha256 = f.sha256 \
             WHERE f.{filter} = $1 AND f.state = 'quarantined' ORDER BY f.created_at, f.name"
        ))
        .bind(key.to_string())
        .fetch_all(&mut *tx)
        .await?;
        let mut requeued = Requeued::default();
        for (file, batch, name, reason, removed_at) in files {
            if let Some(removed_at) = removed_at {
                requeued
                    .original_gone
                    .push((parse_id(&file)?, name, removed_at));
                continue;
            }
            let reason = reason.unwrap_or_default();
            sqlx::query(
                "UPDATE scan_files SET state = 'queued', reason = NULL, updated_at = $1 \
                 WHERE id = $2",
            )
            .bind(&now_text)
            .bind(&file)
            .execute(&mut *tx)
            .await?;
            let job = sqlx::query(
                "UPDATE jobs SET state = 'queued', attempts = 0, run_after = $1, \
                 last_error = NULL, lease_holder = NULL, lease_until = NULL, updated_at = $1 \
                 WHERE file_id = $2",
            )
            .bind(&now_text)
            .bind(&file)
            .execute(&mut *tx)
            .await?;
            let id = parse_id(&file)?;
            if job.rows_affected() == 0 {
                enqueue_file(&mut tx, id, &now_text).await?;
            }
            let detail =
                format!("file {file} ({name}) of batch {batch} requeued by {by}; it was: {reason}");
            record(&mut tx, now, None, None, AuditAction::ScanRequeue, &detail).await?;
            requeued.queued.push((id, name, reason));
        }
        tx.commit().await?;
        Ok(requeued)
    }

    pub async fn queue_counts(&self) -> Result<QueueCounts, StoreError> {
        let row = sqlx::query(
            "SELECT CAST(COALESCE(SUM(CASE WHEN state = 'queued' THEN 1 ELSE 0 END), 0) AS BIGINT) AS queued, \
             CAST(COALESCE(SUM(CASE WHEN state = 'running' THEN 1 ELSE 0 END), 0) AS BIGINT) AS running, \
             CAST(COALESCE(SUM(CASE WHEN state = 'dead' THEN 1 ELSE 0 END), 0) AS BIGINT) AS dead FROM jobs",
        )
        .fetch_one(&self.reader)
        .await?;
        Ok(QueueCounts {
            queued: row.try_get::<i64, _>("queued")? as u64,
            running: row.try_get::<i64, _>("running")? as u64,
            dead: row.try_get::<i64, _>("dead")? as u64,
        })
    }

    /// Jobs of a batch's files still queued or running.
    pub async fn open_jobs_of_batch(&self, batch: Uuid) -> Result<u64, StoreError> {
        let (count,): (i64,) = sqlx::query_as(
            "SELECT COUNT(*) FROM jobs j JOIN scan_files f ON f.id = j.file_id \
             WHERE f.batch_id = $1 AND j.state IN ('queued', 'running')",
        )
        .bind(batch.to_string())
        .fetch_one(&self.reader)
        .await?;
        Ok(count as u64)
    }

    /// The jobs being worked on now: (job, file, worker).
    pub async fn running_jobs(&self) -> Result<Vec<(Uuid, Uuid, String)>, StoreError> {
        let rows: Vec<(String, String, String)> = sqlx::query_as(
            "SELECT id, file_id, lease_holder FROM jobs WHERE state = 'running' ORDER BY id",
        )
        .fetch_all(&self.reader)
        .await?;
        rows.iter()
            .map(|(job, file, worker)| Ok((parse_id(job)?, parse_id(file)?, worker.clone())))
            .collect()
    }

    /// How many times each job of a batch was claimed: a test sees that no
    /// file was read twice.
    pub async fn job_attempts_of_batch(&self, batch: Uuid) -> Result<Vec<u32>, StoreError> {
        let rows: Vec<(i64,)> = sqlx::query_as(
            "SELECT j.attempts FROM jobs j JOIN scan_files f ON f.id = j.file_id \
             WHERE f.batch_id = $1 ORDER BY f.name",
        )
        .bind(batch.to_string())
        .fetch_all(&self.reader)
        .await?;
        Ok(rows.into_iter().map(|(n,)| n as u32).collect())
    }
}
