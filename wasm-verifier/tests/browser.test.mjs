// Browser tests of the wasm verifier package (wasm-verifier/pkg/web, --target web) in headless
// Chromium, driven by playwright-core. Same cases as the Node test (cases.mjs).
//
// Run from the repo root (the package must be built first):
//   node --test wasm-verifier/tests/                          (Node + browser tests)
//   node --test wasm-verifier/tests/browser.test.mjs
//   ZKAGG_FIXTURES=dir1:dir2 node --test wasm-verifier/tests/browser.test.mjs
//
// Needs /usr/bin/chromium (or $ZKAGG_CHROMIUM); fails, rather than skips, when it is missing.
// Serves the repo root and the fixture dirs from 127.0.0.1 (ephemeral port) with COOP/COEP
// headers, opens wasm-verifier/tests/browser/index.html, runs every case in the page, and saves
// a screenshot of the results table to target/wasm-verifier-browser.png.

import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import fs from "node:fs";
import path from "node:path";
import { REPO_ROOT, WEB_PKG, fixtureDirs, fixtureLabel, requirePackage } from "./fixtures.mjs";
import { launchChromium, openPage, startServer } from "./browser-harness.mjs";

const SCREENSHOT = path.join(REPO_ROOT, "target/wasm-verifier-browser.png");

requirePackage(WEB_PKG);
const dirs = fixtureDirs();
let server;
let browser;
let page;

before(async () => {
  server = await startServer(dirs);
  browser = await launchChromium();
  page = await openPage(browser, `${server.origin}/repo/wasm-verifier/tests/browser/index.html`);
  try {
    await page.waitForFunction(() => window.zkagg !== undefined, null, { timeout: 30_000 });
  } catch (e) {
    throw new Error(`test page did not load: ${page.problems.join("; ") || e.message}`);
  }
});

after(async () => {
  // Always release the browser and the port, whatever failed above.
  try {
    if (page) {
      fs.mkdirSync(path.dirname(SCREENSHOT), { recursive: true });
      await page.screenshot({ path: SCREENSHOT, fullPage: true });
      console.log(`# screenshot: ${path.relative(process.cwd(), SCREENSHOT)}`);
    }
  } finally {
    await browser?.close();
    await server?.close();
  }
});

test("pkg/web initialises in a cross-origin isolated page", async () => {
  const env = await page.evaluate(() => window.zkagg.ready);
  assert.equal(env.crossOriginIsolated, true, "COOP/COEP headers should make the page cross-origin isolated");
  assert.match(env.userAgent, /Chrome\//);
});

for (const [i, dir] of dirs.entries()) {
  test(`fixture ${fixtureLabel(dir)} (in Chromium)`, async (t) => {
    const results = await page.evaluate(([base, list, label]) => window.zkagg.runFixture(base, list, label), [
      server.fixtureUrl(i),
      server.fixtureListUrl(i),
      fixtureLabel(dir),
    ]);
    assert.ok(results.length > 0, "no cases ran");
    for (const r of results) {
      await t.test(`[${r.expect}] ${r.name}`, (st) => {
        assert.ok(r.pass, `${r.detail}; ${r.got}`);
        if (r.expect === "throw" || r.expect === "notAccept") st.diagnostic(r.got);
      });
    }
  });
}

test("no uncaught errors or console errors in the page", () => {
  assert.deepEqual(page.problems, []);
});
