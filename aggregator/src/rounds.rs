//! The service's rounds, as this process runs them: [`DeciderEngine`] folds a round's proofs
//! with [`crate::aggregate::run`] (checkpointed, so a round resumes after a crash) and
//! compresses them with the decider; [`rollup_initcode`] builds the rollup contract the rounds
//! settle on, for the decider's aggregate key, and [`batch_verifier_initcode`] the batch key's
//! own verifier (the gas a round's batches would cost verified one by one).

use std::path::{Path, PathBuf};

use zkagg_circuit_verifier::steps::driver::Aggregator;
use zkagg_circuit_verifier::steps::{AggregationStep, StepConfig, StepWitness};
use zkagg_core::aggregate::AggregateVerifyingKey;
use zkagg_core::formats::calldata::field_to_word;
use zkagg_decider::aggregation::AggregationStatement;
use zkagg_decider::compress::{aggregate_verifying_key, load_or_setup};
use zkagg_folding::frontends::aggregation::AggregationFold;
use zkagg_service::rounds::RoundEngine;
use zkagg_solidity_verifier::aggregate::{
    generate_aggregate_rollup, AggregateOptions, AggregateVerifierParams,
    DEFAULT_ROLLUP_CONTRACT_NAME,
};
use zkagg_solidity_verifier::harness::solc;

use crate::aggregate::{self, AGGREGATE_PROOF_FILE};
use crate::{keys, Error, Result};

/// Folding and compression of rounds with the batch key in `keys` and the decider setup in
/// `decider`.
pub struct DeciderEngine {
    /// The batch key directory (`zkagg setup`).
    pub keys: PathBuf,
    /// The decider's setup directory.
    pub decider: PathBuf,
    /// Make an INSECURE decider setup there if it is missing (tests and demos only).
    pub insecure_setup: bool,
    /// Print the aggregation's progress.
    pub progress: bool,
}

impl DeciderEngine {
    fn options(&self, work: &Path, compress: bool) -> aggregate::AggregateOptions {
        aggregate::AggregateOptions {
            keys: self.keys.clone(),
            proofs: work.join("proofs"),
            work: work.join("fold"),
            ptau: work.join("ptau"),
            decider: Some(self.decider.clone()),
            compress,
            insecure_setup: self.insecure_setup,
            rollup: true,
            progress: self.progress,
        }
    }

    /// The aggregate verifying key of this batch key's folds (makes the decider setup first if
    /// it is missing and `insecure_setup` allows it).
    pub fn aggregate_key(&self) -> Result<AggregateVerifyingKey> {
        let vk = keys::load(&self.keys)?.verifying_key;
        let agg = Aggregator::new(&vk, StepConfig::DEFAULT)?;
        let template = AggregationStep {
            key: agg.key.clone(),
            witness: StepWitness::default(),
        };
        let statement = AggregationStatement(&agg);
        let seed = self.insecure_setup.then(rand::random::<u64>);
        let (pp, setup, _) =
            load_or_setup(&AggregationFold(&template), &statement, &self.decider, seed)?;
        Ok(aggregate_verifying_key(
            &pp,
            &setup,
            &agg.initial_state()?,
            &statement,
        )?)
    }
}

impl RoundEngine for DeciderEngine {
    fn fold(&self, work: &Path) -> std::result::Result<(), String> {
        aggregate::run(&self.options(work, false))
            .map(|_| ())
            .map_err(|e| e.to_string())
    }

    fn compress(&self, work: &Path) -> std::result::Result<String, String> {
        let summary = aggregate::run(&self.options(work, true)).map_err(|e| e.to_string())?;
        let path = summary
            .aggregate_proof
            .unwrap_or_else(|| work.join("fold").join(AGGREGATE_PROOF_FILE));
        std::fs::read_to_string(&path).map_err(|e| format!("{}: {e}", path.display()))
    }
}

/// The creation code of the batch key's Groth16 verifier contract (the one `zkagg
/// export-solidity` writes), compiled with the npm `solc`.
pub fn batch_verifier_initcode(vk: &zkagg_core::VerifyingKey) -> Result<Vec<u8>> {
    let options = zkagg_solidity_verifier::generator::Options::default();
    let source =
        zkagg_solidity_verifier::generator::generate(vk, &options).map_err(Error::Solidity)?;
    let file = "Groth16Verifier.sol";
    let output = solc::compile(&[(file, &source)]).map_err(Error::Solidity)?;
    Ok(output
        .contract(file, &options.contract_name)
        .map_err(Error::Solidity)?
        .bytecode
        .clone())
}

/// The creation code of the rollup contract for `vk` (its aggregate verifier and `settle`),
/// compiled with the npm `solc`, with the constructor's genesis root appended.
pub fn rollup_initcode(
    vk: &AggregateVerifyingKey,
    genesis_root: &ark_bn254::Fr,
) -> Result<Vec<u8>> {
    let params = AggregateVerifierParams::try_from(vk).map_err(Error::Solidity)?;
    let options = AggregateOptions::default();
    let source = generate_aggregate_rollup(&params, &options).map_err(Error::Solidity)?;
    let file = "AggregateRollup.sol";
    let output = solc::compile(&[(file, &source)]).map_err(Error::Solidity)?;
    let mut initcode = output
        .contract(file, DEFAULT_ROLLUP_CONTRACT_NAME)
        .map_err(Error::Solidity)?
        .bytecode
        .clone();
    initcode.extend_from_slice(&field_to_word(genesis_root));
    Ok(initcode)
}

#[cfg(test)]
mod tests {
    use crate::aggregate::{AGGREGATE_VK_FILE, INCLUSION_DIR};

    /// The service serves the key and the inclusion proofs from where this engine's
    /// compression writes them (`work/fold`, proofs named by their directory under
    /// `work/proofs`).
    #[test]
    fn the_service_finds_the_files_compression_writes() {
        assert_eq!(
            zkagg_service::rounds::AGGREGATE_KEY_FILE,
            format!("fold/{AGGREGATE_VK_FILE}")
        );
        assert_eq!(
            zkagg_service::rounds::inclusion_file(3),
            format!("fold/{INCLUSION_DIR}/b0000000003.json")
        );
    }
}
