//! Unpacking PDF streams with a bound. lopdf and pdf-extract inflate a
//! stream whole, without a limit, so every stream is first unpacked here,
//! its output counted and thrown away, and a file with a stream past the
//! limit is refused before either sees it: a decompression bomb costs a
//! few buffers and the time to unpack up to the limit, never its size.

use std::cell::Cell;
use std::io::{self, BufRead, BufReader, Cursor, Read, Write};
use std::rc::Rc;

use lopdf::{Document, Object, Stream};
use memchr::memmem;

use super::pdf::{get, resolve};
use super::{DecodeError, DecodeLimits};

/// Layers of packing followed when unpacking raw data: one filter over
/// another is all our inputs use (`[/ASCII85Decode /FlateDecode]`); more
/// are only followed to measure them.
const MAX_LAYERS: usize = 4;
/// How far back from `stream` its dictionary is looked for.
const MAX_DICT_BYTES: usize = 64 * 1024;

/// The filters lopdf (and so pdf-extract) undo; it leaves others alone.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Filter {
    Flate,
    Lzw,
    Ascii85,
}

impl Filter {
    pub(super) fn from_name(name: &[u8]) -> Option<Filter> {
        match name {
            b"FlateDecode" | b"Fl" => Some(Filter::Flate),
            b"LZWDecode" | b"LZW" => Some(Filter::Lzw),
            b"ASCII85Decode" | b"A85" => Some(Filter::Ascii85),
            _ => None,
        }
    }
}

enum Outcome {
    Whole,
    TooLarge,
    /// The data ended badly after `layers` layers were applied.
    Broken,
}

/// Counts what passes and fails once the limit is passed.
struct Capped<R> {
    inner: R,
    left: u64,
    over: Rc<Cell<bool>>,
}

impl<R: Read> Read for Capped<R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let n = self.inner.read(buf)?;
        if n as u64 > self.left {
            self.over.set(true);
            return Err(io::Error::other("over the limit"));
        }
        self.left -= n as u64;
        Ok(n)
    }
}

impl<W: Write> Write for Capped<W> {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        if buf.len() as u64 > self.left {
            self.over.set(true);
            return Err(io::Error::other("over the limit"));
        }
        self.left -= buf.len() as u64;
        self.inner.write(buf)
    }

    fn flush(&mut self) -> io::Result<()> {
        self.inner.flush()
    }
}

/// ASCII85, as lopdf reads it: whitespace skipped, `z` for four zeros,
/// stopping at the first other character (`~>` included).
struct Ascii85<R> {
    inner: R,
    out: [u8; 4],
    out_len: usize,
    out_at: usize,
    done: bool,
}

impl<R: BufRead> Read for Ascii85<R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let mut written = 0;
        while written < buf.len() {
            if self.out_at < self.out_len {
                buf[written] = self.out[self.out_at];
                self.out_at += 1;
                written += 1;
                continue;
            }
            if self.done {
                break;
            }
            let mut group = 0u32;
            let mut count = 0;
            while count < 5 {
                let head = self.inner.fill_buf()?;
                let Some(&c) = head.first() else {
                    self.done = true;
                    break;
                };
                self.inner.consume(1);
                if c.is_ascii_whitespace() {
                    continue;
                }
                if c == b'z' && count == 0 {
                    count = 5;
                    break;
                }
                if !(b'!'..=b'u').contains(&c) {
                    self.done = true;
                    break;
                }
                group = group.wrapping_mul(85).wrapping_add(u32::from(c - b'!'));
                count += 1;
            }
            if count < 5 {
                self.done = true;
                continue;
            }
            self.out = group.to_be_bytes();
            self.out_len = 4;
            self.out_at = 0;
        }
        Ok(written)
    }
}

type Layer<'a> = Box<dyn BufRead + 'a>;

fn apply<'a>(
    reader: Layer<'a>,
    filter: Filter,
    limit: u64,
    over: &Rc<Cell<bool>>,
) -> io::Result<Layer<'a>> {
    let capped = |inner: Box<dyn Read + 'a>| Capped {
        inner,
        left: limit,
        over: over.clone(),
    };
    Ok(match filter {
        Filter::Flate => Box::new(BufReader::new(capped(Box::new(
            flate2::bufread::ZlibDecoder::new(reader),
        )))),
        Filter::Ascii85 => Box::new(BufReader::new(capped(Box::new(Ascii85 {
            inner: reader,
            out: [0; 4],
            out_len: 0,
            out_at: 0,
            done: false,
        })))),
        // weezl writes rather than reads: this layer is unpacked into memory,
        // up to the limit.
        Filter::Lzw => {
            let mut out = Capped {
                inner: Vec::new(),
                left: limit,
                over: over.clone(),
            };
            let mut decoder =
                weezl::decode::Decoder::with_tiff_size_switch(weezl::BitOrder::Msb, 8);
            let result = decoder.into_stream(&mut out).decode_all(reader);
            if over.get() {
                return Err(io::Error::other("over the limit"));
            }
            drop(result);
            Box::new(Cursor::new(out.inner))
        }
    })
}

fn finish(mut reader: Layer<'_>, over: &Rc<Cell<bool>>) -> Outcome {
    let copied = io::copy(&mut reader, &mut io::sink());
    if over.get() {
        Outcome::TooLarge
    } else if copied.is_err() {
        Outcome::Broken
    } else {
        Outcome::Whole
    }
}

pub(super) fn too_large(limit: u64) -> DecodeError {
    DecodeError::StreamTooLarge { limit }
}

/// A stream's data unpacked through `filters`, refused past `limit` bytes
/// at any layer. Data that ends badly gives what came before, as lopdf does.
pub(super) fn unpack(data: &[u8], filters: &[Filter], limit: u64) -> Result<Vec<u8>, DecodeError> {
    let over = Rc::new(Cell::new(false));
    let mut reader: Layer<'_> = Box::new(data);
    for filter in filters {
        reader = match apply(reader, *filter, limit, &over) {
            Ok(next) => next,
            Err(_) if over.get() => return Err(too_large(limit)),
            Err(_) => return Ok(Vec::new()),
        };
    }
    let mut out = Vec::new();
    let read = reader.read_to_end(&mut out);
    if over.get() {
        return Err(too_large(limit));
    }
    drop(read);
    Ok(out)
}

/// The filters of a parsed stream that lopdf would undo, in order.
pub(super) fn stream_filters(doc: &Document, stream: &Stream) -> Vec<Filter> {
    match get(doc, &stream.dict, b"Filter") {
        Some(Object::Name(name)) => Filter::from_name(name).into_iter().collect(),
        Some(Object::Array(items)) => items
            .iter()
            .filter_map(|o| Filter::from_name(resolve(doc, o)?.as_name().ok()?))
            .collect(),
        _ => Vec::new(),
    }
}

/// A parsed stream's content unpacked, within `limit`.
pub(super) fn unpack_stream(
    doc: &Document,
    stream: &Stream,
    limit: u64,
) -> Result<Vec<u8>, DecodeError> {
    let filters = stream_filters(doc, stream);
    if filters.is_empty() {
        return Ok(stream.content.clone());
    }
    unpack(&stream.content, &filters, limit)
}

/// Whether a parsed stream unpacks within `limit`, without keeping it.
pub(super) fn check_stream(doc: &Document, stream: &Stream, limit: u64) -> Result<(), DecodeError> {
    let filters = stream_filters(doc, stream);
    let over = Rc::new(Cell::new(false));
    let mut reader: Layer<'_> = Box::new(&stream.content[..]);
    for filter in &filters {
        reader = match apply(reader, *filter, limit, &over) {
            Ok(next) => next,
            Err(_) if over.get() => return Err(too_large(limit)),
            Err(_) => return Ok(()),
        };
    }
    match finish(reader, &over) {
        Outcome::TooLarge => Err(too_large(limit)),
        _ => Ok(()),
    }
}

/// Every stream of a parsed document that is not an image, within the
/// limit for drawing instructions: what text reading unpacks.
pub fn check_all_but_images(doc: &Document, limits: &DecodeLimits) -> Result<(), DecodeError> {
    for object in doc.objects.values() {
        let Object::Stream(stream) = object else {
            continue;
        };
        let image = get(doc, &stream.dict, b"Subtype").and_then(|o| o.as_name().ok())
            == Some(b"Image".as_slice());
        if !image {
            check_stream(doc, stream, limits.max_stream_bytes())?;
        }
    }
    Ok(())
}

/// Whether the file is encrypted and keeps objects in object streams.
/// lopdf unpacks such a file's object streams after decrypting them, where
/// they cannot be measured first, so only the drawing library reads it
/// (as viewers do: most such files are restricted by an owner password
/// alone); the reading child's address-space limit bounds it.
pub fn encrypted_with_object_streams(bytes: &[u8]) -> bool {
    memmem::find(bytes, b"/Encrypt").is_some() && memmem::find(bytes, b"/ObjStm").is_some()
}

/// Checks the streams of a PDF in its raw bytes, before lopdf parses it
/// (lopdf unpacks object streams as it loads). Each `stream` keyword's
/// data is unpacked from there as far as it goes, the layers found by
/// their look (zlib's header, and ASCII85 or LZW when the dictionary names
/// them): whatever `/Length` says, lopdf can get no more than that. Image
/// data may unpack to `max_image_bytes`, anything else to
/// `max_stream_bytes`. A stream packed twice over with Flate is refused
/// too: no producer we read does that.
pub fn check_pdf(bytes: &[u8], limits: &DecodeLimits) -> Result<(), DecodeError> {
    for at in memmem::find_iter(bytes, b"stream") {
        if bytes[..at].ends_with(b"end") {
            continue;
        }
        let start = match bytes.get(at + 6..at + 8) {
            Some([b'\r', b'\n', ..]) => at + 8,
            Some([b'\n' | b'\r', ..]) => at + 7,
            _ => continue,
        };
        let window = &bytes[at.saturating_sub(MAX_DICT_BYTES)..at];
        let dict = memmem::rfind(window, b"obj").map_or(window, |o| &window[o..]);
        let names = |name: &[u8]| memmem::find(dict, name).is_some();
        let limit = if names(b"Image") && !names(b"ObjStm") {
            limits.max_image_bytes()
        } else {
            limits.max_stream_bytes()
        };
        check_raw_stream(
            &bytes[start..],
            names(b"ASCII85Decode"),
            names(b"LZW"),
            limit,
        )?;
    }
    Ok(())
}

fn looks_zlib(head: &[u8]) -> bool {
    match head {
        [cmf, flg, ..] => cmf & 0x0F == 8 && (u16::from(*cmf) << 8 | u16::from(*flg)) % 31 == 0,
        _ => false,
    }
}

fn check_raw_stream(data: &[u8], ascii85: bool, lzw: bool, limit: u64) -> Result<(), DecodeError> {
    let mut max_layers = MAX_LAYERS;
    loop {
        let over = Rc::new(Cell::new(false));
        let mut reader: Layer<'_> = Box::new(data);
        let (mut layers, mut flates) = (0, 0);
        let (mut used_ascii85, mut used_lzw) = (false, false);
        while layers < max_layers {
            let Ok(head) = reader.fill_buf() else {
                break;
            };
            let filter = if looks_zlib(head) {
                flates += 1;
                Filter::Flate
            } else if ascii85 && !used_ascii85 && head.first().is_some_and(|c| c.is_ascii_graphic())
            {
                used_ascii85 = true;
                Filter::Ascii85
            } else if lzw && !used_lzw {
                used_lzw = true;
                Filter::Lzw
            } else {
                break;
            };
            reader = match apply(reader, filter, limit, &over) {
                Ok(next) => next,
                Err(_) if over.get() => return Err(too_large(limit)),
                Err(_) => Box::new(io::empty()),
            };
            layers += 1;
        }
        if layers == 0 {
            return Ok(());
        }
        match finish(reader, &over) {
            Outcome::TooLarge => return Err(too_large(limit)),
            // An inner layer that only looked packed: measure the outer
            // ones whole.
            Outcome::Broken if layers > 1 => max_layers = layers - 1,
            _ if flates > 1 => {
                return Err(DecodeError::Unsupported(
                    "a stream in the PDF is packed twice over (nested FlateDecode), which is not read here".into(),
                ));
            }
            _ => return Ok(()),
        }
    }
}
