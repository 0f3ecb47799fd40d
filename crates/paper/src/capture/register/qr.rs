//! Finding and reading the page's QR code. The code sits near a corner of
//! the sheet whichever way up it was scanned, so the four corners are
//! searched first, most likely first, and the whole page only if none holds
//! it (and the page is not blank, see `register`). The reader finds codes
//! at any angle; what it needs is enough pixels per module, not too many.

use image::GrayImage;
use rqrr::{BitGrid, PreparedImage};

use crate::printable::{QrPayload, QrPayloadError};

use super::NotRegistered;

/// The code reads well at 4 to 8 pixels per module (a module is about
/// 0.8 mm); scans finer than this many pixels per millimetre are averaged
/// down first.
const PX_PER_MM_WANTED: f64 = 8.0;
/// Corner search areas, as a share of the page's shorter side: the code
/// lies within 42 mm of two edges of a 210 mm wide sheet.
const CORNER_SHARE: f64 = 0.3;

pub(super) struct FoundQr {
    pub payload: QrPayload,
    /// The symbol's corners as printed (top left, top right, bottom right,
    /// bottom left), in page pixels, wherever the scan put them.
    pub corners: [(f64, f64); 4],
}

/// A rectangle of the page: x, y, width, height.
type Area = (u32, u32, u32, u32);

/// Where the corners were searched.
pub(super) enum InCorners {
    Found(FoundQr),
    /// No code of ours in a corner; `foreign` if some other code was.
    NotFound {
        foreign: Option<QrPayloadError>,
    },
}

/// Our code in one of the page's corners.
pub(super) fn in_corners(page: &GrayImage) -> InCorners {
    let (w, h) = page.dimensions();
    let short = w.min(h);
    let side = ((f64::from(short) * CORNER_SHARE) as u32).max(1);
    let (right, bottom) = (w.saturating_sub(side), h.saturating_sub(side));
    // Upright, upside down, a quarter turn clockwise, then anticlockwise.
    let corners: [Area; 4] = [
        (right, 0, side, side),
        (0, bottom, side, side),
        (right, bottom, side, side),
        (0, 0, side, side),
    ];
    // Rounded up: at 300 dpi every other pixel, which is four times
    // quicker than every pixel and still 4.7 pixels per module.
    let step = (px_per_mm(page) / PX_PER_MM_WANTED).ceil().max(1.0) as u32;
    let mut foreign = None;
    for area in corners {
        match read(page, area, step) {
            Some(Ok(found)) => return InCorners::Found(found),
            Some(Err(error)) => foreign = Some(error),
            None => {}
        }
    }
    InCorners::NotFound { foreign }
}

/// Our code anywhere on the page, for a sheet that does not fill the scan
/// (a photo, a larger platen); `foreign` is what the corners held.
pub(super) fn anywhere(
    page: &GrayImage,
    foreign: Option<QrPayloadError>,
) -> Result<FoundQr, NotRegistered> {
    let (w, h) = page.dimensions();
    // A whole page is large: read nearer 6 pixels per millimetre.
    let step = ((px_per_mm(page) / (PX_PER_MM_WANTED * 0.75)).round() as u32).max(1);
    match read(page, (0, 0, w, h), step) {
        Some(Ok(found)) => Ok(found),
        Some(Err(error)) => Err(NotRegistered::ForeignQr(error)),
        None => Err(foreign.map_or(NotRegistered::NoQr, NotRegistered::ForeignQr)),
    }
}

/// The scan's resolution, if the page is A4 (or near it).
fn px_per_mm(page: &GrayImage) -> f64 {
    f64::from(page.width().min(page.height())) / 210.0
}

/// Our code in `area` (read at one pixel per `step` x `step` block), or the
/// reason a code found there is not ours, or nothing.
fn read(page: &GrayImage, area: Area, step: u32) -> Option<Result<FoundQr, QrPayloadError>> {
    let (x0, y0, w, h) = area;
    let (cols, rows) = ((w / step) as usize, (h / step) as usize);
    if cols < 21 || rows < 21 {
        return None;
    }
    let stride = page.width() as usize;
    let pixels = page.as_raw();
    let step_px = step as usize;
    let mut prepared = PreparedImage::prepare_from_greyscale(cols, rows, |x, y| {
        let (left, top) = (x0 as usize + x * step_px, y0 as usize + y * step_px);
        let sum: u32 = (top..top + step_px)
            .flat_map(|row| &pixels[row * stride + left..row * stride + left + step_px])
            .map(|&p| u32::from(p))
            .sum();
        (sum / (step * step)) as u8
    });
    let mut outcome = None;
    for grid in prepared.detect_grids() {
        let Ok((_, text)) = grid.decode() else {
            continue;
        };
        match QrPayload::parse(&text) {
            Ok(payload) => {
                // rqrr's bounds span one module more than the symbol.
                let n = grid.grid.size() as f64;
                let shrink = n / (n + 1.0);
                let [b0, b1, b2, b3] = grid.bounds.map(|p| (f64::from(p.x), f64::from(p.y)));
                let towards =
                    |b: (f64, f64)| (b0.0 + (b.0 - b0.0) * shrink, b0.1 + (b.1 - b0.1) * shrink);
                let to_page = |(x, y): (f64, f64)| {
                    let s = f64::from(step);
                    (f64::from(x0) + x * s, f64::from(y0) + y * s)
                };
                let corners = [b0, towards(b1), towards(b2), towards(b3)].map(to_page);
                return Some(Ok(FoundQr { payload, corners }));
            }
            Err(error) => outcome = Some(Err(error)),
        }
    }
    outcome
}
