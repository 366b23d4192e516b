// The wasm verifier's aggregate API in Node (pkg/node) and in headless Chromium (pkg/web), on a
// real aggregate: one Groth16 proof of four folded batch proofs. The fixture directory is
// $ZKAGG_AGGREGATE (see aggregate-cases.mjs for what it holds and how scripts/test.sh makes it);
// without it these tests are skipped with that message.
//
//   ZKAGG_AGGREGATE=dir node --test wasm-verifier/tests/aggregate.test.mjs

import { after, before, describe, test } from "node:test";
import assert from "node:assert/strict";
import fs from "node:fs";
import path from "node:path";
import { createRequire } from "node:module";
import { AGGREGATE_FILES, runAggregateCases } from "./aggregate-cases.mjs";
import { NODE_PKG, WEB_PKG, requirePackage } from "./fixtures.mjs";
import { launchChromium, openPage, startServer } from "./browser-harness.mjs";

const dir = process.env.ZKAGG_AGGREGATE;
const skip = dir ? false : "set ZKAGG_AGGREGATE to an aggregate fixture directory (scripts/test.sh makes one)";

function readFiles() {
  const files = {};
  for (const name of AGGREGATE_FILES) files[name] = fs.readFileSync(path.join(dir, name), "utf8");
  return files;
}

function check(results) {
  for (const r of results) {
    assert.ok(r.pass, `${r.name}: expected ${r.expect}, got ${r.got} ${r.detail}`);
  }
  const valid = results.find((r) => r.name.startsWith("valid aggregate (prepared"));
  console.log(`# aggregate verify: ${valid.ms.toFixed(1)} ms; ${results.length} cases`);
}

describe("aggregate verifier (Node)", { skip }, () => {
  test("every case", () => {
    const api = createRequire(import.meta.url)(requirePackage(NODE_PKG));
    check(runAggregateCases(api, readFiles()));
  });
});

describe("aggregate verifier (Chromium)", { skip }, () => {
  let server;
  let browser;
  let page;
  before(async () => {
    requirePackage(WEB_PKG);
    server = await startServer([path.resolve(dir)]);
    browser = await launchChromium();
    page = await openPage(browser, `${server.origin}/repo/wasm-verifier/tests/browser/index.html`);
    await page.waitForFunction(() => window.zkagg !== undefined, null, { timeout: 30_000 });
    await page.evaluate(() => window.zkagg.ready);
  });
  after(async () => {
    await browser?.close();
    await server?.close();
  });
  test("every case, in the page", async () => {
    const results = await page.evaluate(
      async ({ names, base }) => {
        const api = await import("/repo/wasm-verifier/pkg/web/zkagg_wasm_verifier.js");
        const { runAggregateCases } = await import("/repo/wasm-verifier/tests/aggregate-cases.mjs");
        const files = {};
        for (const n of names) {
          const r = await fetch(`${base}/${n}`);
          if (!r.ok) throw new Error(`GET ${n}: ${r.status}`);
          files[n] = await r.text();
        }
        return runAggregateCases(api, files);
      },
      { names: AGGREGATE_FILES, base: server.fixtureUrl(0) },
    );
    check(results);
    assert.deepEqual(page.problems, [], "no console errors in the page");
  });
});
