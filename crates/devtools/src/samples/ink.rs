//! Putting ink on a page image: glyphs and pen strokes are gathered into a
//! coverage mask first and laid on once, so that where strokes cross the
//! ink does not get darker than a pen would make it.

use ab_glyph::{Font, Glyph, PxScale, ScaleFont, point};
use image::RgbImage;

use super::fonts::Typeface;

/// An ink colour and how fully it covers where the pen went.
#[derive(Debug, Clone, Copy)]
pub struct Ink {
    pub rgb: [u8; 3],
    pub opacity: f32,
}

impl Ink {
    pub const PRINTER: Ink = Ink {
        rgb: [18, 18, 20],
        opacity: 1.0,
    };
}

/// Coverage (0 to 1) over a rectangle of the page, in pixels.
pub struct Mask {
    x0: i32,
    y0: i32,
    w: i32,
    h: i32,
    data: Vec<f32>,
}

impl Mask {
    /// A mask over `[x, y, w, h]` pixels, clipped to the page.
    pub fn over(page: &RgbImage, area: [f32; 4]) -> Mask {
        let x0 = (area[0].floor() as i32).max(0);
        let y0 = (area[1].floor() as i32).max(0);
        let x1 = ((area[0] + area[2]).ceil() as i32).min(page.width() as i32);
        let y1 = ((area[1] + area[3]).ceil() as i32).min(page.height() as i32);
        let (w, h) = ((x1 - x0).max(0), (y1 - y0).max(0));
        Mask {
            x0,
            y0,
            w,
            h,
            data: vec![0.0; (w * h) as usize],
        }
    }

    fn add(&mut self, x: i32, y: i32, coverage: f32) {
        let (lx, ly) = (x - self.x0, y - self.y0);
        if lx >= 0 && ly >= 0 && lx < self.w && ly < self.h {
            let cell = &mut self.data[(ly * self.w + lx) as usize];
            *cell = cell.max(coverage.min(1.0));
        }
    }

    /// A pen line through `points`, `width` pixels wide, anti-aliased by
    /// distance from each segment. `pressure` scales coverage, as a
    /// ballpoint leaves lighter ink where it is pressed less.
    pub fn stroke(&mut self, points: &[(f32, f32)], width: f32, pressure: f32) {
        let half = width / 2.0;
        for pair in points.windows(2) {
            let ((ax, ay), (bx, by)) = (pair[0], pair[1]);
            let reach = half + 1.0;
            let xs = (ax.min(bx) - reach).floor() as i32..=(ax.max(bx) + reach).ceil() as i32;
            let ys = (ay.min(by) - reach).floor() as i32..=(ay.max(by) + reach).ceil() as i32;
            let (dx, dy) = (bx - ax, by - ay);
            let length2 = (dx * dx + dy * dy).max(1e-6);
            for y in ys {
                for x in xs.clone() {
                    let (px, py) = (x as f32 + 0.5, y as f32 + 0.5);
                    let t = (((px - ax) * dx + (py - ay) * dy) / length2).clamp(0.0, 1.0);
                    let (cx, cy) = (ax + t * dx - px, ay + t * dy - py);
                    let distance = (cx * cx + cy * cy).sqrt();
                    let coverage = (half + 0.5 - distance).clamp(0.0, 1.0);
                    if coverage > 0.0 {
                        self.add(x, y, coverage * pressure);
                    }
                }
            }
        }
    }

    /// Lays the mask on the page: ink multiplies what is there, as ink on
    /// paper and over toner does.
    pub fn apply(&self, page: &mut RgbImage, ink: Ink) {
        let factor = ink.rgb.map(|c| 1.0 - c as f32 / 255.0);
        for ly in 0..self.h {
            for lx in 0..self.w {
                let a = self.data[(ly * self.w + lx) as usize] * ink.opacity;
                if a <= 0.002 {
                    continue;
                }
                let pixel = page.get_pixel_mut((self.x0 + lx) as u32, (self.y0 + ly) as u32);
                for (channel, f) in pixel.0.iter_mut().zip(factor) {
                    *channel = (*channel as f32 * (1.0 - a * f)).round() as u8;
                }
            }
        }
    }
}

/// How one glyph is set: its capital height, a turn about its baseline
/// origin, a slant, and extra pen width.
#[derive(Debug, Clone, Copy)]
pub struct GlyphStyle {
    pub cap_px: f32,
    /// Radians, clockwise on the page.
    pub angle: f32,
    /// Horizontal shear per unit of height (positive leans right).
    pub slant: f32,
    /// Pixels to thicken strokes by on each side (a broader pen).
    pub bold_px: f32,
}

/// An accent drawn by pen over a base letter, for fonts that lack the
/// accented letter (Humor Sans has no Å, Ä or Ö).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Accent {
    Dots,
    Ring,
    Acute,
}

pub fn decompose(c: char) -> Option<(char, Accent)> {
    Some(match c {
        'Ä' => ('A', Accent::Dots),
        'Ö' => ('O', Accent::Dots),
        'Ü' => ('U', Accent::Dots),
        'Å' => ('A', Accent::Ring),
        'É' => ('E', Accent::Acute),
        'ä' => ('a', Accent::Dots),
        'ö' => ('o', Accent::Dots),
        'ü' => ('u', Accent::Dots),
        'å' => ('a', Accent::Ring),
        'é' => ('e', Accent::Acute),
        _ => return None,
    })
}

/// What `face` draws for `c`: the letter itself, or a base and an accent.
pub fn resolve(face: &Typeface, c: char) -> (char, Option<Accent>) {
    if face.font.glyph_id(c).0 != 0 {
        return (c, None);
    }
    match decompose(c) {
        Some((base, accent)) => (base, Some(accent)),
        None => (c, None),
    }
}

/// The glyph's advance in pixels at this capital height.
pub fn advance(face: &Typeface, c: char, cap_px: f32) -> f32 {
    let c = resolve(face, c).0;
    let scaled = face.font.as_scaled(PxScale::from(face.em_for_cap(cap_px)));
    scaled.h_advance(face.font.glyph_id(c))
}

/// The glyph's ink extent `(left, right)` from its origin, in pixels.
pub fn ink_span(face: &Typeface, c: char, cap_px: f32) -> Option<(f32, f32)> {
    let c = resolve(face, c).0;
    let scale = face.em_for_cap(cap_px);
    let glyph: Glyph = face
        .font
        .glyph_id(c)
        .with_scale_and_position(scale, point(0.0, 0.0));
    let outlined = face.font.outline_glyph(glyph)?;
    let bounds = outlined.px_bounds();
    Some((bounds.min.x, bounds.max.x))
}

/// Draws `c` with its baseline origin at `(x, y)` pixels into `mask`.
pub fn glyph(mask: &mut Mask, face: &Typeface, c: char, x: f32, y: f32, style: GlyphStyle) {
    let (c, accent) = resolve(face, c);
    let scale = face.em_for_cap(style.cap_px);
    let glyph: Glyph = face
        .font
        .glyph_id(c)
        .with_scale_and_position(scale, point(0.0, 0.0));
    let Some(outlined) = face.font.outline_glyph(glyph) else {
        return; // a space
    };
    let bounds = outlined.px_bounds();
    // Some fonts give a space an empty outline with inverted bounds.
    if !(bounds.width() > 0.0 && bounds.height() > 0.0 && bounds.width() < 10_000.0) {
        return;
    }
    let pad = style.bold_px.ceil() as i32 + 1;
    let (gw, gh) = (
        bounds.width() as i32 + 2 * pad,
        bounds.height() as i32 + 2 * pad,
    );
    let mut local = vec![0f32; (gw * gh) as usize];
    outlined.draw(|gx, gy, c| {
        local[((gy as i32 + pad) * gw + gx as i32 + pad) as usize] = c;
    });
    if style.bold_px > 0.0 {
        local = dilate(&local, gw, gh, style.bold_px);
    }
    // Local pixel (u, v) sits at (bounds.min + (u, v) - pad) from the
    // origin; place it by slant then turn, sampling back through the
    // inverse so that every page pixel gets a value.
    let (ox, oy) = (bounds.min.x - pad as f32, bounds.min.y - pad as f32);
    let (sin, cos) = style.angle.sin_cos();
    let forward = |u: f32, v: f32| {
        let (lx, ly) = (ox + u, oy + v);
        let sx = lx - style.slant * ly;
        (x + sx * cos - ly * sin, y + sx * sin + ly * cos)
    };
    let corners = [
        forward(0.0, 0.0),
        forward(gw as f32, 0.0),
        forward(0.0, gh as f32),
        forward(gw as f32, gh as f32),
    ];
    if let Some(accent) = accent {
        let centre = (bounds.min.x + bounds.max.x) / 2.0;
        let size = style.cap_px * 0.16;
        let above = bounds.min.y - size * 1.1;
        let pen = (style.cap_px * 0.09).max(1.0) + style.bold_px;
        let at = |dx: f32, dy: f32| {
            let (u, v) = (centre + dx - ox, above + dy - oy);
            forward(u, v)
        };
        match accent {
            Accent::Dots => {
                for dx in [-1.5 * size, 1.5 * size] {
                    let p = at(dx, 0.0);
                    mask.stroke(&[p, (p.0 + 0.3, p.1 + 0.3)], pen * 1.3, 1.0);
                }
            }
            Accent::Ring => {
                let ring: Vec<_> = (0..=12)
                    .map(|i| {
                        let t = i as f32 / 12.0 * std::f32::consts::TAU;
                        at(size * t.cos(), -size * 0.3 + size * t.sin())
                    })
                    .collect();
                mask.stroke(&ring, pen, 1.0);
            }
            Accent::Acute => mask.stroke(&[at(-size, size * 0.5), at(size, -size)], pen, 1.0),
        }
    }
    let min_x = corners.iter().map(|c| c.0).fold(f32::MAX, f32::min).floor() as i32;
    let max_x = corners.iter().map(|c| c.0).fold(f32::MIN, f32::max).ceil() as i32;
    let min_y = corners.iter().map(|c| c.1).fold(f32::MAX, f32::min).floor() as i32;
    let max_y = corners.iter().map(|c| c.1).fold(f32::MIN, f32::max).ceil() as i32;
    for py in min_y..=max_y {
        for px in min_x..=max_x {
            let (dx, dy) = (px as f32 + 0.5 - x, py as f32 + 0.5 - y);
            let (sx, ly) = (dx * cos + dy * sin, -dx * sin + dy * cos);
            let lx = sx + style.slant * ly;
            let coverage = sample(&local, gw, gh, lx - ox - 0.5, ly - oy - 0.5);
            if coverage > 0.0 {
                mask.add(px, py, coverage);
            }
        }
    }
}

fn sample(data: &[f32], w: i32, h: i32, u: f32, v: f32) -> f32 {
    let (u0, v0) = (u.floor(), v.floor());
    let (fu, fv) = (u - u0, v - v0);
    let at = |x: i32, y: i32| {
        if x < 0 || y < 0 || x >= w || y >= h {
            0.0
        } else {
            data[(y * w + x) as usize]
        }
    };
    let (x, y) = (u0 as i32, v0 as i32);
    let top = at(x, y) * (1.0 - fu) + at(x + 1, y) * fu;
    let bottom = at(x, y + 1) * (1.0 - fu) + at(x + 1, y + 1) * fu;
    top * (1.0 - fv) + bottom * fv
}

/// Grows coverage by `radius` pixels: a disc-shaped maximum filter.
fn dilate(data: &[f32], w: i32, h: i32, radius: f32) -> Vec<f32> {
    let r = radius.ceil() as i32;
    let mut out = data.to_vec();
    for y in 0..h {
        for x in 0..w {
            let mut best = 0f32;
            for dy in -r..=r {
                for dx in -r..=r {
                    let reach = radius + 0.5 - ((dx * dx + dy * dy) as f32).sqrt();
                    let (sx, sy) = (x + dx, y + dy);
                    if reach > 0.0 && sx >= 0 && sy >= 0 && sx < w && sy < h {
                        best = best.max(data[(sy * w + sx) as usize] * reach.min(1.0));
                    }
                }
            }
            out[(y * w + x) as usize] = best;
        }
    }
    out
}
