//! Helpers shared by the integration tests: a tiny circuit to make real proofs, and the points
//! used for tampering.
#![allow(dead_code)]

use ark_bn254::{Fq2, G2Affine};
use ark_ec::{short_weierstrass::SWCurveConfig, AffineRepr, CurveGroup};
use ark_ff::{Field, UniformRand};
use ark_groth16::Groth16;
use ark_r1cs_std::{alloc::AllocVar, eq::EqGadget, fields::fp::FpVar};
use ark_relations::gr1cs::{ConstraintSynthesizer, ConstraintSystemRef, SynthesisError};
use ark_snark::SNARK;
use rand::SeedableRng;
use rand_chacha::ChaCha20Rng;
use zkagg_core::{Curve, Fr, Proof, ProvingKey, VerifyingKey};

/// Public inputs `(a, b)`, witness `s` with `s^2 = a` and `s * a = b`.
#[derive(Clone)]
pub struct SquareCircuit {
    pub s: Option<Fr>,
}

impl ConstraintSynthesizer<Fr> for SquareCircuit {
    fn generate_constraints(self, cs: ConstraintSystemRef<Fr>) -> Result<(), SynthesisError> {
        let s_value = self.s;
        let a = FpVar::new_input(cs.clone(), || {
            s_value
                .map(|s| s * s)
                .ok_or(SynthesisError::AssignmentMissing)
        })?;
        let b = FpVar::new_input(cs.clone(), || {
            s_value
                .map(|s| s * s * s)
                .ok_or(SynthesisError::AssignmentMissing)
        })?;
        let s = FpVar::new_witness(cs, || s_value.ok_or(SynthesisError::AssignmentMissing))?;
        (&s * &s).enforce_equal(&a)?;
        (&s * &a).enforce_equal(&b)?;
        Ok(())
    }
}

pub fn rng(seed: u64) -> ChaCha20Rng {
    ChaCha20Rng::seed_from_u64(seed)
}

/// A key pair for [`SquareCircuit`] from a seeded setup.
pub fn keys(seed: u64) -> (ProvingKey, VerifyingKey) {
    let mut rng = rng(seed);
    Groth16::<Curve>::circuit_specific_setup(SquareCircuit { s: None }, &mut rng).expect("setup")
}

/// A valid proof and its public inputs.
pub fn proof(pk: &ProvingKey, seed: u64) -> (Proof, Vec<Fr>) {
    let mut rng = rng(seed);
    let s = Fr::rand(&mut rng);
    let proof = Groth16::<Curve>::prove(pk, SquareCircuit { s: Some(s) }, &mut rng).expect("prove");
    (proof, vec![s * s, s * s * s])
}

/// A point on the G2 curve that is NOT in the prime-order subgroup (the twist has a big cofactor,
/// so the first valid x almost surely gives one).
pub fn g2_outside_subgroup() -> G2Affine {
    let mut x = Fq2::from(1u64);
    loop {
        let rhs = x.square() * x + ark_bn254::g2::Config::COEFF_B;
        if let Some(y) = rhs.sqrt() {
            let point = G2Affine::new_unchecked(x, y);
            assert!(point.is_on_curve());
            if !point.is_in_correct_subgroup_assuming_on_curve() {
                return point;
            }
        }
        x += Fq2::from(1u64);
    }
}

/// A different valid G1 point (doubling), to tamper a proof element while staying well-formed.
pub fn other_g1(p: ark_bn254::G1Affine) -> ark_bn254::G1Affine {
    (p.into_group() + p.into_group() + ark_bn254::G1Affine::generator()).into_affine()
}

/// A different valid G2 point.
pub fn other_g2(p: G2Affine) -> G2Affine {
    (p.into_group() + p.into_group() + G2Affine::generator()).into_affine()
}
