//! # zkagg-folding: Nova + CycleFold over BN254 / Grumpkin
//!
//! Folds many executions of one step circuit (the aggregator's `AggregationStep`) into a single
//! running instance, the way Nova does, with the elliptic-curve work of each fold delegated to a
//! tiny CycleFold circuit:
//!
//! - the **primary** relation lives over BN254's scalar field `Fr`; its witnesses are committed
//!   with KZG-compatible commitments on BN254 G1 ([`commitment::kzg`], keys from `.ptau` files);
//! - the **CycleFold** relation lives over BN254's base field `Fq`; it proves
//!   `P_out = P_1 + alpha * P_2` on G1 ([`cyclefold::circuit`]); its instances are
//!   Pedersen-committed on Grumpkin ([`commitment::pedersen`]), whose coordinates are in `Fr`, so
//!   the primary circuit folds them natively ([`gadgets`]).
//!
//! See `docs/design/folding.md` for the construction and its soundness argument.
#![forbid(unsafe_code)]
#![allow(clippy::needless_range_loop)]

pub mod augmented;
pub mod commitment;
pub mod cyclefold;
pub mod error;
pub mod frontends;
pub mod gadgets;
pub mod ivc;
pub mod primary;
pub mod step;
pub mod transcript;

pub use error::{Error, Result};

/// BN254's scalar field: the primary circuit's field, Grumpkin's base field.
pub type Fr = halo2curves::bn256::Fr;
/// BN254's base field: the CycleFold circuit's field, Grumpkin's scalar field.
pub type Fq = halo2curves::bn256::Fq;
/// A BN254 G1 point (affine): primary commitments.
pub type G1Affine = halo2curves::bn256::G1Affine;
/// A Grumpkin point (affine): CycleFold commitments.
pub type GrumpkinAffine = halo2curves::grumpkin::G1Affine;
