//! A 2-D affine map fitted by least squares: from the QR code's corners it
//! estimates where the marks are, from three or four marks where the page
//! is.

/// A position: millimetres on the form, or pixels on a scan.
pub(super) type Point = (f64, f64);

/// `x' = a x + b y + c`, `y' = d x + e y + f`.
#[derive(Debug, Clone, Copy)]
pub(super) struct Affine(pub [f64; 6]);

impl Affine {
    /// The map taking each `from` nearest to its `to`; `None` unless at
    /// least three points span an area.
    pub(super) fn fit(pairs: &[(Point, Point)]) -> Option<Affine> {
        if pairs.len() < 3 {
            return None;
        }
        // Normal equations: (AᵀA) p = Aᵀ t with rows (x, y, 1), solved once
        // for each output coordinate.
        let mut ata = [[0.0; 3]; 3];
        let mut atx = [0.0; 3];
        let mut aty = [0.0; 3];
        for &((x, y), (u, v)) in pairs {
            let row = [x, y, 1.0];
            for i in 0..3 {
                for j in 0..3 {
                    ata[i][j] += row[i] * row[j];
                }
                atx[i] += row[i] * u;
                aty[i] += row[i] * v;
            }
        }
        let [a, b, c] = solve3(ata, atx)?;
        let [d, e, f] = solve3(ata, aty)?;
        Some(Affine([a, b, c, d, e, f]))
    }

    pub(super) fn apply(&self, (x, y): Point) -> Point {
        let [a, b, c, d, e, f] = self.0;
        (a * x + b * y + c, d * x + e * y + f)
    }

    /// Output units per input unit (pixels per millimetre), averaged over
    /// both axes.
    pub(super) fn scale(&self) -> f64 {
        let [a, b, _, d, e, _] = self.0;
        (a * e - b * d).abs().sqrt()
    }

    /// Direction of the input's x axis in the output, in degrees clockwise
    /// (image y grows downwards), -180 to 180.
    pub(super) fn angle_degrees(&self) -> f64 {
        let [a, _, _, d, _, _] = self.0;
        d.atan2(a).to_degrees()
    }
}

/// Cramer's rule; `None` for a singular system (collinear points).
fn solve3(m: [[f64; 3]; 3], r: [f64; 3]) -> Option<[f64; 3]> {
    let det = |m: [[f64; 3]; 3]| {
        m[0][0] * (m[1][1] * m[2][2] - m[1][2] * m[2][1])
            - m[0][1] * (m[1][0] * m[2][2] - m[1][2] * m[2][0])
            + m[0][2] * (m[1][0] * m[2][1] - m[1][1] * m[2][0])
    };
    let whole = det(m);
    let size = m
        .iter()
        .flatten()
        .fold(0.0_f64, |most, v| most.max(v.abs()));
    if whole.abs() <= 1e-10 * size.powi(3) {
        return None;
    }
    Some(std::array::from_fn(|col| {
        let mut replaced = m;
        for row in 0..3 {
            replaced[row][col] = r[row];
        }
        det(replaced) / whole
    }))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_rotation_and_scale_is_recovered_with_its_angle() {
        let (s, t) = (8.0_f64, 30.0_f64.to_radians());
        let truth = |(x, y): (f64, f64)| {
            (
                s * (x * t.cos() - y * t.sin()) + 5.0,
                s * (x * t.sin() + y * t.cos()) - 2.0,
            )
        };
        let pairs: Vec<_> = [(0.0, 0.0), (10.0, 0.0), (0.0, 20.0), (10.0, 20.0)]
            .into_iter()
            .map(|p| (p, truth(p)))
            .collect();
        let fit = Affine::fit(&pairs).unwrap();
        assert!((fit.scale() - 8.0).abs() < 1e-9);
        assert!((fit.angle_degrees() - 30.0).abs() < 1e-9);
        let (x, y) = fit.apply((3.0, 4.0));
        let (u, v) = truth((3.0, 4.0));
        assert!((x - u).abs() < 1e-9 && (y - v).abs() < 1e-9);
        assert!(Affine::fit(&pairs[..2]).is_none());
        let collinear: Vec<_> = [(0.0, 0.0), (1.0, 1.0), (2.0, 2.0)]
            .into_iter()
            .map(|p| (p, p))
            .collect();
        assert!(Affine::fit(&collinear).is_none());
    }
}
