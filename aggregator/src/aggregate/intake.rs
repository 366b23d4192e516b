//! Proof intake: every candidate batch proof is verified natively before anything is folded.
//!
//! A proof directory holds one sub-directory per batch proof (as `zkagg prove-batch` writes
//! them): `proof.json` + `public.json` (snarkjs), or `proof.bin` + `public.bin` (arkworks
//! compressed). Sub-directories are taken in name order. A proof that is malformed, does not
//! verify under the key, or (in rollup mode) does not start from the previous accepted batch's
//! `new_root` is rejected with a one-line reason naming its files; the others go on.

use crate::{keys, Error, Result};
use sha3::{Digest, Sha3_256};
use std::path::{Path, PathBuf};
use zkagg_core::batch::BatchStatement;
use zkagg_core::formats::{binary, snarkjs};
use zkagg_core::verifier::PreparedVerifier;
use zkagg_core::{Proof, VerifyingKey};

/// A batch proof that passed every check, in rollup order.
#[derive(Clone, Debug)]
pub struct AcceptedProof {
    /// Its directory name.
    pub name: String,
    /// SHA3-256 of the proof and its public inputs as read (identifies it in checkpoints).
    pub digest: [u8; 32],
    /// The proof.
    pub proof: Proof,
    /// Its public inputs.
    pub inputs: Vec<ark_bn254::Fr>,
}

/// A refused candidate and why.
#[derive(Clone, Debug)]
pub struct RejectedProof {
    /// The directory.
    pub path: PathBuf,
    /// One line.
    pub reason: String,
}

fn load_one(dir: &Path) -> std::result::Result<(Proof, Vec<ark_bn254::Fr>, [u8; 32]), String> {
    let json = (dir.join("proof.json"), dir.join("public.json"));
    let bin = (dir.join("proof.bin"), dir.join("public.bin"));
    let read = |p: &Path| keys::read(p).map_err(|e| e.to_string());
    let (proof, inputs, bytes) = if json.0.exists() || json.1.exists() {
        let pb = read(&json.0)?;
        let ib = read(&json.1)?;
        let pt =
            std::str::from_utf8(&pb).map_err(|_| format!("{}: not UTF-8", json.0.display()))?;
        let it =
            std::str::from_utf8(&ib).map_err(|_| format!("{}: not UTF-8", json.1.display()))?;
        let proof = snarkjs::parse_proof(pt).map_err(|e| format!("{}: {e}", json.0.display()))?;
        let inputs =
            snarkjs::parse_public_inputs(it).map_err(|e| format!("{}: {e}", json.1.display()))?;
        (proof, inputs, [pb, ib])
    } else if bin.0.exists() || bin.1.exists() {
        let pb = read(&bin.0)?;
        let ib = read(&bin.1)?;
        let proof =
            binary::proof_from_bytes(&pb).map_err(|e| format!("{}: {e}", bin.0.display()))?;
        let inputs = binary::public_inputs_from_bytes(&ib)
            .map_err(|e| format!("{}: {e}", bin.1.display()))?;
        (proof, inputs, [pb, ib])
    } else {
        return Err(format!(
            "{}: neither proof.json + public.json nor proof.bin + public.bin",
            dir.display()
        ));
    };
    let mut h = Sha3_256::new();
    for b in &bytes {
        h.update((b.len() as u64).to_le_bytes());
        h.update(b);
    }
    Ok((proof, inputs, h.finalize().into()))
}

/// Reads, verifies and (in rollup mode) chains every proof under `dir`.
pub fn collect(
    dir: &Path,
    vk: &VerifyingKey,
    rollup: bool,
) -> Result<(Vec<AcceptedProof>, Vec<RejectedProof>)> {
    let mut subdirs: Vec<(String, PathBuf)> = std::fs::read_dir(dir)
        .map_err(|e| Error::io(dir, e))?
        .filter_map(|e| e.ok())
        .filter(|e| e.path().is_dir())
        .map(|e| (e.file_name().to_string_lossy().into_owned(), e.path()))
        .collect();
    subdirs.sort();
    let verifier = PreparedVerifier::new(vk)?;
    let mut accepted: Vec<AcceptedProof> = Vec::new();
    let mut rejected = Vec::new();
    let mut last_root: Option<ark_bn254::Fr> = None;
    for (name, path) in subdirs {
        let verdict = (|| -> std::result::Result<AcceptedProof, String> {
            let (proof, inputs, digest) = load_one(&path)?;
            match verifier.verify(&proof, &inputs) {
                Ok(true) => {}
                Ok(false) => return Err("the proof does not verify under the batch key".into()),
                Err(e) => return Err(format!("cannot verify: {e}")),
            }
            if rollup {
                let st = BatchStatement::from_public_inputs(&inputs)
                    .map_err(|e| format!("not a batch statement: {e}"))?;
                if let Some(prev) = last_root {
                    if st.old_root != prev {
                        return Err(format!(
                            "old_root {} is not the previous batch's new_root {}",
                            snarkjs::to_decimal(&st.old_root),
                            snarkjs::to_decimal(&prev)
                        ));
                    }
                }
            }
            Ok(AcceptedProof {
                name: name.clone(),
                digest,
                proof,
                inputs,
            })
        })();
        match verdict {
            Ok(p) => {
                if rollup {
                    if let Ok(st) = BatchStatement::from_public_inputs(&p.inputs) {
                        last_root = Some(st.new_root);
                    }
                }
                accepted.push(p);
            }
            Err(reason) => rejected.push(RejectedProof { path, reason }),
        }
    }
    Ok((accepted, rejected))
}
