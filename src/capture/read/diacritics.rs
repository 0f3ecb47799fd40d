//! Å and Ä by their ink. Tesseract's Swedish and Finnish models read a
//! printed or hand-printed Å as Ä (and å as ä) both times and at 0.9 or
//! more: on generated samples every street address accepted wrong was
//! `Vöråvägen` read as `Vörävägen`. So where a reading has one of these
//! letters, the marks above it are looked at: a ring is one mark about as
//! wide as tall; dots are two marks side by side, or one flat one where
//! a small print ran them together.

use image::GrayImage;

use crate::capture::ocr::Symbol;

/// Darker than this in a stretched crop (black writing on white) is ink.
const INK_BELOW: u8 = 128;
/// Smaller specks are noise, not a dot.
const MIN_MARK_PX: usize = 3;

/// Marks above a letter at least this many times wider than tall are
/// dots (two, or run together); up to `RING_WIDTH` times, a ring.
const DOTS_WIDTH: f32 = 2.0;
const RING_WIDTH: f32 = 1.3;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Marks {
    Ring,
    Dots,
    Unclear,
}

/// What each letter has above its body.
fn marks_of(letter: char) -> Option<Marks> {
    match letter {
        'Å' | 'å' => Some(Marks::Ring),
        'Ä' | 'ä' => Some(Marks::Dots),
        _ => None,
    }
}

/// Whether `text` has a letter whose marks are checked here.
pub(super) fn has_checked_letter(text: &str) -> bool {
    text.chars().any(|c| marks_of(c).is_some())
}

/// Whether every Å, å, Ä and ä among `symbols` has as many marks above it
/// in `crop` as it should. `false` also when a mark cannot be counted.
pub(super) fn marks_agree(crop: &GrayImage, symbols: &[Symbol]) -> bool {
    symbols
        .iter()
        .all(|symbol| match marks_of(symbol.character) {
            Some(expected) => marks_above(crop, symbol.left, symbol.right) == expected,
            None => true,
        })
}

/// A connected patch of ink: its pixel count, extent and centre column.
#[derive(Debug, Clone, Copy)]
struct Blob {
    pixels: usize,
    top: i32,
    bottom: i32,
    left: i32,
    right: i32,
    centre_x: i32,
}

/// The marks above the letter standing in columns `left..right`: the
/// patches of ink centred there that lie wholly above the largest one
/// (the letter's body).
fn marks_above(crop: &GrayImage, left: i32, right: i32) -> Marks {
    let (w, h) = (crop.width() as i32, crop.height() as i32);
    // A little either side: Tesseract's boxes are approximate.
    let pad = ((right - left) / 4).max(1);
    let (x0, x1) = ((left - pad).max(0), (right + pad).min(w));
    if x0 >= x1 {
        return Marks::Unclear;
    }
    let blobs: Vec<Blob> = blobs(crop, x0, x1, h)
        .into_iter()
        .filter(|b| b.pixels >= MIN_MARK_PX && b.centre_x >= left && b.centre_x <= right)
        .collect();
    let Some(body) = blobs.iter().max_by_key(|b| b.pixels) else {
        return Marks::Unclear;
    };
    let mut above: Vec<&Blob> = blobs
        .iter()
        .filter(|b| b.bottom < body.top && b.pixels < body.pixels)
        .collect();
    above.sort_by_key(|b| std::cmp::Reverse(b.pixels));
    match above[..] {
        [] => Marks::Unclear,
        [one] => shape(
            (one.right - one.left + 1) as f32,
            (one.bottom - one.top + 1) as f32,
        ),
        // Two marks on the same rows: dots, far apart for their height,
        // or the two sides of a thin ring that came apart.
        [a, b, ..] if a.top <= b.bottom && b.top <= a.bottom => {
            let width = (a.right.max(b.right) - a.left.min(b.left) + 1) as f32;
            let height = (a.bottom.max(b.bottom) - a.top.min(b.top) + 1) as f32;
            shape(width, height)
        }
        _ => Marks::Unclear,
    }
}

/// Marks of this width and height: flat is dots, round is a ring.
fn shape(width: f32, height: f32) -> Marks {
    if width >= DOTS_WIDTH * height {
        Marks::Dots
    } else if width <= RING_WIDTH * height {
        Marks::Ring
    } else {
        Marks::Unclear
    }
}

/// The 8-connected patches of ink in columns `x0..x1`.
fn blobs(crop: &GrayImage, x0: i32, x1: i32, h: i32) -> Vec<Blob> {
    let width = (x1 - x0) as usize;
    let index = |x: i32, y: i32| y as usize * width + (x - x0) as usize;
    let is_ink = |x: i32, y: i32| crop.get_pixel(x as u32, y as u32).0[0] < INK_BELOW;
    let mut seen = vec![false; width * h as usize];
    let mut found = Vec::new();
    for y in 0..h {
        for x in x0..x1 {
            if seen[index(x, y)] || !is_ink(x, y) {
                continue;
            }
            seen[index(x, y)] = true;
            let mut stack = vec![(x, y)];
            let (mut pixels, mut top, mut bottom, mut sum_x) = (0usize, y, y, 0i64);
            let (mut left, mut right) = (x, x);
            while let Some((px, py)) = stack.pop() {
                pixels += 1;
                top = top.min(py);
                bottom = bottom.max(py);
                left = left.min(px);
                right = right.max(px);
                sum_x += i64::from(px);
                for (dx, dy) in [
                    (-1, -1),
                    (0, -1),
                    (1, -1),
                    (-1, 0),
                    (1, 0),
                    (-1, 1),
                    (0, 1),
                    (1, 1),
                ] {
                    let (nx, ny) = (px + dx, py + dy);
                    if nx >= x0
                        && nx < x1
                        && ny >= 0
                        && ny < h
                        && !seen[index(nx, ny)]
                        && is_ink(nx, ny)
                    {
                        seen[index(nx, ny)] = true;
                        stack.push((nx, ny));
                    }
                }
            }
            found.push(Blob {
                pixels,
                top,
                bottom,
                left,
                right,
                centre_x: (sum_x / pixels as i64) as i32,
            });
        }
    }
    found
}

#[cfg(test)]
mod tests {
    use super::*;
    use image::Luma;
    use imageproc::drawing::{
        draw_filled_circle_mut, draw_filled_rect_mut, draw_hollow_circle_mut,
    };
    use imageproc::rect::Rect;

    /// A letter body in columns 10..30 with `above` drawn over it.
    fn letter(above: impl Fn(&mut GrayImage)) -> GrayImage {
        let mut crop = GrayImage::from_pixel(40, 50, Luma([255]));
        draw_filled_rect_mut(&mut crop, Rect::at(10, 20).of_size(20, 28), Luma([0]));
        above(&mut crop);
        crop
    }

    fn symbol(character: char) -> Symbol {
        Symbol {
            character,
            left: 10,
            right: 30,
        }
    }

    #[test]
    fn a_ring_is_one_mark_and_dots_are_two() {
        let ring = letter(|c| draw_hollow_circle_mut(c, (20, 8), 5, Luma([0])));
        let dots = letter(|c| {
            draw_filled_circle_mut(c, (14, 10), 2, Luma([0]));
            draw_filled_circle_mut(c, (26, 10), 2, Luma([0]));
        });
        assert!(marks_agree(&ring, &[symbol('Å')]));
        assert!(!marks_agree(&ring, &[symbol('Ä')]));
        assert!(marks_agree(&dots, &[symbol('ä')]));
        assert!(!marks_agree(&dots, &[symbol('å')]));
        assert!(marks_agree(&dots, &[symbol('V')]), "other letters pass");
        let run_together = letter(|c| {
            draw_filled_rect_mut(c, Rect::at(14, 9).of_size(12, 3), Luma([0]));
        });
        assert!(marks_agree(&run_together, &[symbol('Ä')]));
        assert!(!marks_agree(&run_together, &[symbol('Å')]));
        let bare = letter(|_| {});
        assert!(!marks_agree(&bare, &[symbol('Ä')]));
    }
}
