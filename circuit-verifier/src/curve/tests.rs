use super::glv::*;
use super::*;
use crate::cs::CheckCS;
use ark_bn254::{Fr as ArkFr, G1Affine, G1Projective, G2Affine, G2Projective};
use ark_ec::{AffineRepr, CurveGroup};
use ark_ff::UniformRand;
use ark_std::rand::Rng;

fn emu() -> Emu {
    Emu::default_layout()
}

fn g1v(p: &G1Affine) -> (Fq2, Fq2) {
    (fq_as_fq2(p.x), fq_as_fq2(p.y))
}

fn g2v(p: &G2Affine) -> (Fq2, Fq2) {
    (p.x, p.y)
}

#[test]
fn g1_and_g2_add_double_match_arkworks() {
    let e = emu();
    let mut rng = ark_std::test_rng();
    for _ in 0..3 {
        let (a, b) = (
            G1Projective::rand(&mut rng).into_affine(),
            G1Projective::rand(&mut rng).into_affine(),
        );
        let mut cs = CheckCS::new();
        let spec = CurveSpec::g1();
        let (ax, ay) = g1v(&a);
        let (bx, by) = g1v(&b);
        let pa = e.alloc_point(&mut cs, &spec, ax, ay, true).unwrap();
        let pb = e.alloc_point(&mut cs, &spec, bx, by, false).unwrap();
        let s = e.point_add_checked(&mut cs, &spec, &pa, &pb).unwrap();
        let d = e.point_double(&mut cs, &spec, &pa).unwrap();
        let da = e
            .point_double_and_add(&mut cs, &spec, &pa, &pb, true)
            .unwrap();
        assert!(cs.is_satisfied(), "{:?}", cs.which_is_unsatisfied());
        assert_eq!(s.values(&e), g1v(&(a + b).into_affine()));
        assert_eq!(d.values(&e), g1v(&(a + a).into_affine()));
        assert_eq!(da.values(&e), g1v(&(a + a + b).into_affine()));

        let (a, b) = (
            G2Projective::rand(&mut rng).into_affine(),
            G2Projective::rand(&mut rng).into_affine(),
        );
        let mut cs = CheckCS::new();
        let spec = CurveSpec::g2();
        let pa = e.alloc_point(&mut cs, &spec, a.x, a.y, false).unwrap();
        let pb = e.alloc_point(&mut cs, &spec, b.x, b.y, false).unwrap();
        let s = e.point_add_checked(&mut cs, &spec, &pa, &pb).unwrap();
        let d = e.point_double(&mut cs, &spec, &pa).unwrap();
        let da = e
            .point_double_and_add(&mut cs, &spec, &pa, &pb, false)
            .unwrap();
        assert!(cs.is_satisfied(), "{:?}", cs.which_is_unsatisfied());
        assert_eq!(s.values(&e), g2v(&(a + b).into_affine()));
        assert_eq!(d.values(&e), g2v(&(a + a).into_affine()));
        assert_eq!(da.values(&e), g2v(&(a + a + b).into_affine()));
    }
}

#[test]
fn off_curve_points_and_equal_x_additions_are_rejected() {
    let e = emu();
    let mut rng = ark_std::test_rng();
    let a = G1Projective::rand(&mut rng).into_affine();
    // Off-curve: (x, y + 1).
    let mut cs = CheckCS::new();
    let (ax, ay) = g1v(&a);
    e.alloc_point(&mut cs, &CurveSpec::g1(), ax, ay + Fq2::from(1u64), false)
        .unwrap();
    assert!(!cs.is_satisfied());
    let b = G2Projective::rand(&mut rng).into_affine();
    let mut cs = CheckCS::new();
    e.alloc_point(&mut cs, &CurveSpec::g2(), b.x, b.y + Fq2::from(1u64), false)
        .unwrap();
    assert!(!cs.is_satisfied());
    // Checked addition of P and P (x equal): unsatisfiable; and of P and -P.
    for q in [a, -a] {
        let mut cs = CheckCS::new();
        let spec = CurveSpec::g1();
        let pa = e.alloc_point(&mut cs, &spec, ax, ay, false).unwrap();
        let (qx, qy) = g1v(&q);
        let pq = e.alloc_point(&mut cs, &spec, qx, qy, false).unwrap();
        let _ = e.point_add_checked(&mut cs, &spec, &pa, &pq).unwrap();
        assert!(!cs.is_satisfied());
    }
}

#[test]
fn glv_constants_and_lattice_bound() {
    use ark_ff::Field;
    let l = endo_lambda();
    assert_eq!(l * l + l + ArkFr::from(1u64), ArkFr::from(0u64));
    let beta = endo_beta();
    assert_eq!(beta * beta * beta, Fq::from(1u64));
    let g = G1Affine::generator();
    let phi = G1Affine::new_unchecked(g.x * beta, g.y);
    assert_eq!(phi, (g * l).into_affine());
    // The reduced lattice basis: both vectors satisfy u + lambda v = 0 mod r and have a
    // coordinate above 2^126; the basis is Gauss-reduced (|<v1,v2>| <= |v1|^2 / 2), so every
    // non-zero lattice vector is at least as long (in the Euclidean norm) as the shorter basis
    // vector, > 2^126; a vector with both coordinates below 2^68 would have norm < 2^68.5.
    use num_bigint::BigInt;
    let a1 = BigInt::parse_bytes(b"147946756881789319000765030803803410728", 10).unwrap();
    let b1 = BigInt::parse_bytes(b"9931322734385697763", 10).unwrap();
    let a2 = BigInt::parse_bytes(b"147946756881789319010696353538189108491", 10).unwrap();
    let v1 = (a1.clone(), -b1.clone());
    let v2 = (b1.clone(), a2.clone());
    let lam = BigInt::from(crate::convert::fr_to_biguint(&crate::convert::fr_from_ark(
        &l,
    )));
    let r = BigInt::from(crate::convert::fr_modulus().clone());
    for (u, v) in [&v1, &v2] {
        assert_eq!((u + &lam * v) % &r, BigInt::from(0));
    }
    let dot = |x: &(BigInt, BigInt), y: &(BigInt, BigInt)| &x.0 * &y.0 + &x.1 * &y.1;
    let n1 = dot(&v1, &v1);
    let n2 = dot(&v2, &v2);
    let d12 = dot(&v1, &v2);
    let (short, long) = if n1 <= n2 { (n1, n2) } else { (n2, n1) };
    use num_traits::Signed;
    assert!(
        BigInt::from(2) * d12.abs() <= short,
        "basis is Gauss-reduced"
    );
    assert!(
        short > BigInt::from(1) << 252,
        "shortest vector above 2^126"
    );
    let _ = long;
    let _ = Field::square(&beta);
}

#[test]
fn challenge_scalar_multiplication_matches_arkworks() {
    let e = emu();
    let mut rng = ark_std::test_rng();
    let a = G1Projective::rand(&mut rng).into_affine();
    let mut patterns: Vec<(Vec<bool>, Vec<bool>)> = vec![
        (vec![false; HALF_DIGITS], vec![false; HALF_DIGITS]),
        (vec![true; HALF_DIGITS], vec![true; HALF_DIGITS]),
        (vec![true; HALF_DIGITS], vec![false; HALF_DIGITS]),
    ];
    patterns.push((
        (0..HALF_DIGITS).map(|_| rng.gen()).collect(),
        (0..HALF_DIGITS).map(|_| rng.gen()).collect(),
    ));
    for (b1, b2) in patterns {
        let mut cs = CheckCS::new();
        let spec = CurveSpec::g1();
        let (ax, ay) = g1v(&a);
        let pa = e.alloc_point(&mut cs, &spec, ax, ay, false).unwrap();
        let bits1: Vec<Bit> = b1
            .iter()
            .map(|b| Bit::alloc(&mut cs, *b).unwrap())
            .collect();
        let bits2: Vec<Bit> = b2
            .iter()
            .map(|b| Bit::alloc(&mut cs, *b).unwrap())
            .collect();
        let base = cs.num_constraints();
        let out = e.g1_mul_challenge(&mut cs, &pa, &bits1, &bits2).unwrap();
        let cost = cs.num_constraints() - base;
        assert!(cs.is_satisfied(), "{:?}", cs.which_is_unsatisfied());
        let rho = challenge_value(&b1, &b2);
        assert_eq!(out.values(&e), g1v(&(a * rho).into_affine()));
        println!("g1_mul_challenge: {cost} constraints");
    }
    let _ = G1Affine::identity();
}
