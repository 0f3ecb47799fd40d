//! Everything between a scanned file and a draft record: decoding pages,
//! finding and straightening the form on them, reading each field, and
//! telling blank and other pages from forms. No database, no HTTP: every
//! part is testable on files alone.

pub mod decode;
pub mod extract;
pub mod ocr;
pub mod read;
pub mod register;
pub mod text_layer;

use image::GrayImage;

use crate::printable::QrPayload;

/// Resolution of a registered page: 8 pixels per millimetre (203.2 dpi), so
/// a layout position in millimetres times this is a pixel position.
pub const PX_PER_MM: f32 = 8.0;

/// A4 at `PX_PER_MM`.
pub const CANONICAL_WIDTH: u32 = 1680;
pub const CANONICAL_HEIGHT: u32 = 2376;

/// A page on which the form was found: turned upright, straightened and
/// scaled so the layout's millimetres map straight onto its pixels.
pub struct RegisteredPage {
    /// `CANONICAL_WIDTH` x `CANONICAL_HEIGHT`, white paper = 255.
    pub image: GrayImage,
    /// What the page's QR code says: form, version, page and sheet serial.
    pub qr: QrPayload,
    /// Clockwise quarter turns that were undone (0 to 3).
    pub quarter_turns: u8,
    /// The skew that was undone, in degrees.
    pub skew_degrees: f32,
}
