//! One person's data as the database holds it, for an access request
//! (GDPR article 15): each registration whole, with its queue entry, call
//! attempts, checks, status links (when made; the link itself is not
//! kept), who saw or changed it, and the triage items that are theirs.

use serde_json::{Map, Value, json};
use sqlx::Row;
use sqlx::any::AnyRow;
use time::OffsetDateTime;

use super::{ErasurePlan, PersonKey};
use crate::store::audit::{self, AuditAction};
use crate::store::{Store, StoreError, timestamp};

/// What `intake subject-export` writes, and the files to copy beside it.
#[derive(Debug, Clone)]
pub struct SubjectData {
    pub json: Value,
    /// Originals holding only their pages (relative to the data folder),
    /// with their SHA-256. A file shared with others is left out: its other
    /// pages are other people's data; their own pages are in `page_images`.
    pub originals: Vec<(String, String)>,
    /// (file, page, path)
    pub page_images: Vec<(String, i64, String)>,
}

/// Text columns of a row as a JSON object (NULL as null).
fn text_columns(row: &AnyRow, columns: &[&str]) -> Result<Value, StoreError> {
    let mut object = Map::new();
    for column in columns {
        let value: Option<String> = row.try_get(*column)?;
        object.insert(
            (*column).to_string(),
            value.map_or(Value::Null, Value::String),
        );
    }
    Ok(Value::Object(object))
}

impl Store {
    /// Gathers the person's data and records in the audit log that it was
    /// exported, by whom.
    pub async fn subject_data(
        &self,
        key: &PersonKey,
        by: &str,
        now: OffsetDateTime,
    ) -> Result<Option<SubjectData>, StoreError> {
        let plan = self.erasure_plan(key).await?;
        if plan.is_empty() {
            return Ok(None);
        }
        let mut registrations = Vec::new();
        for id in &plan.registrations {
            registrations.push(self.subject_registration(*id).await?);
        }
        let mut triage = Vec::new();
        for id in &plan.triage_items {
            let row = sqlx::query(
                "SELECT id, office, received_on, text, status, note, created_at, handled_at \
                 FROM triage_items WHERE id = $1",
            )
            .bind(id.to_string())
            .fetch_one(&self.reader)
            .await?;
            triage.push(text_columns(
                &row,
                &[
                    "id",
                    "office",
                    "received_on",
                    "text",
                    "status",
                    "note",
                    "created_at",
                    "handled_at",
                ],
            )?);
        }
        let (originals, page_images, files) = self.subject_files(&plan).await?;
        let mut tx = self.begin_write().await?;
        for id in &plan.registrations {
            audit::record(
                &mut tx,
                now,
                None,
                Some(*id),
                AuditAction::SubjectExport,
                &format!("by {by}"),
            )
            .await?;
        }
        tx.commit().await?;
        Ok(Some(SubjectData {
            json: json!({
                "exported_at": timestamp(now),
                "registrations": registrations,
                "triage_items": triage,
                "scanned_files": files,
            }),
            originals,
            page_images,
        }))
    }

    async fn subject_registration(&self, id: uuid::Uuid) -> Result<Value, StoreError> {
        let key = id.to_string();
        let record = self
            .registration(id)
            .await?
            .ok_or_else(|| StoreError::Corrupt(format!("registration {id} vanished")))?;
        let extra = sqlx::query(
            "SELECT duplicate_of, duplicate_match, source_received_at, sheet_serial, \
             created_at, updated_at FROM registrations WHERE id = $1",
        )
        .bind(&key)
        .fetch_one(&self.reader)
        .await?;
        let callback = sqlx::query(
            "SELECT due_on, next_call_at, first_contact_at, result, result_note, closed_at \
             FROM callbacks WHERE registration_id = $1",
        )
        .bind(&key)
        .fetch_optional(&self.reader)
        .await?
        .map(|row| {
            text_columns(
                &row,
                &[
                    "due_on",
                    "next_call_at",
                    "first_contact_at",
                    "result",
                    "result_note",
                    "closed_at",
                ],
            )
        })
        .transpose()?;
        let attempts = self
            .read_all(
                "SELECT a.attempted_at, s.name AS staff, a.outcome, a.call_back_at, a.note \
                 FROM call_attempts a LEFT JOIN staff s ON s.id = a.staff_id \
                 WHERE a.registration_id = $1 ORDER BY a.attempted_at",
                &key,
                |row| {
                    text_columns(
                        row,
                        &["attempted_at", "staff", "outcome", "call_back_at", "note"],
                    )
                },
            )
            .await?;
        let checks = self
            .read_all(
                "SELECT c.at, s.name AS staff, c.field, c.action, c.old_value, c.new_value, c.raw \
                 FROM field_corrections c LEFT JOIN staff s ON s.id = c.staff_id \
                 WHERE c.registration_id = $1 ORDER BY c.at",
                &key,
                |row| {
                    text_columns(
                        row,
                        &[
                            "at",
                            "staff",
                            "field",
                            "action",
                            "old_value",
                            "new_value",
                            "raw",
                        ],
                    )
                },
            )
            .await?;
        let links = self
            .read_all(
                "SELECT created_at FROM status_links WHERE registration_id = $1",
                &key,
                |row| text_columns(row, &["created_at"]),
            )
            .await?;
        let seen = self
            .read_all(
                "SELECT a.at, s.name AS staff, a.action, a.detail FROM audit_log a \
                 LEFT JOIN staff s ON s.id = a.staff_id WHERE a.registration_id = $1 ORDER BY a.id",
                &key,
                |row| text_columns(row, &["at", "staff", "action", "detail"]),
            )
            .await?;
        Ok(json!({
            "record": record,
            "registration": text_columns(
                &extra,
                &["duplicate_of", "duplicate_match", "source_received_at", "sheet_serial", "created_at", "updated_at"],
            )?,
            "callback": callback,
            "call_attempts": attempts,
            "field_checks": checks,
            "status_links": links,
            "audit": seen,
        }))
    }

    #[allow(clippy::type_complexity)]
    async fn subject_files(
        &self,
        plan: &ErasurePlan,
    ) -> Result<
        (
            Vec<(String, String)>,
            Vec<(String, i64, String)>,
            Vec<Value>,
        ),
        StoreError,
    > {
        let mut originals = Vec::new();
        let mut images = Vec::new();
        let mut files = Vec::new();
        for file in plan.whole_files.iter().chain(&plan.shared_files) {
            let row = sqlx::query(
                "SELECT f.id, f.name, f.sha256, f.created_at, o.path, o.removed_at, b.office, \
                 b.received_on FROM scan_files f JOIN scan_originals o ON o.sha256 = f.sha256 \
                 JOIN scan_batches b ON b.id = f.batch_id WHERE f.id = $1",
            )
            .bind(file.to_string())
            .fetch_one(&self.reader)
            .await?;
            let shared = plan.shared_files.contains(file);
            let mut entry = text_columns(
                &row,
                &[
                    "id",
                    "name",
                    "sha256",
                    "created_at",
                    "office",
                    "received_on",
                    "removed_at",
                ],
            )?;
            entry["shared_with_others"] = Value::Bool(shared);
            files.push(entry);
            let removed: Option<String> = row.try_get("removed_at")?;
            if !shared && removed.is_none() {
                originals.push((row.try_get("sha256")?, row.try_get("path")?));
            }
        }
        for (file, page) in &plan.pages {
            let image: Option<(Option<String>,)> = sqlx::query_as(
                "SELECT image_path FROM scan_pages WHERE file_id = $1 AND page = $2",
            )
            .bind(file.to_string())
            .bind(*page)
            .fetch_optional(&self.reader)
            .await?;
            if let Some((Some(path),)) = image {
                images.push((file.to_string(), *page, path));
            }
        }
        originals.sort();
        originals.dedup();
        Ok((originals, images, files))
    }
}
