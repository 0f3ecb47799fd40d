//! Test pages: the real printed form, rasterised as a perfect scan would
//! see it, with values written into its boxes in a given font and marks
//! drawn into its checkboxes. Only what these tests need; scanner
//! simulation lives with the sample generator.

use std::sync::OnceLock;

use ab_glyph::{Font, FontVec, PxScale, point};
use image::GrayImage;

use crate::capture::{CANONICAL_HEIGHT, CANONICAL_WIDTH, PX_PER_MM, RegisteredPage};
use crate::printable::{self, FieldBox, Layout, QrPayload};
use intake_core::form::FormDefinition;

pub const PRINTED: &str = "/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf";
pub const HUMOR: &str = "/usr/share/fonts/truetype/humor-sans/Humor-Sans.ttf";
pub const DKG: &str = "/usr/share/fonts/truetype/fifthhorseman/dkg.ttf";

/// Pen ink as a grey scanner sees blue ballpoint.
const INK: u8 = 40;
const SERIAL: &str = "TESTPAGE23";

pub fn definition() -> FormDefinition {
    FormDefinition::load(std::path::Path::new(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../../forms/jobseeker-start-v1.toml"
    )))
    .expect("the form definition loads")
}

/// The blank form, rendered to PDF and rasterised by pdftoppm at 8 px/mm.
pub fn blank_form() -> GrayImage {
    static BLANK: OnceLock<GrayImage> = OnceLock::new();
    BLANK
        .get_or_init(|| {
            let definition = definition();
            let layout = Layout::from_definition(&definition);
            let pdf = printable::render(&definition, &layout, &[SERIAL.to_string()]).unwrap();
            let dir = tempfile::tempdir().unwrap();
            std::fs::write(dir.path().join("form.pdf"), pdf).unwrap();
            let status = std::process::Command::new("pdftoppm")
                .args(["-r", "203.2", "-gray", "-png", "-singlefile"])
                .arg(dir.path().join("form.pdf"))
                .arg(dir.path().join("page"))
                .status()
                .expect("pdftoppm (poppler-utils) is installed");
            assert!(status.success());
            let page = image::open(dir.path().join("page.png")).unwrap().to_luma8();
            // pdftoppm rounds 1680.0 up to 1681: the extra column and row
            // are past the page's edge.
            assert!(page.width().abs_diff(CANONICAL_WIDTH) <= 1);
            assert!(page.height().abs_diff(CANONICAL_HEIGHT) <= 1);
            image::imageops::crop_imm(&page, 0, 0, CANONICAL_WIDTH, CANONICAL_HEIGHT).to_image()
        })
        .clone()
}

pub fn registered(image: GrayImage, layout: &Layout) -> RegisteredPage {
    RegisteredPage {
        image,
        qr: QrPayload {
            form: layout.form.clone(),
            version: layout.version,
            page: 1,
            serial: SERIAL.into(),
        },
        quarter_turns: 0,
        skew_degrees: 0.0,
    }
}

pub struct Pen {
    font: FontVec,
}

impl Pen {
    pub fn new(path: &str) -> Pen {
        let bytes = std::fs::read(path).unwrap_or_else(|e| panic!("{path}: {e}"));
        Pen {
            font: FontVec::try_from_vec(bytes).unwrap(),
        }
    }

    /// Whether the font can write every character of `text`.
    pub fn can_write(&self, text: &str) -> bool {
        text.chars()
            .all(|c| c == ' ' || self.font.glyph_id(c).0 != 0)
    }

    /// The pixel scale at which capitals are `mm` tall.
    fn scale_for_cap_height(&self, mm: f32) -> PxScale {
        let probe = self.font.glyph_id('H').with_scale(100.0);
        let height = self
            .font
            .outline_glyph(probe)
            .map_or(70.0, |g| g.px_bounds().height());
        PxScale::from(100.0 * mm * PX_PER_MM / height)
    }

    /// One character per cell, centred; a space leaves a cell empty.
    pub fn comb(&self, image: &mut GrayImage, field: &FieldBox, text: &str) {
        let scale = self.scale_for_cap_height(4.8);
        for (c, cell) in text.chars().zip(&field.cell_boxes_mm) {
            if self.font.glyph_id(c).0 == 0 {
                continue;
            }
            let Some(glyph) = self
                .font
                .outline_glyph(self.font.glyph_id(c).with_scale(scale))
            else {
                continue;
            };
            let bounds = glyph.px_bounds();
            let cx = (cell[0] + cell[2] / 2.0) as f32 * PX_PER_MM;
            let cy = (cell[1] + cell[3] / 2.0) as f32 * PX_PER_MM;
            let x = (cx - bounds.width() / 2.0 - bounds.min.x).round();
            let y = (cy - bounds.height() / 2.0 - bounds.min.y).round();
            self.draw_glyph(image, c, scale, x, y);
        }
    }

    /// A line of text from the box's left, capitals 4.5 mm tall.
    pub fn line(&self, image: &mut GrayImage, field: &FieldBox, text: &str) {
        let scale = self.scale_for_cap_height(4.5);
        let b = field.box_mm;
        let mut x = (b[0] + 2.0) as f32 * PX_PER_MM;
        let baseline = (b[1] + b[3] - 2.0) as f32 * PX_PER_MM;
        let scaled = self.font.as_scaled(scale);
        let mut previous = None;
        for c in text.chars() {
            let id = self.font.glyph_id(c);
            if let Some(p) = previous {
                x += ab_glyph::ScaleFont::kern(&scaled, p, id);
            }
            self.draw_glyph(image, c, scale, x, baseline);
            x += ab_glyph::ScaleFont::h_advance(&scaled, id) + 0.06 * scale.x;
            previous = Some(id);
        }
    }

    /// Where `line` puts the `index`th character of `text`: the middle of
    /// its advance and the top of the capitals, in millimetres.
    pub fn place_in_line(&self, field: &FieldBox, text: &str, index: usize) -> (f64, f64) {
        let scale = self.scale_for_cap_height(4.5);
        let b = field.box_mm;
        let scaled = self.font.as_scaled(scale);
        let mut x = (b[0] + 2.0) as f32 * PX_PER_MM;
        let mut previous = None;
        for (i, c) in text.chars().enumerate() {
            let id = self.font.glyph_id(c);
            if let Some(p) = previous {
                x += ab_glyph::ScaleFont::kern(&scaled, p, id);
            }
            let advance = ab_glyph::ScaleFont::h_advance(&scaled, id);
            if i == index {
                let centre = f64::from((x + advance / 2.0) / PX_PER_MM);
                return (centre, b[1] + b[3] - 2.0 - 4.5);
            }
            x += advance + 0.06 * scale.x;
            previous = Some(id);
        }
        panic!("{text} has no character {index}")
    }

    fn draw_glyph(&self, image: &mut GrayImage, c: char, scale: PxScale, x: f32, y: f32) {
        if self.font.glyph_id(c).0 == 0 {
            return; // not in the font: leave it out rather than draw a box
        }
        let glyph = self
            .font
            .glyph_id(c)
            .with_scale_and_position(scale, point(x, y));
        let Some(outline) = self.font.outline_glyph(glyph) else {
            return;
        };
        let bounds = outline.px_bounds();
        outline.draw(|gx, gy, coverage| {
            let px = bounds.min.x as i32 + gx as i32;
            let py = bounds.min.y as i32 + gy as i32;
            blend(image, px, py, coverage);
        });
    }
}

fn blend(image: &mut GrayImage, x: i32, y: i32, coverage: f32) {
    if x < 0 || y < 0 || x >= image.width() as i32 || y >= image.height() as i32 {
        return;
    }
    let p = image.get_pixel_mut(x as u32, y as u32);
    let ink = 255.0 - coverage.clamp(0.0, 1.0) * (255.0 - f32::from(INK));
    p.0[0] = p.0[0].min(ink as u8);
}

/// A pen stroke `width_mm` wide between two points in millimetres.
pub fn stroke(image: &mut GrayImage, from: (f64, f64), to: (f64, f64), width_mm: f64) {
    let r = (width_mm * f64::from(PX_PER_MM) / 2.0) as f32;
    let (x0, y0) = (from.0 as f32 * PX_PER_MM, from.1 as f32 * PX_PER_MM);
    let (x1, y1) = (to.0 as f32 * PX_PER_MM, to.1 as f32 * PX_PER_MM);
    let steps = ((x1 - x0).hypot(y1 - y0)).ceil().max(1.0) as i32;
    for i in 0..=steps {
        let t = i as f32 / steps as f32;
        let (cx, cy) = (x0 + t * (x1 - x0), y0 + t * (y1 - y0));
        for y in (cy - r).floor() as i32..=(cy + r).ceil() as i32 {
            for x in (cx - r).floor() as i32..=(cx + r).ceil() as i32 {
                if (x as f32 - cx).hypot(y as f32 - cy) <= r {
                    blend(image, x, y, 1.0);
                }
            }
        }
    }
}

fn option_box(field: &FieldBox, value: &str) -> [f64; 4] {
    field
        .options
        .iter()
        .flatten()
        .find(|o| o.value == value)
        .unwrap_or_else(|| panic!("{} has no option {value}", field.id))
        .box_mm
}

/// A check mark, as people draw it, a little past the box.
pub fn tick(image: &mut GrayImage, field: &FieldBox, value: &str) {
    let [x, y, w, h] = option_box(field, value);
    stroke(
        image,
        (x + 0.2 * w, y + 0.5 * h),
        (x + 0.45 * w, y + 0.85 * h),
        0.4,
    );
    stroke(
        image,
        (x + 0.45 * w, y + 0.85 * h),
        (x + 1.1 * w, y - 0.1 * h),
        0.4,
    );
}

/// An X corner to corner.
pub fn cross(image: &mut GrayImage, field: &FieldBox, value: &str) {
    let [x, y, w, h] = option_box(field, value);
    stroke(
        image,
        (x + 0.1 * w, y + 0.1 * h),
        (x + 0.9 * w, y + 0.9 * h),
        0.4,
    );
    stroke(
        image,
        (x + 0.9 * w, y + 0.1 * h),
        (x + 0.1 * w, y + 0.9 * h),
        0.4,
    );
}

/// The box filled in, strokes kept inside it: a choice.
pub fn fill(image: &mut GrayImage, field: &FieldBox, value: &str) {
    let [x, y, w, h] = option_box(field, value);
    zigzag(image, [x + 0.5, y + 0.5, w - 1.0, h - 1.0]);
}

/// A box blacked out by heavy strokes over it and its edges: a choice
/// taken back.
pub fn scribble(image: &mut GrayImage, field: &FieldBox, value: &str) {
    let [x, y, w, h] = option_box(field, value);
    zigzag(image, [x - 1.2, y - 1.0, w + 2.4, h + 2.0]);
}

/// Back-and-forth strokes close enough to blacken the area.
fn zigzag(image: &mut GrayImage, [x, y, w, h]: [f64; 4]) {
    let rows = (h / 0.35).ceil() as usize;
    for i in 0..rows {
        let y0 = y + h * i as f64 / rows as f64;
        let y1 = y + h * (i as f64 + 1.0) / rows as f64;
        stroke(image, (x, y0), (x + w, y1), 0.5);
        stroke(image, (x + w, y1), (x, y1), 0.5);
    }
}

/// A loopy signature across the box.
pub fn sign(image: &mut GrayImage, field: &FieldBox) {
    let [x, y, w, h] = field.box_mm;
    let mut previous = (x + 5.0, y + h * 0.6);
    for i in 1..60 {
        let t = i as f64 / 60.0;
        let point = (
            x + 5.0 + t * w * 0.6,
            y + h * (0.55 + 0.25 * (t * 40.0).sin()),
        );
        stroke(image, previous, point, 0.35);
        previous = point;
    }
}
