//! `zkagg serve`: the aggregator service (jobs for volunteers, checked submissions, a durable
//! store); see `zkagg_service` and `docs/design/service.md`.

use std::net::SocketAddr;
use std::path::PathBuf;
use std::str::FromStr;
use std::sync::Arc;

use clap::Args;
use zkagg_service::chain::Chain;
use zkagg_service::rounds::{RoundConfig, RoundRunner, Settlement};
use zkagg_service::{api, BatchKeys, Config, Role, Service};

use crate::rounds::{batch_verifier_initcode, rollup_initcode, DeciderEngine};
use crate::{keys, Error, Result};

/// Arguments of `zkagg serve`.
#[derive(Args, Debug)]
pub struct ServeArgs {
    /// Key directory written by `zkagg setup` (the batch key jobs are proven and checked with).
    #[arg(long, default_value = "keys")]
    pub keys: PathBuf,
    /// Data directory: the SQLite store (service.db) and the content-addressed artifacts.
    #[arg(long, default_value = "service-data")]
    pub data: PathBuf,
    /// Run as one of several replicas on this PostgreSQL database (`postgres://...`; also read
    /// from ZKAGG_DATABASE_URL) instead of the embedded SQLite store. The first replica to
    /// start is the sequencer (transfers, batches, rounds); the others lease jobs and check
    /// submissions. Replicas must share the artifacts directory (`--data`).
    #[arg(long, env = "ZKAGG_DATABASE_URL", hide_env_values = true)]
    pub database_url: Option<String>,
    /// Address to listen on (loopback by default).
    #[arg(long, default_value = "127.0.0.1:8080")]
    pub listen: SocketAddr,
    /// Lease duration in seconds (a heartbeat extends it by as much).
    #[arg(long, default_value_t = 300)]
    pub lease_secs: u64,
    /// Expired leases of one job before it is given up.
    #[arg(long, default_value_t = 3)]
    pub max_attempts: u64,
    /// Rejected submissions a volunteer may have within an hour before it is refused new
    /// leases (0: no limit).
    #[arg(long, default_value_t = 3)]
    pub max_rejections: u64,
    /// Token of the admin routes (`Authorization: Bearer TOKEN`); also read from
    /// ZKAGG_ADMIN_TOKEN. Without one the admin routes refuse every request.
    #[arg(long, env = "ZKAGG_ADMIN_TOKEN", hide_env_values = true)]
    pub admin_token: Option<String>,
    /// Serve the web app (volunteer, dapp and operator pages) from this directory: the
    /// repository root after `scripts/build-wasm.sh` and `scripts/build-web-prover.sh` (it needs
    /// `www/`, `web-prover/pkg/`, `wasm-verifier/pkg/web/` and `node_modules/uplot/dist/`).
    #[arg(long)]
    pub web_root: Option<PathBuf>,
    /// Cut this many batches of random valid transfers at start (the demo generator).
    #[arg(long, default_value_t = 0)]
    pub generate: u64,
    /// Seed of the rollup's genesis accounts on the first start (default: random).
    #[arg(long)]
    pub genesis_seed: Option<u64>,
    /// The decider's setup directory: with --chain-rpc, accepted proofs are aggregated in
    /// rounds (folded, compressed into one Groth16 proof) and settled on the rollup contract.
    #[arg(long, requires = "chain_rpc")]
    pub decider: Option<PathBuf>,
    /// If the decider setup is missing, make an INSECURE local one (tests and demos only).
    #[arg(long, requires = "decider")]
    pub insecure_setup: bool,
    /// JSON-RPC URL of the Ethereum node rounds settle on (e.g. a local Hardhat node).
    #[arg(long, requires = "decider")]
    pub chain_rpc: Option<String>,
    /// Hex secp256k1 key that deploys the rollup contract and pays for settlements; also read
    /// from ZKAGG_CHAIN_KEY.
    #[arg(long, env = "ZKAGG_CHAIN_KEY", hide_env_values = true)]
    pub chain_key: Option<String>,
    /// An already deployed rollup contract (default: the one this data directory deployed, or
    /// a new deployment for the decider's aggregate key and the genesis root).
    #[arg(long, requires = "chain_rpc")]
    pub rollup: Option<String>,
    /// Batches per round at most (a round closes as soon as it has this many).
    #[arg(long, default_value_t = 8)]
    pub round_size: u64,
    /// A round with fewer batches closes this many seconds after it opened.
    #[arg(long, default_value_t = 120)]
    pub round_timeout_secs: u64,
    /// Wait this long after broadcasting a settlement before looking for its receipt (a node's
    /// block time; the crash tests use it to stop the service mid-settlement).
    #[arg(long, default_value_t = 0, hide = true)]
    pub settle_delay_ms: u64,
}

fn service_err(e: zkagg_service::Error) -> Error {
    Error::Service(e.to_string())
}

/// Connects to the chain, deploys the rollup contract if this data directory has none, and
/// makes the round runner.
async fn round_runner(
    args: &ServeArgs,
    service: &Arc<Service>,
    decider: &std::path::Path,
    rpc: &str,
    quiet: bool,
) -> Result<RoundRunner> {
    let key = args
        .chain_key
        .as_deref()
        .ok_or_else(|| Error::InvalidOption {
            option: "--chain-key",
            problem: "settling on a chain needs a key (or ZKAGG_CHAIN_KEY)".into(),
        })?;
    let chain = Chain::connect(rpc, key).await.map_err(service_err)?;
    let engine = DeciderEngine {
        keys: args.keys.clone(),
        decider: decider.to_path_buf(),
        insecure_setup: args.insecure_setup,
        progress: !quiet,
    };
    let genesis = service.genesis_root().await;
    let rollup = service
        .ensure_rollup(&chain, args.rollup.as_deref(), || {
            let root = ark_bn254::Fr::from_str(&genesis)
                .map_err(|_| zkagg_service::Error::Config(format!("genesis root {genesis:?}")))?;
            engine
                .aggregate_key()
                .and_then(|vk| rollup_initcode(&vk, &root))
                .map_err(|e| zkagg_service::Error::Config(format!("rollup contract: {e}")))
        })
        .await
        .map_err(service_err)?;
    let batch_vk = keys::load(&args.keys)?.verifying_key;
    let batch_verifier = service
        .ensure_batch_verifier(&chain, || {
            batch_verifier_initcode(&batch_vk)
                .map_err(|e| zkagg_service::Error::Config(format!("batch verifier: {e}")))
        })
        .await
        .map_err(service_err)?;
    if !quiet {
        eprintln!(
            "zkagg serve: rounds of up to {} batches settle on {rollup} (chain {}, account {})",
            args.round_size,
            chain.chain_id(),
            chain.account()
        );
    }
    let config = RoundConfig {
        size: args.round_size,
        timeout_ms: args.round_timeout_secs.saturating_mul(1000),
        settle_delay_ms: args.settle_delay_ms,
        ..RoundConfig::default()
    };
    RoundRunner::new(
        service.clone(),
        Arc::new(engine),
        Settlement {
            chain,
            rollup,
            batch_verifier: Some(batch_verifier),
        },
        config,
    )
    .map_err(service_err)
}

/// Run `zkagg serve` until Ctrl-C.
pub fn run(args: &ServeArgs, quiet: bool) -> Result<()> {
    let loaded = keys::load(&args.keys)?;
    let proving_key = keys::read(&args.keys.join(keys::PROVING_KEY_FILE))?;
    let mut config = Config::new(args.data.clone());
    config.lease_ms = args.lease_secs.saturating_mul(1000);
    config.max_attempts = args.max_attempts;
    config.max_rejections = args.max_rejections;
    config.admin_token = args.admin_token.clone();
    config.genesis_seed = args.genesis_seed;
    config.database_url = args.database_url.clone();
    if let Some(root) = &args.web_root {
        if !root.join("www").is_dir() {
            return Err(Error::InvalidOption {
                option: "--web-root",
                problem: format!("{} has no www/ directory", root.display()),
            });
        }
    }
    config.web_root = args.web_root.clone();
    let runtime = tokio::runtime::Runtime::new()
        .map_err(|e| Error::Service(format!("tokio runtime: {e}")))?;
    runtime.block_on(async {
        let service = Service::open(
            config,
            BatchKeys {
                params: loaded.params,
                verifying_key: loaded.verifying_key,
                proving_key,
            },
        )
        .await
        .map_err(service_err)?;
        let sequencer = service.role() == Role::Sequencer;
        if args.generate > 0 {
            service.generate(args.generate).await.map_err(service_err)?;
        }
        match (&args.decider, &args.chain_rpc) {
            (Some(decider), Some(rpc)) if sequencer => {
                let runner = round_runner(args, &service, decider, rpc, quiet).await?;
                tokio::spawn(runner.run());
            }
            (Some(_), Some(_)) if !quiet => {
                eprintln!("zkagg serve: rounds run on the sequencer replica, not on this one")
            }
            _ => {}
        }
        let listener = tokio::net::TcpListener::bind(args.listen)
            .await
            .map_err(|e| Error::Service(format!("listen on {}: {e}", args.listen)))?;
        if !quiet {
            eprintln!(
                "zkagg serve: http://{} ({}, {} batches, key {}, data in {})",
                listener.local_addr().unwrap_or(args.listen),
                if sequencer { "sequencer" } else { "replica" },
                service.batches().await.map_err(service_err)?,
                service.vk_hash(),
                args.data.display()
            );
        }
        api::serve(service, listener, async {
            let _ = tokio::signal::ctrl_c().await;
        })
        .await
        .map_err(|e| Error::Service(format!("server: {e}")))
    })
}
