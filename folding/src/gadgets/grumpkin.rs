//! # Grumpkin points in the primary circuit (native arithmetic over `Fr`)
//!
//! Grumpkin is `y^2 = x^3 - 17` over BN254's scalar field `Fr`, of prime order `q = |Fq|`. Its
//! coordinates are native variables of the primary circuit, so the CycleFold commitments can be
//! folded there without emulation: this module allocates points ([`alloc_point`]) and computes
//! the folded commitment `p1 + r * p2` ([`scalar_mul_add`]) for the CycleFold fold scalar
//! `r = 2^129 + 1 + 2h` ([`cf_fold_scalar`]).
//!
//! **The point at infinity** is encoded as `(0, 0)`, like halo2curves' affine identity. No
//! finite Grumpkin point has `y = 0` (that would be a point of order 2, and the group has odd
//! prime order), and `(0, 0)` is not on the curve (`0 != -17`), so the encoding is unambiguous and
//! a point is the identity exactly when its `y` is zero.

use crate::{Error, Fq, Fr, GrumpkinAffine, Result};
use ff::{Field, PrimeField};
use halo2curves::group::Curve;
use nova_snark::frontend::{
    gadgets::boolean::AllocatedBit, num::AllocatedNum, ConstraintSystem, LinearCombination,
    Variable,
};

/// The curve constant `b` of `y^2 = x^3 + b`: `-17`.
pub fn curve_b() -> Fr {
    -Fr::from(17u64)
}

/// An allocated Grumpkin point in affine coordinates; the identity is `(0, 0)` (see the module
/// documentation). Which points a `GrumpkinVar` may hold is decided by how it was made:
/// [`alloc_point`] proves it on the curve (or the identity when allowed), [`scalar_mul_add`]
/// always returns a finite point on the curve.
#[derive(Clone, Debug)]
pub struct GrumpkinVar {
    /// The `x` coordinate.
    pub x: AllocatedNum<Fr>,
    /// The `y` coordinate.
    pub y: AllocatedNum<Fr>,
}

impl GrumpkinVar {
    /// The witness coordinates `[x, y]`; an error when a value is missing.
    pub fn coords_value(&self) -> Result<[Fr; 2]> {
        Ok([num_value(&self.x)?, num_value(&self.y)?])
    }

    /// The witness point: the identity for `(0, 0)`, `None` when a value is missing or the
    /// coordinates are neither on the curve nor `(0, 0)`.
    pub fn value(&self) -> Option<GrumpkinAffine> {
        let (x, y) = (self.x.get_value()?, self.y.get_value()?);
        let p = GrumpkinAffine { x, y };
        if x.is_zero_vartime() && y.is_zero_vartime() {
            return Some(p);
        }
        is_on_curve(&p).then_some(p)
    }

    /// The coordinate variables `[x, y]`.
    pub fn vars(&self) -> [Variable; 2] {
        [self.x.get_variable(), self.y.get_variable()]
    }
}

/// The coordinates of a point as the circuit sees them: `[x, y]`, `(0, 0)` for the identity.
pub fn point_coords(p: &GrumpkinAffine) -> [Fr; 2] {
    // halo2curves also encodes the affine identity as (0, 0).
    [p.x, p.y]
}

/// Whether `p` satisfies the curve equation (`false` for the identity's `(0, 0)`).
fn is_on_curve(p: &GrumpkinAffine) -> bool {
    p.y.square() == p.x.square() * p.x + curve_b()
}

/// The CycleFold fold scalar `r = 2^129 + 1 + 2h` for a 128-bit hash output `h`, as an element of
/// `Fq` (it is an integer below `2^130 < q`, so the same integer serves as the Grumpkin scalar).
///
/// Why this shape: `r` is odd and `>= 2^129`, which makes the in-circuit multiplication
/// ([`scalar_mul_add`]) free of exceptional cases (it starts from `3 * P2` and every intermediate
/// multiple stays in `[3, 2^130)`), while keeping 128 bits of challenge entropy.
pub fn cf_fold_scalar(h: u128) -> Fq {
    let two_129 = Fq::from(2u64).pow_vartime([129u64]);
    two_129 + Fq::ONE + Fq::from_u128(h).double()
}

/// Allocates a fresh variable holding `v` and returns it as an [`AllocatedNum`] that keeps its
/// value even in constraint systems that never evaluate witnesses (nova-snark's `ShapeCS`).
pub(crate) fn alloc_num<CS: ConstraintSystem<Fr>>(
    cs: &mut CS,
    name: &'static str,
    v: Fr,
) -> Result<AllocatedNum<Fr>> {
    let var = cs.alloc(|| name, || Ok(v))?;
    Ok(AllocatedNum::from_parts(var, Some(v)))
}

/// The witness value of a number; a missing value is a witness error.
pub(crate) fn num_value(n: &AllocatedNum<Fr>) -> Result<Fr> {
    n.get_value()
        .ok_or_else(|| Error::Witness("an allocated number has no value".into()))
}

/// `1 / v`, or zero when `v` is zero (then the constraint that uses it fails instead of
/// synthesis: only invalid inputs reach that case).
fn inv_or_zero(v: Fr) -> Fr {
    Option::<Fr>::from(v.invert()).unwrap_or(Fr::ZERO)
}

/// Allocates `p` and proves it is a point of Grumpkin; with `allow_infinity` the identity
/// `(0, 0)` is accepted too.
///
/// Constraints (`x2 = x * x`, `x3 = x2 * x`, then):
/// - without infinity (3 constraints): `y * y = x3 - 17`;
/// - with infinity (5 constraints): `y2 = y * y`, `e = y2 - x3 + 17` (a linear combination),
///   `y * e = 0` and `x * e = 0`. If the point is on the curve, `e = 0` and both hold. If it is
///   not, `e != 0` forces `x = y = 0`, i.e. the identity (and `(0, 0)` indeed gives `e = 17`).
///
/// Synthesis does not refuse an invalid `p` (an off-curve point, or the identity when it is not
/// allowed): the constraints are then unsatisfied, which is what a malicious-witness test needs.
pub fn alloc_point<CS: ConstraintSystem<Fr>>(
    cs: &mut CS,
    p: &GrumpkinAffine,
    allow_infinity: bool,
) -> Result<GrumpkinVar> {
    let [xv, yv] = point_coords(p);
    let x = alloc_num(cs, "x", xv)?;
    let y = alloc_num(cs, "y", yv)?;
    let (xvar, yvar) = (x.get_variable(), y.get_variable());
    let x2v = xv.square();
    let x2 = cs.alloc(|| "x^2", || Ok(x2v))?;
    cs.enforce(
        || "x^2 = x * x",
        |lc| lc + xvar,
        |lc| lc + xvar,
        |lc| lc + x2,
    );
    let x3v = x2v * xv;
    let x3 = cs.alloc(|| "x^3", || Ok(x3v))?;
    cs.enforce(
        || "x^3 = x^2 * x",
        |lc| lc + x2,
        |lc| lc + xvar,
        |lc| lc + x3,
    );
    let b = curve_b();
    if allow_infinity {
        let y2 = cs.alloc(|| "y^2", || Ok(yv.square()))?;
        cs.enforce(
            || "y^2 = y * y",
            |lc| lc + yvar,
            |lc| lc + yvar,
            |lc| lc + y2,
        );
        // e = y^2 - x^3 - b: zero exactly on the curve.
        let e = |lc: LinearCombination<Fr>| lc + y2 - x3 + (-b, CS::one());
        cs.enforce(|| "y * e = 0", |lc| lc + yvar, e, |lc| lc);
        cs.enforce(|| "x * e = 0", |lc| lc + xvar, e, |lc| lc);
    } else {
        cs.enforce(
            || "y * y = x^3 + b",
            |lc| lc + yvar,
            |lc| lc + yvar,
            |lc| lc + x3 + (b, CS::one()),
        );
    }
    Ok(GrumpkinVar { x, y })
}

/// Deliberate witness corruptions, for the malicious-witness tests.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Tamper {
    /// The honest witness.
    None,
    /// The output's `y` is shifted by one.
    OutputY,
    /// The prover claims `p1` is the identity (and outputs `r * p2`) although it is finite.
    ClaimInfinity,
    /// At this step the added point uses the opposite sign of the bit (`y_Q` consistent with
    /// the wrong sign).
    WrongSign(usize),
}

/// `p1 + r * p2` with `r = 2^129 + 1 + 2h` ([`cf_fold_scalar`]), `h = sum_i h_bits[i] 2^i`.
///
/// Preconditions (the caller's, by construction of the arguments): `p1` was allocated by
/// [`alloc_point`] (on the curve, or the identity `(0, 0)`), `p2` is finite and on the curve
/// (`alloc_point(.., false)` or an output of this function), and `h_bits` are exactly 128 boolean
/// variables (a bit without a witness value, as in shape synthesis, counts as 0 in the witness).
/// The output is a finite point on the curve.
///
/// ## The multiplication (6 constraints per bit)
///
/// With `s_i = 2 b_i - 1` in `{-1, +1}`, `sum_{i<128} s_i 2^i = 2h - (2^128 - 1)`, hence
/// `r = 3 * 2^128 + sum_{i<128} s_i 2^i`. The accumulator starts at `A = 3 * P2` and runs
/// `A <- 2A + Q_i` for `i = 127 .. 0`, with `Q_i = (x2, s_i y2) = s_i * P2`; at the end
/// `A = r * P2`. Each step computes `2A + Q = (A + Q) + A` without materialising `y` of `A + Q`:
///
/// ```text
///   y_Q = (2 b_i - 1) y2
///   (x_Q - x_A) l1 = y_Q - y_A          R = A + Q
///   l1^2 = x_R + x_A + x_Q
///   (l1 + l2)(x_R - x_A) = -2 y_A        S = R + A; l2 = -l1 - 2 y_A / (x_R - x_A)
///   l2^2 = x_S + x_R + x_A
///   l2 (x_A - x_S) = y_S + y_A
/// ```
///
/// (`y_R = -y_A - l1 (x_R - x_A)`, so the slope from `R` to `A` is the `l2` above.) The initial
/// `3 * P2` is the same pattern with the tangent at `P2` for the first slope:
/// `x2^2 = x2 * x2`, `l1 * 2 y2 = 3 x2^2`, then the last four lines with `A = Q = P2`.
///
/// **No exceptional case.** `P2` is finite of prime order `q`, and before each step
/// `A = k P2` with `3 <= k < 2^130`, far below `q ~ 2^254` (by induction: `k` starts at 3 and
/// becomes `2k ± 1`, staying `>= 2^(j+1) + 1` and `< 2^(j+2)` after `j` steps). So `A != ±Q`
/// (`k != ±1 mod q`): `x_Q != x_A` and `l1` is the unique solution; `R = (k ± 1) P2 != ±A`
/// (`k ± 1 != k` and `2k ± 1 != 0 mod q`): `x_R != x_A` and `l2` is unique; `S = (2k ± 1) P2` is
/// finite. For the start, `y2 != 0` (no point of order 2) and `2 P2 != ±P2`. Every allocated
/// value (`y_Q`, slopes, coordinates) is therefore the only one satisfying its constraint, and
/// the accumulator is forced to be exactly `r * P2`.
///
/// ## The final addition `p1 + A` (9 constraints)
///
/// ```text
///   y1 * inv = 1 - inf,  y1 * inf = 0          inf = [y1 == 0] = [p1 is the identity]
///   (x_A - x1) * dinv = 1 - inf                x_A != x1 unless p1 is the identity
///   inf * y_A = w
///   (x_A - x1) * l = y_A - y1 - w
///   l^2 = x_T + x1 + x_A,   l (x1 - x_T) = y_T + y1
///   out = inf ? A : T                          (one constraint per coordinate)
/// ```
///
/// The inverse trick forces `inf` to be the boolean `[y1 == 0]` (for `y1 != 0` the second
/// equation gives `inf = 0`; for `y1 = 0` the first gives `inf = 1`), and by the precondition
/// `y1 = 0` exactly for the identity. When `p1` is finite, `dinv` exists only if `x_A != x1`, so
/// the slope `l` is the unique chord slope and `T = p1 + A` (and `p1 != ±A`, so `T` is finite): a
/// prover can never pick a free slope. When `p1` is the identity, `w = y_A` turns the slope
/// equation into `x_A * l = 0` (always satisfiable), `T` is junk, and the output is `A`.
///
/// An honest witness with finite `p1` and `x_A == x1` (`p1 = ±r P2`, negligible probability for a
/// hash-derived `r`) cannot be proven: synthesis returns [`Error::Witness`].
///
/// Cost: `6 + 6 * 128 + 9 = 783` constraints for 128 bits.
pub fn scalar_mul_add<CS: ConstraintSystem<Fr>>(
    cs: &mut CS,
    p1: &GrumpkinVar,
    p2: &GrumpkinVar,
    h_bits: &[AllocatedBit],
) -> Result<GrumpkinVar> {
    scalar_mul_add_inner(cs, p1, p2, h_bits, Tamper::None)
}

fn scalar_mul_add_inner<CS: ConstraintSystem<Fr>>(
    cs: &mut CS,
    p1: &GrumpkinVar,
    p2: &GrumpkinVar,
    h_bits: &[AllocatedBit],
    tamper: Tamper,
) -> Result<GrumpkinVar> {
    if h_bits.len() != 128 {
        return Err(Error::Synthesis(format!(
            "the fold scalar takes exactly 128 hash bits, got {}",
            h_bits.len()
        )));
    }
    let [x1v, y1v] = p1.coords_value()?;
    let [x2v, y2v] = p2.coords_value()?;
    let (x1, y1) = (p1.x.get_variable(), p1.y.get_variable());
    let (x2, y2) = (p2.x.get_variable(), p2.y.get_variable());
    let one = CS::one();

    // --- A = 3 * P2 (tangent, then chord) ---
    let (mut xa, mut ya) = {
        let mut cs = cs.namespace(|| "triple");
        let sq_v = x2v.square();
        let sq = cs.alloc(|| "x2^2", || Ok(sq_v))?;
        cs.enforce(
            || "x2^2 = x2 * x2",
            |lc| lc + x2,
            |lc| lc + x2,
            |lc| lc + sq,
        );
        let l1v = (sq_v.double() + sq_v) * inv_or_zero(y2v.double());
        let l1 = cs.alloc(|| "l1", || Ok(l1v))?;
        cs.enforce(
            || "l1 * 2 y2 = 3 x2^2",
            |lc| lc + l1,
            |lc| lc + (Fr::from(2u64), y2),
            |lc| lc + (Fr::from(3u64), sq),
        );
        let (xs, ys) = double_and_add_tail(&mut cs, (x2, x2v), (y2, y2v), x2, x2v, (l1, l1v))?;
        (xs, ys)
    };

    // --- A <- 2A + s_i P2 for i = 127 .. 0 ---
    let n = h_bits.len();
    for step in 0..n {
        let i = n - 1 - step;
        let mut cs = cs.namespace(|| format!("bit {i}"));
        let bit = &h_bits[i];
        let mut bv = bit.get_value().unwrap_or(false);
        if tamper == Tamper::WrongSign(i) {
            bv = !bv;
        }
        let bvar = bit.get_variable();
        let yqv = if bv { y2v } else { -y2v };
        let yq = cs.alloc(|| "y_Q", || Ok(yqv))?;
        cs.enforce(
            || "y_Q = (2b - 1) y2",
            |lc| lc + (Fr::from(2u64), bvar) - one,
            |lc| lc + y2,
            |lc| lc + yq,
        );
        let l1v = (yqv - ya.1) * inv_or_zero(x2v - xa.1);
        let l1 = cs.alloc(|| "l1", || Ok(l1v))?;
        cs.enforce(
            || "(x_Q - x_A) l1 = y_Q - y_A",
            |lc| lc + x2 - xa.0,
            |lc| lc + l1,
            |lc| lc + yq - ya.0,
        );
        let (xs, ys) = double_and_add_tail(&mut cs, xa, ya, x2, x2v, (l1, l1v))?;
        xa = xs;
        ya = ys;
    }

    // --- p1 + A, or A when p1 is the identity ---
    let mut cs = cs.namespace(|| "add p1");
    let (xa, xav) = xa;
    let (ya, yav) = ya;
    let mut inf_v = y1v.is_zero_vartime();
    if tamper == Tamper::ClaimInfinity {
        inf_v = true;
    }
    if !inf_v && xav == x1v {
        return Err(Error::Witness(
            "p1 = ±r * p2: the final addition is exceptional (negligible for an honest prover)"
                .into(),
        ));
    }
    let inf_f = if inf_v { Fr::ONE } else { Fr::ZERO };
    let inf = cs.alloc(|| "inf", || Ok(inf_f))?;
    let inv = cs.alloc(|| "1 / y1", || Ok(inv_or_zero(y1v)))?;
    cs.enforce(
        || "y1 * inv = 1 - inf",
        |lc| lc + y1,
        |lc| lc + inv,
        |lc| lc + one - inf,
    );
    cs.enforce(|| "y1 * inf = 0", |lc| lc + y1, |lc| lc + inf, |lc| lc);
    let dinv_v = if inf_v {
        Fr::ZERO
    } else {
        inv_or_zero(xav - x1v)
    };
    let dinv = cs.alloc(|| "1 / (x_A - x1)", || Ok(dinv_v))?;
    cs.enforce(
        || "(x_A - x1) * dinv = 1 - inf",
        |lc| lc + xa - x1,
        |lc| lc + dinv,
        |lc| lc + one - inf,
    );
    let wv = inf_f * yav;
    let w = cs.alloc(|| "inf * y_A", || Ok(wv))?;
    cs.enforce(|| "inf * y_A = w", |lc| lc + inf, |lc| lc + ya, |lc| lc + w);
    let lv = if inf_v {
        Fr::ZERO
    } else {
        (yav - y1v) * inv_or_zero(xav - x1v)
    };
    let l = cs.alloc(|| "l", || Ok(lv))?;
    cs.enforce(
        || "(x_A - x1) l = y_A - y1 - w",
        |lc| lc + xa - x1,
        |lc| lc + l,
        |lc| lc + ya - y1 - w,
    );
    let xtv = lv.square() - x1v - xav;
    let xt = cs.alloc(|| "x_T", || Ok(xtv))?;
    cs.enforce(
        || "l^2 = x_T + x1 + x_A",
        |lc| lc + l,
        |lc| lc + l,
        |lc| lc + xt + x1 + xa,
    );
    let ytv = lv * (x1v - xtv) - y1v;
    let yt = cs.alloc(|| "y_T", || Ok(ytv))?;
    cs.enforce(
        || "l (x1 - x_T) = y_T + y1",
        |lc| lc + l,
        |lc| lc + x1 - xt,
        |lc| lc + yt + y1,
    );
    let oxv = if inf_v { xav } else { xtv };
    let mut oyv = if inf_v { yav } else { ytv };
    if tamper == Tamper::OutputY {
        oyv += Fr::ONE;
    }
    let ox = alloc_num(&mut cs, "out x", oxv)?;
    let oy = alloc_num(&mut cs, "out y", oyv)?;
    let (oxvar, oyvar) = (ox.get_variable(), oy.get_variable());
    cs.enforce(
        || "inf (x_A - x_T) = out_x - x_T",
        |lc| lc + inf,
        |lc| lc + xa - xt,
        |lc| lc + oxvar - xt,
    );
    cs.enforce(
        || "inf (y_A - y_T) = out_y - y_T",
        |lc| lc + inf,
        |lc| lc + ya - yt,
        |lc| lc + oyvar - yt,
    );
    Ok(GrumpkinVar { x: ox, y: oy })
}

/// A variable with its witness value.
type Val = (Variable, Fr);

/// The last four constraints of `S = 2A + Q` once `l1` (the slope of `A + Q`, or the tangent's
/// when `A = Q`) is allocated: `x_R`, `l2`, `x_S`, `y_S` (see [`scalar_mul_add`]). Returns
/// `(x_S, y_S)`.
fn double_and_add_tail<CS: ConstraintSystem<Fr>>(
    cs: &mut CS,
    (xa, xav): Val,
    (ya, yav): Val,
    xq: Variable,
    xqv: Fr,
    (l1, l1v): Val,
) -> Result<(Val, Val)> {
    let xrv = l1v.square() - xav - xqv;
    let xr = cs.alloc(|| "x_R", || Ok(xrv))?;
    cs.enforce(
        || "l1^2 = x_R + x_A + x_Q",
        |lc| lc + l1,
        |lc| lc + l1,
        |lc| lc + xr + xa + xq,
    );
    let l2v = -l1v - yav.double() * inv_or_zero(xrv - xav);
    let l2 = cs.alloc(|| "l2", || Ok(l2v))?;
    cs.enforce(
        || "(l1 + l2)(x_R - x_A) = -2 y_A",
        |lc| lc + l1 + l2,
        |lc| lc + xr - xa,
        |lc| lc + (-Fr::from(2u64), ya),
    );
    let xsv = l2v.square() - xrv - xav;
    let xs = cs.alloc(|| "x_S", || Ok(xsv))?;
    cs.enforce(
        || "l2^2 = x_S + x_R + x_A",
        |lc| lc + l2,
        |lc| lc + l2,
        |lc| lc + xs + xr + xa,
    );
    let ysv = l2v * (xav - xsv) - yav;
    let ys = cs.alloc(|| "y_S", || Ok(ysv))?;
    cs.enforce(
        || "l2 (x_A - x_S) = y_S + y_A",
        |lc| lc + l2,
        |lc| lc + xa - xs,
        |lc| lc + ys + ya,
    );
    Ok(((xs, xsv), (ys, ysv)))
}

/// The native twin of [`scalar_mul_add`]: `p1 + cf_fold_scalar(h) * p2`.
pub fn scalar_mul_add_native(p1: &GrumpkinAffine, p2: &GrumpkinAffine, h: u128) -> GrumpkinAffine {
    (*p1 + *p2 * cf_fold_scalar(h)).to_affine()
}

#[cfg(test)]
mod tests {
    use super::*;
    use ff::PrimeField;
    use halo2curves::group::prime::PrimeCurveAffine;
    use halo2curves::group::Group;
    use rand::{Rng, SeedableRng};
    use rand_chacha::ChaCha20Rng;
    use zkagg_circuit_verifier::cs::CheckCS;

    fn rng() -> ChaCha20Rng {
        ChaCha20Rng::seed_from_u64(0x6772_756d)
    }

    fn random_point(rng: &mut ChaCha20Rng) -> GrumpkinAffine {
        (GrumpkinAffine::generator() * Fq::random(&mut *rng)).to_affine()
    }

    fn alloc_bits(cs: &mut CheckCS, h: u128) -> Vec<AllocatedBit> {
        (0..128)
            .map(|i| {
                AllocatedBit::alloc(cs.namespace(|| format!("h {i}")), Some((h >> i) & 1 == 1))
                    .unwrap()
            })
            .collect()
    }

    /// Builds `p1 + r p2` in a fresh CheckCS; returns the system, the output and the gadget's
    /// own constraint count.
    fn run(
        p1: &GrumpkinAffine,
        p2: &GrumpkinAffine,
        h: u128,
        tamper: Tamper,
    ) -> (CheckCS, Option<GrumpkinAffine>, usize) {
        let mut cs = CheckCS::new();
        let bits = alloc_bits(&mut cs, h);
        let v1 = alloc_point(&mut cs.namespace(|| "p1"), p1, true).unwrap();
        let v2 = alloc_point(&mut cs.namespace(|| "p2"), p2, false).unwrap();
        let before = cs.num_constraints();
        let out =
            scalar_mul_add_inner(&mut cs.namespace(|| "smul"), &v1, &v2, &bits, tamper).unwrap();
        let cost = cs.num_constraints() - before;
        (cs, out.value(), cost)
    }

    #[test]
    fn curve_constant_and_no_two_torsion() {
        let g = GrumpkinAffine::generator();
        assert_eq!(g.y.square() - g.x.square() * g.x, curve_b());
        // 17 is not a cube in Fr (r = 1 mod 3): no point with y = 0.
        let r_minus_1_over_3 = {
            let m = num_bigint::BigUint::from_bytes_le((-Fr::ONE).to_repr().as_ref());
            (m / 3u32).to_u64_digits()
        };
        assert_ne!(Fr::from(17u64).pow_vartime(&r_minus_1_over_3), Fr::ONE);
        assert_eq!(point_coords(&GrumpkinAffine::identity()), [Fr::ZERO; 2]);
    }

    #[test]
    fn fold_scalar_value() {
        let two = Fq::from(2u64);
        assert_eq!(cf_fold_scalar(0), two.pow_vartime([129u64]) + Fq::ONE);
        assert_eq!(
            cf_fold_scalar(u128::MAX),
            two.pow_vartime([129u64]) + two.pow_vartime([129u64]) - Fq::ONE
        );
    }

    #[test]
    fn alloc_point_accepts_curve_points_and_allowed_identity() {
        let mut rng = rng();
        for allow in [false, true] {
            let mut cs = CheckCS::new();
            let p = random_point(&mut rng);
            let v = alloc_point(&mut cs, &p, allow).unwrap();
            assert!(cs.is_satisfied());
            assert_eq!(v.value(), Some(p));
            assert_eq!(cs.num_constraints(), if allow { 5 } else { 3 });
        }
        let mut cs = CheckCS::new();
        let v = alloc_point(&mut cs, &GrumpkinAffine::identity(), true).unwrap();
        assert!(cs.is_satisfied());
        assert_eq!(v.value(), Some(GrumpkinAffine::identity()));
    }

    #[test]
    fn alloc_point_rejects_off_curve_and_disallowed_identity() {
        let mut rng = rng();
        let p = random_point(&mut rng);
        let off = GrumpkinAffine {
            x: p.x,
            y: p.y + Fr::ONE,
        };
        let only_x = GrumpkinAffine {
            x: p.x,
            y: Fr::ZERO,
        };
        let only_y = GrumpkinAffine {
            x: Fr::ZERO,
            y: p.y,
        };
        for allow in [false, true] {
            for bad in [off, only_x, only_y] {
                let mut cs = CheckCS::new();
                alloc_point(&mut cs, &bad, allow).unwrap();
                assert!(!cs.is_satisfied(), "{bad:?} accepted (allow = {allow})");
            }
        }
        let mut cs = CheckCS::new();
        alloc_point(&mut cs, &GrumpkinAffine::identity(), false).unwrap();
        assert!(!cs.is_satisfied());
    }

    #[test]
    fn scalar_mul_add_matches_native() {
        let mut rng = rng();
        let mut cases: Vec<(GrumpkinAffine, GrumpkinAffine, u128)> = Vec::new();
        for _ in 0..4 {
            cases.push((random_point(&mut rng), random_point(&mut rng), rng.gen()));
        }
        let p = random_point(&mut rng);
        cases.push((GrumpkinAffine::identity(), p, rng.gen()));
        cases.push((random_point(&mut rng), p, 0));
        cases.push((random_point(&mut rng), p, u128::MAX));
        cases.push((GrumpkinAffine::identity(), p, 0));
        cases.push((GrumpkinAffine::identity(), p, u128::MAX));
        // p1 = p2 and p1 = -p2 are ordinary cases (r p2 != ±p2).
        cases.push((p, p, rng.gen()));
        cases.push(((-p.to_curve()).to_affine(), p, rng.gen()));
        // The generator (x = 1) as p2.
        cases.push((
            random_point(&mut rng),
            GrumpkinAffine::generator(),
            rng.gen(),
        ));
        for (p1, p2, h) in cases {
            let (cs, out, cost) = run(&p1, &p2, h, Tamper::None);
            assert!(cs.is_satisfied(), "{:?}", cs.which_is_unsatisfied());
            assert_eq!(out, Some(scalar_mul_add_native(&p1, &p2, h)));
            assert_eq!(cost, 783);
        }
        let (_, _, cost) = run(&GrumpkinAffine::identity(), &p, 1, Tamper::None);
        println!("scalar_mul_add: {cost} constraints (128 bits)");
    }

    #[test]
    fn scalar_mul_add_rejects_tampered_witnesses() {
        let mut rng = rng();
        let p1 = random_point(&mut rng);
        let p2 = random_point(&mut rng);
        let h: u128 = rng.gen();
        for t in [
            Tamper::OutputY,
            Tamper::ClaimInfinity,
            Tamper::WrongSign(0),
            Tamper::WrongSign(77),
            Tamper::WrongSign(127),
        ] {
            let (cs, _, _) = run(&p1, &p2, h, t);
            assert!(!cs.is_satisfied(), "{t:?} accepted");
        }
        let (cs, _, _) = run(&GrumpkinAffine::identity(), &p2, h, Tamper::OutputY);
        assert!(!cs.is_satisfied());
    }

    #[test]
    fn scalar_mul_add_refuses_exceptional_honest_witness() {
        let mut rng = rng();
        let p2 = random_point(&mut rng);
        let h: u128 = rng.gen();
        let p1 = (-(p2 * cf_fold_scalar(h))).to_affine();
        let mut cs = CheckCS::new();
        let bits = alloc_bits(&mut cs, h);
        let v1 = alloc_point(&mut cs, &p1, true).unwrap();
        let v2 = alloc_point(&mut cs, &p2, false).unwrap();
        assert!(matches!(
            scalar_mul_add(&mut cs, &v1, &v2, &bits),
            Err(Error::Witness(_))
        ));
        assert!(bool::from(
            (p1.to_curve() + p2 * cf_fold_scalar(h)).is_identity()
        ));
    }
}
