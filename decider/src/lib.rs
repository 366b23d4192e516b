//! # zkagg-decider: many folded batch proofs in, ONE Groth16 proof out
//!
//! The folding engine (`zkagg-folding`) leaves a final state: the running primary instance
//! `U_N`, the last step's fresh instance `u_N`, the running CycleFold instance `U_cf`, and their
//! witnesses. The decider proves, with one Groth16 (BN254) proof, that this state is valid, so a
//! contract checks a whole run of batches at a fixed cost.
//!
//! Layers (see `docs/design/decider.md` for the construction and its soundness argument):
//!
//! - [`snark`]: Groth16 with a **committed input block** (LegoGroth16-style): the first `n`
//!   "public" inputs of the decider circuit are not given to the verifier but committed as
//!   `D = sum_i w_i IC_i`, with a one-element proof that `D` lies in the span of those bases.
//!   The bases `IC_i` are the folding engine's primary commitment key, so the folded commitment
//!   `C_N + alpha C_fresh` *is* `D`: no opening, no in-circuit commitment.
//! - [`circuit`]: the decider circuit (nova-snark `frontend` gadgets): the last fold, the
//!   primary error claim, the CycleFold instance, the public-IO hash, the final check on `z_N`,
//!   and the one public input that binds the statement.
//! - [`compress`]: the setup made once and cached (the folding key derived from it) and a
//!   folded state compressed into one `AggregateProof`.
//! - [`inputs`]: from a folded state to the circuit's inputs (the last fold natively, the
//!   statement, the digest `P`); [`aggregation`]: the batch aggregation's final statement.
#![forbid(unsafe_code)]
#![allow(clippy::needless_range_loop)]

pub mod aggregation;
pub mod circuit;
pub mod compress;
pub mod error;
pub mod inputs;
pub mod snark;

pub use error::{Error, Result};
