//! The drop folder a scanner writes into. A file is taken only once it has
//! stopped growing (same size and modification time for a settle period),
//! stored, and only then moved to `done/` (or, when it cannot be read, to
//! `failed/` with a `.reason.txt` beside it). Files in `<drop>/<office id>/`
//! belong to that office; files at the top to the first configured office.

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant, SystemTime};

use anyhow::Context;
use time::Date;
use tokio::sync::watch;

use super::Pipeline;
use crate::config::Office;
use crate::store::{BatchEntry, FileState, ScanBatch};

const DONE: &str = "done";
const FAILED: &str = "failed";

pub struct DropFolder {
    root: PathBuf,
    default_office: String,
    offices: Vec<String>,
    settle: Duration,
    seen: HashMap<PathBuf, Sighting>,
}

/// How a file looked when it was last looked at, and since when.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Sighting {
    size: u64,
    modified: Option<SystemTime>,
    since: Instant,
}

/// A file taken from the folder, and where it went.
#[derive(Debug, Clone)]
pub struct Taken {
    /// None when the file could not even be stored.
    pub batch_id: Option<uuid::Uuid>,
    pub office: String,
    pub name: String,
    pub state: FileState,
    /// Why it went to `failed/`.
    pub reason: Option<String>,
    pub moved_to: PathBuf,
}

impl DropFolder {
    pub fn new(root: &Path, offices: &[Office], settle: Duration) -> DropFolder {
        DropFolder {
            root: root.to_path_buf(),
            default_office: offices.first().map(|o| o.id.clone()).unwrap_or_default(),
            offices: offices.iter().map(|o| o.id.clone()).collect(),
            settle,
            seen: HashMap::new(),
        }
    }

    /// Makes the folder and one per office, so staff see where to put scans.
    pub fn prepare(&self) -> std::io::Result<()> {
        for office in &self.offices {
            std::fs::create_dir_all(self.root.join(office))?;
        }
        Ok(())
    }

    /// The files that have not changed for the settle period, as of `now`,
    /// with their office. Files still changing are remembered as they are.
    pub fn settled(&mut self, now: Instant) -> std::io::Result<Vec<(String, PathBuf)>> {
        let mut present = Vec::new();
        self.list(
            &self.root.clone(),
            &self.default_office.clone(),
            &mut present,
        )?;
        for office in self.offices.clone() {
            let folder = self.root.join(&office);
            if folder.is_dir() {
                self.list(&folder, &office, &mut present)?;
            }
        }
        let mut settled = Vec::new();
        let mut still_here = HashMap::new();
        for (office, path, size, modified) in present {
            let previous = self.seen.get(&path).copied();
            let sighting = match previous {
                Some(seen) if seen.size == size && seen.modified == modified => seen,
                _ => Sighting {
                    size,
                    modified,
                    since: now,
                },
            };
            if previous.is_some() && now.duration_since(sighting.since) >= self.settle {
                settled.push((office, path));
            } else {
                still_here.insert(path, sighting);
            }
        }
        self.seen = still_here;
        Ok(settled)
    }

    fn list(
        &self,
        folder: &Path,
        office: &str,
        out: &mut Vec<(String, PathBuf, u64, Option<SystemTime>)>,
    ) -> std::io::Result<()> {
        for entry in std::fs::read_dir(folder)? {
            let entry = entry?;
            let name = entry.file_name().to_string_lossy().into_owned();
            // Hidden and partial files are a writer's business, not ours yet.
            if name.starts_with('.') || name.ends_with(".part") || name.ends_with(".tmp") {
                continue;
            }
            let kind = entry.file_type()?;
            if kind.is_file() || kind.is_symlink() {
                // A link is followed; one that leads nowhere is still a
                // file put here, and goes to `failed/` when taken.
                let (size, modified) = match std::fs::metadata(entry.path()) {
                    Ok(metadata) if metadata.is_dir() => continue,
                    Ok(metadata) => (metadata.len(), metadata.modified().ok()),
                    Err(_) => (0, None),
                };
                out.push((office.to_string(), entry.path(), size, modified));
            }
        }
        Ok(())
    }

    /// Takes every settled file: one batch per office, received `today`.
    /// Each file is stored before it is moved, and each on its own: a file
    /// that cannot be read goes to `failed/` with its reason, and the sweep
    /// goes on; a file that cannot be stored or recorded now (the data
    /// folder full, the database away) stays and is tried on the next sweep. A file taken in before (left
    /// behind when moving it failed or the process stopped) is only moved.
    pub async fn sweep(
        &mut self,
        pipeline: &Pipeline,
        now: Instant,
        today: Date,
    ) -> anyhow::Result<Vec<Taken>> {
        let settled = self.settled(now)?;
        let mut taken = Vec::new();
        let mut batches = HashMap::new();
        for (office, path) in settled {
            match self
                .take(pipeline, &mut batches, &office, &path, today)
                .await
            {
                Ok(file) => taken.push(file),
                Err(error) => tracing::warn!(
                    file = %path.display(),
                    error = %format!("{error:#}"),
                    "taking a file from the drop folder failed; it is tried again"
                ),
            }
        }
        Ok(taken)
    }

    async fn take(
        &self,
        pipeline: &Pipeline,
        batches: &mut HashMap<String, ScanBatch>,
        office: &str,
        path: &Path,
        today: Date,
    ) -> anyhow::Result<Taken> {
        let name = super::file_name(path);
        // A file that cannot be opened is the file's fault: it goes to
        // failed/. One that cannot be stored (the data folder is full) stays
        // and is tried again.
        let original = match std::fs::File::open(path) {
            Ok(_) => pipeline.store_original(path).await?,
            Err(error) => {
                let reason = format!("the file cannot be read: {error}");
                let moved_to = self.move_away(office, path, true, Some(&reason))?;
                return Ok(Taken {
                    batch_id: None,
                    office: office.to_string(),
                    name,
                    state: FileState::Quarantined,
                    reason: Some(reason),
                    moved_to,
                });
            }
        };
        let before = pipeline
            .store
            .taken_from_drop_folder(office, &name, &original.sha256)
            .await?;
        let file = match before {
            Some(file) => file,
            None => {
                let batch = match batches.get(office) {
                    Some(batch) => batch,
                    None => {
                        let batch = pipeline
                            .store
                            .create_batch(office, today, "drop folder", BatchEntry::DropFolder)
                            .await?;
                        batches.entry(office.to_string()).or_insert(batch)
                    }
                };
                pipeline.admit(batch, &name, original).await?
            }
        };
        let failed = file.state == FileState::Quarantined;
        let moved_to = self.move_away(office, path, failed, file.reason.as_deref())?;
        Ok(Taken {
            batch_id: Some(file.batch_id),
            office: office.to_string(),
            name: file.name,
            state: file.state,
            reason: file.reason,
            moved_to,
        })
    }

    fn move_away(
        &self,
        office: &str,
        path: &Path,
        failed: bool,
        reason: Option<&str>,
    ) -> anyhow::Result<PathBuf> {
        let folder = self
            .root
            .join(if failed { FAILED } else { DONE })
            .join(office);
        std::fs::create_dir_all(&folder).with_context(|| format!("making {}", folder.display()))?;
        let name = path.file_name().context("a file has a name")?;
        let mut target = folder.join(name);
        let mut n = 1;
        while target.exists() {
            target = folder.join(format!("{}-{n}", name.to_string_lossy()));
            n += 1;
        }
        std::fs::rename(path, &target)
            .with_context(|| format!("moving {} to {}", path.display(), target.display()))?;
        if failed {
            let mut reason_file = target.clone().into_os_string();
            reason_file.push(".reason.txt");
            std::fs::write(
                &reason_file,
                format!("{}\n", reason.unwrap_or("unreadable")),
            )
            .context("writing the reason beside a failed file")?;
        }
        Ok(target)
    }
}

/// Watches the folder until told to stop, taking settled files.
pub async fn watch(pipeline: Pipeline, mut folder: DropFolder, mut stop: watch::Receiver<bool>) {
    if let Err(error) = folder.prepare() {
        tracing::error!(%error, folder = %folder.root.display(), "the drop folder cannot be made; it is not watched");
        return;
    }
    tracing::info!(folder = %folder.root.display(), "watching the drop folder");
    let mut every = tokio::time::interval(Duration::from_secs(1));
    loop {
        tokio::select! {
            _ = every.tick() => {}
            _ = stop.changed() => return,
        }
        if *stop.borrow() {
            return;
        }
        let today = intake_core::calendar::finnish_date(time::OffsetDateTime::now_utc());
        match folder.sweep(&pipeline, Instant::now(), today).await {
            Ok(taken) => {
                for file in taken {
                    tracing::info!(office = %file.office, state = file.state.as_str(), "took a file from the drop folder");
                }
            }
            // The file stays where it is and is tried on the next sweep.
            Err(error) => {
                tracing::warn!(error = %format!("{error:#}"), "taking files from the drop folder failed")
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::Write;

    fn offices() -> Vec<Office> {
        crate::config::Config::default().offices
    }

    #[test]
    fn a_file_is_settled_only_after_it_stops_changing() {
        let dir = tempfile::tempdir().unwrap();
        let mut folder = DropFolder::new(dir.path(), &offices(), Duration::from_secs(5));
        folder.prepare().unwrap();
        let path = dir.path().join("vaasa").join("scan.pdf");
        let mut file = std::fs::File::create(&path).unwrap();
        file.write_all(b"%PDF-1.4 first part").unwrap();
        let start = Instant::now();

        assert!(folder.settled(start).unwrap().is_empty(), "just seen");
        file.write_all(b" second part").unwrap();
        let later = start + Duration::from_secs(10);
        assert!(folder.settled(later).unwrap().is_empty(), "it grew");
        let still = later + Duration::from_secs(4);
        assert!(
            folder.settled(still).unwrap().is_empty(),
            "not settled long enough"
        );
        let settled = folder.settled(later + Duration::from_secs(5)).unwrap();
        assert_eq!(settled, vec![("vaasa".to_string(), path)]);
    }

    #[test]
    fn files_at_the_top_belong_to_the_first_office_and_partial_files_wait() {
        let dir = tempfile::tempdir().unwrap();
        let mut folder = DropFolder::new(dir.path(), &offices(), Duration::from_secs(1));
        std::fs::write(dir.path().join("top.pdf"), b"x").unwrap();
        std::fs::write(dir.path().join("upload.pdf.part"), b"x").unwrap();
        let start = Instant::now();
        folder.settled(start).unwrap();
        let settled = folder.settled(start + Duration::from_secs(2)).unwrap();
        assert_eq!(
            settled,
            vec![("vaasa".to_string(), dir.path().join("top.pdf"))]
        );
    }
}
