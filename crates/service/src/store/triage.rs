//! Triage: the mail from the drop box that is not our form (letters,
//! contact requests), each item with its pages and their text. A caseworker
//! turns an open item into a registration, links it to an existing one, or
//! closes it with a note; each is one transaction with its audit entry, and
//! an item is dealt with once.

use sqlx::any::AnyRow;
use sqlx::{Any, Row, Transaction};
use time::{Date, OffsetDateTime};
use uuid::Uuid;

use super::audit::AuditAction;
use super::registrations::{NewRegistration, insert, parse_date};
use super::{Store, StoreError, is_unique_violation, timestamp};
use super::{id_column, optional_id, optional_time, staff_did};
use intake_core::record::Registration;

/// Where a triage item stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TriageStatus {
    Open,
    /// A registration was made from it.
    Converted,
    /// It belongs to an existing registration.
    Linked,
    Closed,
}

impl TriageStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            TriageStatus::Open => "open",
            TriageStatus::Converted => "converted",
            TriageStatus::Linked => "linked",
            TriageStatus::Closed => "closed",
        }
    }

    fn parse(text: &str) -> Option<TriageStatus> {
        [
            TriageStatus::Open,
            TriageStatus::Converted,
            TriageStatus::Linked,
            TriageStatus::Closed,
        ]
        .into_iter()
        .find(|status| status.as_str() == text)
    }
}

/// One page of a triage item.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TriagePage {
    /// The page's number in its file.
    pub page: u32,
    /// Relative to the data folder; `None` when no image was kept.
    pub image_path: Option<String>,
}

/// A triage item with what its page shows.
#[derive(Debug, Clone)]
pub struct TriageItem {
    pub id: Uuid,
    pub office: String,
    /// The batch's stamped day: the received date of whatever it asks.
    pub received_on: Date,
    pub file_name: String,
    /// SHA-256 of the original file.
    pub original_sha256: String,
    /// The pages' text, pages separated by a form feed.
    pub text: String,
    pub status: TriageStatus,
    pub registration_id: Option<Uuid>,
    pub registration_reference: Option<String>,
    pub note: Option<String>,
    pub handled_by: Option<String>,
    pub handled_at: Option<OffsetDateTime>,
    pub pages: Vec<TriagePage>,
}

/// What dealing with a triage item came to.
#[derive(Debug, Clone, PartialEq)]
pub enum TriageDone {
    Converted(Box<Registration>),
    Linked,
    Closed,
    /// Someone dealt with it already (or there is no such item).
    NotOpen,
}

const SELECT_ITEM: &str = "SELECT t.id, t.office, t.received_on, t.text, t.status, \
     t.registration_id, r.reference, t.note, s.name AS handled_by, t.handled_at, \
     f.name AS file_name, f.sha256 FROM triage_items t \
     JOIN scan_files f ON f.id = t.file_id \
     LEFT JOIN registrations r ON r.id = t.registration_id \
     LEFT JOIN staff s ON s.id = t.handled_by";

/// Most items the triage list shows at once.
const LIST_LIMIT: i64 = 500;

impl Store {
    /// Open items, oldest received first (pages not filled in).
    pub async fn open_triage_items(&self) -> Result<Vec<TriageItem>, StoreError> {
        let rows = sqlx::query(&format!(
            "{SELECT_ITEM} WHERE t.status = 'open' ORDER BY t.received_on, t.created_at, t.id \
             LIMIT {LIST_LIMIT}"
        ))
        .fetch_all(&self.reader)
        .await?;
        rows.iter().map(item_from_row).collect()
    }

    pub async fn triage_item(&self, id: Uuid) -> Result<Option<TriageItem>, StoreError> {
        let sql = format!("{SELECT_ITEM} WHERE t.id = $1");
        let Some(mut item) = self.read_one(&sql, &id.to_string(), item_from_row).await? else {
            return Ok(None);
        };
        let pages: Vec<(i64, Option<String>)> = sqlx::query_as(
            "SELECT page, image_path FROM scan_pages WHERE triage_id = $1 ORDER BY page",
        )
        .bind(id.to_string())
        .fetch_all(&self.reader)
        .await?;
        item.pages = pages
            .into_iter()
            .map(|(page, image_path)| TriagePage {
                page: u32::try_from(page).unwrap_or(0),
                image_path,
            })
            .collect();
        Ok(Some(item))
    }

    /// Items linked to, or made into, a registration.
    pub async fn triage_items_of(&self, registration: Uuid) -> Result<Vec<TriageItem>, StoreError> {
        let sql =
            format!("{SELECT_ITEM} WHERE t.registration_id = $1 ORDER BY t.received_on, t.id");
        self.read_all(&sql, &registration.to_string(), item_from_row)
            .await
    }

    /// Makes a registration of an open item: received on the item's day,
    /// in the callback queue (or folded into an earlier registration of the
    /// same person), with the item marked converted.
    pub async fn convert_triage(
        &self,
        id: Uuid,
        staff: Uuid,
        new: &NewRegistration,
        received_at: OffsetDateTime,
        now: OffsetDateTime,
    ) -> Result<TriageDone, StoreError> {
        for _ in 0..5 {
            let mut tx = self.begin_write().await?;
            if !take_open(&mut tx, id, staff, "converted", None, now).await? {
                return Ok(TriageDone::NotOpen);
            }
            match insert(&mut tx, self.backend, new, received_at, now).await {
                Ok((registration, _status_link)) => {
                    set_registration(&mut tx, id, registration.id).await?;
                    staff_did(
                        &mut tx,
                        now,
                        staff,
                        Some(registration.id),
                        AuditAction::TriageConvert,
                        &format!("triage {id}"),
                    )
                    .await?;
                    tx.commit().await?;
                    return Ok(TriageDone::Converted(Box::new(registration)));
                }
                // The random reference collided: draw again.
                Err(StoreError::Database(e)) if is_unique_violation(&e) => {
                    tx.rollback().await?;
                }
                Err(other) => return Err(other),
            }
        }
        Err(StoreError::Corrupt(
            "five references in a row collided".into(),
        ))
    }

    /// Files an open item with an existing registration.
    pub async fn link_triage(
        &self,
        id: Uuid,
        staff: Uuid,
        registration: Uuid,
        note: &str,
        now: OffsetDateTime,
    ) -> Result<TriageDone, StoreError> {
        let mut tx = self.begin_write().await?;
        if !take_open(&mut tx, id, staff, "linked", Some(note), now).await? {
            return Ok(TriageDone::NotOpen);
        }
        set_registration(&mut tx, id, registration).await?;
        staff_did(
            &mut tx,
            now,
            staff,
            Some(registration),
            AuditAction::TriageLink,
            &format!("triage {id}"),
        )
        .await?;
        tx.commit().await?;
        Ok(TriageDone::Linked)
    }

    /// Closes an open item with a note saying why.
    pub async fn close_triage(
        &self,
        id: Uuid,
        staff: Uuid,
        note: &str,
        now: OffsetDateTime,
    ) -> Result<TriageDone, StoreError> {
        let mut tx = self.begin_write().await?;
        if !take_open(&mut tx, id, staff, "closed", Some(note), now).await? {
            return Ok(TriageDone::NotOpen);
        }
        staff_did(
            &mut tx,
            now,
            staff,
            None,
            AuditAction::TriageClose,
            &format!("triage {id}"),
        )
        .await?;
        tx.commit().await?;
        Ok(TriageDone::Closed)
    }
}

/// Moves an open item to `status`; `false` when it was not open. One
/// statement decides, so of two caseworkers at once exactly one wins.
async fn take_open(
    tx: &mut Transaction<'_, Any>,
    id: Uuid,
    staff: Uuid,
    status: &str,
    note: Option<&str>,
    now: OffsetDateTime,
) -> Result<bool, StoreError> {
    let done = sqlx::query(
        "UPDATE triage_items SET status = $1, note = $2, handled_by = $3, handled_at = $4, \
         updated_at = $4 WHERE id = $5 AND status = 'open'",
    )
    .bind(status)
    .bind(note.filter(|n| !n.is_empty()))
    .bind(staff.to_string())
    .bind(timestamp(now))
    .bind(id.to_string())
    .execute(&mut **tx)
    .await?;
    Ok(done.rows_affected() == 1)
}

async fn set_registration(
    tx: &mut Transaction<'_, Any>,
    id: Uuid,
    registration: Uuid,
) -> Result<(), StoreError> {
    sqlx::query("UPDATE triage_items SET registration_id = $1 WHERE id = $2")
        .bind(registration.to_string())
        .bind(id.to_string())
        .execute(&mut **tx)
        .await?;
    Ok(())
}

fn item_from_row(row: &AnyRow) -> Result<TriageItem, StoreError> {
    let received_on: String = row.try_get("received_on")?;
    let status: String = row.try_get("status")?;
    Ok(TriageItem {
        id: id_column(row, "id")?,
        office: row.try_get("office")?,
        received_on: parse_date(&received_on)?,
        file_name: row.try_get("file_name")?,
        original_sha256: row.try_get("sha256")?,
        text: row.try_get("text")?,
        status: TriageStatus::parse(&status)
            .ok_or_else(|| StoreError::Corrupt(format!("triage status `{status}`")))?,
        registration_id: optional_id(row, "registration_id")?,
        registration_reference: row.try_get("reference")?,
        note: row.try_get("note")?,
        handled_by: row.try_get("handled_by")?,
        handled_at: optional_time(row, "handled_at")?,
        pages: Vec::new(),
    })
}
