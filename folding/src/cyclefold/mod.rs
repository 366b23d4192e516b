//! CycleFold: the circuit over `Fq` that computes `P_1 + alpha * P_2` on BN254 G1, and its
//! relaxed-R1CS instances, Pedersen-committed on Grumpkin.
pub mod circuit;
pub mod instance;
