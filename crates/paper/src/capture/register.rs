//! Finding the form on a scanned page and straightening it: the QR code
//! says which form and sheet this is and roughly where the page lies; the
//! four corner marks then pin the layout's millimetres to the scan's pixels
//! exactly, and the page is resampled so that one millimetre is
//! `PX_PER_MM` pixels. Also tells blank pages (duplex backs) from pages with
//! something on them.

mod affine;
mod blank;
mod marks;
mod qr;
mod warp;

#[cfg(test)]
mod tests;

use image::GrayImage;

use crate::printable::layout::BoxMm;
use crate::printable::{Layout, QrPayload, QrPayloadError};

use super::{CANONICAL_HEIGHT, CANONICAL_WIDTH, PX_PER_MM, RegisteredPage};
use affine::{Affine, Point};
use warp::{Homography, warp};

pub use blank::{has_drawn_ink, is_blank};

/// Why the form was not found on a page. Not a failure of the program: most
/// pages in the mailbox that are not our form end here.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum NotRegistered {
    /// Nothing on the page but paper: told before the whole page is
    /// searched for a code. Any other reason means the page is not blank.
    #[error("the page is blank")]
    Blank,
    #[error("no QR code was found: the page is not one of our forms, or its code is damaged")]
    NoQr,
    /// Some other document's code. What it says is not kept: it may be
    /// personal (a web address with a name in it).
    #[error("the page has a QR code, but not one of our forms': {0}")]
    ForeignQr(QrPayloadError),
    /// Our form, but not the layout given: the caller can register it again
    /// with the layout the code names.
    #[error("the page is {} version {}, not the {expected} layout given", .qr.form, .qr.version)]
    OtherForm { qr: QrPayload, expected: String },
    #[error("only {found} of the 4 corner marks were found (torn, folded or covered corners?)")]
    Marks { found: usize },
    #[error("the corner marks do not agree with the QR code (a folded page, or marks drawn over?)")]
    Inconsistent,
}

/// How far the marks may disagree with where the QR code puts the page.
/// Generous: the code is small, so its estimate of angle and scale carries
/// over 30 cm into a few millimetres at the far corners.
const MARK_SEARCH_MM: f64 = 12.0;
/// How far the QR code may sit from where the marks put it.
const QR_AGREEMENT_MM: f64 = 3.0;

/// Finds the form on `page`, turns it upright and straightens it into a
/// `CANONICAL_WIDTH` x `CANONICAL_HEIGHT` image where a layout position in
/// millimetres times `PX_PER_MM` is a pixel position.
pub fn register(page: &GrayImage, layout: &Layout) -> Result<RegisteredPage, NotRegistered> {
    register_located(page, locate(page)?, layout)
}

/// Our QR code on a page, found and read, before the page is straightened
/// by the layout of the form and version it names.
pub struct Located(qr::FoundQr);

impl Located {
    /// What the code says: form, version, page and serial.
    pub fn payload(&self) -> &QrPayload {
        &self.0.payload
    }
}

/// Finds and reads the page's QR code: which form and version it is, so
/// that the caller picks that version's layout (old sheets still arrive).
pub fn locate(page: &GrayImage) -> Result<Located, NotRegistered> {
    let found = match qr::in_corners(page) {
        qr::InCorners::Found(found) => found,
        // A page without our code in a corner is most often a duplex back,
        // which is told far more quickly than the whole page is searched.
        qr::InCorners::NotFound { .. } if is_blank(page) => return Err(NotRegistered::Blank),
        qr::InCorners::NotFound { foreign } => qr::anywhere(page, foreign)?,
    };
    Ok(Located(found))
}

/// [`register`] with the code already found.
pub fn register_located(
    page: &GrayImage,
    located: Located,
    layout: &Layout,
) -> Result<RegisteredPage, NotRegistered> {
    let Located(found) = located;
    if found.payload.form != layout.form || found.payload.version != layout.version {
        return Err(NotRegistered::OtherForm {
            qr: found.payload,
            expected: format!("{} version {}", layout.form, layout.version),
        });
    }
    // Where the QR code puts the page: millimetres to pixels.
    let qr_box = layout.qr.box_mm;
    let qr_pose = Affine::fit(
        &corners(qr_box)
            .into_iter()
            .zip(found.corners)
            .collect::<Vec<_>>(),
    )
    .ok_or(NotRegistered::NoQr)?;

    let threshold = marks::ink_threshold(page);
    let search_px = MARK_SEARCH_MM * qr_pose.scale();
    let mut pairs = Vec::with_capacity(4);
    for mark in &layout.marks {
        let centre_mm = centre(mark.box_mm);
        let expected_px = qr_pose.apply(centre_mm);
        let side_px = mark.box_mm[2] * qr_pose.scale();
        if let Some(found_px) = marks::find(page, threshold, expected_px, side_px, search_px) {
            pairs.push((centre_mm, found_px));
        }
    }
    if pairs.len() < 3 {
        return Err(NotRegistered::Marks { found: pairs.len() });
    }

    let pose = Affine::fit(&pairs).ok_or(NotRegistered::Inconsistent)?;
    // The marks must place the QR code where it was found: otherwise a
    // stray blob was taken for a mark.
    let tolerance = QR_AGREEMENT_MM * pose.scale();
    let agrees = corners(qr_box)
        .into_iter()
        .zip(found.corners)
        .all(|(mm, px)| distance(pose.apply(mm), px) <= tolerance);
    if !agrees {
        return Err(NotRegistered::Inconsistent);
    }

    // With a mark missing, the other three place it.
    let control: Vec<_> = if pairs.len() == 4 {
        pairs
    } else {
        layout
            .marks
            .iter()
            .map(|m| centre(m.box_mm))
            .map(|mm| (mm, pose.apply(mm)))
            .collect()
    };
    let image = straighten(page, &control).ok_or(NotRegistered::Inconsistent)?;
    let angle = pose.angle_degrees();
    let quarter_turns = (angle / 90.0).round().rem_euclid(4.0) as u8;
    let skew = angle - 90.0 * (angle / 90.0).round();
    Ok(RegisteredPage {
        image,
        qr: found.payload,
        quarter_turns,
        skew_degrees: skew as f32,
    })
}

/// Resamples the page so that canonical pixel = millimetre x `PX_PER_MM`.
/// The mapping is projective: a sheet that went through the feeder at a
/// slight slant is not quite a rotation of the printed one.
fn straighten(page: &GrayImage, control: &[(Point, Point)]) -> Option<GrayImage> {
    let [a, b, c, d] = control else {
        return None;
    };
    // Positions are of pixel centres on both sides.
    let scale = f64::from(PX_PER_MM);
    let from = [a, b, c, d].map(|p| (p.0.0 * scale - 0.5, p.0.1 * scale - 0.5));
    let to = [a, b, c, d].map(|p| p.1);
    let to_page = Homography::from_points(from, to)?;
    Some(warp(page, &to_page, CANONICAL_WIDTH, CANONICAL_HEIGHT))
}

fn corners(b: BoxMm) -> [Point; 4] {
    let [x, y, w, h] = b;
    [(x, y), (x + w, y), (x + w, y + h), (x, y + h)]
}

fn centre(b: BoxMm) -> Point {
    (b[0] + b[2] / 2.0, b[1] + b[3] / 2.0)
}

fn distance(a: Point, b: Point) -> f64 {
    (a.0 - b.0).hypot(a.1 - b.1)
}
