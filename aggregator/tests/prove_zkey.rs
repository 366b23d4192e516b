//! `zkagg prove` end to end on the committed snarkjs fixture (web-prover/tests/fixtures, made by
//! circom2 + snarkjs: see its README): the proof.json / public.json it writes verify with
//! `zkagg verify` and with snarkjs itself (node_modules/snarkjs, installed by scripts/setup.sh),
//! on every MSM backend; malformed inputs exit 2 with a message naming the section.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

const FIXTURES: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/../web-prover/tests/fixtures");
const REPO: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/..");

fn zkagg(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_zkagg"))
        .args(args)
        .output()
        .expect("run zkagg")
}

fn fx(name: &str) -> String {
    format!("{FIXTURES}/{name}")
}

fn p(path: &Path) -> &str {
    path.to_str().expect("utf-8 path")
}

fn prove(dir: &Path, extra: &[&str], zkey: &str, wtns: &str) -> (Output, PathBuf, PathBuf) {
    let proof = dir.join("proof.json");
    let public = dir.join("public.json");
    let mut args = vec![
        "prove",
        "--zkey",
        zkey,
        "--wtns",
        wtns,
        "--proof",
        p(&proof),
        "--public",
        p(&public),
    ];
    args.extend_from_slice(extra);
    (zkagg(&args), proof, public)
}

/// snarkjs's own verifier (`groth16.verify`) on the files; panics with instructions when the
/// npm packages are missing.
fn snarkjs_verifies(vk: &str, proof: &Path, public: &Path) -> bool {
    assert!(
        Path::new(REPO).join("node_modules/snarkjs").exists(),
        "node_modules/snarkjs is missing: run `npm ci` (scripts/setup.sh does)"
    );
    let script = r#"
        import fs from "node:fs";
        import * as snarkjs from "snarkjs";
        const [vk, proof, pub] = process.argv.slice(1).map((f) => JSON.parse(fs.readFileSync(f, "utf8")));
        const ok = await snarkjs.groth16.verify(vk, pub, proof);
        process.exit(ok === true ? 0 : 1);
    "#;
    let out = Command::new("node")
        .current_dir(REPO)
        .args(["--input-type=module", "-e", script, vk, p(proof), p(public)])
        .output()
        .expect("run node");
    out.status.code() == Some(0)
}

#[test]
fn proofs_verify_with_zkagg_and_snarkjs_on_every_backend() {
    for backend in ["cpu", "auto", "gpu", "hybrid:0.5"] {
        let dir = tempfile::tempdir().unwrap();
        let (out, proof, public) = prove(
            dir.path(),
            &["--backend", backend, "--chunk-points", "64"],
            &fx("circuit.zkey"),
            &fx("witness.wtns"),
        );
        let err = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(0), "{backend}: {err}");
        assert!(err.contains("msm_h"), "{backend}: no per-MSM report: {err}");
        // Same public signals as snarkjs wrote for this witness.
        let expect: serde_json::Value =
            serde_json::from_str(&std::fs::read_to_string(fx("public.json")).unwrap()).unwrap();
        let got: serde_json::Value =
            serde_json::from_str(&std::fs::read_to_string(&public).unwrap()).unwrap();
        assert_eq!(got, expect, "{backend}");
        let v = zkagg(&[
            "verify",
            "--vk",
            &fx("verification_key.json"),
            "--proof",
            p(&proof),
            "--public",
            p(&public),
        ]);
        assert_eq!(
            v.status.code(),
            Some(0),
            "{backend}: zkagg verify: {}",
            String::from_utf8_lossy(&v.stdout)
        );
        let wrong = zkagg(&[
            "verify",
            "--vk",
            &fx("wrong_verification_key.json"),
            "--proof",
            p(&proof),
            "--public",
            p(&public),
        ]);
        assert_eq!(
            wrong.status.code(),
            Some(1),
            "{backend}: the wrong key must reject the proof"
        );
        assert!(
            snarkjs_verifies(&fx("verification_key.json"), &proof, &public),
            "{backend}: snarkjs rejected the proof"
        );
    }
}

#[test]
fn malformed_inputs_exit_2_naming_the_problem() {
    let dir = tempfile::tempdir().unwrap();
    let zkey = std::fs::read(fx("circuit.zkey")).unwrap();
    let truncated = dir.path().join("truncated.zkey");
    std::fs::write(&truncated, &zkey[..zkey.len() / 2]).unwrap();
    let cases: Vec<(String, String, &str)> = vec![
        (fx("witness.wtns"), fx("witness.wtns"), "magic"),
        (fx("circuit.zkey"), fx("circuit.zkey"), "magic"),
        (p(&truncated).to_string(), fx("witness.wtns"), "zkey"),
        (fx("missing.zkey"), fx("witness.wtns"), "missing.zkey"),
    ];
    for (zk, wt, needle) in cases {
        let (out, proof, _) = prove(dir.path(), &["--backend", "cpu"], &zk, &wt);
        let err = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(2), "{zk}: {err}");
        assert!(err.contains(needle), "{err:?} should mention {needle:?}");
        assert!(!proof.exists(), "nothing is written on error");
    }
    let (out, _, _) = prove(
        dir.path(),
        &["--backend", "quantum"],
        &fx("circuit.zkey"),
        &fx("witness.wtns"),
    );
    assert_eq!(out.status.code(), Some(2));
}
