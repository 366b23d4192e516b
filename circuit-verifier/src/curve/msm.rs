//! # Fixed-base multi-scalar multiplication in G1 (verifying-key points)
//!
//! `sum_j s_j B_j` for constant bases `B_j` and scalars given by their bits (for example the
//! public inputs, or accumulated challenge sums). Each scalar is cut into windows of `w` bits;
//! window `i` of scalar `j` selects the constant `T_{j,i}[d] = [d 2^(w i)] B_j + H_{j,i}` by a
//! multilinear combination of its bits (the `2^w - w - 1` products of bits are the only
//! constraints of the selection), and the selected points are added to an accumulator that
//! starts at the constant `start - sum H_{j,i}`, with *checked* additions ([`crate::curve::Emu::point_add_checked`]). The offsets `H_{j,i}` keep
//! every table entry away from the point at infinity (a zero window is an ordinary entry), and
//! the checked additions make the result sound for every scalar: an exceptional case (the
//! accumulator equal to `+-` the added entry, probability about `2^-250` per addition for honest
//! scalars) only makes the circuit unsatisfiable.
//!
//! A selected coordinate limb is `sum_S coef_S prod_{i in S} b_i` with the Möbius coefficients
//! `coef_S` of the table column; since the bits are boolean the value is one of the table's, so
//! its interval is `[min, max]` of that column.

use super::{AffineVar, CurveSpec};
use crate::convert::{fq_to_bigint, fr_from_bigint, Fr};
use crate::field::{int_to_limbs, scaled, Bit, Elem, Emu, Limb};
use crate::tower::Ext;
use crate::{Error, Result};
use ark_bn254::{G1Affine, G1Projective};
use ark_ec::{AffineRepr, CurveGroup};
use ark_ff::PrimeField;
use nova_snark::frontend::{ConstraintSystem, LinearCombination};
use num_bigint::BigInt;

/// Precomputed windows for a fixed set of bases.
#[derive(Clone, Debug)]
pub struct FixedBaseMsm {
    window: usize,
    /// `tables[j][i][d]` = `T_{j,i}[d]`.
    tables: Vec<Vec<Vec<G1Affine>>>,
    /// The accumulator's starting constant: `start - sum H_{j,i}`.
    start: G1Affine,
    scalar_bits: usize,
}

impl FixedBaseMsm {
    /// Tables for `bases` with `scalar_bits`-bit scalars and `window`-bit windows; the result is
    /// `start + sum_j s_j B_j` (`start` is a constant point, for example the key's `IC_0`).
    pub fn new(bases: &[G1Affine], start: G1Affine, scalar_bits: usize, window: usize) -> Self {
        let nwin = scalar_bits.div_ceil(window);
        let mut offsets_sum = G1Projective::default();
        let mut tables = Vec::with_capacity(bases.len());
        for (j, b) in bases.iter().enumerate() {
            let mut per_base = Vec::with_capacity(nwin);
            for i in 0..nwin {
                // Offsets: distinct multiples of the generator with a large fixed seed.
                let seed =
                    ark_bn254::Fr::from_le_bytes_mod_order(b"zkagg in-circuit msm offset 2025")
                        + ark_bn254::Fr::from((j * 1000 + i + 1) as u64);
                let h = G1Affine::generator() * seed;
                offsets_sum += h;
                let bits_here = window.min(scalar_bits - i * window);
                let step = b.into_group() * ark_bn254::Fr::from(2u64).pow([(window * i) as u64]);
                let mut entries = Vec::with_capacity(1 << bits_here);
                let mut cur = h;
                for _ in 0..(1usize << bits_here) {
                    entries.push(cur.into_affine());
                    cur += step;
                }
                per_base.push(entries);
            }
            tables.push(per_base);
        }
        let start = (start.into_group() - offsets_sum).into_affine();
        Self {
            window,
            tables,
            start,
            scalar_bits,
        }
    }

    /// Number of scalars.
    pub fn num_bases(&self) -> usize {
        self.tables.len()
    }

    /// Bits per scalar.
    pub fn scalar_bits(&self) -> usize {
        self.scalar_bits
    }
}

use ark_ff::Field;

/// The products `prod_{i in S} b_i` for all subsets `S` of `bits` (index = bitmask); one
/// constraint per subset of size at least two.
fn monomials<CS: ConstraintSystem<Fr>>(cs: &mut CS, bits: &[Bit]) -> Result<Vec<Bit>> {
    let n = bits.len();
    let mut m: Vec<Bit> = Vec::with_capacity(1 << n);
    m.push(Bit::constant(true));
    for mask in 1usize..(1 << n) {
        let top = usize::BITS as usize - 1 - mask.leading_zeros() as usize;
        let rest = mask & !(1 << top);
        let v = if rest == 0 {
            bits[top].clone()
        } else {
            m[rest].and(&mut cs.namespace(|| format!("monomial {mask}")), &bits[top])?
        };
        m.push(v);
    }
    Ok(m)
}

/// Selects `values[d]` (integers, one per table entry) by the multilinear combination.
fn select_column(m: &[Bit], values: &[BigInt], d: usize) -> Limb {
    // Möbius transform: coef_S = sum_{T subset S} (-1)^{|S|-|T|} values[T].
    let n = values.len();
    let mut coef = values.to_vec();
    let mut step = 1;
    while step < n {
        for mask in 0..n {
            if mask & step != 0 {
                let lower = coef[mask ^ step].clone();
                coef[mask] -= lower;
            }
        }
        step <<= 1;
    }
    let mut lc = LinearCombination::zero();
    for (mask, c) in coef.iter().enumerate() {
        if *c == BigInt::from(0) {
            continue;
        }
        lc = lc + &scaled(&m[mask].lc, fr_from_bigint(c));
    }
    let lo = values.iter().min().cloned().unwrap_or_default();
    let hi = values.iter().max().cloned().unwrap_or_default();
    let conv = |x: &BigInt| i128::try_from(x.clone()).unwrap_or(0);
    Limb {
        lc,
        val: conv(&values[d]),
        lo: conv(&lo),
        hi: conv(&hi),
    }
}

impl Emu {
    /// `start + sum_j s_j B_j` where `scalars[j]` are the bits of `s_j` (least significant
    /// first, at most `table.scalar_bits()` of them). See the module documentation.
    pub fn fixed_base_msm<CS: ConstraintSystem<Fr>>(
        &self,
        cs: &mut CS,
        table: &FixedBaseMsm,
        scalars: &[Vec<Bit>],
    ) -> Result<AffineVar> {
        if scalars.len() != table.num_bases() {
            return Err(Error::Input(format!(
                "{} scalars for {} bases",
                scalars.len(),
                table.num_bases()
            )));
        }
        let spec = CurveSpec::g1();
        let b = self.limb_bits();
        let k = self.num_limbs();
        let g1v = |p: &G1Affine| {
            (
                crate::curve::glv::fq_as_fq2(p.x),
                crate::curve::glv::fq_as_fq2(p.y),
            )
        };
        let (sx, sy) = g1v(&table.start);
        let mut acc = self.constant_point(&spec, sx, sy);
        for (j, bits) in scalars.iter().enumerate() {
            for (i, entries) in table.tables[j].iter().enumerate() {
                let mut cs = cs.namespace(|| format!("scalar {j} window {i}"));
                let lo = i * table.window;
                let wbits: Vec<Bit> = (0..table.window)
                    .map(|t| {
                        bits.get(lo + t)
                            .cloned()
                            .unwrap_or_else(|| Bit::constant(false))
                    })
                    .take(entries.len().trailing_zeros() as usize)
                    .collect();
                let d = wbits
                    .iter()
                    .enumerate()
                    .fold(0usize, |acc, (t, bt)| acc | (usize::from(bt.val) << t));
                let m = monomials(&mut cs, &wbits)?;
                let coord = |get: &dyn Fn(&G1Affine) -> ark_bn254::Fq| -> Result<Elem> {
                    let cols: Vec<Vec<i128>> = entries
                        .iter()
                        .map(|e| {
                            int_to_limbs(&fq_to_bigint(&get(e)), b, k)
                                .ok_or_else(|| Error::Bound("table limb".into()))
                        })
                        .collect::<Result<_>>()?;
                    Ok(Elem {
                        limbs: (0..k)
                            .map(|l| {
                                let vals: Vec<BigInt> =
                                    cols.iter().map(|c| BigInt::from(c[l])).collect();
                                select_column(&m, &vals, d)
                            })
                            .collect(),
                    })
                };
                let pt = AffineVar {
                    x: Ext::from_elem(coord(&|e: &G1Affine| e.x)?),
                    y: Ext::from_elem(coord(&|e: &G1Affine| e.y)?),
                };
                acc = self.point_add_checked(&mut cs, &spec, &acc, &pt)?;
            }
        }
        Ok(acc)
    }
}
