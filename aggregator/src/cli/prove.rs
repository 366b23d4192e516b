//! `zkagg prove`: Groth16 proof from a snarkjs `.zkey` and `.wtns`, written as snarkjs JSON — a
//! native drop-in for `snarkjs groth16 prove` and rapidsnark (same arguments, in flags).
//!
//! MSMs run on the GPU (Vulkan) when one is usable, checked, with the CPU as fallback
//! (`zkagg_gpu_msm`); `--backend cpu` skips the GPU. The key is streamed in chunks. The proof is
//! verified against the key's own verifying key before anything is written.

use std::path::PathBuf;

use clap::Args;
use zkagg_web_prover::prover::{prove_files, ProveOptions};
use zkagg_web_prover::{Backend, MsmConfig, MsmEngine};

use super::{Progress, EXIT_OK};
use crate::{keys, Error, Result};

/// Arguments of `zkagg prove`.
#[derive(Args, Debug)]
pub struct ProveArgs {
    /// Proving key: snarkjs Groth16 circuit.zkey (BN254).
    #[arg(long)]
    pub zkey: PathBuf,
    /// Witness: snarkjs/circom witness.wtns.
    #[arg(long)]
    pub wtns: PathBuf,
    /// Where to write the proof (snarkjs proof.json).
    #[arg(long)]
    pub proof: PathBuf,
    /// Where to write the public signals (snarkjs public.json).
    #[arg(long)]
    pub public: PathBuf,
    /// MSM backend: auto (GPU when it helps), cpu, gpu, or hybrid:<GPU share 0..1>.
    #[arg(long, default_value = "auto")]
    pub backend: String,
    /// Points (G1 and G2 alike) per streamed chunk of the key (memory vs. throughput).
    #[arg(long, default_value_t = 1 << 18)]
    pub chunk_points: usize,
}

/// Run `zkagg prove`.
pub fn run(args: &ProveArgs, progress: &Progress) -> Result<i32> {
    let backend: Backend = args
        .backend
        .parse()
        .map_err(|e| Error::Keys(format!("--backend: {e}")))?;
    let engine = progress.step("opening the MSM engine", || -> Result<MsmEngine> {
        Ok(match backend {
            Backend::Cpu => MsmEngine::cpu_only(),
            _ => MsmEngine::new_blocking(MsmConfig {
                backend,
                ..MsmConfig::default()
            }),
        })
    })?;
    match engine.gpu_info() {
        Some(g) => progress.note(format!("  GPU: {g}")),
        None => progress.note(format!(
            "  GPU: none ({}), MSMs on CPU threads",
            engine.gpu_unavailable_reason().unwrap_or_default()
        )),
    }
    let opts = ProveOptions {
        chunk_points: args.chunk_points.max(1),
        ..ProveOptions::default()
    };
    // Web-prover errors name the file and section; the aggregator's error type carries them as
    // text (exit code 2 like every other error).
    let out = progress.step("proving (Groth16, snarkjs key)", || {
        prove_files(&args.zkey, &args.wtns, &engine, &opts, &mut |_| {})
            .map_err(|e| Error::Keys(e.to_string()))
    })?;
    let r = &out.report;
    let phases: Vec<String> = r
        .phase_ms
        .iter()
        .map(|(p, ms)| format!("{p} {ms:.0} ms"))
        .collect();
    progress.note(format!(
        "  {} signals, {} public, domain {}: {}",
        r.n_vars,
        r.n_public,
        r.domain_size,
        phases.join(", ")
    ));
    for m in &r.msms {
        let fb = if m.fallbacks.is_empty() {
            String::new()
        } else {
            format!(" (GPU fallback: {})", m.fallbacks.join("; "))
        };
        progress.note(format!(
            "  {}: {} points on {}{fb}",
            m.phase.name(),
            m.points,
            m.backends.join("+")
        ));
    }
    if let Some(peak) = r.peak_memory_bytes {
        progress.note(format!(
            "  peak memory {:.1} MiB",
            peak as f64 / (1 << 20) as f64
        ));
    }
    keys::write(&args.proof, out.proof_json().as_bytes())?;
    keys::write(&args.public, out.public_json().as_bytes())?;
    progress.note(format!(
        "wrote {} and {} (verified against the key)",
        args.proof.display(),
        args.public.display()
    ));
    Ok(EXIT_OK)
}
