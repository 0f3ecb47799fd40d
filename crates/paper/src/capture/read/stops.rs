//! Full stops by their ink. Tesseract reads an email address right but
//! unsure of itself (its `@` and dots pull the confidence down even in
//! clean print), and when it does go wrong in agreeing readings, it drops or
//! adds a dot. So the dots of an address that two readings agree on are
//! counted on the paper too.
//!
//! Only full stops are counted: an address holds no other small round
//! mark on its line.

use image::GrayImage;

use super::ink::{Blob, blobs};

/// Darker than this in a stretched crop (black writing on white) is ink.
const INK_BELOW: u8 = 128;
/// Smaller specks are noise, not a full stop.
const MIN_STOP_PX: usize = 3;

/// How many full stops the line of writing in `crop` has: small round
/// patches of ink sitting on the line the letters stand on. `None` when
/// there are no letters to find that line by.
pub(super) fn full_stops(crop: &GrayImage) -> Option<usize> {
    let patches = blobs(crop, 0..crop.width() as i32, |v| v < INK_BELOW);
    let height = |b: &Blob| b.bottom - b.top + 1;
    let width = |b: &Blob| b.right - b.left + 1;
    // Letters are taller than a third of the line's height.
    let letters: Vec<&Blob> = patches
        .iter()
        .filter(|b| height(b) * 3 > crop.height() as i32)
        .collect();
    let baseline = median(letters.iter().map(|b| b.bottom))?;
    let letter_height = median(letters.iter().map(|b| height(b)))?;
    let stops = patches
        .iter()
        .filter(|b| {
            b.pixels >= MIN_STOP_PX
                && height(b) * 3 <= letter_height
                // Round, not a dash or an underscore.
                && width(b) <= 2 * height(b)
                // On the line, not a dot over an i.
                && b.bottom >= baseline - letter_height / 4
                && b.top > baseline - letter_height / 2
                // Apart from the letters: not a piece a scan broke off one.
                && letters.iter().all(|l| b.right < l.left || b.left > l.right)
        })
        .count();
    Some(stops)
}

fn median(values: impl Iterator<Item = i32>) -> Option<i32> {
    let mut values: Vec<i32> = values.collect();
    values.sort_unstable();
    values.get(values.len() / 2).copied()
}

#[cfg(test)]
mod tests {
    use super::*;
    use image::Luma;
    use imageproc::drawing::{draw_filled_circle_mut, draw_filled_rect_mut};
    use imageproc::rect::Rect;

    /// Letters 12 px wide and 30 tall standing on row 40, with `extra`
    /// drawn among them.
    fn line(letters: i32, extra: impl Fn(&mut GrayImage)) -> GrayImage {
        let mut crop = GrayImage::from_pixel(20 * letters as u32, 44, Luma([255]));
        for i in 0..letters {
            draw_filled_rect_mut(&mut crop, Rect::at(20 * i, 10).of_size(12, 30), Luma([0]));
        }
        extra(&mut crop);
        crop
    }

    #[test]
    fn stops_on_the_line_are_counted_and_dots_above_it_are_not() {
        assert_eq!(full_stops(&line(4, |_| {})), Some(0));
        let two_stops = line(4, |c| {
            draw_filled_circle_mut(c, (16, 37), 2, Luma([0]));
            draw_filled_circle_mut(c, (56, 37), 2, Luma([0]));
        });
        assert_eq!(full_stops(&two_stops), Some(2));
        let dot_over_a_letter = line(4, |c| draw_filled_circle_mut(c, (26, 4), 2, Luma([0])));
        assert_eq!(full_stops(&dot_over_a_letter), Some(0));
        let dash = line(4, |c| {
            draw_filled_rect_mut(c, Rect::at(13, 36).of_size(7, 3), Luma([0]));
        });
        assert_eq!(full_stops(&dash), Some(0), "an underscore is not a stop");
        let broken_off = line(4, |c| {
            draw_filled_rect_mut(c, Rect::at(22, 41).of_size(3, 3), Luma([0]));
        });
        assert_eq!(full_stops(&broken_off), Some(0), "a piece of a letter");
        let blank = GrayImage::from_pixel(40, 40, Luma([255]));
        assert_eq!(full_stops(&blank), None);
    }
}
