//! One TIFF page's tags, and the pages read here rather than by `image`,
//! which refuses them or reads them wrong: fax-coded pages (Modified
//! Huffman, Group 3), bilevel pages with their bits in reverse order
//! (FillOrder 2), palette and 2- and 4-bit grey pages. Also the vertical
//! stretch of a fax sent at half the vertical resolution.

use image::GrayImage;

use super::ccitt::{self, Coding};
use super::tiff::Header;
use super::{DecodeError, DecodeLimits, check_pixels};

const IMAGE_WIDTH: u16 = 256;
const IMAGE_LENGTH: u16 = 257;
const BITS_PER_SAMPLE: u16 = 258;
const COMPRESSION: u16 = 259;
const PHOTOMETRIC: u16 = 262;
const FILL_ORDER: u16 = 266;
const STRIP_OFFSETS: u16 = 273;
const SAMPLES_PER_PIXEL: u16 = 277;
const ROWS_PER_STRIP: u16 = 278;
const STRIP_BYTE_COUNTS: u16 = 279;
const X_RESOLUTION: u16 = 282;
const Y_RESOLUTION: u16 = 283;
const T4_OPTIONS: u16 = 292;
const TILE_WIDTH: u16 = 322;
const COLOR_MAP: u16 = 320;

const PHOTOMETRIC_PALETTE: u64 = 3;

const RATIONAL: u16 = 5;

struct Entry {
    tag: u16,
    kind: u16,
    count: u64,
    value_at: u64,
}

/// A page's directory: its tags, with their values left in the file.
pub(super) struct Ifd<'a> {
    bytes: &'a [u8],
    header: Header,
    entries: Vec<Entry>,
}

impl<'a> Ifd<'a> {
    pub(super) fn read(bytes: &'a [u8], header: Header, at: u64) -> Option<Ifd<'a>> {
        let (count, first, entry_len, field_len) = if header.big_tiff {
            (header.u64(bytes, at)?, at.checked_add(8)?, 20, 8)
        } else {
            (header.u16(bytes, at)?.into(), at.checked_add(2)?, 12, 4)
        };
        let mut entries = Vec::new();
        for i in 0..count {
            let entry = first.checked_add(i.checked_mul(entry_len)?)?;
            let tag = header.u16(bytes, entry)?;
            let kind = header.u16(bytes, entry + 2)?;
            let (count, field) = if header.big_tiff {
                (header.u64(bytes, entry + 4)?, entry + 12)
            } else {
                (header.u32(bytes, entry + 4)?.into(), entry + 8)
            };
            let size: u64 = match kind {
                1 | 2 | 6 | 7 => 1,
                3 | 8 => 2,
                4 | 9 | 11 => 4,
                5 | 10 | 12 | 16 | 17 => 8,
                _ => continue,
            };
            let Some(len) = count.checked_mul(size) else {
                continue;
            };
            let value_at = if len <= field_len {
                field
            } else if header.big_tiff {
                header.u64(bytes, field)?
            } else {
                header.u32(bytes, field)?.into()
            };
            entries.push(Entry {
                tag,
                kind,
                count,
                value_at,
            });
        }
        Some(Ifd {
            bytes,
            header,
            entries,
        })
    }

    fn entry(&self, tag: u16) -> Option<&Entry> {
        self.entries.iter().find(|e| e.tag == tag)
    }

    fn has(&self, tag: u16) -> bool {
        self.entry(tag).is_some()
    }

    fn value_at(&self, entry: &Entry, index: u64) -> Option<u64> {
        let at = |size: u64| entry.value_at.checked_add(index.checked_mul(size)?);
        match entry.kind {
            1 => self
                .bytes
                .get(usize::try_from(at(1)?).ok()?)
                .map(|&b| b.into()),
            3 => self.header.u16(self.bytes, at(2)?).map(Into::into),
            4 => self.header.u32(self.bytes, at(4)?).map(Into::into),
            16 => self.header.u64(self.bytes, at(8)?),
            _ => None,
        }
    }

    /// An integer tag's values; none unless all are in the file, so that a
    /// count in a hostile header costs no memory.
    fn values(&self, tag: u16) -> Option<Vec<u64>> {
        let entry = self.entry(tag)?;
        let size = match entry.kind {
            1 => 1,
            3 => 2,
            4 => 4,
            16 => 8,
            _ => return None,
        };
        let end = entry.value_at.checked_add(entry.count.checked_mul(size)?)?;
        if end > self.bytes.len() as u64 {
            return None;
        }
        (0..entry.count).map(|i| self.value_at(entry, i)).collect()
    }

    fn first(&self, tag: u16) -> Option<u64> {
        let entry = self.entry(tag)?;
        if entry.count == 0 {
            return None;
        }
        self.value_at(entry, 0)
    }

    fn rational(&self, tag: u16) -> Option<f64> {
        let entry = self.entry(tag)?;
        if entry.kind != RATIONAL || entry.count == 0 {
            return None;
        }
        let numerator = self.header.u32(self.bytes, entry.value_at)?;
        let denominator = self
            .header
            .u32(self.bytes, entry.value_at.checked_add(4)?)?;
        (denominator != 0).then(|| f64::from(numerator) / f64::from(denominator))
    }
}

/// How many times each line is to be repeated for square pixels: 2 for a
/// fax sent at 200 x 100 dpi, else 1.
pub(super) fn vertical_stretch(ifd: &Ifd) -> u32 {
    let (Some(x), Some(y)) = (ifd.rational(X_RESOLUTION), ifd.rational(Y_RESOLUTION)) else {
        return 1;
    };
    if x <= 0.0 || y <= 0.0 {
        return 1;
    }
    let ratio = x / y;
    let whole = ratio.round();
    if (2.0..=4.0).contains(&whole) && (ratio - whole).abs() < 0.1 {
        whole as u32
    } else {
        1
    }
}

/// Each line `times` times over.
pub(super) fn stretch(image: GrayImage, times: u32) -> GrayImage {
    if times <= 1 {
        return image;
    }
    let (width, height) = image.dimensions();
    let mut out = Vec::with_capacity(image.as_raw().len() * times as usize);
    for row in image.as_raw().chunks_exact(width as usize) {
        for _ in 0..times {
            out.extend_from_slice(row);
        }
    }
    GrayImage::from_raw(width, height * times, out).expect("the buffer is the stretched size")
}

/// How a page read here is stored.
enum Kind {
    /// One bit a pixel: raw (`None`) or fax-coded.
    Bilevel(Option<Coding>),
    /// Uncompressed samples of `bits` (2 or 4 grey, up to 8 palette) that
    /// `image` does not read.
    Samples { bits: u32 },
}

struct Layout {
    width: u32,
    height: u32,
    photometric: u16,
    reverse_bits: bool,
}

fn kind(ifd: &Ifd) -> Option<Kind> {
    if ifd.has(TILE_WIDTH) {
        return None;
    }
    let compression = ifd.first(COMPRESSION).unwrap_or(1);
    let bits = ifd.first(BITS_PER_SAMPLE).unwrap_or(1);
    let samples = ifd.first(SAMPLES_PER_PIXEL).unwrap_or(1);
    let photometric = ifd.first(PHOTOMETRIC).unwrap_or(0);
    let reversed = ifd.first(FILL_ORDER) == Some(2);
    if samples != 1 {
        return None;
    }
    let palette = photometric == PHOTOMETRIC_PALETTE && matches!(bits, 1 | 2 | 4 | 8);
    let grey = photometric <= 1 && matches!(bits, 2 | 4);
    if (palette || grey) && compression == 1 {
        return Some(Kind::Samples { bits: bits as u32 });
    }
    if bits != 1 || photometric > 1 {
        return None;
    }
    match compression {
        1 if reversed => Some(Kind::Bilevel(None)),
        2 => Some(Kind::Bilevel(Some(Coding::ModifiedHuffman))),
        3 => Some(Kind::Bilevel(Some(Coding::Group3 {
            two_d: ifd.first(T4_OPTIONS).unwrap_or(0) & 1 == 1,
        }))),
        4 if reversed => Some(Kind::Bilevel(Some(Coding::Group4))),
        _ => None,
    }
}

/// Whether the page is read here rather than by `image`.
pub(super) fn read_here(ifd: &Ifd) -> bool {
    kind(ifd).is_some()
}

fn corrupt(reason: impl Into<String>) -> DecodeError {
    DecodeError::CorruptImage {
        format: "TIFF",
        reason: reason.into(),
    }
}

/// The page in grey, 0 for ink and 255 for paper, each line repeated
/// `times` (see `vertical_stretch`); checked against the pixel limit at
/// its stretched size before anything is allocated.
pub(super) fn decode(
    ifd: &Ifd,
    limits: &DecodeLimits,
    times: u32,
) -> Result<GrayImage, DecodeError> {
    let kind = kind(ifd).ok_or_else(|| corrupt("it is not a page read here"))?;
    let (Some(width), Some(height)) = (ifd.first(IMAGE_WIDTH), ifd.first(IMAGE_LENGTH)) else {
        return Err(corrupt("it gives no width or height"));
    };
    check_pixels(width, height.saturating_mul(times.into()), limits)?;
    let layout = Layout {
        width: u32::try_from(width).map_err(|_| corrupt("it is too wide"))?,
        height: u32::try_from(height).map_err(|_| corrupt("it is too tall"))?,
        photometric: ifd.first(PHOTOMETRIC).unwrap_or(0) as u16,
        reverse_bits: ifd.first(FILL_ORDER) == Some(2),
    };
    let image = match kind {
        Kind::Bilevel(coding) => bilevel(ifd, &layout, coding)?,
        Kind::Samples { bits } => samples(ifd, &layout, bits)?,
    };
    Ok(stretch(image, times))
}

/// Each strip's bytes with the lines it holds, cut to the file's end.
fn strips<'a>(ifd: &Ifd<'a>, height: u32) -> Result<Vec<(&'a [u8], u32)>, DecodeError> {
    let offsets = ifd
        .values(STRIP_OFFSETS)
        .ok_or_else(|| corrupt("its strips cannot be found"))?;
    let counts = ifd.values(STRIP_BYTE_COUNTS).unwrap_or_default();
    let rows_per_strip = ifd
        .first(ROWS_PER_STRIP)
        .unwrap_or(height.into())
        .clamp(1, height.into());
    let mut out = Vec::new();
    for (i, &offset) in offsets.iter().enumerate() {
        let first_row = (i as u64).saturating_mul(rows_per_strip);
        if first_row >= height.into() {
            break;
        }
        let rows = rows_per_strip.min(u64::from(height) - first_row) as u32;
        let start = usize::try_from(offset)
            .ok()
            .filter(|&s| s <= ifd.bytes.len())
            .ok_or_else(|| corrupt(format!("strip {i} starts past the end of the file")))?;
        let end = counts
            .get(i)
            .and_then(|&c| usize::try_from(c).ok())
            .map_or(ifd.bytes.len(), |c| start.saturating_add(c))
            .min(ifd.bytes.len());
        out.push((&ifd.bytes[start..end], rows));
    }
    Ok(out)
}

fn bilevel(ifd: &Ifd, layout: &Layout, coding: Option<Coding>) -> Result<GrayImage, DecodeError> {
    let width = layout.width as usize;
    // 1 where the data has a one bit (or a black run).
    let mut ones = vec![0u8; width * layout.height as usize];
    let mut lines = 0;
    let mut row = 0usize;
    for (data, rows) in strips(ifd, layout.height)? {
        let out = &mut ones[row * width..(row + rows as usize) * width];
        lines += match coding {
            Some(coding) => ccitt::decode(data, layout.reverse_bits, width, coding, out),
            None => unpack_bits(data, layout.reverse_bits, width, out),
        };
        row += rows as usize;
    }
    if lines == 0 {
        return Err(corrupt("none of its fax-coded lines could be read"));
    }
    // WhiteIsZero (0), as fax pages are: a one bit is ink.
    let (one, zero) = if layout.photometric == 1 {
        (255, 0)
    } else {
        (0, 255)
    };
    for pixel in &mut ones {
        *pixel = if *pixel == 1 { one } else { zero };
    }
    Ok(GrayImage::from_raw(layout.width, layout.height, ones)
        .expect("the buffer is the page's size"))
}

/// Uncompressed lines of one bit a pixel, each from a byte boundary.
fn unpack_bits(data: &[u8], reverse: bool, width: usize, out: &mut [u8]) -> usize {
    let stride = width.div_ceil(8);
    let mut lines = 0;
    for (line, row) in data.chunks_exact(stride).zip(out.chunks_exact_mut(width)) {
        for (x, pixel) in row.iter_mut().enumerate() {
            let byte = line[x / 8];
            let byte = if reverse { byte.reverse_bits() } else { byte };
            *pixel = (byte >> (7 - x % 8)) & 1;
        }
        lines += 1;
    }
    lines
}

/// Uncompressed 2- and 4-bit grey, and palette pages, in grey.
fn samples(ifd: &Ifd, layout: &Layout, bits: u32) -> Result<GrayImage, DecodeError> {
    let levels = 1usize << bits;
    let grey: Vec<u8> = if u64::from(layout.photometric) == PHOTOMETRIC_PALETTE {
        let map = ifd
            .values(COLOR_MAP)
            .filter(|map| map.len() == 3 * levels)
            .ok_or_else(|| corrupt("its palette is missing or the wrong size"))?;
        (0..levels)
            .map(|i| {
                let [r, g, b] = [map[i], map[levels + i], map[2 * levels + i]].map(|v| v >> 8);
                // The luma `image` gives colour pages.
                ((2126 * r + 7152 * g + 722 * b) / 10000).min(255) as u8
            })
            .collect()
    } else {
        (0..levels)
            .map(|v| {
                let level = (v * 255 / (levels - 1)) as u8;
                if layout.photometric == 0 {
                    255 - level
                } else {
                    level
                }
            })
            .collect()
    };
    let width = layout.width as usize;
    let bits = bits as usize;
    let stride = (width * bits).div_ceil(8);
    let mut out = vec![255u8; width * layout.height as usize];
    let mut row = 0usize;
    for (data, rows) in strips(ifd, layout.height)? {
        let lines = data.chunks_exact(stride).take(rows as usize);
        for (i, line) in lines.enumerate() {
            let target = &mut out[(row + i) * width..(row + i + 1) * width];
            for (x, pixel) in target.iter_mut().enumerate() {
                let bit = x * bits;
                let byte = line[bit / 8];
                let byte = if layout.reverse_bits && bits < 8 {
                    byte.reverse_bits()
                } else {
                    byte
                };
                let value = (byte >> (8 - bits - bit % 8)) & ((1u16 << bits) - 1) as u8;
                *pixel = grey[usize::from(value)];
            }
        }
        row += rows as usize;
    }
    Ok(GrayImage::from_raw(layout.width, layout.height, out)
        .expect("the buffer is the page's size"))
}
