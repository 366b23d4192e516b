//! Native Groth16 verification over BN254 with a prepared key.
//!
//! The check is the Groth16 pairing equation
//! `e(A, B) = e(alpha, beta) * e(L, gamma) * e(C, delta)` with `L = IC[0] + sum_i x_i * IC[i+1]`,
//! evaluated as one multi-Miller loop `e(A, B) * e(-L, gamma) * e(-C, delta) = e(alpha, beta)`
//! and one final exponentiation (ark-groth16 precomputes `e(alpha, beta)` and the G2 lines of
//! `-gamma` and `-delta` in the prepared key). Points reaching this module were validated when
//! parsed (on the curve, G2 in the subgroup); the input count is checked here because ark-groth16
//! silently ignores surplus inputs.

use ark_groth16::{Groth16, PreparedVerifyingKey};

use crate::formats::{check_input_count, num_public_inputs};
use crate::vk_hash::vk_hash;
use crate::{Curve, Error, Fr, Proof, Result, VerifyingKey};

/// A verifying key prepared once for many verifications.
#[derive(Clone, Debug)]
pub struct PreparedVerifier {
    prepared: PreparedVerifyingKey<Curve>,
    vk_hash: [u8; 32],
}

impl PreparedVerifier {
    /// Prepare `vk` (computes `e(alpha, beta)` and the G2 line coefficients of gamma and delta).
    pub fn new(vk: &VerifyingKey) -> Result<Self> {
        if vk.gamma_abc_g1.is_empty() {
            return Err(Error::shape("IC", "must hold at least one point (IC[0])"));
        }
        Ok(Self {
            prepared: ark_groth16::prepare_verifying_key(vk),
            vk_hash: vk_hash(vk),
        })
    }

    /// The key this verifier checks against.
    pub fn verifying_key(&self) -> &VerifyingKey {
        &self.prepared.vk
    }

    /// Number of public inputs the key expects.
    pub fn num_public_inputs(&self) -> usize {
        num_public_inputs(&self.prepared.vk)
    }

    /// The key's [`crate::vk_hash`].
    pub fn vk_hash(&self) -> [u8; 32] {
        self.vk_hash
    }

    /// `Ok(true)` iff the proof is valid for `inputs`; `Ok(false)` for a well-formed but invalid
    /// proof; `Err` when the input count does not match the key.
    pub fn verify(&self, proof: &Proof, inputs: &[Fr]) -> Result<bool> {
        check_input_count(&self.prepared.vk, inputs)?;
        Groth16::<Curve>::verify_proof(&self.prepared, proof, inputs)
            .map_err(|e| Error::ProvingSystem(e.to_string()))
    }
}

/// One-shot verification (prepares the key each time; use [`PreparedVerifier`] for many proofs).
pub fn verify(vk: &VerifyingKey, proof: &Proof, inputs: &[Fr]) -> Result<bool> {
    PreparedVerifier::new(vk)?.verify(proof, inputs)
}
