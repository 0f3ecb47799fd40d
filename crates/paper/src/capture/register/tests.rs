//! Registration on our own form, printed to pixels by poppler at scanner
//! resolutions, then turned, skewed and damaged as scans are; and blank-page
//! detection on synthetic duplex backs.

use std::path::Path;
use std::process::Command;
use std::sync::OnceLock;

use image::{GrayImage, Luma};
use imageproc::drawing::{draw_filled_circle_mut, draw_filled_rect_mut, draw_line_segment_mut};
use imageproc::geometric_transformations::{Interpolation, rotate_about_center};
use imageproc::rect::Rect;

use crate::capture::{PX_PER_MM, RegisteredPage};
use crate::printable::layout::BoxMm;
use crate::printable::{Layout, QrPayloadError, render};
use intake_core::form::FormDefinition;

use super::{NotRegistered, is_blank, register};

const SERIAL: &str = "K7PX3MWH2A";

fn definition() -> FormDefinition {
    FormDefinition::load(
        &Path::new(env!("CARGO_MANIFEST_DIR")).join("../../forms/jobseeker-start-v1.toml"),
    )
    .unwrap()
}

fn layout() -> Layout {
    Layout::from_definition(&definition())
}

/// Page 1 of the form as poppler rasterises it in grey: a perfect scan.
fn scan(dpi: u32) -> &'static GrayImage {
    static SCANS: [OnceLock<GrayImage>; 3] = [OnceLock::new(), OnceLock::new(), OnceLock::new()];
    let slot = match dpi {
        150 => &SCANS[0],
        200 => &SCANS[1],
        300 => &SCANS[2],
        _ => panic!("no cached scan at {dpi} dpi"),
    };
    slot.get_or_init(|| {
        let pdf = render(&definition(), &layout(), &[SERIAL.to_string()]).unwrap();
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join("form.pdf"), pdf).unwrap();
        let status = Command::new("pdftoppm")
            .args([
                "-r",
                &dpi.to_string(),
                "-gray",
                "-png",
                "-singlefile",
                "-f",
                "1",
                "-l",
                "1",
                "form.pdf",
                "page",
            ])
            .current_dir(dir.path())
            .status()
            .expect("pdftoppm (poppler-utils) renders the test scans");
        assert!(status.success());
        image::open(dir.path().join("page.png"))
            .unwrap()
            .into_luma8()
    })
}

fn turn(page: &GrayImage, quarter_turns: u8) -> GrayImage {
    match quarter_turns % 4 {
        0 => page.clone(),
        1 => image::imageops::rotate90(page),
        2 => image::imageops::rotate180(page),
        _ => image::imageops::rotate270(page),
    }
}

/// The sheet on a platen larger than itself, turned clockwise by `degrees`.
fn skew(page: &GrayImage, degrees: f32) -> GrayImage {
    let pad = page.width() / 20;
    let mut padded =
        GrayImage::from_pixel(page.width() + 2 * pad, page.height() + 2 * pad, Luma([255]));
    image::imageops::overlay(&mut padded, page, pad.into(), pad.into());
    rotate_about_center(
        &padded,
        degrees.to_radians(),
        Interpolation::Bilinear,
        Luma([255]),
    )
}

/// Mean darkness (0 white, 1 black) of a box of the registered page.
fn darkness(image: &GrayImage, b: BoxMm) -> f64 {
    let px = |mm: f64| (mm * f64::from(PX_PER_MM)).round() as u32;
    let (x0, y0, x1, y1) = (px(b[0]), px(b[1]), px(b[0] + b[2]), px(b[1] + b[3]));
    let mut sum = 0.0;
    for y in y0..y1 {
        for x in x0..x1 {
            sum += 1.0 - f64::from(image.get_pixel(x, y).0[0]) / 255.0;
        }
    }
    sum / f64::from((x1 - x0) * (y1 - y0))
}

/// Where, within a millimetre and a half of `expected_mm`, the darkest
/// line across `span_mm` lies; in millimetres from the expected place.
fn line_offset(image: &GrayImage, expected_mm: f64, span_mm: (f64, f64), vertical: bool) -> f64 {
    let s = f64::from(PX_PER_MM);
    let (from, to) = ((span_mm.0 * s) as u32, (span_mm.1 * s) as u32);
    let centre = (expected_mm * s).round() as i64;
    let (best, _) = (-12..=12)
        .map(|d| {
            let at = (centre + d) as u32;
            let ink: u32 = (from..to)
                .map(|t| {
                    let p = if vertical {
                        image.get_pixel(at, t)
                    } else {
                        image.get_pixel(t, at)
                    };
                    255 - u32::from(p.0[0])
                })
                .sum();
            (d, ink)
        })
        .max_by_key(|&(_, ink)| ink)
        .unwrap();
    best as f64 / s
}

/// The registered page lines up with the layout: each mark is where its
/// box is, and the hetu comb's printed lines within a millimetre.
fn assert_lines_up(registered: &RegisteredPage, layout: &Layout, case: &str) {
    assert_lines_up_but(registered, layout, case, None);
}

/// As `assert_lines_up`, for a page where one mark was covered.
fn assert_lines_up_but(
    registered: &RegisteredPage,
    layout: &Layout,
    case: &str,
    covered: Option<usize>,
) {
    let image = &registered.image;
    assert_eq!(
        image.dimensions(),
        (super::CANONICAL_WIDTH, super::CANONICAL_HEIGHT)
    );
    for (_, mark) in layout
        .marks
        .iter()
        .enumerate()
        .filter(|(i, _)| Some(*i) != covered)
    {
        let dark = darkness(image, mark.box_mm);
        assert!(
            dark > 0.8,
            "{case}: mark {:?} darkness {dark:.2}",
            mark.corner
        );
    }
    let comb = layout.field("hetu").unwrap();
    let [x, y, w, h] = comb.box_mm;
    let mut worst: f64 = 0.0;
    for cell in &comb.cell_boxes_mm {
        worst = worst.max(line_offset(image, cell[0], (y + 1.0, y + h - 1.0), true).abs());
    }
    worst = worst.max(line_offset(image, x + w, (y + 1.0, y + h - 1.0), true).abs());
    for edge in [y, y + h] {
        worst = worst.max(line_offset(image, edge, (x + 1.0, x + w - 1.0), false).abs());
    }
    assert!(worst <= 1.0, "{case}: a comb line is {worst:.2} mm off");
    assert_eq!(registered.qr.serial, SERIAL, "{case}");
    assert_eq!(registered.qr.page, 1, "{case}");
}

#[test]
fn upright_scans_register_at_150_200_and_300_dpi() {
    let layout = layout();
    for dpi in [150, 200, 300] {
        let registered = register(scan(dpi), &layout).unwrap_or_else(|e| panic!("{dpi} dpi: {e}"));
        assert_lines_up(&registered, &layout, &format!("{dpi} dpi"));
        assert_eq!(registered.quarter_turns, 0);
        assert!(
            registered.skew_degrees.abs() < 0.1,
            "{}",
            registered.skew_degrees
        );
    }
}

#[test]
fn turned_and_skewed_scans_register_upright() {
    let layout = layout();
    // Every quarter turn, skewed both ways between them.
    for (quarter_turns, degrees) in [(0, 3.0_f32), (1, -3.0), (2, 3.0), (3, -3.0)] {
        let case = format!("{quarter_turns} quarter turns, {degrees} degrees");
        let page = skew(&turn(scan(150), quarter_turns), degrees);
        let registered = register(&page, &layout).unwrap_or_else(|e| panic!("{case}: {e}"));
        assert_eq!(registered.quarter_turns, quarter_turns, "{case}");
        let error = (registered.skew_degrees - degrees).abs();
        assert!(
            error < 0.2,
            "{case}: skew read as {}",
            registered.skew_degrees
        );
        assert_lines_up(&registered, &layout, &case);
    }
}

#[test]
fn a_turned_300_dpi_scan_registers() {
    let layout = layout();
    for quarter_turns in [1, 2] {
        let registered = register(&turn(scan(300), quarter_turns), &layout).unwrap();
        assert_eq!(registered.quarter_turns, quarter_turns);
        assert_lines_up(
            &registered,
            &layout,
            &format!("300 dpi, {quarter_turns} turns"),
        );
    }
}

#[test]
fn a_form_printed_at_97_percent_and_saved_as_jpeg_registers() {
    // "Fit to page" shrinks the print; the scanner saves a lossy JPEG.
    let page = scan(150);
    let (w, h) = page.dimensions();
    let shrunk = image::imageops::resize(
        page,
        w * 97 / 100,
        h * 97 / 100,
        image::imageops::FilterType::Triangle,
    );
    let mut jpeg = std::io::Cursor::new(Vec::new());
    skew(&shrunk, -1.2)
        .write_to(&mut jpeg, image::ImageFormat::Jpeg)
        .unwrap();
    let scanned = image::load_from_memory(jpeg.get_ref())
        .unwrap()
        .into_luma8();
    let registered = register(&scanned, &layout()).unwrap();
    assert!(
        (registered.skew_degrees + 1.2).abs() < 0.2,
        "{}",
        registered.skew_degrees
    );
    assert_lines_up(&registered, &layout(), "97 %, JPEG");
}

fn white_out(page: &mut GrayImage, b: BoxMm, dpi: u32) {
    let px = |mm: f64| (mm * f64::from(dpi) / 25.4).round() as i32;
    let rect = Rect::at(px(b[0] - 1.0), px(b[1] - 1.0))
        .of_size(px(b[2] + 2.0) as u32, px(b[3] + 2.0) as u32);
    draw_filled_rect_mut(page, rect, Luma([255]));
}

#[test]
fn a_covered_mark_is_placed_by_the_other_three() {
    let layout = layout();
    let mut page = scan(200).clone();
    white_out(&mut page, layout.marks[3].box_mm, 200);
    let registered = register(&skew(&page, 2.0), &layout).unwrap();
    assert_lines_up_but(&registered, &layout, "bottom right mark covered", Some(3));

    white_out(&mut page, layout.marks[0].box_mm, 200);
    assert_eq!(
        register(&page, &layout).err(),
        Some(NotRegistered::Marks { found: 2 })
    );
}

#[test]
fn another_version_of_the_form_is_named_not_misread() {
    let mut newer = layout();
    newer.version = 2;
    match register(scan(150), &newer) {
        Err(NotRegistered::OtherForm { qr, .. }) => {
            assert_eq!((qr.form.as_str(), qr.version), ("jobseeker-start", 1))
        }
        other => panic!("{:?}", other.map(|r| r.qr)),
    }
}

/// A letter: lines of "text", a ruled box, and black squares in the
/// corners where our marks would be.
fn letter() -> GrayImage {
    let mut page = GrayImage::from_pixel(1240, 1754, Luma([250]));
    for line in 0..30 {
        let y = 300.0 + line as f32 * 40.0;
        for word in 0..9 {
            let x = 120.0 + word as f32 * 110.0;
            for dy in 0..6 {
                draw_line_segment_mut(
                    &mut page,
                    (x, y + dy as f32),
                    (x + 80.0, y + dy as f32),
                    Luma([30]),
                );
            }
        }
    }
    for (x, y) in [(60, 60), (1150, 60), (60, 1660), (1150, 1660)] {
        draw_filled_rect_mut(&mut page, Rect::at(x, y).of_size(30, 30), Luma([0]));
    }
    page
}

#[test]
fn a_letter_is_not_registered() {
    assert_eq!(
        register(&letter(), &layout()).err(),
        Some(NotRegistered::NoQr)
    );
}

#[test]
fn a_page_with_someone_elses_qr_code_is_not_ours() {
    let mut page = letter();
    let code = qrcode::QrCode::new(b"https://example.org/some/page").unwrap();
    let width = code.width() as i32;
    for (i, colour) in code.to_colors().into_iter().enumerate() {
        if colour == qrcode::Color::Dark {
            let (x, y) = (i as i32 % width, i as i32 / width);
            draw_filled_rect_mut(
                &mut page,
                Rect::at(960 + x * 6, 100 + y * 6).of_size(6, 6),
                Luma([0]),
            );
        }
    }
    assert_eq!(
        register(&page, &layout()).err(),
        Some(NotRegistered::ForeignQr(QrPayloadError::NotOurs))
    );
}

/// A small deterministic noise source, so that failures repeat.
struct Noise(u64);

impl Noise {
    fn next(&mut self) -> u32 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        (self.0 >> 32) as u32
    }
}

/// The back of a form out of a duplex scanner at 200 dpi: paper with
/// noise, a shadow along two edges, dust, and the front showing through
/// (mirrored, faint).
fn duplex_back() -> GrayImage {
    let front = scan(200);
    let mut noise = Noise(0x9e37_79b9_7f4a_7c15);
    let (w, h) = front.dimensions();
    let mut page = GrayImage::from_fn(w, h, |x, y| {
        let through = 255 - u32::from(front.get_pixel(w - 1 - x, y).0[0]);
        let mut level = 238 - (through * 30 / 255) as i32 + (noise.next() % 17) as i32 - 8;
        // Shadows along the left and bottom edges.
        level -= (90 - x as i32).max(0) + (60 - (h - 1 - y) as i32).max(0) * 2;
        Luma([level.clamp(0, 255) as u8])
    });
    for _ in 0..40 {
        let (x, y) = (noise.next() % w, noise.next() % h);
        draw_filled_circle_mut(&mut page, (x as i32, y as i32), 1, Luma([40]));
    }
    page
}

#[test]
fn a_duplex_back_with_noise_shadow_dust_and_show_through_is_blank() {
    assert!(is_blank(&duplex_back()));
    assert!(is_blank(&GrayImage::from_pixel(1654, 2339, Luma([255]))));
    // Registering says so before searching the whole page for a code; a
    // letter is searched and has none.
    assert_eq!(
        register(&duplex_back(), &layout()).err(),
        Some(NotRegistered::Blank)
    );
}

#[test]
fn a_form_or_a_short_handwritten_note_is_not_blank() {
    assert!(!is_blank(scan(200)));
    // "Ring mig" in ballpoint: a wavy 0.5 mm stroke about 45 mm long.
    let mut page = duplex_back();
    let mm = 200.0 / 25.4;
    let points: Vec<(f32, f32)> = (0..=200)
        .map(|i| {
            let t = i as f32 / 200.0;
            (
                80.0 * mm + t * 45.0 * mm,
                140.0 * mm + (t * 40.0).sin() * 2.5 * mm,
            )
        })
        .collect();
    for pair in points.windows(2) {
        for d in 0..4 {
            let o = d as f32 - 1.5;
            draw_line_segment_mut(
                &mut page,
                (pair[0].0, pair[0].1 + o),
                (pair[1].0, pair[1].1 + o),
                Luma([70]),
            );
        }
    }
    assert!(!is_blank(&page));
}
