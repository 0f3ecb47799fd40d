//! A page's content stream drawn in the layout's own terms: millimetres
//! from the top left. PDF counts points from the bottom left; the flip
//! happens here and nowhere else.

use lopdf::content::{Content, Operation};
use lopdf::{Object, StringFormat};

use super::layout::{BoxMm, PAGE_HEIGHT_MM};
use super::style::{GREY, Line};
use super::text::{MM_PER_PT, win_ansi};

pub fn pt(mm: f64) -> f32 {
    // Hundredths of a point are far finer than any printer; rounding keeps
    // the stream short and the numbers readable.
    ((mm / MM_PER_PT) * 100.0).round() as f32 / 100.0
}

/// A PDF rectangle `[llx lly urx ury]` in points for a layout box.
pub fn pdf_rect(b: BoxMm) -> [f32; 4] {
    [
        pt(b[0]),
        pt(PAGE_HEIGHT_MM - b[1] - b[3]),
        pt(b[0] + b[2]),
        pt(PAGE_HEIGHT_MM - b[1]),
    ]
}

#[derive(Default)]
pub struct Canvas {
    ops: Vec<Operation>,
}

fn op(name: &str, operands: Vec<Object>) -> Operation {
    Operation::new(name, operands)
}

impl Canvas {
    pub fn new() -> Canvas {
        Canvas::default()
    }

    fn rect_op(&mut self, b: BoxMm) {
        let [x, y, _, _] = pdf_rect(b);
        self.ops.push(op(
            "re",
            vec![x.into(), y.into(), pt(b[2]).into(), pt(b[3]).into()],
        ));
    }

    /// A solid rectangle in a grey level (0 black, 1 white).
    pub fn fill_rect(&mut self, b: BoxMm, grey: f64) {
        self.ops.push(op("g", vec![(grey as f32).into()]));
        self.rect_op(b);
        self.ops.push(op("f", vec![]));
    }

    /// Many solid black rectangles as one path: a QR code is hundreds.
    pub fn fill_rects(&mut self, boxes: &[BoxMm]) {
        self.ops.push(op("g", vec![0.0f32.into()]));
        for b in boxes {
            self.rect_op(*b);
        }
        self.ops.push(op("f", vec![]));
    }

    /// A rectangle's outline, the line centred on its edges.
    pub fn stroke_rect(&mut self, b: BoxMm, width_pt: f32, grey: f64) {
        self.ops.push(op("w", vec![width_pt.into()]));
        self.ops.push(op("G", vec![(grey as f32).into()]));
        self.rect_op(b);
        self.ops.push(op("S", vec![]));
    }

    /// A line of text with its baseline's left end at (x, baseline).
    pub fn text(&mut self, x: f64, baseline: f64, line: &Line) {
        let shown = Object::String(win_ansi(&line.text), StringFormat::Literal);
        let font = line.font.resource();
        self.show(x, baseline, (font, line.size_pt), shown, line.grey);
    }

    /// Text already encoded for the font resource `font` (two-byte glyph
    /// codes for an embedded font), its baseline's left end at (x, baseline).
    pub fn glyphs(&mut self, x: f64, baseline: f64, font: (&str, f64), codes: Vec<u8>, grey: bool) {
        let shown = Object::String(codes, StringFormat::Hexadecimal);
        self.show(x, baseline, font, shown, grey);
    }

    fn show(
        &mut self,
        x: f64,
        baseline: f64,
        (font, size_pt): (&str, f64),
        shown: Object,
        grey: bool,
    ) {
        let grey = if grey { GREY } else { 0.0 };
        self.ops.push(op("BT", vec![]));
        self.ops.push(op("g", vec![(grey as f32).into()]));
        let font = Object::Name(font.into());
        self.ops.push(op("Tf", vec![font, (size_pt as f32).into()]));
        let at = vec![pt(x).into(), pt(PAGE_HEIGHT_MM - baseline).into()];
        self.ops.push(op("Td", at));
        self.ops.push(op("Tj", vec![shown]));
        self.ops.push(op("ET", vec![]));
    }

    /// A line of text ending at `right`.
    pub fn text_right(&mut self, right: f64, baseline: f64, line: &Line) {
        self.text(right - line.width_mm(), baseline, line);
    }

    /// A line of text centred on `centre`.
    pub fn text_centred(&mut self, centre: f64, baseline: f64, line: &Line) {
        self.text(centre - line.width_mm() / 2.0, baseline, line);
    }

    pub fn encode(self) -> Result<Vec<u8>, lopdf::Error> {
        Content {
            operations: self.ops,
        }
        .encode()
    }
}
