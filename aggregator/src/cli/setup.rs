//! `zkagg setup`: Groth16 keys for the batch circuit.

use std::path::PathBuf;

use clap::Args;
use rand::rngs::OsRng;
use rand::SeedableRng;
use rand_chacha::ChaCha20Rng;
use zkagg_core::batch::{self, BatchParams};

use super::Progress;
use crate::{keys, Result};

/// Arguments of `zkagg setup`.
#[derive(Args, Debug)]
pub struct SetupArgs {
    /// Transfers per batch (K).
    #[arg(long, default_value_t = BatchParams::DEFAULT.transfers)]
    pub transfers: usize,
    /// Depth of the account tree (D): 2^D accounts.
    #[arg(long, default_value_t = BatchParams::DEFAULT.depth)]
    pub depth: usize,
    /// Directory to write the keys to.
    #[arg(long, default_value = "keys")]
    pub out_dir: PathBuf,
    /// Derive the setup randomness from this seed (reproducible keys for tests). INSECURE: anyone
    /// who knows the seed can forge proofs. Without it the OS RNG is used.
    #[arg(long)]
    pub insecure_seed: Option<u64>,
}

/// Run `zkagg setup`.
pub fn run(args: &SetupArgs, progress: &Progress) -> Result<()> {
    let params = BatchParams {
        transfers: args.transfers,
        depth: args.depth,
    };
    params.validate()?;
    let constraints = params.constraint_count()?;
    progress.note(format!(
        "setup: batch circuit with {} transfers on a depth-{} tree ({} constraints)",
        params.transfers, params.depth, constraints
    ));
    if args.insecure_seed.is_some() {
        progress.note("WARNING: --insecure-seed makes the keys forgeable; use it for tests only");
    }
    let (pk, vk) = progress.step("generating Groth16 keys", || match args.insecure_seed {
        Some(seed) => batch::setup(&params, &mut ChaCha20Rng::seed_from_u64(seed)),
        None => batch::setup(&params, &mut OsRng),
    })?;
    progress.step("writing keys", || keys::save(&args.out_dir, &params, &pk))?;
    progress.note(format!(
        "keys written to {} (vk_hash {})",
        args.out_dir.display(),
        zkagg_core::vk_hash::vk_hash_hex(&vk)
    ));
    Ok(())
}
