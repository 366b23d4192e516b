//! `zkagg prove-batch`: a random valid batch and its Groth16 proof.
//!
//! Without `--state` every run starts from a fresh random genesis. With `--state DIR` the runs
//! form a chain: the batch is made on the account tree that `DIR/state.json` holds (written by
//! the previous run; a random genesis if there is none yet), and the tree after the batch is
//! written back atomically once the proof is written, so batch `i`'s `old_root` is batch
//! `i - 1`'s `new_root` ([`crate::rollup_state`]).

use std::fs;
use std::path::PathBuf;

use ark_serialize::CanonicalSerialize;
use clap::Args;
use rand::rngs::OsRng;
use rand::SeedableRng;
use rand_chacha::ChaCha20Rng;
use serde_json::json;
use zkagg_core::batch::{self, random_batch, random_genesis_and_batch};
use zkagg_core::formats::{binary, calldata, snarkjs};
use zkagg_core::verifier::PreparedVerifier;

use super::Progress;
use crate::rollup_state::RollupState;
use crate::{keys, Error, Result};

/// Arguments of `zkagg prove-batch`.
#[derive(Args, Debug)]
pub struct ProveBatchArgs {
    /// Key directory written by `zkagg setup`.
    #[arg(long, default_value = "keys")]
    pub keys: PathBuf,
    /// Directory to write proof.json, public.json, proof.bin, public.bin, calldata.txt, batch.json
    /// and witness.bin (the batch witness, arkworks compressed, for the browser prover).
    #[arg(long, default_value = "proof")]
    pub out_dir: PathBuf,
    /// Seed for the random genesis state and batch (the proof's blinding still uses the OS RNG).
    #[arg(long)]
    pub seed: Option<u64>,
    /// Rollup state directory: continue from the account tree the previous run left in
    /// DIR/state.json (a random genesis if there is none) and write the new state back, so that
    /// successive runs make chained batches (each old_root is the previous new_root).
    #[arg(long, value_name = "DIR")]
    pub state: Option<PathBuf>,
}

/// Run `zkagg prove-batch`.
pub fn run(args: &ProveBatchArgs, progress: &Progress) -> Result<()> {
    let keys = progress.step(
        &format!("loading keys from {}", args.keys.display()),
        || keys::load(&args.keys),
    )?;
    let params = keys.params;
    let mut batch_rng = match args.seed {
        Some(seed) => ChaCha20Rng::seed_from_u64(seed),
        None => ChaCha20Rng::from_rng(OsRng).map_err(|e| Error::Keys(format!("OS RNG: {e}")))?,
    };
    let previous = match &args.state {
        Some(dir) => RollupState::load(dir)?,
        None => None,
    };
    if let (Some(prev), Some(dir)) = (&previous, &args.state) {
        if prev.tree.depth() != params.depth {
            return Err(Error::InvalidOption {
                option: "--state",
                problem: format!(
                    "{} holds a depth-{} tree, the keys are for depth {}",
                    RollupState::path(dir).display(),
                    prev.tree.depth(),
                    params.depth
                ),
            });
        }
    }
    let batches_before = previous.as_ref().map_or(0, |p| p.batches);
    let (statement, witness, transfers, tree) = progress.step(
        &format!(
            "building a batch of {} transfers on a depth-{} tree{}",
            params.transfers,
            params.depth,
            if previous.is_some() {
                " (continuing the rollup state)"
            } else {
                ""
            }
        ),
        || -> Result<_> {
            let (mut tree, transfers) = match previous {
                Some(prev) => {
                    let transfers = random_batch(&prev.tree, &params, &mut batch_rng)?;
                    (prev.tree, transfers)
                }
                None => random_genesis_and_batch(&params, &mut batch_rng)?,
            };
            let (statement, witness) = tree.apply_batch(&params, &transfers)?;
            Ok((statement, witness, transfers, tree))
        },
    )?;
    let proof = progress.step("proving (Groth16)", || {
        batch::prove(&keys.proving_key, &params, &witness, &mut OsRng)
    })?;
    let inputs = statement.public_inputs();
    let verifier = PreparedVerifier::new(&keys.verifying_key)?;
    let valid = progress.step("verifying the new proof", || {
        verifier.verify(&proof, &inputs)
    })?;
    if !valid {
        return Err(Error::Keys(format!(
            "the proof does not verify: {} does not match its verifying key",
            args.keys.join(keys::PROVING_KEY_FILE).display()
        )));
    }

    let dir = &args.out_dir;
    fs::create_dir_all(dir).map_err(|e| Error::io(dir, e))?;
    keys::write(
        &dir.join("proof.json"),
        snarkjs::proof_to_string(&proof).as_bytes(),
    )?;
    keys::write(
        &dir.join("public.json"),
        snarkjs::public_inputs_to_string(&inputs).as_bytes(),
    )?;
    keys::write(&dir.join("proof.bin"), &binary::proof_to_bytes(&proof))?;
    keys::write(
        &dir.join("public.bin"),
        &binary::public_inputs_to_bytes(&inputs),
    )?;
    keys::write(
        &dir.join("calldata.txt"),
        calldata::to_solidity_arguments(&proof, &inputs).as_bytes(),
    )?;
    // The batch witness (arkworks compressed): what a coordinator hands a volunteer so that the
    // browser prover (`WebProver.proveBatch`) can prove the same statement.
    let mut witness_bytes = Vec::new();
    witness
        .serialize_compressed(&mut witness_bytes)
        .map_err(|e| Error::Keys(format!("cannot encode the batch witness: {e}")))?;
    keys::write(&dir.join("witness.bin"), &witness_bytes)?;
    let batch_json = json!({
        "params": params,
        "old_root": snarkjs::to_decimal(&statement.old_root),
        "new_root": snarkjs::to_decimal(&statement.new_root),
        "tx_commitment": snarkjs::to_decimal(&statement.tx_commitment),
        "transfers": transfers,
        "vk_hash": zkagg_core::vk_hash::vk_hash_hex(&keys.verifying_key),
        "batch_index": batches_before,
    });
    let batch_text = serde_json::to_string_pretty(&batch_json)
        .map_err(|e| Error::Keys(format!("cannot encode batch.json: {e}")))?;
    keys::write(&dir.join("batch.json"), batch_text.as_bytes())?;
    // The state goes last: a run killed before this point leaves the previous state in place.
    if let Some(state_dir) = &args.state {
        RollupState {
            tree,
            batches: batches_before + 1,
        }
        .save(state_dir)?;
        progress.note(format!(
            "rollup state after {} batches written to {}",
            batches_before + 1,
            RollupState::path(state_dir).display()
        ));
    }
    progress.note(format!(
        "proof written to {} (old_root {}..., new_root {}...)",
        dir.display(),
        &snarkjs::to_decimal(&statement.old_root)
            .chars()
            .take(12)
            .collect::<String>(),
        &snarkjs::to_decimal(&statement.new_root)
            .chars()
            .take(12)
            .collect::<String>(),
    ));
    Ok(())
}
