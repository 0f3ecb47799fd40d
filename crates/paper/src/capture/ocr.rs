//! Tesseract, the way ARCHITECTURE.md asks: engines created on first use
//! and reused for every crop, with OpenMP kept to one thread
//! (`OMP_THREAD_LIMIT=1`) because parallelism comes from pages and workers,
//! and OpenMP threads inside each engine would only fight them for the
//! same cores. The engine for the form's fields, busy all through a page,
//! is one per thread; those used for a moment now and then (an email line,
//! the text of a letter) are one per process, lent to a thread for one
//! recognition (see `Shared`).
//!
//! The page segmentation mode and the character whitelist are set on every
//! call, so one engine serves combs, lines and whole pages alike.

use std::cell::{Cell, RefCell};
use std::ffi::CString;
use std::sync::{Mutex, PoisonError};

use image::GrayImage;
use tesseract::PageSegMode;
use tesseract::plumbing::TessBaseApi;

use super::PX_PER_MM;

/// Languages for the form's fields: the form is Swedish and Finnish, and
/// names and addresses in Finland are spelt with those alphabets.
pub const FIELD_LANGUAGES: &str = "swe+fin";
/// Email addresses: the Swedish and Finnish models never learnt `@` (they
/// read it as `O` or `Q`); the English one did.
pub const EMAIL_LANGUAGES: &str = "eng";
/// A second model for digits, trained apart from the fields' own: a
/// comb's second opinion (`read::comb`). The same as for email.
pub const OTHER_MODEL: &str = EMAIL_LANGUAGES;
/// Languages for letters and other mail in the drop box.
pub const PAGE_LANGUAGES: &str = "swe+fin+eng";

/// Registered pages are 203.2 dpi; telling Tesseract so keeps its size
/// heuristics (noise, minimum x-height) right on small crops.
const SOURCE_DPI: i32 = (PX_PER_MM * 25.4 + 0.5) as i32;
/// An image larger than this (a whole page, not a field's crop) is let go
/// of as soon as it is read.
const FORGET_ABOVE_PIXELS: u64 = 1_000_000;
/// White border put around a crop: Tesseract finds glyphs poorly when ink
/// touches the image edge.
const MARGIN_PX: u32 = 12;

/// What Tesseract read, with its confidence from 0 to 1.
#[derive(Debug, Clone, PartialEq)]
pub struct Recognised {
    pub text: String,
    /// The lowest word confidence: one doubtful word makes the whole
    /// reading doubtful. 0 when nothing was read.
    pub confidence: f32,
    /// Each character read, with the others Tesseract weighed for it;
    /// only from [`read_with_choices`], else empty.
    pub symbols: Vec<Symbol>,
}

/// One character of a reading and its alternatives, from Tesseract's
/// choice iterator (its LSTM's symbol choices).
#[derive(Debug, Clone, PartialEq)]
pub struct Symbol {
    /// The character as read.
    pub text: String,
    /// Every character weighed here, with its probability (0 to 1), most
    /// likely first; runner-ups often score 0 but keep their rank.
    pub choices: Vec<(String, f32)>,
}

#[derive(Debug, Clone, thiserror::Error)]
pub enum OcrError {
    #[error(
        "Tesseract could not start with languages {0} (is tesseract-ocr with its swe, fin and eng data installed, or TESSDATA_PREFIX set?)"
    )]
    Init(&'static str),
    #[error("Tesseract failed while {0}")]
    Engine(&'static str),
}

thread_local! {
    /// This thread's engines, one per language set not shared (see
    /// `Shared`), created on first use.
    static ENGINES: RefCell<Vec<(&'static str, TessBaseApi)>> = const { RefCell::new(Vec::new()) };
    /// Recognitions run on this thread; tests use it to prove that empty
    /// fields are decided without OCR.
    static CALLS: Cell<u64> = const { Cell::new(0) };
}

/// Whether the process is set up for Tesseract: `OMP_THREAD_LIMIT=1` and
/// the language data present. Call once at start-up; the message says what
/// to fix.
pub fn check_environment() -> Result<(), String> {
    match std::env::var("OMP_THREAD_LIMIT") {
        Ok(v) if v.trim() == "1" => {}
        Ok(v) => {
            return Err(format!(
                "OMP_THREAD_LIMIT is {v:?}, not 1: every Tesseract engine would start its own OpenMP threads"
            ));
        }
        Err(_) => {
            return Err(
                "OMP_THREAD_LIMIT is not set to 1: every Tesseract engine would start its own OpenMP threads"
                    .into(),
            );
        }
    }
    // Engines made here are dropped at once: the main thread reads nothing.
    for languages in [FIELD_LANGUAGES, EMAIL_LANGUAGES, PAGE_LANGUAGES] {
        new_engine(languages).map_err(|e| e.to_string())?;
    }
    Ok(())
}

/// How many recognitions this thread has run.
pub fn calls_on_this_thread() -> u64 {
    CALLS.with(Cell::get)
}

/// How Tesseract is to take the image.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Segmentation {
    /// One line of text (`PSM 7`).
    Line,
    /// One line, without Tesseract's line-finding heuristics (`PSM 13`):
    /// a second opinion that fails differently from `Line`.
    RawLine,
    /// One character (`PSM 10`).
    Char,
}

/// Reads a crop of writing (a white margin is added), with only the
/// characters of `whitelist` allowed (all when empty).
pub fn read(
    crop: &GrayImage,
    languages: &'static str,
    segmentation: Segmentation,
    whitelist: &str,
) -> Result<Recognised, OcrError> {
    let mode = page_seg_mode(segmentation);
    recognise(
        languages,
        mode,
        whitelist,
        &with_margin(crop),
        SOURCE_DPI,
        false,
    )
}

/// As [`read`], also keeping each character's alternatives
/// ([`Recognised::symbols`]).
pub fn read_with_choices(
    crop: &GrayImage,
    languages: &'static str,
    segmentation: Segmentation,
    whitelist: &str,
) -> Result<Recognised, OcrError> {
    let mode = page_seg_mode(segmentation);
    recognise(
        languages,
        mode,
        whitelist,
        &with_margin(crop),
        SOURCE_DPI,
        true,
    )
}

fn page_seg_mode(segmentation: Segmentation) -> PageSegMode {
    match segmentation {
        Segmentation::Line => PageSegMode::PsmSingleLine,
        Segmentation::RawLine => PageSegMode::PsmRawLine,
        Segmentation::Char => PageSegMode::PsmSingleChar,
    }
}

/// Reads a crop holding one line of the form's languages.
pub fn read_line(crop: &GrayImage, whitelist: &str) -> Result<Recognised, OcrError> {
    read(crop, FIELD_LANGUAGES, Segmentation::Line, whitelist)
}

/// Reads a crop holding one character. Tesseract's LSTM models read a lone
/// character much worse than the same character among others, so combs
/// are read as a strip of their cells instead; this stays for callers that
/// really have one character.
pub fn read_char(crop: &GrayImage, whitelist: &str) -> Result<Recognised, OcrError> {
    read(crop, FIELD_LANGUAGES, Segmentation::Char, whitelist)
}

/// The text of a whole page that is not the form (a letter, a contact
/// request), for its triage item. Empty if Tesseract fails: the page image
/// is kept with the item, so a person can still read it.
pub fn page_text(image: &GrayImage) -> String {
    // Such pages are not registered, so their resolution is the scan's:
    // guessed from the width of an A4 or Letter sheet (8.27 or 8.5 inches).
    let dpi = (image.width() as f32 / 8.3).round().clamp(70.0, 1200.0) as i32;
    match recognise(PAGE_LANGUAGES, PageSegMode::PsmAuto, "", image, dpi, false) {
        Ok(read) => read.text,
        Err(error) => {
            tracing::warn!(%error, "full-page OCR failed; the page is kept without text");
            String::new()
        }
    }
}

fn recognise(
    languages: &'static str,
    mode: PageSegMode,
    whitelist: &str,
    image: &GrayImage,
    dpi: i32,
    choices: bool,
) -> Result<Recognised, OcrError> {
    let (width, height) = (image.width() as i32, image.height() as i32);
    let whitelist = CString::new(whitelist).map_err(|_| OcrError::Engine("setting a whitelist"))?;
    CALLS.with(|c| c.set(c.get() + 1));
    with_engine(languages, |api| {
        api.set_page_seg_mode(mode.as_tess_page_seg_mode());
        // An empty whitelist lifts the previous call's restriction.
        api.set_variable(c"tessedit_char_whitelist", &whitelist)
            .map_err(|_| OcrError::Engine("setting a whitelist"))?;
        // Mode 2 keeps each character's choices from the CTC decoding (the
        // choice iterator's), which the hOCR output gives with
        // `hocr_char_boxes`: the only way to them without unsafe code.
        // They come ranked, the winner with its probability; runner-ups
        // mostly score 0. (Mode 1's time steps, under a whitelist, hold
        // the winner alone.)
        let (choice_mode, char_boxes) = if choices { (c"2", c"1") } else { (c"0", c"0") };
        api.set_variable(c"lstm_choice_mode", choice_mode)
            .map_err(|_| OcrError::Engine("setting the choice mode"))?;
        api.set_variable(c"hocr_char_boxes", char_boxes)
            .map_err(|_| OcrError::Engine("setting the choice mode"))?;
        api.set_image(image.as_raw(), width, height, 1, width)
            .map_err(|_| OcrError::Engine("taking the image"))?;
        api.set_source_resolution(dpi);
        api.recognize()
            .map_err(|_| OcrError::Engine("recognising"))?;
        let text = api
            .get_utf8_text()
            .map_err(|_| OcrError::Engine("getting the text"))?
            .as_ref()
            .to_string_lossy()
            .trim()
            .to_string();
        let words = api
            .all_word_confidences()
            .map_err(|_| OcrError::Engine("getting confidences"))?;
        let lowest = words.iter().copied().min().unwrap_or(0);
        let confidence = if text.is_empty() {
            0.0
        } else {
            (lowest as f32 / 100.0).clamp(0.0, 1.0)
        };
        let symbols = if choices && !text.is_empty() {
            let hocr = api
                .get_hocr_text(0)
                .map_err(|_| OcrError::Engine("getting the choices"))?;
            symbols_of_hocr(&hocr.as_ref().to_string_lossy())
        } else {
            Vec::new()
        };
        if u64::from(image.width()) * u64::from(image.height()) > FORGET_ABOVE_PIXELS {
            // The engine keeps a copy of the image and all it found on it
            // until its next image: 9 MB for a letter at 200 dpi. (A white
            // pixel passes every check `set_image` makes.)
            let _ = api.set_image(&[255], 1, 1, 1, 1);
        }
        Ok(Recognised {
            text,
            confidence,
            symbols,
        })
    })
}

/// The characters and their choices in Tesseract's hOCR with
/// `lstm_choice_mode` 2: each character is a `<span class='ocrx_cinfo'
/// title='x_bboxes ...; x_conf C'>c</span>`, followed by its choices,
/// each `<span ... title='x_confs P'>c</span>` (P in percent). A choice
/// named twice keeps its higher score; blanks are left out.
fn symbols_of_hocr(hocr: &str) -> Vec<Symbol> {
    let mut symbols: Vec<Symbol> = Vec::new();
    let mut rest = hocr;
    while let Some(at) = rest.find("title='x_") {
        rest = &rest[at + "title='x_".len()..];
        let (is_choice, after) = if let Some(after) = rest.strip_prefix("confs ") {
            (true, after)
        } else if rest.starts_with("bboxes ") {
            let Some(conf) = rest.find("x_conf ") else {
                break;
            };
            (false, &rest[conf + "x_conf ".len()..])
        } else {
            continue;
        };
        let Some(end) = after.find('\'') else { break };
        let score = after[..end].trim().parse::<f32>().unwrap_or(0.0) / 100.0;
        let Some(open) = after.find('>') else { break };
        let Some(close) = after[open..].find('<') else {
            break;
        };
        let text = unescape(&after[open + 1..open + close]);
        rest = &after[open + close..];
        if is_choice {
            let Some(symbol) = symbols.last_mut() else {
                continue;
            };
            if text.trim().is_empty() {
                continue;
            }
            let score = score.clamp(0.0, 1.0);
            match symbol.choices.iter_mut().find(|(c, _)| *c == text) {
                Some((_, best)) => *best = best.max(score),
                None => symbol.choices.push((text, score)),
            }
        } else {
            symbols.push(Symbol {
                text,
                choices: Vec::new(),
            });
        }
    }
    for symbol in &mut symbols {
        // Stable: runner-ups of equal score keep Tesseract's ranking.
        symbol.choices.sort_by(|a, b| b.1.total_cmp(&a.1));
    }
    symbols
}

fn unescape(text: &str) -> String {
    text.replace("&lt;", "<")
        .replace("&gt;", ">")
        .replace("&quot;", "\"")
        .replace("&#39;", "'")
        .replace("&amp;", "&")
}

/// An engine for the whole process, lent to one thread at a time. An
/// engine holds its models in memory: 12 MB for English alone, 26 MB for
/// `FIELD_LANGUAGES` and 38 MB for `PAGE_LANGUAGES` (Tesseract 5.3, fast
/// models). With one per thread for every set, a reading child with two
/// threads held 170 MB of engines. The sets shared here are each used for
/// a small part of a page's time (one email line a form; a letter's text,
/// one page in many), so a thread seldom waits for another.
struct Shared {
    languages: &'static str,
    /// `None` until first used.
    engine: Mutex<Option<TessBaseApi>>,
}

static SHARED: [Shared; 2] = [
    Shared {
        languages: EMAIL_LANGUAGES,
        engine: Mutex::new(None),
    },
    Shared {
        languages: PAGE_LANGUAGES,
        engine: Mutex::new(None),
    },
];

/// Lets go of the process's shared engines and this thread's own. Called
/// on every reading thread before the process ends: Tesseract's model
/// cache, torn down at exit, warns of a leak on standard error for every
/// model an engine still holds.
pub fn release_engines() {
    for shared in &SHARED {
        let mut engine = shared.engine.lock().unwrap_or_else(PoisonError::into_inner);
        engine.take();
    }
    ENGINES.with(|engines| engines.borrow_mut().clear());
}

/// Runs `f` with an engine for `languages`: the process's one if the set is
/// shared, else this thread's; made first if needed (loading the models
/// takes tenths of a second: once per thread or process).
fn with_engine<T>(
    languages: &'static str,
    f: impl FnOnce(&mut TessBaseApi) -> Result<T, OcrError>,
) -> Result<T, OcrError> {
    if let Some(shared) = SHARED.iter().find(|s| s.languages == languages) {
        // A panic in `f` leaves the engine as usable as before it.
        let mut engine = shared.engine.lock().unwrap_or_else(PoisonError::into_inner);
        let engine = match &mut *engine {
            Some(engine) => engine,
            empty => empty.insert(new_engine(languages)?),
        };
        return f(engine);
    }
    ENGINES.with(|engines| {
        let mut engines = engines.borrow_mut();
        let index = match engines.iter().position(|(l, _)| *l == languages) {
            Some(index) => index,
            None => {
                engines.push((languages, new_engine(languages)?));
                engines.len() - 1
            }
        };
        f(&mut engines[index].1)
    })
}

/// An engine for `languages`, from the system's tessdata (or
/// `TESSDATA_PREFIX`).
fn new_engine(languages: &'static str) -> Result<TessBaseApi, OcrError> {
    let mut api = TessBaseApi::create();
    let lang = CString::new(languages).map_err(|_| OcrError::Init(languages))?;
    api.init_2(None, Some(&lang))
        .map_err(|_| OcrError::Init(languages))?;
    Ok(api)
}

/// The crop on white paper with `MARGIN_PX` all round.
fn with_margin(crop: &GrayImage) -> GrayImage {
    let mut out = GrayImage::from_pixel(
        crop.width() + 2 * MARGIN_PX,
        crop.height() + 2 * MARGIN_PX,
        image::Luma([255]),
    );
    image::imageops::replace(&mut out, crop, MARGIN_PX.into(), MARGIN_PX.into());
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn choices_are_taken_from_hocr_per_character() {
        let hocr = "<span class='ocrx_word' id='word_1_1' title='bbox 1 2 3 4; x_wconf 91'>
       <span class='ocrx_cinfo' title='x_bboxes 1 2 3 4; x_conf 97.9'>6</span>
        <span class='ocr_symbol' id='symbol_1_1_1'>
         <span class='ocrx_cinfo' id='timestep1_1_1'>
          <span class='ocrx_cinfo' id='choice_1_1_1' title='x_confs 99'></span></span>
         <span class='ocrx_cinfo' id='timestep1_1_2'>
          <span class='ocrx_cinfo' id='choice_1_1_2' title='x_confs 60'>6</span>
          <span class='ocrx_cinfo' id='choice_1_1_3' title='x_confs 30'>5</span></span>
         <span class='ocrx_cinfo' id='timestep1_1_3'>
          <span class='ocrx_cinfo' id='choice_1_1_4' title='x_confs 21'>5</span>
          <span class='ocrx_cinfo' id='choice_1_1_5' title='x_confs 5'> </span></span>
        </span>
       <span class='ocrx_cinfo' title='x_bboxes 5 2 9 4; x_conf 99.1'>&amp;</span>
        <span class='ocr_symbol' id='symbol_1_1_2'>
         <span class='ocrx_cinfo' id='timestep1_1_4'>
          <span class='ocrx_cinfo' id='choice_1_1_6' title='x_confs 2'>8</span>
          <span class='ocrx_cinfo' id='choice_1_1_7' title='x_confs 95'>&amp;</span></span>
        </span></span>";
        let symbols = symbols_of_hocr(hocr);
        assert_eq!(symbols.len(), 2);
        assert_eq!(symbols[0].text, "6");
        assert_eq!(
            symbols[0].choices,
            vec![("6".to_string(), 0.6), ("5".to_string(), 0.3)]
        );
        assert_eq!(symbols[1].text, "&");
        assert_eq!(symbols[1].choices[0], ("&".to_string(), 0.95));
    }

    #[test]
    fn an_empty_crop_reads_as_nothing_with_no_confidence() {
        let blank = GrayImage::from_pixel(40, 60, image::Luma([255]));
        let read = read_char(&blank, "0123456789").unwrap();
        assert_eq!(read.text, "");
        assert_eq!(read.confidence, 0.0);
    }

    #[test]
    fn the_environment_check_names_the_thread_limit() {
        let limit = std::env::var("OMP_THREAD_LIMIT");
        match check_environment() {
            Ok(()) => assert_eq!(limit.as_deref(), Ok("1")),
            Err(message) => assert!(
                limit.as_deref() != Ok("1") && message.contains("OMP_THREAD_LIMIT"),
                "{message}"
            ),
        }
    }

    #[test]
    fn the_email_engine_is_one_for_the_process_not_one_per_thread() {
        let readers: Vec<_> = (0..2)
            .map(|_| {
                std::thread::spawn(|| {
                    let blank = GrayImage::from_pixel(120, 40, image::Luma([255]));
                    read(&blank, EMAIL_LANGUAGES, Segmentation::Line, "").unwrap();
                    ENGINES.with(|e| e.borrow().iter().any(|(l, _)| *l == EMAIL_LANGUAGES))
                })
            })
            .collect();
        for reader in readers {
            assert!(!reader.join().unwrap(), "a thread made its own engine");
        }
        let shared = SHARED.iter().find(|s| s.languages == EMAIL_LANGUAGES);
        assert!(shared.unwrap().engine.lock().unwrap().is_some());
    }

    #[test]
    fn the_engine_is_made_once_per_thread_and_calls_are_counted() {
        let blank = GrayImage::from_pixel(40, 60, image::Luma([255]));
        let before = calls_on_this_thread();
        read_char(&blank, "0123456789").unwrap();
        read_line(&blank, "").unwrap();
        assert_eq!(calls_on_this_thread(), before + 2);
        ENGINES.with(|e| {
            let e = e.borrow();
            assert_eq!(e.iter().filter(|(l, _)| *l == FIELD_LANGUAGES).count(), 1);
        });
    }
}
