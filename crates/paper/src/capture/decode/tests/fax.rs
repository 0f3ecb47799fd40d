//! Fax TIFFs (issue 11): Modified Huffman, Group 3 1-D and 2-D, Group 4
//! with its bits reversed, 200 x 100 dpi pages stretched to square pixels,
//! and the photometric interpretation on every bilevel path.

use fax::maps::{black, white};
use fax::{BitWriter, Bits, Color, VecWriter};
use image::GrayImage;

use super::{all, image, limits};
use crate::capture::decode::open_bytes;

const WIDTH: u32 = 200;
const HEIGHT: u32 = 24;
const EOL: Bits = Bits { data: 1, len: 12 };

/// A box, a line down the right edge, and a last line that is half ink.
fn ink(x: u32, y: u32) -> bool {
    ((20..60).contains(&x) && (5..15).contains(&y)) || x == 150 || (y == HEIGHT - 1 && x < 100)
}

fn lines() -> Vec<Vec<bool>> {
    (0..HEIGHT)
        .map(|y| (0..WIDTH).map(|x| ink(x, y)).collect())
        .collect()
}

/// The page as decoded: 0 for ink, 255 for paper; each line `times`.
fn expected(times: u32) -> GrayImage {
    GrayImage::from_fn(WIDTH, HEIGHT * times, |x, y| {
        image::Luma([if ink(x, y / times) { 0 } else { 255 }])
    })
}

fn run(out: &mut VecWriter, is_black: bool, mut n: u16) {
    let mut put = |n: u16| {
        let bits = if is_black {
            black::encode(n)
        } else {
            white::encode(n)
        };
        out.write(bits.unwrap()).unwrap();
    };
    while n >= 2560 {
        put(2560);
        n -= 2560;
    }
    if n >= 64 {
        put(n & !63);
        n &= 63;
    }
    put(n);
}

fn line_1d(out: &mut VecWriter, line: &[bool]) {
    let mut is_black = false;
    let mut x = 0;
    loop {
        let n = line[x..].iter().take_while(|&&b| b == is_black).count();
        run(out, is_black, n as u16);
        x += n;
        if x == line.len() {
            break;
        }
        is_black = !is_black;
    }
}

fn modified_huffman(lines: &[Vec<bool>]) -> Vec<u8> {
    let mut out = VecWriter::new();
    for line in lines {
        line_1d(&mut out, line);
        out.pad();
    }
    out.finish()
}

/// An EOL before each line, as libtiff writes; `rtc` adds the six EOLs a
/// fax machine ends a page with.
fn group3(lines: &[Vec<bool>], rtc: bool) -> Vec<u8> {
    let mut out = VecWriter::new();
    for line in lines {
        out.write(EOL).unwrap();
        line_1d(&mut out, line);
    }
    if rtc {
        for _ in 0..6 {
            out.write(EOL).unwrap();
        }
    }
    out.finish()
}

fn group4(lines: &[Vec<bool>]) -> Vec<u8> {
    let mut encoder = fax::encoder::Encoder::new(VecWriter::new());
    for line in lines {
        let pels = line
            .iter()
            .map(|&b| if b { Color::Black } else { Color::White });
        encoder.encode_line(pels, WIDTH as u16).unwrap();
    }
    encoder.finish().unwrap().finish()
}

fn reversed(data: &[u8]) -> Vec<u8> {
    data.iter().map(|b| b.reverse_bits()).collect()
}

struct Page<'a> {
    compression: u32,
    photometric: u32,
    fill_order: u32,
    t4_options: u32,
    y_dpi: u32,
    width: u32,
    height: u32,
    data: &'a [u8],
}

fn page(compression: u32, data: &[u8]) -> Page<'_> {
    Page {
        compression,
        photometric: 0,
        fill_order: 1,
        t4_options: 0,
        y_dpi: 200,
        width: WIDTH,
        height: HEIGHT,
        data,
    }
}

/// A little-endian one-page TIFF: the strip at byte 8, the directory and
/// the resolutions after it.
fn tiff(page: &Page) -> Vec<u8> {
    const SHORT: u16 = 3;
    const LONG: u16 = 4;
    const RATIONAL: u16 = 5;
    let mut out = b"II\x2a\x00\x00\x00\x00\x00".to_vec();
    out.extend_from_slice(page.data);
    if out.len() % 2 == 1 {
        out.push(0);
    }
    let directory_at = out.len() as u32;
    out[4..8].copy_from_slice(&directory_at.to_le_bytes());
    let tags: [(u16, u16, u32); 14] = [
        (256, LONG, page.width),
        (257, LONG, page.height),
        (258, SHORT, 1),
        (259, SHORT, page.compression),
        (262, SHORT, page.photometric),
        (266, SHORT, page.fill_order),
        (273, LONG, 8),
        (277, SHORT, 1),
        (278, LONG, page.height),
        (279, LONG, page.data.len() as u32),
        (282, RATIONAL, 0),
        (283, RATIONAL, 1),
        (292, LONG, page.t4_options),
        (296, SHORT, 2),
    ];
    let rationals_at = directory_at + 2 + 12 * tags.len() as u32 + 4;
    out.extend_from_slice(&(tags.len() as u16).to_le_bytes());
    for (tag, kind, value) in tags {
        out.extend_from_slice(&tag.to_le_bytes());
        out.extend_from_slice(&kind.to_le_bytes());
        out.extend_from_slice(&1u32.to_le_bytes());
        let value = if kind == RATIONAL {
            rationals_at + 8 * value
        } else {
            value
        };
        out.extend_from_slice(&value.to_le_bytes());
    }
    out.extend_from_slice(&0u32.to_le_bytes());
    for dpi in [200, page.y_dpi] {
        out.extend_from_slice(&dpi.to_le_bytes());
        out.extend_from_slice(&1u32.to_le_bytes());
    }
    out
}

fn read(page: &Page) -> GrayImage {
    let pages = all(tiff(page));
    assert_eq!(pages.len(), 1);
    image(&pages[0]).clone()
}

fn assert_same(got: &GrayImage, want: &GrayImage) {
    assert_eq!(got.dimensions(), want.dimensions());
    let wrong = got
        .enumerate_pixels()
        .filter(|(x, y, p)| want.get_pixel(*x, *y) != *p)
        .count();
    assert_eq!(wrong, 0, "{wrong} pixels differ");
}

#[test]
fn modified_huffman_reads_as_a_grey_page() {
    let data = modified_huffman(&lines());
    let got = read(&page(2, &data));
    assert_same(&got, &expected(1));
    // Spot checks: paper, the box, the line down the edge.
    assert_eq!(got.get_pixel(0, 0).0, [255]);
    assert_eq!(got.get_pixel(30, 10).0, [0]);
    assert_eq!(got.get_pixel(150, 0).0, [0]);
    assert_eq!(got.get_pixel(151, 0).0, [255]);
}

#[test]
fn group3_1d_reads_with_and_without_the_end_of_page_eols() {
    for rtc in [true, false] {
        let data = group3(&lines(), rtc);
        assert_same(&read(&page(3, &data)), &expected(1));
    }
}

#[test]
fn group3_1d_with_byte_aligned_eols_reads() {
    let mut out = VecWriter::new();
    for line in lines() {
        // Fill bits so that each EOL ends on a byte boundary.
        out.pad();
        out.write(Bits { data: 0, len: 4 }).unwrap();
        out.write(EOL).unwrap();
        line_1d(&mut out, &line);
    }
    let data = out.finish();
    let mut page = page(3, &data);
    page.t4_options = 4;
    assert_same(&read(&page), &expected(1));
}

#[test]
fn group3_2d_reads_lines_coded_against_the_one_above() {
    // Ink at 50..100 on lines 0 and 1, 51..101 on line 2, 0..10 on line 3.
    let width = WIDTH as usize;
    let mut out = VecWriter::new();
    let line = |from: usize, to: usize| (0..width).map(|x| (from..to).contains(&x)).collect();
    let first: Vec<bool> = line(50, 100);
    let last: Vec<bool> = line(0, 10);
    let one =
        |out: &mut VecWriter, bits: u16, len: u8| out.write(Bits { data: bits, len }).unwrap();
    // Line 0, 1-D.
    out.write(EOL).unwrap();
    one(&mut out, 1, 1);
    line_1d(&mut out, &first);
    // Line 1, 2-D: the same changes (V0 three times).
    out.write(EOL).unwrap();
    one(&mut out, 0, 1);
    one(&mut out, 0b111, 3);
    // Line 2, 2-D: each change one to the right (VR1, VR1, V0).
    out.write(EOL).unwrap();
    one(&mut out, 0, 1);
    one(&mut out, 0b011, 3);
    one(&mut out, 0b011, 3);
    one(&mut out, 1, 1);
    // Line 3, 1-D.
    out.write(EOL).unwrap();
    one(&mut out, 1, 1);
    line_1d(&mut out, &last);
    let data = out.finish();
    let mut page = page(3, &data);
    page.t4_options = 1;
    page.height = 4;
    let got = read(&page);
    let want = GrayImage::from_fn(WIDTH, 4, |x, y| {
        let x = x as usize;
        let ink = match y {
            0 | 1 => (50..100).contains(&x),
            2 => (51..101).contains(&x),
            _ => x < 10,
        };
        image::Luma([if ink { 0 } else { 255 }])
    });
    assert_same(&got, &want);
}

#[test]
fn a_fax_at_half_the_vertical_resolution_is_stretched_to_square_pixels() {
    for (compression, data) in [
        (2, modified_huffman(&lines())),
        (3, group3(&lines(), true)),
        (4, group4(&lines())),
    ] {
        let mut page = page(compression, &data);
        page.y_dpi = 100;
        let got = read(&page);
        assert_eq!(
            got.dimensions(),
            (WIDTH, 2 * HEIGHT),
            "compression {compression}"
        );
        assert_same(&got, &expected(2));
        // Both copies of a line of the box.
        assert_eq!(got.get_pixel(30, 10).0, [0]);
        assert_eq!(got.get_pixel(30, 11).0, [0]);
        assert_eq!(got.get_pixel(30, 30).0, [255]);
    }
}

#[test]
fn fill_order_2_gives_the_same_pixels_as_fill_order_1() {
    let packed: Vec<u8> = lines()
        .iter()
        .flat_map(|line| {
            line.chunks(8)
                .map(|bits| {
                    bits.iter()
                        .enumerate()
                        .fold(0u8, |byte, (i, &b)| byte | (u8::from(b) << (7 - i)))
                })
                .collect::<Vec<_>>()
        })
        .collect();
    for (compression, data) in [
        (1, packed),
        (2, modified_huffman(&lines())),
        (3, group3(&lines(), false)),
        (4, group4(&lines())),
    ] {
        for photometric in [0, 1] {
            let mut normal = page(compression, &data);
            normal.photometric = photometric;
            let want = read(&normal);
            let flipped = reversed(&data);
            let mut page = page(compression, &flipped);
            page.photometric = photometric;
            page.fill_order = 2;
            assert_same(&read(&page), &want);
            if photometric == 0 {
                assert_same(&want, &expected(1));
            }
        }
    }
}

#[test]
fn black_is_zero_turns_every_bilevel_path_the_other_way() {
    let inverted = |image: &GrayImage| {
        let mut image = image.clone();
        image::imageops::invert(&mut image);
        image
    };
    for (compression, data) in [
        (2, modified_huffman(&lines())),
        (3, group3(&lines(), true)),
        (4, group4(&lines())),
    ] {
        let mut page = page(compression, &data);
        page.photometric = 1;
        assert_same(&read(&page), &inverted(&expected(1)));
    }
}

#[test]
fn a_fax_page_over_the_pixel_limit_is_refused_before_it_is_decoded() {
    let data = group3(&lines(), true);
    let mut huge = page(3, &data);
    huge.height = 2_000_000_000;
    let pages = all(tiff(&huge));
    assert!(
        format!("{:?}", pages[0]).contains("TooManyPixels"),
        "{:?}",
        pages[0]
    );
    // Within the limit as stored, over it once stretched.
    let small = crate::capture::decode::DecodeLimits {
        max_pixels: u64::from(WIDTH * HEIGHT) + 10,
        ..limits()
    };
    let mut half = page(3, &data);
    half.y_dpi = 100;
    let pages: Vec<_> = open_bytes(tiff(&half), &small).unwrap().collect();
    assert!(
        format!("{:?}", pages[0]).contains("TooManyPixels"),
        "{:?}",
        pages[0]
    );
}

#[test]
fn a_fax_cut_short_keeps_the_lines_it_has() {
    let data = group3(&lines(), false);
    let cut = &data[..data.len() / 2];
    let got = read(&page(3, cut));
    assert_eq!(got.dimensions(), (WIDTH, HEIGHT));
    assert_eq!(got.get_pixel(150, 0).0, [0]);
    assert_eq!(got.get_pixel(150, HEIGHT - 2).0, [255]);
    let garbage = [0u8; 40];
    let pages = all(tiff(&page(2, &garbage)));
    assert!(
        format!("{:?}", pages[0]).contains("CorruptImage"),
        "{:?}",
        pages[0]
    );
}

/// A one-strip uncompressed page of `bits` a sample; a palette goes after
/// the directory.
fn sample_tiff(
    photometric: u16,
    bits: u16,
    width: u32,
    height: u32,
    data: &[u8],
    map: &[u16],
) -> Vec<u8> {
    let mut out = b"II\x2a\x00\x00\x00\x00\x00".to_vec();
    out.extend_from_slice(data);
    if out.len() % 2 == 1 {
        out.push(0);
    }
    let directory_at = out.len() as u32;
    out[4..8].copy_from_slice(&directory_at.to_le_bytes());
    let mut tags: Vec<(u16, u16, u32, u32)> = vec![
        (256, 4, 1, width),
        (257, 4, 1, height),
        (258, 3, 1, u32::from(bits)),
        (259, 3, 1, 1),
        (262, 3, 1, u32::from(photometric)),
        (273, 4, 1, 8),
        (277, 3, 1, 1),
        (278, 4, 1, height),
        (279, 4, 1, data.len() as u32),
    ];
    let map_at = directory_at + 2 + 12 * (tags.len() as u32 + 1) + 4;
    if !map.is_empty() {
        tags.push((320, 3, map.len() as u32, map_at));
    }
    out.extend_from_slice(&(tags.len() as u16).to_le_bytes());
    for (tag, kind, count, value) in &tags {
        out.extend_from_slice(&tag.to_le_bytes());
        out.extend_from_slice(&kind.to_le_bytes());
        out.extend_from_slice(&count.to_le_bytes());
        out.extend_from_slice(&value.to_le_bytes());
    }
    out.extend_from_slice(&0u32.to_le_bytes());
    for v in map {
        out.extend_from_slice(&v.to_le_bytes());
    }
    out
}

#[test]
fn two_and_four_bit_grey_read_in_both_photometrics() {
    // 4 pixels a line, 2 lines: levels 0..3 then 3..0.
    let two_bit = [0b00_01_10_11, 0b11_10_01_00];
    let pages = all(sample_tiff(1, 2, 4, 2, &two_bit, &[]));
    let got = image(&pages[0]);
    assert_eq!(got.dimensions(), (4, 2));
    assert_eq!(got.as_raw(), &[0, 85, 170, 255, 255, 170, 85, 0]);
    let pages = all(sample_tiff(0, 2, 4, 2, &two_bit, &[]));
    assert_eq!(
        image(&pages[0]).as_raw(),
        &[255, 170, 85, 0, 0, 85, 170, 255]
    );
    let four_bit = [0x0F, 0xF0];
    let pages = all(sample_tiff(1, 4, 2, 2, &four_bit, &[]));
    assert_eq!(image(&pages[0]).as_raw(), &[0, 255, 255, 0]);
}

#[test]
fn a_palette_page_reads_as_the_luma_of_its_colours() {
    // 4-bit palette: 0 black, 1 white, 2 pure red; the rest black.
    let mut map = vec![0u16; 48];
    for channel in 0..3 {
        map[channel * 16 + 1] = 0xFFFF;
    }
    map[2] = 0xFFFF;
    let data = [0x12, 0x00];
    let pages = all(sample_tiff(3, 4, 2, 2, &data, &map));
    let got = image(&pages[0]);
    assert_eq!(got.dimensions(), (2, 2));
    assert_eq!(got.get_pixel(0, 0).0, [255]);
    assert_eq!(got.get_pixel(1, 0).0, [54]);
    assert_eq!(got.get_pixel(0, 1).0, [0]);
}
