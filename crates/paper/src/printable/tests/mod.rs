//! Layout and PDF agree: the PDF is parsed back and every box the layout
//! promises is found where it says. Helpers here; the tests in `layout`
//! and `pdf`.

mod layout;
mod pdf;

use std::path::Path;

use lopdf::{Dictionary, Document, Object, ObjectId, decode_text_string};

use intake_core::form::FormDefinition;

use super::layout::{BoxMm, contains, grow};
use super::{Layout, QrPayload, new_serial, render};

const SERIAL: &str = "K7PX3MWH2A";
/// Drawn coordinates are rounded to 0.01 pt and stored as f32.
const TOLERANCE_MM: f64 = 0.02;

fn shipped_source() -> String {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../forms/jobseeker-start-v1.toml");
    std::fs::read_to_string(path).unwrap()
}

fn parse(source: &str) -> FormDefinition {
    FormDefinition::parse(Path::new("forms/jobseeker-start-v1.toml"), source).unwrap()
}

fn definition() -> FormDefinition {
    parse(&shipped_source())
}

/// The shipped form with `extra` more long text fields: enough to need a
/// second page.
fn longer_definition(extra: usize) -> FormDefinition {
    let mut source = shipped_source();
    for i in 0..extra {
        source.push_str(&format!(
            "\n[[fields]]\nid = \"extra_{i}\"\ntype = \"text\"\nmax_length = 200\n\
             label = {{ sv = \"Extra {i}\", fi = \"Lisä {i}\", en = \"Extra {i}\" }}\n"
        ));
    }
    parse(&source)
}

fn serials(n: usize) -> Vec<String> {
    (0..n).map(|_| new_serial()).collect()
}

fn near(a: BoxMm, b: BoxMm) -> bool {
    a.iter().zip(b).all(|(x, y)| (x - y).abs() <= TOLERANCE_MM)
}

/// The pages of a rendered PDF in order, parsed back.
struct Parsed {
    doc: Document,
    pages: Vec<ObjectId>,
}

impl Parsed {
    fn new(pdf: &[u8]) -> Parsed {
        let doc = Document::load_mem(pdf).unwrap();
        let pages = doc.get_pages().into_values().collect();
        Parsed { doc, pages }
    }

    /// Every rectangle drawn on a page (`re`), in layout millimetres.
    fn rects(&self, page: usize) -> Vec<BoxMm> {
        let content = self
            .doc
            .get_and_decode_page_content(self.pages[page])
            .unwrap();
        let mm = |o: &Object| f64::from(o.as_float().unwrap()) * 25.4 / 72.0;
        content
            .operations
            .iter()
            .filter(|op| op.operator == "re")
            .map(|op| {
                let [x, y, w, h] = [0, 1, 2, 3].map(|i| mm(&op.operands[i]));
                [x, 297.0 - y - h, w, h]
            })
            .collect()
    }

    /// All the text shown on a page, as WinAnsi bytes joined by newlines.
    fn text(&self, page: usize) -> Vec<u8> {
        let content = self
            .doc
            .get_and_decode_page_content(self.pages[page])
            .unwrap();
        let mut text = Vec::new();
        for op in content.operations.iter().filter(|op| op.operator == "Tj") {
            text.extend_from_slice(op.operands[0].as_str().unwrap());
            text.push(b'\n');
        }
        text
    }

    fn dict(&self, object: &Object) -> Dictionary {
        self.doc
            .dereference(object)
            .unwrap()
            .1
            .as_dict()
            .unwrap()
            .clone()
    }

    /// Each widget on a page: (serial, field id, on-state or None, rect in mm).
    fn widgets(&self, page: usize) -> Vec<(String, String, Option<String>, BoxMm)> {
        let page = self.doc.get_dictionary(self.pages[page]).unwrap();
        let Ok(annots) = page.get(b"Annots") else {
            return Vec::new();
        };
        let text = |d: &Dictionary| decode_text_string(d.get(b"T").unwrap()).unwrap();
        annots
            .as_array()
            .unwrap()
            .iter()
            .map(|annot| {
                let widget = self.dict(annot);
                // A radio button's widget hangs under its group.
                let (field, copy) = if widget.has(b"T") {
                    (widget.clone(), self.dict(widget.get(b"Parent").unwrap()))
                } else {
                    let group = self.dict(widget.get(b"Parent").unwrap());
                    let copy = self.dict(group.get(b"Parent").unwrap());
                    (group, copy)
                };
                let on = widget.get(b"AP").ok().map(|ap| {
                    let normal = self.dict(ap).get(b"N").unwrap().clone();
                    let states = self.dict(&normal);
                    let on = states
                        .iter()
                        .map(|(k, _)| k)
                        .find(|k| *k != b"Off")
                        .unwrap();
                    String::from_utf8(on.clone()).unwrap()
                });
                let r: Vec<f64> = widget
                    .get(b"Rect")
                    .unwrap()
                    .as_array()
                    .unwrap()
                    .iter()
                    .map(|o| f64::from(o.as_float().unwrap()) * 25.4 / 72.0)
                    .collect();
                let rect = [r[0], 297.0 - r[3], r[2] - r[0], r[3] - r[1]];
                (text(&copy), text(&field), on, rect)
            })
            .collect()
    }
}

/// Rebuilds the QR code drawn on a page from its rectangles and finds the
/// payload that draws exactly those modules.
fn qr_on(parsed: &Parsed, page: usize, layout: &Layout) -> QrPayload {
    let area = layout.qr.box_mm;
    let runs: Vec<BoxMm> = parsed
        .rects(page)
        .into_iter()
        .filter(|r| contains(grow(area, TOLERANCE_MM), *r))
        .collect();
    let text = String::from_utf8_lossy(&parsed.text(page)).into_owned();
    let serial = text
        .lines()
        .find(|l| super::serial::is_serial(l))
        .unwrap()
        .to_string();
    let candidate = QrPayload {
        form: layout.form.clone(),
        version: layout.version,
        page: (page as u32 % layout.pages) + 1,
        serial,
    };
    let (modules, width) = candidate.modules().unwrap();
    let size = area[2] / width as f64;
    for row in 0..width {
        for col in 0..width {
            let centre = (
                area[0] + (col as f64 + 0.5) * size,
                area[1] + (row as f64 + 0.5) * size,
            );
            let dark = runs.iter().any(|r| {
                r[0] <= centre.0
                    && centre.0 <= r[0] + r[2]
                    && r[1] <= centre.1
                    && centre.1 <= r[1] + r[3]
            });
            assert_eq!(
                dark,
                modules[row * width + col],
                "module {row},{col} on page {page}"
            );
        }
    }
    candidate
}

/// `PAPER_PDF_OUT=/tmp/form.pdf cargo test --lib paper::tests::write_sample`
/// writes a sample PDF and its layout JSON to look at; `PAPER_COPIES=3`
/// makes three copies with random serials.
#[test]
fn write_sample() {
    let Some(out) = std::env::var_os("PAPER_PDF_OUT") else {
        return;
    };
    let definition = definition();
    let layout = Layout::from_definition(&definition);
    let copies: usize = std::env::var("PAPER_COPIES").map_or(1, |n| n.parse().unwrap());
    let serials = if copies == 1 {
        vec![SERIAL.to_string()]
    } else {
        serials(copies)
    };
    let pdf = render(&definition, &layout, &serials).unwrap();
    std::fs::write(&out, pdf).unwrap();
    std::fs::write(Path::new(&out).with_extension("json"), layout.to_json()).unwrap();
}

/// `PAPER_LONG_OUT=/tmp/long.pdf`: the same for a form of two pages.
#[test]
fn write_long_sample() {
    let Some(out) = std::env::var_os("PAPER_LONG_OUT") else {
        return;
    };
    let definition = longer_definition(14);
    let layout = Layout::from_definition(&definition);
    std::fs::write(&out, render(&definition, &layout, &serials(1)).unwrap()).unwrap();
}
