//! Blank pages: the backs of single-sided forms in a duplex scan, and empty
//! sheets. Such a page has paper texture, scanner noise, dust, a shadow at
//! its edges and the front's print showing through faintly; a page with
//! anything written on it has strokes clearly darker than the paper around
//! them. Judged at about 4 pixels per millimetre, which keeps pen strokes
//! and is quick.

use image::GrayImage;
use imageproc::integral_image::{integral_image, sum_image_pixels};

/// Edges where scanners leave shadows and the sheet's own border: ignored.
const MARGIN_SHARE: f64 = 0.03;
/// How much darker than the surrounding paper a pixel must be to be ink.
/// Print showing through from the other side stays well under this (solid
/// black shows through as 20 to 35 levels on office paper); a ballpoint or
/// pencil stroke is well over it.
const INK_CONTRAST: u32 = 50;
/// Blobs of ink smaller than this are dust or toner specks.
const MIN_BLOB_MM2: f64 = 1.0;
/// Ink covering at least this much makes a page not blank: a few
/// handwritten words cover several times as much.
const MIN_INK_MM2: f64 = 20.0;
/// The surrounding paper is measured over a square this wide.
const PAPER_WINDOW_MM: f64 = 8.0;

/// Grey at or below this is ink on a drawn page (anti-aliased small print
/// has its cores well below it); a drawn page's paper is pure white.
const DRAWN_INK_LEVEL: u8 = 255 - INK_CONTRAST as u8;

/// Whether a page drawn from a PDF's own content (not scanned) has any ink
/// on it: such a page has no noise, dust or show-through to allow for, so
/// a single word in small print, or a mark at its very edge, counts.
pub fn has_drawn_ink(page: &GrayImage) -> bool {
    page.as_raw().iter().any(|&level| level <= DRAWN_INK_LEVEL)
}

/// Whether the page has nothing on it but paper, noise and show-through.
pub fn is_blank(page: &GrayImage) -> bool {
    let short = page.width().min(page.height());
    if short == 0 {
        return true;
    }
    let small = shrink(page, (short / 840).max(1));
    let (w, h) = small.dimensions();
    // Millimetres from pixels, taking the shorter side as A4's 210 mm.
    let px_per_mm = f64::from(w.min(h)) / 210.0;
    let radius = ((PAPER_WINDOW_MM / 2.0 * px_per_mm).round() as u32).max(2);
    let margin_x = (f64::from(w) * MARGIN_SHARE).ceil() as u32;
    let margin_y = (f64::from(h) * MARGIN_SHARE).ceil() as u32;
    if w <= 2 * margin_x || h <= 2 * margin_y {
        return true;
    }

    let sums = integral_image::<_, u32>(&small);
    let (iw, ih) = ((w - 2 * margin_x) as usize, (h - 2 * margin_y) as usize);
    let mut ink = vec![false; iw * ih];
    for (i, is_ink) in ink.iter_mut().enumerate() {
        let (x, y) = ((i % iw) as u32 + margin_x, (i / iw) as u32 + margin_y);
        let (left, top) = (x.saturating_sub(radius), y.saturating_sub(radius));
        let (right, bottom) = ((x + radius).min(w - 1), (y + radius).min(h - 1));
        let area = (right - left + 1) * (bottom - top + 1);
        let paper = sum_image_pixels(&sums, left, top, right, bottom)[0] / area;
        *is_ink = u32::from(small.get_pixel(x, y).0[0]) + INK_CONTRAST <= paper;
    }

    let px_per_mm2 = px_per_mm * px_per_mm;
    let min_blob = (MIN_BLOB_MM2 * px_per_mm2).max(2.0) as usize;
    let min_ink = (MIN_INK_MM2 * px_per_mm2) as usize;
    // Blob by blob, stopping as soon as there is enough ink: a written page
    // is decided after its first few words.
    let mut total = 0;
    let mut stack = Vec::new();
    for start in 0..ink.len() {
        if !ink[start] {
            continue;
        }
        ink[start] = false;
        stack.push(start);
        let mut size = 0;
        while let Some(i) = stack.pop() {
            size += 1;
            let (x, y) = (i % iw, i / iw);
            for ny in y.saturating_sub(1)..=(y + 1).min(ih - 1) {
                for nx in x.saturating_sub(1)..=(x + 1).min(iw - 1) {
                    let n = ny * iw + nx;
                    if ink[n] {
                        ink[n] = false;
                        stack.push(n);
                    }
                }
            }
        }
        if size >= min_blob {
            total += size;
            if total >= min_ink {
                return false;
            }
        }
    }
    true
}

/// The image averaged down by `factor` in each direction.
fn shrink(image: &GrayImage, factor: u32) -> GrayImage {
    if factor <= 1 {
        return image.clone();
    }
    let (w, h) = (image.width() / factor, image.height() / factor);
    let stride = image.width() as usize;
    let (f, pixels) = (factor as usize, image.as_raw());
    let mut out = Vec::with_capacity(w as usize * h as usize);
    let mut sums = vec![0u32; w as usize];
    for row in 0..h as usize {
        sums.fill(0);
        for line in pixels[row * f * stride..].chunks(stride).take(f) {
            for (sum, block) in sums.iter_mut().zip(line.chunks_exact(f)) {
                *sum += block.iter().map(|&p| u32::from(p)).sum::<u32>();
            }
        }
        out.extend(sums.iter().map(|&s| (s / (factor * factor)) as u8));
    }
    GrayImage::from_raw(w, h, out).expect("sized to fit")
}
