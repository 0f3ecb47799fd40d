//! Deleting personal data from the database: one person on request (the
//! GDPR's erasure), and what the retention rules find past its time. The
//! files (originals, page images) are named in a plan first, deleted by the
//! caller through `Blobs`, and only then are the rows removed, so a run
//! that stops half-way is simply run again.

mod plan;
pub mod retention;
mod subject;

use std::collections::BTreeSet;

use time::OffsetDateTime;
use uuid::Uuid;

use super::audit::{self, AuditAction};
use super::{Backend, Store, StoreError};

pub use plan::{ErasurePlan, FileToRemove};
pub use subject::SubjectData;

/// How an operator names the person to erase or export.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PersonKey {
    /// A registration's reference (the receipt's); the person is everyone
    /// registered with its identity code, and what was folded together.
    Reference(String),
    /// The henkilötunnus, as stored (upper case).
    Hetu(String),
}

/// What an erasure or a purge of registrations removed, for the audit and
/// the operator: counts only.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Removed {
    pub registrations: u64,
    pub triage_items: u64,
    pub pages: u64,
    pub files: u64,
    pub originals: u64,
}

impl Store {
    /// The plan to erase one person: their registrations (found by the key,
    /// every registration with one of their identity codes, and whatever
    /// is folded together with those), triage items filed with them or
    /// whose text holds their code, and the files holding their pages.
    /// Empty when the key finds no one.
    pub async fn erasure_plan(&self, key: &PersonKey) -> Result<ErasurePlan, StoreError> {
        let registrations = self.person_registrations(key).await?;
        let hetus = self.hetus_of(&registrations).await?;
        plan::make(&self.reader, registrations, &hetus).await
    }

    /// Removes the rows the plan names, in one transaction, and audits that
    /// an erasure happened, by whom, with counts and nothing of the
    /// person. Files must be gone already (see the module).
    pub async fn erase(
        &self,
        plan: &ErasurePlan,
        action: AuditAction,
        detail: &str,
        now: OffsetDateTime,
    ) -> Result<Removed, StoreError> {
        let mut tx = self.begin_write().await?;
        let removed = plan::remove_rows(&mut tx, plan, now).await?;
        audit::record(&mut tx, now, None, None, action, detail).await?;
        tx.commit().await?;
        Ok(removed)
    }

    /// SQLite keeps deleted bytes in free pages and in the write-ahead log
    /// until they are overwritten. Every connection deletes with
    /// `secure_delete` (zeros), but rows changed before that was set may
    /// have left copies in free space: `VACUUM` rewrites the file from the
    /// live rows only, and the checkpoint moves the log into it and
    /// truncates the log to nothing. PostgreSQL: the rows are gone from
    /// every query; reclaiming their space is `VACUUM`'s, the operator's.
    pub async fn scrub_deleted(&self) -> Result<(), StoreError> {
        if self.backend != Backend::Sqlite {
            return Ok(());
        }
        let mut conn = self.writer.acquire().await?;
        sqlx::query("VACUUM").execute(&mut *conn).await?;
        // A reader of another process may hold an old snapshot for a moment:
        // the checkpoint then cannot reset the log, so it is tried again.
        for _ in 0..50 {
            let (busy,): (i64,) = sqlx::query_as("PRAGMA wal_checkpoint(TRUNCATE)")
                .fetch_one(&mut *conn)
                .await?;
            if busy == 0 {
                return Ok(());
            }
            tokio::time::sleep(std::time::Duration::from_millis(200)).await;
        }
        Err(StoreError::Corrupt(
            "the write-ahead log could not be emptied (another process keeps reading); run the erasure again".into(),
        ))
    }

    async fn person_registrations(&self, key: &PersonKey) -> Result<BTreeSet<Uuid>, StoreError> {
        let mut found: BTreeSet<Uuid> = match key {
            PersonKey::Reference(reference) => self
                .read_all(
                    "SELECT id FROM registrations WHERE reference = $1",
                    reference,
                    |row| super::id_column(row, "id"),
                )
                .await?
                .into_iter()
                .collect(),
            PersonKey::Hetu(hetu) => self.with_hetu(hetu).await?,
        };
        // Their identity codes and what was folded together, until nothing
        // new turns up.
        loop {
            let before = found.len();
            for hetu in self.hetus_of(&found).await? {
                found.extend(self.with_hetu(&hetu).await?);
            }
            for id in found.clone() {
                let linked = sqlx::query_as::<_, (String,)>(
                    "SELECT id FROM registrations WHERE duplicate_of = $1 \
                     UNION SELECT duplicate_of FROM registrations \
                     WHERE id = $1 AND duplicate_of IS NOT NULL",
                )
                .bind(id.to_string())
                .fetch_all(&self.reader)
                .await?;
                for (other,) in linked {
                    found.insert(super::parse_id(&other)?);
                }
            }
            if found.len() == before {
                return Ok(found);
            }
        }
    }

    async fn with_hetu(&self, hetu: &str) -> Result<BTreeSet<Uuid>, StoreError> {
        Ok(self
            .read_all(
                "SELECT id FROM registrations WHERE hetu = $1",
                hetu,
                |row| super::id_column(row, "id"),
            )
            .await?
            .into_iter()
            .collect())
    }

    async fn hetus_of(
        &self,
        registrations: &BTreeSet<Uuid>,
    ) -> Result<BTreeSet<String>, StoreError> {
        let mut hetus = BTreeSet::new();
        for id in registrations {
            let hetu: Option<(Option<String>,)> =
                sqlx::query_as("SELECT hetu FROM registrations WHERE id = $1")
                    .bind(id.to_string())
                    .fetch_optional(&self.reader)
                    .await?;
            if let Some((Some(hetu),)) = hetu {
                hetus.insert(hetu);
            }
        }
        Ok(hetus)
    }
}
