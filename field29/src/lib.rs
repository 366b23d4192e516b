//! BN254's fields on nine 29-bit limbs, for wasm.
//!
//! wasm32 multiplies 64-bit integers natively but has no 64x64 -> 128-bit product, so
//! arkworks' four-word Montgomery product emulates each wide product with four narrow ones.
//! [`fq29`] keeps an element in nine 29-bit limbs whose products sum in 64-bit columns without
//! carries; it is the coordinate field of the web prover's CPU MSM, and over the scalar field
//! ([`Fr29`], the same code on another modulus) the web prover's QAP. [`backend`] makes `Fq29` an
//! arkworks `PrimeField`, and [`bn`] instantiates arkworks' BN254 towers, curves and pairing on
//! it; [`pairing`] is the wasm verifier's pairing: arkworks' steps and line coefficients with
//! the `Fq12` products of [`lazy`], which reduce once per output coefficient. Native builds
//! keep arkworks' own field (its 64-bit product is faster there); both compute the same
//! values, which the tests check.

#![cfg_attr(not(test), no_std)]

extern crate alloc;

pub mod backend;
pub mod bn;
pub mod fq29;
pub mod fq2x29;
pub mod g1_sums;
pub mod lazy;
pub mod lines;
pub mod pairing;
pub mod self_check;

pub use fq29::{Fp29, Fq29, FqModulus, Fr29, FrModulus, Modulus29};
pub use fq2x29::Fq2x29;
