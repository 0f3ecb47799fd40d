//! Resampling the scan onto the canonical page through a projective map.
//! Written out rather than through `imageproc::warp_into`: stepping the map
//! along each row and blending in fixed point takes a few milliseconds for
//! the 4-million-pixel page, where the general routine took over sixty, and
//! this runs once for every page of every batch.

use image::GrayImage;

/// A projective map, `(x, y) -> ((h0 x + h1 y + h2) / w, (h3 x + h4 y + h5) / w)`
/// with `w = h6 x + h7 y + h8`.
#[derive(Debug, Clone, Copy)]
pub(super) struct Homography([f64; 9]);

impl Homography {
    /// The map taking each of four points to its partner; `None` if three
    /// of them are in a line.
    pub(super) fn from_points(from: [(f64, f64); 4], to: [(f64, f64); 4]) -> Option<Homography> {
        // Solved on coordinates scaled to about 1, which keeps the 8 x 8
        // system well conditioned, then scaled back.
        let scale = |points: &[(f64, f64); 4]| {
            points
                .iter()
                .fold(1.0_f64, |most, p| most.max(p.0.abs()).max(p.1.abs()))
        };
        let (s, t) = (scale(&from), scale(&to));
        let mut system = [[0.0; 9]; 8];
        for (i, (&(x, y), &(u, v))) in from.iter().zip(&to).enumerate() {
            let (x, y, u, v) = (x / s, y / s, u / t, v / t);
            system[2 * i] = [x, y, 1.0, 0.0, 0.0, 0.0, -u * x, -u * y, u];
            system[2 * i + 1] = [0.0, 0.0, 0.0, x, y, 1.0, -v * x, -v * y, v];
        }
        let h = solve8(system)?;
        Some(Homography([
            h[0] * t / s,
            h[1] * t / s,
            h[2] * t,
            h[3] * t / s,
            h[4] * t / s,
            h[5] * t,
            h[6] / s,
            h[7] / s,
            1.0,
        ]))
    }

    pub(super) fn apply(&self, (x, y): (f64, f64)) -> (f64, f64) {
        let h = &self.0;
        let w = h[6] * x + h[7] * y + h[8];
        (
            (h[0] * x + h[1] * y + h[2]) / w,
            (h[3] * x + h[4] * y + h[5]) / w,
        )
    }
}

/// Gaussian elimination with partial pivoting on an augmented 8 x 9 matrix.
fn solve8(mut m: [[f64; 9]; 8]) -> Option<[f64; 8]> {
    for col in 0..8 {
        let pivot = (col..8).max_by(|&a, &b| m[a][col].abs().total_cmp(&m[b][col].abs()))?;
        if m[pivot][col].abs() < 1e-12 {
            return None;
        }
        m.swap(col, pivot);
        let pivot_row = m[col];
        for row in m.iter_mut().skip(col + 1) {
            let factor = row[col] / pivot_row[col];
            for (value, above) in row.iter_mut().zip(pivot_row).skip(col) {
                *value -= factor * above;
            }
        }
    }
    let mut x = [0.0; 8];
    for row in (0..8).rev() {
        let known: f64 = (row + 1..8).map(|k| m[row][k] * x[k]).sum();
        x[row] = (m[row][8] - known) / m[row][row];
    }
    Some(x)
}

/// Pixels between exactly mapped points; in between, positions are
/// interpolated linearly. A scanned sheet's map is so nearly affine that the
/// error over this span is far below a thousandth of a pixel.
const SPAN: usize = 16;
/// Fixed-point positions: 16 fractional bits.
const ONE: f64 = 65536.0;

/// A `width` x `height` image whose pixel (x, y) is the page's pixel at
/// `to_page(x, y)`, blended bilinearly; white where that is off the page.
pub(super) fn warp(page: &GrayImage, to_page: &Homography, width: u32, height: u32) -> GrayImage {
    let (pw, ph) = (page.width() as usize, page.height() as usize);
    let src = page.as_raw();
    // The last pixel a 2 x 2 blend can start from, in fixed point.
    let (max_x, max_y) = ((pw as i64 - 1) << 16, (ph as i64 - 1) << 16);
    let fixed = |(x, y): (f64, f64)| {
        // Far-off or non-finite positions clamp to off the page.
        let clamp = |v: f64| (v * ONE).clamp(-1e15, 1e15) as i64;
        (clamp(x), clamp(y))
    };
    let mut out = vec![255u8; width as usize * height as usize];
    for (y, row) in out.chunks_exact_mut(width as usize).enumerate() {
        let y = y as f64;
        for (span, pixels) in row.chunks_mut(SPAN).enumerate() {
            let x = (span * SPAN) as f64;
            let (mut sx, mut sy) = fixed(to_page.apply((x, y)));
            let (ex, ey) = fixed(to_page.apply((x + SPAN as f64, y)));
            let (dx, dy) = ((ex - sx) / SPAN as i64, (ey - sy) / SPAN as i64);
            for pixel in pixels.iter_mut() {
                if sx >= 0 && sy >= 0 && sx < max_x && sy < max_y {
                    let (ix, iy) = ((sx >> 16) as usize, (sy >> 16) as usize);
                    let (fx, fy) = (((sx >> 8) & 0xFF) as u32, ((sy >> 8) & 0xFF) as u32);
                    let at = iy * pw + ix;
                    let (p00, p01) = (u32::from(src[at]), u32::from(src[at + 1]));
                    let (p10, p11) = (u32::from(src[at + pw]), u32::from(src[at + pw + 1]));
                    let top = p00 * (256 - fx) + p01 * fx;
                    let bottom = p10 * (256 - fx) + p11 * fx;
                    *pixel = ((top * (256 - fy) + bottom * fy + (1 << 15)) >> 16) as u8;
                }
                sx += dx;
                sy += dy;
            }
        }
    }
    GrayImage::from_raw(width, height, out).expect("sized to fit")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn four_points_go_where_they_are_sent_and_the_page_is_resampled() {
        let from = [(0.0, 0.0), (1679.0, 0.0), (1679.0, 2375.0), (0.0, 2375.0)];
        let to = [
            (12.0, 30.0),
            (1700.5, 10.0),
            (1720.0, 2400.0),
            (5.0, 2420.0),
        ];
        let h = Homography::from_points(from, to).unwrap();
        for (f, t) in from.iter().zip(&to) {
            let (x, y) = h.apply(*f);
            assert!(
                (x - t.0).abs() < 1e-6 && (y - t.1).abs() < 1e-6,
                "{f:?} went to {x}, {y}"
            );
        }
        let collinear = [(0.0, 0.0), (1.0, 1.0), (2.0, 2.0), (0.0, 5.0)];
        assert!(Homography::from_points(collinear, to).is_none());

        // A shift by (10.5, 3): each output pixel is the average of two.
        let page = GrayImage::from_fn(64, 64, |x, _| image::Luma([(x * 4) as u8]));
        let shift = Homography([1.0, 0.0, 10.5, 0.0, 1.0, 3.0, 0.0, 0.0, 1.0]);
        let out = warp(&page, &shift, 40, 40);
        assert_eq!(out.get_pixel(0, 0).0[0], 42);
        assert_eq!(out.get_pixel(39, 39).0[0], 198);
        assert_eq!(warp(&page, &shift, 60, 70).get_pixel(59, 69).0[0], 255);
    }
}
