//! Multi-page TIFF. The `image` crate decodes only a TIFF's first page, so
//! the directory chain is walked here and each page is handed to `image` as
//! a view of the same bytes whose header points at that page's directory:
//! no copy of the file per page, and `image` keeps doing the decompression
//! and colour handling with its limits. Also writes minimal one-strip TIFFs,
//! the container PDF image data is decoded through.

use std::collections::HashSet;
use std::io::{self, BufReader, Read, Seek, SeekFrom};

use image::{GrayImage, ImageFormat};

use super::tiff_page::{self, Ifd};
use super::{DecodeError, DecodeLimits, check_pixels, image_file};

/// More directories than any scanner writes: a bound for hostile chains.
const MAX_PAGES: usize = 100_000;
/// NewSubfileType: bit 0 marks a reduced-resolution copy (a thumbnail),
/// not a page.
const NEW_SUBFILE_TYPE: u16 = 254;

pub(super) struct TiffPages {
    bytes: Vec<u8>,
    header: Header,
    /// Where each page's directory starts.
    pages: Vec<u64>,
    /// Why the directory chain stopped early, if it did: reported as one
    /// more, unreadable, page so that lost pages are not silent.
    broken: Option<String>,
}

#[derive(Clone, Copy)]
pub(super) struct Header {
    pub(super) little_endian: bool,
    pub(super) big_tiff: bool,
}

impl Header {
    fn read(bytes: &[u8]) -> Option<(Header, u64)> {
        let little_endian = match bytes.get(..2)? {
            b"II" => true,
            b"MM" => false,
            _ => return None,
        };
        let mut header = Header {
            little_endian,
            big_tiff: false,
        };
        match header.u16(bytes, 2)? {
            42 => Some((header, header.u32(bytes, 4)?.into())),
            43 if header.u16(bytes, 4)? == 8 => {
                header.big_tiff = true;
                Some((header, header.u64(bytes, 8)?))
            }
            _ => None,
        }
    }

    fn len(self) -> usize {
        if self.big_tiff { 16 } else { 8 }
    }

    fn int<const N: usize>(self, bytes: &[u8], at: u64) -> Option<[u8; N]> {
        let at = usize::try_from(at).ok()?;
        let mut raw: [u8; N] = bytes.get(at..at.checked_add(N)?)?.try_into().ok()?;
        if !self.little_endian {
            raw.reverse();
        }
        Some(raw)
    }

    pub(super) fn u16(self, bytes: &[u8], at: u64) -> Option<u16> {
        self.int(bytes, at).map(u16::from_le_bytes)
    }

    pub(super) fn u32(self, bytes: &[u8], at: u64) -> Option<u32> {
        self.int(bytes, at).map(u32::from_le_bytes)
    }

    pub(super) fn u64(self, bytes: &[u8], at: u64) -> Option<u64> {
        self.int(bytes, at).map(u64::from_le_bytes)
    }

    /// One directory: whether it is a page, and where the next one is.
    fn directory(self, bytes: &[u8], at: u64) -> Option<(bool, u64)> {
        let (count, entries, entry_len) = if self.big_tiff {
            (self.u64(bytes, at)?, at.checked_add(8)?, 20)
        } else {
            (self.u16(bytes, at)?.into(), at.checked_add(2)?, 12)
        };
        let mut is_page = true;
        for i in 0..count {
            let entry = entries.checked_add(i.checked_mul(entry_len)?)?;
            if self.u16(bytes, entry)? == NEW_SUBFILE_TYPE {
                // A LONG; its value sits in the entry's last field.
                let value = if self.big_tiff {
                    self.u32(bytes, entry + 12)?
                } else {
                    self.u32(bytes, entry + 8)?
                };
                is_page = value & 1 == 0;
            }
        }
        let next_at = entries.checked_add(count.checked_mul(entry_len)?)?;
        let next = if self.big_tiff {
            self.u64(bytes, next_at)?
        } else {
            self.u32(bytes, next_at)?.into()
        };
        Some((is_page, next))
    }
}

impl TiffPages {
    pub(super) fn parse(bytes: Vec<u8>) -> Result<TiffPages, DecodeError> {
        let corrupt = |reason: &str| DecodeError::CorruptImage {
            format: "TIFF",
            reason: reason.into(),
        };
        let (header, mut at) = Header::read(&bytes).ok_or_else(|| corrupt("bad header"))?;
        let mut pages = Vec::new();
        let mut seen = HashSet::new();
        let mut broken = None;
        while at != 0 {
            if !seen.insert(at) || seen.len() > MAX_PAGES {
                broken = Some("its list of pages loops back on itself".to_string());
                break;
            }
            let Some((is_page, next)) = header.directory(&bytes, at) else {
                broken = Some(format!("the file ends or is damaged at byte {at}"));
                break;
            };
            if is_page {
                pages.push(at);
            }
            at = next;
        }
        if pages.is_empty() {
            return Err(corrupt(broken.as_deref().unwrap_or("it holds no page")));
        }
        Ok(TiffPages {
            bytes,
            header,
            pages,
            broken,
        })
    }

    pub(super) fn len(&self) -> usize {
        self.pages.len() + usize::from(self.broken.is_some())
    }

    pub(super) fn decode(
        &self,
        index: usize,
        limits: &DecodeLimits,
    ) -> Result<GrayImage, DecodeError> {
        let Some(&directory) = self.pages.get(index) else {
            return Err(DecodeError::CorruptImage {
                format: "TIFF",
                reason: self.broken.clone().unwrap_or_default(),
            });
        };
        let ifd = Ifd::read(&self.bytes, self.header, directory);
        let times = ifd.as_ref().map_or(1, tiff_page::vertical_stretch);
        if let Some(ifd) = ifd.filter(tiff_page::read_here) {
            return image_file::guard(ImageFormat::Tiff, || tiff_page::decode(&ifd, limits, times));
        }
        let view = PageView::new(&self.bytes, self.header, directory);
        let image = image_file::decode(BufReader::new(view), ImageFormat::Tiff, limits)?;
        check_pixels(
            image.width().into(),
            u64::from(image.height()) * u64::from(times),
            limits,
        )?;
        Ok(tiff_page::stretch(image, times))
    }
}

/// The file's bytes, read as if its header named `directory` as the first
/// page.
struct PageView<'a> {
    bytes: &'a [u8],
    header: [u8; 16],
    header_len: usize,
    position: u64,
}

impl<'a> PageView<'a> {
    fn new(bytes: &'a [u8], header: Header, directory: u64) -> PageView<'a> {
        let header_len = header.len();
        let mut patched = [0u8; 16];
        patched[..header_len].copy_from_slice(&bytes[..header_len]);
        let field = if header.big_tiff {
            &mut patched[8..16]
        } else {
            &mut patched[4..8]
        };
        // Fits: a classic TIFF's directories are found through 32-bit offsets.
        let offset = directory.to_le_bytes();
        field.copy_from_slice(&offset[..field.len()]);
        if !header.little_endian {
            field.reverse();
        }
        PageView {
            bytes,
            header: patched,
            header_len,
            position: 0,
        }
    }
}

impl Read for PageView<'_> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let Ok(at) = usize::try_from(self.position) else {
            return Ok(0);
        };
        let source = if at < self.header_len {
            &self.header[at..self.header_len]
        } else {
            self.bytes.get(at..).unwrap_or_default()
        };
        let n = source.len().min(buf.len());
        buf[..n].copy_from_slice(&source[..n]);
        self.position += n as u64;
        Ok(n)
    }
}

impl Seek for PageView<'_> {
    fn seek(&mut self, to: SeekFrom) -> io::Result<u64> {
        let target = match to {
            SeekFrom::Start(n) => Some(n),
            SeekFrom::End(d) => (self.bytes.len() as u64).checked_add_signed(d),
            SeekFrom::Current(d) => self.position.checked_add_signed(d),
        };
        self.position = target.ok_or_else(|| {
            io::Error::new(
                io::ErrorKind::InvalidInput,
                "seek before the start of the file",
            )
        })?;
        Ok(self.position)
    }
}

/// One page of a TIFF as written by `write`: a single strip of data, as
/// found in a PDF image stream.
pub(super) struct Strip<'a> {
    pub width: u32,
    pub height: u32,
    pub bits_per_sample: u16,
    pub samples: u16,
    pub photometric: u16,
    pub compression: u16,
    /// 2 for horizontal differencing (PDF Predictor 2), else 1.
    pub predictor: u16,
    pub data: &'a [u8],
}

pub(super) const PHOTOMETRIC_WHITE_IS_ZERO: u16 = 0;
pub(super) const PHOTOMETRIC_BLACK_IS_ZERO: u16 = 1;
pub(super) const PHOTOMETRIC_RGB: u16 = 2;
pub(super) const PHOTOMETRIC_SEPARATED: u16 = 5;
pub(super) const COMPRESSION_NONE: u16 = 1;
pub(super) const COMPRESSION_GROUP4: u16 = 4;
pub(super) const COMPRESSION_LZW: u16 = 5;
pub(super) const COMPRESSION_DEFLATE: u16 = 8;

/// A classic TIFF holding `pages` in order. Big-endian, as PDF stores
/// 16-bit samples, so that strips taken from a PDF read the same here.
pub(super) fn write(pages: &[Strip]) -> Vec<u8> {
    const SHORT: u16 = 3;
    const LONG: u16 = 4;
    const ENTRIES: u16 = 11;
    let mut out = b"MM\x00\x2a\x00\x00\x00\x08".to_vec();
    for (i, page) in pages.iter().enumerate() {
        let directory_at = out.len() as u32;
        let directory_len = 2 + u32::from(ENTRIES) * 12 + 4;
        // Bits per sample go inline for up to two samples, else after the
        // directory; the strip follows.
        let bits_at = directory_at + directory_len;
        let bits_len = if page.samples > 2 {
            2 * u32::from(page.samples)
        } else {
            0
        };
        let data_at = bits_at + bits_len;
        let next = if i + 1 < pages.len() {
            (data_at + page.data.len() as u32 + 1) & !1
        } else {
            0
        };
        // A SHORT value sits in the first half of the entry's value field.
        let short = |v: u16| u32::from(v) << 16;
        let bits = page.bits_per_sample;
        let bits_value = match page.samples {
            1 => short(bits),
            2 => short(bits) | u32::from(bits),
            _ => bits_at,
        };
        let tags: [(u16, u16, u32, u32); ENTRIES as usize] = [
            (256, LONG, 1, page.width),
            (257, LONG, 1, page.height),
            (258, SHORT, u32::from(page.samples), bits_value),
            (259, SHORT, 1, short(page.compression)),
            (262, SHORT, 1, short(page.photometric)),
            (273, LONG, 1, data_at),
            (277, SHORT, 1, short(page.samples)),
            (278, LONG, 1, page.height),
            (279, LONG, 1, page.data.len() as u32),
            (284, SHORT, 1, short(1)),
            (317, SHORT, 1, short(page.predictor)),
        ];
        out.extend_from_slice(&ENTRIES.to_be_bytes());
        for (tag, kind, count, value) in tags {
            out.extend_from_slice(&tag.to_be_bytes());
            out.extend_from_slice(&kind.to_be_bytes());
            out.extend_from_slice(&count.to_be_bytes());
            out.extend_from_slice(&value.to_be_bytes());
        }
        out.extend_from_slice(&next.to_be_bytes());
        if page.samples > 2 {
            for _ in 0..page.samples {
                out.extend_from_slice(&bits.to_be_bytes());
            }
        }
        out.extend_from_slice(page.data);
        if out.len() % 2 == 1 {
            out.push(0);
        }
    }
    out
}
