//! `zkagg prove-batch --state DIR` makes chained batches: each batch's `old_root` is the previous
//! batch's `new_root`, and the state file follows; a corrupt state is refused and left alone.

use std::path::Path;
use std::process::{Command, Output};

fn zkagg(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_zkagg"))
        .args(args)
        .output()
        .expect("run zkagg")
}

fn p(path: &Path) -> &str {
    path.to_str().expect("utf-8 path")
}

fn public(dir: &Path) -> Vec<String> {
    let text = std::fs::read_to_string(dir.join("public.json")).expect("public.json");
    serde_json::from_str(&text).expect("public inputs")
}

fn state_root(dir: &Path) -> (String, u64) {
    let text = std::fs::read_to_string(dir.join("state.json")).expect("state.json");
    let v: serde_json::Value = serde_json::from_str(&text).expect("state json");
    (
        v["root"].as_str().expect("root").to_string(),
        v["batches"].as_u64().expect("batches"),
    )
}

#[test]
fn prove_batch_with_state_makes_chained_batches() {
    let dir = tempfile::tempdir().expect("tempdir");
    let keys = dir.path().join("keys");
    let state = dir.path().join("state");
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
    assert!(
        out.status.success(),
        "setup: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    let mut roots: Vec<Vec<String>> = Vec::new();
    for i in 0..2 {
        let batch = dir.path().join(format!("batch{i}"));
        let out = zkagg(&[
            "prove-batch",
            "--keys",
            p(&keys),
            "--out-dir",
            p(&batch),
            "--state",
            p(&state),
        ]);
        assert!(
            out.status.success(),
            "prove-batch {i}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        let verify = zkagg(&[
            "verify",
            "--vk",
            p(&keys.join("verification_key.json")),
            "--proof",
            p(&batch.join("proof.json")),
            "--public",
            p(&batch.join("public.json")),
        ]);
        assert_eq!(verify.status.code(), Some(0), "batch {i} does not verify");
        let x = public(&batch);
        assert_eq!(x.len(), 3);
        assert_eq!(
            state_root(&state),
            (x[1].clone(), i + 1),
            "state after batch {i}"
        );
        roots.push(x);
    }
    assert_eq!(
        roots[1][0], roots[0][1],
        "batch 1 starts where batch 0 ended"
    );
    assert_ne!(roots[1][1], roots[1][0]);

    // A corrupt state is refused (exit 2, the field named) and left as it was.
    let path = state.join("state.json");
    let good = std::fs::read_to_string(&path).expect("state");
    let mut v: serde_json::Value = serde_json::from_str(&good).expect("json");
    v["root"] = serde_json::json!("12345");
    std::fs::write(&path, v.to_string()).expect("write");
    let out = zkagg(&[
        "prove-batch",
        "--keys",
        p(&keys),
        "--out-dir",
        p(&dir.path().join("batch2")),
        "--state",
        p(&state),
    ]);
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("state.json") && err.contains("root"), "{err}");
    assert_eq!(
        std::fs::read_to_string(&path).expect("state"),
        v.to_string()
    );
    assert!(!dir.path().join("batch2").exists());
}
