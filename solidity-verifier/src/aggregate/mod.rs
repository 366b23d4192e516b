//! The aggregate verifier: the contract that checks one decider proof of a folded run
//! (`docs/design/decider.md`, "One pairing call", "The statement digest", "Contract interface"),
//! and the example rollup that settles state roots with it.
//!
//! - [`AggregateVerifierParams`]: the decider key's points the contract needs and the statement
//!   constant `config`, as plain arkworks values (no dependency on the decider crate).
//! - [`AggregateProof`] and [`AggregateStatement`]: what a call carries.
//! - [`mod@reference`]: the Rust reference of everything the contract computes: the statement
//!   digest `P` ([`statement_digest`]), the folded commitment `D` ([`folded_commitment`]), the
//!   challenge `rho` ([`aggregate_rho`]) and the whole check ([`verify_aggregate`]). The Rust
//!   verifier in core must use exactly these encodings.
//! - [`generator`]: the verifier contract ([`generate_aggregate_verifier`]) and the rollup
//!   contract ([`generate_aggregate_rollup`]) from the parameters.
//! - The calldata of `verifyAggregate` and `settle`: [`crate::abi::verify_aggregate_call`],
//!   [`crate::abi::settle_call`].

pub mod generator;
pub mod reference;

use ark_bn254::{Fr, G1Affine, G2Affine};

pub use generator::{
    generate_aggregate_rollup, generate_aggregate_verifier, AggregateOptions,
    DEFAULT_AGGREGATE_CONTRACT_NAME, DEFAULT_AGGREGATE_PAIRING_GAS, DEFAULT_ROLLUP_CONTRACT_NAME,
    PAIRING_GAS_5_PAIRS,
};
pub use reference::{
    aggregate_rho, folded_commitment, statement_digest, statement_words, verify_aggregate,
    DIGEST_BITS,
};

/// What the aggregate verifier contract is generated from: the decider's Groth16 key points it
/// uses and the statement constant.
///
/// `ic0` and `ic1` are the key's `IC_0` (constant) and `IC_1` (the input `P`); the committed
/// block's bases `IC_2..` are the folding engine's commitment key and never reach the contract
/// (it receives their combination `D = C_N + alpha C_f`). `k_gamma2` is `[k gamma]_2` of the
/// subspace proof. `config = Poseidon(pp_digest, z0_digest, vk_hash)` is the first word of the
/// statement digest.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct AggregateVerifierParams {
    /// `[alpha]_1`.
    pub alpha1: G1Affine,
    /// `[beta]_2`.
    pub beta2: G2Affine,
    /// `[gamma]_2`.
    pub gamma2: G2Affine,
    /// `[delta]_2`.
    pub delta2: G2Affine,
    /// `IC_0`.
    pub ic0: G1Affine,
    /// `IC_1`, the base of the statement digest `P`.
    pub ic1: G1Affine,
    /// `[k gamma]_2`, the subspace proof's check point.
    pub k_gamma2: G2Affine,
    /// The statement constant (first word of the digest).
    pub config: Fr,
}

/// A decider proof as the contract takes it: Groth16's `(A, B, C)` and the subspace proof `pi`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct AggregateProof {
    /// `A` in G1.
    pub a: G1Affine,
    /// `B` in G2.
    pub b: G2Affine,
    /// `C` in G1.
    pub c: G1Affine,
    /// `pi = sum_i W'_i K_i` in G1.
    pub pi: G1Affine,
}

/// The public values of one aggregate verification (everything but the proof).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct AggregateStatement {
    /// `C_N`, the running instance's commitment (may be the point at infinity).
    pub comm_n: G1Affine,
    /// `C_f`, the last fresh instance's commitment (may be the point at infinity).
    pub comm_f: G1Affine,
    /// The last fold's challenge.
    pub alpha: Fr,
    /// Number of aggregated proofs.
    pub count: u64,
    /// Root of the aggregated statements.
    pub statements_root: Fr,
    /// Rollup state root before (0 outside rollup mode).
    pub old_root: Fr,
    /// Rollup state root after (0 outside rollup mode).
    pub new_root: Fr,
}

impl TryFrom<&zkagg_core::aggregate::AggregateVerifyingKey> for AggregateVerifierParams {
    type Error = crate::Error;

    /// The contract's parameters of a decider key (`zkagg aggregate`'s `aggregate_vk.json`): it
    /// must have exactly one plain input, the statement digest `P`.
    fn try_from(vk: &zkagg_core::aggregate::AggregateVerifyingKey) -> crate::Result<Self> {
        let [ic1] = vk.ic_plain[..] else {
            return Err(crate::Error::UnsupportedKey(format!(
                "an aggregate key has exactly one plain input (the statement digest), this one \
                 has {}",
                vk.ic_plain.len()
            )));
        };
        Ok(Self {
            alpha1: vk.alpha1,
            beta2: vk.beta2,
            gamma2: vk.gamma2,
            delta2: vk.delta2,
            ic0: vk.ic0,
            ic1,
            k_gamma2: vk.k_gamma2,
            config: vk.config,
        })
    }
}

/// A decider proof of `zkagg_core` (`aggregate_proof.json`) as the contract's two arguments.
pub fn call_arguments(
    proof: &zkagg_core::aggregate::AggregateProof,
) -> (AggregateProof, AggregateStatement) {
    (
        AggregateProof {
            a: proof.a,
            b: proof.b,
            c: proof.c,
            pi: proof.pi,
        },
        AggregateStatement {
            comm_n: proof.c_running,
            comm_f: proof.c_fresh,
            alpha: proof.alpha,
            count: proof.statement.count,
            statements_root: proof.statement.statements_root,
            old_root: proof.statement.old_root,
            new_root: proof.statement.new_root,
        },
    )
}
