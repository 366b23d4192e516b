//! Durable checkpoints of a running aggregation.
//!
//! After every fold the whole prover state is written to `WORK/checkpoint.bin` atomically: the
//! bytes go to a temporary file, which is fsynced, renamed over the old checkpoint, and the
//! directory is fsynced, so a crash (even `kill -9` or a power cut) leaves either the old or the
//! new checkpoint, never a torn one. The file is `MAGIC || version || body || SHA3-256(body)`;
//! a checksum mismatch, a wrong magic or an undecodable body is reported as corruption, and a
//! checkpoint of other parameters, another batch key or another proof list is refused — never
//! silently restarted.

use crate::{Error, Result};
use serde::{Deserialize, Serialize};
use sha3::{Digest, Sha3_256};
use std::fs::File;
use std::io::Write;
use std::path::Path;
use zkagg_folding::ivc::IvcState;
use zkagg_folding::Fr;

const MAGIC: &[u8; 8] = b"ZKAGGCKP";
const VERSION: u32 = 1;

/// File name of the checkpoint inside the work directory.
pub const CHECKPOINT_FILE: &str = "checkpoint.bin";

/// Everything needed to resume.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct Checkpoint {
    /// The folding parameters' digest (binds the step circuit, hence the batch key, and the
    /// commitment key).
    pub params_digest: Fr,
    /// `vk_hash` of the batch key.
    pub vk_hash: [u8; 32],
    /// The accepted proofs (name, digest), in order: the aggregation's input.
    pub proofs: Vec<(String, [u8; 32])>,
    /// Index of the next step of the plan.
    pub next_step: usize,
    /// The state at the finish boundary (the finish hints are recomputed from it).
    pub finish_state: Option<Vec<Fr>>,
    /// The IVC prover's state.
    pub ivc: IvcState,
}

fn corrupt(path: &Path, what: &str) -> Error {
    Error::Checkpoint(format!(
        "{}: corrupt checkpoint ({what}); remove it to start over",
        path.display()
    ))
}

/// Writes `ck` to `dir/checkpoint.bin` atomically and durably.
pub fn save(dir: &Path, ck: &Checkpoint) -> Result<()> {
    let body = bincode::serde::encode_to_vec(ck, bincode::config::standard())
        .map_err(|e| Error::Checkpoint(format!("cannot encode the checkpoint: {e}")))?;
    let sum: [u8; 32] = Sha3_256::digest(&body).into();
    let path = dir.join(CHECKPOINT_FILE);
    let tmp = dir.join(format!("{CHECKPOINT_FILE}.tmp"));
    {
        let mut f = File::create(&tmp).map_err(|e| Error::io(&tmp, e))?;
        f.write_all(MAGIC).map_err(|e| Error::io(&tmp, e))?;
        f.write_all(&VERSION.to_le_bytes())
            .map_err(|e| Error::io(&tmp, e))?;
        f.write_all(&body).map_err(|e| Error::io(&tmp, e))?;
        f.write_all(&sum).map_err(|e| Error::io(&tmp, e))?;
        f.sync_all().map_err(|e| Error::io(&tmp, e))?;
    }
    std::fs::rename(&tmp, &path).map_err(|e| Error::io(&path, e))?;
    File::open(dir)
        .and_then(|d| d.sync_all())
        .map_err(|e| Error::io(dir, e))?;
    Ok(())
}

/// Reads `dir/checkpoint.bin`; `None` when there is none.
pub fn load(dir: &Path) -> Result<Option<Checkpoint>> {
    let path = dir.join(CHECKPOINT_FILE);
    let bytes = match std::fs::read(&path) {
        Ok(b) => b,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
        Err(e) => return Err(Error::io(&path, e)),
    };
    if bytes.len() < MAGIC.len() + 4 + 32 || &bytes[..8] != MAGIC {
        return Err(corrupt(&path, "not a zkagg checkpoint"));
    }
    let version = u32::from_le_bytes([bytes[8], bytes[9], bytes[10], bytes[11]]);
    if version != VERSION {
        return Err(Error::Checkpoint(format!(
            "{}: checkpoint version {version}, this zkagg writes version {VERSION}",
            path.display()
        )));
    }
    let (body, sum) = bytes[12..].split_at(bytes.len() - 12 - 32);
    let want: [u8; 32] = Sha3_256::digest(body).into();
    if want.as_slice() != sum {
        return Err(corrupt(&path, "checksum mismatch"));
    }
    let (ck, used): (Checkpoint, usize) =
        bincode::serde::decode_from_slice(body, bincode::config::standard())
            .map_err(|e| corrupt(&path, &format!("undecodable: {e}")))?;
    if used != body.len() {
        return Err(corrupt(&path, "trailing bytes"));
    }
    Ok(Some(ck))
}
