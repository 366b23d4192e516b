// The web app's part of the demo: `zkagg serve` over the demo's batch key and decider setup,
// settling on a local Hardhat node, with the web app served from the repository. A volunteer
// tab (headless Chromium) joins on www/volunteer.html and proves two jobs; the round of both
// is folded, compressed and settled on the chain; the dapp page verifies the round's aggregate
// and that batch 0 is covered; the operator dashboard shows the round and its gas. Screenshots
// of the three pages go to <demo-dir>/screenshots/ and their paths are printed.
// Usage: node scripts/demo-webapp.mjs <demo-dir> <decider-dir>   (as run by scripts/demo.sh)
import fs from "node:fs";
import path from "node:path";
import { launch } from "../web-prover/tests/harness.mjs";
import { openPage } from "../wasm-verifier/tests/browser-harness.mjs";
import { HARDHAT_KEY, startHardhat, startService, waitForJson } from "../tests/e2e/service-harness.mjs";

const [dir, decider] = process.argv.slice(2);
if (!dir || !decider) {
  console.error("usage: node scripts/demo-webapp.mjs <demo-dir> <decider-dir>");
  process.exit(2);
}
const work = path.resolve(dir, "webapp");
const shots = path.resolve(dir, "screenshots");
fs.rmSync(work, { recursive: true, force: true });
fs.mkdirSync(work, { recursive: true });
fs.mkdirSync(shots, { recursive: true });
const BATCHES = 2;

async function shoot(page, name) {
  const file = path.join(shots, `${name}.png`);
  await page.bringToFront(); // a page in the background may not have painted its latest input
  await page.setViewportSize({ width: 1280, height: 900 });
  await page.screenshot({ path: file, fullPage: true });
  return file;
}

const chain = await startHardhat(path.join(work, "hardhat.log"));
let service, browser;
let code = 0;
try {
  const t0 = Date.now();
  service = await startService([
    "--keys", path.resolve(dir, "keys"), "--data", path.join(work, "data"), "--decider", path.resolve(decider),
    "--chain-rpc", chain.rpc, "--round-size", String(BATCHES), "--round-timeout-secs", "600", "--generate", String(BATCHES),
  ], { logFile: path.join(work, "serve.log"), env: { ZKAGG_CHAIN_KEY: HARDHAT_KEY } });
  const { origin } = service;
  console.log(`zkagg serve ${origin} (rollup and batch verifier deployed on a Hardhat node, ${BATCHES} jobs waiting)`);
  browser = await launch({ webgpu: true });
  const volunteer = await openPage(browser, `${origin}/`);
  await volunteer.waitForFunction(() => window.zkaggVolunteerApp?.ready, null, { timeout: 120_000 });
  await volunteer.fill("#name", "demo-volunteer");
  await volunteer.click("#join");
  await waitForJson(origin, "/v1/status", (s) => s.jobs.accepted === BATCHES, 900_000, "the volunteer's proofs");
  const jobs = await volunteer.evaluate(() => window.zkaggVolunteerApp.jobs);
  for (const j of jobs) console.log(`volunteer tab: ${j.jobId} ${j.verdict}${j.ms ? ` (proved in ${(j.ms / 1000).toFixed(1)} s)` : ""}`);
  const round = await waitForJson(origin, "/v1/rounds/1", (r) => (r.state === "settled" && r.batch_verify_gas) || r.state === "failed", 1_200_000, "round 1 to settle");
  if (round.state !== "settled") throw new Error(`round 1 failed: ${round.reason}`);
  await volunteer.waitForFunction(() => window.zkaggVolunteerApp.jobs.some((j) => j.settled), null, { timeout: 60_000 });
  await volunteer.click("#stop");
  const perBatch = Math.round(round.gas_used / BATCHES);
  console.log(`round 1: ${BATCHES} batches folded in ${(round.fold_ms / 1000).toFixed(1)} s, compressed in ${(round.compress_ms / 1000).toFixed(1)} s, settled in block ${round.block_number} (tx ${round.tx_hash})`);
  console.log(`gas: ${round.gas_used} for the round = ${perBatch} per batch; one batch proof verified alone: ${round.batch_verify_gas} (${BATCHES} alone: ${BATCHES * round.batch_verify_gas})`);

  const dapp = await openPage(browser, `${origin}/www/dapp.html#aggregate`);
  await dapp.waitForFunction(() => window.zkaggDapp?.ready, null, { timeout: 60_000 });
  await dapp.click("#mode-aggregate");
  await dapp.waitForSelector('#agg-round option[value="1"]', { state: "attached", timeout: 30_000 });
  await dapp.selectOption("#agg-round", "1");
  await dapp.click("#agg-load");
  await dapp.waitForFunction(() => document.getElementById("agg-proof").value.includes("statement"), null, { timeout: 30_000 });
  await dapp.fill("#cover-batch", "0");
  await dapp.click("#cover-fetch");
  await dapp.waitForFunction(() => document.getElementById("cover-inclusion").value.includes("siblings"), null, { timeout: 30_000 });
  await dapp.click("#cover-check");
  await dapp.waitForFunction(() => window.zkaggDapp.last?.kind === "covers", null, { timeout: 60_000 });
  const check = await dapp.evaluate(() => window.zkaggDapp.last);
  console.log(`dapp page (wasm verifier in the tab): round 1's aggregate ${check.valid ? "is valid and covers batch 0" : `does NOT check: ${check.error}`} (${check.ms.toFixed(1)} ms)`);
  if (!check.valid) code = 1;

  const dashboard = await openPage(browser, `${origin}/www/dashboard.html`);
  await dashboard.waitForSelector('[data-round="1"][data-state="settled"]', { timeout: 60_000 });
  const files = [await shoot(volunteer, "volunteer"), await shoot(dapp, "dapp"), await shoot(dashboard, "dashboard")];
  for (const page of [volunteer, dapp, dashboard]) {
    if (page.problems.length) {
      console.error(`page problems: ${page.problems.join("; ")}`);
      code = 1;
    }
  }
  console.log(`web app done in ${((Date.now() - t0) / 1000).toFixed(0)} s; screenshots:`);
  for (const f of files) console.log(`  file://${f}`);
} catch (e) {
  console.error(`demo-webapp: ${e.message} (logs in ${work})`);
  code = 1;
} finally {
  await browser?.close();
  await service?.stop();
  await chain.stop();
}
process.exit(code);
