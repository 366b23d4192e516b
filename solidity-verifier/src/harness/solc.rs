//! Compile Solidity with the npm `solc` package, through Node.
//!
//! The compiler is solc's official build for JavaScript (`soljson`), installed from npm at the
//! exact version pinned in the repository's `package.json` ([`SOLC_VERSION`]); it is run by the
//! small script `solidity-verifier/scripts/solc.mjs` (standard JSON on stdin, standard JSON on
//! stdout). No native solc binary is ever downloaded. Nothing is cached on disk: compile each
//! contract once per process (e.g. in a `OnceLock`) if a test needs it several times.
//!
//! Settings are pinned too ([`Settings::default`]): optimizer on with 200 runs (solc's default,
//! what most deployments use) and `evmVersion` [`EVM_VERSION`], so benchmarks and tests measure
//! the bytecode a user would deploy.

use std::collections::BTreeMap;
use std::io::Write;
use std::path::PathBuf;
use std::process::{Command, Stdio};

use serde_json::{json, Value};

use crate::{Error, Result};

/// The pinned solc version (must match `solc` in the root `package.json`).
pub const SOLC_VERSION: &str = "0.8.37";
/// The pinned EVM version the contracts are compiled for (the harness runs the same hardfork).
pub const EVM_VERSION: &str = "prague";
/// The pinned optimizer runs.
pub const OPTIMIZER_RUNS: u32 = 200;

/// Compiler settings.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Settings {
    /// solc `evmVersion`.
    pub evm_version: String,
    /// Optimizer runs (the optimizer is always on).
    pub optimizer_runs: u32,
}

impl Default for Settings {
    fn default() -> Self {
        Self {
            evm_version: EVM_VERSION.to_string(),
            optimizer_runs: OPTIMIZER_RUNS,
        }
    }
}

/// One compiled contract.
#[derive(Clone, Debug)]
pub struct Artifact {
    /// The contract's ABI (solc's JSON).
    pub abi: Value,
    /// Creation code (constructor arguments, if any, are appended to it).
    pub bytecode: Vec<u8>,
    /// Runtime code, as deployed.
    pub deployed_bytecode: Vec<u8>,
    /// Function signature (`verifyProof(uint256[2],...)`) to 4-byte selector.
    pub method_identifiers: BTreeMap<String, [u8; 4]>,
}

impl Artifact {
    /// The selector of `signature` (as solc lists it), or an error naming the contract's functions.
    pub fn selector(&self, signature: &str) -> Result<[u8; 4]> {
        self.method_identifiers
            .get(signature)
            .copied()
            .ok_or_else(|| {
                Error::SolcOutput(format!(
                    "no function {signature}; the contract has: {}",
                    self.method_identifiers
                        .keys()
                        .cloned()
                        .collect::<Vec<_>>()
                        .join(", ")
                ))
            })
    }
}

/// solc's output: the compiled contracts and the warnings.
#[derive(Clone, Debug)]
pub struct Output {
    /// `(source file name, contract name)` to artifact.
    pub contracts: BTreeMap<(String, String), Artifact>,
    /// Warnings (formatted by solc), for tests that want none.
    pub warnings: Vec<String>,
}

impl Output {
    /// The contract `name` of source file `file`.
    pub fn contract(&self, file: &str, name: &str) -> Result<&Artifact> {
        self.contracts
            .get(&(file.to_string(), name.to_string()))
            .ok_or_else(|| Error::SolcOutput(format!("no contract {name} in {file}")))
    }
}

/// The Node script that runs solc.
pub fn script_path() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("scripts/solc.mjs")
}

/// Compiles `sources` (`(file name, Solidity source)`) with the default [`Settings`].
pub fn compile(sources: &[(&str, &str)]) -> Result<Output> {
    compile_with(sources, &Settings::default())
}

/// Compiles `sources` in one solc run (one Node start-up for all of them).
pub fn compile_with(sources: &[(&str, &str)], settings: &Settings) -> Result<Output> {
    let mut source_map = serde_json::Map::new();
    for (file, content) in sources {
        source_map.insert((*file).to_string(), json!({ "content": content }));
    }
    let input = json!({
        "language": "Solidity",
        "sources": source_map,
        "settings": {
            "optimizer": { "enabled": true, "runs": settings.optimizer_runs },
            "evmVersion": settings.evm_version,
            "outputSelection": {
                "*": { "*": [
                    "abi",
                    "evm.bytecode.object",
                    "evm.deployedBytecode.object",
                    "evm.methodIdentifiers"
                ] }
            }
        }
    });
    let stdout = run_node(&input.to_string())?;
    let output: Value =
        serde_json::from_slice(&stdout).map_err(|e| Error::SolcOutput(format!("not JSON: {e}")))?;
    parse_output(&output)
}

/// The full version string of the installed solc (e.g. `0.8.37+commit.f401782d...`); runs Node
/// once per process.
pub fn version() -> Result<String> {
    static VERSION: std::sync::OnceLock<std::result::Result<String, String>> =
        std::sync::OnceLock::new();
    VERSION
        .get_or_init(|| {
            let out = node_command()
                .arg("--version")
                .output()
                .map_err(|e| format!("cannot run node: {e}"))?;
            if !out.status.success() {
                return Err(String::from_utf8_lossy(&out.stderr).into_owned());
            }
            Ok(String::from_utf8_lossy(&out.stdout).trim().to_string())
        })
        .clone()
        .map_err(|problem| Error::Process {
            program: format!("node {}", script_path().display()),
            problem,
        })
}

fn node_command() -> Command {
    let mut command = Command::new("node");
    command.arg(script_path());
    command
}

fn run_node(input: &str) -> Result<Vec<u8>> {
    let program = format!("node {}", script_path().display());
    let process_error = |problem: String| Error::Process {
        program: program.clone(),
        problem,
    };
    let mut child = node_command()
        .args(["--expect-version", SOLC_VERSION])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .map_err(|e| process_error(format!("cannot start (is Node installed?): {e}")))?;
    // Write stdin from a thread so a large output cannot dead-lock against a full input pipe.
    let mut stdin = child
        .stdin
        .take()
        .ok_or_else(|| process_error("no stdin pipe".into()))?;
    let input = input.to_string();
    let writer = std::thread::spawn(move || stdin.write_all(input.as_bytes()));
    let out = child
        .wait_with_output()
        .map_err(|e| process_error(format!("waiting for it: {e}")))?;
    writer
        .join()
        .map_err(|_| process_error("stdin writer panicked".into()))?
        .map_err(|e| process_error(format!("writing stdin: {e}")))?;
    if !out.status.success() {
        return Err(process_error(format!(
            "{}: {}",
            out.status,
            String::from_utf8_lossy(&out.stderr).trim()
        )));
    }
    Ok(out.stdout)
}

fn hex_bytes(value: Option<&Value>, what: &str) -> Result<Vec<u8>> {
    let text = value
        .and_then(Value::as_str)
        .ok_or_else(|| Error::SolcOutput(format!("{what}: missing")))?;
    decode_hex(text).map_err(|e| Error::SolcOutput(format!("{what}: {e}")))
}

/// Decodes hex text (with or without `0x`).
pub fn decode_hex(text: &str) -> std::result::Result<Vec<u8>, String> {
    let text = text.strip_prefix("0x").unwrap_or(text);
    if text.len() % 2 != 0 {
        return Err("odd number of hex digits".into());
    }
    (0..text.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(&text[i..i + 2], 16).map_err(|_| format!("bad hex at {i}")))
        .collect()
}

fn parse_output(output: &Value) -> Result<Output> {
    let mut errors = Vec::new();
    let mut warnings = Vec::new();
    for diagnostic in output
        .get("errors")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
    {
        let message = diagnostic
            .get("formattedMessage")
            .or_else(|| diagnostic.get("message"))
            .and_then(Value::as_str)
            .unwrap_or("(no message)")
            .to_string();
        match diagnostic.get("severity").and_then(Value::as_str) {
            Some("error") => errors.push(message),
            Some("warning") => warnings.push(message),
            _ => {}
        }
    }
    if !errors.is_empty() {
        return Err(Error::Solc(errors.join("\n")));
    }
    let mut contracts = BTreeMap::new();
    let files = output
        .get("contracts")
        .and_then(Value::as_object)
        .ok_or_else(|| Error::SolcOutput("no contracts".into()))?;
    for (file, by_name) in files {
        let by_name = by_name
            .as_object()
            .ok_or_else(|| Error::SolcOutput(format!("{file}: not an object")))?;
        for (name, contract) in by_name {
            let what = format!("{file}:{name}");
            let evm = contract.get("evm");
            let bytecode = hex_bytes(
                evm.and_then(|e| e.pointer("/bytecode/object")),
                &format!("{what} bytecode"),
            )?;
            let deployed_bytecode = hex_bytes(
                evm.and_then(|e| e.pointer("/deployedBytecode/object")),
                &format!("{what} deployed bytecode"),
            )?;
            let mut method_identifiers = BTreeMap::new();
            if let Some(ids) = evm
                .and_then(|e| e.get("methodIdentifiers"))
                .and_then(Value::as_object)
            {
                for (signature, selector) in ids {
                    let bytes = hex_bytes(Some(selector), &format!("{what} selector"))?;
                    let selector: [u8; 4] = bytes.try_into().map_err(|_| {
                        Error::SolcOutput(format!("{what}: selector of {signature} is not 4 bytes"))
                    })?;
                    method_identifiers.insert(signature.clone(), selector);
                }
            }
            contracts.insert(
                (file.clone(), name.clone()),
                Artifact {
                    abi: contract.get("abi").cloned().unwrap_or(Value::Null),
                    bytecode,
                    deployed_bytecode,
                    method_identifiers,
                },
            );
        }
    }
    Ok(Output {
        contracts,
        warnings,
    })
}
