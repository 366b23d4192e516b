//! Settles an aggregate on the exported rollup contract in revm: compiles the Solidity file
//! written by `zkagg export-solidity --vk aggregate_vk.json` with the npm `solc`, deploys
//! `AggregateRollup` with the aggregate's first `old_root` as its genesis root, calls `settle`
//! with the aggregate proof, and prints the gas and the root before and after. A replay of the
//! same call must revert. Used by the README's main job (`scripts/demo.sh`).
//!
//! ```sh
//! cargo run --release -p zkagg-solidity-verifier --example settle_aggregate -- \
//!     AggregateRollup.sol aggregate_proof.json
//! ```
//! Exits 0 when the root moved to the aggregate's `new_root` and the replay reverted, 1 if the
//! contract refused the aggregate, 2 on unusable input.

use std::process::ExitCode;

use zkagg_core::aggregate::encoding::load_proof;
use zkagg_core::formats::calldata::{field_to_word, word_to_hex};
use zkagg_solidity_verifier::abi::{encode_call, settle_call};
use zkagg_solidity_verifier::aggregate::{call_arguments, DEFAULT_ROLLUP_CONTRACT_NAME};
use zkagg_solidity_verifier::harness::evm::Evm;
use zkagg_solidity_verifier::harness::solc;

fn run(sol: &str, proof_path: &str) -> Result<bool, String> {
    let source = std::fs::read_to_string(sol).map_err(|e| format!("{sol}: {e}"))?;
    let bytes = std::fs::read(proof_path).map_err(|e| format!("{proof_path}: {e}"))?;
    let proof = load_proof(&bytes).map_err(|e| format!("{proof_path}: {e}"))?;
    let file = std::path::Path::new(sol)
        .file_name()
        .and_then(|n| n.to_str())
        .unwrap_or("AggregateRollup.sol")
        .to_string();
    let output = solc::compile(&[(&file, &source)]).map_err(|e| format!("solc: {e}"))?;
    let rollup = output
        .contract(&file, DEFAULT_ROLLUP_CONTRACT_NAME)
        .map_err(|e| format!("{sol}: {e}"))?;
    let mut evm = Evm::new();
    let mut initcode = rollup.bytecode.clone();
    initcode.extend_from_slice(&field_to_word(&proof.statement.old_root));
    let deployed = evm.deploy(&initcode).map_err(|e| format!("deploy: {e}"))?;
    let root_call = encode_call(rollup.selector("root()").map_err(|e| e.to_string())?, &[]);
    let root = |evm: &mut Evm| -> Result<String, String> {
        let r = evm
            .call(deployed.address, &root_call)
            .map_err(|e| e.to_string())?;
        let out = r.output().map_err(|e| e.to_string())?;
        let word: [u8; 32] = out
            .try_into()
            .map_err(|_| "root(): not one word".to_string())?;
        Ok(word_to_hex(&word))
    };
    println!(
        "deployed {DEFAULT_ROLLUP_CONTRACT_NAME} ({} bytes of code, {} gas), root {}",
        deployed.code_size,
        deployed.gas.tx,
        root(&mut evm)?
    );
    let (p, statement) = call_arguments(&proof);
    let call = settle_call(&p, &statement);
    let t = std::time::Instant::now();
    let settled = evm
        .call(deployed.address, &call)
        .map_err(|e| e.to_string())?;
    let elapsed = t.elapsed();
    if let Err(e) = settled.output() {
        println!("refused: settle reverted ({e})");
        return Ok(false);
    }
    println!(
        "settle({} batches): accepted, {} gas for the transaction ({} bytes of calldata, {:.1} ms \
         in revm); root {}",
        proof.statement.count,
        settled.gas.tx,
        call.len(),
        elapsed.as_secs_f64() * 1e3,
        root(&mut evm)?
    );
    if root(&mut evm)? != word_to_hex(&field_to_word(&proof.statement.new_root)) {
        println!("refused: the root did not move to the aggregate's new_root");
        return Ok(false);
    }
    let replay = evm
        .call(deployed.address, &call)
        .map_err(|e| e.to_string())?;
    if replay.output().is_ok() {
        println!("refused: a replay of the same settle was accepted");
        return Ok(false);
    }
    println!("a replay of the same call reverts");
    Ok(true)
}

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let [sol, proof] = &args[..] else {
        eprintln!("usage: settle_aggregate ROLLUP.sol aggregate_proof.json");
        return ExitCode::from(2);
    };
    match run(sol, proof) {
        Ok(true) => ExitCode::SUCCESS,
        Ok(false) => ExitCode::from(1),
        Err(e) => {
            eprintln!("error: {e}");
            ExitCode::from(2)
        }
    }
}
