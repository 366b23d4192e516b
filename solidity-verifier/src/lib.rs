//! # zkagg-solidity-verifier: Groth16 (BN254) verifiers on Ethereum
//!
//! - [`generator`]: a verifying key (any of the project's formats) in, a self-contained Solidity
//!   verifier contract out, with `verifyProof(uint256[2] a, uint256[2][2] b, uint256[2] c,
//!   uint256[N] input)` (the snarkjs shape) and `verify(uint256[8] proof, uint256[N] input)`
//!   (zkagg's calldata words; without the input argument for a key without public inputs). Canonical encodings only, curve checks before any precompile,
//!   bounded precompile gas, one 4-pair pairing. Also behind `zkagg export-solidity`.
//! - [`harness`] (feature `harness`, on by default): compile with the npm `solc` (pinned) through
//!   Node and run in revm at Prague: deploy, call, read gas and events.
//! - [`aggregate`]: the verifier of zkagg's aggregate (decider) proofs, `verifyAggregate(...)`,
//!   with one 5-pair pairing call, and an example rollup contract that settles state roots with
//!   it (`settle(...)`); generated from [`aggregate::AggregateVerifierParams`], with a Rust
//!   reference of every value the contract computes ([`aggregate::reference`]).
//! - [`abi`]: selectors and static words for calls (Groth16 verifier, aggregate verifier, rollup).
//! - [`ROLLUP_SOURCE`]: an example rollup contract that accepts a new state root only with a
//!   valid batch proof whose `old_root` is its current root.
//!
//! The design (the checks, the equation, the gas bounds, why each rejection is sound) is in
//! `docs/design/solidity-verifier.md`.
#![forbid(unsafe_code)]

pub mod abi;
pub mod aggregate;
pub mod error;
pub mod generator;
#[cfg(feature = "solc")]
pub mod harness;

pub use error::{Error, Result};
pub use generator::{generate, generate_from_bytes, Options};

/// The example rollup contract (`contracts/BatchRollup.sol`): it holds the state root of the
/// batch circuit and accepts `submitBatch(proof, [old_root, new_root, tx_commitment])` only with
/// a proof its verifier accepts and `old_root` equal to the current root, emitting
/// `BatchAccepted`.
pub const ROLLUP_SOURCE: &str = include_str!("../contracts/BatchRollup.sol");
