//! Files on local disk under the data folder: originals stored unchanged,
//! named by their SHA-256, and the page images the staff pages show. A
//! blob is on disk (fsynced, renamed into place) before its row is
//! written, so a row never points at bytes that are not there; one left
//! without its row by a crash is swept by the retention run (`orphans`).

use std::fs::{self, File};
use std::io::{self, BufWriter, Read, Write};
use std::path::{Path, PathBuf};

use image::GrayImage;
use sha2::{Digest, Sha256};
use uuid::Uuid;

use crate::store::StoredOriginal;
use crate::store::blobs::{BlobName, StoredBlob, original_key};

#[derive(Debug, Clone)]
pub struct FolderBlobs {
    root: PathBuf,
}

/// Quality of stored page images: enough to read handwriting in a crop.
pub const PAGE_JPEG_QUALITY: u8 = 80;

impl FolderBlobs {
    pub fn new(data_dir: &Path) -> FolderBlobs {
        FolderBlobs {
            root: data_dir.to_path_buf(),
        }
    }

    /// The full path of something stored, from its key (its path relative
    /// to the data folder).
    pub fn path(&self, key: &str) -> PathBuf {
        self.root.join(key)
    }

    /// Where temporary copies go (a database blob the worker reads).
    pub fn temporary_folder(&self) -> PathBuf {
        self.root.join("tmp")
    }

    /// Stores what `reader` gives, streaming: never whole in memory.
    pub fn store_from(&self, mut reader: impl Read) -> io::Result<StoredOriginal> {
        let mut writer = self.writer()?;
        let mut buffer = vec![0u8; 256 * 1024];
        loop {
            let n = reader.read(&mut buffer)?;
            if n == 0 {
                break;
            }
            writer.write(&buffer[..n])?;
        }
        let stored = writer.finish(BlobName::Original)?;
        Ok(StoredOriginal {
            sha256: stored.sha256,
            size: stored.size,
            path: stored.key,
        })
    }

    /// A writer for a blob arriving in pieces (an upload, a migration).
    pub fn writer(&self) -> io::Result<FolderWriter> {
        let folder = self.root.join("originals").join("incoming");
        fs::create_dir_all(&folder)?;
        let temporary = folder.join(format!("{}.part", Uuid::new_v4()));
        Ok(FolderWriter {
            root: self.root.clone(),
            file: Some(BufWriter::new(File::create(&temporary)?)),
            temporary,
            hasher: Sha256::new(),
            size: 0,
        })
    }

    /// Keeps a page image as JPEG; returns its key. Derived data: it can be
    /// made again from the original.
    pub fn save_page_image(&self, file: Uuid, page: u32, image: &GrayImage) -> io::Result<String> {
        let relative = page_image_key(file, page);
        let path = self.root.join(&relative);
        if let Some(parent) = path.parent() {
            fs::create_dir_all(parent)?;
        }
        // Its folder may have been taken as empty just now (the orphan
        // sweep, when it removed the file's last unnamed image): made again.
        let file = match File::create(&path) {
            Err(e) if e.kind() == io::ErrorKind::NotFound => {
                fs::create_dir_all(path.parent().expect("a page image is in a folder"))?;
                File::create(&path)?
            }
            file => file?,
        };
        let mut out = BufWriter::new(file);
        encode_page_image(&mut out, image)?;
        out.flush()?;
        Ok(relative)
    }

    /// A stored file opened for reading; `None` when it is not here.
    pub fn open(&self, key: &str) -> io::Result<Option<File>> {
        match File::open(self.root.join(key)) {
            Ok(file) => Ok(Some(file)),
            Err(e) if e.kind() == io::ErrorKind::NotFound => Ok(None),
            Err(e) => Err(e),
        }
    }

    /// Deletes a blob; `false` when it was not here. Deleting a page image
    /// takes its file's folder too once that is empty.
    pub fn remove(&self, key: &str) -> io::Result<bool> {
        let path = self.root.join(key);
        match fs::remove_file(&path) {
            Ok(()) => {}
            Err(e) if e.kind() == io::ErrorKind::NotFound => return Ok(false),
            Err(e) => return Err(e),
        }
        // The unlink is durable only once its folder is synced.
        if let Some(folder) = path.parent() {
            File::open(folder)?.sync_all()?;
            if key.starts_with("pages/") {
                // Not empty (other pages of the file stay): kept.
                let _ = fs::remove_dir(folder);
            }
        }
        Ok(true)
    }
}

/// The key of a page image.
pub fn page_image_key(file: Uuid, page: u32) -> String {
    format!("pages/{file}/{page:04}.jpg")
}

/// A page image as the staff pages show it.
pub fn encode_page_image(out: &mut impl Write, image: &GrayImage) -> io::Result<()> {
    image::codecs::jpeg::JpegEncoder::new_with_quality(out, PAGE_JPEG_QUALITY)
        .encode_image(image)
        .map_err(io::Error::other)
}

/// A blob being written: hashed as it goes, renamed into place by `finish`
/// once it is on disk.
pub struct FolderWriter {
    root: PathBuf,
    /// `None` once finished.
    file: Option<BufWriter<File>>,
    temporary: PathBuf,
    hasher: Sha256,
    size: u64,
}

impl FolderWriter {
    pub fn write(&mut self, bytes: &[u8]) -> io::Result<()> {
        self.hasher.update(bytes);
        self.size += bytes.len() as u64;
        match &mut self.file {
            Some(file) => file.write_all(bytes),
            None => Err(io::Error::other("the blob was finished already")),
        }
    }

    pub fn size(&self) -> u64 {
        self.size
    }

    /// Makes the bytes durable and gives them their name. An original
    /// stored before is replaced by these same bytes, so its file is as
    /// young as its latest storing: the orphan sweep, which takes only
    /// files a day old that no row names, cannot take it before the
    /// caller writes the row that names it. A key given is replaced too.
    pub fn finish(mut self, name: BlobName<'_>) -> io::Result<StoredBlob> {
        let file = self.file.take().expect("finish is called once");
        let file = file.into_inner().map_err(|e| e.into_error())?;
        file.sync_all()?;
        drop(file);
        let sha256 = format!("{:x}", std::mem::take(&mut self.hasher).finalize());
        let key = match name {
            BlobName::Original => original_key(&sha256),
            BlobName::Key(key) => key.to_string(),
        };
        let path = self.root.join(&key);
        let folder = path.parent().expect("the path has a folder");
        fs::create_dir_all(folder)?;
        fs::rename(&self.temporary, &path)?;
        // The rename itself is durable only once its folder is synced.
        File::open(folder)?.sync_all()?;
        Ok(StoredBlob {
            key,
            sha256,
            size: self.size,
        })
    }
}

impl Drop for FolderWriter {
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
        let blobs = FolderBlobs::new(dir.path());
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
        let blobs = FolderBlobs::new(dir.path());
        let original = blobs.store_from(&b"%PDF-1.4 scan"[..]).unwrap();
        let page = blobs
            .save_page_image(Uuid::new_v4(), 1, &GrayImage::new(4, 4))
            .unwrap();
        assert!(blobs.remove(&original.path).unwrap());
        assert!(blobs.remove(&page).unwrap());
        assert!(!blobs.path(&original.path).exists());
        assert!(!blobs.path(&page).exists());
        assert!(
            !blobs.path(&page).parent().unwrap().exists(),
            "its empty folder went too"
        );
        assert!(!blobs.remove(&original.path).unwrap());
        assert!(!blobs.remove(&page).unwrap());
    }

    #[test]
    fn an_abandoned_upload_leaves_nothing() {
        let dir = tempfile::tempdir().unwrap();
        let blobs = FolderBlobs::new(dir.path());
        let mut writer = blobs.writer().unwrap();
        writer.write(b"half a file").unwrap();
        drop(writer);
        let incoming = fs::read_dir(dir.path().join("originals/incoming")).unwrap();
        assert_eq!(incoming.count(), 0);
    }
}
