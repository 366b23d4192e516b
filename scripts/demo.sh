#!/usr/bin/env bash
# The main job, end to end on embedded defaults:
#   set-up -> build (native CLI + wasm verifier) -> Groth16 keys for the batch circuit
#   (4 transfers on a depth-20 Poseidon account tree) -> prove 3 random batches
#   -> verify each natively (zkagg verify), in WebAssembly (Node) and with snarkjs
#   -> a volunteer proves batch 1 again in headless Chromium (www/index.html: the web prover in a
#      Worker with a thread pool), verified in the page and by snarkjs; screenshot in target/demo.
#   -> the aggregator folds the chained batch proofs (Nova + CycleFold, `zkagg aggregate`,
#      checkpointed after every fold) and the native IVC verifier accepts the folded state.
# Output lands in target/demo/. The decider (one Groth16 for Ethereum) comes with issue 10.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh

say() { printf '\n\033[1m== %s\033[0m\n' "$*"; }
# Run a build quietly: its output goes to a log, shown only if it fails.
quietly() {
  local log=$1
  shift
  mkdir -p target
  "$@" >"$log" 2>&1 || { cat "$log"; echo "failed: $* (log: $log)" >&2; exit 1; }
}
out=target/demo
batches=${ZKAGG_DEMO_BATCHES:-3}

say "building the zkagg CLI and the wasm verifier"
cargo build --release -q -p zkagg-aggregator
quietly target/demo-build-wasm.log bash scripts/build-wasm.sh
zkagg=target/release/zkagg

say "trusted setup of the batch circuit (single-party, fresh OS randomness)"
rm -rf "$out" && mkdir -p "$out"
$zkagg setup --out-dir "$out/keys"

for i in $(seq 1 "$batches"); do
  say "batch $i: build a random batch and prove it"
  $zkagg prove-batch --keys "$out/keys" --out-dir "$out/batch-$i" --state "$out/rollup"
  say "batch $i: verify natively"
  $zkagg verify --vk "$out/keys/verification_key.json" --proof "$out/batch-$i/proof.json" --public "$out/batch-$i/public.json"
  $zkagg verify --vk "$out/keys/verification_key.bin" --proof "$out/batch-$i/proof.bin" --public "$out/batch-$i/public.bin"
done

say "verify every batch proof in WebAssembly (Node) and with snarkjs"
node scripts/demo-verify.mjs "$out"
say "a volunteer proves batch 1 in the browser (headless Chromium, www/index.html)"
quietly target/demo-build-web-prover.log bash scripts/build-web-prover.sh
node scripts/demo-browser.mjs "$out"
say "the aggregator folds the $batches chained batch proofs (Nova + CycleFold)"
mkdir -p "$out/proofs"
# Folded in name order: zero-padded links keep the rollup order for any count.
for i in $(seq 1 "$batches"); do ln -sfn "../batch-$i" "$out/proofs/$(printf %04d "$i")"; done
# The primary commitment key: an INSECURE local powers of tau, written once into target/ptau and
# reused (a deployment passes a ceremony file with --ptau).
$zkagg aggregate --keys "$out/keys" --proofs "$out/proofs" --work "$out/aggregate" \
  --ptau target/ptau --insecure-setup
cat "$out/aggregate/aggregate.json"
say "demo complete: keys and proofs in $out/, the folded aggregate in $out/aggregate/"
