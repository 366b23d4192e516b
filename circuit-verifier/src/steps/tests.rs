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
    let s = StepConfig::DEFAULT.cycle_len();
    let (fc, _) = final_check(&agg, &z0);
    println!(
        "per proof in steps: {} constraints; aggregation of N proofs: (N + 1 + {}) * {s} + 1 steps; \
         final check: {fc} constraints",
        n * s,
        agg.key.fin_cycles()
    );
    assert!(fc < 200, "final check not trivial: {fc}");
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
    // The statement tree holds the one statement; rollup mode (the batch key's default) took
    // its roots.
    let layout = agg.key.layout();
    let tree = zkagg_core::statements::StatementTree::from_statements(
        STATEMENT_TREE_DEPTH,
        zkagg_core::vk_hash::vk_hash_field(vk),
        std::slice::from_ref(inputs),
    )
    .unwrap();
    assert_eq!(
        crate::convert::fr_to_ark(&z[layout.statements_root_index()]),
        tree.root()
    );
    assert_eq!(
        agg.key.rollup,
        Some(RollupInputs {
            old_root: 0,
            new_root: 1
        })
    );
    let st = agg.statement(&z).unwrap();
    assert_eq!(st.count, 1);
    assert_eq!(st.statements_root, tree.root());
    assert_eq!(
        st.roots,
        Some(statement::RootTransition {
            old_root: inputs[0],
            new_root: inputs[1]
        })
    );
    assert_eq!(z[8], Fr::from(1u64));
    let rho = crate::curve::glv::challenge_value(&b1, &b2);
    assert_eq!(z[9], crate::convert::fr_from_ark(&rho));
    for (j, x) in inputs.iter().enumerate() {
        assert_eq!(z[10 + j], crate::convert::fr_from_ark(&(rho * x)));
    }
    // T_A and T_C (after F, S_C, f, T, Q, psiQ, psi2Q, x_P, yx: 12+2+12+4+12+2 elements).
    let k = e.num_limbs();
    let elem = |idx: usize| -> ark_bn254::Fq {
        let base = agg.key.layout().elem_base() + idx * k;
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

/// Three chained batch proofs (each `old_root` is the previous `new_root`) and a fourth that
/// starts from another state, under one key (2 transfers, depth 8), made once per test binary.
struct ChainedFixture {
    vk: zkagg_core::VerifyingKey,
    chain: Vec<(zkagg_core::Proof, Vec<ark_bn254::Fr>)>,
    unchained: (zkagg_core::Proof, Vec<ark_bn254::Fr>),
}

fn chained_fixture() -> &'static ChainedFixture {
    use rand::SeedableRng;
    use zkagg_core::batch::{self, random_batch, random_genesis_and_batch, BatchParams};
    static F: std::sync::OnceLock<ChainedFixture> = std::sync::OnceLock::new();
    F.get_or_init(|| {
        let params = BatchParams {
            transfers: 2,
            depth: 8,
        };
        let mut rng = rand_chacha::ChaCha20Rng::seed_from_u64(11);
        let (pk, vk) = batch::setup(&params, &mut rng).unwrap();
        let (mut tree, first) = random_genesis_and_batch(&params, &mut rng).unwrap();
        let mut prove = |tree: &mut zkagg_core::batch::AccountTree,
                         transfers: &[zkagg_core::batch::Transfer]| {
            let (statement, witness) = tree.apply_batch(&params, transfers).unwrap();
            let proof = batch::prove(&pk, &params, &witness, &mut rng).unwrap();
            (proof, statement.public_inputs())
        };
        let mut chain = vec![prove(&mut tree, &first)];
        for _ in 0..2 {
            let next = random_batch(
                &tree,
                &params,
                &mut rand_chacha::ChaCha20Rng::seed_from_u64(12),
            )
            .unwrap();
            chain.push(prove(&mut tree, &next));
        }
        let (mut other, transfers) =
            random_genesis_and_batch(&params, &mut rand_chacha::ChaCha20Rng::seed_from_u64(13))
                .unwrap();
        let unchained = prove(&mut other, &transfers);
        for w in chain.windows(2) {
            assert_eq!(w[1].1[0], w[0].1[1], "the fixture's batches chain");
        }
        assert_ne!(unchained.1[0], chain[0].1[1]);
        ChainedFixture {
            vk,
            chain,
            unchained,
        }
    })
}

/// The statement an aggregation of `proofs` in rollup mode must expose, computed natively.
fn native_statement(
    vk: &zkagg_core::VerifyingKey,
    proofs: &[(zkagg_core::Proof, Vec<ark_bn254::Fr>)],
) -> statement::AggregateStatement {
    let vk_hash = zkagg_core::vk_hash::vk_hash_field(vk);
    let inputs: Vec<Vec<ark_bn254::Fr>> = proofs.iter().map(|p| p.1.clone()).collect();
    let tree = zkagg_core::statements::StatementTree::from_statements(
        STATEMENT_TREE_DEPTH,
        vk_hash,
        &inputs,
    )
    .unwrap();
    statement::AggregateStatement {
        vk_hash,
        count: proofs.len() as u64,
        statements_root: tree.root(),
        roots: Some(statement::RootTransition {
            old_root: inputs[0][0],
            new_root: inputs[inputs.len() - 1][1],
        }),
    }
}

/// Rollup mode: after a cycle absorbing batch 1, the boundary step absorbing batch 2 (which
/// starts from batch 1's `new_root`) is satisfied and moves the state to the two-statement tree
/// and `old_root_1 -> new_root_2`; absorbing a batch that starts from another root makes the
/// step unsatisfiable. With `RootChain::Off` the same unchained batch is accepted (the mode is an
/// explicit choice of the step circuit).
#[test]
fn rollup_mode_chains_roots_and_refuses_a_gap() {
    let fx = chained_fixture();
    let agg = Aggregator::new(&fx.vk, StepConfig::DEFAULT).unwrap();
    let s = StepConfig::DEFAULT.cycle_len();
    let mut z = agg.initial_state().unwrap();
    for i in 0..s {
        let witness = StepWitness {
            absorb: (i == 0).then(|| fx.chain[0].clone()),
            finish: None,
        };
        let step = AggregationStep {
            key: agg.key.clone(),
            witness,
        };
        let (out, _, ok, fail) = check_step(&step, &z);
        assert!(ok, "step {i}: {fail:?}");
        z = out;
    }
    let absorb =
        |key: &Arc<StepKey>, p: &(zkagg_core::Proof, Vec<ark_bn254::Fr>)| AggregationStep {
            key: key.clone(),
            witness: StepWitness {
                absorb: Some(p.clone()),
                finish: None,
            },
        };
    // The chained second batch.
    let (out, _, ok, fail) = check_step(&absorb(&agg.key, &fx.chain[1]), &z);
    assert!(ok, "chained batch refused: {fail:?}");
    assert_eq!(
        agg.statement(&out).unwrap(),
        native_statement(&fx.vk, &fx.chain[..2])
    );
    // A batch from another state: unsatisfiable, at the chain check.
    let (_, _, ok, fail) = check_step(&absorb(&agg.key, &fx.unchained), &z);
    assert!(!ok, "unchained batch accepted");
    let fail = fail.unwrap_or_default();
    assert!(fail.contains("old_root = previous new_root"), "{fail}");
    // Skipping a batch (batch 3 after batch 1) is a gap too.
    let (_, _, ok, _) = check_step(&absorb(&agg.key, &fx.chain[2]), &z);
    assert!(!ok, "a skipped batch was accepted");
    // Independent statements: the same state (its roots are 0 in that mode) accepts it.
    let off = Aggregator::new(&fx.vk, StepConfig::DEFAULT.with_root_chain(RootChain::Off)).unwrap();
    assert_eq!(off.key.rollup, None);
    let r = off.key.layout().roots_index();
    let mut z_off = z.clone();
    z_off[r] = Fr::ZERO;
    z_off[r + 1] = Fr::ZERO;
    let (out, _, ok, fail) = check_step(&absorb(&off.key, &fx.unchained), &z_off);
    assert!(ok, "{fail:?}");
    assert_eq!(off.statement(&out).unwrap().roots, None);
    assert_eq!(out[r], Fr::ZERO);
    // The driver refuses a gap before running any step, naming the proof.
    assert_eq!(
        agg.expected_statement(&fx.chain).unwrap(),
        native_statement(&fx.vk, &fx.chain)
    );
    let gap = vec![fx.chain[0].clone(), fx.chain[2].clone()];
    let err = agg
        .run(&gap, |_, _, _| panic!("no step may run"))
        .unwrap_err();
    assert!(err.to_string().contains("proof 1"), "{err}");
    assert!(off.expected_statement(&gap).is_ok());
    // Bad explicit modes are refused.
    for (old_root, new_root) in [(0, 0), (0, 3), (5, 1)] {
        let cfg = StepConfig::DEFAULT.with_root_chain(RootChain::Rollup { old_root, new_root });
        assert!(Aggregator::new(&fx.vk, cfg).is_err());
    }
}

/// Runs the decider's final check on `z` and returns the statement it exposes.
fn final_statement(agg: &Aggregator, z: &[Fr]) -> statement::AggregateStatementVars {
    let mut cs = CheckCS::new();
    let zin: Vec<AllocatedNum<Fr>> = z
        .iter()
        .enumerate()
        .map(|(i, v)| AllocatedNum::alloc(cs.namespace(|| format!("z {i}")), || Ok(*v)).unwrap())
        .collect();
    let st = agg
        .key
        .emu
        .aggregate_final_statement(&mut cs, &agg.key, &zin)
        .unwrap();
    assert!(cs.is_satisfied());
    st
}

/// Runs the decider's final check on `z`; returns (constraints, satisfied).
fn final_check(agg: &Aggregator, z: &[Fr]) -> (usize, bool) {
    let mut cs = CheckCS::new();
    let zin: Vec<AllocatedNum<Fr>> = z
        .iter()
        .enumerate()
        .map(|(i, v)| AllocatedNum::alloc(cs.namespace(|| format!("z {i}")), || Ok(*v)).unwrap())
        .collect();
    agg.key
        .emu
        .aggregate_final_check(&mut cs, &agg.key, &zin)
        .unwrap();
    (cs.num_constraints(), cs.is_satisfied())
}

/// A whole aggregation of two proofs in uniform steps (the MSMs and the residue closing run in
/// the steps), then the decider's trivial final check (phase `done`, `F = 1`); an invalid
/// second proof is rejected (`cargo test --release -p zkagg-circuit-verifier
/// aggregation_in_steps -- --ignored --nocapture`, about a minute).
#[test]
#[ignore]
fn aggregation_in_steps() {
    let fx = chained_fixture();
    let vk = &fx.vk;
    let proofs = fx.chain[..2].to_vec();
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
    assert_eq!(agg.plan(proofs.len()).len(), agg.num_steps(proofs.len()));
    println!(
        "{} steps ({} finish cycles), {total} constraints in all, {:.0}s",
        agg.num_steps(proofs.len()),
        agg.key.fin_cycles(),
        t0.elapsed().as_secs_f64()
    );
    // The decider's check on the final state.
    let (n, ok) = final_check(&agg, &z);
    println!("final check: {n} constraints");
    assert!(ok);
    // The initial state is not final.
    assert!(!final_check(&agg, &agg.initial_state().unwrap()).1);
    // The aggregate's statement: two proofs, their statement tree, first old_root -> last
    // new_root (also as the decider's circuit values).
    let st = agg.statement(&z).unwrap();
    let expected = native_statement(vk, &proofs);
    assert_eq!(st, expected);
    assert_eq!(agg.expected_statement(&proofs).unwrap(), expected);
    let vars = final_statement(&agg, &z);
    assert_eq!(vars.count.val, Fr::from(2u64));
    assert_eq!(
        crate::convert::fr_to_ark(&vars.statements_root.val),
        expected.statements_root
    );
    let roots = vars.roots.expect("rollup mode");
    assert_eq!(crate::convert::fr_to_ark(&roots[0].val), proofs[0].1[0]);
    assert_eq!(crate::convert::fr_to_ark(&roots[1].val), proofs[1].1[1]);
    // An invalid proof (a wrong public input): an honest driver cannot produce the finish hints;
    // a prover that forces hints through (c = 1, the true L and s_0 alpha) gets satisfied steps
    // (the residue chain of c = 1 is consistent) but F != 1, so the final check fails.
    // (The tx_commitment input is changed: the roots still chain, only the pairing fails.)
    let mut bad = proofs.clone();
    bad[1].1[2] += ark_bn254::Fr::from(1u64);
    let r = agg.run(&bad, |_, step, z| Ok(check_step(step, z).0));
    assert!(r.is_err());
    let mut step_failed = false;
    let z = agg
        .run_with_hints(
            &bad,
            |_, step, z| {
                let (out, _, ok, _) = check_step(step, z);
                step_failed |= !ok;
                Ok(out)
            },
            |agg, z| Ok(agg.finish_hints_unchecked(z)?.0),
        )
        .unwrap();
    assert!(step_failed || !final_check(&agg, &z).1);
    let _ = Action::Run;
}

/// Overwrites emulated element `idx` of the state with `v` (canonical limbs).
fn patch_elem(agg: &Aggregator, z: &mut [Fr], idx: usize, v: ark_bn254::Fq) {
    let e = &agg.key.emu;
    let (k, b) = (e.num_limbs(), e.limb_bits());
    let mut x = crate::convert::fq_to_bigint(&v);
    let mask = (num_bigint::BigInt::from(1u8) << b) - 1;
    let base = agg.key.layout().elem_base() + idx * k;
    for i in 0..k {
        let limb = &x & &mask;
        z[base + i] = crate::convert::fr_from_bigint(&limb);
        x >>= b;
    }
}

/// Element indices of the finish registers in the state.
const ELEM_C: usize = 12 + 2 + 12 + 4 + 12 + 1 + 1 + 2 + 2 + 8 + 4;
const ELEM_L: usize = ELEM_C + 24;
const ELEM_SA: usize = ELEM_L + 2;
const ELEM_D: usize = ELEM_SA + 2;
const ELEM_E2: usize = ELEM_D + 12;

/// Every finish hint is pinned inside the steps: a state carrying a wrong `L`, `s_0 alpha`,
/// `c`, `c^-1`, `D`, `e2` or `e3` (the loads are unconstrained allocations, so this is what a
/// prover loading a wrong hint produces) makes the step that checks it unsatisfiable
/// (`cargo test --release -p zkagg-circuit-verifier wrong_finish_hints -- --ignored`).
#[test]
#[ignore]
fn wrong_finish_hints_make_a_step_unsatisfiable() {
    use ark_ec::{AffineRepr, CurveGroup};
    let (vk, proof, inputs) = batch_fixture();
    let agg = Aggregator::new(vk, StepConfig::DEFAULT).unwrap();
    let mut trace: Vec<(AggregationStep, Vec<Fr>)> = Vec::new();
    agg.run(&[(proof.clone(), inputs.clone())], |i, step, z| {
        let (out, _, ok, fail) = check_step(step, z);
        assert!(ok, "step {i}: {fail:?}");
        trace.push((step.clone(), z.to_vec()));
        Ok(out)
    })
    .unwrap();
    let find = |phase: u64, pc: u64| {
        trace
            .iter()
            .find(|(_, z)| z[0] == Fr::from(phase) && z[1] == Fr::from(pc))
            .cloned()
            .unwrap()
    };
    let read = |z: &[Fr], idx: usize| -> ark_bn254::Fq {
        let e = &agg.key.emu;
        let base = agg.key.layout().elem_base() + idx * e.num_limbs();
        let mut v = num_bigint::BigUint::from(0u32);
        for i in (0..e.num_limbs()).rev() {
            v = (v << e.limb_bits()) + crate::convert::fr_to_biguint(&z[base + i]);
        }
        crate::convert::fq_from_biguint(&v)
    };
    let items = agg.key.msm_items() as u64;
    let g = ark_bn254::G1Affine::generator();
    // L is compared after item n (leaving phase n + 1), s_0 alpha after item n + 1.
    for (name, phase, idx) in [("L", items - 1, ELEM_L), ("s_0 alpha", items, ELEM_SA)] {
        let (step, mut z) = find(phase, 0);
        let p = ark_bn254::G1Affine::new_unchecked(read(&z, idx), read(&z, idx + 1));
        let q = (p.into_group() + g).into_affine();
        patch_elem(&agg, &mut z, idx, q.x);
        patch_elem(&agg, &mut z, idx + 1, q.y);
        let (_, _, ok, fail) = check_step(&step, &z);
        assert!(!ok, "wrong {name} accepted");
        println!("wrong {name}: rejected at {fail:?}");
    }
    // The residue chain: checks at phase 3, pc 1..=4 (c and c^-1 at 1, e2 at 2, e3 at 3, D at 4).
    for (name, pc, idx) in [
        ("c", 1, ELEM_C),
        ("c^-1", 1, ELEM_C + 12),
        ("e2", 2, ELEM_E2),
        ("e3", 3, ELEM_E2 + 12),
        ("D", 4, ELEM_D),
    ] {
        let (step, mut z) = find(CHECK_PHASE as u64, pc);
        let v = read(&z, idx + 5);
        patch_elem(&agg, &mut z, idx + 5, v + ark_bn254::Fq::from(1u64));
        let (_, _, ok, fail) = check_step(&step, &z);
        assert!(!ok, "wrong {name} accepted");
        println!("wrong {name}: rejected at {fail:?}");
    }
}
