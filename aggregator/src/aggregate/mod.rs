//! # The aggregation process: intake, folding with checkpoints, verification
//!
//! [`run`] takes a key directory and a directory of batch proofs, verifies every proof natively
//! ([`intake`]), and folds the accepted ones through `circuit-verifier`'s `AggregationStep` with
//! the Nova + CycleFold engine of `zkagg-folding`, writing a durable [`checkpoint`] after every
//! fold. Started again on the same work directory it resumes where it stopped (after `kill -9`
//! too) and loses no accepted proof. At the end the native IVC verifier checks the result and the
//! folded state is written to `WORK/aggregate.bin` with a summary in `WORK/aggregate.json`.
//!
//! With a decider directory ([`AggregateOptions::decider`]) the primary commitment key is the
//! decider setup's committed bases (made once and cached there, see `zkagg_decider::compress`)
//! and the folded state is then compressed into ONE Groth16 aggregate proof,
//! `WORK/aggregate_proof.json`, with its verifying key `WORK/aggregate_vk.json`.

pub mod checkpoint;
pub mod intake;

use crate::{keys, Error, Result};
use checkpoint::Checkpoint;
use intake::{AcceptedProof, RejectedProof};
use serde_json::json;
use std::io::IsTerminal;
use std::path::{Path, PathBuf};
use std::time::Instant;
use zkagg_circuit_verifier::steps::driver::{Action, Aggregator};
use zkagg_circuit_verifier::steps::{AggregationStep, StepConfig, StepWitness};
use zkagg_core::aggregate::encoding::{proof_to_json, verifying_key_to_json};
use zkagg_core::aggregate::AggregateStatement;
use zkagg_core::formats::snarkjs;
use zkagg_decider::aggregation::AggregationStatement;
use zkagg_decider::compress::{compress, load_or_setup};
use zkagg_folding::commitment::kzg::{write_insecure_ptau, KzgKey};
use zkagg_folding::frontends::aggregation::{final_check, AggregationFold};
use zkagg_folding::ivc::{verify, IvcProver, IvcState, KeySource, PublicParams};

/// What to aggregate and where.
#[derive(Clone, Debug)]
pub struct AggregateOptions {
    /// Key directory (`zkagg setup`).
    pub keys: PathBuf,
    /// Directory of batch proofs, one sub-directory each.
    pub proofs: PathBuf,
    /// Work directory (checkpoint, outputs).
    pub work: PathBuf,
    /// Directory of `.ptau` files for the primary commitment key (used without `decider`).
    pub ptau: PathBuf,
    /// The decider's setup directory: the folding key comes from it, and the folded state can
    /// be compressed into one Groth16 proof. `None`: fold with a `.ptau` key, no compression.
    pub decider: Option<PathBuf>,
    /// With `decider`: compress the folded state at the end.
    pub compress: bool,
    /// Make an INSECURE local key when none is there (a `.ptau`, or the decider setup): tests
    /// and demos only.
    pub insecure_setup: bool,
    /// Require each batch to start from the previous one's `new_root`.
    pub rollup: bool,
    /// Print progress on stderr.
    pub progress: bool,
}

/// The outcome of a completed aggregation.
#[derive(Debug)]
pub struct Summary {
    /// Names of the folded proofs, in order.
    pub accepted: Vec<String>,
    /// Refused candidates.
    pub rejected: Vec<RejectedProof>,
    /// Steps of the IVC.
    pub steps: usize,
    /// Steps proven in this run (the rest came from a checkpoint).
    pub steps_this_run: usize,
    /// Wall time of the folding in this run, seconds.
    pub fold_seconds: f64,
    /// The result file.
    pub aggregate_file: PathBuf,
    /// The compressed proof, when one was made.
    pub aggregate_proof: Option<PathBuf>,
    /// Wall time of the decider's proof (witness, Groth16, check), seconds.
    pub compress_seconds: Option<f64>,
}

/// The compressed proof in `WORK` (zkagg_core's aggregate JSON).
pub const AGGREGATE_PROOF_FILE: &str = "aggregate_proof.json";
/// Its verifying key in `WORK`.
pub const AGGREGATE_VK_FILE: &str = "aggregate_vk.json";

/// Peak resident memory of this process (Linux `VmHWM`), in MiB.
pub fn peak_rss_mib() -> Option<f64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = status.lines().find(|l| l.starts_with("VmHWM:"))?;
    let kib: f64 = line.split_whitespace().nth(1)?.parse().ok()?;
    Some(kib / 1024.0)
}

/// Loads (or, with `insecure`, first writes) a key of at least `n` powers from `dir`.
fn primary_key(
    dir: &Path,
    n: usize,
    insecure: bool,
    progress: bool,
) -> zkagg_folding::Result<KzgKey> {
    match KzgKey::from_ptau_dir(dir, n) {
        Ok(k) => Ok(k),
        Err(e) if insecure => {
            let power = n.next_power_of_two().trailing_zeros();
            if progress {
                eprintln!(
                    "  no .ptau of power >= {power} in {} ({e}); writing an INSECURE local one \
                     (tests and demos only)",
                    dir.display()
                );
            }
            let seed = rand::random::<u64>();
            write_insecure_ptau(dir, power, seed)?;
            KzgKey::from_ptau_dir(dir, n)
        }
        Err(e) => Err(e),
    }
}

fn fmt_secs(s: f64) -> String {
    if s >= 60.0 {
        format!("{}m{:02}s", (s / 60.0) as u64, (s % 60.0) as u64)
    } else {
        format!("{s:.0}s")
    }
}

fn witness_for(
    agg: &Aggregator,
    action: &Action,
    proofs: &[AcceptedProof],
    z: &[zkagg_folding::Fr],
    finish_state: &mut Option<Vec<zkagg_folding::Fr>>,
) -> Result<StepWitness> {
    Ok(match action {
        Action::Run => StepWitness::default(),
        Action::Absorb(j) => StepWitness {
            absorb: Some((proofs[*j].proof.clone(), proofs[*j].inputs.clone())),
            finish: None,
        },
        Action::Finish => {
            *finish_state = Some(z.to_vec());
            StepWitness {
                absorb: None,
                finish: Some(agg.finish_hints(z)?),
            }
        }
        Action::Load => {
            let fz = finish_state.as_ref().ok_or_else(|| {
                Error::Checkpoint("a finish step without the finish state".into())
            })?;
            StepWitness {
                absorb: None,
                finish: Some(agg.finish_hints(fz)?),
            }
        }
    })
}

/// Waits for a checkpoint writer and returns its result.
fn join_writer(handle: std::thread::JoinHandle<Result<()>>) -> Result<()> {
    handle
        .join()
        .map_err(|_| Error::Checkpoint("the checkpoint writer panicked".into()))?
}

/// Runs (or resumes) an aggregation.
pub fn run(opts: &AggregateOptions) -> Result<Summary> {
    let say = |m: String| {
        if opts.progress {
            eprintln!("{m}");
        }
    };
    let keys = keys::load(&opts.keys)?;
    let vk = keys.verifying_key;
    let vk_hash = zkagg_core::vk_hash::vk_hash(&vk);
    let (accepted, rejected) = intake::collect(&opts.proofs, &vk, opts.rollup)?;
    for r in &rejected {
        eprintln!("rejected {}: {}", r.path.display(), r.reason);
    }
    if accepted.is_empty() {
        return Err(Error::Checkpoint(format!(
            "no valid batch proof in {}",
            opts.proofs.display()
        )));
    }
    say(format!(
        "{} proofs accepted, {} rejected",
        accepted.len(),
        rejected.len()
    ));
    std::fs::create_dir_all(&opts.work).map_err(|e| Error::io(&opts.work, e))?;
    let agg = Aggregator::new(&vk, StepConfig::DEFAULT)?;
    let proof_ids: Vec<(String, [u8; 32])> = accepted
        .iter()
        .map(|p| (p.name.clone(), p.digest))
        .collect();
    // Refuse a foreign or inconsistent checkpoint before the (slow) parameter setup.
    let saved = checkpoint::load(&opts.work)?;
    if let Some(ck) = &saved {
        if ck.vk_hash != vk_hash {
            return Err(Error::Checkpoint(format!(
                "{}: the checkpoint belongs to another batch key; use another --work directory",
                opts.work.display()
            )));
        }
        if ck.proofs != proof_ids {
            return Err(Error::Checkpoint(format!(
                "{}: the checkpoint aggregates another list of proofs ({} then, {} now); use \
                 another --work directory",
                opts.work.display(),
                ck.proofs.len(),
                proof_ids.len()
            )));
        }
        let steps = agg.num_steps(proof_ids.len());
        if ck.next_step > steps || ck.ivc.i as usize != ck.next_step {
            return Err(Error::Checkpoint(format!(
                "{}: the checkpoint's step counters are inconsistent",
                opts.work.display()
            )));
        }
    }
    let z0 = agg.initial_state()?;
    let t_setup = Instant::now();
    let template = AggregationStep {
        key: agg.key.clone(),
        witness: StepWitness::default(),
    };
    let fold_step = AggregationFold(&template);
    let statement = AggregationStatement(&agg);
    let mut decider_report = serde_json::Value::Null;
    let (pp, decider_setup) = match &opts.decider {
        Some(dir) => {
            say(format!("decider setup in {}", dir.display()));
            let seed = opts.insecure_setup.then(rand::random::<u64>);
            let (pp, setup, report) = load_or_setup(&fold_step, &statement, dir, seed)?;
            if report.created {
                say(format!(
                    "  made an INSECURE decider setup (tests and demos only): {} constraints, \
                     R1CS recorded in {:.1} s, keys written in {:.1} s",
                    report.constraints.unwrap_or(0),
                    report.record.as_secs_f64(),
                    report.keys.as_secs_f64()
                ));
            } else {
                say(format!(
                    "  loaded ({:.1} s){}",
                    report.keys.as_secs_f64(),
                    if setup.insecure {
                        ", INSECURE (seeded)"
                    } else {
                        ""
                    }
                ));
            }
            decider_report = json!({
                "dir": dir.display().to_string(),
                "created": report.created,
                "constraints": report.constraints,
                "record_seconds": report.record.as_secs_f64(),
                "keys_seconds": report.keys.as_secs_f64(),
                "insecure": setup.insecure,
            });
            (pp, Some(setup))
        }
        None => {
            let ptau = opts.ptau.clone();
            let (insecure, progress) = (opts.insecure_setup, opts.progress);
            let pp = PublicParams::setup(
                &fold_step,
                KeySource::Provider(Box::new(move |shape| {
                    primary_key(&ptau, shape.num_vars(), insecure, progress)
                })),
            )?;
            (pp, None)
        }
    };
    say(format!(
        "folding parameters: augmented circuit {} constraints ({} variables), CycleFold {} \
         constraints, set up in {:.1} s",
        pp.shape.num_cons(),
        pp.shape.num_vars(),
        pp.cf.num_cons(),
        t_setup.elapsed().as_secs_f64()
    ));
    let proof_ids: Vec<(String, [u8; 32])> = accepted
        .iter()
        .map(|p| (p.name.clone(), p.digest))
        .collect();
    let plan = agg.plan(accepted.len());
    let (mut prover, mut next_step, mut finish_state) = match saved {
        Some(ck) => {
            if ck.params_digest != pp.digest {
                return Err(Error::Checkpoint(format!(
                    "{}: the checkpoint was made with other folding parameters (step circuit or \
                     commitment key); use another --work directory",
                    opts.work.display()
                )));
            }
            say(format!(
                "resuming from {} at step {}/{}",
                opts.work.join(checkpoint::CHECKPOINT_FILE).display(),
                ck.next_step,
                plan.len()
            ));
            (
                IvcProver::resume(&pp, ck.ivc)?,
                ck.next_step,
                ck.finish_state,
            )
        }
        None => (IvcProver::new(&pp, z0.clone())?, 0, None),
    };

    let start = next_step;
    let t0 = Instant::now();
    let tty = std::io::stderr().is_terminal();
    let mut writer: Option<std::thread::JoinHandle<Result<()>>> = None;
    while next_step < plan.len() {
        let z = prover.state().z.clone();
        let witness = witness_for(&agg, &plan[next_step], &accepted, &z, &mut finish_state)?;
        let step = AggregationStep {
            key: agg.key.clone(),
            witness,
        };
        prover.prove_step(&AggregationFold(&step))?;
        next_step += 1;
        // The checkpoint of this fold is encoded, written and fsynced on a writer thread while
        // the next fold runs; it is joined before the next one is written (and before the end),
        // so at most one write is in flight and a crash loses at most the fold in progress.
        let ck = Checkpoint {
            params_digest: pp.digest,
            vk_hash,
            proofs: proof_ids.clone(),
            next_step,
            finish_state: finish_state.clone(),
            ivc: prover.state().clone(),
        };
        if let Some(previous) = writer.take() {
            join_writer(previous)?;
        }
        let work = opts.work.clone();
        writer = Some(std::thread::spawn(move || checkpoint::save(&work, &ck)));
        if opts.progress {
            let done = next_step - start;
            let per = t0.elapsed().as_secs_f64() / done as f64;
            let absorbed = plan[..next_step]
                .iter()
                .filter(|a| matches!(a, Action::Absorb(_)))
                .count();
            let line = format!(
                "[{}{}] step {next_step}/{} | proofs {absorbed}/{} | {per:.2} s/step | ETA {}",
                "#".repeat(next_step * 30 / plan.len()),
                ".".repeat(30 - next_step * 30 / plan.len()),
                plan.len(),
                accepted.len(),
                fmt_secs(per * (plan.len() - next_step) as f64)
            );
            if tty {
                eprint!("\r{line}");
            } else if next_step % 10 == 0 || next_step == plan.len() {
                eprintln!("{line}");
            }
        }
    }
    if let Some(last) = writer.take() {
        join_writer(last)?;
    }
    if tty && opts.progress {
        eprintln!();
    }
    let fold_seconds = t0.elapsed().as_secs_f64();
    let proof = prover.proof();
    let t_verify = Instant::now();
    let batch_list: Vec<(zkagg_core::Proof, Vec<ark_bn254::Fr>)> = accepted
        .iter()
        .map(|p| (p.proof.clone(), p.inputs.clone()))
        .collect();
    let expected = agg.expected_statement(&batch_list)?;
    verify(&pp, &z0, &proof, &|z| {
        final_check(&agg, z)?;
        let got = agg
            .statement(z)
            .map_err(|e| zkagg_folding::Error::Verify(e.to_string()))?;
        if got != expected {
            return Err(zkagg_folding::Error::Verify(
                "the aggregate's statement (count, statement root, roots) is not the accepted \
                 proofs'"
                    .into(),
            ));
        }
        Ok(())
    })?;
    say(format!(
        "native IVC verifier accepts ({:.1} s)",
        t_verify.elapsed().as_secs_f64()
    ));
    let aggregate_file = opts.work.join("aggregate.bin");
    write_aggregate(&aggregate_file, &pp, vk_hash, &proof_ids, &proof)?;
    write_inclusion_proofs(&opts.work, &vk, &accepted, &expected.statements_root)?;
    let (mut aggregate_proof, mut compress_seconds) = (None, None);
    let mut compress_report = serde_json::Value::Null;
    if let (Some(setup), true) = (&decider_setup, opts.compress) {
        say("compressing into one Groth16 proof (the decider)".into());
        let t = Instant::now();
        let (agg_proof, agg_vk, times) = compress(&pp, setup, &proof, &statement)?;
        let seconds = t.elapsed().as_secs_f64();
        let want = AggregateStatement {
            count: expected.count,
            statements_root: expected.statements_root,
            old_root: expected.roots.map(|r| r.old_root).unwrap_or_default(),
            new_root: expected.roots.map(|r| r.new_root).unwrap_or_default(),
        };
        if agg_proof.statement != want {
            return Err(Error::Checkpoint(
                "the compressed proof's statement is not the accepted proofs'".into(),
            ));
        }
        say(format!(
            "  decider proof in {seconds:.1} s (witness {:.1} s, Groth16 {:.1} s); verified \
             natively in {:.1} ms",
            times.witness.as_secs_f64(),
            times.prove.as_secs_f64(),
            times.verify.as_secs_f64() * 1e3
        ));
        let proof_path = opts.work.join(AGGREGATE_PROOF_FILE);
        keys::write(&proof_path, proof_to_json(&agg_proof).as_bytes())?;
        keys::write(
            &opts.work.join(AGGREGATE_VK_FILE),
            verifying_key_to_json(&agg_vk).as_bytes(),
        )?;
        compress_report = json!({
            "seconds": seconds,
            "prepare_seconds": times.prepare.as_secs_f64(),
            "witness_seconds": times.witness.as_secs_f64(),
            "prove_seconds": times.prove.as_secs_f64(),
            "verify_ms": times.verify.as_secs_f64() * 1e3,
            "proof": proof_path.display().to_string(),
        });
        aggregate_proof = Some(proof_path);
        compress_seconds = Some(seconds);
    }
    let summary = json!({
        "proofs": accepted.iter().map(|p| p.name.clone()).collect::<Vec<_>>(),
        "rejected": rejected.iter().map(|r| json!({"path": r.path.display().to_string(), "reason": r.reason})).collect::<Vec<_>>(),
        "steps": plan.len(),
        "steps_this_run": plan.len() - start,
        "fold_seconds_this_run": fold_seconds,
        "seconds_per_step": if plan.len() > start { fold_seconds / (plan.len() - start) as f64 } else { 0.0 },
        "augmented_constraints": pp.shape.num_cons(),
        "cyclefold_constraints": pp.cf.num_cons(),
        "peak_rss_mib": peak_rss_mib(),
        "decider_setup": decider_report,
        "compress": compress_report,
        "vk_hash": zkagg_core::vk_hash::vk_hash_hex(&vk),
        "statement": {
            "count": expected.count,
            "statements_root": snarkjs::to_decimal(&expected.statements_root),
            "first_old_root": expected.roots.map(|r| snarkjs::to_decimal(&r.old_root)),
            "last_new_root": expected.roots.map(|r| snarkjs::to_decimal(&r.new_root)),
        },
    });
    keys::write(
        &opts.work.join("aggregate.json"),
        serde_json::to_string_pretty(&summary)
            .map_err(|e| Error::Checkpoint(format!("cannot encode the summary: {e}")))?
            .as_bytes(),
    )?;
    Ok(Summary {
        accepted: accepted.iter().map(|p| p.name.clone()).collect(),
        rejected,
        steps: plan.len(),
        steps_this_run: plan.len() - start,
        fold_seconds,
        aggregate_file,
        aggregate_proof,
        compress_seconds,
    })
}

/// Directory in `WORK` of the inclusion proofs: `NAME.json` for each folded proof.
pub const INCLUSION_DIR: &str = "inclusion";

/// Writes `WORK/inclusion/NAME.json` for every folded proof: its slot in the statement tree and
/// the siblings that lead to the aggregate's `statements_root` (what a dapp needs to check that
/// a batch is covered). The tree is rebuilt from the accepted proofs' public inputs and must
/// have the folded statement's root.
fn write_inclusion_proofs(
    work: &Path,
    vk: &zkagg_core::VerifyingKey,
    accepted: &[AcceptedProof],
    root: &ark_bn254::Fr,
) -> Result<()> {
    use zkagg_core::statements::{StatementTree, STATEMENT_TREE_DEPTH};
    let inputs: Vec<Vec<ark_bn254::Fr>> = accepted.iter().map(|p| p.inputs.clone()).collect();
    let tree = StatementTree::from_statements(
        STATEMENT_TREE_DEPTH,
        zkagg_core::vk_hash::vk_hash_field(vk),
        &inputs,
    )
    .map_err(|e| Error::Checkpoint(format!("statement tree: {e}")))?;
    if tree.root() != *root {
        return Err(Error::Checkpoint(
            "the statement tree of the accepted proofs does not have the aggregate's root".into(),
        ));
    }
    let dir = work.join(INCLUSION_DIR);
    std::fs::create_dir_all(&dir).map_err(|e| Error::io(&dir, e))?;
    for (i, p) in accepted.iter().enumerate() {
        let proof = tree
            .prove(i as u64)
            .map_err(|e| Error::Checkpoint(format!("statement tree: {e}")))?;
        keys::write(
            &dir.join(format!("{}.json", p.name)),
            proof.to_json().as_bytes(),
        )?;
    }
    Ok(())
}

/// The folded result: what the decider (and `zkagg verify`) will read.
#[derive(serde::Serialize, serde::Deserialize)]
pub struct AggregateFile {
    /// The folding parameters' digest.
    pub params_digest: zkagg_folding::Fr,
    /// `vk_hash` of the batch key.
    pub vk_hash: [u8; 32],
    /// The folded proofs (name, digest), in order.
    pub proofs: Vec<(String, [u8; 32])>,
    /// The IVC proof (the prover's final state).
    pub ivc: IvcState,
}

fn write_aggregate(
    path: &Path,
    pp: &PublicParams,
    vk_hash: [u8; 32],
    proofs: &[(String, [u8; 32])],
    ivc: &IvcState,
) -> Result<()> {
    let file = AggregateFile {
        params_digest: pp.digest,
        vk_hash,
        proofs: proofs.to_vec(),
        ivc: ivc.clone(),
    };
    let bytes = bincode::serde::encode_to_vec(&file, bincode::config::standard())
        .map_err(|e| Error::Checkpoint(format!("cannot encode the aggregate: {e}")))?;
    keys::write(path, &bytes)
}
