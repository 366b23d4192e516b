//! Tests of emulated `Fq` and of relations over the extension fields, against arkworks.

use super::relation::{Relation, Tamper};
use super::*;
use crate::convert::{fq_modulus_int, fq_to_bigint};
use crate::cs::CheckCS;
use crate::tower::{
    fq12_from_direct, fq12_to_direct, fq2_from_direct, fq2_to_direct, Ext, ExtKind,
};
use ark_bn254::{Fq, Fq12, Fq2};
use ark_ff::{UniformRand, Zero};
use nova_snark::frontend::ConstraintSystem;

fn emu() -> Emu {
    Emu::default_layout()
}

/// Interesting integers for an allocated element: 0, 1, p-1, p, 2^(bk)-1 (largest unreduced).
fn edge_values(e: &Emu) -> Vec<BigInt> {
    let p = fq_modulus_int().clone();
    let top = (BigInt::one() << (e.limb_bits() as usize * e.num_limbs())) - 1;
    vec![
        BigInt::zero(),
        BigInt::one(),
        &p - 1,
        p.clone(),
        &p + 1,
        top,
    ]
}

#[test]
fn default_layout_is_valid() {
    assert!(Layout::DEFAULT.validate().is_ok());
    assert!(Layout {
        limb_bits: 32,
        num_limbs: 7
    }
    .validate()
    .is_err());
}

#[test]
fn fq_mul_matches_arkworks_on_random_and_edge_inputs() {
    let e = emu();
    let b = e.limb_bits();
    let mut rng = ark_std::test_rng();
    let mut values = edge_values(&e);
    for _ in 0..4 {
        values.push(fq_to_bigint(&Fq::rand(&mut rng)));
    }
    for x in &values {
        for y in &values {
            let mut cs = CheckCS::new();
            let a = e.alloc_elem(&mut cs.namespace(|| "a"), x).unwrap();
            let c = e.alloc_elem(&mut cs.namespace(|| "b"), y).unwrap();
            let out = e
                .mul(&mut cs, &Ext::from_elem(a), &Ext::from_elem(c))
                .unwrap();
            assert!(cs.is_satisfied(), "{:?}", cs.which_is_unsatisfied());
            let expect = crate::convert::fq_from_bigint(&(x * y));
            assert_eq!(out.coeffs[0].fq(b), expect);
            // The honest output is canonical.
            assert!(out.coeffs[0].value(b) < *fq_modulus_int());
        }
    }
}

#[test]
fn lazy_sums_of_products_and_negative_terms_reduce_correctly() {
    let e = emu();
    let b = e.limb_bits();
    let mut rng = ark_std::test_rng();
    for _ in 0..5 {
        let xs: Vec<Fq> = (0..6).map(|_| Fq::rand(&mut rng)).collect();
        let mut cs = CheckCS::new();
        let v: Vec<Ext> = xs
            .iter()
            .map(|x| Ext::from_elem(e.alloc_fq(&mut cs, x).unwrap()))
            .collect();
        // x0*x1 - 3*x2*x3 + x4*x5*x0 - x5 + 7
        let mut rel = Relation::new(&e, ExtKind::Fq);
        rel.add_product(1, &[&v[0], &v[1]]);
        rel.add_product(-3, &[&v[2], &v[3]]);
        rel.add_product(1, &[&v[4], &v[5], &v[0]]);
        rel.add_linear(-1, &v[5]);
        rel.add_linear(1, &Ext::from_elem(e.constant(&BigInt::from(7))));
        let out = rel.reduce(&mut cs).unwrap();
        assert!(cs.is_satisfied(), "{:?}", cs.which_is_unsatisfied());
        let expect = xs[0] * xs[1] - Fq::from(3u64) * xs[2] * xs[3] + xs[4] * xs[5] * xs[0] - xs[5]
            + Fq::from(7u64);
        assert_eq!(out.coeffs[0].fq(b), expect);
    }
}

#[test]
fn tampered_outputs_and_quotients_are_rejected() {
    let e = emu();
    let p = fq_modulus_int().clone();
    let mut rng = ark_std::test_rng();
    let (x, y) = (Fq::rand(&mut rng), Fq::rand(&mut rng));
    let run = |t: Option<Tamper>| -> bool {
        let mut cs = CheckCS::new();
        let a = Ext::from_elem(e.alloc_fq(&mut cs, &x).unwrap());
        let c = Ext::from_elem(e.alloc_fq(&mut cs, &y).unwrap());
        let mut rel = Relation::new(&e, ExtKind::Fq);
        rel.add_product(1, &[&a, &c]);
        if let Some(t) = t {
            rel.tamper(t);
        }
        match rel.reduce(&mut cs) {
            Ok(_) => cs.is_satisfied(),
            Err(_) => false,
        }
    };
    assert!(run(None));
    // A false result (off by one, with the best quotient and carries) is unsatisfiable.
    for delta in [1i64, -1, 2] {
        let t = Tamper {
            coefficient: 0,
            output_delta: BigInt::from(delta),
            quotient_delta: BigInt::zero(),
        };
        if (fq_to_bigint(&(x * y)) + BigInt::from(delta)).is_negative() {
            continue;
        }
        assert!(!run(Some(t)), "delta {delta}");
    }
    // The quotient off by one: unsatisfiable.
    let t = Tamper {
        coefficient: 0,
        output_delta: BigInt::zero(),
        quotient_delta: BigInt::one(),
    };
    assert!(!run(Some(t)));
    // The output off by p (the quotient follows): a *true* congruence, accepted (outputs
    // are bounded, not canonical).
    if fq_to_bigint(&(x * y)) + &p < (BigInt::one() << 256) {
        let t = Tamper {
            coefficient: 0,
            output_delta: p.clone(),
            quotient_delta: BigInt::zero(),
        };
        assert!(run(Some(t)));
    }
}

#[test]
fn overflowing_limbs_and_non_boolean_bits_are_rejected() {
    let e = emu();
    let mut rng = ark_std::test_rng();
    let x = Fq::rand(&mut rng);
    let mut cs = CheckCS::recording();
    let a = e.alloc_fq(&mut cs.namespace(|| "a"), &x).unwrap();
    let out = e
        .mul(
            &mut cs,
            &Ext::from_elem(a.clone()),
            &Ext::from_elem(a.clone()),
        )
        .unwrap();
    assert!(cs.is_satisfied());
    assert!(cs.recheck().is_none());
    // Move 1 from limb 1 to limb 0 of the *output*: limb 0 becomes 2^b + l0 (same integer). Its
    // bit decomposition no longer matches: rejected.
    let l0 = out.coeffs[0].limbs[0].clone();
    let l1 = out.coeffs[0].limbs[1].clone();
    let var = |l: &Limb| l.lc.iter().next().map(|(v, _)| v).unwrap();
    let mut cs2 = cs;
    cs2.set_aux(var(&l0), fr_from_i128(l0.val + (1i128 << e.limb_bits())));
    cs2.set_aux(var(&l1), fr_from_i128(l1.val - 1));
    assert!(cs2.recheck().is_some());
}

#[test]
fn canonical_check_accepts_p_minus_one_and_rejects_p() {
    let e = emu();
    let p = fq_modulus_int().clone();
    let mut cs = CheckCS::new();
    e.alloc_fq_canonical(&mut cs, &(-Fq::from(1u64))).unwrap();
    e.alloc_fq_canonical(&mut cs, &Fq::zero()).unwrap();
    assert!(cs.is_satisfied());
    for bad in [p.clone(), &p + 5, (BigInt::one() << 256) - 1] {
        let mut cs = CheckCS::new();
        let el = e.alloc_elem(&mut cs, &bad).unwrap();
        e.assert_canonical(&mut cs, &el).unwrap();
        assert!(!cs.is_satisfied());
    }
}

#[test]
fn inverse_and_equality() {
    let e = emu();
    let mut rng = ark_std::test_rng();
    let x = Fq2::rand(&mut rng);
    let mut cs = CheckCS::new();
    let a = e
        .alloc_ext(&mut cs, ExtKind::Fq2, &fq2_to_direct(&x))
        .unwrap();
    let inv = e.inverse(&mut cs, &a).unwrap();
    assert_eq!(fq2_from_direct(&inv.values(&e)), x.inverse_or_zero());
    assert!(cs.is_satisfied());
    // The inverse of zero does not exist.
    let mut cs = CheckCS::new();
    let z = e
        .alloc_ext(&mut cs, ExtKind::Fq2, &[Fq::zero(), Fq::zero()])
        .unwrap();
    let _ = e.inverse(&mut cs, &z).unwrap();
    assert!(!cs.is_satisfied());
    // Equality modulo p of different limb vectors: x and x + p.
    let mut cs = CheckCS::new();
    let v = fq_to_bigint(&x.c0);
    let a = Ext::from_elem(e.alloc_elem(&mut cs, &v).unwrap());
    let c = Ext::from_elem(
        e.alloc_elem(&mut cs, &(v.clone() + fq_modulus_int()))
            .unwrap(),
    );
    e.assert_equal(&mut cs, &a, &c).unwrap();
    assert!(cs.is_satisfied());
    let d = Ext::from_elem(e.alloc_elem(&mut cs, &(v + 1)).unwrap());
    e.assert_equal(&mut cs, &a, &d).unwrap();
    assert!(!cs.is_satisfied());
}

trait InvOrZero {
    fn inverse_or_zero(&self) -> Self;
}
impl InvOrZero for Fq2 {
    fn inverse_or_zero(&self) -> Self {
        use ark_ff::Field;
        self.inverse().unwrap_or_default()
    }
}

#[test]
fn fq12_mul_and_frobenius_match_arkworks() {
    use ark_ff::Field;
    let e = emu();
    let mut rng = ark_std::test_rng();
    for _ in 0..2 {
        let (x, y) = (Fq12::rand(&mut rng), Fq12::rand(&mut rng));
        let mut cs = CheckCS::new();
        let a = e
            .alloc_ext(&mut cs, ExtKind::Fq12, &fq12_to_direct(&x))
            .unwrap();
        let c = e
            .alloc_ext(&mut cs, ExtKind::Fq12, &fq12_to_direct(&y))
            .unwrap();
        let prod = e.mul(&mut cs, &a, &c).unwrap();
        assert_eq!(fq12_from_direct(&prod.values(&e)), x * y);
        for power in 1..4 {
            let f = e.frobenius(&mut cs, &a, power).unwrap();
            let mut xp = x;
            xp.frobenius_map_in_place(power);
            assert_eq!(fq12_from_direct(&f.values(&e)), xp);
        }
        assert!(cs.is_satisfied(), "{:?}", cs.which_is_unsatisfied());
    }
    // Edge: zero and one.
    let mut cs = CheckCS::new();
    let z = e
        .alloc_ext(&mut cs, ExtKind::Fq12, &fq12_to_direct(&Fq12::zero()))
        .unwrap();
    let o = e
        .alloc_ext(&mut cs, ExtKind::Fq12, &fq12_to_direct(&Fq12::from(1u64)))
        .unwrap();
    let p1 = e.mul(&mut cs, &z, &o).unwrap();
    let p2 = e.mul(&mut cs, &o, &o).unwrap();
    assert!(cs.is_satisfied());
    assert_eq!(fq12_from_direct(&p1.values(&e)), Fq12::zero());
    assert_eq!(fq12_from_direct(&p2.values(&e)), Fq12::from(1u64));
}

/// Prints the constraint count of the basic operations for several limb layouts
/// (`cargo test --release -p zkagg-circuit-verifier layout_costs -- --ignored --nocapture`).
#[test]
#[ignore]
fn layout_costs() {
    let mut rng = ark_std::test_rng();
    for (bits, n) in [
        (32u32, 8usize),
        (29, 9),
        (26, 10),
        (22, 12),
        (16, 16),
        (43, 6),
        (64, 4),
    ] {
        let e = match Emu::new(Layout {
            limb_bits: bits,
            num_limbs: n,
        }) {
            Ok(e) => e,
            Err(_) => continue,
        };
        let mut report = format!("{bits}x{n}:");
        // Fq mul
        let (x, y) = (Fq::rand(&mut rng), Fq::rand(&mut rng));
        let mut cs = CheckCS::counting();
        let a = Ext::from_elem(e.alloc_fq(&mut cs, &x).unwrap());
        let c = Ext::from_elem(e.alloc_fq(&mut cs, &y).unwrap());
        let base = cs.num_constraints();
        match e.mul(&mut cs, &a, &c) {
            Ok(_) => report += &format!(" fq_mul={}", cs.num_constraints() - base),
            Err(err) => report += &format!(" fq_mul=ERR({err})"),
        }
        // Fq12 mul and f*g*l (degree 3)
        let (x, y) = (Fq12::rand(&mut rng), Fq12::rand(&mut rng));
        let mut cs = CheckCS::counting();
        let a = e
            .alloc_ext(&mut cs, ExtKind::Fq12, &fq12_to_direct(&x))
            .unwrap();
        let c = e
            .alloc_ext(&mut cs, ExtKind::Fq12, &fq12_to_direct(&y))
            .unwrap();
        let base = cs.num_constraints();
        match e.mul(&mut cs, &a, &c) {
            Ok(_) => report += &format!(" fq12_mul={}", cs.num_constraints() - base),
            Err(err) => report += &format!(" fq12_mul=ERR({err})"),
        }
        let base = cs.num_constraints();
        let mut rel = Relation::new(&e, ExtKind::Fq12);
        rel.add_product(1, &[&a, &a, &c]);
        match rel.reduce_with_stats(&mut cs) {
            Ok((_, st)) => {
                report += &format!(
                    " fq12_cube={} (q {} c {} g {})",
                    cs.num_constraints() - base,
                    st.quotient_bits,
                    st.carry_bits,
                    st.groups
                )
            }
            Err(err) => report += &format!(" fq12_cube=ERR({err})"),
        }
        println!("{report}");
    }
}
