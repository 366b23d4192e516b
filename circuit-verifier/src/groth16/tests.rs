use super::*;
use crate::cs::CheckCS;
use ark_ec::AffineRepr;
use ark_ff::UniformRand;
use rand::SeedableRng;
use std::sync::OnceLock;
use zkagg_core::batch::{self, random_genesis_and_batch, BatchParams};

/// A real batch proof (2 transfers, depth 8) with its key and inputs, made once per test binary.
pub(crate) fn batch_fixture() -> &'static (VerifyingKey, Proof, Vec<ark_bn254::Fr>) {
    static F: OnceLock<(VerifyingKey, Proof, Vec<ark_bn254::Fr>)> = OnceLock::new();
    F.get_or_init(|| {
        let params = BatchParams {
            transfers: 2,
            depth: 8,
        };
        let mut rng = rand_chacha::ChaCha20Rng::seed_from_u64(4);
        let (pk, vk) = batch::setup(&params, &mut rng).unwrap();
        let (mut tree, transfers) = random_genesis_and_batch(&params, &mut rng).unwrap();
        let (statement, witness) = tree.apply_batch(&params, &transfers).unwrap();
        let proof = batch::prove(&pk, &params, &witness, &mut rng).unwrap();
        let inputs = statement.public_inputs();
        assert!(zkagg_core::verifier::verify(&vk, &proof, &inputs).unwrap());
        (vk, proof, inputs)
    })
}

/// The committed snarkjs fixture (circom circuit, 5 public inputs) and its wrong key.
pub(crate) fn snarkjs_fixture() -> (VerifyingKey, Proof, Vec<ark_bn254::Fr>, VerifyingKey) {
    use zkagg_core::formats::snarkjs;
    let dir =
        std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../core/tests/fixtures/snarkjs");
    let read = |f: &str| std::fs::read_to_string(dir.join(f)).unwrap();
    (
        snarkjs::parse_verifying_key(&read("verification_key.json")).unwrap(),
        snarkjs::parse_proof(&read("proof.json")).unwrap(),
        snarkjs::parse_public_inputs(&read("public.json")).unwrap(),
        snarkjs::parse_verifying_key(&read("wrong_verification_key.json")).unwrap(),
    )
}

/// Runs the verifier circuit; returns (satisfied, constraints).
pub(crate) fn run(vk: &VerifyingKey, proof: &Proof, inputs: &[ark_bn254::Fr]) -> (bool, usize) {
    let e = Emu::default_layout();
    let key = CircuitKey::new(vk).unwrap();
    let mut cs = CheckCS::new();
    let p = e
        .alloc_proof(&mut cs.namespace(|| "proof"), proof, false)
        .unwrap();
    let xs = alloc_inputs(&mut cs, inputs).unwrap();
    e.verify_groth16(&mut cs.namespace(|| "verify"), &key, &p, &xs)
        .unwrap();
    (cs.is_satisfied(), cs.num_constraints())
}

#[test]
fn batch_proof_verifies_in_circuit_and_a_tampered_input_does_not() {
    let (vk, proof, inputs) = batch_fixture();
    let t0 = std::time::Instant::now();
    let (ok, n) = run(vk, proof, inputs);
    assert!(ok);
    println!(
        "groth16 verify ({} inputs): {n} constraints, {:.1}s",
        inputs.len(),
        t0.elapsed().as_secs_f64()
    );
    let mut bad = inputs.clone();
    bad[1] += ark_bn254::Fr::from(1u64);
    assert!(!run(vk, proof, &bad).0);
}

#[test]
fn snarkjs_proof_verifies_and_the_wrong_key_rejects_it() {
    let (vk, proof, inputs, wrong) = snarkjs_fixture();
    assert!(run(&vk, &proof, &inputs).0);
    assert!(!run(&wrong, &proof, &inputs).0);
}

/// Every tampering of a proof element or input is rejected
/// (`cargo test --release -p zkagg-circuit-verifier tampering -- --ignored`, ~2 minutes).
#[test]
#[ignore]
fn every_tampering_is_rejected() {
    let (vk, proof, inputs) = batch_fixture();
    let mut rng = ark_std::test_rng();
    let other = ark_bn254::G1Projective::rand(&mut rng).into_affine();
    let other2 = ark_bn254::G2Projective::rand(&mut rng).into_affine();
    let mut cases: Vec<(&str, Proof, Vec<ark_bn254::Fr>)> = Vec::new();
    let mut p = proof.clone();
    p.a = other;
    cases.push(("A replaced", p, inputs.clone()));
    let mut p = proof.clone();
    p.b = other2;
    cases.push(("B replaced", p, inputs.clone()));
    let mut p = proof.clone();
    p.c = (p.c + other).into_affine();
    cases.push(("C shifted", p, inputs.clone()));
    let mut p = proof.clone();
    p.a = -p.a;
    cases.push(("A negated", p, inputs.clone()));
    for j in 0..inputs.len() {
        let mut x = inputs.clone();
        x[j] += ark_bn254::Fr::from(1u64);
        cases.push(("input changed", proof.clone(), x));
    }
    let mut p = proof.clone();
    std::mem::swap(&mut p.a, &mut p.c);
    cases.push(("A and C swapped", p, inputs.clone()));
    for (name, p, x) in cases {
        assert!(!run(vk, &p, &x).0, "{name} accepted");
    }
    // A key for another circuit shape.
    let (_, vk2, _) = {
        let (vk2, p2, x2, _) = snarkjs_fixture();
        (p2, vk2, x2)
    };
    let _ = vk2;
    let _ = G1Affine::generator();
}
