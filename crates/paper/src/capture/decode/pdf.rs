//! PDF files: the page tree is read when the file is opened, each page only
//! when it is asked for. A page that is one image filling the page (what a
//! scanner writes) is decoded from that image; any other page is drawn as
//! a viewer shows it (`pdf_render`).

use std::borrow::Cow;
use std::collections::HashSet;
use std::io::{Read, Seek, SeekFrom};
use std::path::{Path, PathBuf};
use std::sync::{Arc, OnceLock};

use image::GrayImage;

use lopdf::xref::XrefEntry;
use lopdf::{Dictionary, Document, Object, ObjectId, Stream};

use super::pdf_render::PdfRenderer;
use super::{
    DecodeError, DecodeLimits, PageContent, check_pixels, pdf_image, pdf_page_alone, pdf_scan,
    unpack,
};
use crate::capture::register::has_drawn_ink;

/// An image smaller than this (about 500 x 500 pixels) on a page that also
/// has text is a logo or a stamp, not a scan of the page: such a page is
/// offered to the text layer as typed.
const MIN_SCAN_PIXELS: u64 = 250_000;
/// Form XObjects nest; scanners use at most one level.
const MAX_FORM_DEPTH: u32 = 4;

pub(super) struct PdfPages {
    doc: Document,
    pages: Vec<ObjectId>,
    /// The file large image data was left in when the PDF was opened; it is
    /// read from there when its page is.
    file: Option<PathBuf>,
    /// The file's bytes, when it was parsed from memory.
    bytes: Option<Arc<Vec<u8>>>,
    /// The whole file as the drawing library reads it, opened the first
    /// time a page drawn from the parser's reading comes out empty; `None`
    /// when it cannot be opened or finds other pages than the parser.
    viewer: OnceLock<Option<PdfRenderer>>,
}

/// Marks an image stream whose data was left in the file.
const DEFERRED: &[u8] = b"IntakeDataInFile";
/// Image data above this size is left in the file until its page is read.
const DEFER_ABOVE_BYTES: usize = 64 * 1024;

impl PdfPages {
    /// The caller has checked the file's streams (`unpack::check_pdf`).
    pub(super) fn parse(
        bytes: Arc<Vec<u8>>,
        limits: &DecodeLimits,
    ) -> Result<PdfPages, DecodeError> {
        let doc = guard(|| {
            Document::load_mem(&bytes).map_err(|e| DecodeError::CorruptPdf(e.to_string()))
        })?;
        let mut pages = PdfPages::from_document(doc, None, limits)?;
        pages.bytes = Some(bytes);
        Ok(pages)
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
        Ok(PdfPages {
            doc,
            pages,
            file,
            bytes: None,
            viewer: OnceLock::new(),
        })
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
            // No image on the page may claim more pixels than a page may
            // have: neither decoder allocates for one that does.
            let largest = largest_image(doc, page_id, limits)?;
            let mut fast_error = None;
            if let Some(scan) = pdf_scan::full_page_image(doc, page_id, limits) {
                let stream = self.with_data(scan.id, scan.stream)?;
                match pdf_image::decode(doc, &stream, limits) {
                    Ok(image) => return Ok(PageContent::Image(scan.turn(image))),
                    // Drawing the page may still read what this cannot.
                    Err(error) => fast_error = Some(error),
                }
            }
            let image = match self.draw(page_id, limits) {
                Ok(image) => image,
                // The image decoder's reason is the more precise, unless
                // it only said it does not read this kind of image.
                Err(error) => {
                    return Err(match fast_error {
                        Some(fast) if !matches!(fast, DecodeError::Unsupported(_)) => fast,
                        _ => error,
                    });
                }
            };
            if largest >= MIN_SCAN_PIXELS {
                return Ok(PageContent::Image(image));
            }
            // A page of text with at most a logo may be a form typed and
            // flattened: its text layer is offered with the drawing.
            let text = page_text(doc, page_id, index as u32 + 1);
            if !text.trim().is_empty() {
                return Ok(PageContent::Digital { text, image });
            }
            if !has_drawn_ink(&image) {
                // The parser may have read less than a viewer shows: a
                // content stream without its length, an object it skipped.
                // A page is blank only if a viewer draws it blank too.
                if let Some(viewed) = self.as_a_viewer_draws(index, limits) {
                    return Ok(PageContent::Drawn(viewed));
                }
                // Viewers also draw what is typed in a form field or a
                // text box that came without a drawing of its own. And
                // text in a font that cannot be drawn here (not embedded,
                // no map to characters) a viewer with the font shows: a
                // person looks at such a page.
                let text = annotation_text(doc, page_id);
                if !text.is_empty() || shows_text(doc, page_id) {
                    return Ok(PageContent::Digital { text, image });
                }
            }
            Ok(PageContent::Drawn(image))
        })
    }

    /// Page `index` drawn by the drawing library from the whole file with
    /// its own parser, which rebuilds what is broken as viewers do; `None`
    /// if it cannot, or if it draws the page empty too.
    fn as_a_viewer_draws(&self, index: usize, limits: &DecodeLimits) -> Option<GrayImage> {
        let viewer = self.viewer.get_or_init(|| {
            let bytes = match (&self.bytes, &self.file) {
                (Some(bytes), _) => bytes.clone(),
                // The file's size was checked against the limit on opening.
                (None, Some(path)) => Arc::new(std::fs::read(path).ok()?),
                (None, None) => return None,
            };
            let viewer = PdfRenderer::new(bytes);
            // Pages are matched by their place in the file.
            (viewer.page_count().ok()? == self.pages.len()).then_some(viewer)
        });
        let image = viewer.as_ref()?.render(index, limits).ok()?;
        has_drawn_ink(&image).then_some(image)
    }

    /// The page as a viewer shows it. The drawing library is given the
    /// page cut out as a file of its own, never the whole file, which may
    /// be a long batch of scans.
    fn draw(&self, page_id: ObjectId, limits: &DecodeLimits) -> Result<GrayImage, DecodeError> {
        let load = |id: ObjectId, object: &Object| match object {
            Object::Stream(stream) if stream.dict.has(DEFERRED) => Ok(Object::Stream(
                self.with_data(Some(id), stream)?.into_owned(),
            )),
            other => Ok(other.clone()),
        };
        let page = pdf_page_alone::page_alone(&self.doc, page_id, &load)?;
        PdfRenderer::new(Arc::new(page)).render(0, limits)
    }

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
pub(super) fn page_resources(doc: &Document, page_id: ObjectId) -> Option<&Dictionary> {
    let mut node = doc.get_dictionary(page_id).ok()?;
    for _ in 0..64 {
        if let Some(resources) = get(doc, node, b"Resources").and_then(|o| o.as_dict().ok()) {
            return Some(resources);
        }
        node = get(doc, node, b"Parent")?.as_dict().ok()?;
    }
    None
}

/// The pixel count of the page's largest image XObject, looking inside
/// form XObjects too; refused when any image (or its mask) claims more
/// pixels than a page may have.
fn largest_image(
    doc: &Document,
    page_id: ObjectId,
    limits: &DecodeLimits,
) -> Result<u64, DecodeError> {
    let mut sizes = Vec::new();
    let mut seen = HashSet::new();
    if let Some(resources) = page_resources(doc, page_id) {
        collect_images(doc, resources, 0, &mut seen, &mut sizes);
    }
    for (width, height) in &sizes {
        check_pixels(*width, *height, limits)?;
    }
    Ok(sizes.iter().map(|(w, h)| w * h).max().unwrap_or(0))
}

fn collect_images<'a>(
    doc: &'a Document,
    resources: &'a Dictionary,
    depth: u32,
    seen: &mut HashSet<ObjectId>,
    sizes: &mut Vec<(u64, u64)>,
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
                let size = |dict: &Dictionary, key| {
                    get(doc, dict, key)
                        .and_then(|o| o.as_i64().ok())
                        .map_or(1, |v| v.max(1) as u64)
                };
                sizes.push((size(&stream.dict, b"Width"), size(&stream.dict, b"Height")));
                for mask in [b"SMask".as_slice(), b"Mask"] {
                    if let Some(mask) =
                        get(doc, &stream.dict, mask).and_then(|o| o.as_stream().ok())
                    {
                        sizes.push((size(&mask.dict, b"Width"), size(&mask.dict, b"Height")));
                    }
                }
            }
            Some(b"Form") if depth < MAX_FORM_DEPTH => {
                if let Some(inner) =
                    get(doc, &stream.dict, b"Resources").and_then(|o| o.as_dict().ok())
                {
                    collect_images(doc, inner, depth + 1, seen, sizes);
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

/// Text a viewer shows in the page's annotations although the file draws
/// none for it: the values of form fields (a PDF form filled in with
/// `NeedAppearances`, which asks the viewer to draw them) and the text of
/// free-text boxes. Empty when there is none.
fn annotation_text(doc: &Document, page_id: ObjectId) -> String {
    let Ok(annotations) = doc.get_page_annotations(page_id) else {
        return String::new();
    };
    let mut lines = Vec::new();
    for annotation in annotations {
        let subtype = get(doc, annotation, b"Subtype").and_then(|o| o.as_name().ok());
        let shown = match subtype {
            Some(b"Widget") => field_value(doc, annotation),
            Some(b"FreeText") => get(doc, annotation, b"Contents").cloned(),
            _ => None,
        };
        let text = match shown {
            Some(Object::Name(name)) if name != b"Off" => String::from_utf8_lossy(&name).into(),
            Some(value @ Object::String(..)) => {
                lopdf::decode_text_string(&value).unwrap_or_default()
            }
            _ => String::new(),
        };
        if !text.trim().is_empty() {
            lines.push(text.trim().to_string());
        }
    }
    lines.join("\n")
}

/// A widget's field value (`/V`), its own or inherited from the fields
/// above it.
fn field_value(doc: &Document, widget: &Dictionary) -> Option<Object> {
    let mut field = widget;
    for _ in 0..MAX_FORM_DEPTH * 4 {
        if let Some(value) = get(doc, field, b"V") {
            return Some(value.clone());
        }
        field = get(doc, field, b"Parent").and_then(|o| o.as_dict().ok())?;
    }
    None
}

/// Whether the page's own content shows any text that is not invisible
/// (rendering mode 3, the hidden text layer of a scan read by OCR).
fn shows_text(doc: &Document, page_id: ObjectId) -> bool {
    let Ok(content) = doc.get_and_decode_page_content(page_id) else {
        return false;
    };
    let mut invisible = false;
    content.operations.iter().any(|op| {
        // Spaces alone (or a code that is only zero bytes) show nothing.
        let visible = |bytes: &[u8]| bytes.iter().any(|&b| b != 0 && !b.is_ascii_whitespace());
        let shown = |o: &Object| match o {
            Object::String(bytes, _) => visible(bytes),
            Object::Array(items) => items
                .iter()
                .any(|i| matches!(i, Object::String(b, _) if visible(b))),
            _ => false,
        };
        match op.operator.as_str() {
            "Tr" => {
                invisible = op.operands.first().and_then(|o| o.as_i64().ok()) == Some(3);
                false
            }
            "Tj" | "TJ" | "'" | "\"" => !invisible && op.operands.iter().any(shown),
            _ => false,
        }
    })
}
