//! EVM tests of the generated Groth16 verifiers and the example rollup: contracts compiled with
//! the pinned npm `solc` and run in revm (Prague; Osaka too for the verifier), on real proofs from
//! the batch circuit and from circom/snarkjs. One test binary, so solc runs once.

mod aggregate;
mod aggregate_crosscheck;
mod aggregate_rollup;
mod common;
mod crosscheck;
mod generator;
mod harness;
mod rollup;
mod simulator;
mod verifier;
