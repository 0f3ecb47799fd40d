//! Pages grouped into documents: a form sheet by its serial, a letter by its
//! run of pages; a field on a page that never arrived is flagged, not lost.

use std::collections::BTreeMap;
use std::path::Path;

use super::{Document, DocumentKind, FormCatalogue, PageOutcome};
use intake_core::form::{Channel, FormDefinition};
use intake_core::record::{FieldReading, FieldStatus, ReviewReason};

/// Consecutive pages of one document stay together: the pages of one form
/// sheet (same serial, each form page once), and runs of other pages (blank
/// backs between them do not split a letter). Every blank page is noted as
/// its own document. A serial says which sheet was printed, not who wrote on
/// it: photocopies of one sheet share it, so a form page the open sheet
/// already has starts a new document.
pub(super) fn group(
    path: &Path,
    outcomes: Vec<(u32, PageOutcome)>,
    catalogue: &FormCatalogue,
) -> Vec<Document> {
    let source = path.display().to_string();
    let mut documents: Vec<Document> = Vec::new();
    let mut open_other: Option<usize> = None;
    let mut open_form: Option<usize> = None;
    // The form pages the open form document holds (0: a digital copy,
    // which carries every page).
    let mut open_form_pages: Vec<u32> = Vec::new();
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
                form_page,
                fields,
                ..
            } => {
                open_other = None;
                let page_is_new = form_page != 0
                    && !open_form_pages.contains(&0)
                    && !open_form_pages.contains(&form_page);
                let same_sheet = open_form.filter(|&i| {
                    page_is_new && documents[i].serial.as_deref() == Some(serial.as_str())
                });
                match same_sheet {
                    Some(index) => {
                        documents[index].pages.push(number);
                        documents[index].fields.extend(fields);
                        open_form_pages.push(form_page);
                    }
                    None => {
                        open_form = Some(documents.len());
                        open_form_pages = vec![form_page];
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
                candidates: Vec::new(),
                corrected_by: None,
                alternatives: Vec::new(),
            });
    }
}

pub const MISSING_PAGE_REASON: ReviewReason = ReviewReason::MissingPage;

#[cfg(test)]
mod tests {
    use super::*;
    use intake_core::record::Value;

    fn form_page(serial: &str, form_page: u32, surname: &str) -> PageOutcome {
        let reading = FieldReading {
            value: Some(Value::Text(surname.into())),
            status: FieldStatus::Accepted,
            raw: Some(surname.into()),
            confidence: Some(0.99),
            reasons: Vec::new(),
            candidates: Vec::new(),
            corrected_by: None,
            alternatives: Vec::new(),
        };
        PageOutcome::Form {
            form: "jobseeker-start".into(),
            version: 1,
            serial: serial.into(),
            form_page,
            fields: BTreeMap::from([("surname".to_string(), reading)]),
            image: None,
        }
    }

    fn surname(document: &Document) -> Option<&str> {
        document.fields.get("surname")?.value.as_ref()?.as_text()
    }

    #[test]
    fn two_page_ones_of_one_serial_are_two_documents() {
        let catalogue = FormCatalogue::new(Vec::new());
        let outcomes = vec![
            (1, form_page("ABCDEFGHJK", 1, "VIRTANEN")),
            (2, PageOutcome::Blank),
            (3, form_page("ABCDEFGHJK", 1, "KORHONEN")),
        ];
        let documents = group(Path::new("copies.pdf"), outcomes, &catalogue);
        let forms: Vec<&Document> = documents
            .iter()
            .filter(|d| d.kind == DocumentKind::Form)
            .collect();
        assert_eq!(forms.len(), 2);
        assert_eq!(forms[0].pages, [1]);
        assert_eq!(forms[1].pages, [3]);
        assert_eq!(surname(forms[0]), Some("VIRTANEN"));
        assert_eq!(surname(forms[1]), Some("KORHONEN"));
        assert!(
            forms
                .iter()
                .all(|d| d.serial.as_deref() == Some("ABCDEFGHJK"))
        );
    }

    #[test]
    fn page_one_then_page_two_of_one_serial_join() {
        let catalogue = FormCatalogue::new(Vec::new());
        let outcomes = vec![
            (1, form_page("ABCDEFGHJK", 1, "VIRTANEN")),
            (2, form_page("ABCDEFGHJK", 2, "VIRTANEN")),
            (3, form_page("ABCDEFGHJK", 1, "KORHONEN")),
            (4, form_page("ABCDEFGHJK", 2, "KORHONEN")),
        ];
        let documents = group(Path::new("copies.pdf"), outcomes, &catalogue);
        assert_eq!(documents.len(), 2);
        assert_eq!(documents[0].pages, [1, 2]);
        assert_eq!(documents[1].pages, [3, 4]);
        assert_eq!(surname(&documents[1]), Some("KORHONEN"));
    }
}
