//! Forms filled in on a computer: values from AcroForm fields, or from the
//! text layer of a flattened copy, are as exact as typed and read so.

use std::collections::BTreeMap;

use super::{Document, DocumentKind, FormCatalogue, PageOutcome};
use crate::capture::decode::{self, PageContent};
use crate::capture::text_layer::TextLayer;
use crate::printable;
use intake_core::form::Channel;
use intake_core::record::normalise::normalise_field;
use intake_core::record::{FieldReading, FieldStatus, ReviewReason};

/// The exact path: a PDF of our form filled on a computer carries its
/// values in AcroForm fields. One document per filled copy.
pub(super) fn digital_forms(bytes: &[u8], catalogue: &FormCatalogue) -> Vec<Document> {
    let Ok(values) = printable::filled_values(bytes) else {
        // Not a PDF lopdf can read as a whole: the page decoder says why.
        return Vec::new();
    };
    let mut serials: Vec<&str> = values.iter().map(|v| v.serial.as_str()).collect();
    serials.dedup();
    serials
        .into_iter()
        .enumerate()
        .filter_map(|(copy, serial)| {
            let of_copy: Vec<&printable::FilledValue> =
                values.iter().filter(|v| v.serial == serial).collect();
            let typed: BTreeMap<&str, &str> = of_copy
                .iter()
                .map(|v| (v.field.as_str(), v.value.as_str()))
                .collect();
            let named = of_copy.first().and_then(|v| v.form.as_ref());
            let definition = match named {
                Some((form, version)) => catalogue.definition(form, *version)?,
                None => unnamed_copy_form(catalogue, &typed)?,
            };
            let fields = definition
                .fields_for(Channel::Paper)
                .map(|field| {
                    let raw = typed.get(field.id.as_str()).copied().unwrap_or("");
                    (field.id.clone(), typed_reading(field, raw))
                })
                .collect();
            Some(Document {
                source: String::new(),
                pages: vec![copy as u32 + 1],
                kind: DocumentKind::Form,
                form: Some(definition.id().to_string()),
                form_version: Some(definition.version()),
                serial: Some(serial.to_string()),
                fields,
                text: None,
            })
        })
        .collect()
}

/// The form of a copy made before copies named it: the earliest version
/// with every field filled in (those PDFs are all version 1 forms).
fn unnamed_copy_form<'a>(
    catalogue: &'a FormCatalogue,
    typed: &BTreeMap<&str, &str>,
) -> Option<&'a intake_core::form::FormDefinition> {
    let mut fitting: Vec<&intake_core::form::FormDefinition> = catalogue
        .forms
        .iter()
        .map(|(definition, _)| definition)
        .filter(|d| typed.keys().all(|id| d.field(id).is_some()))
        .collect();
    fitting.sort_by_key(|d| d.version());
    fitting.first().copied()
}

/// A page of a PDF without filled fields that is one of our forms by its
/// text: filled in on a computer and flattened. Its values are as exact
/// as typed ones. `None` for a scanned page or any other page.
pub(super) fn from_text_layer(
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
        candidates: Vec::new(),
        corrected_by: None,
        alternatives: Vec::new(),
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
