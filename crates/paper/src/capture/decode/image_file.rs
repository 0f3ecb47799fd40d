//! One image in a PNG, JPEG or TIFF stream, through the `image` crate's
//! decoders with their allocation limits. The size is read from the header
//! and checked before the pixel buffer exists.

use std::io::{BufRead, Cursor, Seek};

use image::{DynamicImage, GrayImage, ImageDecoder, ImageError, ImageFormat, ImageReader, Limits};

use super::{DecodeError, DecodeLimits, check_pixels};

/// Width and height from the header alone, refused if over the limit.
pub(super) fn check_header<R: BufRead + Seek>(
    reader: R,
    format: ImageFormat,
    limits: &DecodeLimits,
) -> Result<(u32, u32), DecodeError> {
    let decoder = decoder(reader, format, *limits)?;
    let (width, height) = decoder.dimensions();
    check_pixels(width.into(), height.into(), limits)?;
    Ok((width, height))
}

/// As `decode`, for an image held in memory; a JPEG is first checked to
/// be whole.
pub(super) fn decode_bytes(
    bytes: &[u8],
    format: ImageFormat,
    limits: &DecodeLimits,
) -> Result<GrayImage, DecodeError> {
    if format == ImageFormat::Jpeg {
        check_jpeg_ends(bytes)?;
    }
    decode(Cursor::new(bytes), format, limits)
}

/// The image in grey; colour is reduced to its luma.
pub(super) fn decode<R: BufRead + Seek>(
    reader: R,
    format: ImageFormat,
    limits: &DecodeLimits,
) -> Result<GrayImage, DecodeError> {
    guard(format, || {
        let decoder = decoder(reader, format, *limits)?;
        let (width, height) = decoder.dimensions();
        check_pixels(width.into(), height.into(), limits)?;
        let image = DynamicImage::from_decoder(decoder).map_err(|e| error(format, e))?;
        Ok(match image {
            DynamicImage::ImageLuma8(grey) => grey,
            other => other.into_luma8(),
        })
    })
}

/// The JPEG decoder fills a truncated image with grey rather than fail, and
/// a half-received scan would be read as a page with its bottom half empty.
/// A JPEG is whole when its markers lead to the end-of-image marker.
fn check_jpeg_ends(bytes: &[u8]) -> Result<(), DecodeError> {
    let truncated = |reason: &str| DecodeError::CorruptImage {
        format: "JPEG",
        reason: reason.into(),
    };
    if !bytes.starts_with(&[0xFF, 0xD8]) {
        return Err(truncated("it does not start as a JPEG does"));
    }
    let mut at = 2;
    loop {
        // The next marker; decoders skip stray bytes between segments.
        while at < bytes.len() && bytes[at] != 0xFF {
            at += 1;
        }
        while at < bytes.len() && bytes[at] == 0xFF {
            at += 1;
        }
        let Some(&marker) = bytes.get(at) else {
            return Err(truncated(
                "it ends before its end marker: the file was cut short",
            ));
        };
        at += 1;
        match marker {
            0xD9 => return Ok(()),
            // Markers without a segment.
            0x01 | 0xD0..=0xD8 => continue,
            _ => {}
        }
        let Some(length) = bytes.get(at..at + 2) else {
            continue;
        };
        at += usize::from(u16::from_be_bytes([length[0], length[1]]));
        if marker == 0xDA {
            // Entropy-coded data follows a scan header; in it 0xFF is
            // followed by 0x00 (a data byte) or a restart marker.
            let is_marker =
                |i: usize| bytes[i] == 0xFF && !matches!(bytes[i + 1], 0x00 | 0xD0..=0xD7 | 0xFF);
            while at + 1 < bytes.len() && !is_marker(at) {
                at += 1;
            }
        }
    }
}

fn decoder<'a, R: BufRead + Seek + 'a>(
    reader: R,
    format: ImageFormat,
    limits: DecodeLimits,
) -> Result<impl ImageDecoder + 'a, DecodeError> {
    let mut reader = ImageReader::with_format(reader, format);
    reader.limits(image_limits(&limits));
    reader.into_decoder().map_err(|e| error(format, e))
}

/// The decoder's own allocation cap, a second line behind `check_pixels`:
/// enough for the largest allowed page at 16-bit RGBA.
fn image_limits(limits: &DecodeLimits) -> Limits {
    let mut image_limits = Limits::default();
    image_limits.max_alloc = Some(limits.max_pixels.saturating_mul(8).max(64 << 20));
    image_limits
}

pub(super) fn name(format: ImageFormat) -> &'static str {
    match format {
        ImageFormat::Png => "PNG",
        ImageFormat::Jpeg => "JPEG",
        ImageFormat::Tiff => "TIFF",
        _ => "image",
    }
}

fn error(format: ImageFormat, error: ImageError) -> DecodeError {
    let format = name(format);
    match error {
        ImageError::Unsupported(e) => DecodeError::Unsupported(format!(
            "the {format} image is of a kind not read here ({e})"
        )),
        ImageError::Limits(e) => DecodeError::Unsupported(format!(
            "the {format} image would need more memory than allowed ({e})"
        )),
        other => DecodeError::CorruptImage {
            format,
            reason: other.to_string(),
        },
    }
}

/// Decoders are written for well-formed files; should one panic on a
/// hostile one, that page is reported as corrupt and the batch goes on.
pub(super) fn guard<T>(
    format: ImageFormat,
    decode: impl FnOnce() -> Result<T, DecodeError>,
) -> Result<T, DecodeError> {
    std::panic::catch_unwind(std::panic::AssertUnwindSafe(decode)).unwrap_or_else(|_| {
        Err(DecodeError::CorruptImage {
            format: name(format),
            reason: "the decoder gave up on it".into(),
        })
    })
}
