//! The `zkagg` binary end to end: setup, prove-batch, and verify's exit codes
//! (0 valid, 1 invalid proof, 2 malformed input) on JSON and binary files.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use serde_json::Value;

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

/// Small keys (2 transfers, depth 8) and one proof, made once per test process.
fn small_keys_and_proof() -> &'static (tempfile::TempDir, PathBuf, PathBuf) {
    static CELL: std::sync::OnceLock<(tempfile::TempDir, PathBuf, PathBuf)> =
        std::sync::OnceLock::new();
    CELL.get_or_init(|| {
        let dir = tempfile::tempdir().expect("tempdir");
        let keys = dir.path().join("keys");
        let proof = dir.path().join("proof");
        let out = zkagg(&[
            "setup",
            "--transfers",
            "2",
            "--depth",
            "8",
            "--out-dir",
            p(&keys),
            "--insecure-seed",
            "5",
        ]);
        assert_eq!(code(&out), 0, "setup failed: {}", stderr(&out));
        let out = zkagg(&[
            "prove-batch",
            "--keys",
            p(&keys),
            "--out-dir",
            p(&proof),
            "--seed",
            "9",
        ]);
        assert_eq!(code(&out), 0, "prove-batch failed: {}", stderr(&out));
        (dir, keys, proof)
    })
}

fn verify(vk: &Path, proof: &Path, public: &Path) -> Output {
    zkagg(&[
        "verify",
        "--vk",
        p(vk),
        "--proof",
        p(proof),
        "--public",
        p(public),
    ])
}

#[test]
fn batch_proofs_verify_in_json_and_binary() {
    let (_, keys, proof) = small_keys_and_proof();
    for (vk, pr, public) in [
        ("verification_key.json", "proof.json", "public.json"),
        ("verification_key.bin", "proof.bin", "public.bin"),
        ("verification_key.json", "proof.bin", "public.json"),
    ] {
        let out = verify(&keys.join(vk), &proof.join(pr), &proof.join(public));
        assert_eq!(code(&out), 0, "{vk} {pr} {public}: {}", stderr(&out));
        assert!(String::from_utf8_lossy(&out.stdout).starts_with("valid"));
    }
    let batch: Value =
        serde_json::from_slice(&std::fs::read(proof.join("batch.json")).unwrap()).unwrap();
    assert_eq!(batch["transfers"].as_array().unwrap().len(), 2);
}

#[test]
fn tampered_public_input_and_wrong_key_exit_1() {
    let (dir, keys, proof) = small_keys_and_proof();
    let mut public: Vec<String> =
        serde_json::from_slice(&std::fs::read(proof.join("public.json")).unwrap()).unwrap();
    public[1] = "12345".into();
    let tampered = dir.path().join("tampered-public.json");
    std::fs::write(&tampered, serde_json::to_string(&public).unwrap()).unwrap();
    let out = verify(
        &keys.join("verification_key.json"),
        &proof.join("proof.json"),
        &tampered,
    );
    assert_eq!(code(&out), 1, "{}", stderr(&out));

    // a second setup of the same circuit is the wrong key
    let other = dir.path().join("other-keys");
    let out = zkagg(&[
        "setup",
        "--transfers",
        "2",
        "--depth",
        "8",
        "--out-dir",
        p(&other),
        "--insecure-seed",
        "6",
        "-q",
    ]);
    assert_eq!(code(&out), 0);
    let out = verify(
        &other.join("verification_key.json"),
        &proof.join("proof.json"),
        &proof.join("public.json"),
    );
    assert_eq!(code(&out), 1, "{}", stderr(&out));
}

#[test]
fn malformed_or_missing_files_exit_2_with_a_message_naming_the_problem() {
    let (dir, keys, proof) = small_keys_and_proof();
    let vk = keys.join("verification_key.json");
    let public = proof.join("public.json");

    let missing = dir.path().join("nope.json");
    let out = verify(&vk, &missing, &public);
    assert_eq!(code(&out), 2);
    assert!(stderr(&out).contains("nope.json"), "{}", stderr(&out));

    let mut proof_json: Value =
        serde_json::from_slice(&std::fs::read(proof.join("proof.json")).unwrap()).unwrap();
    proof_json["pi_a"][0] = Value::String("not-a-number".into());
    let bad = dir.path().join("bad-proof.json");
    std::fs::write(&bad, proof_json.to_string()).unwrap();
    let out = verify(&vk, &bad, &public);
    assert_eq!(code(&out), 2);
    assert!(stderr(&out).contains("pi_a[0]"), "{}", stderr(&out));

    let truncated = dir.path().join("truncated.bin");
    std::fs::write(
        &truncated,
        &std::fs::read(proof.join("proof.bin")).unwrap()[..100],
    )
    .unwrap();
    let out = verify(&vk, &truncated, &public);
    assert_eq!(code(&out), 2);
    assert!(stderr(&out).contains("proof"), "{}", stderr(&out));

    // wrong number of public inputs is malformed input, not an invalid proof
    let out = verify(
        &PathBuf::from(FIXTURES).join("verification_key.json"),
        &proof.join("proof.json"),
        &public,
    );
    assert_eq!(code(&out), 2);
    assert!(
        stderr(&out).contains("wrong number of public inputs"),
        "{}",
        stderr(&out)
    );

    let out = zkagg(&["verify", "--vk", p(&vk)]);
    assert_eq!(code(&out), 2, "missing arguments must be exit 2");
}

#[test]
fn snarkjs_proofs_verify_and_vk_hash_is_stable() {
    let dir = PathBuf::from(FIXTURES);
    let out = verify(
        &dir.join("verification_key.json"),
        &dir.join("proof.json"),
        &dir.join("public.json"),
    );
    assert_eq!(code(&out), 0, "{}", stderr(&out));
    let out = verify(
        &dir.join("wrong_verification_key.json"),
        &dir.join("proof.json"),
        &dir.join("public.json"),
    );
    assert_eq!(code(&out), 1, "{}", stderr(&out));

    let (_, keys, _) = small_keys_and_proof();
    let a = zkagg(&["vk-hash", "--vk", p(&keys.join("verification_key.json"))]);
    let b = zkagg(&["vk-hash", "--vk", p(&keys.join("verification_key.bin"))]);
    assert_eq!(code(&a), 0);
    assert_eq!(a.stdout, b.stdout);
    assert!(String::from_utf8_lossy(&a.stdout).trim().starts_with("0x"));
}

#[test]
fn calldata_prints_verify_proof_arguments() {
    let (_, _, proof) = small_keys_and_proof();
    let out = zkagg(&[
        "calldata",
        "--proof",
        p(&proof.join("proof.json")),
        "--public",
        p(&proof.join("public.json")),
    ]);
    assert_eq!(code(&out), 0);
    let text = String::from_utf8_lossy(&out.stdout);
    let parsed: Value =
        serde_json::from_str(&format!("[{}]", text.trim())).expect("JSON-shaped arguments");
    assert_eq!(parsed[1].as_array().unwrap().len(), 2);
    assert_eq!(parsed[3].as_array().unwrap().len(), 3);
    assert_eq!(
        std::fs::read_to_string(proof.join("calldata.txt"))
            .unwrap()
            .trim(),
        text.trim()
    );
}

#[test]
fn setup_rejects_bad_parameters() {
    let dir = tempfile::tempdir().unwrap();
    let out = zkagg(&[
        "setup",
        "--transfers",
        "0",
        "--out-dir",
        p(dir.path()),
        "-q",
    ]);
    assert_eq!(code(&out), 2);
    assert!(stderr(&out).contains("transfer"), "{}", stderr(&out));
}
