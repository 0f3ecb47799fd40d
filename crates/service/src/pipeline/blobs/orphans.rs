//! The retention run's sweep of blobs that no row names: an original
//! stored before the row that names it, or a page image before its page's
//! row, when a crash came between the two (see `OriginalWriter`), and an
//! upload's half-written temporary left by a crash. Only what is older
//! than the setting's age goes: a blob being written now, or whose row is
//! being written, is young (storing an original again makes it young, in
//! both stores).

use std::fs::{self, File};
use std::io;
use std::path::{Path, PathBuf};
use std::time::SystemTime;

use time::OffsetDateTime;

use super::{Blobs, FolderBlobs, store_error};
use crate::store::Store;
use crate::store::blobs::BlobKind;

/// Page folders (one per scanned file) looked at, and their images looked
/// up, at once.
const FILES_AT_ONCE: usize = 200;

/// A blob being swept is renamed to this first (see [`remove_if_older`]).
const ASIDE: &str = ".sweeping";

/// What a sweep found (a dry run) or removed: `folder <key>` or `database
/// <key>`. Keys name a content hash or a file id, nothing of a person.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Orphans {
    /// Originals, and uploads' temporaries (`originals/incoming/…`).
    pub originals: Vec<String>,
    pub page_images: Vec<String>,
}

impl Blobs {
    /// Finds, and unless `dry_run` removes, the originals and page images
    /// stored before `older_than` that no row names, in every store.
    pub async fn sweep_orphans(
        &self,
        store: &Store,
        older_than: OffsetDateTime,
        dry_run: bool,
    ) -> io::Result<Orphans> {
        let mut found = Orphans::default();
        let cutoff = SystemTime::from(older_than);
        let folder = &self.folder;

        for name in blocking(folder, |f| folders_in(&f.path("originals"))).await? {
            if name == "incoming" {
                let incoming = format!("originals/{name}");
                let parts = blocking(folder, move |f| old_files_in(f, &incoming, cutoff)).await?;
                for key in parts.into_iter().filter(|k| k.ends_with(".part")) {
                    if dry_run || blocking_remove(folder, &key, cutoff).await? {
                        found.originals.push(format!("folder {key}"));
                    }
                }
                continue;
            }
            let relative = format!("originals/{name}");
            let keys = blocking(folder, move |f| old_files_in(f, &relative, cutoff)).await?;
            self.sweep_folder_keys(store, keys, cutoff, dry_run, &mut found.originals)
                .await?;
        }

        let files = blocking(folder, |f| folders_in(&f.path("pages"))).await?;
        for group in files.chunks(FILES_AT_ONCE) {
            let group = group.to_vec();
            let keys = blocking(folder, move |f| {
                let mut keys = Vec::new();
                for file in group {
                    keys.extend(old_files_in(f, &format!("pages/{file}"), cutoff)?);
                }
                Ok(keys)
            })
            .await?;
            self.sweep_folder_keys(store, keys, cutoff, dry_run, &mut found.page_images)
                .await?;
        }

        if let Some(database) = &self.database {
            for key in database
                .sweep_orphans(older_than, dry_run)
                .await
                .map_err(store_error)?
            {
                let into = match BlobKind::of(&key) {
                    Some(BlobKind::PageImage) => &mut found.page_images,
                    _ => &mut found.originals,
                };
                into.push(format!("database {key}"));
            }
        }
        Ok(found)
    }

    /// Of these old files' keys, those no row names are listed, and
    /// removed unless `dry_run`.
    async fn sweep_folder_keys(
        &self,
        store: &Store,
        keys: Vec<String>,
        cutoff: SystemTime,
        dry_run: bool,
        found: &mut Vec<String>,
    ) -> io::Result<()> {
        let keys: Vec<String> = keys
            .into_iter()
            .filter(|key| BlobKind::of(key).is_some())
            .collect();
        if keys.is_empty() {
            return Ok(());
        }
        let named = store.named_blob_keys(&keys).await.map_err(store_error)?;
        for key in keys.into_iter().filter(|key| !named.contains(key)) {
            if dry_run || blocking_remove(&self.folder, &key, cutoff).await? {
                found.push(format!("folder {key}"));
            }
        }
        Ok(())
    }
}

async fn blocking<T: Send + 'static>(
    folder: &FolderBlobs,
    work: impl FnOnce(&FolderBlobs) -> io::Result<T> + Send + 'static,
) -> io::Result<T> {
    let folder = folder.clone();
    tokio::task::spawn_blocking(move || work(&folder))
        .await
        .map_err(io::Error::other)?
}

async fn blocking_remove(folder: &FolderBlobs, key: &str, cutoff: SystemTime) -> io::Result<bool> {
    let key = key.to_string();
    blocking(folder, move |f| remove_if_older(f, &key, cutoff)).await
}

/// The names of the folders in `folder`; none when it is not there.
fn folders_in(folder: &Path) -> io::Result<Vec<String>> {
    let entries = match fs::read_dir(folder) {
        Ok(entries) => entries,
        Err(e) if e.kind() == io::ErrorKind::NotFound => return Ok(Vec::new()),
        Err(e) => return Err(e),
    };
    let mut names = Vec::new();
    for entry in entries {
        let entry = entry?;
        if entry.file_type()?.is_dir()
            && let Some(name) = entry.file_name().to_str()
        {
            names.push(name.to_string());
        }
    }
    names.sort();
    Ok(names)
}

/// The keys of the files in the folder `relative` (to the data folder)
/// last written before `cutoff`. One a sweep stopped by a crash left set
/// aside is put back first, to be looked at again by the next run.
fn old_files_in(
    folder: &FolderBlobs,
    relative: &str,
    cutoff: SystemTime,
) -> io::Result<Vec<String>> {
    let entries = match fs::read_dir(folder.path(relative)) {
        Ok(entries) => entries,
        Err(e) if e.kind() == io::ErrorKind::NotFound => return Ok(Vec::new()),
        Err(e) => return Err(e),
    };
    let mut keys = Vec::new();
    for entry in entries {
        let entry = entry?;
        let Some(name) = entry.file_name().to_str().map(str::to_string) else {
            continue;
        };
        if let Some(blob) = name.strip_suffix(ASIDE) {
            put_back(&entry.path(), &entry.path().with_file_name(blob))?;
            continue;
        }
        let metadata = match entry.metadata() {
            Ok(metadata) => metadata,
            // Removed meanwhile (an erasure, another process's sweep).
            Err(e) if e.kind() == io::ErrorKind::NotFound => continue,
            Err(e) => return Err(e),
        };
        if metadata.is_file() && metadata.modified()? < cutoff {
            keys.push(format!("{relative}/{name}"));
        }
    }
    keys.sort();
    Ok(keys)
}

/// Removes a blob if it is still older than `cutoff`; `false` when it is
/// not (or gone already).
///
/// A writer may store the same original again at any moment (it renames a
/// new copy into place, see `FolderWriter::finish`) and then write the row
/// that names it. So the file is first renamed aside, and its age read
/// there: a copy stored before the rename is young and put back; one
/// stored after it is a new file in place, which the removal of the old
/// one aside does not touch.
fn remove_if_older(folder: &FolderBlobs, key: &str, cutoff: SystemTime) -> io::Result<bool> {
    let path = folder.path(key);
    let aside = aside_path(&path);
    match fs::rename(&path, &aside) {
        Ok(()) => {}
        Err(e) if e.kind() == io::ErrorKind::NotFound => return Ok(false),
        Err(e) => return Err(e),
    }
    // Another process's sweep may put it back meanwhile (it takes a file
    // set aside for one a stopped sweep left): then it stays for now.
    match fs::metadata(&aside).and_then(|m| m.modified()) {
        Ok(modified) if modified < cutoff => {}
        Ok(_) => {
            put_back(&aside, &path)?;
            return Ok(false);
        }
        Err(e) if e.kind() == io::ErrorKind::NotFound => return Ok(false),
        Err(e) => {
            put_back(&aside, &path)?;
            return Err(e);
        }
    }
    match fs::remove_file(&aside) {
        Ok(()) => {}
        Err(e) if e.kind() == io::ErrorKind::NotFound => return Ok(false),
        Err(e) => return Err(e),
    }
    // The unlink is durable only once its folder is synced.
    let parent = path.parent().expect("a blob is in a folder");
    File::open(parent)?.sync_all()?;
    if key.starts_with("pages/") {
        // Not empty (other pages of the file stay): kept.
        let _ = fs::remove_dir(parent);
    }
    Ok(true)
}

fn aside_path(path: &Path) -> PathBuf {
    let mut name = path.file_name().unwrap_or_default().to_os_string();
    name.push(ASIDE);
    path.with_file_name(name)
}

/// Puts a blob set aside back in place, unless a writer stored a new copy
/// there meanwhile (that one stays). One put back by another process
/// already is no error.
fn put_back(aside: &Path, path: &Path) -> io::Result<()> {
    let done = |e: &io::Error| {
        matches!(
            e.kind(),
            io::ErrorKind::AlreadyExists | io::ErrorKind::NotFound
        )
    };
    match fs::hard_link(aside, path) {
        Err(e) if !done(&e) => return Err(e),
        _ => {}
    }
    match fs::remove_file(aside) {
        Err(e) if !done(&e) => Err(e),
        _ => Ok(()),
    }
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use super::*;

    fn age(path: &Path, by: Duration) {
        let file = File::options().write(true).open(path).unwrap();
        file.set_modified(SystemTime::now() - by).unwrap();
    }

    #[test]
    fn an_old_blob_goes_and_one_stored_again_meanwhile_stays() {
        let dir = tempfile::tempdir().unwrap();
        let folder = FolderBlobs::new(dir.path());
        let day = Duration::from_secs(86_400);
        let cutoff = SystemTime::now() - day;
        let old = folder.store_from(&b"%PDF-1.4 old"[..]).unwrap();
        age(&folder.path(&old.path), 2 * day);
        let again = folder.store_from(&b"%PDF-1.4 again"[..]).unwrap();
        age(&folder.path(&again.path), 2 * day);
        // Stored again (an upload of the same bytes): young once more.
        folder.store_from(&b"%PDF-1.4 again"[..]).unwrap();

        let listed = old_files_in(&folder, &format!("originals/{}", &old.sha256[..2]), cutoff);
        assert_eq!(listed.unwrap(), [old.path.as_str()]);
        assert!(remove_if_older(&folder, &old.path, cutoff).unwrap());
        assert!(!folder.path(&old.path).exists());
        assert!(!remove_if_older(&folder, &again.path, cutoff).unwrap());
        assert!(folder.path(&again.path).exists());
        assert!(
            !remove_if_older(&folder, &old.path, cutoff).unwrap(),
            "gone"
        );
    }

    #[test]
    fn a_blob_left_aside_by_a_stopped_sweep_is_put_back() {
        let dir = tempfile::tempdir().unwrap();
        let folder = FolderBlobs::new(dir.path());
        let stored = folder.store_from(&b"%PDF-1.4 scan"[..]).unwrap();
        let path = folder.path(&stored.path);
        fs::rename(&path, aside_path(&path)).unwrap();
        let relative = format!("originals/{}", &stored.sha256[..2]);
        let young = old_files_in(
            &folder,
            &relative,
            SystemTime::now() - Duration::from_secs(60),
        );
        assert!(young.unwrap().is_empty());
        assert_eq!(fs::read(&path).unwrap(), b"%PDF-1.4 scan");
        assert!(!aside_path(&path).exists());
    }
}
