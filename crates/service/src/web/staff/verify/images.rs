//! Pictures for the staff pages, from the page images the scan pipeline
//! keeps: a field's crop (its layout box, in millimetres, on the registered
//! page at 8 px per mm, with a margin) and whole pages. Decoding and
//! cropping run off the async runtime; the answers are never cached.

use axum::body::Body;
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use image::ImageFormat;

use crate::pipeline::Blobs;
use crate::web::AppError;
use intake_paper::printable::BoxMm;
use intake_paper::printable::layout::PAGE_WIDTH_MM;

/// Room around a field's box, so a character written over its edge shows.
pub const CROP_MARGIN_MM: f64 = 3.0;

/// A box in millimetres as pixels on an image `width` x `height` of a
/// whole A4 page, grown by `margin_mm` and kept within the image.
/// `(x, y, width, height)`; `None` when nothing of it is on the image.
pub fn crop_rect(box_mm: BoxMm, margin_mm: f64, width: u32, height: u32) -> Option<[u32; 4]> {
    let px_per_mm = f64::from(width) / PAGE_WIDTH_MM;
    let left = ((box_mm[0] - margin_mm) * px_per_mm).floor().max(0.0);
    let top = ((box_mm[1] - margin_mm) * px_per_mm).floor().max(0.0);
    let right = ((box_mm[0] + box_mm[2] + margin_mm) * px_per_mm)
        .ceil()
        .min(f64::from(width));
    let bottom = ((box_mm[1] + box_mm[3] + margin_mm) * px_per_mm)
        .ceil()
        .min(f64::from(height));
    (right > left && bottom > top).then_some([
        left as u32,
        top as u32,
        (right - left) as u32,
        (bottom - top) as u32,
    ])
}

/// A field's crop of a stored page image, as PNG; `None` when the image
/// is not stored.
pub async fn crop_png(
    blobs: &Blobs,
    key: &str,
    box_mm: BoxMm,
) -> Result<Option<Vec<u8>>, AppError> {
    let Some(jpeg) = read_stored(blobs, key).await? else {
        return Ok(None);
    };
    tokio::task::spawn_blocking(move || crop_png_blocking(&jpeg, box_mm))
        .await
        .map_err(|_| AppError::Storage)?
}

fn crop_png_blocking(jpeg: &[u8], box_mm: BoxMm) -> Result<Option<Vec<u8>>, AppError> {
    let page = match image::load_from_memory(jpeg) {
        Ok(page) => page.into_luma8(),
        Err(error) => {
            tracing::error!(%error, "a stored page image cannot be read");
            return Err(AppError::Storage);
        }
    };
    let Some([x, y, w, h]) = crop_rect(box_mm, CROP_MARGIN_MM, page.width(), page.height()) else {
        return Ok(None);
    };
    let crop = image::imageops::crop_imm(&page, x, y, w, h).to_image();
    let mut png = std::io::Cursor::new(Vec::new());
    crop.write_to(&mut png, ImageFormat::Png).map_err(|error| {
        tracing::error!(%error, "encoding a field's crop failed");
        AppError::Storage
    })?;
    Ok(Some(png.into_inner()))
}

/// A stored page image's bytes, from wherever the blobs are kept, or
/// `None` when it is not there.
pub async fn read_stored(blobs: &Blobs, key: &str) -> Result<Option<Vec<u8>>, AppError> {
    match blobs.read(key).await {
        Ok(bytes) => Ok(bytes),
        Err(error) => {
            tracing::error!(%error, "a stored page image cannot be read");
            Err(AppError::Storage)
        }
    }
}

/// An image with personal data on it: never cached, never sniffed.
pub fn image_response(bytes: Vec<u8>, content_type: &'static str) -> Response {
    let mut response = (StatusCode::OK, Body::from(bytes)).into_response();
    let headers = response.headers_mut();
    headers.insert(header::CONTENT_TYPE, HeaderValue::from_static(content_type));
    headers.insert(
        header::CONTENT_DISPOSITION,
        HeaderValue::from_static("inline"),
    );
    response
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_box_in_millimetres_is_cut_at_eight_pixels_each() {
        // The canonical page: 1680 px for 210 mm.
        assert_eq!(
            crop_rect([20.0, 55.5, 66.0, 8.0], 0.0, 1680, 2376),
            Some([160, 444, 528, 64])
        );
        assert_eq!(
            crop_rect([20.0, 55.5, 66.0, 8.0], 3.0, 1680, 2376),
            Some([136, 420, 576, 112])
        );
    }

    #[test]
    fn a_crop_stays_on_the_image() {
        assert_eq!(
            crop_rect([-10.0, 290.0, 30.0, 20.0], 3.0, 1680, 2376),
            Some([0, 2296, 184, 80])
        );
        assert_eq!(crop_rect([300.0, 10.0, 5.0, 5.0], 0.0, 1680, 2376), None);
    }

    #[test]
    fn a_smaller_image_scales_the_box() {
        assert_eq!(
            crop_rect([21.0, 21.0, 21.0, 21.0], 0.0, 210, 297),
            Some([21, 21, 21, 21])
        );
    }
}
