//! From files to documents: every page decoded, classified (the form, a
//! blank back, anything else) and read; consecutive pages of one document
//! kept together. Memory stays bounded: pages are decoded and read a few at
//! a time, in parallel across cores.

mod digital;
mod documents;
mod open;
mod window;

#[cfg(test)]
mod tests;

use std::collections::BTreeMap;
use std::path::Path;
use std::sync::Arc;
use std::time::Duration;

use image::GrayImage;
use serde::Serialize;

use super::decode::DecodeLimits;
use crate::printable::Layout;
use intake_core::form::FormDefinition;
use intake_core::record::{FieldReading, FieldStatus};

pub use documents::{MISSING_PAGE_REASON, fill_missing_fields};
pub use open::{OpenedFile, open_file, read_pages};
pub use window::release_engines;

use documents::group;

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

    /// Every `*.toml` definition in a folder; without one, those shipped
    /// inside the binary.
    pub fn load(
        forms_dir: Option<&Path>,
    ) -> Result<FormCatalogue, intake_core::form::DefinitionError> {
        Ok(FormCatalogue::new(FormDefinition::load_all(forms_dir)?))
    }

    fn find(&self, form: &str, version: u32) -> Option<&(FormDefinition, Layout)> {
        self.forms
            .iter()
            .find(|(d, _)| d.id() == form && d.version() == version)
    }

    pub fn definition(&self, form: &str, version: u32) -> Option<&FormDefinition> {
        self.find(form, version).map(|(definition, _)| definition)
    }

    fn is_empty(&self) -> bool {
        self.forms.is_empty()
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
    /// Seconds its reading took on its thread (recognition, not waiting
    /// for a thread or for earlier pages); 0 for a page not read (a
    /// digital form, a text page, one that could not be decoded).
    pub seconds: f64,
}

/// How a file is read: the decoder's limits, and how long one page may
/// take before it is given up (a pathological scan must not stall a batch).
#[derive(Debug, Clone, Default)]
pub struct ReadOptions {
    pub limits: DecodeLimits,
    pub page_timeout: Option<Duration>,
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
