//! Drawing a PDF page the way a viewer shows it (hayro): every image with
//! its masks, strips side by side, vector drawing and text, placed and
//! turned by /Rotate, in grey at the resolution the recogniser reads.
//! The pixel buffer is sized from the page box before anything is drawn,
//! so a page claiming to be the size of a house is drawn smaller, never
//! allocated whole.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, OnceLock};

use hayro::hayro_interpret::{InterpreterSettings, InterpreterWarning};
use hayro::hayro_syntax::{LoadPdfError, Pdf};
use hayro::vello_cpu::color::palette::css::WHITE;
use hayro::{PixmapSettings, RenderCache, RenderSettings};
use image::GrayImage;

use super::{DecodeError, DecodeLimits};

/// The resolution forms are printed to be read at: the corner marks, boxes
/// and handwriting are measured at 300 dpi.
pub const RENDER_DPI: f32 = 300.0;

/// The widest side the drawing library can hold.
const MAX_SIDE: f32 = u16::MAX as f32;

/// A PDF opened for drawing; parsed on first use, as most scanner PDFs
/// never need it (their pages are one image each).
pub(super) struct PdfRenderer {
    bytes: Arc<Vec<u8>>,
    pdf: OnceLock<Result<Pdf, String>>,
}

impl PdfRenderer {
    pub(super) fn new(bytes: Arc<Vec<u8>>) -> PdfRenderer {
        PdfRenderer {
            bytes,
            pdf: OnceLock::new(),
        }
    }

    fn pdf(&self) -> Result<&Pdf, DecodeError> {
        let pdf = self.pdf.get_or_init(|| {
            Pdf::new(self.bytes.clone()).map_err(|e| match e {
                // Without a password: one is needed, or hayro cannot undo
                // this kind of encryption.
                LoadPdfError::Decryption(_) => "its encryption cannot be undone here".to_string(),
                LoadPdfError::Invalid => "it cannot be drawn".to_string(),
            })
        });
        pdf.as_ref()
            .map_err(|reason| DecodeError::CorruptPdf(reason.clone()))
    }

    /// How many pages the drawing library finds.
    pub(super) fn page_count(&self) -> Result<usize, DecodeError> {
        Ok(self.pdf()?.pages().len())
    }

    /// The page at `index` (0-based) as a viewer shows it, on white paper.
    pub(super) fn render(
        &self,
        index: usize,
        limits: &DecodeLimits,
    ) -> Result<GrayImage, DecodeError> {
        let pdf = self.pdf()?;
        let pages = pdf.pages();
        let page = pages
            .get(index)
            .ok_or_else(|| DecodeError::CorruptPdf("the page cannot be found to draw".into()))?;
        let (width, height) = page.render_dimensions();
        let scale = render_scale(width, height, limits)?;
        let failed = Arc::new(AtomicBool::new(false));
        let settings = InterpreterSettings {
            warning_sink: {
                let failed = failed.clone();
                Arc::new(move |warning| {
                    if matches!(warning, InterpreterWarning::ImageDecodeFailure) {
                        failed.store(true, Ordering::Relaxed);
                    }
                })
            },
            ..InterpreterSettings::default()
        };
        let cache = RenderCache::new();
        let pixmap = hayro::render(
            page,
            &cache,
            &settings,
            &RenderSettings::default(),
            &PixmapSettings {
                x_scale: scale,
                y_scale: scale,
                bg_color: WHITE,
            },
        );
        // A page drawn without one of its images would look blank or
        // half-empty: the page is refused with the reason instead.
        if failed.load(Ordering::Relaxed) {
            return Err(DecodeError::CorruptImage {
                format: "PDF page",
                reason: "an image on it cannot be decoded".into(),
            });
        }
        let (w, h) = (u32::from(pixmap.width()), u32::from(pixmap.height()));
        let grey = pixmap.data().iter().map(|p| luma(p.r, p.g, p.b)).collect();
        GrayImage::from_raw(w, h, grey)
            .ok_or_else(|| DecodeError::CorruptPdf("the page drawing has the wrong size".into()))
    }
}

/// The grey a viewer shows for a colour (ITU-R 601 weights, as poppler's
/// grey output). The background is opaque white, so no alpha is left.
fn luma(r: u8, g: u8, b: u8) -> u8 {
    ((u32::from(r) * 299 + u32::from(g) * 587 + u32::from(b) * 114 + 500) / 1000) as u8
}

/// Pixels per point for a page of `width` x `height` points: 300 dpi, or
/// less for a page so large that it would be over the pixel budget (its
/// drawing in colour takes four bytes a pixel, and those stay within the
/// page pixel limit's bytes).
pub(super) fn render_scale(
    width: f32,
    height: f32,
    limits: &DecodeLimits,
) -> Result<f32, DecodeError> {
    if !(width.is_finite() && height.is_finite() && width >= 1.0 && height >= 1.0) {
        return Err(DecodeError::CorruptPdf(format!(
            "its page is {width} x {height} points"
        )));
    }
    let budget = (render_budget(limits) as f64).max(1.0);
    let mut scale = RENDER_DPI / 72.0;
    let pixels = f64::from(width * scale) * f64::from(height * scale);
    if pixels > budget {
        scale *= (budget / pixels).sqrt() as f32;
    }
    scale = scale.min(MAX_SIDE / width).min(MAX_SIDE / height);
    if width * scale < 1.0 || height * scale < 1.0 {
        return Err(DecodeError::TooManyPixels {
            width: width as u64,
            height: height as u64,
            limit: limits.max_pixels,
        });
    }
    Ok(scale)
}

/// Pixels a drawn page may have: its colour buffer (four bytes a pixel)
/// takes no more bytes than the page pixel limit has pixels.
pub(super) fn render_budget(limits: &DecodeLimits) -> u64 {
    limits.max_pixels / 4
}
