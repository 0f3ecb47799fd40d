//! Fillable fields over the printed boxes, for people who fill the form in
//! on a computer before printing (or send the PDF itself).
//!
//! Naming: each printed copy is one non-terminal field whose partial name
//! `/T` is its serial; under it, each field's partial name is the field id
//! from the definition. Fully qualified names are therefore
//! `<serial>.<field id>`, e.g. `K7PX3MWH2A.hetu`, unique however many
//! copies one file holds. Combs and lines are text fields (combs with
//! `/MaxLen` and the comb flag over their cells; a date is ten slots,
//! `DD.MM.YYYY`). A choice is a radio group named by its id whose on-state
//! names are the option values, so its value is `/sv`, `/laid_off`, ...;
//! consent is a checkbox whose on state is `/yes`. The signature has no
//! fillable field: it must be signed by hand.

use lopdf::{
    Dictionary, Document, Object, ObjectId, Stream, StringFormat, decode_text_string, dictionary,
    text_string,
};

use intake_core::form::{FieldDef, FieldType, FormDefinition};

use super::PaperError;
use super::canvas::{pdf_rect, pt};
use super::layout::{BoxMm, FieldBox, FieldKind};
use super::style::CHECK;

/// The key of a copy's field that names its form and version,
/// `<form id>|<version>`.
pub const FORM_KEY: &str = "IntakeForm";

/// Field flags (PDF 32000-1, tables 226 and 228), bit n is `1 << (n - 1)`.
const FF_NO_TOGGLE_TO_OFF: i64 = 1 << 14;
const FF_RADIO: i64 = 1 << 15;
const FF_DO_NOT_SPELL_CHECK: i64 = 1 << 22;
const FF_DO_NOT_SCROLL: i64 = 1 << 23;
const FF_COMB: i64 = 1 << 24;
/// Annotation flag: print the field's value with the page.
const F_PRINT: i64 = 4;

/// What the widgets share: the appearance of a ticked and an empty box.
pub struct Appearances {
    ticked: ObjectId,
    empty: ObjectId,
}

impl Appearances {
    /// A cross for "ticked", drawn with lines so that it needs no font; an
    /// empty appearance for "not ticked", as the box itself is printed.
    pub fn add(doc: &mut Document) -> Appearances {
        let size = pt(CHECK);
        let inset = 1.2f32;
        let far = size - inset;
        let cross = format!(
            "q 0 G 1.3 w 1 J {inset} {inset} m {far} {far} l S {inset} {far} m {far} {inset} l S Q"
        );
        let form = |content: Vec<u8>| {
            Stream::new(
                dictionary! {
                    "Type" => "XObject",
                    "Subtype" => "Form",
                    "BBox" => vec![0.into(), 0.into(), size.into(), size.into()],
                    "Resources" => Dictionary::new(),
                },
                content,
            )
        };
        Appearances {
            ticked: doc.add_object(form(cross.into_bytes())),
            empty: doc.add_object(form(Vec::new())),
        }
    }
}

/// The fields of one page of one copy: adds them under the copy's field
/// `copy` (pushing onto `copy_kids`) and returns the page's widget
/// annotations.
pub fn add_page_fields(
    doc: &mut Document,
    appearances: &Appearances,
    definition: &FormDefinition,
    placed: &[&FieldBox],
    (page_id, copy): (ObjectId, ObjectId),
    copy_kids: &mut Vec<Object>,
) -> Vec<Object> {
    let mut annots = Vec::new();
    for &placed in placed {
        let Some(field) = definition.field(&placed.id) else {
            continue;
        };
        match (placed.kind, field.field_type) {
            // A signature is made by hand on the printed sheet.
            (FieldKind::Signature, _) => {}
            (_, FieldType::Consent) => {
                let Some(option) = placed.options.iter().flatten().next() else {
                    continue;
                };
                let mut widget = button_widget(appearances, page_id, option.box_mm, &option.value);
                widget.extend(&field_common(field, copy));
                widget.set("FT", "Btn");
                widget.set("V", "Off");
                let id = doc.add_object(widget);
                annots.push(id.into());
                copy_kids.push(id.into());
            }
            (FieldKind::Choice, _) => {
                let group = doc.new_object_id();
                let mut kids = Vec::new();
                for option in placed.options.iter().flatten() {
                    let mut widget =
                        button_widget(appearances, page_id, option.box_mm, &option.value);
                    widget.set("Parent", group);
                    let id = doc.add_object(widget);
                    kids.push(Object::from(id));
                    annots.push(id.into());
                }
                let mut radio = field_common(field, copy);
                radio.set("FT", "Btn");
                // An optional choice can be cleared again by clicking the
                // ticked option; a required one, once made, only changed.
                let no_toggle = if field.required {
                    FF_NO_TOGGLE_TO_OFF
                } else {
                    0
                };
                radio.set("Ff", FF_RADIO | no_toggle);
                radio.set("V", "Off");
                radio.set("Kids", kids);
                doc.objects.insert(group, Object::Dictionary(radio));
                copy_kids.push(group.into());
            }
            (FieldKind::Comb | FieldKind::Line, _) => {
                let mut widget = widget(page_id, placed.box_mm);
                widget.extend(&field_common(field, copy));
                widget.set("FT", "Tx");
                if placed.kind == FieldKind::Comb {
                    let slots = comb_len(field, placed);
                    widget.set("MaxLen", slots as i64);
                    widget.set("Ff", FF_COMB | FF_DO_NOT_SCROLL | FF_DO_NOT_SPELL_CHECK);
                    widget.set("DA", text("/Helv 12 Tf 0 g"));
                } else {
                    if let Some(max) = field.max_length {
                        widget.set("MaxLen", max as i64);
                    }
                    widget.set("DA", text("/Helv 11 Tf 0 g"));
                }
                let id = doc.add_object(widget);
                annots.push(id.into());
                copy_kids.push(id.into());
            }
        }
    }
    annots
}

/// A comb's character slots: its cells, plus a date's printed dots, which
/// a typed `06.04.2020` fills.
fn comb_len(field: &FieldDef, placed: &FieldBox) -> usize {
    super::style::comb_slots(field.field_type).map_or(placed.cells.unwrap_or(1), |(slots, _)| slots)
}

/// The keys every terminal field has: its parent (the copy), its id as
/// partial name, and the bilingual label as the name a screen reader says.
fn field_common(field: &FieldDef, copy: ObjectId) -> Dictionary {
    let spoken = format!(
        "{} / {} / {}",
        field.label.sv, field.label.fi, field.label.en
    );
    dictionary! {
        "Parent" => copy,
        "T" => text(&field.id),
        "TU" => text_string(&spoken),
    }
}

fn widget(page_id: ObjectId, b: BoxMm) -> Dictionary {
    let rect = pdf_rect(b).map(Object::from).to_vec();
    dictionary! {
        "Type" => "Annot",
        "Subtype" => "Widget",
        "Rect" => rect,
        "P" => page_id,
        "F" => F_PRINT,
    }
}

/// A checkbox or radio button widget whose on state is named `value`.
fn button_widget(
    appearances: &Appearances,
    page_id: ObjectId,
    b: BoxMm,
    value: &str,
) -> Dictionary {
    let mut widget = widget(page_id, b);
    let mut normal = Dictionary::new();
    normal.set(value.as_bytes().to_vec(), appearances.ticked);
    normal.set("Off", appearances.empty);
    widget.set("AS", "Off");
    widget.set("AP", dictionary! { "N" => normal });
    // ZapfDingbats "8" is a cross, for viewers that redraw the appearance.
    widget.set("MK", dictionary! { "CA" => text("8") });
    widget.set("DA", text("/ZaDb 0 Tf 0 g"));
    widget
}

/// An ASCII string object (field names and operators are ASCII).
pub fn text(s: &str) -> Object {
    Object::String(s.as_bytes().to_vec(), StringFormat::Literal)
}

/// A value typed or ticked into one of our PDFs before it came back.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FilledValue {
    /// The copy's serial, as in its QR codes.
    pub serial: String,
    /// The copy's form and version (`FORM_KEY`); `None` in PDFs made
    /// before copies carried it (version 1 forms).
    pub form: Option<(String, u32)>,
    /// The field id from the definition.
    pub field: String,
    /// Text as typed; for a choice the option value; `yes` for consent.
    pub value: String,
}

/// Reads back the non-empty fields of a PDF this module made, by the
/// naming above. Fields of other shapes are skipped, not an error: a PDF
/// that went through another program may have gained some.
pub fn filled_values(pdf: &[u8]) -> Result<Vec<FilledValue>, PaperError> {
    let doc = Document::load_mem(pdf)?;
    let deref = |object: &Object| doc.dereference(object).ok().map(|(_, o)| o.clone());
    let mut values = Vec::new();
    let Some(acro_form) = doc.catalog()?.get(b"AcroForm").ok().and_then(deref) else {
        return Ok(values);
    };
    for (serial, copy) in named_kids(acro_form.as_dict()?, b"Fields", &deref) {
        let form = copy
            .get(FORM_KEY.as_bytes())
            .ok()
            .and_then(|o| decode_text_string(o).ok())
            .and_then(|text| {
                let (id, version) = text.split_once('|')?;
                Some((id.to_string(), version.parse().ok()?))
            });
        for (id, field) in named_kids(&copy, b"Kids", &deref) {
            if let Some(value) = field_value(&field, &deref).filter(|v| !v.trim().is_empty()) {
                values.push(FilledValue {
                    serial: serial.clone(),
                    form: form.clone(),
                    field: id,
                    value,
                });
            }
        }
    }
    Ok(values)
}

/// The dictionaries an array entry of a dictionary lists, with their
/// partial names `/T`; entries of other shapes are skipped.
fn named_kids(
    parent: &Dictionary,
    key: &[u8],
    deref: &dyn Fn(&Object) -> Option<Object>,
) -> Vec<(String, Dictionary)> {
    let list = parent.get(key).ok().and_then(deref);
    let items = list.as_ref().and_then(|l| l.as_array().ok());
    items
        .into_iter()
        .flatten()
        .filter_map(|item| match deref(item)? {
            Object::Dictionary(dict) => {
                let name = decode_text_string(dict.get(b"T").ok()?).ok()?;
                Some((name, dict))
            }
            _ => None,
        })
        .collect()
}

/// A text field's string, or a button's on state; some programs only set
/// the ticked widget's `/AS`, so a radio group's kids are asked too.
fn field_value(field: &Dictionary, deref: &dyn Fn(&Object) -> Option<Object>) -> Option<String> {
    let on = |name: &[u8]| (name != b"Off").then(|| String::from_utf8_lossy(name).into_owned());
    match field.get(b"V").ok().and_then(deref) {
        Some(Object::Name(name)) if name != b"Off" => return on(&name),
        Some(text @ Object::String(..)) => return decode_text_string(&text).ok(),
        _ => {}
    }
    let kids = field.get(b"Kids").ok().and_then(deref);
    let mut widgets: Vec<Object> = kids
        .and_then(|k| k.as_array().ok().cloned())
        .unwrap_or_default();
    if widgets.is_empty() {
        widgets.push(Object::Dictionary(field.clone()));
    }
    widgets
        .iter()
        .filter_map(deref)
        .find_map(|widget| match widget.as_dict().ok()?.get(b"AS") {
            Ok(Object::Name(name)) => on(name),
            _ => None,
        })
}
