//! PDFs in the shapes other scanners and offices write, beside one JPEG per
//! page: a page cut into horizontal image strips (several scanner
//! drivers), mixed raster content (a paper-tone background at low
//! resolution and a full-resolution 1-bit ink mask, the "compact PDF" of
//! multifunction printers), a JBIG2 page (their usual black and white
//! compression), and a letter typed and saved as PDF, text only.

use fax::{Color, VecWriter};
use image::{DynamicImage, GrayImage, imageops};
use lopdf::{Dictionary, Document, Object, ObjectId, Stream, dictionary};

use super::{SamplesError, output};

/// Ink is what is darker than this (0-255) in the 1-bit shapes.
const INK_BELOW: u8 = 150;

/// A PDF being written page by page.
struct PdfPages {
    doc: Document,
    tree: ObjectId,
    kids: Vec<Object>,
}

impl PdfPages {
    fn new() -> PdfPages {
        let mut doc = Document::with_version("1.5");
        let tree = doc.new_object_id();
        PdfPages {
            doc,
            tree,
            kids: Vec::new(),
        }
    }

    /// A page `size` points large drawing `content` with `xobjects`.
    fn page(&mut self, size: (f32, f32), content: String, resources: Dictionary) {
        let content_id = self
            .doc
            .add_object(Stream::new(dictionary! {}, content.into_bytes()));
        let page = self.doc.add_object(dictionary! {
            "Type" => "Page",
            "Parent" => self.tree,
            "MediaBox" => vec![0.into(), 0.into(), size.0.into(), size.1.into()],
            "Resources" => resources,
            "Contents" => content_id,
        });
        self.kids.push(page.into());
    }

    fn finish(mut self, producer: &str) -> Result<Vec<u8>, SamplesError> {
        let count = self.kids.len() as i64;
        self.doc.objects.insert(
            self.tree,
            Object::Dictionary(
                dictionary! { "Type" => "Pages", "Kids" => self.kids, "Count" => count },
            ),
        );
        let catalog = self
            .doc
            .add_object(dictionary! { "Type" => "Catalog", "Pages" => self.tree });
        let info = self.doc.add_object(dictionary! {
            "Producer" => Object::string_literal(producer),
        });
        self.doc.trailer.set("Root", catalog);
        self.doc.trailer.set("Info", info);
        let mut bytes = Vec::new();
        self.doc.save_to(&mut bytes).map_err(lopdf::Error::from)?;
        Ok(bytes)
    }
}

fn points(pixels: u32, dpi: u32) -> f32 {
    pixels as f32 * 72.0 / dpi as f32
}

fn jpeg_image(page: &DynamicImage, quality: u8, dpi: u32) -> Result<Stream, SamplesError> {
    let colour_space = match page {
        DynamicImage::ImageLuma8(_) => "DeviceGray",
        _ => "DeviceRGB",
    };
    Ok(Stream::new(
        dictionary! {
            "Type" => "XObject", "Subtype" => "Image",
            "Width" => page.width() as i64, "Height" => page.height() as i64,
            "ColorSpace" => colour_space, "BitsPerComponent" => 8,
            "Filter" => "DCTDecode",
        },
        output::jpeg(page, quality, dpi)?,
    ))
}

/// Each page cut into `strips` horizontal JPEG strips, top to bottom,
/// drawn one under the other.
pub fn strips_pdf(pages: &[(DynamicImage, u32)], strips: u32) -> Result<Vec<u8>, SamplesError> {
    let mut pdf = PdfPages::new();
    for (page, dpi) in pages {
        let (w, h) = (page.width(), page.height());
        let (pw, ph) = (points(w, *dpi), points(h, *dpi));
        let mut xobjects = Dictionary::new();
        let mut content = String::new();
        let rows = h.div_ceil(strips.max(1));
        let mut top = 0;
        for i in 0.. {
            if top >= h {
                break;
            }
            let height = rows.min(h - top);
            let strip = page.crop_imm(0, top, w, height);
            let id = pdf.doc.add_object(jpeg_image(&strip, 80, *dpi)?);
            let name = format!("Strip{i}");
            xobjects.set(name.as_bytes(), id);
            let y = ph - points(top + height, *dpi);
            let sh = points(height, *dpi);
            content.push_str(&format!("q {pw:.4} 0 0 {sh:.4} 0 {y:.4} cm /{name} Do Q\n"));
            top += height;
        }
        pdf.page((pw, ph), content, dictionary! { "XObject" => xobjects });
    }
    pdf.finish("intake samples (strip scan)")
}

/// Whether each pixel is ink, row by row.
fn ink(page: &DynamicImage) -> GrayImage {
    let mut grey = page.to_luma8();
    for p in grey.pixels_mut() {
        p.0[0] = if p.0[0] < INK_BELOW { 0 } else { 255 };
    }
    grey
}

/// 1-bit rows, most significant bit first, each row whole bytes; `set`
/// says which pixels get a 1.
fn pack_bits(mask: &GrayImage, set: impl Fn(u8) -> bool) -> Vec<u8> {
    let (w, h) = mask.dimensions();
    let stride = w.div_ceil(8) as usize;
    let mut out = vec![0u8; stride * h as usize];
    for (x, y, p) in mask.enumerate_pixels() {
        if set(p.0[0]) {
            out[y as usize * stride + (x / 8) as usize] |= 0x80 >> (x % 8);
        }
    }
    out
}

/// Mixed raster content: the page's paper at a third of its resolution
/// (ink taken out, as the printer's segmentation does), and over it the
/// ink at full resolution as a 1-bit stencil painted black.
pub fn mixed_raster_pdf(pages: &[(DynamicImage, u32)]) -> Result<Vec<u8>, SamplesError> {
    let mut pdf = PdfPages::new();
    for (page, dpi) in pages {
        let (w, h) = (page.width(), page.height());
        let (pw, ph) = (points(w, *dpi), points(h, *dpi));
        let ink = ink(page);
        let mut paper = page.to_rgb8();
        for (p, i) in paper.pixels_mut().zip(ink.pixels()) {
            if i.0[0] == 0 {
                p.0 = [236, 234, 226];
            }
        }
        let background = DynamicImage::ImageRgb8(imageops::resize(
            &paper,
            (w / 3).max(1),
            (h / 3).max(1),
            imageops::FilterType::Triangle,
        ));
        let background = pdf.doc.add_object(jpeg_image(&background, 40, dpi / 3)?);
        let mut stencil = Stream::new(
            dictionary! {
                "Type" => "XObject", "Subtype" => "Image",
                "Width" => w as i64, "Height" => h as i64,
                "ImageMask" => true, "BitsPerComponent" => 1,
            },
            // A stencil paints where its samples are 0.
            pack_bits(&ink, |v| v != 0),
        );
        stencil.compress()?;
        let stencil = pdf.doc.add_object(stencil);
        let content = format!(
            "q {pw:.4} 0 0 {ph:.4} 0 0 cm /Paper Do Q\nq 0 g {pw:.4} 0 0 {ph:.4} 0 0 cm /Ink Do Q\n"
        );
        pdf.page(
            (pw, ph),
            content,
            dictionary! { "XObject" => dictionary! { "Paper" => background, "Ink" => stencil } },
        );
    }
    pdf.finish("intake samples (mixed raster scan)")
}

/// Each page in black and white as a JBIG2 image: one generic region coded
/// with MMR, which is CCITT G4 data inside JBIG2 segments.
pub fn jbig2_pdf(pages: &[(DynamicImage, u32)]) -> Result<Vec<u8>, SamplesError> {
    let mut pdf = PdfPages::new();
    for (page, dpi) in pages {
        let (w, h) = (page.width(), page.height());
        let (pw, ph) = (points(w, *dpi), points(h, *dpi));
        let image = Stream::new(
            dictionary! {
                "Type" => "XObject", "Subtype" => "Image",
                "Width" => w as i64, "Height" => h as i64,
                "ColorSpace" => "DeviceGray", "BitsPerComponent" => 1,
                "Filter" => "JBIG2Decode",
            },
            jbig2_page(&ink(page), *dpi),
        );
        let image = pdf.doc.add_object(image);
        pdf.page(
            (pw, ph),
            format!("q {pw:.4} 0 0 {ph:.4} 0 0 cm /Scan Do Q"),
            dictionary! { "XObject" => dictionary! { "Scan" => image } },
        );
    }
    pdf.finish("intake samples (JBIG2 scan)")
}

/// The segments of an embedded JBIG2 stream (as PDF holds it, without
/// the file header): page information, then an immediate generic region
/// with MMR coding covering the page. In JBIG2 a 1 is black.
fn jbig2_page(ink: &GrayImage, dpi: u32) -> Vec<u8> {
    let (w, h) = ink.dimensions();
    let mut encoder = fax::encoder::Encoder::new(VecWriter::new());
    for row in ink.rows() {
        let pels = row.map(|p| {
            if p.0[0] == 0 {
                Color::Black
            } else {
                Color::White
            }
        });
        encoder
            .encode_line(pels, w as u16)
            .expect("writing to memory cannot fail");
    }
    let mmr = encoder
        .finish()
        .expect("writing to memory cannot fail")
        .finish();
    let pixels_per_metre = (f64::from(dpi) / 0.0254).round() as u32;
    let mut page_info = Vec::new();
    for v in [w, h, pixels_per_metre, pixels_per_metre] {
        page_info.extend(v.to_be_bytes());
    }
    page_info.push(0); // flags: paper white, drawn with OR
    page_info.extend([0, 0]); // not striped
    let mut region = Vec::new();
    for v in [w, h, 0, 0] {
        region.extend(v.to_be_bytes());
    }
    region.push(0); // combined with OR
    region.push(1); // MMR
    region.extend(mmr);
    let mut out = segment(0, 48, &page_info);
    out.extend(segment(1, 38, &region));
    out.extend(segment(2, 49, &[]));
    out
}

/// A segment header (number, type, no referred segments, page 1, length)
/// and its data.
fn segment(number: u32, kind: u8, data: &[u8]) -> Vec<u8> {
    let mut out = number.to_be_bytes().to_vec();
    out.push(kind);
    out.push(0);
    out.push(1);
    out.extend((data.len() as u32).to_be_bytes());
    out.extend(data);
    out
}

/// A letter typed on a computer and saved as PDF: Helvetica text on an A4
/// page, no image.
pub fn text_pdf(text: &str) -> Result<Vec<u8>, SamplesError> {
    const WRAP: usize = 80;
    let mut pdf = PdfPages::new();
    let font = pdf.doc.add_object(dictionary! {
        "Type" => "Font", "Subtype" => "Type1", "BaseFont" => "Helvetica",
        "Encoding" => "WinAnsiEncoding",
    });
    let mut content = b"BT /F1 11 Tf 15 TL 72 770 Td\n".to_vec();
    for paragraph in text.split('\n') {
        let mut line = String::new();
        let mut lines = Vec::new();
        for word in paragraph.split_whitespace() {
            if !line.is_empty() && line.chars().count() + 1 + word.chars().count() > WRAP {
                lines.push(std::mem::take(&mut line));
            }
            if !line.is_empty() {
                line.push(' ');
            }
            line.push_str(word);
        }
        lines.push(line);
        for line in lines {
            content.push(b'(');
            // WinAnsi is Latin-1 for the letters of Swedish and Finnish.
            for c in line.chars() {
                let byte = u8::try_from(u32::from(c)).unwrap_or(b'?');
                if matches!(byte, b'(' | b')' | b'\\') {
                    content.push(b'\\');
                }
                content.push(byte);
            }
            content.extend(b") '\n");
        }
    }
    content.extend(b"ET\n");
    let content_id = pdf.doc.add_object(Stream::new(dictionary! {}, content));
    let page = pdf.doc.add_object(dictionary! {
        "Type" => "Page",
        "Parent" => pdf.tree,
        "MediaBox" => vec![0.into(), 0.into(), 595.into(), 842.into()],
        "Resources" => dictionary! { "Font" => dictionary! { "F1" => font } },
        "Contents" => content_id,
    });
    pdf.kids.push(page.into());
    pdf.finish("intake samples (typed letter)")
}

/// One form filled by a made-up person (printed by a computer), scanned
/// at 300 dpi and written in each shape, with its fields' truth.
pub struct ShapedForm {
    pub strips: Vec<u8>,
    pub mixed_raster: Vec<u8>,
    pub jbig2: Vec<u8>,
    pub fields: super::FormFields,
}

/// Makes a [`ShapedForm`]; the same seed gives the same form.
pub fn shaped_form(
    definition: &intake_core::form::FormDefinition,
    serial: &str,
    seed: u64,
) -> Result<ShapedForm, SamplesError> {
    let mut stack = super::photocopy_stack(definition, serial, 1, seed)?;
    let pages: Vec<(DynamicImage, u32)> = stack.pages.drain(..).map(|p| (p, 300)).collect();
    Ok(ShapedForm {
        strips: strips_pdf(&pages, 4)?,
        mixed_raster: mixed_raster_pdf(&pages)?,
        jbig2: jbig2_pdf(&pages)?,
        fields: stack.people.remove(0),
    })
}

/// A letter from a made-up person, typed and saved as a text-only PDF,
/// with its text.
pub fn typed_letter(seed: u64) -> Result<(Vec<u8>, String), SamplesError> {
    use rand::SeedableRng;
    let mut rng = rand::rngs::StdRng::seed_from_u64(seed);
    let sender = crate::synthetic::jobseeker(&mut rng);
    let text = super::letter::letter_text(&sender, &mut rng);
    Ok((text_pdf(&text)?, text))
}

/// The shapes `samples generate` writes besides its planned files,
/// numbered from `first`: one form each as strips, as mixed raster and as
/// JBIG2, and a letter typed and saved as PDF.
pub(super) fn write_shapes(
    ctx: &super::sample::Context,
    first: usize,
    seed: u64,
) -> Result<Vec<super::IndexEntry>, SamplesError> {
    use super::truth::{DocumentKind, DocumentTruth, SampleTruth};
    use rand::SeedableRng;
    let mut rng = rand::rngs::StdRng::seed_from_u64(seed);
    let serial = super::sample::serial(&mut rng);
    let form = shaped_form(ctx.definition, &serial, seed)?;
    let pages = ctx.layout.pages as usize;
    let mut entries = Vec::new();
    let shapes = [
        ("strips", form.strips),
        ("mixed", form.mixed_raster),
        ("jbig2", form.jbig2),
    ];
    for (i, (shape, bytes)) in shapes.into_iter().enumerate() {
        let stem = format!("{:03}-{shape}", first + i);
        let mut document = DocumentTruth::new(DocumentKind::Form, (1..=pages).collect());
        document.serial = Some(serial.clone());
        document.source = Some("scan");
        document.fields = Some(form.fields.clone());
        let truth = SampleTruth {
            file: format!("{stem}.pdf"),
            format: "pdf",
            pages: Vec::new(),
            documents: vec![document],
        };
        entries.push(super::sample::write(ctx.out, &stem, &truth, &bytes, 1)?);
    }
    let (letter, text) = typed_letter(seed)?;
    let stem = format!("{:03}-typed-letter", first + entries.len());
    let mut document = DocumentTruth::new(DocumentKind::Other, vec![1]);
    document.text = Some(text);
    let truth = SampleTruth {
        file: format!("{stem}.pdf"),
        format: "pdf",
        pages: Vec::new(),
        documents: vec![document],
    };
    entries.push(super::sample::write(ctx.out, &stem, &truth, &letter, 0)?);
    Ok(entries)
}
