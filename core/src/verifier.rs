//! Native Groth16 verification over BN254 with a prepared key.
//!
//! The check is the Groth16 pairing equation
//! `e(A, B) = e(alpha, beta) * e(L, gamma) * e(C, delta)` with `L = IC[0] + sum_i x_i * IC[i+1]`,
//! evaluated as one multi-Miller loop `e(A, B) * e(-L, gamma) * e(-C, delta) = e(alpha, beta)`
//! and one final exponentiation (the prepared key holds `e(alpha, beta)` and the G2 lines of
//! `-gamma` and `-delta`: [`GrothPairing`]), on the build's pairing engine
//! ([`DefaultEngine`]: arkworks natively, the 29-bit-limb field in wasm). Points reaching this
//! module were validated when parsed (on the curve, G2 in the subgroup); the input count is
//! checked here, so surplus or missing inputs are an error, not a silently different statement.
//!
//! A prepared key also holds comb tables of its input points ([`InputComb`]): the `IC[i]` are
//! fixed, so for each one the points `sum_{j in J} 2^(26 j) IC[i]` for every set `J` of the
//! comb's 10 teeth are computed once, and `L` costs `ceil(254 / 10) = 26` batch-affine
//! additions per input (about six field products each, [`crate::group_sums::GroupSums`]) plus
//! 26 doublings and 26 additions for the whole sum, instead of a 254-bit scalar multiplication
//! each (keys with more than 64 inputs get fewer teeth, so that the tables stay within
//! [`comb::MAX_ENTRIES`] points). A key prepared for one verification has no tables and sums
//! its inputs by the bucket method over all windows at once (`variable_base`), or by scalar
//! multiplications for a few inputs. The equation checked is unchanged; only how `L` is
//! computed differs.

use ark_ec::short_weierstrass::{Affine, Projective};

mod comb;
mod variable_base;

pub use comb::InputComb;

use crate::formats::{check_input_count, num_public_inputs};
use crate::pairing::{DefaultEngine, GrothPairing, PairingEngine};
use crate::vk_hash::vk_hash;
use crate::{Error, Fr, Proof, Result, VerifyingKey};

/// G1 on the build's pairing engine: where `L` is formed, so it goes to the pairing as is.
type EngineG1 = <DefaultEngine as PairingEngine>::G1;

/// Bits of an input scalar: every `Fr` is below `r < 2^254`.
const SCALAR_BITS: usize = 254;
/// Keys with more inputs than this get no comb tables ([`comb::MAX_ENTRIES`] points shared
/// by the inputs, at least 64 per input up to here; a committed key with thousands of inputs
/// would not use them): they sum their inputs as a one-shot key does.
pub const MAX_COMB_INPUTS: usize = 1024;

/// A verifying key prepared once for many verifications.
#[derive(Clone, Debug)]
pub struct PreparedVerifier {
    vk: VerifyingKey,
    pairing: GrothPairing<DefaultEngine>,
    /// `IC[0..]` on the engine's G1.
    ic: Vec<Affine<EngineG1>>,
    comb: Option<InputComb<EngineG1>>,
    vk_hash: [u8; 32],
}

impl PreparedVerifier {
    /// Prepare `vk`: `e(alpha, beta)`, the G2 line coefficients of gamma and delta, and the
    /// comb tables of its input points (up to [`MAX_COMB_INPUTS`] inputs). Building the
    /// tables is the bulk of the preparation (44 ms for a 64-input key in wasm in Node, where a
    /// [`PreparedVerifier::one_shot`] key verifies in 6.6 ms and this one in 3.0 ms), so for
    /// a key with many inputs it pays off from about a dozen verifications.
    pub fn new(vk: &VerifyingKey) -> Result<Self> {
        let mut verifier = Self::with_pairing(vk, GrothPairing::new)?;
        let inputs = &verifier.ic[1..];
        if !inputs.is_empty() && inputs.len() <= MAX_COMB_INPUTS {
            verifier.comb = Some(InputComb::new(inputs));
        }
        Ok(verifier)
    }

    /// Prepare `vk` for a single verification: no comb tables (preparing them costs about
    /// what one verification saves) and no `e(alpha, beta)` of its own (its pair joins the
    /// check's Miller loop: [`GrothPairing::one_shot`]).
    pub fn one_shot(vk: &VerifyingKey) -> Result<Self> {
        Self::with_pairing(vk, GrothPairing::one_shot)
    }

    /// The key's shape checked, then its pairing data by `pairing`; no comb tables.
    fn with_pairing(
        vk: &VerifyingKey,
        pairing: fn(&VerifyingKey) -> GrothPairing<DefaultEngine>,
    ) -> Result<Self> {
        if vk.gamma_abc_g1.is_empty() {
            return Err(Error::shape("IC", "must hold at least one point (IC[0])"));
        }
        Ok(Self {
            vk: vk.clone(),
            pairing: pairing(vk),
            ic: vk.gamma_abc_g1.iter().map(DefaultEngine::g1).collect(),
            comb: None,
            vk_hash: vk_hash(vk),
        })
    }

    /// The key this verifier checks against.
    pub fn verifying_key(&self) -> &VerifyingKey {
        &self.vk
    }

    /// Number of public inputs the key expects.
    pub fn num_public_inputs(&self) -> usize {
        num_public_inputs(&self.vk)
    }

    /// The key's [`crate::vk_hash`].
    pub fn vk_hash(&self) -> [u8; 32] {
        self.vk_hash
    }

    /// `L = IC[0] + sum_i inputs[i] * IC[i+1]` on the engine's G1, from the comb tables when
    /// there are some, else as a one-shot key sums them (the caller checked the input count).
    pub fn input_point(&self, inputs: &[Fr]) -> Projective<EngineG1> {
        let ic = &self.ic;
        let sum = match &self.comb {
            Some(comb) => comb.combine(inputs),
            // No comb tables (a one-shot key): buckets over all windows at once for many
            // inputs, one scalar multiplication each for a few.
            None => variable_base::input_sum(&ic[1..], inputs),
        };
        sum + ic[0]
    }

    /// `Ok(true)` iff the proof is valid for `inputs`; `Ok(false)` for a well-formed but invalid
    /// proof; `Err` when the input count does not match the key.
    pub fn verify(&self, proof: &Proof, inputs: &[Fr]) -> Result<bool> {
        check_input_count(&self.vk, inputs)?;
        Ok(self.pairing.check(proof, &self.input_point(inputs)))
    }
}

/// One-shot verification (prepares the key each time; use [`PreparedVerifier`] for many proofs).
pub fn verify(vk: &VerifyingKey, proof: &Proof, inputs: &[Fr]) -> Result<bool> {
    PreparedVerifier::one_shot(vk)?.verify(proof, inputs)
}
