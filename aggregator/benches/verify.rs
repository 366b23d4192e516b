//! Native Groth16 verification, side by side with the wasm and snarkjs numbers that
//! `scripts/bench.sh` measures on the same proofs (our batch proof and the snarkjs fixture).
//!
//! `cargo bench -p zkagg-aggregator --bench verify`

use std::path::Path;

use criterion::{criterion_group, criterion_main, Criterion};
use rand::SeedableRng;
use rand_chacha::ChaCha20Rng;
use zkagg_core::batch::{self, random_genesis_and_batch, BatchParams};
use zkagg_core::formats::{binary, snarkjs};
use zkagg_core::verifier::PreparedVerifier;

struct Case {
    name: &'static str,
    vk_json: String,
    proof_json: String,
    public_json: String,
    proof_bin: Vec<u8>,
    public_bin: Vec<u8>,
}

fn batch_case() -> Case {
    let params = BatchParams::DEFAULT;
    let mut rng = ChaCha20Rng::seed_from_u64(1);
    let (pk, vk) = batch::setup(&params, &mut rng).expect("setup");
    let (mut tree, transfers) = random_genesis_and_batch(&params, &mut rng).expect("batch");
    let (statement, witness) = tree.apply_batch(&params, &transfers).expect("apply");
    let proof = batch::prove(&pk, &params, &witness, &mut rng).expect("prove");
    let inputs = statement.public_inputs();
    Case {
        name: "batch",
        vk_json: snarkjs::verifying_key_to_string(&vk),
        proof_json: snarkjs::proof_to_string(&proof),
        public_json: snarkjs::public_inputs_to_string(&inputs),
        proof_bin: binary::proof_to_bytes(&proof),
        public_bin: binary::public_inputs_to_bytes(&inputs),
    }
}

fn snarkjs_case() -> Case {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../core/tests/fixtures/snarkjs");
    let read = |f: &str| std::fs::read_to_string(dir.join(f)).expect("fixture");
    let proof = snarkjs::parse_proof(&read("proof.json")).expect("proof");
    let inputs = snarkjs::parse_public_inputs(&read("public.json")).expect("public");
    Case {
        name: "snarkjs",
        vk_json: read("verification_key.json"),
        proof_json: read("proof.json"),
        public_json: read("public.json"),
        proof_bin: binary::proof_to_bytes(&proof),
        public_bin: binary::public_inputs_to_bytes(&inputs),
    }
}

fn bench(c: &mut Criterion) {
    for case in [batch_case(), snarkjs_case()] {
        let vk = snarkjs::parse_verifying_key(&case.vk_json).expect("vk");
        let verifier = PreparedVerifier::new(&vk).expect("prepare");
        let mut group = c.benchmark_group(format!("native-verify/{}", case.name));
        // What a dapp does per proof with a prepared key: parse snarkjs JSON, verify.
        group.bench_function("prepared-json", |b| {
            b.iter(|| {
                let proof = snarkjs::parse_proof(&case.proof_json).expect("proof");
                let inputs = snarkjs::parse_public_inputs(&case.public_json).expect("inputs");
                assert!(verifier.verify(&proof, &inputs).expect("verify"));
            })
        });
        group.bench_function("prepared-binary", |b| {
            b.iter(|| {
                let proof = binary::proof_from_bytes(&case.proof_bin).expect("proof");
                let inputs = binary::public_inputs_from_bytes(&case.public_bin).expect("inputs");
                assert!(verifier.verify(&proof, &inputs).expect("verify"));
            })
        });
        // One-shot: parse and prepare the key too.
        group.bench_function("one-shot-json", |b| {
            b.iter(|| {
                let vk = snarkjs::parse_verifying_key(&case.vk_json).expect("vk");
                let proof = snarkjs::parse_proof(&case.proof_json).expect("proof");
                let inputs = snarkjs::parse_public_inputs(&case.public_json).expect("inputs");
                assert!(zkagg_core::verifier::verify(&vk, &proof, &inputs).expect("verify"));
            })
        });
        group.finish();
    }
}

criterion_group! {
    name = benches;
    config = Criterion::default().sample_size(30).measurement_time(std::time::Duration::from_secs(4));
    targets = bench
}
criterion_main!(benches);
