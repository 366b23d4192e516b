// The main job's aggregate check in WebAssembly: verifies the aggregate (one Groth16 proof for
// all batches) with the wasm verifier in Node and in headless Chromium, checks that batch 1 is
// covered (its inclusion proof), and runs the tampering cases of
// wasm-verifier/tests/aggregate-cases.mjs in both.
// Usage: node scripts/demo-aggregate.mjs <dir>   (dir as laid out by scripts/demo.sh: the files
// listed in AGGREGATE_FILES)
import fs from "node:fs";
import path from "node:path";
import { createRequire } from "node:module";
import { AGGREGATE_FILES, runAggregateCases } from "../wasm-verifier/tests/aggregate-cases.mjs";
import { launchChromium, openPage, startServer } from "../wasm-verifier/tests/browser-harness.mjs";

const dir = process.argv[2];
if (!dir) {
  console.error("usage: node scripts/demo-aggregate.mjs <dir>");
  process.exit(2);
}
const files = {};
for (const n of AGGREGATE_FILES) files[n] = fs.readFileSync(path.join(dir, n), "utf8");

function report(where, results) {
  const valid = results.find((r) => r.name.startsWith("valid aggregate (prepared"));
  const covered = results.find((r) => r.name.startsWith("batch 1 covered"));
  const failed = results.filter((r) => !r.pass);
  console.log(
    `${where}: aggregate ${valid.got === "accept" ? "VALID" : "INVALID"} (${valid.ms.toFixed(1)} ms), ` +
      `batch 1 covered: ${covered.got === "accept" ? "yes" : "no"}, ` +
      `${results.length - failed.length}/${results.length} cases as expected (tampered aggregates and inclusion proofs rejected)`,
  );
  for (const f of failed) console.log(`  FAILED ${f.name}: expected ${f.expect}, got ${f.got} ${f.detail}`);
  return failed.length === 0;
}

const require = createRequire(import.meta.url);
const api = require("../wasm-verifier/pkg/node/zkagg_wasm_verifier.js");
let ok = report("wasm verifier in Node", runAggregateCases(api, files));

const server = await startServer([path.resolve(dir)]);
const browser = await launchChromium();
try {
  const page = await openPage(browser, `${server.origin}/repo/wasm-verifier/tests/browser/index.html`);
  await page.waitForFunction(() => window.zkagg !== undefined, null, { timeout: 30_000 });
  await page.evaluate(() => window.zkagg.ready);
  const results = await page.evaluate(async (files) => {
    const api = await import("/repo/wasm-verifier/pkg/web/zkagg_wasm_verifier.js");
    const { runAggregateCases } = await import("/repo/wasm-verifier/tests/aggregate-cases.mjs");
    return runAggregateCases(api, files);
  }, files);
  ok = report("wasm verifier in headless Chromium", results) && ok;
  if (page.problems.length) {
    console.log(`  page problems: ${page.problems.join("; ")}`);
    ok = false;
  }
} finally {
  await browser.close();
  await server.close();
}
process.exit(ok ? 0 : 1);
