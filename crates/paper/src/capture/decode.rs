//! Reading a scanned file page by page: PNG, JPEG, multi-page TIFF and PDF.
//! Pages are decoded one at a time as the caller asks for them, and every
//! size is checked from the headers before a pixel buffer is allocated, so a
//! 300-page scan or a decompression bomb cannot take the worker's memory.

mod ccitt;
mod image_file;
mod pdf;
mod pdf_colour;
mod pdf_image;
mod pdf_page_alone;
mod pdf_render;
mod pdf_scan;
mod pdf_wrap;
mod tiff;
mod tiff_page;
mod unpack;

#[cfg(test)]
mod tests;

use std::fmt;
use std::io::Read;
use std::path::Path;
use std::sync::Arc;

use image::{GrayImage, ImageFormat};

pub use pdf_render::RENDER_DPI;
pub use unpack::{check_all_but_images, check_pdf, encrypted_with_object_streams};

/// How big an input may be. Scans of A4 at 300 dpi are under 9 million
/// pixels; the defaults leave room for A3 and 600 dpi without letting one
/// file take gigabytes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct DecodeLimits {
    /// Pixels in one page (width x height).
    pub max_pixels: u64,
    /// Bytes in the whole file.
    pub max_file_bytes: u64,
}

impl DecodeLimits {
    /// Bytes one PDF image stream may unpack to: four per pixel of the page
    /// limit (CMYK at 8 bits), 320 MB at the default limit.
    pub fn max_image_bytes(&self) -> u64 {
        self.max_pixels.saturating_mul(4)
    }

    /// Bytes any other PDF stream (drawing instructions, fonts, object
    /// streams) may unpack to: one per 16 pixels of the page limit, 5 MB at
    /// the default. A typed page draws in some tens of kilobytes; reading
    /// the text of a page costs many times its instructions' size.
    pub fn max_stream_bytes(&self) -> u64 {
        (self.max_pixels / 16).max(1_000_000)
    }
}

impl Default for DecodeLimits {
    fn default() -> Self {
        DecodeLimits {
            max_pixels: 80_000_000,
            max_file_bytes: 512 * 1024 * 1024,
        }
    }
}

/// One page of a file.
#[derive(Debug)]
pub struct Page {
    /// 1-based, counting the pages of the file.
    pub number: u32,
    pub content: PageContent,
}

#[derive(Debug)]
pub enum PageContent {
    /// A page in grey: a scan, or a PDF page drawn as a viewer shows it
    /// whose largest image is the size of a scan (strips, mixed raster).
    Image(GrayImage),
    /// A PDF page drawn from its own text, drawing and small images, with
    /// no image the size of a scan and no text layer that could be read
    /// (outlines, a font without a map to characters). No scanner made it,
    /// so it has no scanner noise: any ink on it is something to look at.
    Drawn(GrayImage),
    /// A PDF page typed rather than scanned (text, with at most a logo): a
    /// form filled in on a computer and flattened, or a letter saved as
    /// PDF. `text` is its text layer; `image` the page drawn.
    Digital { text: String, image: GrayImage },
}

/// The kinds of file read; anything else is refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FileKind {
    Pdf,
    Png,
    Jpeg,
    Tiff,
}

impl FileKind {
    pub fn as_str(self) -> &'static str {
        match self {
            FileKind::Pdf => "PDF",
            FileKind::Png => "PNG",
            FileKind::Jpeg => "JPEG",
            FileKind::Tiff => "TIFF",
        }
    }
}

impl fmt::Display for FileKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Why a file or one of its pages cannot be read. The messages are shown to
/// mailroom staff as the reason a file went to quarantine.
#[derive(Debug, thiserror::Error)]
pub enum DecodeError {
    #[error("cannot read the file: {0}")]
    Io(#[from] std::io::Error),
    #[error("the file is empty (0 bytes)")]
    Empty,
    #[error("the file is {size} bytes, over the limit of {limit} bytes")]
    FileTooLarge { size: u64, limit: u64 },
    #[error("{}", unknown_format(*.found))]
    UnknownFormat { found: Option<&'static str> },
    #[error("the {format} image is truncated or corrupt ({reason})")]
    CorruptImage {
        format: &'static str,
        reason: String,
    },
    #[error("the page is {width} x {height} pixels, over the limit of {}", Pixels(*.limit))]
    TooManyPixels { width: u64, height: u64, limit: u64 },
    #[error("the PDF is corrupt ({0})")]
    CorruptPdf(String),
    /// A decompression bomb, or a file no scanner would write.
    #[error("a stream unpacks to more than {} MB", .limit.div_ceil(1_000_000))]
    StreamTooLarge { limit: u64 },
    #[error("the PDF is password-protected")]
    EncryptedPdf,
    #[error("the file has no pages")]
    NoPages,
    #[error("{0}")]
    Unsupported(String),
    /// A problem on one page of a file with several; the other pages may
    /// still be read.
    #[error("page {page} cannot be read: {error}")]
    Page {
        page: u32,
        #[source]
        error: Box<DecodeError>,
    },
}

impl DecodeError {
    /// The page the problem is on, for files with several pages.
    pub fn page(&self) -> Option<u32> {
        match self {
            DecodeError::Page { page, .. } => Some(*page),
            _ => None,
        }
    }

    fn on_page(self, page: u32) -> DecodeError {
        DecodeError::Page {
            page,
            error: Box::new(self),
        }
    }
}

fn unknown_format(found: Option<&str>) -> String {
    let expected = "only PDF, PNG, JPEG and TIFF files are read";
    match found {
        Some(found) => format!("the file is a {found} image: {expected}"),
        None => format!("the file is not a PDF or an image: {expected}"),
    }
}

/// "80 million" rather than "80000000" when the limit is a round number.
struct Pixels(u64);

impl fmt::Display for Pixels {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.0 >= 1_000_000 && self.0.is_multiple_of(1_000_000) {
            write!(f, "{} million", self.0 / 1_000_000)
        } else {
            write!(f, "{} pixels", self.0)
        }
    }
}

/// Refuses a page before its pixels are allocated.
fn check_pixels(width: u64, height: u64, limits: &DecodeLimits) -> Result<(), DecodeError> {
    if width.saturating_mul(height) > limits.max_pixels {
        return Err(DecodeError::TooManyPixels {
            width,
            height,
            limit: limits.max_pixels,
        });
    }
    if width == 0 || height == 0 {
        return Err(DecodeError::CorruptImage {
            format: "page",
            reason: format!("it claims to be {width} x {height} pixels"),
        });
    }
    Ok(())
}

/// The pages of one file, decoded as they are asked for. A broken page
/// yields an error and the following pages are still read.
pub struct Pages {
    kind: FileKind,
    source: Source,
    next: usize,
    limits: DecodeLimits,
}

enum Source {
    Image {
        bytes: Vec<u8>,
        format: ImageFormat,
    },
    Tiff(tiff::TiffPages),
    Pdf(Box<pdf::PdfPages>),
    /// A PDF that only the drawing library opens: see [`drawn_only`].
    DrawnPdf {
        renderer: pdf_render::PdfRenderer,
        pages: usize,
        /// Why the parser refused the file.
        refused: String,
    },
}

impl Pages {
    pub fn kind(&self) -> FileKind {
        self.kind
    }

    /// Pages in the file, known before any is decoded.
    pub fn page_count(&self) -> u32 {
        let count = match &self.source {
            Source::Image { .. } => 1,
            Source::Tiff(tiff) => tiff.len(),
            Source::Pdf(pdf) => pdf.len(),
            Source::DrawnPdf { pages, .. } => *pages,
        };
        u32::try_from(count).unwrap_or(u32::MAX)
    }
}

impl Iterator for Pages {
    type Item = Result<Page, DecodeError>;

    fn next(&mut self) -> Option<Self::Item> {
        let index = self.next;
        if index >= self.page_count() as usize {
            return None;
        }
        self.next += 1;
        let number = index as u32 + 1;
        let content = match &self.source {
            Source::Image { bytes, format } => {
                image_file::decode_bytes(bytes, *format, &self.limits).map(PageContent::Image)
            }
            Source::Tiff(tiff) => tiff
                .decode(index, &self.limits)
                .map(PageContent::Image)
                .map_err(|e| e.on_page(number)),
            Source::Pdf(pdf) => pdf
                .decode(index, &self.limits)
                .map_err(|e| e.on_page(number)),
            Source::DrawnPdf {
                renderer, refused, ..
            } => renderer
                .render(index, &self.limits)
                .and_then(|image| drawn_page_of_a_refused_file(image, refused))
                .map_err(|e| e.on_page(number)),
        };
        Some(content.map(|content| Page { number, content }))
    }

    fn size_hint(&self) -> (usize, Option<usize>) {
        let left = (self.page_count() as usize).saturating_sub(self.next);
        (left, Some(left))
    }
}

impl ExactSizeIterator for Pages {}

/// Opens a file and reads its structure (PDF page tree, TIFF directory),
/// but no page yet.
pub fn open(path: &Path, limits: &DecodeLimits) -> Result<Pages, DecodeError> {
    let file = std::fs::File::open(path)?;
    let size = file.metadata()?.len();
    if size > limits.max_file_bytes {
        return Err(DecodeError::FileTooLarge {
            size,
            limit: limits.max_file_bytes,
        });
    }
    if size == 0 {
        return Err(DecodeError::Empty);
    }
    let mut head = [0u8; 1024];
    let head_len = (&file).take(head.len() as u64).read(&mut head)?;
    let mut file = file;
    std::io::Seek::rewind(&mut file)?;
    if is_pdf(&head[..head_len]) {
        // Every stream is measured before lopdf unpacks any. lopdf reads
        // the whole file into memory to parse it anyway.
        let mut bytes = Vec::with_capacity(size as usize);
        (&file)
            .take(limits.max_file_bytes)
            .read_to_end(&mut bytes)?;
        check_pdf(&bytes, limits)?;
        if encrypted_with_object_streams(&bytes) {
            return Ok(Pages {
                kind: FileKind::Pdf,
                source: drawn_only(Arc::new(bytes), DecodeError::EncryptedPdf)?,
                next: 0,
                limits: *limits,
            });
        }
        drop(bytes);
        // A PDF's page images stay on disk until their page is read: a
        // 300-page scan does not sit in memory.
        let source = match pdf::PdfPages::open(path, limits) {
            Ok(pages) => Source::Pdf(Box::new(pages)),
            Err(error) => {
                std::io::Seek::rewind(&mut file)?;
                let mut bytes = Vec::with_capacity(size as usize);
                file.take(limits.max_file_bytes).read_to_end(&mut bytes)?;
                drawn_only(Arc::new(bytes), error)?
            }
        };
        return Ok(Pages {
            kind: FileKind::Pdf,
            source,
            next: 0,
            limits: *limits,
        });
    }
    let mut bytes = Vec::with_capacity(size as usize);
    // The file may grow while it is read (a drop folder being written to):
    // never read more than the limit.
    let mut file = std::fs::File::open(path)?;
    (&mut file)
        .take(limits.max_file_bytes + 1)
        .read_to_end(&mut bytes)?;
    open_bytes(bytes, limits)
}

/// A PDF that the parser refused but a viewer opens: a cross-reference
/// table or trailer that viewers rebuild, a page tree they repair, or an
/// encryption with an empty password that the parser cannot undo. Its
/// pages are drawn by the drawing library, which rebuilds what is broken,
/// and judged as drawn pages (no text layer; any ink is not blank). A
/// file the drawing library cannot open either keeps the parser's reason.
/// Its streams were measured before either parser saw it; the reading
/// child's address-space limit bounds the rest.
fn drawn_only(bytes: Arc<Vec<u8>>, refused: DecodeError) -> Result<Source, DecodeError> {
    if !matches!(
        refused,
        DecodeError::CorruptPdf(_) | DecodeError::EncryptedPdf | DecodeError::NoPages
    ) {
        return Err(refused);
    }
    let renderer = pdf_render::PdfRenderer::new(bytes);
    match renderer.page_count() {
        Ok(pages) if pages > 0 => Ok(Source::DrawnPdf {
            renderer,
            pages,
            refused: match refused {
                DecodeError::CorruptPdf(reason) => reason,
                other => other.to_string(),
            },
        }),
        _ => Err(refused),
    }
}

/// A page of a file the parser refused, as drawn. An empty drawing is not
/// taken for a blank page: what was on it may be in the broken part (an
/// image whose data is not where the file says is left out, not drawn as
/// an error), so a person looks at the file.
fn drawn_page_of_a_refused_file(
    image: GrayImage,
    refused: &str,
) -> Result<PageContent, DecodeError> {
    if crate::capture::register::has_drawn_ink(&image) {
        return Ok(PageContent::Drawn(image));
    }
    Err(DecodeError::CorruptPdf(format!(
        "{refused}; drawn as a viewer rebuilds it, the page is empty, so what was on it may be lost"
    )))
}

/// As `open`, for a file already in memory (an upload).
pub fn open_bytes(bytes: Vec<u8>, limits: &DecodeLimits) -> Result<Pages, DecodeError> {
    let size = bytes.len() as u64;
    if size == 0 {
        return Err(DecodeError::Empty);
    }
    if size > limits.max_file_bytes {
        return Err(DecodeError::FileTooLarge {
            size,
            limit: limits.max_file_bytes,
        });
    }
    let (kind, source) = if is_pdf(&bytes) {
        check_pdf(&bytes, limits)?;
        let bytes = Arc::new(bytes);
        let source = if encrypted_with_object_streams(&bytes) {
            drawn_only(bytes, DecodeError::EncryptedPdf)?
        } else {
            match pdf::PdfPages::parse(bytes.clone(), limits) {
                Ok(pages) => Source::Pdf(Box::new(pages)),
                Err(error) => drawn_only(bytes, error)?,
            }
        };
        (FileKind::Pdf, source)
    } else {
        match image::guess_format(&bytes) {
            Ok(ImageFormat::Tiff) => (FileKind::Tiff, Source::Tiff(tiff::TiffPages::parse(bytes)?)),
            Ok(format @ (ImageFormat::Png | ImageFormat::Jpeg)) => {
                // Refuse an oversized page now, from its header, rather than
                // when the caller gets to it.
                image_file::check_header(std::io::Cursor::new(&bytes), format, limits)?;
                let kind = if format == ImageFormat::Png {
                    FileKind::Png
                } else {
                    FileKind::Jpeg
                };
                (kind, Source::Image { bytes, format })
            }
            Ok(other) => {
                return Err(DecodeError::UnknownFormat {
                    found: format_name(other),
                });
            }
            Err(_) => return Err(DecodeError::UnknownFormat { found: None }),
        }
    };
    Ok(Pages {
        kind,
        source,
        next: 0,
        limits: *limits,
    })
}

fn format_name(format: ImageFormat) -> Option<&'static str> {
    let name = match format {
        ImageFormat::Gif => "GIF",
        ImageFormat::Bmp => "BMP",
        ImageFormat::WebP => "WebP",
        ImageFormat::Avif => "AVIF",
        ImageFormat::Ico => "ICO",
        ImageFormat::Pnm => "PNM",
        ImageFormat::Tga => "TGA",
        ImageFormat::OpenExr => "OpenEXR",
        ImageFormat::Hdr => "HDR",
        ImageFormat::Qoi => "QOI",
        ImageFormat::Dds => "DDS",
        ImageFormat::Farbfeld => "Farbfeld",
        _ => return None,
    };
    Some(name)
}

/// Whether the bytes are a PDF. Readers accept the `%PDF-` header anywhere
/// in the first kilobyte (some mail gateways prepend junk), and so do we.
pub fn is_pdf(bytes: &[u8]) -> bool {
    let head = &bytes[..bytes.len().min(1024)];
    head.windows(5).any(|w| w == b"%PDF-")
}
