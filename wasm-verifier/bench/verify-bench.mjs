#!/usr/bin/env node
// Groth16 verification benchmark: zkagg wasm verifier (prepared key and one-shot) vs snarkjs,
// in Node and in headless Chromium, on the same proofs.
//
// Usage (from the repo root; needs the built wasm-verifier/pkg and /usr/bin/chromium):
//   node wasm-verifier/bench/verify-bench.mjs [--fixtures dir1:dir2] [--runs N] [--warmup N]
//                                             [--out file.json] [--no-browser]
//
//   --fixtures  colon-separated fixture dirs (default: $ZKAGG_FIXTURES, else
//               core/tests/fixtures/snarkjs); each needs verification_key.json, proof.json,
//               public.json
//   --runs      timed rounds per method (default 30); --warmup untimed rounds first (default 5)
//   --out       JSON results file (default target/wasm-verifier-bench.json)
//   --no-browser  Node only
//
// Methods (see measure.mjs): prepared = Verifier built once, then verify(proof, pub) with the
// proof and inputs as snarkjs JSON objects (their parsing is included); one-shot =
// verify(vk, proof, pub); snarkjs = groth16.verify(vk, pub, proof). The first call of each is
// reported separately (snarkjs builds its curve then). Prints a markdown table with medians,
// p10/p90 and snarkjs/zkagg ratios, plus the size of pkg/web/*_bg.wasm raw and gzipped (level 9).
// The machine is shared (2 cores): the load average at start is recorded next to the numbers.

import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import zlib from "node:zlib";
import { createRequire } from "node:module";
import * as snarkjs from "snarkjs";
import { NODE_PKG, REPO_ROOT, WEB_PKG, fixtureDirs, fixtureLabel, requirePackage } from "../tests/fixtures.mjs";
import { launchChromium, openPage, startServer } from "../tests/browser-harness.mjs";
import { METHODS, METHOD_LABELS, measureFixture } from "./measure.mjs";

function parseArgs(argv) {
  const opts = { fixtures: undefined, runs: 30, warmup: 5, out: path.join(REPO_ROOT, "target/wasm-verifier-bench.json"), browser: true };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    const value = () => {
      if (i + 1 >= argv.length) throw new Error(`${a} needs a value`);
      return argv[++i];
    };
    const int = (v, min) => {
      if (!/^\d+$/.test(v) || +v < min) throw new Error(`${a} needs an integer >= ${min}, got ${v}`);
      return +v;
    };
    if (a === "--fixtures") opts.fixtures = value();
    else if (a === "--runs") opts.runs = int(value(), 1);
    else if (a === "--warmup") opts.warmup = int(value(), 0);
    else if (a === "--out") opts.out = path.resolve(value());
    else if (a === "--no-browser") opts.browser = false;
    else throw new Error(`unknown argument ${a} (see the usage at the top of ${path.relative(process.cwd(), new URL(import.meta.url).pathname)})`);
  }
  return opts;
}

const loadJson = (dir, name) => JSON.parse(fs.readFileSync(path.join(dir, name), "utf8"));

function wasmSize() {
  const dir = path.dirname(WEB_PKG);
  const file = fs.readdirSync(dir).find((f) => f.endsWith("_bg.wasm"));
  if (!file) throw new Error(`no *_bg.wasm in ${dir}`);
  const bytes = fs.readFileSync(path.join(dir, file));
  return {
    file: path.relative(REPO_ROOT, path.join(dir, file)),
    rawBytes: bytes.length,
    gzipBytes: zlib.gzipSync(bytes, { level: 9 }).length,
  };
}

const ms = (v) => (v >= 100 ? v.toFixed(0) : v >= 10 ? v.toFixed(1) : v.toFixed(2));

function markdown(report) {
  const lines = [];
  lines.push(`| env | fixture | method | first call (ms) | median (ms) | p10 (ms) | p90 (ms) | snarkjs median / this |`);
  lines.push(`|---|---|---|---:|---:|---:|---:|---:|`);
  for (const r of report.results) {
    for (const m of METHODS) {
      const s = r.stats[m];
      const ratio = r.stats.snarkjs.median / s.median;
      lines.push(`| ${r.env} | ${r.fixture} (${r.numPublicInputs} inputs) | ${METHOD_LABELS[m]} | ${ms(s.firstCallMs)} | ${ms(s.median)} | ${ms(s.p10)} | ${ms(s.p90)} | ${ratio.toFixed(2)}x |`);
    }
  }
  const w = report.wasm;
  lines.push("");
  lines.push(`wasm: ${w.file} ${w.rawBytes} bytes raw, ${w.gzipBytes} bytes gzip -9 (${(w.rawBytes / 1024).toFixed(1)} KiB / ${(w.gzipBytes / 1024).toFixed(1)} KiB)`);
  lines.push(`runs: ${report.runs} timed + ${report.warmup} warm-up per method; Node ${report.host.node}; ${report.chromium?.userAgent.match(/Chrome\/[\d.]+/)?.[0] ?? "no browser"}; ${report.host.cpus}x ${report.host.cpuModel}; load average at start ${report.host.loadavg.map((l) => l.toFixed(2)).join(" ")}`);
  return lines.join("\n");
}

async function main() {
  const opts = parseArgs(process.argv.slice(2));
  requirePackage(NODE_PKG);
  requirePackage(WEB_PKG);
  const dirs = fixtureDirs(opts.fixtures);
  const report = {
    generatedAt: new Date().toISOString(),
    host: {
      node: process.version,
      platform: `${os.platform()} ${os.arch()}`,
      cpus: os.cpus().length,
      cpuModel: os.cpus()[0]?.model ?? "unknown",
      loadavg: os.loadavg(),
    },
    runs: opts.runs,
    warmup: opts.warmup,
    wasm: wasmSize(),
    results: [],
  };

  // Node.
  let t = performance.now();
  const api = createRequire(import.meta.url)(NODE_PKG);
  report.host.nodePackageLoadMs = performance.now() - t;
  for (const dir of dirs) {
    const label = fixtureLabel(dir);
    console.error(`node: ${label} ...`);
    const res = await measureFixture({
      api,
      snarkjs,
      vk: loadJson(dir, "verification_key.json"),
      proof: loadJson(dir, "proof.json"),
      pub: loadJson(dir, "public.json"),
      runs: opts.runs,
      warmup: opts.warmup,
    });
    report.results.push({ env: "node", fixture: label, ...res });
  }
  await globalThis.curve_bn128?.terminate?.(); // snarkjs's worker threads

  // Chromium.
  if (opts.browser) {
    let server;
    let browser;
    try {
      server = await startServer(dirs);
      browser = await launchChromium();
      const page = await openPage(browser, `${server.origin}/repo/wasm-verifier/bench/bench.html`);
      await page.waitForFunction(() => window.zkaggBench !== undefined, null, { timeout: 30_000 }).catch(() => {
        throw new Error(`bench page did not load: ${page.problems.join("; ")}`);
      });
      report.chromium = await page.evaluate(() => window.zkaggBench.ready);
      for (const [i, dir] of dirs.entries()) {
        const label = fixtureLabel(dir);
        console.error(`chromium: ${label} ...`);
        const res = await page.evaluate(([base, runs, warmup]) => window.zkaggBench.run(base, runs, warmup), [
          server.fixtureUrl(i),
          opts.runs,
          opts.warmup,
        ]);
        report.results.push({ env: "chromium", fixture: label, ...res });
      }
      if (page.problems.length) console.error(`page problems: ${page.problems.join("; ")}`);
    } finally {
      await browser?.close();
      await server?.close();
    }
  }

  const table = markdown(report);
  console.log(table);
  fs.mkdirSync(path.dirname(opts.out), { recursive: true });
  fs.writeFileSync(opts.out, JSON.stringify({ ...report, markdown: table }, null, 2) + "\n");
  console.error(`wrote ${path.relative(process.cwd(), opts.out)}`);
}

main().then(
  () => process.exit(0),
  (e) => {
    console.error(`FAILED: ${e && e.stack ? e.stack : e}`);
    process.exit(1);
  },
);
