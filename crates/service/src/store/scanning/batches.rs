//! A batch is one pile from one box, all received on one day: its record,
//! and what it came to once its pages are read.

use sqlx::Row;
use sqlx::any::AnyRow;
use time::{Date, OffsetDateTime};
use uuid::Uuid;

use super::super::registrations::{SELECT_REGISTRATION, parse_date, registration_from_row};
use super::super::{Store, StoreError, timestamp};
use super::super::{id_column, time_column};
use intake_core::calendar;
use intake_core::record::Registration;

/// How a batch came in.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BatchEntry {
    Import,
    DropFolder,
    Upload,
}

impl BatchEntry {
    pub fn as_str(self) -> &'static str {
        match self {
            BatchEntry::Import => "import",
            BatchEntry::DropFolder => "drop_folder",
            BatchEntry::Upload => "upload",
        }
    }

    fn parse(text: &str) -> Option<BatchEntry> {
        [
            BatchEntry::Import,
            BatchEntry::DropFolder,
            BatchEntry::Upload,
        ]
        .into_iter()
        .find(|entry| entry.as_str() == text)
    }
}

/// One pile from one box: every form in it was received on `received_on`.
#[derive(Debug, Clone)]
pub struct ScanBatch {
    pub id: Uuid,
    pub office: String,
    pub received_on: Date,
    pub scanned_by: String,
    pub entry: BatchEntry,
    pub created_at: OffsetDateTime,
}

impl ScanBatch {
    /// The legal received moment of the batch's forms: the start of its day
    /// in Finland.
    pub fn received_at(&self) -> OffsetDateTime {
        calendar::start_of_finnish_day(self.received_on)
    }
}

/// The counts a batch ends with.
#[derive(Debug, Clone, Default, serde::Serialize)]
pub struct BatchSummary {
    pub batch: String,
    pub forms: u64,
    pub other: u64,
    pub blank: u64,
    pub needs_review: u64,
    pub duplicates: u64,
    pub quarantined: Vec<QuarantineEntry>,
}

#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct QuarantineEntry {
    pub file: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub page: Option<u32>,
    pub reason: String,
}

/// How far a batch has come.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct BatchProgress {
    pub files: u64,
    /// Files still waiting for or being read by a worker.
    pub files_open: u64,
    pub pages_known: u64,
    pub pages_done: u64,
}

impl Store {
    pub async fn create_batch(
        &self,
        office: &str,
        received_on: Date,
        scanned_by: &str,
        entry: BatchEntry,
    ) -> Result<ScanBatch, StoreError> {
        let batch = ScanBatch {
            id: Uuid::new_v4(),
            office: office.to_string(),
            received_on,
            scanned_by: scanned_by.to_string(),
            entry,
            created_at: OffsetDateTime::now_utc(),
        };
        sqlx::query(
            "INSERT INTO scan_batches (id, office, received_on, scanned_by, entry, created_at) \
             VALUES ($1, $2, $3, $4, $5, $6)",
        )
        .bind(batch.id.to_string())
        .bind(&batch.office)
        .bind(batch.received_on.to_string())
        .bind(&batch.scanned_by)
        .bind(entry.as_str())
        .bind(timestamp(batch.created_at))
        .execute(&self.writer)
        .await?;
        Ok(batch)
    }

    pub async fn batch(&self, id: Uuid) -> Result<Option<ScanBatch>, StoreError> {
        let sql = "SELECT id, office, received_on, scanned_by, entry, created_at \
             FROM scan_batches WHERE id = $1";
        self.read_one(sql, &id.to_string(), batch_from_row).await
    }

    pub async fn batch_progress(&self, batch: Uuid) -> Result<BatchProgress, StoreError> {
        let row = sqlx::query(
            "SELECT COUNT(*) AS files, \
             CAST(COALESCE(SUM(CASE WHEN state = 'queued' THEN 1 ELSE 0 END), 0) AS BIGINT) AS open, \
             CAST(COALESCE(SUM(CASE WHEN state = 'queued' OR state = 'done' \
                 THEN page_count ELSE 0 END), 0) AS BIGINT) AS known, \
             (SELECT COUNT(*) FROM scan_pages p JOIN scan_files g ON g.id = p.file_id \
                 WHERE g.batch_id = $1) AS done \
             FROM scan_files WHERE batch_id = $1",
        )
        .bind(batch.to_string())
        .fetch_one(&self.reader)
        .await?;
        Ok(BatchProgress {
            files: row.try_get::<i64, _>("files")? as u64,
            files_open: row.try_get::<i64, _>("open")? as u64,
            pages_known: row.try_get::<i64, _>("known")? as u64,
            pages_done: row.try_get::<i64, _>("done")? as u64,
        })
    }

    /// What a batch came to: forms (registrations its pages made or joined),
    /// other documents, blank pages, forms waiting for review, duplicate
    /// files, and every quarantined file or page with its reason.
    pub async fn batch_summary(&self, batch: Uuid) -> Result<BatchSummary, StoreError> {
        let id = batch.to_string();
        let count = |sql: &'static str| {
            let id = id.clone();
            async move {
                let (n,): (i64,) = sqlx::query_as(sql).bind(id).fetch_one(&self.reader).await?;
                Ok::<u64, StoreError>(n as u64)
            }
        };
        let forms = count(
            "SELECT COUNT(DISTINCT p.registration_id) FROM scan_pages p \
             JOIN scan_files f ON f.id = p.file_id WHERE f.batch_id = $1 AND p.outcome = 'form'",
        )
        .await?;
        let needs_review = count(
            "SELECT COUNT(*) FROM registrations WHERE status = 'awaiting_review' AND id IN \
             (SELECT p.registration_id FROM scan_pages p JOIN scan_files f ON f.id = p.file_id \
              WHERE f.batch_id = $1 AND p.outcome = 'form')",
        )
        .await?;
        let other = count("SELECT COUNT(*) FROM triage_items WHERE batch_id = $1").await?;
        let blank = count(
            "SELECT COUNT(*) FROM scan_pages p JOIN scan_files f ON f.id = p.file_id \
             WHERE f.batch_id = $1 AND p.outcome = 'blank'",
        )
        .await?;
        let duplicates =
            count("SELECT COUNT(*) FROM scan_files WHERE batch_id = $1 AND state = 'duplicate'")
                .await?;
        let rows: Vec<(String, Option<i64>, Option<String>)> = sqlx::query_as(
            "SELECT name, NULL, reason FROM scan_files WHERE batch_id = $1 \
             AND state = 'quarantined' \
             UNION ALL SELECT f.name, p.page, p.reason FROM scan_pages p \
             JOIN scan_files f ON f.id = p.file_id WHERE f.batch_id = $1 AND p.outcome = 'failed'",
        )
        .bind(&id)
        .fetch_all(&self.reader)
        .await?;
        let mut quarantined: Vec<QuarantineEntry> = rows
            .into_iter()
            .map(|(file, page, reason)| QuarantineEntry {
                file,
                page: page.map(|p| p as u32),
                reason: reason.unwrap_or_default(),
            })
            .collect();
        quarantined.sort_by(|a, b| (&a.file, a.page).cmp(&(&b.file, b.page)));
        Ok(BatchSummary {
            batch: id,
            forms,
            other,
            blank,
            needs_review,
            duplicates,
            quarantined,
        })
    }

    /// The registrations a batch's pages made or joined.
    pub async fn batch_registrations(&self, batch: Uuid) -> Result<Vec<Registration>, StoreError> {
        let sql = format!(
            "{SELECT_REGISTRATION} WHERE id IN (SELECT p.registration_id FROM scan_pages p \
             JOIN scan_files f ON f.id = p.file_id WHERE f.batch_id = $1) ORDER BY reference"
        );
        self.read_all(&sql, &batch.to_string(), registration_from_row)
            .await
    }
}

fn batch_from_row(row: &AnyRow) -> Result<ScanBatch, StoreError> {
    let entry: String = row.try_get("entry")?;
    let received_on: String = row.try_get("received_on")?;
    Ok(ScanBatch {
        id: id_column(row, "id")?,
        office: row.try_get("office")?,
        received_on: parse_date(&received_on)?,
        scanned_by: row.try_get("scanned_by")?,
        entry: BatchEntry::parse(&entry)
            .ok_or_else(|| StoreError::Corrupt(format!("batch entry `{entry}`")))?,
        created_at: time_column(row, "created_at")?,
    })
}
