//! Decoding: each format page by page, and every kind of bad input refused
//! with a message a person can act on, before it costs memory.

use std::io::Cursor;

use image::{GrayImage, ImageFormat, Luma, Rgb, RgbImage};

use super::tiff::{self, Strip};
use super::{DecodeError, DecodeLimits, FileKind, Page, PageContent, open, open_bytes};

mod bombs;
mod fax;
mod pdf;
mod render;

fn limits() -> DecodeLimits {
    DecodeLimits::default()
}

fn all(bytes: Vec<u8>) -> Vec<Result<Page, DecodeError>> {
    open_bytes(bytes, &limits()).unwrap().collect()
}

fn image(page: &Result<Page, DecodeError>) -> &GrayImage {
    match page {
        Ok(Page {
            content: PageContent::Image(image),
            ..
        }) => image,
        other => panic!("expected an image page, got {other:?}"),
    }
}

/// A grey ramp with a mark in it, so that orientation and content show.
fn ramp(width: u32, height: u32, seed: u8) -> GrayImage {
    GrayImage::from_fn(width, height, |x, y| {
        Luma([((x * 7 + y * 3) as u8).wrapping_add(seed)])
    })
}

fn flat(width: u32, height: u32, level: u8) -> GrayImage {
    GrayImage::from_pixel(width, height, Luma([level]))
}

fn mean(image: &GrayImage) -> f64 {
    image.pixels().map(|p| f64::from(p.0[0])).sum::<f64>() / (image.width() * image.height()) as f64
}

fn encode(image: &GrayImage, format: ImageFormat) -> Vec<u8> {
    let mut out = Cursor::new(Vec::new());
    image.write_to(&mut out, format).unwrap();
    out.into_inner()
}

#[test]
fn a_zero_byte_file_is_refused_as_empty() {
    let file = tempfile::NamedTempFile::new().unwrap();
    let error = open(file.path(), &limits()).err().unwrap();
    assert!(matches!(error, DecodeError::Empty));
    assert_eq!(error.to_string(), "the file is empty (0 bytes)");
}

#[test]
fn a_file_over_the_size_limit_is_refused_before_it_is_read() {
    let mut file = tempfile::NamedTempFile::new().unwrap();
    std::io::Write::write_all(&mut file, &[0u8; 2048]).unwrap();
    let small = DecodeLimits {
        max_file_bytes: 1024,
        ..limits()
    };
    let error = open(file.path(), &small).err().unwrap();
    assert!(
        matches!(
            error,
            DecodeError::FileTooLarge {
                size: 2048,
                limit: 1024
            }
        ),
        "{error}"
    );
}

#[test]
fn other_formats_are_named_and_refused() {
    let gif = b"GIF89a\x04\x00\x04\x00\x00\x00\x00;".to_vec();
    let error = open_bytes(gif, &limits()).err().unwrap();
    assert!(error.to_string().contains("GIF"), "{error}");
    let error = open_bytes(b"Dear office, ...".to_vec(), &limits())
        .err()
        .unwrap();
    assert!(
        matches!(error, DecodeError::UnknownFormat { found: None }),
        "{error}"
    );
}

#[test]
fn png_and_jpeg_give_one_grey_page_in_their_own_orientation() {
    let wide = ramp(300, 200, 0);
    let pages = all(encode(&wide, ImageFormat::Png));
    assert_eq!(pages.len(), 1);
    assert_eq!(image(&pages[0]), &wide);

    let colour = RgbImage::from_pixel(120, 80, Rgb([255, 0, 0]));
    let mut jpeg = Cursor::new(Vec::new());
    colour.write_to(&mut jpeg, ImageFormat::Jpeg).unwrap();
    let pages = open_bytes(jpeg.into_inner(), &limits()).unwrap();
    assert_eq!(pages.kind(), FileKind::Jpeg);
    let pages: Vec<_> = pages.collect();
    let grey = image(&pages[0]);
    assert_eq!(grey.dimensions(), (120, 80));
    // Pure red's luma (Rec. 709) is 54.
    assert!((mean(grey) - 54.0).abs() < 4.0, "{}", mean(grey));
}

#[test]
fn a_truncated_jpeg_is_a_clear_error() {
    let jpeg = encode(&ramp(400, 300, 9), ImageFormat::Jpeg);
    let half = jpeg[..jpeg.len() / 2].to_vec();
    let error = match open_bytes(half, &limits()) {
        Err(error) => error,
        Ok(mut pages) => pages
            .next()
            .unwrap()
            .expect_err("half a JPEG must not decode"),
    };
    assert!(
        matches!(error, DecodeError::CorruptImage { format: "JPEG", .. }),
        "{error}"
    );
    assert!(
        error
            .to_string()
            .starts_with("the JPEG image is truncated or corrupt"),
        "{error}"
    );
}

/// A PNG whose header claims 40,000 x 40,000 pixels and whose data is a
/// few bytes: the size must be refused from the header, or the test would
/// allocate 1.6 GB.
fn huge_png() -> Vec<u8> {
    let mut header = Vec::new();
    header.extend_from_slice(&40_000u32.to_be_bytes());
    header.extend_from_slice(&40_000u32.to_be_bytes());
    header.extend_from_slice(&[1, 0, 0, 0, 0]);
    let mut png = b"\x89PNG\r\n\x1a\n".to_vec();
    super::pdf_wrap::png_chunk(&mut png, b"IHDR", &header);
    super::pdf_wrap::png_chunk(
        &mut png,
        b"IDAT",
        &[0x78, 0x9c, 0x03, 0x00, 0x00, 0x00, 0x00, 0x01],
    );
    super::pdf_wrap::png_chunk(&mut png, b"IEND", &[]);
    png
}

#[test]
fn a_huge_png_is_refused_from_its_header() {
    let error = open_bytes(huge_png(), &limits()).err().unwrap();
    assert!(
        matches!(
            error,
            DecodeError::TooManyPixels {
                width: 40_000,
                height: 40_000,
                ..
            }
        ),
        "{error}"
    );
    assert_eq!(
        error.to_string(),
        "the page is 40000 x 40000 pixels, over the limit of 80 million"
    );
}

fn strip(image: &GrayImage) -> Strip<'_> {
    Strip {
        width: image.width(),
        height: image.height(),
        bits_per_sample: 8,
        samples: 1,
        photometric: tiff::PHOTOMETRIC_BLACK_IS_ZERO,
        compression: tiff::COMPRESSION_NONE,
        predictor: 1,
        data: image.as_raw(),
    }
}

#[test]
fn a_multi_page_tiff_gives_every_page_in_order() {
    let pages = [ramp(200, 300, 0), ramp(300, 200, 50), flat(64, 64, 200)];
    let file = tiff::write(&pages.iter().map(strip).collect::<Vec<_>>());
    let opened = open_bytes(file, &limits()).unwrap();
    assert_eq!((opened.kind(), opened.page_count()), (FileKind::Tiff, 3));
    let read: Vec<_> = opened.collect();
    for (i, (got, want)) in read.iter().zip(&pages).enumerate() {
        assert_eq!(got.as_ref().unwrap().number, i as u32 + 1);
        assert_eq!(image(got), want, "page {}", i + 1);
    }
}

#[test]
fn a_tiff_cut_short_reports_the_pages_it_lost() {
    let pages = [ramp(100, 100, 0), ramp(100, 100, 1)];
    let mut file = tiff::write(&pages.iter().map(strip).collect::<Vec<_>>());
    // Cut inside the second page's directory.
    let second = 8 + (2 + 11 * 12 + 4) + 100 * 100;
    file.truncate(second + 10);
    let read = all(file);
    assert_eq!(read.len(), 2);
    assert_eq!(image(&read[0]), &pages[0]);
    let error = read[1].as_ref().err().unwrap();
    assert_eq!(error.page(), Some(2));
    assert!(error.to_string().contains("damaged"), "{error}");
}

#[test]
fn a_huge_tiff_page_is_refused_and_the_next_page_read() {
    let small = ramp(50, 50, 3);
    let mut huge = strip(&small);
    huge.width = 40_000;
    huge.height = 40_000;
    let read = all(tiff::write(&[huge, strip(&small)]));
    let error = read[0].as_ref().err().unwrap();
    assert!(
        error.to_string().contains("40000 x 40000 pixels"),
        "{error}"
    );
    assert_eq!(image(&read[1]), &small);
}

#[test]
fn pages_and_errors_can_move_to_a_worker_thread() {
    fn send<T: Send + 'static>() {}
    send::<super::Pages>();
    send::<DecodeError>();
}
