//! The aggregate verifier (`verifyAggregate`) on simulated decider proofs (see `simulator`):
//! valid proofs accepted with the gas measured, the contract's digest and challenge equal to the
//! Rust reference's, every tampering rejected with `false` within its gas bound (and by the Rust
//! reference where the words decode), a lack of gas never read as `false`, and the generator's
//! refusals.

use ark_bn254::{Fr, G1Affine, G2Affine};
use ark_ec::{AffineRepr, CurveGroup};
use ark_ff::{One, UniformRand};
use zkagg_core::formats::calldata::{field_to_word, Word};
use zkagg_solidity_verifier::abi::{
    self, aggregate_from_words, aggregate_words, encode_call, g1_to_words, g2_to_words,
    verify_aggregate_call, VERIFY_AGGREGATE_SIGNATURE,
};
use zkagg_solidity_verifier::aggregate::{
    aggregate_rho, folded_commitment, generate_aggregate_rollup, generate_aggregate_verifier,
    statement_digest, statement_words, verify_aggregate, AggregateOptions, AggregateProof,
    DEFAULT_AGGREGATE_PAIRING_GAS, PAIRING_GAS_5_PAIRS,
};
use zkagg_solidity_verifier::generator::insufficient_gas_selector;
use zkagg_solidity_verifier::harness::evm::{Address, Evm, Outcome, SpecId};
use zkagg_solidity_verifier::Error;

use crate::common::{add_words, g2_outside_subgroup, p_word, r_word};
use crate::simulator::{self, contracts, keys, random_statement, SimStatement};

/// Execution gas a malformed call may cost: dispatch, ABI checks, the canonical and curve checks,
/// no precompile call.
const CHEAP_REJECTION_GAS: u64 = 3_000;

fn deployed() -> (Evm, Address) {
    let mut evm = Evm::new();
    let address = simulator::deploy(&mut evm, contracts().verifier(), &[]);
    (evm, address)
}

/// A statement and a valid proof for the main key.
fn valid(seed: u64) -> (SimStatement, AggregateProof) {
    let mut rng = simulator::rng(seed);
    let old_root = Fr::rand(&mut rng);
    let sim = random_statement(&mut rng, old_root);
    let proof = keys().0.prove(&sim, &mut rng);
    (sim, proof)
}

fn call_words(evm: &mut Evm, address: Address, words: &[Word]) -> (bool, u64) {
    let data = encode_call(abi::selector(VERIFY_AGGREGATE_SIGNATURE), words);
    let result = evm.call(address, &data).expect("call");
    let verdict = result
        .returned_bool()
        .unwrap_or_else(|e| panic!("{e}: {result:?}"));
    (verdict, result.gas.execution())
}

#[test]
fn simulated_proofs_satisfy_the_rust_reference() {
    let (key, other) = keys();
    for seed in 0..4 {
        let (sim, proof) = valid(seed);
        assert!(verify_aggregate(&key.params, &proof, &sim.statement));
        assert!(!verify_aggregate(&other.params, &proof, &sim.statement));
        let mut bad = sim.statement;
        bad.count += 1;
        assert!(!verify_aggregate(&key.params, &proof, &bad));
    }
}

#[test]
fn valid_aggregate_proofs_are_accepted_and_the_gas_is_measured() {
    let (mut evm, address) = deployed();
    let precompiles = 215_000 + 4 * 6_000 + 4 * 150 + 60 + 12 * 10 + 100 * 10;
    for seed in 0..3 {
        let (sim, proof) = valid(seed);
        let data = verify_aggregate_call(&proof, &sim.statement);
        let result = evm.call(address, &data).expect("call");
        assert!(result.returned_bool().expect("bool"), "{result:?}");
        let overhead = result.gas.execution() - precompiles;
        println!(
            "verifyAggregate: {} gas (receipt: intrinsic {} incl. calldata, execution {}, of which \
             {overhead} outside the precompiles)",
            result.gas.tx,
            result.gas.intrinsic,
            result.gas.execution(),
        );
        assert!(overhead < 3_200, "overhead {overhead}");
        assert!(result.gas.tx < 300_000, "{:?}", result.gas);
    }
    // Osaka too (same prices for these precompiles).
    let mut osaka = Evm::with_spec(SpecId::OSAKA);
    let address = simulator::deploy(&mut osaka, contracts().verifier(), &[]);
    let (sim, proof) = valid(7);
    let result = osaka
        .call(address, &verify_aggregate_call(&proof, &sim.statement))
        .expect("call");
    assert!(result.returned_bool().expect("bool"));
}

#[test]
fn the_statement_digest_and_rho_are_the_rust_references() {
    // The contract's intermediate values, recomputed from the words it hashes: P is SHA-256 of
    // the ten statement words (checked against the precompile through a valid verification, and
    // against sha2 here), rho binds the proof, D and P. A verification that succeeds for the
    // simulated proof and fails after changing any single hashed word shows the contract hashes
    // exactly these words (each tampering test below).
    let (key, _) = keys();
    let (sim, proof) = valid(11);
    let p = statement_digest(key.params.config, &sim.statement);
    let words = statement_words(key.params.config, &sim.statement);
    assert_eq!(words[0], field_to_word(&key.params.config));
    assert_eq!(words[1], abi::u64_word(sim.statement.count));
    use sha2::Digest;
    let mut h = sha2::Sha256::new();
    for w in &words {
        h.update(w);
    }
    let mut digest: [u8; 32] = h.finalize().into();
    digest[0] &= 0x1f;
    assert_eq!(field_to_word(&p), digest);
    let d = folded_commitment(&sim.statement);
    let rho = aggregate_rho(&proof, &d, p);
    let mut packed = Vec::new();
    for w in g1_to_words(&proof.a)
        .iter()
        .chain(&g2_to_words(&proof.b))
        .chain(&g1_to_words(&proof.c))
        .chain(&g1_to_words(&proof.pi))
        .chain(&g1_to_words(&d))
    {
        packed.extend_from_slice(w);
    }
    packed.extend_from_slice(&field_to_word(&p));
    assert_eq!(packed.len(), 13 * 32);
    let hash = abi::keccak(&packed);
    assert_eq!(
        rho,
        <Fr as ark_ff::PrimeField>::from_be_bytes_mod_order(&hash)
    );
    // The calldata words after the selector: proof, pi, then the statement.
    let call = aggregate_words(&proof, &sim.statement);
    assert_eq!(&call[10..14], &words[5..9]);
    assert_eq!(call[14], words[9]);
    assert_eq!(&call[15..19], &words[1..5]);
    assert_eq!(
        aggregate_from_words(&call).expect("decode"),
        (proof, sim.statement)
    );
}

/// How much a rejection may cost.
#[derive(Clone, Copy, Debug)]
enum Bound {
    /// Rejected by the canonical/curve checks, before any precompile.
    Cheap,
    /// Well-formed but wrong: one whole verification.
    Verification,
    /// B outside G2: the pairing fails within its stipend.
    PairingStipend,
}

struct Case {
    label: String,
    words: Vec<Word>,
    bound: Bound,
}

fn set_g1(words: &[Word], at: usize, point: &G1Affine) -> Vec<Word> {
    let mut out = words.to_vec();
    out[at..at + 2].copy_from_slice(&g1_to_words(point));
    out
}

fn other_g1(point: &G1Affine) -> G1Affine {
    (point.into_group() + G1Affine::generator()).into_affine()
}

fn tamperings(sim: &SimStatement, proof: &AggregateProof) -> Vec<Case> {
    let valid = aggregate_words(proof, &sim.statement).to_vec();
    let mut cases = Vec::new();
    let mut push = |label: String, words: Vec<Word>, bound| {
        cases.push(Case {
            label,
            words,
            bound,
        })
    };
    let names = [
        "A.x", "A.y", "B.x.c1", "B.x.c0", "B.y.c1", "B.y.c0", "C.x", "C.y", "pi.x", "pi.y",
        "C_N.x", "C_N.y", "C_f.x", "C_f.y",
    ];
    for (k, name) in names.iter().enumerate() {
        let mut flipped = valid.clone();
        flipped[k][31] ^= 1;
        push(
            format!("{name} low bit flipped (off the curve)"),
            flipped,
            Bound::Cheap,
        );
        let mut plus_p = valid.clone();
        plus_p[k] = add_words(&plus_p[k], &p_word());
        push(format!("{name} + p (non-canonical)"), plus_p, Bound::Cheap);
    }
    let scalars = [
        (14, "alpha"),
        (16, "statementsRoot"),
        (17, "oldRoot"),
        (18, "newRoot"),
    ];
    for (at, name) in scalars {
        let mut plus_one = valid.clone();
        plus_one[at] = field_to_word(
            &(<Fr as ark_ff::PrimeField>::from_be_bytes_mod_order(&plus_one[at]) + Fr::one()),
        );
        push(format!("{name} + 1"), plus_one, Bound::Verification);
        let mut plus_r = valid.clone();
        plus_r[at] = add_words(&plus_r[at], &r_word());
        push(format!("{name} + r (non-canonical)"), plus_r, Bound::Cheap);
    }
    let mut count = valid.clone();
    count[15] = abi::u64_word(sim.statement.count + 1);
    push("count + 1".into(), count, Bound::Verification);
    let mut count = valid.clone();
    count[15] = abi::u64_word(0);
    push("count = 0".into(), count, Bound::Verification);
    let mut count = valid.clone();
    count[15][23] = 1; // + 2^64
    push("count + 2^64 (not below 2^64)".into(), count, Bound::Cheap);
    let mut rng = simulator::rng(77);
    let mut root = valid.clone();
    root[16] = field_to_word(&Fr::rand(&mut rng));
    push(
        "statementsRoot of another batch set".into(),
        root,
        Bound::Verification,
    );
    // Other valid group elements.
    for (at, name) in [(0, "A"), (6, "C"), (8, "pi"), (10, "C_N"), (12, "C_f")] {
        let point = aggregate_from_words(&valid).map(|(p, s)| match at {
            0 => p.a,
            6 => p.c,
            8 => p.pi,
            10 => s.comm_n,
            _ => s.comm_f,
        });
        let point = point.expect("decode");
        push(
            format!("{name} replaced by another point of G1"),
            set_g1(&valid, at, &other_g1(&point)),
            Bound::Verification,
        );
    }
    let mut b = valid.clone();
    b[2..6].copy_from_slice(&g2_to_words(
        &(proof.b.into_group() + G2Affine::generator()).into_affine(),
    ));
    push(
        "B replaced by another point of G2".into(),
        b,
        Bound::Verification,
    );
    let mut b = valid.clone();
    b[2..6].copy_from_slice(&g2_to_words(&g2_outside_subgroup()));
    push(
        "B on the twist, outside G2".into(),
        b,
        Bound::PairingStipend,
    );
    let mut b = valid.clone();
    b.swap(2, 3);
    b.swap(4, 5);
    push(
        "B with swapped limbs (snarkjs order)".into(),
        b,
        Bound::Cheap,
    );
    // Points at infinity: refused for A, B, C, pi; accepted (and wrong) for the commitments.
    for (at, name) in [(0, "A"), (6, "C"), (8, "pi")] {
        push(
            format!("{name} at infinity"),
            set_g1(&valid, at, &G1Affine::zero()),
            Bound::Cheap,
        );
    }
    let mut b = valid.clone();
    b[2..6].copy_from_slice(&[[0; 32]; 4]);
    push("B at infinity".into(), b, Bound::Cheap);
    for (at, name) in [(10, "C_N"), (12, "C_f")] {
        push(
            format!("{name} at infinity"),
            set_g1(&valid, at, &G1Affine::zero()),
            Bound::Verification,
        );
    }
    let mut swapped = valid.clone();
    swapped.swap(0, 6);
    swapped.swap(1, 7);
    push("A and C swapped".into(), swapped, Bound::Verification);
    let mut swapped = valid.clone();
    swapped.swap(10, 12);
    swapped.swap(11, 13);
    push("C_N and C_f swapped".into(), swapped, Bound::Verification);
    // pi = k D for another D: a subspace proof of other commitments.
    let forged_pi = (proof.pi.into_group() + proof.pi.into_group()).into_affine();
    push(
        "pi of another folded commitment (2 k D)".into(),
        set_g1(&valid, 8, &forged_pi),
        Bound::Verification,
    );
    push("all zero".into(), vec![[0; 32]; 19], Bound::Cheap);
    cases
}

#[test]
fn every_tampering_is_rejected_within_its_bound() {
    let (key, _) = keys();
    let (sim, proof) = valid(21);
    let (mut evm, address) = deployed();
    let (ok, valid_gas) = call_words(&mut evm, address, &aggregate_words(&proof, &sim.statement));
    assert!(ok);
    let cases = tamperings(&sim, &proof);
    assert!(cases.len() >= 58, "{}", cases.len());
    let mut worst_cheap = 0;
    for case in &cases {
        let (verdict, gas) = call_words(&mut evm, address, &case.words);
        assert!(!verdict, "{}: accepted", case.label);
        let limit = match case.bound {
            Bound::Cheap => CHEAP_REJECTION_GAS,
            Bound::Verification => valid_gas + 200,
            Bound::PairingStipend => {
                valid_gas - PAIRING_GAS_5_PAIRS + DEFAULT_AGGREGATE_PAIRING_GAS
            }
        };
        assert!(gas <= limit, "{}: {gas} gas > {limit}", case.label);
        if matches!(case.bound, Bound::Cheap) {
            worst_cheap = worst_cheap.max(gas);
        }
        // Where the words decode, the Rust reference rejects them too.
        if let Ok((p, s)) = aggregate_from_words(&case.words) {
            assert!(
                !verify_aggregate(&key.params, &p, &s),
                "{}: the reference accepts",
                case.label
            );
        }
    }
    println!(
        "{} tamperings rejected; valid proof {valid_gas} execution gas, worst cheap rejection \
         {worst_cheap}",
        cases.len()
    );
}

#[test]
fn another_config_or_key_rejects_the_proof() {
    let (sim, proof) = valid(31);
    let mut evm = Evm::new();
    let other = simulator::deploy(&mut evm, contracts().other_verifier(), &[]);
    let (verdict, _) = call_words(&mut evm, other, &aggregate_words(&proof, &sim.statement));
    assert!(!verdict);
    // The same key with another config only: the digest differs.
    let (key, _) = keys();
    let mut params = key.params;
    params.config += Fr::one();
    assert!(!verify_aggregate(&params, &proof, &sim.statement));
    let source =
        generate_aggregate_verifier(&params, &AggregateOptions::named("ConfigPlusOne", "Unused"))
            .expect("generate");
    let output =
        zkagg_solidity_verifier::harness::solc::compile(&[("C.sol", &source)]).expect("solc");
    let artifact = output.contract("C.sol", "ConfigPlusOne").expect("artifact");
    let address = simulator::deploy(&mut evm, artifact, &[]);
    let (verdict, _) = call_words(&mut evm, address, &aggregate_words(&proof, &sim.statement));
    assert!(!verdict, "another config");
    // ... while a proof made for that config verifies there.
    let mut rng = simulator::rng(32);
    let mut sim_key = key.to_owned();
    sim_key.params = params;
    let proof = sim_key.prove(&sim, &mut rng);
    let (verdict, _) = call_words(&mut evm, address, &aggregate_words(&proof, &sim.statement));
    assert!(verdict);
}

#[test]
fn a_lack_of_gas_is_never_read_as_false() {
    let (sim, proof) = valid(41);
    let (mut evm, address) = deployed();
    let data = verify_aggregate_call(&proof, &sim.statement);
    let full = evm.call(address, &data).expect("call");
    assert!(full.returned_bool().expect("bool"));
    let start = full.gas.floor.max(full.gas.intrinsic) + 1_000;
    let mut limit = start;
    let mut accepted_from = None;
    while limit < 600_000 {
        let result = evm
            .call_with_gas_limit(address, &data, limit)
            .expect("call");
        match &result.outcome {
            Outcome::Success { .. } => {
                assert!(
                    result.returned_bool().expect("bool"),
                    "false at gas limit {limit}"
                );
                accepted_from.get_or_insert(limit);
            }
            Outcome::Revert { output } => {
                assert!(
                    output.is_empty() || output.starts_with(&insufficient_gas_selector()),
                    "{output:?}"
                );
                assert!(accepted_from.is_none(), "a revert above an accepted limit");
            }
            Outcome::Halt { .. } => assert!(accepted_from.is_none()),
        }
        limit += 9_973;
    }
    let accepted_from = accepted_from.expect("accepted below 600,000");
    println!(
        "verifyAggregate needs a gas limit of about {accepted_from} (uses {})",
        full.gas.tx
    );
}

#[test]
fn malformed_calldata_reverts() {
    let (sim, proof) = valid(51);
    let (mut evm, address) = deployed();
    let data = verify_aggregate_call(&proof, &sim.statement);
    // One byte short: Solidity's decoder refuses it.
    let result = evm.call(address, &data[..data.len() - 1]).expect("call");
    assert!(
        matches!(result.outcome, Outcome::Revert { .. }),
        "{result:?}"
    );
    // Unknown selector.
    let mut wrong = data.clone();
    wrong[0] ^= 1;
    let result = evm.call(address, &wrong).expect("call");
    assert!(
        matches!(result.outcome, Outcome::Revert { .. }),
        "{result:?}"
    );
}

#[test]
fn the_contract_exposes_its_config_and_compiles_without_warnings() {
    let (key, _) = keys();
    let contracts = contracts();
    assert!(
        contracts.output.warnings.is_empty(),
        "{:?}",
        contracts.output.warnings
    );
    let artifact = contracts.verifier();
    assert_eq!(
        artifact
            .selector(VERIFY_AGGREGATE_SIGNATURE)
            .expect("selector"),
        abi::selector(VERIFY_AGGREGATE_SIGNATURE)
    );
    let (mut evm, address) = deployed();
    let result = evm
        .call(
            address,
            &encode_call(artifact.selector("CONFIG()").expect("CONFIG"), &[]),
        )
        .expect("call");
    assert_eq!(
        result.output().expect("output"),
        field_to_word(&key.params.config)
    );
    println!(
        "AggregateVerifier: {} bytes of runtime code; rollup file: {} bytes",
        artifact.deployed_bytecode.len(),
        contracts.rollup().deployed_bytecode.len()
    );
}

#[test]
fn the_aggregate_generator_refuses_bad_keys_and_options() {
    let (key, _) = keys();
    let ok = AggregateOptions::default();
    assert!(generate_aggregate_verifier(&key.params, &ok).is_ok());
    let one = generate_aggregate_rollup(&key.params, &ok).expect("rollup");
    assert_eq!(
        one,
        generate_aggregate_rollup(&key.params, &ok).expect("again")
    );
    assert!(!one.contains("{{"));
    assert!(one.contains("contract AggregateRollup is AggregateVerifier {"));

    let mut params = key.params;
    params.k_gamma2 = G2Affine::zero();
    assert!(matches!(
        generate_aggregate_verifier(&params, &ok),
        Err(Error::UnsupportedKey(_))
    ));
    let mut params = key.params;
    params.ic1 = G1Affine::zero();
    assert!(matches!(
        generate_aggregate_verifier(&params, &ok),
        Err(Error::UnsupportedKey(_))
    ));
    let mut params = key.params;
    params.gamma2 = g2_outside_subgroup();
    assert!(matches!(
        generate_aggregate_verifier(&params, &ok),
        Err(Error::Core(zkagg_core::Error::NotInSubgroup { .. }))
    ));
    let mut params = key.params;
    let (x, y) = params.alpha1.xy().expect("finite");
    params.alpha1 = G1Affine::new_unchecked(x, y + ark_bn254::Fq::one());
    assert!(matches!(
        generate_aggregate_verifier(&params, &ok),
        Err(Error::Core(zkagg_core::Error::NotOnCurve { .. }))
    ));
    let low = AggregateOptions {
        pairing_gas: PAIRING_GAS_5_PAIRS - 1,
        ..AggregateOptions::default()
    };
    assert!(matches!(
        generate_aggregate_verifier(&key.params, &low),
        Err(Error::PairingGas(_))
    ));
    for (verifier, rollup) in [("contract", "R"), ("V", "uint8"), ("Same", "Same")] {
        assert!(matches!(
            generate_aggregate_rollup(&key.params, &AggregateOptions::named(verifier, rollup)),
            Err(Error::ContractName(_))
        ));
    }
}
