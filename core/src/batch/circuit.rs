//! The R1CS circuit of the batch statement (see the [parent module](super) for the data model).
//!
//! ## Public inputs
//!
//! `[old_root, new_root, tx_commitment]`, allocated in this order (Groth16 input indices 1..=3).
//!
//! ## Per transfer (for a running root `R`, initially `old_root`)
//!
//! | witness                         | allocated as                         | bound by                                  |
//! |---------------------------------|--------------------------------------|-------------------------------------------|
//! | `from`, `to`                    | exactly `D` booleans each            | booleanity; the index *is* the bit sum    |
//! | `amount`                        | 64 booleans                          | booleanity; value is the bit sum          |
//! | sender `balance`, `nonce`       | 64 booleans each                     | booleanity; leaf membership in `R`        |
//! | sender `owner`                  | free field element                   | leaf membership in `R`                    |
//! | sender siblings (`D`)           | free field elements                  | root equality with `R`                    |
//! | sender new balance              | 64 booleans                          | `sum bits = balance - amount`             |
//! | sender nonce inverse            | free field element                   | `(sum nonce bits - 64) * inv = 1`         |
//! | recipient `owner`,`balance`,`nonce` | free / 64 / 64 booleans          | leaf membership in the intermediate root  |
//! | recipient siblings (`D`)        | free field elements                  | root equality with the intermediate root  |
//! | recipient new balance           | 64 booleans                          | `sum bits = balance + amount`             |
//! | S-box outputs, path selections  | fresh witnesses                      | one multiplication constraint each        |
//!
//! Constraints of transfer `i`:
//!
//! 1. `hash(Leaf, s.owner, s.balance + s.nonce * 2^64)` hashed up the `from` path with the sender
//!    siblings equals `R` (**sender membership**);
//! 2. `s.balance - amount` equals a 64-bit decomposition, i.e. lies in `[0, 2^64)`: since both
//!    terms are below `2^64 < r`, no wrap-around is possible, so `amount <= s.balance`
//!    (**no overdraft**);
//! 3. `s.nonce` is not `2^64 - 1` (its bits do not sum to 64), so `s.nonce + 1` is still a 64-bit
//!    value and the packing `balance + nonce * 2^64` stays injective (**nonce increment**);
//! 4. the sender's new leaf `hash(Leaf, s.owner, (s.balance - amount) + (s.nonce + 1) * 2^64)` is
//!    hashed up the *same* path with the *same* siblings, giving the intermediate root `R'`;
//! 5. the recipient's leaf hashed up the `to` path equals `R'` (**recipient membership**, after
//!    the sender update, which makes `from == to` behave exactly as natively);
//! 6. `r.balance + amount` equals a 64-bit decomposition (**no overflow**);
//! 7. the recipient's new leaf, hashed up the same `to` path, gives the next running root;
//! 8. `tx_hash = hash(Tx, from + to * 2^32, amount + s.nonce * 2^64)` and
//!    `c_{i+1} = hash(Chain, c_i, tx_hash)`: the nonce hashed is the sender's nonce variable
//!    itself, so **the transfer's nonce equals the sender's current nonce** by construction (the
//!    witness's copy `transfer.nonce` is never read by the circuit).
//!
//! Finally the running root equals `new_root` and `c_K` equals `tx_commitment`.
//!
//! ## Why a malicious prover cannot forge a witness
//!
//! - *Index bits*: each is boolean, and the index that is hashed into `tx_hash` is their sum
//!   `sum b_l 2^l`; so the path directions are exactly the bits of the committed index, and the
//!   index is below `2^D` (out-of-range indices have no decomposition).
//! - *Accounts and siblings*: an account (owner, balance, nonce) and its siblings are accepted
//!   only if they hash to the running root. Finding a different account or path with the same
//!   root means a Poseidon collision. Balances and nonces are range-checked to 64 bits, which
//!   makes `balance + nonce * 2^64` injective: without the nonce check a prover could pick any
//!   balance `b` and solve `nonce = (packed - b) / 2^64` in the field.
//! - *Amount, new balances*: 64-bit decompositions, tied to the old values by one linear equality
//!   each (a decomposition of a wrapped-around value does not exist).
//! - *Order and content of transfers*: the commitment chain fixes every `(from, to, amount,
//!   nonce)` and their order; an index packing `from + to * 2^32` is injective for `D <= 32`.
//! - *Root chaining*: each membership is checked against the root produced by the previous update
//!   in the same circuit, so no state can be skipped or replayed; the first against the public
//!   `old_root`, the last update must produce the public `new_root`.
//!
//! ## Cost
//!
//! Per transfer, with `D` the depth and 240 constraints per hash (a constant domain tag saves 3
//! of a permutation's 243): `4D + 6` hashes, `4D` path selections, `2D + 7 * 64` booleans and 5
//! (in)equalities, i.e. `966 D + 1893`; plus 2 final equalities (the very first chain hash, whose
//! input `c_0 = 0` is a constant, is 3 cheaper). [`BatchParams::DEFAULT`] (`K = 4, D = 20`) has
//! 84,851 constraints.

use ark_ff::{AdditiveGroup, BigInteger, Field, PrimeField};
use ark_r1cs_std::{
    alloc::AllocVar,
    boolean::Boolean,
    eq::EqGadget,
    fields::{
        fp::{AllocatedFp, FpVar},
        FieldVar,
    },
    select::CondSelectGadget,
    GR1CSVar,
};
use ark_relations::gr1cs::{
    ConstraintSynthesizer, ConstraintSystemRef, LinearCombination, SynthesisError,
};

use super::{pow2, state::TransferWitness, BatchParams, BatchWitness};
use crate::poseidon::{hash_var, Domain};
use crate::Fr;

/// The batch circuit of shape `params`, with the prover's witness (or none, for setup and
/// constraint counting).
#[derive(Clone, Debug)]
pub struct BatchCircuit {
    params: BatchParams,
    witness: Option<BatchWitness>,
}

impl BatchCircuit {
    /// A circuit for key generation: synthesized with an all-zero witness of the right shape
    /// (whose values setup never reads).
    pub fn for_setup(params: BatchParams) -> Self {
        Self {
            params,
            witness: None,
        }
    }

    /// A circuit for proving `witness` (as returned by
    /// [`AccountTree::apply_batch`](super::AccountTree::apply_batch)). Synthesis fails with
    /// [`SynthesisError::Unsatisfiable`] if the witness does not have `params`' shape.
    pub fn new(params: BatchParams, witness: BatchWitness) -> Self {
        Self {
            params,
            witness: Some(witness),
        }
    }

    /// The circuit's shape.
    pub fn params(&self) -> &BatchParams {
        &self.params
    }
}

impl ConstraintSynthesizer<Fr> for BatchCircuit {
    /// Allocates the public inputs `[old_root, new_root, tx_commitment]` and enforces the batch
    /// transition described in the module documentation.
    fn generate_constraints(self, cs: ConstraintSystemRef<Fr>) -> Result<(), SynthesisError> {
        let params = self.params;
        if params.validate().is_err() {
            return Err(SynthesisError::Unsatisfiable);
        }
        let witness = self.witness.unwrap_or_else(|| BatchWitness::dummy(&params));
        if !witness.has_shape(&params) {
            return Err(SynthesisError::Unsatisfiable);
        }
        let statement = witness.statement;
        let old_root = FpVar::new_input(cs.clone(), || Ok(statement.old_root))?;
        let new_root = FpVar::new_input(cs.clone(), || Ok(statement.new_root))?;
        let tx_commitment = FpVar::new_input(cs.clone(), || Ok(statement.tx_commitment))?;

        let mut root = old_root;
        let mut chain = FpVar::constant(Fr::ZERO);
        for step in &witness.steps {
            let (next_root, tx_hash) = transfer(&cs, params.depth, step, &root)?;
            root = next_root;
            chain = hash_var(Domain::Chain, &chain, &tx_hash)?;
        }
        root.enforce_equal(&new_root)?;
        chain.enforce_equal(&tx_commitment)?;
        Ok(())
    }
}

/// Enforces one transfer against the running root `root`; returns the next root and the
/// transfer's hash.
fn transfer(
    cs: &ConstraintSystemRef<Fr>,
    depth: usize,
    step: &TransferWitness,
    root: &FpVar<Fr>,
) -> Result<(FpVar<Fr>, FpVar<Fr>), SynthesisError> {
    let t = &step.transfer;
    // Index bits double as path directions; exactly `depth` of them range-checks the index.
    let from_bits = alloc_bits(cs, Some(Fr::from(t.from)), depth)?;
    let to_bits = alloc_bits(cs, Some(Fr::from(t.to)), depth)?;
    let from = pack_bits(cs, &from_bits)?;
    let to = pack_bits(cs, &to_bits)?;
    let amount = alloc_u64(cs, t.amount)?;

    // Sender: membership in the running root.
    let s_owner = FpVar::new_witness(cs.clone(), || Ok(step.sender.owner))?;
    let s_balance = alloc_u64(cs, step.sender.balance)?;
    let s_nonce_bits = alloc_bits(cs, Some(Fr::from(step.sender.nonce)), 64)?;
    let s_nonce = pack_bits(cs, &s_nonce_bits)?;
    let s_path = alloc_siblings(cs, &step.sender_siblings)?;
    let s_leaf = leaf(&s_owner, &s_balance, &s_nonce)?;
    merkle_root(&s_leaf, &from_bits, &s_path)?.enforce_equal(root)?;

    // Sender update: no overdraft, nonce + 1 without overflow, same path.
    let s_balance_new = &s_balance - &amount;
    enforce_u64(cs, &s_balance_new)?;
    nonce_not_max(cs, &s_nonce_bits)?;
    let s_nonce_new = &s_nonce + Fr::ONE;
    let s_leaf_new = leaf(&s_owner, &s_balance_new, &s_nonce_new)?;
    let mid_root = merkle_root(&s_leaf_new, &from_bits, &s_path)?;

    // Recipient: membership in the intermediate root, credit without overflow.
    let r_owner = FpVar::new_witness(cs.clone(), || Ok(step.recipient.owner))?;
    let r_balance = alloc_u64(cs, step.recipient.balance)?;
    let r_nonce = alloc_u64(cs, step.recipient.nonce)?;
    let r_path = alloc_siblings(cs, &step.recipient_siblings)?;
    let r_leaf = leaf(&r_owner, &r_balance, &r_nonce)?;
    merkle_root(&r_leaf, &to_bits, &r_path)?.enforce_equal(&mid_root)?;
    let r_balance_new = &r_balance + &amount;
    enforce_u64(cs, &r_balance_new)?;
    let r_leaf_new = leaf(&r_owner, &r_balance_new, &r_nonce)?;
    let next_root = merkle_root(&r_leaf_new, &to_bits, &r_path)?;

    // The transfer as committed: the nonce is the sender's own nonce variable.
    let tx_hash = hash_var(
        Domain::Tx,
        &(from + to * pow2(32)),
        &(amount + &s_nonce * pow2(64)),
    )?;
    Ok((next_root, tx_hash))
}

/// `hash(Leaf, owner, balance + nonce * 2^64)`; callers range-check `balance` and `nonce`.
fn leaf(
    owner: &FpVar<Fr>,
    balance: &FpVar<Fr>,
    nonce: &FpVar<Fr>,
) -> Result<FpVar<Fr>, SynthesisError> {
    hash_var(Domain::Leaf, owner, &(balance + nonce * pow2(64)))
}

/// The root reached from `leaf` along the path of the given index bits (little-endian: bit `l`
/// is the direction at level `l`) and siblings.
///
/// Per level: `left = bit ? sibling : node` (one constraint), `right = node + sibling - left`
/// (free), `node = hash(Node, left, right)`.
fn merkle_root(
    leaf: &FpVar<Fr>,
    bits: &[Boolean<Fr>],
    siblings: &[FpVar<Fr>],
) -> Result<FpVar<Fr>, SynthesisError> {
    let mut node = leaf.clone();
    for (bit, sibling) in bits.iter().zip(siblings) {
        let left = FpVar::conditionally_select(bit, sibling, &node)?;
        let right = &node + sibling - &left;
        node = hash_var(Domain::Node, &left, &right)?;
    }
    Ok(node)
}

/// Allocates Merkle siblings as free witnesses (they are bound by the root equality).
fn alloc_siblings(
    cs: &ConstraintSystemRef<Fr>,
    siblings: &[Fr],
) -> Result<Vec<FpVar<Fr>>, SynthesisError> {
    siblings
        .iter()
        .map(|s| FpVar::new_witness(cs.clone(), || Ok(*s)))
        .collect()
}

/// Allocates the `n` low bits of `value` as boolean witnesses (one booleanity constraint each),
/// little-endian. In setup mode (`value` unknown to the constraint system) nothing is evaluated.
fn alloc_bits(
    cs: &ConstraintSystemRef<Fr>,
    value: Option<Fr>,
    n: usize,
) -> Result<Vec<Boolean<Fr>>, SynthesisError> {
    let repr = value.map(|v| v.into_bigint());
    (0..n)
        .map(|i| {
            Boolean::new_witness(cs.clone(), || {
                repr.map(|r| r.get_bit(i))
                    .ok_or(SynthesisError::AssignmentMissing)
            })
        })
        .collect()
}

/// `sum_i bits[i] * 2^i` as a single linear combination (no constraint). With fewer than 254
/// bits this sum never wraps around the modulus, so it is the integer the bits encode.
fn pack_bits(
    cs: &ConstraintSystemRef<Fr>,
    bits: &[Boolean<Fr>],
) -> Result<FpVar<Fr>, SynthesisError> {
    let mut terms = Vec::with_capacity(bits.len());
    let mut value = Some(Fr::ZERO);
    let mut coeff = Fr::ONE;
    for b in bits {
        terms.push((coeff, b.variable()));
        value = match (value, b.value()) {
            (Some(v), Ok(true)) => Some(v + coeff),
            (Some(v), Ok(false)) => Some(v),
            _ => None,
        };
        coeff.double_in_place();
    }
    let variable = cs.new_lc(|| LinearCombination(terms))?;
    Ok(FpVar::Var(AllocatedFp::new(value, variable, cs.clone())))
}

/// Allocates a `u64` witness as its 64-bit decomposition (64 constraints) and returns the packed
/// value: any satisfying assignment encodes an integer in `[0, 2^64)`.
fn alloc_u64(cs: &ConstraintSystemRef<Fr>, value: u64) -> Result<FpVar<Fr>, SynthesisError> {
    let bits = alloc_bits(cs, Some(Fr::from(value)), 64)?;
    pack_bits(cs, &bits)
}

/// Enforces `v` in `[0, 2^64)`: 64 fresh boolean witnesses (hinted from the low bits of `v`'s
/// value) whose sum must equal `v` (65 constraints). A negative (wrapped-around) or too large `v`
/// has no such decomposition, so the system is then unsatisfiable. Callers keep using `v` itself,
/// so a failing range check is the only unsatisfied constraint of an otherwise consistent
/// witness.
fn enforce_u64(cs: &ConstraintSystemRef<Fr>, v: &FpVar<Fr>) -> Result<(), SynthesisError> {
    let bits = alloc_bits(cs, v.value().ok(), 64)?;
    pack_bits(cs, &bits)?.enforce_equal(v)
}

/// Enforces that the 64 nonce bits are not all one, i.e. `nonce != 2^64 - 1`, with one
/// constraint: `(sum bits - 64) * inv = 1` (the bit count is 64 exactly when all bits are set).
fn nonce_not_max(cs: &ConstraintSystemRef<Fr>, bits: &[Boolean<Fr>]) -> Result<(), SynthesisError> {
    let count = FpVar::Var(AllocatedFp::new(
        bits.iter().try_fold(Fr::ZERO, |acc, b| {
            b.value().ok().map(|x| if x { acc + Fr::ONE } else { acc })
        }),
        cs.new_lc(|| LinearCombination(bits.iter().map(|b| (Fr::ONE, b.variable())).collect()))?,
        cs.clone(),
    ));
    count.enforce_not_equal(&FpVar::constant(Fr::from(bits.len() as u64)))
}

#[cfg(test)]
mod tests;
