//! The exact path for a form filled in on a computer and then flattened
//! (printed to PDF from a viewer, or run through a tool that merges the
//! fields into the page): no fields are left, but every typed value is page
//! text standing in its box, and every tick a drawn cross or a dingbat in
//! its checkbox. Each character is placed into the layout's boxes by its
//! position; the page is named by the QR payload printed in small type at
//! its foot (or, on sheets printed before that line, by the footer).

mod bake;
mod collect;

#[cfg(test)]
mod tests;

use std::collections::BTreeMap;

use lopdf::{Document, ObjectId};

use crate::capture::decode::{
    DecodeLimits, check_all_but_images, check_pdf, encrypted_with_object_streams,
};

use crate::printable::layout::{BoxMm, grow};
use crate::printable::{FieldKind, Layout, QrPayload};

use collect::{Collector, Glyph, Ink};

/// Margin around a box within which a character's middle still counts as
/// in it: a viewer centres typed text in the field, well inside.
const GLYPH_SLACK_MM: f64 = 0.6;
/// A line or a filled shape counts as a mark in a box when its middle lies
/// this far inside the box's edges (the printed frame lies on them) and it
/// does not reach further than `MARK_REACH_MM` outside.
const MARK_INSET_MM: f64 = 0.6;
const MARK_REACH_MM: f64 = 1.5;
/// The registration marks are filled 6 mm squares; a shape this close in
/// size, near where a mark belongs, is taken as one.
const MARK_SIZE_TOLERANCE_MM: f64 = 1.5;
const MARK_SEARCH_MM: f64 = 25.0;
/// Words in a line: a gap wider than this share of the font size between
/// two characters is a space, whether or not a space was drawn.
const WORD_GAP: f64 = 0.2;

/// A PDF opened for its text layer: pages are read on demand.
pub struct TextLayer {
    doc: Document,
    pages: BTreeMap<u32, ObjectId>,
}

/// What the text layer of one page says: the form it is, and what stands
/// in each of that page's fields (`raw`, as for a typed value: the option
/// value of a ticked box, `yes` for a ticked consent or a signed box).
#[derive(Debug, Clone, PartialEq)]
pub struct TextPage {
    pub payload: QrPayload,
    pub raw: BTreeMap<String, String>,
}

impl TextLayer {
    /// `None` when lopdf cannot parse the file, or a stream in it would
    /// unpack past the limits: the page decoder says why.
    pub fn open(bytes: &[u8], limits: &DecodeLimits) -> Option<TextLayer> {
        check_pdf(bytes, limits).ok()?;
        if encrypted_with_object_streams(bytes) {
            return None;
        }
        let doc = guard(|| Document::load_mem(bytes).ok())?;
        if doc.is_encrypted() {
            return None;
        }
        // pdf-extract unpacks drawing instructions, fonts and their maps
        // whole: each is measured first.
        check_all_but_images(&doc, limits).ok()?;
        let pages = guard(|| Some(doc.get_pages()))?;
        Some(TextLayer { doc, pages })
    }

    /// Page `number` (1-based) as one of our forms, if its text says it is
    /// one the `layout_for` knows: given form and version, that layout.
    pub fn read_form<'l>(
        &mut self,
        number: u32,
        layout_for: impl Fn(&str, u32) -> Option<&'l Layout>,
    ) -> Option<TextPage> {
        let mut page = self.positioned(number)?;
        let payload = page.payload()?;
        let layout = layout_for(&payload.form, payload.version)?;
        if payload.page > layout.pages {
            return None;
        }
        page.fit_to(layout);
        let raw = layout
            .fields_on(payload.page)
            .map(|placed| {
                let text = match placed.kind {
                    FieldKind::Comb => page.comb(placed.box_mm),
                    FieldKind::Line => page.line(placed.box_mm),
                    FieldKind::Choice => placed
                        .options
                        .iter()
                        .flatten()
                        .filter(|option| page.marked(option.box_mm))
                        .map(|option| option.value.as_str())
                        .collect::<Vec<_>>()
                        .join("+"),
                    FieldKind::Signature if page.marked(placed.box_mm) => "yes".into(),
                    FieldKind::Signature => String::new(),
                };
                (placed.id.clone(), text)
            })
            .collect();
        Some(TextPage { payload, raw })
    }

    /// Everything the page draws, placed.
    fn positioned(&mut self, number: u32) -> Option<Positioned> {
        let page_id = *self.pages.get(&number)?;
        let doc = &mut self.doc;
        guard(|| {
            if !bake::bake_page(doc, page_id) {
                return None;
            }
            let mut collector = Collector::default();
            pdf_extract::output_doc_page(doc, &mut collector, number).ok()?;
            Some(Positioned {
                glyphs: collector.glyphs,
                ink: collector.ink,
            })
        })
    }
}

/// pdf-extract unwraps freely on malformed input; a page it cannot read is
/// simply not read this way.
fn guard<T>(read: impl FnOnce() -> Option<T>) -> Option<T> {
    std::panic::catch_unwind(std::panic::AssertUnwindSafe(read))
        .ok()
        .flatten()
}

struct Positioned {
    glyphs: Vec<Glyph>,
    ink: Vec<Ink>,
}

impl Positioned {
    /// The QR payload printed as text, or else what the footer says.
    fn payload(&self) -> Option<QrPayload> {
        let lines = lines(self.glyphs.iter().collect());
        let words = |line: &str| {
            line.split_whitespace()
                .map(str::to_string)
                .collect::<Vec<_>>()
        };
        lines
            .iter()
            .flat_map(|line| words(line))
            .find_map(|word| {
                let at = word.find("INTAKE1|")?;
                QrPayload::parse(&word[at..]).ok()
            })
            .or_else(|| lines.iter().find_map(|line| from_footer(&words(line))))
    }

    /// Maps positions onto the layout by the registration marks, so that a
    /// page printed to PDF at another scale or offset ("fit to page")
    /// still puts each value in its box. Left as it is without two marks
    /// apart on each axis.
    fn fit_to(&mut self, layout: &Layout) {
        let centre = |b: BoxMm| (b[0] + b[2] / 2.0, b[1] + b[3] / 2.0);
        let squares: Vec<(f64, f64)> = self
            .ink
            .iter()
            .filter_map(|ink| match *ink {
                Ink::Fill { min, max } => {
                    let (w, h) = (max.0 - min.0, max.1 - min.1);
                    let near = |side: f64, mark: f64| (side - mark).abs() < MARK_SIZE_TOLERANCE_MM;
                    let mark = layout.marks.first()?.box_mm;
                    (near(w, mark[2]) && near(h, mark[3]))
                        .then(|| ((min.0 + max.0) / 2.0, (min.1 + max.1) / 2.0))
                }
                Ink::Line { .. } => None,
            })
            .collect();
        let mut pairs = Vec::new();
        for mark in &layout.marks {
            let want = centre(mark.box_mm);
            let distance = |p: &(f64, f64)| (p.0 - want.0).hypot(p.1 - want.1);
            if let Some(found) = squares
                .iter()
                .filter(|p| distance(p) < MARK_SEARCH_MM)
                .min_by(|a, b| distance(a).total_cmp(&distance(b)))
            {
                pairs.push((*found, want));
            }
        }
        let x = axis_fit(pairs.iter().map(|(found, want)| (found.0, want.0)));
        let y = axis_fit(pairs.iter().map(|(found, want)| (found.1, want.1)));
        let (Some((ax, bx)), Some((ay, by))) = (x, y) else {
            return;
        };
        let scale = (ax * ay).sqrt();
        let map = |p: (f64, f64)| (ax * p.0 + bx, ay * p.1 + by);
        for glyph in &mut self.glyphs {
            (glyph.x, glyph.baseline) = map((glyph.x, glyph.baseline));
            glyph.advance *= ax;
            glyph.size *= scale;
        }
        for ink in &mut self.ink {
            *ink = match *ink {
                Ink::Line { from, to } => Ink::Line {
                    from: map(from),
                    to: map(to),
                },
                Ink::Fill { min, max } => Ink::Fill {
                    min: map(min),
                    max: map(max),
                },
            };
        }
    }

    fn glyphs_in(&self, b: BoxMm) -> Vec<&Glyph> {
        let area = grow(b, GLYPH_SLACK_MM);
        self.glyphs
            .iter()
            .filter(|g| inside(area, g.centre()))
            .collect()
    }

    /// A comb's characters left to right; spaces typed between groups are
    /// not characters of the value.
    fn comb(&self, b: BoxMm) -> String {
        let mut glyphs: Vec<&Glyph> = self
            .glyphs_in(b)
            .into_iter()
            .filter(|g| !g.is_space())
            .collect();
        glyphs.sort_by(|a, b| a.x.total_cmp(&b.x));
        glyphs.iter().map(|g| g.text.as_str()).collect()
    }

    fn line(&self, b: BoxMm) -> String {
        lines(self.glyphs_in(b)).join(" ")
    }

    /// Whether anything is drawn or written inside a checkbox or the
    /// signature box, its printed frame aside.
    fn marked(&self, b: BoxMm) -> bool {
        let core = grow(b, -MARK_INSET_MM);
        let reach = grow(b, MARK_REACH_MM);
        let written = self.glyphs_in(b).iter().any(|g| !g.is_space());
        written
            || self.ink.iter().any(|ink| {
                let (a, z) = match *ink {
                    Ink::Line { from, to } => (from, to),
                    Ink::Fill { min, max } => (min, max),
                };
                let middle = ((a.0 + z.0) / 2.0, (a.1 + z.1) / 2.0);
                inside(core, middle) && inside(reach, a) && inside(reach, z)
            })
    }
}

/// The glyphs as lines of text, top to bottom, words split by spaces drawn
/// or by gaps.
fn lines(mut glyphs: Vec<&Glyph>) -> Vec<String> {
    glyphs.sort_by(|a, b| a.baseline.total_cmp(&b.baseline));
    let mut rows: Vec<Vec<&Glyph>> = Vec::new();
    for glyph in glyphs {
        match rows.last_mut() {
            Some(row) if (glyph.baseline - row[0].baseline).abs() < 0.4 * row[0].size.max(0.5) => {
                row.push(glyph);
            }
            _ => rows.push(vec![glyph]),
        }
    }
    rows.into_iter()
        .map(|mut row| {
            row.sort_by(|a, b| a.x.total_cmp(&b.x));
            let mut text = String::new();
            let mut end: Option<f64> = None;
            for glyph in row {
                if end.is_some_and(|end| glyph.x - end > WORD_GAP * glyph.size) {
                    text.push(' ');
                }
                text.push_str(&glyph.text);
                end = Some(glyph.x + glyph.advance);
            }
            text.split_whitespace().collect::<Vec<_>>().join(" ")
        })
        .filter(|line| !line.is_empty())
        .collect()
}

/// The footer of a sheet printed before the payload line:
/// `<form> · v<version> … Lomakenumero <serial> … Sivu <page> (<pages>)`.
fn from_footer(words: &[String]) -> Option<QrPayload> {
    let after = |label: &str| {
        let at = words.iter().position(|w| w == label)?;
        words.get(at + 1).map(String::as_str)
    };
    let serial = after("Lomakenumero")?;
    let page = after("Sivu")?;
    let dot = words.iter().position(|w| w == "·")?;
    let form = words.get(dot.checked_sub(1)?)?;
    let version = words.get(dot + 1)?.strip_prefix('v')?;
    QrPayload::parse(&format!("INTAKE1|{form}|{version}|p{page}|{serial}")).ok()
}

/// `a * x + b` fitted to (found, wanted) pairs, when they spread over at
/// least half the page and the scale is one a printer could have used.
fn axis_fit(pairs: impl Iterator<Item = (f64, f64)>) -> Option<(f64, f64)> {
    let pairs: Vec<(f64, f64)> = pairs.collect();
    let n = pairs.len() as f64;
    let mean = |f: fn(&(f64, f64)) -> f64| pairs.iter().map(f).sum::<f64>() / n;
    let (mx, my) = (mean(|p| p.0), mean(|p| p.1));
    let sxx: f64 = pairs.iter().map(|p| (p.0 - mx).powi(2)).sum();
    let sxy: f64 = pairs.iter().map(|p| (p.0 - mx) * (p.1 - my)).sum();
    let spread = pairs.iter().map(|p| p.1).fold(f64::MIN, f64::max)
        - pairs.iter().map(|p| p.1).fold(f64::MAX, f64::min);
    if pairs.len() < 2 || spread < 100.0 || sxx <= 0.0 {
        return None;
    }
    let a = sxy / sxx;
    (0.5..2.0).contains(&a).then_some((a, my - a * mx))
}

fn inside(b: BoxMm, (x, y): (f64, f64)) -> bool {
    x >= b[0] && x <= b[0] + b[2] && y >= b[1] && y <= b[1] + b[3]
}
