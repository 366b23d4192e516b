//! The two pairing engines (arkworks' BN254 and the 29-bit-limb one that wasm builds verify
//! with) give the same verdict on valid proofs and on every tampered element, input and key.
//! Natively the verifier runs arkworks; this test is where the wasm engine's Groth16 equation
//! is exercised natively (the wasm test suites exercise it in Node and Chromium).

mod common;

use ark_bn254::{G1Affine, G2Affine};
use ark_ec::short_weierstrass::Projective;
use ark_ec::{AffineRepr, CurveGroup};
use common::*;
use zkagg_core::pairing::{product_is_one, Arkworks, GrothPairing, Limbs29, PairingEngine};
use zkagg_core::verifier::InputComb;
use zkagg_core::{Fr, Proof, VerifyingKey};

const FIXTURES: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/fixtures/snarkjs");

/// `L = IC[0] + sum x_i IC[i+1]` on the engine's G1.
fn input_point<B: PairingEngine>(vk: &VerifyingKey, inputs: &[Fr]) -> Projective<B::G1> {
    let ic: Vec<_> = vk.gamma_abc_g1.iter().map(B::g1).collect();
    InputComb::new(&ic[1..]).combine(inputs) + ic[0]
}

/// The verdict of a key prepared for many checks, asserted equal to a one-shot preparation's
/// (`e(-alpha, beta)` inside the check's Miller loop).
fn accepts<B: PairingEngine>(vk: &VerifyingKey, proof: &Proof, inputs: &[Fr]) -> bool {
    let l = input_point::<B>(vk, inputs);
    let prepared = GrothPairing::<B>::new(vk).check(proof, &l);
    assert_eq!(GrothPairing::<B>::one_shot(vk).check(proof, &l), prepared);
    prepared
}

/// Both engines' verdict, asserted equal.
fn verdict(vk: &VerifyingKey, proof: &Proof, inputs: &[Fr]) -> bool {
    let ark = accepts::<Arkworks>(vk, proof, inputs);
    assert_eq!(
        accepts::<Limbs29>(vk, proof, inputs),
        ark,
        "engines disagree"
    );
    ark
}

#[test]
fn both_engines_accept_valid_and_reject_tampered_proofs() {
    let (pk, vk) = keys(1);
    let (proof, inputs) = proof(&pk, 2);
    assert!(verdict(&vk, &proof, &inputs), "valid proof rejected");

    let tampered: [(&str, Proof); 6] = [
        (
            "A",
            Proof {
                a: other_g1(proof.a),
                ..proof.clone()
            },
        ),
        (
            "B",
            Proof {
                b: other_g2(proof.b),
                ..proof.clone()
            },
        ),
        (
            "C",
            Proof {
                c: other_g1(proof.c),
                ..proof.clone()
            },
        ),
        (
            "negated A",
            Proof {
                a: -proof.a,
                ..proof.clone()
            },
        ),
        (
            "A at infinity",
            Proof {
                a: G1Affine::zero(),
                ..proof.clone()
            },
        ),
        (
            "B at infinity",
            Proof {
                b: G2Affine::zero(),
                ..proof.clone()
            },
        ),
    ];
    for (what, bad) in &tampered {
        assert!(!verdict(&vk, bad, &inputs), "tampered {what} accepted");
    }
    for i in 0..inputs.len() {
        let mut bad = inputs.clone();
        bad[i] += Fr::from(1u64);
        assert!(!verdict(&vk, &proof, &bad), "tampered input {i} accepted");
    }
    let (_, other_vk) = keys(7);
    assert!(!verdict(&other_vk, &proof, &inputs), "wrong key accepted");
    // Swapped A and C (both valid points of the proof).
    let swapped = Proof {
        a: proof.c,
        c: proof.a,
        ..proof.clone()
    };
    assert!(!verdict(&vk, &swapped, &inputs), "swapped A and C accepted");
}

#[test]
fn both_engines_verify_the_snarkjs_fixture() {
    use zkagg_core::formats::snarkjs;
    let read = |name: &str| std::fs::read_to_string(format!("{FIXTURES}/{name}")).unwrap();
    let vk = snarkjs::parse_verifying_key(&read("verification_key.json")).unwrap();
    let wrong = snarkjs::parse_verifying_key(&read("wrong_verification_key.json")).unwrap();
    let proof = snarkjs::parse_proof(&read("proof.json")).unwrap();
    let inputs = snarkjs::parse_public_inputs(&read("public.json")).unwrap();
    assert!(verdict(&vk, &proof, &inputs));
    assert!(!verdict(&wrong, &proof, &inputs));
}

#[test]
fn products_of_pairings_agree() {
    let mut rng = rng(3);
    let g1 = G1Affine::generator();
    let g2 = G2Affine::generator();
    let a: Fr = ark_ff::UniformRand::rand(&mut rng);
    // e(aP, Q) e(-P, aQ) = 1, and changing any point breaks it.
    let left = [(g1 * a).into_affine(), -g1];
    let right = [g2, (g2 * a).into_affine()];
    assert!(product_is_one::<Arkworks>(&left, &right));
    assert!(product_is_one::<Limbs29>(&left, &right));
    let bad_left = [other_g1(left[0]), left[1]];
    assert!(!product_is_one::<Arkworks>(&bad_left, &right));
    assert!(!product_is_one::<Limbs29>(&bad_left, &right));
    let bad_right = [right[0], other_g2(right[1])];
    assert!(!product_is_one::<Arkworks>(&left, &bad_right));
    assert!(!product_is_one::<Limbs29>(&left, &bad_right));
}

/// Both engines' G2 subgroup test (the parsers' check of every G2 point: arkworks' natively,
/// `zkagg_field29`'s endomorphism test in wasm) agree with the definition `[r] Q = 0`: on
/// multiples of the generator and the identity (in G2), and on twist points from random `x`, their
/// cofactor part `[r] Q` alone and that part added to a G2 point (outside).
#[test]
fn engines_agree_on_g2_subgroup_membership() {
    use ark_ff::{PrimeField, UniformRand, Zero};
    let mut rng = rng(5);
    let in_g2 = |q: &G2Affine| q.mul_bigint(Fr::MODULUS).is_zero();
    let both = |q: &G2Affine| {
        let (ark, limbs) = (Arkworks::g2_in_subgroup(q), Limbs29::g2_in_subgroup(q));
        assert_eq!(ark, limbs, "{q:?}");
        assert_eq!(ark, in_g2(q), "{q:?}");
        ark
    };
    assert!(both(&G2Affine::zero()) && both(&G2Affine::generator()));
    let mut outside = 0;
    while outside < 8 {
        let g2_point = (G2Affine::generator() * Fr::rand(&mut rng)).into_affine();
        assert!(both(&g2_point) && both(&-g2_point));
        let x = ark_bn254::Fq2::rand(&mut rng);
        let Some(q) = G2Affine::get_point_from_x_unchecked(x, false) else {
            continue;
        };
        let cofactor_part = q.mul_bigint(Fr::MODULUS).into_affine();
        let mixed = (g2_point + cofactor_part).into_affine();
        assert!(!both(&q) && !both(&cofactor_part) && !both(&mixed));
        outside += 1;
    }
}
