//! Originals and page images in PostgreSQL (`blobs = "database"`, issue 17):
//! every node reads what any node stored, and `pg_dump` backs them up with
//! the rows. A blob is written as rows of [`CHUNK_BYTES`] inside one
//! transaction and read back a chunk at a time, so no file is ever whole in
//! memory.

use sha2::{Digest, Sha256};
use sqlx::{Any, AnyPool, Row, Transaction};
use time::OffsetDateTime;
use uuid::Uuid;

use super::{Backend, Store, StoreError, timestamp};

mod orphans;

pub use orphans::BlobKind;

/// The size of a stored chunk: large enough that a row's overhead does not
/// count, small enough that a few writers and readers at once hold little.
pub const CHUNK_BYTES: usize = 256 * 1024;

/// The blob table of a PostgreSQL database. Cheap to clone.
#[derive(Clone)]
pub struct DatabaseBlobs {
    pool: AnyPool,
}

/// What is known of a stored blob without reading it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BlobInfo {
    pub size: u64,
    pub sha256: String,
}

/// How a finished blob is named.
pub enum BlobName<'a> {
    /// By its content: `originals/ab/<sha256>`. The same bytes stored
    /// before are kept as they were.
    Original,
    /// By a key chosen first (a page image): what was stored under it is
    /// replaced.
    Key(&'a str),
}

/// The key of an original, from its content hash.
pub fn original_key(sha256: &str) -> String {
    format!("originals/{}/{sha256}", &sha256[..2])
}

impl Store {
    /// The database's blob table; `None` on SQLite, whose sites keep files
    /// in the data folder.
    pub fn database_blobs(&self) -> Option<DatabaseBlobs> {
        (self.backend == Backend::Postgres).then(|| DatabaseBlobs {
            pool: self.writer.clone(),
        })
    }
}

impl DatabaseBlobs {
    /// A blob being written. Its chunks go into a transaction of their own
    /// that `finish` commits: a writer dropped unfinished (an upload broken
    /// off, a process killed) leaves nothing behind.
    pub async fn writer(&self) -> Result<DatabaseBlobWriter, StoreError> {
        Ok(DatabaseBlobWriter {
            transaction: self.pool.begin().await?,
            content_id: Uuid::new_v4().to_string(),
            buffer: Vec::with_capacity(CHUNK_BYTES),
            chunks: 0,
            hasher: Sha256::new(),
            size: 0,
        })
    }

    pub async fn info(&self, key: &str) -> Result<Option<BlobInfo>, StoreError> {
        let row = sqlx::query("SELECT size, sha256 FROM blobs WHERE key = $1")
            .bind(key)
            .fetch_optional(&self.pool)
            .await?;
        row.map(|row| {
            Ok(BlobInfo {
                size: row.try_get::<i64, _>("size")? as u64,
                sha256: row.try_get("sha256")?,
            })
        })
        .transpose()
    }

    /// Reads a blob chunk by chunk; `None` when there is none by that key.
    /// The reading sees one snapshot: a blob removed or replaced meanwhile
    /// (`intake blobs migrate`, retention) is still read whole.
    pub async fn open(&self, key: &str) -> Result<Option<DatabaseBlobReader>, StoreError> {
        let mut transaction = self
            .pool
            .begin_with("BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY")
            .await?;
        let row = sqlx::query("SELECT content_id, size FROM blobs WHERE key = $1")
            .bind(key)
            .fetch_optional(&mut *transaction)
            .await?;
        let Some(row) = row else {
            transaction.rollback().await?;
            return Ok(None);
        };
        Ok(Some(DatabaseBlobReader {
            transaction: Some(transaction),
            key: key.to_string(),
            content_id: row.try_get("content_id")?,
            size: row.try_get::<i64, _>("size")? as u64,
            read: 0,
            next: 0,
        }))
    }

    /// Removes a blob; `false` when there was none. Its row and chunks go
    /// together.
    pub async fn remove(&self, key: &str) -> Result<bool, StoreError> {
        let mut transaction = self.pool.begin().await?;
        let removed = remove_in(&mut transaction, key).await?;
        transaction.commit().await?;
        Ok(removed)
    }

    /// Every key stored, in order (for `intake blobs migrate` and tests).
    pub async fn keys(&self) -> Result<Vec<String>, StoreError> {
        let rows = sqlx::query("SELECT key FROM blobs ORDER BY key")
            .fetch_all(&self.pool)
            .await?;
        Ok(rows
            .iter()
            .map(|r| r.try_get("key"))
            .collect::<Result<_, _>>()?)
    }
}

async fn remove_in(
    transaction: &mut Transaction<'static, Any>,
    key: &str,
) -> Result<bool, StoreError> {
    let row = sqlx::query("DELETE FROM blobs WHERE key = $1 RETURNING content_id")
        .bind(key)
        .fetch_optional(&mut **transaction)
        .await?;
    let Some(row) = row else { return Ok(false) };
    let content_id: String = row.try_get("content_id")?;
    sqlx::query("DELETE FROM blob_chunks WHERE content_id = $1")
        .bind(content_id)
        .execute(&mut **transaction)
        .await?;
    Ok(true)
}

/// A blob being written: hashed as it goes, a chunk inserted whenever one
/// is full.
pub struct DatabaseBlobWriter {
    transaction: Transaction<'static, Any>,
    content_id: String,
    buffer: Vec<u8>,
    chunks: i64,
    hasher: Sha256,
    size: u64,
}

/// A blob once stored.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoredBlob {
    pub key: String,
    pub sha256: String,
    pub size: u64,
}

impl DatabaseBlobWriter {
    pub async fn write(&mut self, mut bytes: &[u8]) -> Result<(), StoreError> {
        self.hasher.update(bytes);
        self.size += bytes.len() as u64;
        while !bytes.is_empty() {
            let room = CHUNK_BYTES - self.buffer.len();
            let (now, later) = bytes.split_at(room.min(bytes.len()));
            self.buffer.extend_from_slice(now);
            bytes = later;
            if self.buffer.len() == CHUNK_BYTES {
                self.insert_chunk().await?;
            }
        }
        Ok(())
    }

    pub fn size(&self) -> u64 {
        self.size
    }

    async fn insert_chunk(&mut self) -> Result<(), StoreError> {
        let bytes = std::mem::replace(&mut self.buffer, Vec::with_capacity(CHUNK_BYTES));
        sqlx::query("INSERT INTO blob_chunks (content_id, chunk, bytes) VALUES ($1, $2, $3)")
            .bind(&self.content_id)
            .bind(self.chunks)
            .bind(bytes)
            .execute(&mut *self.transaction)
            .await?;
        self.chunks += 1;
        Ok(())
    }

    /// Names the blob and commits it with its chunks: once this returns,
    /// the bytes are durable and every node can read them.
    pub async fn finish(mut self, name: BlobName<'_>) -> Result<StoredBlob, StoreError> {
        if !self.buffer.is_empty() {
            self.insert_chunk().await?;
        }
        let sha256 = format!("{:x}", std::mem::take(&mut self.hasher).finalize());
        let key = match name {
            BlobName::Original => original_key(&sha256),
            BlobName::Key(key) => {
                remove_in(&mut self.transaction, key).await?;
                key.to_string()
            }
        };
        // Another upload of the same bytes may have committed meanwhile (or
        // be about to: the insert waits for it): then its copy stands, with
        // this moment as its `stored_at`, so the orphan sweep (which takes
        // only blobs stored a day before and named by no row) cannot take
        // it before the caller writes the row that names it.
        let row = sqlx::query(
            "INSERT INTO blobs (key, content_id, size, sha256, stored_at) \
             VALUES ($1, $2, $3, $4, $5) \
             ON CONFLICT (key) DO UPDATE SET stored_at = EXCLUDED.stored_at \
             RETURNING content_id",
        )
        .bind(&key)
        .bind(&self.content_id)
        .bind(self.size as i64)
        .bind(&sha256)
        .bind(timestamp(OffsetDateTime::now_utc()))
        .fetch_one(&mut *self.transaction)
        .await?;
        let kept: String = row.try_get("content_id")?;
        if kept != self.content_id {
            sqlx::query("DELETE FROM blob_chunks WHERE content_id = $1")
                .bind(&self.content_id)
                .execute(&mut *self.transaction)
                .await?;
        }
        self.transaction.commit().await?;
        Ok(StoredBlob {
            key,
            sha256,
            size: self.size,
        })
    }
}

/// A stored blob read a chunk at a time, in one snapshot.
pub struct DatabaseBlobReader {
    /// `None` once the last chunk is read.
    transaction: Option<Transaction<'static, Any>>,
    key: String,
    content_id: String,
    size: u64,
    read: u64,
    next: i64,
}

impl DatabaseBlobReader {
    pub fn size(&self) -> u64 {
        self.size
    }

    /// The next chunk; `None` at the end. A chunk missing before the size
    /// is reached is an error, never a short blob.
    pub async fn next_chunk(&mut self) -> Result<Option<Vec<u8>>, StoreError> {
        let Some(transaction) = self.transaction.as_mut() else {
            return Ok(None);
        };
        if self.read >= self.size {
            if let Some(transaction) = self.transaction.take() {
                transaction.commit().await?;
            }
            return Ok(None);
        }
        let row = sqlx::query("SELECT bytes FROM blob_chunks WHERE content_id = $1 AND chunk = $2")
            .bind(&self.content_id)
            .bind(self.next)
            .fetch_optional(&mut **transaction)
            .await?;
        let Some(row) = row else {
            return Err(StoreError::Corrupt(format!(
                "the blob {} stops at {} of its {} bytes",
                self.key, self.read, self.size
            )));
        };
        let bytes: Vec<u8> = row.try_get("bytes")?;
        self.read += bytes.len() as u64;
        self.next += 1;
        Ok(Some(bytes))
    }
}

/// A blob the rows name, for `intake blobs migrate`.
#[derive(Debug, Clone)]
pub struct ReferencedBlob {
    pub key: String,
    /// Originals are named by their hash; page images are checked against
    /// the hash of the copy they are moved from.
    pub sha256: Option<String>,
}

impl Store {
    /// Every blob a row names: the originals not yet removed by retention
    /// or erasure, and the page images.
    pub async fn referenced_blobs(&self) -> Result<Vec<ReferencedBlob>, StoreError> {
        let originals = sqlx::query(
            "SELECT path, sha256 FROM scan_originals WHERE removed_at IS NULL ORDER BY path",
        )
        .fetch_all(&self.reader)
        .await?;
        let pages = sqlx::query(
            "SELECT DISTINCT image_path FROM scan_pages WHERE image_path IS NOT NULL ORDER BY image_path",
        )
        .fetch_all(&self.reader)
        .await?;
        let mut blobs = Vec::with_capacity(originals.len() + pages.len());
        for row in originals {
            blobs.push(ReferencedBlob {
                key: row.try_get("path")?,
                sha256: Some(row.try_get("sha256")?),
            });
        }
        for row in pages {
            blobs.push(ReferencedBlob {
                key: row.try_get("image_path")?,
                sha256: None,
            });
        }
        Ok(blobs)
    }
}

/// On PostgreSQL only: they run when `INTAKE_TEST_POSTGRES_URL` is set.
#[cfg(test)]
pub(crate) mod tests {
    use super::*;
    use crate::store::{create_schema, drop_schema};

    /// A migrated store in a schema of its own, and the schema's name.
    pub(crate) async fn postgres_store() -> Option<(Store, String, String)> {
        let server = std::env::var("INTAKE_TEST_POSTGRES_URL").ok()?;
        let schema = format!("blobs_{}", Uuid::new_v4().simple());
        let url = create_schema(&server, &schema).await.unwrap();
        let store = Store::connect(&url).await.unwrap();
        store.migrate().await.unwrap();
        Some((store, server, schema))
    }

    pub(crate) async fn dropped(store: Store, server: String, schema: String) {
        store.close().await;
        drop_schema(&server, &schema).await.unwrap();
    }

    async fn count(store: &Store, sql: &str) -> i64 {
        sqlx::query_scalar(sql)
            .fetch_one(&store.reader)
            .await
            .unwrap()
    }

    /// Bytes that differ from chunk to chunk, so a chunk out of order shows.
    fn bytes(n: usize) -> Vec<u8> {
        (0..n).map(|i| (i * 7 + i / 1000) as u8).collect()
    }

    async fn read_all(reader: &mut DatabaseBlobReader) -> Result<Vec<Vec<u8>>, StoreError> {
        let mut chunks = Vec::new();
        while let Some(chunk) = reader.next_chunk().await? {
            chunks.push(chunk);
        }
        Ok(chunks)
    }

    #[tokio::test]
    async fn a_blob_is_written_in_chunks_and_read_back_chunk_by_chunk() {
        let Some((store, server, schema)) = postgres_store().await else {
            return;
        };
        let blobs = store.database_blobs().expect("PostgreSQL keeps blobs");
        let content = bytes(2 * CHUNK_BYTES + 1234);
        let mut writer = blobs.writer().await.unwrap();
        // Pieces of odd sizes, as an upload brings them.
        for piece in content.chunks(100_003) {
            writer.write(piece).await.unwrap();
        }
        let stored = writer.finish(BlobName::Original).await.unwrap();
        let sha256 = format!("{:x}", Sha256::digest(&content));
        assert_eq!(stored.key, original_key(&sha256));
        assert_eq!(stored.size, content.len() as u64);
        assert_eq!(count(&store, "SELECT COUNT(*) FROM blob_chunks").await, 3);

        let mut reader = blobs.open(&stored.key).await.unwrap().expect("stored");
        assert_eq!(reader.size(), content.len() as u64);
        let chunks = read_all(&mut reader).await.unwrap();
        let sizes: Vec<usize> = chunks.iter().map(Vec::len).collect();
        assert_eq!(sizes, [CHUNK_BYTES, CHUNK_BYTES, 1234]);
        assert_eq!(chunks.concat(), content);
        assert_eq!(
            blobs.info(&stored.key).await.unwrap(),
            Some(BlobInfo {
                size: content.len() as u64,
                sha256
            })
        );
        dropped(store, server, schema).await;
    }

    #[tokio::test]
    async fn the_same_original_is_stored_once_and_a_page_image_is_replaced() {
        let Some((store, server, schema)) = postgres_store().await else {
            return;
        };
        let blobs = store.database_blobs().unwrap();
        for _ in 0..2 {
            let mut writer = blobs.writer().await.unwrap();
            writer.write(b"%PDF-1.4 the same scan").await.unwrap();
            writer.finish(BlobName::Original).await.unwrap();
        }
        for content in [&b"first image"[..], b"second image"] {
            let mut writer = blobs.writer().await.unwrap();
            writer.write(content).await.unwrap();
            writer
                .finish(BlobName::Key("pages/f/0001.jpg"))
                .await
                .unwrap();
        }
        assert_eq!(count(&store, "SELECT COUNT(*) FROM blobs").await, 2);
        assert_eq!(count(&store, "SELECT COUNT(*) FROM blob_chunks").await, 2);
        let mut reader = blobs.open("pages/f/0001.jpg").await.unwrap().unwrap();
        assert_eq!(
            read_all(&mut reader).await.unwrap().concat(),
            b"second image"
        );
        dropped(store, server, schema).await;
    }

    #[tokio::test]
    async fn removed_blobs_and_abandoned_writes_leave_nothing() {
        let Some((store, server, schema)) = postgres_store().await else {
            return;
        };
        let blobs = store.database_blobs().unwrap();
        let mut writer = blobs.writer().await.unwrap();
        writer.write(&bytes(CHUNK_BYTES + 1)).await.unwrap();
        let stored = writer.finish(BlobName::Original).await.unwrap();
        let mut abandoned = blobs.writer().await.unwrap();
        abandoned.write(&bytes(3 * CHUNK_BYTES)).await.unwrap();
        drop(abandoned);
        assert_eq!(count(&store, "SELECT COUNT(*) FROM blob_chunks").await, 2);

        assert!(blobs.remove(&stored.key).await.unwrap());
        assert!(!blobs.remove(&stored.key).await.unwrap(), "gone already");
        assert!(blobs.open(&stored.key).await.unwrap().is_none());
        assert_eq!(blobs.info(&stored.key).await.unwrap(), None);
        assert_eq!(count(&store, "SELECT COUNT(*) FROM blob_chunks").await, 0);
        dropped(store, server, schema).await;
    }

    #[tokio::test]
    async fn a_missing_chunk_is_an_error_not_a_short_blob() {
        let Some((store, server, schema)) = postgres_store().await else {
            return;
        };
        let blobs = store.database_blobs().unwrap();
        let mut writer = blobs.writer().await.unwrap();
        writer.write(&bytes(2 * CHUNK_BYTES + 1)).await.unwrap();
        let stored = writer.finish(BlobName::Original).await.unwrap();
        sqlx::query("DELETE FROM blob_chunks WHERE chunk = 1")
            .execute(&store.writer)
            .await
            .unwrap();
        let mut reader = blobs.open(&stored.key).await.unwrap().unwrap();
        let error = read_all(&mut reader).await.unwrap_err();
        assert!(
            error.to_string().contains(&stored.key)
                && error.to_string().contains("stops at 262144"),
            "{error}"
        );
        drop(reader);
        dropped(store, server, schema).await;
    }

    #[tokio::test]
    async fn a_reading_sees_its_blob_whole_while_it_is_removed() {
        let Some((store, server, schema)) = postgres_store().await else {
            return;
        };
        let blobs = store.database_blobs().unwrap();
        let content = bytes(2 * CHUNK_BYTES);
        let mut writer = blobs.writer().await.unwrap();
        writer.write(&content).await.unwrap();
        let stored = writer.finish(BlobName::Original).await.unwrap();
        let mut reader = blobs.open(&stored.key).await.unwrap().unwrap();
        let first = reader.next_chunk().await.unwrap().unwrap();
        assert!(blobs.remove(&stored.key).await.unwrap());
        let rest = read_all(&mut reader).await.unwrap();
        assert_eq!([vec![first], rest].concat().concat(), content);
        dropped(store, server, schema).await;
    }
}
