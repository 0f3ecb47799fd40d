//! Decoding PDF image data through the `image` crate: Flate, LZW, CCITT
//! G4 and uncompressed samples are wrapped in a one-strip TIFF, and
//! PNG-predicted Flate data in a PNG, around the stream's bytes as they
//! are. Those decoders stop at the size their header gives, where
//! inflating the stream here would have no bound: a decompression bomb
//! yields its few declared pixels and nothing more.

use image::{GrayImage, ImageFormat};

use super::pdf_colour::Colour;
use super::pdf_image::{corrupt, unsupported};
use super::tiff::{self, Strip};
use super::{DecodeError, DecodeLimits, image_file};

/// The sample layout of an image stream.
pub(super) struct Sampled<'a> {
    pub width: u32,
    pub height: u32,
    pub bits: i64,
    pub colour: &'a Colour,
}

impl Sampled<'_> {
    pub(super) fn through_tiff(
        &self,
        data: &[u8],
        compression: u16,
        predictor: u16,
        limits: &DecodeLimits,
    ) -> Result<GrayImage, DecodeError> {
        let (samples, photometric) = match self.colour {
            Colour::Gray | Colour::Indexed { .. } => (1, tiff::PHOTOMETRIC_BLACK_IS_ZERO),
            Colour::Rgb => (3, tiff::PHOTOMETRIC_RGB),
            Colour::Cmyk => (4, tiff::PHOTOMETRIC_SEPARATED),
        };
        let bits = match (self.bits, samples) {
            (8 | 16, _) | (1, 1) => self.bits as u16,
            _ => {
                return Err(unsupported(format!(
                    "{}-bit samples with this compression",
                    self.bits
                )));
            }
        };
        let strip = Strip {
            width: self.width,
            height: self.height,
            bits_per_sample: bits,
            samples,
            photometric,
            compression,
            predictor,
            data,
        };
        decode_tiff(&strip, limits)
    }

    /// PNG predictors put a filter byte before each row, exactly as PNG
    /// stores its rows: the stream becomes a PNG's image data unchanged.
    pub(super) fn through_png(
        &self,
        data: &[u8],
        limits: &DecodeLimits,
    ) -> Result<GrayImage, DecodeError> {
        let colour_type = match self.colour {
            Colour::Gray | Colour::Indexed { .. } => 0,
            Colour::Rgb => 2,
            Colour::Cmyk => return Err(unsupported("CMYK with a PNG predictor".into())),
        };
        let bits = match (self.bits, colour_type) {
            (1 | 2 | 4 | 8 | 16, 0) | (8 | 16, 2) => self.bits as u8,
            _ => {
                return Err(unsupported(format!(
                    "{}-bit samples with a PNG predictor",
                    self.bits
                )));
            }
        };
        let mut header = Vec::with_capacity(13);
        header.extend_from_slice(&self.width.to_be_bytes());
        header.extend_from_slice(&self.height.to_be_bytes());
        header.extend_from_slice(&[bits, colour_type, 0, 0, 0]);
        let mut png = b"\x89PNG\r\n\x1a\n".to_vec();
        png_chunk(&mut png, b"IHDR", &header);
        png_chunk(&mut png, b"IDAT", data);
        png_chunk(&mut png, b"IEND", &[]);
        image_file::decode_bytes(&png, ImageFormat::Png, limits).map_err(in_pdf)
    }
}

pub(super) fn decode_tiff(strip: &Strip, limits: &DecodeLimits) -> Result<GrayImage, DecodeError> {
    let file = tiff::write(std::slice::from_ref(strip));
    image_file::decode_bytes(&file, ImageFormat::Tiff, limits).map_err(in_pdf)
}

/// The wrapper is ours: its decoder's complaints are about the PDF's data.
fn in_pdf(error: DecodeError) -> DecodeError {
    match error {
        DecodeError::CorruptImage { reason, .. } => {
            corrupt(&format!("its page image is damaged: {reason}"))
        }
        other => other,
    }
}

pub(super) fn png_chunk(out: &mut Vec<u8>, kind: &[u8; 4], data: &[u8]) {
    out.extend_from_slice(&(data.len() as u32).to_be_bytes());
    let start = out.len();
    out.extend_from_slice(kind);
    out.extend_from_slice(data);
    let crc = crc32(&out[start..]);
    out.extend_from_slice(&crc.to_be_bytes());
}

/// The CRC-32 PNG chunks carry, which the decoder checks.
fn crc32(bytes: &[u8]) -> u32 {
    let table: [u32; 256] = std::array::from_fn(|n| {
        (0..8).fold(n as u32, |c, _| {
            if c & 1 == 1 {
                0xEDB8_8320 ^ (c >> 1)
            } else {
                c >> 1
            }
        })
    });
    !bytes.iter().fold(!0u32, |c, b| {
        table[((c ^ u32::from(*b)) & 0xFF) as usize] ^ (c >> 8)
    })
}
