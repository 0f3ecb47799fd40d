//! Pages read in parallel through a sliding window, so a long file never sits
//! in memory and pages are still handed on in order; each page is told apart
//! as form, blank back or other, and one that hangs or panics is its own error.

use std::collections::BTreeMap;
use std::fs::File;
use std::io::{Read, Seek, Write};
use std::sync::mpsc;
use std::time::{Duration, Instant};

use image::GrayImage;

use super::digital::from_text_layer;
use super::{FormCatalogue, PageOutcome, PageRead};
use crate::capture::decode::{self, PageContent};
use crate::capture::text_layer::TextLayer;
use crate::capture::{ocr, read, register};

/// Pages decoded and not yet handed on: one per core and one more, being
/// decoded, keeps every core busy (a page's decoding is short beside its
/// reading), and a 300-page PDF never sits in memory as images.
fn pages_in_flight() -> usize {
    rayon::current_num_threads() + 1
}

/// Pages read ahead of the first one not yet handed on. A page read
/// before an earlier, slower one is parked (see `Parked`) and leaves the
/// window, so a slow page does not stop the other cores; this bounds how
/// far they run ahead of it (and the temporary disk the parked images
/// take: an A4 page at 300 dpi is 8.7 MB).
const MOST_AHEAD: usize = 32;

/// What the reading thread hears from a page on the pool.
enum PageNews {
    Started(u32),
    Done(u32, Result<PageOutcome, String>, f64),
}

/// The threads pages are read on, one per core, each with its own
/// Tesseract engines. Not rayon's global pool: a caller that reads several
/// files in parallel on that pool (the benchmarks do) blocks its threads
/// waiting for pages, and pages queued behind those waits would never run.
static POOL: std::sync::OnceLock<rayon::ThreadPool> = std::sync::OnceLock::new();

fn page_pool() -> &'static rayon::ThreadPool {
    POOL.get_or_init(|| {
        rayon::ThreadPoolBuilder::new()
            .num_threads(rayon::current_num_threads())
            .thread_name(|i| format!("intake-page-{i}"))
            .build()
            .expect("a thread pool can be started")
    })
}

/// Lets go of every recognition engine, the page threads' own and the
/// process's shared ones, before the process ends (see
/// `ocr::release_engines`). The next page read makes them again.
pub fn release_engines() {
    if let Some(pool) = POOL.get() {
        pool.broadcast(|_| ocr::release_engines());
    }
    ocr::release_engines();
}

/// Reads pages on the thread pool through a sliding window: a page is
/// decoded only while fewer than `pages_in_flight()` are being read or
/// waiting to be handed on, and pages are handed to `sink` in order as soon
/// as they and all before them are done. A page still running when its time
/// is up is reported as an error and left to finish on its own; its result
/// is dropped.
pub(super) fn read_in_window(
    mut pages: decode::Pages,
    mut text_layer: Option<TextLayer>,
    catalogue: &FormCatalogue,
    timeout: Option<Duration>,
    skip: impl Fn(u32) -> bool,
    mut sink: impl FnMut(PageRead),
) {
    let (sender, news) = mpsc::channel();
    // Pages given out and not yet handed on: `None` while being read,
    // with the moment it started once it has.
    let mut running: BTreeMap<u32, Option<Instant>> = BTreeMap::new();
    // Done and not yet handed on: `finished` just now, `parked` once it
    // has waited through one round for an earlier page.
    let mut finished: BTreeMap<u32, PageRead> = BTreeMap::new();
    let mut parked: BTreeMap<u32, Parked> = BTreeMap::new();
    let mut skipped = std::collections::BTreeSet::new();
    let mut next_to_hand_on = 1u32;
    let mut decoded = 0u32;
    let mut exhausted = false;
    loop {
        while !exhausted
            && running.len() + finished.len() < pages_in_flight()
            && running.len() + finished.len() + parked.len() < MOST_AHEAD
        {
            let Some(page) = pages.next() else {
                exhausted = true;
                break;
            };
            decoded += 1;
            let number = decoded;
            match page {
                // Decoded only to get past it.
                _ if skip(number) => {
                    skipped.insert(number);
                }
                Ok(page)
                    if let Some(outcome) =
                        from_text_layer(text_layer.as_mut(), &page, catalogue) =>
                {
                    finished.insert(
                        number,
                        PageRead {
                            number,
                            outcome: Ok(outcome),
                            seconds: 0.0,
                        },
                    );
                }
                Ok(page) => {
                    running.insert(number, None);
                    let sender = sender.clone();
                    let catalogue = catalogue.clone();
                    page_pool().spawn(move || {
                        let _ = sender.send(PageNews::Started(number));
                        let started = Instant::now();
                        // A page that crashes the reader is that page's
                        // error, not the batch's end.
                        let outcome =
                            std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
                                analyse(page.content, &catalogue)
                            }))
                            .map_err(|_| "reading the page failed unexpectedly".to_string());
                        let seconds = started.elapsed().as_secs_f64();
                        let _ = sender.send(PageNews::Done(number, outcome, seconds));
                    });
                }
                Err(error) => {
                    finished.insert(
                        number,
                        PageRead {
                            number,
                            outcome: Err(error.to_string()),
                            seconds: 0.0,
                        },
                    );
                }
            }
        }
        // In page order: a page waits for every page before it.
        loop {
            if skipped.remove(&next_to_hand_on) {
                next_to_hand_on += 1;
            } else if let Some(read) = finished.remove(&next_to_hand_on) {
                sink(read);
                next_to_hand_on += 1;
            } else if let Some(waited) = parked.remove(&next_to_hand_on) {
                sink(waited.take_back());
                next_to_hand_on += 1;
            } else {
                break;
            }
        }
        // What is left waits for an earlier page: out of memory, and out
        // of the window.
        for (number, read) in std::mem::take(&mut finished) {
            parked.insert(number, Parked::park(read));
        }
        if running.is_empty() {
            if exhausted && parked.is_empty() {
                return;
            }
            continue;
        }
        match news.recv_timeout(Duration::from_millis(200)) {
            Ok(PageNews::Started(number)) => {
                if let Some(started) = running.get_mut(&number) {
                    *started = Some(Instant::now());
                }
            }
            Ok(PageNews::Done(number, outcome, seconds)) => {
                if running.remove(&number).is_some() {
                    let read = PageRead {
                        number,
                        outcome,
                        seconds,
                    };
                    finished.insert(number, read);
                }
            }
            Err(_) => {}
        }
        if let Some(timeout) = timeout {
            let overdue: Vec<u32> = running
                .iter()
                .filter(|(_, started)| started.is_some_and(|at| at.elapsed() > timeout))
                .map(|(number, _)| *number)
                .collect();
            for number in overdue {
                running.remove(&number);
                let error = format!(
                    "reading the page took longer than {} s; it was given up",
                    timeout.as_secs()
                );
                finished.insert(
                    number,
                    PageRead {
                        number,
                        outcome: Err(error),
                        seconds: timeout.as_secs_f64(),
                    },
                );
            }
        }
    }
}

/// A page read and waiting for an earlier one to be handed on, its image
/// written as raw pixels to an unnamed temporary file (the file system's
/// cache, not this process, holds it; a long file with a slow page stays
/// within the memory of the pages being read). Raw, not compressed: the
/// write costs a few milliseconds a page.
struct Parked {
    read: PageRead,
    /// `None` when the page has no image, or writing it out failed (it
    /// then waits in memory).
    image: Option<(File, u32, u32)>,
}

impl Parked {
    fn park(mut read: PageRead) -> Parked {
        let image = match &mut read.outcome {
            Ok(PageOutcome::Form { image, .. } | PageOutcome::Other { image, .. }) => image,
            _ => return Parked { read, image: None },
        };
        let Some(pixels) = image.as_ref() else {
            return Parked { read, image: None };
        };
        match write_out(pixels) {
            Ok(file) => {
                let size = (pixels.width(), pixels.height());
                *image = None;
                Parked {
                    read,
                    image: Some((file, size.0, size.1)),
                }
            }
            Err(_) => Parked { read, image: None },
        }
    }

    fn take_back(mut self) -> PageRead {
        let Some((file, width, height)) = self.image else {
            return self.read;
        };
        match (read_back(file, width, height), &mut self.read.outcome) {
            (
                Ok(pixels),
                Ok(PageOutcome::Form { image, .. } | PageOutcome::Other { image, .. }),
            ) => {
                *image = Some(pixels);
                self.read
            }
            (Err(error), _) => PageRead {
                number: self.read.number,
                outcome: Err(format!(
                    "the page's image, kept on disk while an earlier page was read, \
                     could not be read back: {error}"
                )),
                seconds: self.read.seconds,
            },
            (Ok(_), _) => self.read,
        }
    }
}

fn write_out(image: &GrayImage) -> std::io::Result<File> {
    let mut file = tempfile::tempfile()?;
    file.write_all(image.as_raw())?;
    Ok(file)
}

fn read_back(mut file: File, width: u32, height: u32) -> std::io::Result<GrayImage> {
    file.rewind()?;
    let mut pixels = vec![0u8; width as usize * height as usize];
    file.read_exact(&mut pixels)?;
    GrayImage::from_raw(width, height, pixels)
        .ok_or_else(|| std::io::Error::other("the image's size does not match its pixels"))
}

fn analyse(content: PageContent, catalogue: &FormCatalogue) -> PageOutcome {
    match content {
        PageContent::Image(image) => analyse_image(image, None, Blankness::Scanned, catalogue),
        // A drawn page has no scanner noise to allow for: a few words in
        // small print are too little ink for a scan's test, but they are
        // on the page, and a person looks at it.
        PageContent::Drawn(image) => analyse_image(image, None, Blankness::Drawn, catalogue),
        // A page with text on it is never blank, even where the drawing
        // shows nothing (white or hidden text): a person looks at it.
        PageContent::Digital { text, image } => {
            match analyse_image(image, Some(text.clone()), Blankness::Scanned, catalogue) {
                PageOutcome::Blank => PageOutcome::Other { text, image: None },
                outcome => outcome,
            }
        }
    }
}

/// How a page without the form's code is judged blank.
#[derive(Clone, Copy)]
enum Blankness {
    /// Paper, scanner noise and show-through are allowed for.
    Scanned,
    /// Drawn from a PDF's own content: any ink at all makes it not blank.
    Drawn,
}

/// A page is looked for the form's QR code first: most pages are forms,
/// and a form needs no test for blankness (registering tests a page
/// without the code in a corner). `text`: the page's text layer, which
/// is read instead of the drawing when the page is not a form.
fn analyse_image(
    image: GrayImage,
    text: Option<String>,
    blankness: Blankness,
    catalogue: &FormCatalogue,
) -> PageOutcome {
    let other = |image: GrayImage| PageOutcome::Other {
        text: text.clone().unwrap_or_else(|| ocr::page_text(&image)),
        image: Some(image),
    };
    let blank = |image: GrayImage| match blankness {
        Blankness::Drawn if register::has_drawn_ink(&image) => other(image),
        _ => PageOutcome::Blank,
    };
    if catalogue.is_empty() {
        if register::is_blank(&image) {
            return blank(image);
        }
        return other(image);
    }
    // The code names the form and version: that version's layout
    // straightens and reads the page (sheets of every version arrive).
    let located = match register::locate(&image) {
        Ok(located) => located,
        Err(register::NotRegistered::Blank) => return blank(image),
        Err(_) => return other(image),
    };
    let qr = located.payload();
    let Some((definition, layout)) = catalogue.find(&qr.form, qr.version) else {
        // Our QR, but a form or version this installation does not know.
        return other(image);
    };
    let page = match register::register_located(&image, located, layout) {
        Ok(page) => page,
        Err(_) => return other(image),
    };
    // The scan as it came (8.7 MB at 300 dpi) is not needed for the
    // fields, which take most of a page's time: only the straightened page.
    drop(image);
    let fields = read::read_fields(&page, layout, definition);
    PageOutcome::Form {
        form: page.qr.form.clone(),
        version: page.qr.version,
        serial: page.qr.serial.clone(),
        form_page: page.qr.page,
        fields,
        image: Some(page.image),
    }
}

#[cfg(test)]
mod parking {
    use super::*;

    fn other_page(number: u32, image: GrayImage) -> PageRead {
        PageRead {
            number,
            outcome: Ok(PageOutcome::Other {
                text: "text".into(),
                image: Some(image),
            }),
            seconds: 1.5,
        }
    }

    #[test]
    fn a_parked_page_holds_no_image_and_gives_back_the_same_pixels() {
        let image = GrayImage::from_fn(31, 17, |x, y| image::Luma([(x * 7 + y * 3) as u8]));
        let parked = Parked::park(other_page(4, image.clone()));
        assert!(parked.image.is_some(), "the image went to disk");
        assert!(matches!(
            parked.read.outcome,
            Ok(PageOutcome::Other { image: None, .. })
        ));
        let back = parked.take_back();
        assert_eq!(back.number, 4);
        match back.outcome {
            Ok(PageOutcome::Other {
                text,
                image: Some(pixels),
            }) => {
                assert_eq!(text, "text");
                assert_eq!(pixels, image);
            }
            _ => panic!("the page came back changed"),
        }
    }

    #[test]
    fn a_page_without_an_image_parks_as_it_is() {
        let parked = Parked::park(PageRead {
            number: 2,
            outcome: Ok(PageOutcome::Blank),
            seconds: 0.0,
        });
        assert!(parked.image.is_none());
        assert!(matches!(parked.take_back().outcome, Ok(PageOutcome::Blank)));
    }
}
