//! From files to documents: every page decoded, classified (the form, a
//! blank back, anything else) and read; consecutive pages of one document
//! kept together. Memory stays bounded: pages are decoded and read a few at
//! a time, in parallel across cores.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use image::GrayImage;
use rayon::prelude::*;
use serde::Serialize;

use super::decode::{self, DecodeLimits, PageContent};
use super::{ocr, read, register};
use crate::form::{Channel, FormDefinition};
use crate::paper::{self, Layout};
use crate::record::normalise::normalise_field;
use crate::record::{FieldReading, FieldStatus};

/// The form definitions the recogniser knows, each with its paper layout.
/// Old versions stay readable: paper printed last year still arrives.
pub struct FormCatalogue {
    forms: Vec<(FormDefinition, Layout)>,
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
        FormCatalogue { forms }
    }

    /// Every `*.toml` definition in a folder.
    pub fn load(forms_dir: &Path) -> Result<FormCatalogue, crate::form::DefinitionError> {
        let mut definitions = Vec::new();
        let entries =
            std::fs::read_dir(forms_dir).map_err(|source| crate::form::DefinitionError::Read {
                path: forms_dir.to_owned(),
                source,
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
enum PageOutcome {
    Form {
        form: String,
        version: u32,
        serial: String,
        fields: BTreeMap<String, FieldReading>,
    },
    Blank,
    Other(String),
}

fn starts_as_pdf(path: &Path) -> bool {
    use std::io::Read;
    let mut head = [0u8; 1024];
    let read = std::fs::File::open(path).and_then(|mut f| f.read(&mut head));
    read.is_ok_and(|n| decode::is_pdf(&head[..n]))
}

/// Our fillable form is some tens of kilobytes; a filled copy stays small.
const DIGITAL_FORM_MAX_BYTES: u64 = 4 * 1024 * 1024;

/// Pages decoded and read together: enough to keep both cores busy, few
/// enough that a 300-page PDF never sits whole in memory as images.
const PAGES_IN_FLIGHT: usize = 8;

/// Reads every page of a file. A file that cannot be opened gives one
/// error; a page that cannot be read gives an error for that page and the
/// rest of the file is still read.
pub fn extract_file(path: &Path, catalogue: &FormCatalogue, limits: &DecodeLimits) -> FileResult {
    let mut result = FileResult::default();
    let mut outcomes: Vec<(u32, PageOutcome)> = Vec::new();
    // Only a small PDF can be a form filled on a computer; a scan batch is
    // left to the page decoder instead of being parsed twice.
    let small = std::fs::metadata(path).is_ok_and(|m| m.len() <= DIGITAL_FORM_MAX_BYTES);
    if small && starts_as_pdf(path) {
        match digital_forms(path, catalogue) {
            Ok(forms) if !forms.is_empty() => {
                result.documents = forms
                    .into_iter()
                    .map(|d| Document {
                        source: path.display().to_string(),
                        ..d
                    })
                    .collect();
                return result;
            }
            Ok(_) => {}
            Err(error) => {
                result.errors.push(PageError { page: None, error });
                return result;
            }
        }
    }
    let pages = match decode::open(path, limits) {
        Ok(pages) => pages,
        Err(error) => {
            result.errors.push(PageError {
                page: None,
                error: error.to_string(),
            });
            return result;
        }
    };
    let mut pending = Vec::with_capacity(PAGES_IN_FLIGHT);
    let mut pages = pages.peekable();
    while pages.peek().is_some() {
        pending.clear();
        for (index, page) in pages.by_ref().take(PAGES_IN_FLIGHT).enumerate() {
            match page {
                Ok(page) => pending.push(page),
                Err(error) => result.errors.push(PageError {
                    page: Some(index as u32 + 1),
                    error: error.to_string(),
                }),
            }
        }
        let analysed: Vec<(u32, PageOutcome)> = pending
            .par_drain(..)
            .map(|page| (page.number, analyse(page.content, catalogue)))
            .collect();
        outcomes.extend(analysed);
    }
    outcomes.sort_by_key(|(number, _)| *number);
    result.documents = group(path, outcomes, catalogue);
    result
}

fn analyse(content: PageContent, catalogue: &FormCatalogue) -> PageOutcome {
    match content {
        PageContent::Digital { text } if text.trim().is_empty() => PageOutcome::Blank,
        PageContent::Digital { text } => PageOutcome::Other(text),
        PageContent::Image(image) => analyse_image(&image, catalogue),
    }
}

fn analyse_image(image: &GrayImage, catalogue: &FormCatalogue) -> PageOutcome {
    if register::is_blank(image) {
        return PageOutcome::Blank;
    }
    let Some(layout) = catalogue.any_layout() else {
        return PageOutcome::Other(ocr::page_text(image));
    };
    let Ok(page) = register::register(image, layout) else {
        return PageOutcome::Other(ocr::page_text(image));
    };
    let Some((definition, layout)) = catalogue.find(&page.qr.form, page.qr.version) else {
        // Our QR, but a form or version this installation does not know.
        return PageOutcome::Other(ocr::page_text(image));
    };
    PageOutcome::Form {
        form: page.qr.form.clone(),
        version: page.qr.version,
        serial: page.qr.serial.clone(),
        fields: read::read_fields(&page, layout, definition),
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
            PageOutcome::Other(text) => {
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
    let Some((definition, _)) = catalogue.find(form, version) else {
        return;
    };
    for field in definition.fields_for(Channel::Paper) {
        document
            .fields
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
                reason: field
                    .required
                    .then(|| "the page with this field is missing".to_string()),
                corrected_by: None,
            });
    }
}

/// The exact path: a PDF of our form filled on a computer carries its
/// values in AcroForm fields. One document per filled copy.
fn digital_forms(path: &Path, catalogue: &FormCatalogue) -> Result<Vec<Document>, String> {
    let bytes = std::fs::read(path).map_err(|e| format!("cannot read the file: {e}"))?;
    let Ok(values) = paper::filled_values(&bytes) else {
        // Not a PDF lopdf can read as a whole: the page decoder says why.
        return Ok(Vec::new());
    };
    let Some((definition, _)) = catalogue.forms.first() else {
        return Ok(Vec::new());
    };
    let mut serials: Vec<&str> = values.iter().map(|v| v.serial.as_str()).collect();
    serials.dedup();
    let documents = serials
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
        .collect();
    Ok(documents)
}

/// A value typed into the PDF: exact, so its confidence is 1; still checked
/// by the same rules as the web.
fn typed_reading(field: &crate::form::FieldDef, raw: &str) -> FieldReading {
    let mut reading = FieldReading {
        value: None,
        status: FieldStatus::Accepted,
        raw: (!raw.is_empty()).then(|| raw.to_string()),
        confidence: Some(1.0),
        reason: None,
        corrected_by: None,
    };
    match normalise_field(field, Channel::Paper, raw) {
        Ok(value) => reading.value = value,
        Err(error) => {
            reading.status = FieldStatus::NeedsReview;
            reading.reason = Some(error.to_string());
        }
    }
    if field.id == "hetu" && crate::record::validate::hetu(raw).is_ok_and(|h| h.temporary) {
        reading.status = FieldStatus::NeedsReview;
        reading.reason = Some("temporary identity code (900-999)".into());
    }
    reading
}
