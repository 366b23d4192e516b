//! The decider's one public input `P`: the statement digest the contract recomputes with the
//! SHA-256 precompile (see `docs/design/decider.md`):
//!
//! ```text
//! P = sha256( config || count || statements_root || old_root || new_root
//!             || C_N.x || C_N.y || C_f.x || C_f.y || alpha )  mod 2^253
//! ```
//!
//! each word 32 bytes big-endian. In circuit every word comes from a **canonical** bit
//! decomposition: field elements through the strict decomposition (`< r`), commitment
//! coordinates from their range-checked 32-bit limbs (the contract passes canonical coordinates
//! `< q` and the precompiles reject others, so a limb vector that is not the canonical one makes
//! the digests differ and the proof fail). Hence the 320 bytes the circuit hashes are exactly the
//! bytes the contract hashes, and SHA-256's collision resistance binds every value to `P`.

use ff::PrimeField;
use nova_snark::frontend::gadgets::sha256::sha256;
use nova_snark::frontend::num::AllocatedNum;
use nova_snark::frontend::{
    AllocatedBit, Boolean, ConstraintSystem, LinearCombination, SynthesisError,
};
use zkagg_circuit_verifier::field::Elem;
use zkagg_folding::Fr;

/// Bits of `P` (the digest's low bits): `P < 2^253 < r`.
pub const DIGEST_BITS: usize = 253;

/// The statement words, in order, as values (for the native digest).
pub struct StatementWords {
    /// The ten 32-byte big-endian words.
    pub words: [[u8; 32]; 10],
}

/// Big-endian bytes of a field element.
pub fn fr_be(v: &Fr) -> [u8; 32] {
    let mut b: [u8; 32] = v.to_repr().into();
    b.reverse();
    b
}

/// `P` natively from the ten words.
pub fn digest_native(words: &[[u8; 32]; 10]) -> Fr {
    use sha2::{Digest, Sha256};
    let mut h = Sha256::new();
    for w in words {
        h.update(w);
    }
    let d: [u8; 32] = h.finalize().into();
    // Keep the low 253 bits of the big-endian integer.
    let mut le = d;
    le.reverse();
    le[31] &= 0x1f;
    Fr::from_repr(le.into()).unwrap_or(Fr::ZERO)
}

/// A field element as 256 big-endian bits (strict decomposition, two constant leading zeros).
pub fn fr_word_bits<CS: ConstraintSystem<Fr>>(
    cs: &mut CS,
    v: &AllocatedNum<Fr>,
) -> Result<Vec<Boolean>, SynthesisError> {
    let mut le = v.to_bits_le_strict(cs.namespace(|| "strict bits"))?;
    le.resize(256, Boolean::Constant(false));
    le.reverse();
    Ok(le)
}

/// An emulated `Fq` element (eight range-checked 32-bit limbs, little-endian) as 256
/// big-endian bits: each limb decomposed into 32 constrained bits that recompose to it.
pub fn fq_word_bits<CS: ConstraintSystem<Fr>>(
    cs: &mut CS,
    e: &Elem,
) -> Result<Vec<Boolean>, SynthesisError> {
    if e.limbs.len() != 8 {
        return Err(SynthesisError::Unsatisfiable(format!(
            "a coordinate with {} limbs (expected 8 of 32 bits)",
            e.limbs.len()
        )));
    }
    let mut le = Vec::with_capacity(256);
    for (k, limb) in e.limbs.iter().enumerate() {
        let val = u64::try_from(limb.val).ok();
        let mut lc = LinearCombination::zero();
        let mut coeff = Fr::ONE;
        for i in 0..32 {
            let bit = AllocatedBit::alloc(
                cs.namespace(|| format!("limb {k} bit {i}")),
                val.map(|v| (v >> i) & 1 == 1),
            )?;
            lc = lc + (coeff, bit.get_variable());
            coeff = coeff.double();
            le.push(Boolean::from(bit));
        }
        cs.enforce(
            || format!("limb {k} = its bits"),
            |l| l + &lc,
            |l| l + CS::one(),
            |l| l + &limb.lc,
        );
    }
    le.reverse();
    Ok(le)
}

/// Enforces `P = sha256(words) mod 2^253` for the public input variable `p`; `words` are ten
/// 256-bit big-endian words.
pub fn enforce_digest<CS: ConstraintSystem<Fr>>(
    cs: &mut CS,
    words: &[Vec<Boolean>],
    p: &AllocatedNum<Fr>,
) -> Result<(), SynthesisError> {
    if words.len() != 10 || words.iter().any(|w| w.len() != 256) {
        return Err(SynthesisError::Unsatisfiable(
            "the statement digest needs ten 256-bit words".into(),
        ));
    }
    let input: Vec<Boolean> = words.iter().flatten().cloned().collect();
    let out = sha256(cs.namespace(|| "sha256"), &input)?;
    // out is big-endian: LE bit i is out[255 - i].
    let mut lc = LinearCombination::zero();
    let mut coeff = Fr::ONE;
    for i in 0..DIGEST_BITS {
        lc = lc + &out[255 - i].lc(CS::one(), coeff);
        coeff = coeff.double();
    }
    cs.enforce(
        || "P = low 253 bits of the digest",
        |l| l + &lc,
        |l| l + CS::one(),
        |l| l + p.get_variable(),
    );
    Ok(())
}

use ff::Field;
