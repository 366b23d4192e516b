//! The harness itself: gas accounting, the opcode profiler, state handling, errors.

use zkagg_solidity_verifier::abi;
use zkagg_solidity_verifier::harness::evm::{Evm, Outcome};
use zkagg_solidity_verifier::harness::solc;
use zkagg_solidity_verifier::Error;

use crate::common;

#[test]
fn the_profile_accounts_for_every_unit_of_execution_gas() {
    let fixture = common::snarkjs();
    let mut evm = Evm::new();
    let address = common::contracts().deploy(&mut evm, &common::verifier_name(fixture, false), &[]);
    let data = abi::verify_proof_call(&fixture.proof, &fixture.inputs);
    let result = evm.call(address, &data).expect("call");
    let steps = evm.profile_call(address, &data).expect("profile");
    let total: u64 = steps.iter().map(|s| s.gas).sum();
    assert_eq!(total, result.gas.execution());
    let calls: Vec<u64> = steps
        .iter()
        .filter(|s| s.name() == "STATICCALL")
        .map(|s| s.gas)
        .collect();
    // One ecMul and one ecAdd per input, one pairing; each warm call costs 100 on top.
    let n = fixture.inputs.len();
    assert_eq!(calls.len(), 2 * n + 1);
    assert_eq!(calls.iter().filter(|g| **g == 6_100).count(), n);
    assert_eq!(calls.iter().filter(|g| **g == 250).count(), n);
    assert_eq!(calls.last(), Some(&(45_000 + 4 * 34_000 + 100)));
}

#[test]
fn gas_usage_splits_intrinsic_and_execution_and_simulation_changes_nothing() {
    let source = "// SPDX-License-Identifier: MIT\npragma solidity ^0.8.13;\n\
                  contract Counter { uint256 public n; function bump() external { n += 1; } }";
    let out = solc::compile(&[("Counter.sol", source)]).expect("solc");
    let counter = out.contract("Counter.sol", "Counter").expect("artifact");
    let mut evm = Evm::new();
    let deployed = evm.deploy(&counter.bytecode).expect("deploy");
    assert_eq!(deployed.code_size, counter.deployed_bytecode.len());
    assert!(
        deployed.gas.intrinsic >= 53_000,
        "creation: 21,000 + 32,000 + calldata"
    );
    let bump = counter.selector("bump()").expect("bump");
    let n = counter.selector("n()").expect("n");
    let simulated = evm.simulate(deployed.address, &bump).expect("simulate");
    assert!(matches!(simulated.outcome, Outcome::Success { .. }));
    assert_eq!(
        evm.call(deployed.address, &n)
            .expect("n")
            .output()
            .expect("out"),
        [0u8; 32]
    );
    let result = evm.call(deployed.address, &bump).expect("bump");
    // 21,000 + 4 calldata bytes (16 each), then a cold SSTORE from zero (22,100) and change.
    assert_eq!(result.gas.intrinsic, 21_000 + 4 * 16);
    assert!(result.gas.execution() > 22_100 && result.gas.execution() < 23_000);
    assert_eq!(result.gas.tx, result.gas.spent);
    assert_eq!(
        evm.call(deployed.address, &n)
            .expect("n")
            .output()
            .expect("out"),
        abi::u64_word(1)
    );
    assert!(
        evm.time_call(deployed.address, &n, 3)
            .expect("time")
            .as_nanos()
            > 0
    );
}

#[test]
fn harness_errors_name_the_problem() {
    let broken = solc::compile(&[("Broken.sol", "pragma solidity ^0.8.13; contract {")]);
    assert!(
        matches!(broken, Err(Error::Solc(ref m)) if m.contains("Broken.sol")),
        "{broken:?}"
    );
    let mut evm = Evm::new();
    // Initcode that reverts: PUSH0 PUSH0 REVERT.
    assert!(matches!(
        evm.deploy(&[0x5f, 0x5f, 0xfd]),
        Err(Error::Deploy(_))
    ));
    // A gas limit below the intrinsic gas is an invalid transaction, not an outcome.
    assert!(matches!(
        evm.call_with_gas_limit(evm.caller(), &[], 20_000),
        Err(Error::Evm(_))
    ));
    assert!(solc::version()
        .expect("version")
        .starts_with(solc::SOLC_VERSION));
}
