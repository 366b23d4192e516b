//! # The Fiat–Shamir transcript of a fold, natively and in circuit
//!
//! One Poseidon sponge (nova-snark's width-25 `PoseidonRO`, the same constants natively and in
//! circuit) runs through the whole fold; every squeeze replaces the sponge's state by the full
//! hash, so each challenge depends on everything absorbed before it:
//!
//! 1. absorb `x_2` (the fresh instance's IO hash, which binds `i, z_0, z_i, U_i` and the running
//!    CycleFold instance) and `C_2` (4 packed halves of its coordinates) -> squeeze `b`;
//! 2. absorb `q_1..q_mu` -> squeeze `tau`;
//! 3. absorb `t_T` -> squeeze 128 bits `h` (`alpha = glv_scalar(h)`);
//! 4. absorb the folded commitment `C' = C_1 + alpha C_2` (4 packed halves) and the CycleFold
//!    cross-term commitment `D` (2 coordinates) -> squeeze 128 bits `h_cf`
//!    (`r = 2^129 + 1 + 2 h_cf` folds the CycleFold instance).
//!
//! The circuit recomputes every challenge from the values it folds with (nothing the prover
//! claims about a challenge is trusted), which is what Sonobe issue #280 found missing there.

use crate::Fr;
use ff::PrimeField;
use nova_snark::frontend::gadgets::boolean::AllocatedBit;
use nova_snark::frontend::num::AllocatedNum;
use nova_snark::frontend::{ConstraintSystem, SynthesisError};
use nova_snark::provider::poseidon::{PoseidonConstantsCircuit, PoseidonRO, PoseidonROCircuit};
use nova_snark::traits::{ROCircuitTrait, ROTrait};

/// The sponge constants (shared by all hashes of the scheme).
pub type HashConstants = PoseidonConstantsCircuit<Fr>;

/// Bits of a folding challenge.
pub const CHALLENGE_BITS: usize = 128;

/// The native transcript.
pub struct NativeTranscript {
    ro: PoseidonRO<Fr>,
}

impl NativeTranscript {
    /// A fresh sponge.
    pub fn new(constants: &HashConstants) -> Self {
        Self {
            ro: PoseidonRO::new(constants.clone()),
        }
    }

    /// Absorbs field elements.
    pub fn absorb(&mut self, xs: &[Fr]) {
        for x in xs {
            self.ro.absorb(*x);
        }
    }

    /// Squeezes a full field element.
    pub fn squeeze(&mut self) -> Fr {
        self.ro.squeeze(Fr::NUM_BITS as usize, false)
    }

    /// Squeezes a 128-bit challenge (the low bits of the hash).
    pub fn squeeze_challenge(&mut self) -> u128 {
        let v = self.ro.squeeze(CHALLENGE_BITS, false);
        let bytes = v.to_repr();
        let mut lo = [0u8; 16];
        lo.copy_from_slice(&bytes.as_ref()[..16]);
        u128::from_le_bytes(lo)
    }
}

/// One-shot hash of a list of field elements (the IO hash and the state digest).
pub fn hash_native(constants: &HashConstants, xs: &[Fr]) -> Fr {
    let mut t = NativeTranscript::new(constants);
    t.absorb(xs);
    t.squeeze()
}

/// The in-circuit transcript (same sponge, same order).
pub struct CircuitTranscript {
    ro: PoseidonROCircuit<Fr>,
}

impl CircuitTranscript {
    /// A fresh sponge.
    pub fn new(constants: &HashConstants) -> Self {
        Self {
            ro: PoseidonROCircuit::new(constants.clone()),
        }
    }

    /// Absorbs allocated values.
    pub fn absorb(&mut self, xs: &[AllocatedNum<Fr>]) {
        for x in xs {
            self.ro.absorb(x);
        }
    }

    /// Squeezes a full field element.
    pub fn squeeze<CS: ConstraintSystem<Fr>>(
        &mut self,
        cs: &mut CS,
    ) -> Result<AllocatedNum<Fr>, SynthesisError> {
        self.ro.squeeze_scalar(cs.namespace(|| "squeeze"))
    }

    /// Squeezes a 128-bit challenge as its little-endian bits (from the hash's strict, hence
    /// unique, bit decomposition).
    pub fn squeeze_challenge<CS: ConstraintSystem<Fr>>(
        &mut self,
        cs: &mut CS,
    ) -> Result<Vec<AllocatedBit>, SynthesisError> {
        self.ro
            .squeeze(cs.namespace(|| "squeeze bits"), CHALLENGE_BITS, false)
    }
}

/// One-shot in-circuit hash.
pub fn hash_circuit<CS: ConstraintSystem<Fr>>(
    cs: &mut CS,
    constants: &HashConstants,
    xs: &[AllocatedNum<Fr>],
) -> Result<AllocatedNum<Fr>, SynthesisError> {
    let mut t = CircuitTranscript::new(constants);
    t.absorb(xs);
    t.squeeze(cs)
}
