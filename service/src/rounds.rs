//! Rounds: the accepted proofs of consecutive batches, folded (`zkagg-folding`), compressed
//! into ONE Groth16 proof (`zkagg-decider`) and settled on the rollup contract.
//!
//! ```text
//!        close: full, or timeout        fold            compress           receipt, status 1
//!  open ------------------------> folding -----> compressing -----> submitting ---------------> settled
//!                                    |               |                  |  eth_call reverts, or
//!                                    +---------------+------------------+  receipt status 0
//!                                                    v
//!                                                 failed (reason kept; its proofs stay accepted;
//!                                                 once an operator resumes rounds, the next round
//!                                                 covers the same batches again)
//! ```
//!
//! Rounds follow the rollup: a round starts at the first batch no settled round covers, takes
//! the accepted proofs of the consecutive batches from there (at most `size`), and settles on
//! the root the previous round left. One round is active at a time. Every transition is one
//! store transaction; the heavy steps are resumable, so a crash at any point loses nothing:
//! folding resumes from the engine's checkpoint in the round's work directory, compression
//! starts again from the folded state, and a settlement is signed and stored BEFORE it is
//! broadcast, then looked up (or broadcast again, the same bytes) after a restart, so a round
//! never sends two settlements; the contract refuses a second settlement of the same range
//! anyway (its `old_root` no longer matches), and the store allows one settled round per range.

use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::{Duration, Instant};

use serde::Serialize;
use utoipa::ToSchema;
use zkagg_core::aggregate::encoding::proof_from_json;
use zkagg_core::formats::snarkjs;
use zkagg_solidity_verifier::abi::{settle_call, verify_proof_call};
use zkagg_solidity_verifier::aggregate::call_arguments;

use crate::chain::{parse_address, Chain};
use crate::sequencer::write_file_durably;
use crate::{now_ms, Error, Result, Service};

/// Where a round is.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum RoundState {
    /// Taking accepted proofs of consecutive batches.
    Open,
    /// Folding its proofs.
    Folding,
    /// Compressing the folded state into one Groth16 proof.
    Compressing,
    /// Settling the aggregate on the rollup contract.
    Submitting,
    /// Settled: the contract's root moved to the round's `new_root`.
    Settled,
    /// Given up (the reason is kept).
    Failed,
}

impl RoundState {
    /// The name stored in the database.
    pub fn as_str(self) -> &'static str {
        match self {
            RoundState::Open => "open",
            RoundState::Folding => "folding",
            RoundState::Compressing => "compressing",
            RoundState::Submitting => "submitting",
            RoundState::Settled => "settled",
            RoundState::Failed => "failed",
        }
    }

    /// Parses a stored name.
    pub fn parse(s: &str) -> Option<Self> {
        Some(match s {
            "open" => RoundState::Open,
            "folding" => RoundState::Folding,
            "compressing" => RoundState::Compressing,
            "submitting" => RoundState::Submitting,
            "settled" => RoundState::Settled,
            "failed" => RoundState::Failed,
            _ => return None,
        })
    }
}

/// A round as the API shows it.
#[derive(Clone, Debug, Serialize, ToSchema)]
pub struct RoundView {
    /// Its id (1, 2, ...).
    pub id: u64,
    /// Its state.
    pub state: RoundState,
    /// The first batch it covers.
    pub first_batch: u64,
    /// The last batch it covers (inclusive), once closed.
    pub last_batch: Option<u64>,
    /// When it opened (milliseconds since the Unix epoch).
    pub opened_at: u64,
    /// When it closed.
    pub closed_at: Option<u64>,
    /// Folding time (of the run that finished it).
    pub fold_ms: Option<u64>,
    /// Compression time.
    pub compress_ms: Option<u64>,
    /// The aggregate's `old_root` (decimal).
    pub old_root: Option<String>,
    /// The aggregate's `new_root` (decimal).
    pub new_root: Option<String>,
    /// Whether its aggregate proof is stored (`GET /v1/rounds/{id}/proof`).
    pub has_proof: bool,
    /// The settlement transaction.
    pub tx_hash: Option<String>,
    /// Gas the settlement used.
    pub gas_used: Option<u64>,
    /// The block it settled in.
    pub block_number: Option<u64>,
    /// Why it failed.
    pub reason: Option<String>,
    /// Gas used by ONE separate Groth16 verification of a batch proof, a `verifyProof`
    /// transaction to the batch key's verifier contract on the same chain (measured once per
    /// data directory after the first settlement, see `RoundRunner`): `count x` this is what
    /// the aggregate replaces.
    pub batch_verify_gas: Option<u64>,
}

/// `meta` key of the measured gas of one batch verification transaction.
const BATCH_VERIFY_GAS: &str = "batch_verify_gas";
/// `meta` key of that transaction (`{"hash", "raw"}`), stored before it is broadcast.
const BATCH_VERIFY_TX: &str = "batch_verify_tx";

/// Where [`RoundEngine::compress`] leaves the aggregate verifying key in a round's work
/// directory (served as `GET /v1/rounds/{id}/key`).
pub const AGGREGATE_KEY_FILE: &str = "fold/aggregate_vk.json";

/// Where [`RoundEngine::compress`] leaves batch `batch`'s inclusion proof (`{index, siblings}`)
/// in a round's work directory: named like the batch's proof directory under `work/proofs`.
pub fn inclusion_file(batch: u64) -> String {
    format!("fold/inclusion/{}.json", proof_dir_name(batch))
}

/// A batch's directory under `work/proofs` (the engine folds them in name order).
fn proof_dir_name(batch: u64) -> String {
    format!("b{batch:010}")
}

/// Folding and compressing, as the aggregator process provides them (blocking, CPU-heavy; run
/// on a blocking thread).
pub trait RoundEngine: Send + Sync {
    /// Folds the proofs under `work/proofs` (one directory per batch, `proof.json` +
    /// `public.json`, in name order). Resumable: called again on the same `work` after a crash,
    /// it continues from its checkpoint there.
    fn fold(&self, work: &Path) -> std::result::Result<(), String>;
    /// Compresses the folded state in `work` into one aggregate proof (its JSON), verified
    /// natively before it is returned; leaves the aggregate key at [`AGGREGATE_KEY_FILE`] and
    /// each batch's inclusion proof at [`inclusion_file`] in `work`.
    fn compress(&self, work: &Path) -> std::result::Result<String, String>;
}

/// How rounds run.
#[derive(Clone, Debug)]
pub struct RoundConfig {
    /// Batches per round at most; a round closes as soon as it has this many.
    pub size: u64,
    /// A round with fewer batches closes this long after it opened.
    pub timeout_ms: u64,
    /// How often the runner looks for work.
    pub poll_ms: u64,
    /// Failed rounds (since the last settled one) after which no new round opens until an
    /// operator resumes rounds (`POST /v1/admin/rounds/resume`): a failure is usually
    /// deterministic (a contract that moved on, a broken setup) and a retry costs a whole fold.
    pub max_failures: u64,
    /// How long to wait for a settlement's receipt before looking again on the next tick.
    pub receipt_timeout_ms: u64,
    /// Wait this long after broadcasting a settlement before looking for its receipt (a
    /// node's block time; the crash tests use it to stop the service mid-settlement).
    pub settle_delay_ms: u64,
}

impl Default for RoundConfig {
    /// Rounds of up to 8 batches, closed after 2 minutes; a failure stops rounds until an
    /// operator resumes them.
    fn default() -> Self {
        Self {
            size: 8,
            timeout_ms: 120_000,
            poll_ms: 500,
            max_failures: 1,
            receipt_timeout_ms: 60_000,
            settle_delay_ms: 0,
        }
    }
}

/// The rollup contract rounds settle on.
pub struct Settlement {
    /// The chain connection (with the paying key).
    pub chain: Chain,
    /// The `AggregateRollup` contract (`0x` hex).
    pub rollup: String,
    /// The batch key's own Groth16 verifier contract (`0x` hex), if deployed: each settled
    /// round measures on it what verifying one batch proof separately costs.
    pub batch_verifier: Option<String>,
}

/// Drives rounds through their states; one per service.
pub struct RoundRunner {
    service: Arc<Service>,
    engine: Arc<dyn RoundEngine>,
    settlement: Settlement,
    config: RoundConfig,
}

fn round_err(id: u64, e: impl std::fmt::Display) -> Error {
    Error::Round(format!("round {id}: {e}"))
}

impl RoundRunner {
    /// A runner over `service`'s store.
    pub fn new(
        service: Arc<Service>,
        engine: Arc<dyn RoundEngine>,
        settlement: Settlement,
        config: RoundConfig,
    ) -> Result<Self> {
        parse_address(&settlement.rollup)?;
        if config.size == 0 {
            return Err(Error::Config("a round needs at least one batch".into()));
        }
        if let Some(verifier) = &settlement.batch_verifier {
            parse_address(verifier)?;
        }
        // The first runner fixes the size the status shows (one runner per service).
        let _ = service.round_size.set(config.size);
        Ok(Self {
            service,
            engine,
            settlement,
            config,
        })
    }

    /// Runs forever (until the task is dropped). An error of one step is logged and the step is
    /// tried again on a later tick: nothing moves the round on until the step succeeds.
    pub async fn run(self) {
        loop {
            match self.tick().await {
                Ok(true) => continue,
                Ok(false) => {}
                Err(e) => eprintln!("zkagg serve: {e}"),
            }
            tokio::time::sleep(Duration::from_millis(self.config.poll_ms)).await;
        }
    }

    /// One step of the active round (or opening one). Returns whether a state changed.
    pub async fn tick(&self) -> Result<bool> {
        let store = &self.service.store;
        let Some(round) = store.active_round().await? else {
            if store.failures_since_settled().await? >= self.config.max_failures {
                return Ok(false);
            }
            let first = store.settled_end().await?;
            if store.accepted_run(first, 1).await?.is_empty() {
                return Ok(false);
            }
            store.open_round(first, now_ms()).await?;
            return Ok(true);
        };
        match round.state {
            RoundState::Open => self.maybe_close(&round).await,
            RoundState::Folding => self.fold(&round).await.map(|_| true),
            RoundState::Compressing => self.compress(&round).await.map(|_| true),
            RoundState::Submitting => self.submit(&round).await,
            RoundState::Settled | RoundState::Failed => Ok(false),
        }
    }

    fn work_dir(&self, id: u64) -> PathBuf {
        self.service.rounds_dir().join(format!("round-{id}"))
    }

    /// Closes the open round when it is full, or when it timed out with at least one batch.
    async fn maybe_close(&self, round: &RoundView) -> Result<bool> {
        let run = self
            .service
            .store
            .accepted_run(round.first_batch, self.config.size)
            .await?;
        let timed_out = now_ms().saturating_sub(round.opened_at) >= self.config.timeout_ms;
        if run.len() as u64 == self.config.size || (timed_out && !run.is_empty()) {
            let last = round.first_batch + run.len() as u64 - 1;
            self.service
                .store
                .close_round(round.id, last, now_ms())
                .await?;
            return Ok(true);
        }
        Ok(false)
    }

    fn last_batch(round: &RoundView) -> Result<u64> {
        round
            .last_batch
            .ok_or_else(|| round_err(round.id, "closed without a last batch"))
    }

    /// Writes the round's proofs (idempotent) and folds them.
    async fn fold(&self, round: &RoundView) -> Result<()> {
        let last = Self::last_batch(round)?;
        let count = last - round.first_batch + 1;
        let run = self
            .service
            .store
            .accepted_run(round.first_batch, count)
            .await?;
        if run.len() as u64 != count {
            return Err(round_err(
                round.id,
                format!(
                    "{} of its {count} batches have an accepted proof",
                    run.len()
                ),
            ));
        }
        let work = self.work_dir(round.id);
        for batch in &run {
            let dir = work.join("proofs").join(proof_dir_name(batch.batch_index));
            std::fs::create_dir_all(&dir).map_err(|e| Error::io(&dir, e))?;
            write_file_durably(&dir.join("proof.json"), batch.proof.as_bytes())?;
            write_file_durably(&dir.join("public.json"), batch.public_inputs.as_bytes())?;
        }
        let engine = self.engine.clone();
        let t = Instant::now();
        let folded = tokio::task::spawn_blocking(move || engine.fold(&work))
            .await
            .map_err(|e| round_err(round.id, format!("folding task: {e}")))?;
        let now = now_ms();
        match folded {
            Ok(()) => {
                let ms = t.elapsed().as_millis() as u64;
                self.service.store.round_folded(round.id, ms, now).await?;
            }
            Err(reason) => {
                let reason = format!("folding: {reason}");
                self.service
                    .store
                    .round_failed(round.id, &reason, now)
                    .await?;
            }
        }
        Ok(())
    }

    /// Compresses the folded state and checks the aggregate's statement against the batches.
    async fn compress(&self, round: &RoundView) -> Result<()> {
        let last = Self::last_batch(round)?;
        let engine = self.engine.clone();
        let work = self.work_dir(round.id);
        let t = Instant::now();
        let compressed = tokio::task::spawn_blocking(move || engine.compress(&work))
            .await
            .map_err(|e| round_err(round.id, format!("compression task: {e}")))?;
        let ms = t.elapsed().as_millis() as u64;
        let store = &self.service.store;
        let checked = match compressed {
            Ok(json) => self.check_statement(&json, round.first_batch, last).await?,
            Err(reason) => Err(format!("compression: {reason}")),
        };
        match checked {
            Ok((json, old_root, new_root)) => {
                store
                    .round_compressed(round.id, ms, &json, &old_root, &new_root, now_ms())
                    .await?;
            }
            Err(reason) => {
                store.round_failed(round.id, &reason, now_ms()).await?;
            }
        }
        Ok(())
    }

    /// The aggregate must state exactly the round's batches: their count, the first batch's
    /// `old_root` and the last one's `new_root` (what the contract moves its root between).
    async fn check_statement(
        &self,
        json: &str,
        first: u64,
        last: u64,
    ) -> Result<std::result::Result<(String, String, String), String>> {
        let proof = match proof_from_json(json) {
            Ok(p) => p,
            Err(e) => return Ok(Err(format!("the engine's aggregate proof: {e}"))),
        };
        let batches = self.service.store.batch_roots(first, last).await?;
        let (Some(first_row), Some(last_row)) = (batches.first(), batches.last()) else {
            return Err(Error::Store(format!(
                "batches {first}..={last} are missing"
            )));
        };
        let old_root = snarkjs::to_decimal(&proof.statement.old_root);
        let new_root = snarkjs::to_decimal(&proof.statement.new_root);
        if proof.statement.count != last - first + 1
            || old_root != first_row.0
            || new_root != last_row.1
        {
            return Ok(Err(
                "the aggregate's statement (count, old_root, new_root) is not the round's batches'"
                    .into(),
            ));
        }
        Ok(Ok((json.to_string(), old_root, new_root)))
    }

    /// Settles: simulate, sign and store, broadcast, then the receipt decides.
    async fn submit(&self, round: &RoundView) -> Result<bool> {
        let store = &self.service.store;
        let chain = &self.settlement.chain;
        let rollup = parse_address(&self.settlement.rollup)?;
        let (hash, raw) = match store.round_transaction(round.id).await? {
            Some(signed) => signed,
            None => {
                // A measurement transaction still unmined holds the account's next nonce:
                // make sure the node has it before a settlement is signed after it.
                if let Err(e) = self.measurement_gas(false).await {
                    eprintln!("zkagg serve: batch verification gas: {e}");
                }
                let json = store
                    .round_proof(round.id)
                    .await?
                    .ok_or_else(|| round_err(round.id, "submitting without a proof"))?;
                let proof = proof_from_json(&json).map_err(|e| round_err(round.id, e))?;
                let (words, statement) = call_arguments(&proof);
                let calldata = settle_call(&words, &statement);
                if let Err(reason) = chain.simulate(rollup, &calldata).await? {
                    let reason = format!("settle would revert: {reason}");
                    store.round_failed(round.id, &reason, now_ms()).await?;
                    return Ok(true);
                }
                let signed = chain.sign(Some(rollup), &calldata).await?;
                store
                    .round_signed(round.id, &signed.hash, &signed.raw, now_ms())
                    .await?;
                (signed.hash, signed.raw)
            }
        };
        if chain.receipt(&hash).await?.is_none() {
            chain.broadcast(&raw).await?;
            if self.config.settle_delay_ms > 0 {
                tokio::time::sleep(Duration::from_millis(self.config.settle_delay_ms)).await;
            }
        }
        let timeout = Duration::from_millis(self.config.receipt_timeout_ms);
        match chain.wait_receipt(&hash, timeout).await? {
            Some(receipt) if receipt.success => {
                store
                    .round_settled(round.id, receipt.gas_used, receipt.block_number, now_ms())
                    .await?;
                // A measurement only: its failure leaves the settled round as it is (an unmined
                // measurement is broadcast again before the next settlement is signed).
                if let Err(e) = self.measure_batch_verify_gas(round).await {
                    eprintln!(
                        "zkagg serve: round {}: batch verification gas: {e}",
                        round.id
                    );
                }
                Ok(true)
            }
            Some(receipt) => {
                let reason = format!(
                    "settlement {hash} reverted in block {} ({} gas)",
                    receipt.block_number, receipt.gas_used
                );
                store.round_failed(round.id, &reason, now_ms()).await?;
                Ok(true)
            }
            None => Ok(false),
        }
    }

    /// Records beside the round what verifying one batch proof alone costs on the settlement
    /// chain: the gas used by a real `verifyProof` transaction to the batch key's verifier
    /// contract with a batch proof of the round, sent once per data directory (its receipt's
    /// `gasUsed`, stored in `meta`) and reused by later rounds, since the cost does not depend
    /// on the proof. (`eth_estimateGas` would not do: it returns the smallest gas limit that
    /// succeeds, which the pairing call's fixed gas stipend inflates far above the gas used.)
    /// The transaction is signed and stored before it is broadcast, like every transaction of
    /// the service, and [`Self::measurement_gas`] rebroadcasts it before the next settlement is
    /// signed: it takes a nonce of the settlement account, so it must never stay unmined.
    async fn measure_batch_verify_gas(&self, round: &RoundView) -> Result<()> {
        let Some(verifier) = &self.settlement.batch_verifier else {
            return Ok(());
        };
        let store = &self.service.store;
        if store.meta(BATCH_VERIFY_TX).await?.is_none() {
            let Some(batch) = store.accepted_run(round.first_batch, 1).await?.pop() else {
                return Ok(());
            };
            let proof = snarkjs::parse_proof(&batch.proof)
                .map_err(|e| round_err(round.id, format!("stored proof: {e}")))?;
            let inputs = snarkjs::parse_public_inputs(&batch.public_inputs)
                .map_err(|e| round_err(round.id, format!("stored inputs: {e}")))?;
            let signed = self
                .settlement
                .chain
                .sign(
                    Some(parse_address(verifier)?),
                    &verify_proof_call(&proof, &inputs),
                )
                .await?;
            let json = serde_json::json!({ "hash": signed.hash, "raw": signed.raw });
            store.meta_init(BATCH_VERIFY_TX, &json.to_string()).await?;
        }
        if let Some(gas) = self.measurement_gas(true).await? {
            store.round_batch_verify_gas(round.id, gas).await?;
        }
        Ok(())
    }

    /// The measured gas of the stored `verifyProof` transaction (broadcast again if the node
    /// does not have it mined; with `wait`, its receipt awaited up to the receipt timeout).
    /// `None` while it is not mined, or when there is none.
    async fn measurement_gas(&self, wait: bool) -> Result<Option<u64>> {
        let store = &self.service.store;
        if let Some(gas) = store.meta(BATCH_VERIFY_GAS).await? {
            return gas
                .parse()
                .map(Some)
                .map_err(|_| Error::Store(format!("meta {BATCH_VERIFY_GAS}: {gas:?}")));
        }
        let Some(stored) = store.meta(BATCH_VERIFY_TX).await? else {
            return Ok(None);
        };
        let stored: serde_json::Value = serde_json::from_str(&stored)
            .map_err(|e| Error::Store(format!("meta {BATCH_VERIFY_TX}: {e}")))?;
        let (Some(hash), Some(raw)) = (stored["hash"].as_str(), stored["raw"].as_str()) else {
            return Err(Error::Store(format!(
                "meta {BATCH_VERIFY_TX}: no hash or raw"
            )));
        };
        let chain = &self.settlement.chain;
        if chain.receipt(hash).await?.is_none() {
            chain.broadcast(raw).await?;
        }
        let timeout = Duration::from_millis(if wait {
            self.config.receipt_timeout_ms
        } else {
            0
        });
        match chain.wait_receipt(hash, timeout).await? {
            // A reverted measurement used its nonce too (nothing stalls); its gas is no
            // verification's, so it is not recorded.
            Some(receipt) if !receipt.success => Err(Error::Chain(format!(
                "the verifyProof measurement {hash} reverted"
            ))),
            Some(receipt) => {
                let gas = store
                    .meta_init(BATCH_VERIFY_GAS, &receipt.gas_used.to_string())
                    .await?;
                Ok(gas.parse().ok())
            }
            None => Ok(None),
        }
    }
}
