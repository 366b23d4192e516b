//! # Relations: the one place where emulated arithmetic is constrained
//!
//! A [`Relation`] over an extension kind `K` (degree `d`, minimal polynomial `phi`) collects
//!
//! ```text
//!   E(w) = sum_t c_t * prod_f F_{t,f}(w)  +  sum_u c_u * L_u(w)         (c_t, c_u small integers)
//! ```
//!
//! and then either **reduces** it (allocates `R` and enforces `E = R` in `Fq[w]/phi`), asserts
//! `E = 0` in `Fq[w]/phi` (**mod p**), or asserts `E = 0` as an integer identity (**exact**,
//! coefficient-wise, no `p`). Each product is synthesized once as a polynomial in `(X, w)`
//! ([`super::product`]); the reduction modulo `phi` is an integer linear map
//! ([`ExtKind::reduction_rows`]), so for each output coefficient `m` the relation is a
//! polynomial `e_m(X)` whose coefficients are linear combinations of circuit variables with
//! known integer values and static bounds.
//!
//! ## What is enforced for each output coefficient `m`
//!
//! Let `V = e_m(2^b)` (an integer in `[Lo, Hi]`, bounds computed statically), `s = ceil(-Lo/p)`
//! if `Lo < 0` (else 0), `R` the allocated output (`k` limbs, each range-checked to `[0, 2^b)`)
//! or 0, and `q` an allocated quotient, range-checked to `[0, 2^qbits)` with
//! `2^qbits > (Hi + s p) / p`. With `P(X)` the limbs of `p` and `S(X)` those of `s p`:
//!
//! ```text
//!   E'(X) = e_m(X) + S(X) - R(X) - q(X) P(X)      must satisfy   E'(2^b) = 0 over the integers.
//! ```
//!
//! Then `V + s p = R + q p`, i.e. `V = R (mod p)`: exactly the claim. The integer identity is
//! proven with **grouped carries** and a **native check** (a CRT argument):
//!
//! 1. The coefficients of `E'` are cut into consecutive groups `[s_g, e_g)`. For each group a
//!    carry `c_g` is allocated and range-checked to an interval `I_g`, and the constraint
//!    `G_g + c_{g-1} = c_g * 2^(b (e_g - s_g))` is enforced in `Fr`, where
//!    `G_g = sum_{a in group} e'_a 2^(b (a - s_g))`. The group is only formed if
//!    `max|G_g| + max|c_{g-1}| + max|c_g| 2^(b L) < 2^253 < r` (all maxima over the *range-checked*
//!    intervals, not the honest ones): then the equation, true modulo `r`, is true over the
//!    integers. Summing the group equations with weights `2^(b s_g)` telescopes to
//!    `sum_{a < J} e'_a 2^(ab) = c_last 2^(bJ)`, so `E'(2^b) = 0 (mod 2^(bJ))`.
//! 2. If the groups cover every coefficient, the last group's equation has no carry out
//!    (`G_last + c_prev = 0`) and `E'(2^b) = 0` follows directly. Otherwise the chain stops at
//!    the first `J` with `2^(bJ) * 2^253 > M = sum_a max|e'_a| 2^(ab)` and one more constraint
//!    enforces `sum_a e'_a 2^(ab) = 0` in `Fr`, i.e. `E'(2^b) = 0 (mod r)`. Together
//!    `E'(2^b) = 0 (mod 2^(bJ) r)` and `|E'(2^b)| <= M < 2^(bJ) r`, hence `E'(2^b) = 0`.
//!
//! No assignment outside the range checks exists (bits are boolean, limbs are sums of bits), and
//! every integer the argument uses (limb values, product coefficients, group sums) is bounded by
//! the static intervals, which are computed from the range-checked inputs by interval arithmetic;
//! so no wrap-around modulo `r` can make a false equation hold. The honest prover's values
//! always fit (they are computed exactly and lie inside the intervals by construction).
//!
//! Cost of one output coefficient: `k (b + 1)` for `R` (when reducing), `qbits` for `q`, the
//! carry bits, one constraint per group and at most one native check; plus the products' grid
//! constraints, shared by all `d` output coefficients.

use super::product::{product, Poly2, ProductPoly};
use super::{div_ceil_int, lc_const, scaled, Elem, Emu};
use crate::convert::{fq_modulus_int, fr_from_bigint, fr_from_i128, Fr};
use crate::tower::{Ext, ExtKind};
use crate::{Error, Result};
use ff::Field;
use nova_snark::frontend::{ConstraintSystem, LinearCombination};
use num_bigint::BigInt;
use num_integer::Integer;
use num_traits::{One, Signed, Zero};

/// `2^253`: every integer that an `Fr` equation relies on stays below this in absolute value.
fn wrap_limit() -> BigInt {
    BigInt::one() << 253
}

#[derive(Clone, Copy, PartialEq, Eq, Debug)]
enum Mode {
    Reduce,
    ModP,
    Exact,
}

/// A sum of products and linear terms over an extension kind, to be reduced or asserted zero.
/// See the module documentation for the constraints and their soundness argument.
pub struct Relation<'a> {
    emu: &'a Emu,
    kind: ExtKind,
    products: Vec<(i64, Vec<Poly2>)>,
    linear: Vec<(i64, Ext)>,
    tamper: Option<Tamper>,
}

/// A deliberate corruption of the honest witness of one output coefficient, for
/// malicious-witness tests: the output and the quotient are shifted by the given amounts and the
/// carries are then recomputed as well as possible. A sound relation must be unsatisfiable
/// whenever the corrupted output is not congruent to the true result.
#[doc(hidden)]
#[derive(Clone, Debug, Default)]
pub struct Tamper {
    /// Which output coefficient to corrupt.
    pub coefficient: usize,
    /// Added to the honest output value.
    pub output_delta: BigInt,
    /// Added to the honest quotient value.
    pub quotient_delta: BigInt,
}

/// Per-coefficient constraint statistics of the last relation (for measurements).
#[derive(Clone, Copy, Debug, Default)]
pub struct RelationStats {
    /// Bits of all quotients.
    pub quotient_bits: u64,
    /// Bits of all carries.
    pub carry_bits: u64,
    /// Number of carry groups.
    pub groups: u64,
    /// Number of native (mod r) checks.
    pub native_checks: u64,
}

impl<'a> Relation<'a> {
    /// An empty relation over `kind`.
    pub fn new(emu: &'a Emu, kind: ExtKind) -> Self {
        Self {
            emu,
            kind,
            products: Vec::new(),
            linear: Vec::new(),
            tamper: None,
        }
    }

    /// Corrupts the witness (tests only; see [`Tamper`]).
    #[doc(hidden)]
    pub fn tamper(&mut self, t: Tamper) -> &mut Self {
        self.tamper = Some(t);
        self
    }

    /// Adds `coef * prod(factors)` (factors in the direct basis of any sub-kind).
    pub fn add_product(&mut self, coef: i64, factors: &[&Ext]) -> &mut Self {
        let polys = factors.iter().map(|f| f.poly2()).collect();
        self.add_product_polys(coef, polys)
    }

    /// Adds `coef * prod(factors)` for raw polynomial factors (for example a bit). A product
    /// with a structurally zero factor is dropped.
    pub fn add_product_polys(&mut self, coef: i64, factors: Vec<Poly2>) -> &mut Self {
        if coef != 0 && !factors.iter().any(|f| f.e.iter().all(|l| l.is_zero())) {
            self.products.push((coef, factors));
        }
        self
    }

    /// Adds `coef * e` (no constraint).
    pub fn add_linear(&mut self, coef: i64, e: &Ext) -> &mut Self {
        self.linear.push((coef, e.clone()));
        self
    }

    /// Allocates `R` with range-checked limbs and enforces `E = R` in the extension field.
    pub fn reduce<CS: ConstraintSystem<Fr>>(self, cs: &mut CS) -> Result<Ext> {
        let (out, _) = self.run(cs, Mode::Reduce)?;
        out.ok_or_else(|| Error::Bound("reduction produced no output".into()))
    }

    /// Enforces `E = 0` in the extension field (modulo `p` and `phi`).
    pub fn assert_zero<CS: ConstraintSystem<Fr>>(self, cs: &mut CS) -> Result<()> {
        self.run(cs, Mode::ModP).map(|_| ())
    }

    /// Enforces `e_m(2^b) = 0` as an integer for every coefficient `m` (no reduction modulo
    /// `p`; the reduction modulo `phi` still applies to products).
    pub fn assert_exact<CS: ConstraintSystem<Fr>>(self, cs: &mut CS) -> Result<()> {
        self.run(cs, Mode::Exact).map(|_| ())
    }

    /// Like [`Self::reduce`] but also returns statistics.
    pub fn reduce_with_stats<CS: ConstraintSystem<Fr>>(
        self,
        cs: &mut CS,
    ) -> Result<(Ext, RelationStats)> {
        let (out, st) = self.run(cs, Mode::Reduce)?;
        Ok((out.ok_or_else(|| Error::Bound("no output".into()))?, st))
    }

    fn run<CS: ConstraintSystem<Fr>>(
        self,
        cs: &mut CS,
        mode: Mode,
    ) -> Result<(Option<Ext>, RelationStats)> {
        let emu = self.emu;
        let b = emu.limb_bits();
        let k = emu.num_limbs();
        let d = self.kind.degree();
        let p = fq_modulus_int();
        let mut stats = RelationStats::default();
        for (_, e) in &self.linear {
            if e.coeffs.len() > d {
                return Err(Error::Bound(format!(
                    "linear term with {} coefficients in a relation of degree {d}",
                    e.coeffs.len()
                )));
            }
        }
        let mut prods: Vec<(i64, ProductPoly, Vec<Vec<i128>>)> =
            Vec::with_capacity(self.products.len());
        for (i, (coef, facs)) in self.products.iter().enumerate() {
            let pp = product(&mut cs.namespace(|| format!("product {i}")), facs)?;
            let red = self.kind.reduction_rows(pp.nw);
            prods.push((*coef, pp, red));
        }
        let two_b = BigInt::one() << b;
        let mut outputs = Vec::with_capacity(d);
        for m in 0..d {
            let mut cs = cs.namespace(|| format!("coefficient {m}"));
            // --- e_m(X): values and bounds of each X-coefficient ---
            let mut n = 0usize;
            for (_, pp, _) in &prods {
                n = n.max(pp.nx);
            }
            for (_, e) in &self.linear {
                if let Some(el) = e.coeffs.get(m) {
                    n = n.max(el.limbs.len());
                }
            }
            let mut ev = vec![BigInt::zero(); n];
            let mut elo = vec![BigInt::zero(); n];
            let mut ehi = vec![BigInt::zero(); n];
            let mut betas: Vec<Vec<Fr>> = Vec::with_capacity(prods.len());
            for (coef, pp, red) in &prods {
                let mut beta = vec![Fr::ZERO; pp.nw];
                for j in 0..pp.nw {
                    let c = i128::from(*coef)
                        .checked_mul(red[j][m])
                        .ok_or_else(|| Error::Bound("reduction coefficient overflow".into()))?;
                    if c == 0 {
                        continue;
                    }
                    beta[j] = fr_from_i128(c);
                    let cb = BigInt::from(c);
                    for a in 0..pp.nx {
                        let idx = j * pp.nx + a;
                        ev[a] += &cb * BigInt::from(pp.val[idx]);
                        add_scaled_interval(&mut elo[a], &mut ehi[a], pp.lo[idx], pp.hi[idx], &cb);
                    }
                }
                betas.push(beta);
            }
            for (coef, e) in &self.linear {
                if let Some(el) = e.coeffs.get(m) {
                    let cb = BigInt::from(*coef);
                    for (a, l) in el.limbs.iter().enumerate() {
                        ev[a] += &cb * BigInt::from(l.val);
                        add_scaled_interval(&mut elo[a], &mut ehi[a], l.lo, l.hi, &cb);
                    }
                }
            }
            let eval_at = |v: &[BigInt]| -> BigInt {
                v.iter().rev().fold(BigInt::zero(), |acc, x| (acc << b) + x)
            };
            let value = eval_at(&ev);
            let lo_total = eval_at(&elo);
            let hi_total = eval_at(&ehi);

            // --- output R, quotient q, shift s ---
            let (shift, r_val) = match mode {
                Mode::Exact => (BigInt::zero(), BigInt::zero()),
                _ => {
                    let shift = if lo_total.is_negative() {
                        div_ceil_int(&(-&lo_total), p)
                    } else {
                        BigInt::zero()
                    };
                    let mut r = if mode == Mode::Reduce {
                        value.mod_floor(p)
                    } else {
                        BigInt::zero()
                    };
                    if let Some(t) = self.tamper.as_ref().filter(|t| t.coefficient == m) {
                        r += &t.output_delta;
                    }
                    (shift, r)
                }
            };
            let out_elem: Option<Elem> = if mode == Mode::Reduce {
                Some(emu.alloc_elem(&mut cs.namespace(|| "output"), &r_val)?)
            } else {
                None
            };
            // quotient limbs (as linear combinations of bits)
            let mut q_lcs: Vec<(LinearCombination<Fr>, i128, i128)> = Vec::new(); // (lc, value, hi)
            if mode != Mode::Exact {
                let q_max = (&hi_total + &shift * p).div_floor(p);
                let mut q_val = (&value + &shift * p - &r_val).div_floor(p);
                if let Some(t) = self.tamper.as_ref().filter(|t| t.coefficient == m) {
                    q_val += &t.quotient_delta;
                }
                let q_bits = if q_max.is_positive() {
                    q_max.bits() as u32
                } else {
                    0
                };
                stats.quotient_bits += u64::from(q_bits);
                let q_val = if q_val.is_negative() || q_val.bits() > u64::from(q_bits) {
                    BigInt::zero()
                } else {
                    q_val
                };
                let mut rest = q_bits;
                let mut i = 0;
                while rest > 0 {
                    let bits = rest.min(b);
                    let limb_big: BigInt = (&q_val >> (b * i)) & ((BigInt::one() << bits) - 1);
                    let limb_val: i128 = i128::try_from(limb_big).unwrap_or(0);
                    let lc = emu.alloc_bits_lc(
                        &mut cs.namespace(|| format!("quotient limb {i}")),
                        &BigInt::from(limb_val),
                        bits,
                    )?;
                    q_lcs.push((lc, limb_val, (1i128 << bits) - 1));
                    rest -= bits;
                    i += 1;
                }
            }
            let shift_limbs: Vec<i128> = {
                let sp = &shift * p;
                let nl = (sp.bits().div_ceil(u64::from(b))) as usize;
                super::int_to_limbs(&sp, b, nl).unwrap_or_default()
            };

            // --- E'(X) = e(X) + S(X) - R(X) - q(X) P(X): values and bounds ---
            let plimbs = emu.p_limbs();
            let nq = q_lcs.len();
            let np = n
                .max(if out_elem.is_some() { k } else { 0 })
                .max(shift_limbs.len())
                .max(if nq > 0 { nq + k - 1 } else { 0 });
            let mut v2 = vec![BigInt::zero(); np];
            let mut lo2 = vec![BigInt::zero(); np];
            let mut hi2 = vec![BigInt::zero(); np];
            for a in 0..n {
                v2[a] += &ev[a];
                lo2[a] += &elo[a];
                hi2[a] += &ehi[a];
            }
            for (a, s) in shift_limbs.iter().enumerate() {
                v2[a] += BigInt::from(*s);
                lo2[a] += BigInt::from(*s);
                hi2[a] += BigInt::from(*s);
            }
            if let Some(r) = &out_elem {
                for (a, l) in r.limbs.iter().enumerate() {
                    v2[a] -= BigInt::from(l.val);
                    lo2[a] -= BigInt::from(l.hi);
                    hi2[a] -= BigInt::from(l.lo);
                }
            }
            for (i, (_, qv, qhi)) in q_lcs.iter().enumerate() {
                for (j, pl) in plimbs.iter().enumerate() {
                    let pb = BigInt::from(*pl);
                    v2[i + j] -= &pb * BigInt::from(*qv);
                    lo2[i + j] -= &pb * BigInt::from(*qhi);
                }
            }
            // Sanity (honest witness): the identity must hold; otherwise constraints will fail.
            // (No early error: a malicious or dummy witness must still synthesize.)

            // Linear combination of sum_{a in [s, e)} weight(a) * e'_a.
            let build_lc = |weights: &[(usize, Fr)]| -> LinearCombination<Fr> {
                let mut lc = LinearCombination::zero();
                let mut alpha_full = vec![Fr::ZERO; np];
                for (a, w) in weights {
                    alpha_full[*a] = *w;
                }
                for ((_, pp, _), beta) in prods.iter().zip(betas.iter()) {
                    lc = lc + &pp.functional(&alpha_full[..pp.nx.min(np)], beta);
                }
                for (coef, e) in &self.linear {
                    if let Some(el) = e.coeffs.get(m) {
                        let c = fr_from_i128(i128::from(*coef));
                        for (a, w) in weights {
                            if let Some(l) = el.limbs.get(*a) {
                                lc = lc + &scaled(&l.lc, c * w);
                            }
                        }
                    }
                }
                let mut konst = Fr::ZERO;
                for (a, w) in weights {
                    if let Some(s) = shift_limbs.get(*a) {
                        konst += fr_from_i128(*s) * w;
                    }
                }
                if konst != Fr::ZERO {
                    lc = lc + &lc_const(konst);
                }
                if let Some(r) = &out_elem {
                    for (a, w) in weights {
                        if let Some(l) = r.limbs.get(*a) {
                            lc = lc - &scaled(&l.lc, *w);
                        }
                    }
                }
                for (i, (qlc, _, _)) in q_lcs.iter().enumerate() {
                    let mut c = Fr::ZERO;
                    for (a, w) in weights {
                        if *a >= i && *a - i < plimbs.len() {
                            c += fr_from_i128(plimbs[*a - i]) * w;
                        }
                    }
                    if c != Fr::ZERO {
                        lc = lc - &scaled(qlc, c);
                    }
                }
                lc
            };

            // --- carry chain with CRT cut-off ---
            let absmax: Vec<BigInt> = (0..np).map(|a| lo2[a].abs().max(hi2[a].abs())).collect();
            let m_total = absmax
                .iter()
                .rev()
                .fold(BigInt::zero(), |acc, x| (acc << b) + x);
            let mut j_cut = 0usize;
            while (BigInt::one() << (b as usize * j_cut + 253)) <= m_total {
                j_cut += 1;
            }
            let full = j_cut >= np;
            let jp = if full { np } else { j_cut };
            let limit = wrap_limit();
            let mut start = 0usize;
            let mut c_in_lc = LinearCombination::zero();
            let mut c_in_val = BigInt::zero();
            let (mut c_in_lo, mut c_in_hi) = (BigInt::zero(), BigInt::zero());
            let group_interval = |s: usize, e: usize| -> (BigInt, BigInt, BigInt) {
                let mut lo = BigInt::zero();
                let mut hi = BigInt::zero();
                let mut v = BigInt::zero();
                for a in (s..e).rev() {
                    lo = (lo << b) + &lo2[a];
                    hi = (hi << b) + &hi2[a];
                    v = (v << b) + &v2[a];
                }
                (lo, hi, v)
            };
            // Returns the carry-out interval (effective, after power-of-two range check) if the
            // group [s, e) is safe, `None` otherwise.
            let check_group = |s: usize,
                               e: usize,
                               cl: &BigInt,
                               ch: &BigInt,
                               last: bool|
             -> Option<(BigInt, u32)> {
                let (glo, ghi, _) = group_interval(s, e);
                let lo = glo + cl;
                let hi = ghi + ch;
                let mag = lo.abs().max(hi.abs());
                if last {
                    return if mag < limit {
                        Some((BigInt::zero(), 0))
                    } else {
                        None
                    };
                }
                let sh = b as usize * (e - s);
                let div = BigInt::one() << sh;
                let col = div_ceil_int(&lo, &div);
                let coh = hi.div_floor(&div);
                let span = &coh - &col;
                let bits = if span.is_positive() {
                    span.bits() as u32
                } else {
                    0
                };
                let c_eff_hi: BigInt = &col + (BigInt::one() << bits) - 1;
                let cmag = col.abs().max(c_eff_hi.abs()) << sh;
                if mag + cmag < limit {
                    Some((col, bits))
                } else {
                    None
                }
            };
            let mut group_idx = 0;
            while start < jp {
                let mut end = start + 1;
                loop {
                    if end >= jp {
                        break;
                    }
                    let is_last = full && end + 1 == jp;
                    if check_group(start, end + 1, &c_in_lo, &c_in_hi, is_last).is_some() {
                        end += 1;
                    } else {
                        break;
                    }
                }
                let last_full = full && end == jp;
                let (col, bits) = check_group(start, end, &c_in_lo, &c_in_hi, last_full)
                    .ok_or_else(|| {
                        Error::Bound(format!(
                        "carry group at coefficient {start} would wrap around r: limbs too large"
                    ))
                    })?;
                let weights: Vec<(usize, Fr)> = (start..end)
                    .map(|a| {
                        (
                            a,
                            fr_from_bigint(&(BigInt::one() << (b as usize * (a - start)))),
                        )
                    })
                    .collect();
                let (_, _, gval) = group_interval(start, end);
                let total = &gval + &c_in_val;
                stats.groups += 1;
                if last_full {
                    let cin = c_in_lc.clone();
                    cs.enforce(
                        || format!("carry group {group_idx} closes"),
                        |lc| lc + &build_lc(&weights) + &cin,
                        |lc| lc + super::one(),
                        |lc| lc,
                    );
                } else {
                    let sh = b as usize * (end - start);
                    let c_val = total.div_floor(&(BigInt::one() << sh));
                    let off = &c_val - &col;
                    let off = if off.is_negative() || off.bits() > u64::from(bits) {
                        BigInt::zero()
                    } else {
                        off
                    };
                    let bits_lc = emu.alloc_bits_lc(
                        &mut cs.namespace(|| format!("carry {group_idx}")),
                        &off,
                        bits,
                    )?;
                    stats.carry_bits += u64::from(bits);
                    let c_lc = bits_lc + &lc_const(fr_from_bigint(&col));
                    let cin = c_in_lc.clone();
                    let pow = fr_from_bigint(&(BigInt::one() << sh));
                    cs.enforce(
                        || format!("carry group {group_idx}"),
                        |lc| lc + &build_lc(&weights) + &cin - &scaled(&c_lc, pow),
                        |lc| lc + super::one(),
                        |lc| lc,
                    );
                    c_in_lc = c_lc;
                    c_in_val = &off + &col;
                    c_in_lo = col.clone();
                    c_in_hi = &col + (BigInt::one() << bits) - BigInt::one();
                }
                group_idx += 1;
                start = end;
            }
            if !full {
                stats.native_checks += 1;
                let pow_b = fr_from_bigint(&two_b);
                let mut w = Fr::ONE;
                let weights: Vec<(usize, Fr)> = (0..np)
                    .map(|a| {
                        let cur = w;
                        w *= pow_b;
                        (a, cur)
                    })
                    .collect();
                cs.enforce(
                    || "native check mod r",
                    |lc| lc + &build_lc(&weights),
                    |lc| lc + super::one(),
                    |lc| lc,
                );
            }
            if let Some(r) = out_elem {
                outputs.push(r);
            }
        }
        let out = if mode == Mode::Reduce {
            Some(Ext {
                kind: self.kind,
                coeffs: outputs,
            })
        } else {
            None
        };
        Ok((out, stats))
    }
}

/// `[lo, hi] += c * [a, b]` for a signed constant `c`.
fn add_scaled_interval(lo: &mut BigInt, hi: &mut BigInt, a: i128, b: i128, c: &BigInt) {
    let x = c * BigInt::from(a);
    let y = c * BigInt::from(b);
    if x <= y {
        *lo += x;
        *hi += y;
    } else {
        *lo += y;
        *hi += x;
    }
}
