//! Every piece of writing is read twice, prepared two different ways, and
//! trusted only when both readings agree. Tesseract's own confidence is
//! poorly calibrated on hand-printed capitals: on synthetic handwriting it
//! accepted a wrong field one time in six at 0.80, and no threshold fixed
//! that without refusing most right ones. Two readings that fail in
//! different ways rarely agree on the same wrong text.

use image::GrayImage;
use image::imageops::{self, FilterType};

use crate::capture::ocr::{self, OcrError, Segmentation};

/// Confidence given to two readings that differ: one of them is wrong.
const DIFFERING: f32 = 0.5;

/// What two readings came to: the first reading's text, and the lower of
/// the two confidences, or `DIFFERING` at most when the texts differ.
#[derive(Debug, Clone, PartialEq)]
pub(super) struct Agreed {
    pub text: String,
    pub confidence: f32,
}

/// Reads two preparations of the same writing; `same` puts a text in the
/// form in which the two are compared (white space, for instance).
pub(super) fn read_twice(
    ways: [(&GrayImage, Segmentation); 2],
    languages: &'static str,
    whitelist: &str,
    same: fn(&str) -> String,
) -> Result<Agreed, OcrError> {
    let [first, second] =
        ways.map(|(image, segmentation)| ocr::read(image, languages, segmentation, whitelist));
    let (first, second) = (first?, second?);
    if std::env::var_os("READ_DEBUG").is_some() {
        eprintln!("DEBUG {:?} | {:?}", first, second);
    }
    let (a, b) = (same(&first.text), same(&second.text));
    let confidence = first.confidence.min(second.confidence);
    Ok(Agreed {
        confidence: if a == b {
            confidence
        } else {
            confidence.min(DIFFERING)
        },
        text: a,
    })
}

pub(super) fn scaled(crop: &GrayImage, scale: f32) -> GrayImage {
    if (scale - 1.0).abs() < 0.01 {
        return crop.clone();
    }
    let w = ((crop.width() as f32 * scale).round() as u32).max(1);
    let h = ((crop.height() as f32 * scale).round() as u32).max(1);
    imageops::resize(crop, w, h, FilterType::Triangle)
}
