//! # Groth16 verification in the circuit
//!
//! A Groth16 proof `(A, B, C)` for public inputs `x_1..x_n` under the key
//! `(alpha, beta, gamma, delta, IC_0..IC_n)` is valid iff
//!
//! ```text
//!   e(A, B) = e(alpha, beta) e(L, gamma) e(C, delta),     L = IC_0 + sum_j x_j IC_j,
//! ```
//!
//! i.e. iff `F = ML(A, B) ML(-L, gamma) ML(-C, delta) ML(-alpha, beta)` satisfies `F^h = 1`.
//! [`Emu::verify_groth16`] enforces exactly that:
//!
//! - `A`, `C` on G1 (cofactor 1: on the curve is enough), `B` on the twist and in G2 (the
//!   Miller loop's free subgroup check, [`crate::pairing`]);
//! - `L` by the fixed-base MSM over the key's `IC_j` with the inputs' bits (254 bits each: a
//!   non-canonical decomposition `x + r` gives the same point);
//! - `ML(A, B)` with the residue witness folded in, `ML(-L, gamma)` and `ML(-C, delta)` with
//!   precomputed fixed-`G2` loops, `ML(-alpha, beta)` a constant;
//! - the residue check `F w = c^lambda` ([`crate::pairing::residue`]).
//!
//! Public inputs are circuit variables (`Fr`, the same field: no emulation), so a proof's
//! statement can be bound to the rest of the circuit.

pub mod batch;

use crate::convert::{fr_from_ark, fr_to_ark, Fr};
use crate::curve::glv::fq_as_fq2;
use crate::curve::msm::FixedBaseMsm;
use crate::curve::{AffineVar, CurveSpec};
use crate::field::{one, Bit, Emu};
use crate::pairing::fixed::FixedLoop;
use crate::pairing::native_miller_loop;
use crate::tower::{fq12_to_direct, Ext, ExtKind};
use crate::{Error, Result};
use ark_bn254::{Fq12, G1Affine, G2Affine};
use ark_ec::{AffineRepr, CurveGroup};
use ark_ff::{BigInteger, PrimeField};
use nova_snark::frontend::num::AllocatedNum;
use nova_snark::frontend::{ConstraintSystem, LinearCombination};
use zkagg_core::{Proof, VerifyingKey};

/// Window width of the fixed-base MSM over the key's `IC` points.
pub const MSM_WINDOW: usize = 8;
/// Bits of a public input in the MSM (`r < 2^254`).
pub const INPUT_BITS: usize = 254;

/// A verifying key prepared for the circuit: the constants every verification uses.
#[derive(Clone, Debug)]
pub struct CircuitKey {
    /// The key.
    pub vk: VerifyingKey,
    /// MSM tables for `IC_1..IC_n` starting at `IC_0`.
    pub msm: FixedBaseMsm,
    /// The loop of `gamma`.
    pub gamma: FixedLoop,
    /// The loop of `delta`.
    pub delta: FixedLoop,
    /// The loop of `beta` (used by the batched form, where `alpha` is scaled).
    pub beta: FixedLoop,
    /// `ML(-alpha, beta)` (native, this crate's scaling).
    pub alpha_beta: Fq12,
}

impl CircuitKey {
    /// Prepares `vk` (which must have no point at infinity among `alpha`, `IC_0`, and G2 points).
    pub fn new(vk: &VerifyingKey) -> Result<Self> {
        if vk.gamma_abc_g1.is_empty() {
            return Err(Error::Input("key without IC_0".into()));
        }
        if vk.alpha_g1.is_zero()
            || vk.beta_g2.is_zero()
            || vk.gamma_g2.is_zero()
            || vk.delta_g2.is_zero()
        {
            return Err(Error::Input("key with a point at infinity".into()));
        }
        let msm = FixedBaseMsm::new(
            &vk.gamma_abc_g1[1..],
            vk.gamma_abc_g1[0],
            INPUT_BITS,
            MSM_WINDOW,
        );
        Ok(Self {
            vk: vk.clone(),
            msm,
            gamma: FixedLoop::new(&vk.gamma_g2),
            delta: FixedLoop::new(&vk.delta_g2),
            beta: FixedLoop::new(&vk.beta_g2),
            alpha_beta: native_miller_loop(&(-vk.alpha_g1), &vk.beta_g2).0,
        })
    }

    /// Number of public inputs.
    pub fn num_inputs(&self) -> usize {
        self.vk.gamma_abc_g1.len() - 1
    }
}

/// An allocated proof.
#[derive(Clone, Debug)]
pub struct ProofVar {
    /// `A` (G1, on the curve).
    pub a: AffineVar,
    /// `B` (twist, on the curve; G2 membership is enforced by the verification's Miller loop).
    pub b: AffineVar,
    /// `C` (G1, on the curve).
    pub c: AffineVar,
}

/// Native values of an allocated proof.
pub fn proof_values(emu: &Emu, p: &ProofVar) -> (G1Affine, G2Affine, G1Affine) {
    let g1 = |v: &AffineVar| {
        let (x, y) = v.values(emu);
        G1Affine::new_unchecked(x.c0, y.c0)
    };
    let (bx, by) = p.b.values(emu);
    (g1(&p.a), G2Affine::new_unchecked(bx, by), g1(&p.c))
}

impl Emu {
    /// Allocates a proof's points with on-curve checks; `canonical` also proves every coordinate
    /// below `p` (needed when the proof is hashed). Points at infinity are refused
    /// ([`Error::Input`]): they have no affine encoding.
    pub fn alloc_proof<CS: ConstraintSystem<Fr>>(
        &self,
        cs: &mut CS,
        proof: &Proof,
        canonical: bool,
    ) -> Result<ProofVar> {
        if proof.a.is_zero() || proof.b.is_zero() || proof.c.is_zero() {
            return Err(Error::Input("proof with a point at infinity".into()));
        }
        let g1 = CurveSpec::g1();
        let a = self.alloc_point(
            &mut cs.namespace(|| "A"),
            &g1,
            fq_as_fq2(proof.a.x),
            fq_as_fq2(proof.a.y),
            canonical,
        )?;
        let b = self.alloc_point(
            &mut cs.namespace(|| "B"),
            &CurveSpec::g2(),
            proof.b.x,
            proof.b.y,
            canonical,
        )?;
        let c = self.alloc_point(
            &mut cs.namespace(|| "C"),
            &g1,
            fq_as_fq2(proof.c.x),
            fq_as_fq2(proof.c.y),
            canonical,
        )?;
        Ok(ProofVar { a, b, c })
    }

    /// Verifies a Groth16 proof against `key` and the public inputs (see the module
    /// documentation): the constraints are satisfiable iff the proof is valid.
    pub fn verify_groth16<CS: ConstraintSystem<Fr>>(
        &self,
        cs: &mut CS,
        key: &CircuitKey,
        proof: &ProofVar,
        inputs: &[AllocatedNum<Fr>],
    ) -> Result<()> {
        if inputs.len() != key.num_inputs() {
            return Err(Error::Input(format!(
                "{} public inputs for a key with {}",
                inputs.len(),
                key.num_inputs()
            )));
        }
        let mut bits = Vec::with_capacity(inputs.len());
        for (j, x) in inputs.iter().enumerate() {
            bits.push(num_to_bits(
                &mut cs.namespace(|| format!("input {j} bits")),
                x,
                INPUT_BITS,
            )?);
        }
        let l = self.fixed_base_msm(&mut cs.namespace(|| "L"), &key.msm, &bits)?;
        let (a, b, c) = proof_values(self, proof);
        let lv = {
            let (x, y) = l.values(self);
            G1Affine::new_unchecked(x.c0, y.c0)
        };
        // Native product of the four loops, for the residue witness.
        let f_native = native_miller_loop(&a, &b).0
            * key.gamma.native(lv.x, -lv.y)
            * key.delta.native(c.x, -c.y)
            * key.alpha_beta;
        let res = self.alloc_residue(&mut cs.namespace(|| "residue"), &f_native)?;
        let f1 = self.miller_loop_with_residue(
            &mut cs.namespace(|| "ML(A, B)"),
            &proof.a,
            &proof.b,
            true,
            Some(&res),
        )?;
        let f2 = self.miller_loop_fixed(
            &mut cs.namespace(|| "ML(-L, gamma)"),
            &l.neg(),
            &key.gamma,
            None,
        )?;
        let f3 = self.miller_loop_fixed(
            &mut cs.namespace(|| "ML(-C, delta)"),
            &proof.c.neg(),
            &key.delta,
            None,
        )?;
        let ab = Ext::constant(ExtKind::Fq12, &fq12_to_direct(&key.alpha_beta), self);
        let f12 = self.mul(&mut cs.namespace(|| "f1 f2"), &f1, &f2)?;
        let f123 = self.mul(&mut cs.namespace(|| "f1 f2 f3"), &f12, &f3)?;
        let f = self.mul(&mut cs.namespace(|| "times ML(-alpha, beta)"), &f123, &ab)?;
        self.residue_close(&mut cs.namespace(|| "residue check"), &f, &res)
    }
}

/// Little-endian bits of a native variable: `n` allocated bits with `sum b_i 2^i = x` (one
/// constraint plus the booleanity constraints). With `n = 254` the decomposition of `x` may be
/// `x` or `x + r`; callers only use it where that does not matter.
pub fn num_to_bits<CS: ConstraintSystem<Fr>>(
    cs: &mut CS,
    x: &AllocatedNum<Fr>,
    n: usize,
) -> Result<Vec<Bit>> {
    let v = x.get_value().map(|f| fr_to_ark(&f)).unwrap_or_default();
    let vb = v.into_bigint().to_bits_le();
    let mut bits = Vec::with_capacity(n);
    let mut lc = LinearCombination::zero();
    let mut coeff = Fr::from(1u64);
    for i in 0..n {
        let b = Bit::alloc(
            &mut cs.namespace(|| format!("bit {i}")),
            vb.get(i).copied().unwrap_or(false),
        )?;
        lc = lc + &crate::field::scaled(&b.lc, coeff);
        coeff = coeff + coeff;
        bits.push(b);
    }
    cs.enforce(
        || "bits sum to x",
        |l| l + &lc,
        |l| l + one(),
        |l| l + x.get_variable(),
    );
    Ok(bits)
}

/// Allocates public inputs (as private variables: a caller binds them as it needs).
pub fn alloc_inputs<CS: ConstraintSystem<Fr>>(
    cs: &mut CS,
    inputs: &[ark_bn254::Fr],
) -> Result<Vec<AllocatedNum<Fr>>> {
    inputs
        .iter()
        .enumerate()
        .map(|(j, x)| {
            let v = fr_from_ark(x);
            AllocatedNum::alloc(cs.namespace(|| format!("input {j}")), || Ok(v))
                .map_err(Error::from)
        })
        .collect()
}

/// `L = IC_0 + sum_j x_j IC_j` natively.
pub fn native_l(vk: &VerifyingKey, inputs: &[ark_bn254::Fr]) -> G1Affine {
    let mut acc = vk.gamma_abc_g1[0].into_group();
    for (x, ic) in inputs.iter().zip(vk.gamma_abc_g1.iter().skip(1)) {
        acc += *ic * x;
    }
    acc.into_affine()
}

#[cfg(test)]
pub(crate) mod tests;
