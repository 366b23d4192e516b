//! `vk_hash`: the stable 32-byte identifier of a Groth16 verifying key.
//!
//! **Definition.** `vk_hash = keccak256(w_0 || w_1 || ... || w_{13+2(n+1)})` where the `w_i` are
//! the key's EVM words ([`crate::formats::calldata::verifying_key_to_words`]): `alpha.x, alpha.y`,
//! then `beta`, `gamma`, `delta` each as `x.c1, x.c0, y.c1, y.c0`, then `IC[0].x, IC[0].y, ...,
//! IC[n].x, IC[n].y`; every word is the canonical big-endian integer of a coordinate (< p), and the
//! point at infinity is all-zero words.
//!
//! **Why this encoding.** It depends only on the key's mathematical content (not on JSON spacing or
//! on which format the key came in), it is injective (fixed-width words, the number of IC points
//! follows from the length), and a Solidity contract can recompute it with one `keccak256` over
//! the constants it already embeds. For use inside circuits, [`vk_hash_field`] maps it to Fr.

use ark_ff::PrimeField;
use sha3::{Digest, Keccak256};

use crate::formats::calldata::verifying_key_to_words;
use crate::{Fr, VerifyingKey};

/// The 32-byte `vk_hash` of a verifying key (see the module docs for the exact definition).
pub fn vk_hash(vk: &VerifyingKey) -> [u8; 32] {
    let mut hasher = Keccak256::new();
    for word in verifying_key_to_words(vk) {
        hasher.update(word);
    }
    hasher.finalize().into()
}

/// `vk_hash` as a `0x`-prefixed lowercase hex string.
pub fn vk_hash_hex(vk: &VerifyingKey) -> String {
    crate::formats::calldata::word_to_hex(&vk_hash(vk))
}

/// `vk_hash` as a scalar-field element: the big-endian integer reduced mod r.
///
/// Reduction loses nothing that matters: two keys collide here only if their keccak outputs differ
/// by a multiple of r, which is as hard as finding a keccak collision on ~254 bits.
pub fn vk_hash_field(vk: &VerifyingKey) -> Fr {
    Fr::from_be_bytes_mod_order(&vk_hash(vk))
}
