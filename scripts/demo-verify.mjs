// Verifies the demo's batch proofs with the zkagg wasm verifier (Node build) and with snarkjs,
// and shows that a tampered public input is rejected by both.
// Usage: node scripts/demo-verify.mjs <demo-dir>   (as run by scripts/demo.sh)
import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { createRequire } from 'node:module';
import * as snarkjs from 'snarkjs';

const require = createRequire(import.meta.url);
const { Verifier } = require('../wasm-verifier/pkg/node/zkagg_wasm_verifier.js');

const dir = process.argv[2];
if (!dir) {
  console.error('usage: node scripts/demo-verify.mjs <demo-dir>');
  process.exit(2);
}
const json = (path) => JSON.parse(readFileSync(path, 'utf8'));
const vk = json(join(dir, 'keys', 'verification_key.json'));
const verifier = new Verifier(vk);
console.log(`wasm verifier ready: ${verifier.numPublicInputs} public inputs, vk_hash ${verifier.vkHash}`);

let failures = 0;
const batches = readdirSync(dir).filter((d) => d.startsWith('batch-')).sort();
for (const batch of batches) {
  const proof = json(join(dir, batch, 'proof.json'));
  const publicSignals = json(join(dir, batch, 'public.json'));
  const proofBin = new Uint8Array(readFileSync(join(dir, batch, 'proof.bin')));
  const t0 = performance.now();
  const wasmOk = verifier.verify(proof, publicSignals);
  const t1 = performance.now();
  const wasmBinOk = verifier.verify(proofBin, publicSignals);
  const snarkOk = await snarkjs.groth16.verify(vk, publicSignals, proof);
  const tampered = [...publicSignals];
  tampered[1] = (BigInt(tampered[1]) + 1n).toString();
  const wasmRejects = !verifier.verify(proof, tampered);
  const snarkRejects = !(await snarkjs.groth16.verify(vk, tampered, proof));
  const ok = wasmOk && wasmBinOk && snarkOk && wasmRejects && snarkRejects;
  if (!ok) failures++;
  console.log(
    `${batch}: wasm ${wasmOk ? 'valid' : 'INVALID'} (${(t1 - t0).toFixed(1)} ms), ` +
      `wasm/binary ${wasmBinOk ? 'valid' : 'INVALID'}, snarkjs ${snarkOk ? 'valid' : 'INVALID'}; ` +
      `tampered new_root rejected by wasm: ${wasmRejects}, by snarkjs: ${snarkRejects}`,
  );
}
verifier.free();
// snarkjs keeps worker threads alive; exit explicitly.
process.exit(failures === 0 && batches.length > 0 ? 0 : 1);
