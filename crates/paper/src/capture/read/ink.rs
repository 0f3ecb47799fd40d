//! Where the ink is: boxes from millimetres to pixels, snapped onto the
//! printed frame actually on the page, and what lies inside them. All
//! emptiness and checkbox decisions are made here, without OCR.

use image::GrayImage;

use crate::capture::PX_PER_MM;
use crate::printable::BoxMm;

/// Ink is this much darker than the page's paper. Scans differ (grey
/// paper, a light pen, a softened scan: faint blue writing came out at
/// 180-220 on paper at 250), so darkness is measured from the paper, not
/// from black. Scanner noise stays within about 15 of the paper.
const INK_CONTRAST: u8 = 40;
/// Never count lighter than this as ink, however white the paper.
const LIGHTEST_INK: u8 = 225;
/// Inset that keeps the printed box lines out of an ink measurement: half
/// the heaviest line (0.9 pt, 0.3 mm) plus what a scan and registration
/// leave of misplacement.
pub const CLEAR_OF_LINES_PX: i32 = (0.8 * PX_PER_MM) as i32;
/// How far the printed frame is looked for around where the layout says it
/// is: registration leaves well under a millimetre; a whole comb cell is 6.
const SNAP_RADIUS_PX: i32 = 12;

/// A rectangle in pixels of the registered page.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Rect {
    pub x: i32,
    pub y: i32,
    pub w: i32,
    pub h: i32,
}

impl Rect {
    pub fn from_mm(b: BoxMm) -> Rect {
        let px = |mm: f64| (mm * f64::from(PX_PER_MM)).round() as i32;
        let (x, y) = (px(b[0]), px(b[1]));
        Rect {
            x,
            y,
            w: px(b[0] + b[2]) - x,
            h: px(b[1] + b[3]) - y,
        }
    }

    pub fn shrink(self, by: i32) -> Rect {
        Rect {
            x: self.x + by,
            y: self.y + by,
            w: (self.w - 2 * by).max(0),
            h: (self.h - 2 * by).max(0),
        }
    }

    pub fn offset(self, (dx, dy): (i32, i32)) -> Rect {
        Rect {
            x: self.x + dx,
            y: self.y + dy,
            ..self
        }
    }

    pub fn area(self) -> u32 {
        (self.w.max(0) * self.h.max(0)) as u32
    }

    /// The part of the rectangle inside the image.
    fn clip(self, image: &GrayImage) -> Rect {
        let x0 = self.x.clamp(0, image.width() as i32);
        let y0 = self.y.clamp(0, image.height() as i32);
        let x1 = (self.x + self.w).clamp(0, image.width() as i32);
        let y1 = (self.y + self.h).clamp(0, image.height() as i32);
        Rect {
            x: x0,
            y: y0,
            w: x1 - x0,
            h: y1 - y0,
        }
    }
}

/// A registered page with its paper level known: where all ink is
/// measured.
pub struct Sheet<'a> {
    image: &'a GrayImage,
    /// The paper's grey level.
    paper: u8,
    /// Darker than this is ink.
    ink_below: u8,
}

impl<'a> Sheet<'a> {
    pub fn new(image: &'a GrayImage) -> Sheet<'a> {
        let paper = paper_level(image);
        Sheet {
            image,
            paper,
            ink_below: paper.saturating_sub(INK_CONTRAST).min(LIGHTEST_INK),
        }
    }

    fn is_ink(&self, v: u8) -> bool {
        v < self.ink_below
    }

    pub fn snap(&self, frame: &[Rect]) -> (i32, i32) {
        snap(self.image, frame)
    }

    pub fn measure(&self, rect: Rect) -> Ink {
        measure(self.image, rect, |v| self.is_ink(v))
    }

    /// The share of ink in a band `from`..`to` pixels outside `rect`, on
    /// its left, top and bottom (a checkbox's label is on its right).
    pub fn around(&self, rect: Rect, from: i32, to: i32) -> f32 {
        let outer = rect.shrink(-to).clip(self.image);
        let inner = rect.shrink(-from);
        let (mut ink, mut all) = (0u32, 0u32);
        for y in outer.y..outer.y + outer.h {
            for x in outer.x..(inner.x + inner.w).min(outer.x + outer.w) {
                let inside = x >= inner.x && y >= inner.y && y < inner.y + inner.h;
                if !inside {
                    all += 1;
                    ink += u32::from(self.is_ink(self.image.get_pixel(x as u32, y as u32).0[0]));
                }
            }
        }
        if all == 0 {
            0.0
        } else {
            ink as f32 / all as f32
        }
    }

    /// The writing inside `rect`, cropped to its ink and stretched to black
    /// on white: what OCR is given. Rows and columns at the crop's edge
    /// that are mostly ink are what is left of a printed line after a
    /// slightly-off registration, and are whitened; so are specks of dust
    /// apart from the writing (how far apart, `holds` says).
    pub fn writing_crop(&self, rect: Rect, holds: Holds) -> Option<GrayImage> {
        let r = rect.clip(self.image);
        if r.area() == 0 {
            return None;
        }
        let mut crop =
            image::imageops::crop_imm(self.image, r.x as u32, r.y as u32, r.w as u32, r.h as u32)
                .to_image();
        whiten_edge_lines(&mut crop, |v| self.is_ink(v));
        clear_stray_specks(&mut crop, holds, |v| self.is_ink(v));
        let whole = Rect {
            x: 0,
            y: 0,
            w: r.w,
            h: r.h,
        };
        let b = measure(&crop, whole, |v| self.is_ink(v)).bounds?;
        let mut crop =
            image::imageops::crop_imm(&crop, b.x as u32, b.y as u32, b.w as u32, b.h as u32)
                .to_image();
        stretch(&mut crop, self.paper);
        Some(crop)
    }
}

/// The paper's grey: the median of the page, most of which is paper.
fn paper_level(image: &GrayImage) -> u8 {
    let mut histogram = [0u32; 256];
    // Every third pixel each way is plenty for a median.
    for y in (0..image.height()).step_by(3) {
        for x in (0..image.width()).step_by(3) {
            histogram[usize::from(image.get_pixel(x, y).0[0])] += 1;
        }
    }
    let half = histogram.iter().sum::<u32>() / 2;
    let mut seen = 0;
    for (level, count) in histogram.iter().enumerate() {
        seen += count;
        if seen > half {
            return level as u8;
        }
    }
    255
}

/// Spreads the crop's greys from its darkest pixel to the paper over the
/// full range, so that faint writing reaches OCR as dark as a firm hand's.
fn stretch(crop: &mut GrayImage, paper: u8) {
    let darkest = crop.pixels().map(|p| p.0[0]).min().unwrap_or(0);
    let span = f32::from(paper.saturating_sub(darkest).max(1));
    for p in crop.pixels_mut() {
        let v = f32::from(p.0[0].saturating_sub(darkest)) / span;
        p.0[0] = (v.min(1.0) * 255.0).round() as u8;
    }
}

fn darkness(image: &GrayImage, x: i32, y: i32) -> u32 {
    if x < 0 || y < 0 || x >= image.width() as i32 || y >= image.height() as i32 {
        return 0;
    }
    255 - u32::from(image.get_pixel(x as u32, y as u32).0[0])
}

/// The shift that best lays `frame` (the printed outlines of one field's
/// boxes) onto the lines on the page: first up-down by the horizontal
/// edges, then sideways by the vertical ones. Long printed lines outweigh
/// any handwriting crossing them. No shift when nothing beats it, so a
/// blank area stays where the layout says.
fn snap(image: &GrayImage, frame: &[Rect]) -> (i32, i32) {
    let along_rows = |dy: i32| -> u64 {
        frame
            .iter()
            .flat_map(|r| [r.y, r.y + r.h])
            .zip(frame.iter().flat_map(|r| [r, r]))
            .map(|(y, r)| {
                (r.x..r.x + r.w)
                    .map(|x| u64::from(darkness(image, x, y + dy)))
                    .sum::<u64>()
            })
            .sum()
    };
    let dy = best_shift(along_rows);
    let along_columns = |dx: i32| -> u64 {
        frame
            .iter()
            .flat_map(|r| [r.x, r.x + r.w])
            .zip(frame.iter().flat_map(|r| [r, r]))
            .map(|(x, r)| {
                (r.y..r.y + r.h)
                    .map(|y| u64::from(darkness(image, x + dx, y + dy)))
                    .sum::<u64>()
            })
            .sum()
    };
    (best_shift(along_columns), dy)
}

/// The shift within the radius with the highest score, nearest to zero
/// among equals.
fn best_shift(score: impl Fn(i32) -> u64) -> i32 {
    let mut best = (score(0), 0);
    for distance in 1..=SNAP_RADIUS_PX {
        for shift in [-distance, distance] {
            let s = score(shift);
            if s > best.0 {
                best = (s, shift);
            }
        }
    }
    best.1
}

/// The ink inside a rectangle.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Ink {
    /// Dark pixels.
    pub dark: u32,
    /// Dark pixels as a share of the rectangle.
    pub ratio: f32,
    /// The dark pixels' bounding box, in page pixels.
    pub bounds: Option<Rect>,
}

fn measure(image: &GrayImage, rect: Rect, is_ink: impl Fn(u8) -> bool) -> Ink {
    let r = rect.clip(image);
    let mut dark = 0;
    let (mut x0, mut y0, mut x1, mut y1) = (i32::MAX, i32::MAX, i32::MIN, i32::MIN);
    for y in r.y..r.y + r.h {
        for x in r.x..r.x + r.w {
            if is_ink(image.get_pixel(x as u32, y as u32).0[0]) {
                dark += 1;
                (x0, y0, x1, y1) = (x0.min(x), y0.min(y), x1.max(x), y1.max(y));
            }
        }
    }
    Ink {
        dark,
        ratio: if r.area() == 0 {
            0.0
        } else {
            dark as f32 / r.area() as f32
        },
        bounds: (dark > 0).then(|| Rect {
            x: x0,
            y: y0,
            w: x1 - x0 + 1,
            h: y1 - y0 + 1,
        }),
    }
}

impl Ink {
    /// Whether this is writing rather than dust: enough dark pixels for the
    /// smallest written sign (a dash: 2 mm by 0.3 mm is some 40 pixels)
    /// spread over at least `min_extent` pixels one way.
    pub fn is_writing(&self, min_dark: u32, min_extent: i32) -> bool {
        self.dark >= min_dark && self.bounds.is_some_and(|b| b.w.max(b.h) >= min_extent)
    }
}

/// Whitens up to `EDGE` rows and columns on each side that are more than
/// `LINE_SHARE` dark.
fn whiten_edge_lines(crop: &mut GrayImage, is_ink: impl Fn(u8) -> bool) {
    const EDGE: u32 = 3;
    const LINE_SHARE: f32 = 0.6;
    let (w, h) = crop.dimensions();
    let dark_share = |crop: &GrayImage, pixels: &mut dyn Iterator<Item = (u32, u32)>, n: u32| {
        pixels
            .filter(|&(x, y)| is_ink(crop.get_pixel(x, y).0[0]))
            .count() as f32
            / n as f32
    };
    let edge_rows = (0..EDGE.min(h)).chain(h.saturating_sub(EDGE).max(EDGE)..h);
    for y in edge_rows.collect::<Vec<_>>() {
        if dark_share(crop, &mut (0..w).map(|x| (x, y)), w) > LINE_SHARE {
            (0..w).for_each(|x| crop.put_pixel(x, y, image::Luma([255])));
        }
    }
    let edge_columns = (0..EDGE.min(w)).chain(w.saturating_sub(EDGE).max(EDGE)..w);
    for x in edge_columns.collect::<Vec<_>>() {
        if dark_share(crop, &mut (0..h).map(|y| (x, y)), h) > LINE_SHARE {
            (0..h).for_each(|y| crop.put_pixel(x, y, image::Luma([255])));
        }
    }
}

/// A patch of ink this small is a speck when it lies apart from the writing.
const SPECK_MAX_PX: usize = 30;

/// What a writing crop holds.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Holds {
    /// A line of words, whose full stops and the dots over its letters lie
    /// up to a letter's height from the rest.
    Line,
    /// One character (a comb's cell), none of whose pieces lies further
    /// than a quarter of its height from the rest.
    Character,
}

/// Whitens specks of dust or scanner noise that lie further from every
/// larger patch of ink than the tallest one is high (a quarter of that in
/// a character's cell): Tesseract reads such a speck at the end of a line
/// as `i`, `.` or `N`, and a speck in a cell's corner puts the character
/// off the strip's line. A dot or a full stop belonging to the writing
/// stays, being close to it.
fn clear_stray_specks(crop: &mut GrayImage, holds: Holds, is_ink: impl Fn(u8) -> bool) {
    let patches = blobs(crop, 0..crop.width() as i32, &is_ink);
    let (specks, writing): (Vec<&Blob>, Vec<&Blob>) =
        patches.iter().partition(|b| b.pixels <= SPECK_MAX_PX);
    let Some(tallest) = writing.iter().map(|b| b.bottom - b.top + 1).max() else {
        return;
    };
    let reach = match holds {
        Holds::Line => tallest,
        Holds::Character => tallest / 4,
    };
    let gap = |a: &Blob, b: &Blob| {
        let across = (b.left - a.right).max(a.left - b.right).max(0);
        let down = (b.top - a.bottom).max(a.top - b.bottom).max(0);
        across.max(down)
    };
    for speck in specks {
        if writing.iter().all(|w| gap(w, speck) > reach) {
            for y in speck.top..=speck.bottom {
                for x in speck.left..=speck.right {
                    crop.put_pixel(x as u32, y as u32, image::Luma([255]));
                }
            }
        }
    }
}

/// A connected patch of ink: its pixel count, extent and centre column.
#[derive(Debug, Clone, Copy)]
pub(super) struct Blob {
    pub pixels: usize,
    pub top: i32,
    pub bottom: i32,
    pub left: i32,
    pub right: i32,
    pub centre_x: i32,
}

/// The 8-connected patches of ink in `columns` of `crop`.
pub(super) fn blobs(
    crop: &GrayImage,
    columns: std::ops::Range<i32>,
    is_ink: impl Fn(u8) -> bool,
) -> Vec<Blob> {
    let (x0, x1) = (columns.start, columns.end);
    let h = crop.height() as i32;
    let width = (x1 - x0).max(0) as usize;
    let index = |x: i32, y: i32| y as usize * width + (x - x0) as usize;
    let is_ink = |x: i32, y: i32| is_ink(crop.get_pixel(x as u32, y as u32).0[0]);
    let mut seen = vec![false; width * h as usize];
    let mut found = Vec::new();
    for y in 0..h {
        for x in x0..x1 {
            if seen[index(x, y)] || !is_ink(x, y) {
                continue;
            }
            seen[index(x, y)] = true;
            let mut stack = vec![(x, y)];
            let (mut pixels, mut top, mut bottom, mut sum_x) = (0usize, y, y, 0i64);
            let (mut left, mut right) = (x, x);
            while let Some((px, py)) = stack.pop() {
                pixels += 1;
                top = top.min(py);
                bottom = bottom.max(py);
                left = left.min(px);
                right = right.max(px);
                sum_x += i64::from(px);
                for dy in -1..=1 {
                    for dx in -1..=1 {
                        let (nx, ny) = (px + dx, py + dy);
                        if nx >= x0
                            && nx < x1
                            && ny >= 0
                            && ny < h
                            && !seen[index(nx, ny)]
                            && is_ink(nx, ny)
                        {
                            seen[index(nx, ny)] = true;
                            stack.push((nx, ny));
                        }
                    }
                }
            }
            found.push(Blob {
                pixels,
                top,
                bottom,
                left,
                right,
                centre_x: (sum_x / pixels as i64) as i32,
            });
        }
    }
    found
}

#[cfg(test)]
mod tests;
