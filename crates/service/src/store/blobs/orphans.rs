//! Blobs no row names (the retention run's orphan sweep): an original whose
//! file row was never written (a crash between the two, see
//! `OriginalWriter`), a page image whose page row was not. Found by the
//! keys, which say which rows could name them: `originals/ab/<sha256>` is
//! named by `scan_originals` (its primary key), `pages/<file>/0001.jpg` by
//! `scan_pages` (its primary key starts with the file).

use std::collections::BTreeSet;

use sqlx::Row;
use time::OffsetDateTime;

use super::DatabaseBlobs;
use crate::store::{Store, StoreError, timestamp};

/// Keys looked up in one query.
const KEYS_AT_ONCE: usize = 500;

/// Which rows could name a key, from its shape; `None` for a key that is
/// neither an original nor a page image.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BlobKind {
    Original,
    PageImage,
}

impl BlobKind {
    /// `originals/ab/<64 hex digits>` or `pages/<uuid>/<4 digits>.jpg`.
    pub fn of(key: &str) -> Option<BlobKind> {
        let parts: Vec<&str> = key.split('/').collect();
        match parts.as_slice() {
            ["originals", folder, sha256]
                if sha256.len() == 64
                    && sha256.bytes().all(|b| b.is_ascii_hexdigit())
                    && sha256.starts_with(folder) =>
            {
                Some(BlobKind::Original)
            }
            ["pages", file, image]
                if uuid::Uuid::parse_str(file).is_ok()
                    && image
                        .strip_suffix(".jpg")
                        .is_some_and(|n| n.len() >= 4 && n.bytes().all(|b| b.is_ascii_digit())) =>
            {
                Some(BlobKind::PageImage)
            }
            _ => None,
        }
    }
}

impl Store {
    /// Those of `keys` that a row names: an original not removed by
    /// retention or erasure, a page image of a page. A few indexed queries
    /// for any number of keys.
    pub async fn named_blob_keys(&self, keys: &[String]) -> Result<BTreeSet<String>, StoreError> {
        let mut originals = BTreeSet::new();
        let mut files = BTreeSet::new();
        for key in keys {
            match BlobKind::of(key) {
                Some(BlobKind::Original) => {
                    originals.insert(key.rsplit('/').next().unwrap_or_default().to_string());
                }
                Some(BlobKind::PageImage) => {
                    files.insert(key.split('/').nth(1).unwrap_or_default().to_string());
                }
                None => {}
            }
        }
        let mut named = BTreeSet::new();
        let lookups = [
            (
                "SELECT path AS key FROM scan_originals WHERE removed_at IS NULL AND sha256 IN",
                originals,
            ),
            (
                "SELECT image_path AS key FROM scan_pages WHERE image_path IS NOT NULL AND file_id IN",
                files,
            ),
        ];
        for (select, ids) in lookups {
            let ids: Vec<String> = ids.into_iter().collect();
            for part in ids.chunks(KEYS_AT_ONCE) {
                let list: Vec<String> = (1..=part.len()).map(|n| format!("${n}")).collect();
                let sql = format!("{select} ({})", list.join(", "));
                let mut query = sqlx::query(&sql);
                for id in part {
                    query = query.bind(id);
                }
                for row in query.fetch_all(&self.reader).await? {
                    named.insert(row.try_get::<String, _>("key")?);
                }
            }
        }
        let asked: BTreeSet<&str> = keys.iter().map(String::as_str).collect();
        named.retain(|key| asked.contains(key.as_str()));
        Ok(named)
    }
}

/// The blobs of the table that are past `older_than` and that no row
/// names: one anti-join, each blob looked up by the primary key of the
/// rows that could name it.
const ORPHANS: &str = "FROM blobs b WHERE b.stored_at < $1 \
     AND (b.key LIKE 'originals/%' OR b.key LIKE 'pages/%') \
     AND NOT EXISTS (SELECT 1 FROM scan_originals o \
         WHERE o.sha256 = split_part(b.key, '/', 3) AND o.path = b.key AND o.removed_at IS NULL) \
     AND NOT EXISTS (SELECT 1 FROM scan_pages p \
         WHERE p.file_id = split_part(b.key, '/', 2) AND p.image_path = b.key)";

impl DatabaseBlobs {
    /// The keys of blobs stored before `older_than` that no row names,
    /// removed (with their chunks) unless `dry_run`. A blob stored again
    /// meanwhile has a new `stored_at` (see `DatabaseBlobWriter::finish`):
    /// the delete checks the time again on the row as it is then, so a
    /// blob whose row is being written is kept.
    pub async fn sweep_orphans(
        &self,
        older_than: OffsetDateTime,
        dry_run: bool,
    ) -> Result<Vec<String>, StoreError> {
        let sql = if dry_run {
            format!("SELECT b.key {ORPHANS} ORDER BY b.key")
        } else {
            format!(
                "WITH gone AS (DELETE {ORPHANS} RETURNING b.key, b.content_id), \
                 chunks AS (DELETE FROM blob_chunks c USING gone g WHERE c.content_id = g.content_id) \
                 SELECT key FROM gone ORDER BY key"
            )
        };
        let rows = sqlx::query(&sql)
            .bind(timestamp(older_than))
            .fetch_all(&self.pool)
            .await?;
        rows.iter()
            .map(|row| Ok(row.try_get::<String, _>("key")?))
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::super::tests::{dropped, postgres_store};
    use super::super::{BlobName, StoredBlob};
    use super::*;

    async fn stored(blobs: &DatabaseBlobs, bytes: &[u8]) -> StoredBlob {
        let mut writer = blobs.writer().await.unwrap();
        writer.write(bytes).await.unwrap();
        writer.finish(BlobName::Original).await.unwrap()
    }

    async fn chunks(store: &Store) -> i64 {
        sqlx::query_scalar("SELECT COUNT(*) FROM blob_chunks")
            .fetch_one(&store.reader)
            .await
            .unwrap()
    }

    /// On PostgreSQL only: runs when `INTAKE_TEST_POSTGRES_URL` is set.
    #[tokio::test]
    async fn an_old_orphan_goes_unless_stored_again_or_named() {
        let Some((store, server, schema)) = postgres_store().await else {
            return;
        };
        let blobs = store.database_blobs().unwrap();
        let orphan = stored(&blobs, b"%PDF-1.4 an orphan").await;
        let again = stored(&blobs, b"%PDF-1.4 stored again").await;
        let named = stored(&blobs, b"%PDF-1.4 named by a row").await;
        sqlx::query(
            "INSERT INTO scan_originals (sha256, size, path, created_at) VALUES ($1, $2, $3, $4)",
        )
        .bind(&named.sha256)
        .bind(named.size as i64)
        .bind(&named.key)
        .bind(timestamp(OffsetDateTime::now_utc()))
        .execute(&store.writer)
        .await
        .unwrap();
        sqlx::query("UPDATE blobs SET stored_at = '2000-01-01T00:00:00.000000Z'")
            .execute(&store.writer)
            .await
            .unwrap();
        // The same bytes handed in again: the copy stands, young again.
        assert_eq!(stored(&blobs, b"%PDF-1.4 stored again").await, again);
        assert_eq!(
            chunks(&store).await,
            3,
            "the second copy's chunks are dropped"
        );

        let day_ago = OffsetDateTime::now_utc() - time::Duration::days(1);
        let listed = blobs.sweep_orphans(day_ago, true).await.unwrap();
        assert_eq!(listed, [orphan.key.as_str()]);
        assert!(
            blobs.open(&orphan.key).await.unwrap().is_some(),
            "a dry run"
        );
        let removed = blobs.sweep_orphans(day_ago, false).await.unwrap();
        assert_eq!(removed, [orphan.key.as_str()]);
        assert!(blobs.open(&orphan.key).await.unwrap().is_none());
        assert!(blobs.open(&again.key).await.unwrap().is_some());
        assert!(blobs.open(&named.key).await.unwrap().is_some());
        assert_eq!(chunks(&store).await, 2, "its chunks went with it");

        // Its bytes removed by retention: the row no longer names them.
        sqlx::query("UPDATE scan_originals SET removed_at = $1")
            .bind(timestamp(OffsetDateTime::now_utc()))
            .execute(&store.writer)
            .await
            .unwrap();
        let removed = blobs.sweep_orphans(day_ago, false).await.unwrap();
        assert_eq!(removed, [named.key.as_str()]);
        dropped(store, server, schema).await;
    }

    #[test]
    fn keys_say_which_rows_could_name_them() {
        let sha = "ab".to_string() + &"0".repeat(62);
        assert_eq!(
            BlobKind::of(&format!("originals/ab/{sha}")),
            Some(BlobKind::Original)
        );
        assert_eq!(BlobKind::of(&format!("originals/cd/{sha}")), None);
        assert_eq!(BlobKind::of("originals/incoming/x.part"), None);
        let file = uuid::Uuid::new_v4();
        assert_eq!(
            BlobKind::of(&format!("pages/{file}/0001.jpg")),
            Some(BlobKind::PageImage)
        );
        assert_eq!(BlobKind::of(&format!("pages/{file}/notes.txt")), None);
        assert_eq!(BlobKind::of("pages/not-a-file/0001.jpg"), None);
    }
}
