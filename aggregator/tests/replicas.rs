//! Two `zkagg serve` replicas on one PostgreSQL database: a real server from Debian's
//! `postgresql` package, started in a temporary directory by `scripts/postgres.sh`.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::{Arc, Mutex};

mod common;
use common::*;

/// A throwaway PostgreSQL cluster (`scripts/postgres.sh`), stopped when dropped.
struct Postgres {
    dir: PathBuf,
    url: String,
}

fn postgres_script() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../scripts/postgres.sh")
}

impl Postgres {
    fn start(dir: &Path) -> Self {
        let out = Command::new("bash")
            .arg(postgres_script())
            .arg("start")
            .arg(dir)
            .output()
            .unwrap();
        assert!(
            out.status.success(),
            "scripts/postgres.sh start failed (is Debian's postgresql installed? \
             bash scripts/setup.sh installs it):\n{}",
            String::from_utf8_lossy(&out.stderr)
        );
        Postgres {
            dir: dir.to_path_buf(),
            url: String::from_utf8(out.stdout).unwrap().trim().to_string(),
        }
    }
}

impl Drop for Postgres {
    fn drop(&mut self) {
        let _ = Command::new("bash")
            .arg(postgres_script())
            .arg("stop")
            .arg(&self.dir)
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .status();
    }
}

fn replica(keys: &Path, data: &Path, url: &str, extra: &[&str]) -> (KillOnDrop, String) {
    let mut args: Vec<String> = vec!["--database-url".into(), url.into()];
    args.extend(extra.iter().map(|a| a.to_string()));
    spawn_logged(serve_command(keys, data, &args), data)
}

/// Leases from `clients` concurrent clients, spread over `replicas`, until every replica says
/// no job is left; returns `(job, lease, replica)` of every grant.
fn lease_all(replicas: &[String], clients: usize) -> Vec<(String, String, usize)> {
    let grants = Arc::new(Mutex::new(Vec::new()));
    let threads: Vec<_> = (0..clients)
        .map(|client| {
            let replicas = replicas.to_vec();
            let grants = grants.clone();
            std::thread::spawn(move || {
                let mut idle = BTreeSet::new();
                let mut turn = client;
                while idle.len() < replicas.len() {
                    let r = turn % replicas.len();
                    turn += 1;
                    let body = format!(r#"{{"volunteer": "client-{client}"}}"#);
                    let (code, text) = http(&replicas[r], "POST", "/v1/leases", &body);
                    match code {
                        200 => {
                            let grant: serde_json::Value = serde_json::from_str(&text).unwrap();
                            let job = grant["job"]["id"].as_str().unwrap().to_string();
                            let lease = grant["lease_id"].as_str().unwrap().to_string();
                            grants.lock().unwrap().push((job, lease, r));
                            idle.clear();
                        }
                        204 => {
                            idle.insert(r);
                        }
                        _ => panic!("lease on replica {r}: {code} {text}"),
                    }
                }
            })
        })
        .collect();
    for t in threads {
        t.join().unwrap();
    }
    Arc::try_unwrap(grants).unwrap().into_inner().unwrap()
}

/// Two replicas on one PostgreSQL database: the first to start holds the sequencer role (the
/// advisory lock) and cuts 200 batches, the second refuses sequencer requests; 48 concurrent
/// clients lease from both at once and every job is leased exactly once (`FOR UPDATE SKIP
/// LOCKED`); a lease taken on one replica is released and proven through the other, whose
/// verdict the first one sees; after `kill -9` of the sequencer, a restarted replica takes the
/// role over with every batch and lease intact, and cuts the next batch from a transfer.
#[test]
#[ignore = "needs a PostgreSQL server (Debian's postgresql, installed by scripts/setup.sh); run by scripts/test.sh"]
fn two_replicas_on_one_postgres_never_lease_a_job_twice() {
    let dir = tempfile::tempdir().unwrap();
    let pg = Postgres::start(&dir.path().join("pg"));
    let keys = setup_keys(dir.path(), 11);
    // Replicas share the artifacts (proving key, witnesses) through one data directory.
    let data = dir.path().join("data");
    let lease = ["--lease-secs", "600", "--max-attempts", "2"];
    let (sequencer, a) = replica(
        &keys,
        &data,
        &pg.url,
        &[&lease[..], &["--generate", "200"]].concat(),
    );
    let (b_process, b) = replica(&keys, &data, &pg.url, &lease);
    let (sa, sb) = (status(&a), status(&b));
    assert_eq!(sa["role"], "sequencer", "{sa}");
    assert_eq!(sb["role"], "replica", "{sb}");
    for s in [&sa, &sb] {
        assert_eq!(s["batches"], 200, "{s}");
        assert_eq!(s["jobs"]["queued"], 200, "{s}");
    }

    // The replica refuses what only the sequencer may do.
    let transfer = r#"{"from": 0, "to": 1, "amount": 1, "nonce": 0}"#;
    let (code, text) = http(&b, "POST", "/v1/transfers", transfer);
    assert_eq!(code, 409, "{text}");
    assert!(text.contains("not_sequencer"), "{text}");
    let (code, text) = http(&b, "GET", "/v1/accounts/0", "");
    assert_eq!(code, 409, "{text}");

    // 48 clients lease from both replicas at once: 200 grants, 200 different jobs.
    let replicas = [a.clone(), b.clone()];
    let grants = lease_all(&replicas, 48);
    let mut per_job: BTreeMap<&str, usize> = BTreeMap::new();
    for (job, _, _) in &grants {
        *per_job.entry(job.as_str()).or_default() += 1;
    }
    let twice: Vec<_> = per_job.iter().filter(|(_, n)| **n > 1).collect();
    assert!(twice.is_empty(), "leased more than once: {twice:?}");
    assert_eq!(grants.len(), 200, "every job leased");
    assert_eq!(per_job.len(), 200);
    for r in 0..2 {
        assert!(
            grants.iter().any(|g| g.2 == r),
            "replica {r} granted no lease"
        );
    }
    for s in [status(&a), status(&b)] {
        assert_eq!(s["jobs"]["leased"], 200, "{s}");
        assert_eq!(s["jobs"]["queued"], 0, "{s}");
    }
    // Each job's record agrees: one attempt.
    for (job, _, _) in grants.iter().step_by(17) {
        let (code, text) = http(&b, "GET", &format!("/v1/jobs/{job}"), "");
        assert_eq!(code, 200, "{text}");
        let view: serde_json::Value = serde_json::from_str(&text).unwrap();
        assert_eq!(view["attempts"], 1, "{view}");
    }

    // A lease granted by the sequencer is released through the replica; a volunteer on the
    // replica proves that job, and the sequencer sees it accepted.
    let (job, lease_id, _) = grants.iter().find(|g| g.2 == 0).unwrap().clone();
    let body = format!(r#"{{"lease_id": "{lease_id}"}}"#);
    let (code, text) = http(&b, "POST", &format!("/v1/jobs/{job}/release"), &body);
    assert_eq!(code, 200, "{text}");
    let out = zkagg()
        .args([
            "-q",
            "volunteer",
            "--exit-when-idle",
            "--name",
            "on-replica",
        ])
        .arg("--url")
        .arg(format!("http://{b}"))
        .arg("--cache")
        .arg(dir.path().join("cache"))
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let (code, text) = http(&a, "GET", &format!("/v1/jobs/{job}"), "");
    assert_eq!(code, 200, "{text}");
    let view: serde_json::Value = serde_json::from_str(&text).unwrap();
    assert_eq!(view["state"], "accepted", "{view}");

    // kill -9 of the sequencer frees its advisory lock: a replica started now takes the role,
    // with every batch and lease as they were.
    drop(sequencer);
    drop(b_process);
    let (_c_process, c) = replica(&keys, &data, &pg.url, &lease);
    let sc = status(&c);
    assert_eq!(sc["role"], "sequencer", "{sc}");
    assert_eq!(sc["batches"], 200, "{sc}");
    assert_eq!(sc["jobs"]["leased"], 199, "{sc}");
    assert_eq!(sc["jobs"]["accepted"], 1, "{sc}");
    // The dashboard's queries run on PostgreSQL too.
    let (code, text) = http(&c, "GET", "/v1/stats", "");
    assert_eq!(code, 200, "{text}");
    let stats: serde_json::Value = serde_json::from_str(&text).unwrap();
    assert_eq!(stats["proofs_last_minute"], 1, "{stats}");
    assert_eq!(stats["verification_ms"]["samples"], 1, "{stats}");
    assert_eq!(stats["throughput"].as_array().map(Vec::len), Some(30));
    // The new sequencer takes a transfer (1 transfer per batch: it is cut at once) and
    // continues the chain from the stored batches.
    let (slot, nonce) = (0..16)
        .find_map(|slot| {
            let (code, text) = http(&c, "GET", &format!("/v1/accounts/{slot}"), "");
            assert_eq!(code, 200, "{text}");
            let a: serde_json::Value = serde_json::from_str(&text).unwrap();
            (a["balance"].as_u64().unwrap() > 0).then(|| (slot, a["nonce"].as_u64().unwrap()))
        })
        .expect("a funded slot");
    let body = format!(
        r#"{{"from": {slot}, "to": {}, "amount": 1, "nonce": {nonce}}}"#,
        (slot + 1) % 16
    );
    let (code, text) = http(&c, "POST", "/v1/transfers", &body);
    assert_eq!(code, 200, "{text}");
    let sc = status(&c);
    assert_eq!(sc["batches"], 201, "{sc}");
    assert_eq!(sc["jobs"]["queued"], 1, "{sc}");
    let (_, last) = http(&c, "GET", "/v1/jobs/batch-199", "");
    let (_, next) = http(&c, "GET", "/v1/jobs/batch-200", "");
    let last: serde_json::Value = serde_json::from_str(&last).unwrap();
    let next: serde_json::Value = serde_json::from_str(&next).unwrap();
    assert_eq!(next["public_inputs"][0], last["public_inputs"][1]);
}
