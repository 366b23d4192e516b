//! Encodings of Groth16-over-BN254 verifying keys, proofs and public inputs.
//!
//! Three encodings, all lossless and all validated on parse:
//!
//! | module       | what it is                                             | who speaks it             |
//! |--------------|--------------------------------------------------------|---------------------------|
//! | [`snarkjs`]  | `verification_key.json`, `proof.json`, `public.json`   | circom/snarkjs users      |
//! | [`binary`]   | arkworks `CanonicalSerialize`, compressed              | Rust/arkworks, wasm, disk |
//! | [`calldata`] | 32-byte big-endian words (EIP-196/197 limb order)      | Solidity verifiers        |
//!
//! Validation on parse (every path, every encoding): each coordinate is a canonical integer below
//! the base-field modulus p, each public input a canonical integer below the scalar-field modulus
//! r, each point on its curve, each G2 point in the prime-order subgroup (G1 of BN254 has cofactor
//! 1, so on-curve implies in-subgroup), and public inputs match the key's count when checked
//! against a key ([`check_input_count`]). Errors name the offending field.
//!
//! [`Artifact`] loaders ([`load_verifying_key`], [`load_proof`], [`load_public_inputs`]) detect the
//! encoding from the bytes: JSON starts with `{` or `[` (after whitespace); anything else is binary.

pub mod binary;
pub mod calldata;
pub mod snarkjs;

use ark_ec::short_weierstrass::{Affine, SWCurveConfig};

use crate::pairing::{DefaultEngine, PairingEngine};
use crate::{Error, Fr, Proof, Result, VerifyingKey};

/// The encodings a file or buffer can be in.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Encoding {
    /// snarkjs JSON (UTF-8 text).
    SnarkjsJson,
    /// arkworks compressed binary.
    Binary,
}

impl Encoding {
    /// Guess the encoding of `bytes`: JSON if they are UTF-8 text whose first non-whitespace
    /// character is `{` or `[`, binary otherwise.
    ///
    /// The first byte alone is not enough: a compressed arkworks proof or key starts with `{`
    /// (0x7b) or `[` about once in 128 (a demo run met one). Binary encodings of keys, proofs and
    /// inputs carry 32-byte field elements and curve points, which are essentially never valid
    /// UTF-8 as a whole, while every snarkjs JSON file is. A wrong guess would still only give a
    /// parse error, never a wrong value (both parsers validate everything), but callers that
    /// know the encoding should use the explicit parsers.
    pub fn detect(bytes: &[u8]) -> Encoding {
        match bytes.iter().find(|b| !b.is_ascii_whitespace()) {
            Some(b'{') | Some(b'[') if core::str::from_utf8(bytes).is_ok() => Encoding::SnarkjsJson,
            _ => Encoding::Binary,
        }
    }
}

/// What kind of artifact a buffer holds (used in error messages).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Artifact {
    /// A verifying key.
    VerifyingKey,
    /// A proof.
    Proof,
    /// A list of public inputs.
    PublicInputs,
}

fn utf8(bytes: &[u8]) -> Result<&str> {
    core::str::from_utf8(bytes).map_err(|e| Error::Json(format!("not UTF-8 text: {e}")))
}

/// Parse a verifying key in either encoding (detected from the bytes).
pub fn load_verifying_key(bytes: &[u8]) -> Result<VerifyingKey> {
    match Encoding::detect(bytes) {
        Encoding::SnarkjsJson => snarkjs::parse_verifying_key(utf8(bytes)?),
        Encoding::Binary => binary::verifying_key_from_bytes(bytes),
    }
}

/// Parse a proof in either encoding (detected from the bytes).
pub fn load_proof(bytes: &[u8]) -> Result<Proof> {
    match Encoding::detect(bytes) {
        Encoding::SnarkjsJson => snarkjs::parse_proof(utf8(bytes)?),
        Encoding::Binary => binary::proof_from_bytes(bytes),
    }
}

/// Parse public inputs in either encoding (detected from the bytes).
pub fn load_public_inputs(bytes: &[u8]) -> Result<Vec<Fr>> {
    match Encoding::detect(bytes) {
        Encoding::SnarkjsJson => snarkjs::parse_public_inputs(utf8(bytes)?),
        Encoding::Binary => binary::public_inputs_from_bytes(bytes),
    }
}

/// The number of public inputs a verifying key expects (`IC.len() - 1`).
///
/// A key with an empty `IC` is rejected at parse time, so this never underflows for parsed keys.
pub fn num_public_inputs(vk: &VerifyingKey) -> usize {
    vk.gamma_abc_g1.len().saturating_sub(1)
}

/// Check that `inputs` has exactly as many elements as `vk` expects.
///
/// ark-groth16 silently ignores surplus inputs (it zips them with the key), so this check is what
/// stops `[x, junk]` from verifying where `[x]` does.
pub fn check_input_count(vk: &VerifyingKey, inputs: &[Fr]) -> Result<()> {
    let expected = num_public_inputs(vk);
    if inputs.len() != expected {
        return Err(Error::InputCount {
            expected,
            got: inputs.len(),
        });
    }
    Ok(())
}

/// BN254's two groups as [`check_point`] checks them: on the curve by arkworks, in the
/// prime-order subgroup by the test below.
pub trait CheckedCurve: SWCurveConfig {
    /// Whether `point` (on the curve) lies in the order-`r` subgroup.
    fn in_subgroup(point: &Affine<Self>) -> bool;
}

impl CheckedCurve for ark_bn254::g1::Config {
    /// Cofactor 1: every point on the curve is in the group (arkworks answers so directly).
    fn in_subgroup(point: &Affine<Self>) -> bool {
        point.is_in_correct_subgroup_assuming_on_curve()
    }
}

impl CheckedCurve for ark_bn254::g2::Config {
    /// The twist's cofactor is about `p`: the build's pairing engine runs the endomorphism test
    /// `psi(Q) = [6x^2] Q` (arkworks' natively; in wasm the same test on the 29-bit field).
    fn in_subgroup(point: &Affine<Self>) -> bool {
        DefaultEngine::g2_in_subgroup(point)
    }
}

/// Checks that `point` is on its curve (BN254's G1, or the G2 twist) and in the prime-order
/// subgroup, `Err` naming `field` otherwise. G1 has cofactor 1, so on the curve means in the
/// subgroup there; the twist has a large cofactor, and a G2 point outside the subgroup would
/// make a pairing equation meaningless.
///
/// Every parser calls this one function: the JSON parsers (the aggregate's JSON included), the
/// calldata decoders, the binary decoders (they decode with arkworks' `Validate::No`, then check
/// each point here) and the aggregate verifier. One place to audit, and in wasm one copy of the
/// curve arithmetic per group instead of one inlined into each caller (`inline(never)`;
/// validation is never the hot path).
#[inline(never)]
pub fn check_point<P: CheckedCurve>(point: &Affine<P>, field: &str) -> Result<()> {
    if !point.is_on_curve() {
        return Err(Error::NotOnCurve {
            field: field.to_string(),
        });
    }
    if !P::in_subgroup(point) {
        return Err(Error::NotInSubgroup {
            field: field.to_string(),
        });
    }
    Ok(())
}
