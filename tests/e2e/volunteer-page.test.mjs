// The volunteer page (www/index.html) in headless Chromium: it proves a batch with the web
// prover from the files `zkagg setup` and `zkagg prove-batch` write, verifies the proof with the
// wasm verifier in the page, and snarkjs agrees; the Cancel button stops a running proof and the
// page can prove again afterwards. Needs target/release/zkagg, web-prover/pkg and
// wasm-verifier/pkg (scripts/test.sh builds them).
import { after, before, describe, test } from "node:test";
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { launch, REPO_ROOT, snarkjsTerminate, snarkjsVerify, startServer } from "../../web-prover/tests/harness.mjs";
import { openPage } from "../../wasm-verifier/tests/browser-harness.mjs";

const zkagg = path.join(process.env.CARGO_TARGET_DIR || path.join(REPO_ROOT, "target"), "release", "zkagg");
// Files must be served from inside the repository: a scratch directory under target/.
fs.mkdirSync(path.join(REPO_ROOT, "target"), { recursive: true });
const dir = fs.mkdtempSync(path.join(REPO_ROOT, "target", "volunteer-test-"));
const url = (p) => "/repo/" + path.relative(REPO_ROOT, p).split(path.sep).join("/");
const json = (p) => JSON.parse(fs.readFileSync(p, "utf8"));

function run(...args) {
  const r = spawnSync(zkagg, ["--quiet", ...args], { encoding: "utf8" });
  assert.equal(r.status, 0, `zkagg ${args.join(" ")}: ${r.stderr}`);
}

describe("volunteer page (www/index.html)", () => {
  let server;
  let browser;
  before(async () => {
    assert.ok(fs.existsSync(zkagg), `${zkagg} missing: cargo build --release -p zkagg-aggregator`);
    run("setup", "--transfers", "2", "--depth", "10", "--insecure-seed", "3", "--out-dir", path.join(dir, "keys"));
    run("prove-batch", "--keys", path.join(dir, "keys"), "--out-dir", path.join(dir, "batch"));
    server = await startServer();
    browser = await launch({ webgpu: true });
  });
  after(async () => {
    await browser?.close();
    await server?.close();
    await snarkjsTerminate();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  const pageUrl = (extra = "") => `${server.origin}/repo/www/index.html?keys=${url(path.join(dir, "keys"))}&batch=${url(path.join(dir, "batch"))}${extra}`;

  test("proves the batch; the page's wasm verifier and snarkjs accept; same statement as the CLI", async (t) => {
    const page = await openPage(browser, pageUrl("&auto=1"));
    await page.waitForFunction(() => window.zkaggVolunteer?.done, null, { timeout: 300_000 });
    const state = await page.evaluate(() => window.zkaggVolunteer);
    assert.equal(state.error, null);
    assert.equal(state.result.valid, true);
    assert.deepEqual(state.result.publicSignals, json(path.join(dir, "batch", "public.json")));
    const vk = json(path.join(dir, "keys", "verification_key.json"));
    assert.equal(await snarkjsVerify(vk, state.result.publicSignals, state.result.proof), true);
    assert.equal(await page.textContent("#verdict"), "Proof verified ✓");
    assert.deepEqual(page.problems, []);
    t.diagnostic(`proved in ${state.result.ms.toFixed(0)} ms`);
    await page.close();
  });

  test("Cancel stops a running proof; Prove works again afterwards", async () => {
    const page = await openPage(browser, pageUrl());
    await page.waitForFunction(() => window.zkaggVolunteer?.ready && !document.getElementById("prove").disabled, null, { timeout: 60_000 });
    await page.click("#prove");
    await page.waitForFunction(() => /multi-scalar/.test(document.getElementById("phase").textContent), null, { timeout: 120_000 });
    await page.click("#cancel");
    await page.waitForFunction(() => window.zkaggVolunteer.done, null, { timeout: 30_000 });
    let state = await page.evaluate(() => window.zkaggVolunteer);
    assert.match(state.error ?? "", /cancel/);
    assert.equal(await page.textContent("#phase"), "cancelled");
    assert.equal(state.result, null);
    await page.click("#prove");
    await page.waitForFunction(() => window.zkaggVolunteer.done && window.zkaggVolunteer.result, null, { timeout: 300_000 });
    state = await page.evaluate(() => window.zkaggVolunteer);
    assert.equal(state.result.valid, true);
    await page.close();
  });
});
