use super::driver::{Action, Aggregator};
use super::*;
use crate::cs::CheckCS;
use crate::groth16::tests::batch_fixture;
use nova_snark::frontend::num::AllocatedNum;

/// Synthesises one step on a fresh checking constraint system; returns (z_out, constraints,
/// satisfied, first failure).
fn check_step(step: &AggregationStep, z: &[Fr]) -> (Vec<Fr>, usize, bool, Option<String>) {
    let mut cs = CheckCS::new();
    let zin: Vec<AllocatedNum<Fr>> = z
        .iter()
        .enumerate()
        .map(|(i, v)| {
            AllocatedNum::alloc_input(cs.namespace(|| format!("z {i}")), || Ok(*v)).unwrap()
        })
        .collect();
    let out = step.synthesize(&mut cs, &zin).unwrap();
    let vals = out.iter().map(|x| x.get_value().unwrap()).collect();
    (
        vals,
        cs.num_constraints(),
        cs.is_satisfied(),
        cs.which_is_unsatisfied().map(str::to_owned),
    )
}

#[test]
fn step_size_and_shape_match_nova() {
    use nova_snark::frontend::shape_cs::ShapeCS;
    use nova_snark::provider::Bn256EngineKZG;
    let (vk, _, _) = batch_fixture();
    let agg = Aggregator::new(vk, StepConfig::DEFAULT).unwrap();
    let step = AggregationStep {
        key: agg.key.clone(),
        witness: StepWitness::default(),
    };
    let z0 = agg.initial_state().unwrap();
    assert_eq!(z0.len(), agg.arity());
    let mut cs = CheckCS::counting();
    let zin: Vec<AllocatedNum<Fr>> = z0
        .iter()
        .enumerate()
        .map(|(i, v)| {
            AllocatedNum::alloc_input(cs.namespace(|| format!("z {i}")), || Ok(*v)).unwrap()
        })
        .collect();
    step.synthesize(&mut cs, &zin).unwrap();
    let n = cs.num_constraints();
    println!(
        "step: {n} constraints, {} variables, {} non-zeros, arity {}, {} steps per proof",
        cs.num_aux(),
        cs.num_nonzeros(),
        agg.arity(),
        StepConfig::DEFAULT.cycle_len()
    );
    assert!(n <= 250_000, "step above 250k constraints: {n}");
    // nova-snark's shape synthesis (no witness values) sees the same circuit.
    let mut shape = ShapeCS::<Bn256EngineKZG>::new();
    let zs: Vec<AllocatedNum<Fr>> = (0..z0.len())
        .map(|i| {
            AllocatedNum::alloc_input(shape.namespace(|| format!("z {i}")), || Ok(Fr::ZERO))
                .unwrap()
        })
        .collect();
    step.synthesize(&mut shape, &zs).unwrap();
    assert_eq!(shape.num_constraints(), n);
}

/// The first cycle absorbs a proof: every step is satisfied and the accumulator agrees with the
/// one-shot native transcript, statement chain and the challenge multiples `rho A`, `rho C`.
#[test]
fn first_cycle_agrees_with_one_shot() {
    use crate::groth16::batch::NativeBatch;
    use ark_ec::CurveGroup;
    let (vk, proof, inputs) = batch_fixture();
    let agg = Aggregator::new(vk, StepConfig::DEFAULT).unwrap();
    let s = StepConfig::DEFAULT.cycle_len();
    let mut z = agg.initial_state().unwrap();
    for i in 0..s {
        let witness = if i == 0 {
            StepWitness {
                absorb: Some((proof.clone(), inputs.clone())),
                finish: None,
            }
        } else {
            StepWitness::default()
        };
        let step = AggregationStep {
            key: agg.key.clone(),
            witness,
        };
        let (out, _, ok, fail) = check_step(&step, &z);
        assert!(ok, "step {i}: {fail:?}");
        z = out;
    }
    let e = &agg.key.emu;
    let mut native = NativeBatch::new(&agg.key.batch);
    let (b1, b2) = native.absorb(e, proof, inputs);
    assert_eq!(&z[4..7], &native.transcript[..]);
    assert_eq!(z[7], native.statements);
    assert_eq!(z[8], Fr::from(1u64));
    let rho = crate::curve::glv::challenge_value(&b1, &b2);
    assert_eq!(z[9], crate::convert::fr_from_ark(&rho));
    for (j, x) in inputs.iter().enumerate() {
        assert_eq!(z[10 + j], crate::convert::fr_from_ark(&(rho * x)));
    }
    // T_A and T_C (after F, S_C, f, T, Q, psiQ, psi2Q, x_P, yx: 12+2+12+4+12+2 elements).
    let n = inputs.len();
    let k = e.num_limbs();
    let elem = |idx: usize| -> ark_bn254::Fq {
        let base = n + 14 + idx * k;
        let mut v = num_bigint::BigUint::from(0u32);
        for i in (0..k).rev() {
            v = (v << e.limb_bits()) + crate::convert::fr_to_biguint(&z[base + i]);
        }
        crate::convert::fq_from_biguint(&v)
    };
    let ta = 12 + 2 + 12 + 4 + 12 + 2;
    let ra = (proof.a * rho).into_affine();
    let rc = (proof.c * rho).into_affine();
    assert_eq!((elem(ta), elem(ta + 1)), (ra.x, ra.y));
    assert_eq!((elem(ta + 2), elem(ta + 3)), (rc.x, rc.y));
}

/// A whole aggregation of two proofs in uniform steps, then the decider's final check; an
/// invalid second proof is rejected (`cargo test --release -p zkagg-circuit-verifier
/// aggregation_in_steps -- --ignored --nocapture`, several minutes).
#[test]
#[ignore]
fn aggregation_in_steps() {
    let (vk, proof, inputs) = batch_fixture();
    let mut rng = ark_std::test_rng();
    let p2 = ark_groth16::Groth16::<ark_bn254::Bn254>::rerandomize_proof(vk, proof, &mut rng);
    let proofs = vec![(proof.clone(), inputs.clone()), (p2, inputs.clone())];
    let agg = Aggregator::new(vk, StepConfig::DEFAULT).unwrap();
    let t0 = std::time::Instant::now();
    let mut total = 0usize;
    let z = agg
        .run(&proofs, |i, step, z| {
            let (out, n, ok, fail) = check_step(step, z);
            assert!(ok, "step {i}: {fail:?}");
            total += n;
            Ok(out)
        })
        .unwrap();
    println!(
        "{} steps, {total} constraints in all, {:.0}s",
        agg.plan(proofs.len()).len(),
        t0.elapsed().as_secs_f64()
    );
    // The decider's check on the final state.
    let e = agg.key.emu.clone();
    let mut cs = CheckCS::new();
    let zin: Vec<AllocatedNum<Fr>> = z
        .iter()
        .enumerate()
        .map(|(i, v)| AllocatedNum::alloc(cs.namespace(|| format!("z {i}")), || Ok(*v)).unwrap())
        .collect();
    e.aggregate_final_check(&mut cs, &agg.key, &zin).unwrap();
    println!("final check: {} constraints", cs.num_constraints());
    assert!(cs.is_satisfied(), "{:?}", cs.which_is_unsatisfied());
    // An invalid proof (a wrong public input): an honest driver cannot produce the finish hints;
    // a prover that forces them through gets satisfied steps but a failing final check.
    let mut bad = proofs.clone();
    bad[1].1[0] += ark_bn254::Fr::from(1u64);
    let r = agg.run(&bad, |_, step, z| Ok(check_step(step, z).0));
    assert!(r.is_err());
    let z = agg
        .run_with_hints(
            &bad,
            |i, step, z| {
                let (out, _, ok, fail) = check_step(step, z);
                assert!(ok, "step {i}: {fail:?}");
                Ok(out)
            },
            |agg, z| Ok(agg.finish_hints_unchecked(z)?.0),
        )
        .unwrap();
    let mut cs = CheckCS::new();
    let zin: Vec<AllocatedNum<Fr>> = z
        .iter()
        .enumerate()
        .map(|(i, v)| AllocatedNum::alloc(cs.namespace(|| format!("z {i}")), || Ok(*v)).unwrap())
        .collect();
    e.aggregate_final_check(&mut cs, &agg.key, &zin).unwrap();
    assert!(!cs.is_satisfied());
    let _ = Action::Run;
}
