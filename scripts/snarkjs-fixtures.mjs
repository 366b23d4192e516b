#!/usr/bin/env node
// Generate Groth16 (BN254) fixtures with circom2 + snarkjs, fully offline.
//
// Usage (from the repo root):
//   node scripts/snarkjs-fixtures.mjs <out-dir> [--circuit path.circom] [--input input.json]
//                                     [--power N] [--random] [--keep-work]
//
//   node scripts/snarkjs-fixtures.mjs target/snarkjs-fixtures
//
// Pipeline: circom2 compile (r1cs + wasm) -> powers of tau (new, one contribution with fixed
// entropy, prepare phase 2) at the smallest power that fits the circuit (or --power N) ->
// groth16 setup -> one zkey contribution -> export verification key -> witness for a fixed
// input -> prove -> verify with snarkjs. A second, independent ceremony of the same circuit
// (different entropy for both phases) gives wrong_verification_key.json; the script checks
// that the proof is rejected by it.
//
// Files written to <out-dir>:
//   verification_key.json  proof.json  public.json  wrong_verification_key.json
//   circuit.zkey  witness.wtns  circuit.r1cs  circuit.wasm  input.json
//
// Defaults: --circuit tests/circom/zkagg_fixture.circom; --input defaults to the circuit path
// with ".circom" replaced by ".input.json".
//
// Reproducibility: snarkjs mixes OS randomness into contributions (on top of the entropy
// string) and into the prover's r, s. Unless --random is given, this script replaces that
// randomness with a fixed-seed SHA-256 stream for the duration of the run, so re-running with
// the same circuit and input produces byte-identical outputs (safe to re-run: committed
// fixtures do not churn). These keys are for TESTS ONLY: their toxic waste is reproducible.
//
// Outputs are assembled in <out-dir>/.work and only moved into place after the proof verified
// (and was rejected by the wrong key), so a failed run leaves previous outputs untouched.
// Exit status: 0 on success, 1 on any failure, 2 on bad usage.

import fs from "node:fs";
import path from "node:path";
import crypto from "node:crypto";
import { spawnSync } from "node:child_process";
import { fileURLToPath } from "node:url";
import * as snarkjs from "snarkjs";

const REPO_ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");
const DEFAULT_CIRCUIT = path.join(REPO_ROOT, "tests/circom/zkagg_fixture.circom");
const CIRCOM_CLI = path.join(REPO_ROOT, "node_modules/circom2/cli.js");

const ENTROPY = {
  ptau: "zkagg test fixtures: powers of tau contribution",
  zkey: "zkagg test fixtures: phase 2 contribution",
  wrongPtau: "zkagg test fixtures: WRONG powers of tau contribution",
  wrongZkey: "zkagg test fixtures: WRONG phase 2 contribution",
};
const RANDOM_SEED = "zkagg snarkjs fixtures v1";

function usage(msg) {
  if (msg) console.error(`error: ${msg}`);
  console.error(
    "usage: node scripts/snarkjs-fixtures.mjs <out-dir> [--circuit path.circom] [--input input.json] [--power N] [--random] [--keep-work]",
  );
  process.exit(2);
}

function parseArgs(argv) {
  const opts = { outDir: null, circuit: DEFAULT_CIRCUIT, input: null, power: null, random: false, keepWork: false };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    const value = () => {
      if (i + 1 >= argv.length) usage(`${a} needs a value`);
      return argv[++i];
    };
    if (a === "--circuit") opts.circuit = path.resolve(value());
    else if (a === "--input") opts.input = path.resolve(value());
    else if (a === "--power") {
      const v = value();
      if (!/^\d+$/.test(v) || +v < 1 || +v > 28) usage(`--power must be an integer in 1..28, got ${v}`);
      opts.power = +v;
    } else if (a === "--random") opts.random = true;
    else if (a === "--keep-work") opts.keepWork = true;
    else if (a === "-h" || a === "--help") usage();
    else if (a.startsWith("-")) usage(`unknown option ${a}`);
    else if (opts.outDir === null) opts.outDir = path.resolve(a);
    else usage(`unexpected argument ${a}`);
  }
  if (!opts.outDir) usage("missing <out-dir>");
  if (!opts.input) opts.input = opts.circuit.replace(/\.circom$/, "") + ".input.json";
  return opts;
}

// Replace node:crypto.randomFillSync (what ffjavascript/snarkjs use for randomness in Node)
// by a deterministic SHA-256 counter-mode stream.
function makeRandomnessDeterministic(seed) {
  const original = crypto.randomFillSync;
  let counter = 0n;
  let pool = Buffer.alloc(0);
  crypto.randomFillSync = function deterministicFill(buf, offset = 0, size) {
    const view = ArrayBuffer.isView(buf)
      ? new Uint8Array(buf.buffer, buf.byteOffset, buf.byteLength)
      : new Uint8Array(buf);
    const end = size === undefined ? view.length : offset + size;
    for (let i = offset; i < end; i++) {
      if (pool.length === 0) {
        const ctr = Buffer.alloc(8);
        ctr.writeBigUInt64BE(counter++);
        pool = crypto.createHash("sha256").update(seed).update(ctr).digest();
      }
      view[i] = pool[0];
      pool = pool.subarray(1);
    }
    return buf;
  };
  return () => {
    crypto.randomFillSync = original;
  };
}

const t0 = performance.now();
const secs = (ms) => (ms / 1000).toFixed(1) + " s";
async function step(name, fn) {
  const start = performance.now();
  process.stdout.write(`[${secs(start - t0).padStart(7)}] ${name} ...`);
  const res = await fn();
  process.stdout.write(` done (${secs(performance.now() - start)})\n`);
  return res;
}

// snarkjs logger: keep errors/warnings visible, drop the chatty info/debug output.
const logger = {
  debug() {},
  info() {},
  warn: (...m) => console.warn("\n  snarkjs warning:", ...m),
  error: (...m) => console.error("\n  snarkjs error:", ...m),
};

// snarkjs signals some failures by returning a non-undefined value (e.g. -1) from file steps.
function expectOk(res, what) {
  if (typeof res === "number" && res !== 0) throw new Error(`${what} failed (snarkjs returned ${res})`);
  return res;
}

function ceilLog2(n) {
  let p = 0;
  while (2 ** p < n) p++;
  return p;
}

const writeJson = (file, value) => fs.writeFileSync(file, JSON.stringify(value, null, 2) + "\n");

// Phase 1 (powers of tau) of one ceremony: new + one contribution; returns the unprepared file.
async function phase1(label, power, work, entropy, curve) {
  const pot0 = path.join(work, `${label}_pot_0000.ptau`);
  const pot1 = path.join(work, `${label}_pot_0001.ptau`);
  await step(`${label}: powers of tau new (2^${power})`, async () =>
    expectOk(await snarkjs.powersOfTau.newAccumulator(curve, power, pot0, logger), "powersoftau new"));
  await step(`${label}: powers of tau contribute`, async () =>
    expectOk(await snarkjs.powersOfTau.contribute(pot0, pot1, `${label} ptau`, entropy, logger), "powersoftau contribute"));
  return pot1;
}

// Phase 2 (circuit specific): groth16 setup + one contribution + verification key export.
async function phase2(label, r1csFile, ptauFinal, work, entropy) {
  const zkey0 = path.join(work, `${label}_0000.zkey`);
  const zkey1 = path.join(work, `${label}_0001.zkey`);
  await step(`${label}: groth16 setup`, async () =>
    expectOk(await snarkjs.zKey.newZKey(r1csFile, ptauFinal, zkey0, logger), "groth16 setup"));
  await step(`${label}: zkey contribute`, async () =>
    expectOk(await snarkjs.zKey.contribute(zkey0, zkey1, `${label} zkey`, entropy, logger), "zkey contribute"));
  const vk = await step(`${label}: export verification key`, () => snarkjs.zKey.exportVerificationKey(zkey1, logger));
  if (!vk || vk.protocol !== "groth16") throw new Error(`${label}: unexpected verification key export`);
  return { zkey: zkey1, vk };
}

async function main() {
  const opts = parseArgs(process.argv.slice(2));
  for (const [what, f] of [["circuit", opts.circuit], ["input", opts.input], ["circom2", CIRCOM_CLI]]) {
    if (!fs.existsSync(f)) throw new Error(`${what} not found: ${f}`);
  }
  const restoreRandomness = opts.random ? () => {} : makeRandomnessDeterministic(RANDOM_SEED);
  console.log(`circuit: ${path.relative(process.cwd(), opts.circuit)}`);
  console.log(`input:   ${path.relative(process.cwd(), opts.input)}`);
  console.log(`out:     ${path.relative(process.cwd(), opts.outDir) || "."}`);
  console.log(`randomness: ${opts.random ? "OS (outputs differ per run)" : "fixed seed (reproducible outputs)"}`);

  const work = path.join(opts.outDir, ".work");
  fs.rmSync(work, { recursive: true, force: true });
  fs.mkdirSync(work, { recursive: true });

  const name = path.basename(opts.circuit, ".circom");
  await step("circom2: compile (r1cs + wasm)", async () => {
    const r = spawnSync(process.execPath, [CIRCOM_CLI, opts.circuit, "--r1cs", "--wasm", "-o", work], {
      cwd: REPO_ROOT,
      encoding: "utf8",
    });
    if (r.status !== 0 || r.error) {
      throw new Error(`circom2 failed (status ${r.status}):\n${r.stdout}\n${r.stderr}${r.error ? r.error : ""}`);
    }
  });
  const r1csFile = path.join(work, `${name}.r1cs`);
  const wasmFile = path.join(work, `${name}_js`, `${name}.wasm`);
  for (const f of [r1csFile, wasmFile]) if (!fs.existsSync(f)) throw new Error(`circom2 did not produce ${f}`);

  const r1cs = await snarkjs.r1cs.info(r1csFile);
  const domain = r1cs.nConstraints + r1cs.nPubInputs + r1cs.nOutputs + 1;
  const minPower = ceilLog2(domain);
  const power = opts.power ?? minPower;
  console.log(
    `r1cs: ${r1cs.nConstraints} constraints, ${r1cs.nVars} wires, ${r1cs.nOutputs} public outputs, ` +
      `${r1cs.nPubInputs} public inputs, ${r1cs.nPrvInputs} private inputs -> needs 2^${minPower} (domain ${domain})`,
  );
  if (power < minPower) throw new Error(`--power ${power} is too small: this circuit needs at least ${minPower}`);

  const curve = await snarkjs.curves.getCurveFromName("bn128");
  try {
    // Witness first: a bad input fails fast, before the slow setup.
    const input = JSON.parse(fs.readFileSync(opts.input, "utf8"));
    const wtnsFile = path.join(work, "witness.wtns");
    await step("witness", () => snarkjs.wtns.calculate(input, wasmFile, wtnsFile));
    await step("witness check against r1cs", async () => {
      if (!(await snarkjs.wtns.check(r1csFile, wtnsFile, logger))) throw new Error("witness does not satisfy the r1cs");
    });

    // Two independent ceremonies (the second one only produces the wrong key). Steps that
    // consume randomness run one after the other so the seeded stream stays reproducible;
    // the slow, randomness-free "prepare phase2" steps of both run concurrently.
    const pot = await phase1("key", power, work, ENTROPY.ptau, curve);
    const potWrong = await phase1("wrong-key", power, work, ENTROPY.wrongPtau, curve);
    const potFinal = path.join(work, "key_pot_final.ptau");
    const potWrongFinal = path.join(work, "wrong-key_pot_final.ptau");
    await step("powers of tau prepare phase2 (both ceremonies)", () =>
      Promise.all([
        snarkjs.powersOfTau.preparePhase2(pot, potFinal, logger),
        snarkjs.powersOfTau.preparePhase2(potWrong, potWrongFinal, logger),
      ]));
    const good = await phase2("key", r1csFile, potFinal, work, ENTROPY.zkey);
    const wrong = await phase2("wrong-key", r1csFile, potWrongFinal, work, ENTROPY.wrongZkey);

    const { proof, publicSignals } = await step("groth16 prove", () => snarkjs.groth16.prove(good.zkey, wtnsFile, logger));
    restoreRandomness();

    const ok = await step("groth16 verify (snarkjs)", () => snarkjs.groth16.verify(good.vk, publicSignals, proof, logger));
    if (ok !== true) throw new Error("snarkjs rejected the freshly generated proof");
    const wrongOk = await step("groth16 verify with the wrong key (must fail)", () =>
      snarkjs.groth16.verify(wrong.vk, publicSignals, proof));
    if (wrongOk !== false) throw new Error("the wrong verification key accepted the proof");
    if (publicSignals.length !== good.vk.nPublic) throw new Error("public signal count does not match nPublic");

    // Assemble outputs, then move them into place.
    const staged = path.join(work, "out");
    fs.mkdirSync(staged);
    writeJson(path.join(staged, "verification_key.json"), good.vk);
    writeJson(path.join(staged, "wrong_verification_key.json"), wrong.vk);
    writeJson(path.join(staged, "proof.json"), proof);
    writeJson(path.join(staged, "public.json"), publicSignals);
    writeJson(path.join(staged, "input.json"), input);
    fs.copyFileSync(good.zkey, path.join(staged, "circuit.zkey"));
    fs.copyFileSync(wtnsFile, path.join(staged, "witness.wtns"));
    fs.copyFileSync(r1csFile, path.join(staged, "circuit.r1cs"));
    fs.copyFileSync(wasmFile, path.join(staged, "circuit.wasm"));
    for (const f of fs.readdirSync(staged)) fs.renameSync(path.join(staged, f), path.join(opts.outDir, f));
    if (!opts.keepWork) fs.rmSync(work, { recursive: true, force: true });

    console.log(`public signals (${publicSignals.length}): ${publicSignals.join(", ")}`);
    for (const f of ["verification_key.json", "proof.json", "public.json", "wrong_verification_key.json"]) {
      const bytes = fs.readFileSync(path.join(opts.outDir, f));
      const sha = crypto.createHash("sha256").update(bytes).digest("hex").slice(0, 16);
      console.log(`  ${f.padEnd(28)} ${String(bytes.length).padStart(6)} bytes  sha256 ${sha}…`);
    }
    console.log(`total ${secs(performance.now() - t0)}`);
  } finally {
    await curve.terminate();
  }
}

main().then(
  () => process.exit(0),
  (err) => {
    console.error(`\nFAILED: ${err && err.stack ? err.stack : err}`);
    process.exit(1);
  },
);
