//! # zkagg-core: the project's shared vocabulary
//!
//! Every component of zkagg (the CLI and aggregator, the WASM verifier, the browser prover, the
//! Solidity generator) speaks the types and encodings defined here:
//!
//! - [`formats`]: Groth16-over-BN254 verifying keys, proofs and public inputs in three encodings,
//!   each validated on parse (canonical field elements, points on the curve and in the prime-order
//!   subgroup, the right number of public inputs for a key):
//!   [`formats::snarkjs`] (the JSON files of circom/snarkjs), [`formats::binary`] (arkworks
//!   compressed) and [`formats::calldata`] (the uint256 words a Solidity verifier takes).
//! - [`vk_hash`]: the stable 32-byte identifier of a verifying key.
//! - [`verifier`]: native Groth16 verification with a prepared key.
//! - [`poseidon`] and [`batch`] (feature `circuit`): the rollup batch statement that volunteers
//!   prove, its native state tree and witness builder, and its R1CS circuit.
//! - [`statements`] (feature `circuit`): the aggregate's statement tree (Merkle root of the
//!   ordered statements it covers) and short inclusion proofs for one batch.
#![forbid(unsafe_code)]

pub mod aggregate;
pub mod error;
pub mod formats;
pub mod group_sums;
pub mod pairing;
pub mod verifier;
pub mod vk_hash;

#[cfg(feature = "circuit")]
pub mod batch;
#[cfg(feature = "circuit")]
pub mod poseidon;
#[cfg(feature = "circuit")]
pub mod statements;

pub use error::{Error, Result};

/// The pairing-friendly curve of every proof in this project.
pub type Curve = ark_bn254::Bn254;
/// BN254's scalar field: public inputs and circuit variables live here.
pub type Fr = ark_bn254::Fr;
/// BN254's base field: point coordinates live here.
pub type Fq = ark_bn254::Fq;
/// A Groth16 proof over BN254.
pub type Proof = ark_groth16::Proof<Curve>;
/// A Groth16 verifying key over BN254.
pub type VerifyingKey = ark_groth16::VerifyingKey<Curve>;
/// A Groth16 proving key over BN254.
pub type ProvingKey = ark_groth16::ProvingKey<Curve>;
