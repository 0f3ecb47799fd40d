//! The form filled in on a computer and then flattened, as a viewer's
//! "print to PDF" or a flattening tool leaves it: the fields are gone, and
//! what was typed is page text where the viewer drew it (centred in each
//! comb slot, at the left of a line). Ticked boxes are the PDF's own cross,
//! placed as an XObject the way flattening tools place appearances; the
//! consent box a ZapfDingbats tick, as viewers draw a checkbox's caption.

use std::collections::BTreeMap;

use lopdf::content::{Content, Operation};
use lopdf::{Dictionary, Document, Object, Stream, StringFormat, dictionary};

use intake_core::form::{FieldType, FormDefinition};
use intake_paper::printable::{FieldKind, Layout};

use super::SamplesError;

const MM_PER_PT: f64 = 25.4 / 72.0;
const PAGE_HEIGHT_MM: f64 = 297.0;
/// The fields' own font sizes (`/DA` in `paper::acroform`).
const COMB_PT: f64 = 12.0;
const LINE_PT: f64 = 11.0;
const CHECK_PT: f64 = 10.0;
/// Helvetica's capital height and a digit's advance, in em.
const CAP_HEIGHT: f64 = 0.72;
const DIGIT_ADVANCE: f64 = 0.556;
/// A viewer's padding at the left of a text field.
const LINE_PADDING_MM: f64 = 2.0 * MM_PER_PT;

/// `pdf`, one copy of the blank form as `paper::render` makes it, with
/// `typed` (field id to what was typed, as [`super::digital::typed`] gives)
/// drawn into its pages, and its fields removed. `scale` below 1 shrinks
/// every page about its top left corner, as "fit to page" printing does.
pub fn flatten(
    pdf: &[u8],
    definition: &FormDefinition,
    layout: &Layout,
    typed: &BTreeMap<String, String>,
    scale: f64,
) -> Result<Vec<u8>, SamplesError> {
    let mut doc = Document::load_mem(pdf)?;
    doc.catalog_mut()?.remove(b"AcroForm");
    let helvetica = doc.add_object(dictionary! {
        "Type" => "Font", "Subtype" => "Type1", "BaseFont" => "Helvetica",
        "Encoding" => "WinAnsiEncoding",
    });
    let dingbats = doc.add_object(dictionary! {
        "Type" => "Font", "Subtype" => "Type1", "BaseFont" => "ZapfDingbats",
    });
    let cross = doc.add_object(cross_appearance());
    let pages: Vec<_> = doc.get_pages().into_iter().collect();
    for (number, page_id) in pages {
        let form_page = (number - 1) % layout.pages + 1;
        let mut ops = Vec::new();
        let mut xobjects = Dictionary::new();
        for placed in layout.fields_on(form_page) {
            let (Some(field), Some(value)) = (definition.field(&placed.id), typed.get(&placed.id))
            else {
                continue;
            };
            let b = placed.box_mm;
            match placed.kind {
                FieldKind::Comb => {
                    let slots = if field.field_type == FieldType::Date {
                        10
                    } else {
                        placed.cells.unwrap_or(1)
                    };
                    let slot = b[2] / slots as f64;
                    for (i, c) in value.chars().enumerate() {
                        let x = b[0] + (i as f64 + 0.5) * slot
                            - DIGIT_ADVANCE * COMB_PT * MM_PER_PT / 2.0;
                        text(
                            &mut ops,
                            "FlatHelv",
                            COMB_PT,
                            x,
                            baseline(b, COMB_PT),
                            &c.to_string(),
                        );
                    }
                }
                FieldKind::Line => {
                    let x = b[0] + LINE_PADDING_MM;
                    text(
                        &mut ops,
                        "FlatHelv",
                        LINE_PT,
                        x,
                        baseline(b, LINE_PT),
                        value,
                    );
                }
                FieldKind::Choice => {
                    let Some(option) = placed.options.iter().flatten().find(|o| &o.value == value)
                    else {
                        continue;
                    };
                    let o = option.box_mm;
                    if field.field_type == FieldType::Consent {
                        let x = o[0] + 0.8;
                        text(
                            &mut ops,
                            "FlatZaDb",
                            CHECK_PT,
                            x,
                            baseline(o, CHECK_PT),
                            "4",
                        );
                        continue;
                    }
                    let name = format!("FlatX{}", xobjects.len());
                    xobjects.set(name.as_bytes().to_vec(), cross);
                    let (x, y) = (pt(o[0]), pt(PAGE_HEIGHT_MM - o[1] - o[3]));
                    ops.push(Operation::new("q", vec![]));
                    ops.push(Operation::new("cm", nums(&[1.0, 0.0, 0.0, 1.0, x, y])));
                    ops.push(Operation::new("Do", vec![Object::Name(name.into_bytes())]));
                    ops.push(Operation::new("Q", vec![]));
                }
                FieldKind::Signature => {}
            }
        }
        let top = pt(PAGE_HEIGHT_MM);
        let before = Content {
            operations: vec![
                Operation::new("q", vec![]),
                // Scaled about the top left corner.
                Operation::new(
                    "cm",
                    nums(&[scale, 0.0, 0.0, scale, 0.0, top * (1.0 - scale)]),
                ),
            ],
        };
        ops.push(Operation::new("Q", vec![]));
        let after = Content { operations: ops };
        let before = doc.add_object(Stream::new(Dictionary::new(), before.encode()?));
        let after = doc.add_object(Stream::new(Dictionary::new(), after.encode()?));
        let page = doc.get_dictionary(page_id)?;
        let old = page.get(b"Contents")?.clone();
        let mut resources = match page.get(b"Resources")? {
            Object::Reference(id) => doc.get_dictionary(*id)?.clone(),
            other => other.as_dict()?.clone(),
        };
        let mut fonts = match resources.get(b"Font")? {
            Object::Reference(id) => doc.get_dictionary(*id)?.clone(),
            other => other.as_dict()?.clone(),
        };
        fonts.set("FlatHelv", helvetica);
        fonts.set("FlatZaDb", dingbats);
        resources.set("Font", fonts);
        resources.set("XObject", xobjects);
        let page = doc.get_dictionary_mut(page_id)?;
        page.remove(b"Annots");
        page.set("Contents", vec![before.into(), old, after.into()]);
        page.set("Resources", resources);
    }
    doc.compress();
    let mut bytes = Vec::new();
    doc.save_to(&mut bytes).map_err(lopdf::Error::from)?;
    Ok(bytes)
}

/// The ticked appearance of `paper::acroform`: a cross of two lines.
fn cross_appearance() -> Stream {
    let size = pt(5.0);
    let (near, far) = (1.2, size - 1.2);
    let content = format!(
        "q 0 G 1.3 w 1 J {near} {near} m {far} {far} l S {near} {far} m {far} {near} l S Q"
    );
    Stream::new(
        dictionary! {
            "Type" => "XObject",
            "Subtype" => "Form",
            "BBox" => nums(&[0.0, 0.0, size, size]),
            "Resources" => Dictionary::new(),
        },
        content.into_bytes(),
    )
}

/// Text vertically centred in the box, as viewers place a field's value.
fn baseline(b: [f64; 4], size_pt: f64) -> f64 {
    b[1] + b[3] / 2.0 + CAP_HEIGHT * size_pt * MM_PER_PT / 2.0
}

fn text(ops: &mut Vec<Operation>, font: &str, size_pt: f64, x: f64, baseline: f64, s: &str) {
    let bytes: Vec<u8> = s
        .chars()
        .map(|c| u8::try_from(u32::from(c)).unwrap_or(b'?'))
        .collect();
    ops.push(Operation::new("BT", vec![]));
    ops.push(Operation::new("g", vec![0.into()]));
    ops.push(Operation::new(
        "Tf",
        vec![
            Object::Name(font.as_bytes().to_vec()),
            (size_pt as f32).into(),
        ],
    ));
    ops.push(Operation::new(
        "Td",
        nums(&[pt(x), pt(PAGE_HEIGHT_MM - baseline)]),
    ));
    ops.push(Operation::new(
        "Tj",
        vec![Object::String(bytes, StringFormat::Literal)],
    ));
    ops.push(Operation::new("ET", vec![]));
}

fn pt(mm: f64) -> f64 {
    mm / MM_PER_PT
}

fn nums(values: &[f64]) -> Vec<Object> {
    values.iter().map(|v| Object::Real(*v as f32)).collect()
}
