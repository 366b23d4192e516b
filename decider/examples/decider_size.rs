//! The decider circuit's size for the aggregation of a batch key (no setup, no proof): counts
//! constraints, inputs and variables of each block.
//!
//! ```sh
//! cargo run --release -p zkagg-decider --example decider_size -- target/demo/keys/verification_key.json
//! ```

use std::time::Instant;
use zkagg_circuit_verifier::cs::CheckCS;
use zkagg_circuit_verifier::steps::driver::Aggregator;
use zkagg_circuit_verifier::steps::{AggregationStep, StepConfig, StepWitness};
use zkagg_decider::aggregation::AggregationStatement;
use zkagg_decider::circuit::{DeciderCircuit, DeciderInputs};
use zkagg_decider::inputs::decider_shape;
use zkagg_folding::commitment::kzg::KzgKey;
use zkagg_folding::frontends::aggregation::AggregationFold;
use zkagg_folding::ivc::{KeySource, PublicParams};
use zkagg_folding::G1Affine;

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let path = std::env::args()
        .nth(1)
        .ok_or("usage: decider_size <verification_key.json|bin>")?;
    let vk = zkagg_core::formats::load_verifying_key(&std::fs::read(&path)?)?;
    let agg = Aggregator::new(&vk, StepConfig::DEFAULT)?;
    let step = AggregationStep {
        key: agg.key.clone(),
        witness: StepWitness::default(),
    };
    let t = Instant::now();
    // Counting only: any key of the right length will do.
    let pp = PublicParams::setup(
        &AggregationFold(&step),
        KeySource::Provider(Box::new(|shape| {
            KzgKey::from_points(vec![G1Affine::generator(); shape.num_vars()])
        })),
    )?;
    println!(
        "augmented circuit: {} constraints, {} witness variables (setup {:.1} s)",
        pp.shape.num_cons(),
        pp.shape.num_vars(),
        t.elapsed().as_secs_f64()
    );
    let shape = decider_shape(&pp);
    let inputs = DeciderInputs::dummy(&shape);
    let circuit = DeciderCircuit {
        params: &shape,
        statement: &AggregationStatement(&agg),
        inputs: &inputs,
    };
    let t = Instant::now();
    let mut cs = CheckCS::counting();
    circuit.synthesize(&mut cs)?;
    println!(
        "decider: {} constraints, {} public inputs (incl. one), {} private variables, {} nonzeros ({:.1} s)",
        cs.num_constraints(),
        cs.num_inputs(),
        cs.num_aux(),
        cs.num_nonzeros(),
        t.elapsed().as_secs_f64()
    );
    Ok(())
}
