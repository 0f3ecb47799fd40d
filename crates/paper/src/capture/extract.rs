//! From files to documents: every page decoded, classified (the form, a
//! blank back, anything else) and read; consecutive pages of one document
//! kept together. Memory stays bounded: pages are decoded and read a few at
//! a time, in parallel across cores.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::sync::{Arc, mpsc};
use std::time::{Duration, Instant};

use image::GrayImage;
use serde::Serialize;

use super::decode::{self, DecodeLimits, PageContent};
use super::text_layer::TextLayer;
use super::{ocr, read, register};
use crate::printable::{self, Layout};
use intake_core::form::{Channel, FormDefinition};
use intake_core::record::normalise::normalise_field;
use intake_core::record::{FieldReading, FieldStatus, ReviewReason};

/// The form definitions the recogniser knows, each with its paper layout.
/// Old versions stay readable: paper printed last year still arrives.
/// Cheap to clone: pages read on other threads each hold one.
#[derive(Clone)]
pub struct FormCatalogue {
    forms: Arc<Vec<(FormDefinition, Layout)>>,
}

impl FormCatalogue {
    pub fn new(definitions: Vec<FormDefinition>) -> FormCatalogue {
        let forms = definitions
            .into_iter()
            .map(|definition| {
                let layout = Layout::from_definition(&definition);
                (definition, layout)
            })
            .collect();
        FormCatalogue {
            forms: Arc::new(forms),
        }
    }

    /// Every `*.toml` definition in a folder.
    pub fn load(forms_dir: &Path) -> Result<FormCatalogue, intake_core::form::DefinitionError> {
        let mut definitions = Vec::new();
        let entries = std::fs::read_dir(forms_dir).map_err(|source| {
            intake_core::form::DefinitionError::Read {
                path: forms_dir.to_owned(),
                source,
            }
        })?;
        let mut paths: Vec<PathBuf> = entries
            .filter_map(|e| e.ok().map(|e| e.path()))
            .filter(|p| p.extension().is_some_and(|e| e == "toml"))
            .collect();
        paths.sort();
        for path in paths {
            definitions.push(FormDefinition::load(&path)?);
        }
        Ok(FormCatalogue::new(definitions))
    }

    fn find(&self, form: &str, version: u32) -> Option<&(FormDefinition, Layout)> {
        self.forms
            .iter()
            .find(|(d, _)| d.id() == form && d.version() == version)
    }

    pub fn definition(&self, form: &str, version: u32) -> Option<&FormDefinition> {
        self.find(form, version).map(|(definition, _)| definition)
    }

    /// The layout used to look for marks and QR before the page says which
    /// form it is (their places are the same on every form).
    fn any_layout(&self) -> Option<&Layout> {
        self.forms.first().map(|(_, layout)| layout)
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum DocumentKind {
    Form,
    Other,
    Blank,
}

/// One document found in a file: a form (its fields read), a blank page
/// (dropped, noted), or anything else (its full-page text).
#[derive(Debug, Clone, Serialize)]
pub struct Document {
    pub source: String,
    pub pages: Vec<u32>,
    pub kind: DocumentKind,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub form: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub form_version: Option<u32>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub serial: Option<String>,
    #[serde(skip_serializing_if = "BTreeMap::is_empty")]
    pub fields: BTreeMap<String, FieldReading>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub text: Option<String>,
}

impl Document {
    pub fn needs_review(&self) -> bool {
        self.fields
            .values()
            .any(|f| f.status == FieldStatus::NeedsReview)
    }
}

/// What became of one file: its documents, and the pages (or the whole
/// file) that could not be read, each with its reason.
#[derive(Debug, Default)]
pub struct FileResult {
    pub documents: Vec<Document>,
    pub errors: Vec<PageError>,
}

#[derive(Debug, Clone, Serialize)]
pub struct PageError {
    /// `None`: the whole file.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub page: Option<u32>,
    pub error: String,
}

/// What one page turned out to be.
pub enum PageOutcome {
    Form {
        form: String,
        version: u32,
        serial: String,
        /// The page of the form this is (from its QR); 0 for a form filled
        /// in on a computer, which carries every page's fields at once.
        form_page: u32,
        fields: BTreeMap<String, FieldReading>,
        /// The page turned upright and mapped onto the template (the
        /// verification station shows crops of it); `None` for a form
        /// filled in on a computer.
        image: Option<GrayImage>,
    },
    Blank,
    Other {
        text: String,
        /// The page as scanned; `None` for a digital page.
        image: Option<GrayImage>,
    },
}

/// One page of a file, read, or why it could not be.
pub struct PageRead {
    /// 1-based. For a PDF filled in on a computer: the copy.
    pub number: u32,
    pub outcome: Result<PageOutcome, String>,
}

/// How a file is read: the decoder's limits, and how long one page may
/// take before it is given up (a pathological scan must not stall a batch).
#[derive(Debug, Clone, Default)]
pub struct ReadOptions {
    pub limits: DecodeLimits,
    pub page_timeout: Option<Duration>,
}

fn starts_as_pdf(path: &Path) -> bool {
    use std::io::Read;
    let mut head = [0u8; 1024];
    let read = std::fs::File::open(path).and_then(|mut f| f.read(&mut head));
    read.is_ok_and(|n| decode::is_pdf(&head[..n]))
}

/// Our fillable form is some tens of kilobytes; a filled copy stays small.
const DIGITAL_FORM_MAX_BYTES: u64 = 4 * 1024 * 1024;

/// Pages decoded and not yet handed on: one per core and one more, being
/// decoded, keeps every core busy (a page's decoding is short beside its
/// reading), and a 300-page PDF never sits in memory as images.
fn pages_in_flight() -> usize {
    rayon::current_num_threads() + 1
}

/// Reads every page of a file. A file that cannot be opened gives one
/// error; a page that cannot be read gives an error for that page and the
/// rest of the file is still read.
pub fn extract_file(path: &Path, catalogue: &FormCatalogue, limits: &DecodeLimits) -> FileResult {
    let mut result = FileResult::default();
    let mut outcomes: Vec<(u32, PageOutcome)> = Vec::new();
    let options = ReadOptions {
        limits: *limits,
        page_timeout: None,
    };
    let read = read_pages(
        path,
        catalogue,
        &options,
        |_| false,
        |page| match page.outcome {
            // Images are for storage; here only what was read is kept, so a long
            // file does not pile up in memory.
            Ok(outcome) => outcomes.push((page.number, without_image(outcome))),
            Err(error) => result.errors.push(PageError {
                page: Some(page.number),
                error,
            }),
        },
    );
    if let Err(error) = read {
        result.errors.push(PageError { page: None, error });
        return result;
    }
    outcomes.sort_by_key(|(number, _)| *number);
    result.documents = group(path, outcomes, catalogue);
    result
}

fn without_image(outcome: PageOutcome) -> PageOutcome {
    match outcome {
        PageOutcome::Form {
            form,
            version,
            serial,
            form_page,
            fields,
            ..
        } => PageOutcome::Form {
            form,
            version,
            serial,
            form_page,
            fields,
            image: None,
        },
        PageOutcome::Other { text, .. } => PageOutcome::Other { text, image: None },
        PageOutcome::Blank => PageOutcome::Blank,
    }
}

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
        let forms = digital_forms(&bytes, catalogue);
        if !forms.is_empty() {
            return Ok(opened(Opened::Digital(forms)));
        }
        // No fields filled: perhaps filled and flattened into page text.
        text_layer = TextLayer::open(&bytes);
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

/// What the reading thread hears from a page on the pool.
enum PageNews {
    Started(u32),
    Done(u32, Result<PageOutcome, String>),
}

/// The threads pages are read on, one per core, each with its own
/// Tesseract engines. Not rayon's global pool: a caller that reads several
/// files in parallel on that pool (the benchmarks do) blocks its threads
/// waiting for pages, and pages queued behind those waits would never run.
fn page_pool() -> &'static rayon::ThreadPool {
    static POOL: std::sync::OnceLock<rayon::ThreadPool> = std::sync::OnceLock::new();
    POOL.get_or_init(|| {
        rayon::ThreadPoolBuilder::new()
            .num_threads(rayon::current_num_threads())
            .thread_name(|i| format!("intake-page-{i}"))
            .build()
            .expect("a thread pool can be started")
    })
}

/// Reads pages on the thread pool through a sliding window: a page is
/// decoded only while fewer than `pages_in_flight()` are being read or
/// waiting to be handed on, and pages are handed to `sink` in order as soon
/// as they and all before them are done. A page still running when its time
/// is up is reported as an error and left to finish on its own; its result
/// is dropped.
fn read_in_window(
    mut pages: decode::Pages,
    mut text_layer: Option<TextLayer>,
    catalogue: &FormCatalogue,
    timeout: Option<Duration>,
    skip: impl Fn(u32) -> bool,
    mut sink: impl FnMut(PageRead),
) {
    let (sender, news) = mpsc::channel();
    // Pages given out and not yet handed on: `None` while being read,
    // with the moment it started once it has.
    let mut running: BTreeMap<u32, Option<Instant>> = BTreeMap::new();
    let mut finished: BTreeMap<u32, PageRead> = BTreeMap::new();
    let mut skipped = std::collections::BTreeSet::new();
    let mut next_to_hand_on = 1u32;
    let mut decoded = 0u32;
    let mut exhausted = false;
    loop {
        while !exhausted && running.len() + finished.len() < pages_in_flight() {
            let Some(page) = pages.next() else {
                exhausted = true;
                break;
            };
            decoded += 1;
            let number = decoded;
            match page {
                // Decoded only to get past it.
                _ if skip(number) => {
                    skipped.insert(number);
                }
                Ok(page)
                    if let Some(outcome) =
                        from_text_layer(text_layer.as_mut(), &page, catalogue) =>
                {
                    finished.insert(
                        number,
                        PageRead {
                            number,
                            outcome: Ok(outcome),
                        },
                    );
                }
                Ok(page) => {
                    running.insert(number, None);
                    let sender = sender.clone();
                    let catalogue = catalogue.clone();
                    page_pool().spawn(move || {
                        let _ = sender.send(PageNews::Started(number));
                        // A page that crashes the reader is that page's
                        // error, not the batch's end.
                        let outcome =
                            std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
                                analyse(page.content, &catalogue)
                            }))
                            .map_err(|_| "reading the page failed unexpectedly".to_string());
                        let _ = sender.send(PageNews::Done(number, outcome));
                    });
                }
                Err(error) => {
                    finished.insert(
                        number,
                        PageRead {
                            number,
                            outcome: Err(error.to_string()),
                        },
                    );
                }
            }
        }
        // In page order: a page waits for every page before it.
        loop {
            if skipped.remove(&next_to_hand_on) {
                next_to_hand_on += 1;
            } else if let Some(read) = finished.remove(&next_to_hand_on) {
                sink(read);
                next_to_hand_on += 1;
            } else {
                break;
            }
        }
        if running.is_empty() {
            if exhausted && finished.is_empty() {
                return;
            }
            continue;
        }
        match news.recv_timeout(Duration::from_millis(200)) {
            Ok(PageNews::Started(number)) => {
                if let Some(started) = running.get_mut(&number) {
                    *started = Some(Instant::now());
                }
            }
            Ok(PageNews::Done(number, outcome)) => {
                if running.remove(&number).is_some() {
                    finished.insert(number, PageRead { number, outcome });
                }
            }
            Err(_) => {}
        }
        if let Some(timeout) = timeout {
            let overdue: Vec<u32> = running
                .iter()
                .filter(|(_, started)| started.is_some_and(|at| at.elapsed() > timeout))
                .map(|(number, _)| *number)
                .collect();
            for number in overdue {
                running.remove(&number);
                let error = format!(
                    "reading the page took longer than {} s; it was given up",
                    timeout.as_secs()
                );
                finished.insert(
                    number,
                    PageRead {
                        number,
                        outcome: Err(error),
                    },
                );
            }
        }
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

fn analyse(content: PageContent, catalogue: &FormCatalogue) -> PageOutcome {
    match content {
        PageContent::Digital { text } if text.trim().is_empty() => PageOutcome::Blank,
        PageContent::Digital { text } => PageOutcome::Other { text, image: None },
        PageContent::Image(image) => analyse_image(image, catalogue),
    }
}

/// A page is looked for the form's QR code first: most pages are forms,
/// and a form needs no test for blankness (registering tests a page
/// without the code in a corner).
fn analyse_image(image: GrayImage, catalogue: &FormCatalogue) -> PageOutcome {
    let other = |image: GrayImage| PageOutcome::Other {
        text: ocr::page_text(&image),
        image: Some(image),
    };
    let Some(layout) = catalogue.any_layout() else {
        if register::is_blank(&image) {
            return PageOutcome::Blank;
        }
        return other(image);
    };
    let page = match register::register(&image, layout) {
        Ok(page) => page,
        Err(register::NotRegistered::Blank) => return PageOutcome::Blank,
        Err(_) => return other(image),
    };
    let Some((definition, layout)) = catalogue.find(&page.qr.form, page.qr.version) else {
        // Our QR, but a form or version this installation does not know.
        return other(image);
    };
    let fields = read::read_fields(&page, layout, definition);
    PageOutcome::Form {
        form: page.qr.form.clone(),
        version: page.qr.version,
        serial: page.qr.serial.clone(),
        form_page: page.qr.page,
        fields,
        image: Some(page.image),
    }
}

/// Consecutive pages of one document stay together: the pages of one form
/// sheet (same serial), and runs of other pages (blank backs between them
/// do not split a letter). Every blank page is noted as its own document.
fn group(
    path: &Path,
    outcomes: Vec<(u32, PageOutcome)>,
    catalogue: &FormCatalogue,
) -> Vec<Document> {
    let source = path.display().to_string();
    let mut documents: Vec<Document> = Vec::new();
    let mut open_other: Option<usize> = None;
    let mut open_form: Option<usize> = None;
    for (number, outcome) in outcomes {
        match outcome {
            PageOutcome::Blank => documents.push(Document {
                source: source.clone(),
                pages: vec![number],
                kind: DocumentKind::Blank,
                form: None,
                form_version: None,
                serial: None,
                fields: BTreeMap::new(),
                text: None,
            }),
            PageOutcome::Other { text, .. } => {
                open_form = None;
                match open_other {
                    Some(index) => {
                        let document = &mut documents[index];
                        document.pages.push(number);
                        let joined = document.text.get_or_insert_with(String::new);
                        joined.push_str("\n\u{c}\n");
                        joined.push_str(&text);
                    }
                    None => {
                        open_other = Some(documents.len());
                        documents.push(Document {
                            source: source.clone(),
                            pages: vec![number],
                            kind: DocumentKind::Other,
                            form: None,
                            form_version: None,
                            serial: None,
                            fields: BTreeMap::new(),
                            text: Some(text),
                        });
                    }
                }
            }
            PageOutcome::Form {
                form,
                version,
                serial,
                fields,
                ..
            } => {
                open_other = None;
                let same_sheet =
                    open_form.filter(|&i| documents[i].serial.as_deref() == Some(serial.as_str()));
                match same_sheet {
                    Some(index) => {
                        documents[index].pages.push(number);
                        documents[index].fields.extend(fields);
                    }
                    None => {
                        open_form = Some(documents.len());
                        documents.push(Document {
                            source: source.clone(),
                            pages: vec![number],
                            kind: DocumentKind::Form,
                            form: Some(form),
                            form_version: Some(version),
                            serial: Some(serial),
                            fields,
                            text: None,
                        });
                    }
                }
            }
        }
    }
    for document in documents
        .iter_mut()
        .filter(|d| d.kind == DocumentKind::Form)
    {
        flag_missing_fields(document, catalogue);
    }
    documents
}

/// A field on a page that never arrived is flagged, not silently absent.
fn flag_missing_fields(document: &mut Document, catalogue: &FormCatalogue) {
    let (Some(form), Some(version)) = (&document.form, document.form_version) else {
        return;
    };
    if let Some(definition) = catalogue.definition(form, version) {
        fill_missing_fields(&mut document.fields, definition);
    }
}

/// Gives every paper field of the form a reading: one that was not read
/// (its page has not arrived) is empty, and flagged when it is required.
pub fn fill_missing_fields(
    fields: &mut BTreeMap<String, FieldReading>,
    definition: &FormDefinition,
) {
    for field in definition.fields_for(Channel::Paper) {
        fields
            .entry(field.id.clone())
            .or_insert_with(|| FieldReading {
                value: None,
                status: if field.required {
                    FieldStatus::NeedsReview
                } else {
                    FieldStatus::Accepted
                },
                raw: None,
                confidence: None,
                reasons: field
                    .required
                    .then_some(MISSING_PAGE_REASON)
                    .into_iter()
                    .collect(),
                corrected_by: None,
            });
    }
}

pub const MISSING_PAGE_REASON: ReviewReason = ReviewReason::MissingPage;

/// The exact path: a PDF of our form filled on a computer carries its
/// values in AcroForm fields. One document per filled copy.
fn digital_forms(bytes: &[u8], catalogue: &FormCatalogue) -> Vec<Document> {
    let Ok(values) = printable::filled_values(bytes) else {
        // Not a PDF lopdf can read as a whole: the page decoder says why.
        return Vec::new();
    };
    let Some((definition, _)) = catalogue.forms.first() else {
        return Vec::new();
    };
    let mut serials: Vec<&str> = values.iter().map(|v| v.serial.as_str()).collect();
    serials.dedup();
    serials
        .into_iter()
        .enumerate()
        .map(|(copy, serial)| {
            let typed: BTreeMap<&str, &str> = values
                .iter()
                .filter(|v| v.serial == serial)
                .map(|v| (v.field.as_str(), v.value.as_str()))
                .collect();
            let fields = definition
                .fields_for(Channel::Paper)
                .map(|field| {
                    let raw = typed.get(field.id.as_str()).copied().unwrap_or("");
                    (field.id.clone(), typed_reading(field, raw))
                })
                .collect();
            Document {
                source: String::new(),
                pages: vec![copy as u32 + 1],
                kind: DocumentKind::Form,
                form: Some(definition.id().to_string()),
                form_version: Some(definition.version()),
                serial: Some(serial.to_string()),
                fields,
                text: None,
            }
        })
        .collect()
}

/// A page of a PDF without filled fields that is one of our forms by its
/// text: filled in on a computer and flattened. Its values are as exact
/// as typed ones. `None` for a scanned page or any other page.
fn from_text_layer(
    layer: Option<&mut TextLayer>,
    page: &decode::Page,
    catalogue: &FormCatalogue,
) -> Option<PageOutcome> {
    if !matches!(page.content, PageContent::Digital { .. }) {
        return None;
    }
    let read = layer?.read_form(page.number, |form, version| {
        catalogue.find(form, version).map(|(_, layout)| layout)
    })?;
    let (definition, _) = catalogue.find(&read.payload.form, read.payload.version)?;
    let fields = read
        .raw
        .iter()
        .filter_map(|(id, raw)| Some((id.clone(), typed_reading(definition.field(id)?, raw))))
        .collect();
    Some(PageOutcome::Form {
        form: read.payload.form,
        version: read.payload.version,
        serial: read.payload.serial,
        form_page: read.payload.page,
        fields,
        image: None,
    })
}

/// A value typed into the PDF: exact, so its confidence is 1; still checked
/// by the same rules as the web.
fn typed_reading(field: &intake_core::form::FieldDef, raw: &str) -> FieldReading {
    let mut reading = FieldReading {
        value: None,
        status: FieldStatus::Accepted,
        raw: (!raw.is_empty()).then(|| raw.to_string()),
        confidence: Some(1.0),
        reasons: Vec::new(),
        corrected_by: None,
    };
    match normalise_field(field, Channel::Paper, raw) {
        Ok(value) => reading.value = value,
        Err(error) => {
            reading.status = FieldStatus::NeedsReview;
            reading.reasons = vec![ReviewReason::from(&error)];
        }
    }
    if field.id == "hetu" && intake_core::record::validate::hetu(raw).is_ok_and(|h| h.temporary) {
        reading.status = FieldStatus::NeedsReview;
        reading.reasons = vec![ReviewReason::TemporaryHetu];
    }
    reading
}
