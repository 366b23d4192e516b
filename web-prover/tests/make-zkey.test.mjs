// The benchmark's large keys come from web-prover/examples/make_zkey.rs (a snarkjs-format
// Groth16 key from a known-toxic-waste setup). Here, at 2^10: snarkjs reads the key (its exported
// verifying key equals ours), snarkjs's own prover on our key and witness gives a proof that
// verifies, `zkagg prove` on it gives a proof snarkjs accepts, and a changed input is rejected.
import { test } from "node:test";
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import * as snarkjs from "snarkjs";
import { REPO_ROOT } from "./harness.mjs";

const target = process.env.CARGO_TARGET_DIR || path.join(REPO_ROOT, "target");
const zkagg = path.join(target, "release", "zkagg");
const json = (p) => JSON.parse(fs.readFileSync(p, "utf8"));
const quiet = { info() {}, debug() {}, warn() {}, error() {} };

test("make_zkey's key is a valid snarkjs Groth16 key (2^10)", async () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "zkagg-make-zkey-"));
  try {
    const gen = spawnSync("cargo", ["run", "--release", "-q", "-p", "zkagg-web-prover", "--example", "make_zkey", "--", "10", dir], { cwd: REPO_ROOT, encoding: "utf8" });
    assert.equal(gen.status, 0, gen.stderr);
    const vk = json(path.join(dir, "vk.json"));
    const exported = await snarkjs.zKey.exportVerificationKey(path.join(dir, "circuit.zkey"), quiet);
    for (const k of ["IC", "vk_alpha_1", "vk_beta_2", "vk_gamma_2", "vk_delta_2", "vk_alphabeta_12"]) {
      assert.deepEqual(exported[k], vk[k], k);
    }
    const theirs = await snarkjs.groth16.prove(path.join(dir, "circuit.zkey"), path.join(dir, "witness.wtns"), quiet);
    assert.equal(await snarkjs.groth16.verify(vk, theirs.publicSignals, theirs.proof, quiet), true, "snarkjs's proof on our key");
    assert.ok(fs.existsSync(zkagg), `${zkagg} missing: cargo build --release -p zkagg-aggregator`);
    const r = spawnSync(zkagg, ["prove", "--zkey", path.join(dir, "circuit.zkey"), "--wtns", path.join(dir, "witness.wtns"),
      "--proof", path.join(dir, "proof.json"), "--public", path.join(dir, "public.out.json")], { encoding: "utf8" });
    assert.equal(r.status, 0, r.stderr);
    const proof = json(path.join(dir, "proof.json"));
    const pub = json(path.join(dir, "public.out.json"));
    assert.deepEqual(pub, json(path.join(dir, "public.json")));
    assert.equal(await snarkjs.groth16.verify(vk, pub, proof, quiet), true, "our proof on our key");
    assert.equal(await snarkjs.groth16.verify(vk, [pub[0], (BigInt(pub[1]) + 1n).toString()], proof, quiet), false, "changed input");
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
    await globalThis.curve_bn128?.terminate();
  }
});
