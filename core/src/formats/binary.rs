//! arkworks compressed binary: `CanonicalSerialize` with `Compress::Yes`.
//!
//! Layout (little-endian, as arkworks defines it): a G1 point is its x coordinate (32 bytes) with
//! the sign of y and the infinity flag in the top bits; a G2 point is x as two 32-byte limbs
//! (c0, c1) with the flags in the last byte; a vector is a u64 length followed by its elements.
//! A verifying key is `alpha_g1 | beta_g2 | gamma_g2 | delta_g2 | gamma_abc_g1 (vector)`, a proof
//! `a | b | c` (128 bytes), public inputs a vector of 32-byte scalars.
//!
//! Decoding rejects what arkworks' deserialiser rejects with `Validate::No` (coordinates `>= p`,
//! scalars `>= r`, x values with no matching y, bad flags), then checks every decoded point with
//! [`check_point`] (on the curve, in the prime-order subgroup: what `Validate::Yes` would check,
//! through the parsers' one check, whose G2 test runs on the build's pairing engine). On top of
//! that we reject trailing bytes (the encoding stays injective) and keys with an empty
//! `gamma_abc_g1`.

use ark_serialize::{CanonicalDeserialize, CanonicalSerialize, Compress, Validate};

use super::check_point;
use crate::{Error, Fr, Proof, Result, VerifyingKey};

/// A decoded value whose points must pass [`check_point`] before it is used.
trait CheckPoints {
    fn check_points(&self) -> Result<()>;
}

impl CheckPoints for Proof {
    fn check_points(&self) -> Result<()> {
        check_point(&self.a, "a")?;
        check_point(&self.b, "b")?;
        check_point(&self.c, "c")
    }
}

impl CheckPoints for VerifyingKey {
    fn check_points(&self) -> Result<()> {
        check_point(&self.alpha_g1, "alpha_g1")?;
        check_point(&self.beta_g2, "beta_g2")?;
        check_point(&self.gamma_g2, "gamma_g2")?;
        check_point(&self.delta_g2, "delta_g2")?;
        for (i, point) in self.gamma_abc_g1.iter().enumerate() {
            check_point(point, &format!("gamma_abc_g1[{i}]"))?;
        }
        Ok(())
    }
}

/// Scalars have no points; the deserialiser already refused values `>= r`.
impl CheckPoints for Vec<Fr> {
    fn check_points(&self) -> Result<()> {
        Ok(())
    }
}

/// Upper bound on vector lengths we accept, so a forged length prefix cannot make us allocate
/// gigabytes before failing. 2^20 public inputs is far beyond any Groth16 key in practice.
const MAX_VECTOR_LEN: u64 = 1 << 20;

fn decode<T: CanonicalDeserialize + CheckPoints>(bytes: &[u8], what: &str) -> Result<T> {
    let mut reader = bytes;
    let value = T::deserialize_with_mode(&mut reader, Compress::Yes, Validate::No)
        .map_err(|e| Error::binary(what, e))?;
    value
        .check_points()
        .map_err(|problem| Error::binary(what, problem))?;
    if !reader.is_empty() {
        return Err(Error::binary(
            what,
            format!("{} trailing bytes after the encoded value", reader.len()),
        ));
    }
    Ok(value)
}

fn encode<T: CanonicalSerialize>(value: &T) -> Vec<u8> {
    let mut out = Vec::with_capacity(value.compressed_size());
    // Writing into a Vec cannot fail.
    let _ = value.serialize_compressed(&mut out);
    out
}

/// Read the u64 length prefix at `offset` and reject absurd values before arkworks allocates.
fn check_length_prefix(bytes: &[u8], offset: usize, element_size: usize, what: &str) -> Result<()> {
    let Some(prefix) = bytes.get(offset..offset + 8) else {
        return Err(Error::binary(what, "truncated before the vector length"));
    };
    let mut word = [0u8; 8];
    word.copy_from_slice(prefix);
    let len = u64::from_le_bytes(word);
    if len > MAX_VECTOR_LEN {
        return Err(Error::binary(
            what,
            format!("vector length {len} is implausibly large"),
        ));
    }
    let needed = offset as u64 + 8 + len * element_size as u64;
    if (bytes.len() as u64) < needed {
        return Err(Error::binary(
            what,
            format!(
                "truncated: {len} elements need {needed} bytes, got {}",
                bytes.len()
            ),
        ));
    }
    Ok(())
}

/// Compressed sizes: G1 = 32 bytes, G2 = 64 bytes, Fr = 32 bytes.
const G1_SIZE: usize = 32;
const G2_SIZE: usize = 64;
const FR_SIZE: usize = 32;

/// Decode a verifying key.
pub fn verifying_key_from_bytes(bytes: &[u8]) -> Result<VerifyingKey> {
    const WHAT: &str = "verifying key";
    check_length_prefix(bytes, G1_SIZE + 3 * G2_SIZE, G1_SIZE, WHAT)?;
    let vk: VerifyingKey = decode(bytes, WHAT)?;
    if vk.gamma_abc_g1.is_empty() {
        return Err(Error::binary(
            WHAT,
            "gamma_abc_g1 (IC) must hold at least one point",
        ));
    }
    Ok(vk)
}

/// Encode a verifying key.
pub fn verifying_key_to_bytes(vk: &VerifyingKey) -> Vec<u8> {
    encode(vk)
}

/// Decode a proof (exactly 128 bytes).
pub fn proof_from_bytes(bytes: &[u8]) -> Result<Proof> {
    const WHAT: &str = "proof";
    if bytes.len() != 2 * G1_SIZE + G2_SIZE {
        return Err(Error::binary(
            WHAT,
            format!(
                "expected {} bytes, got {}",
                2 * G1_SIZE + G2_SIZE,
                bytes.len()
            ),
        ));
    }
    decode(bytes, WHAT)
}

/// Encode a proof.
pub fn proof_to_bytes(proof: &Proof) -> Vec<u8> {
    encode(proof)
}

/// Decode public inputs (a length-prefixed vector of scalars, each `< r`).
pub fn public_inputs_from_bytes(bytes: &[u8]) -> Result<Vec<Fr>> {
    const WHAT: &str = "public inputs";
    check_length_prefix(bytes, 0, FR_SIZE, WHAT)?;
    decode(bytes, WHAT)
}

/// Encode public inputs.
pub fn public_inputs_to_bytes(inputs: &[Fr]) -> Vec<u8> {
    encode(&inputs.to_vec())
}
