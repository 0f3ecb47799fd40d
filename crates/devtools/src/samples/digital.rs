//! The form filled in on a computer and sent as the PDF itself: values set
//! in its AcroForm fields (`<serial>.<field id>`, see `paper::acroform`),
//! never printed or scanned. No signature: that needs a pen.

use std::collections::BTreeMap;

use lopdf::{Dictionary, Document, Object, ObjectId, text_string};
use serde_json::Value as Json;

use intake_core::form::{FieldType, FormDefinition};

use super::SamplesError;
use super::values::{FieldFill, MarkKind, Writing};

/// What one types for a fill, as a field of the PDF takes it: a date's
/// dots are typed, as the comb has slots for them.
pub fn typed(definition: &FormDefinition, fill: &FieldFill) -> Option<String> {
    let field = definition.field(&fill.id)?;
    match &fill.writing {
        Writing::Comb(cells) if field.field_type == FieldType::Date => {
            let d: String = cells.iter().collect();
            Some(format!("{}.{}.{}", &d[..2], &d[2..4], &d[4..]))
        }
        Writing::Comb(cells) => Some(cells.iter().collect::<String>()),
        Writing::Line(text) => Some(text.clone()),
        Writing::Marks(marks) => marks
            .iter()
            .find(|m| m.mark != MarkKind::ScribbledOut)
            .map(|m| m.option.clone()),
        Writing::Empty | Writing::Signature => None,
    }
}

/// Sets the typed values on the one copy in `pdf`; returns the new PDF.
pub fn fill_pdf(pdf: &[u8], values: &BTreeMap<String, String>) -> Result<Vec<u8>, SamplesError> {
    let mut doc = Document::load_mem(pdf)?;
    let acro_form = match doc.catalog()?.get(b"AcroForm")? {
        Object::Reference(id) => doc.get_dictionary(*id)?.clone(),
        Object::Dictionary(d) => d.clone(),
        _ => {
            return Err(lopdf::Error::DictType {
                expected: "AcroForm",
                found: "other".into(),
            }
            .into());
        }
    };
    let copies: Vec<ObjectId> = refs(acro_form.get(b"Fields")?);
    for copy in copies {
        let kids = refs(doc.get_dictionary(copy)?.get(b"Kids")?);
        for kid in kids {
            let field = doc.get_dictionary(kid)?;
            let id = String::from_utf8_lossy(field.get(b"T")?.as_str()?).into_owned();
            let Some(value) = values.get(&id) else {
                continue;
            };
            let is_button = field.get(b"FT").and_then(Object::as_name).ok() == Some(b"Btn");
            if !is_button {
                doc.get_dictionary_mut(kid)?.set("V", text_string(value));
                continue;
            }
            let widgets = field.get(b"Kids").map(refs).unwrap_or_else(|_| vec![kid]);
            doc.get_dictionary_mut(kid)?
                .set("V", Object::Name(value.as_bytes().to_vec()));
            for widget in widgets {
                let dict = doc.get_dictionary_mut(widget)?;
                let on = has_state(dict, value);
                dict.set(
                    "AS",
                    Object::Name(if on { value.as_bytes() } else { b"Off" }.to_vec()),
                );
            }
        }
    }
    let mut bytes = Vec::new();
    doc.save_to(&mut bytes).map_err(lopdf::Error::from)?;
    Ok(bytes)
}

fn refs(object: &Object) -> Vec<ObjectId> {
    object
        .as_array()
        .map(|items| items.iter().filter_map(|o| o.as_reference().ok()).collect())
        .unwrap_or_default()
}

/// Whether a button widget's normal appearance has the state `value`.
fn has_state(widget: &Dictionary, value: &str) -> bool {
    widget
        .get(b"AP")
        .and_then(Object::as_dict)
        .and_then(|ap| ap.get(b"N"))
        .and_then(Object::as_dict)
        .is_ok_and(|normal| normal.has(value.as_bytes()))
}

/// The digital copy's truth: what was typed, normalised; unsigned.
pub fn truth_of(fills: &[FieldFill]) -> BTreeMap<String, Json> {
    fills
        .iter()
        .map(|f| {
            let value = match f.writing {
                Writing::Signature => Json::Bool(false),
                _ => f.truth.clone(),
            };
            (f.id.clone(), value)
        })
        .collect()
}
