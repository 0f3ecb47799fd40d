//! Pages grouped into documents: a form sheet by its serial, a letter by its
//! run of pages; a field on a page that never arrived is flagged, not lost.

use std::collections::BTreeMap;
use std::path::Path;

use super::{Document, DocumentKind, FormCatalogue, PageOutcome};
use intake_core::form::{Channel, FormDefinition};
use intake_core::record::{FieldReading, FieldStatus, ReviewReason};

/// Consecutive pages of one document stay together: the pages of one form
/// sheet (same serial), and runs of other pages (blank backs between them
/// do not split a letter). Every blank page is noted as its own document.
pub(super) fn group(
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
