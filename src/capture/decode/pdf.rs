//! PDF files: the page tree is read when the file is opened, each page's
//! image only when that page is asked for. A scanner's PDF carries one
//! image per page; the largest image on a page is taken as its scan.

use std::collections::HashSet;

use lopdf::{Dictionary, Document, Object, ObjectId, Stream};

use super::{DecodeError, DecodeLimits, PageContent, pdf_image};

/// An image smaller than this (about 500 x 500 pixels) on a page that also
/// has text is a logo or a stamp, not a scan of the page.
const MIN_SCAN_PIXELS: u64 = 250_000;
/// The text layer is read only from pages whose drawing instructions are
/// smaller than this, compressed: reading text inflates them without a
/// bound, and a text page is far smaller.
const MAX_TEXT_CONTENT_BYTES: usize = 256 * 1024;
/// Form XObjects nest; scanners use at most one level.
const MAX_FORM_DEPTH: u32 = 4;

pub(super) struct PdfPages {
    doc: Document,
    pages: Vec<ObjectId>,
}

impl PdfPages {
    pub(super) fn parse(bytes: Vec<u8>) -> Result<PdfPages, DecodeError> {
        let doc = guard(|| {
            Document::load_mem(&bytes).map_err(|e| DecodeError::CorruptPdf(e.to_string()))
        })?;
        drop(bytes);
        let encrypted = doc.trailer.get(b"Encrypt").is_ok();
        if encrypted && doc.encryption_state.is_none() {
            return Err(DecodeError::EncryptedPdf);
        }
        let pages: Vec<ObjectId> = guard(|| Ok(doc.get_pages().into_values().collect()))?;
        if pages.is_empty() {
            return Err(if encrypted {
                DecodeError::EncryptedPdf
            } else {
                DecodeError::NoPages
            });
        }
        Ok(PdfPages { doc, pages })
    }

    pub(super) fn len(&self) -> usize {
        self.pages.len()
    }

    pub(super) fn decode(
        &self,
        index: usize,
        limits: &DecodeLimits,
    ) -> Result<PageContent, DecodeError> {
        guard(|| {
            let page_id = self.pages[index];
            let doc = &self.doc;
            let image = largest_image(doc, page_id);
            if let Some((pixels, stream)) = image
                && pixels >= MIN_SCAN_PIXELS
            {
                return pdf_image::decode(doc, stream, limits).map(PageContent::Image);
            }
            let text = page_text(doc, page_id, index as u32 + 1);
            match image {
                Some((_, stream)) if text.trim().is_empty() => {
                    pdf_image::decode(doc, stream, limits).map(PageContent::Image)
                }
                _ => Ok(PageContent::Digital { text }),
            }
        })
    }
}

/// lopdf is written for well-formed files; should it panic on a hostile
/// one, the file or page is reported as corrupt and the batch goes on.
fn guard<T>(read: impl FnOnce() -> Result<T, DecodeError>) -> Result<T, DecodeError> {
    std::panic::catch_unwind(std::panic::AssertUnwindSafe(read)).unwrap_or_else(|_| {
        Err(DecodeError::CorruptPdf(
            "the PDF reader gave up on it".into(),
        ))
    })
}

/// Follows references; `None` for a dangling one.
pub(super) fn resolve<'a>(doc: &'a Document, object: &'a Object) -> Option<&'a Object> {
    doc.dereference(object).ok().map(|(_, o)| o)
}

pub(super) fn get<'a>(doc: &'a Document, dict: &'a Dictionary, key: &[u8]) -> Option<&'a Object> {
    resolve(doc, dict.get(key).ok()?)
}

/// The page's resources, inherited from the page tree when the page has
/// none of its own.
fn page_resources(doc: &Document, page_id: ObjectId) -> Option<&Dictionary> {
    let mut node = doc.get_dictionary(page_id).ok()?;
    for _ in 0..64 {
        if let Some(resources) = get(doc, node, b"Resources").and_then(|o| o.as_dict().ok()) {
            return Some(resources);
        }
        node = get(doc, node, b"Parent")?.as_dict().ok()?;
    }
    None
}

/// The page's largest image XObject and its pixel count, looking inside
/// form XObjects too (some scanners wrap the page image in one).
fn largest_image(doc: &Document, page_id: ObjectId) -> Option<(u64, &Stream)> {
    let mut best = None;
    let mut seen = HashSet::new();
    if let Some(resources) = page_resources(doc, page_id) {
        collect_images(doc, resources, 0, &mut seen, &mut best);
    }
    best
}

fn collect_images<'a>(
    doc: &'a Document,
    resources: &'a Dictionary,
    depth: u32,
    seen: &mut HashSet<ObjectId>,
    best: &mut Option<(u64, &'a Stream)>,
) {
    let Some(xobjects) = get(doc, resources, b"XObject").and_then(|o| o.as_dict().ok()) else {
        return;
    };
    for (_, value) in xobjects.iter() {
        if let Object::Reference(id) = value
            && !seen.insert(*id)
        {
            continue;
        }
        let Some(stream) = resolve(doc, value).and_then(|o| o.as_stream().ok()) else {
            continue;
        };
        let subtype = get(doc, &stream.dict, b"Subtype").and_then(|o| o.as_name().ok());
        match subtype {
            Some(b"Image") => {
                let size = |key| {
                    get(doc, &stream.dict, key)
                        .and_then(|o| o.as_i64().ok())
                        .map_or(0, |v| v.max(0) as u64)
                };
                let pixels = size(b"Width").saturating_mul(size(b"Height"));
                if best.is_none_or(|(most, _)| pixels > most) {
                    *best = Some((pixels, stream));
                }
            }
            Some(b"Form") if depth < MAX_FORM_DEPTH => {
                if let Some(inner) =
                    get(doc, &stream.dict, b"Resources").and_then(|o| o.as_dict().ok())
                {
                    collect_images(doc, inner, depth + 1, seen, best);
                }
            }
            _ => {}
        }
    }
}

/// The page's text layer, or empty when reading it would not be cheap or
/// fails: the digital path has its own, fuller reader.
fn page_text(doc: &Document, page_id: ObjectId, number: u32) -> String {
    let Ok(page) = doc.get_dictionary(page_id) else {
        return String::new();
    };
    let content_len: usize = match get(doc, page, b"Contents") {
        Some(Object::Stream(s)) => s.content.len(),
        Some(Object::Array(parts)) => parts
            .iter()
            .filter_map(|p| resolve(doc, p)?.as_stream().ok())
            .map(|s| s.content.len())
            .sum(),
        _ => 0,
    };
    if content_len == 0 || content_len > MAX_TEXT_CONTENT_BYTES {
        return String::new();
    }
    doc.extract_text(&[number]).unwrap_or_default()
}
