//! Makes one sample file and its truth from its plan: fills a blank copy
//! per sheet, adds blank backs and a letter where the container holds a
//! batch, scans every page and writes the file.

use std::collections::BTreeMap;
use std::path::Path;

use image::{DynamicImage, RgbImage};
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};

use crate::synthetic;
use intake_core::form::FormDefinition;
use intake_paper::printable::serial::{SERIAL_ALPHABET, SERIAL_LENGTH};
use intake_paper::printable::{self, Layout};

use super::fill::{self, BLUE_INKS, Writer};
use super::fonts::{FontClass, Fonts, HandSet};
use super::letter;
use super::plan::{Container, SamplePlan};
use super::scanner::{self, PageFeed, PageTruth, ScanRun};
use super::truth::{DocumentKind, DocumentTruth, IndexEntry, SampleTruth};
use super::values::{self, Writing};
use super::{SamplesError, digital, output, tiff};

pub struct Context<'a> {
    pub definition: &'a FormDefinition,
    pub layout: &'a Layout,
    pub fonts: &'a Fonts,
    pub out: &'a Path,
}

/// A scanned page, kept with what the truth says about it.
struct Scanned {
    image: DynamicImage,
    truth: PageTruth,
}

/// The pages of one file as they go through the scanner, and what is on them.
struct Feeder {
    run: ScanRun,
    /// PNG and TIFF are lossless: some scanners compress inside anyway.
    lossless: bool,
    /// Backs of sheets are scanned too.
    duplex: bool,
    pages: Vec<Scanned>,
    documents: Vec<DocumentTruth>,
}

impl Feeder {
    /// Scans `page`; returns its 1-based number in the file.
    fn scan(&mut self, page: &RgbImage, turns: u8, rng: &mut StdRng) -> usize {
        let mut feed = PageFeed::random(turns, rng);
        if self.lossless && self.run.bilevel.is_none() && rng.random_bool(0.4) {
            feed.jpeg_quality = Some(rng.random_range(60..=90));
        }
        let image = scanner::scan(page, &self.run, &feed, rng);
        let truth = PageTruth {
            page: self.pages.len() + 1,
            dpi: self.run.dpi,
            colour: self.run.colour,
            quarter_turns: feed.quarter_turns % 4,
            skew_degrees: (feed.skew_degrees * 100.0).round() / 100.0,
            bilevel: self.run.bilevel.is_some(),
            width: image.width(),
            height: image.height(),
        };
        self.pages.push(Scanned { image, truth });
        self.pages.len()
    }

    /// The blank back of the sheet whose front is `front`, when duplex.
    fn back(&mut self, front: &RgbImage, turns: u8, rng: &mut StdRng) {
        if self.duplex {
            let back = scanner::blank_back(front, rng);
            let number = self.scan(&back, turns, rng);
            self.documents
                .push(DocumentTruth::new(DocumentKind::Blank, vec![number]));
        }
    }

    fn letter(&mut self, fonts: &Fonts, rng: &mut StdRng) {
        let sender = synthetic::jobseeker(rng);
        let letter = letter::letter(&sender, fonts, self.run.dpi, rng);
        let turns = if rng.random_bool(0.2) { 2 } else { 0 };
        let number = self.scan(&letter.page, turns, rng);
        let mut document = DocumentTruth::new(DocumentKind::Other, vec![number]);
        document.font_class = Some(letter.class);
        document.font = Some(letter.font);
        document.text = Some(letter.text);
        self.documents.push(document);
        self.back(&letter.page, turns, rng);
    }

    fn with_dpi(&self) -> Vec<(DynamicImage, u32)> {
        self.pages
            .iter()
            .map(|p| (p.image.clone(), p.truth.dpi))
            .collect()
    }
}

pub fn make(ctx: &Context, plan: &SamplePlan) -> Result<IndexEntry, SamplesError> {
    let mut rng = StdRng::seed_from_u64(plan.seed);
    let serials: Vec<String> = plan.sheets.iter().map(|_| serial(&mut rng)).collect();
    if plan.container == Container::Digital {
        return make_digital(ctx, plan, &serials[0], &mut rng);
    }
    let batch = plan.container == Container::PdfBatch;
    let lossless = matches!(plan.container, Container::Png | Container::Tiff);
    // Lossless files are an archiving choice, made in grey in practice
    // (colour comes as JPEG), and with the background cleaned.
    let colour = plan.colour && !lossless;
    let mut run = ScanRun::new(plan.dpi, colour, &mut rng);
    run.clean_background |= lossless;
    // Some offices archive in black and white, one bit per pixel.
    if lossless && rng.random_bool(0.35) {
        run.bilevel = Some(rng.random_range(140..=180));
    }
    let mut feeder = Feeder {
        run,
        lossless,
        duplex: batch || plan.container == Container::Tiff && rng.random_bool(0.5),
        pages: Vec::new(),
        documents: Vec::new(),
    };
    let blanks = super::raster::blank_pages(ctx.definition, ctx.layout, &serials, plan.dpi)?;
    let form_pages = ctx.layout.pages as usize;
    // A letter goes before one of the forms, or after the last.
    let letter_at = batch.then(|| rng.random_range(0..=plan.sheets.len()));

    for (i, (sheet, serial)) in plan.sheets.iter().zip(&serials).enumerate() {
        if letter_at == Some(i) {
            feeder.letter(ctx.fonts, &mut rng);
        }
        let person = synthetic::jobseeker(&mut rng);
        let writer = Writer::new(sheet.class, ctx.fonts, &mut rng);
        let fills = values::fill(ctx.definition, ctx.layout, &person, sheet.class, &mut rng)?;
        let mut numbers = Vec::new();
        let mut fronts = Vec::new();
        for p in 0..form_pages {
            let blank = &blanks[i * form_pages + p];
            let mut page = DynamicImage::ImageLuma8(blank.clone()).into_rgb8();
            let page_no = p as u32 + 1;
            fill::draw_page(
                &mut page, ctx.layout, page_no, &fills, &writer, plan.dpi, &mut rng,
            );
            numbers.push(feeder.scan(&page, sheet.quarter_turns, &mut rng));
            fronts.push(page);
        }
        feeder
            .documents
            .push(form_truth(numbers, serial, &writer, &fills));
        for front in &fronts {
            feeder.back(front, sheet.quarter_turns, &mut rng);
        }
    }
    if letter_at == Some(plan.sheets.len()) {
        feeder.letter(ctx.fonts, &mut rng);
    }
    feeder.documents.sort_by_key(|d| d.pages[0]);

    let first = &feeder.pages[0].image;
    let class = plan.sheets[0].class;
    let (stem, format, bytes) = match plan.container {
        Container::Png => (single_name(plan, class), "png", output::png(first)?),
        Container::Jpeg => {
            let quality = rng.random_range(55..=88);
            let bytes = output::jpeg(first, quality, plan.dpi)?;
            (single_name(plan, class), "jpeg", bytes)
        }
        Container::Tiff => {
            let bytes = tiff::encode(&feeder.with_dpi())?;
            (format!("{:03}-forms", plan.number), "tiff", bytes)
        }
        Container::PdfBatch => {
            let quality = rng.random_range(45..=75);
            let bytes = output::pdf(&feeder.with_dpi(), quality)?;
            (format!("{:03}-batch", plan.number), "pdf", bytes)
        }
        Container::Digital => unreachable!("made above"),
    };
    let truth = SampleTruth {
        file: format!("{stem}.{}", extension(format)),
        format,
        pages: feeder.pages.iter().map(|p| p.truth.clone()).collect(),
        documents: feeder.documents,
    };
    write(ctx.out, &stem, &truth, &bytes, plan.sheets.len())
}

fn form_truth(
    pages: Vec<usize>,
    serial: &str,
    writer: &Writer,
    fills: &[values::FieldFill],
) -> DocumentTruth {
    let mut document = DocumentTruth::new(DocumentKind::Form, pages);
    document.serial = Some(serial.to_string());
    document.font_class = Some(writer.class);
    document.font = Some(writer.face.name);
    document.ink = Some(match writer.class {
        FontClass::Printed => "printer",
        FontClass::Handwriting if BLUE_INKS.contains(&writer.text_ink.rgb) => "blue",
        FontClass::Handwriting => "black",
    });
    document.source = Some("scan");
    document.fields = Some(
        fills
            .iter()
            .map(|f| (f.id.clone(), f.truth.clone()))
            .collect(),
    );
    let mut written = BTreeMap::new();
    let mut marks = BTreeMap::new();
    for fill in fills {
        match &fill.writing {
            Writing::Comb(cells) => {
                written.insert(fill.id.clone(), cells.iter().collect());
            }
            Writing::Line(text) => {
                written.insert(fill.id.clone(), text.clone());
            }
            Writing::Marks(m) => {
                marks.insert(fill.id.clone(), m.clone());
            }
            Writing::Empty | Writing::Signature => {}
        }
    }
    document.written = Some(written);
    document.marks = Some(marks);
    document
}

fn make_digital(
    ctx: &Context,
    plan: &SamplePlan,
    serial: &str,
    rng: &mut StdRng,
) -> Result<IndexEntry, SamplesError> {
    let person = synthetic::jobseeker(rng);
    let fills = values::fill(ctx.definition, ctx.layout, &person, FontClass::Printed, rng)?;
    let typed: BTreeMap<String, String> = fills
        .iter()
        .filter_map(|f| digital::typed(ctx.definition, f).map(|v| (f.id.clone(), v)))
        .collect();
    let blank = printable::render(ctx.definition, ctx.layout, &[serial.to_string()])?;
    let bytes = digital::fill_pdf(&blank, &typed)?;
    let mut document = DocumentTruth::new(
        DocumentKind::Form,
        (1..=ctx.layout.pages as usize).collect(),
    );
    document.serial = Some(serial.to_string());
    document.source = Some("acroform");
    document.fields = Some(digital::truth_of(&fills));
    document.written = Some(typed);
    let stem = format!("{:03}-digital", plan.number);
    let truth = SampleTruth {
        file: format!("{stem}.pdf"),
        format: "pdf",
        pages: Vec::new(),
        documents: vec![document],
    };
    write(ctx.out, &stem, &truth, &bytes, 1)
}

pub(super) fn write(
    out: &Path,
    stem: &str,
    truth: &SampleTruth,
    bytes: &[u8],
    forms: usize,
) -> Result<IndexEntry, SamplesError> {
    let file = out.join(&truth.file);
    std::fs::write(&file, bytes).map_err(|e| SamplesError::io(&file, e))?;
    let truth_name = format!("{stem}.truth.json");
    let truth_path = out.join(&truth_name);
    let json = serde_json::to_string_pretty(truth).map_err(SamplesError::Json)?;
    std::fs::write(&truth_path, json + "\n").map_err(|e| SamplesError::io(&truth_path, e))?;
    Ok(IndexEntry {
        file: truth.file.clone(),
        truth: truth_name,
        format: truth.format,
        pages: truth.pages.len().max(1),
        forms,
        bytes: bytes.len() as u64,
    })
}

fn single_name(plan: &SamplePlan, class: FontClass) -> String {
    let class = match class {
        FontClass::Printed => "printed",
        FontClass::Handwriting => "handwriting",
    };
    format!("{:03}-{class}", plan.number)
}

fn extension(format: &str) -> &'static str {
    match format {
        "png" => "png",
        "jpeg" => "jpg",
        "tiff" => "tif",
        _ => "pdf",
    }
}

/// A serial from the sample's own random numbers (not `new_serial`, which
/// draws from the thread's), so that a seed gives the same sheets.
pub(super) fn serial(rng: &mut impl Rng) -> String {
    (0..SERIAL_LENGTH)
        .map(|_| SERIAL_ALPHABET[rng.random_range(0..SERIAL_ALPHABET.len())] as char)
        .collect()
}

/// The truth of one filled form: each field's value, as the truth files
/// give it.
pub type FormFields = BTreeMap<String, serde_json::Value>;

/// A stack of forms, each filled in (printed by a computer) by
/// another made-up person on a photocopy of one printed sheet, so all carry
/// `serial`, scanned as one PDF at 300 dpi.
pub struct PhotocopyStack {
    pub pdf: Vec<u8>,
    /// Every scanned page, in order (the PDF's pages, for re-scans).
    pub pages: Vec<DynamicImage>,
    /// Each person's fields, in page order.
    pub people: Vec<FormFields>,
}

/// Makes a [`PhotocopyStack`]; the same seed gives the same stack.
pub fn photocopy_stack(
    definition: &FormDefinition,
    serial: &str,
    people: usize,
    seed: u64,
) -> Result<PhotocopyStack, SamplesError> {
    let sheets = vec![(serial.to_string(), None); people];
    printed_stack(definition, &sheets, seed)
}

/// Printed sheets, one per `(serial, without identity code)`: `Some(true)`
/// fills a form version 2 as someone without a Finnish identity code,
/// `Some(false)` with one, `None` as chance has it. Scanned as one PDF at
/// 300 dpi; the same seed gives the same stack.
pub fn printed_stack(
    definition: &FormDefinition,
    sheets: &[(String, Option<bool>)],
    seed: u64,
) -> Result<PhotocopyStack, SamplesError> {
    const DPI: u32 = 300;
    let mut rng = StdRng::seed_from_u64(seed);
    let fonts = Fonts::load(HandSet::All)?;
    let layout = Layout::from_definition(definition);
    let run = ScanRun::new(DPI, false, &mut rng);
    let mut pages = Vec::new();
    let mut truths = Vec::new();
    let mut blanks: Option<(String, Vec<image::GrayImage>)> = None;
    for (serial, no_code) in sheets {
        // Photocopies of one sheet share its blank pages.
        if blanks
            .as_ref()
            .is_none_or(|(made_for, _)| made_for != serial)
        {
            let made =
                super::raster::blank_pages(definition, &layout, std::slice::from_ref(serial), DPI)?;
            blanks = Some((serial.clone(), made));
        }
        let blank_pages = blanks
            .as_ref()
            .map(|(_, b)| b.as_slice())
            .unwrap_or_default();
        let person = synthetic::jobseeker(&mut rng);
        let writer = Writer::new(FontClass::Printed, &fonts, &mut rng);
        let fills = values::fill_as(
            definition,
            &layout,
            &person,
            FontClass::Printed,
            *no_code,
            &mut rng,
        )?;
        for (p, blank) in blank_pages.iter().enumerate() {
            let mut page = DynamicImage::ImageLuma8(blank.clone()).into_rgb8();
            fill::draw_page(
                &mut page,
                &layout,
                p as u32 + 1,
                &fills,
                &writer,
                DPI,
                &mut rng,
            );
            let feed = PageFeed::random(0, &mut rng);
            pages.push((scanner::scan(&page, &run, &feed, &mut rng), DPI));
        }
        truths.push(
            fills
                .iter()
                .map(|f| (f.id.clone(), f.truth.clone()))
                .collect(),
        );
    }
    Ok(PhotocopyStack {
        pdf: output::pdf(&pages, 80)?,
        pages: pages.into_iter().map(|(page, _)| page).collect(),
        people: truths,
    })
}
