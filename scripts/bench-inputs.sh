#!/usr/bin/env bash
# Verification cost against the number of public inputs: circom keys with 1, 3, 20 and 64 public
# inputs (a product chain over the inputs, made by scripts/snarkjs-fixtures.mjs, cached in
# target/bench-inputs/), verified by the zkagg wasm verifier (prepared, one-shot) and snarkjs in
# Node and headless Chromium (wasm-verifier/bench/verify-bench.mjs).
# Usage: bash scripts/bench-inputs.sh [--no-browser] [--runs N]
set -euo pipefail
cd "$(dirname "$0")/.."
out=target/bench-inputs
mkdir -p "$out"
dirs=()
for n in 1 3 20 64; do
  dir=$out/inputs-$n
  if [ ! -f "$dir/proof.json" ]; then
    mkdir -p "$dir/src"
    # n public inputs x[i] and one private input w: acc_0 = x_0^2, acc_i = acc_{i-1} * x_i, w = acc_{n-1}.
    cat >"$dir/src/inputs_$n.circom" <<CIRCOM
pragma circom 2.0.0;
template PublicInputs(n) {
    signal input x[n];
    signal input w;
    signal acc[n];
    acc[0] <== x[0] * x[0];
    for (var i = 1; i < n; i++) {
        acc[i] <== acc[i - 1] * x[i];
    }
    w === acc[n - 1];
}
component main {public [x]} = PublicInputs($n);
CIRCOM
    # Full-size inputs (pseudo-random field elements), as real statements have: a scalar
    # multiplication by a small number would be cheap and flatter the per-input cost.
    node -e '
      const crypto = require("node:crypto");
      const r = 21888242871839275222246405745257275088548364400416034343698204186575808495617n;
      const n = +process.argv[1];
      const x = Array.from({ length: n }, (_, i) =>
        BigInt("0x" + crypto.createHash("sha256").update(`zkagg bench input ${i}`).digest("hex")) % r);
      let acc = (x[0] * x[0]) % r;
      for (let i = 1; i < n; i++) acc = (acc * x[i]) % r;
      process.stdout.write(JSON.stringify({ x: x.map(String), w: acc.toString() }));
    ' "$n" >"$dir/src/inputs_$n.input.json"
    node scripts/snarkjs-fixtures.mjs "$dir" --circuit "$dir/src/inputs_$n.circom" --input "$dir/src/inputs_$n.input.json" >"$dir/fixtures.log" 2>&1 \
      || { cat "$dir/fixtures.log"; exit 1; }
  fi
  dirs+=("$dir")
done
node wasm-verifier/bench/verify-bench.mjs --fixtures "$(IFS=:; echo "${dirs[*]}")" --out target/bench-inputs/results.json "$@"
