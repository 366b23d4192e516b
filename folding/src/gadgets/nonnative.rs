//! # The running CycleFold instance inside the primary circuit
//!
//! The primary circuit (over `Fr`) folds the running CycleFold instance
//! [`CfInstance`] `(comm, u, x)` with a fresh one `(D, 1, x2)`:
//!
//! ```text
//!   comm' = comm + r * D        (Grumpkin, coordinates in Fr: native, see super::grumpkin)
//!   u'    = u + r               (mod q, q = |Fq|)
//!   x'_j  = x_j + r * x2_j      (mod q), j < CF_IO_LEN
//! ```
//!
//! with `r = 2^129 + 1 + 2h` for the 128-bit hash output `h`. `u` and `x` live in `Fq`, which is
//! *not* the circuit field: they are emulated with `zkagg-circuit-verifier`'s [`Elem`] (8 limbs of
//! 32 bits, [`Layout::DEFAULT`]) and every identity modulo `q` goes through a [`Relation`], whose
//! module documentation holds the soundness argument (range-checked output and quotient, grouped
//! carries, static bounds that rule out wrap-around modulo `r`).
//!
//! ## Canonicity of the folded values
//!
//! [`Relation`]'s reduction proves `output = value (mod q)` with output limbs in `[0, 2^32)`, i.e.
//! `0 <= output < 2^256`; it does **not** prove `output < q`. The honest prover's output is the
//! canonical residue (the relation allocates `value mod q`), so an honest circuit hashes exactly
//! the limbs of [`pack_fq_native`]; a malicious prover may instead use the other representative
//! `output + q` (when it is below `2^256`). The fold is still correct modulo `q`; whether the
//! hashed encoding must be unique is the caller's decision (see `Emu::assert_canonical`).
//!
//! ## Hashing
//!
//! An element is hashed as two `Fr` values, the 128-bit halves `limbs 0..4` and `limbs 4..8`
//! ([`pack_fq`], 1 constraint each). The packing is injective on range-checked limbs (each half
//! is below `2^128 < r`). An instance hashes as 18 field elements
//! `[comm.x, comm.y, u_lo, u_hi, x_0 lo, x_0 hi, .., x_6 lo, x_6 hi]`
//! ([`CfInstanceVar::hash_elems`], [`cf_instance_hash_elems`]).

use super::grumpkin::{alloc_num, alloc_point, cf_fold_scalar, scalar_mul_add, GrumpkinVar};
use crate::cyclefold::instance::{CfInstance, CF_IO_LEN};
use crate::{Error, Fq, Fr, GrumpkinAffine, Result};
use ff::{Field, PrimeField};
use halo2curves::group::{prime::PrimeCurveAffine, Curve};
use nova_snark::frontend::{
    gadgets::boolean::AllocatedBit, num::AllocatedNum, ConstraintSystem, LinearCombination,
};
use num_bigint::{BigInt, Sign};
use num_integer::Integer;
use zkagg_circuit_verifier::convert::fq_modulus_int;
use zkagg_circuit_verifier::field::relation::{Relation, Tamper};
use zkagg_circuit_verifier::field::{lc_const, Elem, Emu, Layout, Limb};
use zkagg_circuit_verifier::tower::{Ext, ExtKind};

/// Bits per limb: the layout of every element this module builds or reads.
const LIMB_BITS: u32 = 32;

/// `Fq` (halo2curves) as its canonical integer in `[0, q)`.
pub fn fq_to_bigint(v: &Fq) -> BigInt {
    BigInt::from_bytes_le(Sign::Plus, v.to_repr().as_ref())
}

/// The residue modulo `q` of an integer of any sign, as a halo2curves `Fq`.
pub fn fq_from_bigint(v: &BigInt) -> Fq {
    let (_, m) = v.mod_floor(fq_modulus_int()).into_parts();
    let mut repr = <Fq as PrimeField>::Repr::default();
    let bytes = m.to_bytes_le();
    // `m < q < 2^254`: at most 32 bytes, and the representation is canonical.
    let n = bytes.len().min(32);
    repr.as_mut()[..n].copy_from_slice(&bytes[..n]);
    Option::from(Fq::from_repr(repr)).unwrap_or(Fq::ZERO)
}

/// Checks that `emu` uses the layout this module is written for (8 limbs of 32 bits).
fn check_layout(emu: &Emu) -> Result<()> {
    if emu.layout() != Layout::DEFAULT {
        return Err(Error::Synthesis(format!(
            "the CycleFold gadgets need the default layout (8 x 32 bits), got {:?}",
            emu.layout()
        )));
    }
    Ok(())
}

/// Allocates the canonical representative of `v` with 8 range-checked 32-bit limbs
/// (`8 * 33 = 264` constraints). The limbs are proven below `2^32`; the value is the canonical one
/// in an honest witness but is not proven below `q` (where it matters, the hash of the instance
/// binds it; see the module documentation).
pub fn alloc_fq<CS: ConstraintSystem<Fr>>(cs: &mut CS, emu: &Emu, v: &Fq) -> Result<Elem> {
    check_layout(emu)?;
    Ok(emu.alloc_elem(cs, &fq_to_bigint(v))?)
}

/// One bit of a sum of powers of two: a constant or a boolean variable.
enum BitTerm<'a> {
    Const(bool),
    Var(&'a AllocatedBit),
}

/// The element `sum_t term_t * 2^(position_t)` with limbs that are linear combinations of the bits
/// (no constraints). Each limb's interval is `[sum of constant parts, sum of all coefficients]`,
/// exact because the variables are boolean. A missing bit value (shape synthesis) counts as 0.
fn elem_from_bit_terms(terms: &[(usize, BitTerm<'_>)]) -> Elem {
    let b = LIMB_BITS as usize;
    let n = terms.iter().map(|(p, _)| p / b + 1).max().unwrap_or(0);
    let mut limbs = vec![Limb::zero(); n];
    for (pos, term) in terms {
        let limb = &mut limbs[pos / b];
        let coeff = 1i128 << (pos % b);
        match term {
            BitTerm::Const(false) => {}
            BitTerm::Const(true) => {
                limb.lc = limb.lc.clone() + &lc_const(Fr::from_u128(coeff as u128));
                limb.val += coeff;
                limb.lo += coeff;
                limb.hi += coeff;
            }
            BitTerm::Var(bit) => {
                limb.lc = limb.lc.clone() + (Fr::from_u128(coeff as u128), bit.get_variable());
                if bit.get_value().unwrap_or(false) {
                    limb.val += coeff;
                }
                limb.hi += coeff;
            }
        }
    }
    Elem { limbs }
}

/// The element `sum_i bits[i] 2^i` (little-endian bits; no constraints). Its limbs are linear
/// combinations of the bits with intervals inside `[0, 2^32)`, so it is a valid input of every
/// relation and of [`pack_fq`]. For 128 bits the value is below `2^128 < q` (canonical).
pub fn fq_from_bits(bits: &[AllocatedBit]) -> Elem {
    let terms: Vec<(usize, BitTerm<'_>)> = bits
        .iter()
        .enumerate()
        .map(|(i, b)| (i, BitTerm::Var(b)))
        .collect();
    elem_from_bit_terms(&terms)
}

/// The fold scalar `r = 2^129 + 1 + 2h` ([`cf_fold_scalar`]) for the 128 little-endian bits of
/// `h`, as an element (no constraints): bit 0 is the constant 1, bit `i + 1` is `h_i`, bit 129 the
/// constant 1. Five limbs, each in `[0, 2^32)`; the value is below `2^130 < q` (canonical).
pub fn fold_scalar_elem(h_bits: &[AllocatedBit]) -> Elem {
    let mut terms: Vec<(usize, BitTerm<'_>)> = Vec::with_capacity(h_bits.len() + 2);
    terms.push((0, BitTerm::Const(true)));
    terms.extend(
        h_bits
            .iter()
            .enumerate()
            .map(|(i, b)| (i + 1, BitTerm::Var(b))),
    );
    terms.push((129, BitTerm::Const(true)));
    elem_from_bit_terms(&terms)
}

/// `x1 + r * x2 mod q`, reduced to 8 range-checked limbs (one [`Relation`]: the product's grid
/// constraints, the output's 264 range-check constraints, the quotient and carries).
///
/// Soundness: the relation proves `x1 + r * x2 = output (mod q)` for the integer values of the
/// inputs; the inputs' limbs must carry truthful intervals, which holds for every element made by
/// this module (range-checked allocations, reductions, and the bit-built elements).
pub fn fold_fq<CS: ConstraintSystem<Fr>>(
    cs: &mut CS,
    emu: &Emu,
    x1: &Elem,
    r: &Elem,
    x2: &Elem,
) -> Result<Elem> {
    fold_fq_inner(cs, emu, x1, r, x2, None)
}

fn fold_fq_inner<CS: ConstraintSystem<Fr>>(
    cs: &mut CS,
    emu: &Emu,
    x1: &Elem,
    r: &Elem,
    x2: &Elem,
    tamper: Option<Tamper>,
) -> Result<Elem> {
    check_layout(emu)?;
    let mut rel = Relation::new(emu, ExtKind::Fq);
    if let Some(t) = tamper {
        rel.tamper(t);
    }
    let (re, x2e) = (Ext::from_elem(r.clone()), Ext::from_elem(x2.clone()));
    rel.add_linear(1, &Ext::from_elem(x1.clone()));
    rel.add_product(1, &[&re, &x2e]);
    single(rel.reduce(cs)?)
}

/// `a + b mod q`, reduced to 8 range-checked limbs (for `u' = u + r`). Same argument as
/// [`fold_fq`], without a product.
pub fn add_fq<CS: ConstraintSystem<Fr>>(
    cs: &mut CS,
    emu: &Emu,
    a: &Elem,
    b: &Elem,
) -> Result<Elem> {
    check_layout(emu)?;
    let mut rel = Relation::new(emu, ExtKind::Fq);
    rel.add_linear(1, &Ext::from_elem(a.clone()));
    rel.add_linear(1, &Ext::from_elem(b.clone()));
    single(rel.reduce(cs)?)
}

/// The one coefficient of an `Fq` relation's output.
fn single(e: Ext) -> Result<Elem> {
    e.coeffs
        .into_iter()
        .next()
        .ok_or_else(|| Error::Synthesis("an Fq reduction returned no coefficient".into()))
}

/// Packs an element into two `Fr` variables: `sum_{i<4} l_i 2^(32 i)` and
/// `sum_{i<4} l_(4+i) 2^(32 i)` (1 constraint each). Requires every limb's interval inside
/// `[0, 2^32)` and at most 8 limbs (true for allocated, reduced and bit-built elements; anything
/// else is refused): then each half is an integer below `2^128 < r`, so the packing is injective
/// on the limbs and equals [`pack_fq_native`] of the value when the limbs are canonical.
pub fn pack_fq<CS: ConstraintSystem<Fr>>(cs: &mut CS, e: &Elem) -> Result<[AllocatedNum<Fr>; 2]> {
    let max = (1i128 << LIMB_BITS) - 1;
    if e.limbs.len() > 8 || e.limbs.iter().any(|l| l.lo < 0 || l.hi > max) {
        return Err(Error::Synthesis(
            "pack_fq needs at most 8 limbs, each range-checked to 32 bits".into(),
        ));
    }
    let mut out = Vec::with_capacity(2);
    for half in 0..2 {
        let mut lc = LinearCombination::zero();
        let mut val = 0u128;
        for i in 0..4 {
            if let Some(l) = e.limbs.get(4 * half + i) {
                let w = 1u128 << (LIMB_BITS as usize * i);
                lc = lc + &scaled_lc(&l.lc, Fr::from_u128(w));
                // `l.val` is in [0, 2^32) for a consistent witness; the constraint decides.
                val = val.wrapping_add((l.val as u128).wrapping_mul(w));
            }
        }
        let name = if half == 0 { "low half" } else { "high half" };
        let num = alloc_num(cs, name, Fr::from_u128(val))?;
        let var = num.get_variable();
        cs.enforce(|| name, |_| lc, |l| l + CS::one(), |l| l + var);
        out.push(num);
    }
    let hi = out.pop();
    let lo = out.pop();
    match (lo, hi) {
        (Some(lo), Some(hi)) => Ok([lo, hi]),
        _ => Err(Error::Synthesis("pack_fq produced no halves".into())),
    }
}

/// `lc * c`.
fn scaled_lc(lc: &LinearCombination<Fr>, c: Fr) -> LinearCombination<Fr> {
    let mut out = LinearCombination::zero();
    for (v, coeff) in lc.iter() {
        out = out + (*coeff * c, v);
    }
    out
}

/// The native twin of [`pack_fq`]: the canonical value's low and high 128 bits.
pub fn pack_fq_native(v: &Fq) -> [Fr; 2] {
    let repr = v.to_repr();
    let bytes = repr.as_ref();
    let mut lo = [0u8; 16];
    let mut hi = [0u8; 16];
    lo.copy_from_slice(&bytes[..16]);
    hi.copy_from_slice(&bytes[16..32]);
    [
        Fr::from_u128(u128::from_le_bytes(lo)),
        Fr::from_u128(u128::from_le_bytes(hi)),
    ]
}

/// The running CycleFold instance in the primary circuit.
#[derive(Clone, Debug)]
pub struct CfInstanceVar {
    /// `Com(W || E)`: on the curve, or the identity.
    pub comm: GrumpkinVar,
    /// The relaxation scalar (emulated `Fq`).
    pub u: Elem,
    /// The `CF_IO_LEN` public inputs (emulated `Fq`).
    pub x: Vec<Elem>,
}

/// Allocates a running instance: `comm` on the curve or the identity (5 constraints), `u` and the
/// 7 `x` with range-checked limbs (`8 * 264`). Cost: 2117 constraints.
pub fn alloc_cf_instance<CS: ConstraintSystem<Fr>>(
    cs: &mut CS,
    emu: &Emu,
    inst: &CfInstance,
) -> Result<CfInstanceVar> {
    let comm = alloc_point(&mut cs.namespace(|| "comm"), &inst.comm, true)?;
    let u = alloc_fq(&mut cs.namespace(|| "u"), emu, &inst.u)?;
    let x = inst
        .x
        .iter()
        .enumerate()
        .map(|(j, v)| alloc_fq(&mut cs.namespace(|| format!("x {j}")), emu, v))
        .collect::<Result<Vec<_>>>()?;
    Ok(CfInstanceVar { comm, u, x })
}

/// Folds `running` with the fresh instance `(d, 1, fresh_x)` by `r = 2^129 + 1 + 2h`:
/// `comm' = comm + r d` ([`scalar_mul_add`]), `u' = u + r` ([`add_fq`]),
/// `x'_j = x_j + r fresh_x_j` ([`fold_fq`]); `r` is [`fold_scalar_elem`] of the same bits, so the
/// Grumpkin scalar and the `Fq` scalar are the same integer.
///
/// Preconditions: `running` comes from [`alloc_cf_instance`] or an earlier fold, `d` is finite and
/// on the curve (`alloc_point(.., false)`), `fresh_x` have truthful limb intervals, `h_bits` are
/// the 128 boolean hash bits. The outputs' limbs are range-checked, so the result can be hashed.
pub fn fold_cf_instance<CS: ConstraintSystem<Fr>>(
    cs: &mut CS,
    emu: &Emu,
    running: &CfInstanceVar,
    fresh_x: &[Elem],
    d: &GrumpkinVar,
    h_bits: &[AllocatedBit],
) -> Result<CfInstanceVar> {
    if fresh_x.len() != CF_IO_LEN || running.x.len() != CF_IO_LEN {
        return Err(Error::Synthesis(format!(
            "a CycleFold instance has {CF_IO_LEN} public inputs (running {}, fresh {})",
            running.x.len(),
            fresh_x.len()
        )));
    }
    if h_bits.len() != 128 {
        return Err(Error::Synthesis(format!(
            "the fold scalar takes 128 hash bits, got {}",
            h_bits.len()
        )));
    }
    let comm = scalar_mul_add(&mut cs.namespace(|| "comm"), &running.comm, d, h_bits)?;
    let r = fold_scalar_elem(h_bits);
    let u = add_fq(&mut cs.namespace(|| "u"), emu, &running.u, &r)?;
    let x = running
        .x
        .iter()
        .zip(fresh_x)
        .enumerate()
        .map(|(j, (x1, x2))| fold_fq(&mut cs.namespace(|| format!("x {j}")), emu, x1, &r, x2))
        .collect::<Result<Vec<_>>>()?;
    Ok(CfInstanceVar { comm, u, x })
}

impl CfInstanceVar {
    /// The instance as 18 field elements for hashing: `comm.x, comm.y`, then [`pack_fq`] of `u`
    /// and of `x_0 .. x_6` (16 constraints). Same order as [`cf_instance_hash_elems`].
    pub fn hash_elems<CS: ConstraintSystem<Fr>>(
        &self,
        cs: &mut CS,
    ) -> Result<Vec<AllocatedNum<Fr>>> {
        let mut out = Vec::with_capacity(2 + 2 * (1 + self.x.len()));
        out.push(self.comm.x.clone());
        out.push(self.comm.y.clone());
        out.extend(pack_fq(&mut cs.namespace(|| "u"), &self.u)?);
        for (j, e) in self.x.iter().enumerate() {
            out.extend(pack_fq(&mut cs.namespace(|| format!("x {j}")), e)?);
        }
        Ok(out)
    }

    /// The witness instance (values reduced modulo `q`); `None` when a value is missing or the
    /// commitment is not a curve point.
    pub fn value(&self) -> Option<CfInstance> {
        let comm = self.comm.value()?;
        let u = fq_from_bigint(&self.u.value(LIMB_BITS));
        let mut x = [Fq::ZERO; CF_IO_LEN];
        if self.x.len() != CF_IO_LEN {
            return None;
        }
        for (o, e) in x.iter_mut().zip(&self.x) {
            *o = fq_from_bigint(&e.value(LIMB_BITS));
        }
        Some(CfInstance { comm, u, x })
    }
}

/// The native twin of [`CfInstanceVar::hash_elems`]: `[comm.x, comm.y, u_lo, u_hi, x_0 lo, ..]`
/// with `(0, 0)` for an identity commitment and canonical limbs.
pub fn cf_instance_hash_elems(inst: &CfInstance) -> Vec<Fr> {
    let mut out = Vec::with_capacity(2 + 2 * (1 + CF_IO_LEN));
    out.extend(super::grumpkin::point_coords(&inst.comm));
    out.extend(pack_fq_native(&inst.u));
    for v in &inst.x {
        out.extend(pack_fq_native(v));
    }
    out
}

/// The native fold (cross-check of [`fold_cf_instance`]):
/// `(comm + r d, u + r, x + r fresh_x)` with `r = cf_fold_scalar(h)`.
pub fn fold_cf_instance_native(
    running: &CfInstance,
    fresh_x: &[Fq; CF_IO_LEN],
    d: &GrumpkinAffine,
    h: u128,
) -> CfInstance {
    let r = cf_fold_scalar(h);
    let comm = (running.comm.to_curve() + *d * r).to_affine();
    let mut x = running.x;
    for (o, f) in x.iter_mut().zip(fresh_x) {
        *o += r * f;
    }
    CfInstance {
        comm,
        u: running.u + r,
        x,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use halo2curves::group::prime::PrimeCurveAffine;
    use num_traits::One;
    use rand::{Rng, SeedableRng};
    use rand_chacha::ChaCha20Rng;
    use zkagg_circuit_verifier::cs::CheckCS;

    fn rng() -> ChaCha20Rng {
        ChaCha20Rng::seed_from_u64(0x6e6f_6e6e)
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

    fn random_instance(rng: &mut ChaCha20Rng) -> CfInstance {
        CfInstance {
            comm: random_point(rng),
            u: Fq::random(&mut *rng),
            x: std::array::from_fn(|_| Fq::random(&mut *rng)),
        }
    }

    fn elem_fq(e: &Elem) -> Fq {
        fq_from_bigint(&e.value(LIMB_BITS))
    }

    #[test]
    fn conversions_round_trip() {
        let mut rng = rng();
        for _ in 0..20 {
            let v = Fq::random(&mut rng);
            assert_eq!(fq_from_bigint(&fq_to_bigint(&v)), v);
            let [lo, hi] = pack_fq_native(&v);
            let back = fq_to_bigint(&v);
            let mask = (BigInt::one() << 128) - 1;
            assert_eq!(lo, Fr::from_u128(u128::try_from(&back & &mask).unwrap()));
            assert_eq!(hi, Fr::from_u128(u128::try_from(&back >> 128).unwrap()));
        }
        assert_eq!(fq_to_bigint(&Fq::ONE), BigInt::one());
        assert_eq!(fq_from_bigint(&BigInt::from(-1)), -Fq::ONE);
        assert_eq!(fq_from_bigint(fq_modulus_int()), Fq::ZERO);
    }

    #[test]
    fn bit_elements_and_packing() {
        let mut rng = rng();
        for h in [0u128, u128::MAX, rng.gen()] {
            let mut cs = CheckCS::new();
            let bits = alloc_bits(&mut cs, h);
            let before = cs.num_constraints();
            let he = fq_from_bits(&bits);
            let re = fold_scalar_elem(&bits);
            assert_eq!(cs.num_constraints(), before);
            assert_eq!(elem_fq(&he), Fq::from_u128(h));
            assert_eq!(elem_fq(&re), cf_fold_scalar(h));
            assert_eq!(re.limbs.len(), 5);
            for l in he.limbs.iter().chain(&re.limbs) {
                assert!(l.lo >= 0 && l.hi < 1 << 32 && l.lo <= l.val && l.val <= l.hi);
                assert_eq!(
                    cs.eval(&l.lc),
                    zkagg_circuit_verifier::convert::fr_from_i128(l.val)
                );
            }
            let ph = pack_fq(&mut cs, &he).unwrap();
            let pr = pack_fq(&mut cs, &re).unwrap();
            assert!(cs.is_satisfied());
            assert_eq!(
                ph.map(|n| n.get_value().unwrap()),
                pack_fq_native(&Fq::from_u128(h))
            );
            assert_eq!(
                pr.map(|n| n.get_value().unwrap()),
                pack_fq_native(&cf_fold_scalar(h))
            );
        }
    }

    #[test]
    fn fold_fq_and_add_fq_match_native() {
        let mut rng = rng();
        let emu = Emu::default_layout();
        for case in 0..6 {
            let mut cs = CheckCS::new();
            let h: u128 = match case {
                0 => 0,
                1 => u128::MAX,
                _ => rng.gen(),
            };
            let (a, b) = match case {
                2 => (Fq::ZERO, Fq::ZERO),
                3 => (-Fq::ONE, -Fq::ONE),
                _ => (Fq::random(&mut rng), Fq::random(&mut rng)),
            };
            let bits = alloc_bits(&mut cs, h);
            let ae = alloc_fq(&mut cs, &emu, &a).unwrap();
            let be = alloc_fq(&mut cs, &emu, &b).unwrap();
            let r = fold_scalar_elem(&bits);
            let before = cs.num_constraints();
            let f = fold_fq(&mut cs, &emu, &ae, &r, &be).unwrap();
            let fold_cost = cs.num_constraints() - before;
            let before = cs.num_constraints();
            let s = add_fq(&mut cs, &emu, &ae, &r).unwrap();
            let add_cost = cs.num_constraints() - before;
            assert!(cs.is_satisfied(), "{:?}", cs.which_is_unsatisfied());
            let rf = cf_fold_scalar(h);
            // The honest outputs are the canonical residues.
            assert_eq!(f.value(LIMB_BITS), fq_to_bigint(&(a + rf * b)));
            assert_eq!(s.value(LIMB_BITS), fq_to_bigint(&(a + rf)));
            if case == 0 {
                println!("fold_fq: {fold_cost} constraints, add_fq: {add_cost} constraints");
            }
        }
    }

    /// A wrong output is unsatisfiable; the other representative `output + q` is accepted (the
    /// reduction does not prove canonicity; see the module documentation).
    #[test]
    fn fold_fq_rejects_wrong_output_and_accepts_non_canonical_twin() {
        let mut rng = rng();
        let emu = Emu::default_layout();
        let h: u128 = rng.gen();
        let (a, b) = (Fq::random(&mut rng), Fq::random(&mut rng));
        let q = fq_modulus_int().clone();
        // The tamper recomputes the quotient from the corrupted output, then adds its delta.
        let cases = [
            (BigInt::one(), BigInt::from(0), false),
            (BigInt::one(), BigInt::from(-1), false),
            (BigInt::from(-1), BigInt::from(1), false),
            (q.clone(), BigInt::from(-1), false),
            (q.clone(), BigInt::from(0), true),
        ];
        for (od, qd, ok) in cases {
            let mut cs = CheckCS::new();
            let bits = alloc_bits(&mut cs, h);
            let ae = alloc_fq(&mut cs, &emu, &a).unwrap();
            let be = alloc_fq(&mut cs, &emu, &b).unwrap();
            let r = fold_scalar_elem(&bits);
            let t = Tamper {
                coefficient: 0,
                output_delta: od.clone(),
                quotient_delta: qd.clone(),
            };
            let f = fold_fq_inner(&mut cs, &emu, &ae, &r, &be, Some(t)).unwrap();
            assert_eq!(cs.is_satisfied(), ok, "output + {od}, quotient + {qd}");
            if ok {
                assert_eq!(
                    f.value(LIMB_BITS),
                    fq_to_bigint(&(a + cf_fold_scalar(h) * b)) + &q
                );
            }
        }
    }

    #[test]
    fn fold_cf_instance_matches_native() {
        let mut rng = rng();
        let emu = Emu::default_layout();
        let mut runnings = vec![CfInstance::default(), random_instance(&mut rng)];
        // A running instance with extreme values.
        runnings.push(CfInstance {
            comm: random_point(&mut rng),
            u: -Fq::ONE,
            x: [-Fq::ONE; CF_IO_LEN],
        });
        for (case, running) in runnings.iter().enumerate() {
            let h: u128 = if case == 2 { u128::MAX } else { rng.gen() };
            let fresh: [Fq; CF_IO_LEN] = std::array::from_fn(|_| Fq::random(&mut rng));
            let d = random_point(&mut rng);
            let mut cs = CheckCS::new();
            let bits = alloc_bits(&mut cs, h);
            let before = cs.num_constraints();
            let rv = alloc_cf_instance(&mut cs.namespace(|| "running"), &emu, running).unwrap();
            let alloc_cost = cs.num_constraints() - before;
            let fx: Vec<Elem> = fresh
                .iter()
                .map(|v| alloc_fq(&mut cs, &emu, v).unwrap())
                .collect();
            let dv = alloc_point(&mut cs, &d, false).unwrap();
            let before = cs.num_constraints();
            let folded =
                fold_cf_instance(&mut cs.namespace(|| "fold"), &emu, &rv, &fx, &dv, &bits).unwrap();
            let fold_cost = cs.num_constraints() - before;
            let before = cs.num_constraints();
            let hv = folded.hash_elems(&mut cs).unwrap();
            let hash_cost = cs.num_constraints() - before;
            let hr = rv.hash_elems(&mut cs).unwrap();
            assert!(cs.is_satisfied(), "{:?}", cs.which_is_unsatisfied());

            let expect = fold_cf_instance_native(running, &fresh, &d, h);
            assert_eq!(folded.value(), Some(expect.clone()));
            // Honest outputs are canonical, so the in-circuit hash input is the native one.
            let got: Vec<Fr> = hv.iter().map(|n| n.get_value().unwrap()).collect();
            assert_eq!(got, cf_instance_hash_elems(&expect));
            assert_eq!(got.len(), 18);
            let got: Vec<Fr> = hr.iter().map(|n| n.get_value().unwrap()).collect();
            assert_eq!(got, cf_instance_hash_elems(running));
            assert_eq!(alloc_cost, 2117);
            assert_eq!(hash_cost, 16);
            if case == 0 {
                println!(
                    "alloc_cf_instance: {alloc_cost}, fold_cf_instance: {fold_cost}, \
                     hash_elems: {hash_cost} constraints"
                );
            }
        }
    }

    /// Shape synthesis (nova-snark's `ShapeCS` never evaluates witnesses) builds the same
    /// constraints: every gadget carries its own values.
    #[test]
    fn shape_synthesis_matches_checked_synthesis() {
        use nova_snark::frontend::shape_cs::ShapeCS;
        use nova_snark::provider::Bn256EngineKZG;
        fn build<CS: ConstraintSystem<Fr>>(cs: &mut CS) -> usize {
            let emu = Emu::default_layout();
            let bits: Vec<AllocatedBit> = (0..128)
                .map(|i| {
                    AllocatedBit::alloc(cs.namespace(|| format!("h {i}")), Some(i % 3 == 0))
                        .unwrap()
                })
                .collect();
            let rv = alloc_cf_instance(
                &mut cs.namespace(|| "running"),
                &emu,
                &CfInstance::default(),
            )
            .unwrap();
            let fx: Vec<Elem> = (0..CF_IO_LEN)
                .map(|j| alloc_fq(&mut cs.namespace(|| format!("fx {j}")), &emu, &Fq::ONE).unwrap())
                .collect();
            let dv = alloc_point(
                &mut cs.namespace(|| "d"),
                &GrumpkinAffine::generator(),
                false,
            )
            .unwrap();
            let f =
                fold_cf_instance(&mut cs.namespace(|| "fold"), &emu, &rv, &fx, &dv, &bits).unwrap();
            f.hash_elems(&mut cs.namespace(|| "hash")).unwrap().len()
        }
        let mut shape = ShapeCS::<Bn256EngineKZG>::new();
        let mut check = CheckCS::new();
        assert_eq!(build(&mut shape), 18);
        assert_eq!(build(&mut check), 18);
        assert!(check.is_satisfied());
        assert_eq!(shape.num_constraints(), check.num_constraints());
    }

    #[test]
    fn fold_cf_instance_rejects_wrong_commitment_and_arity() {
        let mut rng = rng();
        let emu = Emu::default_layout();
        let running = random_instance(&mut rng);
        let mut cs = CheckCS::new();
        let bits = alloc_bits(&mut cs, rng.gen());
        let rv = alloc_cf_instance(&mut cs, &emu, &running).unwrap();
        let d = random_point(&mut rng);
        let dv = alloc_point(&mut cs, &d, false).unwrap();
        let fx: Vec<Elem> = (0..CF_IO_LEN - 1)
            .map(|_| alloc_fq(&mut cs, &emu, &Fq::random(&mut rng)).unwrap())
            .collect();
        assert!(fold_cf_instance(&mut cs, &emu, &rv, &fx, &dv, &bits).is_err());
        // D at infinity (the fresh commitment must be finite): unsatisfiable.
        let mut cs = CheckCS::new();
        let bits = alloc_bits(&mut cs, rng.gen());
        let rv = alloc_cf_instance(&mut cs, &emu, &running).unwrap();
        let dv = alloc_point(&mut cs, &GrumpkinAffine::identity(), false).unwrap();
        let fx: Vec<Elem> = (0..CF_IO_LEN)
            .map(|_| alloc_fq(&mut cs, &emu, &Fq::random(&mut rng)).unwrap())
            .collect();
        let _ = fold_cf_instance(&mut cs, &emu, &rv, &fx, &dv, &bits);
        assert!(!cs.is_satisfied());
    }
}
