//! The sequencer: holds the rollup's account tree, cuts batches in order and makes one job per
//! batch (its witness as a content-addressed artifact, its expected public inputs).
//!
//! The tree is never stored whole: it is the genesis (drawn from a seed kept in the store's
//! `meta`) with every stored batch's transfers applied in order, replayed on start and checked
//! against each batch's stored `new_root`. A batch's row, its job and its witness artifact are
//! written before the in-memory tree moves on, so a crash at any point loses no batch.

use std::path::{Path, PathBuf};

use ark_serialize::CanonicalSerialize;
use rand::rngs::OsRng;
use rand::SeedableRng;
use rand_chacha::ChaCha20Rng;
use sha2::{Digest, Sha256};
use zkagg_core::batch::{
    random_batch, random_genesis_and_batch, Account, AccountTree, BatchParams, Transfer,
};
use zkagg_core::formats::snarkjs;

use crate::jobs::{Rejection, RejectionCode};
use crate::store::{NewBatch, Store};
use crate::{now_ms, Error, Result};

/// `meta` key of the genesis seed.
const GENESIS_SEED: &str = "genesis_seed";

/// The sequencer's in-memory state.
pub struct Sequencer {
    params: BatchParams,
    tree: AccountTree,
    /// Transfers taken and not yet in a batch, and the tree with them applied (what a new
    /// transfer is checked against).
    pending: Vec<Transfer>,
    pending_tree: AccountTree,
    genesis_root: String,
    next_index: u64,
    artifacts: PathBuf,
}

/// Hex SHA-256.
pub fn sha256_hex(bytes: &[u8]) -> String {
    Sha256::digest(bytes)
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

/// Writes `bytes` to `path` durably: a temporary file beside it, fsync, rename.
pub fn write_file_durably(path: &Path, bytes: &[u8]) -> Result<()> {
    use std::io::Write;
    let mut tmp = path.as_os_str().to_owned();
    tmp.push(".tmp");
    let tmp = PathBuf::from(tmp);
    let mut f = std::fs::File::create(&tmp).map_err(|e| Error::io(&tmp, e))?;
    f.write_all(bytes).map_err(|e| Error::io(&tmp, e))?;
    f.sync_all().map_err(|e| Error::io(&tmp, e))?;
    std::fs::rename(&tmp, path).map_err(|e| Error::io(path, e))
}

/// Writes `bytes` to `dir/<sha256>` unless it is there (see [`write_file_durably`]).
pub fn write_artifact(dir: &Path, bytes: &[u8]) -> Result<String> {
    let sha = sha256_hex(bytes);
    let path = dir.join(&sha);
    if !path.exists() {
        write_file_durably(&path, bytes)?;
    }
    Ok(sha)
}

impl Sequencer {
    /// Rebuilds the tree from the store (a fresh genesis on first start, from `seed` when given,
    /// else from the OS RNG).
    pub async fn open(
        store: &Store,
        params: BatchParams,
        artifacts: PathBuf,
        seed: Option<u64>,
    ) -> Result<Self> {
        let seed = seed.unwrap_or_else(rand::random::<u64>);
        let seed: u64 = store
            .meta_init(GENESIS_SEED, &seed.to_string())
            .await?
            .parse()
            .map_err(|_| Error::Store("meta genesis_seed is not a u64".into()))?;
        let (mut tree, _) =
            random_genesis_and_batch(&params, &mut ChaCha20Rng::seed_from_u64(seed))
                .map_err(|e| Error::Sequencer(format!("genesis: {e}")))?;
        let genesis_root = snarkjs::to_decimal(&tree.root());
        let batches = store.batches().await?;
        for (i, b) in batches.iter().enumerate() {
            if b.batch_index != i as u64 {
                return Err(Error::Store(format!(
                    "batch {} is missing (found {})",
                    i, b.batch_index
                )));
            }
            let transfers: Vec<Transfer> = serde_json::from_str(&b.transfers)
                .map_err(|e| Error::Store(format!("batch {i}: transfers: {e}")))?;
            let (statement, _) = tree
                .apply_batch(&params, &transfers)
                .map_err(|e| Error::Store(format!("batch {i} does not replay: {e}")))?;
            if snarkjs::to_decimal(&statement.new_root) != b.public_inputs[1] {
                return Err(Error::Store(format!(
                    "batch {i} replays to another new_root than stored"
                )));
            }
        }
        let mut pending = Vec::new();
        let mut pending_tree = tree.clone();
        for (i, text) in store.pending_transfers().await?.iter().enumerate() {
            let transfer: Transfer = serde_json::from_str(text)
                .map_err(|e| Error::Store(format!("pending transfer {i}: {e}")))?;
            pending_tree
                .apply_one(i, &transfer)
                .map_err(|e| Error::Store(format!("pending transfers do not replay: {e}")))?;
            pending.push(transfer);
        }
        std::fs::create_dir_all(&artifacts).map_err(|e| Error::io(&artifacts, e))?;
        Ok(Self {
            params,
            tree,
            pending,
            pending_tree,
            genesis_root,
            next_index: batches.len() as u64,
            artifacts,
        })
    }

    /// The state root before the first batch (decimal): the rollup contract's genesis root.
    pub fn genesis_root(&self) -> &str {
        &self.genesis_root
    }

    /// Number of batches cut so far.
    pub fn batches(&self) -> u64 {
        self.next_index
    }

    /// An account as the pending transfers leave it (what the next transfer from it must
    /// match: its nonce, its balance).
    pub fn account(&self, index: u64) -> Result<Account> {
        self.pending_tree
            .account(index)
            .map_err(|e| Error::Rejected(Rejection::new(RejectionCode::NotFound, e.to_string())))
    }

    /// Number of transfers waiting for a batch.
    pub fn pending(&self) -> usize {
        self.pending.len()
    }

    /// Takes one transfer: checked against the pending state (slots in range, the sender's
    /// nonce, its balance, no overflow; `invalid_transfer` names what is wrong), stored, and
    /// once a batch's worth is pending, cut into a batch with its job. Returns the number of
    /// transfers now pending and the new job, if one was cut.
    pub async fn submit_transfer(
        &mut self,
        store: &Store,
        transfer: Transfer,
    ) -> Result<(usize, Option<String>)> {
        let mut next = self.pending_tree.clone();
        next.apply_one(self.pending.len(), &transfer).map_err(|e| {
            Error::Rejected(Rejection::new(
                RejectionCode::InvalidTransfer,
                e.to_string(),
            ))
        })?;
        let text = serde_json::to_string(&transfer)
            .map_err(|e| Error::Sequencer(format!("transfer encoding: {e}")))?;
        store.add_pending_transfer(&text, now_ms()).await?;
        self.pending.push(transfer);
        self.pending_tree = next;
        if self.pending.len() < self.params.transfers {
            return Ok((self.pending.len(), None));
        }
        let transfers = std::mem::take(&mut self.pending);
        match self.cut(store, &transfers, true).await {
            Ok(job) => Ok((0, Some(job))),
            Err(e) => {
                self.pending = transfers;
                Err(e)
            }
        }
    }

    /// Cuts `count` batches of random valid transfers (the demo generator) and queues a job for
    /// each. Returns the new jobs' ids. Refused while transfers are pending (a random batch
    /// could spend what they spend).
    pub async fn generate(&mut self, store: &Store, count: u64) -> Result<Vec<String>> {
        if !self.pending.is_empty() {
            return Err(Error::Rejected(Rejection::new(
                RejectionCode::WrongState,
                format!(
                    "{} transfers are pending a batch; the generator cuts random batches only \
                     when none is",
                    self.pending.len()
                ),
            )));
        }
        let mut rng =
            ChaCha20Rng::from_rng(OsRng).map_err(|e| Error::Sequencer(format!("OS RNG: {e}")))?;
        let mut ids = Vec::new();
        for _ in 0..count {
            let transfers = random_batch(&self.tree, &self.params, &mut rng)
                .map_err(|e| Error::Sequencer(e.to_string()))?;
            ids.push(self.cut(store, &transfers, false).await?);
        }
        Ok(ids)
    }

    /// Applies a batch, writes its witness artifact, stores the batch and its job (deleting the
    /// pending transfers with `takes_pending`), and only then moves the tree on.
    async fn cut(
        &mut self,
        store: &Store,
        transfers: &[Transfer],
        takes_pending: bool,
    ) -> Result<String> {
        let mut next = self.tree.clone();
        let (statement, witness) = next
            .apply_batch(&self.params, transfers)
            .map_err(|e| Error::Sequencer(e.to_string()))?;
        let mut bytes = Vec::new();
        witness
            .serialize_compressed(&mut bytes)
            .map_err(|e| Error::Sequencer(format!("witness encoding: {e}")))?;
        let sha = write_artifact(&self.artifacts, &bytes)?;
        let inputs = statement.public_inputs();
        let batch = NewBatch {
            batch_index: self.next_index,
            public_inputs: [
                snarkjs::to_decimal(&inputs[0]),
                snarkjs::to_decimal(&inputs[1]),
                snarkjs::to_decimal(&inputs[2]),
            ],
            transfers: serde_json::to_string(transfers)
                .map_err(|e| Error::Sequencer(format!("transfers encoding: {e}")))?,
            witness_sha256: sha,
            witness_size: bytes.len() as u64,
        };
        let id = store.insert_batch(&batch, takes_pending, now_ms()).await?;
        self.tree = next;
        self.pending_tree = self.tree.clone();
        self.next_index += 1;
        Ok(id)
    }
}
