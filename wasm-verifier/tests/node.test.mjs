// Node tests of the wasm verifier package (wasm-verifier/pkg/node, CommonJS).
//
// Run from the repo root (the package must be built first):
//   node --test wasm-verifier/tests/
//   node --test wasm-verifier/tests/node.test.mjs
//   ZKAGG_FIXTURES=dir1:dir2 node --test wasm-verifier/tests/node.test.mjs
//
// Each fixture dir holds verification_key.json, proof.json, public.json, optionally
// wrong_verification_key.json and the binary twins verification_key.bin, proof.bin, public.bin.
// The cases (accept / reject / throw with a message naming the problem) live in cases.mjs and are
// shared with the browser test. Each fixture is also checked with snarkjs itself first.

import { after, describe, test } from "node:test";
import assert from "node:assert/strict";
import { createRequire } from "node:module";
import * as snarkjs from "snarkjs";
import { buildCases, runCase } from "./cases.mjs";
import { NODE_PKG, fixtureDirs, loadFixtureFromDisk, requirePackage } from "./fixtures.mjs";

const require = createRequire(import.meta.url);
const api = require(requirePackage(NODE_PKG));
const fixtures = await Promise.all(fixtureDirs().map(loadFixtureFromDisk));

// snarkjs keeps worker threads alive until its curve is terminated.
after(async () => {
  await globalThis.curve_bn128?.terminate?.();
});

test("package exports the documented API", () => {
  assert.equal(typeof api.Verifier, "function", "Verifier class");
  assert.equal(typeof api.verify, "function", "verify function");
  for (const m of ["verify", "free"]) assert.equal(typeof api.Verifier.prototype[m], "function", `Verifier.prototype.${m}`);
  for (const g of ["numPublicInputs", "vkHash"]) {
    const d = Object.getOwnPropertyDescriptor(api.Verifier.prototype, g);
    assert.ok(d && typeof d.get === "function" && !d.set, `read-only getter Verifier.prototype.${g}`);
  }
});

for (const fx of fixtures) {
  describe(`fixture ${fx.label}`, () => {
    // Cross-check of the fixture itself (and of whoever wrote it): snarkjs must agree.
    test("[fixture] snarkjs accepts the proof (and rejects it under the wrong key)", async () => {
      assert.equal(await snarkjs.groth16.verify(fx.vk, fx.pub, fx.proof), true, "snarkjs rejects the fixture's proof");
      if (fx.wrongVk) assert.equal(await snarkjs.groth16.verify(fx.wrongVk, fx.pub, fx.proof), false, "snarkjs accepts under the wrong key");
    });

    for (const c of buildCases(fx)) {
      test(`[${c.expect}] ${c.name}`, (t) => {
        const r = runCase(api, c);
        assert.ok(r.pass, `${r.detail}; ${r.got}`);
        if (c.expect === "throw" || c.expect === "notAccept") t.diagnostic(r.got);
      });
    }

    test("[accept] Node Buffer inputs (fs.readFileSync style) work like Uint8Array", () => {
      const v = new api.Verifier(Buffer.from(fx.vkBin ?? fx.vkEnc));
      try {
        assert.equal(v.verify(Buffer.from(fx.proofBin ?? fx.proofEnc), Buffer.from(fx.publicBin ?? fx.publicEnc)), true);
      } finally {
        v.free();
      }
    });

    test("[accept] a freed Verifier cannot be used any more (throws, no crash)", () => {
      const v = new api.Verifier(fx.vk);
      v.free();
      assert.throws(() => v.verify(fx.proof, fx.pub));
      assert.equal(api.verify(fx.vk, fx.proof, fx.pub), true);
    });
  });
}
