//! `zkagg serve`: the aggregator service (jobs for volunteers, checked submissions, a durable
//! store); see `zkagg_service` and `docs/design/service.md`.

use std::net::SocketAddr;
use std::path::PathBuf;

use clap::Args;
use zkagg_service::{api, BatchKeys, Config, Service};

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
    /// Address to listen on (loopback by default).
    #[arg(long, default_value = "127.0.0.1:8080")]
    pub listen: SocketAddr,
    /// Lease duration in seconds (a heartbeat extends it by as much).
    #[arg(long, default_value_t = 300)]
    pub lease_secs: u64,
    /// Leases of one job before it is given up.
    #[arg(long, default_value_t = 3)]
    pub max_attempts: u64,
    /// Token of the admin routes (`Authorization: Bearer TOKEN`); also read from
    /// ZKAGG_ADMIN_TOKEN. Without one the admin routes refuse every request.
    #[arg(long, env = "ZKAGG_ADMIN_TOKEN", hide_env_values = true)]
    pub admin_token: Option<String>,
    /// Cut this many batches of random valid transfers at start (the demo generator).
    #[arg(long, default_value_t = 0)]
    pub generate: u64,
}

fn service_err(e: zkagg_service::Error) -> Error {
    Error::Service(e.to_string())
}

/// Run `zkagg serve` until Ctrl-C.
pub fn run(args: &ServeArgs, quiet: bool) -> Result<()> {
    let loaded = keys::load(&args.keys)?;
    let proving_key = keys::read(&args.keys.join(keys::PROVING_KEY_FILE))?;
    let mut config = Config::new(args.data.clone());
    config.lease_ms = args.lease_secs.saturating_mul(1000);
    config.max_attempts = args.max_attempts;
    config.admin_token = args.admin_token.clone();
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
        if args.generate > 0 {
            service.generate(args.generate).await.map_err(service_err)?;
        }
        let listener = tokio::net::TcpListener::bind(args.listen)
            .await
            .map_err(|e| Error::Service(format!("listen on {}: {e}", args.listen)))?;
        if !quiet {
            eprintln!(
                "zkagg serve: http://{} ({} batches, key {}, data in {})",
                listener.local_addr().unwrap_or(args.listen),
                service.batches().await,
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
