//! The measurements of `docs/BENCHMARKS.md` ("In-circuit Groth16 verification (issue 4)"):
//! `cargo test --release -p zkagg-circuit-verifier constraint_report -- --ignored --nocapture`.

use crate::convert::Fr;
use crate::cs::CheckCS;
use crate::curve::glv::fq_as_fq2;
use crate::curve::CurveSpec;
use crate::field::relation::Relation;
use crate::field::{Bit, Emu};
use crate::groth16::tests::batch_fixture;
use crate::groth16::{alloc_inputs, CircuitKey};
use crate::pairing::fixed::FixedLoop;
use crate::pairing::{MillerOp, MillerState, OpFlags};
use crate::steps::{driver::Aggregator, AggregationStep, StepConfig, StepWitness};
use crate::tower::{fq12_to_direct, Ext, ExtKind};
use ark_bn254::{Fq, Fq12, G1Projective, G2Projective};
use ark_ec::CurveGroup;
use ark_ff::UniformRand;
use nova_snark::frontend::num::AllocatedNum;
use nova_snark::frontend::solver::SatisfyingAssignment;
use nova_snark::frontend::ConstraintSystem;
use nova_snark::provider::Bn256EngineKZG;
use nova_snark::traits::circuit::StepCircuit;
use std::time::Instant;

type W = SatisfyingAssignment<Bn256EngineKZG>;

fn measure(name: &str, f: impl Fn(&mut CheckCS)) {
    let mut cs = CheckCS::counting();
    f(&mut cs);
    println!(
        "| {name} | {} | {} |",
        cs.num_constraints(),
        cs.num_nonzeros()
    );
}

#[test]
#[ignore]
fn constraint_report() {
    let e = Emu::default_layout();
    let mut rng = ark_std::test_rng();
    println!("| gadget | constraints | non-zeros |");
    println!("|---|---|---|");
    let (x, y) = (Fq::rand(&mut rng), Fq::rand(&mut rng));
    let fa = |cs: &mut CheckCS, v: Fq| Ext::from_elem(e.alloc_fq(cs, &v).unwrap());
    measure("Fq alloc (8 x 32-bit limbs, range-checked)", |cs| {
        fa(cs, x);
    });
    measure("Fq mul (reduced)", |cs| {
        let a = fa(cs, x);
        let b = fa(cs, y);
        let n = cs.num_constraints();
        e.mul(cs, &a, &b).unwrap();
        println!("  (mul alone: {})", cs.num_constraints() - n);
    });
    let (u, v) = (Fq12::rand(&mut rng), Fq12::rand(&mut rng));
    let f12 =
        |cs: &mut CheckCS, v: Fq12| e.alloc_ext(cs, ExtKind::Fq12, &fq12_to_direct(&v)).unwrap();
    for (name, cube) in [("Fq12 mul", false), ("Fq12 f*g*h (one reduction)", true)] {
        let mut cs = CheckCS::counting();
        let a = f12(&mut cs, u);
        let b = f12(&mut cs, v);
        let n = cs.num_constraints();
        if cube {
            let mut rel = Relation::new(&e, ExtKind::Fq12);
            rel.add_product(1, &[&a, &a, &b]);
            rel.reduce(&mut cs).unwrap();
        } else {
            e.mul(&mut cs, &a, &b).unwrap();
        }
        println!("| {name} | {} | |", cs.num_constraints() - n);
    }
    {
        let mut cs = CheckCS::counting();
        let a = f12(&mut cs, u);
        let n = cs.num_constraints();
        e.square(&mut cs, &a).unwrap();
        println!("| Fq12 square | {} | |", cs.num_constraints() - n);
        let n = cs.num_constraints();
        e.frobenius(&mut cs, &a, 1).unwrap();
        println!("| Fq12 Frobenius | {} | |", cs.num_constraints() - n);
    }
    // Miller ops and loops.
    let p = G1Projective::rand(&mut rng).into_affine();
    let q = G2Projective::rand(&mut rng).into_affine();
    let alloc_pq = |cs: &mut CheckCS| {
        let pv = e
            .alloc_point(cs, &CurveSpec::g1(), fq_as_fq2(p.x), fq_as_fq2(p.y), false)
            .unwrap();
        let qv = e
            .alloc_point(cs, &CurveSpec::g2(), q.x, q.y, false)
            .unwrap();
        (pv, qv)
    };
    for (name, op, var) in [
        ("Miller op: doubling (fixed flags)", MillerOp::Double, false),
        ("Miller op: addition (fixed flags)", MillerOp::AddQ, false),
        (
            "Miller op: any (variable flags, as in steps)",
            MillerOp::Double,
            true,
        ),
    ] {
        let mut cs = CheckCS::counting();
        let (pv, qv) = alloc_pq(&mut cs);
        let inp = e.miller_inputs(&mut cs, &pv, &qv).unwrap();
        let st = MillerState {
            f: f12(&mut cs, u),
            t: qv.clone(),
        };
        let flags = if var {
            OpFlags {
                dbl: Bit::alloc(&mut cs, true).unwrap(),
                src: [
                    Bit::alloc(&mut cs, false).unwrap(),
                    Bit::alloc(&mut cs, false).unwrap(),
                ],
            }
        } else {
            OpFlags::constant(op)
        };
        let h = if var { Some(f12(&mut cs, v)) } else { None };
        let n = cs.num_constraints();
        e.miller_op(&mut cs, &st, &inp, &flags, h.as_ref()).unwrap();
        println!("| {name} | {} | |", cs.num_constraints() - n);
    }
    {
        let mut cs = CheckCS::counting();
        let (pv, qv) = alloc_pq(&mut cs);
        let n = cs.num_constraints();
        let t0 = Instant::now();
        e.miller_loop(&mut cs, &pv, &qv, true).unwrap();
        println!(
            "| Miller loop, variable G2 (+ G2 subgroup check) | {} | {} |",
            cs.num_constraints() - n,
            cs.num_nonzeros()
        );
        let _ = t0;
        let res = e.alloc_residue(&mut cs, &u).unwrap();
        let n = cs.num_constraints();
        e.miller_loop_with_residue(&mut cs, &pv, &qv, true, Some(&res))
            .unwrap();
        println!(
            "| Miller loop, variable G2, residue c^-(6x+2) folded in | {} | |",
            cs.num_constraints() - n
        );
        let fixed = FixedLoop::new(&q);
        let n = cs.num_constraints();
        e.miller_loop_fixed(&mut cs, &pv, &fixed, None).unwrap();
        println!(
            "| Miller loop, fixed G2 (key point) | {} | |",
            cs.num_constraints() - n
        );
        let t0 = Instant::now();
        let mut w = W::new();
        let pv = e
            .alloc_point(
                &mut w,
                &CurveSpec::g1(),
                fq_as_fq2(p.x),
                fq_as_fq2(p.y),
                false,
            )
            .unwrap();
        let qv = e
            .alloc_point(&mut w, &CurveSpec::g2(), q.x, q.y, false)
            .unwrap();
        e.miller_loop(&mut w, &pv, &qv, true).unwrap();
        println!(
            "  (witness generation of the variable-G2 loop: {:.2}s)",
            t0.elapsed().as_secs_f64()
        );
    }
    {
        // Residue witness check (alloc c, c^-1, w; close) -- the replacement of the final exp.
        let mut cs = CheckCS::counting();
        let f = f12(&mut cs, u);
        let n = cs.num_constraints();
        let res = e.alloc_residue(&mut cs, &u).unwrap();
        let n1 = cs.num_constraints();
        e.residue_close(&mut cs, &f, &res).unwrap();
        println!(
            "| residue check: hints + c c^-1 = 1 | {} | |\n| residue check: closing (3 Frobenius, products) | {} | |",
            n1 - n,
            cs.num_constraints() - n1
        );
    }
    {
        let mut cs = CheckCS::counting();
        let pv = e
            .alloc_point(
                &mut cs,
                &CurveSpec::g1(),
                fq_as_fq2(p.x),
                fq_as_fq2(p.y),
                false,
            )
            .unwrap();
        let bits: Vec<Bit> = (0..128)
            .map(|i| Bit::alloc(&mut cs, i % 3 == 0).unwrap())
            .collect();
        let n = cs.num_constraints();
        e.g1_mul_challenge(&mut cs, &pv, &bits[..64], &bits[64..])
            .unwrap();
        println!(
            "| G1 x 128-bit challenge (GLV, 65 double-and-adds) | {} | |",
            cs.num_constraints() - n
        );
    }
    let (vk, proof, inputs) = batch_fixture();
    {
        let key = CircuitKey::new(vk).unwrap();
        let mut cs = CheckCS::counting();
        let xs = alloc_inputs(&mut cs, inputs).unwrap();
        let bits: Vec<Vec<Bit>> = xs
            .iter()
            .enumerate()
            .map(|(j, x)| {
                crate::groth16::num_to_bits(&mut cs.namespace(|| format!("b{j}")), x, 254).unwrap()
            })
            .collect();
        let n = cs.num_constraints();
        e.fixed_base_msm(&mut cs, &key.msm, &bits).unwrap();
        println!(
            "| fixed-base MSM, 3 inputs x 254 bits (8-bit windows) | {} | |",
            cs.num_constraints() - n
        );
        let mut cs = CheckCS::counting();
        let pv = e.alloc_proof(&mut cs, proof, false).unwrap();
        let xs = alloc_inputs(&mut cs, inputs).unwrap();
        let n = cs.num_constraints();
        e.verify_groth16(&mut cs, &key, &pv, &xs).unwrap();
        println!(
            "| Groth16 verify, one proof, 3 inputs (residue check) | {} | {} |",
            cs.num_constraints() - n,
            cs.num_nonzeros()
        );
        let t0 = Instant::now();
        let mut w = W::new();
        let pv = e.alloc_proof(&mut w, proof, false).unwrap();
        let xs = alloc_inputs(&mut w, inputs).unwrap();
        e.verify_groth16(&mut w, &key, &pv, &xs).unwrap();
        println!("  (witness generation: {:.2}s)", t0.elapsed().as_secs_f64());
    }
    {
        let key = crate::groth16::batch::BatchKey::new(vk).unwrap();
        let mut cs = CheckCS::counting();
        let acc = e.batch_init(&key);
        let pv = e.alloc_proof(&mut cs, proof, true).unwrap();
        let xs = alloc_inputs(&mut cs, inputs).unwrap();
        let n = cs.num_constraints();
        let acc = e.batch_absorb(&mut cs, &key, &acc, &pv, &xs).unwrap();
        let n1 = cs.num_constraints();
        e.batch_finish(&mut cs, &key, &acc).unwrap();
        println!(
            "| batched: per-proof marginal (absorb, excluding allocation) | {} | |\n| batched: finish (once per aggregate) | {} | |",
            n1 - n,
            cs.num_constraints() - n1
        );
    }
    {
        let agg = Aggregator::new(vk, StepConfig::DEFAULT).unwrap();
        let z0 = agg.initial_state().unwrap();
        let step = AggregationStep {
            key: agg.key.clone(),
            witness: StepWitness {
                absorb: Some((proof.clone(), inputs.clone())),
                finish: None,
            },
        };
        let mut cs = CheckCS::counting();
        let zin: Vec<AllocatedNum<Fr>> = z0
            .iter()
            .enumerate()
            .map(|(i, v)| {
                AllocatedNum::alloc_input(cs.namespace(|| format!("z {i}")), || Ok(*v)).unwrap()
            })
            .collect();
        step.synthesize(&mut cs, &zin).unwrap();
        println!(
            "| uniform step (M = {}, J = {}), {} steps per proof | {} | {} |",
            StepConfig::DEFAULT.miller_slots,
            StepConfig::DEFAULT.g1_slots,
            StepConfig::DEFAULT.cycle_len(),
            cs.num_constraints(),
            cs.num_nonzeros()
        );
        // Slot costs by difference of configurations.
        let size = |m: usize, j: usize| -> usize {
            let agg = Aggregator::new(
                vk,
                StepConfig {
                    miller_slots: m,
                    g1_slots: j,
                },
            )
            .unwrap();
            let z0 = agg.initial_state().unwrap();
            let step = AggregationStep {
                key: agg.key.clone(),
                witness: StepWitness::default(),
            };
            let mut cs = CheckCS::counting();
            let zin: Vec<AllocatedNum<Fr>> = z0
                .iter()
                .enumerate()
                .map(|(i, v)| {
                    AllocatedNum::alloc_input(cs.namespace(|| format!("z {i}")), || Ok(*v)).unwrap()
                })
                .collect();
            step.synthesize(&mut cs, &zin).unwrap();
            cs.num_constraints()
        };
        let full = size(8, 12);
        let ms = full - size(7, 12);
        let gs = full - size(8, 11);
        println!(
            "  (slot costs: Miller slot {ms}, G1 slot {gs}, boundary block and control {})",
            full - 8 * ms - 12 * gs
        );
        let t0 = Instant::now();
        let mut w = W::new();
        let zin: Vec<AllocatedNum<Fr>> = z0
            .iter()
            .enumerate()
            .map(|(i, v)| {
                AllocatedNum::alloc_input(w.namespace(|| format!("z {i}")), || Ok(*v)).unwrap()
            })
            .collect();
        step.synthesize(&mut w, &zin).unwrap();
        println!(
            "  (witness generation of one step: {:.2}s; arity {})",
            t0.elapsed().as_secs_f64(),
            agg.arity()
        );
    }
}
