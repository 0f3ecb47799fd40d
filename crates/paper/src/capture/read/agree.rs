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
    /// Every reading made gave the same text, and none was left out
    /// for doubt (`Enough::doubted_below`).
    pub unanimous: bool,
    /// What each reading made gave, in order.
    pub texts: Vec<String>,
    /// The first reading's characters with their alternatives, when asked
    /// for (`read_agreed_with_choices`).
    pub symbols: Vec<ocr::Symbol>,
}

/// When the readings of a piece of writing can stop before every way has
/// been read, because the rest could not change what the caller makes of
/// them. Whatever this says, readings stop once two differ: the text is
/// doubted whatever the rest give.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(super) struct Enough {
    /// Below this confidence the caller doubts the text whatever else is
    /// found; 0 if nothing makes it doubt so.
    pub doubted_below: f32,
    /// This many readings that agree, each at `sure_from` or more, are
    /// taken without the rest.
    pub sure_after: usize,
    pub sure_from: f32,
}

impl Enough {
    /// Every way is read, unless two differ.
    pub const EVERY_WAY: Enough = Enough {
        doubted_below: 0.0,
        sure_after: usize::MAX,
        sure_from: 1.0,
    };
}

/// Reads each preparation of the same writing in turn, until `enough`
/// says the rest are not needed; `same` puts a text in the form in which
/// readings are compared (white space, for instance).
pub(super) fn read_agreed(
    ways: &[(&GrayImage, Segmentation)],
    languages: &'static str,
    whitelist: &str,
    same: fn(&str) -> String,
    enough: Enough,
) -> Result<Agreed, OcrError> {
    read_ways(ways, languages, whitelist, same, enough, false)
}

/// As [`read_agreed`], keeping the first reading's alternatives for each
/// character ([`Agreed::symbols`]).
pub(super) fn read_agreed_with_choices(
    ways: &[(&GrayImage, Segmentation)],
    languages: &'static str,
    whitelist: &str,
    same: fn(&str) -> String,
    enough: Enough,
) -> Result<Agreed, OcrError> {
    read_ways(ways, languages, whitelist, same, enough, true)
}

fn read_ways(
    ways: &[(&GrayImage, Segmentation)],
    languages: &'static str,
    whitelist: &str,
    same: fn(&str) -> String,
    enough: Enough,
    choices: bool,
) -> Result<Agreed, OcrError> {
    let mut agreed: Option<Agreed> = None;
    let mut texts = Vec::with_capacity(ways.len());
    for (image, segmentation) in ways {
        if let Some(so_far) = agreed.as_mut() {
            if !so_far.unanimous {
                break;
            }
            if so_far.confidence < enough.doubted_below {
                // Not every way agreed: some were not asked.
                so_far.unanimous = false;
                break;
            }
            if texts.len() >= enough.sure_after && so_far.confidence >= enough.sure_from {
                break;
            }
        }
        let read = if choices && agreed.is_none() {
            ocr::read_with_choices(image, languages, *segmentation, whitelist)?
        } else {
            ocr::read(image, languages, *segmentation, whitelist)?
        };
        let text = same(&read.text);
        texts.push(text.clone());
        agreed = Some(match agreed {
            None => Agreed {
                text,
                confidence: read.confidence,
                unanimous: true,
                texts: Vec::new(),
                symbols: read.symbols,
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
                symbols: so_far.symbols,
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
            symbols: Vec::new(),
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

#[cfg(test)]
mod tests {
    use super::*;

    /// Reads three blank crops (each read as nothing, at confidence 0)
    /// with `enough`: how many readings were made, and what they came to.
    fn three_blank_ways(enough: Enough) -> (u64, Agreed) {
        let blank = GrayImage::from_pixel(60, 30, image::Luma([255]));
        let ways = [(&blank, Segmentation::Line); 3];
        let before = ocr::calls_on_this_thread();
        let agreed = read_agreed(
            &ways,
            ocr::FIELD_LANGUAGES,
            "0123456789",
            |text| text.to_string(),
            enough,
        )
        .unwrap();
        (ocr::calls_on_this_thread() - before, agreed)
    }

    #[test]
    fn readings_stop_when_the_rest_could_not_change_the_outcome() {
        let (calls, every) = three_blank_ways(Enough::EVERY_WAY);
        assert_eq!((calls, every.unanimous, every.texts.len()), (3, true, 3));

        // Doubted whatever the rest say: not read again, and not unanimous.
        let doubted = Enough {
            doubted_below: 0.5,
            ..Enough::EVERY_WAY
        };
        let (calls, read) = three_blank_ways(doubted);
        assert_eq!((calls, read.unanimous, read.confidence), (1, false, 0.0));

        // Sure after two that agree: the third is not read.
        let sure = Enough {
            sure_after: 2,
            sure_from: 0.0,
            ..Enough::EVERY_WAY
        };
        let (calls, read) = three_blank_ways(sure);
        assert_eq!((calls, read.unanimous, read.texts.len()), (2, true, 2));
    }
}
