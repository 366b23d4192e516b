// Merges criterion's native numbers (target/criterion) with the wasm/snarkjs harness JSON into
// one markdown report. Usage: node scripts/bench-report.mjs target/wasm-verifier-bench.json
import { readFileSync, existsSync } from 'node:fs';
import { execFileSync } from 'node:child_process';
import os from 'node:os';

const js = JSON.parse(readFileSync(process.argv[2], 'utf8'));
// criterion stores group "a/b", function "f" under target/criterion/a_b/f/.
const crit = (id) => {
  const slash = id.lastIndexOf('/');
  const file = `target/criterion/${id.slice(0, slash).replaceAll('/', '_')}/${id.slice(slash + 1)}/new/estimates.json`;
  if (!existsSync(file)) return null;
  return JSON.parse(readFileSync(file, 'utf8')).median.point_estimate / 1e6; // ns -> ms
};
const ms = (x) => (x == null ? 'n/a' : x < 10 ? x.toFixed(2) : x.toFixed(1));
const caseOf = (fixture) => (fixture.includes('batch') ? 'batch' : 'snarkjs');

const cpu = os.cpus()[0]?.model ?? 'unknown CPU';
console.log(`Measured ${new Date().toISOString().slice(0, 10)} on ${os.cpus().length} x ${cpu}, ` +
  `${Math.round(os.totalmem() / 2 ** 30)} GiB, Node ${process.version}; load average at start ${js.host.loadavg.join(' ')}.\n`);

console.log('### Groth16 verify, same proof, one run (median ms; prepared key; parsing of snarkjs JSON included)\n');
console.log('| proof | native (criterion) | wasm Node | wasm Chromium | snarkjs Node | snarkjs Chromium | wasm/native (Node) | snarkjs/wasm Node | snarkjs/wasm Chromium |');
console.log('|---|---:|---:|---:|---:|---:|---:|---:|---:|');
const fixtures = [...new Set(js.results.map((r) => r.fixture))];
for (const fixture of fixtures) {
  const c = caseOf(fixture);
  const native = crit(`native-verify/${c}/prepared-json`);
  const get = (env, m) => js.results.find((r) => r.fixture === fixture && r.env === env)?.stats?.[m]?.median;
  const wn = get('node', 'prepared'), wc = get('chromium', 'prepared');
  const sn = get('node', 'snarkjs'), sc = get('chromium', 'snarkjs');
  const n = js.results.find((r) => r.fixture === fixture)?.numPublicInputs;
  console.log(`| ${c} (${n} inputs) | ${ms(native)} | ${ms(wn)} | ${ms(wc)} | ${ms(sn)} | ${ms(sc)} | ` +
    `${native && wn ? (wn / native).toFixed(2) + 'x' : 'n/a'} | ${wn && sn ? (sn / wn).toFixed(2) + 'x' : 'n/a'} | ${wc && sc ? (sc / wc).toFixed(2) + 'x' : 'n/a'} |`);
}
console.log('\n### One-shot (parse + prepare key + verify) and first calls (ms)\n');
console.log('| proof | native one-shot | wasm one-shot Node | wasm one-shot Chromium | wasm first call Node | snarkjs first call Node |');
console.log('|---|---:|---:|---:|---:|---:|');
for (const fixture of fixtures) {
  const c = caseOf(fixture);
  const get = (env, m, k = 'median') => js.results.find((r) => r.fixture === fixture && r.env === env)?.stats?.[m]?.[k];
  console.log(`| ${c} | ${ms(crit(`native-verify/${c}/one-shot-json`))} | ${ms(get('node', 'oneShot'))} | ${ms(get('chromium', 'oneShot'))} | ` +
    `${ms(get('node', 'prepared', 'firstCallMs'))} | ${ms(get('node', 'snarkjs', 'firstCallMs'))} |`);
}
console.log(`\nwasm verifier size: ${js.wasm.rawBytes} bytes raw, ${js.wasm.gzipBytes} bytes gzipped (level 9).\n`);

const prove = crit('prove-batch/k4-d20/groth16-prove');
// The CLI's setup prints the constraint count of the default shape.
let constraints = 'n/a';
try {
  const log = execFileSync('sh', ['-c', 'target/release/zkagg setup --out-dir target/bench-keys --insecure-seed 1 2>&1 >/dev/null'], { encoding: 'utf8' });
  constraints = /\((\d+) constraints\)/.exec(log)?.[1] ?? 'n/a';
} catch (e) {
  console.error(`zkagg setup failed: ${e.message}`);
}
console.log('### Batch circuit (K = 4 transfers, D = 20)\n');
console.log(`| constraints | native Groth16 prove (criterion median) |\n|---:|---:|\n| ${constraints} | ${prove == null ? 'n/a' : (prove / 1000).toFixed(2) + ' s'} |`);
