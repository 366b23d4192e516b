//! The decider end to end on a small step: the cached INSECURE setup, the folding key derived
//! from it, a folded run compressed into ONE aggregate proof that verifies natively; tampering
//! with any part of the proof or the statement is rejected; the setup is found again in its
//! cache and a longer run verifies under the same key.

mod common;

use std::time::Instant;

use ark_ec::{AffineRepr, CurveGroup};
use ark_ff::One;
use common::{run, Counter, CounterStatement};
use zkagg_core::aggregate::encoding::{proof_from_json, proof_to_json};
use zkagg_core::aggregate::{verify_aggregate, AggregateProof};
use zkagg_decider::compress::{compress, load_or_setup};

#[test]
fn a_folded_run_compresses_to_one_proof_and_tampering_is_rejected() {
    let dir = std::env::temp_dir().join(format!("zkagg-decider-compress-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);

    // A missing setup is an error without a seed.
    let Err(err) = load_or_setup(&Counter, &CounterStatement, &dir, None) else {
        panic!("a setup appeared from nowhere");
    };
    assert!(err.to_string().contains("no decider setup"), "{err}");

    let t = Instant::now();
    let (pp, setup, report) = load_or_setup(&Counter, &CounterStatement, &dir, Some(3)).unwrap();
    assert!(report.created);
    eprintln!(
        "decider setup: {} constraints, record {:.1?}, keys {:.1?} (total {:.1?})",
        report.constraints.unwrap(),
        report.record,
        report.keys,
        t.elapsed()
    );
    let state = run(&pp, 3);
    let (proof, vk, times) = compress(&pp, &setup, &state, &CounterStatement).unwrap();
    eprintln!("compress: {times:?}");
    assert!(verify_aggregate(&vk, &proof).unwrap());
    assert_eq!(proof.statement.count, 3);
    assert_eq!(proof_from_json(&proof_to_json(&proof)).unwrap(), proof);

    // Each element of the proof and of the statement, and the key's constant.
    let g1 = |p: &ark_bn254::G1Affine| (*p + ark_bn254::G1Affine::generator()).into_affine();
    type Tamper = Box<dyn Fn(&mut AggregateProof)>;
    let tampers: Vec<(&str, Tamper)> = vec![
        ("A", Box::new(move |p| p.a = g1(&p.a))),
        (
            "B",
            Box::new(|p| p.b = (p.b + ark_bn254::G2Affine::generator()).into_affine()),
        ),
        ("C", Box::new(move |p| p.c = g1(&p.c))),
        ("pi", Box::new(move |p| p.pi = g1(&p.pi))),
        ("C_N", Box::new(move |p| p.c_running = g1(&p.c_running))),
        ("C_f", Box::new(move |p| p.c_fresh = g1(&p.c_fresh))),
        ("alpha", Box::new(|p| p.alpha += ark_bn254::Fr::one())),
        ("count", Box::new(|p| p.statement.count += 1)),
        (
            "statements_root",
            Box::new(|p| p.statement.statements_root += ark_bn254::Fr::one()),
        ),
        (
            "old_root",
            Box::new(|p| p.statement.old_root += ark_bn254::Fr::one()),
        ),
        (
            "new_root",
            Box::new(|p| p.statement.new_root += ark_bn254::Fr::one()),
        ),
    ];
    for (name, tamper) in &tampers {
        let mut t = proof;
        tamper(&mut t);
        assert!(
            !verify_aggregate(&vk, &t).unwrap_or(false),
            "tampered {name} accepted"
        );
    }
    let mut other = vk.clone();
    other.config += ark_bn254::Fr::one();
    assert!(
        !verify_aggregate(&other, &proof).unwrap(),
        "another config accepted"
    );

    // A later run finds the setup in its cache and derives the same folding key.
    let (pp2, setup2, report2) = load_or_setup(&Counter, &CounterStatement, &dir, None).unwrap();
    assert!(!report2.created);
    assert_eq!(pp2.digest, pp.digest);
    assert_eq!(setup2.vk, setup.vk);
    // Another run (four steps) compresses under the same key and differs in its statement.
    let state4 = run(&pp2, 4);
    let (proof4, vk4, _) = compress(&pp2, &setup2, &state4, &CounterStatement).unwrap();
    assert_eq!(vk4, vk);
    assert_eq!(proof4.statement.count, 4);
    assert!(verify_aggregate(&vk, &proof4).unwrap());

    let _ = std::fs::remove_dir_all(&dir);
}
