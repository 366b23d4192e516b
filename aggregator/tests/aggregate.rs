//! `zkagg aggregate` end to end on real, chained batch proofs: bad candidates are refused
//! without stopping the run, `kill -9` in the middle loses nothing (the same command resumes
//! from the checkpoint), corrupt or foreign checkpoints are refused, and the native IVC
//! verifier accepts the result. One expensive fixture (keys, proofs, one folded run) per test.

use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};
use std::time::{Duration, Instant};
use zkagg_aggregator::aggregate::checkpoint;

fn zkagg() -> Command {
    Command::new(env!("CARGO_BIN_EXE_zkagg"))
}

fn ok(out: Output, what: &str) -> Output {
    assert!(
        out.status.success(),
        "{what} failed: {}\n{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    out
}

/// Keys plus `n` chained batch proofs in `root/proofs/b{i}`.
fn fixture(root: &Path, n: usize) -> (PathBuf, PathBuf) {
    let keys = root.join("keys");
    ok(
        zkagg()
            .args([
                "-q",
                "setup",
                "--transfers",
                "2",
                "--depth",
                "8",
                "--insecure-seed",
                "5",
            ])
            .arg("--out-dir")
            .arg(&keys)
            .output()
            .unwrap(),
        "setup",
    );
    let proofs = root.join("proofs");
    for i in 0..n {
        ok(
            zkagg()
                .args(["-q", "prove-batch", "--seed", &format!("{}", 100 + i)])
                .arg("--keys")
                .arg(&keys)
                .arg("--out-dir")
                .arg(proofs.join(format!("b{i}")))
                .arg("--state")
                .arg(root.join("state"))
                .output()
                .unwrap(),
            "prove-batch",
        );
    }
    (keys, proofs)
}

fn aggregate(keys: &Path, proofs: &Path, work: &Path, ptau: &Path) -> Command {
    let mut c = zkagg();
    c.arg("aggregate")
        .arg("--keys")
        .arg(keys)
        .arg("--proofs")
        .arg(proofs)
        .arg("--work")
        .arg(work)
        .arg("--ptau")
        .arg(ptau)
        .arg("--insecure-setup");
    c
}

fn summary(work: &Path) -> serde_json::Value {
    serde_json::from_slice(&std::fs::read(work.join("aggregate.json")).unwrap()).unwrap()
}

#[test]
fn aggregate_refuses_bad_proofs_survives_kill_and_resumes() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path();
    let (keys, proofs) = fixture(root, 2);
    // A proof with a wrong public input, a malformed one, and a valid proof that does not
    // chain (another genesis): all refused with a reason, the run goes on.
    let bad = proofs.join("b1x-wrong-input");
    std::fs::create_dir_all(&bad).unwrap();
    std::fs::copy(proofs.join("b1/proof.json"), bad.join("proof.json")).unwrap();
    std::fs::copy(proofs.join("b0/public.json"), bad.join("public.json")).unwrap();
    let junk = proofs.join("b1y-malformed");
    std::fs::create_dir_all(&junk).unwrap();
    std::fs::write(junk.join("proof.json"), "{\"pi_a\": [1, 2").unwrap();
    std::fs::write(junk.join("public.json"), "[]").unwrap();
    ok(
        zkagg()
            .args(["-q", "prove-batch", "--seed", "7"])
            .arg("--keys")
            .arg(&keys)
            .arg("--out-dir")
            .arg(proofs.join("b1z-unchained"))
            .output()
            .unwrap(),
        "prove-batch (unchained)",
    );
    let ptau = root.join("ptau");
    let work = root.join("work");

    // First run: killed with SIGKILL once a few folds are checkpointed.
    let mut child = aggregate(&keys, &proofs, &work, &ptau)
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let t0 = Instant::now();
    let killed_at = loop {
        if let Ok(Some(ck)) = checkpoint::load(&work) {
            if ck.next_step >= 4 {
                child.kill().unwrap();
                child.wait().unwrap();
                break ck.next_step;
            }
        }
        assert!(
            child.try_wait().unwrap().is_none(),
            "aggregate exited before it could be killed"
        );
        assert!(
            t0.elapsed() < Duration::from_secs(600),
            "no checkpoint after 10 minutes"
        );
        std::thread::sleep(Duration::from_millis(200));
    };
    // Whatever the moment of the kill, the checkpoint on disk is whole and consistent.
    let ck = checkpoint::load(&work).unwrap().unwrap();
    assert!(ck.next_step >= killed_at);
    assert_eq!(ck.proofs.len(), 2);

    // A corrupt copy of the checkpoint is refused with a clear error.
    let corrupt = root.join("work-corrupt");
    std::fs::create_dir_all(&corrupt).unwrap();
    let mut bytes = std::fs::read(work.join(checkpoint::CHECKPOINT_FILE)).unwrap();
    let mid = bytes.len() / 2;
    bytes[mid] ^= 1;
    std::fs::write(corrupt.join(checkpoint::CHECKPOINT_FILE), &bytes).unwrap();
    let out = aggregate(&keys, &proofs, &corrupt, &ptau).output().unwrap();
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("corrupt checkpoint"), "{err}");

    // A checkpoint of another proof list (one proof fewer) is refused, not restarted.
    let fewer = root.join("fewer");
    std::fs::create_dir_all(fewer.join("b0")).unwrap();
    for f in ["proof.json", "public.json"] {
        std::fs::copy(proofs.join("b0").join(f), fewer.join("b0").join(f)).unwrap();
    }
    let out = aggregate(&keys, &fewer, &work, &ptau).output().unwrap();
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("another list of proofs"), "{err}");
    // A checkpoint of another batch key is refused.
    let other_keys = root.join("other-keys");
    ok(
        zkagg()
            .args([
                "-q",
                "setup",
                "--transfers",
                "2",
                "--depth",
                "8",
                "--insecure-seed",
                "6",
            ])
            .arg("--out-dir")
            .arg(&other_keys)
            .output()
            .unwrap(),
        "setup (other keys)",
    );
    let other_proofs = root.join("other-proofs");
    ok(
        zkagg()
            .args(["-q", "prove-batch", "--seed", "9"])
            .arg("--keys")
            .arg(&other_keys)
            .arg("--out-dir")
            .arg(other_proofs.join("b0"))
            .output()
            .unwrap(),
        "prove-batch (other keys)",
    );
    let out = aggregate(&other_keys, &other_proofs, &work, &ptau)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("another batch key"), "{err}");

    // The same command resumes and finishes; the native IVC verifier accepts.
    let out = ok(
        aggregate(&keys, &proofs, &work, &ptau).output().unwrap(),
        "resumed aggregate",
    );
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("resuming from"), "{err}");
    assert!(err.contains("native IVC verifier accepts"), "{err}");
    for name in ["b1x-wrong-input", "b1y-malformed", "b1z-unchained"] {
        assert!(
            err.contains(&format!("rejected {}", proofs.join(name).display())),
            "{err}"
        );
    }
    let s = summary(&work);
    assert_eq!(s["proofs"], serde_json::json!(["b0", "b1"]));
    assert_eq!(s["rejected"].as_array().unwrap().len(), 3);
    let total = s["steps"].as_u64().unwrap();
    let this_run = s["steps_this_run"].as_u64().unwrap();
    assert!(this_run < total && this_run + killed_at as u64 >= total - 1);
    assert_eq!(s["statement"]["count"], 2);
    // The aggregate's roots chain: first old_root of b0, last new_root of b1.
    let batch = |i: usize| -> serde_json::Value {
        serde_json::from_slice(&std::fs::read(proofs.join(format!("b{i}/batch.json"))).unwrap())
            .unwrap()
    };
    assert_eq!(s["statement"]["first_old_root"], batch(0)["old_root"]);
    assert_eq!(s["statement"]["last_new_root"], batch(1)["new_root"]);
    // Running it again on the finished work directory re-verifies without folding.
    let out = ok(
        aggregate(&keys, &proofs, &work, &ptau).output().unwrap(),
        "re-run",
    );
    assert!(String::from_utf8_lossy(&out.stdout).contains("(0 this run"));
}

/// Four chained batch proofs folded and compressed into ONE Groth16 proof end to end (`cargo
/// test --release -p zkagg-aggregator --test aggregate -- --ignored`, a few minutes on two cores
/// with the one-time decider setup; run by `scripts/test.sh`): the aggregate verifies through
/// `zkagg verify` (tampered: exit 1, malformed: exit 2), and the exported rollup contract, in
/// revm, accepts it once (the root moves to the last batch's `new_root`) and refuses a replay and
/// a tampered statement. With `ZKAGG_AGGREGATE_OUT` set, the decider setup is made there
/// (`decider/`, reused by the service's round test) and the aggregate and its key are copied
/// there for the wasm verifier's Node and Chromium tests.
#[test]
#[ignore]
fn four_chained_proofs_compress_to_one_groth16() {
    use zkagg_core::aggregate::encoding::{load_proof, load_verifying_key};
    use zkagg_solidity_verifier::abi::{encode_call, settle_call};
    use zkagg_solidity_verifier::aggregate::call_arguments;
    use zkagg_solidity_verifier::harness::evm::Evm;
    use zkagg_solidity_verifier::harness::solc;

    let dir = tempfile::tempdir().unwrap();
    let root = dir.path();
    let (keys, proofs) = fixture(root, 4);
    let work = root.join("work");
    // The one decider setup of a test run: kept beside the exported aggregate, where the
    // service's round test reuses it (same batch key, so the same decider circuit).
    let decider = match std::env::var("ZKAGG_AGGREGATE_OUT") {
        Ok(out) => PathBuf::from(out).join("decider"),
        Err(_) => root.join("decider"),
    };
    let mut cmd = zkagg();
    cmd.arg("aggregate")
        .arg("--keys")
        .arg(&keys)
        .arg("--proofs")
        .arg(&proofs)
        .arg("--work")
        .arg(&work)
        .arg("--decider")
        .arg(&decider)
        .arg("--insecure-setup");
    let out = ok(cmd.output().unwrap(), "aggregate --decider");
    eprintln!("{}", String::from_utf8_lossy(&out.stderr));
    let s = summary(&work);
    assert_eq!(s["proofs"], serde_json::json!(["b0", "b1", "b2", "b3"]));
    assert_eq!(s["statement"]["count"], 4);
    assert!(s["compress"]["prove_seconds"].as_f64().unwrap() > 0.0);
    let proof_path = work.join("aggregate_proof.json");
    let vk_path = work.join("aggregate_vk.json");

    // zkagg verify: valid, tampered (exit 1), malformed (exit 2).
    let verify = |vk: &Path, proof: &Path| {
        zkagg()
            .arg("verify")
            .arg("--vk")
            .arg(vk)
            .arg("--proof")
            .arg(proof)
            .output()
            .unwrap()
    };
    let out = verify(&vk_path, &proof_path);
    assert_eq!(out.status.code(), Some(0), "{out:?}");
    assert!(String::from_utf8_lossy(&out.stdout).contains("4 batch proofs"));
    let mut json: serde_json::Value =
        serde_json::from_slice(&std::fs::read(&proof_path).unwrap()).unwrap();
    json["statement"]["count"] = serde_json::json!("3");
    let tampered = root.join("tampered.json");
    std::fs::write(&tampered, serde_json::to_vec(&json).unwrap()).unwrap();
    assert_eq!(verify(&vk_path, &tampered).status.code(), Some(1));
    let garbage = root.join("garbage.json");
    std::fs::write(&garbage, b"{\"protocol\": \"groth16-committed\", \"a\": 1}").unwrap();
    let out = verify(&vk_path, &garbage);
    assert_eq!(out.status.code(), Some(2), "{out:?}");

    // The exported rollup contract settles it once, in revm.
    let sol = root.join("AggregateRollup.sol");
    ok(
        zkagg()
            .arg("export-solidity")
            .arg("--vk")
            .arg(&vk_path)
            .arg("--out")
            .arg(&sol)
            .output()
            .unwrap(),
        "export-solidity",
    );
    let source = std::fs::read_to_string(&sol).unwrap();
    let output = solc::compile(&[("AggregateRollup.sol", &source)]).expect("solc");
    let rollup = output
        .contract("AggregateRollup.sol", "AggregateRollup")
        .expect("the rollup contract");
    let proof = load_proof(&std::fs::read(&proof_path).unwrap()).unwrap();
    let vk = load_verifying_key(&std::fs::read(&vk_path).unwrap()).unwrap();
    assert!(zkagg_core::aggregate::verify_aggregate(&vk, &proof).unwrap());
    let word = |x: &ark_bn254::Fr| zkagg_core::formats::calldata::field_to_word(x);
    let mut evm = Evm::new();
    let mut initcode = rollup.bytecode.clone();
    initcode.extend_from_slice(&word(&proof.statement.old_root));
    let address = evm.deploy(&initcode).expect("deploy").address;
    let (p, st) = call_arguments(&proof);
    let mut bad = st;
    bad.new_root += ark_bn254::Fr::from(1u64);
    let refused = evm.call(address, &settle_call(&p, &bad)).unwrap();
    assert!(refused.output().is_err(), "a tampered new root was settled");
    let settled = evm.call(address, &settle_call(&p, &st)).unwrap();
    assert!(settled.output().is_ok(), "settle: {settled:?}");
    eprintln!("settle gas (transaction): {}", settled.gas.tx);
    assert!(settled.gas.tx <= 350_000, "settle gas {}", settled.gas.tx);
    let root_now = evm
        .call(
            address,
            &encode_call(rollup.selector("root()").unwrap(), &[]),
        )
        .unwrap();
    assert_eq!(
        root_now.output().unwrap(),
        &word(&proof.statement.new_root)[..]
    );
    let replay = evm.call(address, &settle_call(&p, &st)).unwrap();
    assert!(replay.output().is_err(), "a replay was settled");

    if let Ok(out) = std::env::var("ZKAGG_AGGREGATE_OUT") {
        let out = PathBuf::from(out);
        std::fs::create_dir_all(&out).unwrap();
        std::fs::copy(&proof_path, out.join("aggregate_proof.json")).unwrap();
        std::fs::copy(&vk_path, out.join("aggregate_vk.json")).unwrap();
        std::fs::copy(work.join("aggregate.json"), out.join("aggregate.json")).unwrap();
        std::fs::copy(
            keys.join("verification_key.json"),
            out.join("batch_vk.json"),
        )
        .unwrap();
        for b in ["b1", "b2"] {
            std::fs::copy(
                proofs.join(b).join("public.json"),
                out.join(format!("{b}_public.json")),
            )
            .unwrap();
        }
        std::fs::copy(
            work.join("inclusion/b1.json"),
            out.join("b1_inclusion.json"),
        )
        .unwrap();
    }
}
