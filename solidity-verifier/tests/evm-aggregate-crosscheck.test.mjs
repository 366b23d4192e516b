// A second EVM judges the aggregate verifier and rollup contracts (zkagg_solidity_verifier::
// aggregate), and a second implementation checks their encodings. The Rust EVM tests leave a record
// (target/tmp/zkagg-solidity-verifier/revm-aggregate-crosscheck.json: the generated Solidity file,
// revm's bytecode, verdicts and execution gas for verifyAggregate calls and a sequence of settle
// transactions, and the Rust reference's P, D and rho for the valid call). Here:
//   1. P, D and rho are recomputed from the valid calldata with node:crypto's SHA-256, noble's
//      keccak-256 and noble's BN254 G1 arithmetic, and must equal the Rust reference's values
//      (the encodings stated in the contract's doc comment, implemented twice);
//   2. the same pinned npm solc compiles the recorded source to the same runtime bytecode;
//   3. @ethereumjs/evm at Prague (noble-curves precompiles) gives the same verdicts, return or
//      revert data, events, roots and the SAME execution gas as revm, call by call.
//
// Run: node --test solidity-verifier/tests/   (after cargo test -p zkagg-solidity-verifier)

import { test } from "node:test";
import assert from "node:assert/strict";
import crypto from "node:crypto";
import fs from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { createEVM } from "@ethereumjs/evm";
import { Common, Hardfork, Mainnet } from "@ethereumjs/common";
import { bytesToHex, hexToBytes } from "@ethereumjs/util";
// noble-hashes and noble-curves come with @ethereumjs/evm (package-lock.json pins them).
import { keccak_256 } from "@noble/hashes/sha3.js";
import { bn254 } from "@noble/curves/bn254.js";
import { compileStandardJson, defaultSettings, SOLC_VERSION, solcVersion } from "../scripts/solc.mjs";

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../..");
const TARGET = process.env.CARGO_TARGET_DIR ? path.resolve(ROOT, process.env.CARGO_TARGET_DIR) : path.join(ROOT, "target");
const RECORD = path.join(TARGET, "tmp", "zkagg-solidity-verifier", "revm-aggregate-crosscheck.json");
const R = 21888242871839275222246405745257275088548364400416034343698204186575808495617n;
const MASK_253 = (1n << 253n) - 1n;

const word = (value) => "0x" + BigInt(value).toString(16).padStart(64, "0");
const big = (hex) => BigInt(hex);

/** The 19 argument words of a verifyAggregate/settle call (after the 4-byte selector). */
function callWords(calldata) {
  const body = calldata.slice(2 + 8);
  assert.equal(body.length, 19 * 64, "19 static words");
  return Array.from({ length: 19 }, (_, i) => "0x" + body.slice(64 * i, 64 * (i + 1)));
}

const concat = (words) => Buffer.from(words.map((w) => w.slice(2)).join(""), "hex");

/** P, D and rho recomputed from the calldata, independently of the Rust code. */
function recompute(config, calldata) {
  const w = callWords(calldata);
  // sha256(config, count, statementsRoot, oldRoot, newRoot, C_N.x, C_N.y, C_f.x, C_f.y, alpha)
  const shaInput = concat([config, w[15], w[16], w[17], w[18], w[10], w[11], w[12], w[13], w[14]]);
  const P = big("0x" + crypto.createHash("sha256").update(shaInput).digest("hex")) & MASK_253;
  // D = C_N + alpha C_f ((0, 0) is the point at infinity).
  const point = (x, y) => (big(x) === 0n && big(y) === 0n ? bn254.G1.Point.ZERO : bn254.G1.Point.fromAffine({ x: big(x), y: big(y) }));
  const cN = point(w[10], w[11]);
  const cF = point(w[12], w[13]);
  const alpha = big(w[14]);
  const sum = alpha === 0n ? cN : cN.add(cF.multiplyUnsafe(alpha));
  const D = sum.is0() ? { x: 0n, y: 0n } : sum.toAffine();
  // rho = keccak256(A, B, C, pi, D, P) mod r
  const rhoInput = concat([...w.slice(0, 10), word(D.x), word(D.y), word(P)]);
  const rho = big(bytesToHex(keccak_256(rhoInput))) % R;
  return { P: word(P), D: [word(D.x), word(D.y)], rho: word(rho) };
}

async function newEvm() {
  const common = new Common({ chain: Mainnet, hardfork: Hardfork.Prague });
  return createEVM({ common });
}

/** Start a "transaction": fresh access lists (precompiles warm, EIP-2929) and original storage
 *  values (EIP-2200), as @ethereumjs/vm's runTx and revm arrange for each transaction. */
async function beginTx(evm) {
  await evm.journal.cleanup();
  for (let i = 1; i <= 0x11; i++) evm.journal.addAlwaysWarmAddress(i.toString(16).padStart(40, "0"));
  evm.stateManager.originalStorageCache.clear();
}

async function deploy(evm, initcode) {
  await beginTx(evm);
  const created = await evm.runCall({ data: hexToBytes(initcode), gasLimit: 30_000_000n });
  assert.equal(created.execResult.exceptionError, undefined, "deployment failed");
  const address = created.createdAddress;
  return { address, code: bytesToHex(await evm.stateManager.getCode(address)) };
}

async function send(evm, to, calldata) {
  await beginTx(evm);
  const result = await evm.runCall({ to, data: hexToBytes(calldata), gasLimit: 2_000_000n });
  const error = result.execResult.exceptionError?.error;
  assert.ok(error === undefined || error === "revert", `call halted: ${error}`);
  return {
    success: error === undefined,
    output: bytesToHex(result.execResult.returnValue),
    logs: (result.execResult.logs ?? []).map(([, topics, data]) => ({ topics: topics.map(bytesToHex), data: bytesToHex(data) })),
    executionGas: Number(result.execResult.executionGasUsed),
  };
}

test(`@ethereumjs/evm (Prague) agrees with revm on the aggregate verifier and rollup (solc ${SOLC_VERSION})`, async (t) => {
  if (!fs.existsSync(RECORD)) {
    t.skip(`no revm record at ${RECORD}: run cargo test -p zkagg-solidity-verifier first`);
    return;
  }
  const record = JSON.parse(fs.readFileSync(RECORD, "utf8"));
  assert.ok(solcVersion().startsWith(SOLC_VERSION + "+"), `solc ${solcVersion()}`);
  assert.equal(record.solc, SOLC_VERSION);
  assert.equal(record.hardfork, "prague");

  await t.test("P, D and rho: a JS implementation equals the Rust reference", () => {
    const mine = recompute(record.config, record.reference.calldata);
    assert.deepEqual(mine, { P: record.reference.P, D: record.reference.D, rho: record.reference.rho });
  });

  const output = compileStandardJson({
    language: "Solidity",
    sources: { [record.file]: { content: record.source } },
    settings: defaultSettings(),
  });
  const diagnostics = output.errors ?? [];
  assert.deepEqual(diagnostics.filter((e) => e.severity === "error"), [], "solc errors");
  assert.deepEqual(diagnostics.filter((e) => e.severity === "warning"), [], "solc warnings");
  const compiled = (name) => output.contracts[record.file][name];

  await t.test("verifyAggregate: same bytecode, verdicts and execution gas", async () => {
    const contract = compiled(record.verifier.name);
    const selector = contract.evm.methodIdentifiers[record.verifier.signature];
    assert.ok(selector, "verifyAggregate selector");
    const evm = await newEvm();
    const { address, code } = await deploy(evm, "0x" + contract.evm.bytecode.object);
    assert.equal(code, record.verifier.deployedBytecode, "same runtime bytecode as the Rust harness compiled");
    for (const c of record.verifierCases) {
      assert.equal(c.calldata.slice(2, 10), selector, `${c.label}: selector`);
      const result = await send(evm, address, c.calldata);
      assert.equal(result.success, true, `${c.label}: returned`);
      assert.match(result.output, /^0x0{63}[01]$/, `${c.label}: one ABI bool`);
      assert.equal(result.output.endsWith("1"), c.returned, `${c.label}: verdict`);
      assert.equal(result.executionGas, c.executionGas, `${c.label}: execution gas, ethereumjs vs revm`);
    }
    const valid = record.verifierCases.find((c) => c.label === "valid");
    t.diagnostic(`verifyAggregate: ${record.verifierCases.length} calls agree; valid proof ${valid.executionGas} execution gas, ${valid.txGas} per transaction (revm)`);
  });

  await t.test("settle: same bytecode, outcomes, events, roots and execution gas", async () => {
    const contract = compiled(record.rollup.name);
    const evm = await newEvm();
    const initcode = "0x" + contract.evm.bytecode.object + record.rollup.genesisRoot.slice(2);
    const { address, code } = await deploy(evm, initcode);
    assert.equal(code, record.rollup.deployedBytecode, "same runtime bytecode as the Rust harness compiled");
    const rootSelector = "0x" + contract.evm.methodIdentifiers["root()"];
    const root = async () => (await send(evm, address, rootSelector)).output;
    assert.equal(await root(), record.rollup.genesisRoot);
    for (const step of record.rollupSteps) {
      const result = await send(evm, address, step.calldata);
      assert.equal(result.success, step.success, `${step.label}: outcome`);
      assert.equal(result.output, step.output, `${step.label}: return or revert data`);
      assert.deepEqual(result.logs, step.logs, `${step.label}: events`);
      assert.equal(result.executionGas, step.executionGas, `${step.label}: execution gas, ethereumjs vs revm`);
      assert.equal(await root(), step.rootAfter, `${step.label}: root after`);
    }
    const settled = record.rollupSteps.find((s) => s.label === "settle1");
    t.diagnostic(`settle: ${record.rollupSteps.length} transactions agree; a settlement costs ${settled.executionGas} execution gas, ${settled.txGas} per transaction (revm)`);
  });
});
