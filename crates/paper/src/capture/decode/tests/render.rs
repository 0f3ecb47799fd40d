//! PDF pages drawn as a viewer shows them: the fast path for a page that
//! is one image gives the pixels drawing gives, /Rotate is honoured, and a
//! page claiming to be huge is drawn within the pixel budget.

use std::sync::Arc;

use image::{GrayImage, Luma};
use lopdf::{Object, Stream, dictionary};

use super::pdf::{PdfBuilder, jpeg_xobject};
use super::{all, image, limits};
use crate::capture::decode::pdf_render::{PdfRenderer, render_budget};
use crate::capture::decode::{DecodeLimits, Page, PageContent, open_bytes};

/// A scan-like page: paper, a grey band and black boxes and lines.
fn scan(width: u32, height: u32) -> GrayImage {
    GrayImage::from_fn(width, height, |x, y| {
        let ink = (x / 40 + y / 60) % 7 == 0 || y % 97 < 3;
        let band = (height / 3..height / 2).contains(&y);
        Luma([if ink {
            10
        } else if band {
            150
        } else {
            235
        }])
    })
}

fn drawn(bytes: Vec<u8>, limits: &DecodeLimits) -> GrayImage {
    PdfRenderer::new(Arc::new(bytes)).render(0, limits).unwrap()
}

fn agreement(a: &GrayImage, b: &GrayImage) -> f64 {
    assert_eq!(a.dimensions(), b.dimensions());
    let close = a
        .pixels()
        .zip(b.pixels())
        .filter(|(p, q)| p.0[0].abs_diff(q.0[0]) <= 32)
        .count();
    close as f64 / f64::from(a.width() * a.height())
}

/// The A4 page (595 x 842 points) at 300 dpi.
const A4_AT_300: (u32, u32) = (2479, 3508);

#[test]
fn a_page_that_is_one_image_gives_the_pixels_drawing_it_gives() {
    let page = scan(A4_AT_300.0, A4_AT_300.1);
    let mut pdf = PdfBuilder::new();
    pdf.image_page(jpeg_xobject(&page));
    let bytes = pdf.finish();
    let fast = all(bytes.clone());
    let fast = image(&fast[0]);
    let slow = drawn(bytes, &limits());
    assert_eq!(fast.dimensions(), A4_AT_300);
    let share = agreement(fast, &slow);
    assert!(share >= 0.99, "{share:.4} of pixels agree");
}

#[test]
fn an_image_with_a_stencil_mask_is_drawn_not_taken_as_the_page() {
    // The scan's paper as one image, its ink as a stencil over it: the
    // largest image alone (the paper) would be blank.
    let (w, h) = (600, 850);
    let mut pdf = PdfBuilder::new();
    let paper = pdf.doc.add_object(jpeg_xobject(&GrayImage::from_pixel(
        w / 3,
        h / 3,
        Luma([230]),
    )));
    let stride = w.div_ceil(8) as usize;
    // Samples of 0 are painted: a black bar across the middle.
    let bits: Vec<u8> = (0..h)
        .flat_map(|y| {
            let row = if (400..450).contains(&y) { 0x00 } else { 0xff };
            vec![row; stride]
        })
        .collect();
    let stencil = pdf.doc.add_object(Stream::new(
        dictionary! {
            "Type" => "XObject", "Subtype" => "Image", "Width" => w, "Height" => h,
            "ImageMask" => true, "BitsPerComponent" => 1,
        },
        bits,
    ));
    let content = b"q 595 0 0 842 0 0 cm /Paper Do Q q 0 g 595 0 0 842 0 0 cm /Ink Do Q".to_vec();
    let content = pdf.doc.add_object(Stream::new(dictionary! {}, content));
    pdf.page(
        content,
        dictionary! { "XObject" => dictionary! { "Paper" => paper, "Ink" => stencil } },
    );
    let read = all(pdf.finish());
    let page = image(&read[0]);
    assert_eq!(page.dimensions(), A4_AT_300);
    let (mid_x, bar_y) = (page.width() / 2, page.height() * 425 / 850);
    assert!(page.get_pixel(mid_x, bar_y).0[0] < 40, "the ink is drawn");
    assert!(page.get_pixel(mid_x, 100).0[0] > 200, "the paper is drawn");
}

#[test]
fn rotate_turns_drawn_and_image_pages_alike() {
    let mut pdf = PdfBuilder::new();
    pdf.text_page("Turned on its side");
    pdf.image_page(jpeg_xobject(&scan(300, 424)));
    let mut doc = pdf.document();
    for page_id in doc.get_pages().into_values() {
        let page = doc.get_dictionary_mut(page_id).unwrap();
        page.set("Rotate", 90);
    }
    let mut bytes = Vec::new();
    doc.save_to(&mut bytes).unwrap();
    let read = all(bytes);
    match &read[0] {
        Ok(Page {
            content: PageContent::Digital { image, text },
            ..
        }) => {
            assert!(text.contains("Turned"), "{text:?}");
            assert_eq!(image.dimensions(), (A4_AT_300.1, A4_AT_300.0));
        }
        other => panic!("{other:?}"),
    }
    assert_eq!(image(&read[1]).dimensions(), (424, 300));
}

#[test]
fn a_page_claiming_to_be_huge_is_drawn_within_the_pixel_budget() {
    let mut pdf = PdfBuilder::new();
    pdf.text_page("A poster");
    let mut doc = pdf.document();
    for page_id in doc.get_pages().into_values() {
        let page = doc.get_dictionary_mut(page_id).unwrap();
        let side = Object::Integer(14_400);
        page.set("MediaBox", vec![0.into(), 0.into(), side.clone(), side]);
    }
    let mut bytes = Vec::new();
    doc.save_to(&mut bytes).unwrap();
    for limits in [
        limits(),
        DecodeLimits {
            max_pixels: 400_000,
            ..limits()
        },
    ] {
        let read: Vec<_> = open_bytes(bytes.clone(), &limits).unwrap().collect();
        let Ok(Page {
            content: PageContent::Digital { image, .. },
            ..
        }) = &read[0]
        else {
            panic!("{:?}", read[0]);
        };
        let pixels = u64::from(image.width()) * u64::from(image.height());
        assert!(pixels <= render_budget(&limits), "{pixels} pixels");
        assert!(pixels >= render_budget(&limits) * 9 / 10, "{pixels} pixels");
    }
}
