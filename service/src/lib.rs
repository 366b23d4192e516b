//! # zkagg-service: the aggregator service
//!
//! Hands batch proving jobs to volunteers (browser tabs, native provers), checks every
//! submission natively before accepting it, and keeps every state change in a durable store.
//! See `docs/design/service.md`.
//!
//! - [`sequencer`]: the rollup's account tree; cuts batches in order, one job each (the witness
//!   as a content-addressed artifact, the expected public inputs).
//! - [`jobs`]: the job state machine and the typed rejection reasons.
//! - [`store`]: SQLite (WAL, `synchronous = FULL`) by default, or PostgreSQL for replicas; the
//!   same embedded migrations; one transaction per state change, committed before the request
//!   is answered.
//! - [`submit`]: checking a submission (key, public inputs, pairing) and the idempotency key.
//! - [`api`]: the HTTP/JSON API under `/v1` (axum) with its OpenAPI document, artifacts with
//!   Range requests and the COOP/COEP headers of the threaded browser prover, `/metrics`,
//!   `/healthz`, admin routes behind a token.
//!
//! - [`rounds`]: accepted proofs of consecutive batches folded, compressed and settled, the
//!   round state machine and its runner (the folding engine comes from the aggregator process).
//! - [`chain`]: the rollup contract's deployment and settlements over JSON-RPC (alloy), each
//!   transaction signed and stored before it is broadcast.
//!
//! Replicas: on PostgreSQL several service processes share one database; each leases jobs and
//! checks submissions, and exactly one (the holder of an advisory lock) is the sequencer that
//! takes transfers, cuts batches and runs rounds ([`Role`]).
#![forbid(unsafe_code)]

pub mod api;
pub mod chain;
pub mod error;
pub mod jobs;
pub mod rounds;
pub mod sequencer;
pub mod store;
pub mod submit;

use std::path::PathBuf;
use std::sync::Arc;

use serde::Serialize;
use utoipa::ToSchema;
use zkagg_core::batch::BatchParams;
use zkagg_core::verifier::PreparedVerifier;
use zkagg_core::VerifyingKey;

pub use error::{Error, Result};
use jobs::{Rejection, RejectionCode};
use sequencer::{write_artifact, Sequencer};
use store::{JobView, Recorded, Store};
use submit::{check_submission, parse_submission, SubmitRequest};

/// `meta` key of the rollup contract's address.
const ROLLUP_ADDRESS: &str = "rollup_address";
/// `meta` key of the signed deployment (`{"hash", "raw"}`), stored before it is broadcast.
const ROLLUP_DEPLOYMENT: &str = "rollup_deployment";
/// `meta` keys of the batch key's verifier contract (gas comparisons only).
const BATCH_VERIFIER_ADDRESS: &str = "batch_verifier_address";
const BATCH_VERIFIER_DEPLOYMENT: &str = "batch_verifier_deployment";

/// Milliseconds since the Unix epoch.
pub fn now_ms() -> u64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_millis() as u64)
        .unwrap_or(0)
}

/// How the service runs.
#[derive(Clone, Debug)]
pub struct Config {
    /// Directory of the database (`service.db`) and the artifacts (`artifacts/`).
    pub data_dir: PathBuf,
    /// Lease duration; a heartbeat extends it by as much.
    pub lease_ms: u64,
    /// Expired leases of one job before it is given up.
    pub max_attempts: u64,
    /// Rejected submissions a volunteer may have within `rejection_window_ms` before it is
    /// refused new leases (0: no limit).
    pub max_rejections: u64,
    /// The window `max_rejections` counts over.
    pub rejection_window_ms: u64,
    /// Largest request body accepted (a submission is ~1 KB).
    pub max_body_bytes: usize,
    /// Token of the admin routes (`Authorization: Bearer ...`); `None` disables them.
    pub admin_token: Option<String>,
    /// Seed of the genesis state on first start (`None`: the OS RNG).
    pub genesis_seed: Option<u64>,
    /// `postgres://...` to run as one of several replicas on one PostgreSQL database (the
    /// artifacts directory under `data_dir` must then be shared between them); `None`: the
    /// embedded SQLite store `data_dir/service.db`.
    pub database_url: Option<String>,
    /// The web app's files (a directory with `www/`, `web-prover/pkg/`,
    /// `wasm-verifier/pkg/web/`, `node_modules/uplot/dist/`): served same-origin with the API
    /// ([`api::web_routes`]); `None`: no pages.
    pub web_root: Option<PathBuf>,
}

impl Config {
    /// Defaults for `data_dir`: 5-minute leases, 3 attempts, 3 rejections an hour per
    /// volunteer, 64 KiB bodies, no admin token.
    pub fn new(data_dir: PathBuf) -> Self {
        Self {
            data_dir,
            lease_ms: 5 * 60 * 1000,
            max_attempts: 3,
            max_rejections: 3,
            rejection_window_ms: 60 * 60 * 1000,
            max_body_bytes: 64 * 1024,
            admin_token: None,
            genesis_seed: None,
            database_url: None,
            web_root: None,
        }
    }
}

/// The batch circuit's keys the service hands out and checks against.
pub struct BatchKeys {
    /// The batch shape.
    pub params: BatchParams,
    /// The verifying key every submission must verify under.
    pub verifying_key: VerifyingKey,
    /// The proving key's bytes (served as an artifact to volunteers).
    pub proving_key: Vec<u8>,
}

/// A fresh lease: the job and where to get what proving it needs.
#[derive(Clone, Debug, Serialize, ToSchema)]
pub struct LeaseGrant {
    /// The job.
    pub job: JobView,
    /// The lease (send it with heartbeats, release and the submission).
    pub lease_id: String,
    /// The batch shape (transfers, tree depth).
    #[schema(value_type = Object)]
    pub params: BatchParams,
    /// `/artifacts/{sha256}` of the proving key.
    pub proving_key: String,
    /// `/artifacts/{sha256}` of the batch witness.
    pub witness: String,
    /// The key's `vk_hash` (hex).
    pub vk_hash: String,
}

/// The answer to a submission.
#[derive(Clone, Debug, Serialize, ToSchema)]
pub struct SubmitOutcome {
    /// `accepted` (anything else is an error response with a rejection).
    pub verdict: String,
    /// Whether this exact proof had been submitted before (then nothing changed).
    pub duplicate: bool,
    /// The job after the submission.
    pub job: JobView,
}

/// What a service process does besides leasing jobs and checking submissions.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Role {
    /// Holds the rollup state: takes transfers, cuts batches, runs rounds (one per database).
    Sequencer,
    /// Leases jobs and checks submissions only; sequencer requests are refused with
    /// `not_sequencer`.
    Replica,
}

/// The service.
pub struct Service {
    /// The store.
    pub store: Store,
    /// The configuration.
    pub config: Config,
    params: BatchParams,
    verifier: PreparedVerifier,
    vk_hash: String,
    verifying_key_json: String,
    proving_key_sha256: String,
    role: Role,
    round_size: std::sync::OnceLock<u64>,
    sequencer: tokio::sync::Mutex<Sequencer>,
}

impl Service {
    /// Opens the store (`config.database_url`, or SQLite in `config.data_dir`), takes the
    /// sequencer role if it is free, publishes the proving key as an artifact, rebuilds the
    /// sequencer's tree and decides every submission a crash left pending.
    pub async fn open(config: Config, keys: BatchKeys) -> Result<Arc<Self>> {
        std::fs::create_dir_all(&config.data_dir).map_err(|e| Error::io(&config.data_dir, e))?;
        let store = match &config.database_url {
            Some(url) => Store::connect(url).await?,
            None => Store::open(&config.data_dir.join("service.db")).await?,
        };
        let role = if store.claim_sequencer().await? {
            Role::Sequencer
        } else {
            Role::Replica
        };
        let artifacts = config.data_dir.join("artifacts");
        std::fs::create_dir_all(&artifacts).map_err(|e| Error::io(&artifacts, e))?;
        let proving_key_sha256 = write_artifact(&artifacts, &keys.proving_key)?;
        store
            .put_artifact(
                &proving_key_sha256,
                "proving_key",
                keys.proving_key.len() as u64,
                now_ms(),
            )
            .await?;
        let verifier = PreparedVerifier::new(&keys.verifying_key)
            .map_err(|e| Error::Config(format!("verifying key: {e}")))?;
        let vk_hash = zkagg_core::vk_hash::vk_hash_hex(&keys.verifying_key);
        let sequencer =
            Sequencer::open(&store, keys.params, artifacts, config.genesis_seed).await?;
        let service = Arc::new(Self {
            store,
            config,
            params: keys.params,
            verifier,
            vk_hash,
            verifying_key_json: zkagg_core::formats::snarkjs::verifying_key_to_string(
                &keys.verifying_key,
            ),
            proving_key_sha256,
            role,
            round_size: std::sync::OnceLock::new(),
            sequencer: tokio::sync::Mutex::new(sequencer),
        });
        service.recover().await?;
        Ok(service)
    }

    /// Decides the submissions stored as pending before a crash (their proofs were stored
    /// before the crash; nothing accepted is lost, nothing unchecked is accepted).
    async fn recover(&self) -> Result<()> {
        for (job_id, submission_id, proof, inputs) in self.store.pending_submissions().await? {
            let job = self.store.job(&job_id).await?;
            let verdict = match parse_submission(&SubmitRequest {
                lease_id: String::new(),
                proof: serde_json::from_str(&proof).unwrap_or(serde_json::Value::Null),
                public_inputs: serde_json::from_str(&inputs).unwrap_or(serde_json::Value::Null),
                vk_hash: None,
            }) {
                Ok(parsed) => check_submission(&self.verifier, &self.vk_hash, &job, &parsed),
                Err(r) => Err(r),
            };
            self.store
                .finish_submission(&job_id, &submission_id, &verdict, None, now_ms())
                .await?;
        }
        Ok(())
    }

    /// This process's role.
    pub fn role(&self) -> Role {
        self.role
    }

    /// Refuses a sequencer request on a replica.
    fn require_sequencer(&self, what: &str) -> Result<()> {
        match self.role {
            Role::Sequencer => Ok(()),
            Role::Replica => Err(Error::Rejected(Rejection::new(
                RejectionCode::NotSequencer,
                format!("this replica is not the sequencer; send {what} to the sequencer replica"),
            ))),
        }
    }

    /// The key's `vk_hash` (hex).
    pub fn vk_hash(&self) -> &str {
        &self.vk_hash
    }

    /// The batch verifying key as snarkjs `verification_key.json` (for dapps).
    pub fn verifying_key_json(&self) -> &str {
        &self.verifying_key_json
    }

    /// Batches per round, once a round runner runs on this service (`None`: rounds are off).
    pub fn round_size(&self) -> Option<u64> {
        self.round_size.get().copied()
    }

    /// Where the rounds' work directories (proofs, folding checkpoints) live.
    pub fn rounds_dir(&self) -> PathBuf {
        self.config.data_dir.join("rounds")
    }

    /// The state root before the first batch (decimal).
    pub async fn genesis_root(&self) -> String {
        self.sequencer.lock().await.genesis_root().to_string()
    }

    /// The rollup contract rounds settle on, once deployed or given.
    pub async fn rollup_address(&self) -> Result<Option<String>> {
        self.store.meta(ROLLUP_ADDRESS).await
    }

    /// The rollup contract: `given` (an existing deployment), the one this data directory
    /// already uses, or a new deployment of `initcode` (constructor arguments included). The
    /// deployment is signed and stored before it is broadcast, so a crash in between leads to
    /// the same transaction, never a second contract. Refuses a `given` address other than the
    /// stored one: a data directory settles on one contract.
    pub async fn ensure_rollup(
        &self,
        chain: &chain::Chain,
        given: Option<&str>,
        initcode: impl FnOnce() -> Result<Vec<u8>>,
    ) -> Result<String> {
        if let Some(given) = given {
            let address = chain::parse_address(given)?.to_checksum(None);
            let stored = self.store.meta_init(ROLLUP_ADDRESS, &address).await?;
            if stored != address {
                return Err(Error::Config(format!(
                    "this data directory settles on {stored}, not {address}"
                )));
            }
        }
        self.deploy_once(chain, ROLLUP_ADDRESS, ROLLUP_DEPLOYMENT, initcode)
            .await
    }

    /// The batch key's own Groth16 verifier contract on the settlement chain (deployed once per
    /// data directory, like the rollup): rounds measure on it what verifying their batch proofs
    /// one by one would cost, beside the aggregate's gas (`RoundView::batch_verify_gas`).
    pub async fn ensure_batch_verifier(
        &self,
        chain: &chain::Chain,
        initcode: impl FnOnce() -> Result<Vec<u8>>,
    ) -> Result<String> {
        self.deploy_once(
            chain,
            BATCH_VERIFIER_ADDRESS,
            BATCH_VERIFIER_DEPLOYMENT,
            initcode,
        )
        .await
    }

    /// The contract whose address is stored under `address_key`, or the deployment of
    /// `initcode`, signed and stored under `deployment_key` BEFORE it is broadcast (a crash in
    /// between leads to the same transaction, never a second contract).
    async fn deploy_once(
        &self,
        chain: &chain::Chain,
        address_key: &str,
        deployment_key: &str,
        initcode: impl FnOnce() -> Result<Vec<u8>>,
    ) -> Result<String> {
        if let Some(address) = self.store.meta(address_key).await? {
            if !chain.has_code(chain::parse_address(&address)?).await? {
                return Err(Error::Config(format!(
                    "no contract at {address} on chain {} (another chain, or a node restarted \
                     from scratch? use a fresh data directory)",
                    chain.chain_id()
                )));
            }
            return Ok(address);
        }
        let stored = match self.store.meta(deployment_key).await? {
            Some(stored) => stored,
            None => {
                let signed = chain.sign(None, &initcode()?).await?;
                let json = serde_json::json!({ "hash": signed.hash, "raw": signed.raw });
                self.store
                    .meta_init(deployment_key, &json.to_string())
                    .await?
            }
        };
        let stored: serde_json::Value = serde_json::from_str(&stored)
            .map_err(|e| Error::Store(format!("meta {deployment_key}: {e}")))?;
        let (Some(hash), Some(raw)) = (stored["hash"].as_str(), stored["raw"].as_str()) else {
            return Err(Error::Store(format!(
                "meta {deployment_key}: no hash or raw"
            )));
        };
        if chain.receipt(hash).await?.is_none() {
            chain.broadcast(raw).await?;
        }
        let receipt = chain
            .wait_receipt(hash, std::time::Duration::from_secs(60))
            .await?
            .ok_or_else(|| Error::Chain(format!("the deployment {hash} was not mined in 60 s")))?;
        let address = match (receipt.success, receipt.contract_address) {
            (true, Some(address)) => address,
            _ => {
                return Err(Error::Chain(format!(
                    "the deployment {hash} reverted ({} gas)",
                    receipt.gas_used
                )))
            }
        };
        self.store.meta_init(address_key, &address).await
    }

    /// Number of batches the sequencer has cut (on a replica: as stored).
    pub async fn batches(&self) -> Result<u64> {
        match self.role {
            Role::Sequencer => Ok(self.sequencer.lock().await.batches()),
            Role::Replica => self.store.batch_count().await,
        }
    }

    /// Cuts `count` random valid batches (the demo generator) and queues their jobs.
    pub async fn generate(&self, count: u64) -> Result<Vec<String>> {
        self.require_sequencer("the generator")?;
        self.sequencer
            .lock()
            .await
            .generate(&self.store, count)
            .await
    }

    /// Takes one rollup transfer (see [`Sequencer::submit_transfer`]).
    pub async fn submit_transfer(
        &self,
        transfer: zkagg_core::batch::Transfer,
    ) -> Result<(usize, Option<String>)> {
        self.require_sequencer("transfers")?;
        self.sequencer
            .lock()
            .await
            .submit_transfer(&self.store, transfer)
            .await
    }

    /// Transfers waiting for a batch (on a replica: as stored).
    pub async fn pending_transfers(&self) -> Result<u64> {
        match self.role {
            Role::Sequencer => Ok(self.sequencer.lock().await.pending() as u64),
            Role::Replica => self.store.pending_transfer_count().await,
        }
    }

    /// An account as the pending transfers leave it (the sequencer's state).
    pub async fn account(&self, index: u64) -> Result<zkagg_core::batch::Account> {
        self.require_sequencer("account queries")?;
        self.sequencer.lock().await.account(index)
    }

    /// The leasing rules of this configuration.
    pub fn lease_policy(&self) -> store::LeasePolicy {
        store::LeasePolicy {
            lease_ms: self.config.lease_ms,
            max_attempts: self.config.max_attempts,
            max_rejections: self.config.max_rejections,
            rejection_window_ms: self.config.rejection_window_ms,
        }
    }

    /// Leases the oldest waiting job to `volunteer`.
    pub async fn lease(&self, volunteer: &str) -> Result<Option<LeaseGrant>> {
        let lease_id = format!("{:032x}", rand::random::<u128>());
        let lease = self
            .store
            .lease(volunteer, &lease_id, now_ms(), &self.lease_policy())
            .await?;
        Ok(lease.map(|l| LeaseGrant {
            witness: format!("/artifacts/{}", l.job.witness_sha256),
            job: l.job,
            lease_id: l.lease_id,
            params: self.params,
            proving_key: format!("/artifacts/{}", self.proving_key_sha256),
            vk_hash: self.vk_hash.clone(),
        }))
    }

    /// Extends a lease (and records progress in `[0, 1]`).
    pub async fn heartbeat(
        &self,
        job_id: &str,
        lease_id: &str,
        progress: Option<f64>,
    ) -> Result<JobView> {
        if let Some(p) = progress {
            if !(0.0..=1.0).contains(&p) {
                return Err(Error::Rejected(Rejection::new(
                    RejectionCode::Malformed,
                    format!("progress: {p} is not in [0, 1]"),
                )));
            }
        }
        self.store
            .heartbeat(job_id, lease_id, progress, now_ms(), self.config.lease_ms)
            .await
    }

    /// Gives a lease back.
    pub async fn release(&self, job_id: &str, lease_id: &str) -> Result<JobView> {
        self.store.release(job_id, lease_id, now_ms()).await
    }

    /// Takes a submission: parses it (malformed: refused, nothing stored), stores it before
    /// checking it (a repeat returns the first verdict), checks it natively and stores the
    /// verdict. A rejected submission re-queues the job.
    pub async fn submit(&self, job_id: &str, request: &SubmitRequest) -> Result<SubmitOutcome> {
        let parsed = parse_submission(request).map_err(Error::Rejected)?;
        let recorded = self
            .store
            .record_submission(
                job_id,
                &request.lease_id,
                &parsed.id(job_id),
                &parsed.proof_json(),
                &parsed.inputs_json(),
                now_ms(),
            )
            .await?;
        match recorded {
            Recorded::Duplicate(Some(Ok(()))) => Ok(SubmitOutcome {
                verdict: "accepted".into(),
                duplicate: true,
                job: self.store.job(job_id).await?,
            }),
            Recorded::Duplicate(Some(Err(rejection))) => Err(Error::Rejected(rejection)),
            Recorded::Duplicate(None) => Err(Error::Rejected(Rejection::new(
                RejectionCode::WrongState,
                "this proof is being checked; ask again",
            ))),
            Recorded::Fresh(job) => {
                // The parse above is part of the check, but it is microseconds; the pairing is
                // what the latency shows.
                let started = std::time::Instant::now();
                let verdict = check_submission(&self.verifier, &self.vk_hash, &job, &parsed);
                let verify_ms = started.elapsed().as_secs_f64() * 1000.0;
                let job = self
                    .store
                    .finish_submission(
                        job_id,
                        &parsed.id(job_id),
                        &verdict,
                        Some(verify_ms),
                        now_ms(),
                    )
                    .await?;
                match verdict {
                    Ok(()) => Ok(SubmitOutcome {
                        verdict: "accepted".into(),
                        duplicate: false,
                        job,
                    }),
                    Err(rejection) => Err(Error::Rejected(rejection)),
                }
            }
        }
    }
}
