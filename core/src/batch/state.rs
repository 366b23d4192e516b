//! The native account tree, batch application and the prover's witness.
//!
//! [`AccountTree`] is a sparse Poseidon Merkle tree: only nodes on paths to written slots are
//! stored; every other node is the precomputed root of an empty subtree of its height. Memory is
//! `O(written slots * D)` and every operation `O(D)` hashes, so depths up to 32 are practical.

use std::collections::HashMap;

use ark_ff::{AdditiveGroup, UniformRand};
use ark_serialize::{CanonicalDeserialize, CanonicalSerialize};
use rand::Rng;

use super::{tx_commitment, BatchParams, BatchStatement, Transfer};
use crate::poseidon::{hash, Domain};
use crate::{Error, Fr, Result};

/// An account: the content of one slot of the tree.
///
/// The all-zero account is the content of an empty slot.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, CanonicalSerialize, CanonicalDeserialize)]
pub struct Account {
    /// The owner's public-key-like identifier (not interpreted yet: signatures are out of scope).
    pub owner: Fr,
    /// Balance, in the smallest unit.
    pub balance: u64,
    /// Number of transfers sent so far; a transfer must carry the current value.
    pub nonce: u64,
}

impl Account {
    /// The leaf `hash(Leaf, owner, balance + nonce * 2^64)`.
    ///
    /// `balance + nonce * 2^64 < 2^128` is an injective packing, so the leaf binds all three
    /// fields.
    pub fn leaf(&self) -> Fr {
        hash(
            Domain::Leaf,
            self.owner,
            super::pack_u64_pair(self.balance, self.nonce),
        )
    }
}

/// Recomputes a Merkle root from a leaf, its slot index and its `depth` siblings (bottom-up:
/// `siblings[0]` is the leaf's sibling).
///
/// At level `l` the running node is a right child iff bit `l` of `index` is set:
/// `parent = hash(Node, sibling, node)` if so, `hash(Node, node, sibling)` otherwise. Returns
/// `None` if `index >= 2^siblings.len()` (the index does not name a slot of such a tree).
pub fn merkle_root_from_path(leaf: Fr, index: u64, siblings: &[Fr]) -> Option<Fr> {
    if siblings.len() < 64 && index >> siblings.len() != 0 {
        return None;
    }
    let mut node = leaf;
    for (level, sibling) in siblings.iter().enumerate() {
        let bit = u32::try_from(level)
            .ok()
            .and_then(|l| index.checked_shr(l))
            .unwrap_or(0)
            & 1;
        node = if bit == 1 {
            hash(Domain::Node, *sibling, node)
        } else {
            hash(Domain::Node, node, *sibling)
        };
    }
    Some(node)
}

/// A sparse Poseidon Merkle tree of [`Account`]s with `2^depth` slots.
#[derive(Clone, Debug)]
pub struct AccountTree {
    depth: usize,
    /// `empty[l]`: root of an empty subtree of height `l` (`empty[0]` = leaf of the zero account).
    empty: Vec<Fr>,
    /// Stored nodes, keyed by `(level, index at that level)`; level 0 are leaves, level `depth`
    /// is the root. Absent nodes are `empty[level]`.
    nodes: HashMap<(usize, u64), Fr>,
    /// Stored accounts; absent slots hold the zero account.
    accounts: HashMap<u64, Account>,
}

/// One undoable write, for rolling back a refused batch.
enum Undo {
    Node((usize, u64), Option<Fr>),
    Account(u64, Option<Account>),
}

impl AccountTree {
    /// An empty tree (every slot holds the zero account) of the given depth (1 to
    /// [`BatchParams::MAX_DEPTH`]).
    pub fn new(depth: usize) -> Result<Self> {
        if depth == 0 || depth > BatchParams::MAX_DEPTH {
            return Err(Error::InvalidBatch(format!(
                "tree depth must be between 1 and {}, got {depth}",
                BatchParams::MAX_DEPTH
            )));
        }
        let mut empty = Vec::with_capacity(depth + 1);
        let mut node = Account::default().leaf();
        empty.push(node);
        for _ in 0..depth {
            node = hash(Domain::Node, node, node);
            empty.push(node);
        }
        Ok(Self {
            depth,
            empty,
            nodes: HashMap::new(),
            accounts: HashMap::new(),
        })
    }

    /// The depth `D` (the tree has `2^D` slots).
    pub fn depth(&self) -> usize {
        self.depth
    }

    /// The current root.
    pub fn root(&self) -> Fr {
        self.node(self.depth, 0)
    }

    /// The account in slot `index` (the zero account if never written).
    pub fn account(&self, index: u64) -> Result<Account> {
        self.check_index(index, "account")?;
        Ok(self.account_unchecked(index))
    }

    /// The slots holding a non-zero account, with their accounts, in no particular order.
    pub fn accounts(&self) -> impl Iterator<Item = (u64, &Account)> + '_ {
        self.accounts
            .iter()
            .filter(|(_, a)| **a != Account::default())
            .map(|(i, a)| (*i, a))
    }

    /// Writes `account` into slot `index` and updates the path to the root (genesis and tests;
    /// state transitions go through [`Self::apply_batch`]).
    pub fn set_account(&mut self, index: u64, account: Account) -> Result<()> {
        self.check_index(index, "account")?;
        self.write_account(index, account, &mut Vec::new());
        Ok(())
    }

    /// The `D` siblings of slot `index`, bottom-up (see [`merkle_root_from_path`]).
    pub fn merkle_path(&self, index: u64) -> Result<Vec<Fr>> {
        self.check_index(index, "account")?;
        Ok(self.siblings(index))
    }

    /// Applies a batch of exactly `params.transfers` transfers, in order.
    ///
    /// Each transfer is checked against the state left by the previous ones: both indices below
    /// `2^D`, `nonce` equal to the sender's nonce (and below `u64::MAX`, so that it can be
    /// bumped), `amount <= sender balance`, and `recipient balance + amount < 2^64` (the recipient
    /// is read after the sender's update). On success returns the public statement and the
    /// witness for [`super::prove`]; on failure returns [`Error::InvalidBatch`] naming the
    /// offending transfer and leaves the tree exactly as it was.
    pub fn apply_batch(
        &mut self,
        params: &BatchParams,
        transfers: &[Transfer],
    ) -> Result<(BatchStatement, BatchWitness)> {
        params.validate()?;
        if params.depth != self.depth {
            return Err(Error::InvalidBatch(format!(
                "the batch shape is for a tree of depth {}, but this tree has depth {}",
                params.depth, self.depth
            )));
        }
        if transfers.len() != params.transfers {
            return Err(Error::InvalidBatch(format!(
                "a batch must have exactly {} transfers, got {}",
                params.transfers,
                transfers.len()
            )));
        }
        let old_root = self.root();
        let mut undo = Vec::new();
        let mut steps = Vec::with_capacity(transfers.len());
        for (i, t) in transfers.iter().enumerate() {
            match self.apply_transfer(i, t, &mut undo) {
                Ok(step) => steps.push(step),
                Err(e) => {
                    self.rollback(undo);
                    return Err(e);
                }
            }
        }
        let statement = BatchStatement {
            old_root,
            new_root: self.root(),
            tx_commitment: tx_commitment(transfers),
        };
        Ok((statement, BatchWitness { statement, steps }))
    }

    /// Applies one transfer on its own (a sequencer's pending state, between batches): the
    /// same checks as in [`Self::apply_batch`], with `i` numbering it in the error message. On
    /// failure the tree is left exactly as it was.
    pub fn apply_one(&mut self, i: usize, transfer: &Transfer) -> Result<()> {
        let mut undo = Vec::new();
        match self.apply_transfer(i, transfer, &mut undo) {
            Ok(_) => Ok(()),
            Err(e) => {
                self.rollback(undo);
                Err(e)
            }
        }
    }

    /// Applies one transfer (numbered `i` for error messages), recording undo entries.
    fn apply_transfer(
        &mut self,
        i: usize,
        t: &Transfer,
        undo: &mut Vec<Undo>,
    ) -> Result<TransferWitness> {
        self.check_index(t.from, &format!("transfer {i}: sender"))?;
        self.check_index(t.to, &format!("transfer {i}: recipient"))?;
        let sender = self.account_unchecked(t.from);
        let sender_update = sender_after(i, t, &sender)?;
        let sender_siblings = self.siblings(t.from);
        self.write_account(t.from, sender_update, undo);

        let recipient = self.account_unchecked(t.to);
        let recipient_update = recipient_after(i, t, &recipient)?;
        let recipient_siblings = self.siblings(t.to);
        self.write_account(t.to, recipient_update, undo);

        Ok(TransferWitness {
            transfer: *t,
            sender,
            sender_siblings,
            recipient,
            recipient_siblings,
        })
    }

    fn check_index(&self, index: u64, what: &str) -> Result<()> {
        // depth <= 32, so the shift cannot overflow.
        if index >> self.depth != 0 {
            return Err(Error::InvalidBatch(format!(
                "{what} index {index} is out of range: the tree has 2^{} slots",
                self.depth
            )));
        }
        Ok(())
    }

    fn account_unchecked(&self, index: u64) -> Account {
        self.accounts.get(&index).copied().unwrap_or_default()
    }

    fn node(&self, level: usize, index: u64) -> Fr {
        match self.nodes.get(&(level, index)) {
            Some(n) => *n,
            None => self.empty.get(level).copied().unwrap_or_default(),
        }
    }

    fn siblings(&self, index: u64) -> Vec<Fr> {
        (0..self.depth)
            .map(|level| self.node(level, (index >> level) ^ 1))
            .collect()
    }

    /// Stores `account` in slot `index` and rehashes its path (index already checked).
    fn write_account(&mut self, index: u64, account: Account, undo: &mut Vec<Undo>) {
        undo.push(Undo::Account(index, self.accounts.insert(index, account)));
        self.write_leaf(index, account.leaf(), undo);
    }

    /// Stores an arbitrary leaf hash in slot `index` (tests: forging states that no valid batch
    /// produces). The account map is not updated.
    #[cfg(test)]
    pub(crate) fn set_leaf(&mut self, index: u64, leaf: Fr) {
        self.write_leaf(index, leaf, &mut Vec::new());
    }

    /// Stores a leaf hash in slot `index` and rehashes its path (index already checked).
    fn write_leaf(&mut self, index: u64, leaf: Fr, undo: &mut Vec<Undo>) {
        let mut node = leaf;
        let mut idx = index;
        for level in 0..=self.depth {
            undo.push(Undo::Node(
                (level, idx),
                self.nodes.insert((level, idx), node),
            ));
            if level == self.depth {
                break;
            }
            let sibling = self.node(level, idx ^ 1);
            node = if idx & 1 == 1 {
                hash(Domain::Node, sibling, node)
            } else {
                hash(Domain::Node, node, sibling)
            };
            idx >>= 1;
        }
    }

    fn rollback(&mut self, undo: Vec<Undo>) {
        for entry in undo.into_iter().rev() {
            match entry {
                Undo::Node(key, Some(v)) => {
                    self.nodes.insert(key, v);
                }
                Undo::Node(key, None) => {
                    self.nodes.remove(&key);
                }
                Undo::Account(key, Some(a)) => {
                    self.accounts.insert(key, a);
                }
                Undo::Account(key, None) => {
                    self.accounts.remove(&key);
                }
            }
        }
    }
}

/// The sender's account after transfer `i`, or why the transfer is invalid.
fn sender_after(i: usize, t: &Transfer, sender: &Account) -> Result<Account> {
    if t.nonce != sender.nonce {
        return Err(Error::InvalidBatch(format!(
            "transfer {i}: nonce {} does not match the sender's (slot {}) current nonce {}",
            t.nonce, t.from, sender.nonce
        )));
    }
    let nonce = sender.nonce.checked_add(1).ok_or_else(|| {
        Error::InvalidBatch(format!(
            "transfer {i}: the sender's (slot {}) nonce is exhausted (u64::MAX)",
            t.from
        ))
    })?;
    let balance = sender.balance.checked_sub(t.amount).ok_or_else(|| {
        Error::InvalidBatch(format!(
            "transfer {i}: overdraft: slot {} has balance {} but sends {}",
            t.from, sender.balance, t.amount
        ))
    })?;
    Ok(Account {
        owner: sender.owner,
        balance,
        nonce,
    })
}

/// The recipient's account after transfer `i`, or why the transfer is invalid.
fn recipient_after(i: usize, t: &Transfer, recipient: &Account) -> Result<Account> {
    let balance = recipient.balance.checked_add(t.amount).ok_or_else(|| {
        Error::InvalidBatch(format!(
            "transfer {i}: the recipient's (slot {}) balance {} + {} would overflow 2^64",
            t.to, recipient.balance, t.amount
        ))
    })?;
    Ok(Account {
        balance,
        ..*recipient
    })
}

/// What the prover knows about one transfer: the accounts it touches, before the transfer, and
/// their Merkle paths at the moment each is touched.
#[derive(Clone, Debug, Default, PartialEq, Eq, CanonicalSerialize, CanonicalDeserialize)]
pub struct TransferWitness {
    pub(crate) transfer: Transfer,
    /// Sender account before the transfer.
    pub(crate) sender: Account,
    /// Sender's siblings in the tree before the transfer (also valid after the sender update).
    pub(crate) sender_siblings: Vec<Fr>,
    /// Recipient account after the sender update, before being credited (for `from == to` this
    /// is the updated sender).
    pub(crate) recipient: Account,
    /// Recipient's siblings in the tree after the sender update.
    pub(crate) recipient_siblings: Vec<Fr>,
}

impl TransferWitness {
    /// The transfer.
    pub fn transfer(&self) -> &Transfer {
        &self.transfer
    }
    /// The sender's account before the transfer.
    pub fn sender(&self) -> &Account {
        &self.sender
    }
    /// The sender's Merkle siblings (bottom-up) before the transfer.
    pub fn sender_siblings(&self) -> &[Fr] {
        &self.sender_siblings
    }
    /// The recipient's account once the sender is updated, before it is credited.
    pub fn recipient(&self) -> &Account {
        &self.recipient
    }
    /// The recipient's Merkle siblings (bottom-up) once the sender is updated.
    pub fn recipient_siblings(&self) -> &[Fr] {
        &self.recipient_siblings
    }
}

/// The prover's private input for one batch: the statement and one [`TransferWitness`] per
/// transfer. Produced by [`AccountTree::apply_batch`]; serializable with ark-serialize so that a
/// coordinator can ship it to a (browser) prover.
#[derive(Clone, Debug, Default, PartialEq, Eq, CanonicalSerialize, CanonicalDeserialize)]
pub struct BatchWitness {
    pub(crate) statement: BatchStatement,
    pub(crate) steps: Vec<TransferWitness>,
}

impl BatchWitness {
    /// The public statement this witness proves.
    pub fn statement(&self) -> &BatchStatement {
        &self.statement
    }

    /// The per-transfer witnesses, in batch order.
    pub fn steps(&self) -> &[TransferWitness] {
        &self.steps
    }

    /// The transfers of the batch, in order.
    pub fn transfers(&self) -> Vec<Transfer> {
        self.steps.iter().map(|s| s.transfer).collect()
    }

    /// An all-zero witness of the right shape (what setup synthesizes with).
    pub(crate) fn dummy(params: &BatchParams) -> Self {
        let step = TransferWitness {
            sender_siblings: vec![Fr::ZERO; params.depth],
            recipient_siblings: vec![Fr::ZERO; params.depth],
            ..TransferWitness::default()
        };
        Self {
            statement: BatchStatement::default(),
            steps: vec![step; params.transfers],
        }
    }

    /// Does the witness have `K` steps of `D` siblings each?
    pub(crate) fn has_shape(&self, params: &BatchParams) -> bool {
        self.steps.len() == params.transfers
            && self.steps.iter().all(|s| {
                s.sender_siblings.len() == params.depth
                    && s.recipient_siblings.len() == params.depth
            })
    }

    /// Replays the witness natively, checking everything the circuit enforces: the shape, every
    /// transfer's validity, every Merkle membership against the running root, the final root and
    /// the commitment. `Ok(())` means the circuit is satisfiable with this witness.
    pub fn check(&self, params: &BatchParams) -> Result<()> {
        params.validate()?;
        if !self.has_shape(params) {
            return Err(Error::InvalidBatch(format!(
                "witness shape mismatch: expected {} transfers with {} siblings per path",
                params.transfers, params.depth
            )));
        }
        let bad =
            |i: usize, what: &str| Error::InvalidBatch(format!("witness of transfer {i}: {what}"));
        let mut root = self.statement.old_root;
        for (i, s) in self.steps.iter().enumerate() {
            let t = &s.transfer;
            let sender_root = merkle_root_from_path(s.sender.leaf(), t.from, &s.sender_siblings)
                .ok_or_else(|| bad(i, "sender index out of range"))?;
            if sender_root != root {
                return Err(bad(
                    i,
                    "the sender account and path do not match the current root",
                ));
            }
            let sender_new = sender_after(i, t, &s.sender)?;
            root = merkle_root_from_path(sender_new.leaf(), t.from, &s.sender_siblings)
                .ok_or_else(|| bad(i, "sender index out of range"))?;
            let recipient_root =
                merkle_root_from_path(s.recipient.leaf(), t.to, &s.recipient_siblings)
                    .ok_or_else(|| bad(i, "recipient index out of range"))?;
            if recipient_root != root {
                return Err(bad(
                    i,
                    "the recipient account and path do not match the intermediate root",
                ));
            }
            let recipient_new = recipient_after(i, t, &s.recipient)?;
            root = merkle_root_from_path(recipient_new.leaf(), t.to, &s.recipient_siblings)
                .ok_or_else(|| bad(i, "recipient index out of range"))?;
        }
        if root != self.statement.new_root {
            return Err(Error::InvalidBatch(
                "witness: the transfers lead to a root other than the statement's new_root".into(),
            ));
        }
        if tx_commitment(&self.transfers()) != self.statement.tx_commitment {
            return Err(Error::InvalidBatch(
                "witness: the transfers do not match the statement's tx_commitment".into(),
            ));
        }
        Ok(())
    }
}

/// A demo genesis and a valid batch for it.
///
/// The genesis tree (depth `params.depth`) holds up to 32 funded accounts (fewer if the tree is
/// smaller) at random distinct slots, with random owners, balances in `[1_000, 1_000_000]` and
/// small nonces. The `params.transfers` transfers move random amounts (up to the sender's whole
/// balance, sometimes zero) between funded accounts, occasionally to an empty slot or to the
/// sender itself; they are valid in sequence, so `apply_batch` accepts them.
pub fn random_genesis_and_batch<R: Rng + ?Sized>(
    params: &BatchParams,
    rng: &mut R,
) -> Result<(AccountTree, Vec<Transfer>)> {
    params.validate()?;
    let mut tree = AccountTree::new(params.depth)?;
    let slots: u64 = 1u64 << params.depth;
    let funded = slots.min(32) as usize;
    let mut indices: Vec<u64> = Vec::with_capacity(funded);
    while indices.len() < funded {
        let i = rng.gen_range(0..slots);
        if !indices.contains(&i) {
            indices.push(i);
        }
    }
    // A local copy of the state, to make the transfers valid in sequence.
    let mut state: HashMap<u64, Account> = HashMap::new();
    for &i in &indices {
        let account = Account {
            owner: Fr::rand(rng),
            balance: rng.gen_range(1_000..=1_000_000),
            nonce: rng.gen_range(0..8),
        };
        tree.set_account(i, account)?;
        state.insert(i, account);
    }
    let transfers = random_transfers_among(params, &indices, state, rng)?;
    Ok((tree, transfers))
}

/// A valid batch of `params.transfers` random transfers on the state `tree` has reached (the
/// next batch of a chain: its `old_root` is `tree.root()`).
///
/// Senders and most recipients are the tree's non-empty slots (in index order, so a seeded RNG
/// gives a reproducible batch); amounts are as in [`random_genesis_and_batch`]. Refuses a tree of
/// another depth than `params.depth` or one without any account.
pub fn random_batch<R: Rng + ?Sized>(
    tree: &AccountTree,
    params: &BatchParams,
    rng: &mut R,
) -> Result<Vec<Transfer>> {
    params.validate()?;
    if tree.depth() != params.depth {
        return Err(Error::InvalidBatch(format!(
            "the state tree has depth {}, the batch circuit depth {}",
            tree.depth(),
            params.depth
        )));
    }
    let mut funded: Vec<(u64, Account)> = tree.accounts().map(|(i, a)| (i, *a)).collect();
    funded.sort_by_key(|(i, _)| *i);
    if funded.is_empty() {
        return Err(Error::InvalidBatch(
            "the state tree holds no account to send from".into(),
        ));
    }
    let indices: Vec<u64> = funded.iter().map(|(i, _)| *i).collect();
    random_transfers_among(params, &indices, funded.into_iter().collect(), rng)
}

/// `params.transfers` random transfers between the slots `indices` (occasionally to a random
/// slot), valid in sequence from the accounts `state` (absent slots are empty).
fn random_transfers_among<R: Rng + ?Sized>(
    params: &BatchParams,
    indices: &[u64],
    mut state: HashMap<u64, Account>,
    rng: &mut R,
) -> Result<Vec<Transfer>> {
    let slots: u64 = 1u64 << params.depth;
    let mut transfers = Vec::with_capacity(params.transfers);
    for _ in 0..params.transfers {
        let from = indices[rng.gen_range(0..indices.len())];
        let to = match rng.gen_range(0..10) {
            0 => from,
            1 => rng.gen_range(0..slots),
            _ => indices[rng.gen_range(0..indices.len())],
        };
        let sender = state.get(&from).copied().unwrap_or_default();
        let amount = match rng.gen_range(0..10) {
            0 => 0,
            1 => sender.balance,
            _ => rng.gen_range(0..=sender.balance),
        };
        let t = Transfer {
            from,
            to,
            amount,
            nonce: sender.nonce,
        };
        let sender_new = sender_after(0, &t, &sender)?;
        state.insert(from, sender_new);
        let recipient = state.get(&to).copied().unwrap_or_default();
        state.insert(to, recipient_after(0, &t, &recipient)?);
        transfers.push(t);
    }
    Ok(transfers)
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand::SeedableRng;
    use rand_chacha::ChaCha20Rng;

    const SMALL: BatchParams = BatchParams {
        transfers: 2,
        depth: 8,
    };

    fn funded() -> AccountTree {
        let mut tree = AccountTree::new(SMALL.depth).unwrap();
        let a = Account {
            owner: Fr::from(11u64),
            balance: 100,
            nonce: 2,
        };
        let b = Account {
            owner: Fr::from(22u64),
            balance: 50,
            nonce: 0,
        };
        tree.set_account(3, a).unwrap();
        tree.set_account(200, b).unwrap();
        tree
    }

    fn t(from: u64, to: u64, amount: u64, nonce: u64) -> Transfer {
        Transfer {
            from,
            to,
            amount,
            nonce,
        }
    }

    /// `random_batch` continues from the state a batch left: the batches chain their roots.
    #[test]
    fn random_batches_chain() {
        let mut rng = ChaCha20Rng::seed_from_u64(5);
        let (mut tree, first) = random_genesis_and_batch(&SMALL, &mut rng).unwrap();
        let (s1, _) = tree.apply_batch(&SMALL, &first).unwrap();
        let mut prev = s1;
        for _ in 0..3 {
            let next = random_batch(&tree, &SMALL, &mut rng).unwrap();
            let (s, w) = tree.apply_batch(&SMALL, &next).unwrap();
            w.check(&SMALL).unwrap();
            assert_eq!(s.old_root, prev.new_root);
            assert_eq!(s.new_root, tree.root());
            prev = s;
        }
        let other = BatchParams {
            transfers: 2,
            depth: 9,
        };
        assert!(random_batch(&tree, &other, &mut rng).is_err());
        assert!(random_batch(&AccountTree::new(8).unwrap(), &SMALL, &mut rng).is_err());
    }

    /// A refused batch leaves the tree as it was: same root, accounts and paths.
    fn assert_refused(tree: &AccountTree, params: &BatchParams, transfers: &[Transfer], why: &str) {
        let mut after = tree.clone();
        match after.apply_batch(params, transfers) {
            Err(Error::InvalidBatch(msg)) => assert!(msg.contains(why), "{msg}"),
            other => panic!("expected InvalidBatch({why}), got {other:?}"),
        }
        assert_eq!(after.root(), tree.root());
        assert_eq!(after.nodes, tree.nodes);
        assert_eq!(after.accounts, tree.accounts);
    }

    /// One transfer at a time ends where the whole batch does; a refused one changes nothing.
    #[test]
    fn transfers_one_at_a_time_match_the_batch() {
        let batch = [t(3, 200, 30, 2), t(200, 7, 60, 0)];
        let mut whole = funded();
        whole.apply_batch(&SMALL, &batch).unwrap();
        let mut single = funded();
        for (i, transfer) in batch.iter().enumerate() {
            single.apply_one(i, transfer).unwrap();
        }
        assert_eq!(single.root(), whole.root());
        for (bad, why) in [
            (t(3, 200, 1, 9), "nonce"),
            (t(3, 200, 1_000, 3), "balance"),
            (t(3, 256, 1, 3), "out of range"),
        ] {
            let before = single.clone();
            let err = single.apply_one(5, &bad).unwrap_err().to_string();
            assert!(err.contains(why) && err.contains("transfer 5"), "{err}");
            assert_eq!(single.root(), before.root());
            assert_eq!(single.accounts, before.accounts);
        }
    }

    #[test]
    fn empty_tree_root_is_the_empty_subtree_hash() {
        let tree = AccountTree::new(3).unwrap();
        let mut node = Account::default().leaf();
        for _ in 0..3 {
            node = hash(Domain::Node, node, node);
        }
        assert_eq!(tree.root(), node);
        assert!(AccountTree::new(0).is_err());
        assert!(AccountTree::new(33).is_err());
        let deep = AccountTree::new(32).unwrap();
        assert_eq!(deep.merkle_path(u32::MAX.into()).unwrap().len(), 32);
        assert!(deep.account(1 << 32).is_err());
    }

    #[test]
    fn paths_verify_against_the_root() {
        let mut tree = funded();
        for i in [0u64, 3, 200, 255] {
            let leaf = tree.account(i).unwrap().leaf();
            let path = tree.merkle_path(i).unwrap();
            assert_eq!(merkle_root_from_path(leaf, i, &path), Some(tree.root()));
            // The wrong direction at any level gives another root, unless both children there
            // are equal (e.g. two empty slots).
            if i == 3 || i == 200 {
                for level in 0..SMALL.depth {
                    let other = merkle_root_from_path(leaf, i ^ (1 << level), &path);
                    assert_ne!(other, Some(tree.root()));
                }
            }
        }
        assert_eq!(
            merkle_root_from_path(Fr::ZERO, 256, &tree.merkle_path(0).unwrap()),
            None
        );
        // Writing the zero account back restores the empty root.
        tree.set_account(3, Account::default()).unwrap();
        tree.set_account(200, Account::default()).unwrap();
        assert_eq!(tree.root(), AccountTree::new(SMALL.depth).unwrap().root());
        assert_eq!(tree.accounts().count(), 0);
    }

    #[test]
    fn valid_batch_updates_state_and_witness() {
        let mut tree = funded();
        let old_root = tree.root();
        let transfers = [t(3, 200, 30, 2), t(200, 7, 80, 0)];
        let (statement, witness) = tree.apply_batch(&SMALL, &transfers).unwrap();
        assert_eq!(statement.old_root, old_root);
        assert_eq!(statement.new_root, tree.root());
        assert_eq!(statement.tx_commitment, tx_commitment(&transfers));
        assert_eq!(
            tree.account(3).unwrap(),
            Account {
                owner: Fr::from(11u64),
                balance: 70,
                nonce: 3
            }
        );
        assert_eq!(tree.account(200).unwrap().balance, 0);
        assert_eq!(tree.account(200).unwrap().nonce, 1);
        assert_eq!(tree.account(7).unwrap().balance, 80);
        assert_eq!(witness.steps()[1].sender().balance, 80);
        assert_eq!(witness.transfers(), transfers.to_vec());
        witness.check(&SMALL).unwrap();
        assert_eq!(
            BatchStatement::from_public_inputs(&statement.public_inputs()).unwrap(),
            statement
        );
        assert!(matches!(
            BatchStatement::from_public_inputs(&[Fr::ZERO; 2]),
            Err(Error::InputCount {
                expected: 3,
                got: 2
            })
        ));
    }

    #[test]
    fn self_transfer_bumps_the_nonce_only() {
        let mut tree = funded();
        let (_, witness) = tree
            .apply_batch(&SMALL, &[t(3, 3, 100, 2), t(3, 3, 0, 3)])
            .unwrap();
        assert_eq!(tree.account(3).unwrap().balance, 100);
        assert_eq!(tree.account(3).unwrap().nonce, 4);
        // The recipient witness is the sender after its update.
        assert_eq!(witness.steps()[0].recipient().balance, 0);
        assert_eq!(witness.steps()[0].recipient().nonce, 3);
        witness.check(&SMALL).unwrap();
    }

    #[test]
    fn invalid_batches_are_refused_and_leave_the_tree_unchanged() {
        let tree = funded();
        // The second transfer is the invalid one, so the first was already applied.
        assert_refused(
            &tree,
            &SMALL,
            &[t(3, 200, 30, 2), t(3, 200, 71, 3)],
            "overdraft",
        );
        assert_refused(&tree, &SMALL, &[t(3, 200, 30, 2), t(3, 200, 1, 2)], "nonce");
        assert_refused(
            &tree,
            &SMALL,
            &[t(3, 200, 30, 2), t(256, 3, 0, 0)],
            "out of range",
        );
        assert_refused(
            &tree,
            &SMALL,
            &[t(3, 200, 30, 2), t(3, 1 << 40, 0, 3)],
            "out of range",
        );
        assert_refused(&tree, &SMALL, &[t(3, 200, 30, 2)], "exactly 2 transfers");
        assert_refused(&tree, &SMALL, &[t(3, 200, 1, 2); 3], "exactly 2 transfers");
        let wrong_depth = BatchParams {
            transfers: 2,
            depth: 9,
        };
        assert_refused(
            &tree,
            &wrong_depth,
            &[t(3, 200, 1, 2), t(3, 200, 1, 3)],
            "depth",
        );
        let zero = BatchParams {
            transfers: 0,
            depth: 8,
        };
        assert_refused(&tree, &zero, &[], "batch size");

        let mut rich = funded();
        let whale = Account {
            owner: Fr::from(33u64),
            balance: u64::MAX,
            nonce: u64::MAX,
        };
        rich.set_account(9, whale).unwrap();
        assert_refused(&rich, &SMALL, &[t(3, 200, 1, 2), t(3, 9, 1, 3)], "overflow");
        assert_refused(
            &rich,
            &SMALL,
            &[t(3, 200, 1, 2), t(9, 3, 1, u64::MAX)],
            "exhausted",
        );
    }

    #[test]
    fn random_genesis_batches_apply() {
        for (seed, depth) in [(0u64, 1usize), (1, 5), (2, 20), (3, 32)] {
            let params = BatchParams {
                transfers: 6,
                depth,
            };
            let mut rng = ChaCha20Rng::seed_from_u64(seed);
            let (mut tree, transfers) = random_genesis_and_batch(&params, &mut rng).unwrap();
            assert_eq!(tree.accounts().count(), (1usize << depth).min(32));
            let (statement, witness) = tree.apply_batch(&params, &transfers).unwrap();
            assert_eq!(statement.new_root, tree.root());
            witness.check(&params).unwrap();
        }
    }

    #[test]
    fn witness_serializes() {
        let mut tree = funded();
        let (_, witness) = tree
            .apply_batch(&SMALL, &[t(3, 200, 30, 2), t(200, 7, 80, 0)])
            .unwrap();
        let mut bytes = Vec::new();
        witness.serialize_compressed(&mut bytes).unwrap();
        let back = BatchWitness::deserialize_compressed(&bytes[..]).unwrap();
        assert_eq!(back, witness);
        assert!(BatchWitness::deserialize_compressed(&bytes[..bytes.len() - 1]).is_err());
    }
}
