//! The files handed in: each original stored once by its content hash, a
//! second copy of the same bytes reported as a duplicate and never read twice.

use sqlx::Row;
use sqlx::any::AnyRow;
use time::OffsetDateTime;
use uuid::Uuid;

use super::super::{Backend, Store, StoreError, timestamp};
use super::super::{id_column, optional_id};
use super::ScanBatch;

/// The original bytes of a file, already durable on disk.
#[derive(Debug, Clone)]
pub struct StoredOriginal {
    pub sha256: String,
    pub size: u64,
    /// Where the bytes are, relative to the data folder.
    pub path: String,
}

/// What became of a file handed in.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FileState {
    /// Waiting for, or being read by, a worker.
    Queued,
    Done,
    /// Kept with the reason it could not be read.
    Quarantined,
    /// The same bytes came before: reported, not read twice.
    Duplicate,
}

impl FileState {
    pub fn as_str(self) -> &'static str {
        match self {
            FileState::Queued => "queued",
            FileState::Done => "done",
            FileState::Quarantined => "quarantined",
            FileState::Duplicate => "duplicate",
        }
    }

    fn parse(text: &str) -> Option<FileState> {
        [
            FileState::Queued,
            FileState::Done,
            FileState::Quarantined,
            FileState::Duplicate,
        ]
        .into_iter()
        .find(|state| state.as_str() == text)
    }
}

/// A file of a batch.
#[derive(Debug, Clone)]
pub struct ScanFile {
    pub id: Uuid,
    pub batch_id: Uuid,
    pub name: String,
    pub sha256: String,
    /// Where the original is, relative to the data folder.
    pub path: String,
    pub state: FileState,
    pub page_count: Option<u32>,
    pub reason: Option<String>,
    pub duplicate_of: Option<Uuid>,
}

/// Whether a file can be read, as far as can be told before reading it.
pub enum Admission {
    /// Worth reading: a job is queued for it (the worker counts its pages).
    Readable,
    /// Kept, but it cannot be read: why.
    Unreadable(String),
}

const SELECT_FILE: &str = "SELECT f.id, f.batch_id, f.name, f.sha256, o.path, f.state, \
     f.page_count, f.reason, f.duplicate_of FROM scan_files f \
     JOIN scan_originals o ON o.sha256 = f.sha256";

impl Store {
    /// Records a file whose original is already durable, in one transaction:
    /// as a duplicate when the same bytes came before, as quarantined when it
    /// cannot be read, otherwise queued with a job to read it. When this
    /// returns, the file is safe to acknowledge.
    pub async fn add_scan_file(
        &self,
        batch: &ScanBatch,
        name: &str,
        original: &StoredOriginal,
        admission: Admission,
    ) -> Result<ScanFile, StoreError> {
        let now = timestamp(OffsetDateTime::now_utc());
        let mut tx = self.begin_write().await?;
        let insert_original = match self.backend {
            Backend::Sqlite => {
                "INSERT OR IGNORE INTO scan_originals (sha256, size, path, created_at) \
                 VALUES ($1, $2, $3, $4)"
            }
            Backend::Postgres => {
                "INSERT INTO scan_originals (sha256, size, path, created_at) \
                 VALUES ($1, $2, $3, $4) ON CONFLICT (sha256) DO NOTHING"
            }
        };
        sqlx::query(insert_original)
            .bind(&original.sha256)
            .bind(original.size as i64)
            .bind(&original.path)
            .bind(&now)
            .execute(&mut *tx)
            .await?;
        // Bytes whose original the retention rules or an erasure deleted
        // are on disk again (stored before this): the row says so, and the
        // rules see them again.
        sqlx::query("UPDATE scan_originals SET removed_at = NULL WHERE sha256 = $1")
            .bind(&original.sha256)
            .execute(&mut *tx)
            .await?;
        let first: Option<(String,)> = sqlx::query_as(
            "SELECT id FROM scan_files WHERE sha256 = $1 \
             AND state NOT IN ('duplicate', 'quarantined') ORDER BY created_at LIMIT 1",
        )
        .bind(&original.sha256)
        .fetch_optional(&mut *tx)
        .await?;
        let mut file = ScanFile {
            id: Uuid::new_v4(),
            batch_id: batch.id,
            name: name.to_string(),
            sha256: original.sha256.clone(),
            path: original.path.clone(),
            state: FileState::Queued,
            page_count: None,
            reason: None,
            duplicate_of: None,
        };
        match (first, admission) {
            (Some((first,)), _) => {
                file.state = FileState::Duplicate;
                file.duplicate_of = Uuid::parse_str(&first).ok();
            }
            (None, Admission::Unreadable(reason)) => {
                file.state = FileState::Quarantined;
                file.reason = Some(reason);
            }
            (None, Admission::Readable) => {}
        }
        sqlx::query(
            "INSERT INTO scan_files (id, batch_id, name, sha256, duplicate_of, state, page_count, \
             reason, created_at, updated_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $9)",
        )
        .bind(file.id.to_string())
        .bind(batch.id.to_string())
        .bind(&file.name)
        .bind(&file.sha256)
        .bind(file.duplicate_of.map(|id| id.to_string()))
        .bind(file.state.as_str())
        .bind(file.page_count.map(i64::from))
        .bind(file.reason.as_deref())
        .bind(&now)
        .execute(&mut *tx)
        .await?;
        if file.state == FileState::Queued {
            super::super::jobs::enqueue_file(&mut tx, file.id, &now).await?;
        }
        tx.commit().await?;
        Ok(file)
    }

    /// Whether these bytes were handed in before (in any batch) and not
    /// quarantined: a file that could not be read is read again when it
    /// comes again.
    pub async fn content_seen(&self, sha256: &str) -> Result<bool, StoreError> {
        let found: Option<(String,)> = sqlx::query_as(
            "SELECT id FROM scan_files WHERE sha256 = $1 AND state <> 'quarantined' LIMIT 1",
        )
        .bind(sha256)
        .fetch_optional(&self.reader)
        .await?;
        Ok(found.is_some())
    }

    pub async fn scan_file(&self, id: Uuid) -> Result<Option<ScanFile>, StoreError> {
        let sql = format!("{SELECT_FILE} WHERE f.id = $1");
        self.read_one(&sql, &id.to_string(), file_from_row).await
    }

    pub async fn batch_files(&self, batch: Uuid) -> Result<Vec<ScanFile>, StoreError> {
        let sql = format!("{SELECT_FILE} WHERE f.batch_id = $1 ORDER BY f.created_at, f.name");
        self.read_all(&sql, &batch.to_string(), file_from_row).await
    }

    /// The pages of a file, once the worker has opened it.
    pub async fn set_page_count(&self, file: Uuid, pages: u32) -> Result<(), StoreError> {
        sqlx::query("UPDATE scan_files SET page_count = $1, updated_at = $2 WHERE id = $3")
            .bind(i64::from(pages))
            .bind(timestamp(OffsetDateTime::now_utc()))
            .bind(file.to_string())
            .execute(&self.writer)
            .await?;
        Ok(())
    }

    /// The file these bytes, under this name, became when they were taken
    /// from the drop folder for this office before: a file left behind
    /// (the move after storing it failed, the process stopped in between)
    /// is not taken in twice.
    pub async fn taken_from_drop_folder(
        &self,
        office: &str,
        name: &str,
        sha256: &str,
    ) -> Result<Option<ScanFile>, StoreError> {
        let sql = format!(
            "{SELECT_FILE} JOIN scan_batches b ON b.id = f.batch_id \
             WHERE f.sha256 = $1 AND f.name = $2 AND b.office = $3 AND b.entry = 'drop_folder' \
             ORDER BY f.created_at LIMIT 1"
        );
        let row = sqlx::query(&sql)
            .bind(sha256)
            .bind(name)
            .bind(office)
            .fetch_optional(&self.reader)
            .await?;
        row.as_ref().map(file_from_row).transpose()
    }

    /// Ends a file's reading: done, or quarantined with the reason.
    pub async fn finish_file(
        &self,
        file: Uuid,
        state: FileState,
        reason: Option<&str>,
    ) -> Result<(), StoreError> {
        sqlx::query("UPDATE scan_files SET state = $1, reason = $2, updated_at = $3 WHERE id = $4")
            .bind(state.as_str())
            .bind(reason)
            .bind(timestamp(OffsetDateTime::now_utc()))
            .bind(file.to_string())
            .execute(&self.writer)
            .await?;
        Ok(())
    }
}

fn file_from_row(row: &AnyRow) -> Result<ScanFile, StoreError> {
    let state: String = row.try_get("state")?;
    let page_count: Option<i64> = row.try_get("page_count")?;
    Ok(ScanFile {
        id: id_column(row, "id")?,
        batch_id: id_column(row, "batch_id")?,
        name: row.try_get("name")?,
        sha256: row.try_get("sha256")?,
        path: row.try_get("path")?,
        state: FileState::parse(&state)
            .ok_or_else(|| StoreError::Corrupt(format!("file state `{state}`")))?,
        page_count: page_count.map(|n| n as u32),
        reason: row.try_get("reason")?,
        duplicate_of: optional_id(row, "duplicate_of")?,
    })
}
