//! # zkagg-aggregator
//!
//! The native side of zkagg. Today: the `zkagg` command line (batch-circuit setup, batch proving,
//! Groth16 verification in every format the project speaks). Next: the Nova + CycleFold folding
//! aggregator that absorbs many batch proofs and compresses them into one Groth16 proof.
#![forbid(unsafe_code)]

pub mod aggregate;
pub mod cli;
pub mod error;
pub mod keys;
pub mod rollup_state;
pub mod rounds;

pub use error::{Error, Result};
