//! Every page is recorded exactly once, so a job run again after a crash
//! skips what it did; pages that are not our form become triage items.

use std::time::Duration;

use sqlx::{Any, Row, Transaction};
use time::OffsetDateTime;
use uuid::Uuid;

use super::super::{Store, StoreError, timestamp};
use super::super::{id_column, optional_id, parse_id};
use super::{ScanBatch, ScanFile};

/// Who recorded a page, and what its reading took on its thread: `None`
/// for a page that was not read (a digital form, a text page, a page that
/// could not be decoded). Counted for `/metrics` with the page.
#[derive(Debug, Clone, Copy)]
pub struct ReadBy<'a> {
    pub worker: &'a str,
    pub took: Option<Duration>,
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
    /// A form page with another person on it than its serial's first
    /// registration: that registration (the sheet was a photocopy).
    pub copy_of: Option<Uuid>,
}

/// A registration whose sheet a registration's paper form was a photocopy
/// of (the serial was registered first for another person).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CopiedSheet {
    pub id: Uuid,
    pub reference: String,
}

impl Store {
    /// The pages of a file already recorded, so a resumed job skips them.
    pub async fn recorded_pages(&self, file: Uuid) -> Result<Vec<u32>, StoreError> {
        let rows: Vec<(i64,)> =
            sqlx::query_as("SELECT page FROM scan_pages WHERE file_id = $1 ORDER BY page")
                .bind(file.to_string())
                .fetch_all(&self.writer)
                .await?;
        Ok(rows.into_iter().map(|(page,)| page as u32).collect())
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
        by: ReadBy<'_>,
    ) -> Result<PageRecorded, StoreError> {
        let mut tx = self.begin_write().await?;
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
                parse_id(&triage)?
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
                ..PageRow::noted(file.id, page, by)
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
        by: ReadBy<'_>,
    ) -> Result<PageRecorded, StoreError> {
        let row = PageRow {
            outcome: if failure.is_some() { "failed" } else { "blank" },
            reason: failure,
            ..PageRow::noted(file, page, by)
        };
        let mut tx = self.begin_write().await?;
        if page_recorded(&mut tx, file, page).await? {
            return Ok(PageRecorded::AlreadyDone);
        }
        insert_page(&mut tx, &row).await?;
        tx.commit().await?;
        Ok(PageRecorded::Noted)
    }

    /// The first registrations of the sheets that a registration's pages
    /// (or those of registrations folded into it) were photocopies of,
    /// each once, oldest first. Empty when no page was a copy.
    pub async fn copied_sheets(&self, registration: Uuid) -> Result<Vec<CopiedSheet>, StoreError> {
        let sql = "SELECT DISTINCT r.id, r.reference, r.created_at FROM scan_pages p \
             JOIN registrations r ON r.id = p.copy_of \
             WHERE (p.registration_id = $1 OR p.registration_id IN \
             (SELECT d.id FROM registrations d WHERE d.duplicate_of = $1)) \
             AND r.id <> $1 ORDER BY r.created_at, r.reference";
        self.read_all(sql, &registration.to_string(), |row| {
            Ok(CopiedSheet {
                id: id_column(row, "id")?,
                reference: row.try_get("reference")?,
            })
        })
        .await
    }

    /// Every recorded page of a batch, in file and page order.
    pub async fn batch_pages(&self, batch: Uuid) -> Result<Vec<PageRecord>, StoreError> {
        let sql = "SELECT p.file_id, f.name, p.page, p.outcome, p.registration_id, p.triage_id, \
             p.serial, p.image_path, p.reason, p.processed_by, p.copy_of FROM scan_pages p \
             JOIN scan_files f ON f.id = p.file_id WHERE f.batch_id = $1 \
             ORDER BY f.name, p.page";
        self.read_all(sql, &batch.to_string(), |row| {
            Ok(PageRecord {
                file_id: id_column(row, "file_id")?,
                file_name: row.try_get("name")?,
                page: row.try_get::<i64, _>("page")? as u32,
                outcome: row.try_get("outcome")?,
                registration_id: optional_id(row, "registration_id")?,
                triage_id: optional_id(row, "triage_id")?,
                serial: row.try_get("serial")?,
                image_path: row.try_get("image_path")?,
                reason: row.try_get("reason")?,
                processed_by: row.try_get("processed_by")?,
                copy_of: optional_id(row, "copy_of")?,
            })
        })
        .await
    }
}

pub(super) async fn page_recorded(
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

pub(super) struct PageRow<'a> {
    pub(super) file: Uuid,
    pub(super) page: u32,
    pub(super) outcome: &'static str,
    pub(super) registration: Option<Uuid>,
    pub(super) triage: Option<Uuid>,
    pub(super) serial: Option<&'a str>,
    pub(super) form_page: Option<u32>,
    pub(super) image_path: Option<&'a str>,
    pub(super) reason: Option<&'a str>,
    pub(super) by: ReadBy<'a>,
    /// A form page with another person on it than the sheet's first
    /// registration: that registration (the sheet was photocopied).
    pub(super) copy_of: Option<Uuid>,
}

impl<'a> PageRow<'a> {
    fn noted(file: Uuid, page: u32, by: ReadBy<'a>) -> PageRow<'a> {
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
            by,
            copy_of: None,
        }
    }
}

pub(super) async fn insert_page(
    tx: &mut Transaction<'_, Any>,
    row: &PageRow<'_>,
) -> Result<(), StoreError> {
    sqlx::query(
        "INSERT INTO scan_pages (file_id, page, outcome, registration_id, triage_id, serial, \
         form_page, image_path, reason, processed_by, created_at, copy_of) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12)",
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
    .bind(row.by.worker)
    .bind(timestamp(OffsetDateTime::now_utc()))
    .bind(row.copy_of.map(|id| id.to_string()))
    .execute(&mut **tx)
    .await?;
    count_page_read(tx, row.by.took).await
}

/// Adds a page to the totals of `/metrics`, in the transaction that
/// records it: counted once, whichever process reads it.
async fn count_page_read(
    tx: &mut Transaction<'_, Any>,
    took: Option<Duration>,
) -> Result<(), StoreError> {
    let micros = took.map_or(0, |took| {
        i64::try_from(took.as_micros()).unwrap_or(i64::MAX)
    });
    sqlx::query(
        "INSERT INTO page_read_totals (bucket, pages, micros) VALUES ($1, 1, $2) \
         ON CONFLICT (bucket) DO UPDATE SET pages = page_read_totals.pages + 1, \
         micros = page_read_totals.micros + excluded.micros",
    )
    .bind(crate::metrics::page_bucket(took))
    .bind(micros)
    .execute(&mut **tx)
    .await?;
    Ok(())
}
