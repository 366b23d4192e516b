// End to end across components: the zkagg CLI verifies every fixture directory (the committed
// snarkjs proof, a fresh snarkjs proof made by this run, and a zkagg batch proof) with the right
// exit codes, and snarkjs accepts the proofs zkagg makes.
// Run (after scripts/make-test-fixtures.sh):
//   ZKAGG_FIXTURES=dir1:dir2 node --test tests/e2e/
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync, writeFileSync, mkdtempSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { tmpdir } from 'node:os';
import * as snarkjs from 'snarkjs';

const root = resolve(import.meta.dirname, '..', '..');
const zkagg = join(root, 'target', 'release', 'zkagg');
const dirs = (process.env.ZKAGG_FIXTURES || 'core/tests/fixtures/snarkjs')
  .split(':')
  .filter(Boolean)
  .map((d) => resolve(root, d));

function run(...args) {
  const out = spawnSync(zkagg, args, { encoding: 'utf8' });
  return { code: out.status, stdout: out.stdout, stderr: out.stderr };
}

test('the zkagg binary exists', () => {
  assert.ok(existsSync(zkagg), `${zkagg} missing: run cargo build --release -p zkagg-aggregator`);
});

for (const dir of dirs) {
  const f = (name) => join(dir, name);
  test(`${dir}: zkagg verify accepts the proof (exit 0)`, () => {
    const out = run('verify', '--vk', f('verification_key.json'), '--proof', f('proof.json'), '--public', f('public.json'));
    assert.equal(out.code, 0, out.stderr);
    assert.match(out.stdout, /^valid/);
  });

  test(`${dir}: zkagg verify rejects a tampered input (exit 1) and the wrong key (exit 1)`, () => {
    const tmp = mkdtempSync(join(tmpdir(), 'zkagg-e2e-'));
    const pub = JSON.parse(readFileSync(f('public.json'), 'utf8'));
    pub[0] = (BigInt(pub[0]) + 1n).toString();
    writeFileSync(join(tmp, 'public.json'), JSON.stringify(pub));
    const out = run('verify', '--vk', f('verification_key.json'), '--proof', f('proof.json'), '--public', join(tmp, 'public.json'));
    assert.equal(out.code, 1, out.stderr);
    if (existsSync(f('wrong_verification_key.json'))) {
      const wrong = run('verify', '--vk', f('wrong_verification_key.json'), '--proof', f('proof.json'), '--public', f('public.json'));
      assert.equal(wrong.code, 1, wrong.stderr);
    }
  });

  test(`${dir}: zkagg verify reports malformed input (exit 2) naming the field`, () => {
    const tmp = mkdtempSync(join(tmpdir(), 'zkagg-e2e-'));
    const proof = JSON.parse(readFileSync(f('proof.json'), 'utf8'));
    proof.pi_c[1] = (BigInt(proof.pi_c[1]) + 1n).toString();
    writeFileSync(join(tmp, 'proof.json'), JSON.stringify(proof));
    const out = run('verify', '--vk', f('verification_key.json'), '--proof', join(tmp, 'proof.json'), '--public', f('public.json'));
    assert.equal(out.code, 2);
    assert.match(out.stderr, /pi_c/);
  });

  test(`${dir}: snarkjs and zkagg agree on the proof`, async () => {
    const vk = JSON.parse(readFileSync(f('verification_key.json'), 'utf8'));
    const proof = JSON.parse(readFileSync(f('proof.json'), 'utf8'));
    const pub = JSON.parse(readFileSync(f('public.json'), 'utf8'));
    assert.equal(await snarkjs.groth16.verify(vk, pub, proof, { info() {}, debug() {}, warn() {}, error() {} }), true);
    const wrong = [...pub];
    wrong[pub.length - 1] = (BigInt(wrong[pub.length - 1]) + 1n).toString();
    assert.equal(await snarkjs.groth16.verify(vk, wrong, proof, { info() {}, debug() {}, warn() {}, error() {} }), false);
  });

  if (existsSync(f('proof.bin'))) {
    test(`${dir}: binary and JSON files are interchangeable`, () => {
      const out = run('verify', '--vk', f('verification_key.bin'), '--proof', f('proof.bin'), '--public', f('public.json'));
      assert.equal(out.code, 0, out.stderr);
    });
  }
}

test('snarkjs worker threads do not keep the test alive', async () => {
  if (globalThis.curve_bn128) await globalThis.curve_bn128.terminate();
});
