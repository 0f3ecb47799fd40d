//! Files on local disk under the data folder: originals stored unchanged,
//! named by their SHA-256, and the page images the staff pages show. An
//! original is on disk (fsynced, renamed into place) before its row is
//! written, so a row never points at bytes that are not there.

use std::fs::{self, File};
use std::io::{self, BufWriter, Read, Write};
use std::path::{Path, PathBuf};

use image::GrayImage;
use sha2::{Digest, Sha256};
use uuid::Uuid;

use crate::store::StoredOriginal;

#[derive(Debug, Clone)]
pub struct Blobs {
    root: PathBuf,
}

/// Quality of stored page images: enough to read handwriting in a crop.
const PAGE_JPEG_QUALITY: u8 = 80;

impl Blobs {
    pub fn new(data_dir: &Path) -> Blobs {
        Blobs {
            root: data_dir.to_path_buf(),
        }
    }

    /// The full path of something stored, from its path relative to the
    /// data folder.
    pub fn path(&self, relative: &str) -> PathBuf {
        self.root.join(relative)
    }

    /// Stores what `reader` gives, streaming: never whole in memory.
    pub fn store_from(&self, mut reader: impl Read) -> io::Result<StoredOriginal> {
        let mut writer = self.original_writer()?;
        let mut buffer = vec![0u8; 256 * 1024];
        loop {
            let n = reader.read(&mut buffer)?;
            if n == 0 {
                break;
            }
            writer.write(&buffer[..n])?;
        }
        writer.finish()
    }

    /// A writer for an original arriving in pieces (an upload).
    pub fn original_writer(&self) -> io::Result<OriginalWriter> {
        let folder = self.root.join("originals").join("incoming");
        fs::create_dir_all(&folder)?;
        let temporary = folder.join(format!("{}.part", Uuid::new_v4()));
        Ok(OriginalWriter {
            root: self.root.clone(),
            file: Some(BufWriter::new(File::create(&temporary)?)),
            temporary,
            hasher: Sha256::new(),
            size: 0,
        })
    }

    /// Keeps a page image as JPEG; returns its path relative to the data
    /// folder. Derived data: it can be made again from the original.
    pub fn save_page_image(&self, file: Uuid, page: u32, image: &GrayImage) -> io::Result<String> {
        let relative = format!("pages/{file}/{page:04}.jpg");
        let path = self.root.join(&relative);
        if let Some(parent) = path.parent() {
            fs::create_dir_all(parent)?;
        }
        let mut out = BufWriter::new(File::create(&path)?);
        image::codecs::jpeg::JpegEncoder::new_with_quality(&mut out, PAGE_JPEG_QUALITY)
            .encode_image(image)
            .map_err(io::Error::other)?;
        out.flush()?;
        Ok(relative)
    }

    /// Deletes an original (retention, or an erased person's pages in it).
    /// One already gone is no error: a purge that stopped half-way is run
    /// again.
    pub fn remove_original(&self, relative: &str) -> io::Result<()> {
        self.remove(relative)
    }

    /// Deletes a page image, and its file's folder once that is empty.
    pub fn remove_page_image(&self, relative: &str) -> io::Result<()> {
        self.remove(relative)?;
        if let Some(folder) = self.root.join(relative).parent() {
            // Not empty (other pages of the file stay): kept.
            let _ = fs::remove_dir(folder);
        }
        Ok(())
    }

    /// Copies something stored to `target` (a subject access export).
    pub fn copy_to(&self, relative: &str, target: &Path) -> io::Result<u64> {
        fs::copy(self.root.join(relative), target)
    }

    fn remove(&self, relative: &str) -> io::Result<()> {
        let path = self.root.join(relative);
        match fs::remove_file(&path) {
            Ok(()) => {}
            Err(e) if e.kind() == io::ErrorKind::NotFound => return Ok(()),
            Err(e) => return Err(e),
        }
        // The unlink is durable only once its folder is synced.
        if let Some(folder) = path.parent() {
            File::open(folder)?.sync_all()?;
        }
        Ok(())
    }
}

/// An original being written: hashed as it goes, renamed into place by
/// `finish` once it is on disk.
pub struct OriginalWriter {
    root: PathBuf,
    /// `None` once finished.
    file: Option<BufWriter<File>>,
    temporary: PathBuf,
    hasher: Sha256,
    size: u64,
}

impl OriginalWriter {
    pub fn write(&mut self, bytes: &[u8]) -> io::Result<()> {
        self.hasher.update(bytes);
        self.size += bytes.len() as u64;
        match &mut self.file {
            Some(file) => file.write_all(bytes),
            None => Err(io::Error::other("the original was finished already")),
        }
    }

    pub fn size(&self) -> u64 {
        self.size
    }

    /// Makes the bytes durable and gives them their name. The same bytes
    /// stored before are kept as they were.
    pub fn finish(mut self) -> io::Result<StoredOriginal> {
        let file = self.file.take().expect("finish is called once");
        let file = file.into_inner().map_err(|e| e.into_error())?;
        file.sync_all()?;
        drop(file);
        let sha256 = format!("{:x}", std::mem::take(&mut self.hasher).finalize());
        let relative = format!("originals/{}/{sha256}", &sha256[..2]);
        let path = self.root.join(&relative);
        let folder = path.parent().expect("the path has a folder");
        fs::create_dir_all(folder)?;
        if path.exists() {
            fs::remove_file(&self.temporary)?;
        } else {
            fs::rename(&self.temporary, &path)?;
            // The rename itself is durable only once its folder is synced.
            File::open(folder)?.sync_all()?;
        }
        Ok(StoredOriginal {
            sha256,
            size: self.size,
            path: relative,
        })
    }
}

impl Drop for OriginalWriter {
    fn drop(&mut self) {
        // An abandoned upload leaves no half file behind (after `finish`
        // the temporary is gone and this does nothing).
        let _ = fs::remove_file(&self.temporary);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_original_is_named_by_its_hash_and_stored_once() {
        let dir = tempfile::tempdir().unwrap();
        let blobs = Blobs::new(dir.path());
        let first = blobs.store_from(&b"%PDF-1.4 scan"[..]).unwrap();
        let again = blobs.store_from(&b"%PDF-1.4 scan"[..]).unwrap();
        assert_eq!(first.sha256, again.sha256);
        assert_eq!(first.path, again.path);
        assert_eq!(first.size, 13);
        assert_eq!(fs::read(blobs.path(&first.path)).unwrap(), b"%PDF-1.4 scan");
        let incoming = fs::read_dir(dir.path().join("originals/incoming")).unwrap();
        assert_eq!(incoming.count(), 0, "no temporary file is left");
    }

    #[test]
    fn removed_blobs_are_gone_and_removing_again_is_no_error() {
        let dir = tempfile::tempdir().unwrap();
        let blobs = Blobs::new(dir.path());
        let original = blobs.store_from(&b"%PDF-1.4 scan"[..]).unwrap();
        let page = blobs
            .save_page_image(Uuid::new_v4(), 1, &GrayImage::new(4, 4))
            .unwrap();
        blobs.remove_original(&original.path).unwrap();
        blobs.remove_page_image(&page).unwrap();
        assert!(!blobs.path(&original.path).exists());
        assert!(!blobs.path(&page).exists());
        assert!(
            !blobs.path(&page).parent().unwrap().exists(),
            "its empty folder went too"
        );
        blobs.remove_original(&original.path).unwrap();
        blobs.remove_page_image(&page).unwrap();
    }

    #[test]
    fn an_abandoned_upload_leaves_nothing() {
        let dir = tempfile::tempdir().unwrap();
        let blobs = Blobs::new(dir.path());
        let mut writer = blobs.original_writer().unwrap();
        writer.write(b"half a file").unwrap();
        drop(writer);
        let incoming = fs::read_dir(dir.path().join("originals/incoming")).unwrap();
        assert_eq!(incoming.count(), 0);
    }
}
