//! Opening a file: a small PDF is tried first as our form filled on a
//! computer (read exactly), anything else is handed to the page decoder.

use std::path::Path;

use super::digital::digital_forms;
use super::window::read_in_window;
use super::{Document, FormCatalogue, PageOutcome, PageRead, ReadOptions};
use crate::capture::decode;
use crate::capture::text_layer::TextLayer;

fn starts_as_pdf(path: &Path) -> bool {
    use std::io::Read;
    let mut head = [0u8; 1024];
    let read = std::fs::File::open(path).and_then(|mut f| f.read(&mut head));
    read.is_ok_and(|n| decode::is_pdf(&head[..n]))
}

/// Our fillable form is some tens of kilobytes; a filled copy stays small.
const DIGITAL_FORM_MAX_BYTES: u64 = 4 * 1024 * 1024;

/// A file opened for reading: its structure is known (how many pages),
/// no page is decoded yet.
pub struct OpenedFile {
    catalogue: FormCatalogue,
    options: ReadOptions,
    source: Opened,
}

enum Opened {
    /// Our form filled in on a computer: read exactly, one copy per serial.
    Digital(Vec<Document>),
    /// Pages to decode; for a small PDF also its text layer, which a form
    /// filled in on a computer and flattened is read from.
    Scanned(Box<decode::Pages>, Option<Box<TextLayer>>),
}

/// Opens a file; `Err` says why it cannot be read at all.
pub fn open_file(
    path: &Path,
    catalogue: &FormCatalogue,
    options: &ReadOptions,
) -> Result<OpenedFile, String> {
    let opened = |source| OpenedFile {
        catalogue: catalogue.clone(),
        options: options.clone(),
        source,
    };
    // Only a small PDF can be a form filled on a computer; a scan batch is
    // left to the page decoder instead of being parsed twice.
    let small = std::fs::metadata(path).is_ok_and(|m| m.len() <= DIGITAL_FORM_MAX_BYTES);
    let mut text_layer = None;
    if small && starts_as_pdf(path) {
        let bytes = std::fs::read(path).map_err(|e| format!("cannot read the file: {e}"))?;
        // Before lopdf parses it (it unpacks object streams as it loads): a
        // decompression bomb is refused here with its reason.
        decode::check_pdf(&bytes, &options.limits).map_err(|e| e.to_string())?;
        // lopdf may not parse such a file at all (see the page decoder).
        if !decode::encrypted_with_object_streams(&bytes) {
            let forms = digital_forms(&bytes, catalogue);
            if !forms.is_empty() {
                return Ok(opened(Opened::Digital(forms)));
            }
            // No fields filled: perhaps filled and flattened into page text.
            text_layer = TextLayer::open(&bytes, &options.limits);
        }
    }
    let pages = decode::open(path, &options.limits).map_err(|e| e.to_string())?;
    Ok(opened(Opened::Scanned(
        Box::new(pages),
        text_layer.map(Box::new),
    )))
}

impl OpenedFile {
    /// Pages in the file (copies, for a digital form).
    pub fn page_count(&self) -> u32 {
        match &self.source {
            Opened::Digital(forms) => forms.len() as u32,
            Opened::Scanned(pages, _) => pages.page_count(),
        }
    }

    /// Hands each page to `sink` in page order, as it is done: pages stream
    /// through, a few in flight at a time, in parallel across cores. Pages
    /// for which `skip` says yes are decoded (to get past them) but not
    /// read: a batch resumed after a crash does not read again what it has
    /// stored.
    pub fn read(self, skip: impl Fn(u32) -> bool, mut sink: impl FnMut(PageRead)) {
        let (pages, text_layer) = match self.source {
            Opened::Digital(forms) => {
                for (index, document) in forms.into_iter().enumerate() {
                    let number = index as u32 + 1;
                    if skip(number) {
                        continue;
                    }
                    let outcome = PageOutcome::Form {
                        form: document.form.unwrap_or_default(),
                        version: document.form_version.unwrap_or_default(),
                        serial: document.serial.unwrap_or_default(),
                        form_page: 0,
                        fields: document.fields,
                        image: None,
                    };
                    sink(PageRead {
                        number,
                        outcome: Ok(outcome),
                        seconds: 0.0,
                    });
                }
                return;
            }
            Opened::Scanned(pages, text_layer) => (pages, text_layer),
        };
        read_in_window(
            *pages,
            text_layer.map(|layer| *layer),
            &self.catalogue,
            self.options.page_timeout,
            skip,
            sink,
        );
    }
}

/// Opens and reads a file: `open_file`, then `OpenedFile::read`.
pub fn read_pages(
    path: &Path,
    catalogue: &FormCatalogue,
    options: &ReadOptions,
    skip: impl Fn(u32) -> bool,
    sink: impl FnMut(PageRead),
) -> Result<(), String> {
    open_file(path, catalogue, options)?.read(skip, sink);
    Ok(())
}
