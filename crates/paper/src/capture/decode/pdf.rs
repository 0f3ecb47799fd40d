//! PDF files: the page tree is read when the file is opened, each page's
//! image only when that page is asked for. A scanner's PDF carries one
//! image per page; the largest image on a page is taken as its scan.

use std::borrow::Cow;
use std::collections::HashSet;
use std::io::{Read, Seek, SeekFrom};
use std::path::{Path, PathBuf};

use lopdf::xref::XrefEntry;
use lopdf::{Dictionary, Document, Object, ObjectId, Stream};

use super::{DecodeError, DecodeLimits, PageContent, pdf_image, unpack};

/// An image smaller than this (about 500 x 500 pixels) on a page that also
/// has text is a logo or a stamp, not a scan of the page.
const MIN_SCAN_PIXELS: u64 = 250_000;
/// Form XObjects nest; scanners use at most one level.
const MAX_FORM_DEPTH: u32 = 4;

pub(super) struct PdfPages {
    doc: Document,
    pages: Vec<ObjectId>,
    /// The file large image data was left in when the PDF was opened; it is
    /// read from there when its page is.
    file: Option<PathBuf>,
}

/// Marks an image stream whose data was left in the file.
const DEFERRED: &[u8] = b"IntakeDataInFile";
/// Image data above this size is left in the file until its page is read.
const DEFER_ABOVE_BYTES: usize = 64 * 1024;

impl PdfPages {
    pub(super) fn parse(bytes: Vec<u8>, limits: &DecodeLimits) -> Result<PdfPages, DecodeError> {
        unpack::check_pdf(&bytes, limits)?;
        let doc = guard(|| {
            Document::load_mem(&bytes).map_err(|e| DecodeError::CorruptPdf(e.to_string()))
        })?;
        drop(bytes);
        PdfPages::from_document(doc, None, limits)
    }

    /// Opens a PDF on disk, keeping the page tree in memory but leaving large
    /// image data in the file.
    /// The caller has checked the file's streams (`unpack::check_pdf`).
    pub(super) fn open(path: &Path, limits: &DecodeLimits) -> Result<PdfPages, DecodeError> {
        let doc = guard(|| {
            Document::load_filtered(path, defer_image_data)
                .map_err(|e| DecodeError::CorruptPdf(e.to_string()))
        })?;
        PdfPages::from_document(doc, Some(path.to_path_buf()), limits)
    }

    fn from_document(
        doc: Document,
        file: Option<PathBuf>,
        limits: &DecodeLimits,
    ) -> Result<PdfPages, DecodeError> {
        let encrypted = doc.trailer.get(b"Encrypt").is_ok();
        if encrypted && doc.encryption_state.is_none() {
            return Err(DecodeError::EncryptedPdf);
        }
        // Measured again as parsed (decrypted, each stream's own filters):
        // what reading text and drawing instructions unpacks.
        unpack::check_all_but_images(&doc, limits)?;
        let pages: Vec<ObjectId> = guard(|| Ok(doc.get_pages().into_values().collect()))?;
        if pages.is_empty() {
            return Err(if encrypted {
                DecodeError::EncryptedPdf
            } else {
                DecodeError::NoPages
            });
        }
        Ok(PdfPages { doc, pages, file })
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
            if let Some((pixels, id, stream)) = image
                && pixels >= MIN_SCAN_PIXELS
            {
                let stream = self.with_data(id, stream)?;
                return pdf_image::decode(doc, &stream, limits).map(PageContent::Image);
            }
            let text = page_text(doc, page_id, index as u32 + 1);
            match image {
                Some((_, id, stream)) if text.trim().is_empty() => {
                    let stream = self.with_data(id, stream)?;
                    pdf_image::decode(doc, &stream, limits).map(PageContent::Image)
                }
                _ => {
                    let ink = !text.trim().is_empty() || page_ink(doc, page_id, limits)?;
                    Ok(PageContent::Digital { text, ink })
                }
            }
        })
    }
}

impl PdfPages {
    /// The image stream with its data, read from the file if it was left
    /// there: from the object's place in the cross-reference table to its
    /// `stream` keyword, then `Length` bytes, which must end at `endstream`.
    fn with_data<'a>(
        &self,
        id: Option<ObjectId>,
        stream: &'a Stream,
    ) -> Result<Cow<'a, Stream>, DecodeError> {
        if !stream.dict.has(DEFERRED) {
            return Ok(Cow::Borrowed(stream));
        }
        let missing = |why: &str| DecodeError::CorruptPdf(format!("page image data {why}"));
        let (Some(id), Some(path)) = (id, &self.file) else {
            return Err(missing("not found"));
        };
        let Some(XrefEntry::Normal { offset, .. }) = self.doc.reference_table.get(id.0) else {
            return Err(missing("not in the cross-reference table"));
        };
        let length = get(&self.doc, &stream.dict, b"Length")
            .and_then(|o| o.as_i64().ok())
            .and_then(|l| usize::try_from(l).ok())
            .ok_or_else(|| missing("without a length"))?;
        let mut file = std::fs::File::open(path)?;
        let size = file.metadata()?.len();
        if *offset as u64 + length as u64 > size {
            return Err(missing("beyond the end of the file"));
        }
        file.seek(SeekFrom::Start(u64::from(*offset)))?;
        let mut head = Vec::with_capacity(16 * 1024);
        (&mut file).take(16 * 1024).read_to_end(&mut head)?;
        let start =
            stream_data_start(&head).ok_or_else(|| missing("without its `stream` keyword"))?;
        file.seek(SeekFrom::Start(u64::from(*offset) + start as u64))?;
        let mut content = vec![0; length];
        file.read_exact(&mut content)?;
        let mut tail = [0u8; 12];
        let tail_len = (&mut file).take(12).read(&mut tail)?;
        let ends = tail[..tail_len]
            .iter()
            .position(|b| !b.is_ascii_whitespace())
            .is_some_and(|at| tail[at..tail_len].starts_with(b"endstream"));
        if !ends {
            return Err(missing("not where the PDF says"));
        }
        let mut dict = stream.dict.clone();
        dict.remove(DEFERRED);
        Ok(Cow::Owned(Stream::new(dict, content)))
    }
}

/// Where a stream's data begins: after the `stream` keyword (not
/// `endstream`) and its end of line.
fn stream_data_start(head: &[u8]) -> Option<usize> {
    let mut from = 0;
    while let Some(found) = head[from..].windows(6).position(|w| w == b"stream") {
        let at = from + found;
        let after = at + 6;
        if !head[..at].ends_with(b"end") {
            match (head.get(after), head.get(after + 1)) {
                (Some(b'\r'), Some(b'\n')) => return Some(after + 2),
                (Some(b'\n'), _) => return Some(after + 1),
                _ => {}
            }
        }
        from = after;
    }
    None
}

/// The load filter: large image data is dropped from memory (and marked so
/// it is read from the file when its page is).
fn defer_image_data(id: ObjectId, object: &mut Object) -> Option<(ObjectId, Object)> {
    if let Object::Stream(stream) = object {
        let image = stream
            .dict
            .get(b"Subtype")
            .and_then(|o| o.as_name())
            .is_ok_and(|name| name == b"Image");
        let direct_length = stream.dict.get(b"Length").is_ok_and(|l| l.as_i64().is_ok());
        if image && direct_length && stream.content.len() > DEFER_ABOVE_BYTES {
            stream.content = Vec::new();
            stream.dict.set(DEFERRED, true);
        }
    }
    // lopdf keeps the object it passed in (changed in place) and uses the
    // one returned only for objects inside object streams, never streams:
    // the clone is of something small.
    Some((id, object.clone()))
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
fn largest_image(doc: &Document, page_id: ObjectId) -> Option<(u64, Option<ObjectId>, &Stream)> {
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
    best: &mut Option<(u64, Option<ObjectId>, &'a Stream)>,
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
                if best.is_none_or(|(most, _, _)| pixels > most) {
                    *best = Some((pixels, value.as_reference().ok(), stream));
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

/// The page's text layer, or empty when reading it fails: the digital path
/// has its own, fuller reader. Its streams were measured when the file was
/// opened.
fn page_text(doc: &Document, page_id: ObjectId, number: u32) -> String {
    if doc.get_dictionary(page_id).is_err() {
        return String::new();
    }
    doc.extract_text(&[number]).unwrap_or_default()
}

/// Whether the page's drawing instructions put anything on paper: text
/// with characters, a painted path, a shading or an image, directly or in
/// a form XObject. Read from the PDF itself, without drawing the page.
fn page_ink(doc: &Document, page_id: ObjectId, limits: &DecodeLimits) -> Result<bool, DecodeError> {
    let Ok(page) = doc.get_dictionary(page_id) else {
        return Ok(false);
    };
    let mut content = Vec::new();
    match get(doc, page, b"Contents") {
        Some(Object::Stream(s)) => {
            content = unpack::unpack_stream(doc, s, limits.max_stream_bytes())?
        }
        Some(Object::Array(parts)) => {
            for part in parts
                .iter()
                .filter_map(|p| resolve(doc, p)?.as_stream().ok())
            {
                content.extend(unpack::unpack_stream(doc, part, limits.max_stream_bytes())?);
                content.push(b'\n');
                // Each part is bounded; so is the page they make together.
                if content.len() as u64 > limits.max_stream_bytes() {
                    return Err(unpack::too_large(limits.max_stream_bytes()));
                }
            }
        }
        _ => {}
    }
    draws(doc, &content, page_resources(doc, page_id), 0, limits)
}

fn draws(
    doc: &Document,
    content: &[u8],
    resources: Option<&Dictionary>,
    depth: u32,
    limits: &DecodeLimits,
) -> Result<bool, DecodeError> {
    let Ok(content) = lopdf::content::Content::decode(content) else {
        // Instructions lopdf cannot parse still put something on the page
        // for a person to look at.
        return Ok(!content.iter().all(u8::is_ascii_whitespace));
    };
    let shown = |o: &Object| match o {
        Object::String(text, _) => text.iter().any(|b| !b.is_ascii_whitespace() && *b != 0),
        _ => false,
    };
    for op in &content.operations {
        let ink = match op.operator.as_str() {
            "Tj" | "'" | "\"" => op.operands.last().is_some_and(shown),
            "TJ" => op
                .operands
                .first()
                .and_then(|o| o.as_array().ok())
                .is_some_and(|items| items.iter().any(shown)),
            "S" | "s" | "f" | "F" | "f*" | "B" | "B*" | "b" | "b*" | "sh" | "BI" | "EI" => true,
            "Do" => {
                let name = op.operands.first().and_then(|o| o.as_name().ok());
                let xobject = resources
                    .and_then(|r| get(doc, r, b"XObject"))
                    .and_then(|o| o.as_dict().ok())
                    .zip(name)
                    .and_then(|(x, name)| get(doc, x, name))
                    .and_then(|o| o.as_stream().ok());
                match xobject {
                    Some(form)
                        if get(doc, &form.dict, b"Subtype").and_then(|o| o.as_name().ok())
                            == Some(b"Form".as_slice()) =>
                    {
                        depth < MAX_FORM_DEPTH && {
                            let inner =
                                unpack::unpack_stream(doc, form, limits.max_stream_bytes())?;
                            let inner_resources =
                                get(doc, &form.dict, b"Resources").and_then(|o| o.as_dict().ok());
                            draws(
                                doc,
                                &inner,
                                inner_resources.or(resources),
                                depth + 1,
                                limits,
                            )?
                        }
                    }
                    Some(_) => true,
                    None => false,
                }
            }
            _ => false,
        };
        if ink {
            return Ok(true);
        }
    }
    Ok(false)
}
