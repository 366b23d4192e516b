//! Folding benchmark on the real aggregation step (a harness, not criterion: one fold step
//! takes about a second and an aggregation minutes, so medians over the steps of one run are
//! the measurement).
//!
//! ```text
//! ZKAGG_BENCH_N=2 cargo bench -p zkagg-folding --bench fold     # this engine, N proofs
//! ZKAGG_BENCH_NOVA=12 cargo bench -p zkagg-folding --bench fold # nova-snark's RecursiveSNARK
//! ```
//!
//! Prints the constraint counts, the median time of each phase of a fold step, the time per
//! absorbed proof (11 steps) and the process's peak RSS; `scripts/bench-folding.sh` runs both
//! side by side and for several N.

use rand::SeedableRng;
use std::path::Path;
use std::time::{Duration, Instant};
use zkagg_circuit_verifier::steps::driver::{Action, Aggregator};
use zkagg_circuit_verifier::steps::{AggregationStep, StepConfig, StepWitness};
use zkagg_core::batch::{self, random_batch, random_genesis_and_batch, BatchParams};
use zkagg_folding::commitment::kzg::{write_insecure_ptau, KzgKey};
use zkagg_folding::frontends::aggregation::{final_check, AggregationFold};
use zkagg_folding::ivc::{verify, IvcProver, KeySource, PublicParams};

type Proofs = Vec<(zkagg_core::Proof, Vec<ark_bn254::Fr>)>;

fn chained_proofs(n: usize) -> (zkagg_core::VerifyingKey, Proofs) {
    let params = BatchParams {
        transfers: 2,
        depth: 8,
    };
    let mut rng = rand_chacha::ChaCha20Rng::seed_from_u64(4);
    let (pk, vk) = batch::setup(&params, &mut rng).expect("setup");
    let (mut tree, mut transfers) = random_genesis_and_batch(&params, &mut rng).expect("genesis");
    let mut out = Vec::new();
    for i in 0..n {
        if i > 0 {
            transfers = random_batch(&tree, &params, &mut rng).expect("batch");
        }
        let (st, w) = tree.apply_batch(&params, &transfers).expect("apply");
        let proof = batch::prove(&pk, &params, &w, &mut rng).expect("prove");
        out.push((proof, st.public_inputs()));
    }
    (vk, out)
}

fn peak_rss_mib() -> f64 {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| {
            s.lines()
                .find(|l| l.starts_with("VmHWM:"))
                .and_then(|l| l.split_whitespace().nth(1)?.parse::<f64>().ok())
        })
        .map(|k| k / 1024.0)
        .unwrap_or(f64::NAN)
}

fn median(mut v: Vec<Duration>) -> f64 {
    v.sort();
    v.get(v.len() / 2)
        .map(|d| d.as_secs_f64())
        .unwrap_or(f64::NAN)
}

fn witness_for(
    agg: &Aggregator,
    a: &Action,
    proofs: &Proofs,
    z: &[zkagg_folding::Fr],
    fin: &mut Option<Vec<zkagg_folding::Fr>>,
) -> StepWitness {
    match a {
        Action::Run => StepWitness::default(),
        Action::Absorb(j) => StepWitness {
            absorb: Some(proofs[*j].clone()),
            finish: None,
        },
        Action::Finish => {
            *fin = Some(z.to_vec());
            StepWitness {
                absorb: None,
                finish: Some(agg.finish_hints(z).expect("hints")),
            }
        }
        Action::Load => StepWitness {
            absorb: None,
            finish: Some(
                agg.finish_hints(fin.as_ref().expect("finish state"))
                    .expect("hints"),
            ),
        },
    }
}

fn ours(n: usize, ptau: &Path) {
    let (vk, proofs) = chained_proofs(n);
    let agg = Aggregator::new(&vk, StepConfig::DEFAULT).expect("aggregator");
    let template = AggregationStep {
        key: agg.key.clone(),
        witness: StepWitness::default(),
    };
    let t = Instant::now();
    let pp = PublicParams::setup(
        &AggregationFold(&template),
        KeySource::Provider(Box::new(|shape| {
            KzgKey::from_ptau_dir(ptau, shape.num_vars())
        })),
    )
    .expect("params");
    let setup = t.elapsed().as_secs_f64();
    let step_cons = {
        let mut cs = zkagg_circuit_verifier::cs::CheckCS::counting();
        let z: Vec<_> = agg
            .initial_state()
            .expect("z0")
            .iter()
            .enumerate()
            .map(|(i, v)| {
                nova_snark::frontend::num::AllocatedNum::alloc(
                    nova_snark::frontend::ConstraintSystem::namespace(&mut cs, || format!("z{i}")),
                    || Ok(*v),
                )
                .expect("alloc")
            })
            .collect();
        nova_snark::traits::circuit::StepCircuit::synthesize(&template, &mut cs, &z).expect("step");
        cs.num_constraints()
    };
    println!(
        "engine: step {} constraints; augmented {} constraints ({} added), {} variables, mu {}; \
         CycleFold {} constraints, {} variables; setup {:.1} s",
        step_cons,
        pp.shape.num_cons(),
        pp.shape.num_cons() - step_cons,
        pp.shape.num_vars(),
        pp.mu,
        pp.cf.num_cons(),
        pp.cf.num_vars(),
        setup
    );
    let z0 = agg.initial_state().expect("z0");
    let mut prover = IvcProver::new(&pp, z0.clone()).expect("prover");
    let plan = agg.plan(n);
    let mut fin = None;
    let (mut total, mut fold, mut cf, mut wit, mut com, mut prod) =
        (vec![], vec![], vec![], vec![], vec![], vec![]);
    let t_all = Instant::now();
    for a in &plan {
        let w = witness_for(&agg, a, &proofs, &prover.state().z.clone(), &mut fin);
        let step = AggregationStep {
            key: agg.key.clone(),
            witness: w,
        };
        let t = Instant::now();
        prover.prove_step(&AggregationFold(&step)).expect("step");
        total.push(t.elapsed());
        let tm = prover.timings;
        fold.push(tm.fold);
        cf.push(tm.cyclefold);
        wit.push(tm.witness);
        com.push(tm.commit);
        prod.push(tm.products);
    }
    let all = t_all.elapsed().as_secs_f64();
    let t = Instant::now();
    verify(&pp, &z0, &prover.proof(), &|z| final_check(&agg, z)).expect("verify");
    let ver = t.elapsed().as_secs_f64();
    let med = median(total);
    println!(
        "engine N={n}: {} steps in {all:.1} s; median step {med:.3} s (fold {:.3}, CycleFold {:.3}, \
         witness {:.3}, commit {:.3}, A/B/C z {:.3}); per absorbed proof (11 steps) {:.2} s; \
         whole run per proof {:.2} s; native verify {ver:.2} s; peak RSS {:.0} MiB",
        plan.len(),
        median(fold),
        median(cf),
        median(wit),
        median(com),
        median(prod),
        11.0 * med,
        all / n as f64,
        peak_rss_mib()
    );
}

fn nova(steps: usize, ptau: &Path) {
    use nova_snark::nova::{PublicParams as NovaPP, RecursiveSNARK};
    use nova_snark::provider::{Bn256EngineKZG, GrumpkinEngine};
    use nova_snark::traits::snark::default_ck_hint;
    let (vk, proofs) = chained_proofs(1);
    let agg = Aggregator::new(&vk, StepConfig::DEFAULT).expect("aggregator");
    let template = AggregationStep {
        key: agg.key.clone(),
        witness: StepWitness::default(),
    };
    let t = Instant::now();
    let pp = NovaPP::<Bn256EngineKZG, GrumpkinEngine, AggregationStep>::setup_with_ptau_dir(
        &template,
        &*default_ck_hint(),
        &*default_ck_hint(),
        ptau,
    )
    .expect("nova setup");
    println!(
        "nova-snark: primary {} constraints, secondary {} constraints; setup {:.1} s",
        pp.num_constraints().0,
        pp.num_constraints().1,
        t.elapsed().as_secs_f64()
    );
    let z0 = agg.initial_state().expect("z0");
    let plan = agg.plan(1);
    let mut fin = None;
    let mut z = z0.clone();
    let mut rs: Option<RecursiveSNARK<_, _, _>> = None;
    let mut times = vec![];
    for a in plan.iter().take(steps) {
        let w = witness_for(&agg, a, &proofs, &z, &mut fin);
        let step = AggregationStep {
            key: agg.key.clone(),
            witness: w,
        };
        let r = rs.get_or_insert_with(|| RecursiveSNARK::new(&pp, &step, &z0).expect("new"));
        let t = Instant::now();
        r.prove_step(&pp, &step).expect("nova step");
        times.push(t.elapsed());
        z = r.outputs().to_vec();
    }
    times.remove(0); // the first call only records the base case
    let med = median(times);
    println!(
        "nova-snark RecursiveSNARK: median prove_step {med:.3} s over {} steps; per absorbed proof \
         (11 steps) {:.2} s; peak RSS {:.0} MiB",
        steps - 1,
        11.0 * med,
        peak_rss_mib()
    );
}

fn main() {
    // `cargo bench` passes `--bench`; nothing else is parsed.
    let dir = std::env::temp_dir().join(format!("zkagg-fold-bench-{}", std::process::id()));
    let path = write_insecure_ptau(&dir, 19, 1).expect("ptau");
    if let Ok(steps) = std::env::var("ZKAGG_BENCH_NOVA") {
        // nova-snark looks for ppot_pruned_{power}.ptau.
        std::fs::rename(&path, dir.join("ppot_pruned_19.ptau")).expect("rename");
        nova(steps.parse().unwrap_or(12), &dir);
    } else {
        let n = std::env::var("ZKAGG_BENCH_N")
            .ok()
            .and_then(|s| s.parse().ok())
            .unwrap_or(2);
        ours(n, &dir);
    }
    std::fs::remove_dir_all(&dir).ok();
}
