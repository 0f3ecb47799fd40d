//! `intake blobs migrate --to database|folder`: moves every blob the rows
//! name from one store to the other while the service runs. Each blob is
//! copied, read back from the target and checked by SHA-256 (against the
//! source's bytes, and for an original against the hash it is named by)
//! before the source copy is deleted; until then readers find the source
//! (see the note in `blobs`). Run again after a stop, it skips what is at
//! the target already with the right hash, and finishes deleting sources
//! of blobs copied before the stop.

use anyhow::Context;
use sha2::{Digest, Sha256};

use super::{BlobReader, Blobs};
use crate::config::BlobStore;
use crate::store::Store;
use crate::store::blobs::{BlobName, ReferencedBlob};

/// What a migration did, for the operator.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct MigrateReport {
    /// Referenced blobs looked at.
    pub referenced: u64,
    /// Copied, verified, and their source deleted.
    pub moved: u64,
    /// At the target already with the right hash (a source left by a
    /// stopped run is deleted).
    pub already_there: u64,
    pub bytes_moved: u64,
    /// In neither store (removed before, or lost): named for the operator.
    pub missing: Vec<String>,
}

/// Moves every referenced blob to `to`. Stops at the first blob that
/// cannot be copied or whose copy does not verify: its source is kept.
pub async fn migrate(
    blobs: &Blobs,
    store: &Store,
    to: BlobStore,
    mut progress: impl FnMut(&MigrateReport),
) -> anyhow::Result<MigrateReport> {
    anyhow::ensure!(
        blobs.database.is_some(),
        "blobs can move into or out of the database only on PostgreSQL; this database is SQLite"
    );
    let from = to.other();
    let mut report = MigrateReport::default();
    for blob in store.referenced_blobs().await? {
        report.referenced += 1;
        move_one(blobs, &blob, from, to, &mut report)
            .await
            .with_context(|| format!("moving {} to the {}", blob.key, to.name()))?;
        progress(&report);
    }
    Ok(report)
}

async fn move_one(
    blobs: &Blobs,
    blob: &ReferencedBlob,
    from: BlobStore,
    to: BlobStore,
    report: &mut MigrateReport,
) -> anyhow::Result<()> {
    let key = &blob.key;
    let Some(source) = blobs.open_in(from, key).await? else {
        match target_hash(blobs, to, key).await? {
            Some(hash) if blob.sha256.as_ref().is_none_or(|named| *named == hash) => {
                report.already_there += 1;
            }
            Some(_) => anyhow::bail!("the copy at the target does not match its hash"),
            None => report.missing.push(key.clone()),
        }
        return Ok(());
    };
    let expected = match &blob.sha256 {
        Some(named) => named.clone(),
        None => hash_of(blobs.open_in(from, key).await?.context("the source went")?).await?,
    };
    if target_hash(blobs, to, key).await?.as_ref() == Some(&expected) {
        drop(source);
        remove_in(blobs, from, key).await?;
        report.already_there += 1;
        return Ok(());
    }
    let (copied, size) = copy(blobs, source, to, key).await?;
    anyhow::ensure!(
        copied == expected,
        "the source's bytes do not match its hash {expected} (they hash to {copied}): it is left where it is"
    );
    let read_back = hash_of(
        blobs
            .open_in(to, key)
            .await?
            .context("the copy is not there")?,
    )
    .await?;
    anyhow::ensure!(
        read_back == expected,
        "the copy read back hashes to {read_back}, not {expected}: the source is kept"
    );
    remove_in(blobs, from, key).await?;
    report.moved += 1;
    report.bytes_moved += size;
    Ok(())
}

/// Streams `source` into `to` under `key`; the hash and size of what was
/// read.
async fn copy(
    blobs: &Blobs,
    mut source: BlobReader,
    to: BlobStore,
    key: &str,
) -> anyhow::Result<(String, u64)> {
    let mut writer = blobs.writer_in(to).await?;
    let mut hasher = Sha256::new();
    while let Some(chunk) = source.next_chunk().await? {
        hasher.update(&chunk);
        writer.write(&chunk).await?;
    }
    let stored = writer.finish(BlobName::Key(key)).await?;
    Ok((format!("{:x}", hasher.finalize()), stored.size))
}

/// The hash of the copy at `place`, read whole; `None` when there is none.
async fn target_hash(blobs: &Blobs, place: BlobStore, key: &str) -> anyhow::Result<Option<String>> {
    match blobs.open_in(place, key).await? {
        Some(reader) => Ok(Some(hash_of(reader).await?)),
        None => Ok(None),
    }
}

async fn hash_of(mut reader: BlobReader) -> anyhow::Result<String> {
    let mut hasher = Sha256::new();
    while let Some(chunk) = reader.next_chunk().await? {
        hasher.update(&chunk);
    }
    Ok(format!("{:x}", hasher.finalize()))
}

async fn remove_in(blobs: &Blobs, place: BlobStore, key: &str) -> anyhow::Result<()> {
    match place {
        BlobStore::Folder => {
            let folder = blobs.folder.clone();
            let key = key.to_string();
            tokio::task::spawn_blocking(move || folder.remove(&key)).await??;
        }
        BlobStore::Database => {
            if let Some(database) = &blobs.database {
                database.remove(key).await?;
            }
        }
    }
    Ok(())
}
