//! The Miller loop's line coefficients of a G2 point (`G2Prepared`), computed with the
//! products of [`crate::lazy`].
//!
//! The same formulas and order as arkworks' BN preparation (`ark_ec::bn::G2Prepared::from`),
//! so the coefficients are equal value for value (the tests compare them) and
//! [`crate::pairing::multi_miller_loop`] consumes them as arkworks' loop would: the running
//! point `R = (X : Y : Z)` in homogeneous projective coordinates on the twist
//! `y^2 = x^3 + b'`, a doubling step per digit of the ate loop count `6x + 2` and an addition
//! step (with `Q` or `-Q`) per non-zero digit, then the two additions with `pi(Q)` and
//! `-pi^2(Q)` (Frobenius images on the twist). Each step returns the line through the points
//! involved as `(c0, c1, c2)` (D-type twist: evaluated at `P = (x, y)` as `c0 y`, `c1 x`, `c2`
//! in the sparse `Fq12` positions 0, 3 and 4).

use alloc::vec::Vec;

use ark_ec::bn::{g2::EllCoeff, BnConfig};
use ark_ec::short_weierstrass::SWCurveConfig;
use ark_ec::AffineRepr;
use ark_ff::{AdditiveGroup, Field, MontFp};

use crate::backend::{fq_const, Fq};
use crate::bn::{Config, Fq2, G2Affine, G2Config, G2Prepared};
use crate::lazy::{fq2_mul, fq2_mul_sub, fq2_square, mul_by_fq};

/// `1/2 = (p + 1) / 2` in `Fq`.
const TWO_INVERSE: Fq = fq_const(MontFp!(
    "10944121435919637611123202872628637544348155578648911831344518947322613104292"
));

/// `R = (X : Y : Z)`, a multiple of `Q` on the twist.
struct Running {
    x: Fq2,
    y: Fq2,
    z: Fq2,
}

impl Running {
    /// `R <- 2R` and the tangent line at `R`: with `b = Y^2`, `c = Z^2`, `e = 3 b' c`,
    /// `f = 3e`, `h = (Y + Z)^2 - b - c = 2YZ`: `X' = XY (b - f) / 2`,
    /// `Y' = ((b + f) / 2)^2 - 3 e^2`, `Z' = b h`; the line is `(-h, 3 X^2, e - b)`.
    fn double(&mut self) -> EllCoeff<Config> {
        let a = mul_by_fq(&fq2_mul(&self.x, &self.y), &TWO_INVERSE);
        let b = fq2_square(&self.y);
        let c = fq2_square(&self.z);
        let e = fq2_mul(&G2Config::COEFF_B, &(c.double() + c));
        let f = e.double() + e;
        let g = mul_by_fq(&(b + f), &TWO_INVERSE);
        let h = fq2_square(&(self.y + self.z)) - (b + c);
        let j = fq2_square(&self.x);
        let e_square = fq2_square(&e);
        self.x = fq2_mul(&a, &(b - f));
        self.y = fq2_square(&g) - (e_square.double() + e_square);
        self.z = fq2_mul(&b, &h);
        (-h, j.double() + j, e - b)
    }

    /// `R <- R + Q` for affine `Q = (qx, qy)` and the line through `R` and `Q`: with
    /// `theta = Y - qy Z`, `lambda = X - qx Z`, `e = lambda^3`, `g = X lambda^2`,
    /// `h = e + Z theta^2 - 2g`: `X' = lambda h`, `Y' = theta (g - h) - e Y`, `Z' = Z e`;
    /// the line is `(lambda, -theta, theta qx - lambda qy)`.
    fn add(&mut self, qx: &Fq2, qy: &Fq2) -> EllCoeff<Config> {
        let theta = self.y - fq2_mul(qy, &self.z);
        let lambda = self.x - fq2_mul(qx, &self.z);
        let c = fq2_square(&theta);
        let d = fq2_square(&lambda);
        let e = fq2_mul(&lambda, &d);
        let f = fq2_mul(&self.z, &c);
        let g = fq2_mul(&self.x, &d);
        let h = e + f - g.double();
        self.x = fq2_mul(&lambda, &h);
        self.y = fq2_mul_sub(&theta, &(g - h), &e, &self.y);
        self.z = fq2_mul(&self.z, &e);
        (lambda, -theta, fq2_mul_sub(&theta, qx, &lambda, qy))
    }
}

/// `pi(Q)` on the twist: the Frobenius map on the coordinates, times the twist's constants.
fn frobenius_on_twist(x: &Fq2, y: &Fq2) -> (Fq2, Fq2) {
    let (mut x, mut y) = (*x, *y);
    x.frobenius_map_in_place(1);
    y.frobenius_map_in_place(1);
    (
        fq2_mul(&x, &Config::TWIST_MUL_BY_Q_X),
        fq2_mul(&y, &Config::TWIST_MUL_BY_Q_Y),
    )
}

/// The line coefficients of `q` for [`crate::pairing::multi_miller_loop`] (none, and
/// `infinity`, for the point at infinity).
pub fn prepare(q: &G2Affine) -> G2Prepared {
    let Some((qx, qy)) = q.xy() else {
        return G2Prepared {
            ell_coeffs: Vec::new(),
            infinity: true,
        };
    };
    let neg_qy = -qy;
    let mut r = Running {
        x: qx,
        y: qy,
        z: Fq2::ONE,
    };
    let mut ell_coeffs = Vec::with_capacity(Config::ATE_LOOP_COUNT.len() * 3 / 2);
    for digit in Config::ATE_LOOP_COUNT.iter().rev().skip(1) {
        ell_coeffs.push(r.double());
        match digit {
            1 => ell_coeffs.push(r.add(&qx, &qy)),
            -1 => ell_coeffs.push(r.add(&qx, &neg_qy)),
            _ => {}
        }
    }
    let (q1x, q1y) = frobenius_on_twist(&qx, &qy);
    let (q2x, q2y) = frobenius_on_twist(&q1x, &q1y);
    if Config::X_IS_NEGATIVE {
        r.y = -r.y;
    }
    ell_coeffs.push(r.add(&q1x, &q1y));
    ell_coeffs.push(r.add(&q2x, &-q2y));
    G2Prepared {
        ell_coeffs,
        infinity: false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::bn::g2_from_ark;
    use ark_ec::{CurveGroup, PrimeGroup};
    use ark_ff::UniformRand;
    use rand::SeedableRng;

    #[test]
    fn coefficients_equal_arkworks() {
        assert_eq!(TWO_INVERSE.double(), Fq::ONE);
        let mut rng = rand::rngs::StdRng::seed_from_u64(32);
        let generator = ark_bn254::G2Projective::generator();
        let mut points = vec![generator, -generator, generator.double()];
        points.extend((0..6).map(|_| ark_bn254::G2Projective::rand(&mut rng)));
        for (i, point) in points.iter().enumerate() {
            let q = g2_from_ark(&point.into_affine());
            let ours = prepare(&q);
            let theirs = G2Prepared::from(q);
            assert!(!ours.infinity);
            assert_eq!(ours.ell_coeffs, theirs.ell_coeffs, "point {i}");
        }
        let zero = prepare(&G2Affine::zero());
        assert!(zero.infinity && zero.ell_coeffs.is_empty());
    }
}
