//! From scanned files to registrations and triage items, durably: every
//! entry point (the `import` command, the drop folder, the mailroom upload)
//! stores the original and its row first, then a worker reads it as a job.
//! Nothing is acknowledged before it is stored; nothing is read twice.

pub mod blobs;
pub mod drop_folder;
pub mod import;
mod sheet;
pub mod worker;

use std::path::Path;
use std::sync::Arc;
use std::time::Duration;

use anyhow::Context;

use crate::config::Config;
use crate::store::{Admission, ScanBatch, ScanFile, Store, StoredOriginal};
use intake_paper::capture::decode::DecodeLimits;
use intake_paper::capture::extract::{FormCatalogue, ReadOptions, open_file};

pub use blobs::Blobs;

/// What every part of the pipeline needs. Cheap to clone.
#[derive(Clone)]
pub struct Pipeline {
    pub store: Store,
    pub blobs: Arc<Blobs>,
    pub catalogue: FormCatalogue,
    pub options: ReadOptions,
}

impl Pipeline {
    pub fn new(store: Store, config: &Config) -> anyhow::Result<Pipeline> {
        let catalogue = FormCatalogue::load(&config.forms_dir).with_context(|| {
            format!(
                "loading the form definitions in {}",
                config.forms_dir.display()
            )
        })?;
        Ok(Pipeline {
            store,
            blobs: Arc::new(Blobs::new(&config.data_dir)),
            catalogue,
            options: ReadOptions {
                limits: DecodeLimits::default(),
                page_timeout: Some(Duration::from_secs(
                    config.scanning.page_timeout_seconds.max(1),
                )),
            },
        })
    }

    /// Stores a file from disk into a batch: the original first, then its
    /// row (and its job, when it can be read). The file may be moved or
    /// deleted once this returns.
    pub async fn admit_path(&self, batch: &ScanBatch, path: &Path) -> anyhow::Result<ScanFile> {
        let blobs = self.blobs.clone();
        let source = path.to_path_buf();
        let original = tokio::task::spawn_blocking(move || {
            let file = std::fs::File::open(&source)?;
            blobs.store_from(file)
        })
        .await
        .context("storing the original")?
        .with_context(|| format!("storing {}", path.display()))?;
        let name = path.file_name().map_or_else(
            || path.display().to_string(),
            |n| n.to_string_lossy().into(),
        );
        self.admit(batch, &name, original).await
    }

    /// Records an original already stored durably.
    pub async fn admit(
        &self,
        batch: &ScanBatch,
        name: &str,
        original: StoredOriginal,
    ) -> anyhow::Result<ScanFile> {
        let admission = if self.store.content_seen(&original.sha256).await? {
            // A duplicate: it is reported, not opened again.
            Admission::Readable { page_count: 0 }
        } else {
            self.check_readable(&original).await?
        };
        Ok(self
            .store
            .add_scan_file(batch, name, &original, admission)
            .await?)
    }

    /// Opens the file as the worker will (its structure, no page yet), so
    /// that a file that cannot be read is quarantined at once with why.
    async fn check_readable(&self, original: &StoredOriginal) -> anyhow::Result<Admission> {
        let path = self.blobs.path(&original.path);
        let catalogue = self.catalogue.clone();
        let options = self.options.clone();
        let opened = tokio::task::spawn_blocking(move || {
            open_file(&path, &catalogue, &options).map(|f| f.page_count())
        })
        .await
        .context("opening the file")?;
        Ok(match opened {
            Ok(page_count) => Admission::Readable { page_count },
            Err(reason) => Admission::Unreadable(reason),
        })
    }
}
