//! The generator on keys the circuits do not give: many public inputs (the EIP-170 limit), none
//! (a real ark-groth16 proof of a tiny circuit), and the keys it must refuse. The other keys are
//! synthetic, made from known trapdoors so that valid proofs can be computed directly: with
//! alpha, beta, gamma, delta and IC known as scalars, any A = a G1, B = b G2 and C = c G1 with
//! a b = alpha beta + l gamma + c delta satisfy the Groth16 equation.

use ark_bn254::{Bn254, G1Affine, G2Affine};
use ark_ec::{AffineRepr, CurveGroup};
use ark_ff::{Field, UniformRand};
use ark_groth16::Groth16;
use ark_relations::gr1cs::{ConstraintSynthesizer, ConstraintSystemRef, SynthesisError};
use ark_relations::lc;
use ark_snark::SNARK;
use rand::SeedableRng;
use rand_chacha::ChaCha20Rng;
use zkagg_core::{Fr, Proof, VerifyingKey};
use zkagg_solidity_verifier::generator::{Options, MAX_PUBLIC_INPUTS, PAIRING_GAS_4_PAIRS};
use zkagg_solidity_verifier::harness::{compile_verifier, evm::Evm};
use zkagg_solidity_verifier::{abi, generate, Error};

/// A key with `n` public inputs and a valid proof for random inputs.
pub fn synthetic(n: usize, seed: u64) -> (VerifyingKey, Proof, Vec<Fr>) {
    let mut rng = ChaCha20Rng::seed_from_u64(seed);
    let g1 = G1Affine::generator();
    let g2 = G2Affine::generator();
    let [alpha, beta, gamma, delta, a, b] = [(); 6].map(|_| Fr::rand(&mut rng));
    let ic: Vec<Fr> = (0..=n).map(|_| Fr::rand(&mut rng)).collect();
    let inputs: Vec<Fr> = (0..n).map(|_| Fr::rand(&mut rng)).collect();
    let l = ic[0] + inputs.iter().zip(&ic[1..]).map(|(x, k)| *x * k).sum::<Fr>();
    let c = (a * b - alpha * beta - l * gamma) * delta.inverse().expect("delta != 0");
    let vk = VerifyingKey {
        alpha_g1: (g1 * alpha).into_affine(),
        beta_g2: (g2 * beta).into_affine(),
        gamma_g2: (g2 * gamma).into_affine(),
        delta_g2: (g2 * delta).into_affine(),
        gamma_abc_g1: ic.iter().map(|k| (g1 * k).into_affine()).collect(),
    };
    let proof = Proof {
        a: (g1 * a).into_affine(),
        b: (g2 * b).into_affine(),
        c: (g1 * c).into_affine(),
    };
    (vk, proof, inputs)
}

#[test]
fn synthetic_proofs_are_valid() {
    let (vk, proof, inputs) = synthetic(4, 1);
    assert!(zkagg_core::verifier::verify(&vk, &proof, &inputs).expect("verify"));
}

#[test]
fn the_largest_supported_key_fits_eip170_and_verifies() {
    let (vk, proof, inputs) = synthetic(MAX_PUBLIC_INPUTS, 2);
    let (_, artifact) = compile_verifier(&vk, &Options::named("Big")).expect("compile");
    let mut evm = Evm::new();
    // revm enforces EIP-170 (24,576 bytes of runtime code) at deployment.
    let deployed = evm.deploy(&artifact.bytecode).expect("deploy");
    assert!(deployed.code_size <= 24_576, "{}", deployed.code_size);
    let result = evm
        .call(deployed.address, &abi::verify_call(&proof, &inputs))
        .expect("call");
    assert!(result.returned_bool().expect("bool"));
    let mut wrong = inputs.clone();
    wrong[MAX_PUBLIC_INPUTS - 1] += Fr::from(1u64);
    let result = evm
        .call(deployed.address, &abi::verify_call(&proof, &wrong))
        .expect("call");
    assert!(!result.returned_bool().expect("bool"));
    println!(
        "{MAX_PUBLIC_INPUTS} inputs: {} bytes of code, deploy {} gas, verify {} gas",
        deployed.code_size, deployed.gas.tx, result.gas.tx
    );
}

#[test]
fn keys_the_generator_refuses() {
    let (vk, _, _) = synthetic(MAX_PUBLIC_INPUTS + 1, 3);
    assert!(matches!(
        generate(&vk, &Options::default()),
        Err(Error::UnsupportedKey(_))
    ));
    // No IC point at all (not even IC[0]).
    let (mut vk, _, _) = synthetic(1, 4);
    vk.gamma_abc_g1.clear();
    assert!(matches!(
        generate(&vk, &Options::default()),
        Err(Error::Core(zkagg_core::Error::Shape { .. }))
    ));
    // A point off the curve or a G2 point outside the subgroup never becomes a constant.
    let (mut vk, _, _) = synthetic(1, 5);
    vk.delta_g2 = crate::common::g2_outside_subgroup();
    assert!(matches!(
        generate(&vk, &Options::default()),
        Err(Error::Core(zkagg_core::Error::NotInSubgroup { .. }))
    ));
    let (mut vk, _, _) = synthetic(1, 6);
    let (x, y) = vk.gamma_abc_g1[1].xy().expect("finite");
    vk.gamma_abc_g1[1] = G1Affine::new_unchecked(x, y + ark_bn254::Fq::from(1u64));
    assert!(matches!(
        generate(&vk, &Options::default()),
        Err(Error::Core(zkagg_core::Error::NotOnCurve { .. }))
    ));
    // Bad options.
    let (vk, _, _) = synthetic(1, 7);
    assert!(matches!(
        generate(&vk, &Options::named("contract")),
        Err(Error::ContractName(_))
    ));
    let options = Options {
        pairing_gas: PAIRING_GAS_4_PAIRS - 1,
        ..Options::default()
    };
    assert!(matches!(generate(&vk, &options), Err(Error::PairingGas(_))));
}

#[test]
fn generation_is_deterministic_and_complete() {
    let (vk, _, _) = synthetic(3, 8);
    let one = generate(&vk, &Options::default()).expect("generate");
    let two = generate(&vk, &Options::default()).expect("generate");
    assert_eq!(one, two);
    assert!(!one.contains("{{"));
    assert!(one.contains("contract Groth16Verifier {"));
    assert!(one.contains(&zkagg_core::vk_hash::vk_hash_hex(&vk)));
}

#[test]
fn the_pairing_stipend_is_an_option() {
    // An exact stipend (no repricing headroom) still verifies: the precompile's price today.
    let (vk, proof, inputs) = synthetic(2, 9);
    let options = Options {
        contract_name: "Exact".into(),
        pairing_gas: PAIRING_GAS_4_PAIRS,
    };
    let (source, artifact) = compile_verifier(&vk, &options).expect("compile");
    assert!(source.contains(&format!("PAIRING_GAS = {PAIRING_GAS_4_PAIRS};")));
    let mut evm = Evm::new();
    let address = evm.deploy(&artifact.bytecode).expect("deploy").address;
    let result = evm
        .call(address, &abi::verify_proof_call(&proof, &inputs))
        .expect("call");
    assert!(result.returned_bool().expect("bool"));
}

/// `x * x = y` with `x` and `y` private: a circuit without public inputs.
struct SquareCircuit {
    x: Option<Fr>,
}

impl ConstraintSynthesizer<Fr> for SquareCircuit {
    fn generate_constraints(self, cs: ConstraintSystemRef<Fr>) -> ark_relations::gr1cs::Result<()> {
        let x = cs.new_witness_variable(|| self.x.ok_or(SynthesisError::AssignmentMissing))?;
        let y = cs.new_witness_variable(|| {
            self.x
                .map(|x| x * x)
                .ok_or(SynthesisError::AssignmentMissing)
        })?;
        cs.enforce_r1cs_constraint(|| lc!() + x, || lc!() + x, || lc!() + y)?;
        Ok(())
    }
}

#[test]
fn a_key_without_public_inputs_verifies_real_proofs() {
    let mut rng = ChaCha20Rng::seed_from_u64(10);
    let (pk, vk) = Groth16::<Bn254>::circuit_specific_setup(SquareCircuit { x: None }, &mut rng)
        .expect("setup");
    assert_eq!(vk.gamma_abc_g1.len(), 1, "IC[0] only");
    let proof = Groth16::<Bn254>::prove(
        &pk,
        SquareCircuit {
            x: Some(Fr::from(7u64)),
        },
        &mut rng,
    )
    .expect("prove");
    assert!(zkagg_core::verifier::verify(&vk, &proof, &[]).expect("native"));
    let (_, wrong_vk) =
        Groth16::<Bn254>::circuit_specific_setup(SquareCircuit { x: None }, &mut rng)
            .expect("setup");

    let (source, artifact) = compile_verifier(&vk, &Options::named("NoInputs")).expect("compile");
    assert!(source.contains("function verify(uint256[8] calldata /* proof */)"));
    assert_eq!(
        artifact
            .selector(&abi::verify_signature(0))
            .expect("verify"),
        abi::selector("verify(uint256[8])")
    );
    assert_eq!(
        artifact
            .selector(&abi::verify_proof_signature(0))
            .expect("verifyProof"),
        abi::selector("verifyProof(uint256[2],uint256[2][2],uint256[2])")
    );
    let (_, wrong) =
        compile_verifier(&wrong_vk, &Options::named("NoInputsWrong")).expect("compile");
    let mut evm = Evm::new();
    let address = evm.deploy(&artifact.bytecode).expect("deploy").address;
    let wrong_address = evm.deploy(&wrong.bytecode).expect("deploy").address;
    for data in [
        abi::verify_call(&proof, &[]),
        abi::verify_proof_call(&proof, &[]),
    ] {
        let result = evm.call(address, &data).expect("call");
        assert!(result.returned_bool().expect("bool"), "{result:?}");
        println!("no public inputs: {} gas", result.gas.tx);
        let result = evm.call(wrong_address, &data).expect("call");
        assert!(!result.returned_bool().expect("bool"), "another key");
    }
    // Tampered: every word's low bit flipped (off the curve), and another valid proof.
    let words = zkagg_core::formats::calldata::proof_to_words(&proof);
    for k in 0..8 {
        let mut tampered = words;
        tampered[k][31] ^= 1;
        let result = evm
            .call(
                address,
                &abi::encode_call(abi::selector("verify(uint256[8])"), &tampered),
            )
            .expect("call");
        assert!(!result.returned_bool().expect("bool"), "word {k}");
        assert!(result.gas.execution() < 2_500, "word {k}: {:?}", result.gas);
    }
    let other = Proof {
        c: (proof.c.into_group() + G1Affine::generator()).into_affine(),
        ..proof
    };
    let result = evm
        .call(address, &abi::verify_call(&other, &[]))
        .expect("call");
    assert!(!result.returned_bool().expect("bool"));
    // An input where none is expected: no such function.
    let result = evm
        .call(address, &abi::verify_call(&proof, &[Fr::from(1u64)]))
        .expect("call");
    assert!(result.returned_bool().is_err());
}
