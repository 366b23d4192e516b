//! Helpers the `zkagg serve` tests share: the binary, small batch keys, a minimal HTTP/1.1
//! client, processes killed on drop, and polling the service's status.
// Each test binary uses its own subset of these helpers.
#![allow(dead_code)]

use std::io::{Read, Write};
use std::net::TcpStream;
use std::path::Path;
use std::process::{Child, Command};

/// The `zkagg` binary under test.
pub fn zkagg() -> Command {
    Command::new(env!("CARGO_BIN_EXE_zkagg"))
}

/// Small batch keys (1 transfer, depth 4) in `dir/keys`.
pub fn setup_keys(dir: &Path, seed: u64) -> std::path::PathBuf {
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
pub fn http(addr: &str, method: &str, path: &str, body: &str) -> (u16, String) {
    http_with(addr, method, path, body, "")
}

/// One HTTP/1.1 request with extra header lines (each ending in CRLF); returns the status and
/// the whole body (de-chunked).
pub fn http_with(addr: &str, method: &str, path: &str, body: &str, headers: &str) -> (u16, String) {
    let mut s = TcpStream::connect(addr).unwrap();
    write!(
        s,
        "{method} {path} HTTP/1.1\r\nHost: {addr}\r\nContent-Type: application/json\r\n\
         {headers}Content-Length: {}\r\nConnection: close\r\n\r\n{body}",
        body.len()
    )
    .unwrap();
    let mut text = String::new();
    s.read_to_string(&mut text).unwrap();
    let status = text[9..12].parse().unwrap();
    let (head, mut rest) = text.split_once("\r\n\r\n").unwrap_or((&text, ""));
    if !head.to_lowercase().contains("transfer-encoding: chunked") {
        return (status, rest.to_string());
    }
    // Each chunk: its size in hex, CRLF, the bytes, CRLF; a zero size ends the body.
    let mut body = String::new();
    while let Some((size, after)) = rest.split_once("\r\n") {
        let size = usize::from_str_radix(size.trim(), 16).unwrap();
        if size == 0 {
            break;
        }
        body.push_str(&after[..size]);
        rest = &after[size + 2..];
    }
    (status, body)
}

/// A process killed (SIGKILL) and reaped when dropped: `drop` is the test's `kill -9`, and a
/// failing test leaves no service behind.
pub struct KillOnDrop(pub Child);

impl Drop for KillOnDrop {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// `zkagg serve --keys KEYS --data DATA --listen 127.0.0.1:0 ARGS...` with admin token `t`.
pub fn serve_command(keys: &Path, data: &Path, args: &[String]) -> Command {
    let mut serve = zkagg();
    serve
        .arg("serve")
        .arg("--keys")
        .arg(keys)
        .arg("--data")
        .arg(data)
        .args(["--listen", "127.0.0.1:0"])
        .args(args)
        .env("ZKAGG_ADMIN_TOKEN", "t");
    serve
}

/// Spawns `serve` with its log in a fresh file next to `data` (`DATA-<ns>.log`) and waits (up
/// to 300 s) for the address it prints once it listens. Returns the process and the address.
pub fn spawn_logged(mut serve: Command, data: &Path) -> (KillOnDrop, String) {
    let log = data.with_file_name(format!(
        "{}-{}.log",
        data.file_name().unwrap().to_string_lossy(),
        std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .unwrap()
            .as_nanos()
    ));
    let child = serve
        .stderr(std::fs::File::create(&log).unwrap())
        .spawn()
        .map(KillOnDrop)
        .unwrap();
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(300);
    loop {
        let text = std::fs::read_to_string(&log).unwrap_or_default();
        if let Some(addr) = text
            .split("http://")
            .nth(1)
            .and_then(|r| r.split_whitespace().next())
        {
            return (child, addr.to_string());
        }
        assert!(
            std::time::Instant::now() < deadline,
            "zkagg serve did not start:\n{text}"
        );
        std::thread::sleep(std::time::Duration::from_millis(200));
    }
}

/// `GET /v1/status` as JSON.
pub fn status(addr: &str) -> serde_json::Value {
    let (code, body) = http(addr, "GET", "/v1/status", "");
    assert_eq!(code, 200, "{body}");
    serde_json::from_str(&body).unwrap()
}

/// Polls the service's status until `done` holds (panics after `secs`).
pub fn wait_for(
    addr: &str,
    secs: u64,
    what: &str,
    done: impl Fn(&serde_json::Value) -> bool,
) -> serde_json::Value {
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(secs);
    loop {
        let s = status(addr);
        if done(&s) {
            return s;
        }
        assert!(
            std::time::Instant::now() < deadline,
            "waited {secs} s for {what}: {s}"
        );
        std::thread::sleep(std::time::Duration::from_millis(200));
    }
}
