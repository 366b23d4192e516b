//! Data for the second-EVM cross-check (`solidity-verifier/tests/evm-crosscheck.test.mjs`, run by
//! `node --test` in scripts/test.sh): revm's verdicts and execution gas on the committed snarkjs
//! fixture, which the Node test compares with @ethereumjs/evm's on the same bytecode and calldata.

use serde_json::json;
use zkagg_core::formats::calldata::{word_to_hex, Word};
use zkagg_core::Fr;
use zkagg_solidity_verifier::abi;
use zkagg_solidity_verifier::harness::evm::{hex, Evm};
use zkagg_solidity_verifier::harness::solc;
use zkagg_solidity_verifier::{generate, Options};

use crate::common;

/// Where the record goes: `<target dir>/tmp/zkagg-solidity-verifier/revm-crosscheck.json`.
pub fn record_path() -> std::path::PathBuf {
    std::path::Path::new(env!("CARGO_TARGET_TMPDIR"))
        .join("zkagg-solidity-verifier")
        .join("revm-crosscheck.json")
}

#[test]
fn record_revm_results_for_the_node_crosscheck() {
    let fixture = common::snarkjs();
    // Exactly what `zkagg export-solidity --vk verification_key.json` writes, compiled alone
    // under its default file name, as the Node test does.
    let source = generate(&fixture.vk, &Options::default()).expect("generate");
    let output = solc::compile(&[("Groth16Verifier.sol", &source)]).expect("solc");
    let artifact = output
        .contract("Groth16Verifier.sol", "Groth16Verifier")
        .expect("artifact");
    let mut evm = Evm::new();
    let deployed = evm.deploy(&artifact.bytecode).expect("deploy");
    let mut cases = Vec::new();
    let mut tampered = fixture.inputs.clone();
    tampered[0] += Fr::from(1u64);
    let valid_call = abi::verify_proof_call(&fixture.proof, &fixture.inputs);
    let mut off_curve = valid_call.clone();
    off_curve[4 + 63] ^= 1; // A.y's low bit
    for (label, data) in [
        ("valid", valid_call),
        (
            "input0+1",
            abi::verify_proof_call(&fixture.proof, &tampered),
        ),
        ("offCurveA", off_curve),
    ] {
        let result = evm.call(deployed.address, &data).expect("call");
        cases.push(json!({
            "label": label,
            "calldata": format!("0x{}", hex(&data)),
            "returned": result.returned_bool().expect("bool"),
            "executionGas": result.gas.execution(),
        }));
    }
    let vk_hash: Word = zkagg_core::vk_hash::vk_hash(&fixture.vk);
    let record = json!({
        "fixture": "core/tests/fixtures/snarkjs",
        "vkHash": word_to_hex(&vk_hash),
        "solc": solc::SOLC_VERSION,
        "hardfork": "prague",
        "deployedBytecode": format!("0x{}", hex(&artifact.deployed_bytecode)),
        "cases": cases,
    });
    let path = record_path();
    std::fs::create_dir_all(path.parent().expect("parent")).expect("mkdir");
    std::fs::write(&path, serde_json::to_string_pretty(&record).expect("json")).expect("write");
    assert_eq!(record["cases"][0]["returned"], true);
    assert_eq!(record["cases"][1]["returned"], false);
    assert_eq!(record["cases"][2]["returned"], false);
}
