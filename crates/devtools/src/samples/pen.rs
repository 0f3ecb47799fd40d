//! Pen marks that are not letters: ticks, crosses, filled and blacked-out
//! boxes, and signatures. Shapes are made in millimetres with the wobble of
//! a hand, then drawn as strokes at the page's resolution.

use rand::Rng;

use super::ink::Mask;
use super::values::MarkKind;

/// Where and how large the pen draws: millimetres to pixels.
#[derive(Debug, Clone, Copy)]
pub struct PenGeometry {
    pub px_per_mm: f32,
    /// Line width in pixels.
    pub width_px: f32,
}

impl PenGeometry {
    fn px(&self, (x, y): (f32, f32)) -> (f32, f32) {
        (x * self.px_per_mm, y * self.px_per_mm)
    }

    fn stroke(&self, mask: &mut Mask, points_mm: &[(f32, f32)], pressure: f32) {
        let points: Vec<_> = points_mm.iter().map(|p| self.px(*p)).collect();
        mask.stroke(&points, self.width_px, pressure);
    }
}

/// A small random offset, about `spread` mm either way.
fn wobble(rng: &mut impl Rng, spread: f32) -> f32 {
    rng.random_range(-spread..=spread)
}

/// A mark in the checkbox `b` (x, y, w, h in mm).
pub fn mark(mask: &mut Mask, pen: PenGeometry, b: [f32; 4], kind: MarkKind, rng: &mut impl Rng) {
    let [x, y, w, h] = b;
    let at = |fx: f32, fy: f32| (x + fx * w, y + fy * h);
    let pressure = rng.random_range(0.85..=1.0);
    match kind {
        MarkKind::Tick => {
            // Short down-stroke, long up-stroke that often leaves the box.
            let start = at(0.15 + wobble(rng, 0.08), 0.5 + wobble(rng, 0.1));
            let bottom = at(0.4 + wobble(rng, 0.08), 0.85 + wobble(rng, 0.08));
            let end = at(
                0.95 + rng.random_range(0.0..0.4),
                -0.05 - rng.random_range(0.0..0.35),
            );
            let bend = (
                (bottom.0 + end.0) / 2.0 + wobble(rng, 0.3),
                (bottom.1 + end.1) / 2.0 + wobble(rng, 0.3),
            );
            pen.stroke(mask, &[start, bottom], pressure);
            pen.stroke(mask, &curve(&[bottom, bend, end], 6), pressure);
        }
        MarkKind::Cross => {
            let over = rng.random_range(-0.1..0.2);
            for (from, to) in [((0.0, 0.0), (1.0, 1.0)), ((1.0, 0.0), (0.0, 1.0))] {
                let a = at(
                    from.0 + (0.5 - from.0) * -over + wobble(rng, 0.07),
                    from.1 - over + wobble(rng, 0.07),
                );
                let b = at(
                    to.0 + (0.5 - to.0) * -over + wobble(rng, 0.07),
                    to.1 + over + wobble(rng, 0.07),
                );
                let mid = ((a.0 + b.0) / 2.0 + wobble(rng, 0.15), (a.1 + b.1) / 2.0);
                pen.stroke(mask, &curve(&[a, mid, b], 4), pressure);
            }
        }
        MarkKind::Filled => zigzag(mask, pen, [x + 0.4, y + 0.4, w - 0.8, h - 0.8], rng),
        MarkKind::ScribbledOut => {
            // Heavier and wider than a fill: the hand goes over the edges
            // again and again until nothing of the first mark shows.
            let grow = rng.random_range(0.8..1.8);
            let area = [x - grow, y - grow * 0.7, w + 2.0 * grow, h + 1.4 * grow];
            zigzag(mask, pen, area, rng);
            scribble(mask, pen, area, rng);
        }
        MarkKind::PrintedCross => {
            // As the PDF's checkbox appearance draws it: 1.2 pt in, 1.3 pt wide.
            let inset = 1.2 * 25.4 / 72.0;
            let printer = PenGeometry {
                width_px: 1.3 * 25.4 / 72.0 * pen.px_per_mm,
                ..pen
            };
            let (x0, y0, x1, y1) = (x + inset, y + inset, x + w - inset, y + h - inset);
            printer.stroke(mask, &[(x0, y0), (x1, y1)], 1.0);
            printer.stroke(mask, &[(x0, y1), (x1, y0)], 1.0);
        }
    }
}

/// Back-and-forth strokes close enough to blacken the area.
fn zigzag(mask: &mut Mask, pen: PenGeometry, [x, y, w, h]: [f32; 4], rng: &mut impl Rng) {
    let step = (pen.width_px / pen.px_per_mm * 0.8).max(0.25);
    let mut points = Vec::new();
    let mut t = 0.0;
    let mut left = true;
    while t <= h {
        let edge = if left { x } else { x + w };
        points.push((edge + wobble(rng, 0.3), y + t + wobble(rng, step * 0.3)));
        left = !left;
        t += step;
    }
    pen.stroke(mask, &points, rng.random_range(0.9..=1.0));
}

/// A tangle of strokes bouncing about the area.
fn scribble(mask: &mut Mask, pen: PenGeometry, [x, y, w, h]: [f32; 4], rng: &mut impl Rng) {
    let points: Vec<_> = (0..rng.random_range(25..45))
        .map(|_| (x + rng.random_range(0.0..=w), y + rng.random_range(0.0..=h)))
        .collect();
    pen.stroke(mask, &curve(&points, 4), 1.0);
}

/// A signature in the box `b`: a looping name and, often, a flourish.
pub fn signature(mask: &mut Mask, pen: PenGeometry, b: [f32; 4], rng: &mut impl Rng) {
    let [x, y, w, h] = b;
    let start = x + rng.random_range(3.0..(w * 0.25).max(4.0));
    let width = rng
        .random_range(30.0..(w * 0.7).max(31.0))
        .min(x + w - 2.0 - start);
    let baseline = y + h * rng.random_range(0.55..0.7);
    let height = h * rng.random_range(0.25..0.4);
    let strokes = rng.random_range(1..=2);
    let mut cursor = start;
    for part in 0..strokes {
        let share = width / strokes as f32;
        let end = cursor + share * rng.random_range(0.8..1.0);
        let mut points = vec![(cursor, baseline + wobble(rng, 1.0))];
        let mut px = cursor;
        let mut up = true;
        while px < end {
            // Up strokes go forward; down strokes may come back, which
            // closes a loop as in a cursive `l` or `e`.
            let (step, py) = if up {
                let tall = if rng.random_bool(0.3) { 1.3 } else { 0.6 };
                (
                    rng.random_range(1.0..3.5),
                    baseline - height * tall * rng.random_range(0.7..1.1),
                )
            } else {
                (
                    rng.random_range(-1.5..1.5),
                    baseline + rng.random_range(-0.5..1.0),
                )
            };
            px += step;
            up = !up;
            points.push((
                px.clamp(x + 1.0, x + w - 1.0),
                py.clamp(y + 1.0, y + h - 1.0),
            ));
        }
        pen.stroke(mask, &curve(&points, 8), rng.random_range(0.8..=1.0));
        cursor = end
            + if part == 0 {
                rng.random_range(1.0..4.0)
            } else {
                0.0
            };
    }
    if rng.random_bool(0.5) {
        let under = baseline + rng.random_range(1.5..3.0);
        let flourish = [
            (start - 1.0, under + wobble(rng, 0.8)),
            (start + width * 0.5, under + wobble(rng, 1.2)),
            (start + width * 1.05, under - rng.random_range(0.0..2.0)),
        ];
        pen.stroke(mask, &curve(&flourish, 10), 0.9);
    }
}

/// A Catmull-Rom curve through `points`, `steps` segments between each pair.
pub fn curve(points: &[(f32, f32)], steps: usize) -> Vec<(f32, f32)> {
    if points.len() < 3 {
        return points.to_vec();
    }
    let at = |i: isize| points[i.clamp(0, points.len() as isize - 1) as usize];
    let mut out = Vec::with_capacity(points.len() * steps);
    for i in 0..points.len() as isize - 1 {
        let (p0, p1, p2, p3) = (at(i - 1), at(i), at(i + 1), at(i + 2));
        for s in 0..steps {
            let t = s as f32 / steps as f32;
            let (t2, t3) = (t * t, t * t * t);
            let blend = |a: f32, b: f32, c: f32, d: f32| {
                0.5 * (2.0 * b
                    + (c - a) * t
                    + (2.0 * a - 5.0 * b + 4.0 * c - d) * t2
                    + (3.0 * b - a - 3.0 * c + d) * t3)
            };
            out.push((blend(p0.0, p1.0, p2.0, p3.0), blend(p0.1, p1.1, p2.1, p3.1)));
        }
    }
    out.push(*points.last().expect("at least three points"));
    out
}
