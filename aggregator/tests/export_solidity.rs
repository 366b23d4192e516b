//! `zkagg export-solidity` end to end: the contract written from a snarkjs or binary key is the
//! generator's, compiles with the pinned solc and accepts the key's proof in revm; bad keys,
//! names and options exit 2 with a message.

use std::path::Path;
use std::process::{Command, Output};

use zkagg_core::formats::{binary, load_proof, load_public_inputs, load_verifying_key};
use zkagg_solidity_verifier::harness::{evm::Evm, solc};
use zkagg_solidity_verifier::{abi, generate, Options};

const FIXTURES: &str = concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/../core/tests/fixtures/snarkjs"
);

fn zkagg(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_zkagg"))
        .args(args)
        .output()
        .expect("run zkagg")
}

fn code(output: &Output) -> i32 {
    output.status.code().expect("exit code")
}

fn stderr(output: &Output) -> String {
    String::from_utf8_lossy(&output.stderr).into_owned()
}

fn p(path: &Path) -> &str {
    path.to_str().expect("utf-8 path")
}

fn fixture(file: &str) -> Vec<u8> {
    std::fs::read(Path::new(FIXTURES).join(file)).expect("fixture")
}

#[test]
fn exports_a_verifier_that_accepts_the_keys_proof_on_chain() {
    let dir = tempfile::tempdir().expect("tempdir");
    let vk_json = Path::new(FIXTURES).join("verification_key.json");
    let out_json = dir.path().join("Verifier.sol");
    let out = zkagg(&[
        "export-solidity",
        "--vk",
        p(&vk_json),
        "--out",
        p(&out_json),
    ]);
    assert_eq!(code(&out), 0, "{}", stderr(&out));
    let source = std::fs::read_to_string(&out_json).expect("written");

    // The same key in arkworks binary gives the same contract; so does the library.
    let vk = load_verifying_key(&fixture("verification_key.json")).expect("vk");
    let vk_bin = dir.path().join("verification_key.bin");
    std::fs::write(&vk_bin, binary::verifying_key_to_bytes(&vk)).expect("write");
    let out_bin = dir.path().join("FromBinary.sol");
    let out = zkagg(&[
        "export-solidity",
        "--vk",
        p(&vk_bin),
        "--out",
        p(&out_bin),
        "-q",
    ]);
    assert_eq!(code(&out), 0, "{}", stderr(&out));
    assert_eq!(std::fs::read_to_string(&out_bin).expect("written"), source);
    assert_eq!(
        source,
        generate(&vk, &Options::default()).expect("generate")
    );

    // It names the key the way `zkagg vk-hash` does.
    let out = zkagg(&["vk-hash", "--vk", p(&vk_json)]);
    let vk_hash = String::from_utf8_lossy(&out.stdout).trim().to_string();
    assert!(source.contains(&vk_hash), "{vk_hash}");

    // Compiled and run: the fixture's proof verifies, a tampered input does not.
    let output = solc::compile(&[("Verifier.sol", &source)]).expect("solc");
    let artifact = output
        .contract("Verifier.sol", "Groth16Verifier")
        .expect("contract");
    let mut evm = Evm::new();
    let address = evm.deploy(&artifact.bytecode).expect("deploy").address;
    let proof = load_proof(&fixture("proof.json")).expect("proof");
    let inputs = load_public_inputs(&fixture("public.json")).expect("inputs");
    let result = evm
        .call(address, &abi::verify_proof_call(&proof, &inputs))
        .expect("call");
    assert!(result.returned_bool().expect("bool"));
    let mut tampered = inputs.clone();
    tampered[2] += zkagg_core::Fr::from(1u64);
    let result = evm
        .call(address, &abi::verify_proof_call(&proof, &tampered))
        .expect("call");
    assert!(!result.returned_bool().expect("bool"));
}

#[test]
fn contract_name_and_pairing_gas_options() {
    let dir = tempfile::tempdir().expect("tempdir");
    let vk = Path::new(FIXTURES).join("verification_key.json");
    let out_file = dir.path().join("Named.sol");
    let out = zkagg(&[
        "export-solidity",
        "--vk",
        p(&vk),
        "--out",
        p(&out_file),
        "--contract-name",
        "SnarkjsFixtureVerifier",
        "--pairing-gas",
        "181000",
    ]);
    assert_eq!(code(&out), 0, "{}", stderr(&out));
    let source = std::fs::read_to_string(&out_file).expect("written");
    assert!(source.contains("contract SnarkjsFixtureVerifier {"));
    assert!(source.contains("PAIRING_GAS = 181000;"));
    assert!(stderr(&out).contains("SnarkjsFixtureVerifier"));
}

#[test]
fn bad_keys_names_and_options_exit_2_with_a_message() {
    let dir = tempfile::tempdir().expect("tempdir");
    let vk = Path::new(FIXTURES).join("verification_key.json");
    let out_file = dir.path().join("X.sol");

    let missing = dir.path().join("nope.json");
    let out = zkagg(&[
        "export-solidity",
        "--vk",
        p(&missing),
        "--out",
        p(&out_file),
    ]);
    assert_eq!(code(&out), 2);
    assert!(stderr(&out).contains("nope.json"), "{}", stderr(&out));

    // A key whose delta is not on the curve: named in the message.
    let mut json: serde_json::Value =
        serde_json::from_slice(&fixture("verification_key.json")).expect("json");
    json["vk_delta_2"][0][0] = serde_json::Value::String("1".into());
    let bad = dir.path().join("bad_vk.json");
    std::fs::write(&bad, json.to_string()).expect("write");
    let out = zkagg(&["export-solidity", "--vk", p(&bad), "--out", p(&out_file)]);
    assert_eq!(code(&out), 2);
    assert!(stderr(&out).contains("vk_delta_2"), "{}", stderr(&out));

    let out = zkagg(&[
        "export-solidity",
        "--vk",
        p(&vk),
        "--out",
        p(&out_file),
        "--contract-name",
        "not-an-identifier",
    ]);
    assert_eq!(code(&out), 2);
    assert!(stderr(&out).contains("--contract-name"), "{}", stderr(&out));

    let out = zkagg(&[
        "export-solidity",
        "--vk",
        p(&vk),
        "--out",
        p(&out_file),
        "--pairing-gas",
        "1000",
    ]);
    assert_eq!(code(&out), 2);
    assert!(stderr(&out).contains("pairing gas"), "{}", stderr(&out));

    // Nothing was written by the failed runs.
    assert!(!out_file.exists());

    let out = zkagg(&["export-solidity", "--vk", p(&vk)]);
    assert_eq!(code(&out), 2, "missing --out is a usage error");
}
