//! Writes a filling onto a page of the blank form, in the layout's boxes:
//! one character per comb cell, text along the writing lines, marks in the
//! checkboxes and a signature in its box. Handwriting wanders a little in
//! size, angle and place; print from a PDF viewer does not.

use image::RgbImage;
use rand::Rng;
use rand::seq::IndexedRandom;

use intake_paper::printable::{BoxMm, FieldBox, Layout};

use super::fonts::{FontClass, Fonts, Typeface};
use super::ink::{self, GlyphStyle, Ink, Mask};
use super::pen::{self, PenGeometry};
use super::values::{FieldFill, Writing};

/// One person's hand (or printer) for a whole form.
#[derive(Clone)]
pub struct Writer {
    pub class: FontClass,
    pub face: Typeface,
    /// The ink of the letters: the pen's, or the printer's toner.
    pub text_ink: Ink,
    /// The pen that ticks boxes and signs, also on a printed form.
    pub pen_ink: Ink,
    pub pen_mm: f32,
    /// The width of the pen's line on letters, in mm: thin fonts are
    /// thickened to it.
    pub stroke_mm: f32,
    /// The writer's lean (shear per unit height).
    pub slant: f32,
    /// Capital height as a share of a comb cell's height.
    pub cap_share: f32,
    /// How much each letter wanders: 0 for print.
    pub jitter: f32,
}

pub const BLUE_INKS: [[u8; 3]; 3] = [[24, 44, 150], [40, 60, 170], [20, 30, 110]];
pub const BLACK_INKS: [[u8; 3]; 2] = [[28, 28, 34], [45, 45, 52]];

impl Writer {
    pub fn new(class: FontClass, fonts: &Fonts, rng: &mut impl Rng) -> Writer {
        let face = fonts
            .class(class)
            .choose(rng)
            .expect("Fonts::load keeps at least one per class")
            .clone();
        let pen_ink = Ink {
            rgb: if rng.random_bool(0.6) {
                *BLUE_INKS.choose(rng).expect("not empty")
            } else {
                *BLACK_INKS.choose(rng).expect("not empty")
            },
            opacity: rng.random_range(0.88..=1.0),
        };
        let handwriting = class == FontClass::Handwriting;
        Writer {
            class,
            face,
            text_ink: if handwriting { pen_ink } else { Ink::PRINTER },
            pen_ink,
            pen_mm: rng.random_range(0.35..0.6),
            stroke_mm: rng.random_range(0.32..0.55),
            slant: if handwriting {
                rng.random_range(-0.08..0.22)
            } else {
                0.0
            },
            cap_share: rng.random_range(0.5..0.66),
            jitter: if handwriting {
                rng.random_range(0.5..1.0)
            } else {
                0.0
            },
        }
    }

    /// One letter's style: each letter of a hand has its own size, turn,
    /// lean and stroke width (a pen pressed harder or held steeper).
    fn style(&self, cap_px: f32, px_per_mm: f32, rng: &mut impl Rng) -> GlyphStyle {
        let j = self.jitter;
        GlyphStyle {
            cap_px: cap_px * (1.0 + j * rng.random_range(-0.12..0.12)),
            angle: j * rng.random_range(-0.08..0.08),
            slant: self.slant + j * rng.random_range(-0.08..0.08),
            bold_px: if self.class == FontClass::Handwriting {
                let stroke_mm = self.stroke_mm * (1.0 + j * rng.random_range(-0.3..0.3));
                bold_px(&self.face, cap_px, stroke_mm * px_per_mm)
            } else {
                0.0
            },
        }
    }
}

/// Draws the fills of the fields on `page_no` onto the page image.
pub fn draw_page(
    image: &mut RgbImage,
    layout: &Layout,
    page_no: u32,
    fills: &[FieldFill],
    writer: &Writer,
    dpi: u32,
    rng: &mut impl Rng,
) {
    let ppm = dpi as f32 / 25.4;
    for placed in layout.fields_on(page_no) {
        let Some(fill) = fills.iter().find(|f| f.id == placed.id) else {
            continue;
        };
        // Room around the box for ticks and descenders that stray out.
        let area = grown_px(placed.box_mm, 4.0, ppm);
        let mut mask = Mask::over(image, area);
        let ink = match &fill.writing {
            Writing::Empty => continue,
            Writing::Comb(cells) => {
                comb(&mut mask, placed, cells, writer, ppm, rng);
                writer.text_ink
            }
            Writing::Line(text) => {
                line(&mut mask, placed.box_mm, text, writer, ppm, rng);
                writer.text_ink
            }
            Writing::Marks(marks) => {
                let pen = PenGeometry {
                    px_per_mm: ppm,
                    width_px: writer.pen_mm * ppm,
                };
                let mut printed = Mask::over(image, area);
                for mark in marks {
                    let Some(option) = placed
                        .options
                        .iter()
                        .flatten()
                        .find(|o| o.value == mark.option)
                    else {
                        continue;
                    };
                    let target = if mark.mark == super::values::MarkKind::PrintedCross {
                        &mut printed
                    } else {
                        &mut mask
                    };
                    pen::mark(target, pen, f32s(option.box_mm), mark.mark, rng);
                }
                printed.apply(image, Ink::PRINTER);
                writer.pen_ink
            }
            Writing::Signature => {
                let pen = PenGeometry {
                    px_per_mm: ppm,
                    width_px: writer.pen_mm * ppm,
                };
                pen::signature(&mut mask, pen, f32s(placed.box_mm), rng);
                writer.pen_ink
            }
        };
        mask.apply(image, ink);
    }
}

/// How much to grow each side of a stroke of `face` at this capital height
/// to make it `stroke_px` wide.
pub fn bold_px(face: &Typeface, cap_px: f32, stroke_px: f32) -> f32 {
    ((stroke_px - face.stem_ratio * cap_px) / 2.0).max(0.0)
}

fn f32s(b: BoxMm) -> [f32; 4] {
    b.map(|v| v as f32)
}

fn grown_px(b: BoxMm, by_mm: f32, ppm: f32) -> [f32; 4] {
    let [x, y, w, h] = f32s(b);
    [
        (x - by_mm) * ppm,
        (y - by_mm) * ppm,
        (w + 2.0 * by_mm) * ppm,
        (h + 2.0 * by_mm) * ppm,
    ]
}

/// Print from a PDF viewer: 12 pt Helvetica-like capitals are 3 mm tall.
const PRINTED_COMB_CAP_MM: f32 = 3.05;
const PRINTED_LINE_CAP_MM: f32 = 2.8;

fn comb(
    mask: &mut Mask,
    placed: &FieldBox,
    cells: &[char],
    writer: &Writer,
    ppm: f32,
    rng: &mut impl Rng,
) {
    for (cell, &c) in placed.cell_boxes_mm.iter().zip(cells) {
        if c == ' ' {
            continue;
        }
        let [x, y, w, h] = f32s(*cell);
        let cap_mm = match writer.class {
            FontClass::Printed => PRINTED_COMB_CAP_MM,
            FontClass::Handwriting => h * writer.cap_share,
        };
        let style = writer.style(cap_mm * ppm, ppm, rng);
        let j = writer.jitter;
        let centre_x = (x + w / 2.0 + j * rng.random_range(-0.45..0.45)) * ppm;
        let baseline = (y + (h + cap_mm) / 2.0 + j * rng.random_range(-0.5..0.5)) * ppm;
        // Centre the ink rather than the advance: a hand centres what it
        // sees, and narrow glyphs like `1` would otherwise sit to the left.
        let (left, right) = ink::ink_span(&writer.face, c, style.cap_px).unwrap_or((0.0, 0.0));
        let origin = centre_x - (left + right) / 2.0;
        ink::glyph(mask, &writer.face, c, origin, baseline, style);
    }
}

fn line(mask: &mut Mask, b: BoxMm, text: &str, writer: &Writer, ppm: f32, rng: &mut impl Rng) {
    let [x, y, w, h] = f32s(b);
    let j = writer.jitter;
    let mut cap_mm = match writer.class {
        FontClass::Printed => PRINTED_LINE_CAP_MM,
        FontClass::Handwriting => h * writer.cap_share * rng.random_range(0.8..0.95),
    };
    let spacing = 1.0 + j * rng.random_range(0.0..0.15);
    let start = x + if j > 0.0 {
        rng.random_range(1.2..4.0)
    } else {
        0.7
    };
    // A long text is written smaller, as a person squeezes it in.
    let width_mm = |cap: f32| {
        text.chars()
            .map(|c| ink::advance(&writer.face, c, cap * ppm))
            .sum::<f32>()
            / ppm
    };
    while cap_mm > 1.5 && start - x + width_mm(cap_mm) * spacing > w - 1.0 {
        cap_mm *= 0.92;
    }
    let mut pen_x = start * ppm;
    let mut baseline = (y + (h + cap_mm) / 2.0 + j * rng.random_range(-0.4..0.6)) * ppm;
    let drift = j * rng.random_range(-0.01..0.01);
    for c in text.chars() {
        let style = writer.style(cap_mm * ppm, ppm, rng);
        let advance = ink::advance(&writer.face, c, style.cap_px);
        // Each letter off the line a little, besides the line's drift.
        let off_line = j * rng.random_range(-0.2..0.2) * ppm;
        ink::glyph(mask, &writer.face, c, pen_x, baseline + off_line, style);
        pen_x += advance * spacing;
        baseline += advance * drift + j * rng.random_range(-0.08..0.08) * ppm;
    }
}
