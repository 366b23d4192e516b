// The volunteer's batch proof, browser against native, in one run (issue 13, item 1):
//   node scripts/bench-batch.mjs KEYS_DIR BATCH_DIR [--runs N] [--threads T]
// KEYS_DIR as `zkagg setup` writes it, BATCH_DIR as `zkagg prove-batch` writes it (witness.bin,
// public.json). Natively (web-prover's batch_bench example, built by scripts/bench-batch.sh):
// arkworks' prover (what `zkagg prove-batch` and `zkagg volunteer` run) and this project's batch
// prover; in headless Chromium: WebProver.proveBatch in its Worker, N proofs in a row from the
// same bytes (the first builds the circuit's matrices, the others reuse them, as a volunteer's
// next jobs do). Every browser proof is checked against public.json and verified by snarkjs.
// Prints medians and phases; nothing is written.

import { execFileSync } from "node:child_process";
import fs from "node:fs";
import path from "node:path";
import { launch, openProverPage, startServer, snarkjsVerify, snarkjsTerminate, REPO_ROOT } from "../web-prover/tests/harness.mjs";

const args = process.argv.slice(2);
const opt = (name, dflt) => {
  const i = args.indexOf(name);
  return i >= 0 ? args.splice(i, 2)[1] : dflt;
};
const runs = Number(opt("--runs", "5"));
const threads = Number(opt("--threads", "0"));
const [keys, batch] = args.map((a) => path.resolve(a));
if (!keys || !batch) {
  console.error("usage: node scripts/bench-batch.mjs KEYS_DIR BATCH_DIR [--runs N] [--threads T]");
  process.exit(2);
}
const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
};
const fmt = (ms) => (ms >= 1000 ? `${(ms / 1000).toFixed(2)} s` : `${ms.toFixed(0)} ms`);
const phaseLine = (report) => Object.entries(report.phaseMs ?? Object.fromEntries(report.phase_ms ?? [])).map(([k, v]) => `${k} ${fmt(v)}`).join(", ");

const bin = path.join(REPO_ROOT, "target/release/examples/batch_bench");
console.log(`native (${bin})...`);
const native = JSON.parse(execFileSync(bin, [keys, path.join(batch, "witness.bin"), String(runs)], { encoding: "utf8" }));

console.log("browser...");
const server = await startServer([keys, batch]);
const browser = await launch();
let page;
let browserRuns;
let info;
try {
  page = await openProverPage(browser, server);
  info = await page.evaluate((t) => window.zkaggWeb.create({ threads: t || navigator.hardwareConcurrency, backend: "auto" }), threads);
  browserRuns = await page.evaluate(({ runs }) => window.zkaggWeb.proveBatchRuns("/fx/0", "/fx/1/witness.bin", runs), { runs });
} finally {
  await browser.close();
  server.close();
}
const vk = JSON.parse(fs.readFileSync(path.join(keys, "verification_key.json"), "utf8"));
const expected = JSON.parse(fs.readFileSync(path.join(batch, "public.json"), "utf8"));
for (const [i, r] of browserRuns.entries()) {
  if (JSON.stringify(r.publicSignals) !== JSON.stringify(expected)) throw new Error(`browser run ${i + 1}: public signals differ from public.json`);
  if (!(await snarkjsVerify(vk, r.publicSignals, r.proof))) throw new Error(`browser run ${i + 1}: snarkjs rejects the proof`);
}
await snarkjsTerminate();

const warm = browserRuns.slice(1).map((r) => r.ms);
const ark = median(native.arkworks_ms);
const oursNative = median(native.ours.map((r) => r.ms));
const browserWarm = warm.length ? median(warm) : browserRuns[0].ms;
console.log(`\nbatch circuit ${native.params.transfers} transfers, depth ${native.params.depth}: ${native.constraints} constraints, ${native.terms} A+B terms`);
console.log(`native, ${native.threads} threads: arkworks prover ${fmt(ark)} (median of ${runs}); this prover ${fmt(oursNative)} (shape built once in ${fmt(native.shape_ms)}; key load ${fmt(native.load_ms)})`);
console.log(`  phases (median run): ${phaseLine({ phase_ms: native.ours[Math.floor(runs / 2)].phases })}`);
console.log(`browser, ${info.threads} threads (MSMs: ${info.gpu ? `WebGPU ${info.gpu} / auto` : `CPU, ${info.reason ?? "no WebGPU"}`}): first proof ${fmt(browserRuns[0].ms)}, next ${warm.length} median ${fmt(browserWarm)}`);
if (browserRuns[0].report) console.log(`  first: ${phaseLine(browserRuns[0].report)}`);
if (browserRuns[1]?.report) console.log(`  next:  ${phaseLine(browserRuns[1].report)}`);
console.log(`browser / native arkworks: first ${(browserRuns[0].ms / ark).toFixed(2)}x, next ${(browserWarm / ark).toFixed(2)}x (goal <= 1.5x)`);
console.log(JSON.stringify({ native, browser: browserRuns.map((r) => ({ ms: r.ms, report: r.report })), threads: info.threads }));
