//! # The decider's CycleFold check (item 3 of the decider circuit)
//!
//! The running CycleFold instance `U_cf = (comm, u, x)` (allocated by the caller with
//! [`alloc_cf_instance`](zkagg_folding::gadgets::nonnative::alloc_cf_instance)) must be satisfied
//! by the witness `(w, e)` over `Fq` (BN254's base field, Grumpkin's scalar field):
//!
//! 1. `comm = sum_i w_i G_i + sum_j e_j G_(nw + j)` with the Pedersen generators of
//!    [`CycleFoldParams::key`] ([`enforce_commitment_opening`]);
//! 2. `A z o B z = u C z + e` for `z = (w, u, x)`, checked as one random linear combination of the
//!    rows ([`enforce_relaxed_relation`]).
//!
//! [`enforce_cyclefold_satisfied`] runs both.
//!
//! ## 1. The commitment: a fixed-base MSM on Grumpkin (native in `Fr`)
//!
//! **Encoding of a scalar.** Every `w_i` and `e_j` is given as 85 signed odd digits
//! `d_k in {±1, ±3, ±5, ±7}`, `s = sum_k d_k 8^k`. With `d_k = 2 m_k - 7` this is
//! `s = 2 M - (8^85 - 1)` for `M = sum_k m_k 8^k in [0, 8^85)`, so the digit vectors encode
//! exactly the odd integers of `(-2^255, 2^255)`. The honest prover encodes `v in [0, q)` as `v`
//! when `v` is odd and as `v - q` (odd, `> -q`) when it is even ([`signed_digits`]).
//! The **same integer** `s` is used twice: as the Grumpkin scalar (the table points below are
//! `d_k 8^k G`) and as the emulated `Fq` element of the relation (an [`Elem`] whose limbs are
//! linear combinations of the digit variables: `digit_elem`). Grumpkin has prime order `q`, so
//! `s G` depends only on `s mod q`, and the relation is an identity modulo `q`: an encoding that is
//! not the canonical residue (negative, or `>= q`) denotes the residue `s mod q` in both places,
//! so every satisfying assignment opens `comm` to the vectors `(s_i mod q)` and proves the relation
//! for those very vectors.
//!
//! **A window (8 constraints).** The digit is one variable `d`, range-checked and looked up with its
//! powers: `D2 = d d`, `D4 = D2 D2`, `(D4 - 50 D2 + 49)(D4 - 34 D2 + 225) = 0`, i.e.
//! `(D2 - 1)(D2 - 9)(D2 - 25)(D2 - 49) = 0`, so `D2 in {1, 9, 25, 49}` and (in a field)
//! `d in {±1, ±3, ±5, ±7}`; `D6 = D2 D4`. For the table point `T = d P` (`P = 8^k G_i`, fixed), `x_T`
//! is an even function of `d`: the cubic in `D2` through `(m^2, x(m P))`, a linear combination of
//! `1, D2, D4, D6` (free); `y_T` is odd: `y_T = d * Y(D2)` with `Y` the cubic through
//! `(m^2, y(m P) / m)` (1 constraint). The interpolation coefficients are constants
//! precomputed from the key (`MsmTables`). The accumulator then absorbs `T` with the incomplete
//! affine addition (3 constraints: `l (x_T - x_A) = y_T - y_A`, `l^2 = x_A + x_T + x_R`,
//! `l (x_A - x_R) = y_R + y_A`).
//!
//! **No exceptional case is reachable.** The accumulator starts at a fixed point `H` (hash-to-curve
//! with its own label, [`msm_offset_point`]), so before every addition `A = H + sum c_i G_i` for
//! integers `c_i` the prover knows, and `T = d 8^k G_i` with `d 8^k != 0 mod q`. The incomplete
//! formula misbehaves only when `x_T = x_A`: `A = T` would leave the slope free, `A = -T`
//! is unsatisfiable. Either equation, like `A = O` or `A = ±H` at the end, is a non-trivial
//! discrete-logarithm relation among `H, G_0, G_1, ..` (the coefficient of `H` is `1`), which
//! nobody can find for hash-to-curve generators; the commitment's binding rests on the same
//! assumption. So every slope is the unique chord slope and the accumulator is exactly
//! `H + sum_i s_i G_i`. The last step subtracts `H` with the exceptional-case-safe argument of
//! `finish_msm`, which also handles `comm = O` (`(0, 0)`, the default instance).
//!
//! ## 2. The relation: one random linear combination, reduced lazily
//!
//! `gamma` (253 bits) is squeezed from a Poseidon sponge (the scheme's constants) that absorbs a
//! domain tag and the instance's 18 hash elements `comm, u, x`
//! ([`CfInstanceVar::hash_elems`]); `comm` is the recomputed commitment (part 1 constrains them
//! equal). The circuit proves
//! `S = sum_j gamma^j ((A z)_j (B z)_j - u (C z)_j - e_j) = 0 (mod q)`.
//!
//! **Soundness.** `comm` binds `(w, e)` (Pedersen, discrete log) and `u, x` are hashed as they are
//! (the limb packing is injective), so `v_j = (A z)_j (B z)_j - u (C z)_j - e_j` is fixed before
//! `gamma` is drawn. If some `v_j != 0 mod q`, `V(X) = sum_j v_j X^j` is a non-zero polynomial of
//! degree `< 661` over `Fq`, with at most 660 roots; `gamma` is the low 253 bits of a random-oracle
//! output in `Fr`, so distinct values are distinct in `Fq` (`2^253 < q`) and each has probability
//! at most `2^-252`: the check passes with probability at most `660 * 2^-252 < 2^-242`
//! (`~661 / q` up to the truncation factor). The prover cannot grind `gamma`: every input of the
//! hash is fixed by the instance.
//!
//! **Lazy reduction.** Rows are split in blocks of 22 (`j = 22 a + b`); `g_b = gamma^b` and
//! `ug_b = u g_b` (`b < 22`) and `Gamma = gamma^22` are reduced once each, and a Horner pass
//! `acc_a = Gamma acc_(a+1) + sum_b (g_b a_j b_j - g_b e_j - ug_b c_j)` runs over the 31 blocks
//! with ONE [`Relation`] per block (one reduction each; the last is an `assert_zero` modulo `q`).
//! The row values `a_j, b_j, c_j` are never reduced: they are linear combinations of the limbs of
//! `z` with the matrix constants (signed representatives; large constants are convolved limb by
//! limb), and only a row whose limb bounds would overflow a product's bound (the 128-term packing
//! row, the rows with a 191-bit GLV constant; identical rows share one reduction) is reduced
//! first. The soundness of each relation (bounds, quotient, carries) is `Relation`'s.
//!
//! ## Cost (constraints, measured by `decider/tests/cyclefold.rs`)
//!
//! - commitment: 8 per window, 85 windows per scalar, `655 + 661` scalars: 894,880, plus 10 for
//!   the final step (894,890). This is the per-bit cost of the best R1CS fixed-base
//!   multiplications (Sapling's Pedersen hash: 5 per 3-bit chunk plus the 3 range constraints), and
//!   the digits double as the range checks of the emulated scalars;
//! - relation: 108,003 (`gamma`: 1,149; 43 power reductions of ~613; 30 Horner reductions of
//!   ~1,060 (degree-3 quotients); 3 row reductions; per row ~44 + 15 + 15 grid constraints);
//! - total 1,002,893 (the caller's `alloc_cf_instance`, 2,117, not included).

use crate::{Error, Result};
use ff::{Field, PrimeField};
use halo2curves::group::prime::PrimeCurveAffine;
use halo2curves::group::{Curve, Group};
use halo2curves::grumpkin::G1 as GrumpkinPoint;
use nova_snark::frontend::num::AllocatedNum;
use nova_snark::frontend::{ConstraintSystem, LinearCombination, SynthesisError, Variable};
use nova_snark::provider::poseidon::PoseidonROCircuit;
use nova_snark::r1cs::SparseMatrix;
use nova_snark::traits::ROCircuitTrait;
use num_bigint::BigInt;
use rayon::prelude::*;
use std::collections::HashMap;
use std::sync::{Arc, Mutex, OnceLock};
use zkagg_circuit_verifier::convert::{fq_modulus_int, fr_from_i128};
use zkagg_circuit_verifier::field::relation::Relation;
use zkagg_circuit_verifier::field::{lc_const, Elem, Emu, Layout, Limb};
use zkagg_circuit_verifier::tower::{Ext, ExtKind};
use zkagg_folding::commitment::pedersen::PedersenKey;
use zkagg_folding::cyclefold::instance::{CfWitness, CycleFoldParams, CF_IO_LEN};
use zkagg_folding::gadgets::grumpkin::GrumpkinVar;
use zkagg_folding::gadgets::nonnative::{fq_from_bits, fq_to_bigint, CfInstanceVar};
use zkagg_folding::transcript::HashConstants;
use zkagg_folding::{Fq, Fr, GrumpkinAffine};

/// Bits per MSM window (one signed odd digit in `{±1, ±3, ±5, ±7}`).
pub const WINDOW_BITS: usize = 3;
/// Windows per scalar: `3 * 85 = 255` bits of signed digits cover every residue modulo `q`.
pub const NUM_WINDOWS: usize = 85;
/// Rows per block of the Horner pass of the relation check.
pub const BLOCK: usize = 22;
/// Bits of the relation challenge `gamma` (`2^253 < q`).
pub const GAMMA_BITS: usize = 253;
/// Label of the MSM's offset point `H` (see [`msm_offset_point`]).
const OFFSET_LABEL: &[u8] = b"zkagg-decider/cyclefold/msm-offset";
/// Domain tag absorbed before the instance when squeezing `gamma`.
const GAMMA_TAG: u64 = 0x7a6b_6167_6366_6763; // "zkagcfgc"

/// Constraints of one MSM window (digit, lookup, addition).
pub const WINDOW_CONSTRAINTS: usize = 8;

fn cv(e: zkagg_circuit_verifier::Error) -> Error {
    Error::Synthesis(e.to_string())
}

fn se(e: SynthesisError) -> Error {
    Error::Synthesis(e.to_string())
}

fn inv_or_zero(v: Fr) -> Fr {
    Option::<Fr>::from(v.invert()).unwrap_or(Fr::ZERO)
}

fn fr_i(v: i64) -> Fr {
    fr_from_i128(i128::from(v))
}

/// The fixed offset point `H` the MSM accumulator starts from: hash-to-curve on Grumpkin with its
/// own label, so no discrete-log relation to the CycleFold generators is known.
pub fn msm_offset_point() -> Result<GrumpkinAffine> {
    PedersenKey::new(OFFSET_LABEL, 1)
        .generators()
        .first()
        .copied()
        .ok_or_else(|| Error::Key("the MSM offset point could not be derived".into()))
}

/// The signed odd base-8 digits of the encoding of `v` (see the module documentation):
/// `s = sum_k d_k 8^k` with `s = v` for odd `v`, `s = v - q` for even `v` (`|s| < q < 2^254`).
pub fn signed_digits(v: &Fq) -> [i8; NUM_WINDOWS] {
    let mut s = fq_to_bigint(v);
    if !s.bit(0) {
        s -= fq_modulus_int();
    }
    // M = (s + 8^85 - 1) / 2 in [0, 8^85): s and 8^85 - 1 are both odd.
    let full = (BigInt::from(1) << (WINDOW_BITS * NUM_WINDOWS)) - 1;
    let m: BigInt = (s + full) >> 1;
    let (_, bytes) = m.to_bytes_le();
    let bit = |i: usize| -> i8 {
        bytes
            .get(i / 8)
            .map(|b| ((b >> (i % 8)) & 1) as i8)
            .unwrap_or(0)
    };
    let mut out = [0i8; NUM_WINDOWS];
    for (k, d) in out.iter_mut().enumerate() {
        let mk = bit(3 * k) + 2 * bit(3 * k + 1) + 4 * bit(3 * k + 2);
        *d = 2 * mk - 7;
    }
    out
}

/// The integer `sum_k d_k 8^k` (for tests and cross-checks).
pub fn digits_value(d: &[i8]) -> BigInt {
    d.iter().rev().fold(BigInt::from(0), |acc, &x| {
        (acc << WINDOW_BITS) + BigInt::from(x)
    })
}

/// Precomputed interpolation coefficients of every window: for scalar `i` and window `k`,
/// `[cx_0..cx_3, cy_0..cy_3]` with `x(m P) = sum_p cx_p m^(2p)` and
/// `y(m P) / m = sum_p cy_p m^(2p)` for `m in {1, 3, 5, 7}`, `P = 8^k G_i`.
struct MsmTables {
    gens: Vec<GrumpkinAffine>,
    offset: GrumpkinAffine,
    coeffs: Vec<[Fr; 8]>,
}

/// `L[m][p]`: coefficient of `D^p` in the Lagrange polynomial of node `m^2` over the nodes
/// `{1, 9, 25, 49}`.
fn lagrange_matrix() -> [[Fr; 4]; 4] {
    let nodes = [1u64, 9, 25, 49].map(Fr::from);
    let mut out = [[Fr::ZERO; 4]; 4];
    for (m, row) in out.iter_mut().enumerate() {
        // prod_{m' != m} (D - n_m') / (n_m - n_m')
        let mut poly = vec![Fr::ONE];
        let mut denom = Fr::ONE;
        for (m2, n2) in nodes.iter().enumerate() {
            if m2 == m {
                continue;
            }
            let mut next = vec![Fr::ZERO; poly.len() + 1];
            for (p, c) in poly.iter().enumerate() {
                next[p + 1] += c;
                next[p] -= *c * n2;
            }
            poly = next;
            denom *= nodes[m] - n2;
        }
        let inv = inv_or_zero(denom);
        for (p, c) in poly.iter().enumerate() {
            row[p] = *c * inv;
        }
    }
    out
}

impl MsmTables {
    fn build(gens: &[GrumpkinAffine]) -> Result<Self> {
        let offset = msm_offset_point()?;
        let lag = lagrange_matrix();
        let inv_m = [1u64, 3, 5, 7].map(|m| inv_or_zero(Fr::from(m)));
        let per_gen: Vec<Vec<[Fr; 8]>> = gens
            .par_iter()
            .map(|g| {
                let mut pts = Vec::with_capacity(4 * NUM_WINDOWS);
                let mut p = g.to_curve();
                for _ in 0..NUM_WINDOWS {
                    let p2 = p.double();
                    let p3 = p2 + p;
                    let p5 = p3 + p2;
                    let p7 = p5 + p2;
                    pts.extend([p, p3, p5, p7]);
                    p = p7 + p;
                }
                let mut aff = vec![GrumpkinAffine::identity(); pts.len()];
                GrumpkinPoint::batch_normalize(&pts, &mut aff);
                aff.chunks(4)
                    .map(|q| {
                        let mut c = [Fr::ZERO; 8];
                        for m in 0..4 {
                            let (x, y) = (q[m].x, q[m].y * inv_m[m]);
                            for p in 0..4 {
                                c[p] += lag[m][p] * x;
                                c[4 + p] += lag[m][p] * y;
                            }
                        }
                        c
                    })
                    .collect()
            })
            .collect();
        Ok(Self {
            gens: gens.to_vec(),
            offset,
            coeffs: per_gen.into_iter().flatten().collect(),
        })
    }

    /// The tables for `gens`, cached (the last key used is kept).
    fn for_key(gens: &[GrumpkinAffine]) -> Result<Arc<Self>> {
        static CACHE: OnceLock<Mutex<Option<Arc<MsmTables>>>> = OnceLock::new();
        let cache = CACHE.get_or_init(|| Mutex::new(None));
        if let Ok(guard) = cache.lock() {
            if let Some(t) = guard.as_ref().filter(|t| t.gens == gens) {
                return Ok(t.clone());
            }
        }
        let t = Arc::new(Self::build(gens)?);
        if let Ok(mut guard) = cache.lock() {
            *guard = Some(t.clone());
        }
        Ok(t)
    }
}

/// A linear combination with its value.
#[derive(Clone)]
struct Val {
    lc: LinearCombination<Fr>,
    v: Fr,
}

impl Val {
    fn var(var: Variable, v: Fr) -> Self {
        Self {
            lc: LinearCombination::zero() + var,
            v,
        }
    }
    fn constant(v: Fr) -> Self {
        Self { lc: lc_const(v), v }
    }
}

fn alloc<CS: ConstraintSystem<Fr>>(cs: &mut CS, name: &'static str, v: Fr) -> Result<Val> {
    let var = cs.alloc(|| name, || Ok(v)).map_err(se)?;
    Ok(Val::var(var, v))
}

/// One window: allocates the digit `d`, range-checks it, looks up `T = d P` and returns
/// `(A + T, d)` (8 constraints, see the module documentation).
fn window<CS: ConstraintSystem<Fr>>(
    cs: &mut CS,
    c: &[Fr; 8],
    acc: (&Val, &Val),
    digit: i8,
) -> Result<((Val, Val), Variable)> {
    let one = CS::one();
    let dv = fr_i(i64::from(digit));
    let d2v = dv.square();
    let d4v = d2v.square();
    let d6v = d2v * d4v;
    let d = cs.alloc(|| "d", || Ok(dv)).map_err(se)?;
    let d2 = cs.alloc(|| "d^2", || Ok(d2v)).map_err(se)?;
    cs.enforce(|| "d * d = D2", |l| l + d, |l| l + d, |l| l + d2);
    let d4 = cs.alloc(|| "d^4", || Ok(d4v)).map_err(se)?;
    cs.enforce(|| "D2 * D2 = D4", |l| l + d2, |l| l + d2, |l| l + d4);
    cs.enforce(
        || "digit range",
        |l| l + d4 + (fr_i(-50), d2) + (fr_i(49), one),
        |l| l + d4 + (fr_i(-34), d2) + (fr_i(225), one),
        |l| l,
    );
    let d6 = cs.alloc(|| "d^6", || Ok(d6v)).map_err(se)?;
    cs.enforce(|| "D2 * D4 = D6", |l| l + d2, |l| l + d4, |l| l + d6);
    let poly = |o: usize| -> (LinearCombination<Fr>, Fr) {
        (
            LinearCombination::zero()
                + (c[o], one)
                + (c[o + 1], d2)
                + (c[o + 2], d4)
                + (c[o + 3], d6),
            c[o] + c[o + 1] * d2v + c[o + 2] * d4v + c[o + 3] * d6v,
        )
    };
    let (xt, xtv) = poly(0);
    let (yl, ylv) = poly(4);
    let ytv = dv * ylv;
    let yt = cs.alloc(|| "y_T", || Ok(ytv)).map_err(se)?;
    cs.enforce(|| "y_T = d * Y(D2)", |l| l + d, |_| yl, |l| l + yt);

    let (xa, ya) = acc;
    let lv = (ytv - ya.v) * inv_or_zero(xtv - xa.v);
    let xrv = lv.square() - xa.v - xtv;
    let yrv = lv * (xa.v - xrv) - ya.v;
    let l = cs.alloc(|| "l", || Ok(lv)).map_err(se)?;
    cs.enforce(
        || "l (x_T - x_A) = y_T - y_A",
        |z| z + l,
        |z| z + &xt - &xa.lc,
        |z| z + yt - &ya.lc,
    );
    let xr = cs.alloc(|| "x_R", || Ok(xrv)).map_err(se)?;
    cs.enforce(
        || "l^2 = x_A + x_T + x_R",
        |z| z + l,
        |z| z + l,
        |z| z + &xa.lc + &xt + xr,
    );
    let yr = cs.alloc(|| "y_R", || Ok(yrv)).map_err(se)?;
    cs.enforce(
        || "l (x_A - x_R) = y_R + y_A",
        |z| z + l,
        |z| z + &xa.lc - xr,
        |z| z + yr + &ya.lc,
    );
    Ok(((Val::var(xr, xrv), Val::var(yr, yrv)), d))
}

/// The emulated element `sum_k d_k 8^k` over the digit variables (no constraints): 8 limbs of 32
/// bits, limb `L` holding the digits at bit positions `[32 L, 32 L + 32)`, each interval
/// `[-7 sum 2^sh, 7 sum 2^sh]` (within `±2^34`), truthful because every digit is proven in
/// `[-7, 7]`.
fn digit_elem(digits: &[(Variable, i8)]) -> Elem {
    let mut limbs = vec![Limb::zero(); 8];
    for (k, (var, d)) in digits.iter().enumerate() {
        let pos = WINDOW_BITS * k;
        let (li, sh) = (pos / 32, pos % 32);
        let w = 1i128 << sh;
        let limb = &mut limbs[li];
        limb.lc = limb.lc.clone() + (fr_from_i128(w), *var);
        limb.val += i128::from(*d) * w;
        limb.lo -= 7 * w;
        limb.hi += 7 * w;
    }
    Elem { limbs }
}

/// Subtracts `H` from the accumulator and compares with `comm` (10 constraints):
///
/// ```text
///   y_c inv = 1 - inf,  y_c inf = 0               inf = [comm = O]  (comm is on the curve or (0, 0))
///   inf (x_A - x_H) = 0,  inf (y_A - y_H) = 0     comm = O  =>  A = H
///   (x_H - x_A) dinv = 1 - inf                    comm != O =>  x_A != x_H: the slope is unique
///   l (x_H - x_A) = -y_H - y_A + 2 y_H inf        R = A + (-H)   (0 = 0 when inf)
///   l^2 = x_A + x_H + x_R,  l (x_A - x_R) = y_R + y_A
///   (1 - inf) x_R = x_c,  (1 - inf) y_R = y_c
/// ```
fn finish_msm<CS: ConstraintSystem<Fr>>(
    cs: &mut CS,
    acc: (&Val, &Val),
    h: &GrumpkinAffine,
    comm: &GrumpkinVar,
) -> Result<()> {
    let one = CS::one();
    let (xa, ya) = acc;
    let (xh, yh) = (h.x, h.y);
    let xc = comm.x.get_variable();
    let yc = comm.y.get_variable();
    let ycv = comm.y.get_value().unwrap_or(Fr::ZERO);
    let inf_v = ycv.is_zero_vartime();
    let inf_f = if inf_v { Fr::ONE } else { Fr::ZERO };
    let inf = alloc(cs, "inf", inf_f)?.lc;
    let inv = alloc(cs, "1 / y_c", inv_or_zero(ycv))?.lc;
    cs.enforce(
        || "y_c inv = 1 - inf",
        |l| l + yc,
        |_| inv,
        |l| l + one - &inf,
    );
    cs.enforce(|| "y_c inf = 0", |l| l + yc, |l| l + &inf, |l| l);
    cs.enforce(
        || "inf (x_A - x_H) = 0",
        |l| l + &inf,
        |l| l + &xa.lc - (xh, one),
        |l| l,
    );
    cs.enforce(
        || "inf (y_A - y_H) = 0",
        |l| l + &inf,
        |l| l + &ya.lc - (yh, one),
        |l| l,
    );
    let dx = xh - xa.v;
    let dinv = alloc(cs, "dinv", if inf_v { Fr::ZERO } else { inv_or_zero(dx) })?.lc;
    cs.enforce(
        || "(x_H - x_A) dinv = 1 - inf",
        |l| l + (xh, one) - &xa.lc,
        |_| dinv,
        |l| l + one - &inf,
    );
    let lv = if inf_v {
        Fr::ZERO
    } else {
        (-yh - ya.v) * inv_or_zero(dx)
    };
    let xrv = lv.square() - xa.v - xh;
    let yrv = lv * (xa.v - xrv) - ya.v;
    let l = alloc(cs, "l", lv)?.lc;
    cs.enforce(
        || "l (x_H - x_A) = -y_H - y_A + 2 y_H inf",
        |z| z + &l,
        |z| z + (xh, one) - &xa.lc,
        |z| z + (-yh, one) - &ya.lc + &scale_lc(&inf, yh.double()),
    );
    let xr = alloc(cs, "x_R", xrv)?.lc;
    cs.enforce(
        || "l^2 = x_A + x_H + x_R",
        |z| z + &l,
        |z| z + &l,
        |z| z + &xa.lc + (xh, one) + &xr,
    );
    let yr = alloc(cs, "y_R", yrv)?.lc;
    cs.enforce(
        || "l (x_A - x_R) = y_R + y_A",
        |z| z + &l,
        |z| z + &xa.lc - &xr,
        |z| z + &yr + &ya.lc,
    );
    cs.enforce(
        || "(1 - inf) x_R = x_c",
        |z| z + one - &inf,
        |z| z + &xr,
        |z| z + xc,
    );
    cs.enforce(
        || "(1 - inf) y_R = y_c",
        |z| z + one - &inf,
        |z| z + &yr,
        |z| z + yc,
    );
    Ok(())
}

fn scale_lc(lc: &LinearCombination<Fr>, c: Fr) -> LinearCombination<Fr> {
    let mut out = LinearCombination::zero();
    for (v, k) in lc.iter() {
        out = out + (*k * c, v);
    }
    out
}

/// Part 1: proves `comm = sum_t scalars_t G_t` over the CycleFold key (`scalars = w || e`) and
/// returns each scalar as an emulated element over its digits (see the module documentation).
///
/// Cost: `8 * 85` constraints per scalar plus 10. `Error::Key` if the key is shorter than the
/// vector.
pub fn enforce_commitment_opening<CS: ConstraintSystem<Fr>>(
    cs: &mut CS,
    params: &CycleFoldParams,
    scalars: &[Fq],
    comm: &GrumpkinVar,
) -> Result<Vec<Elem>> {
    let gens = params.key.generators();
    if scalars.len() > gens.len() {
        return Err(Error::Key(format!(
            "the CycleFold key has {} generators, {} scalars given",
            gens.len(),
            scalars.len()
        )));
    }
    let tables = MsmTables::for_key(gens)?;
    let mut acc = (
        Val::constant(tables.offset.x),
        Val::constant(tables.offset.y),
    );
    let mut elems = Vec::with_capacity(scalars.len());
    for (i, s) in scalars.iter().enumerate() {
        let mut cs = cs.namespace(|| format!("scalar {i}"));
        let digits = signed_digits(s);
        let mut vars = Vec::with_capacity(NUM_WINDOWS);
        for (k, &d) in digits.iter().enumerate() {
            let c = tables
                .coeffs
                .get(i * NUM_WINDOWS + k)
                .ok_or_else(|| Error::Key("MSM table too short".into()))?;
            let (next, var) = window(
                &mut cs.namespace(|| format!("window {k}")),
                c,
                (&acc.0, &acc.1),
                d,
            )?;
            acc = next;
            vars.push((var, d));
        }
        elems.push(digit_elem(&vars));
    }
    finish_msm(
        &mut cs.namespace(|| "subtract H"),
        (&acc.0, &acc.1),
        &tables.offset,
        comm,
    )?;
    Ok(elems)
}

/// `c` as a signed integer in `(-q/2, q/2)`.
fn signed_const(c: &Fq) -> BigInt {
    let v = fq_to_bigint(c);
    let q = fq_modulus_int();
    if (&v << 1) > *q {
        v - q
    } else {
        v
    }
}

/// `c * e` as an element with unreduced limbs: the constant's base-`2^32` digits convolved with
/// the limbs (no constraints; intervals multiply exactly).
fn mul_const(e: &Elem, c: &BigInt) -> Elem {
    let (sign, mag) = c.to_u32_digits();
    let neg = sign == num_bigint::Sign::Minus;
    if mag.is_empty() {
        return Elem { limbs: Vec::new() };
    }
    let n = e.limbs.len() + mag.len() - 1;
    let mut limbs = vec![Limb::zero(); n];
    for (j, cj) in mag.iter().enumerate() {
        if *cj == 0 {
            continue;
        }
        let k = if neg { -i64::from(*cj) } else { i64::from(*cj) };
        for (i, l) in e.limbs.iter().enumerate() {
            limbs[i + j] = limbs[i + j].add(&l.scale(k));
        }
    }
    Elem { limbs }
}

/// `log2` of a bound on the coefficients of the product of `factors` (the largest limb magnitude of
/// each factor, times the number of terms of a convolution coefficient).
fn product_log_bound(factors: &[&Elem]) -> f64 {
    let mut lens: Vec<usize> = factors.iter().map(|f| f.limbs.len().max(1)).collect();
    lens.sort_unstable();
    let terms: f64 = lens.iter().rev().skip(1).map(|&n| n as f64).product();
    let mags: f64 = factors
        .iter()
        .map(|f| (f.max_abs_bound().max(1) as f64).log2())
        .sum();
    mags + terms.log2()
}

/// Products whose coefficient bound exceeds this are avoided by reducing a factor first
/// (`Relation` refuses `2^125`; the margin covers the sums of a block).
const PRODUCT_LOG_LIMIT: f64 = 118.0;

fn single(e: Ext) -> Result<Elem> {
    e.coeffs
        .into_iter()
        .next()
        .ok_or_else(|| Error::Synthesis("an Fq reduction returned no coefficient".into()))
}

fn ext(e: &Elem) -> Ext {
    Ext::from_elem(e.clone())
}

/// `e mod q` with 8 range-checked limbs (one [`Relation`]).
fn reduce_elem<CS: ConstraintSystem<Fr>>(cs: &mut CS, emu: &Emu, e: &Elem) -> Result<Elem> {
    let mut rel = Relation::new(emu, ExtKind::Fq);
    rel.add_linear(1, &ext(e));
    single(rel.reduce(cs).map_err(cv)?)
}

/// `a b mod q` with 8 range-checked limbs.
fn reduce_product<CS: ConstraintSystem<Fr>>(
    cs: &mut CS,
    emu: &Emu,
    a: &Elem,
    b: &Elem,
) -> Result<Elem> {
    let mut rel = Relation::new(emu, ExtKind::Fq);
    rel.add_product(1, &[&ext(a), &ext(b)]);
    single(rel.reduce(cs).map_err(cv)?)
}

/// Row values of one matrix: `(M z)_j` as unreduced elements (`None` for an empty row), with the
/// row's content as a cache key.
type RowKey = Vec<(usize, [u8; 32])>;

fn row_elems(m: &SparseMatrix<Fq>, z: &[&Elem]) -> Result<Vec<Option<(Elem, RowKey)>>> {
    let rows = m.indptr.len().saturating_sub(1);
    let mut out = Vec::with_capacity(rows);
    for r in 0..rows {
        let (lo, hi) = (m.indptr[r], m.indptr[r + 1]);
        if lo == hi {
            out.push(None);
            continue;
        }
        let mut acc = Elem { limbs: Vec::new() };
        let mut key = Vec::with_capacity(hi - lo);
        for t in lo..hi {
            let (col, c) = (m.indices[t], &m.data[t]);
            let zc = z.get(col).ok_or_else(|| {
                Error::Synthesis(format!("CycleFold shape column {col} out of range"))
            })?;
            acc = acc.add(&mul_const(zc, &signed_const(c)));
            let mut k = [0u8; 32];
            k.copy_from_slice(c.to_repr().as_ref());
            key.push((col, k));
        }
        out.push(Some((acc, key)));
    }
    Ok(out)
}

/// Reduces row elements on demand, once per distinct row.
struct RowReducer<'a> {
    emu: &'a Emu,
    cache: HashMap<RowKey, Elem>,
    count: usize,
}

impl RowReducer<'_> {
    fn reduced<CS: ConstraintSystem<Fr>>(
        &mut self,
        cs: &mut CS,
        row: &(Elem, RowKey),
    ) -> Result<Elem> {
        if let Some(e) = self.cache.get(&row.1) {
            return Ok(e.clone());
        }
        let e = reduce_elem(
            &mut cs.namespace(|| format!("row reduction {}", self.count)),
            self.emu,
            &row.0,
        )?;
        self.count += 1;
        self.cache.insert(row.1.clone(), e.clone());
        Ok(e)
    }
}

/// Squeezes `gamma` (253 little-endian bits) from the tag and the instance's hash elements and
/// returns it as an element (limbs from the bits: canonical, `< 2^253 < q`).
fn squeeze_gamma<CS: ConstraintSystem<Fr>>(
    cs: &mut CS,
    constants: &HashConstants,
    inst: &CfInstanceVar,
) -> Result<Elem> {
    let tag_v = Fr::from(GAMMA_TAG);
    let tag_var = cs.alloc(|| "tag", || Ok(tag_v)).map_err(se)?;
    cs.enforce(
        || "tag is the constant",
        |l| l + tag_var,
        |l| l + CS::one(),
        |l| l + (tag_v, CS::one()),
    );
    let tag = AllocatedNum::from_parts(tag_var, Some(tag_v));
    let elems = inst
        .hash_elems(&mut cs.namespace(|| "instance hash elements"))
        .map_err(|e| Error::Synthesis(e.to_string()))?;
    let mut ro = PoseidonROCircuit::new(constants.clone());
    ro.absorb(&tag);
    for e in &elems {
        ro.absorb(e);
    }
    let bits = ro
        .squeeze(cs.namespace(|| "squeeze gamma"), GAMMA_BITS, false)
        .map_err(se)?;
    Ok(fq_from_bits(&bits))
}

/// Part 2: proves `A z o B z = u C z + e (mod q)` row by row, as one random linear combination
/// (see the module documentation), for `z = (w, inst.u, inst.x)`; `w`, `e` are the elements
/// returned by [`enforce_commitment_opening`] (the challenge's soundness needs them bound by
/// `inst.comm`).
pub fn enforce_relaxed_relation<CS: ConstraintSystem<Fr>>(
    cs: &mut CS,
    emu: &Emu,
    params: &CycleFoldParams,
    constants: &HashConstants,
    inst: &CfInstanceVar,
    w: &[Elem],
    e: &[Elem],
) -> Result<()> {
    if emu.layout() != Layout::DEFAULT {
        return Err(Error::Synthesis(
            "the CycleFold check needs the default layout (8 x 32 bits)".into(),
        ));
    }
    let (nv, nc) = (params.num_vars(), params.num_cons());
    if w.len() != nv || e.len() != nc || inst.x.len() != CF_IO_LEN {
        return Err(Error::Synthesis(format!(
            "CycleFold relation sizes: w {} (shape {nv}), e {} (shape {nc}), x {}",
            w.len(),
            e.len(),
            inst.x.len()
        )));
    }
    let gamma = squeeze_gamma(&mut cs.namespace(|| "gamma"), constants, inst)?;

    let mut z: Vec<&Elem> = w.iter().collect();
    z.push(&inst.u);
    z.extend(inst.x.iter());
    let shape = &params.shape;
    let ra = row_elems(shape.A(), &z)?;
    let rb = row_elems(shape.B(), &z)?;
    let rc = row_elems(shape.C(), &z)?;
    if ra.len() != nc || rb.len() != nc || rc.len() != nc {
        return Err(Error::Synthesis(
            "CycleFold shape matrices of the wrong height".into(),
        ));
    }

    // Powers g_b = gamma^b, ug_b = u gamma^b (b < BLOCK), Gamma = gamma^BLOCK.
    let mut g: Vec<Elem> = vec![emu.constant(&BigInt::from(1)), gamma.clone()];
    {
        let mut cs = cs.namespace(|| "powers");
        for b in 2..=BLOCK {
            let next = reduce_product(
                &mut cs.namespace(|| format!("gamma^{b}")),
                emu,
                &g[b - 1],
                &gamma,
            )?;
            g.push(next);
        }
    }
    let big_gamma = g
        .pop()
        .ok_or_else(|| Error::Synthesis("no powers".into()))?;
    let mut ug: Vec<Elem> = vec![inst.u.clone()];
    {
        let mut cs = cs.namespace(|| "u powers");
        for (b, gb) in g.iter().enumerate().skip(1) {
            ug.push(reduce_product(
                &mut cs.namespace(|| format!("u gamma^{b}")),
                emu,
                &inst.u,
                gb,
            )?);
        }
    }

    let mut reducer = RowReducer {
        emu,
        cache: HashMap::new(),
        count: 0,
    };
    let blocks = nc.div_ceil(BLOCK);
    let mut acc: Option<Elem> = None;
    for a in (0..blocks).rev() {
        let mut cs = cs.namespace(|| format!("block {a}"));
        // Reduce oversized row values first (own constraints, cached).
        let mut terms: Vec<(i64, Vec<Elem>)> = Vec::new();
        for j in (a * BLOCK)..((a + 1) * BLOCK).min(nc) {
            let b = j - a * BLOCK;
            if let (Some(ar), Some(br)) = (&ra[j], &rb[j]) {
                let (mut ae, mut be) = (ar.0.clone(), br.0.clone());
                if product_log_bound(&[&g[b], &ae, &be]) > PRODUCT_LOG_LIMIT {
                    if ae.max_abs_bound() >= be.max_abs_bound() {
                        ae = reducer.reduced(&mut cs, ar)?;
                    } else {
                        be = reducer.reduced(&mut cs, br)?;
                    }
                }
                if product_log_bound(&[&g[b], &ae, &be]) > PRODUCT_LOG_LIMIT {
                    ae = reducer.reduced(&mut cs, ar)?;
                    be = reducer.reduced(&mut cs, br)?;
                }
                terms.push((1, vec![g[b].clone(), ae, be]));
            }
            terms.push((-1, vec![g[b].clone(), e[j].clone()]));
            if let Some(cr) = &rc[j] {
                let mut ce = cr.0.clone();
                if product_log_bound(&[&ug[b], &ce]) > PRODUCT_LOG_LIMIT {
                    ce = reducer.reduced(&mut cs, cr)?;
                }
                terms.push((-1, vec![ug[b].clone(), ce]));
            }
        }
        let mut rel = Relation::new(emu, ExtKind::Fq);
        if let Some(prev) = &acc {
            rel.add_product(1, &[&ext(prev), &ext(&big_gamma)]);
        }
        for (coef, factors) in &terms {
            let exts: Vec<Ext> = factors.iter().map(ext).collect();
            let refs: Vec<&Ext> = exts.iter().collect();
            rel.add_product(*coef, &refs);
        }
        if a == 0 {
            rel.assert_zero(&mut cs.namespace(|| "sum = 0 mod q"))
                .map_err(cv)?;
        } else {
            acc = Some(single(
                rel.reduce(&mut cs.namespace(|| "horner step"))
                    .map_err(cv)?,
            )?);
        }
    }
    Ok(())
}

/// Enforces that the running CycleFold instance `inst` is satisfied by `wit`: the commitment
/// opens to `w || e` ([`enforce_commitment_opening`]) and the relaxed relation holds
/// ([`enforce_relaxed_relation`]). `inst` must come from
/// [`alloc_cf_instance`](zkagg_folding::gadgets::nonnative::alloc_cf_instance). An unsatisfied
/// witness synthesizes (the constraints fail); `Err` only for sizes that do not match the shape
/// or an unusable layout.
pub fn enforce_cyclefold_satisfied<CS: ConstraintSystem<Fr>>(
    cs: &mut CS,
    emu: &Emu,
    params: &CycleFoldParams,
    constants: &HashConstants,
    inst: &CfInstanceVar,
    wit: &CfWitness,
) -> Result<()> {
    let (nv, nc) = (params.num_vars(), params.num_cons());
    if wit.w.len() != nv || wit.e.len() != nc {
        return Err(Error::Synthesis(format!(
            "CycleFold witness sizes ({}, {}) differ from the shape's ({nv}, {nc})",
            wit.w.len(),
            wit.e.len()
        )));
    }
    let scalars: Vec<Fq> = wit.w.iter().chain(&wit.e).copied().collect();
    let elems = enforce_commitment_opening(
        &mut cs.namespace(|| "commitment"),
        params,
        &scalars,
        &inst.comm,
    )?;
    let (w, e) = elems.split_at(nv);
    enforce_relaxed_relation(
        &mut cs.namespace(|| "relation"),
        emu,
        params,
        constants,
        inst,
        w,
        e,
    )
}
