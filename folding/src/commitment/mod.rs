//! Commitment keys: KZG-compatible on BN254 G1 (primary), Pedersen on Grumpkin (CycleFold).
pub mod kzg;
pub mod pedersen;
