//! The little ABI encoding the verifier and its tests need: selectors and static words.
//!
//! Proofs and public inputs are encoded by `zkagg_core::formats::calldata` (EIP-197 word order);
//! this module adds the selectors of this crate's contracts, plain words, and the calls of the
//! aggregate verifier and rollup ([`verify_aggregate_call`], [`settle_call`]).

use ark_bn254::{G1Affine, G2Affine};
use ark_ec::AffineRepr;
use sha3::{Digest, Keccak256};
pub use zkagg_core::formats::calldata::selector;
use zkagg_core::formats::calldata::{
    bytes_to_words, encode_verify_proof_call, field_to_word, proof_to_words,
    public_inputs_to_words, Word,
};
use zkagg_core::{Fr, Proof};

use crate::aggregate::{AggregateProof, AggregateStatement};

/// `keccak256(text)`: an event's `topics[0]` for its signature.
pub fn keccak(text: &[u8]) -> [u8; 32] {
    Keccak256::digest(text).into()
}

/// A call: `selector` followed by static words.
pub fn encode_call(selector: [u8; 4], words: &[Word]) -> Vec<u8> {
    let mut data = Vec::with_capacity(4 + 32 * words.len());
    data.extend_from_slice(&selector);
    for word in words {
        data.extend_from_slice(word);
    }
    data
}

/// A `u64` as a big-endian word.
pub fn u64_word(value: u64) -> Word {
    let mut word = [0u8; 32];
    word[24..].copy_from_slice(&value.to_be_bytes());
    word
}

/// Signature of the verifier's flat entry point for `n` public inputs; without inputs the
/// generated contract has no input argument: `verify(uint256[8])`.
pub fn verify_signature(n: usize) -> String {
    if n == 0 {
        "verify(uint256[8])".to_string()
    } else {
        format!("verify(uint256[8],uint256[{n}])")
    }
}

/// Signature of the verifier's snarkjs-shaped entry point for `n` public inputs (as
/// `zkagg_core::formats::calldata::verify_proof_signature`, except that a key without public
/// inputs gives `verifyProof(uint256[2],uint256[2][2],uint256[2])`: `uint256[0]` is not a
/// Solidity type).
pub fn verify_proof_signature(n: usize) -> String {
    if n == 0 {
        "verifyProof(uint256[2],uint256[2][2],uint256[2])".to_string()
    } else {
        zkagg_core::formats::calldata::verify_proof_signature(n)
    }
}

/// ABI call `verifyProof(a, b, c, input)` (the snarkjs shape), from `zkagg-core`'s encoder
/// (for a key without public inputs: `verifyProof(a, b, c)`, the same 8 words).
pub fn verify_proof_call(proof: &Proof, inputs: &[Fr]) -> Vec<u8> {
    if inputs.is_empty() {
        return encode_call(selector(&verify_proof_signature(0)), &proof_to_words(proof));
    }
    encode_verify_proof_call(proof, inputs)
}

/// ABI call `verify(proof, input)` (the flat shape): the same words as [`verify_proof_call`]
/// under another selector.
pub fn verify_call(proof: &Proof, inputs: &[Fr]) -> Vec<u8> {
    let mut words: Vec<Word> = proof_to_words(proof).to_vec();
    words.extend(public_inputs_to_words(inputs));
    encode_call(selector(&verify_signature(inputs.len())), &words)
}

/// Splits calldata made by [`encode_call`] into its selector and words (for tampering tests).
pub fn split_call(data: &[u8]) -> Option<([u8; 4], Vec<Word>)> {
    if data.len() < 4 {
        return None;
    }
    let selector = [data[0], data[1], data[2], data[3]];
    Some((selector, bytes_to_words(&data[4..])?))
}

/// A G1 point as its EVM words `x, y`; the point at infinity is `(0, 0)` (EIP-196).
pub fn g1_to_words(point: &G1Affine) -> [Word; 2] {
    match point.xy() {
        Some((x, y)) => [field_to_word(&x), field_to_word(&y)],
        None => [[0; 32]; 2],
    }
}

/// A G2 point as its EVM words `x.c1, x.c0, y.c1, y.c0` (EIP-197 order: imaginary limb first);
/// the point at infinity is four zero words.
pub fn g2_to_words(point: &G2Affine) -> [Word; 4] {
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

/// Signature of the aggregate verifier's entry point.
pub const VERIFY_AGGREGATE_SIGNATURE: &str =
    "verifyAggregate(uint256[8],uint256[2],uint256[4],uint256,uint256,uint256,uint256,uint256)";

/// Signature of the aggregate rollup's entry point (the same arguments).
pub const SETTLE_SIGNATURE: &str =
    "settle(uint256[8],uint256[2],uint256[4],uint256,uint256,uint256,uint256,uint256)";

/// Number of words of a `verifyAggregate`/`settle` call after the selector.
pub const AGGREGATE_WORDS: usize = 19;

/// The 19 argument words of `verifyAggregate` and `settle`, in order: `proof` (A.x, A.y, B.x.c1,
/// B.x.c0, B.y.c1, B.y.c0, C.x, C.y), `pi` (x, y), `comms` (C_N.x, C_N.y, C_f.x, C_f.y), `alpha`,
/// `count`, `statementsRoot`, `oldRoot`, `newRoot`.
pub fn aggregate_words(
    proof: &AggregateProof,
    statement: &AggregateStatement,
) -> [Word; AGGREGATE_WORDS] {
    let mut words = [[0u8; 32]; AGGREGATE_WORDS];
    words[0..2].copy_from_slice(&g1_to_words(&proof.a));
    words[2..6].copy_from_slice(&g2_to_words(&proof.b));
    words[6..8].copy_from_slice(&g1_to_words(&proof.c));
    words[8..10].copy_from_slice(&g1_to_words(&proof.pi));
    words[10..12].copy_from_slice(&g1_to_words(&statement.comm_n));
    words[12..14].copy_from_slice(&g1_to_words(&statement.comm_f));
    words[14] = field_to_word(&statement.alpha);
    words[15] = u64_word(statement.count);
    words[16] = field_to_word(&statement.statements_root);
    words[17] = field_to_word(&statement.old_root);
    words[18] = field_to_word(&statement.new_root);
    words
}

/// ABI call `verifyAggregate(proof, pi, comms, alpha, count, statementsRoot, oldRoot, newRoot)`.
pub fn verify_aggregate_call(proof: &AggregateProof, statement: &AggregateStatement) -> Vec<u8> {
    encode_call(
        selector(VERIFY_AGGREGATE_SIGNATURE),
        &aggregate_words(proof, statement),
    )
}

/// ABI call `settle(proof, pi, comms, alpha, count, statementsRoot, oldRoot, newRoot)` of the
/// aggregate rollup: the same words as [`verify_aggregate_call`] under another selector.
pub fn settle_call(proof: &AggregateProof, statement: &AggregateStatement) -> Vec<u8> {
    encode_call(
        selector(SETTLE_SIGNATURE),
        &aggregate_words(proof, statement),
    )
}

/// Decodes the 19 argument words of `verifyAggregate`/`settle` (as [`aggregate_words`] makes
/// them), with the checks of `zkagg_core::formats::calldata`: coordinates `< p`, scalars `< r`,
/// `count < 2^64`, G1 points on the curve (or `(0, 0)`, infinity), `B` on the twist and in G2.
/// (The contract is stricter: it also refuses `A`, `B`, `C` or `pi` at infinity.)
pub fn aggregate_from_words(words: &[Word]) -> crate::Result<(AggregateProof, AggregateStatement)> {
    use zkagg_core::formats::calldata::{g1_from_words, g2_from_words, word_to_field};
    if words.len() != AGGREGATE_WORDS {
        return Err(crate::Error::Abi(format!(
            "expected {AGGREGATE_WORDS} words, got {}",
            words.len()
        )));
    }
    let g1 = |at: usize, field: &str| g1_from_words(&[words[at], words[at + 1]], field);
    let count_word = &words[15];
    if count_word[..24].iter().any(|b| *b != 0) {
        return Err(crate::Error::Abi("count is not below 2^64".into()));
    }
    let mut count = [0u8; 8];
    count.copy_from_slice(&count_word[24..]);
    let proof = AggregateProof {
        a: g1(0, "A")?,
        b: g2_from_words(&[words[2], words[3], words[4], words[5]], "B")?,
        c: g1(6, "C")?,
        pi: g1(8, "pi")?,
    };
    let statement = AggregateStatement {
        comm_n: g1(10, "C_N")?,
        comm_f: g1(12, "C_f")?,
        alpha: word_to_field(&words[14], "alpha")?,
        count: u64::from_be_bytes(count),
        statements_root: word_to_field(&words[16], "statementsRoot")?,
        old_root: word_to_field(&words[17], "oldRoot")?,
        new_root: word_to_field(&words[18], "newRoot")?,
    };
    Ok((proof, statement))
}
