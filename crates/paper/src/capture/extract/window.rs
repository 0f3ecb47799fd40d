//! Pages read in parallel through a sliding window, so a long file never sits
//! in memory and pages are still handed on in order; each page is told apart
//! as form, blank back or other, and one that hangs or panics is its own error.

use std::collections::BTreeMap;
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

/// What the reading thread hears from a page on the pool.
enum PageNews {
    Started(u32),
    Done(u32, Result<PageOutcome, String>),
}

/// The threads pages are read on, one per core, each with its own
/// Tesseract engines. Not rayon's global pool: a caller that reads several
/// files in parallel on that pool (the benchmarks do) blocks its threads
/// waiting for pages, and pages queued behind those waits would never run.
fn page_pool() -> &'static rayon::ThreadPool {
    static POOL: std::sync::OnceLock<rayon::ThreadPool> = std::sync::OnceLock::new();
    POOL.get_or_init(|| {
        rayon::ThreadPoolBuilder::new()
            .num_threads(rayon::current_num_threads())
            .thread_name(|i| format!("intake-page-{i}"))
            .build()
            .expect("a thread pool can be started")
    })
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
    let mut finished: BTreeMap<u32, PageRead> = BTreeMap::new();
    let mut skipped = std::collections::BTreeSet::new();
    let mut next_to_hand_on = 1u32;
    let mut decoded = 0u32;
    let mut exhausted = false;
    loop {
        while !exhausted && running.len() + finished.len() < pages_in_flight() {
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
                        },
                    );
                }
                Ok(page) => {
                    running.insert(number, None);
                    let sender = sender.clone();
                    let catalogue = catalogue.clone();
                    page_pool().spawn(move || {
                        let _ = sender.send(PageNews::Started(number));
                        // A page that crashes the reader is that page's
                        // error, not the batch's end.
                        let outcome =
                            std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
                                analyse(page.content, &catalogue)
                            }))
                            .map_err(|_| "reading the page failed unexpectedly".to_string());
                        let _ = sender.send(PageNews::Done(number, outcome));
                    });
                }
                Err(error) => {
                    finished.insert(
                        number,
                        PageRead {
                            number,
                            outcome: Err(error.to_string()),
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
            } else {
                break;
            }
        }
        if running.is_empty() {
            if exhausted && finished.is_empty() {
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
            Ok(PageNews::Done(number, outcome)) => {
                if running.remove(&number).is_some() {
                    finished.insert(number, PageRead { number, outcome });
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
                    },
                );
            }
        }
    }
}

fn analyse(content: PageContent, catalogue: &FormCatalogue) -> PageOutcome {
    match content {
        PageContent::Image(image) => analyse_image(image, None, catalogue),
        // A page with text on it is never blank, even where the drawing
        // shows nothing (white or hidden text): a person looks at it.
        PageContent::Digital { text, image } => {
            match analyse_image(image, Some(text.clone()), catalogue) {
                PageOutcome::Blank => PageOutcome::Other { text, image: None },
                outcome => outcome,
            }
        }
    }
}

/// A page is looked for the form's QR code first: most pages are forms,
/// and a form needs no test for blankness (registering tests a page
/// without the code in a corner). `text`: the page's text layer, which
/// is read instead of the drawing when the page is not a form.
fn analyse_image(image: GrayImage, text: Option<String>, catalogue: &FormCatalogue) -> PageOutcome {
    let other = |image: GrayImage| PageOutcome::Other {
        text: text.clone().unwrap_or_else(|| ocr::page_text(&image)),
        image: Some(image),
    };
    if catalogue.is_empty() {
        if register::is_blank(&image) {
            return PageOutcome::Blank;
        }
        return other(image);
    }
    // The code names the form and version: that version's layout
    // straightens and reads the page (sheets of every version arrive).
    let located = match register::locate(&image) {
        Ok(located) => located,
        Err(register::NotRegistered::Blank) => return PageOutcome::Blank,
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
