// The web prover in headless Chromium (web-prover/pkg, threaded wasm in a Web Worker), driven by
// playwright-core through web-prover/tests/browser/index.html:
//   - CPU-only and WebGPU (SwiftShader, --enable-unsafe-webgpu) proofs of the committed snarkjs
//     fixture verify with snarkjs and with the zkagg wasm verifier, and equal snarkjs's public
//     signals; with a fixed seed both modes give the same proof;
//   - a GPU that returns garbage (test hook) is caught and the MSMs fall back to the CPU;
//   - without WebGPU (no flag) the prover falls back to the CPU;
//   - an aborted proof stops promptly (AbortError) and the prover keeps working;
//   - progress covers every phase; peak memory is reported;
//   - the project's batch circuit (arkworks key) proves in the Worker too.
// Run (repo root, after scripts/build-web-prover.sh and scripts/build-wasm.sh):
//   node --test web-prover/tests/

import { after, before, describe, test } from "node:test";
import assert from "node:assert/strict";
import path from "node:path";
import {
  FIXTURES, launch, openProverPage, readJson, requireProverPackage, snarkjsTerminate,
  snarkjsVerify, startServer, wasmVerifier,
} from "./harness.mjs";

requireProverPackage();
const vk = readJson(path.join(FIXTURES, "verification_key.json"));
const expectedPublic = readJson(path.join(FIXTURES, "public.json"));
const wrongVk = readJson(path.join(FIXTURES, "wrong_verification_key.json"));
const ZKEY = "/repo/web-prover/tests/fixtures/circuit.zkey";
const WTNS = "/repo/web-prover/tests/fixtures/witness.wtns";

let server;
before(async () => {
  server = await startServer([]);
});
after(async () => {
  await server?.close();
  await snarkjsTerminate();
});

async function checkProof(r, label) {
  assert.deepEqual(r.publicSignals, expectedPublic, `${label}: public signals differ from snarkjs's`);
  assert.equal(r.proof.protocol, "groth16");
  assert.equal(await snarkjsVerify(vk, r.publicSignals, r.proof), true, `${label}: snarkjs rejected the proof`);
  assert.equal(await snarkjsVerify(wrongVk, r.publicSignals, r.proof), false, `${label}: the wrong key accepted it`);
  const verifier = wasmVerifier(vk);
  if (verifier) assert.equal(verifier.verify(r.proof, r.publicSignals), true, `${label}: wasm verifier rejected the proof`);
}

const gpuBackends = (report) => report.msms.flatMap((m) => m.backends);

describe("with WebGPU (SwiftShader)", () => {
  let browser;
  let page;
  before(async () => {
    browser = await launch({ webgpu: true });
    page = await openProverPage(browser, server);
  });
  after(async () => {
    await browser?.close();
  });

  test("page is cross-origin isolated and has a WebGPU adapter", async () => {
    const env = await page.evaluate(() => window.zkaggWeb.env());
    assert.equal(env.crossOriginIsolated, true);
    assert.equal(env.webgpu, true);
    assert.equal(env.adapter, true, "no WebGPU adapter despite --enable-unsafe-webgpu");
  });

  test("the 29-bit fields (MSM coordinates, pairing backend, QAP scalars and FFTs) equal arkworks in Chromium (edge and random values)", async (t) => {
    await page.evaluate(() => window.zkaggWeb.create({ backend: "cpu" }));
    const [msm, pairing, qap] = await page.evaluate(() => window.zkaggWeb.fieldSelfTest(64));
    assert.ok(msm > 5000, `only ${msm} MSM field checks`);
    assert.ok(pairing > 1000, `only ${pairing} pairing field checks`);
    assert.ok(qap > 1000, `only ${qap} QAP field checks`);
    t.diagnostic(`${msm} + ${pairing} + ${qap} comparisons`);
  });

  test("CPU backend, all threads: the proof verifies (snarkjs, wasm verifier)", async (t) => {
    const info = await page.evaluate(() => window.zkaggWeb.create({ backend: "cpu" }));
    assert.ok(info.threads >= 1);
    const r = await page.evaluate(([z, w]) => window.zkaggWeb.prove(z, w, { chunkPoints: 64 }), [ZKEY, WTNS]);
    await checkProof(r, "cpu");
    assert.deepEqual([...new Set(gpuBackends(r.report))], ["cpu"]);
    const phases = new Set(r.progress.map((p) => p.phase));
    for (const p of ["load", "qap", "fft", "msm_a", "msm_b1", "msm_b2", "msm_c", "msm_h", "finish"]) assert.ok(phases.has(p), `no progress for ${p}`);
    assert.equal(r.progress.at(-1).overall, 1);
    assert.ok(r.report.peak_memory_bytes > 0);
    t.diagnostic(`threads ${info.threads}, ${r.ms.toFixed(0)} ms, wasm memory ${(r.report.peak_memory_bytes / 2 ** 20).toFixed(0)} MiB`);
  });

  test("GPU backend (WebGPU MSMs): the proof verifies and equals the CPU proof for the same seed", async (t) => {
    const info = await page.evaluate(() => window.zkaggWeb.create({ backend: "gpu" }));
    assert.ok(info.gpu, `no GPU in the prover: ${info.reason}`);
    t.diagnostic(`adapter: ${info.gpu}`);
    const r = await page.evaluate(([z, w]) => window.zkaggWeb.prove(z, w, { chunkPoints: 64 }), [ZKEY, WTNS]);
    await checkProof(r, "gpu");
    assert.ok(gpuBackends(r.report).includes("gpu"), JSON.stringify(r.report.msms));
    assert.deepEqual(r.report.msms.flatMap((m) => m.fallbacks), []);
    const gpuSeeded = await page.evaluate(([z, w]) => window.zkaggWeb.prove(z, w, { seed: 5 }), [ZKEY, WTNS]);
    await page.evaluate(() => window.zkaggWeb.create({ backend: "cpu" }));
    const cpuSeeded = await page.evaluate(([z, w]) => window.zkaggWeb.prove(z, w, { seed: 5 }), [ZKEY, WTNS]);
    assert.deepEqual(gpuSeeded.proof, cpuSeeded.proof);
    t.diagnostic(`gpu proof ${r.ms.toFixed(0)} ms`);
  });

  test("a GPU returning garbage is caught and the CPU takes over", async (t) => {
    for (const fault of ["corrupt", "drop"]) {
      const info = await page.evaluate((f) => window.zkaggWeb.create({ backend: "gpu", fault: f }), fault);
      assert.ok(info.gpu);
      const r = await page.evaluate(([z, w]) => window.zkaggWeb.prove(z, w, {}), [ZKEY, WTNS]);
      await checkProof(r, `fault ${fault}`);
      const fallbacks = r.report.msms.flatMap((m) => m.fallbacks);
      assert.ok(fallbacks.some((f) => f.includes("check failed")), `${fault}: ${JSON.stringify(r.report.msms)}`);
      t.diagnostic(`${fault}: ${fallbacks[0]}`);
    }
  });

  test("an aborted proof stops promptly and the prover stays usable", async (t) => {
    await page.evaluate(() => window.zkaggWeb.create({ backend: "cpu" }));
    const r = await page.evaluate(([z, w]) => window.zkaggWeb.proveAndAbort(z, w, "msm_a", { chunkPoints: 1 }), [ZKEY, WTNS]);
    assert.equal(r.rejected, true, JSON.stringify(r));
    assert.equal(r.name, "AbortError");
    assert.ok(r.stopMs < 1000, `took ${r.stopMs} ms to stop`);
    t.diagnostic(`stopped ${r.stopMs.toFixed(1)} ms after abort()`);
    const again = await page.evaluate(([z, w]) => window.zkaggWeb.prove(z, w, {}), [ZKEY, WTNS]);
    await checkProof(again, "after abort");
  });

  test("the project's batch circuit proves in the Worker; snarkjs and the wasm verifier accept", async (t) => {
    await page.evaluate(() => window.zkaggWeb.create({ backend: "cpu" }));
    const r = await page.evaluate(() => window.zkaggWeb.batchRoundTrip(1, 3, 7));
    assert.equal(r.demo.valid, true);
    assert.equal(r.demo.publicSignals.length, 3);
    // The same statement proved again from the handed-out key and witness bytes.
    assert.deepEqual(r.again.publicSignals, r.demo.publicSignals);
    assert.ok(r.progress.length > 0, "no progress events");
    // The circuit's matrices: built once by prepareBatch, then reused (by the proof too).
    assert.equal(r.other.cached, false);
    assert.ok(r.other.constraints > r.prepared.constraints, "a deeper tree has more constraints");
    assert.equal(r.prepared.cached, false);
    assert.ok(r.prepared.constraints > 0 && r.prepared.terms > r.prepared.constraints);
    assert.equal(r.preparedAgain.cached, true);
    assert.deepEqual(Object.keys(r.again.report.phaseMs), ["load", "witness", "qap", "msm_a", "msm_b1", "msm_b2", "msm_h", "msm_l", "finish"]);
    assert.equal(r.again.report.constraints, r.prepared.constraints);
    assert.match(r.badParams ?? "", /transfers.*not a small whole number/);
    // The proving key: parsed by the first proveBatch, found in the Worker's cache by the
    // second (same bytes), parsed again for another setup's key, whose proof verifies under
    // that setup's key only.
    assert.equal(r.again.report.keyCached, false);
    assert.equal(r.cachedKey.report.keyCached, true);
    assert.deepEqual(r.cachedKey.publicSignals, r.demo.publicSignals);
    assert.equal(await snarkjsVerify(r.demo.vk, r.cachedKey.publicSignals, r.cachedKey.proof), true, "cached key: snarkjs");
    assert.equal(r.otherKey.report.keyCached, false);
    assert.equal(await snarkjsVerify(r.otherKey.vk, r.otherKey.publicSignals, r.otherKey.proof), true, "other key: snarkjs");
    assert.equal(await snarkjsVerify(r.demo.vk, r.otherKey.publicSignals, r.otherKey.proof), false, "other key's proof under the first key");
    const verifier = wasmVerifier(r.demo.vk);
    for (const [name, p] of [["demo", r.demo], ["proveBatch", r.again]]) {
      assert.equal(await snarkjsVerify(r.demo.vk, p.publicSignals, p.proof), true, `${name}: snarkjs`);
      if (verifier) assert.equal(verifier.verify(p.proof, p.publicSignals), true, `${name}: wasm verifier`);
      // A changed statement (new root + 1) is rejected by both.
      const forged = [...p.publicSignals];
      forged[1] = (BigInt(forged[1]) + 1n).toString();
      assert.equal(await snarkjsVerify(r.demo.vk, forged, p.proof), false, `${name}: snarkjs forged`);
      if (verifier) assert.equal(verifier.verify(p.proof, forged), false, `${name}: wasm forged`);
    }
    t.diagnostic(`setup ${r.demo.setupMs.toFixed(0)} ms, proof ${r.demo.proveMs.toFixed(0)} ms, pk ${r.demo.pk} bytes`);
  });

  test("no uncaught errors in the page", () => {
    assert.deepEqual(page.problems, []);
  });
});

describe("without WebGPU", () => {
  let browser;
  let page;
  before(async () => {
    browser = await launch({ webgpu: false });
    page = await openProverPage(browser, server);
  });
  after(async () => {
    await browser?.close();
  });

  test("the GPU backend falls back to the CPU and the proof verifies", async (t) => {
    const info = await page.evaluate(() => window.zkaggWeb.create({ backend: "gpu" }));
    assert.equal(info.gpu, null);
    assert.ok(info.reason, "no reason given for the missing GPU");
    t.diagnostic(`reason: ${info.reason}`);
    const r = await page.evaluate(([z, w]) => window.zkaggWeb.prove(z, w, {}), [ZKEY, WTNS]);
    await checkProof(r, "no webgpu");
    assert.deepEqual([...new Set(gpuBackends(r.report))], ["cpu"]);
    assert.ok(r.report.msms.some((m) => m.fallbacks.length > 0));
  });
});
