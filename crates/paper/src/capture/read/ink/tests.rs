//! Ink on synthetic boxes: a frame printed off its place, specks kept out
//! of a crop, faint writing on grey paper, ink around a box's edge.

use super::*;
use image::Luma;

fn page_with_box(r: Rect) -> GrayImage {
    let mut image = GrayImage::from_pixel(200, 200, Luma([255]));
    for x in r.x..=r.x + r.w {
        for y in [r.y, r.y + r.h] {
            image.put_pixel(x as u32, y as u32, Luma([0]));
        }
    }
    for y in r.y..=r.y + r.h {
        for x in [r.x, r.x + r.w] {
            image.put_pixel(x as u32, y as u32, Luma([0]));
        }
    }
    image
}

#[test]
fn a_frame_printed_off_its_place_is_found() {
    let expected = Rect {
        x: 50,
        y: 60,
        w: 40,
        h: 40,
    };
    let image = page_with_box(expected.offset((5, -7)));
    assert_eq!(snap(&image, &[expected]), (5, -7));
    let blank = GrayImage::from_pixel(200, 200, Luma([255]));
    assert_eq!(snap(&blank, &[expected]), (0, 0));
}

#[test]
fn the_printed_frame_is_not_ink_inside_a_box() {
    let r = Rect {
        x: 50,
        y: 60,
        w: 40,
        h: 40,
    };
    let image = page_with_box(r);
    let sheet = Sheet::new(&image);
    assert_eq!(sheet.measure(r.shrink(CLEAR_OF_LINES_PX)).dark, 0);
    assert_eq!(
        sheet.writing_crop(r, Holds::Line),
        None,
        "edge lines are whitened"
    );
}

#[test]
fn a_speck_far_from_the_writing_is_left_out_of_the_crop() {
    let mut image = GrayImage::from_pixel(300, 60, Luma([255]));
    let mut dab = |x0: u32, y0: u32, w: u32, h: u32| {
        for x in x0..x0 + w {
            for y in y0..y0 + h {
                image.put_pixel(x, y, Luma([0]));
            }
        }
    };
    dab(10, 10, 40, 30); // the writing
    dab(53, 36, 3, 3); // a full stop close to it
    dab(250, 12, 2, 2); // dust
    let sheet = Sheet::new(&image);
    let whole = Rect {
        x: 0,
        y: 0,
        w: 300,
        h: 60,
    };
    let crop = sheet.writing_crop(whole, Holds::Line).unwrap();
    assert_eq!(crop.dimensions(), (46, 30), "writing and its stop only");
}

#[test]
fn a_speck_in_a_cells_corner_is_left_out_but_a_piece_of_the_character_is_kept() {
    let crop = |holds: Holds, pieces: &[(u32, u32, u32, u32)]| {
        let mut image = GrayImage::from_pixel(44, 60, Luma([255]));
        for &(x0, y0, w, h) in pieces {
            for x in x0..x0 + w {
                for y in y0..y0 + h {
                    image.put_pixel(x, y, Luma([0]));
                }
            }
        }
        let whole = Rect {
            x: 0,
            y: 0,
            w: 44,
            h: 60,
        };
        Sheet::new(&image)
            .writing_crop(whole, holds)
            .unwrap()
            .dimensions()
    };
    let (five, speck) = ((14, 16, 16, 36), (38, 4, 2, 2));
    let broken_bar = (14, 10, 12, 2);
    assert_eq!(crop(Holds::Character, &[five, speck]), (16, 36), "dust");
    assert_eq!(crop(Holds::Character, &[five, broken_bar]), (16, 42));
    // In a line the same speck may be a dot or a stop: it is kept.
    assert_eq!(crop(Holds::Line, &[five, speck]), (26, 48));
}

#[test]
fn faint_writing_on_grey_paper_is_ink_and_reaches_ocr_dark() {
    let mut image = GrayImage::from_pixel(200, 200, Luma([232]));
    for x in 60..90 {
        for y in 70..73 {
            image.put_pixel(x, y, Luma([185]));
        }
    }
    image.put_pixel(120, 120, Luma([215])); // noise, not ink
    let sheet = Sheet::new(&image);
    assert_eq!(sheet.paper, 232);
    let whole = Rect {
        x: 0,
        y: 0,
        w: 200,
        h: 200,
    };
    let ink = sheet.measure(whole);
    assert_eq!(ink.dark, 90);
    assert_eq!(
        ink.bounds,
        Some(Rect {
            x: 60,
            y: 70,
            w: 30,
            h: 3
        })
    );
    let crop = sheet.writing_crop(whole, Holds::Line).unwrap();
    assert_eq!(crop.dimensions(), (30, 3));
    assert!(crop.pixels().all(|p| p.0[0] == 0), "stretched to black");
}

#[test]
fn ink_around_a_box_is_measured_off_its_label_side() {
    let r = Rect {
        x: 50,
        y: 60,
        w: 40,
        h: 40,
    };
    let mut image = GrayImage::from_pixel(200, 200, Luma([255]));
    // A label to the right of the box is not "around" it.
    for x in 95..150 {
        for y in 60..100 {
            image.put_pixel(x, y, Luma([0]));
        }
    }
    let sheet = Sheet::new(&image);
    assert_eq!(sheet.around(r, 3, 8), 0.0);
    for x in 40..100 {
        for y in 50..110 {
            image.put_pixel(x, y, Luma([0]));
        }
    }
    assert_eq!(Sheet::new(&image).around(r, 3, 8), 1.0);
}
