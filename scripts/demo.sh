#!/usr/bin/env bash
# The main job, end to end on embedded defaults:
#   set-up -> build (native CLI + wasm verifier) -> Groth16 keys for the batch circuit
#   (4 transfers on a depth-20 Poseidon account tree) -> prove 3 random batches
#   -> verify each natively (zkagg verify), in WebAssembly (Node) and with snarkjs
#   -> a volunteer proves batch 1 again in headless Chromium (www/index.html: the web prover in a
#      Worker with a thread pool), verified in the page and by snarkjs; screenshot in target/demo.
#   -> the aggregator folds the chained batch proofs (Nova + CycleFold, `zkagg aggregate`,
#      checkpointed after every fold), the native IVC verifier accepts the folded state, and the
#      decider compresses it into ONE Groth16 proof (its INSECURE local setup is made once into
#      target/decider and reused by later runs)
#   -> that one proof is verified natively (zkagg verify), in WebAssembly in Node and in headless
#      Chromium (with batch 1's inclusion proof), and in the EVM: the exported AggregateRollup
#      contract, in revm, moves its root from the first batch's old_root to the last new_root.
#   -> the web app on the aggregator service: `zkagg serve` settling on a local Hardhat node; a
#      volunteer tab (www/volunteer.html) proves two jobs, their round is folded, compressed and
#      settled on the chain; the dapp page verifies the aggregate and a batch's inclusion; the
#      operator dashboard shows the round's gas. Screenshots in target/demo/screenshots/.
# Prints each phase's time, the aggregate's size and the gas. Output lands in target/demo/.
# ZKAGG_DEMO_BATCHES=N scales the number of batches (default 3).
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
[ "$batches" -ge 2 ] || { echo "ZKAGG_DEMO_BATCHES must be at least 2" >&2; exit 2; }
phases=()
phase_start=$SECONDS
# Record the time since the last mark under a phase name.
mark() { phases+=("$(printf '%-58s %5d s' "$1" $((SECONDS - phase_start)))"); phase_start=$SECONDS; }

say "building the zkagg CLI and the wasm verifier"
cargo build --release -q -p zkagg-aggregator
quietly target/demo-build-wasm.log bash scripts/build-wasm.sh
zkagg=target/release/zkagg
mark "build (CLI, wasm verifier)"

# The batch keys and the decider setup (which depends on the batch key) are made on the first run
# and reused by later ones (target/demo-keys, target/decider); delete them to start afresh.
rm -rf "$out" && mkdir -p "$out"
if [ ! -f target/demo-keys/verification_key.json ]; then
  say "trusted setup of the batch circuit (single-party, fresh OS randomness; reused by later runs)"
  rm -rf target/demo-keys
  $zkagg setup --out-dir target/demo-keys
else
  say "batch circuit keys from an earlier run (target/demo-keys)"
fi
cp -r target/demo-keys "$out/keys"
mark "batch circuit setup"

for i in $(seq 1 "$batches"); do
  say "batch $i: build a random batch and prove it"
  $zkagg prove-batch --keys "$out/keys" --out-dir "$out/batch-$i" --state "$out/rollup"
  say "batch $i: verify natively"
  $zkagg verify --vk "$out/keys/verification_key.json" --proof "$out/batch-$i/proof.json" --public "$out/batch-$i/public.json"
  $zkagg verify --vk "$out/keys/verification_key.bin" --proof "$out/batch-$i/proof.bin" --public "$out/batch-$i/public.bin"
done
mark "prove and verify $batches batches natively"

say "verify every batch proof in WebAssembly (Node) and with snarkjs"
node scripts/demo-verify.mjs "$out"
mark "verify the batches in wasm and snarkjs"
say "a volunteer proves batch 1 in the browser (headless Chromium, www/index.html)"
quietly target/demo-build-web-prover.log bash scripts/build-web-prover.sh
node scripts/demo-browser.mjs "$out"
mark "a volunteer proves batch 1 in Chromium (web prover build included)"
say "the aggregator folds the $batches chained batch proofs (Nova + CycleFold) and compresses them into one Groth16 proof"
mkdir -p "$out/proofs"
# Folded in name order: zero-padded links keep the rollup order for any count.
for i in $(seq 1 "$batches"); do ln -sfn "../batch-$i" "$out/proofs/$(printf %04d "$i")"; done
# The folding key is the decider setup's committed bases: an INSECURE local setup made once into
# target/decider and reused (a deployment brings a ceremony's key).
$zkagg aggregate --keys "$out/keys" --proofs "$out/proofs" --work "$out/aggregate" \
  --decider target/decider --insecure-setup
mark "aggregate: fold + compress (+ one-time decider setup if not cached)"
agg=$out/aggregate

say "verify the aggregate natively"
$zkagg verify --vk "$agg/aggregate_vk.json" --proof "$agg/aggregate_proof.json"
mark "verify the aggregate natively"

say "verify the aggregate in WebAssembly (Node and headless Chromium) and check batch 1 is covered"
fx=$out/aggregate-wasm
mkdir -p "$fx"
cp "$agg/aggregate_vk.json" "$agg/aggregate_proof.json" "$fx/"
cp "$out/keys/verification_key.json" "$fx/batch_vk.json"
cp "$out/batch-1/public.json" "$fx/b1_public.json"
cp "$out/batch-2/public.json" "$fx/b2_public.json"
cp "$agg/inclusion/0001.json" "$fx/b1_inclusion.json"
node scripts/demo-aggregate.mjs "$fx"
mark "verify the aggregate in wasm (Node, Chromium)"

say "settle the aggregate on the rollup contract in the EVM (revm)"
$zkagg export-solidity --vk "$agg/aggregate_vk.json" --out "$out/AggregateRollup.sol"
cargo run --release -q -p zkagg-solidity-verifier --example settle_aggregate -- \
  "$out/AggregateRollup.sol" "$agg/aggregate_proof.json" | tee "$out/settle.txt"
mark "export the contract and settle in revm (solc included)"

say "the web app on the aggregator service: a volunteer tab proves 2 jobs, the round settles on a Hardhat node"
node scripts/demo-webapp.mjs "$out" target/decider | tee "$out/webapp.txt"
mark "web app: volunteer tab, round folded, compressed, settled; dapp; dashboard"

gas=$(sed -n 's/.*accepted, \([0-9]*\) gas.*/\1/p' "$out/settle.txt")
size=$(wc -c <"$agg/aggregate_proof.json")
say "summary: $batches batch proofs -> ONE Groth16 proof"
printf '%s\n' "${phases[@]}"
python3 - "$agg/aggregate.json" <<'PY'
import json, sys
s = json.load(open(sys.argv[1]))
c, d = s["compress"], s["decider_setup"]
print(f"folding: {s['steps']} steps, {s['seconds_per_step']:.2f} s/step; decider: "
      f"{'made' if d['created'] else 'cached'} setup, proof {c['prove_seconds']:.1f} s "
      f"(witness {c['witness_seconds']:.1f} s), peak RSS {s['peak_rss_mib']:.0f} MiB")
PY
echo "aggregate proof: 360 bytes binary, $size bytes JSON; settle gas: $gas for the whole transaction, the same for any number of batches"
grep -E '^(gas|round 1):' "$out/webapp.txt" | sed 's/^/web app /'
echo "web app screenshots (volunteer, dapp, operator):"
grep -E '^  file://' "$out/webapp.txt"
say "demo complete: keys and proofs in $out/, the aggregate in $agg/"
