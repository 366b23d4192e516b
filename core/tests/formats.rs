//! Formats: lossless round trips, validation on parse, tampering, and snarkjs compatibility.

mod common;

use ark_ec::AffineRepr;
use ark_ff::{BigInteger, PrimeField};
use common::*;
use serde_json::{json, Value};
use zkagg_core::formats::{self, binary, calldata, snarkjs, Encoding};
use zkagg_core::verifier::{verify, PreparedVerifier};
use zkagg_core::{vk_hash, Error, Fq, Fr};

const FIXTURES: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/fixtures/snarkjs");

fn fixture(name: &str) -> String {
    std::fs::read_to_string(format!("{FIXTURES}/{name}")).expect("fixture present")
}

fn modulus_decimal<F: PrimeField>() -> String {
    num_bigint::BigUint::from_bytes_le(&F::MODULUS.to_bytes_le()).to_string()
}

#[test]
fn every_format_round_trips_and_verifies() {
    let (pk, vk) = keys(1);
    let (proof, inputs) = proof(&pk, 2);
    assert!(verify(&vk, &proof, &inputs).unwrap());

    // snarkjs JSON
    let vk_json = snarkjs::verifying_key_to_string(&vk);
    let proof_json = snarkjs::proof_to_string(&proof);
    let public_json = snarkjs::public_inputs_to_string(&inputs);
    assert_eq!(snarkjs::parse_verifying_key(&vk_json).unwrap(), vk);
    assert_eq!(snarkjs::parse_proof(&proof_json).unwrap(), proof);
    assert_eq!(snarkjs::parse_public_inputs(&public_json).unwrap(), inputs);

    // binary
    let vk_bin = binary::verifying_key_to_bytes(&vk);
    let proof_bin = binary::proof_to_bytes(&proof);
    let public_bin = binary::public_inputs_to_bytes(&inputs);
    assert_eq!(binary::verifying_key_from_bytes(&vk_bin).unwrap(), vk);
    assert_eq!(binary::proof_from_bytes(&proof_bin).unwrap(), proof);
    assert_eq!(
        binary::public_inputs_from_bytes(&public_bin).unwrap(),
        inputs
    );
    assert_eq!(proof_bin.len(), 128);

    // auto-detection picks the right parser for both
    assert_eq!(Encoding::detect(vk_json.as_bytes()), Encoding::SnarkjsJson);
    assert_eq!(formats::load_verifying_key(vk_json.as_bytes()).unwrap(), vk);
    assert_eq!(formats::load_verifying_key(&vk_bin).unwrap(), vk);
    assert_eq!(formats::load_proof(&proof_bin).unwrap(), proof);
    assert_eq!(
        formats::load_public_inputs(public_json.as_bytes()).unwrap(),
        inputs
    );

    // calldata
    let words = calldata::proof_to_words(&proof);
    assert_eq!(calldata::proof_from_words(&words).unwrap(), proof);
    let call = calldata::encode_verify_proof_call(&proof, &inputs);
    assert_eq!(call.len(), 4 + 32 * 10);
    let (p2, i2) = calldata::decode_verify_proof_call(&call).unwrap();
    assert_eq!((p2, i2), (proof.clone(), inputs.clone()));
    // EIP-197 order: b.x.c1 comes before b.x.c0
    let (bx, _) = proof.b.xy().unwrap();
    assert_eq!(words[2], calldata::field_to_word(&bx.c1));
    assert_eq!(words[3], calldata::field_to_word(&bx.c0));

    // vk_hash does not depend on the encoding the key came in
    let from_json = snarkjs::parse_verifying_key(&vk_json).unwrap();
    assert_eq!(vk_hash::vk_hash(&from_json), vk_hash::vk_hash(&vk));
    assert_ne!(vk_hash::vk_hash(&vk), vk_hash::vk_hash(&keys(99).1));
}

#[test]
fn vk_hash_is_keccak_of_the_documented_words() {
    use sha3::{Digest, Keccak256};
    let (_, vk) = keys(1);
    let words = calldata::verifying_key_to_words(&vk);
    assert_eq!(words.len(), 14 + 2 * 3);
    let mut bytes = Vec::new();
    for w in &words {
        bytes.extend_from_slice(w);
    }
    let expected: [u8; 32] = Keccak256::digest(&bytes).into();
    assert_eq!(vk_hash::vk_hash(&vk), expected);
    assert_eq!(vk_hash::vk_hash_hex(&vk).len(), 66);
}

#[test]
fn tampered_proofs_inputs_and_keys_are_rejected() {
    let (pk, vk) = keys(1);
    let (proof, inputs) = proof(&pk, 2);
    let verifier = PreparedVerifier::new(&vk).unwrap();
    assert!(verifier.verify(&proof, &inputs).unwrap());

    let mut bad = proof.clone();
    bad.a = other_g1(proof.a);
    assert!(
        !verifier.verify(&bad, &inputs).unwrap(),
        "tampered A accepted"
    );
    let mut bad = proof.clone();
    bad.b = other_g2(proof.b);
    assert!(
        !verifier.verify(&bad, &inputs).unwrap(),
        "tampered B accepted"
    );
    let mut bad = proof.clone();
    bad.c = other_g1(proof.c);
    assert!(
        !verifier.verify(&bad, &inputs).unwrap(),
        "tampered C accepted"
    );
    let mut bad = proof.clone();
    bad.a = -proof.a;
    assert!(
        !verifier.verify(&bad, &inputs).unwrap(),
        "negated A accepted"
    );

    for i in 0..inputs.len() {
        let mut bad_inputs = inputs.clone();
        bad_inputs[i] += Fr::from(1u64);
        assert!(
            !verifier.verify(&proof, &bad_inputs).unwrap(),
            "tampered input {i} accepted"
        );
    }

    // wrong key: a second setup of the same circuit
    let (_, other_vk) = keys(7);
    assert!(
        !verify(&other_vk, &proof, &inputs).unwrap(),
        "wrong key accepted"
    );

    // wrong input count is an error, not `false` and not silently truncated
    let mut longer = inputs.clone();
    longer.push(Fr::from(0u64));
    assert_eq!(
        verifier.verify(&proof, &longer),
        Err(Error::InputCount {
            expected: 2,
            got: 3
        })
    );
    assert!(matches!(
        verifier.verify(&proof, &inputs[..1]),
        Err(Error::InputCount { .. })
    ));
}

fn set(value: &mut Value, path: &[Value], new: Value) {
    let mut cursor = value;
    for key in path {
        cursor = match key {
            Value::String(s) => cursor.get_mut(s.as_str()).unwrap(),
            Value::Number(n) => cursor.get_mut(n.as_u64().unwrap() as usize).unwrap(),
            _ => unreachable!(),
        };
    }
    *cursor = new;
}

#[test]
fn non_canonical_numbers_are_rejected_with_the_field_named() {
    let (pk, vk) = keys(1);
    let (proof, inputs) = proof(&pk, 2);
    let proof_value = snarkjs::proof_to_value(&proof);
    let p = modulus_decimal::<Fq>();
    let r = modulus_decimal::<Fr>();

    let cases: Vec<(Vec<Value>, Value, &str)> = vec![
        (vec![json!("pi_a"), json!(0)], json!(p.clone()), "pi_a[0]"),
        (vec![json!("pi_a"), json!(1)], json!("007"), "pi_a[1]"),
        (vec![json!("pi_c"), json!(0)], json!("-1"), "pi_c[0]"),
        (vec![json!("pi_c"), json!(0)], json!("0x01"), "pi_c[0]"),
        (vec![json!("pi_c"), json!(1)], json!(12), "pi_c[1]"),
        (
            vec![json!("pi_b"), json!(0), json!(1)],
            json!(p.clone()),
            "pi_b[0][1]",
        ),
        (vec![json!("pi_b"), json!(1)], json!(["1"]), "pi_b[1]"),
        (vec![json!("pi_a"), json!(2)], json!("2"), "pi_a"),
    ];
    for (path, new, named) in cases {
        let mut tampered = proof_value.clone();
        set(&mut tampered, &path, new.clone());
        let err = snarkjs::proof_from_value(&tampered).expect_err(&format!("{new} accepted"));
        assert!(
            err.to_string().contains(named),
            "error {err} does not name {named}"
        );
    }

    let mut missing = proof_value.clone();
    missing.as_object_mut().unwrap().remove("pi_b");
    assert_eq!(
        snarkjs::proof_from_value(&missing).unwrap_err().to_string(),
        "pi_b: missing"
    );

    // public input equal to r (and r + x) is rejected, never reduced
    let mut public = snarkjs::public_inputs_to_value(&inputs);
    public[1] = json!(r);
    let err = snarkjs::public_inputs_from_value(&public).unwrap_err();
    assert!(
        matches!(err, Error::NonCanonical { ref field, .. } if field == "public[1]"),
        "{err}"
    );
    let reduced_plus_r =
        num_bigint::BigUint::parse_bytes(snarkjs::to_decimal(&inputs[0]).as_bytes(), 10).unwrap()
            + num_bigint::BigUint::parse_bytes(r.as_bytes(), 10).unwrap();
    public[1] = json!(snarkjs::to_decimal(&inputs[1]));
    public[0] = json!(reduced_plus_r.to_string());
    assert!(snarkjs::public_inputs_from_value(&public).is_err());

    // keys: IC / nPublic mismatch, wrong protocol, wrong curve, empty IC
    let vk_value = snarkjs::verifying_key_to_value(&vk);
    let mut bad = vk_value.clone();
    bad["nPublic"] = json!(3);
    assert!(snarkjs::verifying_key_from_value(&bad)
        .unwrap_err()
        .to_string()
        .contains("nPublic"));
    let mut bad = vk_value.clone();
    bad["protocol"] = json!("plonk");
    assert!(snarkjs::verifying_key_from_value(&bad)
        .unwrap_err()
        .to_string()
        .contains("protocol"));
    let mut bad = vk_value.clone();
    bad["curve"] = json!("bls12381");
    assert!(snarkjs::verifying_key_from_value(&bad)
        .unwrap_err()
        .to_string()
        .contains("curve"));
    let mut bad = vk_value.clone();
    bad["IC"] = json!([]);
    bad.as_object_mut().unwrap().remove("nPublic");
    assert!(snarkjs::verifying_key_from_value(&bad)
        .unwrap_err()
        .to_string()
        .contains("IC"));

    // invalid JSON text
    assert!(matches!(
        snarkjs::parse_proof("{\"pi_a\": [1,"),
        Err(Error::Json(_))
    ));
}

#[test]
fn points_off_the_curve_or_outside_the_subgroup_are_rejected_everywhere() {
    let (pk, vk) = keys(1);
    let (proof, _) = proof(&pk, 2);

    // Off-curve A in JSON: y + 1.
    let mut value = snarkjs::proof_to_value(&proof);
    let (_, ay) = proof.a.xy().unwrap();
    value["pi_a"][1] = json!(snarkjs::to_decimal(&(ay + Fq::from(1u64))));
    assert_eq!(
        snarkjs::proof_from_value(&value).unwrap_err(),
        Error::NotOnCurve {
            field: "pi_a".into()
        }
    );

    // B with its limbs swapped (the classic EIP-197 order mistake) is off the curve.
    let mut value = snarkjs::proof_to_value(&proof);
    let x = value["pi_b"][0].clone();
    value["pi_b"][0] = json!([x[1], x[0]]);
    assert!(snarkjs::proof_from_value(&value).is_err());

    // G2 on the curve but outside the subgroup: JSON, binary, calldata and in a key.
    let rogue = g2_outside_subgroup();
    let mut bad = proof.clone();
    bad.b = rogue;
    let err = snarkjs::proof_from_value(&snarkjs::proof_to_value(&bad)).unwrap_err();
    assert_eq!(
        err,
        Error::NotInSubgroup {
            field: "pi_b".into()
        }
    );
    let err = binary::proof_from_bytes(&binary::proof_to_bytes(&bad)).unwrap_err();
    assert!(
        err.to_string()
            .contains("b: point is not in the prime-order subgroup"),
        "{err}"
    );
    let words = calldata::proof_to_words(&bad);
    assert_eq!(
        calldata::proof_from_words(&words).unwrap_err(),
        Error::NotInSubgroup { field: "b".into() }
    );
    let mut bad_vk = vk.clone();
    bad_vk.delta_g2 = rogue;
    let err =
        snarkjs::verifying_key_from_value(&snarkjs::verifying_key_to_value(&bad_vk)).unwrap_err();
    assert_eq!(
        err,
        Error::NotInSubgroup {
            field: "vk_delta_2".into()
        }
    );
    let err =
        binary::verifying_key_from_bytes(&binary::verifying_key_to_bytes(&bad_vk)).unwrap_err();
    assert!(
        err.to_string()
            .contains("delta_g2: point is not in the prime-order subgroup"),
        "{err}"
    );

    // Calldata: coordinate >= p and input >= r are rejected, not reduced.
    let mut words = calldata::proof_to_words(&proof);
    words[0] = calldata::field_to_word(&Fq::from(0u64));
    words[0][0] = 0xff;
    assert!(matches!(
        calldata::proof_from_words(&words),
        Err(Error::NonCanonical { .. })
    ));
    let r_word: [u8; 32] = {
        let mut w = [0u8; 32];
        let be = Fr::MODULUS.to_bytes_be();
        w[32 - be.len()..].copy_from_slice(&be);
        w
    };
    assert!(calldata::public_inputs_from_words(&[r_word]).is_err());
}

#[test]
fn infinity_encodings_round_trip() {
    let (_, mut vk) = keys(1);
    vk.gamma_abc_g1[0] = ark_bn254::G1Affine::zero();
    let back = snarkjs::parse_verifying_key(&snarkjs::verifying_key_to_string(&vk)).unwrap();
    assert_eq!(back, vk);
    let words = calldata::verifying_key_to_words(&vk);
    assert!(words[14] == [0; 32] && words[15] == [0; 32]);
    let proof = zkagg_core::Proof {
        a: ark_bn254::G1Affine::zero(),
        b: ark_bn254::G2Affine::zero(),
        c: ark_bn254::G1Affine::zero(),
    };
    assert_eq!(
        snarkjs::parse_proof(&snarkjs::proof_to_string(&proof)).unwrap(),
        proof
    );
    assert_eq!(
        calldata::proof_from_words(&calldata::proof_to_words(&proof)).unwrap(),
        proof
    );
    assert_eq!(
        binary::proof_from_bytes(&binary::proof_to_bytes(&proof)).unwrap(),
        proof
    );
}

#[test]
fn binary_rejects_truncation_trailing_bytes_and_absurd_lengths() {
    let (pk, vk) = keys(1);
    let (proof, inputs) = proof(&pk, 2);
    let vk_bin = binary::verifying_key_to_bytes(&vk);
    for cut in [0, 1, 31, 100, vk_bin.len() - 1] {
        assert!(binary::verifying_key_from_bytes(&vk_bin[..cut]).is_err());
    }
    let mut long = vk_bin.clone();
    long.push(0);
    assert!(binary::verifying_key_from_bytes(&long)
        .unwrap_err()
        .to_string()
        .contains("trailing"));
    let proof_bin = binary::proof_to_bytes(&proof);
    assert!(binary::proof_from_bytes(&proof_bin[..127]).is_err());
    let mut public_bin = binary::public_inputs_to_bytes(&inputs);
    public_bin[..8].copy_from_slice(&u64::MAX.to_le_bytes());
    assert!(binary::public_inputs_from_bytes(&public_bin)
        .unwrap_err()
        .to_string()
        .contains("implausibly"));
}

#[test]
fn snarkjs_fixture_verifies_through_every_format() {
    let vk = snarkjs::parse_verifying_key(&fixture("verification_key.json")).unwrap();
    let proof = snarkjs::parse_proof(&fixture("proof.json")).unwrap();
    let inputs = snarkjs::parse_public_inputs(&fixture("public.json")).unwrap();
    assert!(
        verify(&vk, &proof, &inputs).unwrap(),
        "snarkjs proof rejected"
    );

    // through binary and calldata and back
    let vk2 = binary::verifying_key_from_bytes(&binary::verifying_key_to_bytes(&vk)).unwrap();
    let proof2 = binary::proof_from_bytes(&binary::proof_to_bytes(&proof)).unwrap();
    let inputs2 =
        binary::public_inputs_from_bytes(&binary::public_inputs_to_bytes(&inputs)).unwrap();
    assert!(verify(&vk2, &proof2, &inputs2).unwrap());
    let (proof3, inputs3) =
        calldata::decode_verify_proof_call(&calldata::encode_verify_proof_call(&proof, &inputs))
            .unwrap();
    assert!(verify(&vk, &proof3, &inputs3).unwrap());

    // our JSON writer reproduces snarkjs's files (same members, same values)
    let original: Value = serde_json::from_str(&fixture("verification_key.json")).unwrap();
    let ours = snarkjs::verifying_key_to_value(&vk);
    assert_eq!(
        ours, original,
        "verification_key.json differs from snarkjs's"
    );
    let original: Value = serde_json::from_str(&fixture("proof.json")).unwrap();
    assert_eq!(snarkjs::proof_to_value(&proof), original);
    let original: Value = serde_json::from_str(&fixture("public.json")).unwrap();
    assert_eq!(snarkjs::public_inputs_to_value(&inputs), original);

    // tampering and the wrong key
    let wrong = snarkjs::parse_verifying_key(&fixture("wrong_verification_key.json")).unwrap();
    assert!(!verify(&wrong, &proof, &inputs).unwrap());
    let mut bad = proof.clone();
    bad.c = other_g1(proof.c);
    assert!(!verify(&vk, &bad, &inputs).unwrap());
    for i in 0..inputs.len() {
        let mut bad_inputs = inputs.clone();
        bad_inputs[i] += Fr::from(1u64);
        assert!(!verify(&vk, &proof, &bad_inputs).unwrap());
    }
}

/// A binary proof or key whose first byte happens to be `{` (0x7b) or `[` is still read as
/// binary (the detection once looked at the first byte only, and a demo run met such a proof).
#[test]
fn binary_starting_with_a_json_bracket_is_detected_as_binary() {
    use ark_ec::{CurveGroup, PrimeGroup};
    use ark_ff::UniformRand;
    use rand::SeedableRng;
    let mut rng = rand_chacha::ChaCha20Rng::seed_from_u64(0x7b);
    let mut found = [false; 2];
    for _ in 0..20_000 {
        let proof = zkagg_core::Proof {
            a: (ark_bn254::G1Projective::generator() * Fr::rand(&mut rng)).into_affine(),
            b: (ark_bn254::G2Projective::generator() * Fr::rand(&mut rng)).into_affine(),
            c: (ark_bn254::G1Projective::generator() * Fr::rand(&mut rng)).into_affine(),
        };
        let bytes = binary::proof_to_bytes(&proof);
        let k = match bytes[0] {
            b'{' => 0,
            b'[' => 1,
            _ => continue,
        };
        assert_eq!(Encoding::detect(&bytes), Encoding::Binary);
        assert_eq!(formats::load_proof(&bytes).unwrap(), proof);
        found[k] = true;
        if found == [true; 2] {
            break;
        }
    }
    assert_eq!(
        found, [true; 2],
        "no proof starting with a bracket in 20,000 tries"
    );
    // JSON is still JSON, leading whitespace included.
    assert_eq!(Encoding::detect(b" \n{\"a\": 1}"), Encoding::SnarkjsJson);
    assert_eq!(Encoding::detect(b"[\"1\"]"), Encoding::SnarkjsJson);
}

/// `parse_decimal` and `to_decimal` read and print digits with machine words themselves: they
/// must agree with arbitrary-precision integers on every length and carry case, and the parse
/// must refuse exactly the values at or above the modulus (both fields), however long the
/// string.
#[test]
fn decimal_parse_and_print_agree_with_big_integers_on_edges_and_random_values() {
    use num_bigint::BigUint;
    use rand::{Rng, SeedableRng};

    fn check<F: PrimeField<BigInt = ark_ff::BigInt<4>>>(text: &str) {
        let modulus = BigUint::from_bytes_le(&F::MODULUS.to_bytes_le());
        let expected = BigUint::parse_bytes(text.as_bytes(), 10).expect("digits");
        match snarkjs::parse_decimal::<F>(text, "x") {
            Ok(value) => {
                assert!(
                    expected < modulus,
                    "{text} accepted at or above the modulus"
                );
                let got = BigUint::from_bytes_le(&value.into_bigint().to_bytes_le());
                assert_eq!(got, expected, "{text} parsed to another value");
                assert_eq!(
                    snarkjs::to_decimal(&value),
                    text,
                    "printed back differently"
                );
            }
            Err(err) => {
                assert!(expected >= modulus, "{text} refused: {err}");
                assert!(
                    err.to_string().contains("not below the field modulus"),
                    "{err}"
                );
            }
        }
    }

    let two = BigUint::from(2u32);
    let ten = BigUint::from(10u32);
    let mut values: Vec<BigUint> = Vec::new();
    for m in [
        BigUint::from_bytes_le(&Fq::MODULUS.to_bytes_le()),
        BigUint::from_bytes_le(&Fr::MODULUS.to_bytes_le()),
    ] {
        for d in 0u32..3 {
            values.push(&m + d);
            values.push(&m - (d + 1));
        }
    }
    for k in [
        0u32, 1, 63, 64, 65, 127, 128, 192, 253, 254, 255, 256, 257, 300,
    ] {
        let power = two.pow(k);
        values.push(&power + 1u32);
        values.push(power.clone());
        if k > 0 {
            values.push(power - 1u32);
        }
    }
    // Chunk boundaries of the 19-digit folding, and lengths around the moduli's 77 digits.
    for k in [1u32, 18, 19, 20, 37, 38, 39, 57, 76, 77, 78, 95, 200] {
        let power = ten.pow(k);
        values.push(&power - 1u32);
        values.push(power.clone());
        values.push(power + 1u32);
    }
    values.push(BigUint::from(0u32));
    let mut rng = rand_chacha::ChaCha20Rng::seed_from_u64(11);
    for _ in 0..500 {
        let bytes: Vec<u8> = (0..rng.gen_range(1..=40)).map(|_| rng.gen()).collect();
        values.push(BigUint::from_bytes_le(&bytes));
    }
    for value in &values {
        let text = value.to_string();
        check::<Fq>(&text);
        check::<Fr>(&text);
    }
}
