use super::*;
use crate::cs::CheckCS;
use crate::curve::CurveSpec;
use ark_bn254::{Bn254, Fr as ArkFr, G1Projective, G2Projective};
use ark_ec::pairing::{MillerLoopOutput, Pairing};
use ark_ec::{AffineRepr, CurveGroup, PrimeGroup};
use ark_ff::{PrimeField, UniformRand};
use num_bigint::BigUint;

fn emu() -> Emu {
    Emu::default_layout()
}

/// The primes of the twist's cofactor `#E'(Fq2) / r`.
pub(crate) fn twist_cofactor_primes() -> Vec<BigUint> {
    [
        "10069",
        "5864401",
        "1875725156269",
        "197620364512881247228717050342013327560683201906968909",
    ]
    .iter()
    .map(|s| BigUint::parse_bytes(s.as_bytes(), 10).unwrap())
    .collect()
}

/// A point of order `l` on the twist (for a prime `l` of the cofactor).
pub(crate) fn twist_point_of_order(l: &BigUint, seed: u64) -> G2Affine {
    let p = crate::convert::fq_modulus();
    let r = crate::convert::fr_modulus();
    let h: BigUint = twist_cofactor_primes().iter().product();
    assert_eq!(&h, &(p * 2u32 - r), "cofactor = 2p - r");
    let mut x = Fq2::new(Fq::from(seed), Fq::from(1u64));
    loop {
        if let Some(pt) = G2Affine::get_point_from_x_unchecked(x, false) {
            let n = r * &h / l;
            let q = pt.into_group().mul_bigint(n.to_u64_digits());
            if !q.is_zero() {
                let q = q.into_affine();
                assert!(q.into_group().mul_bigint(l.to_u64_digits()).is_zero());
                return q;
            }
        }
        x += Fq2::one();
    }
}

#[test]
fn schedule_is_arkworks_loop() {
    let s = schedule();
    assert_eq!(s.len(), 87);
    assert_eq!(s.iter().filter(|o| **o == MillerOp::Double).count(), 64);
    // The doubling/addition pattern reproduces 6x + 2.
    let mut k = num_bigint::BigInt::from(1);
    for op in &s[..85] {
        match op {
            MillerOp::Double => k *= 2,
            MillerOp::AddQ => k += 1,
            MillerOp::SubQ => k -= 1,
            _ => unreachable!(),
        }
    }
    let x = num_bigint::BigInt::from(4965661367192848881u64);
    assert_eq!(k, x * 6 + 2);
}

#[test]
fn psi_acts_as_p_on_g2() {
    let mut rng = ark_std::test_rng();
    let q = G2Projective::rand(&mut rng).into_affine();
    let p_mod_r = ArkFr::from_le_bytes_mod_order(&crate::convert::fq_modulus().to_bytes_le());
    let expect = (q * p_mod_r).into_affine();
    assert_eq!(psi_native(1, q.x, q.y), (expect.x, expect.y));
    let expect2 = (q * (p_mod_r * p_mod_r)).into_affine();
    assert_eq!(psi_native(2, q.x, q.y), (expect2.x, expect2.y));
}

#[test]
fn native_loop_matches_arkworks_after_final_exponentiation() {
    let mut rng = ark_std::test_rng();
    for _ in 0..3 {
        let p = G1Projective::rand(&mut rng).into_affine();
        let q = G2Projective::rand(&mut rng).into_affine();
        let (f, t_end) = native_miller_loop(&p, &q);
        let ours = Bn254::final_exponentiation(MillerLoopOutput(f)).unwrap();
        assert_eq!(ours, Bn254::pairing(p, q));
        let psi3 = psi_native(3, q.x, q.y);
        assert_eq!(t_end, (psi3.0, -psi3.1));
    }
}

/// The number-theoretic facts behind the free subgroup check and the absence of exceptional
/// cases (module documentation of [`crate::pairing`]), checked on points of each prime order of
/// the twist's cofactor: the loop meets no exceptional case, and `T_end != -psi^3(Q)`.
#[test]
fn twist_torsion_facts() {
    for l in twist_cofactor_primes() {
        let q = twist_point_of_order(&l, 7);
        assert!(!q.is_in_correct_subgroup_assuming_on_curve());
        let qv = (q.x, q.y);
        let mut t = qv;
        let x_p = Fq::from(5u64);
        for op in schedule() {
            let s = op_source(op, t, qv);
            if op != MillerOp::Double {
                assert_ne!(s.0, t.0, "exceptional addition for l = {l}");
            } else {
                assert_ne!(t.1, Fq2::zero());
            }
            t = native_op(op, t, qv, x_p).t;
        }
        let psi3 = psi_native(3, q.x, q.y);
        assert_ne!(t, (psi3.0, -psi3.1), "alpha vanishes on the {l}-part");
    }
}

fn alloc_pair(e: &Emu, cs: &mut CheckCS, p: &G1Affine, q: &G2Affine) -> (AffineVar, AffineVar) {
    let pv = e
        .alloc_point(
            &mut cs.namespace(|| "P"),
            &CurveSpec::g1(),
            Fq2::new(p.x, Fq::zero()),
            Fq2::new(p.y, Fq::zero()),
            false,
        )
        .unwrap();
    let qv = e
        .alloc_point(&mut cs.namespace(|| "Q"), &CurveSpec::g2(), q.x, q.y, false)
        .unwrap();
    (pv, qv)
}

#[test]
fn miller_ops_match_native_and_report_costs() {
    let e = emu();
    let mut rng = ark_std::test_rng();
    let p = G1Projective::rand(&mut rng).into_affine();
    let q = G2Projective::rand(&mut rng).into_affine();
    let mut cs = CheckCS::new();
    let (pv, qv) = alloc_pair(&e, &mut cs, &p, &q);
    let inp = e.miller_inputs(&mut cs, &pv, &qv).unwrap();
    let f0 = Fq12::rand(&mut rng);
    let st = MillerState {
        f: e.alloc_ext(&mut cs, ExtKind::Fq12, &fq12_to_direct(&f0))
            .unwrap(),
        t: qv.clone(),
    };
    let yx = p.y / p.x;
    for op in [MillerOp::Double, MillerOp::AddQ] {
        // Constant flags.
        let before = cs.num_constraints();
        let out = e
            .miller_op(&mut cs, &st, &inp, &OpFlags::constant(op), None)
            .unwrap();
        let cost_const = cs.num_constraints() - before;
        // Variable flags.
        let s = op.source();
        let flags = OpFlags {
            dbl: Bit::alloc(&mut cs, op == MillerOp::Double).unwrap(),
            src: [
                Bit::alloc(&mut cs, s & 1 == 1).unwrap(),
                Bit::alloc(&mut cs, s & 2 == 2).unwrap(),
            ],
        };
        let before = cs.num_constraints();
        let out2 = e.miller_op(&mut cs, &st, &inp, &flags, None).unwrap();
        let cost_var = cs.num_constraints() - before;
        let n = native_op(op, (q.x, q.y), (q.x, q.y), p.x);
        let l = crate::tower::fq12_from_direct(&line_direct(yx, n.lambda, n.c3));
        let fexp = if op == MillerOp::Double {
            f0.square() * l
        } else {
            f0 * l
        };
        for o in [&out, &out2] {
            assert_eq!(crate::tower::fq12_from_direct(&o.f.values(&e)), fexp);
            assert_eq!(o.t.values(&e), n.t);
        }
        println!("miller op {op:?}: {cost_const} constraints (constant flags), {cost_var} (variable flags)");
    }
    assert!(cs.is_satisfied(), "{:?}", cs.which_is_unsatisfied());
}

/// A full Miller loop in the circuit equals the native one and rejects non-G2 points.
#[test]
fn full_miller_loop_gadget() {
    let e = emu();
    let mut rng = ark_std::test_rng();
    let p = G1Projective::rand(&mut rng).into_affine();
    let q = G2Projective::rand(&mut rng).into_affine();
    let mut cs = CheckCS::new();
    let (pv, qv) = alloc_pair(&e, &mut cs, &p, &q);
    let before = cs.num_constraints();
    let t0 = std::time::Instant::now();
    let f = e.miller_loop(&mut cs, &pv, &qv, true).unwrap();
    println!(
        "miller loop: {} constraints, {:.1}s synthesis+check",
        cs.num_constraints() - before,
        t0.elapsed().as_secs_f64()
    );
    assert!(cs.is_satisfied(), "{:?}", cs.which_is_unsatisfied());
    assert_eq!(
        crate::tower::fq12_from_direct(&f.values(&e)),
        native_miller_loop(&p, &q).0
    );
    // Q + (a point of order 10069): on the twist, not in G2: rejected by the subgroup check.
    let bad = (q.into_group() + twist_point_of_order(&twist_cofactor_primes()[0], 3).into_group())
        .into_affine();
    let mut cs = CheckCS::new();
    let (pv, qv) = alloc_pair(&e, &mut cs, &p, &bad);
    e.miller_loop(&mut cs, &pv, &qv, true).unwrap();
    assert!(!cs.is_satisfied());
    let _ = G2Affine::generator();
}

/// Synthesis speed of one Miller loop in the three constraint systems
/// (`cargo test --release -p zkagg-circuit-verifier miller_loop_speed -- --ignored --nocapture`).
#[test]
#[ignore]
fn miller_loop_speed() {
    use nova_snark::frontend::solver::SatisfyingAssignment;
    use nova_snark::provider::Bn256EngineKZG;
    let e = emu();
    let mut rng = ark_std::test_rng();
    let p = G1Projective::rand(&mut rng).into_affine();
    let q = G2Projective::rand(&mut rng).into_affine();
    for mode in ["check", "count", "witness"] {
        let t0 = std::time::Instant::now();
        match mode {
            "check" | "count" => {
                let mut cs = if mode == "check" {
                    CheckCS::new()
                } else {
                    CheckCS::counting()
                };
                let (pv, qv) = alloc_pair(&e, &mut cs, &p, &q);
                e.miller_loop(&mut cs, &pv, &qv, true).unwrap();
                println!(
                    "{mode}: {} constraints, {} nonzeros",
                    cs.num_constraints(),
                    cs.num_nonzeros()
                );
            }
            _ => {
                let mut cs = SatisfyingAssignment::<Bn256EngineKZG>::new();
                let pv = e
                    .alloc_point(
                        &mut cs,
                        &CurveSpec::g1(),
                        Fq2::new(p.x, Fq::zero()),
                        Fq2::new(p.y, Fq::zero()),
                        false,
                    )
                    .unwrap();
                let qv = e
                    .alloc_point(&mut cs, &CurveSpec::g2(), q.x, q.y, false)
                    .unwrap();
                e.miller_loop(&mut cs, &pv, &qv, true).unwrap();
            }
        }
        println!("{mode}: {:.2}s", t0.elapsed().as_secs_f64());
    }
}
