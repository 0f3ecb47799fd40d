//! The drop folder's `done/` and `failed/` copies: deleted when past their
//! time, or when they are an erased person's files (found by content, as
//! a copy may have been renamed on its way there).

use std::collections::BTreeMap;
use std::fs;
use std::io;
use std::path::{Path, PathBuf};
use std::time::{Duration, SystemTime};

use sha2::{Digest, Sha256};

use crate::store::privacy::FileToRemove;

const KEPT: [&str; 2] = ["done", "failed"];

/// Every copy under `done/` and `failed/` (reason files aside), with when
/// it was moved there.
fn copies(drop_dir: &Path) -> io::Result<Vec<(PathBuf, fs::Metadata)>> {
    let mut found = Vec::new();
    for folder in KEPT {
        walk(&drop_dir.join(folder), &mut found)?;
    }
    Ok(found)
}

fn walk(folder: &Path, found: &mut Vec<(PathBuf, fs::Metadata)>) -> io::Result<()> {
    let entries = match fs::read_dir(folder) {
        Ok(entries) => entries,
        Err(e) if e.kind() == io::ErrorKind::NotFound => return Ok(()),
        Err(e) => return Err(e),
    };
    for entry in entries {
        let entry = entry?;
        let metadata = entry.metadata()?;
        if metadata.is_dir() {
            walk(&entry.path(), found)?;
        } else if !entry.file_name().to_string_lossy().ends_with(".reason.txt") {
            found.push((entry.path(), metadata));
        }
    }
    Ok(())
}

/// When a copy came into `done/` or `failed/`: the move changes its inode
/// change time, not its modification time (which is the scanner's).
fn moved_at(metadata: &fs::Metadata) -> SystemTime {
    #[cfg(unix)]
    {
        use std::os::unix::fs::MetadataExt;
        let changed = SystemTime::UNIX_EPOCH + Duration::from_secs(metadata.ctime().max(0) as u64);
        if let Ok(modified) = metadata.modified() {
            return changed.max(modified);
        }
        changed
    }
    #[cfg(not(unix))]
    metadata.modified().unwrap_or_else(|_| SystemTime::now())
}

/// The copies moved there before `cutoff`.
pub fn older_than(drop_dir: &Path, cutoff: SystemTime) -> io::Result<Vec<PathBuf>> {
    Ok(copies(drop_dir)?
        .into_iter()
        .filter(|(_, metadata)| moved_at(metadata) < cutoff)
        .map(|(path, _)| path)
        .collect())
}

/// The copies whose bytes are one of these originals. Only files of the
/// same size are read.
pub fn of_originals(drop_dir: &Path, originals: &[FileToRemove]) -> io::Result<Vec<PathBuf>> {
    let by_size: BTreeMap<u64, Vec<&str>> =
        originals.iter().fold(BTreeMap::new(), |mut map, original| {
            map.entry(original.size)
                .or_default()
                .push(original.sha256.as_str());
            map
        });
    let mut found = Vec::new();
    for (path, metadata) in copies(drop_dir)? {
        let Some(hashes) = by_size.get(&metadata.len()) else {
            continue;
        };
        let mut hasher = Sha256::new();
        io::copy(&mut fs::File::open(&path)?, &mut hasher)?;
        let sha256 = format!("{:x}", hasher.finalize());
        if hashes.contains(&sha256.as_str()) {
            found.push(path);
        }
    }
    Ok(found)
}

/// Deletes copies and the reasons written beside them.
pub fn remove(paths: &[PathBuf]) -> io::Result<()> {
    for path in paths {
        match fs::remove_file(path) {
            Ok(()) => {}
            Err(e) if e.kind() == io::ErrorKind::NotFound => {}
            Err(e) => return Err(e),
        }
        let mut reason = path.clone().into_os_string();
        reason.push(".reason.txt");
        let _ = fs::remove_file(PathBuf::from(reason));
    }
    Ok(())
}
