// The volunteer's part of the demo: headless Chromium opens www/index.html (served
// cross-origin isolated), which proves batch 1 of the demo with the web prover (Worker, thread
// pool, WebGPU MSMs on SwiftShader or the CPU) from the key and witness files the CLI wrote, and
// verifies it with the wasm verifier. This script then checks the browser's proof with snarkjs,
// checks that it proves the same statement as the CLI's proof, and saves a screenshot.
// Usage: node scripts/demo-browser.mjs <demo-dir>   (as run by scripts/demo.sh)
import fs from "node:fs";
import path from "node:path";
import * as snarkjs from "snarkjs";
import { launch, REPO_ROOT, startServer } from "../web-prover/tests/harness.mjs";
import { openPage } from "../wasm-verifier/tests/browser-harness.mjs";

const dir = process.argv[2];
if (!dir) {
  console.error("usage: node scripts/demo-browser.mjs <demo-dir>");
  process.exit(2);
}
const rel = (p) => "/repo/" + path.relative(REPO_ROOT, path.resolve(p)).split(path.sep).join("/");
const json = (p) => JSON.parse(fs.readFileSync(p, "utf8"));
const batch = path.join(dir, "batch-1");

const server = await startServer();
const browser = await launch({ webgpu: true });
let code = 0;
try {
  const page = await openPage(browser, `${server.origin}/repo/www/index.html?keys=${rel(path.join(dir, "keys"))}&batch=${rel(batch)}&auto=1`);
  await page.setViewportSize({ width: 900, height: 900 });
  await page.waitForFunction(() => window.zkaggVolunteer?.done, null, { timeout: 600_000 });
  const state = await page.evaluate(() => window.zkaggVolunteer);
  const shot = path.join(dir, "volunteer.png");
  await page.screenshot({ path: shot, fullPage: true });
  if (state.error) throw new Error(`the page failed: ${state.error}`);
  const { proof, publicSignals, ms, valid } = state.result;
  console.log(`browser proof of batch 1: ${(ms / 1000).toFixed(2)} s; wasm verifier in the page: ${valid ? "valid" : "INVALID"}`);
  const vk = json(path.join(dir, "keys", "verification_key.json"));
  const bySnarkjs = await snarkjs.groth16.verify(vk, publicSignals, proof);
  const same = JSON.stringify(publicSignals) === JSON.stringify(json(path.join(batch, "public.json")));
  console.log(`snarkjs: ${bySnarkjs ? "valid" : "INVALID"}; same statement as the CLI's proof: ${same ? "yes" : "NO"}`);
  console.log(`screenshot: ${shot}`);
  if (!valid || !bySnarkjs || !same) code = 1;
} catch (e) {
  console.error(`demo-browser: ${e.message}`);
  code = 1;
} finally {
  await browser.close();
  await server.close();
  await globalThis.curve_bn128?.terminate();
}
process.exit(code);
