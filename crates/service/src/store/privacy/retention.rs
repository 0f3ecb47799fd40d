//! The retention rules' side in the database: what is past its time, and
//! removing it. Each finder is one or two indexed queries, so an hourly
//! run with nothing due costs little.

use std::collections::{BTreeMap, BTreeSet};

use sqlx::Row;
use time::OffsetDateTime;
use uuid::Uuid;

use super::Removed;
use super::plan::{self, ErasurePlan, FileToRemove};
use crate::store::audit::{self, AuditAction};
use crate::store::{Store, StoreError, parse_id, timestamp};

/// Each rule, with the code the audit and `intake purge` show.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum RetentionRule {
    ClosedRegistrations,
    VerifiedPaper,
    ClosedTriage,
    StatusLinks,
    DropCopies,
    /// Originals no row names (a crash between storing and recording).
    OrphanOriginals,
    /// Page images no page's row names.
    OrphanPageImages,
}

impl RetentionRule {
    pub const ALL: [RetentionRule; 7] = [
        RetentionRule::ClosedRegistrations,
        RetentionRule::VerifiedPaper,
        RetentionRule::ClosedTriage,
        RetentionRule::StatusLinks,
        RetentionRule::DropCopies,
        RetentionRule::OrphanOriginals,
        RetentionRule::OrphanPageImages,
    ];

    pub fn code(self) -> &'static str {
        match self {
            RetentionRule::ClosedRegistrations => "closed_registrations",
            RetentionRule::VerifiedPaper => "verified_paper_scans",
            RetentionRule::ClosedTriage => "closed_triage_items",
            RetentionRule::StatusLinks => "status_links",
            RetentionRule::DropCopies => "drop_folder_copies",
            RetentionRule::OrphanOriginals => "orphan_originals",
            RetentionRule::OrphanPageImages => "orphan_page_images",
        }
    }
}

/// The scans of verified paper past their time: the files whose originals
/// and page images go (their rows stay, without them).
#[derive(Debug, Clone, Default)]
pub struct ScansDue {
    pub files: Vec<Uuid>,
    pub originals: Vec<FileToRemove>,
    /// (file, page, image path)
    pub page_images: Vec<(Uuid, i64, String)>,
}

/// A closed triage item past its time, with its pages' images.
#[derive(Debug, Clone)]
pub struct TriageDue {
    pub id: Uuid,
    pub page_images: Vec<(Uuid, i64, String)>,
}

type PageRow = (i64, String, Option<String>, Option<String>, Option<String>);

impl Store {
    /// Registrations closed or withdrawn before `cutoff` (those standing;
    /// the ones folded into them go with them), with their references.
    pub async fn closed_before(
        &self,
        cutoff: OffsetDateTime,
    ) -> Result<Vec<(Uuid, String)>, StoreError> {
        let rows = sqlx::query(
            "SELECT r.id, r.reference FROM registrations r \
             LEFT JOIN callbacks c ON c.registration_id = r.id \
             WHERE r.duplicate_of IS NULL AND r.status IN ('closed', 'withdrawn') \
             AND COALESCE(c.closed_at, r.updated_at) < $1 ORDER BY r.reference",
        )
        .bind(timestamp(cutoff))
        .fetch_all(&self.reader)
        .await?;
        rows.iter()
            .map(|row| {
                Ok((
                    super::super::id_column(row, "id")?,
                    row.try_get("reference")?,
                ))
            })
            .collect()
    }

    /// The plan that removes these registrations and what was folded into
    /// them, with their scans' pages and the triage items filed with them.
    pub async fn removal_plan(&self, standing: &[Uuid]) -> Result<ErasurePlan, StoreError> {
        let mut ids: BTreeSet<Uuid> = standing.iter().copied().collect();
        for id in standing {
            let folded: Vec<(String,)> =
                sqlx::query_as("SELECT id FROM registrations WHERE duplicate_of = $1")
                    .bind(id.to_string())
                    .fetch_all(&self.reader)
                    .await?;
            for (id,) in folded {
                ids.insert(parse_id(&id)?);
            }
        }
        plan::make(&self.reader, ids, &BTreeSet::new()).await
    }

    /// Files of paper whose every page is settled (its registration
    /// verified, or closed, or its triage item dealt with) since before
    /// `cutoff`, and whose original or page images are still kept. A file
    /// with a page that could not be read keeps its original, to be read
    /// again.
    pub async fn scans_released_before(
        &self,
        cutoff: OffsetDateTime,
    ) -> Result<ScansDue, StoreError> {
        let cutoff = timestamp(cutoff);
        let candidates: Vec<(String, String, String, i64, Option<String>)> = sqlx::query_as(
            "SELECT f.id, o.sha256, o.path, o.size, o.removed_at FROM scan_files f \
             JOIN scan_originals o ON o.sha256 = f.sha256 \
             WHERE f.state = 'done' AND f.updated_at < $1 AND (o.removed_at IS NULL OR \
             EXISTS (SELECT 1 FROM scan_pages p WHERE p.file_id = f.id AND p.image_path IS NOT NULL))",
        )
        .bind(&cutoff)
        .fetch_all(&self.reader)
        .await?;
        let mut due = ScansDue::default();
        let mut originals = BTreeMap::new();
        let mut verified = BTreeMap::new();
        for (file, sha256, path, size, removed) in candidates {
            let pages: Vec<PageRow> = sqlx::query_as(
                "SELECT page, outcome, registration_id, triage_id, image_path FROM scan_pages \
                 WHERE file_id = $1",
            )
            .bind(&file)
            .fetch_all(&self.reader)
            .await?;
            let mut released = true;
            for (_, outcome, registration, triage, _) in &pages {
                released &= outcome != "failed";
                if let Some(triage) = triage {
                    released &= self.triage_settled(triage, &cutoff, &mut verified).await?;
                }
                if let Some(registration) = registration {
                    released &= self
                        .verified_before(registration, &cutoff, &mut verified)
                        .await?;
                }
                if !released {
                    break;
                }
            }
            if !released {
                continue;
            }
            let file = parse_id(&file)?;
            due.files.push(file);
            for (page, _, _, _, image) in pages {
                if let Some(image) = image {
                    due.page_images.push((file, page, image));
                }
            }
            if removed.is_none() {
                originals.insert(
                    sha256.clone(),
                    FileToRemove {
                        sha256,
                        path,
                        size: size.max(0) as u64,
                    },
                );
            }
        }
        // The same bytes in a file that is not settled yet: kept.
        for (sha256, original) in originals {
            let files: Vec<(String,)> = sqlx::query_as(
                "SELECT id FROM scan_files WHERE sha256 = $1 AND state <> 'duplicate'",
            )
            .bind(&sha256)
            .fetch_all(&self.reader)
            .await?;
            let mut all_released = true;
            for (id,) in files {
                all_released &= due.files.contains(&parse_id(&id)?);
            }
            if all_released {
                due.originals.push(original);
            }
        }
        Ok(due)
    }

    /// Whether a paper registration was verified before `cutoff`: no field
    /// left to check (or the person's case closed), and nothing read from
    /// its paper or corrected since.
    async fn verified_before(
        &self,
        id: &str,
        cutoff: &str,
        memo: &mut BTreeMap<String, bool>,
    ) -> Result<bool, StoreError> {
        if let Some(known) = memo.get(id) {
            return Ok(*known);
        }
        let row = sqlx::query(
            "SELECT r.status, r.fields, s.status AS standing_status, \
             (SELECT MAX(p.created_at) FROM scan_pages p WHERE p.registration_id = r.id) AS last_read, \
             (SELECT MAX(f.at) FROM field_corrections f WHERE f.registration_id = r.id) AS last_check, \
             (SELECT c.closed_at FROM callbacks c WHERE c.registration_id = s.id) AS closed_at \
             FROM registrations r JOIN registrations s ON s.id = COALESCE(r.duplicate_of, r.id) \
             WHERE r.id = $1",
        )
        .bind(id)
        .fetch_optional(&self.reader)
        .await?;
        let verified = match row {
            None => true,
            Some(row) => {
                let status: String = row.try_get("status")?;
                let standing: String = row.try_get("standing_status")?;
                let fields: String = row.try_get("fields")?;
                let finished = matches!(standing.as_str(), "closed" | "withdrawn");
                let checked = status != "awaiting_review" && !fields.contains("\"needs_review\"");
                let moments: [Option<String>; 3] = [
                    row.try_get("last_read")?,
                    row.try_get("last_check")?,
                    row.try_get("closed_at")?,
                ];
                let latest = moments.into_iter().flatten().max();
                (finished || checked) && latest.is_none_or(|at| at.as_str() < cutoff)
            }
        };
        memo.insert(id.to_string(), verified);
        Ok(verified)
    }

    /// Whether a triage item was dealt with before `cutoff`: closed, or
    /// made into or filed with a registration verified by then.
    async fn triage_settled(
        &self,
        id: &str,
        cutoff: &str,
        memo: &mut BTreeMap<String, bool>,
    ) -> Result<bool, StoreError> {
        let row: Option<(String, Option<String>, Option<String>)> = sqlx::query_as(
            "SELECT status, registration_id, handled_at FROM triage_items WHERE id = $1",
        )
        .bind(id)
        .fetch_optional(&self.reader)
        .await?;
        Ok(match row {
            None => true,
            Some((status, _, _)) if status == "open" => false,
            Some((_, Some(registration), _)) => {
                self.verified_before(&registration, cutoff, memo).await?
            }
            Some((_, None, handled)) => handled.is_none_or(|at| at.as_str() < cutoff),
        })
    }

    /// Removes the originals' and page images' rows of scans whose files
    /// are gone already (see [`Store::scans_released_before`]).
    pub async fn forget_scans(
        &self,
        due: &ScansDue,
        now: OffsetDateTime,
    ) -> Result<(), StoreError> {
        let mut tx = self.begin_write().await?;
        for (file, page, _) in &due.page_images {
            sqlx::query("UPDATE scan_pages SET image_path = NULL WHERE file_id = $1 AND page = $2")
                .bind(file.to_string())
                .bind(*page)
                .execute(&mut *tx)
                .await?;
        }
        for original in &due.originals {
            plan::mark_removed(&mut tx, &original.sha256, now).await?;
        }
        tx.commit().await?;
        Ok(())
    }

    /// Triage items closed before `cutoff`.
    pub async fn triage_closed_before(
        &self,
        cutoff: OffsetDateTime,
    ) -> Result<Vec<TriageDue>, StoreError> {
        let items: Vec<(String,)> = sqlx::query_as(
            "SELECT id FROM triage_items WHERE status = 'closed' AND handled_at < $1 ORDER BY id",
        )
        .bind(timestamp(cutoff))
        .fetch_all(&self.reader)
        .await?;
        let mut due = Vec::new();
        for (id,) in items {
            let pages: Vec<(String, i64, Option<String>)> = sqlx::query_as(
                "SELECT file_id, page, image_path FROM scan_pages WHERE triage_id = $1",
            )
            .bind(&id)
            .fetch_all(&self.reader)
            .await?;
            let mut page_images = Vec::new();
            for (file, page, image) in pages {
                if let Some(image) = image {
                    page_images.push((parse_id(&file)?, page, image));
                }
            }
            due.push(TriageDue {
                id: parse_id(&id)?,
                page_images,
            });
        }
        Ok(due)
    }

    /// Removes closed triage items (their images gone already): the item
    /// with its text and note; its pages stay as pages of their file.
    pub async fn remove_triage(&self, items: &[TriageDue]) -> Result<u64, StoreError> {
        let mut tx = self.begin_write().await?;
        let mut removed = 0;
        for item in items {
            sqlx::query(
                "UPDATE scan_pages SET triage_id = NULL, image_path = NULL WHERE triage_id = $1",
            )
            .bind(item.id.to_string())
            .execute(&mut *tx)
            .await?;
            removed += sqlx::query("DELETE FROM triage_items WHERE id = $1")
                .bind(item.id.to_string())
                .execute(&mut *tx)
                .await?
                .rows_affected();
        }
        tx.commit().await?;
        Ok(removed)
    }

    /// The references whose status links were made before `cutoff`.
    pub async fn status_links_before(
        &self,
        cutoff: OffsetDateTime,
    ) -> Result<Vec<String>, StoreError> {
        let rows: Vec<(String,)> = sqlx::query_as(
            "SELECT r.reference FROM status_links s JOIN registrations r \
             ON r.id = s.registration_id WHERE s.created_at < $1 ORDER BY r.reference",
        )
        .bind(timestamp(cutoff))
        .fetch_all(&self.reader)
        .await?;
        Ok(rows.into_iter().map(|(r,)| r).collect())
    }

    pub async fn remove_status_links_before(
        &self,
        cutoff: OffsetDateTime,
    ) -> Result<u64, StoreError> {
        let mut tx = self.begin_write().await?;
        let done = sqlx::query("DELETE FROM status_links WHERE created_at < $1")
            .bind(timestamp(cutoff))
            .execute(&mut *tx)
            .await?;
        tx.commit().await?;
        Ok(done.rows_affected())
    }

    /// Removes the rows of registrations past their time (files gone
    /// already), without an audit entry of its own: the run writes one.
    pub async fn remove_registrations(
        &self,
        plan: &ErasurePlan,
        now: OffsetDateTime,
    ) -> Result<Removed, StoreError> {
        let mut tx = self.begin_write().await?;
        let removed = plan::remove_rows(&mut tx, plan, now).await?;
        tx.commit().await?;
        Ok(removed)
    }

    /// The audit entry of a retention run: the rules and their counts.
    pub async fn audit_retention(
        &self,
        action: AuditAction,
        detail: &str,
        now: OffsetDateTime,
    ) -> Result<(), StoreError> {
        let mut conn = self.writer.acquire().await?;
        audit::record(&mut conn, now, None, None, action, detail).await
    }
}
