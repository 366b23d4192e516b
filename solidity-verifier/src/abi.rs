//! The little ABI encoding the verifier and its tests need: selectors and static words.
//!
//! Proofs and public inputs are encoded by `zkagg_core::formats::calldata` (EIP-197 word order);
//! this module only adds the selectors of this crate's contracts and plain words.

use sha3::{Digest, Keccak256};
pub use zkagg_core::formats::calldata::selector;
use zkagg_core::formats::calldata::{
    bytes_to_words, encode_verify_proof_call, proof_to_words, public_inputs_to_words, Word,
};
use zkagg_core::{Fr, Proof};

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

/// Signature of the verifier's flat entry point for `n` public inputs.
pub fn verify_signature(n: usize) -> String {
    format!("verify(uint256[8],uint256[{n}])")
}

/// ABI call `verifyProof(a, b, c, input)` (the snarkjs shape), from `zkagg-core`'s encoder.
pub fn verify_proof_call(proof: &Proof, inputs: &[Fr]) -> Vec<u8> {
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
