// A second EVM judges the generated verifier, so that revm (the Rust harness) is not the only one:
// for each fixture directory (ZKAGG_FIXTURES, colon-separated, as scripts/test.sh sets it; the
// committed snarkjs fixture otherwise) the contract comes from the CLI (`zkagg export-solidity`),
// the calldata from the CLI (`zkagg calldata`), the compiler is the same pinned npm solc, and the
// EVM is @ethereumjs/evm at Prague with its own BN254 precompiles (noble-curves). Checked: the
// valid proof is accepted, tampered inputs and an off-curve A are rejected (the latter cheaply),
// and, where the Rust EVM tests left their record (target/tmp/zkagg-solidity-verifier/
// revm-crosscheck.json), the same bytecode and calldata give the same verdicts and the SAME
// execution gas in both EVMs.
//
// Run: node --test solidity-verifier/tests/   (needs target/release/zkagg: cargo build --release -p zkagg-aggregator)

import { test } from "node:test";
import assert from "node:assert/strict";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { spawnSync } from "node:child_process";
import { fileURLToPath } from "node:url";
import { createEVM } from "@ethereumjs/evm";
import { Common, Hardfork, Mainnet } from "@ethereumjs/common";
import { bytesToHex, hexToBytes } from "@ethereumjs/util";
import { compileStandardJson, defaultSettings, SOLC_VERSION, solcVersion } from "../scripts/solc.mjs";

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../..");
const TARGET = process.env.CARGO_TARGET_DIR ? path.resolve(ROOT, process.env.CARGO_TARGET_DIR) : path.join(ROOT, "target");
const ZKAGG = path.join(TARGET, "release", "zkagg");
const COMMITTED = path.join(ROOT, "core/tests/fixtures/snarkjs");
const RECORD = path.join(TARGET, "tmp", "zkagg-solidity-verifier", "revm-crosscheck.json");
const R = 21888242871839275222246405745257275088548364400416034343698204186575808495617n;

const fixtureDirs = (process.env.ZKAGG_FIXTURES ?? "core/tests/fixtures/snarkjs")
  .split(":")
  .filter(Boolean)
  .map((dir) => path.resolve(ROOT, dir));

function zkagg(args) {
  assert.ok(fs.existsSync(ZKAGG), `${ZKAGG} is missing: run \`cargo build --release -p zkagg-aggregator\``);
  const run = spawnSync(ZKAGG, args, { encoding: "utf8" });
  assert.equal(run.status, 0, `zkagg ${args.join(" ")} failed:\n${run.stderr}`);
  return run.stdout;
}

const word = (value) => BigInt(value).toString(16).padStart(64, "0");

async function deployedVerifier(dir, work) {
  const sol = path.join(work, "Groth16Verifier.sol");
  zkagg(["export-solidity", "--vk", path.join(dir, "verification_key.json"), "--out", sol, "-q"]);
  const output = compileStandardJson({
    language: "Solidity",
    sources: { "Groth16Verifier.sol": { content: fs.readFileSync(sol, "utf8") } },
    settings: defaultSettings(),
  });
  const errors = (output.errors ?? []).filter((e) => e.severity === "error");
  assert.deepEqual(errors, [], "solc errors");
  const contract = output.contracts["Groth16Verifier.sol"].Groth16Verifier;

  const common = new Common({ chain: Mainnet, hardfork: Hardfork.Prague });
  const evm = await createEVM({ common });
  // runCall is a message call, not a transaction: a transaction starts with every precompile
  // warm (EIP-2929), as @ethereumjs/vm's runTx arranges; do the same, so gas compares with revm.
  for (let i = 1; i <= 0x11; i++) evm.journal.addAlwaysWarmAddress(i.toString(16).padStart(40, "0"));
  const created = await evm.runCall({ data: hexToBytes("0x" + contract.evm.bytecode.object), gasLimit: 30_000_000n });
  assert.equal(created.execResult.exceptionError, undefined, "deployment failed");
  const address = created.createdAddress;
  const code = bytesToHex(await evm.stateManager.getCode(address));
  return { evm, address, code, methodIdentifiers: contract.evm.methodIdentifiers };
}

async function call(verifier, calldata) {
  const result = await verifier.evm.runCall({ to: verifier.address, data: hexToBytes(calldata), gasLimit: 2_000_000n });
  assert.equal(result.execResult.exceptionError, undefined, `call failed: ${result.execResult.exceptionError?.error}`);
  const returned = bytesToHex(result.execResult.returnValue);
  assert.match(returned, /^0x0{63}[01]$/, "one ABI bool");
  return { returned: returned.endsWith("1"), executionGas: Number(result.execResult.executionGasUsed) };
}

test(`@ethereumjs/evm (Prague) agrees with zkagg on the generated verifier (solc ${SOLC_VERSION})`, async (t) => {
  assert.ok(solcVersion().startsWith(SOLC_VERSION + "+"), `solc ${solcVersion()}`);
  const work = fs.mkdtempSync(path.join(os.tmpdir(), "zkagg-sol-"));
  try {
    for (const dir of fixtureDirs) {
      await t.test(path.relative(ROOT, dir), async () => {
        const verifier = await deployedVerifier(dir, work);
        // `zkagg calldata` prints `[a0,a1],[[b..],[b..]],[c0,c1],[inputs...]` (EIP-197 order).
        const [a, b, c, input] = JSON.parse("[" + zkagg(["calldata", "--proof", path.join(dir, "proof.json"), "--public", path.join(dir, "public.json")]) + "]");
        const selector = verifier.methodIdentifiers[`verifyProof(uint256[2],uint256[2][2],uint256[2],uint256[${input.length}])`];
        assert.ok(selector, "verifyProof selector");
        const encode = (inputs, aWords = a) =>
          "0x" + selector + [...aWords, ...b.flat(), ...c, ...inputs].map(word).join("");

        const valid = await call(verifier, encode(input));
        assert.equal(valid.returned, true, "the valid proof must verify");

        const plusOne = [...input];
        plusOne[0] = ((BigInt(plusOne[0]) + 1n) % R).toString();
        const tampered = await call(verifier, encode(plusOne));
        assert.equal(tampered.returned, false, "input[0] + 1 must not verify");

        const plusR = [...input];
        plusR[0] = (BigInt(plusR[0]) + R).toString();
        const nonCanonical = await call(verifier, encode(plusR));
        assert.equal(nonCanonical.returned, false, "input[0] + r must not verify");
        assert.ok(nonCanonical.executionGas < 2_500, `input + r cost ${nonCanonical.executionGas} gas`);

        const offCurve = await call(verifier, encode(input, [a[0], (BigInt(a[1]) ^ 1n).toString()]));
        assert.equal(offCurve.returned, false, "an off-curve A must not verify");
        assert.ok(offCurve.executionGas < 2_500, `off-curve A cost ${offCurve.executionGas} gas`);

        // Same bytecode, same calldata, same gas as revm (the Rust EVM tests' record).
        if (dir === COMMITTED && fs.existsSync(RECORD)) {
          const record = JSON.parse(fs.readFileSync(RECORD, "utf8"));
          assert.equal(verifier.code, record.deployedBytecode, "same runtime bytecode as the Rust harness compiled");
          const byLabel = Object.fromEntries(record.cases.map((c) => [c.label, c]));
          const mine = {
            valid: encode(input),
            "input0+1": encode(plusOne),
            offCurveA: encode(input, [a[0], (BigInt(a[1]) ^ 1n).toString()]),
          };
          for (const [label, calldata] of Object.entries(mine)) {
            assert.equal(calldata, byLabel[label].calldata, `${label}: zkagg calldata (CLI) == zkagg-core encoder (Rust)`);
            const result = await call(verifier, calldata);
            assert.equal(result.returned, byLabel[label].returned, `${label}: verdict`);
            assert.equal(result.executionGas, byLabel[label].executionGas, `${label}: execution gas, ethereumjs vs revm`);
          }
          t.diagnostic(`revm and @ethereumjs/evm: same bytecode, calldata and verdicts; same execution gas (valid proof: ${valid.executionGas})`);
        } else if (dir === COMMITTED) {
          t.diagnostic(`no revm record at ${RECORD} (run cargo test first): gas not cross-checked`);
        }
      });
    }
  } finally {
    fs.rmSync(work, { recursive: true, force: true });
  }
});
