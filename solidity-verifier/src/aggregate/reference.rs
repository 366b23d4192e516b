//! The Rust reference of the aggregate verifier contract: every value the contract derives, with
//! exactly its encoding, and the whole check. The contract tests compare the contract with these
//! functions; the Rust verifier in core must use the same encodings.
//!
//! Encodings (each value one 32-byte big-endian word; G1 points `x, y`, the point at infinity
//! `(0, 0)`; G2 points `x.c1, x.c0, y.c1, y.c0` as EIP-197 takes them):
//!
//! ```text
//! P   = uint256(sha256(config || count || statementsRoot || oldRoot || newRoot
//!                      || C_N.x || C_N.y || C_f.x || C_f.y || alpha)) & (2^253 - 1)
//! D   = C_N + alpha C_f
//! L   = IC_0 + P IC_1 + D
//! rho = uint256(keccak256(A.x || A.y || B.x.c1 || B.x.c0 || B.y.c1 || B.y.c0 || C.x || C.y
//!                         || pi.x || pi.y || D.x || D.y || P)) mod r
//! e(-A, B) e(alpha1, beta2) e(L + rho pi, gamma2) e(C, delta2) e(-rho D, [k gamma]_2) == 1
//! ```
//!
//! (`abi.encodePacked` of these `uint256`s in Solidity: the words concatenated.)

use ark_bn254::{Bn254, Fr, G1Affine, G1Projective};
use ark_ec::pairing::Pairing;
use ark_ec::{AffineRepr, CurveGroup};
use ark_ff::{One, PrimeField};
use sha2::Sha256;
use sha3::{Digest, Keccak256};
use zkagg_core::formats::calldata::{field_to_word, Word};

use super::{AggregateProof, AggregateStatement, AggregateVerifierParams};
use crate::abi::{g1_to_words, g2_to_words, u64_word};

/// Bits of the statement digest `P` kept from the SHA-256 output (the low bits of the
/// big-endian integer): `P < 2^253 < r`, so `P` is a canonical scalar.
pub const DIGEST_BITS: u32 = 253;

/// The ten words the statement digest hashes, in order: `config, count, statements_root,
/// old_root, new_root, C_N.x, C_N.y, C_f.x, C_f.y, alpha`.
pub fn statement_words(config: Fr, statement: &AggregateStatement) -> [Word; 10] {
    let [cn_x, cn_y] = g1_to_words(&statement.comm_n);
    let [cf_x, cf_y] = g1_to_words(&statement.comm_f);
    [
        field_to_word(&config),
        u64_word(statement.count),
        field_to_word(&statement.statements_root),
        field_to_word(&statement.old_root),
        field_to_word(&statement.new_root),
        cn_x,
        cn_y,
        cf_x,
        cf_y,
        field_to_word(&statement.alpha),
    ]
}

/// The statement digest `P`: SHA-256 of [`statement_words`], its low [`DIGEST_BITS`] bits.
pub fn statement_digest(config: Fr, statement: &AggregateStatement) -> Fr {
    let mut hasher = Sha256::new();
    for word in statement_words(config, statement) {
        hasher.update(word);
    }
    let mut digest: Word = hasher.finalize().into();
    // Keep the low 253 bits of the big-endian integer: clear the top 3 bits.
    digest[0] &= 0xff >> (256 - DIGEST_BITS);
    Fr::from_be_bytes_mod_order(&digest)
}

/// The folded commitment `D = C_N + alpha C_f`.
pub fn folded_commitment(statement: &AggregateStatement) -> G1Affine {
    (statement.comm_n.into_group() + statement.comm_f * statement.alpha).into_affine()
}

/// The challenge `rho` of the single pairing call: keccak256 of the proof's ten words, `D` and
/// `P`, reduced mod r.
pub fn aggregate_rho(proof: &AggregateProof, d: &G1Affine, p: Fr) -> Fr {
    let mut hasher = Keccak256::new();
    for word in g1_to_words(&proof.a) {
        hasher.update(word);
    }
    for word in g2_to_words(&proof.b) {
        hasher.update(word);
    }
    for word in g1_to_words(&proof.c)
        .into_iter()
        .chain(g1_to_words(&proof.pi))
        .chain(g1_to_words(d))
    {
        hasher.update(word);
    }
    hasher.update(field_to_word(&p));
    Fr::from_be_bytes_mod_order(&hasher.finalize())
}

fn finite_g1(point: &G1Affine) -> bool {
    !point.is_zero() && point.is_on_curve()
}

fn g1_or_infinity(point: &G1Affine) -> bool {
    point.is_zero() || point.is_on_curve()
}

/// The contract's verdict, natively: `true` iff `verifyAggregate` returns `true` for this proof
/// and statement under a contract generated from `params`.
///
/// The same conditions in the same sense: `A`, `C`, `pi` finite points of G1, `B` a finite point
/// of G2 (in the subgroup: the pairing precompile's check), `C_N`, `C_f` in G1 or at infinity,
/// then the one pairing equation. (Canonical words and `count < 2^64` hold by the types.)
pub fn verify_aggregate(
    params: &AggregateVerifierParams,
    proof: &AggregateProof,
    statement: &AggregateStatement,
) -> bool {
    let well_formed = finite_g1(&proof.a)
        && finite_g1(&proof.c)
        && finite_g1(&proof.pi)
        && !proof.b.is_zero()
        && proof.b.is_on_curve()
        && proof.b.is_in_correct_subgroup_assuming_on_curve()
        && g1_or_infinity(&statement.comm_n)
        && g1_or_infinity(&statement.comm_f);
    if !well_formed {
        return false;
    }
    let p = statement_digest(params.config, statement);
    let d = folded_commitment(statement);
    let rho = aggregate_rho(proof, &d, p);
    let l: G1Projective = params.ic0.into_group() + params.ic1 * p + d;
    let g1 = [
        -proof.a.into_group(),
        params.alpha1.into_group(),
        l + proof.pi * rho,
        proof.c.into_group(),
        -(d * rho),
    ];
    let g2 = [
        proof.b,
        params.beta2,
        params.gamma2,
        params.delta2,
        params.k_gamma2,
    ];
    Bn254::multi_pairing(G1Projective::normalize_batch(&g1), g2)
        .0
        .is_one()
}
