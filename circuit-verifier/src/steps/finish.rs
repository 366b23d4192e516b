//! # The once-per-aggregate finish as uniform-step work: constants and native hints
//!
//! The finish of the batched verifier needs `L = sum_j s_j IC_j`, `s_0 alpha` and the residue
//! closing `F w c^{-p} c^{p^2} c^{-p^3} = 1` (see [`crate::pairing::residue`]). The steps do
//! all of it (design note, sections 7 and 8):
//!
//! - **MSM items.** Item `k` (one finish cycle each) computes `[s_j + delta_k] P_k` on the G1
//!   slots as two challenge-form chains ([`crate::curve::glv`]): chain A on `P_k` with the digit
//!   words `W0, W1`, chain C on `2^64 P_k` with `W2, W3`. Together they give `[A + lambda B] P_k`
//!   with
//!
//!   ```text
//!   A = K0 + d(W0) + 2^64 d(W2),   B = K1 + d(W1) + 2^64 d(W3),
//!   d(W) = 2W - (2^64 - 1),   K0 = 3 * 2^64 + 3 * 2^128,   K1 = 2^64 + 2^128,
//!   ```
//!
//!   and one native constraint pins `A + lambda B = s_j + delta_k (mod r)`. Items `0..=n` are
//!   `IC_0..IC_n` (scalars `s_0..s_n`), item `n + 1` is `alpha` (scalar `s_0`). The constant
//!   offsets `delta_k` keep every item away from the point at infinity (a zero scalar, e.g. an
//!   input that is zero in every proof, would otherwise make `T_A = -T_C`); the accumulator
//!   starts at `-sum_{k<=n} delta_k IC_k`, and the `alpha` item at `-delta_alpha alpha`, so the
//!   sums are exactly `L` and `s_0 alpha`.
//! - **Residue chain.** Hints `g = c^{-1}`, `e2 = g^p c`, `e3 = e2^p g`, `D = e3^p` satisfy
//!   `D = c^{-p} c^{p^2} c^{-p^3}` (Horner form of the exponent); four checks `x z = y^p`
//!   pin them ([`residue_chain`]).

use crate::curve::glv::{endo_beta, endo_lambda, HALF_DIGITS};
use crate::{Error, Result};
use ark_bn254::{Fq12, G1Affine, G1Projective};
use ark_ec::{AffineRepr, CurveGroup};
use ark_ff::{Field, PrimeField};
use num_bigint::{BigInt, Sign};
use num_integer::Integer;
use num_traits::Signed;

/// One MSM item: its base, the index of its scalar among `s_0..s_n`, its offset, and the
/// constant challenge tables `(U, V)` of chain A (base `P`) and chain C (base `2^64 P`).
#[derive(Clone, Debug)]
pub struct MsmItem {
    /// The base `P_k`.
    pub base: G1Affine,
    /// `j` with scalar `s_j`.
    pub scalar: usize,
    /// `delta_k`.
    pub delta: ark_bn254::Fr,
    /// `(U, V)` of `P_k` and of `2^64 P_k`.
    pub tables: [(G1Affine, G1Affine); 2],
}

/// The MSM's constants.
#[derive(Clone, Debug)]
pub struct MsmKey {
    /// Items `IC_0..IC_n`, then `alpha`.
    pub items: Vec<MsmItem>,
    /// The accumulator's start, `-sum_{k<=n} delta_k IC_k`.
    pub acc_start: G1Affine,
    /// The start of the `alpha` item, `-delta_alpha alpha`.
    pub alpha_start: G1Affine,
}

/// `(U, V) = (P + phi(P), P - phi(P))` with `phi(x, y) = (beta x, y)`.
fn challenge_tables(p: &G1Affine) -> (G1Affine, G1Affine) {
    let phi = G1Affine::new_unchecked(p.x * endo_beta(), p.y);
    (
        (p.into_group() + phi.into_group()).into_affine(),
        (p.into_group() - phi.into_group()).into_affine(),
    )
}

impl MsmKey {
    /// Constants for the key's `IC_0..IC_n` and `alpha`. Refuses a key with a base at infinity
    /// (the challenge form needs a point of order `r`; Groth16 setups never produce one).
    pub fn new(ic: &[G1Affine], alpha: &G1Affine) -> Result<Self> {
        let seed = ark_bn254::Fr::from_le_bytes_mod_order(b"zkagg msm-in-steps offset");
        let two64 = ark_bn254::Fr::from(2u64).pow([HALF_DIGITS as u64]);
        let mut items = Vec::with_capacity(ic.len() + 1);
        let bases = ic.iter().enumerate().chain(std::iter::once((0, alpha)));
        for (k, (j, p)) in bases.enumerate() {
            if p.is_zero() {
                return Err(Error::Input(
                    "verifying key with a point at infinity".into(),
                ));
            }
            let hi = (*p * two64).into_affine();
            items.push(MsmItem {
                base: *p,
                scalar: j,
                delta: seed + ark_bn254::Fr::from(k as u64 + 1),
                tables: [challenge_tables(p), challenge_tables(&hi)],
            });
        }
        let n = ic.len();
        let mut acc = G1Projective::default();
        for it in &items[..n] {
            acc -= it.base * it.delta;
        }
        let alpha_item = &items[n];
        let alpha_start = (-(alpha_item.base * alpha_item.delta)).into_affine();
        let acc_start = acc.into_affine();
        if acc_start.is_zero() || alpha_start.is_zero() {
            return Err(Error::Input("degenerate MSM offsets".into()));
        }
        Ok(Self {
            items,
            acc_start,
            alpha_start,
        })
    }
}

/// `K0 = 3 * 2^64 + 3 * 2^128` and `K1 = 2^64 + 2^128`: the leading digits of the two chains.
pub fn chain_offsets() -> (ark_bn254::Fr, ark_bn254::Fr) {
    let two64 = ark_bn254::Fr::from(2u64).pow([HALF_DIGITS as u64]);
    let two128 = two64 * two64;
    let three = ark_bn254::Fr::from(3u64);
    (three * two64 + three * two128, two64 + two128)
}

fn fr_to_int(x: &ark_bn254::Fr) -> BigInt {
    BigInt::from_bytes_le(
        Sign::Plus,
        &ark_ff::BigInteger::to_bytes_le(&x.into_bigint()),
    )
}

fn int_to_fr(x: &BigInt) -> ark_bn254::Fr {
    let r = BigInt::from(crate::convert::fr_modulus().clone());
    let (_, mag) = x.mod_floor(&r).into_parts();
    ark_bn254::Fr::from_le_bytes_mod_order(&mag.to_bytes_le())
}

/// The reduced basis of the lattice `{(u, v): u + lambda v = 0 mod r}` (the GLV basis of
/// [`crate::curve::glv`]); each vector is verified.
fn lattice_basis() -> Result<[(BigInt, BigInt); 2]> {
    let parse = |s: &str| s.parse::<BigInt>().map_err(|e| Error::Input(e.to_string()));
    let v1 = (
        parse("147946756881789319000765030803803410728")?,
        parse("-9931322734385697763")?,
    );
    let v2 = (
        parse("9931322734385697763")?,
        parse("147946756881789319010696353538189108491")?,
    );
    let lam = endo_lambda();
    for v in [&v1, &v2] {
        if int_to_fr(&v.0) + lam * int_to_fr(&v.1) != ark_bn254::Fr::from(0u64) {
            return Err(Error::Input("GLV lattice basis mismatch".into()));
        }
    }
    Ok([v1, v2])
}

/// Rounds `a / b` to the nearest integer (`b > 0`).
fn round_div(a: &BigInt, b: &BigInt) -> BigInt {
    let num: BigInt = a * 2 + b;
    let den: BigInt = b * 2;
    num.div_floor(&den)
}

/// Splits an odd `t` with `|t| < 2^128 - 2^65` into odd `d0, d1` with `|d0|, |d1| < 2^64` and
/// `t = d0 + 2^64 d1`.
fn split_odd(t: &BigInt) -> Option<(BigInt, BigInt)> {
    let two64 = BigInt::from(1u8) << HALF_DIGITS;
    let lim = &two64 - 1;
    // d1 = the odd integer nearest t / 2^64.
    let q = t.div_floor(&(&two64 * 2));
    let cands: [BigInt; 3] = [&q * 2 - 1, &q * 2 + 1, &q * 2 + 3];
    for d1 in cands {
        let d0: BigInt = t - &two64 * &d1;
        if d0.abs() <= lim && d1.abs() <= lim && d0.is_odd() && d1.is_odd() {
            return Some((d0, d1));
        }
    }
    None
}

/// The 64-bit word with `d(W) = 2W - (2^64 - 1) = d`.
fn word(d: &BigInt) -> Option<u64> {
    let w: BigInt = (d + ((BigInt::from(1u8) << HALF_DIGITS) - 1)) / 2;
    u64::try_from(w).ok()
}

/// The digit words `[W0, W1, W2, W3]` of an item with `A + lambda B = target (mod r)` (see the
/// module documentation). Completeness only: the circuit checks the result.
pub fn msm_words(target: &ark_bn254::Fr) -> Result<[u64; 4]> {
    let (k0, k1) = chain_offsets();
    let lam = endo_lambda();
    let t = fr_to_int(&(*target - k0 - lam * k1));
    let [v1, v2] = lattice_basis()?;
    // Babai rounding of (t, 0) in the basis (v1, v2).
    let det = &v1.0 * &v2.1 - &v2.0 * &v1.1;
    let (num1, num2) = (&t * &v2.1, -(&t * &v1.1));
    let (c1, c2) = if det.sign() == Sign::Minus {
        (round_div(&-num1, &-&det), round_div(&-num2, &-&det))
    } else {
        (round_div(&num1, &det), round_div(&num2, &det))
    };
    let a0 = &t - &c1 * &v1.0 - &c2 * &v2.0;
    let b0 = -(&c1 * &v1.1) - &c2 * &v2.1;
    let bound = (BigInt::from(1u8) << 128) - (BigInt::from(1u8) << 65);
    let mut best: Option<(BigInt, BigInt)> = None;
    for e1 in -1i32..=1 {
        for e2 in -1i32..=1 {
            let a = &a0 + &v1.0 * e1 + &v2.0 * e2;
            let b = &b0 + &v1.1 * e1 + &v2.1 * e2;
            if a.is_odd() && b.is_odd() && a.abs() < bound && b.abs() < bound {
                let m = a.abs().max(b.abs());
                if best.as_ref().map(|(x, y)| m < x.abs().max(y.abs())) != Some(false) {
                    best = Some((a, b));
                }
            }
        }
    }
    let (a, b) = best.ok_or_else(|| Error::Witness("no odd MSM decomposition".into()))?;
    if int_to_fr(&a) + lam * int_to_fr(&b) != int_to_fr(&t) {
        return Err(Error::Witness("MSM decomposition mismatch".into()));
    }
    let err = || Error::Witness("MSM digits out of range".into());
    let (a_lo, a_hi) = split_odd(&a).ok_or_else(err)?;
    let (b_lo, b_hi) = split_odd(&b).ok_or_else(err)?;
    Ok([
        word(&a_lo).ok_or_else(err)?,
        word(&b_lo).ok_or_else(err)?,
        word(&a_hi).ok_or_else(err)?,
        word(&b_hi).ok_or_else(err)?,
    ])
}

/// The value `A + lambda B` that the words give (what the circuit's native constraint computes).
pub fn words_value(w: &[u64; 4]) -> ark_bn254::Fr {
    let (k0, k1) = chain_offsets();
    let two64 = ark_bn254::Fr::from(2u64).pow([HALF_DIGITS as u64]);
    let d = |x: u64| {
        ark_bn254::Fr::from(x) * ark_bn254::Fr::from(2u64) - (two64 - ark_bn254::Fr::from(1u64))
    };
    let a = k0 + d(w[0]) + two64 * d(w[2]);
    let b = k1 + d(w[1]) + two64 * d(w[3]);
    a + endo_lambda() * b
}

/// The residue chain `[g, e2, e3, D]` for `c`: `g = c^{-1}`, `e2 = g^p c`, `e3 = e2^p g`,
/// `D = e3^p = c^{-p} c^{p^2} c^{-p^3}`.
pub fn residue_chain(c: &Fq12) -> [Fq12; 4] {
    let g = c.inverse().unwrap_or(Fq12::ONE);
    let frob = |x: &Fq12| {
        let mut y = *x;
        y.frobenius_map_in_place(1);
        y
    };
    let e2 = frob(&g) * c;
    let e3 = frob(&e2) * g;
    let d = frob(&e3);
    [g, e2, e3, d]
}

#[cfg(test)]
mod tests {
    use super::*;
    use ark_ff::UniformRand;

    #[test]
    fn msm_words_hit_every_target() {
        let mut rng = ark_std::test_rng();
        let mut targets: Vec<ark_bn254::Fr> =
            (0..200).map(|_| ark_bn254::Fr::rand(&mut rng)).collect();
        targets.extend([
            ark_bn254::Fr::from(0u64),
            ark_bn254::Fr::from(1u64),
            -ark_bn254::Fr::from(1u64),
        ]);
        for t in targets {
            let w = msm_words(&t).unwrap();
            assert_eq!(words_value(&w), t);
        }
    }

    #[test]
    fn residue_chain_is_the_closing_factor() {
        let mut rng = ark_std::test_rng();
        let c = Fq12::rand(&mut rng);
        let [g, _, _, d] = residue_chain(&c);
        assert_eq!(g * c, Fq12::ONE);
        let f = |x: &Fq12, k: usize| {
            let mut y = *x;
            y.frobenius_map_in_place(k);
            y
        };
        assert_eq!(d, f(&g, 1) * f(&c, 2) * f(&g, 3));
    }

    #[test]
    fn msm_chains_compute_the_item() {
        // [A + lambda B] P as the two chains compute it, for random words.
        let key = MsmKey::new(&[G1Affine::generator()], &G1Affine::generator()).unwrap();
        let it = &key.items[0];
        let w = msm_words(&ark_bn254::Fr::from(12345u64)).unwrap();
        let lam = endo_lambda();
        let phi = G1Affine::new_unchecked(it.base.x * endo_beta(), it.base.y);
        assert_eq!((it.base * lam).into_affine(), phi);
        assert_eq!(
            (it.base * words_value(&w)).into_affine(),
            (it.base * ark_bn254::Fr::from(12345u64)).into_affine()
        );
    }
}
