//! # zkagg-web-prover: Groth16 proving in the browser (and natively), snarkjs-compatible
//!
//! - [`prover`]: a streaming Groth16 prover for circom/snarkjs keys (`.zkey` + `.wtns` in,
//!   snarkjs `proof.json` + `public.json` out): a drop-in for `snarkjs groth16 prove` and
//!   rapidsnark. The key is read in chunks ([`source::Source`]), MSMs go through
//!   [`zkagg_gpu_msm::MsmEngine`] (WebGPU/Vulkan with checks and CPU fallback), with progress
//!   callbacks and cancellation.
//! - [`batch`]: proofs of the project's batch circuit from its arkworks proving key, with the
//!   same MSM engine.
//! - [`format`]: the `.zkey` / `.wtns` parsers (every malformed input is an [`Error`] naming the
//!   file and section, never a panic); [`qap`]: snarkjs's R1CS-to-QAP step for H; [`fft`]:
//!   the radix-2 FFTs on a 29-bit-limb `Fr` that both provers' QAP steps use in wasm.
//! - `wasm` (wasm32 only): the wasm-bindgen API used from a Web Worker (`web-prover/js/`), with
//!   a wasm-bindgen-rayon thread pool.
//!
//! Native use: `zkagg prove --zkey circuit.zkey --wtns witness.wtns --proof proof.json --public
//! public.json` (the aggregator crate's CLI), or [`prover::prove_files`].
#![deny(unsafe_code)]

pub mod batch;
pub mod error;
pub mod fft;
pub mod format;
pub mod prover;
pub mod qap;
pub mod source;
#[cfg(target_arch = "wasm32")]
pub mod wasm;

pub use error::{Error, Result};
pub use prover::{prove_zkey, Phase, Progress, ProofOutput, ProveOptions, ProveReport};
pub use zkagg_gpu_msm::{Backend, MsmConfig, MsmEngine};
