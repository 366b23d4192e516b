//! Satisfiability, soundness (tampered witnesses) and Groth16 round-trip tests of the batch
//! circuit. Small shapes keep them fast; run in release mode.

use ark_groth16::Groth16;
use ark_relations::gr1cs::{ConstraintSystem, OptimizationGoal, R1CS_PREDICATE_LABEL};
use ark_snark::SNARK;
use rand::SeedableRng;
use rand_chacha::ChaCha20Rng;

use super::*;
use crate::batch::{
    prove, random_genesis_and_batch, setup, tx_commitment, Account, AccountTree, BatchStatement,
    Transfer,
};
use crate::poseidon::hash;
use crate::{Curve, Error};

const SMALL: BatchParams = BatchParams {
    transfers: 2,
    depth: 6,
};

fn rng(seed: u64) -> ChaCha20Rng {
    ChaCha20Rng::seed_from_u64(seed)
}

/// Synthesizes the circuit with `witness` and reports whether every constraint holds.
fn satisfied(params: BatchParams, witness: &BatchWitness) -> bool {
    let cs = ConstraintSystem::<Fr>::new_ref();
    BatchCircuit::new(params, witness.clone())
        .generate_constraints(cs.clone())
        .unwrap();
    cs.is_satisfied().unwrap()
}

/// The number of violated R1CS rows (`<A,z> * <B,z> != <C,z>`) of the finalized system: lets a
/// test check that a forged witness breaks exactly the intended constraint and nothing else.
fn unsatisfied_rows(params: BatchParams, witness: &BatchWitness) -> usize {
    let cs = ConstraintSystem::<Fr>::new_ref();
    cs.set_optimization_goal(OptimizationGoal::Constraints);
    BatchCircuit::new(params, witness.clone())
        .generate_constraints(cs.clone())
        .unwrap();
    cs.finalize();
    let mut z = cs.instance_assignment().unwrap();
    z.extend(cs.witness_assignment().unwrap());
    let matrices = cs.to_matrices().unwrap();
    let [a, b, c] = &matrices[R1CS_PREDICATE_LABEL][..] else {
        panic!("not an R1CS")
    };
    let eval = |row: &Vec<(Fr, usize)>| row.iter().map(|(k, i)| *k * z[*i]).sum::<Fr>();
    (0..a.len())
        .filter(|&r| eval(&a[r]) * eval(&b[r]) != eval(&c[r]))
        .count()
}

/// A random valid batch: genesis tree, transfers, and the honest witness.
fn valid(params: BatchParams, seed: u64) -> (AccountTree, Vec<Transfer>, BatchWitness) {
    let (genesis, transfers) = random_genesis_and_batch(&params, &mut rng(seed)).unwrap();
    let mut tree = genesis.clone();
    let (_, witness) = tree.apply_batch(&params, &transfers).unwrap();
    (genesis, transfers, witness)
}

/// Two funded accounts (slots 5 and 9 of a `SMALL` tree) and the tree holding them.
fn two_accounts(a: Account, b: Account) -> AccountTree {
    let mut tree = AccountTree::new(SMALL.depth).unwrap();
    tree.set_account(5, a).unwrap();
    tree.set_account(9, b).unwrap();
    tree
}

fn account(owner: u64, balance: u64, nonce: u64) -> Account {
    Account {
        owner: Fr::from(owner),
        balance,
        nonce,
    }
}

/// Builds the witness the circuit would accept *if it did not check validity*: every update is
/// computed in field arithmetic (`balance - amount` may wrap, `balance + amount` may exceed 2^64,
/// `nonce + 1` may reach 2^64), all roots and the commitment are consistent with it. Updates that
/// fit in `u64` are stored as accounts (so later transfers may touch the slot again); the others
/// only as raw leaves (their slot must not be touched again). Requires `from != to`.
fn forge(genesis: &AccountTree, transfers: &[Transfer]) -> BatchWitness {
    let mut tree = genesis.clone();
    let old_root = tree.root();
    let mut steps = Vec::new();
    for t in transfers {
        assert_ne!(t.from, t.to);
        let sender = tree.account(t.from).unwrap();
        let sender_siblings = tree.merkle_path(t.from).unwrap();
        match (
            sender.balance.checked_sub(t.amount),
            sender.nonce.checked_add(1),
        ) {
            (Some(balance), Some(nonce)) => tree
                .set_account(
                    t.from,
                    Account {
                        balance,
                        nonce,
                        ..sender
                    },
                )
                .unwrap(),
            _ => {
                let packed = Fr::from(sender.balance) - Fr::from(t.amount)
                    + (Fr::from(sender.nonce) + Fr::ONE) * pow2(64);
                tree.set_leaf(t.from, hash(Domain::Leaf, sender.owner, packed));
            }
        }

        let recipient = tree.account(t.to).unwrap();
        let recipient_siblings = tree.merkle_path(t.to).unwrap();
        match recipient.balance.checked_add(t.amount) {
            Some(balance) => tree
                .set_account(
                    t.to,
                    Account {
                        balance,
                        ..recipient
                    },
                )
                .unwrap(),
            None => {
                let packed = Fr::from(recipient.balance)
                    + Fr::from(t.amount)
                    + Fr::from(recipient.nonce) * pow2(64);
                tree.set_leaf(t.to, hash(Domain::Leaf, recipient.owner, packed));
            }
        }
        steps.push(TransferWitness {
            transfer: *t,
            sender,
            sender_siblings,
            recipient,
            recipient_siblings,
        });
    }
    BatchWitness {
        statement: BatchStatement {
            old_root,
            new_root: tree.root(),
            tx_commitment: tx_commitment(transfers),
        },
        steps,
    }
}

#[test]
fn valid_batches_satisfy_the_circuit() {
    for seed in 0..4 {
        let (_, _, witness) = valid(SMALL, seed);
        witness.check(&SMALL).unwrap();
        assert!(satisfied(SMALL, &witness), "seed {seed}");
    }
    let params = BatchParams {
        transfers: 3,
        depth: 1,
    };
    let (_, _, witness) = valid(params, 7);
    assert!(satisfied(params, &witness));
}

#[test]
fn self_transfer_and_empty_recipient_satisfy_the_circuit() {
    let tree = two_accounts(account(1, 100, 3), account(2, 50, 0));
    let transfers = [
        Transfer {
            from: 5,
            to: 5,
            amount: 60,
            nonce: 3,
        },
        Transfer {
            from: 5,
            to: 63,
            amount: 100,
            nonce: 4,
        },
    ];
    let mut after = tree.clone();
    let (statement, witness) = after.apply_batch(&SMALL, &transfers).unwrap();
    assert_eq!(after.account(5).unwrap(), account(1, 0, 5));
    assert_eq!(after.account(63).unwrap(), account(0, 100, 0));
    assert_eq!(statement.new_root, after.root());
    assert!(satisfied(SMALL, &witness));
}

/// The forger agrees with the honest witness builder on valid batches, so in the tests below
/// the forged witness differs from an honest one only in the invalid step.
#[test]
fn forge_matches_apply_batch_on_valid_batches() {
    let tree = two_accounts(account(1, 100, 3), account(2, 50, 0));
    let transfers = [
        Transfer {
            from: 5,
            to: 9,
            amount: 60,
            nonce: 3,
        },
        Transfer {
            from: 9,
            to: 17,
            amount: 110,
            nonce: 0,
        },
    ];
    let (_, witness) = tree.clone().apply_batch(&SMALL, &transfers).unwrap();
    assert_eq!(forge(&tree, &transfers), witness);
    assert!(satisfied(SMALL, &witness));
}

#[test]
fn overdraft_is_unsatisfiable() {
    let tree = two_accounts(account(1, 100, 0), account(2, 50, 0));
    let transfers = [
        Transfer {
            from: 5,
            to: 9,
            amount: 101,
            nonce: 0,
        },
        Transfer {
            from: 9,
            to: 17,
            amount: 1,
            nonce: 0,
        },
    ];
    assert!(matches!(
        tree.clone().apply_batch(&SMALL, &transfers),
        Err(Error::InvalidBatch(_))
    ));
    let witness = forge(&tree, &transfers);
    assert!(witness.check(&SMALL).is_err());
    assert!(!satisfied(SMALL, &witness));
    // Only the range check of `balance - amount` fails.
    assert_eq!(unsatisfied_rows(SMALL, &witness), 1);
}

#[test]
fn recipient_overflow_is_unsatisfiable() {
    let tree = two_accounts(account(1, 100, 0), account(2, u64::MAX - 5, 0));
    let transfers = [
        Transfer {
            from: 5,
            to: 9,
            amount: 6,
            nonce: 0,
        },
        Transfer {
            from: 5,
            to: 17,
            amount: 1,
            nonce: 1,
        },
    ];
    assert!(tree.clone().apply_batch(&SMALL, &transfers).is_err());
    let witness = forge(&tree, &transfers);
    assert!(!satisfied(SMALL, &witness));
    // Only the range check of `balance + amount` fails.
    assert_eq!(unsatisfied_rows(SMALL, &witness), 1);
    // One less and the same construction is fine.
    let mut ok = transfers;
    ok[0].amount = 5;
    assert!(satisfied(SMALL, &forge(&tree, &ok)));
}

#[test]
fn exhausted_nonce_is_unsatisfiable() {
    let tree = two_accounts(account(1, 100, u64::MAX), account(2, 50, 0));
    let transfers = [
        Transfer {
            from: 5,
            to: 9,
            amount: 1,
            nonce: u64::MAX,
        },
        Transfer {
            from: 9,
            to: 17,
            amount: 1,
            nonce: 0,
        },
    ];
    assert!(tree.clone().apply_batch(&SMALL, &transfers).is_err());
    let witness = forge(&tree, &transfers);
    assert!(!satisfied(SMALL, &witness));
    // Only the `nonce != 2^64 - 1` constraint fails.
    assert_eq!(unsatisfied_rows(SMALL, &witness), 1);
}

#[test]
fn wrong_nonce_is_unsatisfiable() {
    let tree = two_accounts(account(1, 100, 7), account(2, 50, 0));
    let mut transfers = [
        Transfer {
            from: 5,
            to: 9,
            amount: 1,
            nonce: 7,
        },
        Transfer {
            from: 9,
            to: 17,
            amount: 1,
            nonce: 0,
        },
    ];
    let honest = forge(&tree, &transfers);
    assert!(satisfied(SMALL, &honest));
    assert_eq!(unsatisfied_rows(SMALL, &honest), 0);
    // The batch commits to nonce 8 while the sender's nonce is 7.
    transfers[0].nonce = 8;
    assert!(tree.clone().apply_batch(&SMALL, &transfers).is_err());
    // (a) honest sender account: the committed nonce does not match the chain.
    let mut w = forge(&tree, &transfers);
    assert!(!satisfied(SMALL, &w));
    // Only the final commitment equality fails.
    assert_eq!(unsatisfied_rows(SMALL, &w), 1);
    // (b) the prover claims the sender's nonce is 8: the leaf is not in the tree.
    w.steps[0].sender.nonce = 8;
    assert!(!satisfied(SMALL, &w));
}

#[test]
fn wrong_sender_leaf_is_unsatisfiable() {
    let (_, _, witness) = valid(SMALL, 11);
    let tamperings: [fn(&mut Account); 4] = [
        |a| a.balance += 1,
        |a| a.nonce += 1,
        |a| a.owner += Fr::ONE,
        |a| a.balance = a.balance.wrapping_sub(1),
    ];
    for (k, tamper) in tamperings.iter().enumerate() {
        for step in 0..SMALL.transfers {
            let mut w = witness.clone();
            tamper(&mut w.steps[step].sender);
            assert!(!satisfied(SMALL, &w), "sender tampering {k} at step {step}");
            let mut w = witness.clone();
            tamper(&mut w.steps[step].recipient);
            assert!(
                !satisfied(SMALL, &w),
                "recipient tampering {k} at step {step}"
            );
        }
    }
}

#[test]
fn wrong_path_is_unsatisfiable() {
    let (_, _, witness) = valid(SMALL, 12);
    for level in [0, SMALL.depth - 1] {
        let mut w = witness.clone();
        w.steps[0].sender_siblings[level] += Fr::ONE;
        assert!(!satisfied(SMALL, &w));
        let mut w = witness.clone();
        w.steps[1].recipient_siblings[level] += Fr::ONE;
        assert!(!satisfied(SMALL, &w));
    }
    // Other index bits (the commitment is recomputed, so only the path can fail).
    for step in 0..SMALL.transfers {
        for flip in [1u64, 1 << (SMALL.depth - 1)] {
            let mut w = witness.clone();
            w.steps[step].transfer.from ^= flip;
            w.statement.tx_commitment = tx_commitment(&w.transfers());
            assert!(!satisfied(SMALL, &w));
            let mut w = witness.clone();
            w.steps[step].transfer.to ^= flip;
            w.statement.tx_commitment = tx_commitment(&w.transfers());
            assert!(!satisfied(SMALL, &w));
        }
    }
    // An index beyond 2^D: its low D bits name the right slot, but the committed index is not.
    let mut w = witness.clone();
    w.steps[0].transfer.from += 1 << SMALL.depth;
    w.statement.tx_commitment = tx_commitment(&w.transfers());
    assert!(!satisfied(SMALL, &w));
}

#[test]
fn tampered_public_inputs_are_unsatisfiable() {
    let (_, _, witness) = valid(SMALL, 13);
    for k in 0..3 {
        let mut w = witness.clone();
        match k {
            0 => w.statement.old_root += Fr::ONE,
            1 => w.statement.new_root += Fr::ONE,
            _ => w.statement.tx_commitment += Fr::ONE,
        }
        assert!(!satisfied(SMALL, &w), "public input {k}");
    }
    // A different amount in the committed batch.
    let mut w = witness.clone();
    w.steps[0].transfer.amount += 1;
    assert!(!satisfied(SMALL, &w));
}

#[test]
fn wrong_shape_is_an_error_not_a_panic() {
    let (_, _, witness) = valid(SMALL, 14);
    let cs = ConstraintSystem::<Fr>::new_ref();
    let other = BatchParams {
        transfers: 3,
        ..SMALL
    };
    assert!(BatchCircuit::new(other, witness.clone())
        .generate_constraints(cs)
        .is_err());
    let mut w = witness.clone();
    w.steps[1].recipient_siblings.pop();
    let cs = ConstraintSystem::<Fr>::new_ref();
    assert!(BatchCircuit::new(SMALL, w.clone())
        .generate_constraints(cs)
        .is_err());
    assert!(w.check(&SMALL).is_err());
}

/// `966 D + 1893` per transfer, minus 3 for the constant first chain input, plus 2.
#[test]
fn constraint_count_formula() {
    for (k, d) in [(1usize, 1usize), (2, 6), (3, 9)] {
        let params = BatchParams {
            transfers: k,
            depth: d,
        };
        assert_eq!(params.constraint_count().unwrap(), k * (966 * d + 1893) - 1);
    }
    let cs = ConstraintSystem::<Fr>::new_ref();
    let (_, _, witness) = valid(SMALL, 15);
    BatchCircuit::new(SMALL, witness)
        .generate_constraints(cs.clone())
        .unwrap();
    assert_eq!(cs.num_constraints(), SMALL.constraint_count().unwrap());
    assert_eq!(
        cs.num_instance_variables(),
        1 + BatchStatement::NUM_PUBLIC_INPUTS
    );
}

#[test]
fn default_constraint_count() {
    let n = BatchParams::DEFAULT.constraint_count().unwrap();
    println!("BatchParams::DEFAULT constraint count: {n}");
    assert!((50_000..150_000).contains(&n), "{n}");
    assert_eq!(n, 84_851);
}

#[test]
fn groth16_round_trip() {
    let mut r = rng(20);
    let (pk, vk) = setup(&SMALL, &mut r).unwrap();
    let (_, _, witness) = valid(SMALL, 21);
    let proof = prove(&pk, &SMALL, &witness, &mut r).unwrap();
    let inputs = witness.statement().public_inputs();
    assert!(Groth16::<Curve>::verify(&vk, &inputs, &proof).unwrap());
    assert_eq!(
        BatchStatement::from_public_inputs(&inputs).unwrap(),
        *witness.statement()
    );
    for k in 0..3 {
        let mut bad = inputs.clone();
        bad[k] += Fr::ONE;
        assert!(!Groth16::<Curve>::verify(&vk, &bad, &proof).unwrap());
    }
    // An inconsistent witness is refused before proving.
    let mut w = witness.clone();
    w.steps[0].sender.balance += 1;
    assert!(matches!(
        prove(&pk, &SMALL, &w, &mut r),
        Err(Error::InvalidBatch(_))
    ));
    // A key of another shape with the same number of inputs cannot be detected cheaply, but a
    // witness of another shape is refused.
    let other = BatchParams {
        transfers: 1,
        ..SMALL
    };
    assert!(prove(&pk, &other, &witness, &mut r).is_err());
}

/// Timing at the default shape: `cargo test --release -p zkagg-core --lib default_proof_time
/// -- --ignored --nocapture`.
#[test]
#[ignore]
fn default_proof_time() {
    use std::time::Instant;
    let params = BatchParams::DEFAULT;
    let mut r = rng(30);
    let t = Instant::now();
    let (pk, vk) = setup(&params, &mut r).unwrap();
    println!("setup: {:?}", t.elapsed());
    let (genesis, transfers) = random_genesis_and_batch(&params, &mut r).unwrap();
    let mut tree = genesis;
    let t = Instant::now();
    let (statement, witness) = tree.apply_batch(&params, &transfers).unwrap();
    println!("native apply_batch: {:?}", t.elapsed());
    let t = Instant::now();
    let proof = prove(&pk, &params, &witness, &mut r).unwrap();
    println!("prove: {:?}", t.elapsed());
    assert!(Groth16::<Curve>::verify(&vk, &statement.public_inputs(), &proof).unwrap());
}
