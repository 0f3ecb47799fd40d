//! What erasing a set of registrations touches: the rows, and the files
//! to delete before them. A scan file whose every page (blank backs aside)
//! is theirs goes whole. A file that also holds other people's pages (a
//! pile scanned as one PDF) loses only their pages' rows and images; its
//! original is deleted too, because it holds their pages: the others keep
//! their records and page images, but that file can no longer be read
//! again.

use std::collections::{BTreeMap, BTreeSet};

use sqlx::{Any, AnyPool, Transaction};
use time::OffsetDateTime;
use uuid::Uuid;

use super::Removed;
use crate::store::{StoreError, parse_id, timestamp};

/// An original to delete, as stored.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FileToRemove {
    pub sha256: String,
    /// Relative to the data folder.
    pub path: String,
    pub size: u64,
}

#[derive(Debug, Clone, Default)]
pub struct ErasurePlan {
    pub registrations: BTreeSet<Uuid>,
    pub triage_items: BTreeSet<Uuid>,
    /// Their pages, (file, page), in whatever file.
    pub pages: BTreeSet<(Uuid, i64)>,
    /// Files whose pages are all theirs, and duplicates of those: the rows
    /// go.
    pub whole_files: BTreeSet<Uuid>,
    /// Files that also hold other people's pages: the rows stay.
    pub shared_files: BTreeSet<Uuid>,
    /// The originals of both kinds of file, not yet deleted.
    pub originals: Vec<FileToRemove>,
    /// Their pages' images, and every image of a whole file.
    pub page_images: Vec<String>,
}

impl ErasurePlan {
    pub fn is_empty(&self) -> bool {
        self.registrations.is_empty() && self.triage_items.is_empty()
    }
}

type PageRow = (i64, String, Option<String>, Option<String>, Option<String>);

pub(super) async fn make(
    reader: &AnyPool,
    registrations: BTreeSet<Uuid>,
    hetus: &BTreeSet<String>,
) -> Result<ErasurePlan, StoreError> {
    let mut plan = ErasurePlan {
        registrations,
        ..ErasurePlan::default()
    };
    for id in &plan.registrations {
        for (item,) in
            sqlx::query_as::<_, (String,)>("SELECT id FROM triage_items WHERE registration_id = $1")
                .bind(id.to_string())
                .fetch_all(reader)
                .await?
        {
            plan.triage_items.insert(parse_id(&item)?);
        }
    }
    // A letter that names their code is theirs too, filed or not.
    for hetu in hetus {
        for (item,) in
            sqlx::query_as::<_, (String,)>("SELECT id FROM triage_items WHERE UPPER(text) LIKE $1")
                .bind(format!("%{hetu}%"))
                .fetch_all(reader)
                .await?
        {
            plan.triage_items.insert(parse_id(&item)?);
        }
    }
    let mut touched = BTreeSet::new();
    for (column, ids) in [
        ("registration_id", &plan.registrations),
        ("triage_id", &plan.triage_items),
    ] {
        for id in ids {
            let files: Vec<(String,)> = sqlx::query_as(&format!(
                "SELECT DISTINCT file_id FROM scan_pages WHERE {column} = $1"
            ))
            .bind(id.to_string())
            .fetch_all(reader)
            .await?;
            for (file,) in files {
                touched.insert(parse_id(&file)?);
            }
        }
    }
    let mut originals = BTreeMap::new();
    for file in touched {
        let pages: Vec<PageRow> = sqlx::query_as(
            "SELECT page, outcome, registration_id, triage_id, image_path FROM scan_pages \
             WHERE file_id = $1",
        )
        .bind(file.to_string())
        .fetch_all(reader)
        .await?;
        let theirs = |(_, _, registration, triage, _): &PageRow| {
            let is = |id: &Option<String>, set: &BTreeSet<Uuid>| {
                id.as_deref()
                    .and_then(|id| Uuid::parse_str(id).ok())
                    .is_some_and(|id| set.contains(&id))
            };
            is(registration, &plan.registrations) || is(triage, &plan.triage_items)
        };
        let whole = pages.iter().all(|page| page.1 == "blank" || theirs(page));
        for page in &pages {
            if theirs(page) {
                plan.pages.insert((file, page.0));
            }
            if whole || theirs(page) {
                plan.page_images.extend(page.4.clone());
            }
        }
        let (sha256, path, size, removed): (String, String, i64, Option<String>) = sqlx::query_as(
            "SELECT o.sha256, o.path, o.size, o.removed_at FROM scan_files f \
             JOIN scan_originals o ON o.sha256 = f.sha256 WHERE f.id = $1",
        )
        .bind(file.to_string())
        .fetch_one(reader)
        .await?;
        if whole {
            plan.whole_files.insert(file);
            let copies: Vec<(String,)> = sqlx::query_as(
                "SELECT id FROM scan_files WHERE sha256 = $1 AND state = 'duplicate'",
            )
            .bind(&sha256)
            .fetch_all(reader)
            .await?;
            for (copy,) in copies {
                plan.whole_files.insert(parse_id(&copy)?);
            }
        } else {
            plan.shared_files.insert(file);
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
    plan.originals = originals.into_values().collect();
    Ok(plan)
}

/// Deletes the plan's rows. The audit log keeps its entries (who did what,
/// when) without the registration they named or their detail.
pub(super) async fn remove_rows(
    tx: &mut Transaction<'static, Any>,
    plan: &ErasurePlan,
    now: OffsetDateTime,
) -> Result<Removed, StoreError> {
    let mut removed = Removed::default();
    for id in &plan.registrations {
        let id = id.to_string();
        sqlx::query(
            "UPDATE audit_log SET registration_id = NULL, detail = '' WHERE registration_id = $1",
        )
        .bind(&id)
        .execute(&mut **tx)
        .await?;
        for sql in [
            "DELETE FROM call_attempts WHERE registration_id = $1",
            "DELETE FROM field_corrections WHERE registration_id = $1",
            "DELETE FROM status_links WHERE registration_id = $1",
            "DELETE FROM callbacks WHERE registration_id = $1",
            "DELETE FROM letter_batch_letters WHERE registration_id = $1",
            "UPDATE scan_pages SET copy_of = NULL WHERE copy_of = $1",
        ] {
            sqlx::query(sql).bind(&id).execute(&mut **tx).await?;
        }
    }
    for (file, page) in &plan.pages {
        removed.pages += sqlx::query("DELETE FROM scan_pages WHERE file_id = $1 AND page = $2")
            .bind(file.to_string())
            .bind(*page)
            .execute(&mut **tx)
            .await?
            .rows_affected();
    }
    for file in &plan.whole_files {
        for sql in [
            "DELETE FROM scan_pages WHERE file_id = $1",
            "DELETE FROM jobs WHERE file_id = $1",
        ] {
            sqlx::query(sql)
                .bind(file.to_string())
                .execute(&mut **tx)
                .await?;
        }
    }
    for item in &plan.triage_items {
        sqlx::query("UPDATE audit_log SET detail = '' WHERE detail = $1")
            .bind(format!("triage {item}"))
            .execute(&mut **tx)
            .await?;
        removed.triage_items += sqlx::query("DELETE FROM triage_items WHERE id = $1")
            .bind(item.to_string())
            .execute(&mut **tx)
            .await?
            .rows_affected();
    }
    for id in &plan.registrations {
        sqlx::query("UPDATE registrations SET duplicate_of = NULL WHERE duplicate_of = $1")
            .bind(id.to_string())
            .execute(&mut **tx)
            .await?;
    }
    for id in &plan.registrations {
        removed.registrations += sqlx::query("DELETE FROM registrations WHERE id = $1")
            .bind(id.to_string())
            .execute(&mut **tx)
            .await?
            .rows_affected();
    }
    // Copies first: they name the file they copy.
    for file in &plan.whole_files {
        sqlx::query("DELETE FROM scan_files WHERE duplicate_of = $1")
            .bind(file.to_string())
            .execute(&mut **tx)
            .await?;
    }
    for file in &plan.whole_files {
        removed.files += sqlx::query("DELETE FROM scan_files WHERE id = $1")
            .bind(file.to_string())
            .execute(&mut **tx)
            .await?
            .rows_affected();
    }
    for original in &plan.originals {
        mark_removed(tx, &original.sha256, now).await?;
        removed.originals += 1;
    }
    Ok(removed)
}

/// An original whose bytes are gone: its row goes when no file names it,
/// otherwise it says when they went.
pub(crate) async fn mark_removed(
    tx: &mut Transaction<'static, Any>,
    sha256: &str,
    now: OffsetDateTime,
) -> Result<(), StoreError> {
    let (named,): (i64,) = sqlx::query_as("SELECT COUNT(*) FROM scan_files WHERE sha256 = $1")
        .bind(sha256)
        .fetch_one(&mut **tx)
        .await?;
    let sql = if named == 0 {
        "DELETE FROM scan_originals WHERE sha256 = $1"
    } else {
        "UPDATE scan_originals SET removed_at = $2 WHERE sha256 = $1"
    };
    let mut query = sqlx::query(sql).bind(sha256);
    if named > 0 {
        query = query.bind(timestamp(now));
    }
    query.execute(&mut **tx).await?;
    Ok(())
}
