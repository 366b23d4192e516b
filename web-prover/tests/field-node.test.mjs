// The 29-bit-limb field against arkworks in Node's wasm engine, from the same build the browser
// runs (web-prover/pkg, built by scripts/build-web-prover.sh): the wasm MSM's coordinates
// (zkagg_field29::fq29 and the batch inversions of zkagg_gpu_msm::cpu) and the arkworks field
// backend with its towers and pairing that the wasm verifier verifies on
// (zkagg_field29::self_check). browser.test.mjs runs the same checks in Chromium.
import { test } from "node:test";
import assert from "node:assert/strict";
import fs from "node:fs";
import path from "node:path";
import { REPO_ROOT, requireProverPackage } from "./harness.mjs";

// The pkg's thread-pool helper listens for messages on `self` when it loads; Node has no
// `self`, and no threads are started here.
globalThis.self ??= new EventTarget();

requireProverPackage();
const pkg = path.join(REPO_ROOT, "web-prover/pkg");
const prover = await import(path.join(pkg, "zkagg_web_prover.js"));
await prover.default({ module_or_path: fs.readFileSync(path.join(pkg, "zkagg_web_prover_bg.wasm")) });

test("the 29-bit fields (MSM coordinates, pairing backend, QAP scalars and FFTs) equal arkworks in Node (edge and random values)", (t) => {
  const [msm, pairing, qap] = prover.fieldSelfTest(64);
  assert.ok(msm > 5000, `only ${msm} MSM field checks`);
  assert.ok(pairing > 1000, `only ${pairing} pairing field checks`);
  assert.ok(qap > 1000, `only ${qap} QAP field checks`);
  t.diagnostic(`${msm} + ${pairing} + ${qap} comparisons`);
});

test("a product chain in the 29-bit field ends where arkworks' does", () => {
  // benchFieldMul throws when the two chains end on different values; the timings themselves
  // may read 0 at this length (the clock's resolution), so only their form is checked.
  const ns = prover.benchFieldMul(1 << 12);
  assert.equal(ns.length, 2);
  assert.ok([...ns].every((t) => Number.isFinite(t) && t >= 0), `${ns}`);
});
