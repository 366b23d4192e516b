//! A bounded load run of the aggregator service on loopback (issue 11, item 6).
//!
//! ```sh
//! cargo bench -p zkagg-service --bench load
//! ZKAGG_LOAD_JOBS=1024 ZKAGG_LOAD_VOLUNTEERS=128 cargo bench -p zkagg-service --bench load
//! ```
//!
//! Knobs (environment): `ZKAGG_LOAD_JOBS` (jobs in the timed phase, default 384),
//! `ZKAGG_LOAD_VOLUNTEERS` (concurrent fake volunteers, default 64), `ZKAGG_LOAD_DUP_EVERY` (an
//! honest volunteer re-submits every n-th accepted proof, default 4), `ZKAGG_LOAD_PROFILE_JOBS`
//! (jobs of the sequential profile, default 30), `ZKAGG_LOAD_SERVER_THREADS` /
//! `ZKAGG_LOAD_CLIENT_THREADS` (tokio workers of the service and of the volunteers, default 2
//! each), `ZKAGG_LOAD_DEADLINE_SECS` (the timed phase gives up after this, default 120),
//! `ZKAGG_LOAD_QUIET_WAIT_SECS` (on a shared machine: wait up to this long before the timed
//! phase for the other processes to go quiet, default 0: do not wait).
//! Without `--bench` (as `cargo test --benches` runs it) it is a small smoke run.
//!
//! What it does:
//! 1. Starts the real service (`api::serve` on 127.0.0.1:0, SQLite in a temporary directory,
//!    WAL, `synchronous = FULL`), cuts the jobs through `POST /v1/admin/generate`, fetches every
//!    witness artifact over HTTP and proves every job natively (all cores) BEFORE the timed phase.
//! 2. Measures the service's own check natively: the raw pairing check of a parsed proof, and
//!    parse + check exactly as a submission goes through it.
//! 3. Timed phase: `VOLUNTEERS` concurrent HTTP clients (hyper over TCP) loop lease -> submit.
//!    Every third volunteer first sends a bad submission for each job it gets, rotating a
//!    tampered proof element (`invalid_proof`), wrong public inputs (`wrong_public_inputs`) and
//!    a malformed JSON body (`malformed`; nothing is stored and the lease stays live), then the
//!    valid proof (after a stored rejection the job is re-queued, so it leases again first).
//!    Honest volunteers re-submit every n-th accepted proof in another JSON spelling (a
//!    duplicate). Every request's latency is recorded, and the CPU time of the service's
//!    threads, its SQLite connection thread and the clients' threads.
//! 4. Audit through the API and the database: every job accepted exactly once (by the clients'
//!    answers, the stored submissions and the stored proof), rejections stored = stored bad
//!    submissions sent, nothing pending, no 5xx, every duplicate answered `duplicate: true`.
//! 5. Sequential profile (one request at a time, fresh jobs): the store transactions of one
//!    job's cycle timed one by one, the same through `Service::lease`/`Service::submit`
//!    in-process, and over HTTP; plus the cost of one fsync on the data directory's disk.
//!
//! The per-volunteer rejection limit is lifted (`max_rejections = 0`): a third of the volunteers
//! send a bad proof for every job they get, and the default would refuse them leases after three.

use std::collections::HashMap;
use std::io::Write as _;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use ark_ec::{AffineRepr, CurveGroup};
use ark_serialize::{CanonicalDeserialize, CanonicalSerialize};
use axum::body::Bytes;
use http_body_util::{BodyExt, Full};
use hyper::{Method, Request, StatusCode};
use hyper_util::client::legacy::connect::HttpConnector;
use hyper_util::client::legacy::Client;
use hyper_util::rt::TokioExecutor;
use rand::rngs::OsRng;
use serde_json::{json, Value};
use zkagg_core::batch::{self, BatchParams, BatchWitness};
use zkagg_core::formats::snarkjs;
use zkagg_core::verifier::PreparedVerifier;
use zkagg_core::{Fr, Proof};
use zkagg_service::store::Recorded;
use zkagg_service::submit::{check_submission, parse_submission, SubmitRequest};
use zkagg_service::{api, BatchKeys, Config, Service};

/// The batch shape of the service's tests: 1 transfer on a depth-4 tree (the proof and its
/// check are the same size as for any shape: 3 public inputs).
const PARAMS: BatchParams = BatchParams {
    transfers: 1,
    depth: 4,
};
const TOKEN: &str = "load-admin-token";
/// The service's goal (issue 11): submissions per second on 2 cores.
const GOAL_PER_SEC: f64 = 500.0;

struct Settings {
    jobs: usize,
    volunteers: usize,
    dup_every: u64,
    profile_jobs: usize,
    server_threads: usize,
    client_threads: usize,
    deadline: Duration,
    quiet_wait: Duration,
}

fn env_or(name: &str, default: u64) -> u64 {
    match std::env::var(name) {
        Ok(v) => v
            .parse()
            .unwrap_or_else(|_| panic!("{name}={v:?} is not a number")),
        Err(_) => default,
    }
}

impl Settings {
    fn from_env() -> Self {
        // `cargo bench` passes `--bench`; anything else (`cargo test --benches`) is a smoke run.
        let full = std::env::args().any(|a| a == "--bench");
        let (jobs, volunteers, profile) = if full { (384, 64, 30) } else { (24, 6, 6) };
        Self {
            jobs: env_or("ZKAGG_LOAD_JOBS", jobs).max(1) as usize,
            volunteers: env_or("ZKAGG_LOAD_VOLUNTEERS", volunteers).max(1) as usize,
            dup_every: env_or("ZKAGG_LOAD_DUP_EVERY", 4).max(1),
            profile_jobs: env_or("ZKAGG_LOAD_PROFILE_JOBS", profile) as usize,
            server_threads: env_or("ZKAGG_LOAD_SERVER_THREADS", 2).max(1) as usize,
            client_threads: env_or("ZKAGG_LOAD_CLIENT_THREADS", 2).max(1) as usize,
            deadline: Duration::from_secs(env_or("ZKAGG_LOAD_DEADLINE_SECS", 120)),
            quiet_wait: Duration::from_secs(env_or("ZKAGG_LOAD_QUIET_WAIT_SECS", 0)),
        }
    }
}

// ---------------------------------------------------------------------------------------------
// HTTP client

#[derive(Clone)]
struct Http {
    client: Client<HttpConnector, Full<Bytes>>,
    base: String,
}

impl Http {
    fn new(addr: std::net::SocketAddr) -> Self {
        let mut connector = HttpConnector::new();
        connector.set_nodelay(true);
        let client = Client::builder(TokioExecutor::new())
            .pool_max_idle_per_host(usize::MAX)
            .build(connector);
        Self {
            client,
            base: format!("http://{addr}"),
        }
    }

    async fn send(&self, method: Method, path: &str, body: Option<String>) -> (StatusCode, Bytes) {
        let mut req = Request::builder()
            .method(method)
            .uri(format!("{}{path}", self.base))
            .header("authorization", format!("Bearer {TOKEN}"));
        if body.is_some() {
            req = req.header("content-type", "application/json");
        }
        let req = req
            .body(Full::new(Bytes::from(body.unwrap_or_default())))
            .expect("request");
        let res = self.client.request(req).await.expect("HTTP request");
        let status = res.status();
        let bytes = res
            .into_body()
            .collect()
            .await
            .expect("response body")
            .to_bytes();
        (status, bytes)
    }

    async fn post(&self, path: &str, body: String) -> (StatusCode, Bytes) {
        self.send(Method::POST, path, Some(body)).await
    }

    async fn get(&self, path: &str) -> (StatusCode, Bytes) {
        self.send(Method::GET, path, None).await
    }
}

fn as_json(bytes: &[u8]) -> Value {
    serde_json::from_slice(bytes).unwrap_or(Value::Null)
}

fn code_of(bytes: &[u8]) -> String {
    as_json(bytes)["code"].as_str().unwrap_or("").to_string()
}

// ---------------------------------------------------------------------------------------------
// Jobs and proofs

/// A job with its valid proof, made before the timed phase.
struct Proved {
    id: String,
    proof: Proof,
    proof_json: Value,
    inputs_json: Value,
    inputs: Vec<Fr>,
}

/// Cuts `count` jobs through the admin route.
async fn generate(http: &Http, count: usize) -> Vec<String> {
    let mut ids = Vec::new();
    while ids.len() < count {
        let n = (count - ids.len()).min(1000);
        let (status, bytes) = http
            .post("/v1/admin/generate", json!({ "count": n }).to_string())
            .await;
        assert_eq!(status, StatusCode::OK, "generate: {bytes:?}");
        let made = as_json(&bytes)["jobs"]
            .as_array()
            .expect("generate answers the job ids")
            .iter()
            .map(|v| v.as_str().expect("a job id").to_string())
            .collect::<Vec<_>>();
        ids.extend(made);
    }
    ids
}

/// Fetches each job's witness artifact over HTTP and proves every job natively.
fn prove_jobs(
    rt: &tokio::runtime::Runtime,
    http: &Http,
    ids: &[String],
    pk: &zkagg_core::ProvingKey,
) -> Vec<Proved> {
    let witnesses: Vec<(String, Vec<String>, BatchWitness)> = rt.block_on(async {
        let mut out = Vec::new();
        for id in ids {
            let (status, job) = http.get(&format!("/v1/jobs/{id}")).await;
            assert_eq!(status, StatusCode::OK, "job {id}");
            let job = as_json(&job);
            let sha = job["witness_sha256"].as_str().expect("witness_sha256");
            let expected: Vec<String> = job["public_inputs"]
                .as_array()
                .expect("public_inputs")
                .iter()
                .map(|v| v.as_str().expect("decimal").to_string())
                .collect();
            let (status, bytes) = http.get(&format!("/artifacts/{sha}")).await;
            assert_eq!(status, StatusCode::OK, "witness of {id}");
            let witness =
                BatchWitness::deserialize_compressed(&bytes[..]).expect("a batch witness");
            out.push((id.clone(), expected, witness));
        }
        out
    });
    // Plain threads pulling jobs from a counter (the prover parallelises inside on rayon's
    // pool; proofs as rayon tasks would nest on one stack when a waiting thread steals).
    let next = AtomicU64::new(0);
    let threads = std::thread::available_parallelism().map_or(2, |n| n.get());
    let mut proved: Vec<(usize, Proved)> = std::thread::scope(|scope| {
        let workers: Vec<_> = (0..threads)
            .map(|_| {
                std::thread::Builder::new()
                    .name("load-prover".into())
                    .stack_size(64 << 20)
                    .spawn_scoped(scope, || {
                        let mut out = Vec::new();
                        loop {
                            let i = next.fetch_add(1, Ordering::Relaxed) as usize;
                            let Some((id, expected, witness)) = witnesses.get(i) else {
                                break;
                            };
                            out.push((i, prove_one(pk, id, expected, witness)));
                        }
                        out
                    })
                    .expect("spawn a prover thread")
            })
            .collect();
        workers
            .into_iter()
            .flat_map(|w| w.join().expect("prover thread"))
            .collect()
    });
    proved.sort_by_key(|(i, _)| *i);
    proved.into_iter().map(|(_, p)| p).collect()
}

fn prove_one(
    pk: &zkagg_core::ProvingKey,
    id: &str,
    expected: &[String],
    witness: &BatchWitness,
) -> Proved {
    let proof = batch::prove(pk, &PARAMS, witness, &mut OsRng).expect("batch proof");
    let inputs = witness.statement().public_inputs();
    let decimals: Vec<String> = inputs.iter().map(snarkjs::to_decimal).collect();
    assert_eq!(decimals, expected, "job {id}: the witness is not the job's");
    Proved {
        proof_json: snarkjs::proof_to_value(&proof),
        inputs_json: snarkjs::public_inputs_to_value(&inputs),
        id: id.to_string(),
        proof,
        inputs,
    }
}

/// `p + k * generator`: a point still on the curve and in the subgroup (so the proof parses)
/// but another one for every `k` (so every tampered submission is a fresh one).
fn shifted<A: AffineRepr>(p: A, k: u64) -> A {
    (p.into_group() + A::generator() * A::ScalarField::from(k)).into_affine()
}

// ---------------------------------------------------------------------------------------------
// Measurements

#[derive(Clone, Copy, PartialEq, Eq, Hash, Debug)]
enum Kind {
    LeaseGranted,
    LeaseEmpty,
    Accepted,
    RejectedTampered,
    RejectedInputs,
    RejectedMalformed,
    Duplicate,
}

const BAD: [Kind; 3] = [
    Kind::RejectedTampered,
    Kind::RejectedInputs,
    Kind::RejectedMalformed,
];

#[derive(Default)]
struct Tally {
    latencies: HashMap<Kind, Vec<Duration>>,
    /// Per job, how many answers `accepted` with `duplicate: false` this volunteer got.
    accepted: HashMap<String, u64>,
    server_errors: u64,
    duplicates_not_flagged: u64,
    unexpected: Vec<String>,
}

impl Tally {
    fn record(&mut self, kind: Kind, d: Duration) {
        self.latencies.entry(kind).or_default().push(d);
    }

    fn count(&self, kind: Kind) -> usize {
        self.latencies.get(&kind).map_or(0, Vec::len)
    }

    fn merge(&mut self, other: Tally) {
        for (k, v) in other.latencies {
            self.latencies.entry(k).or_default().extend(v);
        }
        for (k, v) in other.accepted {
            *self.accepted.entry(k).or_default() += v;
        }
        self.server_errors += other.server_errors;
        self.duplicates_not_flagged += other.duplicates_not_flagged;
        self.unexpected.extend(other.unexpected);
    }

    fn check(&mut self, what: &str, status: StatusCode, bytes: &[u8], want: StatusCode) -> bool {
        if status.is_server_error() {
            self.server_errors += 1;
        }
        if status != want {
            if self.unexpected.len() < 20 {
                self.unexpected.push(format!(
                    "{what}: {status} {}",
                    String::from_utf8_lossy(bytes)
                ));
            } else {
                self.unexpected.push(String::new());
            }
            return false;
        }
        true
    }
}

/// Nearest-rank percentile in milliseconds.
fn pct(sorted: &[Duration], p: f64) -> f64 {
    if sorted.is_empty() {
        return f64::NAN;
    }
    let rank = ((p * sorted.len() as f64).ceil() as usize).clamp(1, sorted.len());
    sorted[rank - 1].as_secs_f64() * 1e3
}

fn median_ms(v: &mut [Duration]) -> f64 {
    v.sort();
    pct(v, 0.5)
}

/// CPU seconds (user + system) of this process's threads, by thread name.
fn thread_cpu() -> HashMap<String, f64> {
    let ticks = clock_ticks();
    let mut out = HashMap::new();
    let Ok(dir) = std::fs::read_dir("/proc/self/task") else {
        return out;
    };
    for entry in dir.flatten() {
        let Ok(stat) = std::fs::read_to_string(entry.path().join("stat")) else {
            continue;
        };
        let (Some(open), Some(close)) = (stat.find('('), stat.rfind(')')) else {
            continue;
        };
        let name = stat[open + 1..close].to_string();
        let fields: Vec<&str> = stat[close + 1..].split_whitespace().collect();
        // Fields 14 and 15 of stat(5) (utime, stime); `fields` starts at field 3.
        let (Some(u), Some(s)) = (fields.get(11), fields.get(12)) else {
            continue;
        };
        let secs = (u.parse::<f64>().unwrap_or(0.0) + s.parse::<f64>().unwrap_or(0.0)) / ticks;
        *out.entry(thread_group(&name)).or_insert(0.0) += secs;
    }
    out
}

fn thread_group(name: &str) -> String {
    if name.starts_with("zkagg-svc") {
        "service (tokio workers: HTTP, JSON, parse, verify)".into()
    } else if name.starts_with("sqlx-sqlite") {
        "SQLite connection thread (all SQL, commits)".into()
    } else if name.starts_with("load-client") {
        "fake volunteers (HTTP clients)".into()
    } else {
        "other (rayon pool, main)".into()
    }
}

fn clock_ticks() -> f64 {
    std::process::Command::new("getconf")
        .arg("CLK_TCK")
        .output()
        .ok()
        .and_then(|o| String::from_utf8(o.stdout).ok())
        .and_then(|s| s.trim().parse().ok())
        .unwrap_or(100.0)
}

/// Machine-wide CPU time from `/proc/stat`: (busy, iowait, total) in clock ticks.
fn machine_cpu() -> (f64, f64, f64) {
    let stat = std::fs::read_to_string("/proc/stat").unwrap_or_default();
    let fields: Vec<f64> = stat
        .lines()
        .next()
        .unwrap_or("")
        .split_whitespace()
        .skip(1)
        .map(|f| f.parse().unwrap_or(0.0))
        .collect();
    let get = |i: usize| fields.get(i).copied().unwrap_or(0.0);
    // user nice system idle iowait irq softirq steal
    let idle = get(3);
    let iowait = get(4);
    let total: f64 = fields.iter().take(8).sum();
    (total - idle - iowait, iowait, total)
}

/// Waits (at most `max`) until the machine has been idle for a second: less than a tenth of a
/// core busy (this process is idle meanwhile). Returns how long it waited and whether it got
/// there.
fn wait_for_quiet(max: Duration) -> (Duration, bool) {
    let start = Instant::now();
    let ticks = clock_ticks();
    while start.elapsed() < max {
        let before = machine_cpu();
        std::thread::sleep(Duration::from_secs(1));
        let after = machine_cpu();
        if (after.0 - before.0) / ticks < 0.1 {
            return (start.elapsed(), true);
        }
    }
    (start.elapsed(), max.is_zero())
}

fn load_average() -> String {
    std::fs::read_to_string("/proc/loadavg")
        .map(|s| s.split_whitespace().take(3).collect::<Vec<_>>().join(" "))
        .unwrap_or_default()
}

fn cpu_delta(before: &HashMap<String, f64>, after: &HashMap<String, f64>) -> Vec<(String, f64)> {
    let mut out: Vec<(String, f64)> = after
        .iter()
        .map(|(k, v)| (k.clone(), v - before.get(k).copied().unwrap_or(0.0)))
        .collect();
    out.sort_by(|a, b| a.0.cmp(&b.0));
    out
}

// ---------------------------------------------------------------------------------------------
// The fake volunteer

struct Shared {
    http: Http,
    jobs: HashMap<String, Proved>,
    vk_hash: String,
    accepted_total: AtomicU64,
    tamper_counter: AtomicU64,
    target: u64,
    dup_every: u64,
    deadline: Instant,
}

impl Shared {
    fn valid_body(&self, job: &Proved, lease: &str) -> String {
        json!({
            "lease_id": lease,
            "proof": job.proof_json,
            "public_inputs": job.inputs_json,
            "vk_hash": self.vk_hash,
        })
        .to_string()
    }

    /// The same proof in another JSON spelling (texts instead of objects): the same submission.
    fn duplicate_body(&self, job: &Proved, lease: &str) -> String {
        json!({
            "lease_id": lease,
            "proof": snarkjs::proof_to_string(&job.proof),
            "public_inputs": snarkjs::public_inputs_to_string(&job.inputs),
        })
        .to_string()
    }

    fn bad_body(&self, kind: Kind, job: &Proved, lease: &str) -> String {
        let k = self.tamper_counter.fetch_add(1, Ordering::Relaxed) + 1;
        match kind {
            Kind::RejectedTampered => {
                let mut proof = job.proof.clone();
                proof.c = shifted(proof.c, k);
                json!({
                    "lease_id": lease,
                    "proof": snarkjs::proof_to_value(&proof),
                    "public_inputs": job.inputs_json,
                })
                .to_string()
            }
            Kind::RejectedInputs => {
                let mut inputs = job.inputs.clone();
                inputs[2] += Fr::from(k);
                json!({
                    "lease_id": lease,
                    "proof": job.proof_json,
                    "public_inputs": snarkjs::public_inputs_to_value(&inputs),
                })
                .to_string()
            }
            _ => {
                // Cut off in the middle of the proof object.
                let full = self.valid_body(job, lease);
                full[..full.len() / 2].to_string()
            }
        }
    }
}

fn expected_code(kind: Kind) -> &'static str {
    match kind {
        Kind::RejectedTampered => "invalid_proof",
        Kind::RejectedInputs => "wrong_public_inputs",
        _ => "malformed",
    }
}

async fn volunteer(shared: Arc<Shared>, index: usize, bad: bool) -> Tally {
    let mut tally = Tally::default();
    let name = format!("volunteer-{index}");
    let lease_body = json!({ "volunteer": name }).to_string();
    let mut owe_bad = bad;
    let mut rotation = index / 3;
    let mut accepted_here = 0u64;
    while shared.accepted_total.load(Ordering::Acquire) < shared.target {
        if Instant::now() > shared.deadline {
            tally.unexpected.push(format!(
                "{name}: deadline passed before every job was accepted"
            ));
            break;
        }
        let t = Instant::now();
        let (status, bytes) = shared.http.post("/v1/leases", lease_body.clone()).await;
        let took = t.elapsed();
        if status == StatusCode::NO_CONTENT {
            // Every job is leased or being checked: look again shortly.
            tally.record(Kind::LeaseEmpty, took);
            tokio::time::sleep(Duration::from_millis(2)).await;
            continue;
        }
        if !tally.check("lease", status, &bytes, StatusCode::OK) {
            continue;
        }
        tally.record(Kind::LeaseGranted, took);
        let grant = as_json(&bytes);
        let (Some(job_id), Some(lease)) = (
            grant["job"]["id"].as_str().map(str::to_string),
            grant["lease_id"].as_str().map(str::to_string),
        ) else {
            tally
                .unexpected
                .push(format!("lease: no job/lease id in {grant}"));
            continue;
        };
        let Some(job) = shared.jobs.get(&job_id) else {
            tally
                .unexpected
                .push(format!("lease: unknown job {job_id}"));
            continue;
        };
        let path = format!("/v1/jobs/{job_id}/submissions");

        if owe_bad {
            owe_bad = false;
            let kind = BAD[rotation % BAD.len()];
            rotation += 1;
            let body = shared.bad_body(kind, job, &lease);
            let t = Instant::now();
            let (status, bytes) = shared.http.post(&path, body).await;
            let took = t.elapsed();
            if tally.check(
                "bad submission",
                status,
                &bytes,
                StatusCode::UNPROCESSABLE_ENTITY,
            ) {
                let code = code_of(&bytes);
                if code == expected_code(kind) {
                    tally.record(kind, took);
                } else {
                    tally.unexpected.push(format!(
                        "{kind:?} answered {code}, not {}",
                        expected_code(kind)
                    ));
                }
            }
            if kind != Kind::RejectedMalformed {
                // A stored rejection re-queues the job: lease again, then send a valid proof.
                continue;
            }
            // A malformed body is refused before anything is stored: the lease is still live.
        }

        let t = Instant::now();
        let (status, bytes) = shared
            .http
            .post(&path, shared.valid_body(job, &lease))
            .await;
        let took = t.elapsed();
        if !tally.check("valid submission", status, &bytes, StatusCode::OK) {
            owe_bad = bad;
            continue;
        }
        let answer = as_json(&bytes);
        if answer["verdict"] != "accepted" || answer["duplicate"] != false {
            tally.unexpected.push(format!("valid submission: {answer}"));
        } else {
            tally.record(Kind::Accepted, took);
            *tally.accepted.entry(job_id.clone()).or_default() += 1;
            shared.accepted_total.fetch_add(1, Ordering::AcqRel);
            accepted_here += 1;
        }
        owe_bad = bad;

        if !bad && accepted_here.is_multiple_of(shared.dup_every) {
            let t = Instant::now();
            let (status, bytes) = shared
                .http
                .post(&path, shared.duplicate_body(job, &lease))
                .await;
            let took = t.elapsed();
            if tally.check("duplicate", status, &bytes, StatusCode::OK) {
                let answer = as_json(&bytes);
                if answer["verdict"] == "accepted" && answer["duplicate"] == true {
                    tally.record(Kind::Duplicate, took);
                } else {
                    tally.duplicates_not_flagged += 1;
                }
            }
        }
    }
    tally
}

// ---------------------------------------------------------------------------------------------
// Audit

/// Problems found by the audit (empty: nothing lost, nothing duplicated).
fn audit(
    rt: &tokio::runtime::Runtime,
    service: &Arc<Service>,
    http: &Http,
    jobs: &HashMap<String, Proved>,
    tally: &Tally,
    data_dir: &std::path::Path,
) -> (Vec<String>, Vec<(String, String)>) {
    let mut problems = Vec::new();
    let mut facts = Vec::new();
    let stored_bad =
        (tally.count(Kind::RejectedTampered) + tally.count(Kind::RejectedInputs)) as u64;

    // The clients' view: each job accepted once, duplicates flagged, no 5xx, no surprises.
    let not_once: Vec<String> = jobs
        .keys()
        .filter_map(|id| {
            let n = tally.accepted.get(id).copied().unwrap_or(0);
            (n != 1).then(|| format!("{id}: {n}"))
        })
        .collect();
    if !not_once.is_empty() {
        problems.push(format!(
            "{} jobs not answered `accepted` (fresh) exactly once, e.g. {:?}",
            not_once.len(),
            &not_once[..not_once.len().min(5)]
        ));
    }
    if tally.server_errors > 0 {
        problems.push(format!("{} 5xx answers", tally.server_errors));
    }
    if tally.duplicates_not_flagged > 0 {
        problems.push(format!(
            "{} duplicates not answered duplicate: true",
            tally.duplicates_not_flagged
        ));
    }
    if !tally.unexpected.is_empty() {
        problems.push(format!(
            "{} unexpected answers, first: {:?}",
            tally.unexpected.len(),
            &tally.unexpected[..tally.unexpected.len().min(5)]
        ));
    }

    rt.block_on(async {
        // The API's view.
        let (status, bytes) = http.get("/v1/status").await;
        assert_eq!(status, StatusCode::OK);
        let counts = &as_json(&bytes)["jobs"];
        let want = json!({"queued": 0, "leased": 0, "verifying": 0, "failed": 0,
            "accepted": jobs.len(), "rejected_submissions": stored_bad});
        if *counts != want {
            problems.push(format!("GET /v1/status: {counts}, expected {want}"));
        }
        facts.push(("GET /v1/status jobs".into(), counts.to_string()));

        // The stored proof of every job is the one sent.
        let mut mismatched = 0;
        for job in jobs.values() {
            let stored = service
                .store
                .accepted_proof(&job.id)
                .await
                .expect("accepted_proof");
            if stored.as_deref() != Some(snarkjs::proof_to_string(&job.proof).as_str()) {
                mismatched += 1;
            }
        }
        if mismatched > 0 {
            problems.push(format!("{mismatched} jobs store another proof than sent"));
        }

        // The database's view (a second, read-only connection).
        let options = sqlx::sqlite::SqliteConnectOptions::new()
            .filename(data_dir.join("service.db"))
            .read_only(true);
        let pool = sqlx::sqlite::SqlitePoolOptions::new()
            .max_connections(1)
            .connect_with(options)
            .await
            .expect("open the database read-only");
        let verdicts: Vec<(String, i64)> =
            sqlx::query_as("SELECT verdict, COUNT(*) FROM submissions GROUP BY verdict")
                .fetch_all(&pool)
                .await
                .expect("verdicts");
        let verdicts: HashMap<String, i64> = verdicts.into_iter().collect();
        let got = |k: &str| verdicts.get(k).copied().unwrap_or(0);
        if got("accepted") != jobs.len() as i64
            || got("rejected") != stored_bad as i64
            || got("pending") != 0
        {
            problems.push(format!(
                "stored submissions {verdicts:?}: expected {} accepted, {stored_bad} rejected, 0 pending",
                jobs.len()
            ));
        }
        facts.push(("stored submissions by verdict".into(), format!("{verdicts:?}")));
        let twice: i64 = sqlx::query_scalar(
            "SELECT COUNT(*) FROM (SELECT job_id FROM submissions WHERE verdict = 'accepted' \
             GROUP BY job_id HAVING COUNT(*) <> 1)",
        )
        .fetch_one(&pool)
        .await
        .expect("accepted per job");
        if twice != 0 {
            problems.push(format!("{twice} jobs with more than one accepted submission"));
        }
        let events: Vec<(String, i64)> =
            sqlx::query_as("SELECT kind, COUNT(*) FROM events GROUP BY kind ORDER BY kind")
                .fetch_all(&pool)
                .await
                .expect("events");
        let events: HashMap<String, i64> = events.into_iter().collect();
        if events.get("accepted").copied().unwrap_or(0) != jobs.len() as i64
            || events.get("rejected").copied().unwrap_or(0) != stored_bad as i64
        {
            problems.push(format!("events {events:?} do not match"));
        }
        facts.push(("events by kind".into(), format!("{events:?}")));
        let (max_attempts, over_three): (i64, i64) = sqlx::query_as(
            "SELECT COALESCE(MAX(attempts), 0), COALESCE(SUM(attempts > 3), 0) FROM jobs",
        )
        .fetch_one(&pool)
        .await
        .expect("attempts");
        facts.push((
            "attempts charged per job (rejections give theirs back)".into(),
            format!("max {max_attempts}; {over_three} jobs over 3"),
        ));
        pool.close().await;
    });
    (problems, facts)
}

// ---------------------------------------------------------------------------------------------
// Sequential profile

struct Profile {
    rows: Vec<(String, f64, usize)>,
}

impl Profile {
    fn add(&mut self, name: &str, mut v: Vec<Duration>) {
        let n = v.len();
        self.rows.push((name.to_string(), median_ms(&mut v), n));
    }
}

/// What the profile works with.
struct Bench<'a> {
    server_rt: &'a tokio::runtime::Runtime,
    client_rt: &'a tokio::runtime::Runtime,
    service: &'a Arc<Service>,
    http: &'a Http,
    pk: &'a zkagg_core::ProvingKey,
    verifier: &'a PreparedVerifier,
    data_dir: &'a std::path::Path,
}

fn profile(b: &Bench<'_>, count: usize) -> Profile {
    let Bench {
        server_rt: rt,
        client_rt,
        service,
        http,
        pk,
        verifier,
        data_dir,
    } = *b;
    let mut p = Profile { rows: Vec::new() };
    let ids = client_rt.block_on(generate(http, count));
    let proved = prove_jobs(client_rt, http, &ids, pk);
    let third = count.div_ceil(3);
    let (store_level, rest) = proved.split_at(third.min(proved.len()));
    let (service_level, http_level) = rest.split_at(third.min(rest.len()));
    let now = zkagg_service::now_ms;
    let request = |job: &Proved, lease: &str| SubmitRequest {
        lease_id: lease.to_string(),
        proof: job.proof_json.clone(),
        public_inputs: job.inputs_json.clone(),
        vk_hash: Some(service.vk_hash().to_string()),
    };

    // 1. The steps of `Service::lease` + `Service::submit`, one by one.
    let mut steps: [Vec<Duration>; 5] = Default::default();
    rt.block_on(async {
        for job in store_level {
            let lease_id = format!("{:032x}", rand::random::<u128>());
            let t = Instant::now();
            let lease = service
                .store
                .lease("profile", &lease_id, now(), &service.lease_policy())
                .await
                .expect("lease")
                .expect("a queued job");
            steps[0].push(t.elapsed());
            assert_eq!(lease.job.id, job.id, "profile jobs are leased in order");
            let req = request(job, &lease_id);
            let t = Instant::now();
            let parsed = parse_submission(&req).expect("parse");
            let sid = parsed.id(&job.id);
            let (proof_json, inputs_json) = (parsed.proof_json(), parsed.inputs_json());
            steps[1].push(t.elapsed());
            let t = Instant::now();
            let recorded = service
                .store
                .record_submission(&job.id, &lease_id, &sid, &proof_json, &inputs_json, now())
                .await
                .expect("record");
            steps[2].push(t.elapsed());
            let Recorded::Fresh(view) = recorded else {
                panic!("a fresh submission was recorded as {recorded:?}");
            };
            let t = Instant::now();
            let verdict = check_submission(verifier, service.vk_hash(), &view, &parsed);
            steps[3].push(t.elapsed());
            assert!(verdict.is_ok(), "{verdict:?}");
            let t = Instant::now();
            service
                .store
                .finish_submission(&job.id, &sid, &verdict, None, now())
                .await
                .expect("finish");
            steps[4].push(t.elapsed());
        }
    });
    let [lease_tx, parse, record_tx, check, finish_tx] = steps;
    p.add(
        "store.lease (1 write transaction: expire scan, select, update, event)",
        lease_tx,
    );
    p.add("parse_submission + id + canonical JSON", parse);
    p.add("store.record_submission (1 write transaction)", record_tx);
    p.add("check_submission (inputs + pairing)", check);
    p.add("store.finish_submission (1 write transaction)", finish_tx);

    // 2. The same through the service's methods, in-process.
    let (mut lease_t, mut submit_t) = (Vec::new(), Vec::new());
    rt.block_on(async {
        for job in service_level {
            let t = Instant::now();
            let grant = service
                .lease("profile")
                .await
                .expect("lease")
                .expect("a job");
            lease_t.push(t.elapsed());
            assert_eq!(grant.job.id, job.id);
            let t = Instant::now();
            let outcome = service
                .submit(&job.id, &request(job, &grant.lease_id))
                .await
                .expect("submit");
            submit_t.push(t.elapsed());
            assert_eq!(outcome.verdict, "accepted");
        }
    });
    p.add("Service::lease in-process", lease_t);
    p.add("Service::submit in-process (valid proof)", submit_t);

    // 3. Over HTTP, one request at a time.
    let (mut lease_t, mut submit_t) = (Vec::new(), Vec::new());
    client_rt.block_on(async {
        for job in http_level {
            let t = Instant::now();
            let (status, bytes) = http
                .post("/v1/leases", json!({"volunteer": "profile"}).to_string())
                .await;
            lease_t.push(t.elapsed());
            assert_eq!(status, StatusCode::OK);
            let grant = as_json(&bytes);
            assert_eq!(grant["job"]["id"], job.id.as_str());
            let lease = grant["lease_id"].as_str().expect("lease_id");
            let body = json!({"lease_id": lease, "proof": job.proof_json,
                "public_inputs": job.inputs_json, "vk_hash": service.vk_hash()});
            let t = Instant::now();
            let (status, bytes) = http
                .post(
                    &format!("/v1/jobs/{}/submissions", job.id),
                    body.to_string(),
                )
                .await;
            submit_t.push(t.elapsed());
            assert_eq!(status, StatusCode::OK, "{bytes:?}");
        }
    });
    p.add("POST /v1/leases over HTTP, one at a time", lease_t);
    p.add("POST submission over HTTP, one at a time", submit_t);

    // 4. One fsync on the data directory's disk (a 4 KiB append + fdatasync, as a WAL commit).
    let path = data_dir.join("fsync-probe");
    let mut file = std::fs::File::create(&path).expect("probe file");
    let page = [7u8; 4096];
    let mut fsync = Vec::new();
    for _ in 0..200 {
        let t = Instant::now();
        file.write_all(&page).expect("write");
        file.sync_data().expect("fdatasync");
        fsync.push(t.elapsed());
    }
    drop(file);
    let _ = std::fs::remove_file(&path);
    p.add("4 KiB append + fdatasync on the data directory", fsync);
    p
}

// ---------------------------------------------------------------------------------------------

fn main() {
    let settings = Settings::from_env();
    let started = Instant::now();
    println!(
        "load: {} jobs, {} volunteers ({} sending bad proofs), duplicate every {} accepted, \
         service {} tokio workers, clients {} workers, {} CPUs",
        settings.jobs,
        settings.volunteers,
        (0..settings.volunteers).filter(|i| i % 3 == 2).count(),
        settings.dup_every,
        settings.server_threads,
        settings.client_threads,
        std::thread::available_parallelism().map_or(0, |n| n.get()),
    );

    // Keys.
    let t = Instant::now();
    let (pk, vk) = batch::setup(&PARAMS, &mut OsRng).expect("batch setup");
    let mut pk_bytes = Vec::new();
    pk.serialize_compressed(&mut pk_bytes).expect("proving key");
    println!("setup: batch keys in {:.1} s", t.elapsed().as_secs_f64());

    // The service on its own runtime.
    let server_rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(settings.server_threads)
        .thread_name("zkagg-svc")
        .enable_all()
        .build()
        .expect("service runtime");
    let client_rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(settings.client_threads)
        .thread_name("load-client")
        .enable_all()
        .build()
        .expect("client runtime");
    let dir = tempfile::tempdir().expect("temporary directory");
    let data_dir = dir.path().to_path_buf();
    let mut config = Config::new(data_dir.clone());
    config.admin_token = Some(TOKEN.into());
    // A third of the volunteers send a bad proof for every job they get: no limit on the
    // rejections a volunteer may have (the default refuses it leases after 3 an hour).
    config.max_rejections = 0;
    let keys = BatchKeys {
        params: PARAMS,
        verifying_key: vk.clone(),
        proving_key: pk_bytes,
    };
    let service = server_rt
        .block_on(Service::open(config, keys))
        .expect("open the service");
    let listener = server_rt
        .block_on(tokio::net::TcpListener::bind("127.0.0.1:0"))
        .expect("bind 127.0.0.1:0");
    let addr = listener.local_addr().expect("local address");
    let (stop_tx, stop_rx) = tokio::sync::oneshot::channel::<()>();
    let server = server_rt.spawn(api::serve(service.clone(), listener, async move {
        let _ = stop_rx.await;
    }));
    let http = Http::new(addr);
    println!("service: http://{addr}, data in {}", data_dir.display());

    // Jobs, proved before the timed phase.
    let t = Instant::now();
    let ids = client_rt.block_on(generate(&http, settings.jobs));
    let generate_s = t.elapsed().as_secs_f64();
    let t = Instant::now();
    let proved = prove_jobs(&client_rt, &http, &ids, &pk);
    println!(
        "jobs: {} cut through the admin route in {:.1} s ({:.2} ms each), witnesses fetched \
         and proved in {:.1} s",
        ids.len(),
        generate_s,
        generate_s * 1e3 / ids.len() as f64,
        t.elapsed().as_secs_f64()
    );

    // The service's check, natively, for comparison.
    let verifier = PreparedVerifier::new(&vk).expect("prepared key");
    let vk_hash = service.vk_hash().to_string();
    let sample = &proved[..proved.len().min(256)];
    let (mut raw, mut checked) = (Vec::new(), Vec::new());
    for job in sample {
        let t = Instant::now();
        assert!(verifier.verify(&job.proof, &job.inputs).expect("verify"));
        raw.push(t.elapsed());
        let view = server_rt.block_on(service.store.job(&job.id)).expect("job");
        let req = SubmitRequest {
            lease_id: String::new(),
            proof: job.proof_json.clone(),
            public_inputs: job.inputs_json.clone(),
            vk_hash: Some(vk_hash.clone()),
        };
        let t = Instant::now();
        let parsed = parse_submission(&req).expect("parse");
        let _ = parsed.id(&job.id);
        check_submission(&verifier, &vk_hash, &view, &parsed).expect("check");
        checked.push(t.elapsed());
    }
    let raw_ms = median_ms(&mut raw);
    let checked_ms = median_ms(&mut checked);
    println!(
        "native check (median of {}): raw Groth16 verify {raw_ms:.3} ms; parse + id + check as \
         the service does it {checked_ms:.3} ms",
        sample.len()
    );

    // Timed phase.
    let jobs: HashMap<String, Proved> = proved.into_iter().map(|p| (p.id.clone(), p)).collect();
    if !settings.quiet_wait.is_zero() {
        let (waited, quiet) = wait_for_quiet(settings.quiet_wait);
        println!(
            "waited {:.0} s for the machine to go quiet: {}",
            waited.as_secs_f64(),
            if quiet {
                "quiet"
            } else {
                "NOT quiet (other processes share the cores; see the CPU lines)"
            }
        );
    }
    let shared = Arc::new(Shared {
        http: http.clone(),
        jobs,
        vk_hash: vk_hash.clone(),
        accepted_total: AtomicU64::new(0),
        tamper_counter: AtomicU64::new(0),
        target: ids.len() as u64,
        dup_every: settings.dup_every,
        deadline: Instant::now() + settings.deadline,
    });
    let load_before = load_average();
    let machine_before = machine_cpu();
    let cpu_before = thread_cpu();
    let t = Instant::now();
    let tallies: Vec<Tally> = client_rt.block_on(async {
        let handles: Vec<_> = (0..settings.volunteers)
            .map(|i| tokio::spawn(volunteer(shared.clone(), i, i % 3 == 2)))
            .collect();
        let mut out = Vec::new();
        for h in handles {
            out.push(h.await.expect("volunteer task"));
        }
        out
    });
    let wall = t.elapsed().as_secs_f64();
    let cpu = cpu_delta(&cpu_before, &thread_cpu());
    let machine_after = machine_cpu();
    let ticks = clock_ticks();
    let machine_busy = (machine_after.0 - machine_before.0) / ticks;
    let machine_iowait = (machine_after.1 - machine_before.1) / ticks;
    let mut tally = Tally::default();
    for t in tallies {
        tally.merge(t);
    }

    let accepted = tally.count(Kind::Accepted);
    let bad: usize = BAD.iter().map(|k| tally.count(*k)).sum();
    let dups = tally.count(Kind::Duplicate);
    let leases = tally.count(Kind::LeaseGranted);
    let per_sec = (accepted + bad) as f64 / wall;
    println!();
    println!(
        "timed phase: {wall:.2} s wall; {accepted} accepted + {bad} rejected = {} submissions \
         ({:.0}/s, {:.2}x the {GOAL_PER_SEC:.0}/s goal); {dups} duplicates; {leases} leases \
         granted ({:.0}/s), {} answered 204; {:.0} HTTP requests/s in all",
        accepted + bad,
        per_sec,
        per_sec / GOAL_PER_SEC,
        leases as f64 / wall,
        tally.count(Kind::LeaseEmpty),
        (accepted + bad + dups + leases + tally.count(Kind::LeaseEmpty)) as f64 / wall,
    );
    println!();
    println!("| request | answer | count | p50 ms | p95 ms | p99 ms | max ms |");
    println!("|---|---|---:|---:|---:|---:|---:|");
    let rows: [(Kind, &str, &str); 7] = [
        (Kind::LeaseGranted, "POST /v1/leases", "200 job granted"),
        (Kind::LeaseEmpty, "POST /v1/leases", "204 none waiting"),
        (Kind::Accepted, "submit valid", "200 accepted"),
        (
            Kind::RejectedTampered,
            "submit tampered pi_c",
            "422 invalid_proof",
        ),
        (
            Kind::RejectedInputs,
            "submit wrong inputs",
            "422 wrong_public_inputs",
        ),
        (
            Kind::RejectedMalformed,
            "submit cut-off JSON",
            "422 malformed",
        ),
        (Kind::Duplicate, "re-submit accepted", "200 duplicate: true"),
    ];
    let mut all_rejected = Vec::new();
    for (kind, request, answer) in rows {
        let mut v = tally.latencies.get(&kind).cloned().unwrap_or_default();
        if BAD.contains(&kind) {
            all_rejected.extend(v.iter().copied());
        }
        v.sort();
        println!(
            "| {request} | {answer} | {} | {:.2} | {:.2} | {:.2} | {:.2} |",
            v.len(),
            pct(&v, 0.5),
            pct(&v, 0.95),
            pct(&v, 0.99),
            pct(&v, 1.0)
        );
        if kind == Kind::RejectedMalformed {
            all_rejected.sort();
            println!(
                "| submit bad (all three) | 422 | {} | {:.2} | {:.2} | {:.2} | {:.2} |",
                all_rejected.len(),
                pct(&all_rejected, 0.5),
                pct(&all_rejected, 0.95),
                pct(&all_rejected, 0.99),
                pct(&all_rejected, 1.0)
            );
        }
    }
    println!();
    println!("CPU during the timed phase ({wall:.2} s wall, {} CPUs):", {
        std::thread::available_parallelism().map_or(0, |n| n.get())
    });
    let total_cpu: f64 = cpu.iter().map(|(_, s)| s).sum();
    for (group, secs) in &cpu {
        println!(
            "  {group:<52} {secs:6.2} s  ({:4.0}% of one core, {:.3} ms per submission)",
            secs / wall * 100.0,
            secs * 1e3 / (accepted + bad).max(1) as f64
        );
    }
    println!(
        "  {:<52} {total_cpu:6.2} s  ({:4.0}% of one core)",
        "all threads of this process",
        total_cpu / wall * 100.0
    );
    println!(
        "  {:<52} {:6.2} s  ({:4.0}% of one core); iowait {:.2} s",
        "whole machine (busy), other processes included",
        machine_busy,
        machine_busy / wall * 100.0,
        machine_iowait
    );
    println!(
        "  load average before / after: {load_before} / {}",
        load_average()
    );

    let (problems, facts) = audit(&server_rt, &service, &http, &shared.jobs, &tally, &data_dir);
    println!();
    println!("audit:");
    for (k, v) in &facts {
        println!("  {k}: {v}");
    }
    if problems.is_empty() {
        println!(
            "  OK: {} jobs each accepted exactly once (clients, API, stored proofs, stored \
             submissions, events), {} stored rejections = stored bad submissions sent, {} \
             malformed refused unstored, {dups} duplicates all `duplicate: true`, no 5xx",
            shared.jobs.len(),
            tally.count(Kind::RejectedTampered) + tally.count(Kind::RejectedInputs),
            tally.count(Kind::RejectedMalformed),
        );
    } else {
        for p in problems.iter().take(12) {
            println!("  PROBLEM: {p}");
        }
        if problems.len() > 12 {
            println!("  ... and {} more problems", problems.len() - 12);
        }
    }

    // Sequential profile: where one job's time goes.
    if settings.profile_jobs > 0 {
        let bench = Bench {
            server_rt: &server_rt,
            client_rt: &client_rt,
            service: &service,
            http: &http,
            pk: &pk,
            verifier: &verifier,
            data_dir: &data_dir,
        };
        let prof = profile(&bench, settings.profile_jobs);
        println!();
        println!("sequential profile (one request at a time; median ms):");
        println!("| step | median ms | n |");
        println!("|---|---:|---:|");
        for (name, ms, n) in &prof.rows {
            println!("| {name} | {ms:.3} | {n} |");
        }
    }

    let _ = stop_tx.send(());
    let _ = server_rt.block_on(server);
    println!();
    println!(
        "load: done in {:.1} s; RESULT {:.0} submissions/s ({:.2}x goal), {}",
        started.elapsed().as_secs_f64(),
        per_sec,
        per_sec / GOAL_PER_SEC,
        if problems.is_empty() {
            "audit OK"
        } else {
            "AUDIT FAILED"
        }
    );
    if !problems.is_empty() {
        std::process::exit(1);
    }
}
