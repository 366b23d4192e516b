//! The decider's CycleFold check on real folded CycleFold instances: satisfied, and each tamper
//! (witness entries, `u`, a public input, the commitment) unsatisfied.

use ff::Field;
use halo2curves::bn256::G1;
use halo2curves::group::prime::PrimeCurveAffine;
use halo2curves::group::{Curve, Group};
use nova_snark::frontend::shape_cs::ShapeCS;
use nova_snark::frontend::ConstraintSystem;
use nova_snark::provider::Bn256EngineKZG;
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha20Rng;
use zkagg_circuit_verifier::convert::fq_modulus_int;
use zkagg_circuit_verifier::cs::CheckCS;
use zkagg_circuit_verifier::field::Emu;
use zkagg_decider::circuit::cyclefold::{
    digits_value, enforce_commitment_opening, enforce_cyclefold_satisfied,
    enforce_relaxed_relation, signed_digits, NUM_WINDOWS, WINDOW_CONSTRAINTS,
};
use zkagg_folding::cyclefold::circuit::CycleFoldCircuit;
use zkagg_folding::cyclefold::instance::{
    check, cross_term, fold, prove, CfInstance, CfWitness, CycleFoldParams,
};
use zkagg_folding::gadgets::grumpkin::cf_fold_scalar;
use zkagg_folding::gadgets::nonnative::{alloc_cf_instance, fq_from_bigint, fq_to_bigint};
use zkagg_folding::transcript::HashConstants;
use zkagg_folding::{Fq, GrumpkinAffine};

/// Folds `n` fresh CycleFold instances (random `P1`, `P2` on G1, 128-bit `h`) into the default
/// running instance, as the IVC does.
fn folded(params: &CycleFoldParams, n: usize, rng: &mut ChaCha20Rng) -> (CfInstance, CfWitness) {
    let mut inst = CfInstance::default();
    let mut wit = CfWitness::default_for(params);
    for _ in 0..n {
        let c = CycleFoldCircuit {
            h: rng.gen(),
            p1: G1::random(&mut *rng).to_affine(),
            p2: G1::random(&mut *rng).to_affine(),
        };
        let (x2, w2) = prove(params, &c).expect("fresh instance");
        let (t, d) = cross_term(params, &inst, &wit, &x2, &w2).expect("cross term");
        let r = cf_fold_scalar(rng.gen());
        (inst, wit) = fold(&inst, &wit, &x2, &w2, &t, &d, r);
        check(params, &inst, &wit).expect("folded instance is satisfied");
    }
    (inst, wit)
}

/// Runs the whole gadget on a checking constraint system.
fn run(params: &CycleFoldParams, inst: &CfInstance, wit: &CfWitness) -> CheckCS {
    let emu = Emu::default_layout();
    let constants = HashConstants::default();
    let mut cs = CheckCS::new();
    let iv = alloc_cf_instance(&mut cs.namespace(|| "instance"), &emu, inst).expect("alloc");
    enforce_cyclefold_satisfied(
        &mut cs.namespace(|| "cyclefold"),
        &emu,
        params,
        &constants,
        &iv,
        wit,
    )
    .expect("synthesis");
    cs
}

fn commit(params: &CycleFoldParams, wit: &CfWitness) -> GrumpkinAffine {
    let cw = params.key.commit_at(0, &wit.w).expect("commit w");
    let ce = params
        .key
        .commit_at(params.num_vars(), &wit.e)
        .expect("commit e");
    (cw.to_curve() + ce).to_affine()
}

fn assert_rejected(cs: &CheckCS, what: &str, part: &str) {
    assert!(!cs.is_satisfied(), "{what}: accepted");
    let at = cs.which_is_unsatisfied().unwrap_or_default();
    assert!(
        at.contains(part),
        "{what}: first failure at {at}, expected in {part}"
    );
}

#[test]
fn signed_digits_encode_the_residue() {
    let mut rng = ChaCha20Rng::seed_from_u64(7);
    let q = fq_modulus_int();
    let bound = num_bigint::BigInt::from(1) << (3 * NUM_WINDOWS);
    let mut vals = vec![Fq::ZERO, Fq::ONE, -Fq::ONE, Fq::from(2u64), -Fq::from(2u64)];
    vals.extend((0..50).map(|_| Fq::random(&mut rng)));
    for v in vals {
        let d = signed_digits(&v);
        assert!(d.iter().all(|x| x % 2 != 0 && (-7..=7).contains(x)));
        let s = digits_value(&d);
        assert!(s.magnitude() < bound.magnitude());
        assert!(
            s.magnitude() <= q.magnitude(),
            "encoding stays within [-q, q)"
        );
        assert_eq!(fq_from_bigint(&s), v);
        if fq_to_bigint(&v).bit(0) {
            assert_eq!(s, fq_to_bigint(&v));
        }
    }
}

/// The default running instance (all zero, commitment at infinity) is satisfied.
#[test]
fn default_instance_is_satisfied() {
    let params = CycleFoldParams::setup().expect("setup");
    let inst = CfInstance::default();
    let wit = CfWitness::default_for(&params);
    let cs = run(&params, &inst, &wit);
    assert!(cs.is_satisfied(), "{:?}", cs.which_is_unsatisfied());
    // A zero witness does not open any other commitment.
    let mut bad = inst.clone();
    bad.comm = (GrumpkinAffine::generator() * Fq::from(5u64)).to_affine();
    assert_rejected(
        &run(&params, &bad, &wit),
        "default with a commitment",
        "commitment",
    );
}

#[test]
fn folded_instance_satisfied_and_tampers_rejected() {
    let params = CycleFoldParams::setup().expect("setup");
    let mut rng = ChaCha20Rng::seed_from_u64(0xdec1de);
    let (inst, wit) = folded(&params, 3, &mut rng);

    // Honest, with a cost breakdown per part.
    let emu = Emu::default_layout();
    let constants = HashConstants::default();
    let mut cs = CheckCS::new();
    let iv = alloc_cf_instance(&mut cs.namespace(|| "instance"), &emu, &inst).expect("alloc");
    let c0 = cs.num_constraints();
    let scalars: Vec<Fq> = wit.w.iter().chain(&wit.e).copied().collect();
    let elems = enforce_commitment_opening(
        &mut cs.namespace(|| "commitment"),
        &params,
        &scalars,
        &iv.comm,
    )
    .expect("commitment");
    let c1 = cs.num_constraints();
    let (w, e) = elems.split_at(params.num_vars());
    enforce_relaxed_relation(
        &mut cs.namespace(|| "relation"),
        &emu,
        &params,
        &constants,
        &iv,
        w,
        e,
    )
    .expect("relation");
    let c2 = cs.num_constraints();
    assert!(cs.is_satisfied(), "{:?}", cs.which_is_unsatisfied());
    println!(
        "CycleFold check: instance alloc {c0}, commitment {} ({} scalars x {NUM_WINDOWS} windows \
         x {WINDOW_CONSTRAINTS} + final), relation {}, total (without alloc) {}",
        c1 - c0,
        scalars.len(),
        c2 - c1,
        c2 - c0
    );
    assert_eq!(
        c1 - c0,
        scalars.len() * NUM_WINDOWS * WINDOW_CONSTRAINTS + 10
    );

    // Tampered witness entries: the commitment no longer opens.
    let mut tw = wit.clone();
    tw.w[17] += Fq::ONE;
    assert_rejected(&run(&params, &inst, &tw), "w entry", "commitment");
    let mut tw = wit.clone();
    tw.e[400] += Fq::ONE;
    assert_rejected(&run(&params, &inst, &tw), "e entry", "commitment");

    // Tampered entries with the commitment recomputed: only the relation catches them.
    let mut tw = wit.clone();
    tw.w[123] += Fq::ONE;
    let mut ti = inst.clone();
    ti.comm = commit(&params, &tw);
    assert_rejected(&run(&params, &ti, &tw), "w entry (recommitted)", "relation");
    let mut tw = wit.clone();
    tw.e[660] -= Fq::ONE;
    let mut ti = inst.clone();
    ti.comm = commit(&params, &tw);
    assert_rejected(&run(&params, &ti, &tw), "e entry (recommitted)", "relation");

    // Tampered instance.
    let mut ti = inst.clone();
    ti.u += Fq::ONE;
    assert_rejected(&run(&params, &ti, &wit), "u", "relation");
    let mut ti = inst.clone();
    ti.x[3] += Fq::ONE;
    assert_rejected(&run(&params, &ti, &wit), "x[3]", "relation");
    let mut ti = inst.clone();
    ti.comm = (inst.comm.to_curve() + GrumpkinAffine::generator()).to_affine();
    assert_rejected(&run(&params, &ti, &wit), "commitment", "commitment");
    let mut ti = inst.clone();
    ti.comm = GrumpkinAffine::default();
    assert_rejected(
        &run(&params, &ti, &wit),
        "commitment at infinity",
        "commitment",
    );
}

/// Shape synthesis (nova-snark's `ShapeCS`, no witness values) builds as many constraints as a
/// proving synthesis: the structure does not depend on the witness.
#[test]
fn shape_matches_checked_synthesis() {
    let params = CycleFoldParams::setup().expect("setup");
    let emu = Emu::default_layout();
    let constants = HashConstants::default();
    let inst = CfInstance::default();
    let wit = CfWitness::default_for(&params);
    let mut shape = ShapeCS::<Bn256EngineKZG>::new();
    let iv = alloc_cf_instance(&mut shape.namespace(|| "instance"), &emu, &inst).expect("alloc");
    enforce_cyclefold_satisfied(&mut shape, &emu, &params, &constants, &iv, &wit)
        .expect("shape synthesis");
    let mut rng = ChaCha20Rng::seed_from_u64(5);
    let (inst, wit) = folded(&params, 2, &mut rng);
    let cs = run(&params, &inst, &wit);
    assert!(cs.is_satisfied(), "{:?}", cs.which_is_unsatisfied());
    assert_eq!(shape.num_constraints(), cs.num_constraints());
}

/// Wrong witness sizes are refused at synthesis.
#[test]
fn wrong_sizes_are_errors() {
    let params = CycleFoldParams::setup().expect("setup");
    let emu = Emu::default_layout();
    let constants = HashConstants::default();
    let inst = CfInstance::default();
    let mut wit = CfWitness::default_for(&params);
    wit.e.pop();
    let mut cs = CheckCS::new();
    let iv = alloc_cf_instance(&mut cs, &emu, &inst).expect("alloc");
    assert!(enforce_cyclefold_satisfied(&mut cs, &emu, &params, &constants, &iv, &wit).is_err());
}
