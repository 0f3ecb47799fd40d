//! Scanned paper in the database: batches, the files handed in (each stored
//! once by content hash), and what became of every page. A page is recorded
//! exactly once; a form sheet is one registration, found again by its serial.

use std::collections::BTreeMap;

use sqlx::any::AnyRow;
use sqlx::{Any, Row, Transaction};
use time::{Date, OffsetDateTime};
use uuid::Uuid;

use super::registrations::{SELECT_REGISTRATION, parse_date, registration_from_row};
use super::{Backend, Store, StoreError, is_unique_violation, timestamp};
use intake_core::calendar;
use intake_core::record::{
    FieldReading, FieldStatus, Provenance, Reference, Registration, RegistrationStatus,
};

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
    /// Worth reading: a job is queued for it.
    Readable { page_count: u32 },
    /// Kept, but it cannot be read: why.
    Unreadable(String),
}

/// A form page, read: where it goes and what it says.
pub struct FormPage<'a> {
    pub file: &'a ScanFile,
    pub batch: &'a ScanBatch,
    pub page: u32,
    pub worker: &'a str,
    pub form: &'a str,
    pub version: u32,
    pub serial: &'a str,
    /// The form's page number; 0 for a digital copy carrying every page.
    pub form_page: u32,
    pub image_path: Option<String>,
}

/// What the registration held before this page, for the caller to merge into.
pub struct SheetSoFar<'a> {
    pub fields: &'a BTreeMap<String, FieldReading>,
    /// Whether this form page was read before (a re-scan of the sheet).
    pub page_read_before: bool,
}

/// What recording a page did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PageRecorded {
    /// The page was recorded before (a job run again after a crash).
    AlreadyDone,
    NewRegistration(Uuid),
    /// The page joined a registration made from an earlier page or scan.
    Attached(Uuid),
    Triage(Uuid),
    Noted,
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

/// What became of one page, as recorded.
#[derive(Debug, Clone)]
pub struct PageRecord {
    pub file_id: Uuid,
    pub file_name: String,
    pub page: u32,
    /// `form`, `blank`, `other` or `failed`.
    pub outcome: String,
    pub registration_id: Option<Uuid>,
    pub triage_id: Option<Uuid>,
    pub serial: Option<String>,
    pub image_path: Option<String>,
    pub reason: Option<String>,
    pub processed_by: String,
}

const SELECT_FILE: &str = "SELECT f.id, f.batch_id, f.name, f.sha256, o.path, f.state, \
     f.page_count, f.reason, f.duplicate_of FROM scan_files f \
     JOIN scan_originals o ON o.sha256 = f.sha256";

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
        let row = sqlx::query(
            "SELECT id, office, received_on, scanned_by, entry, created_at \
             FROM scan_batches WHERE id = $1",
        )
        .bind(id.to_string())
        .fetch_optional(&self.reader)
        .await?;
        row.map(|row| batch_from_row(&row)).transpose()
    }

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
        let mut tx = self.writer.begin().await?;
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
        let first: Option<(String,)> = sqlx::query_as(
            "SELECT id FROM scan_files WHERE sha256 = $1 AND state <> 'duplicate' \
             ORDER BY created_at LIMIT 1",
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
            (None, Admission::Readable { page_count }) => file.page_count = Some(page_count),
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
            super::jobs::enqueue_file(&mut tx, file.id, &now).await?;
        }
        tx.commit().await?;
        Ok(file)
    }

    /// Whether these bytes were handed in before (in any batch).
    pub async fn content_seen(&self, sha256: &str) -> Result<bool, StoreError> {
        let found: Option<(String,)> =
            sqlx::query_as("SELECT id FROM scan_files WHERE sha256 = $1 LIMIT 1")
                .bind(sha256)
                .fetch_optional(&self.reader)
                .await?;
        Ok(found.is_some())
    }

    pub async fn scan_file(&self, id: Uuid) -> Result<Option<ScanFile>, StoreError> {
        let row = sqlx::query(&format!("{SELECT_FILE} WHERE f.id = $1"))
            .bind(id.to_string())
            .fetch_optional(&self.reader)
            .await?;
        row.map(|row| file_from_row(&row)).transpose()
    }

    pub async fn batch_files(&self, batch: Uuid) -> Result<Vec<ScanFile>, StoreError> {
        let rows = sqlx::query(&format!(
            "{SELECT_FILE} WHERE f.batch_id = $1 ORDER BY f.created_at, f.name"
        ))
        .bind(batch.to_string())
        .fetch_all(&self.reader)
        .await?;
        rows.iter().map(file_from_row).collect()
    }

    /// The pages of a file already recorded, so a resumed job skips them.
    pub async fn recorded_pages(&self, file: Uuid) -> Result<Vec<u32>, StoreError> {
        let rows: Vec<(i64,)> =
            sqlx::query_as("SELECT page FROM scan_pages WHERE file_id = $1 ORDER BY page")
                .bind(file.to_string())
                .fetch_all(&self.writer)
                .await?;
        Ok(rows.into_iter().map(|(page,)| page as u32).collect())
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

    /// Records a page of our form. `merge` gets what the sheet's registration
    /// held so far (if there is one) and returns its fields with this page's
    /// in. The first page of a sheet makes the registration, in the callback
    /// queue or, when a field needs a person, the verification list first.
    pub async fn record_form_page(
        &self,
        page: FormPage<'_>,
        merge: impl Fn(Option<SheetSoFar<'_>>) -> BTreeMap<String, FieldReading>,
    ) -> Result<PageRecorded, StoreError> {
        match self.try_record_form_page(&page, &merge).await {
            // Another worker made the sheet's registration at the same
            // moment: this page now joins it.
            Err(StoreError::Database(error)) if is_unique_violation(&error) => {
                self.try_record_form_page(&page, &merge).await
            }
            other => other,
        }
    }

    async fn try_record_form_page(
        &self,
        page: &FormPage<'_>,
        merge: &impl Fn(Option<SheetSoFar<'_>>) -> BTreeMap<String, FieldReading>,
    ) -> Result<PageRecorded, StoreError> {
        let mut tx = self.writer.begin().await?;
        if page_recorded(&mut tx, page.file.id, page.page).await? {
            return Ok(PageRecorded::AlreadyDone);
        }
        let lock = match self.backend {
            Backend::Postgres => " FOR UPDATE",
            Backend::Sqlite => "",
        };
        let existing = sqlx::query(&format!(
            "{SELECT_REGISTRATION} WHERE sheet_serial = $1{lock}"
        ))
        .bind(page.serial)
        .fetch_optional(&mut *tx)
        .await?
        .map(|row| registration_from_row(&row))
        .transpose()?;
        let recorded = match existing {
            Some(registration) => {
                let read_before: Option<(i64,)> = sqlx::query_as(
                    "SELECT 1 FROM scan_pages WHERE registration_id = $1 AND form_page = $2 \
                     LIMIT 1",
                )
                .bind(registration.id.to_string())
                .bind(i64::from(page.form_page))
                .fetch_optional(&mut *tx)
                .await?;
                let fields = merge(Some(SheetSoFar {
                    fields: &registration.fields,
                    page_read_before: read_before.is_some(),
                }));
                update_sheet(&mut tx, &registration, fields, page.batch).await?;
                // What is known of the person may have grown with this page.
                super::duplicates::fold_duplicate(&mut tx, self.backend, registration.id).await?;
                PageRecorded::Attached(registration.id)
            }
            None => {
                let fields = merge(None);
                let id = insert_sheet(&mut tx, page, fields).await?;
                super::duplicates::fold_duplicate(&mut tx, self.backend, id).await?;
                PageRecorded::NewRegistration(id)
            }
        };
        let registration = match &recorded {
            PageRecorded::Attached(id) | PageRecorded::NewRegistration(id) => *id,
            _ => unreachable!("a form page belongs to a registration"),
        };
        insert_page(
            &mut tx,
            &PageRow {
                file: page.file.id,
                page: page.page,
                outcome: "form",
                registration: Some(registration),
                triage: None,
                serial: Some(page.serial),
                form_page: Some(page.form_page),
                image_path: page.image_path.as_deref(),
                reason: None,
                worker: page.worker,
            },
        )
        .await?;
        tx.commit().await?;
        Ok(recorded)
    }

    /// Records a page that is not our form. Consecutive such pages of a file
    /// are one triage item (blank backs between them do not split it).
    pub async fn record_other_page(
        &self,
        file: &ScanFile,
        batch: &ScanBatch,
        page: u32,
        text: &str,
        image_path: Option<&str>,
        worker: &str,
    ) -> Result<PageRecorded, StoreError> {
        let mut tx = self.writer.begin().await?;
        if page_recorded(&mut tx, file.id, page).await? {
            return Ok(PageRecorded::AlreadyDone);
        }
        let previous: Option<(String, Option<String>)> = sqlx::query_as(
            "SELECT outcome, triage_id FROM scan_pages \
             WHERE file_id = $1 AND page < $2 AND outcome <> 'blank' \
             ORDER BY page DESC LIMIT 1",
        )
        .bind(file.id.to_string())
        .bind(i64::from(page))
        .fetch_optional(&mut *tx)
        .await?;
        let now = timestamp(OffsetDateTime::now_utc());
        let continued = previous
            .filter(|(outcome, _)| outcome == "other")
            .and_then(|(_, triage)| triage);
        let triage = match continued {
            Some(triage) => {
                sqlx::query(
                    "UPDATE triage_items SET text = text || $1, updated_at = $2 WHERE id = $3",
                )
                .bind(format!("\n\u{c}\n{text}"))
                .bind(&now)
                .bind(&triage)
                .execute(&mut *tx)
                .await?;
                Uuid::parse_str(&triage).map_err(|e| StoreError::Corrupt(e.to_string()))?
            }
            None => {
                let id = Uuid::new_v4();
                sqlx::query(
                    "INSERT INTO triage_items (id, batch_id, file_id, office, received_on, text, \
                     status, created_at, updated_at) \
                     VALUES ($1, $2, $3, $4, $5, $6, 'open', $7, $7)",
                )
                .bind(id.to_string())
                .bind(batch.id.to_string())
                .bind(file.id.to_string())
                .bind(&batch.office)
                .bind(batch.received_on.to_string())
                .bind(text)
                .bind(&now)
                .execute(&mut *tx)
                .await?;
                id
            }
        };
        insert_page(
            &mut tx,
            &PageRow {
                outcome: "other",
                triage: Some(triage),
                image_path,
                ..PageRow::noted(file.id, page, worker)
            },
        )
        .await?;
        tx.commit().await?;
        Ok(PageRecorded::Triage(triage))
    }

    /// Records a blank page, or one that could not be read (with why).
    pub async fn record_plain_page(
        &self,
        file: Uuid,
        page: u32,
        failure: Option<&str>,
        worker: &str,
    ) -> Result<PageRecorded, StoreError> {
        let row = PageRow {
            outcome: if failure.is_some() { "failed" } else { "blank" },
            reason: failure,
            ..PageRow::noted(file, page, worker)
        };
        let mut tx = self.writer.begin().await?;
        if page_recorded(&mut tx, file, page).await? {
            return Ok(PageRecorded::AlreadyDone);
        }
        insert_page(&mut tx, &row).await?;
        tx.commit().await?;
        Ok(PageRecorded::Noted)
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

    /// Every recorded page of a batch, in file and page order.
    pub async fn batch_pages(&self, batch: Uuid) -> Result<Vec<PageRecord>, StoreError> {
        let rows = sqlx::query(
            "SELECT p.file_id, f.name, p.page, p.outcome, p.registration_id, p.triage_id, \
             p.serial, p.image_path, p.reason, p.processed_by FROM scan_pages p \
             JOIN scan_files f ON f.id = p.file_id WHERE f.batch_id = $1 \
             ORDER BY f.name, p.page",
        )
        .bind(batch.to_string())
        .fetch_all(&self.reader)
        .await?;
        let uuid = |text: Option<String>| -> Result<Option<Uuid>, StoreError> {
            text.map(|t| Uuid::parse_str(&t).map_err(|e| StoreError::Corrupt(e.to_string())))
                .transpose()
        };
        rows.iter()
            .map(|row| {
                Ok(PageRecord {
                    file_id: uuid(Some(row.try_get("file_id")?))?.expect("present"),
                    file_name: row.try_get("name")?,
                    page: row.try_get::<i64, _>("page")? as u32,
                    outcome: row.try_get("outcome")?,
                    registration_id: uuid(row.try_get("registration_id")?)?,
                    triage_id: uuid(row.try_get("triage_id")?)?,
                    serial: row.try_get("serial")?,
                    image_path: row.try_get("image_path")?,
                    reason: row.try_get("reason")?,
                    processed_by: row.try_get("processed_by")?,
                })
            })
            .collect()
    }

    /// The registrations a batch's pages made or joined.
    pub async fn batch_registrations(&self, batch: Uuid) -> Result<Vec<Registration>, StoreError> {
        let rows = sqlx::query(&format!(
            "{SELECT_REGISTRATION} WHERE id IN (SELECT p.registration_id FROM scan_pages p \
             JOIN scan_files f ON f.id = p.file_id WHERE f.batch_id = $1) ORDER BY reference"
        ))
        .bind(batch.to_string())
        .fetch_all(&self.reader)
        .await?;
        rows.iter().map(registration_from_row).collect()
    }
}

async fn page_recorded(
    tx: &mut Transaction<'_, Any>,
    file: Uuid,
    page: u32,
) -> Result<bool, StoreError> {
    let found: Option<(i64,)> =
        sqlx::query_as("SELECT page FROM scan_pages WHERE file_id = $1 AND page = $2")
            .bind(file.to_string())
            .bind(i64::from(page))
            .fetch_optional(&mut **tx)
            .await?;
    Ok(found.is_some())
}

struct PageRow<'a> {
    file: Uuid,
    page: u32,
    outcome: &'static str,
    registration: Option<Uuid>,
    triage: Option<Uuid>,
    serial: Option<&'a str>,
    form_page: Option<u32>,
    image_path: Option<&'a str>,
    reason: Option<&'a str>,
    worker: &'a str,
}

impl<'a> PageRow<'a> {
    fn noted(file: Uuid, page: u32, worker: &'a str) -> PageRow<'a> {
        PageRow {
            file,
            page,
            outcome: "blank",
            registration: None,
            triage: None,
            serial: None,
            form_page: None,
            image_path: None,
            reason: None,
            worker,
        }
    }
}

async fn insert_page(tx: &mut Transaction<'_, Any>, row: &PageRow<'_>) -> Result<(), StoreError> {
    sqlx::query(
        "INSERT INTO scan_pages (file_id, page, outcome, registration_id, triage_id, serial, \
         form_page, image_path, reason, processed_by, created_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)",
    )
    .bind(row.file.to_string())
    .bind(i64::from(row.page))
    .bind(row.outcome)
    .bind(row.registration.map(|id| id.to_string()))
    .bind(row.triage.map(|id| id.to_string()))
    .bind(row.serial)
    .bind(row.form_page.map(i64::from))
    .bind(row.image_path)
    .bind(row.reason)
    .bind(row.worker)
    .bind(timestamp(OffsetDateTime::now_utc()))
    .execute(&mut **tx)
    .await?;
    Ok(())
}

fn sheet_status(fields: &BTreeMap<String, FieldReading>) -> RegistrationStatus {
    if fields
        .values()
        .any(|field| field.status == FieldStatus::NeedsReview)
    {
        RegistrationStatus::AwaitingReview
    } else {
        RegistrationStatus::AwaitingCall
    }
}

fn text_of<'a>(fields: &'a BTreeMap<String, FieldReading>, id: &str) -> Option<&'a str> {
    fields.get(id)?.value.as_ref()?.as_text()
}

async fn insert_sheet(
    tx: &mut Transaction<'_, Any>,
    page: &FormPage<'_>,
    fields: BTreeMap<String, FieldReading>,
) -> Result<Uuid, StoreError> {
    let id = Uuid::new_v4();
    let received_at = page.batch.received_at();
    let now = timestamp(OffsetDateTime::now_utc());
    let provenance = Provenance::Paper {
        original_sha256: page.file.sha256.clone(),
        pages: vec![page.page],
        serial: Some(page.serial.to_string()),
    };
    let status = sheet_status(&fields);
    // A random reference may collide: draw again, in a savepoint so the
    // transaction survives the failed insert.
    for _ in 0..5 {
        let mut savepoint = sqlx::Acquire::begin(&mut **tx).await?;
        let inserted = sqlx::query(
            "INSERT INTO registrations (id, reference, form_id, form_version, channel, office, \
             received_at, status, identity_verified, hetu, phone, fields, provenance, \
             sheet_serial, created_at, updated_at) \
             VALUES ($1, $2, $3, $4, 'paper', $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $14)",
        )
        .bind(id.to_string())
        .bind(Reference::generate().as_str())
        .bind(page.form)
        .bind(i64::from(page.version))
        .bind(&page.batch.office)
        .bind(timestamp(received_at))
        .bind(status.as_str())
        .bind(false)
        .bind(text_of(&fields, "hetu"))
        .bind(text_of(&fields, "phone"))
        .bind(serde_json::to_string(&fields).expect("fields serialise"))
        .bind(serde_json::to_string(&provenance).expect("provenance serialises"))
        .bind(page.serial)
        .bind(&now)
        .execute(&mut *savepoint)
        .await;
        match inserted {
            Ok(_) => {
                savepoint.commit().await?;
                sqlx::query(
                    "INSERT INTO callbacks (registration_id, due_on, created_at) \
                     VALUES ($1, $2, $3)",
                )
                .bind(id.to_string())
                .bind(calendar::first_contact_due(received_at).to_string())
                .bind(&now)
                .execute(&mut **tx)
                .await?;
                return Ok(id);
            }
            Err(error) if is_unique_violation(&error) => {
                savepoint.rollback().await?;
                // The serial itself: another worker made this sheet's
                // registration at the same moment. The page is recorded
                // again, this time as attached. Otherwise the reference
                // collided: draw again.
                let taken: Option<(String,)> =
                    sqlx::query_as("SELECT id FROM registrations WHERE sheet_serial = $1")
                        .bind(page.serial)
                        .fetch_optional(&mut **tx)
                        .await?;
                if taken.is_some() {
                    return Err(StoreError::Database(error));
                }
            }
            Err(error) => return Err(error.into()),
        }
    }
    Err(StoreError::Corrupt(
        "five references in a row collided".into(),
    ))
}

async fn update_sheet(
    tx: &mut Transaction<'_, Any>,
    registration: &Registration,
    fields: BTreeMap<String, FieldReading>,
    batch: &ScanBatch,
) -> Result<(), StoreError> {
    // Only a sheet still in its first steps follows its fields; one a
    // caseworker has closed, or the jobseeker withdrew, keeps its status.
    let status = match registration.status {
        RegistrationStatus::AwaitingReview | RegistrationStatus::AwaitingCall => {
            sheet_status(&fields)
        }
        other => other,
    };
    // The earliest received date stands.
    let received_at = registration.received_at.min(batch.received_at());
    sqlx::query(
        "UPDATE registrations SET fields = $1, status = $2, hetu = $3, phone = $4, \
         received_at = $5, updated_at = $6 WHERE id = $7",
    )
    .bind(serde_json::to_string(&fields).expect("fields serialise"))
    .bind(status.as_str())
    .bind(text_of(&fields, "hetu"))
    .bind(text_of(&fields, "phone"))
    .bind(timestamp(received_at))
    .bind(timestamp(OffsetDateTime::now_utc()))
    .bind(registration.id.to_string())
    .execute(&mut **tx)
    .await?;
    if received_at < registration.received_at {
        sqlx::query("UPDATE callbacks SET due_on = $1 WHERE registration_id = $2")
            .bind(calendar::first_contact_due(received_at).to_string())
            .bind(registration.id.to_string())
            .execute(&mut **tx)
            .await?;
    }
    Ok(())
}

fn batch_from_row(row: &AnyRow) -> Result<ScanBatch, StoreError> {
    let id: String = row.try_get("id")?;
    let entry: String = row.try_get("entry")?;
    let received_on: String = row.try_get("received_on")?;
    let created_at: String = row.try_get("created_at")?;
    Ok(ScanBatch {
        id: Uuid::parse_str(&id).map_err(|e| StoreError::Corrupt(format!("batch id: {e}")))?,
        office: row.try_get("office")?,
        received_on: parse_date(&received_on)?,
        scanned_by: row.try_get("scanned_by")?,
        entry: BatchEntry::parse(&entry)
            .ok_or_else(|| StoreError::Corrupt(format!("batch entry `{entry}`")))?,
        created_at: super::parse_timestamp(&created_at)?,
    })
}

fn file_from_row(row: &AnyRow) -> Result<ScanFile, StoreError> {
    let uuid = |column: &str, text: String| {
        Uuid::parse_str(&text).map_err(|e| StoreError::Corrupt(format!("{column}: {e}")))
    };
    let state: String = row.try_get("state")?;
    let page_count: Option<i64> = row.try_get("page_count")?;
    let duplicate_of: Option<String> = row.try_get("duplicate_of")?;
    Ok(ScanFile {
        id: uuid("file id", row.try_get("id")?)?,
        batch_id: uuid("batch id", row.try_get("batch_id")?)?,
        name: row.try_get("name")?,
        sha256: row.try_get("sha256")?,
        path: row.try_get("path")?,
        state: FileState::parse(&state)
            .ok_or_else(|| StoreError::Corrupt(format!("file state `{state}`")))?,
        page_count: page_count.map(|n| n as u32),
        reason: row.try_get("reason")?,
        duplicate_of: duplicate_of.map(|d| uuid("duplicate of", d)).transpose()?,
    })
}
