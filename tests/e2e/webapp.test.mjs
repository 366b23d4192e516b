// The web app (www/volunteer.html, dapp.html, dashboard.html) in headless Chromium against the
// real system: `zkagg serve` (SQLite store, rounds folded and compressed with the decider
// setup of the aggregate fixture) settling on a real Hardhat node. Two volunteer tabs (one
// with WebGPU on SwiftShader, one without WebGPU) prove the jobs concurrently; one cancels a
// job, which is released and proven again; the round settles and both tabs show it; a reload
// proves from the cached proving key (no second download); the dapp page verifies the round's
// aggregate and rejects a tampered one, and checks a batch's inclusion; the dashboard shows the
// settled round with its gas. Screenshots of each page (desktop and phone width) go to
// target/screenshots/.
//
// Needs target/release/zkagg, web-prover/pkg, wasm-verifier/pkg/web, node_modules and the
// aggregate fixture's decider setup (ZKAGG_AGGREGATE: scripts/test.sh makes it first; its batch
// key is `zkagg setup --transfers 2 --depth 8 --insecure-seed 5`).
import { after, before, describe, test } from "node:test";
import assert from "node:assert/strict";
import crypto from "node:crypto";
import fs from "node:fs";
import path from "node:path";
import { launch } from "../../web-prover/tests/harness.mjs";
import { openPage } from "../../wasm-verifier/tests/browser-harness.mjs";
import { REPO_ROOT } from "../../wasm-verifier/tests/fixtures.mjs";
import { generate, getJson, HARDHAT_KEY, startHardhat, startService, waitForJson, zkagg, ZKAGG } from "./service-harness.mjs";

const fixture = process.env.ZKAGG_AGGREGATE;
const decider = fixture && path.join(fixture, "decider");
const skip = !fixture || !fs.existsSync(path.join(decider, "circuit.json"))
  ? "needs the aggregate fixture's decider setup (ZKAGG_AGGREGATE; scripts/test.sh makes it)"
  : false;
const SHOTS = path.join(REPO_ROOT, "target", "screenshots");
const ROUND_SIZE = 3;

/** The page's window hook (`name`) once `ok(hook)` holds. */
async function hook(page, name, ok = "true", timeout = 120_000) {
  await page.waitForFunction(`window.${name} && (${ok})`, null, { timeout, polling: 250 });
  return page.evaluate(`window.${name}`);
}

async function screenshots(page, name) {
  fs.mkdirSync(SHOTS, { recursive: true });
  await page.setViewportSize({ width: 1280, height: 900 });
  await page.screenshot({ path: path.join(SHOTS, `${name}.png`), fullPage: true });
  await page.setViewportSize({ width: 375, height: 800 });
  await page.screenshot({ path: path.join(SHOTS, `${name}-phone.png`), fullPage: true });
  // Nothing may stick out sideways on a phone.
  const overflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
  await page.setViewportSize({ width: 1280, height: 900 });
  return overflow;
}

describe("web app on zkagg serve and a Hardhat node", { skip }, () => {
  let dir, chain, service, gpuBrowser, cpuBrowser, origin;
  let alice, bob;
  let provingKeySha;
  // The witness download alice's Cancel aborts: the one failed request her page is meant to make.
  let heldUrl = null;
  const unexpected = (page) => page.problems.filter((p) => !(heldUrl && p.includes(heldUrl) && p.includes("ERR_ABORTED")));

  before(async () => {
    assert.ok(fs.existsSync(ZKAGG), `${ZKAGG} missing: cargo build --release -p zkagg-aggregator`);
    fs.mkdirSync(path.join(REPO_ROOT, "target"), { recursive: true });
    dir = fs.mkdtempSync(path.join(REPO_ROOT, "target", "webapp-test-"));
    const keys = path.join(dir, "keys");
    zkagg("setup", "--transfers", "2", "--depth", "8", "--insecure-seed", "5", "--out-dir", keys);
    provingKeySha = crypto.createHash("sha256").update(fs.readFileSync(path.join(keys, "batch.pk.bin"))).digest("hex");
    chain = await startHardhat(path.join(dir, "hardhat.log"));
    service = await startService([
      "--keys", keys, "--data", path.join(dir, "data"), "--decider", decider, "--chain-rpc", chain.rpc,
      "--genesis-seed", "7", "--round-size", String(ROUND_SIZE), "--round-timeout-secs", "600",
      "--generate", String(ROUND_SIZE),
    ], { logFile: path.join(dir, "serve.log"), env: { ZKAGG_CHAIN_KEY: HARDHAT_KEY } });
    origin = service.origin;
    gpuBrowser = await launch({ webgpu: true });
    cpuBrowser = await launch({ webgpu: false });
  });

  after(async () => {
    await gpuBrowser?.close();
    await cpuBrowser?.close();
    await service?.stop();
    await chain?.stop();
    if (dir && !process.env.ZKAGG_KEEP) fs.rmSync(dir, { recursive: true, force: true });
  });

  test("two volunteer tabs prove concurrently; a cancelled job is released and taken again; both see the round settle", async (t) => {
    alice = await openPage(gpuBrowser, `${origin}/www/volunteer.html`);
    bob = await openPage(cpuBrowser, `${origin}/`);
    assert.match(bob.url(), /\/www\/volunteer\.html$/, "/ leads to the volunteer page");
    for (const [page, name] of [[alice, "alice"], [bob, "bob"]]) {
      await hook(page, "zkaggVolunteerApp", "window.zkaggVolunteerApp.ready");
      await page.fill("#name", name);
    }
    // Without WebGPU the page says so and proves on CPU threads.
    const bobEngine = await bob.evaluate(() => window.zkaggVolunteerApp.engine);
    assert.equal(bobEngine.gpu ?? null, null);
    assert.match(await bob.textContent("#engine"), /WebGPU/);
    assert.match(await bob.textContent("#engine"), /not available|unavailable|no WebGPU/i);

    // Alice's first witness download is held until she has pressed Cancel, and she presses it
    // only once that download has been asked for: the cancel lands on a job in progress
    // whatever the machine's speed, and the held witness is the one request it aborts (a
    // cancel during the proving key's download would abort that instead).
    let releaseWitness, witnessAsked;
    const witnessHeld = new Promise((resolve) => (releaseWitness = resolve));
    const witnessRequested = new Promise((resolve) => (witnessAsked = resolve));
    await alice.route(/\/artifacts\/[0-9a-f]{64}$/, async (route) => {
      if (!route.request().url().endsWith(provingKeySha) && heldUrl === null) {
        heldUrl = route.request().url();
        witnessAsked();
        await witnessHeld;
      }
      await route.continue().catch(() => {}); // the page may have aborted it meanwhile
    });
    await Promise.all([alice.click("#join"), bob.click("#join")]);
    const first = await hook(alice, "zkaggVolunteerApp", "window.zkaggVolunteerApp.current?.jobId");
    const cancelled = first.current.jobId;
    let noWitness;
    await Promise.race([
      witnessRequested,
      new Promise((_, reject) => (noWitness = setTimeout(() => reject(new Error("alice never asked for her first witness")), 120_000))),
    ]).finally(() => clearTimeout(noWitness));
    await alice.waitForFunction(() => !document.getElementById("cancel").disabled);
    await alice.click("#cancel");
    releaseWitness();
    await hook(alice, "zkaggVolunteerApp", `window.zkaggVolunteerApp.jobs.some((j) => j.jobId === ${JSON.stringify(cancelled)} && j.verdict === "released")`, 60_000);
    await alice.unroute(/\/artifacts\/[0-9a-f]{64}$/);

    const status = await waitForJson(origin, "/v1/status", (s) => s.jobs.accepted === ROUND_SIZE, 300_000, "every job accepted");
    assert.equal(status.jobs.failed, 0);
    const job = await getJson(origin, `/v1/jobs/${cancelled}`);
    assert.equal(job.state, "accepted", "the released job was taken again and proven");
    // The service commits a verdict before the tab has read its answer: wait for the tabs.
    const count = "window.zkaggVolunteerApp.jobs.filter((j) => j.verdict === 'accepted').length";
    const deadline = Date.now() + 60_000;
    while ((await alice.evaluate(count)) + (await bob.evaluate(count)) < ROUND_SIZE && Date.now() < deadline) {
      await new Promise((r) => setTimeout(r, 250));
    }
    const accepted = async (page) => (await page.evaluate(() => window.zkaggVolunteerApp.jobs)).filter((j) => j.verdict === "accepted");
    const [a, b] = [await accepted(alice), await accepted(bob)];
    t.diagnostic(`alice proved ${a.map((j) => j.jobId)}, bob proved ${b.map((j) => j.jobId)}`);
    assert.ok(a.length >= 1 && b.length >= 1, "both tabs proved");
    assert.equal(a.length + b.length, ROUND_SIZE);
    assert.ok([...a, ...b].some((j) => j.jobId === cancelled));
    const mine = await getJson(origin, "/v1/volunteers/alice");
    assert.equal(mine.accepted, a.length);

    // The round of the three batches folds, compresses and settles on the chain.
    const round = await waitForJson(origin, "/v1/rounds/1", (r) => r.state === "settled" || r.state === "failed", 900_000, "round 1 to settle");
    assert.equal(round.state, "settled", round.reason ?? "");
    assert.ok(round.gas_used > 0 && round.tx_hash);
    t.diagnostic(`round 1: fold ${round.fold_ms} ms, compress ${round.compress_ms} ms, ${round.gas_used} gas; one batch proof alone: ${round.batch_verify_gas} gas`);
    await waitForJson(origin, "/v1/rounds/1", (r) => r.batch_verify_gas > 0, 60_000, "the batch verification gas");
    for (const page of [alice, bob]) {
      await hook(page, "zkaggVolunteerApp",
        "window.zkaggVolunteerApp.jobs.filter((j) => j.verdict === 'accepted').every((j) => j.settled && j.round === 1 && j.tx)", 60_000);
      assert.ok(await page.$('#history li[data-settled="true"]'));
      assert.match(await page.textContent("#history"), new RegExp(round.tx_hash.slice(0, 6)));
    }
    await alice.click("#stop");
    await bob.click("#stop");
    assert.equal(await screenshots(alice, "volunteer"), 0, "no sideways overflow at 375 px");
    assert.deepEqual(unexpected(alice), []);
    assert.deepEqual(bob.problems, []);
  });

  test("a reload proves from the cached proving key: no second download", async () => {
    const keyResponses = [];
    alice.on("response", (r) => r.url().endsWith(`/artifacts/${provingKeySha}`) && keyResponses.push(r.status()));
    await alice.reload();
    await hook(alice, "zkaggVolunteerApp", "window.zkaggVolunteerApp.ready");
    await alice.fill("#name", "alice");
    await alice.click("#join");
    const { jobs: [fresh] } = await generate(origin, 1);
    const done = await hook(alice, "zkaggVolunteerApp",
      `window.zkaggVolunteerApp.jobs.some((j) => j.jobId === ${JSON.stringify(fresh)} && j.verdict === "accepted")`, 300_000);
    assert.equal(done.keyDownloads, 0, "the key came from the cache");
    assert.ok(done.keyCacheHits >= 1);
    assert.deepEqual(keyResponses, [], "no request for the proving key reached the network");
    await alice.click("#stop");
    assert.deepEqual(unexpected(alice), []);
  });

  test("the dapp page verifies the round's aggregate, rejects a tampered one, and checks a batch's inclusion", async () => {
    const page = await openPage(gpuBrowser, `${origin}/www/dapp.html`);
    await hook(page, "zkaggDapp", "window.zkaggDapp.ready");
    await page.click("#mode-aggregate");
    await page.waitForSelector('#agg-round option[value="1"]', { state: "attached", timeout: 30_000 });
    await page.selectOption("#agg-round", "1");
    await page.click("#agg-load");
    await page.waitForFunction(() => document.getElementById("agg-proof").value.length > 100, null, { timeout: 30_000 });
    await page.click("#agg-verify");
    let dapp = await hook(page, "zkaggDapp", "window.zkaggDapp.last?.kind === 'aggregate'");
    assert.equal(dapp.last.valid, true, dapp.last.error ?? "");
    assert.match(await page.textContent("#verdict"), /valid/i);

    // The same aggregate claiming another new root is rejected.
    const proof = JSON.parse(await page.inputValue("#agg-proof"));
    proof.statement.new_root = (BigInt(proof.statement.new_root) + 1n).toString();
    await page.fill("#agg-proof", JSON.stringify(proof));
    await page.evaluate(() => (window.zkaggDapp.last = null));
    await page.click("#agg-verify");
    dapp = await hook(page, "zkaggDapp", "window.zkaggDapp.last?.kind === 'aggregate'");
    assert.equal(dapp.last.valid, false);
    assert.match(await page.textContent("#verdict"), /not valid|invalid|✗/i);

    // Malformed input names the problem, no exception escapes.
    await page.fill("#agg-proof", "{ not json");
    await page.evaluate(() => (window.zkaggDapp.last = null));
    await page.click("#agg-verify");
    dapp = await hook(page, "zkaggDapp", "window.zkaggDapp.last?.kind === 'aggregate'");
    assert.equal(dapp.last.valid, null);
    assert.ok(dapp.last.error, "an error message");

    // Batch 1 is covered by round 1's aggregate (inclusion proof from the service).
    await page.click("#agg-load");
    await page.waitForFunction(() => document.getElementById("agg-proof").value.startsWith("{\n") || document.getElementById("agg-proof").value.includes("statement"), null, { timeout: 30_000 });
    await page.fill("#cover-batch", "1");
    await page.click("#cover-fetch");
    await page.waitForFunction(() => document.getElementById("cover-inclusion").value.includes("siblings"), null, { timeout: 30_000 });
    await page.evaluate(() => (window.zkaggDapp.last = null));
    await page.click("#cover-check");
    dapp = await hook(page, "zkaggDapp", "window.zkaggDapp.last?.kind === 'covers'");
    assert.equal(dapp.last.valid, true, dapp.last.error ?? "");
    assert.equal(await screenshots(page, "dapp"), 0, "no sideways overflow at 375 px");
    assert.deepEqual(page.problems, []);
    await page.close();
  });

  test("the operator dashboard shows the settled round with its gas", async () => {
    const round = await getJson(origin, "/v1/rounds/1");
    const page = await openPage(gpuBrowser, `${origin}/www/dashboard.html`);
    const dash = await hook(page, "zkaggDashboard", "window.zkaggDashboard.polls >= 1 && window.zkaggDashboard.rounds?.length");
    assert.equal(dash.error, null);
    const row = '[data-round="1"][data-state="settled"]';
    await page.waitForSelector(row, { timeout: 30_000 });
    const digits = async (cell) => (await page.textContent(`${row} .${cell}`)).replace(/[^0-9]/g, "");
    assert.equal(await digits("c-gas"), String(round.gas_used));
    assert.equal(await digits("c-gas-per-batch"), String(Math.round(round.gas_used / ROUND_SIZE)));
    assert.equal(await digits("c-separate"), String(ROUND_SIZE * round.batch_verify_gas));
    assert.equal(await page.locator("canvas").count() >= 2, true, "two plots");
    assert.equal(await screenshots(page, "dashboard"), 0, "no sideways overflow at 375 px");
    assert.deepEqual(page.problems, []);
    await page.close();
  });
});
