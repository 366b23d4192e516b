//! EVM calldata: the uint256 words a Solidity Groth16 verifier takes.
//!
//! Every value is one 32-byte big-endian word. Points follow the EIP-196/197 precompiles:
//! G1 = `x, y`; G2 = `x.c1, x.c0, y.c1, y.c0` (imaginary limb FIRST, the opposite of snarkjs JSON
//! and arkworks); the point at infinity is all-zero words (never a valid affine point, since
//! `(0, 0)` is not on either curve). A proof is 8 words `a.x, a.y, b.x.c1, b.x.c0, b.y.c1, b.y.c0,
//! c.x, c.y`, matching `verifyProof(uint256[2] a, uint256[2][2] b, uint256[2] c, uint256[N] input)`.
//!
//! Decoding is validated like every other format: words `>= p` / `>= r` are rejected (a contract
//! that reduced them instead would accept `input + r`, a malleability bug), and points must be on
//! the curve and, for G2, in the prime-order subgroup.

use ark_ec::AffineRepr;
use ark_ff::{BigInteger, PrimeField, Zero};
use sha3::{Digest, Keccak256};

use super::check_point;
use crate::{Error, Fq, Fr, Proof, Result, VerifyingKey};
use ark_bn254::{Fq2, G1Affine, G2Affine};

/// One EVM word: 32 bytes, big-endian.
pub type Word = [u8; 32];

/// Number of words in an encoded proof.
pub const PROOF_WORDS: usize = 8;

/// A prime-field element as a big-endian word.
pub fn field_to_word<F: PrimeField>(value: &F) -> Word {
    let bytes = value.into_bigint().to_bytes_be();
    let mut word = [0u8; 32];
    word[32 - bytes.len()..].copy_from_slice(&bytes);
    word
}

/// A big-endian word as a prime-field element; rejects values `>= modulus` (no reduction).
pub fn word_to_field<F: PrimeField>(word: &Word, field: &str) -> Result<F> {
    let value = F::from_be_bytes_mod_order(word);
    // `from_be_bytes_mod_order` reduces; the word is canonical iff re-encoding gives it back.
    if field_to_word(&value) != *word {
        return Err(Error::non_canonical(
            field,
            "word is not below the field modulus",
        ));
    }
    Ok(value)
}

fn g1_words(point: &G1Affine) -> [Word; 2] {
    match point.xy() {
        Some((x, y)) => [field_to_word(&x), field_to_word(&y)],
        None => [[0; 32]; 2],
    }
}

fn g2_words(point: &G2Affine) -> [Word; 4] {
    match point.xy() {
        Some((x, y)) => [
            field_to_word(&x.c1),
            field_to_word(&x.c0),
            field_to_word(&y.c1),
            field_to_word(&y.c0),
        ],
        None => [[0; 32]; 4],
    }
}

/// Decode a G1 point from `x, y` words (all-zero = infinity), checking it is on the curve.
pub fn g1_from_words(words: &[Word; 2], field: &str) -> Result<G1Affine> {
    let x: Fq = word_to_field(&words[0], &format!("{field}.x"))?;
    let y: Fq = word_to_field(&words[1], &format!("{field}.y"))?;
    if x.is_zero() && y.is_zero() {
        return Ok(G1Affine::zero());
    }
    let point = G1Affine::new_unchecked(x, y);
    check_point(&point, field)?;
    Ok(point)
}

/// Decode a G2 point from `x.c1, x.c0, y.c1, y.c0` words (all-zero = infinity), checking the
/// curve equation and membership in the prime-order subgroup.
pub fn g2_from_words(words: &[Word; 4], field: &str) -> Result<G2Affine> {
    let x_c1: Fq = word_to_field(&words[0], &format!("{field}.x.c1"))?;
    let x_c0: Fq = word_to_field(&words[1], &format!("{field}.x.c0"))?;
    let y_c1: Fq = word_to_field(&words[2], &format!("{field}.y.c1"))?;
    let y_c0: Fq = word_to_field(&words[3], &format!("{field}.y.c0"))?;
    let (x, y) = (Fq2::new(x_c0, x_c1), Fq2::new(y_c0, y_c1));
    if x.is_zero() && y.is_zero() {
        return Ok(G2Affine::zero());
    }
    let point = G2Affine::new_unchecked(x, y);
    check_point(&point, field)?;
    Ok(point)
}

/// A proof as its 8 calldata words.
pub fn proof_to_words(proof: &Proof) -> [Word; PROOF_WORDS] {
    let [ax, ay] = g1_words(&proof.a);
    let [b0, b1, b2, b3] = g2_words(&proof.b);
    let [cx, cy] = g1_words(&proof.c);
    [ax, ay, b0, b1, b2, b3, cx, cy]
}

/// A proof from its 8 calldata words.
pub fn proof_from_words(words: &[Word]) -> Result<Proof> {
    if words.len() != PROOF_WORDS {
        return Err(Error::shape(
            "proof calldata",
            format!("expected {PROOF_WORDS} words, got {}", words.len()),
        ));
    }
    Ok(Proof {
        a: g1_from_words(&[words[0], words[1]], "a")?,
        b: g2_from_words(&[words[2], words[3], words[4], words[5]], "b")?,
        c: g1_from_words(&[words[6], words[7]], "c")?,
    })
}

/// Public inputs as calldata words.
pub fn public_inputs_to_words(inputs: &[Fr]) -> Vec<Word> {
    inputs.iter().map(field_to_word).collect()
}

/// Public inputs from calldata words; each must be `< r`.
pub fn public_inputs_from_words(words: &[Word]) -> Result<Vec<Fr>> {
    words
        .iter()
        .enumerate()
        .map(|(i, w)| word_to_field(w, &format!("input[{i}]")))
        .collect()
}

/// A verifying key as words: `alpha (2) | beta (4) | gamma (4) | delta (4) | IC[0..=n] (2 each)`,
/// in the same limb order as proofs. This is the encoding [`crate::vk_hash`] hashes.
pub fn verifying_key_to_words(vk: &VerifyingKey) -> Vec<Word> {
    let mut words = Vec::with_capacity(14 + 2 * vk.gamma_abc_g1.len());
    words.extend(g1_words(&vk.alpha_g1));
    words.extend(g2_words(&vk.beta_g2));
    words.extend(g2_words(&vk.gamma_g2));
    words.extend(g2_words(&vk.delta_g2));
    for point in &vk.gamma_abc_g1 {
        words.extend(g1_words(point));
    }
    words
}

/// The Solidity signature of the verifier entry point for `n` public inputs.
pub fn verify_proof_signature(n: usize) -> String {
    format!("verifyProof(uint256[2],uint256[2][2],uint256[2],uint256[{n}])")
}

/// The 4-byte selector of a Solidity function or error signature: the first bytes of its keccak256.
pub fn selector(signature: &str) -> [u8; 4] {
    let digest = Keccak256::digest(signature.as_bytes());
    [digest[0], digest[1], digest[2], digest[3]]
}

/// The 4-byte function selector of [`verify_proof_signature`].
pub fn verify_proof_selector(n: usize) -> [u8; 4] {
    selector(&verify_proof_signature(n))
}

/// Split bytes into 32-byte words; `None` unless the length is a multiple of 32.
pub fn bytes_to_words(bytes: &[u8]) -> Option<Vec<Word>> {
    if bytes.len() % 32 != 0 {
        return None;
    }
    Some(
        bytes
            .chunks_exact(32)
            .map(|chunk| {
                let mut word = [0u8; 32];
                word.copy_from_slice(chunk);
                word
            })
            .collect(),
    )
}

/// ABI-encoded call `verifyProof(a, b, c, input)`: selector followed by `8 + n` static words.
pub fn encode_verify_proof_call(proof: &Proof, inputs: &[Fr]) -> Vec<u8> {
    let mut out = Vec::with_capacity(4 + 32 * (PROOF_WORDS + inputs.len()));
    out.extend_from_slice(&verify_proof_selector(inputs.len()));
    for word in proof_to_words(proof) {
        out.extend_from_slice(&word);
    }
    for word in public_inputs_to_words(inputs) {
        out.extend_from_slice(&word);
    }
    out
}

/// Decode an ABI-encoded `verifyProof` call (as made by [`encode_verify_proof_call`]).
pub fn decode_verify_proof_call(data: &[u8]) -> Result<(Proof, Vec<Fr>)> {
    const WHAT: &str = "verifyProof calldata";
    if data.len() < 4 + 32 * PROOF_WORDS || (data.len() - 4) % 32 != 0 {
        return Err(Error::shape(
            WHAT,
            format!("length {} is not 4 + 32 * (8 + n)", data.len()),
        ));
    }
    let words = bytes_to_words(&data[4..])
        .ok_or_else(|| Error::shape(WHAT, "length is not a whole number of words"))?;
    let n = words.len() - PROOF_WORDS;
    if data[..4] != verify_proof_selector(n) {
        return Err(Error::shape(
            WHAT,
            format!("selector is not that of {}", verify_proof_signature(n)),
        ));
    }
    let proof = proof_from_words(&words[..PROOF_WORDS])?;
    let inputs = public_inputs_from_words(&words[PROOF_WORDS..])?;
    Ok((proof, inputs))
}

/// `0x`-prefixed lowercase hex of a word.
pub fn word_to_hex(word: &Word) -> String {
    let mut s = String::with_capacity(66);
    s.push_str("0x");
    for byte in word {
        s.push_str(&format!("{byte:02x}"));
    }
    s
}

/// The arguments of `verifyProof` as Solidity/ethers literal text, the shape `snarkjs
/// zkey export soliditycalldata` prints: `[a0,a1],[[b00,b01],[b10,b11]],[c0,c1],[inputs...]`.
pub fn to_solidity_arguments(proof: &Proof, inputs: &[Fr]) -> String {
    let w = proof_to_words(proof);
    let h = |i: usize| format!("\"{}\"", word_to_hex(&w[i]));
    let inputs: Vec<String> = public_inputs_to_words(inputs)
        .iter()
        .map(|x| format!("\"{}\"", word_to_hex(x)))
        .collect();
    format!(
        "[{},{}],[[{},{}],[{},{}]],[{},{}],[{}]",
        h(0),
        h(1),
        h(2),
        h(3),
        h(4),
        h(5),
        h(6),
        h(7),
        inputs.join(",")
    )
}
