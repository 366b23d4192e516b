//! The rollup state directory of `zkagg prove-batch --state DIR`: the account tree a chain of
//! batches has reached, so that the next batch starts where the previous one ended (its
//! `old_root` is the previous batch's `new_root`).
//!
//! `DIR/state.json` (written atomically: temporary file, fsync, rename):
//!
//! ```json
//! { "format": "zkagg-rollup-state/1", "depth": 8, "batches": 2,
//!   "root": "<decimal>", "accounts": [{"index": 3, "owner": "<decimal>", "balance": 100, "nonce": 2}] }
//! ```
//!
//! `accounts` lists every non-empty slot (by index); `root` is the tree's root, recomputed on load
//! and compared, so an edited or corrupt file is refused with a message naming the field rather
//! than silently producing batches from another state. A missing `state.json` means a new chain
//! (a random genesis).

use std::fs;
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};
use zkagg_core::batch::{Account, AccountTree};
use zkagg_core::formats::snarkjs;

use crate::{keys, Error, Result};

/// The state file's name inside the directory.
pub const STATE_FILE: &str = "state.json";
/// The format tag of [`STATE_FILE`].
pub const STATE_FORMAT: &str = "zkagg-rollup-state/1";

/// The state a chain of batches has reached.
#[derive(Clone, Debug)]
pub struct RollupState {
    /// The account tree after the last batch.
    pub tree: AccountTree,
    /// Number of batches applied since the genesis.
    pub batches: u64,
}

#[derive(Serialize, Deserialize)]
struct StateFile {
    format: String,
    depth: usize,
    batches: u64,
    root: String,
    accounts: Vec<AccountEntry>,
}

#[derive(Serialize, Deserialize)]
struct AccountEntry {
    index: u64,
    owner: String,
    balance: u64,
    nonce: u64,
}

impl RollupState {
    /// The path of the state file in `dir`.
    pub fn path(dir: &Path) -> PathBuf {
        dir.join(STATE_FILE)
    }

    /// Reads `dir/state.json`; `None` if the directory or the file does not exist (a new chain).
    pub fn load(dir: &Path) -> Result<Option<Self>> {
        let path = Self::path(dir);
        let bytes = match fs::read(&path) {
            Ok(b) => b,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
            Err(e) => return Err(Error::io(&path, e)),
        };
        Self::from_json(&bytes)
            .map(Some)
            .map_err(|e| Error::malformed(&path, e))
    }

    /// Parses a state file's content, checking the format, every account and the root.
    pub fn from_json(bytes: &[u8]) -> zkagg_core::Result<Self> {
        let file: StateFile =
            serde_json::from_slice(bytes).map_err(|e| zkagg_core::Error::Json(e.to_string()))?;
        if file.format != STATE_FORMAT {
            return Err(zkagg_core::Error::shape(
                "format",
                format!("expected \"{STATE_FORMAT}\", got \"{}\"", file.format),
            ));
        }
        let mut tree = AccountTree::new(file.depth)
            .map_err(|e| zkagg_core::Error::shape("depth", e.to_string()))?;
        for (i, a) in file.accounts.iter().enumerate() {
            let field = format!("accounts[{i}]");
            let owner = snarkjs::parse_decimal(&a.owner, &format!("{field}.owner"))?;
            let account = Account {
                owner,
                balance: a.balance,
                nonce: a.nonce,
            };
            tree.set_account(a.index, account)
                .map_err(|e| zkagg_core::Error::shape(format!("{field}.index"), e.to_string()))?;
        }
        let root: zkagg_core::Fr = snarkjs::parse_decimal(&file.root, "root")?;
        if root != tree.root() {
            return Err(zkagg_core::Error::shape(
                "root",
                "does not match the accounts (the file was edited or is corrupt)",
            ));
        }
        Ok(Self {
            tree,
            batches: file.batches,
        })
    }

    /// The state file's content.
    pub fn to_json(&self) -> Result<Vec<u8>> {
        let mut accounts: Vec<AccountEntry> = self
            .tree
            .accounts()
            .map(|(index, a)| AccountEntry {
                index,
                owner: snarkjs::to_decimal(&a.owner),
                balance: a.balance,
                nonce: a.nonce,
            })
            .collect();
        accounts.sort_by_key(|a| a.index);
        let file = StateFile {
            format: STATE_FORMAT.into(),
            depth: self.tree.depth(),
            batches: self.batches,
            root: snarkjs::to_decimal(&self.tree.root()),
            accounts,
        };
        serde_json::to_vec_pretty(&file)
            .map_err(|e| Error::Keys(format!("cannot encode the rollup state: {e}")))
    }

    /// Writes `dir/state.json` atomically (creating `dir` if needed).
    pub fn save(&self, dir: &Path) -> Result<()> {
        fs::create_dir_all(dir).map_err(|e| Error::io(dir, e))?;
        keys::write(&Self::path(dir), &self.to_json()?)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand::SeedableRng;
    use zkagg_core::batch::{random_genesis_and_batch, BatchParams};

    fn state() -> RollupState {
        let params = BatchParams {
            transfers: 2,
            depth: 8,
        };
        let mut rng = rand_chacha::ChaCha20Rng::seed_from_u64(3);
        let (mut tree, transfers) = random_genesis_and_batch(&params, &mut rng).unwrap();
        tree.apply_batch(&params, &transfers).unwrap();
        RollupState { tree, batches: 1 }
    }

    #[test]
    fn state_round_trips_and_tampering_is_refused() {
        let s = state();
        let json = s.to_json().unwrap();
        let back = RollupState::from_json(&json).unwrap();
        assert_eq!(back.tree.root(), s.tree.root());
        assert_eq!(back.batches, 1);
        let text = String::from_utf8(json).unwrap();
        // A changed balance no longer matches the root.
        let mut v: serde_json::Value = serde_json::from_str(&text).unwrap();
        let b = v["accounts"][0]["balance"].as_u64().unwrap();
        v["accounts"][0]["balance"] = (b + 1).into();
        let err = RollupState::from_json(v.to_string().as_bytes()).unwrap_err();
        assert!(err.to_string().contains("root"), "{err}");
        // Other format, bad depth, bad owner, index outside the tree, not JSON.
        for (ptr, value) in [
            ("/format", serde_json::json!("other")),
            ("/depth", serde_json::json!(0)),
            ("/accounts/0/owner", serde_json::json!("x")),
            ("/accounts/0/index", serde_json::json!(1u64 << 20)),
        ] {
            let mut v: serde_json::Value = serde_json::from_str(&text).unwrap();
            *v.pointer_mut(ptr).unwrap() = value;
            assert!(
                RollupState::from_json(v.to_string().as_bytes()).is_err(),
                "{ptr}"
            );
        }
        assert!(RollupState::from_json(b"{").is_err());
    }

    #[test]
    fn save_and_load() {
        let dir = tempfile::tempdir().unwrap();
        let sub = dir.path().join("state");
        assert!(RollupState::load(&sub).unwrap().is_none());
        let s = state();
        s.save(&sub).unwrap();
        let back = RollupState::load(&sub).unwrap().unwrap();
        assert_eq!(back.tree.root(), s.tree.root());
    }
}
