//! The files a scanner hands over: single PNG or JPEG pages, multi-page
//! TIFF, and PDF batches whose pages are JPEG images, as most office
//! scanners make them (no text layer).

use image::DynamicImage;
use image::codecs::jpeg::{JpegEncoder, PixelDensity};
use image::codecs::png::{CompressionType, FilterType as PngFilter, PngEncoder};
use lopdf::{Document, Object, Stream, dictionary};

use super::SamplesError;

pub fn png(page: &DynamicImage) -> Result<Vec<u8>, SamplesError> {
    let mut bytes = Vec::new();
    let encoder =
        PngEncoder::new_with_quality(&mut bytes, CompressionType::Default, PngFilter::Adaptive);
    page.write_with_encoder(encoder)?;
    Ok(bytes)
}

pub fn jpeg(page: &DynamicImage, quality: u8, dpi: u32) -> Result<Vec<u8>, SamplesError> {
    let mut bytes = Vec::new();
    let mut encoder = JpegEncoder::new_with_quality(&mut bytes, quality);
    encoder.set_pixel_density(PixelDensity::dpi(dpi as u16));
    page.write_with_encoder(encoder)?;
    Ok(bytes)
}

/// One PDF page per image, each image filling its page at its resolution
/// (so A4 at any dpi is A4, and a page fed sideways is a landscape page).
pub fn pdf(pages: &[(DynamicImage, u32)], quality: u8) -> Result<Vec<u8>, SamplesError> {
    let mut doc = Document::with_version("1.5");
    let tree = doc.new_object_id();
    let mut kids = Vec::new();
    for (page, dpi) in pages {
        let (w, h) = (page.width(), page.height());
        let colour_space = match page {
            DynamicImage::ImageLuma8(_) => "DeviceGray",
            _ => "DeviceRGB",
        };
        let image = Stream::new(
            dictionary! {
                "Type" => "XObject",
                "Subtype" => "Image",
                "Width" => w as i64,
                "Height" => h as i64,
                "ColorSpace" => colour_space,
                "BitsPerComponent" => 8,
                "Filter" => "DCTDecode",
            },
            jpeg(page, quality, *dpi)?,
        );
        let image_id = doc.add_object(image);
        let (pw, ph) = (w as f32 * 72.0 / *dpi as f32, h as f32 * 72.0 / *dpi as f32);
        let content = format!("q {pw:.2} 0 0 {ph:.2} 0 0 cm /Scan Do Q");
        let content_id = doc.add_object(Stream::new(dictionary! {}, content.into_bytes()));
        let page_id = doc.add_object(dictionary! {
            "Type" => "Page",
            "Parent" => tree,
            "MediaBox" => vec![0.into(), 0.into(), pw.into(), ph.into()],
            "Resources" => dictionary! { "XObject" => dictionary! { "Scan" => image_id } },
            "Contents" => content_id,
        });
        kids.push(Object::from(page_id));
    }
    let count = kids.len() as i64;
    doc.objects.insert(
        tree,
        Object::Dictionary(dictionary! { "Type" => "Pages", "Kids" => kids, "Count" => count }),
    );
    let catalog = doc.add_object(dictionary! { "Type" => "Catalog", "Pages" => tree });
    let info = doc.add_object(dictionary! {
        "Producer" => Object::string_literal("intake samples (synthetic scan)"),
    });
    doc.trailer.set("Root", catalog);
    doc.trailer.set("Info", info);
    let mut bytes = Vec::new();
    doc.save_to(&mut bytes).map_err(lopdf::Error::from)?;
    Ok(bytes)
}
