//! `zkagg serve` as a real process on a loopback socket: it starts on a key directory, cuts the
//! demo batches, answers over HTTP, survives `kill -9` (the store keeps every batch and lease),
//! and refuses bad requests with typed JSON errors.

use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpStream;
use std::path::Path;
use std::process::{Child, Command, Stdio};

fn zkagg() -> Command {
    Command::new(env!("CARGO_BIN_EXE_zkagg"))
}

/// Starts the service and returns it with its address (read from its first stderr line).
fn start(keys: &Path, data: &Path, generate: u64) -> (Child, String) {
    let mut child = zkagg()
        .arg("serve")
        .arg("--keys")
        .arg(keys)
        .arg("--data")
        .arg(data)
        .args([
            "--listen",
            "127.0.0.1:0",
            "--generate",
            &generate.to_string(),
        ])
        .env("ZKAGG_ADMIN_TOKEN", "t")
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut line = String::new();
    BufReader::new(child.stderr.take().unwrap())
        .read_line(&mut line)
        .unwrap();
    let addr = line
        .split("http://")
        .nth(1)
        .and_then(|r| r.split_whitespace().next())
        .unwrap_or_else(|| panic!("no address in {line:?}"))
        .to_string();
    (child, addr)
}

/// Small batch keys (1 transfer, depth 4) in `dir/keys`.
fn setup_keys(dir: &Path, seed: u64) -> std::path::PathBuf {
    let keys = dir.join("keys");
    let out = zkagg()
        .args([
            "-q",
            "setup",
            "--transfers",
            "1",
            "--depth",
            "4",
            "--insecure-seed",
        ])
        .arg(seed.to_string())
        .arg("--out-dir")
        .arg(&keys)
        .output()
        .unwrap();
    assert!(out.status.success(), "{out:?}");
    keys
}

/// One HTTP/1.1 request; returns (status, body).
fn http(addr: &str, method: &str, path: &str, body: &str) -> (u16, String) {
    let mut s = TcpStream::connect(addr).unwrap();
    write!(
        s,
        "{method} {path} HTTP/1.1\r\nHost: {addr}\r\nContent-Type: application/json\r\n\
         Content-Length: {}\r\nConnection: close\r\n\r\n{body}",
        body.len()
    )
    .unwrap();
    let mut text = String::new();
    s.read_to_string(&mut text).unwrap();
    let status = text[9..12].parse().unwrap();
    let body = text.split("\r\n\r\n").nth(1).unwrap_or("").to_string();
    // Bodies come chunked or with a length; the JSON is on one chunk line either way.
    let body = body
        .lines()
        .find(|l| l.starts_with('{') || l.starts_with('"') || *l == "ok")
        .unwrap_or("")
        .to_string();
    (status, body)
}

#[test]
fn the_service_runs_answers_and_survives_kill_9() {
    let dir = tempfile::tempdir().unwrap();
    let keys = setup_keys(dir.path(), 3);
    let data = dir.path().join("data");

    let (mut child, addr) = start(&keys, &data, 2);
    assert_eq!(http(&addr, "GET", "/healthz", ""), (200, "ok".into()));
    let (code, status) = http(&addr, "GET", "/v1/status", "");
    assert_eq!(code, 200);
    let status: serde_json::Value = serde_json::from_str(&status).unwrap();
    assert_eq!(status["batches"], 2);
    let (code, lease) = http(&addr, "POST", "/v1/leases", r#"{"volunteer": "v1"}"#);
    assert_eq!(code, 200, "{lease}");
    let (code, err) = http(&addr, "POST", "/v1/leases", "{oops");
    assert_eq!(code, 422);
    assert!(err.contains("\"malformed\""), "{err}");
    child.kill().unwrap();
    child.wait().unwrap();

    // After kill -9: the same batches, the lease still held (the second job is next).
    let (mut child, addr) = start(&keys, &data, 0);
    let (_, status) = http(&addr, "GET", "/v1/status", "");
    let status: serde_json::Value = serde_json::from_str(&status).unwrap();
    assert_eq!(status["batches"], 2);
    assert_eq!(status["jobs"]["leased"], 1);
    let (code, lease) = http(&addr, "POST", "/v1/leases", r#"{"volunteer": "v2"}"#);
    assert_eq!(code, 200);
    assert!(lease.contains("\"batch-1\""), "{lease}");
    child.kill().unwrap();
    child.wait().unwrap();
}

/// Two native volunteers (`zkagg volunteer`) prove the service's jobs concurrently: each job is
/// proven once, every proof is accepted, and the proving key is downloaded into each cache once.
#[test]
fn two_volunteers_prove_every_job() {
    let dir = tempfile::tempdir().unwrap();
    let keys = setup_keys(dir.path(), 4);
    let (mut service, addr) = start(&keys, &dir.path().join("data"), 6);
    let volunteers: Vec<_> = ["alice", "bob"]
        .iter()
        .map(|name| {
            zkagg()
                .args(["volunteer", "--exit-when-idle", "--name", name])
                .arg("--url")
                .arg(format!("http://{addr}"))
                .arg("--cache")
                .arg(dir.path().join(format!("cache-{name}")))
                .stdout(Stdio::piped())
                .stderr(Stdio::piped())
                .spawn()
                .unwrap()
        })
        .collect();
    let mut total = 0;
    for v in volunteers {
        let out = v.wait_with_output().unwrap();
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        let stdout = String::from_utf8_lossy(&out.stdout);
        let n: u64 = stdout
            .split_whitespace()
            .next()
            .and_then(|n| n.parse().ok())
            .unwrap_or_else(|| panic!("{stdout}"));
        total += n;
    }
    assert_eq!(total, 6);
    let (_, status) = http(&addr, "GET", "/v1/status", "");
    let status: serde_json::Value = serde_json::from_str(&status).unwrap();
    assert_eq!(status["jobs"]["accepted"], 6, "{status}");
    assert_eq!(status["jobs"]["rejected_submissions"], 0);
    for name in ["alice", "bob"] {
        let cached = std::fs::read_dir(dir.path().join(format!("cache-{name}")))
            .map(|d| d.count())
            .unwrap_or(0);
        assert!(cached <= 1, "{name} cached {cached} files");
    }
    service.kill().unwrap();
    service.wait().unwrap();
}
