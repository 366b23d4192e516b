//! The example rollup end to end: it holds the batch circuit's state root and moves it only with
//! a valid batch proof whose old_root is the current root, emitting BatchAccepted.

use zkagg_core::formats::calldata::{field_to_word, proof_to_words, Word};
use zkagg_core::{Fr, Proof};
use zkagg_solidity_verifier::abi::{self, encode_call};
use zkagg_solidity_verifier::harness::evm::{Address, CallResult, Evm, Outcome};

use crate::common::{self, r_word};

struct Rollup {
    evm: Evm,
    address: Address,
}

fn address_word(address: Address) -> Word {
    let mut word = [0u8; 32];
    word[12..].copy_from_slice(address.as_slice());
    word
}

fn rollup_selector(signature: &str) -> [u8; 4] {
    common::contracts()
        .artifact("BatchRollup")
        .selector(signature)
        .expect("selector")
}

impl Rollup {
    fn deploy(genesis_root: Word) -> Result<Self, zkagg_solidity_verifier::Error> {
        let contracts = common::contracts();
        let mut evm = Evm::new();
        let verifier = contracts.deploy(&mut evm, "BatchVerifier", &[]);
        let mut initcode = contracts.artifact("BatchRollup").bytecode.clone();
        initcode.extend_from_slice(&address_word(verifier));
        initcode.extend_from_slice(&genesis_root);
        let address = evm.deploy(&initcode)?.address;
        Ok(Self { evm, address })
    }

    fn submit(&mut self, proof: &Proof, inputs: &[Fr]) -> CallResult {
        let mut words = proof_to_words(proof).to_vec();
        words.extend(inputs.iter().map(field_to_word));
        let data = encode_call(
            rollup_selector("submitBatch(uint256[8],uint256[3])"),
            &words,
        );
        self.evm.call(self.address, &data).expect("call")
    }

    fn word(&mut self, getter: &str) -> Word {
        let result = self
            .evm
            .call(self.address, &encode_call(rollup_selector(getter), &[]))
            .expect("call");
        result
            .output()
            .expect("output")
            .try_into()
            .expect("one word")
    }
}

fn error_data(name: &str, args: &[Word]) -> Vec<u8> {
    encode_call(abi::selector(name), args)
}

fn assert_reverted(result: &CallResult, expected: &[u8], what: &str) {
    match &result.outcome {
        Outcome::Revert { output } => assert_eq!(output, expected, "{what}"),
        other => panic!("{what}: expected a revert, got {other:?}"),
    }
}

#[test]
fn the_rollup_accepts_a_chain_of_valid_batches_and_nothing_else() {
    let batches = common::batches();
    let first = &batches.fixture;
    let (second_proof, second_inputs) = &batches.second;
    let genesis = field_to_word(&batches.genesis_root);
    let mut rollup = Rollup::deploy(genesis).expect("deploy");
    assert_eq!(rollup.word("stateRoot()"), genesis);

    // The second batch first: its old_root is not the current root.
    let result = rollup.submit(second_proof, second_inputs);
    assert_reverted(
        &result,
        &error_data(
            "StaleRoot(uint256,uint256)",
            &[genesis, field_to_word(&second_inputs[0])],
        ),
        "batch 2 before batch 1",
    );

    // The first batch with a forged new root: the proof does not verify.
    let mut forged = first.inputs.clone();
    forged[1] += Fr::from(1u64);
    let result = rollup.submit(&first.proof, &forged);
    assert_reverted(
        &result,
        &error_data("InvalidProof()", &[]),
        "forged new_root",
    );

    // The first batch's proof with the second batch's inputs rewritten to start at genesis.
    let mut spliced = second_inputs.clone();
    spliced[0] = batches.genesis_root;
    let result = rollup.submit(second_proof, &spliced);
    assert_reverted(
        &result,
        &error_data("InvalidProof()", &[]),
        "spliced statement",
    );
    assert_eq!(
        rollup.word("stateRoot()"),
        genesis,
        "nothing was accepted yet"
    );

    // The first batch, valid: accepted, root moved, event emitted.
    let result = rollup.submit(&first.proof, &first.inputs);
    assert!(
        matches!(result.outcome, Outcome::Success { .. }),
        "{result:?}"
    );
    println!("submitBatch: {} gas (receipt)", result.gas.tx);
    assert!(result.gas.tx < 300_000, "{:?}", result.gas);
    let logs = result.logs();
    assert_eq!(logs.len(), 1);
    assert_eq!(logs[0].address, rollup.address);
    assert_eq!(
        logs[0].topics,
        vec![
            abi::keccak(b"BatchAccepted(uint256,uint256,uint256,uint256)"),
            [0u8; 32]
        ]
    );
    let data: Vec<u8> = first.inputs.iter().flat_map(field_to_word).collect();
    assert_eq!(logs[0].data, data);
    assert_eq!(rollup.word("stateRoot()"), field_to_word(&first.inputs[1]));
    assert_eq!(rollup.word("batchCount()"), abi::u64_word(1));

    // Replaying it fails: its old_root is no longer current.
    let result = rollup.submit(&first.proof, &first.inputs);
    assert_reverted(
        &result,
        &error_data(
            "StaleRoot(uint256,uint256)",
            &[
                field_to_word(&first.inputs[1]),
                field_to_word(&first.inputs[0]),
            ],
        ),
        "replay",
    );

    // The second batch now chains on: accepted as batch number 1.
    let result = rollup.submit(second_proof, second_inputs);
    assert!(
        matches!(result.outcome, Outcome::Success { .. }),
        "{result:?}"
    );
    assert_eq!(result.logs()[0].topics[1], abi::u64_word(1));
    assert_eq!(rollup.word("stateRoot()"), field_to_word(&second_inputs[1]));
    assert_eq!(rollup.word("batchCount()"), abi::u64_word(2));
}

#[test]
fn the_rollup_refuses_a_genesis_root_outside_the_field() {
    let error = Rollup::deploy(r_word())
        .err()
        .expect("deployment must fail");
    let expected = format!(
        "0x{}",
        zkagg_solidity_verifier::harness::evm::hex(&abi::selector("GenesisRootNotInField()"))
    );
    assert!(error.to_string().contains(&expected), "{error}");
}
