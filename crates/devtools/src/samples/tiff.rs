//! Multi-page TIFF, as sheet feeders write a whole batch into one file.
//! `image` writes one frame only, so this is a small baseline writer:
//! 8-bit grey or RGB, one Deflate strip per page with the horizontal
//! predictor, and the resolution, readable by libtiff and the `tiff` crate.

use image::DynamicImage;
use lopdf::{Dictionary, Stream};

use super::SamplesError;

const SHORT: u16 = 3;
const LONG: u16 = 4;
const RATIONAL: u16 = 5;

struct Entry {
    tag: u16,
    kind: u16,
    count: u32,
    /// Little-endian value bytes; more than four go out of line.
    bytes: Vec<u8>,
}

fn short(tag: u16, values: &[u16]) -> Entry {
    Entry {
        tag,
        kind: SHORT,
        count: values.len() as u32,
        bytes: values.iter().flat_map(|v| v.to_le_bytes()).collect(),
    }
}

fn long(tag: u16, value: u32) -> Entry {
    Entry {
        tag,
        kind: LONG,
        count: 1,
        bytes: value.to_le_bytes().to_vec(),
    }
}

fn rational(tag: u16, numerator: u32) -> Entry {
    Entry {
        tag,
        kind: RATIONAL,
        count: 1,
        bytes: [numerator.to_le_bytes(), 1u32.to_le_bytes()].concat(),
    }
}

/// Writes `pages` (grey or RGB, each at `dpi`) as one TIFF file's bytes.
pub fn encode(pages: &[(DynamicImage, u32)]) -> Result<Vec<u8>, SamplesError> {
    let mut out = b"II\x2a\x00\0\0\0\0".to_vec();
    let mut link = 4; // where the offset of the next IFD goes
    for (number, (page, dpi)) in pages.iter().enumerate() {
        let (samples, photometric, raw) = match page {
            DynamicImage::ImageLuma8(grey) => (1u16, 1u16, grey.as_raw().clone()),
            other => (3, 2, other.to_rgb8().into_raw()),
        };
        let (width, height) = (page.width(), page.height());
        let strip = deflate(predict(raw, width as usize, samples as usize))?;
        let strip_offset = out.len() as u32;
        out.extend_from_slice(&strip);
        if out.len() % 2 == 1 {
            out.push(0); // IFDs start on a word boundary
        }
        let entries = vec![
            long(256, width),
            long(257, height),
            short(258, &vec![8; samples as usize]),
            short(259, &[8]), // Adobe Deflate
            short(262, &[photometric]),
            long(273, strip_offset),
            short(277, &[samples]),
            long(278, height),
            long(279, strip.len() as u32),
            rational(282, *dpi),
            rational(283, *dpi),
            short(284, &[1]),
            short(296, &[2]), // inches
            short(297, &[number as u16, pages.len() as u16]),
            short(317, &[2]), // horizontal differencing
        ];
        let ifd = out.len() as u32;
        out[link..link + 4].copy_from_slice(&ifd.to_le_bytes());
        let mut extra = ifd as usize + 2 + entries.len() * 12 + 4;
        let mut overflow = Vec::new();
        out.extend_from_slice(&(entries.len() as u16).to_le_bytes());
        for entry in &entries {
            out.extend_from_slice(&entry.tag.to_le_bytes());
            out.extend_from_slice(&entry.kind.to_le_bytes());
            out.extend_from_slice(&entry.count.to_le_bytes());
            if entry.bytes.len() <= 4 {
                let mut inline = entry.bytes.clone();
                inline.resize(4, 0);
                out.extend_from_slice(&inline);
            } else {
                out.extend_from_slice(&(extra as u32).to_le_bytes());
                overflow.extend_from_slice(&entry.bytes);
                extra += entry.bytes.len();
            }
        }
        link = out.len();
        out.extend_from_slice(&0u32.to_le_bytes());
        out.extend_from_slice(&overflow);
    }
    Ok(out)
}

/// Each sample less the same sample of the pixel to its left, per row:
/// paper and ink are flat, so the differences are mostly small.
fn predict(mut raw: Vec<u8>, width: usize, samples: usize) -> Vec<u8> {
    let row = width * samples;
    for line in raw.chunks_mut(row) {
        for i in (samples..row).rev() {
            line[i] = line[i].wrapping_sub(line[i - samples]);
        }
    }
    raw
}

/// zlib, by way of lopdf's stream compression (the same format as a PDF's
/// FlateDecode) rather than another dependency.
fn deflate(raw: Vec<u8>) -> Result<Vec<u8>, SamplesError> {
    let mut stream = Stream::new(Dictionary::new(), raw);
    stream.compress()?;
    if stream.dict.get(b"Filter").is_err() {
        // lopdf keeps data that would not shrink; TIFF still needs zlib.
        return Err(SamplesError::Tiff("page data did not compress".into()));
    }
    Ok(stream.content)
}
