//! What a page draws, as pdf-extract walks it: each character with where
//! it stands, and each line and filled shape, all in millimetres from the
//! page's top left corner, the layout's own terms.

use pdf_extract::{ColorSpace, MediaBox, OutputDev, OutputError, Path, PathOp, Transform};

const MM_PER_PT: f64 = 25.4 / 72.0;

/// One character drawn on the page.
#[derive(Debug, Clone, PartialEq)]
pub(super) struct Glyph {
    pub text: String,
    /// The left end of its baseline.
    pub x: f64,
    pub baseline: f64,
    /// How far the next character starts.
    pub advance: f64,
    /// The font size, as drawn.
    pub size: f64,
}

impl Glyph {
    /// The middle of the character, about half a capital above its baseline.
    pub fn centre(&self) -> (f64, f64) {
        (
            self.x + self.advance / 2.0,
            self.baseline - 0.33 * self.size,
        )
    }

    pub fn is_space(&self) -> bool {
        self.text.trim().is_empty()
    }
}

/// A line drawn, or the bounding box of a shape filled.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(super) enum Ink {
    Line { from: (f64, f64), to: (f64, f64) },
    Fill { min: (f64, f64), max: (f64, f64) },
}

#[derive(Default)]
pub(super) struct Collector {
    page_height_pt: f64,
    page_left_pt: f64,
    page_bottom_pt: f64,
    pub glyphs: Vec<Glyph>,
    pub ink: Vec<Ink>,
}

impl Collector {
    /// A point in PDF user space, in millimetres from the top left.
    fn place(&self, m: &Transform, x: f64, y: f64) -> (f64, f64) {
        let ux = m.m11 * x + m.m21 * y + m.m31;
        let uy = m.m12 * x + m.m22 * y + m.m32;
        (
            (ux - self.page_left_pt) * MM_PER_PT,
            (self.page_height_pt - (uy - self.page_bottom_pt)) * MM_PER_PT,
        )
    }

    /// The path's points and the segments between them, placed.
    fn segments(&self, ctm: &Transform, path: &Path) -> Vec<((f64, f64), (f64, f64))> {
        let mut segments = Vec::new();
        let mut start = None;
        let mut at = None;
        for op in &path.ops {
            match *op {
                PathOp::MoveTo(x, y) => {
                    at = Some(self.place(ctm, x, y));
                    start = at;
                }
                PathOp::LineTo(x, y) | PathOp::CurveTo(_, _, _, _, x, y) => {
                    let to = self.place(ctm, x, y);
                    if let Some(from) = at {
                        segments.push((from, to));
                    }
                    at = Some(to);
                }
                PathOp::Rect(x, y, w, h) => {
                    let corners = [(x, y), (x + w, y), (x + w, y + h), (x, y + h), (x, y)]
                        .map(|(x, y)| self.place(ctm, x, y));
                    segments.extend(corners.windows(2).map(|p| (p[0], p[1])));
                    at = Some(corners[0]);
                    start = at;
                }
                PathOp::Close => {
                    if let (Some(from), Some(to)) = (at, start) {
                        segments.push((from, to));
                    }
                    at = start;
                }
            }
        }
        segments
    }
}

impl OutputDev for Collector {
    fn begin_page(
        &mut self,
        _page_num: u32,
        media_box: &MediaBox,
        _art_box: Option<(f64, f64, f64, f64)>,
    ) -> Result<(), OutputError> {
        self.page_height_pt = media_box.ury - media_box.lly;
        self.page_left_pt = media_box.llx;
        self.page_bottom_pt = media_box.lly;
        Ok(())
    }

    fn end_page(&mut self) -> Result<(), OutputError> {
        Ok(())
    }

    fn output_character(
        &mut self,
        trm: &Transform,
        width: f64,
        _spacing: f64,
        font_size: f64,
        char: &str,
    ) -> Result<(), OutputError> {
        let (x, baseline) = self.place(trm, 0.0, 0.0);
        // The size as drawn: the font size through the text matrix (the
        // side of a square of the same area, as pdf-extract measures it).
        let sx = (trm.m11 + trm.m21) * font_size;
        let sy = (trm.m12 + trm.m22) * font_size;
        let size = (sx * sy).abs().sqrt() * MM_PER_PT;
        if size.is_finite() && x.is_finite() && baseline.is_finite() {
            self.glyphs.push(Glyph {
                text: char.to_string(),
                x,
                baseline,
                advance: width * size,
                size,
            });
        }
        Ok(())
    }

    fn begin_word(&mut self) -> Result<(), OutputError> {
        Ok(())
    }

    fn end_word(&mut self) -> Result<(), OutputError> {
        Ok(())
    }

    fn end_line(&mut self) -> Result<(), OutputError> {
        Ok(())
    }

    fn stroke(
        &mut self,
        ctm: &Transform,
        _colorspace: &ColorSpace,
        _color: &[f64],
        path: &Path,
    ) -> Result<(), OutputError> {
        let lines = self.segments(ctm, path);
        self.ink
            .extend(lines.into_iter().map(|(from, to)| Ink::Line { from, to }));
        Ok(())
    }

    fn fill(
        &mut self,
        ctm: &Transform,
        _colorspace: &ColorSpace,
        _color: &[f64],
        path: &Path,
    ) -> Result<(), OutputError> {
        let points: Vec<(f64, f64)> = self
            .segments(ctm, path)
            .into_iter()
            .flat_map(|(a, b)| [a, b])
            .collect();
        if points.is_empty() {
            return Ok(());
        }
        let min = points
            .iter()
            .fold((f64::MAX, f64::MAX), |m, p| (m.0.min(p.0), m.1.min(p.1)));
        let max = points
            .iter()
            .fold((f64::MIN, f64::MIN), |m, p| (m.0.max(p.0), m.1.max(p.1)));
        self.ink.push(Ink::Fill { min, max });
        Ok(())
    }
}
