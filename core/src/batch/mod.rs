//! # The rollup batch statement that volunteers prove
//!
//! A *batch* moves an account tree from `old_root` to `new_root` by applying exactly `K` transfers
//! in order; the transfers themselves are summarised by a hash chain `tx_commitment`. A Groth16
//! proof over BN254 of [`BatchCircuit`] attests, for public inputs
//! `[old_root, new_root, tx_commitment]` (in this order, see [`BatchStatement`]):
//!
//! > there are `K` transfers whose commitment chain is `tx_commitment`, each valid against the
//! > state left by the previous one (sender exists in the tree with that nonce and enough balance,
//! > recipient balance does not overflow), and applying them to the tree of root `old_root` gives
//! > the tree of root `new_root`.
//!
//! ## Data model (all hashes are [`crate::poseidon::hash`] with the named [`Domain`] tag)
//!
//! - The state is a sparse binary Merkle tree of depth `D` ([`BatchParams::depth`], at most 32)
//!   with `2^D` account slots. An [`Account`] is `(owner: Fr, balance: u64, nonce: u64)`, its leaf
//!   is `hash(Leaf, owner, balance + nonce * 2^64)`; an empty slot holds the account `(0, 0, 0)`.
//!   Inner nodes are `hash(Node, left, right)`. Leaf `i` is reached from the root by the bits of
//!   `i`, most significant (bit `D-1`) first; bit `l` set means the level-`l` node on the path is a
//!   right child.
//! - A [`Transfer`] `(from, to, amount, nonce)` moves `amount` from slot `from` to slot `to`;
//!   `nonce` must equal the sender's current nonce. It is applied as: sender `balance -= amount`,
//!   `nonce += 1`; then recipient `balance += amount` (reading the recipient *after* the sender
//!   update, so `from == to` is a no-op on the balance that still bumps the nonce).
//! - `tx_hash = hash(Tx, from + to * 2^32, amount + nonce * 2^64)`, `c_0 = 0`,
//!   `c_{i+1} = hash(Chain, c_i, tx_hash_i)`, and `tx_commitment = c_K` ([`tx_commitment`]).
//!   The packings are injective because indices are below `2^D <= 2^32` and amounts, balances
//!   and nonces below `2^64`, so every packed value is below `2^128 < r`.
//!
//! ## Workflow
//!
//! 1. [`AccountTree::apply_batch`] applies a batch natively (or refuses it with
//!    [`Error::InvalidBatch`], leaving the tree unchanged) and returns the public
//!    [`BatchStatement`] and the private [`BatchWitness`].
//! 2. [`setup`] (once per [`BatchParams`]) gives the Groth16 keys; [`prove`] turns a witness into
//!    a proof that verifies against `statement.public_inputs()`.
//!
//! Out of scope for now: transfer authorisation (signatures by `owner`) and fees; `owner` is
//! carried in the leaf so that a signature check can be added without changing the tree.

pub mod circuit;
pub mod state;

use ark_ff::{AdditiveGroup, Field, PrimeField};
use ark_groth16::Groth16;
use ark_relations::gr1cs::{
    ConstraintSynthesizer, ConstraintSystem, ConstraintSystemRef, OptimizationGoal, SynthesisMode,
};
use ark_serialize::{CanonicalDeserialize, CanonicalSerialize};
use ark_snark::SNARK;
use rand::{CryptoRng, RngCore};
use serde::{Deserialize, Serialize};

pub use crate::poseidon::Domain;
pub use circuit::BatchCircuit;
pub use state::{
    merkle_root_from_path, random_batch, random_genesis_and_batch, Account, AccountTree,
    BatchWitness, TransferWitness,
};

use crate::{Curve, Error, Fr, Proof, ProvingKey, Result, VerifyingKey};

/// The shape of a batch circuit: `K` transfers on a tree of depth `D`.
///
/// Each shape is a different circuit with its own Groth16 keys.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct BatchParams {
    /// `K`: the exact number of transfers per batch (at least 1, at most [`Self::MAX_TRANSFERS`]).
    pub transfers: usize,
    /// `D`: the depth of the account tree, which has `2^D` slots (1 to [`Self::MAX_DEPTH`]).
    pub depth: usize,
}

impl BatchParams {
    /// The default shape: 4 transfers on a tree of 2^20 accounts: 84,851 constraints (measured
    /// by the `default_constraint_count` test), i.e. a Groth16 evaluation domain of 2^17.
    pub const DEFAULT: BatchParams = BatchParams {
        transfers: 4,
        depth: 20,
    };
    /// Largest supported depth: indices must stay below `2^32` for the transaction packing
    /// `from + to * 2^32` to be injective.
    pub const MAX_DEPTH: usize = 32;
    /// Largest supported batch (a sanity bound against absurd allocations; such a circuit would
    /// already have about 90 million constraints).
    pub const MAX_TRANSFERS: usize = 4096;

    /// Checks `1 <= transfers <= MAX_TRANSFERS` and `1 <= depth <= MAX_DEPTH`.
    pub fn validate(&self) -> Result<()> {
        if self.transfers == 0 || self.transfers > Self::MAX_TRANSFERS {
            return Err(Error::InvalidBatch(format!(
                "batch size must be between 1 and {} transfers, got {}",
                Self::MAX_TRANSFERS,
                self.transfers
            )));
        }
        if self.depth == 0 || self.depth > Self::MAX_DEPTH {
            return Err(Error::InvalidBatch(format!(
                "tree depth must be between 1 and {}, got {}",
                Self::MAX_DEPTH,
                self.depth
            )));
        }
        Ok(())
    }

    /// The number of R1CS constraints of the circuit of this shape.
    ///
    /// Synthesizes the circuit in setup mode (no witness values), exactly as Groth16 setup does.
    pub fn constraint_count(&self) -> Result<usize> {
        Ok(self.setup_synthesis()?.num_constraints())
    }

    /// The circuit of this shape synthesized in setup mode (no witness values) with the
    /// optimization goal `ark-groth16`'s key generator uses, and finalized: the constraint
    /// system the proving key is made from (its sizes and matrices).
    pub fn setup_synthesis(&self) -> Result<ConstraintSystemRef<Fr>> {
        self.validate()?;
        let cs = ConstraintSystem::<Fr>::new_ref();
        cs.set_optimization_goal(OptimizationGoal::Constraints);
        cs.set_mode(SynthesisMode::Setup);
        BatchCircuit::for_setup(*self)
            .generate_constraints(cs.clone())
            .map_err(|e| Error::ProvingSystem(format!("synthesizing the batch circuit: {e}")))?;
        cs.finalize();
        Ok(cs)
    }
}

impl Default for BatchParams {
    fn default() -> Self {
        Self::DEFAULT
    }
}

/// A transfer of `amount` from slot `from` to slot `to`, authorised by the sender's `nonce`.
#[derive(
    Clone,
    Copy,
    Debug,
    Default,
    PartialEq,
    Eq,
    Hash,
    Serialize,
    Deserialize,
    CanonicalSerialize,
    CanonicalDeserialize,
)]
pub struct Transfer {
    /// Index of the sender's slot (below `2^D`).
    pub from: u64,
    /// Index of the recipient's slot (below `2^D`; may equal `from`).
    pub to: u64,
    /// Amount moved.
    pub amount: u64,
    /// Must equal the sender's nonce before the transfer (replay protection: the same transfer
    /// cannot be applied twice because the nonce is bumped).
    pub nonce: u64,
}

impl Transfer {
    /// `hash(Tx, from + to * 2^32, amount + nonce * 2^64)`.
    ///
    /// Injective in the transfer fields for `from, to < 2^32` (always the case for a valid
    /// transfer, since `D <= 32`), so the commitment binds every field of every transfer.
    pub fn hash(&self) -> Fr {
        let indices = u128::from(self.from) + (u128::from(self.to) << 32);
        crate::poseidon::hash(
            Domain::Tx,
            Fr::from(indices),
            pack_u64_pair(self.amount, self.nonce),
        )
    }
}

/// The transaction commitment of a batch: `c_0 = 0`, `c_{i+1} = hash(Chain, c_i, tx_i.hash())`,
/// result `c_K`.
///
/// A verifier that knows the transfer list recomputes this value and compares it with the proof's
/// third public input; the chain fixes both the transfers and their order.
pub fn tx_commitment(transfers: &[Transfer]) -> Fr {
    transfers.iter().fold(Fr::ZERO, |c, t| {
        crate::poseidon::hash(Domain::Chain, c, t.hash())
    })
}

/// The public statement of a batch proof.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, CanonicalSerialize, CanonicalDeserialize)]
pub struct BatchStatement {
    /// Root of the account tree before the batch.
    pub old_root: Fr,
    /// Root of the account tree after the batch.
    pub new_root: Fr,
    /// [`tx_commitment`] of the batch's transfers.
    pub tx_commitment: Fr,
}

impl BatchStatement {
    /// Number of public inputs of the batch circuit.
    pub const NUM_PUBLIC_INPUTS: usize = 3;

    /// The Groth16 public inputs, in circuit order: `[old_root, new_root, tx_commitment]`.
    pub fn public_inputs(&self) -> Vec<Fr> {
        vec![self.old_root, self.new_root, self.tx_commitment]
    }

    /// Parses public inputs in the order of [`Self::public_inputs`]; exactly three are required
    /// ([`Error::InputCount`] otherwise).
    pub fn from_public_inputs(inputs: &[Fr]) -> Result<Self> {
        match inputs {
            [old_root, new_root, tx_commitment] => Ok(Self {
                old_root: *old_root,
                new_root: *new_root,
                tx_commitment: *tx_commitment,
            }),
            _ => Err(Error::InputCount {
                expected: Self::NUM_PUBLIC_INPUTS,
                got: inputs.len(),
            }),
        }
    }
}

/// Circuit-specific Groth16 setup for the batch circuit of shape `params`.
///
/// The randomness is the setup's toxic waste: whoever knows it can forge proofs, so use a
/// cryptographic RNG and discard it (or replace this by a ceremony for production).
pub fn setup<R: RngCore + CryptoRng>(
    params: &BatchParams,
    rng: &mut R,
) -> Result<(ProvingKey, VerifyingKey)> {
    params.validate()?;
    Groth16::<Curve>::circuit_specific_setup(BatchCircuit::for_setup(*params), rng)
        .map_err(|e| Error::ProvingSystem(format!("batch circuit setup: {e}")))
}

/// Proves a batch: a Groth16 proof that verifies against `witness.statement().public_inputs()`.
///
/// The witness is first replayed natively ([`BatchWitness::check`]): an inconsistent witness is
/// refused with [`Error::InvalidBatch`] instead of silently producing a proof that does not
/// verify. `pk` must come from [`setup`] with the same `params` (only its number of public inputs
/// can be checked cheaply here). The randomness blinds the proof (zero knowledge): use a
/// cryptographic RNG.
pub fn prove<R: RngCore + CryptoRng>(
    pk: &ProvingKey,
    params: &BatchParams,
    witness: &BatchWitness,
    rng: &mut R,
) -> Result<Proof> {
    witness.check(params)?;
    if pk.vk.gamma_abc_g1.len() != BatchStatement::NUM_PUBLIC_INPUTS + 1 {
        return Err(Error::InputCount {
            expected: BatchStatement::NUM_PUBLIC_INPUTS,
            got: pk.vk.gamma_abc_g1.len().saturating_sub(1),
        });
    }
    let circuit = BatchCircuit::new(*params, witness.clone());
    Groth16::<Curve>::prove(pk, circuit, rng)
        .map_err(|e| Error::ProvingSystem(format!("batch proof: {e}")))
}

/// Packs a balance (or amount) and a nonce into one field element: `low + high * 2^64`.
pub(crate) fn pack_u64_pair(low: u64, high: u64) -> Fr {
    Fr::from(u128::from(low) | (u128::from(high) << 64))
}

/// `2^k` as a field element.
pub(crate) fn pow2(k: u32) -> Fr {
    Fr::from(2u64).pow([u64::from(k)])
}

/// Compile-time check that `Fr` has room for the `2^128` packings.
const _: () = assert!(<Fr as PrimeField>::MODULUS_BIT_SIZE > 129);
