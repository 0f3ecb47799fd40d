//! Every piece of writing is read more than once, prepared different ways,
//! and trusted only when all readings agree. Tesseract's own confidence is
//! poorly calibrated on hand-printed writing: in one handwriting font it
//! put 0.80 or more on a wrong digit string one time in six, and no
//! threshold fixed that without refusing most right ones. Readings that
//! fail in different ways rarely agree on the same wrong text.

use image::GrayImage;
use image::imageops::{self, FilterType};

use crate::capture::ocr::{self, OcrError, Segmentation};

/// Confidence given to readings that differ: at least one of them is wrong.
const DIFFERING: f32 = 0.5;

/// What the readings came to: the first reading's text, and the lowest of
/// their confidences, or `DIFFERING` at most when the texts differ.
#[derive(Debug, Clone, PartialEq)]
pub(super) struct Agreed {
    pub text: String,
    pub confidence: f32,
    /// Every reading gave the same text.
    pub unanimous: bool,
    /// What each reading gave, in order, up to the first that differed.
    pub texts: Vec<String>,
}

/// Reads each preparation of the same writing, until two differ; `same`
/// puts a text in the form in which readings are compared (white space,
/// for instance).
pub(super) fn read_agreed(
    ways: &[(&GrayImage, Segmentation)],
    languages: &'static str,
    whitelist: &str,
    same: fn(&str) -> String,
) -> Result<Agreed, OcrError> {
    let mut agreed: Option<Agreed> = None;
    let mut texts = Vec::with_capacity(ways.len());
    for (image, segmentation) in ways {
        // Once two readings differ, the text is doubted whatever the rest
        // give: they are not read.
        if agreed.as_ref().is_some_and(|a| !a.unanimous) {
            break;
        }
        let read = ocr::read(image, languages, *segmentation, whitelist)?;
        let text = same(&read.text);
        texts.push(text.clone());
        agreed = Some(match agreed {
            None => Agreed {
                text,
                confidence: read.confidence,
                unanimous: true,
                texts: Vec::new(),
            },
            Some(so_far) => Agreed {
                confidence: if text == so_far.text {
                    so_far.confidence.min(read.confidence)
                } else {
                    so_far.confidence.min(read.confidence).min(DIFFERING)
                },
                unanimous: so_far.unanimous && text == so_far.text,
                text: so_far.text,
                texts: Vec::new(),
            },
        });
    }
    Ok(match agreed {
        Some(agreed) => Agreed { texts, ..agreed },
        None => Agreed {
            text: String::new(),
            confidence: 0.0,
            unanimous: false,
            texts,
        },
    })
}

/// Whether one more reading, `way`, gives the text every reading so far
/// agreed on: a third opinion for readings that agree but that Tesseract
/// is unsure of.
pub(super) fn confirmed(
    agreed: &Agreed,
    (image, segmentation): (&GrayImage, Segmentation),
    languages: &'static str,
    whitelist: &str,
    same: fn(&str) -> String,
) -> Result<bool, OcrError> {
    if !agreed.unanimous || agreed.text.is_empty() {
        return Ok(false);
    }
    let read = ocr::read(image, languages, segmentation, whitelist)?;
    Ok(same(&read.text) == agreed.text)
}

/// The crop resized by `scale` (smoothly: a scan is grey, not bilevel).
pub(super) fn scaled(crop: &GrayImage, scale: f32) -> GrayImage {
    if (scale - 1.0).abs() < 0.01 {
        return crop.clone();
    }
    let w = ((crop.width() as f32 * scale).round() as u32).max(1);
    let h = ((crop.height() as f32 * scale).round() as u32).max(1);
    imageops::resize(crop, w, h, FilterType::Triangle)
}
