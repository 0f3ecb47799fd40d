//! One PDF image XObject to a grey image: its size checked, its filters
//! and colour space read, its data decoded (see `pdf_wrap`) and turned to
//! grey.

use image::{GrayImage, ImageFormat};
use lopdf::{Dictionary, Document, Object, Stream};

use super::pdf::{get, resolve};
use super::pdf_colour::Colour;
use super::pdf_wrap::{Sampled, decode_tiff};
use super::tiff::{self, Strip};
use super::unpack::{Filter, unpack};
use super::{DecodeError, DecodeLimits, check_pixels, image_file};

pub(super) fn decode(
    doc: &Document,
    stream: &Stream,
    limits: &DecodeLimits,
) -> Result<GrayImage, DecodeError> {
    let dict = &stream.dict;
    let int = |key: &[u8]| get(doc, dict, key).and_then(|o| o.as_i64().ok());
    let (Some(width), Some(height)) = (int(b"Width"), int(b"Height")) else {
        return Err(corrupt("its image has no /Width or /Height"));
    };
    let (Ok(width), Ok(height)) = (u32::try_from(width), u32::try_from(height)) else {
        return Err(corrupt("its image has a negative or huge size"));
    };
    check_pixels(width.into(), height.into(), limits)?;

    let mask = get(doc, dict, b"ImageMask").and_then(|o| o.as_bool().ok()) == Some(true);
    let bits = if mask {
        1
    } else {
        int(b"BitsPerComponent").unwrap_or(8)
    };
    let colour = if mask {
        Colour::Gray
    } else {
        Colour::of(doc, get(doc, dict, b"ColorSpace"))?
    };
    // /Decode [1 0]: the samples are stored inverted.
    let inverted = get(doc, dict, b"Decode")
        .and_then(|o| o.as_array().ok())
        .and_then(|d| Some(d.first()?.as_float().ok()? > d.get(1)?.as_float().ok()?))
        .unwrap_or(false);

    let (filters, params) = filters(doc, dict);
    let (codec, transport) = filters
        .split_last()
        .map_or((None, &[][..]), |(last, rest)| (Some(*last), rest));
    let unwrapped;
    let data: &[u8] = if transport.is_empty() {
        &stream.content
    } else {
        unwrapped = unwrap_transport(stream, transport, limits)?;
        &unwrapped
    };
    let params = params.last().copied().flatten();
    let param = |key: &[u8]| {
        params
            .and_then(|p| get(doc, p, key))
            .and_then(|o| o.as_i64().ok())
    };

    let image = Sampled {
        width,
        height,
        bits,
        colour: &colour,
    };
    let mut grey = match codec {
        Some(b"DCTDecode") => image_file::decode_bytes(data, ImageFormat::Jpeg, limits)?,
        None => image.through_tiff(data, tiff::COMPRESSION_NONE, 1, limits)?,
        Some(b"FlateDecode" | b"LZWDecode") => {
            let compression = if codec == Some(b"FlateDecode") {
                tiff::COMPRESSION_DEFLATE
            } else {
                tiff::COMPRESSION_LZW
            };
            match param(b"Predictor").unwrap_or(1) {
                1 => image.through_tiff(data, compression, 1, limits)?,
                2 => image.through_tiff(data, compression, 2, limits)?,
                10..=15 if compression == tiff::COMPRESSION_DEFLATE => {
                    image.through_png(data, limits)?
                }
                other => return Err(unsupported(format!("predictor {other}"))),
            }
        }
        Some(b"CCITTFaxDecode") => {
            if param(b"K").unwrap_or(0) >= 0 {
                return Err(unsupported("CCITT Group 3 compression".into()));
            }
            let strip = Strip {
                width,
                height,
                bits_per_sample: 1,
                samples: 1,
                photometric: tiff::PHOTOMETRIC_WHITE_IS_ZERO,
                compression: tiff::COMPRESSION_GROUP4,
                predictor: 1,
                data,
            };
            let mut grey = decode_tiff(&strip, limits)?;
            // The TIFF decoder shows black runs black; PDF shows them
            // white when BlackIs1 is set, unless /Decode turns them back.
            if get_bool(doc, params, b"BlackIs1") != inverted {
                image::imageops::invert(&mut grey);
            }
            return Ok(grey);
        }
        Some(b"JBIG2Decode") => return Err(unsupported("JBIG2 compression".into())),
        Some(b"JPXDecode") => return Err(unsupported("JPEG 2000 compression".into())),
        Some(other) => {
            return Err(unsupported(format!(
                "the {} filter",
                String::from_utf8_lossy(other)
            )));
        }
    };
    if let Colour::Indexed { luma } = &colour {
        let top = (1u32 << bits.clamp(1, 8)) - 1;
        for p in grey.pixels_mut() {
            let index = (u32::from(p.0[0]) * top + 127) / 255;
            p.0[0] = luma.get(index as usize).copied().unwrap_or(255);
        }
    } else if inverted && colour.components() == 1 {
        image::imageops::invert(&mut grey);
    }
    Ok(grey)
}

fn get_bool(doc: &Document, params: Option<&Dictionary>, key: &[u8]) -> bool {
    params
        .and_then(|p| get(doc, p, key))
        .and_then(|o| o.as_bool().ok())
        .unwrap_or(false)
}

pub(super) fn corrupt(reason: &str) -> DecodeError {
    DecodeError::CorruptPdf(reason.into())
}

pub(super) fn unsupported(what: String) -> DecodeError {
    DecodeError::Unsupported(format!(
        "the page image uses {what}, which is not read here; scan to PDF with JPEG or CCITT G4 images, or to TIFF"
    ))
}

/// The stream's filters in decoding order, each with its parameters.
fn filters<'a>(
    doc: &'a Document,
    dict: &'a Dictionary,
) -> (Vec<&'a [u8]>, Vec<Option<&'a Dictionary>>) {
    let names: Vec<&[u8]> = match get(doc, dict, b"Filter") {
        Some(Object::Name(name)) => vec![name],
        Some(Object::Array(items)) => items
            .iter()
            .filter_map(|o| resolve(doc, o)?.as_name().ok())
            .collect(),
        _ => Vec::new(),
    };
    let params = match get(doc, dict, b"DecodeParms") {
        Some(Object::Dictionary(p)) => vec![Some(p)],
        Some(Object::Array(items)) => items
            .iter()
            .map(|o| resolve(doc, o).and_then(|o| o.as_dict().ok()))
            .collect(),
        _ => Vec::new(),
    };
    let mut aligned = vec![None; names.len()];
    for (slot, p) in aligned.iter_mut().rev().zip(params.into_iter().rev()) {
        *slot = p;
    }
    (names, aligned)
}

/// Undoes the filter before the image's own (`[/FlateDecode /DCTDecode]`
/// and the like), within the image limit. One is all scanners use.
fn unwrap_transport(
    stream: &Stream,
    transport: &[&[u8]],
    limits: &DecodeLimits,
) -> Result<Vec<u8>, DecodeError> {
    let filters: Option<Vec<Filter>> = transport.iter().map(|n| Filter::from_name(n)).collect();
    match filters {
        Some(filters) if filters.len() == 1 => {
            unpack(&stream.content, &filters, limits.max_image_bytes())
        }
        _ => Err(unsupported("a chain of filters".into())),
    }
}
