//! A sheet-feeding office scanner, as the recogniser meets it: paper that
//! is not quite white, a sheet fed a little crooked or the wrong way round,
//! optics that soften, a sensor that adds noise, dust, and JPEG.

use image::imageops::{self, FilterType};
use image::{DynamicImage, GrayImage, Luma, Pixel, Rgb, RgbImage};
use imageproc::definitions::Image;
use imageproc::filter::gaussian_blur_f32;
use imageproc::geometric_transformations::{Interpolation, rotate_about_center};
use rand::Rng;
use serde::Serialize;

/// One scanning run (a batch or a single file): the machine's settings
/// and the paper, the same for every page.
#[derive(Debug, Clone)]
pub struct ScanRun {
    pub dpi: u32,
    pub colour: bool,
    /// What the scanner makes of white paper and of black toner.
    white: f32,
    black: f32,
    /// Colour scans: a faintly yellow paper.
    tint: [f32; 3],
    /// The feeder's backing, seen where a crooked sheet does not cover.
    backing: u8,
    noise_sigma: f64,
    blur_sigma: f32,
    /// Background suppression: near-white becomes white, as many scanners
    /// do by default (and lossless files stay a sane size).
    pub clean_background: bool,
    /// A black-and-white scan: grey at or above this level becomes white,
    /// the rest black, as an office scanner set to 1 bit per pixel makes
    /// it. Only for grey scans.
    pub bilevel: Option<u8>,
}

impl ScanRun {
    pub fn new(dpi: u32, colour: bool, rng: &mut impl Rng) -> ScanRun {
        ScanRun {
            dpi,
            colour,
            white: rng.random_range(238.0..=252.0),
            black: rng.random_range(12.0..=40.0),
            tint: [
                1.0,
                rng.random_range(0.975..=0.995),
                rng.random_range(0.9..=0.96),
            ],
            backing: if rng.random_bool(0.15) {
                rng.random_range(150..=210)
            } else {
                255
            },
            noise_sigma: rng.random_range(0.8..=2.5),
            blur_sigma: rng.random_range(0.35..=0.8),
            clean_background: rng.random_bool(0.6),
            bilevel: None,
        }
    }
}

/// How one page went through.
#[derive(Debug, Clone, Copy)]
pub struct PageFeed {
    /// Clockwise quarter turns of the whole sheet (fed sideways or upside down).
    pub quarter_turns: u8,
    /// Clockwise skew in degrees, before the quarter turns.
    pub skew_degrees: f32,
    pub dust: bool,
    /// A JPEG round trip inside the scanner, for lossless output files.
    pub jpeg_quality: Option<u8>,
}

impl PageFeed {
    pub fn random(quarter_turns: u8, rng: &mut impl Rng) -> PageFeed {
        PageFeed {
            quarter_turns,
            skew_degrees: rng.random_range(-3.0..=3.0),
            dust: rng.random_bool(0.3),
            jpeg_quality: None,
        }
    }
}

/// What the truth file says about a scanned page.
#[derive(Debug, Clone, Serialize)]
pub struct PageTruth {
    pub page: usize,
    pub dpi: u32,
    pub colour: bool,
    /// The upright page was turned this many quarter turns clockwise:
    /// undo by as many turns counter-clockwise.
    pub quarter_turns: u8,
    /// Clockwise skew of the upright page, before the quarter turns.
    pub skew_degrees: f32,
    /// Black and white only (1 bit per pixel).
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    pub bilevel: bool,
    pub width: u32,
    pub height: u32,
}

/// Scans a page image made at `run.dpi` (white paper = 255).
pub fn scan(page: &RgbImage, run: &ScanRun, feed: &PageFeed, rng: &mut impl Rng) -> DynamicImage {
    let seed = rng.random::<u64>();
    if run.colour {
        let tint = run.tint;
        let mut image = page.clone();
        for pixel in image.pixels_mut() {
            for (c, t) in pixel.0.iter_mut().zip(tint) {
                *c = level(*c, run.black, run.white * t);
            }
        }
        let scanned =
            DynamicImage::ImageRgb8(optics(image, run, feed, Rgb([run.backing; 3]), seed, rng));
        compress(scanned, feed)
    } else {
        let mut image: GrayImage = DynamicImage::ImageRgb8(page.clone()).into_luma8();
        for pixel in image.pixels_mut() {
            pixel.0[0] = level(pixel.0[0], run.black, run.white);
        }
        let mut scanned = optics(image, run, feed, Luma([run.backing]), seed, rng);
        if let Some(threshold) = run.bilevel {
            for pixel in scanned.pixels_mut() {
                pixel.0[0] = if pixel.0[0] >= threshold { 255 } else { 0 };
            }
        }
        compress(DynamicImage::ImageLuma8(scanned), feed)
    }
}

fn compress(image: DynamicImage, feed: &PageFeed) -> DynamicImage {
    match feed.jpeg_quality {
        Some(quality) => jpeg_round_trip(&image, quality),
        None => image,
    }
}

fn level(v: u8, black: f32, white: f32) -> u8 {
    (black + v as f32 / 255.0 * (white - black)).round() as u8
}

fn optics<P>(
    image: Image<P>,
    run: &ScanRun,
    feed: &PageFeed,
    backing: P,
    seed: u64,
    rng: &mut impl Rng,
) -> Image<P>
where
    P: Pixel<Subpixel = u8> + Send + Sync + 'static,
{
    let theta = feed.skew_degrees.to_radians();
    let mut image = if theta.abs() > 1e-4 {
        rotate_about_center(&image, theta, Interpolation::Bilinear, backing)
    } else {
        image
    };
    soften(&mut image, run.blur_sigma);
    sensor_noise(&mut image, run.noise_sigma as f32, seed);
    if feed.dust {
        dust(&mut image, run.dpi, rng);
    }
    if run.clean_background {
        let margin = 3.0 * run.noise_sigma as f32 + 6.0;
        let paper = if P::CHANNEL_COUNT == 3 {
            run.tint.map(|t| run.white * t - margin).to_vec()
        } else {
            vec![run.white - margin]
        };
        clean_background(&mut image, &paper);
    }
    match feed.quarter_turns % 4 {
        1 => imageops::rotate90(&image),
        2 => imageops::rotate180(&image),
        3 => imageops::rotate270(&image),
        _ => image,
    }
}

/// The optics' softening: one pass of a small binomial kernel each way,
/// [1 6 1]/8 (sigma 0.5) or [1 2 1]/4 (sigma 0.7), whichever is nearer.
fn soften<P>(image: &mut Image<P>, sigma: f32)
where
    P: Pixel<Subpixel = u8>,
{
    let (side, centre) = if sigma < 0.6 { (1u32, 6u32) } else { (1, 2) };
    let total = 2 * side + centre;
    let blend = |a: u8, b: u8, c: u8| {
        ((side * (a as u32 + c as u32) + centre * b as u32 + total / 2) / total) as u8
    };
    let (w, h) = image.dimensions();
    let channels = P::CHANNEL_COUNT as usize;
    let stride = w as usize * channels;
    let data: &mut [u8] = image;
    let mut previous = vec![0u8; stride];
    for row in data.chunks_mut(stride) {
        previous.copy_from_slice(row);
        for i in channels..stride - channels {
            row[i] = blend(previous[i - channels], previous[i], previous[i + channels]);
        }
    }
    // Down the columns a row at a time, keeping the unblurred rows above
    // and at the current one.
    let mut current = vec![0u8; stride];
    previous.copy_from_slice(&data[..stride]);
    current.copy_from_slice(&data[stride..2 * stride]);
    for y in 1..h as usize - 1 {
        let (done, rest) = data.split_at_mut((y + 1) * stride);
        let below = &rest[..stride];
        let row = &mut done[y * stride..];
        for i in 0..stride {
            row[i] = blend(previous[i], current[i], below[i]);
        }
        std::mem::swap(&mut previous, &mut current);
        current.copy_from_slice(below);
    }
}

/// Sensor noise, near enough Gaussian (a sum of four uniforms) and much
/// cheaper than drawing true normals for every sample of a page.
fn sensor_noise<P>(image: &mut Image<P>, sigma: f32, seed: u64)
where
    P: Pixel<Subpixel = u8>,
{
    let mut state = seed | 1;
    let mut next = || {
        state ^= state << 13;
        state ^= state >> 7;
        state ^= state << 17;
        state
    };
    // Four 16-bit uniforms summed have variance 4/12 of the unit square.
    let scale = sigma / (65536.0 * (4.0f32 / 12.0).sqrt());
    let data: &mut [u8] = image;
    for v in data.iter_mut() {
        let r = next();
        let sum = (r & 0xffff) + (r >> 16 & 0xffff) + (r >> 32 & 0xffff) + (r >> 48);
        let n = (sum as f32 - 2.0 * 65535.0) * scale;
        *v = (*v as f32 + n).round().clamp(0.0, 255.0) as u8;
    }
}

/// Whatever is as light as the paper, per channel, becomes white.
fn clean_background<P>(image: &mut Image<P>, paper: &[f32])
where
    P: Pixel<Subpixel = u8>,
{
    for pixel in image.pixels_mut() {
        let blank = pixel
            .channels()
            .iter()
            .zip(paper)
            .all(|(c, threshold)| *c as f32 >= *threshold);
        if blank {
            pixel.apply(|_| 255);
        }
    }
}

/// Specks and the odd hair on the glass: small dark blots at random.
fn dust<P>(image: &mut Image<P>, dpi: u32, rng: &mut impl Rng)
where
    P: Pixel<Subpixel = u8>,
{
    let (w, h) = image.dimensions();
    let ppm = dpi as f32 / 25.4;
    for _ in 0..rng.random_range(3..25) {
        let (cx, cy) = (rng.random_range(0..w) as f32, rng.random_range(0..h) as f32);
        let r = rng.random_range(0.05..0.25) * ppm;
        let darkness = rng.random_range(0.3..0.8);
        let reach = r.ceil() as i32 + 1;
        for dy in -reach..=reach {
            for dx in -reach..=reach {
                let (x, y) = (cx as i32 + dx, cy as i32 + dy);
                let d = ((dx * dx + dy * dy) as f32).sqrt();
                let coverage = (r + 0.5 - d).clamp(0.0, 1.0) * darkness;
                if coverage > 0.0 && x >= 0 && y >= 0 && (x as u32) < w && (y as u32) < h {
                    image
                        .get_pixel_mut(x as u32, y as u32)
                        .apply(|c| (c as f32 * (1.0 - coverage)) as u8);
                }
            }
        }
    }
}

/// The back of a sheet: blank, but for the faint mirror image of what is
/// printed and written on its front, seen through thin paper.
pub fn blank_back(front: &RgbImage, rng: &mut impl Rng) -> RgbImage {
    let (w, h) = front.dimensions();
    let strength = rng.random_range(0.0..0.07);
    // Worked small: show-through is a blur of a few millimetres anyway,
    // and the scan's own softening hides the coarse steps.
    let small = imageops::thumbnail(front, w / 8, h / 8);
    let mut small = imageops::flip_horizontal(&small);
    small = gaussian_blur_f32(&small, 1.2);
    for pixel in small.pixels_mut() {
        pixel.apply(|c| (255.0 - (255.0 - c as f32) * strength).round() as u8);
    }
    imageops::resize(&small, w, h, FilterType::Nearest)
}

/// The scanned page as a JPEG of `quality`, decoded again: what a scanner
/// that compresses internally delivers.
pub fn jpeg_round_trip(image: &DynamicImage, quality: u8) -> DynamicImage {
    let mut bytes = Vec::new();
    let encoder = image::codecs::jpeg::JpegEncoder::new_with_quality(&mut bytes, quality);
    if image.write_with_encoder(encoder).is_err() {
        return image.clone();
    }
    image::load_from_memory(&bytes).unwrap_or_else(|_| image.clone())
}
