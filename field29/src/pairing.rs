//! BN254's optimal ate pairing on this backend with the lazy-reduction products of
//! [`crate::lazy`]: the multi-Miller loop and the final exponentiation.
//!
//! The steps are those of arkworks' generic BN pairing (`ark_ec::bn`), and the line
//! coefficients (`G2Prepared`, from [`crate::lines::prepare`] or arkworks' preparation, which
//! give the same values) are consumed in arkworks' order, so the two compute the same value
//! (the tests compare Miller loops and pairings, and the core crate's engine tests every
//! verifier check). The `Fq12` products, squares, cyclotomic squares and the inverse are
//! [`crate::lazy`]'s; Frobenius maps and conjugations are arkworks' tower on
//! [`crate::backend`].

use alloc::vec::Vec;
use core::slice::Iter;

use ark_ec::bn::{g2::EllCoeff, BnConfig, G1Prepared};
use ark_ec::AffineRepr;
use ark_ff::{CyclotomicMultSubgroup, Field, One};

use crate::bn::{Config, Fq12, G2Prepared};
use crate::lazy;

/// One line evaluated at a G1 point and multiplied into `f`: the coefficients
/// `(c0, c1, c2)` of a line through points of the twist (arkworks' D-type line), scaled by
/// the point's coordinates as `c0 y`, `c1 x`, then the sparse product.
#[inline]
fn line(f: &mut Fq12, coefficients: &EllCoeff<Config>, p: &G1Prepared<Config>) {
    let (c0, c1, c2) = coefficients;
    lazy::mul_by_034(
        f,
        &lazy::mul_by_fq(c0, &p.0.y),
        &lazy::mul_by_fq(c1, &p.0.x),
        c2,
    );
}

/// `f^(p^power)` (one copy of arkworks' Frobenius map in the download for its four calls).
#[inline(never)]
fn frobenius(f: &Fq12, power: usize) -> Fq12 {
    let mut mapped = *f;
    mapped.frobenius_map_in_place(power);
    mapped
}

/// The next line of every pair multiplied into `f`. A preparation (ours or arkworks') gives one
/// coefficient triple per line of the loop, so a prepared point's iterator does not run dry.
#[inline(never)]
fn next_lines(f: &mut Fq12, live: &mut [(&G1Prepared<Config>, Iter<'_, EllCoeff<Config>>)]) {
    for (p, coefficients) in live.iter_mut() {
        if let Some(c) = coefficients.next() {
            line(f, c, p);
        }
    }
}

/// `prod_i f_{6x+2, Q_i}(P_i)` times the two Frobenius lines per pair: the Miller loop of the
/// optimal ate pairing, all pairs sharing one accumulator (one square per step for all of
/// them). A pair with the point at infinity on either side contributes 1 (`e(O, Q) = 1`), as
/// in arkworks.
pub fn multi_miller_loop(pairs: &[(G1Prepared<Config>, &G2Prepared)]) -> Fq12 {
    let mut live: Vec<_> = pairs
        .iter()
        .filter(|(p, q)| !p.0.is_zero() && !q.infinity)
        .map(|(p, q)| (p, q.ell_coeffs.iter()))
        .collect();
    let steps = Config::ATE_LOOP_COUNT;
    let mut f = Fq12::one();
    for i in (1..steps.len()).rev() {
        if i != steps.len() - 1 {
            f = lazy::square(&f);
        }
        next_lines(&mut f, &mut live);
        if steps[i - 1] != 0 {
            next_lines(&mut f, &mut live);
        }
    }
    if Config::X_IS_NEGATIVE {
        f.cyclotomic_inverse_in_place();
    }
    next_lines(&mut f, &mut live);
    next_lines(&mut f, &mut live);
    f
}

/// `a^-x` for `a` in the cyclotomic subgroup (where the inverse is the conjugate): sliding
/// windows of up to three digits over the non-adjacent form of `x`. In a NAF two non-zero
/// digits are never adjacent, so a window ending in a non-zero digit is worth `+-1`, `+-3` or
/// `+-5`: with `a^3` and `a^5` computed first (one square, two products) each window costs one
/// product, 16 products for BN254's `x` where the digit-by-digit NAF took 23; the squares are
/// the same 62.
fn exp_by_neg_x(a: &Fq12) -> Fq12 {
    let a2 = lazy::cyclotomic_square(a);
    let a3 = lazy::mul(a, &a2);
    let odd_powers = [*a, a3, lazy::mul(&a3, &a2)];
    let digits = ark_ff::biginteger::arithmetic::find_naf(Config::X);
    let mut power: Option<Fq12> = None;
    let mut top = digits.len();
    while top > 0 {
        if digits[top - 1] == 0 {
            power = power.map(|p| lazy::cyclotomic_square(&p));
            top -= 1;
            continue;
        }
        // The window digits[low..top]: at most three digits, the lowest non-zero.
        let mut low = top.saturating_sub(3);
        while digits[low] == 0 {
            low += 1;
        }
        let value = digits[low..top]
            .iter()
            .rev()
            .fold(0i32, |v, &d| 2 * v + i32::from(d));
        let mut factor = odd_powers[(value.unsigned_abs() as usize - 1) / 2];
        if value < 0 {
            factor.cyclotomic_inverse_in_place();
        }
        power = Some(match power {
            Some(mut p) => {
                for _ in low..top {
                    p = lazy::cyclotomic_square(&p);
                }
                lazy::mul(&p, &factor)
            }
            None => factor,
        });
        top = low;
    }
    let mut power = power.unwrap_or_else(Fq12::one);
    if !Config::X_IS_NEGATIVE {
        power.cyclotomic_inverse_in_place();
    }
    power
}

/// `f^((p^12 - 1) / r)`, `None` only if `f = 0`.
///
/// Easy part: `m = f^((p^6 - 1)(p^2 + 1))` (a conjugate, one inversion, a Frobenius map),
/// which puts `m` in the cyclotomic subgroup. Hard part: `m^(2x (6x^2 + 3x + 1)(p^4 - p^2 + 1)
/// / r)`, a multiple of `(p^4 - p^2 + 1) / r` coprime to `r`, so the result is a fixed power of
/// the reduced pairing and `= 1` exactly when it is (Fuentes-Castaneda, Knapp and
/// Rodriguez-Henriquez, "Faster hashing to G2", SAC 2011). As a polynomial in `p` the exponent
/// is `l0 + l1 p + l2 p^2 + l3 p^3` with `l0 = 12x^3 + 12x^2 + 6x + 1`,
/// `l1 = 12x^3 + 6x^2 + 4x`, `l2 = 12x^3 + 6x^2 + 6x`, `l3 = 12x^3 + 6x^2 + 4x - 1`, formed
/// from three exponentiations by `x` (the comments give each value's exponent of `m`).
pub fn final_exponentiation(f: &Fq12) -> Option<Fq12> {
    let inverse = lazy::inverse(f)?;
    let mut conjugate = *f;
    conjugate.cyclotomic_inverse_in_place();
    let m6 = lazy::mul(&conjugate, &inverse); // f^(p^6 - 1)
    let m = lazy::mul(&frobenius(&m6, 2), &m6); // f^((p^6 - 1)(p^2 + 1))

    let neg_x = exp_by_neg_x(&m); // -x
    let neg_2x = lazy::cyclotomic_square(&neg_x); // -2x
    let neg_4x = lazy::cyclotomic_square(&neg_2x); // -4x
    let mut neg_6x = lazy::mul(&neg_4x, &neg_2x); // -6x
    let x2_6 = exp_by_neg_x(&neg_6x); // 6x^2
    let x2_12 = lazy::cyclotomic_square(&x2_6); // 12x^2
    let mut x3_12 = exp_by_neg_x(&x2_12); // -12x^3, conjugated below
    x3_12.cyclotomic_inverse_in_place(); // 12x^3
    neg_6x.cyclotomic_inverse_in_place(); // 6x
    let six_x = neg_6x;
    let l2 = lazy::mul(&lazy::mul(&x3_12, &x2_6), &six_x); // 12x^3 + 6x^2 + 6x
    let l1 = lazy::mul(&l2, &neg_2x); // 12x^3 + 6x^2 + 4x
    let l0 = lazy::mul(&lazy::mul(&l2, &x2_6), &m); // 12x^3 + 12x^2 + 6x + 1
    let mut m_inverse = m;
    m_inverse.cyclotomic_inverse_in_place();

    let l3 = lazy::mul(&l1, &m_inverse); // 12x^3 + 6x^2 + 4x - 1
    let l0_l1 = lazy::mul(&l0, &frobenius(&l1, 1));
    let l0_l1_l2 = lazy::mul(&l0_l1, &frobenius(&l2, 2));
    Some(lazy::mul(&l0_l1_l2, &frobenius(&l3, 3)))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::bn::{fq12_to_ark, g1_from_ark, g2_from_ark};
    use ark_ec::pairing::Pairing;
    use ark_ec::{AffineRepr, CurveGroup, PrimeGroup};
    use ark_ff::UniformRand;
    use rand::SeedableRng;

    #[test]
    fn pairings_equal_arkworks() {
        let mut rng = rand::rngs::StdRng::seed_from_u64(31);
        for pairs in [1usize, 2, 3, 4] {
            let g1: Vec<ark_bn254::G1Affine> = (0..pairs)
                .map(|_| ark_bn254::G1Projective::rand(&mut rng).into_affine())
                .collect();
            let g2: Vec<ark_bn254::G2Affine> = (0..pairs)
                .map(|_| ark_bn254::G2Projective::rand(&mut rng).into_affine())
                .collect();
            let prepared: Vec<G2Prepared> = g2.iter().map(|q| g2_from_ark(q).into()).collect();
            let ours: Vec<_> = g1
                .iter()
                .zip(&prepared)
                .map(|(p, q)| (G1Prepared::from(g1_from_ark(p)), q))
                .collect();
            let miller = multi_miller_loop(&ours);
            let expected = ark_bn254::Bn254::multi_miller_loop(g1.clone(), g2.clone());
            assert_eq!(
                fq12_to_ark(&miller),
                expected.0,
                "Miller loop, {pairs} pairs"
            );
            let value = final_exponentiation(&miller).map(|v| fq12_to_ark(&v));
            let expected = ark_bn254::Bn254::final_exponentiation(expected).map(|v| v.0);
            assert_eq!(value, expected, "pairing, {pairs} pairs");
        }
    }

    #[test]
    fn identity_pairs_and_bilinearity() {
        let g1 = ark_bn254::G1Projective::generator();
        let g2 = ark_bn254::G2Projective::generator();
        let prepared =
            |q: ark_bn254::G2Projective| -> G2Prepared { g2_from_ark(&q.into_affine()).into() };
        let (q, neg_q6, zero_q) = (
            prepared(g2 * ark_bn254::Fr::from(2u64)),
            prepared(-g2),
            prepared(ark_bn254::G2Projective::default()),
        );
        let p = |x: ark_bn254::G1Projective| G1Prepared::from(g1_from_ark(&x.into_affine()));
        // e(3 g1, 2 g2) e(6 g1, -g2) e(g1, O) e(O, 2 g2) = 1.
        let pairs = [
            (p(g1 * ark_bn254::Fr::from(3u64)), &q),
            (p(g1 * ark_bn254::Fr::from(6u64)), &neg_q6),
            (p(g1), &zero_q),
            (
                G1Prepared::from(g1_from_ark(&ark_bn254::G1Affine::zero())),
                &q,
            ),
        ];
        let value = final_exponentiation(&multi_miller_loop(&pairs));
        assert_eq!(value, Some(Fq12::one()));
        // A changed scalar breaks it.
        let pairs = [
            (p(g1 * ark_bn254::Fr::from(3u64)), &q),
            (p(g1 * ark_bn254::Fr::from(5u64)), &neg_q6),
        ];
        let value = final_exponentiation(&multi_miller_loop(&pairs));
        assert!(value.is_some_and(|v| !v.is_one()));
        assert_eq!(final_exponentiation(&Fq12::default()), None);
    }
}
