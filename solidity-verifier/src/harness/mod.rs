//! The test harness (feature `harness`): compile Solidity with the npm `solc` ([`solc`]) and run
//! it in revm ([`evm`]). Later issues test and measure their contracts with it too. The feature
//! `solc` alone brings [`solc`] (what a deployment needs) without revm.
//!
//! ```no_run
//! use zkagg_solidity_verifier::harness::{evm::Evm, solc};
//! # fn main() -> zkagg_solidity_verifier::Result<()> {
//! let out = solc::compile(&[("A.sol", "pragma solidity ^0.8.0; contract A {}")])?;
//! let mut evm = Evm::new(); // Prague
//! let deployed = evm.deploy(&out.contract("A.sol", "A")?.bytecode)?;
//! println!("deploy gas: {}", deployed.gas.tx);
//! # Ok(())
//! # }
//! ```

#[cfg(feature = "harness")]
pub mod evm;
pub mod solc;

use zkagg_core::VerifyingKey;

use crate::generator::{generate, Options};
use crate::Result;

/// Generates the verifier for `vk` and compiles it (file `<name>.sol`); returns its source and
/// artifact.
pub fn compile_verifier(vk: &VerifyingKey, options: &Options) -> Result<(String, solc::Artifact)> {
    let source = generate(vk, options)?;
    let file = format!("{}.sol", options.contract_name);
    let output = solc::compile(&[(&file, &source)])?;
    let artifact = output.contract(&file, &options.contract_name)?.clone();
    Ok((source, artifact))
}
