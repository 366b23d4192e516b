//! Native side of `scripts/bench-batch.mjs`: proves one batch witness repeatedly with the
//! arkworks prover the CLI uses (`zkagg prove-batch`, `zkagg volunteer`) and with this crate's
//! batch prover (the browser's code, natively), and prints the times as one JSON object.
//!
//! `cargo run --release -p zkagg-web-prover --example batch_bench -- KEYS_DIR WITNESS_BIN [RUNS]`
//! (KEYS_DIR as `zkagg setup` writes it, WITNESS_BIN as `zkagg prove-batch` writes it).

use std::path::PathBuf;

use ark_serialize::{CanonicalDeserialize, Compress, Validate};
use zkagg_core::batch::{BatchParams, BatchWitness};
use zkagg_gpu_msm::{now_ms, MsmEngine};
use zkagg_web_prover::batch::{prove_batch, BatchShape};

fn read(path: &PathBuf) -> Vec<u8> {
    std::fs::read(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let [keys, witness, rest @ ..] = &args[..] else {
        eprintln!("usage: batch_bench KEYS_DIR WITNESS_BIN [RUNS]");
        std::process::exit(2);
    };
    let runs: usize = rest.first().map_or(5, |r| r.parse().expect("RUNS"));
    let keys = PathBuf::from(keys);
    let params: BatchParams =
        serde_json::from_slice(&read(&keys.join("batch-params.json"))).expect("batch-params.json");
    let t = now_ms();
    let pk = zkagg_core::ProvingKey::deserialize_with_mode(
        &read(&keys.join("batch.pk.bin"))[..],
        Compress::No,
        Validate::No,
    )
    .expect("batch.pk.bin");
    let load_ms = now_ms() - t;
    let witness = BatchWitness::deserialize_with_mode(
        &read(&PathBuf::from(witness))[..],
        Compress::Yes,
        Validate::Yes,
    )
    .expect("witness");

    let mut arkworks = Vec::new();
    for _ in 0..runs {
        let t = now_ms();
        zkagg_core::batch::prove(&pk, &params, &witness, &mut rand::rngs::OsRng).expect("prove");
        arkworks.push(now_ms() - t);
    }
    let t = now_ms();
    let shape = BatchShape::build(&params).expect("shape");
    let shape_ms = now_ms() - t;
    let engine = MsmEngine::cpu_only();
    let mut ours = Vec::new();
    for _ in 0..runs {
        let out = pollster::block_on(prove_batch(
            &pk,
            &shape,
            &witness,
            &engine,
            None,
            &mut |_, _| {},
            &|| false,
        ))
        .expect("prove");
        ours.push(serde_json::json!({ "ms": out.report.total_ms, "phases": out.report.phase_ms }));
    }
    println!(
        "{}",
        serde_json::json!({
            "params": params,
            "threads": rayon::current_num_threads(),
            "constraints": shape.num_constraints(),
            "terms": shape.terms(),
            "load_ms": load_ms,
            "shape_ms": shape_ms,
            "arkworks_ms": arkworks,
            "ours": ours,
        })
    );
}
