//! `zkagg aggregate`: fold many batch proofs into one IVC proof, checkpointed and resumable.

use std::path::PathBuf;

use clap::Args;

use crate::aggregate::{self, AggregateOptions};
use crate::Result;

/// Arguments of `zkagg aggregate`.
#[derive(Args, Debug)]
pub struct AggregateArgs {
    /// Key directory written by `zkagg setup` (the batch key every proof must verify under).
    #[arg(long, default_value = "keys")]
    pub keys: PathBuf,
    /// Directory of batch proofs: one sub-directory per proof (proof.json + public.json, or
    /// proof.bin + public.bin), folded in name order.
    #[arg(long)]
    pub proofs: PathBuf,
    /// Work directory: checkpoint.bin (after every fold), aggregate.bin and aggregate.json.
    /// Running the same command again resumes from the checkpoint.
    #[arg(long)]
    pub work: PathBuf,
    /// The decider's setup directory (decider.zkey, link key, verifying key): the folding
    /// key comes from it and the folded proofs are compressed into ONE Groth16 proof
    /// (WORK/aggregate_proof.json, WORK/aggregate_vk.json). Made there once with
    /// --insecure-setup, then reused.
    #[arg(long, conflicts_with = "ptau")]
    pub decider: Option<PathBuf>,
    /// With --decider: fold only, do not compress (a later run with the same WORK compresses).
    #[arg(long, requires = "decider")]
    pub no_compress: bool,
    /// Without --decider: directory of powers-of-tau files (`*_{power}.ptau`, e.g.
    /// ppot_0080_20.ptau) for the KZG commitment key; the result is folded, not compressed.
    /// Defaults to WORK/../ptau.
    #[arg(long)]
    pub ptau: Option<PathBuf>,
    /// If the key is missing (the decider setup, or a .ptau), make an INSECURE local one (from
    /// this machine's RNG; whoever keeps its secrets can forge): for tests and demos only.
    #[arg(long)]
    pub insecure_setup: bool,
    /// Fold batches that do not chain (`old_root` of batch i = `new_root` of batch i-1 is
    /// required by default).
    #[arg(long)]
    pub no_rollup: bool,
}

/// Run `zkagg aggregate`.
pub fn run(args: &AggregateArgs, quiet: bool) -> Result<()> {
    let ptau = args.ptau.clone().unwrap_or_else(|| {
        args.work
            .parent()
            .map(|p| p.join("ptau"))
            .unwrap_or_else(|| PathBuf::from("ptau"))
    });
    let summary = aggregate::run(&AggregateOptions {
        keys: args.keys.clone(),
        proofs: args.proofs.clone(),
        work: args.work.clone(),
        ptau,
        decider: args.decider.clone(),
        compress: !args.no_compress,
        insecure_setup: args.insecure_setup,
        rollup: !args.no_rollup,
        progress: !quiet,
    })?;
    println!(
        "aggregated {} proofs ({} rejected) in {} steps ({} this run, {:.1} s); wrote {}",
        summary.accepted.len(),
        summary.rejected.len(),
        summary.steps,
        summary.steps_this_run,
        summary.fold_seconds,
        summary.aggregate_file.display()
    );
    if let (Some(path), Some(seconds)) = (&summary.aggregate_proof, summary.compress_seconds) {
        println!(
            "compressed into one Groth16 proof in {seconds:.1} s; wrote {}",
            path.display()
        );
    }
    Ok(())
}
