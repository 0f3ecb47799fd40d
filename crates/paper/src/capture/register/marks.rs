//! Finding a corner mark: a solid black square, looked for only near where
//! the QR code says it should be, so text, comb boxes and the QR code's own
//! squares (hollow, and elsewhere) are never mistaken for it.

use image::{GrayImage, Luma};
use imageproc::contrast::otsu_level;
use imageproc::region_labelling::{Connectivity, connected_components};

/// The ink / paper threshold of the whole page (Otsu), from every fourth
/// pixel of every fourth row: the histogram's shape is what matters, not
/// every pixel. Kept within bounds so that a nearly empty page cannot put
/// it at the paper's own noise.
pub(super) fn ink_threshold(page: &GrayImage) -> u8 {
    let sample = GrayImage::from_fn(
        page.width().div_ceil(4),
        page.height().div_ceil(4),
        |x, y| *page.get_pixel(x * 4, y * 4),
    );
    otsu_level(&sample).clamp(60, 200)
}

/// Dark pixels of one connected blob.
#[derive(Clone, Copy)]
struct Blob {
    count: u64,
    sum_x: u64,
    sum_y: u64,
    left: u32,
    right: u32,
    top: u32,
    bottom: u32,
}

impl Blob {
    fn new(x: u32, y: u32) -> Blob {
        Blob {
            count: 0,
            sum_x: 0,
            sum_y: 0,
            left: x,
            right: x,
            top: y,
            bottom: y,
        }
    }

    fn add(&mut self, x: u32, y: u32) {
        self.count += 1;
        self.sum_x += u64::from(x);
        self.sum_y += u64::from(y);
        self.left = self.left.min(x);
        self.right = self.right.max(x);
        self.top = self.top.min(y);
        self.bottom = self.bottom.max(y);
    }
}

/// The centre (in page pixels) of the square mark of `side` pixels nearest
/// to `expected`, within `search` pixels of it.
pub(super) fn find(
    page: &GrayImage,
    threshold: u8,
    expected: (f64, f64),
    side: f64,
    search: f64,
) -> Option<(f64, f64)> {
    let clamp = |v: f64, max: u32| v.clamp(0.0, f64::from(max)) as u32;
    let (left, top) = (
        clamp(expected.0 - search, page.width()),
        clamp(expected.1 - search, page.height()),
    );
    let (right, bottom) = (
        clamp(expected.0 + search, page.width()),
        clamp(expected.1 + search, page.height()),
    );
    let (w, h) = (right.checked_sub(left)?, bottom.checked_sub(top)?);
    if w < 3 || h < 3 {
        return None;
    }
    let dark = GrayImage::from_fn(w, h, |x, y| {
        Luma([if page.get_pixel(left + x, top + y).0[0] < threshold {
            255
        } else {
            0
        }])
    });
    let labels = connected_components(&dark, Connectivity::Eight, Luma([0]));
    let mut blobs: Vec<Option<Blob>> = Vec::new();
    for (x, y, label) in labels.enumerate_pixels() {
        let label = label.0[0] as usize;
        if label == 0 {
            continue;
        }
        if blobs.len() <= label {
            blobs.resize(label + 1, None);
        }
        blobs[label]
            .get_or_insert_with(|| Blob::new(x, y))
            .add(x, y);
    }

    let area = side * side;
    let is_mark = |b: &Blob| {
        let (bw, bh) = (
            f64::from(b.right - b.left + 1),
            f64::from(b.bottom - b.top + 1),
        );
        // A blob cut by the window's edge cannot be judged.
        let inside = b.left > 0 && b.top > 0 && b.right + 1 < w && b.bottom + 1 < h;
        // A square turned by up to 10 degrees, printed with some ink spread
        // or toner dropout.
        let sized =
            (0.7 * side..=1.45 * side).contains(&bw) && (0.7 * side..=1.45 * side).contains(&bh);
        let count = b.count as f64;
        inside && sized && (0.55 * area..=1.5 * area).contains(&count) && count / (bw * bh) >= 0.6
    };
    blobs
        .iter()
        .flatten()
        .filter(|b| is_mark(b))
        .map(|b| {
            let n = b.count as f64;
            (
                f64::from(left) + b.sum_x as f64 / n,
                f64::from(top) + b.sum_y as f64 / n,
            )
        })
        .min_by(|a, b| {
            let d = |p: &(f64, f64)| (p.0 - expected.0).hypot(p.1 - expected.1);
            d(a).total_cmp(&d(b))
        })
}
