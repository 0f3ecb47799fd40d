//! Where originals and page images are kept, behind one interface chosen by
//! the `blobs` setting: the data folder (the default, one machine) or the
//! PostgreSQL database (several machines that share nothing else). Keys
//! are the same in both (`originals/ab/<sha256>`, `pages/<file>/0001.jpg`),
//! so the rows that name blobs do not say where they are.
//!
//! Writes go to the configured store. Reads try it first, then the other
//! one, then the configured one again: while `intake blobs migrate` moves
//! blobs (each copied and verified before its source is deleted), a blob
//! missing from the first place looked at is found in the second, and one
//! moved between the two looks is found in the third. So the service keeps
//! serving during a migration, with no marker to keep in step. Removal
//! (retention, erasure) removes from both, so it reaches every copy, and
//! the retention run sweeps both of blobs no row names (`orphans`).

mod folder;
pub mod migrate;
mod orphans;

use std::io;
use std::path::{Path, PathBuf};

use image::GrayImage;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use uuid::Uuid;

pub use self::folder::FolderBlobs;
use self::folder::{FolderWriter, encode_page_image, page_image_key};
pub use self::orphans::Orphans;
use crate::config::{BlobStore, Config};
use crate::store::blobs::{
    BlobName, CHUNK_BYTES, DatabaseBlobReader, DatabaseBlobWriter, DatabaseBlobs, StoredBlob,
};
use crate::store::{Backend, Store, StoreError, StoredOriginal};

/// The blob store of a process. Cheap to clone.
#[derive(Clone)]
pub struct Blobs {
    configured: BlobStore,
    folder: FolderBlobs,
    /// The database's blob table, on PostgreSQL whichever store is
    /// configured (it may hold blobs being migrated).
    database: Option<DatabaseBlobs>,
}

impl std::fmt::Debug for Blobs {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Blobs")
            .field("configured", &self.configured)
            .field("folder", &self.folder)
            .field("database", &self.database.is_some())
            .finish()
    }
}

impl Blobs {
    /// Blobs in the data folder only (SQLite, tests).
    pub fn new(data_dir: &Path) -> Blobs {
        Blobs {
            configured: BlobStore::Folder,
            folder: FolderBlobs::new(data_dir),
            database: None,
        }
    }

    /// The store the configuration names. `database` on SQLite is refused:
    /// it is for several machines on one PostgreSQL.
    pub fn configured(config: &Config, store: &Store) -> anyhow::Result<Blobs> {
        let blobs = Blobs::with_store(config.blobs, &config.data_dir, store)?;
        remove_stale_copies(&blobs.folder.temporary_folder());
        Ok(blobs)
    }

    pub fn with_store(
        configured: BlobStore,
        data_dir: &Path,
        store: &Store,
    ) -> anyhow::Result<Blobs> {
        anyhow::ensure!(
            !(configured == BlobStore::Database && store.backend() == Backend::Sqlite),
            "blobs = \"database\" (INTAKE_BLOBS) needs PostgreSQL, and the database is SQLite: \
             keep blobs = \"folder\", or move to PostgreSQL first"
        );
        Ok(Blobs {
            configured,
            folder: FolderBlobs::new(data_dir),
            database: store.database_blobs(),
        })
    }

    pub fn configured_store(&self) -> BlobStore {
        self.configured
    }

    /// Where the folder store keeps a blob, whether or not it is there.
    pub fn folder_path(&self, key: &str) -> PathBuf {
        self.folder.path(key)
    }

    /// Copies a file's bytes into the originals, durably.
    pub async fn store_file(&self, path: &Path) -> io::Result<StoredOriginal> {
        if self.configured == BlobStore::Folder {
            let folder = self.folder.clone();
            let source = path.to_path_buf();
            return tokio::task::spawn_blocking(move || {
                folder.store_from(std::fs::File::open(&source)?)
            })
            .await
            .map_err(io::Error::other)?;
        }
        let mut file = tokio::fs::File::open(path).await?;
        let mut writer = self.original_writer().await?;
        let mut buffer = vec![0u8; CHUNK_BYTES];
        loop {
            let n = file.read(&mut buffer).await?;
            if n == 0 {
                break;
            }
            writer.write(&buffer[..n]).await?;
        }
        writer.finish().await
    }

    /// A writer for an original arriving in pieces (an upload).
    pub async fn original_writer(&self) -> io::Result<OriginalWriter> {
        Ok(OriginalWriter(self.writer_in(self.configured).await?))
    }

    /// Keeps a page image as JPEG; returns its key. Derived data: it can be
    /// made again from the original.
    pub async fn save_page_image(
        &self,
        file: Uuid,
        page: u32,
        image: GrayImage,
    ) -> io::Result<String> {
        if self.configured == BlobStore::Folder {
            let folder = self.folder.clone();
            return tokio::task::spawn_blocking(move || folder.save_page_image(file, page, &image))
                .await
                .map_err(io::Error::other)?;
        }
        let jpeg = tokio::task::spawn_blocking(move || {
            let mut jpeg = Vec::new();
            encode_page_image(&mut jpeg, &image).map(|()| jpeg)
        })
        .await
        .map_err(io::Error::other)??;
        let key = page_image_key(file, page);
        let mut writer = self.writer_in(BlobStore::Database).await?;
        writer.write(&jpeg).await?;
        writer.finish(BlobName::Key(&key)).await?;
        Ok(key)
    }

    /// Opens a stored blob wherever it is (see the module's note). One in
    /// neither store is an error of kind `NotFound` that names it.
    pub async fn open(&self, key: &str) -> io::Result<BlobReader> {
        let other = self.configured.other();
        for place in [self.configured, other, self.configured] {
            if let Some(reader) = self.open_in(place, key).await? {
                return Ok(reader);
            }
        }
        Err(io::Error::new(
            io::ErrorKind::NotFound,
            format!(
                "the blob {key} is not stored (neither in the data folder nor in the database)"
            ),
        ))
    }

    /// The whole of a blob (a page image for the staff pages); `None` when
    /// it is not stored.
    pub async fn read(&self, key: &str) -> io::Result<Option<Vec<u8>>> {
        let mut reader = match self.open(key).await {
            Ok(reader) => reader,
            Err(e) if e.kind() == io::ErrorKind::NotFound => return Ok(None),
            Err(e) => return Err(e),
        };
        let mut bytes = Vec::new();
        while let Some(chunk) = reader.next_chunk().await? {
            bytes.extend_from_slice(&chunk);
        }
        Ok(Some(bytes))
    }

    /// The first bytes of a blob, at most `limit`.
    pub async fn read_head(&self, key: &str, limit: usize) -> io::Result<Vec<u8>> {
        let mut reader = self.open(key).await?;
        let mut head = Vec::new();
        while head.len() < limit {
            let Some(chunk) = reader.next_chunk().await? else {
                break;
            };
            let take = chunk.len().min(limit - head.len());
            head.extend_from_slice(&chunk[..take]);
        }
        Ok(head)
    }

    pub async fn exists(&self, key: &str) -> io::Result<bool> {
        match self.open(key).await {
            Ok(_) => Ok(true),
            Err(e) if e.kind() == io::ErrorKind::NotFound => Ok(false),
            Err(e) => Err(e),
        }
    }

    /// A path to read a blob from (the worker's reading child and Tesseract
    /// need one): the file itself in the data folder, or a temporary copy
    /// under the data folder's `tmp/`, deleted when the copy is dropped.
    pub async fn local_copy(&self, key: &str) -> io::Result<LocalCopy> {
        let mut reader = match self.open(key).await? {
            BlobReader::Folder { path, .. } => {
                return Ok(LocalCopy {
                    path,
                    _temporary: None,
                });
            }
            database => database,
        };
        let folder = self.folder.temporary_folder();
        tokio::fs::create_dir_all(&folder).await?;
        let temporary = tempfile::Builder::new()
            .prefix(&format!("{COPY_PREFIX}{}-", std::process::id()))
            .tempfile_in(&folder)?
            .into_temp_path();
        let mut file = tokio::fs::File::create(&temporary).await?;
        while let Some(chunk) = reader.next_chunk().await? {
            file.write_all(&chunk).await?;
        }
        file.flush().await?;
        Ok(LocalCopy {
            path: temporary.to_path_buf(),
            _temporary: Some(temporary),
        })
    }

    /// Copies a blob to `target` (a subject access export).
    pub async fn copy_to(&self, key: &str, target: &Path) -> io::Result<u64> {
        let mut reader = self.open(key).await?;
        let mut file = tokio::fs::File::create(target).await?;
        let mut copied = 0;
        while let Some(chunk) = reader.next_chunk().await? {
            file.write_all(&chunk).await?;
            copied += chunk.len() as u64;
        }
        file.sync_all().await?;
        Ok(copied)
    }

    /// Deletes an original (retention, or an erased person's pages in it)
    /// from every store. One already gone is no error: a purge that stopped
    /// half-way is run again.
    pub async fn remove_original(&self, key: &str) -> io::Result<()> {
        self.remove(key).await
    }

    /// Deletes a page image from every store.
    pub async fn remove_page_image(&self, key: &str) -> io::Result<()> {
        self.remove(key).await
    }

    async fn remove(&self, key: &str) -> io::Result<()> {
        let folder = self.folder.clone();
        let owned = key.to_string();
        tokio::task::spawn_blocking(move || folder.remove(&owned))
            .await
            .map_err(io::Error::other)??;
        if let Some(database) = &self.database {
            database.remove(key).await.map_err(store_error)?;
        }
        Ok(())
    }

    async fn open_in(&self, place: BlobStore, key: &str) -> io::Result<Option<BlobReader>> {
        match place {
            BlobStore::Folder => {
                let folder = self.folder.clone();
                let owned = key.to_string();
                let file = tokio::task::spawn_blocking(move || folder.open(&owned))
                    .await
                    .map_err(io::Error::other)??;
                Ok(file.map(|file| BlobReader::Folder {
                    file: tokio::fs::File::from_std(file),
                    path: self.folder.path(key),
                }))
            }
            BlobStore::Database => match &self.database {
                Some(database) => Ok(database
                    .open(key)
                    .await
                    .map_err(store_error)?
                    .map(BlobReader::Database)),
                None => Ok(None),
            },
        }
    }

    async fn writer_in(&self, place: BlobStore) -> io::Result<BlobWriter> {
        match place {
            BlobStore::Folder => Ok(BlobWriter::Folder(self.folder.writer()?)),
            BlobStore::Database => {
                let database = self
                    .database
                    .as_ref()
                    .ok_or_else(|| io::Error::other("blobs in the database need PostgreSQL"))?;
                Ok(BlobWriter::Database(
                    database.writer().await.map_err(store_error)?,
                ))
            }
        }
    }
}

/// Temporary copies are named `blob-<process id>-...`.
const COPY_PREFIX: &str = "blob-";

/// A process killed outright (SIGKILL, a power cut) leaves its temporary
/// copies behind: those of processes no longer running are removed when
/// the next process starts. Only where `/proc` tells which are running.
fn remove_stale_copies(folder: &Path) {
    if !Path::new("/proc/self").exists() {
        return;
    }
    let Ok(entries) = std::fs::read_dir(folder) else {
        return;
    };
    for entry in entries.flatten() {
        let name = entry.file_name();
        let pid = name
            .to_str()
            .and_then(|n| n.strip_prefix(COPY_PREFIX))
            .and_then(|n| n.split('-').next())
            .and_then(|pid| pid.parse::<u32>().ok());
        if let Some(pid) = pid
            && !Path::new(&format!("/proc/{pid}")).exists()
        {
            let _ = std::fs::remove_file(entry.path());
        }
    }
}

fn store_error(error: StoreError) -> io::Error {
    io::Error::other(error)
}

/// A path to a blob's bytes that lasts as long as this does.
#[derive(Debug)]
pub struct LocalCopy {
    path: PathBuf,
    /// A copy made for the reading, deleted on drop.
    _temporary: Option<tempfile::TempPath>,
}

impl LocalCopy {
    pub fn path(&self) -> &Path {
        &self.path
    }
}

/// A stored blob read a chunk at a time, from wherever it is.
pub enum BlobReader {
    Folder {
        file: tokio::fs::File,
        path: PathBuf,
    },
    Database(DatabaseBlobReader),
}

impl BlobReader {
    /// The next chunk; `None` at the end.
    pub async fn next_chunk(&mut self) -> io::Result<Option<Vec<u8>>> {
        match self {
            BlobReader::Folder { file, .. } => {
                let mut chunk = Vec::with_capacity(CHUNK_BYTES);
                let n = file
                    .take(CHUNK_BYTES as u64)
                    .read_to_end(&mut chunk)
                    .await?;
                Ok((n > 0).then_some(chunk))
            }
            BlobReader::Database(reader) => reader.next_chunk().await.map_err(store_error),
        }
    }
}

/// A blob being written to one store.
enum BlobWriter {
    Folder(FolderWriter),
    Database(DatabaseBlobWriter),
}

impl BlobWriter {
    async fn write(&mut self, bytes: &[u8]) -> io::Result<()> {
        match self {
            BlobWriter::Folder(writer) => writer.write(bytes),
            BlobWriter::Database(writer) => writer.write(bytes).await.map_err(store_error),
        }
    }

    fn size(&self) -> u64 {
        match self {
            BlobWriter::Folder(writer) => writer.size(),
            BlobWriter::Database(writer) => writer.size(),
        }
    }

    /// Durable once this returns: fsynced and renamed into place, or
    /// committed.
    async fn finish(self, name: BlobName<'_>) -> io::Result<StoredBlob> {
        match self {
            BlobWriter::Folder(writer) => {
                let key = match name {
                    BlobName::Original => None,
                    BlobName::Key(key) => Some(key.to_string()),
                };
                tokio::task::spawn_blocking(move || {
                    writer.finish(match &key {
                        Some(key) => BlobName::Key(key),
                        None => BlobName::Original,
                    })
                })
                .await
                .map_err(io::Error::other)?
            }
            BlobWriter::Database(writer) => writer.finish(name).await.map_err(store_error),
        }
    }
}

/// An original being written: hashed as it goes, durable and named by its
/// hash once `finish` returns.
///
/// In the database store the chunks are one transaction, committed by
/// `finish` before the caller writes the row that names the original (the
/// folder store's order too: file, then row). The two are not one
/// transaction: an original is named by its content and shared by every
/// file row with the same bytes, so it has a life of its own, and the
/// writes of the rows (group commit, the store's own transactions) stay as
/// they are. A crash between the two leaves an original that no row names,
/// as the folder store can (and a page image saved before its page's row,
/// likewise); never the other way round. Such an orphan is harmless, and
/// the retention run (`intake purge`, hourly in `serve` and `worker`)
/// removes it from every store once it is older than
/// `retention.orphan_blob_days`. Storing the same bytes again makes an
/// original young once more (the folder store renames the new copy into
/// place, the database store sets its `stored_at`), so the sweep never
/// takes one whose row is about to be written.
pub struct OriginalWriter(BlobWriter);

impl OriginalWriter {
    pub async fn write(&mut self, bytes: &[u8]) -> io::Result<()> {
        self.0.write(bytes).await
    }

    pub fn size(&self) -> u64 {
        self.0.size()
    }

    pub async fn finish(self) -> io::Result<StoredOriginal> {
        let stored = self.0.finish(BlobName::Original).await?;
        Ok(StoredOriginal {
            sha256: stored.sha256,
            size: stored.size,
            path: stored.key,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::store::blobs::tests::{dropped, postgres_store};

    #[tokio::test]
    async fn blobs_in_the_database_are_refused_on_sqlite() {
        let dir = tempfile::tempdir().unwrap();
        let store = Store::connect(&format!("sqlite://{}/i.db", dir.path().display()))
            .await
            .unwrap();
        let error = Blobs::with_store(BlobStore::Database, dir.path(), &store).unwrap_err();
        assert!(error.to_string().contains("needs PostgreSQL"), "{error}");
        Blobs::with_store(BlobStore::Folder, dir.path(), &store).unwrap();
    }

    /// On PostgreSQL only: runs when `INTAKE_TEST_POSTGRES_URL` is set.
    #[tokio::test]
    async fn the_database_store_keeps_nothing_in_the_data_folder() {
        let Some((store, server, schema)) = postgres_store().await else {
            return;
        };
        let dir = tempfile::tempdir().unwrap();
        let blobs = Blobs::with_store(BlobStore::Database, dir.path(), &store).unwrap();
        let scan = dir.path().join("scan.pdf");
        let content: Vec<u8> = (0..CHUNK_BYTES * 2 + 10).map(|i| i as u8).collect();
        std::fs::write(&scan, &content).unwrap();
        let original = blobs.store_file(&scan).await.unwrap();
        std::fs::remove_file(&scan).unwrap();
        let page = blobs
            .save_page_image(Uuid::new_v4(), 1, GrayImage::new(16, 16))
            .await
            .unwrap();
        let names: Vec<_> = std::fs::read_dir(dir.path()).unwrap().collect();
        assert!(names.is_empty(), "the data folder holds {names:?}");

        assert_eq!(blobs.read(&original.path).await.unwrap().unwrap(), content);
        assert_eq!(
            blobs.read_head(&original.path, 5).await.unwrap(),
            &content[..5]
        );
        let jpeg = blobs.read(&page).await.unwrap().unwrap();
        assert!(jpeg.starts_with(&[0xFF, 0xD8, 0xFF]));

        let copy = blobs.local_copy(&original.path).await.unwrap();
        assert!(copy.path().starts_with(dir.path().join("tmp")));
        assert_eq!(std::fs::read(copy.path()).unwrap(), content);
        let copied = copy.path().to_path_buf();
        drop(copy);
        assert!(!copied.exists(), "the temporary copy goes with it");

        let exported = dir.path().join("export.pdf");
        assert_eq!(
            blobs.copy_to(&original.path, &exported).await.unwrap(),
            content.len() as u64
        );
        assert_eq!(std::fs::read(&exported).unwrap(), content);

        blobs.remove_original(&original.path).await.unwrap();
        blobs.remove_page_image(&page).await.unwrap();
        assert!(!blobs.exists(&original.path).await.unwrap());
        assert_eq!(blobs.read(&page).await.unwrap(), None);
        let error = blobs.local_copy(&original.path).await.unwrap_err();
        assert_eq!(error.kind(), io::ErrorKind::NotFound);
        assert!(error.to_string().contains(&original.path), "{error}");
        dropped(store, server, schema).await;
    }

    #[tokio::test]
    async fn a_blob_is_read_from_the_other_store_and_removed_from_both() {
        let Some((store, server, schema)) = postgres_store().await else {
            return;
        };
        let dir = tempfile::tempdir().unwrap();
        let in_folder = Blobs::with_store(BlobStore::Folder, dir.path(), &store).unwrap();
        let in_database = Blobs::with_store(BlobStore::Database, dir.path(), &store).unwrap();
        let old = in_folder
            .folder
            .store_from(&b"stored before the move"[..])
            .unwrap();
        let mut writer = in_database.original_writer().await.unwrap();
        writer.write(b"stored after the move").await.unwrap();
        let new = writer.finish().await.unwrap();
        for blobs in [&in_folder, &in_database] {
            assert_eq!(
                blobs.read(&old.path).await.unwrap().unwrap(),
                b"stored before the move"
            );
            assert_eq!(
                blobs.read(&new.path).await.unwrap().unwrap(),
                b"stored after the move"
            );
        }
        // A copy in each (a migration stopped half-way): both go.
        let mut writer = in_database.original_writer().await.unwrap();
        writer.write(b"stored before the move").await.unwrap();
        writer.finish().await.unwrap();
        in_folder.remove_original(&old.path).await.unwrap();
        assert!(!in_database.exists(&old.path).await.unwrap());
        assert!(!in_folder.folder_path(&old.path).exists());
        dropped(store, server, schema).await;
    }
}
