// The WebGPU MSM in headless Chromium (WebGPU on SwiftShader via --enable-unsafe-webgpu) equals
// arkworks' own MSM (compiled into the same wasm module) on sizes 1 .. 2^16 (random scalars up
// to 2^13 by default, witness-like skewed scalars up to 2^16); a GPU returning garbage is caught
// (fallback to the CPU, still the right answer); without WebGPU the engine falls back to the CPU.
//
// The kernel and driver are this crate's (zkagg-gpu-msm); the browser build that carries them is
// the web prover's wasm package (web-prover/pkg, `bash scripts/build-web-prover.sh`), whose
// Prover.msmCheck runs one MSM both ways. Run from the repo root: node --test gpu-msm/tests/

import { after, before, describe, test } from "node:test";
import assert from "node:assert/strict";
import { launch, openProverPage, requireProverPackage, startServer } from "../../web-prover/tests/harness.mjs";

requireProverPackage();
let server;
before(async () => {
  server = await startServer([]);
});
after(async () => {
  await server?.close();
});

const check = (page, n, kind, seed) => page.evaluate(([n, k, s]) => window.zkaggWeb.msmCheck(n, k, s), [n, kind, seed]);

describe("WebGPU MSM (SwiftShader)", () => {
  let browser;
  let page;
  before(async () => {
    browser = await launch({ webgpu: true });
    page = await openProverPage(browser, server);
    const info = await page.evaluate(() => window.zkaggWeb.create({ backend: "gpu" }));
    assert.ok(info.gpu, `no WebGPU adapter for the engine: ${info.reason}`);
  });
  after(async () => {
    await browser?.close();
  });

  for (const n of [1, 2, 3, 7, 64, 65, 255, 1000, 4096]) {
    for (const kind of ["random", "skewed"]) {
      test(`n = ${n}, ${kind} scalars: GPU = CPU`, async () => {
        const r = await check(page, n, kind, n * 7 + kind.length);
        assert.equal(r.backend, "gpu", JSON.stringify(r));
        assert.equal(r.equal, true, JSON.stringify(r));
      });
    }
  }

  // 2^16 random scalars take ~90 s on SwiftShader (2 cores): set ZKAGG_BROWSER_MSM_FULL=1 to
  // include them; the same kernel runs 2^16 random natively on lavapipe in every test run.
  const full = process.env.ZKAGG_BROWSER_MSM_FULL === "1";
  test(`n = 2^13 random, 2^16 skewed${full ? " and random" : ""} scalars: GPU = CPU`, async (t) => {
    const r13 = await check(page, 1 << 13, "random", 13);
    assert.equal(r13.backend, "gpu", JSON.stringify(r13));
    assert.equal(r13.equal, true, JSON.stringify(r13));
    for (const kind of full ? ["skewed", "random"] : ["skewed"]) {
      const r = await check(page, 1 << 16, kind, 16);
      assert.equal(r.backend, "gpu", JSON.stringify(r));
      assert.equal(r.equal, true, JSON.stringify(r));
      t.diagnostic(`${kind}: WebGPU (SwiftShader) ${r.engineMs.toFixed(0)} ms, CPU-wasm ${r.cpuMs.toFixed(0)} ms (software adapter: correctness only)`);
    }
  });

  test("garbage from the GPU is caught and the CPU answers", async (t) => {
    for (const fault of ["corrupt", "drop"]) {
      await page.evaluate((f) => window.zkaggWeb.create({ backend: "gpu", fault: f }), fault);
      const r = await check(page, 1000, "random", 9);
      assert.equal(r.equal, true, JSON.stringify(r));
      assert.equal(r.backend, "cpu");
      assert.match(r.fallback, /check failed/);
      t.diagnostic(`${fault}: ${r.fallback}`);
    }
  });

  test("no uncaught errors in the page", () => {
    assert.deepEqual(page.problems, []);
  });
});

describe("no WebGPU", () => {
  test("the engine falls back to the CPU with the right answer", async () => {
    const browser = await launch({ webgpu: false });
    try {
      const page = await openProverPage(browser, server);
      const info = await page.evaluate(() => window.zkaggWeb.create({ backend: "gpu" }));
      assert.equal(info.gpu, null);
      const r = await check(page, 1000, "skewed", 3);
      assert.equal(r.equal, true);
      assert.equal(r.backend, "cpu");
      assert.ok(r.fallback);
    } finally {
      await browser.close();
    }
  });
});
