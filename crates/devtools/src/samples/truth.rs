//! What each sample file really contains, for scoring the capture against:
//! `<name>.truth.json` beside every sample and `index.json` over them all.
//!
//! ```json
//! {"file": "003-handwriting.jpg", "format": "jpeg",
//!  "pages": [{"page": 1, "dpi": 200, "colour": false, "quarter_turns": 2,
//!             "skew_degrees": -1.37, "width": 1654, "height": 2339}],
//!  "documents": [{"pages": [1], "kind": "form", "serial": "K7PX3MWH2A",
//!                 "font_class": "handwriting", "font": "Humor Sans", "ink": "blue",
//!                 "fields": {"hetu": "131052-308T", "phone": "+358401234567",
//!                            "email": null, "contact_consent": true, ...},
//!                 "written": {"phone": "040-1234567", ...},
//!                 "marks": {"situation": [{"option": "laid_off", "mark": "scribbled_out"},
//!                                         {"option": "unemployed", "mark": "tick"}]}}]}
//! ```
//! `fields` holds every paper field of the form as the record would hold
//! it (the normaliser's own output; an unticked consent is `false`, an
//! empty choice with a default its default). `written` is what is in the
//! combs and on the lines, a space for a cell left blank.

use std::collections::BTreeMap;

use serde::Serialize;
use serde_json::Value as Json;

use super::fonts::FontClass;
use super::scanner::PageTruth;
use super::values::Mark;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum DocumentKind {
    /// A copy of our form.
    Form,
    /// The blank back of a sheet.
    Blank,
    /// Anything else: a letter.
    Other,
}

#[derive(Debug, Clone, Serialize)]
pub struct DocumentTruth {
    /// 1-based pages of the file.
    pub pages: Vec<usize>,
    pub kind: DocumentKind,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub serial: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub font_class: Option<FontClass>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub font: Option<&'static str>,
    /// `blue`, `black` or `printer`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub ink: Option<&'static str>,
    /// `scan`, or `acroform` for a PDF filled in on a computer.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub source: Option<&'static str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub fields: Option<BTreeMap<String, Json>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub written: Option<BTreeMap<String, String>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub marks: Option<BTreeMap<String, Vec<Mark>>>,
    /// A letter's text.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub text: Option<String>,
}

impl DocumentTruth {
    pub fn new(kind: DocumentKind, pages: Vec<usize>) -> DocumentTruth {
        DocumentTruth {
            pages,
            kind,
            serial: None,
            font_class: None,
            font: None,
            ink: None,
            source: None,
            fields: None,
            written: None,
            marks: None,
            text: None,
        }
    }
}

#[derive(Debug, Clone, Serialize)]
pub struct SampleTruth {
    pub file: String,
    /// `png`, `jpeg`, `tiff` or `pdf`.
    pub format: &'static str,
    /// How each page was scanned; empty for a PDF that was never printed.
    pub pages: Vec<PageTruth>,
    pub documents: Vec<DocumentTruth>,
}

#[derive(Debug, Clone, Serialize)]
pub struct IndexEntry {
    pub file: String,
    pub truth: String,
    pub format: &'static str,
    pub pages: usize,
    pub forms: usize,
    pub bytes: u64,
}

#[derive(Debug, Clone, Serialize)]
pub struct Index {
    pub generator: &'static str,
    pub seed: u64,
    pub count: usize,
    pub samples: Vec<IndexEntry>,
}
