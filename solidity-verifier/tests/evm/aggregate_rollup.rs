//! The aggregate rollup end to end on simulated decider proofs: a valid settle moves the root and
//! emits Settled (gas of the whole transaction measured), and nothing else does: replays, a wrong
//! oldRoot, an empty aggregate, an unmoved root, a tampered proof.

use ark_bn254::Fr;
use ark_ff::{One, UniformRand};
use zkagg_core::formats::calldata::{field_to_word, Word};
use zkagg_solidity_verifier::abi::{self, encode_call, settle_call, SETTLE_SIGNATURE};
use zkagg_solidity_verifier::aggregate::{AggregateProof, AggregateStatement};
use zkagg_solidity_verifier::harness::evm::{hex, Address, CallResult, Evm, Outcome};

use crate::common::r_word;
use crate::simulator::{self, contracts, keys, random_statement};

/// Gas budget of a settle transaction (receipt: intrinsic 21,000 + calldata + execution), and
/// the stretch goal.
pub const SETTLE_BUDGET: u64 = 350_000;
pub const SETTLE_STRETCH: u64 = 300_000;

pub struct Rollup {
    pub evm: Evm,
    pub address: Address,
}

impl Rollup {
    pub fn deploy(genesis: Word) -> zkagg_solidity_verifier::Result<Self> {
        let mut evm = Evm::new();
        let mut initcode = contracts().rollup().bytecode.clone();
        initcode.extend_from_slice(&genesis);
        let address = evm.deploy(&initcode)?.address;
        Ok(Self { evm, address })
    }

    pub fn settle(&mut self, proof: &AggregateProof, statement: &AggregateStatement) -> CallResult {
        self.evm
            .call(self.address, &settle_call(proof, statement))
            .expect("call")
    }

    pub fn root(&mut self) -> Word {
        let selector = contracts().rollup().selector("root()").expect("root()");
        let result = self
            .evm
            .call(self.address, &encode_call(selector, &[]))
            .expect("call");
        result.output().expect("output").try_into().expect("word")
    }
}

pub fn error_data(signature: &str, args: &[Word]) -> Vec<u8> {
    encode_call(abi::selector(signature), args)
}

fn assert_reverted(result: &CallResult, expected: &[u8], what: &str) {
    match &result.outcome {
        Outcome::Revert { output } => assert_eq!(hex(output), hex(expected), "{what}"),
        other => panic!("{what}: expected a revert, got {other:?}"),
    }
}

#[test]
fn the_aggregate_rollup_settles_valid_aggregates_and_nothing_else() {
    let key = &keys().0;
    let mut rng = simulator::rng(61);
    let genesis = Fr::rand(&mut rng);
    let mut rollup = Rollup::deploy(field_to_word(&genesis)).expect("deploy");
    assert_eq!(rollup.root(), field_to_word(&genesis));
    assert_eq!(
        contracts()
            .rollup()
            .selector(SETTLE_SIGNATURE)
            .expect("settle"),
        abi::selector(SETTLE_SIGNATURE)
    );

    let first = random_statement(&mut rng, genesis);
    let proof = key.prove(&first, &mut rng);
    let st = first.statement;

    // A wrong oldRoot: stale.
    let mut wrong_old = first;
    wrong_old.statement.old_root += Fr::one();
    let wrong_proof = key.prove(&wrong_old, &mut rng);
    let result = rollup.settle(&wrong_proof, &wrong_old.statement);
    assert_reverted(
        &result,
        &error_data(
            "StaleRoot(uint256,uint256)",
            &[
                field_to_word(&genesis),
                field_to_word(&wrong_old.statement.old_root),
            ],
        ),
        "wrong oldRoot",
    );
    // An empty aggregate and an aggregate that does not move the root (valid proofs for both).
    let mut empty = first;
    empty.statement.count = 0;
    let empty_proof = key.prove(&empty, &mut rng);
    assert_reverted(
        &rollup.settle(&empty_proof, &empty.statement),
        &error_data("EmptyAggregate()", &[]),
        "count 0",
    );
    let mut unmoved = first;
    unmoved.statement.new_root = genesis;
    let unmoved_proof = key.prove(&unmoved, &mut rng);
    assert_reverted(
        &rollup.settle(&unmoved_proof, &unmoved.statement),
        &error_data("RootUnchanged(uint256)", &[field_to_word(&genesis)]),
        "newRoot == oldRoot",
    );
    // A tampered proof or statement (a forged newRoot; one word of the proof, of pi, of a
    // commitment, alpha, statementsRoot with its low bit flipped): invalid, the root is kept.
    let mut forged = st;
    forged.new_root += Fr::one();
    assert_reverted(
        &rollup.settle(&proof, &forged),
        &error_data("InvalidProof()", &[]),
        "forged newRoot",
    );
    let valid_words = abi::aggregate_words(&proof, &st);
    for k in [0, 5, 8, 13, 14, 16] {
        let mut words = valid_words.to_vec();
        words[k][31] ^= 1;
        let result = rollup
            .evm
            .call(
                rollup.address,
                &encode_call(abi::selector(SETTLE_SIGNATURE), &words),
            )
            .expect("call");
        assert_reverted(
            &result,
            &error_data("InvalidProof()", &[]),
            &format!("word {k}"),
        );
    }
    assert_eq!(
        rollup.root(),
        field_to_word(&genesis),
        "nothing settled yet"
    );

    // The valid aggregate: settled, root moved, event emitted.
    let result = rollup.settle(&proof, &st);
    assert!(
        matches!(result.outcome, Outcome::Success { .. }),
        "{result:?}"
    );
    println!(
        "settle: {} gas (receipt; intrinsic {} incl. calldata, execution {}); budget \
         {SETTLE_BUDGET}, stretch {SETTLE_STRETCH}",
        result.gas.tx,
        result.gas.intrinsic,
        result.gas.execution()
    );
    assert!(result.gas.tx < SETTLE_BUDGET, "{:?}", result.gas);
    assert!(result.gas.tx < SETTLE_STRETCH, "{:?}", result.gas);
    let logs = result.logs();
    assert_eq!(logs.len(), 1);
    assert_eq!(logs[0].address, rollup.address);
    assert_eq!(
        logs[0].topics,
        vec![abi::keccak(b"Settled(uint256,uint256,uint256,uint256)")]
    );
    let data: Vec<u8> = [
        field_to_word(&st.old_root),
        field_to_word(&st.new_root),
        abi::u64_word(st.count),
        field_to_word(&st.statements_root),
    ]
    .concat();
    assert_eq!(logs[0].data, data);
    assert_eq!(rollup.root(), field_to_word(&st.new_root));

    // Replay: stale.
    assert_reverted(
        &rollup.settle(&proof, &st),
        &error_data(
            "StaleRoot(uint256,uint256)",
            &[field_to_word(&st.new_root), field_to_word(&st.old_root)],
        ),
        "replay",
    );
    // A re-randomised proof of the same aggregate ((-A, -B, C): a valid proof with other bytes)
    // is stale as well: the rollup keys on roots, not on proof bytes.
    let rerandomised = AggregateProof {
        a: -proof.a,
        b: -proof.b,
        ..proof
    };
    assert!(zkagg_solidity_verifier::aggregate::verify_aggregate(
        &key.params,
        &rerandomised,
        &st
    ));
    assert!(matches!(
        rollup.settle(&rerandomised, &st).outcome,
        Outcome::Revert { .. }
    ));

    // The next aggregate chains on.
    let second = random_statement(&mut rng, st.new_root);
    let proof2 = key.prove(&second, &mut rng);
    let result = rollup.settle(&proof2, &second.statement);
    assert!(
        matches!(result.outcome, Outcome::Success { .. }),
        "{result:?}"
    );
    assert_eq!(rollup.root(), field_to_word(&second.statement.new_root));
    // The rollup's own verifyAggregate (inherited) agrees.
    let result = rollup
        .evm
        .call(
            rollup.address,
            &abi::verify_aggregate_call(&proof2, &second.statement),
        )
        .expect("call");
    assert!(result.returned_bool().expect("bool"));
}

#[test]
fn the_aggregate_rollup_refuses_a_genesis_root_outside_the_field() {
    let error = Rollup::deploy(r_word())
        .err()
        .expect("deployment must fail");
    let expected = format!("0x{}", hex(&abi::selector("GenesisRootNotInField()")));
    assert!(error.to_string().contains(&expected), "{error}");
}
