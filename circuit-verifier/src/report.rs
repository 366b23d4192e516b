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
                    ..StepConfig::DEFAULT
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

/// Costs of the pieces that moving the former decider-side remainder (now done: the MSMs and the
/// residue closing run in the uniform step) was planned from (design note, section 8):
/// `cargo test --release -p zkagg-circuit-verifier finish_in_steps_costs -- --ignored --nocapture`.
#[test]
#[ignore]
fn finish_in_steps_costs() {
    let e = Emu::default_layout();
    let mut rng = ark_std::test_rng();
    let f12 =
        |cs: &mut CheckCS, v: Fq12| e.alloc_ext(cs, ExtKind::Fq12, &fq12_to_direct(&v)).unwrap();
    let (u, v) = (Fq12::rand(&mut rng), Fq12::rand(&mut rng));
    {
        let mut cs = CheckCS::counting();
        let (a, b) = (f12(&mut cs, u), f12(&mut cs, v));
        let bit = Bit::alloc(&mut cs, true).unwrap();
        let n = cs.num_constraints();
        e.select_ext(&mut cs, &bit, &a, &b).unwrap();
        println!(
            "| Fq12 select (two variables) | {} |",
            cs.num_constraints() - n
        );
    }
    for k in 1..=3 {
        let mut cs = CheckCS::counting();
        let mut img = u;
        ark_ff::Field::frobenius_map_in_place(&mut img, k);
        let (y, x) = (f12(&mut cs, u), f12(&mut cs, img));
        let mat = crate::tower::frobenius_matrix(ExtKind::Fq12, k);
        let n = cs.num_constraints();
        let mut rel = Relation::new(&e, ExtKind::Fq12);
        for (m, row) in mat.iter().enumerate() {
            for (j, c) in row.iter().enumerate() {
                if ark_ff::Zero::is_zero(c) {
                    continue;
                }
                let mut cw = vec![<Fq as ark_ff::Zero>::zero(); 12];
                cw[m] = *c;
                let cext = Ext::constant(ExtKind::Fq12, &cw, &e);
                rel.add_product(1, &[&cext, &Ext::from_elem(y.coeffs[j].clone())]);
            }
        }
        rel.add_linear(-1, &x);
        rel.assert_zero(&mut cs).unwrap();
        assert!(cs.is_satisfied());
        println!(
            "| Fq12 check x = y^(p^{k}) (assert_zero, no output) | {} |",
            cs.num_constraints() - n
        );
    }
    {
        let mut cs = CheckCS::counting();
        let inv = ark_ff::Field::inverse(&u).unwrap_or_default();
        let (a, b) = (f12(&mut cs, u), f12(&mut cs, inv));
        let n = cs.num_constraints();
        let mut rel = Relation::new(&e, ExtKind::Fq12);
        rel.add_product(1, &[&a, &b]);
        rel.add_linear(
            -1,
            &Ext::constant(
                ExtKind::Fq12,
                &fq12_to_direct(&<Fq12 as ark_ff::One>::one()),
                &e,
            ),
        );
        rel.assert_zero(&mut cs).unwrap();
        assert!(cs.is_satisfied());
        println!("| Fq12 check c c^-1 = 1 | {} |", cs.num_constraints() - n);
    }
    {
        let g1 = CurveSpec::g1();
        let p = G1Projective::rand(&mut rng).into_affine();
        let q = G1Projective::rand(&mut rng).into_affine();
        let mut cs = CheckCS::counting();
        let pv = e
            .alloc_point(&mut cs, &g1, fq_as_fq2(p.x), fq_as_fq2(p.y), false)
            .unwrap();
        let qv = e
            .alloc_point(&mut cs, &g1, fq_as_fq2(q.x), fq_as_fq2(q.y), false)
            .unwrap();
        let n = cs.num_constraints();
        e.point_add_checked(&mut cs, &g1, &pv, &qv).unwrap();
        println!("| G1 checked addition | {} |", cs.num_constraints() - n);
        let n = cs.num_constraints();
        e.assert_point_equal(&mut cs, &pv, &pv).unwrap();
        println!(
            "| G1 point equality (in the field) | {} |",
            cs.num_constraints() - n
        );
        let bit = Bit::alloc(&mut cs, true).unwrap();
        let n = cs.num_constraints();
        e.select_point(&mut cs, &bit, &pv, &qv).unwrap();
        println!(
            "| G1 select (two variables) | {} |",
            cs.num_constraints() - n
        );
    }
    {
        // The generic check `x z = y^p` (one gadget for the Frobenius checks and `c c^-1 = 1`).
        let mut cs = CheckCS::counting();
        let inv = ark_ff::Field::inverse(&u).unwrap_or_default();
        let mut img = u * inv;
        ark_ff::Field::frobenius_map_in_place(&mut img, 1);
        let (x, z, y) = (f12(&mut cs, u), f12(&mut cs, inv), f12(&mut cs, img));
        let mat = crate::tower::frobenius_matrix(ExtKind::Fq12, 1);
        let n = cs.num_constraints();
        let mut rel = Relation::new(&e, ExtKind::Fq12);
        rel.add_product(1, &[&x, &z]);
        for (m, row) in mat.iter().enumerate() {
            for (j, c) in row.iter().enumerate() {
                if ark_ff::Zero::is_zero(c) {
                    continue;
                }
                let mut cw = vec![<Fq as ark_ff::Zero>::zero(); 12];
                cw[m] = -*c;
                let cext = Ext::constant(ExtKind::Fq12, &cw, &e);
                rel.add_product(1, &[&cext, &Ext::from_elem(y.coeffs[j].clone())]);
            }
        }
        rel.assert_zero(&mut cs).unwrap();
        assert!(cs.is_satisfied());
        println!(
            "| Fq12 check x z = y^p (assert_zero) | {} |",
            cs.num_constraints() - n
        );
    }
    {
        let p = G1Projective::rand(&mut rng).into_affine();
        let q = G1Projective::rand(&mut rng).into_affine();
        for distinct in [false, true] {
            let mut cs = CheckCS::counting();
            let g1 = CurveSpec::g1();
            let pv = e
                .alloc_point(&mut cs, &g1, fq_as_fq2(p.x), fq_as_fq2(p.y), false)
                .unwrap();
            let qv = e
                .alloc_point(&mut cs, &g1, fq_as_fq2(q.x), fq_as_fq2(q.y), false)
                .unwrap();
            let tab = crate::curve::glv::ChallengeTable {
                u: qv.clone(),
                v: qv.neg(),
            };
            let (b1, b2) = (
                Bit::alloc(&mut cs, true).unwrap(),
                Bit::alloc(&mut cs, false).unwrap(),
            );
            let n = cs.num_constraints();
            e.g1_challenge_step(&mut cs, &pv, &tab, (&b1, &b2), distinct)
                .unwrap();
            println!(
                "| G1 challenge step 2T + S, distinctness checked: {distinct} | {} |",
                cs.num_constraints() - n
            );
        }
    }
    let (vk, _, inputs) = batch_fixture();
    {
        let key = crate::groth16::batch::BatchKey::new(vk).unwrap();
        let mut cs = CheckCS::counting();
        let xs = alloc_inputs(&mut cs, &inputs[..1]).unwrap();
        let bits = crate::groth16::num_to_bits(&mut cs.namespace(|| "bits"), &xs[0], 254).unwrap();
        let n = cs.num_constraints();
        e.fixed_base_msm(&mut cs, &key.alpha_msm, &[bits]).unwrap();
        println!(
            "| fixed-base MSM, 1 scalar x 254 bits (32 windows of 8 bits) | {} |",
            cs.num_constraints() - n
        );
        println!("  (inputs per proof: {})", key.num_inputs());
    }
}

/// Where the constraints of one uniform step go (by top-level namespace of
/// `steps::synthesize_step`; slots grouped), to find room for the finish:
/// `cargo test --release -p zkagg-circuit-verifier step_breakdown -- --ignored --nocapture`.
#[test]
#[ignore]
fn step_breakdown() {
    let (vk, proof, inputs) = batch_fixture();
    let agg = Aggregator::new(vk, StepConfig::DEFAULT).unwrap();
    let z0 = agg.initial_state().unwrap();
    let step = AggregationStep {
        key: agg.key.clone(),
        witness: StepWitness {
            absorb: Some((proof.clone(), inputs.clone())),
            finish: None,
        },
    };
    let mut cs = CheckCS::recording();
    let zin: Vec<AllocatedNum<Fr>> = z0
        .iter()
        .enumerate()
        .map(|(i, v)| {
            AllocatedNum::alloc_input(cs.namespace(|| format!("z {i}")), || Ok(*v)).unwrap()
        })
        .collect();
    step.synthesize(&mut cs, &zin).unwrap();
    let mut groups: std::collections::BTreeMap<String, usize> = Default::default();
    for path in cs.recorded_paths() {
        let mut parts = path.split('/').filter(|s| !s.is_empty());
        let mut top = parts.next().unwrap_or("").to_string();
        if top.starts_with("miller slot") || top.starts_with("g1 slot") {
            let slot = top.clone();
            let inner = parts.next().unwrap_or("");
            top = format!("{} * / {inner}", &slot[..slot.rfind(' ').unwrap_or(0)]);
        }
        *groups.entry(top).or_default() += 1;
    }
    let mut v: Vec<_> = groups.into_iter().collect();
    v.sort_by_key(|b| std::cmp::Reverse(b.1));
    println!("| namespace | constraints |\n|---|---:|");
    for (k, n) in v {
        println!("| {k} | {n} |");
    }
    println!("| total | {} |", cs.num_constraints());
}
