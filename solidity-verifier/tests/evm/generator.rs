//! The generator on keys the circuits do not give: many public inputs (the EIP-170 limit), and
//! the keys it must refuse. Keys are synthetic, made from known trapdoors so that valid proofs
//! can be computed directly: with alpha, beta, gamma, delta and IC known as scalars, any A = a G1,
//! B = b G2 and C = c G1 with a b = alpha beta + l gamma + c delta satisfy the Groth16 equation.

use ark_bn254::{G1Affine, G2Affine};
use ark_ec::{AffineRepr, CurveGroup};
use ark_ff::{Field, UniformRand};
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
    // No public inputs: `uint256[0]` is not a Solidity type.
    let (mut vk, _, _) = synthetic(1, 4);
    vk.gamma_abc_g1.truncate(1);
    assert!(matches!(
        generate(&vk, &Options::default()),
        Err(Error::UnsupportedKey(_))
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
