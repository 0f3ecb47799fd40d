//! How each page of each file is judged before any recognition: a scan
//! (`image`), a drawing with ink (`drawn`), typed text (`digital`), blank
//! (`image-blank`, `drawn-blank`) or an error with its reason. One line per
//! page, tab-separated: file, page number (or FILE), kind, reason.
//!
//! `scripts/corpus-pages.py` runs it over a folder (a public PDF test suite)
//! and checks every blank page against `pdftotext`, quickly: no page is
//! read by Tesseract.
//!
//!     cargo run --release --example page_kinds -- FILE...

use std::path::Path;

use intake_paper::capture::decode::{self, DecodeLimits, PageContent};
use intake_paper::capture::register::{has_drawn_ink, is_blank};

fn main() {
    let limits = DecodeLimits::default();
    for path in std::env::args().skip(1) {
        let pages = match decode::open(Path::new(&path), &limits) {
            Ok(pages) => pages,
            Err(error) => {
                println!("{path}\tFILE\terror\t{error}");
                continue;
            }
        };
        for (index, page) in pages.enumerate() {
            let kind = match page.map(|page| page.content) {
                Err(error) => format!("error\t{error}"),
                Ok(PageContent::Image(image)) if is_blank(&image) => "image-blank".into(),
                Ok(PageContent::Image(_)) => "image".into(),
                Ok(PageContent::Drawn(image)) if has_drawn_ink(&image) => "drawn".into(),
                Ok(PageContent::Drawn(_)) => "drawn-blank".into(),
                Ok(PageContent::Digital { .. }) => "digital".into(),
            };
            println!("{path}\t{}\t{kind}", index + 1);
        }
    }
}
