//! `zkagg volunteer`: a native prover in the market. Leases a job from a `zkagg serve` service,
//! fetches the proving key (once, cached by its SHA-256) and the batch witness, proves it while
//! sending heartbeats, submits, and goes on to the next job. Proofs come from the batch prover
//! of `zkagg-web-prover` (the circuit's matrices built once per key, then witness-only
//! synthesis): about 1.5x faster than arkworks' prover on the default batch (1.47-1.65x in four
//! runs, docs/BENCHMARKS.md).
//!
//! Nothing the service sends is trusted blindly: every artifact must hash to its name, and the
//! proving key's verifying key must have the `vk_hash` the lease announces, so a proof is only
//! ever made for the key the service will check it against.

use std::collections::HashMap;
use std::io::{Read, Write};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use ark_serialize::{CanonicalDeserialize, Compress, Validate};
use clap::Args;
use serde_json::{json, Value};
use sha2::Digest;
use zkagg_core::batch::{BatchParams, BatchWitness};
use zkagg_core::formats::snarkjs;
use zkagg_core::ProvingKey;
use zkagg_web_prover::batch::{prove_batch_blocking, BatchProof, BatchShape};
use zkagg_web_prover::MsmEngine;

use super::Progress;
use crate::{Error, Result};

/// Arguments of `zkagg volunteer`.
#[derive(Args, Debug)]
pub struct VolunteerArgs {
    /// The service's base URL, e.g. http://127.0.0.1:8080.
    #[arg(long)]
    pub url: String,
    /// The name this volunteer gives the service.
    #[arg(long, default_value = "native-volunteer")]
    pub name: String,
    /// Where downloaded proving keys are kept (by SHA-256).
    #[arg(long, default_value = "volunteer-cache")]
    pub cache: PathBuf,
    /// Stop after this many accepted proofs.
    #[arg(long)]
    pub jobs: Option<u64>,
    /// Stop when the service has no job waiting (instead of asking again every few seconds).
    #[arg(long)]
    pub exit_when_idle: bool,
}

fn err(m: impl std::fmt::Display) -> Error {
    Error::Service(m.to_string())
}

struct Client {
    agent: ureq::Agent,
    base: String,
}

impl Client {
    fn post(&self, path: &str, body: &Value) -> Result<(u16, Value)> {
        let mut res = self
            .agent
            .post(format!("{}{path}", self.base))
            .send_json(body)
            .map_err(|e| err(format!("POST {path}: {e}")))?;
        let status = res.status().as_u16();
        let value = if status == 204 {
            Value::Null
        } else {
            res.body_mut()
                .read_json()
                .map_err(|e| err(format!("POST {path}: the answer is not JSON: {e}")))?
        };
        Ok((status, value))
    }

    /// Downloads an artifact (streamed to `dest` when given), checking that it hashes to its
    /// name.
    fn artifact(&self, path: &str, dest: Option<&Path>) -> Result<Vec<u8>> {
        let want = path
            .strip_prefix("/artifacts/")
            .filter(|h| h.len() == 64 && h.bytes().all(|b| b.is_ascii_hexdigit()))
            .ok_or_else(|| err(format!("{path:?} does not name an artifact")))?;
        let mut res = self
            .agent
            .get(format!("{}{path}", self.base))
            .call()
            .map_err(|e| err(format!("GET {path}: {e}")))?;
        if res.status().as_u16() != 200 {
            return Err(err(format!("GET {path}: status {}", res.status())));
        }
        let mut reader = res.body_mut().as_reader();
        let mut hasher = sha2::Sha256::new();
        let mut bytes = Vec::new();
        let mut file = match dest {
            Some(d) => Some(std::fs::File::create(d).map_err(|e| Error::io(d, e))?),
            None => None,
        };
        let mut buf = vec![0u8; 1 << 20];
        loop {
            let n = reader
                .read(&mut buf)
                .map_err(|e| err(format!("GET {path}: {e}")))?;
            if n == 0 {
                break;
            }
            hasher.update(&buf[..n]);
            match (&mut file, dest) {
                (Some(f), Some(d)) => f.write_all(&buf[..n]).map_err(|e| Error::io(d, e))?,
                _ => bytes.extend_from_slice(&buf[..n]),
            }
        }
        let got: String = hasher
            .finalize()
            .iter()
            .map(|b| format!("{b:02x}"))
            .collect();
        if got != want {
            return Err(err(format!("GET {path}: the content hashes to {got}")));
        }
        Ok(bytes)
    }
}

/// The proving key of `path`, from the cache or downloaded into it.
fn proving_key(client: &Client, cache: &Path, path: &str) -> Result<ProvingKey> {
    std::fs::create_dir_all(cache).map_err(|e| Error::io(cache, e))?;
    let sha = path.trim_start_matches("/artifacts/");
    let file = cache.join(sha);
    if !file.exists() {
        let tmp = cache.join(format!("{sha}.part"));
        client.artifact(path, Some(&tmp))?;
        std::fs::rename(&tmp, &file).map_err(|e| Error::io(&file, e))?;
    }
    let bytes = std::fs::read(&file).map_err(|e| Error::io(&file, e))?;
    ProvingKey::deserialize_with_mode(&bytes[..], Compress::No, Validate::No)
        .map_err(|e| err(format!("{}: not a proving key: {e}", file.display())))
}

/// Sends heartbeats every `period` until `done` is set.
fn heartbeats(
    agent: ureq::Agent,
    url: String,
    lease_id: String,
    period: Duration,
    done: Arc<AtomicBool>,
) -> std::thread::JoinHandle<()> {
    std::thread::spawn(move || {
        let mut last = Instant::now();
        while !done.load(Ordering::Relaxed) {
            std::thread::sleep(Duration::from_millis(100));
            if last.elapsed() >= period {
                let _ = agent.post(&url).send_json(json!({ "lease_id": lease_id }));
                last = Instant::now();
            }
        }
    })
}

/// Run `zkagg volunteer`.
pub fn run(args: &VolunteerArgs, progress: &Progress) -> Result<()> {
    let agent: ureq::Agent = ureq::Agent::config_builder()
        .http_status_as_error(false)
        .timeout_global(Some(Duration::from_secs(600)))
        .build()
        .into();
    let client = Client {
        agent: agent.clone(),
        base: args.url.trim_end_matches('/').to_string(),
    };
    // Each proving key with its circuit's matrices (built once per key: 0.5 s natively for the
    // default batch), so every job after the first proves at once.
    let mut keys: HashMap<String, (ProvingKey, BatchShape)> = HashMap::new();
    let engine = MsmEngine::cpu_only();
    let mut accepted = 0u64;
    loop {
        if args.jobs.is_some_and(|n| accepted >= n) {
            break;
        }
        let (status, grant) = client.post("/v1/leases", &json!({ "volunteer": args.name }))?;
        match status {
            204 if args.exit_when_idle => break,
            204 => {
                std::thread::sleep(Duration::from_secs(3));
                continue;
            }
            200 => {}
            _ => return Err(err(format!("lease refused ({status}): {grant}"))),
        }
        let job = grant["job"]["id"].as_str().unwrap_or_default().to_string();
        let lease_id = grant["lease_id"].as_str().unwrap_or_default().to_string();
        let params: BatchParams = serde_json::from_value(grant["params"].clone())
            .map_err(|e| err(format!("lease: params: {e}")))?;
        let pk_path = grant["proving_key"]
            .as_str()
            .unwrap_or_default()
            .to_string();
        if !keys.contains_key(&pk_path) {
            let pk = progress.step(&format!("proving key {pk_path}"), || {
                proving_key(&client, &args.cache, &pk_path)
            })?;
            let shape = BatchShape::build(&params)
                .map_err(|e| err(format!("the batch circuit for {pk_path}: {e}")))?;
            keys.insert(pk_path.clone(), (pk, shape));
        }
        let (pk, shape) = &keys[&pk_path];
        let vk_hash = zkagg_core::vk_hash::vk_hash_hex(&pk.vk);
        if grant["vk_hash"].as_str() != Some(vk_hash.as_str()) {
            return Err(err(format!(
                "the proving key's vk_hash {vk_hash} is not the lease's {}",
                grant["vk_hash"]
            )));
        }
        let witness_bytes = client.artifact(grant["witness"].as_str().unwrap_or_default(), None)?;
        let witness = BatchWitness::deserialize_compressed(&witness_bytes[..])
            .map_err(|e| err(format!("job {job}: the witness does not decode: {e}")))?;
        // Heartbeats at a third of the remaining lease (at least every second).
        let now = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map(|d| d.as_millis() as u64)
            .unwrap_or(0);
        let left = grant["job"]["lease_expires_at"]
            .as_u64()
            .unwrap_or(now)
            .saturating_sub(now);
        let done = Arc::new(AtomicBool::new(false));
        let beat = heartbeats(
            agent.clone(),
            format!("{}/v1/jobs/{job}/heartbeat", client.base),
            lease_id.clone(),
            Duration::from_millis((left / 3).max(1000)),
            done.clone(),
        );
        let t = Instant::now();
        // The batch prover checks its proof against the key before returning it (an error for
        // a witness that does not satisfy the circuit or a key of another shape).
        let proved = prove_batch_blocking(pk, shape, &witness, &engine);
        done.store(true, Ordering::Relaxed);
        let _ = beat.join();
        let BatchProof { proof, inputs, .. } =
            proved.map_err(|e| err(format!("job {job}: {e}")))?;
        let body = json!({
            "lease_id": lease_id,
            "proof": serde_json::from_str::<Value>(&snarkjs::proof_to_string(&proof)).map_err(err)?,
            "public_inputs": serde_json::from_str::<Value>(&snarkjs::public_inputs_to_string(&inputs)).map_err(err)?,
            "vk_hash": vk_hash,
        });
        let (status, verdict) = client.post(&format!("/v1/jobs/{job}/submissions"), &body)?;
        if status == 200 {
            accepted += 1;
            progress.note(format!(
                "{job}: proved in {:.1} s, accepted{}",
                t.elapsed().as_secs_f64(),
                if verdict["duplicate"] == true {
                    " (duplicate)"
                } else {
                    ""
                }
            ));
        } else {
            progress.note(format!(
                "{job}: rejected ({status} {}): {}",
                verdict["code"].as_str().unwrap_or("?"),
                verdict["message"].as_str().unwrap_or("")
            ));
        }
    }
    println!("{accepted} proofs accepted");
    Ok(())
}
