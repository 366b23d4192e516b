//! Native batch-circuit proving time (default shape, K = 4 transfers on a depth-20 tree) and
//! witness/constraint synthesis alone.
//!
//! `cargo bench -p zkagg-aggregator --bench prove_batch`

use criterion::{criterion_group, criterion_main, Criterion};
use rand::SeedableRng;
use rand_chacha::ChaCha20Rng;
use zkagg_core::batch::{self, random_genesis_and_batch, BatchParams};

fn bench(c: &mut Criterion) {
    let params = BatchParams::DEFAULT;
    let mut rng = ChaCha20Rng::seed_from_u64(2);
    let (pk, _) = batch::setup(&params, &mut rng).expect("setup");
    let (mut tree, transfers) = random_genesis_and_batch(&params, &mut rng).expect("batch");
    let (_, witness) = tree.apply_batch(&params, &transfers).expect("apply");
    let mut group = c.benchmark_group(format!(
        "prove-batch/k{}-d{}",
        params.transfers, params.depth
    ));
    group.sample_size(10);
    group.bench_function("groth16-prove", |b| {
        b.iter(|| batch::prove(&pk, &params, &witness, &mut rng).expect("prove"))
    });
    group.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
