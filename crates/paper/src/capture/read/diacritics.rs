//! Å, Ä and Ö by their ink. Tesseract's Swedish and Finnish models read a
//! printed or hand-printed Å as Ä (and å as ä) both times and at 0.9 or
//! more, and now and then drop the dots of an Ä. So the marks above the
//! letters of every line are looked at: each letter with two dots or a
//! ring (ä, ö, ü, å) must have a group of marks over its body, in the
//! reading's order, and no other letter may have such a group (the lone
//! dot of an i or a j is not counted). Dots are two marks side by side, or
//! one flat one where a small print ran them together; a ring is one
//! hollow mark about as wide as tall. Tesseract's own character boxes are
//! too rough to pair marks with letters: in one line they were half a
//! letter off.

use image::GrayImage;

use super::ink::{Blob, blobs};

/// Darker than this in a stretched crop (black writing on white) is ink.
const INK_BELOW: u8 = 128;
/// Lighter than ink but darker than this is the grey edge of a stroke.
const GREY_BELOW: u8 = 200;
/// A loop smaller than this each way is a dot whose middle came out light.
const MIN_RING_PX: i32 = 5;
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
    /// One small filled mark: the dot of an i or a j, or a piece of a
    /// letter a scan broke off. Not counted.
    Dot,
    Unclear,
}

/// Letters that become Å, Ä, Ö or Ü with marks over them.
const BARE: &str = "AOUaou";

/// Letters with two dots or a ring over them, and the marks they have.
fn marks_of(letter: char) -> Option<Marks> {
    match letter {
        'Å' | 'å' => Some(Marks::Ring),
        'Ä' | 'ä' | 'Ö' | 'ö' | 'Ü' | 'ü' => Some(Marks::Dots),
        _ => None,
    }
}

/// The reading with each Å and Ä as the ink shows it: the groups of
/// marks over the letters, left to right, must be one for each letter of
/// `text` that has two dots or a ring; an Ä under a ring becomes Å and an
/// Å under dots Ä. `None` when the groups and the letters do not pair up,
/// or a group over one of these letters cannot be told.
pub(super) fn as_marked(crop: &GrayImage, text: &str) -> Option<String> {
    let (groups, stray) = groups_of_marks(crop);
    let shapes: Vec<Marks> = groups.iter().map(|group| shape_of(crop, group)).collect();
    // A lone mark is the dot of an i or a j; one more than those may be
    // the dots of an Ä or Ö run into one blot, or dots set wide of a
    // narrow letter (over its neighbours, or beside them), and Tesseract
    // then reads the bare letter (MÄKINEN as MAKINEN, and confidently):
    // ink above the letters is never taken as no marks at all.
    let lone = shapes.iter().filter(|marks| **marks == Marks::Dot).count() + stray;
    let dotted = text.chars().filter(|c| matches!(c, 'i' | 'j')).count();
    if lone > dotted && text.chars().any(|c| BARE.contains(c)) {
        return None;
    }
    let groups: Vec<Marks> = shapes
        .into_iter()
        .filter(|marks| *marks != Marks::Dot)
        .collect();
    let marked = text.chars().filter(|c| marks_of(*c).is_some()).count();
    if groups.len() != marked {
        return None;
    }
    let mut groups = groups.into_iter();
    text.chars()
        .map(|c| {
            if marks_of(c).is_none() {
                return Some(c);
            }
            match (groups.next()?, c) {
                (Marks::Ring, 'Ä' | 'Å') => Some('Å'),
                (Marks::Ring, 'ä' | 'å') => Some('å'),
                (Marks::Dots, 'Å') => Some('Ä'),
                (Marks::Dots, 'å') => Some('ä'),
                (marks, c) if marks_of(c) == Some(marks) => Some(c),
                _ => None,
            }
        })
        .collect()
}

/// The marks over each letter that has some, left to right. A letter's
/// body is a patch of ink taller than a third of the line (or two such
/// side by side); a mark is a smaller patch wholly above the body whose
/// columns hold its centre. A ring that touches its letter is part of the
/// body: it is looked for in the body's ink above the other letters (see
/// `attached_ring`). Also how many small marks lie above where most
/// letters begin without being wholly over one letter.
fn groups_of_marks(crop: &GrayImage) -> (Vec<Vec<Blob>>, usize) {
    let patches = blobs(crop, 0..crop.width() as i32, is_ink);
    let is_body = |b: &Blob| (b.bottom - b.top + 1) * 3 > crop.height() as i32;
    let mut parts: Vec<Blob> = patches.iter().filter(|b| is_body(b)).copied().collect();
    parts.sort_by_key(|b| b.left);
    let mut bodies: Vec<(Blob, Vec<Blob>)> = Vec::new();
    for part in parts {
        match bodies.last_mut() {
            Some((body, _)) if same_letter(body, &part) => *body = joined(body, &part),
            _ => bodies.push((part, Vec::new())),
        }
    }
    let mut tops: Vec<i32> = bodies.iter().map(|(b, _)| b.top).collect();
    tops.sort_unstable();
    let usual_top = tops.get(tops.len() / 2).copied().unwrap_or(0);
    let mut stray = 0;
    for mark in patches
        .iter()
        .filter(|b| !is_body(b) && b.pixels >= MIN_MARK_PX)
    {
        let under = bodies
            .iter_mut()
            .find(|(body, _)| (body.left..=body.right).contains(&mark.centre_x));
        match under {
            Some((body, marks)) if mark.bottom < body.top => marks.push(*mark),
            _ if mark.bottom < usual_top => stray += 1,
            _ => {}
        }
    }
    let groups = bodies
        .into_iter()
        .filter_map(|(body, marks)| {
            if marks.is_empty() {
                attached_ring(crop, &body, usual_top).map(|ring| vec![ring])
            } else {
                Some(marks)
            }
        })
        .collect();
    (groups, stray)
}

/// Whether two tall patches side by side are pieces of one letter (a
/// scan breaks the thin join of an a's bowl and stem, leaving a piece of
/// its arch over the bowl): they share at least half the narrower one's
/// columns, or they touch and one is clearly shorter. Neighbouring letters
/// of one height stand apart.
fn same_letter(a: &Blob, b: &Blob) -> bool {
    let shared = a.right.min(b.right) - a.left.max(b.left) + 1;
    let narrower = (a.right - a.left + 1).min(b.right - b.left + 1);
    let (ha, hb) = (a.bottom - a.top + 1, b.bottom - b.top + 1);
    shared * 2 >= narrower || (shared >= 0 && ha.min(hb) * 4 < ha.max(hb) * 3)
}

/// One patch covering both.
fn joined(a: &Blob, b: &Blob) -> Blob {
    let pixels = a.pixels + b.pixels;
    Blob {
        pixels,
        top: a.top.min(b.top),
        bottom: a.bottom.max(b.bottom),
        left: a.left.min(b.left),
        right: a.right.max(b.right),
        centre_x: ((a.centre_x as usize * a.pixels + b.centre_x as usize * b.pixels) / pixels)
            as i32,
    }
}

/// A ring drawn onto its letter: the body's ink above `usual_top` (where
/// most letters begin), if it is a hollow round patch narrower than the
/// letter. An ascender (the stem of an l, a k or a d) is not hollow; the
/// top of a capital P or B is as wide as the letter.
fn attached_ring(crop: &GrayImage, body: &Blob, usual_top: i32) -> Option<Blob> {
    let cut = usual_top - 1;
    if cut - body.top < 4 {
        return None;
    }
    let (x, y) = (body.left as u32, body.top as u32);
    let (w, h) = ((body.right - body.left + 1) as u32, (cut - body.top) as u32);
    let above = image::imageops::crop_imm(crop, x, y, w, h).to_image();
    let ring = blobs(&above, 0..w as i32, is_ink)
        .into_iter()
        .max_by_key(|b| b.pixels)?;
    let ring = Blob {
        top: ring.top + body.top,
        bottom: ring.bottom + body.top,
        left: ring.left + body.left,
        right: ring.right + body.left,
        centre_x: ring.centre_x + body.left,
        ..ring
    };
    let narrower = (ring.right - ring.left + 1) * 5 <= (body.right - body.left + 1) * 4;
    (narrower && shape_of(crop, &[ring]) == Marks::Ring).then_some(ring)
}

fn is_ink(v: u8) -> bool {
    v < INK_BELOW
}

/// A group of marks over one letter: a ring, dots, a lone dot, or neither.
fn shape_of(crop: &GrayImage, group: &[Blob]) -> Marks {
    let mut marks: Vec<&Blob> = group.iter().collect();
    marks.sort_by_key(|b| std::cmp::Reverse(b.pixels));
    match marks[..] {
        // One mark: flat is dots run together; round and hollow a ring;
        // anything else filled a lone dot.
        [one] => {
            let (width, height) = (one.right - one.left + 1, one.bottom - one.top + 1);
            match shape(width as f32, height as f32) {
                Marks::Dots => Marks::Dots,
                Marks::Ring if is_hollow(crop, one) => Marks::Ring,
                _ if !is_hollow(crop, one) => Marks::Dot,
                _ => Marks::Unclear,
            }
        }
        // Two marks on the same rows: dots, far apart for their height,
        // or the two sides of a thin ring that came apart.
        [a, b] if a.top <= b.bottom && b.top <= a.bottom => {
            let width = (a.right.max(b.right) - a.left.min(b.left) + 1) as f32;
            let height = (a.bottom.max(b.bottom) - a.top.min(b.top) + 1) as f32;
            shape(width, height)
        }
        _ => Marks::Unclear,
    }
}

/// Whether a patch is a loop: paper at its centre, ink on all four sides.
/// A thin ring is mostly grey in a scan, so grey counts as ink here.
fn is_hollow(crop: &GrayImage, b: &Blob) -> bool {
    let (cx, cy) = ((b.left + b.right) / 2, (b.top + b.bottom) / 2);
    let ink_at = |x: i32, y: i32| crop.get_pixel(x as u32, y as u32).0[0] < GREY_BELOW;
    b.right - b.left + 1 >= MIN_RING_PX
        && b.bottom - b.top + 1 >= MIN_RING_PX
        && !ink_at(cx, cy)
        && (b.left..cx).any(|x| ink_at(x, cy))
        && (cx + 1..=b.right).any(|x| ink_at(x, cy))
        && (b.top..cy).any(|y| ink_at(cx, y))
        && (cy + 1..=b.bottom).any(|y| ink_at(cx, y))
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

#[cfg(test)]
mod tests {
    use super::*;
    use image::Luma;
    use imageproc::drawing::{
        draw_filled_circle_mut, draw_filled_rect_mut, draw_hollow_circle_mut, draw_hollow_rect_mut,
    };
    use imageproc::rect::Rect;

    /// `count` letter bodies 20 px wide and 28 tall, 30 px apart, with
    /// `above` drawn over them (the first in columns 10..30).
    fn letters(count: i32, above: impl Fn(&mut GrayImage)) -> GrayImage {
        let mut crop = GrayImage::from_pixel(30 * count as u32 + 10, 50, Luma([255]));
        for i in 0..count {
            draw_filled_rect_mut(
                &mut crop,
                Rect::at(10 + 30 * i, 20).of_size(20, 28),
                Luma([0]),
            );
        }
        above(&mut crop);
        crop
    }

    fn ring_over(c: &mut GrayImage, letter: i32) {
        draw_hollow_circle_mut(c, (20 + 30 * letter, 8), 5, Luma([0]));
    }

    fn dots_over(c: &mut GrayImage, letter: i32) {
        draw_filled_circle_mut(c, (14 + 30 * letter, 10), 2, Luma([0]));
        draw_filled_circle_mut(c, (26 + 30 * letter, 10), 2, Luma([0]));
    }

    #[test]
    fn a_ring_is_one_hollow_mark_and_dots_are_two() {
        let ring = letters(1, |c| ring_over(c, 0));
        let dots = letters(1, |c| dots_over(c, 0));
        assert_eq!(as_marked(&ring, "Å").as_deref(), Some("Å"));
        assert_eq!(
            as_marked(&ring, "ä").as_deref(),
            Some("å"),
            "Ä under a ring"
        );
        assert_eq!(as_marked(&dots, "ä").as_deref(), Some("ä"));
        assert_eq!(as_marked(&dots, "Å").as_deref(), Some("Ä"), "Å under dots");
        assert_eq!(as_marked(&dots, "V"), None, "marks over a letter read bare");
        assert_eq!(as_marked(&dots, "o"), None);
        let run_together = letters(1, |c| {
            draw_filled_rect_mut(c, Rect::at(14, 9).of_size(12, 3), Luma([0]));
        });
        assert_eq!(as_marked(&run_together, "Ä").as_deref(), Some("Ä"));
        let bare = letters(1, |_| {});
        assert_eq!(as_marked(&bare, "Ä"), None);
        let one_dot = letters(1, |c| draw_filled_circle_mut(c, (20, 8), 4, Luma([0])));
        assert_eq!(as_marked(&one_dot, "å"), None, "a filled dot is not a ring");
    }

    #[test]
    fn dots_run_into_one_blot_over_a_bare_letter_are_not_ignored() {
        // Over the second of three letters, one round blot: an Ä or Ö
        // whose dots ran together. Read as bare letters, it is doubted.
        let blot = letters(3, |c| draw_filled_circle_mut(c, (50, 10), 4, Luma([0])));
        assert_eq!(as_marked(&blot, "MAK"), None);
        assert_eq!(as_marked(&blot, "KOK"), None);
        // The dot of an i is what it is.
        assert_eq!(as_marked(&blot, "KiK").as_deref(), Some("KiK"));
        // Over letters that take no marks, a lone blot is left alone.
        assert_eq!(as_marked(&blot, "KNK").as_deref(), Some("KNK"));
    }

    #[test]
    fn dots_set_wide_of_a_narrow_letter_are_not_ignored() {
        // Three letters 20 px wide, 30 apart; an Ä's dots in the gaps on
        // either side of the middle one, over no letter, above the tops.
        let wide = letters(3, |c| {
            draw_filled_circle_mut(c, (35, 12), 2, Luma([0]));
            draw_filled_circle_mut(c, (65, 12), 2, Luma([0]));
        });
        assert_eq!(as_marked(&wide, "MAK"), None);
        assert_eq!(as_marked(&wide, "MNK").as_deref(), Some("MNK"));
    }

    #[test]
    fn groups_of_marks_are_matched_to_the_reading_in_order() {
        // i, a bare letter, a and o with dots: "ikäö" as written. The dot
        // of the i is not counted.
        let crop = letters(4, |c| {
            draw_filled_circle_mut(c, (20, 10), 2, Luma([0]));
            dots_over(c, 2);
            dots_over(c, 3);
        });
        assert_eq!(as_marked(&crop, "ikäö").as_deref(), Some("ikäö"));
        assert_eq!(as_marked(&crop, "ikåö").as_deref(), Some("ikäö"));
        assert_eq!(as_marked(&crop, "ikäo"), None, "a group of marks left over");
        let ring_then_dots = letters(3, |c| {
            ring_over(c, 0);
            dots_over(c, 2);
        });
        assert_eq!(as_marked(&ring_then_dots, "äkä").as_deref(), Some("åkä"));
        assert_eq!(as_marked(&ring_then_dots, "äkö").as_deref(), Some("åkö"));
        assert_eq!(as_marked(&ring_then_dots, "ökä"), None, "an ö has dots");
    }

    /// An a whose bowl came apart from its stem: the two stand side by
    /// side, only a serif of the stem touching the bowl's columns.
    fn broken_a() -> GrayImage {
        let mut crop = GrayImage::from_pixel(40, 50, Luma([255]));
        draw_filled_rect_mut(&mut crop, Rect::at(10, 30).of_size(7, 18), Luma([0]));
        draw_filled_rect_mut(&mut crop, Rect::at(18, 20).of_size(5, 28), Luma([0]));
        draw_filled_rect_mut(&mut crop, Rect::at(17, 20).of_size(1, 3), Luma([0]));
        crop
    }

    #[test]
    fn a_letter_broken_in_two_is_one_letter() {
        // Its dots are over the two pieces, one each.
        let mut dotted = broken_a();
        draw_filled_circle_mut(&mut dotted, (13, 12), 2, Luma([0]));
        draw_filled_circle_mut(&mut dotted, (20, 12), 2, Luma([0]));
        assert_eq!(as_marked(&dotted, "ä").as_deref(), Some("ä"));
        // A flat piece of its arch over the bowl is no pair of dots.
        let mut arch = broken_a();
        draw_filled_rect_mut(&mut arch, Rect::at(10, 25).of_size(7, 3), Luma([0]));
        assert_eq!(as_marked(&arch, "a").as_deref(), Some("a"));
    }

    #[test]
    fn a_ring_drawn_onto_its_letter_is_found() {
        // Three letters; over the middle one a ring that touches it.
        let crop = letters(3, |c| {
            draw_hollow_circle_mut(c, (50, 13), 6, Luma([0]));
            draw_hollow_circle_mut(c, (50, 13), 5, Luma([0]));
        });
        assert_eq!(as_marked(&crop, "vävä"), None);
        assert_eq!(as_marked(&crop, "väv").as_deref(), Some("våv"));
        // A tall stem (an l) is no ring.
        let stem = letters(3, |c| {
            draw_filled_rect_mut(c, Rect::at(45, 2).of_size(4, 20), Luma([0]));
        });
        assert_eq!(as_marked(&stem, "vav"), Some("vav".to_string()));
        assert_eq!(as_marked(&stem, "väv"), None);
        // The closed top of a capital P is as wide as its letter: no ring.
        let p_top = letters(3, |c| {
            draw_hollow_rect_mut(c, Rect::at(40, 4).of_size(20, 14), Luma([0]));
            draw_filled_rect_mut(c, Rect::at(40, 4).of_size(4, 17), Luma([0]));
        });
        assert_eq!(as_marked(&p_top, "vPv").as_deref(), Some("vPv"));
    }
}
