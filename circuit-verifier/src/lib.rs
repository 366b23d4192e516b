//! # zkagg-circuit-verifier: BN254 Groth16 verification inside nova-snark R1CS
//!
//! The aggregator folds many batch proofs; each one's Groth16 equation must be proven inside the
//! folded computation, whose field is BN254's scalar field `Fr`, while the proofs' points live
//! over BN254's base field `Fq`. This crate emulates `Fq` in `Fr` and builds, in nova-snark's
//! `frontend` constraint system:
//!
//! - [`field`]: emulated `Fq` (8 x 32-bit limbs), products by evaluation, and
//!   [`field::relation::Relation`], the one gadget that turns integer identities with
//!   range-checked quotients and grouped carries into equations modulo `p`;
//! - [`tower`]: `Fq2`, `Fq6`, `Fq12` (arkworks' fields, direct bases);
//! - [`curve`]: affine G1/G2 arithmetic, the GLV challenge multiplication, a fixed-base MSM;
//! - [`pairing`]: the optimal ate Miller loop (with a free G2 subgroup check), fixed-G2 loops, and
//!   the residue-witness final check that replaces the final exponentiation;
//! - [`groth16`]: a one-proof verifier and the batched accumulator with in-circuit Fiat–Shamir
//!   ([`hash`]: the project's Poseidon);
//! - [`steps`]: the batched verifier as identical nova-snark step circuits, and the decider's
//!   final check; [`steps::driver::Aggregator`] is the prover's driver.
//!
//! Hints are computed natively with arkworks and converted ([`convert`]). [`cs::CheckCS`] is a
//! streaming constraint system that checks every constraint as it is enforced (tests, counts).
//!
//! See `docs/design/in-circuit-verifier.md` for the design and the soundness arguments, and
//! `docs/BENCHMARKS.md` for the measured constraint counts.
#![forbid(unsafe_code)]
// Index loops mirror the formulas (limb i, coefficient j, point s) and stay clearer than iterators.
#![allow(clippy::needless_range_loop)]

pub mod convert;
pub mod cs;
pub mod curve;
pub mod error;
pub mod field;
pub mod groth16;
pub mod hash;
pub mod pairing;
pub mod steps;
pub mod tower;

#[cfg(test)]
mod report;

pub use convert::Fr;
pub use error::{Error, Result};
