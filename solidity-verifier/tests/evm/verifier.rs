//! The generated verifier on real proofs, in revm: valid proofs accepted through both entry
//! points (at Prague and Osaka), every tampering rejected with `false` within a gas bound, a lack
//! of gas never mistaken for an invalid proof, and the on-chain vk_hash equal to zkagg's.

use ark_bn254::{Fq, G1Affine, G2Affine};
use ark_ec::AffineRepr;
use ark_ff::One;
use zkagg_core::formats::calldata::{proof_to_words, public_inputs_to_words, Word};
use zkagg_core::vk_hash::vk_hash;
use zkagg_core::{Fr, Proof};
use zkagg_solidity_verifier::abi::{self, encode_call};
use zkagg_solidity_verifier::generator::{insufficient_gas_selector, DEFAULT_PAIRING_GAS};
use zkagg_solidity_verifier::harness::evm::{Address, CallResult, Evm, Outcome, SpecId};

use crate::common::{self, add_words, p_word, r_word, Fixture};

/// Execution gas a malformed proof may cost: dispatch, ABI checks and the canonical/curve checks,
/// no precompile call (measured: about 1,300 plus ~15 per public input).
const CHEAP_REJECTION_GAS: u64 = 2_500;

fn fixtures() -> [&'static Fixture; 2] {
    [&common::batches().fixture, common::snarkjs()]
}

/// A chain with the fixture's verifier deployed.
fn deployed(fixture: &Fixture) -> (Evm, Address) {
    let mut evm = Evm::new();
    let address = common::contracts().deploy(&mut evm, &common::verifier_name(fixture, false), &[]);
    (evm, address)
}

/// The 8 proof words followed by the inputs.
fn words(proof: &Proof, inputs: &[Fr]) -> Vec<Word> {
    let mut words = proof_to_words(proof).to_vec();
    words.extend(public_inputs_to_words(inputs));
    words
}

fn verify_proof_selector(n: usize) -> [u8; 4] {
    zkagg_core::formats::calldata::verify_proof_selector(n)
}

/// Calls both entry points with `words`; returns the two results.
fn call_both(evm: &mut Evm, address: Address, words: &[Word]) -> [CallResult; 2] {
    let n = words.len() - 8;
    [
        evm.call(address, &encode_call(verify_proof_selector(n), words))
            .expect("verifyProof"),
        evm.call(
            address,
            &encode_call(abi::selector(&abi::verify_signature(n)), words),
        )
        .expect("verify"),
    ]
}

#[test]
fn valid_proofs_are_accepted_through_both_entry_points() {
    for fixture in fixtures() {
        assert!(
            zkagg_core::verifier::verify(&fixture.vk, &fixture.proof, &fixture.inputs)
                .expect("native"),
            "{}: the native verifier must accept the fixture",
            fixture.name
        );
        let (mut evm, address) = deployed(fixture);
        let [snarkjs_shape, flat] =
            call_both(&mut evm, address, &words(&fixture.proof, &fixture.inputs));
        for (entry, result) in [("verifyProof", &snarkjs_shape), ("verify", &flat)] {
            assert!(
                result.returned_bool().expect("bool"),
                "{}: {entry} rejected a valid proof: {result:?}",
                fixture.name
            );
        }
        // The same bytes after the selector: the flat entry is cheaper (fewer ABI checks).
        assert!(flat.gas.tx < snarkjs_shape.gas.tx);
        // zkagg-core's encoder is what the verifier speaks.
        assert_eq!(
            abi::verify_proof_call(&fixture.proof, &fixture.inputs),
            encode_call(
                verify_proof_selector(fixture.inputs.len()),
                &words(&fixture.proof, &fixture.inputs)
            )
        );
        // Precompile prices, and the 100 gas of each (warm) call to them.
        let n = fixture.inputs.len() as u64;
        let precompiles = 45_000 + 4 * 34_000 + 6_150 * n + 100 * (2 * n + 1);
        let overhead = snarkjs_shape.gas.execution() - precompiles;
        println!(
            "{}: verifyProof {} gas (execution {}, of which {} outside the precompiles), verify {}",
            fixture.name,
            snarkjs_shape.gas.tx,
            snarkjs_shape.gas.execution(),
            overhead,
            flat.gas.tx
        );
        assert!(
            overhead < 1_500 + 100 * n,
            "{}: overhead {overhead}",
            fixture.name
        );
    }
}

#[test]
fn valid_proofs_are_accepted_at_osaka() {
    for fixture in fixtures() {
        let mut evm = Evm::with_spec(SpecId::OSAKA);
        let address =
            common::contracts().deploy(&mut evm, &common::verifier_name(fixture, false), &[]);
        let result = evm
            .call(
                address,
                &abi::verify_proof_call(&fixture.proof, &fixture.inputs),
            )
            .expect("call");
        assert!(result.returned_bool().expect("bool"), "{}", fixture.name);
    }
}

/// How much a rejection may cost.
#[derive(Clone, Copy, Debug)]
enum Bound {
    /// Rejected by the canonical/curve checks, before any precompile call.
    Cheap,
    /// Well-formed but wrong: runs the whole verification.
    Verification,
    /// B outside the subgroup: the pairing precompile fails within its stipend.
    PairingStipend,
}

struct Case {
    label: String,
    words: Vec<Word>,
    bound: Bound,
}

fn replace_g1(words: &[Word], at: usize, point: G1Affine) -> Vec<Word> {
    let proof = Proof {
        a: point,
        b: G2Affine::generator(),
        c: point,
    };
    let encoded = proof_to_words(&proof);
    let mut out = words.to_vec();
    out[at] = encoded[0];
    out[at + 1] = encoded[1];
    out
}

fn replace_g2(words: &[Word], point: G2Affine) -> Vec<Word> {
    let proof = Proof {
        a: G1Affine::generator(),
        b: point,
        c: G1Affine::generator(),
    };
    let encoded = proof_to_words(&proof);
    let mut out = words.to_vec();
    out[2..6].copy_from_slice(&encoded[2..6]);
    out
}

/// Every tampering of a valid proof and its inputs the issue lists, and a few more.
fn tamperings(fixture: &Fixture) -> Vec<Case> {
    let valid = words(&fixture.proof, &fixture.inputs);
    let n = fixture.inputs.len();
    let mut cases = Vec::new();
    let names = [
        "A.x", "A.y", "B.x.c1", "B.x.c0", "B.y.c1", "B.y.c0", "C.x", "C.y",
    ];
    for (k, name) in names.iter().enumerate() {
        let mut flipped = valid.clone();
        flipped[k][31] ^= 1;
        cases.push(Case {
            label: format!("{name} with its low bit flipped (off the curve)"),
            words: flipped,
            bound: Bound::Cheap,
        });
        let mut plus_p = valid.clone();
        plus_p[k] = add_words(&plus_p[k], &p_word());
        cases.push(Case {
            label: format!("{name} + p (non-canonical, same value mod p)"),
            words: plus_p,
            bound: Bound::Cheap,
        });
    }
    for i in 0..n {
        let mut plus_one = fixture.inputs.clone();
        plus_one[i] += Fr::one();
        cases.push(Case {
            label: format!("input[{i}] + 1"),
            words: words(&fixture.proof, &plus_one),
            bound: Bound::Verification,
        });
        let mut plus_r = valid.clone();
        plus_r[8 + i] = add_words(&plus_r[8 + i], &r_word());
        cases.push(Case {
            label: format!("input[{i}] + r (non-canonical, same value mod r)"),
            words: plus_r,
            bound: Bound::Cheap,
        });
    }
    let proof = &fixture.proof;
    cases.push(Case {
        label: "A replaced by another G1 point".into(),
        words: replace_g1(&valid, 0, common::other_g1(proof.a)),
        bound: Bound::Verification,
    });
    cases.push(Case {
        label: "B replaced by another G2 point".into(),
        words: replace_g2(&valid, common::other_g2(proof.b)),
        bound: Bound::Verification,
    });
    cases.push(Case {
        label: "C replaced by another G1 point".into(),
        words: replace_g1(&valid, 6, common::other_g1(proof.c)),
        bound: Bound::Verification,
    });
    cases.push(Case {
        label: "A swapped with C".into(),
        words: replace_g1(&replace_g1(&valid, 0, proof.c), 6, proof.a),
        bound: Bound::Verification,
    });
    let (ax, ay) = proof.a.xy().expect("A is finite");
    cases.push(Case {
        label: "A off the curve: (x, y + 1)".into(),
        words: replace_g1(&valid, 0, G1Affine::new_unchecked(ax, ay + Fq::one())),
        bound: Bound::Cheap,
    });
    cases.push(Case {
        label: "A at infinity (0, 0)".into(),
        words: replace_g1(&valid, 0, G1Affine::zero()),
        bound: Bound::Cheap,
    });
    cases.push(Case {
        label: "C at infinity (0, 0)".into(),
        words: replace_g1(&valid, 6, G1Affine::zero()),
        bound: Bound::Cheap,
    });
    cases.push(Case {
        label: "B at infinity (all zero)".into(),
        words: replace_g2(&valid, G2Affine::zero()),
        bound: Bound::Cheap,
    });
    // snarkjs JSON order (c0 before c1) passed where EIP-197 wants c1 first: the classic bug.
    let mut swapped = valid.clone();
    swapped.swap(2, 3);
    swapped.swap(4, 5);
    cases.push(Case {
        label: "B with swapped limbs (c0, c1 instead of c1, c0)".into(),
        words: swapped,
        bound: Bound::Cheap,
    });
    cases.push(Case {
        label: "B on the twist but outside the order-r subgroup".into(),
        words: replace_g2(&valid, common::g2_outside_subgroup()),
        bound: Bound::PairingStipend,
    });
    let mut all_zero = valid.clone();
    for word in all_zero.iter_mut().take(8) {
        *word = [0; 32];
    }
    cases.push(Case {
        label: "all-zero proof".into(),
        words: all_zero,
        bound: Bound::Cheap,
    });
    if fixture.name == "batch" {
        // A valid proof, of another statement (the next batch).
        let (other_proof, _) = &common::batches().second;
        cases.push(Case {
            label: "the proof of another batch".into(),
            words: words(other_proof, &fixture.inputs),
            bound: Bound::Verification,
        });
    }
    cases
}

#[test]
fn every_tampering_is_rejected_within_a_gas_bound() {
    for fixture in fixtures() {
        let n = fixture.inputs.len() as u64;
        let (mut evm, address) = deployed(fixture);
        let [valid, _] = call_both(&mut evm, address, &words(&fixture.proof, &fixture.inputs));
        let valid_gas = valid.gas.execution();
        for case in tamperings(fixture) {
            // Native verification agrees wherever the words still decode.
            let results = call_both(&mut evm, address, &case.words);
            for (entry, result) in ["verifyProof", "verify"].iter().zip(&results) {
                let what = format!("{} / {} / {entry}", fixture.name, case.label);
                let accepted = result
                    .returned_bool()
                    .unwrap_or_else(|e| panic!("{what}: {e}"));
                assert!(!accepted, "{what}: accepted");
                let gas = result.gas.execution();
                let bound = match case.bound {
                    Bound::Cheap => CHEAP_REJECTION_GAS,
                    Bound::Verification => valid_gas + 100,
                    Bound::PairingStipend => DEFAULT_PAIRING_GAS + 6_400 * n + 3_000,
                };
                assert!(
                    gas <= bound,
                    "{what}: {gas} execution gas, bound {bound} ({:?})",
                    case.bound
                );
                // Never anywhere near the gas limit: nothing burns the caller's gas.
                assert!(result.gas.tx < 500_000, "{what}: {} gas", result.gas.tx);
            }
            println!(
                "{:8} {:60} {:>7} execution gas ({:?})",
                fixture.name,
                case.label,
                results[0].gas.execution(),
                case.bound
            );
        }
    }
}

#[test]
fn decodable_tamperings_are_rejected_natively_too() {
    // The EVM is not the only judge: every tampered calldata that zkagg-core can decode is also
    // rejected by the native verifier (the others are rejected by the decoder itself).
    for fixture in fixtures() {
        for case in tamperings(fixture) {
            let data = encode_call(verify_proof_selector(fixture.inputs.len()), &case.words);
            if let Ok((proof, inputs)) =
                zkagg_core::formats::calldata::decode_verify_proof_call(&data)
            {
                assert!(
                    !zkagg_core::verifier::verify(&fixture.vk, &proof, &inputs).expect("verify"),
                    "{} / {}: natively accepted",
                    fixture.name,
                    case.label
                );
            }
        }
    }
}

#[test]
fn a_wrong_key_rejects_the_proof() {
    for fixture in fixtures() {
        let mut evm = Evm::new();
        let address =
            common::contracts().deploy(&mut evm, &common::verifier_name(fixture, true), &[]);
        for result in call_both(&mut evm, address, &words(&fixture.proof, &fixture.inputs)) {
            assert!(!result.returned_bool().expect("bool"), "{}", fixture.name);
        }
    }
}

#[test]
fn a_rerandomised_proof_is_accepted() {
    // (-A, -B, C) satisfies the same equation: Groth16 proofs are malleable by design, which is
    // why nothing on chain may key on proof bytes (the rollup keys on roots). Documented, tested.
    let fixture = common::snarkjs();
    let (mut evm, address) = deployed(fixture);
    let negated = Proof {
        a: -fixture.proof.a,
        b: -fixture.proof.b,
        c: fixture.proof.c,
    };
    let [result, _] = call_both(&mut evm, address, &words(&negated, &fixture.inputs));
    assert!(result.returned_bool().expect("bool"));
}

#[test]
fn malformed_calldata_reverts() {
    let fixture = common::snarkjs();
    let (mut evm, address) = deployed(fixture);
    let n = fixture.inputs.len();
    let valid = abi::verify_proof_call(&fixture.proof, &fixture.inputs);
    // One word short: Solidity's ABI decoder refuses it.
    let short = &valid[..valid.len() - 32];
    // One input too many: no such function.
    let mut long_words = words(&fixture.proof, &fixture.inputs);
    long_words.push([0; 32]);
    let wrong_arity = encode_call(verify_proof_selector(n + 1), &long_words);
    for (label, data) in [
        ("truncated", short.to_vec()),
        ("n + 1 inputs", wrong_arity),
        ("empty", Vec::new()),
        ("selector only", valid[..4].to_vec()),
    ] {
        let result = evm.call(address, &data).expect("call");
        assert!(
            matches!(result.outcome, Outcome::Revert { .. }),
            "{label}: {result:?}"
        );
        assert!(result.gas.execution() < 1_000, "{label}: {:?}", result.gas);
    }
}

#[test]
fn too_little_gas_reverts_and_never_reads_as_an_invalid_proof() {
    // `false` must mean "invalid proof". Over a sweep of gas limits the valid proof either
    // verifies or the call reverts/halts; it never returns false.
    let fixture = common::snarkjs();
    let (mut evm, address) = deployed(fixture);
    let data = abi::verify_proof_call(&fixture.proof, &fixture.inputs);
    let valid = evm.call(address, &data).expect("call");
    // The lowest valid gas limit covers the intrinsic gas and the EIP-7623 calldata floor.
    let start = valid.gas.intrinsic.max(valid.gas.floor);
    let mut reverted_insufficient = 0;
    let mut accepted_at = None;
    let mut limit = start + 100;
    while limit < start + 450_000 {
        let result = evm
            .call_with_gas_limit(address, &data, limit)
            .expect("call");
        match &result.outcome {
            Outcome::Success { .. } => {
                assert!(
                    result.returned_bool().expect("bool"),
                    "false at gas limit {limit}"
                );
                accepted_at.get_or_insert(limit);
            }
            Outcome::Revert { .. } => {
                if result.reverted_with(insufficient_gas_selector()) {
                    reverted_insufficient += 1;
                }
            }
            Outcome::Halt { .. } => {}
        }
        limit += 9_973;
    }
    assert!(reverted_insufficient > 0, "InsufficientGas never seen");
    let accepted_at = accepted_at.expect("accepted with enough gas");
    println!(
        "valid proof: {} gas used, accepted from a gas limit of about {accepted_at}",
        valid.gas.tx
    );
}

#[test]
fn the_on_chain_vk_hash_is_zkaggs() {
    for fixture in fixtures() {
        let (mut evm, address) = deployed(fixture);
        let result = evm
            .call(address, &abi::selector("VK_HASH()"))
            .expect("call");
        assert_eq!(result.output().expect("output"), vk_hash(&fixture.vk));
        let source = common::contracts().source(&common::verifier_name(fixture, false));
        assert!(source.contains(&zkagg_core::vk_hash::vk_hash_hex(&fixture.vk)));
    }
}

#[test]
fn contracts_compile_without_warnings_and_expose_the_documented_abi() {
    let contracts = common::contracts();
    assert!(
        contracts.output.warnings.is_empty(),
        "{}",
        contracts.output.warnings.join("\n")
    );
    for fixture in fixtures() {
        let artifact = contracts.artifact(&common::verifier_name(fixture, false));
        let n = fixture.inputs.len();
        assert_eq!(
            artifact
                .selector(&zkagg_core::formats::calldata::verify_proof_signature(n))
                .expect("verifyProof"),
            verify_proof_selector(n)
        );
        assert_eq!(
            artifact
                .selector(&abi::verify_signature(n))
                .expect("verify"),
            abi::selector(&abi::verify_signature(n))
        );
        let abi_text = artifact.abi.to_string();
        assert!(abi_text.contains("InsufficientGas"), "{abi_text}");
        assert_eq!(
            artifact.method_identifiers.len(),
            3,
            "{:?}",
            artifact.method_identifiers
        );
    }
}
