//! From scanned files to registrations and triage items, durably: every
//! entry point (the `import` command, the drop folder, the mailroom upload)
//! stores the original and its row first, then a worker reads it as a job.
//! Nothing is acknowledged before it is stored; nothing is read twice.

pub mod blobs;
pub mod drop_folder;
pub mod import;
pub mod reading;
mod sheet;
pub mod worker;

use std::path::Path;
use std::sync::Arc;
use std::time::Duration;

use anyhow::Context;

use crate::config::Config;
use crate::store::{Admission, ScanBatch, ScanFile, Store, StoredOriginal};
use intake_paper::capture::decode::DecodeLimits;
use intake_paper::capture::extract::{FormCatalogue, ReadOptions};

pub use blobs::Blobs;
pub use reading::{Reader, ReadingChild};

/// What every part of the pipeline needs. Cheap to clone.
#[derive(Clone)]
pub struct Pipeline {
    pub store: Store,
    pub blobs: Arc<Blobs>,
    pub catalogue: FormCatalogue,
    pub options: ReadOptions,
    /// In this process unless told otherwise: the service reads in a child
    /// process (`with_reader`), which a library test cannot start.
    pub reader: Reader,
}

impl Pipeline {
    pub fn new(store: Store, config: &Config) -> anyhow::Result<Pipeline> {
        let catalogue = FormCatalogue::load(config.forms_dir.as_deref()).with_context(|| {
            match &config.forms_dir {
                Some(dir) => format!("loading the form definitions in {}", dir.display()),
                None => "loading the built-in form definitions".to_string(),
            }
        })?;
        Ok(Pipeline {
            blobs: Arc::new(Blobs::configured(config, &store)?),
            store,
            catalogue,
            options: ReadOptions {
                limits: DecodeLimits::default(),
                page_timeout: Some(Duration::from_secs(
                    config.scanning.page_timeout_seconds.max(1),
                )),
            },
            reader: Reader::InProcess,
        })
    }

    pub fn with_reader(self, reader: Reader) -> Pipeline {
        Pipeline { reader, ..self }
    }

    /// Stores a file from disk into a batch: the original first, then its
    /// row (and its job, when it can be read). The file may be moved or
    /// deleted once this returns.
    pub async fn admit_path(&self, batch: &ScanBatch, path: &Path) -> anyhow::Result<ScanFile> {
        let original = self.store_original(path).await?;
        self.admit(batch, &file_name(path), original).await
    }

    /// Copies a file's bytes into the originals, durably.
    pub async fn store_original(&self, path: &Path) -> anyhow::Result<StoredOriginal> {
        self.blobs
            .store_file(path)
            .await
            .with_context(|| format!("storing {}", path.display()))
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
            Admission::Readable
        } else {
            self.check_readable(&original).await?
        };
        Ok(self
            .store
            .add_scan_file(batch, name, &original, admission)
            .await?)
    }

    /// Looks only at the size and the first bytes: nothing is parsed in
    /// the process that takes files in (the web server among them). Whatever
    /// else is wrong with a file the worker finds, and quarantines it with
    /// the reason.
    async fn check_readable(&self, original: &StoredOriginal) -> anyhow::Result<Admission> {
        if original.size == 0 {
            return Ok(Admission::Unreadable("the file is empty".into()));
        }
        let limit = self.options.limits.max_file_bytes;
        if original.size > limit {
            return Ok(Admission::Unreadable(format!(
                "the file is too large ({} bytes; at most {limit})",
                original.size
            )));
        }
        let head = self
            .blobs
            .read_head(&original.path, 1024)
            .await
            .context("reading the start of the file")?;
        Ok(match scan_kind(&head) {
            Some(_) => Admission::Readable,
            None => Admission::Unreadable(
                "not a scan: the file is not a PDF, TIFF, PNG or JPEG file".into(),
            ),
        })
    }
}

/// The name a file is recorded under.
pub fn file_name(path: &Path) -> String {
    path.file_name().map_or_else(
        || path.display().to_string(),
        |n| n.to_string_lossy().into(),
    )
}

/// What a file says it is by its first bytes: a PDF (its header may come
/// after some bytes of junk, as readers allow), TIFF, PNG or JPEG.
pub fn scan_kind(head: &[u8]) -> Option<&'static str> {
    if head.starts_with(b"\x89PNG\r\n\x1a\n") {
        Some("PNG")
    } else if head.starts_with(&[0xFF, 0xD8, 0xFF]) {
        Some("JPEG")
    } else if head.starts_with(b"II*\0") || head.starts_with(b"MM\0*") {
        Some("TIFF")
    } else if head.windows(5).take(1024).any(|w| w == b"%PDF-") {
        Some("PDF")
    } else {
        None
    }
}

#[cfg(test)]
mod tests {
    use super::scan_kind;

    #[test]
    fn scans_are_known_by_their_first_bytes() {
        assert_eq!(scan_kind(b"%PDF-1.7\n1 0 obj"), Some("PDF"));
        assert_eq!(scan_kind(b"\r\n%PDF-1.4"), Some("PDF"));
        assert_eq!(scan_kind(b"\x89PNG\r\n\x1a\n...."), Some("PNG"));
        assert_eq!(scan_kind(&[0xFF, 0xD8, 0xFF, 0xE0]), Some("JPEG"));
        assert_eq!(scan_kind(b"II*\0...."), Some("TIFF"));
        assert_eq!(scan_kind(b"MM\0*...."), Some("TIFF"));
        assert_eq!(scan_kind(b"not a pdf at all"), None);
        assert_eq!(scan_kind(b""), None);
    }
}
