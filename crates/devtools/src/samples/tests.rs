//! The generator's promises: the same seed gives the same samples, every
//! truth value is one the record could hold, the ink lands in the boxes,
//! and every file opens and has the pages its truth says.

use std::collections::BTreeMap;

use rand::SeedableRng;
use rand::rngs::StdRng;

use super::plan::{Container, SamplePlan, SheetPlan};
use super::scanner::{PageFeed, ScanRun};
use super::*;
use intake_core::form::{Channel, FieldType};
use intake_core::record::normalise::normalise_field;

/// Version 1, as the committed samples; version 2 sheets are read in
/// `tests/scanning.rs`, and their truth checked below.
fn definition() -> FormDefinition {
    FormDefinition::load(Path::new(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../../forms/jobseeker-start-v1.toml"
    )))
    .unwrap()
}

/// A low resolution keeps the unoptimised test build quick; nothing in
/// the generator depends on the resolution but sizes.
const TEST_DPI: u32 = 100;

fn one(container: Container, sheets: usize, seed: u64) -> SamplePlan {
    SamplePlan {
        number: 1,
        container,
        sheets: (0..sheets)
            .map(|i| SheetPlan {
                class: if i % 2 == 0 {
                    FontClass::Handwriting
                } else {
                    FontClass::Printed
                },
                quarter_turns: 0,
            })
            .collect(),
        dpi: TEST_DPI,
        colour: false,
        seed,
    }
}

/// Makes one sample into a fresh folder; returns the folder, the entry and
/// the truth as JSON.
fn make(plan: &SamplePlan) -> (tempfile::TempDir, IndexEntry, serde_json::Value) {
    let dir = tempfile::tempdir().unwrap();
    let definition = definition();
    let layout = Layout::from_definition(&definition);
    let fonts = fonts::Fonts::load(fonts::HandSet::All).unwrap();
    let context = sample::Context {
        definition: &definition,
        layout: &layout,
        fonts: &fonts,
        out: dir.path(),
    };
    let entry = sample::make(&context, plan).unwrap();
    let truth = std::fs::read_to_string(dir.path().join(&entry.truth)).unwrap();
    (dir, entry, serde_json::from_str(&truth).unwrap())
}

#[test]
fn the_same_seed_gives_the_same_samples() {
    let first = plan::plan(40, 7, 1);
    let again = plan::plan(40, 7, 1);
    assert_eq!(format!("{first:?}"), format!("{again:?}"));
    assert_eq!(first.iter().map(|p| p.sheets.len()).sum::<usize>(), 40);
    let kinds: Vec<Container> = first.iter().map(|p| p.container).collect();
    for kind in [
        Container::Png,
        Container::Jpeg,
        Container::Tiff,
        Container::PdfBatch,
        Container::Digital,
    ] {
        assert!(kinds.contains(&kind), "{kind:?} missing from {kinds:?}");
    }

    let plan = one(Container::Png, 1, 11);
    let (dir_a, entry_a, truth_a) = make(&plan);
    let (dir_b, _, truth_b) = make(&plan);
    assert_eq!(truth_a, truth_b);
    let bytes = |dir: &tempfile::TempDir| std::fs::read(dir.path().join(&entry_a.file)).unwrap();
    assert!(bytes(&dir_a) == bytes(&dir_b), "the images differ");
}

#[test]
fn truth_values_are_what_the_normaliser_makes_of_them() {
    for definition in FormDefinition::load_all(None).unwrap() {
        truth_values_normalise(&definition);
    }
}

fn truth_values_normalise(definition: &FormDefinition) {
    let layout = Layout::from_definition(definition);
    let mut rng = StdRng::seed_from_u64(5);
    let mut empty_optional = 0;
    for i in 0..300 {
        let person = crate::synthetic::jobseeker(&mut rng);
        let class = if i % 2 == 0 {
            FontClass::Printed
        } else {
            FontClass::Handwriting
        };
        let fills = values::fill(definition, &layout, &person, class, &mut rng).unwrap();
        for fill in &fills {
            let field = definition.field(&fill.id).unwrap();
            match (&fill.truth, field.field_type) {
                (serde_json::Value::Bool(_), FieldType::Consent | FieldType::Signature) => {}
                (serde_json::Value::Null, _) => {
                    assert!(!field.always_required(), "{} is required", fill.id);
                    empty_optional += 1;
                }
                (serde_json::Value::String(text), _) => {
                    // Normalised values normalise to themselves.
                    let again = normalise_field(field, Channel::Paper, text)
                        .unwrap_or_else(|e| panic!("{}: {text}: {e}", fill.id));
                    assert_eq!(
                        again.map(|v| serde_json::to_value(v).unwrap()),
                        Some(fill.truth.clone()),
                        "{}",
                        fill.id
                    );
                }
                (other, kind) => panic!("{}: {other} for a {kind:?}", fill.id),
            }
        }
        let truth = |id: &str| fills.iter().find(|f| f.id == id).unwrap().truth.clone();
        let no_code = fills
            .iter()
            .any(|f| f.id == "no_hetu" && f.truth == serde_json::json!(true));
        if no_code {
            // Version 2 without a code: the code's date of birth instead.
            let hetu = intake_core::record::validate::hetu(&person.hetu).unwrap();
            assert_eq!(truth("hetu"), serde_json::Value::Null);
            assert_eq!(
                truth("birth_date"),
                serde_json::json!(hetu.birth_date.to_string())
            );
        } else {
            assert_eq!(truth("hetu"), serde_json::json!(person.hetu.to_uppercase()));
        }
        assert_eq!(truth("phone"), serde_json::json!(person.phone_e164));
        if let serde_json::Value::String(date) = truth("situation_since") {
            assert!(
                time::Date::parse(
                    &date,
                    time::macros::format_description!("[year]-[month]-[day]")
                )
                .is_ok()
            );
        }
    }
    assert!(
        empty_optional > 100,
        "optional fields are left empty at times"
    );
}

#[test]
fn an_upright_printed_form_has_ink_in_every_hetu_cell() {
    let definition = definition();
    let layout = Layout::from_definition(&definition);
    let fonts = fonts::Fonts::load(fonts::HandSet::All).unwrap();
    let mut rng = StdRng::seed_from_u64(9);
    let blank = raster::blank_pages(&definition, &layout, &["HETUTEST2".into()], TEST_DPI)
        .unwrap()
        .remove(0);
    let person = crate::synthetic::jobseeker(&mut rng);
    let writer = fill::Writer::new(FontClass::Printed, &fonts, &mut rng);
    let fills = values::fill(&definition, &layout, &person, FontClass::Printed, &mut rng).unwrap();
    let mut page = image::DynamicImage::ImageLuma8(blank).into_rgb8();
    fill::draw_page(&mut page, &layout, 1, &fills, &writer, TEST_DPI, &mut rng);
    let run = ScanRun::new(TEST_DPI, false, &mut rng);
    let feed = PageFeed {
        quarter_turns: 0,
        skew_degrees: 0.0,
        dust: false,
        jpeg_quality: None,
    };
    let scanned = scanner::scan(&page, &run, &feed, &mut rng).into_luma8();
    let ppm = TEST_DPI as f64 / 25.4;
    let hetu = layout.field("hetu").unwrap();
    assert_eq!(hetu.cell_boxes_mm.len(), 11);
    for (i, cell) in hetu.cell_boxes_mm.iter().enumerate() {
        // Inside the printed lines, so only writing counts.
        let [x, y, w, h] = intake_paper::printable::layout::grow(*cell, -1.0);
        let darkest = (((x * ppm) as u32)..((x + w) * ppm) as u32)
            .flat_map(|px| (((y * ppm) as u32)..((y + h) * ppm) as u32).map(move |py| (px, py)))
            .map(|(px, py)| scanned.get_pixel(px, py).0[0])
            .min()
            .unwrap();
        assert!(
            darkest < 190,
            "cell {i} of the hetu comb has no ink ({darkest})"
        );
    }
    // And the empty email line has none.
    let mut quiet = fills.clone();
    quiet.retain(|f| f.id != "email");
    let email = layout.field("email").unwrap();
    let [x, y, w, h] = intake_paper::printable::layout::grow(email.box_mm, -1.0);
    let mut blank_page = image::DynamicImage::ImageLuma8(
        raster::blank_pages(&definition, &layout, &["HETUTEST2".into()], TEST_DPI)
            .unwrap()
            .remove(0),
    )
    .into_rgb8();
    fill::draw_page(
        &mut blank_page,
        &layout,
        1,
        &quiet,
        &writer,
        TEST_DPI,
        &mut rng,
    );
    let inside = ((x * ppm) as u32..((x + w) * ppm) as u32).all(|px| {
        (((y * ppm) as u32)..((y + h) * ppm) as u32)
            .all(|py| blank_page.get_pixel(px, py).0[0] > 200)
    });
    assert!(inside, "ink on a line left empty");
}

#[test]
fn a_pdf_batch_has_the_pages_its_truth_lists() {
    let (dir, entry, truth) = make(&one(Container::PdfBatch, 2, 21));
    let pdf = lopdf::Document::load(dir.path().join(&entry.file)).unwrap();
    let pages = pdf.get_pages();
    let listed = truth["pages"].as_array().unwrap().len();
    assert_eq!(pages.len(), listed);
    assert_eq!(entry.pages, listed);
    // Forms with their blank backs and a letter with its back: 6 pages,
    // each in exactly one document.
    assert_eq!(listed, 6);
    let mut seen: Vec<u64> = truth["documents"]
        .as_array()
        .unwrap()
        .iter()
        .flat_map(|d| {
            d["pages"]
                .as_array()
                .unwrap()
                .iter()
                .map(|p| p.as_u64().unwrap())
        })
        .collect();
    seen.sort();
    assert_eq!(seen, (1..=6).collect::<Vec<u64>>());
    let kinds: BTreeMap<String, usize> =
        truth["documents"]
            .as_array()
            .unwrap()
            .iter()
            .fold(BTreeMap::new(), |mut counts, d| {
                *counts
                    .entry(d["kind"].as_str().unwrap().to_string())
                    .or_default() += 1;
                counts
            });
    assert_eq!(kinds["form"], 2);
    assert_eq!(kinds["blank"], 3);
    assert_eq!(kinds["other"], 1);
    // Every page is a JPEG image that decodes.
    for (_, page) in pages {
        let dict = pdf.get_dictionary(page).unwrap();
        let resources = dict.get(b"Resources").unwrap().as_dict().unwrap();
        let xobjects = resources.get(b"XObject").unwrap().as_dict().unwrap();
        let (_, image) = xobjects.iter().next().unwrap();
        let stream = pdf
            .get_object(image.as_reference().unwrap())
            .unwrap()
            .as_stream()
            .unwrap();
        image::load_from_memory(&stream.content).unwrap();
    }
}

#[test]
fn tiff_png_and_jpeg_samples_open_with_their_truth() {
    for (container, format) in [
        (Container::Tiff, "tiff"),
        (Container::Png, "png"),
        (Container::Jpeg, "jpeg"),
    ] {
        let (dir, entry, truth) = make(&one(
            container,
            2.min(1 + (container == Container::Tiff) as usize),
            31,
        ));
        assert_eq!(truth["format"], format);
        let bytes = std::fs::read(dir.path().join(&entry.file)).unwrap();
        let image = image::load_from_memory(&bytes).unwrap();
        let first = &truth["pages"][0];
        assert_eq!(image.width() as u64, first["width"].as_u64().unwrap());
        assert_eq!(image.height() as u64, first["height"].as_u64().unwrap());
        if container == Container::Tiff {
            assert_eq!(tiff_pages(&bytes), entry.pages, "frames in the TIFF");
        }
    }
}

/// Counts a little-endian TIFF's image file directories.
fn tiff_pages(bytes: &[u8]) -> usize {
    let u32_at = |i: usize| u32::from_le_bytes(bytes[i..i + 4].try_into().unwrap()) as usize;
    let u16_at = |i: usize| u16::from_le_bytes(bytes[i..i + 2].try_into().unwrap()) as usize;
    let mut ifd = u32_at(4);
    let mut count = 0;
    while ifd != 0 {
        count += 1;
        ifd = u32_at(ifd + 2 + 12 * u16_at(ifd));
    }
    count
}

#[test]
fn the_digital_sample_reads_back_as_its_truth() {
    let (dir, entry, truth) = make(&one(Container::Digital, 1, 41));
    let pdf = std::fs::read(dir.path().join(&entry.file)).unwrap();
    let filled = intake_paper::printable::filled_values(&pdf).unwrap();
    let document = &truth["documents"][0];
    let written = document["written"].as_object().unwrap();
    assert_eq!(filled.len(), written.len());
    let definition = definition();
    for value in filled {
        assert_eq!(Some(value.serial.as_str()), document["serial"].as_str());
        assert_eq!(
            written[&value.field],
            value.value.as_str(),
            "{}",
            value.field
        );
        let field = definition.field(&value.field).unwrap();
        let normalised = normalise_field(field, Channel::Paper, &value.value).unwrap();
        assert_eq!(
            serde_json::to_value(normalised).unwrap(),
            document["fields"][&value.field],
            "{}",
            value.field
        );
    }
}
