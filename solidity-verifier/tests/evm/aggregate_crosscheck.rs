//! Data for the second-EVM cross-check of the aggregate contracts
//! (`solidity-verifier/tests/evm-aggregate-crosscheck.test.mjs`, run by `node --test` in
//! scripts/test.sh): the generated rollup file (verifier + rollup), revm's verdicts and execution
//! gas for verifyAggregate calls and for a sequence of settle transactions, and the Rust
//! reference's P, D and rho for the valid call, which the Node test recomputes independently
//! (node:crypto SHA-256, noble keccak and BN254) and replays in @ethereumjs/evm.

use ark_bn254::{Fr, G1Affine, G2Affine};
use ark_ec::{AffineRepr, CurveGroup};
use ark_ff::{One, UniformRand};
use serde_json::{json, Value};
use zkagg_core::formats::calldata::{field_to_word, word_to_hex, Word};
use zkagg_solidity_verifier::abi::{
    self, aggregate_words, encode_call, g1_to_words, g2_to_words, SETTLE_SIGNATURE,
    VERIFY_AGGREGATE_SIGNATURE,
};
use zkagg_solidity_verifier::aggregate::{aggregate_rho, folded_commitment, statement_digest};
use zkagg_solidity_verifier::harness::evm::{hex, Evm, Outcome};
use zkagg_solidity_verifier::harness::solc;

use crate::aggregate_rollup::Rollup;
use crate::common::g2_outside_subgroup;
use crate::simulator::{self, contracts, keys, random_statement, ROLLUP_FILE};

/// Where the record goes: `<target dir>/tmp/zkagg-solidity-verifier/revm-aggregate-crosscheck.json`.
pub fn record_path() -> std::path::PathBuf {
    std::path::Path::new(env!("CARGO_TARGET_TMPDIR"))
        .join("zkagg-solidity-verifier")
        .join("revm-aggregate-crosscheck.json")
}

fn data_hex(data: &[u8]) -> String {
    format!("0x{}", hex(data))
}

fn words_hex(words: &[Word]) -> Vec<String> {
    words.iter().map(word_to_hex).collect()
}

#[test]
fn record_revm_results_for_the_node_aggregate_crosscheck() {
    let key = &keys().0;
    let contracts = contracts();
    let mut rng = simulator::rng(71);

    // verifyAggregate: a valid call and tamperings of every kind.
    let old_root = Fr::rand(&mut rng);
    let sim = random_statement(&mut rng, old_root);
    let proof = key.prove(&sim, &mut rng);
    let st = sim.statement;
    let valid = aggregate_words(&proof, &st).to_vec();
    let mut cases: Vec<(String, Vec<Word>)> = vec![("valid".into(), valid.clone())];
    for k in 0..19 {
        let mut w = valid.clone();
        w[k][31] ^= 1;
        cases.push((format!("word{k}^1"), w));
    }
    let mut w = valid.clone();
    w[15] = abi::u64_word(st.count + 1);
    cases.push(("count+1".into(), w));
    let mut w = valid.clone();
    w[8..10].copy_from_slice(&g1_to_words(
        &(proof.pi.into_group() + G1Affine::generator()).into_affine(),
    ));
    cases.push(("otherPi".into(), w));
    let mut w = valid.clone();
    w[2..6].copy_from_slice(&g2_to_words(&g2_outside_subgroup()));
    cases.push(("offSubgroupB".into(), w));
    let mut w = valid.clone();
    w[2..6].copy_from_slice(&g2_to_words(
        &(proof.b.into_group() + G2Affine::generator()).into_affine(),
    ));
    cases.push(("otherB".into(), w));
    let mut w = valid.clone();
    w[10..12].copy_from_slice(&[[0; 32]; 2]);
    cases.push(("infinityCN".into(), w));

    let mut evm = Evm::new();
    let verifier = simulator::deploy(&mut evm, contracts.verifier(), &[]);
    let selector = abi::selector(VERIFY_AGGREGATE_SIGNATURE);
    let mut verifier_cases = Vec::new();
    for (label, words) in &cases {
        let data = encode_call(selector, words);
        let result = evm.call(verifier, &data).expect("call");
        let returned = result.returned_bool().expect("bool");
        assert_eq!(returned, label == "valid", "{label}");
        verifier_cases.push(json!({
            "label": label,
            "calldata": data_hex(&data),
            "returned": returned,
            "executionGas": result.gas.execution(),
            "txGas": result.gas.tx,
        }));
    }

    // settle: a sequence of transactions on one rollup.
    let genesis = st.old_root;
    let mut rollup = Rollup::deploy(field_to_word(&genesis)).expect("deploy");
    let second = random_statement(&mut rng, st.new_root);
    let proof2 = key.prove(&second, &mut rng);
    let settle = abi::selector(SETTLE_SIGNATURE);
    let mut tampered = valid.clone();
    tampered[8][31] ^= 1;
    let mut wrong_old = valid.clone();
    wrong_old[17] = field_to_word(&(st.old_root + Fr::one()));
    let steps: Vec<(&str, Vec<Word>)> = vec![
        ("tamperedPi", tampered),
        ("wrongOldRoot", wrong_old),
        ("settle1", valid.clone()),
        ("replay1", valid.clone()),
        (
            "settle2",
            aggregate_words(&proof2, &second.statement).to_vec(),
        ),
    ];
    let mut rollup_steps = Vec::new();
    for (label, words) in &steps {
        let data = encode_call(settle, words);
        let result = rollup.evm.call(rollup.address, &data).expect("call");
        let (success, output) = match &result.outcome {
            Outcome::Success { output, .. } => (true, output.clone()),
            Outcome::Revert { output } => (false, output.clone()),
            Outcome::Halt { reason } => panic!("{label}: halted {reason}"),
        };
        assert_eq!(success, label.starts_with("settle"), "{label}");
        let root = rollup.root();
        rollup_steps.push(json!({
            "label": label,
            "calldata": data_hex(&data),
            "success": success,
            "output": data_hex(&output),
            "logs": result.logs().iter().map(|l| json!({
                "topics": words_hex(&l.topics),
                "data": data_hex(&l.data),
            })).collect::<Vec<Value>>(),
            "executionGas": result.gas.execution(),
            "txGas": result.gas.tx,
            "rootAfter": word_to_hex(&root),
        }));
    }

    // The Rust reference's values for the valid call.
    let p = statement_digest(key.params.config, &st);
    let d = folded_commitment(&st);
    let rho = aggregate_rho(&proof, &d, p);
    let record = json!({
        "solc": solc::SOLC_VERSION,
        "hardfork": "prague",
        "file": ROLLUP_FILE,
        "source": contracts.rollup_source,
        "verifier": {
            "name": "AggregateVerifier",
            "deployedBytecode": data_hex(&contracts.verifier().deployed_bytecode),
            "signature": VERIFY_AGGREGATE_SIGNATURE,
        },
        "rollup": {
            "name": "AggregateRollup",
            "deployedBytecode": data_hex(&contracts.rollup().deployed_bytecode),
            "signature": SETTLE_SIGNATURE,
            "genesisRoot": word_to_hex(&field_to_word(&genesis)),
        },
        "config": word_to_hex(&field_to_word(&key.params.config)),
        "reference": {
            "calldata": verifier_cases[0]["calldata"],
            "P": word_to_hex(&field_to_word(&p)),
            "D": words_hex(&g1_to_words(&d)),
            "rho": word_to_hex(&field_to_word(&rho)),
        },
        "verifierCases": verifier_cases,
        "rollupSteps": rollup_steps,
    });
    let path = record_path();
    std::fs::create_dir_all(path.parent().expect("parent")).expect("mkdir");
    std::fs::write(&path, serde_json::to_string_pretty(&record).expect("json")).expect("write");
}
