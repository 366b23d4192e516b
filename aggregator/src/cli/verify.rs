//! `zkagg verify`, `zkagg vk-hash`, `zkagg calldata`: read proofs in any format.

use std::path::{Path, PathBuf};

use clap::Args;
use zkagg_core::aggregate;
use zkagg_core::formats::{self, calldata, snarkjs};
use zkagg_core::verifier::PreparedVerifier;
use zkagg_core::{Fr, Proof, VerifyingKey};

use super::{EXIT_INVALID, EXIT_OK};
use crate::{keys, Error, Result};

/// Arguments of `zkagg verify`.
#[derive(Args, Debug)]
pub struct VerifyArgs {
    /// Verifying key: snarkjs verification_key.json or arkworks binary (detected).
    #[arg(long)]
    pub vk: PathBuf,
    /// Proof: snarkjs proof.json or arkworks binary (detected).
    #[arg(long)]
    pub proof: PathBuf,
    /// Public inputs: snarkjs public.json or arkworks binary (detected). Omitted for an
    /// aggregate proof (`zkagg aggregate --decider`), which carries its statement: then --vk
    /// and --proof are aggregate_vk.json and aggregate_proof.json (or their binary forms).
    #[arg(long)]
    pub public: Option<PathBuf>,
}

/// Load a verifying key in any format.
pub fn load_vk(path: &Path) -> Result<VerifyingKey> {
    formats::load_verifying_key(&keys::read(path)?).map_err(|e| Error::malformed(path, e))
}

fn load_proof(path: &Path) -> Result<Proof> {
    formats::load_proof(&keys::read(path)?).map_err(|e| Error::malformed(path, e))
}

fn load_public(path: &Path) -> Result<Vec<Fr>> {
    formats::load_public_inputs(&keys::read(path)?).map_err(|e| Error::malformed(path, e))
}

/// Verify an aggregate proof (one Groth16 proof for a folded run of batches).
fn run_aggregate(vk_path: &Path, proof_path: &Path) -> Result<i32> {
    let vk = aggregate::encoding::load_verifying_key(&keys::read(vk_path)?)
        .map_err(|e| Error::malformed(vk_path, e))?;
    let proof = aggregate::encoding::load_proof(&keys::read(proof_path)?)
        .map_err(|e| Error::malformed(proof_path, e))?;
    let valid =
        aggregate::verify_aggregate(&vk, &proof).map_err(|e| Error::malformed(proof_path, e))?;
    if valid {
        let s = &proof.statement;
        println!(
            "valid: the aggregate verifies: {} batch proofs, statements root {}, old root {}, \
             new root {}",
            s.count,
            snarkjs::to_decimal(&s.statements_root),
            snarkjs::to_decimal(&s.old_root),
            snarkjs::to_decimal(&s.new_root)
        );
        Ok(EXIT_OK)
    } else {
        println!("invalid: the aggregate proof does not verify under this key");
        Ok(EXIT_INVALID)
    }
}

/// Run `zkagg verify`: `Ok(EXIT_OK)` valid, `Ok(EXIT_INVALID)` invalid, `Err` malformed.
pub fn run(args: &VerifyArgs) -> Result<i32> {
    let Some(public) = &args.public else {
        return run_aggregate(&args.vk, &args.proof);
    };
    let vk = load_vk(&args.vk)?;
    let proof = load_proof(&args.proof)?;
    let inputs = load_public(public)?;
    let verifier = PreparedVerifier::new(&vk).map_err(|e| Error::malformed(&args.vk, e))?;
    let valid = verifier
        .verify(&proof, &inputs)
        .map_err(|e| Error::malformed(public, e))?;
    if valid {
        println!(
            "valid: the proof verifies ({} public inputs, vk_hash {})",
            inputs.len(),
            calldata::word_to_hex(&verifier.vk_hash())
        );
        Ok(EXIT_OK)
    } else {
        println!("invalid: the proof does not verify for these public inputs and this key");
        Ok(EXIT_INVALID)
    }
}

/// `verifyProof` arguments for a proof and its inputs.
pub fn calldata(proof: &Path, public: &Path) -> Result<String> {
    Ok(calldata::to_solidity_arguments(
        &load_proof(proof)?,
        &load_public(public)?,
    ))
}
