#!/usr/bin/env bash
# Side-by-side benchmarks in ONE run on the SAME proofs (a zkagg batch proof and the committed
# snarkjs proof): native verify (criterion), wasm verify in Node and headless Chromium, snarkjs
# groth16.verify in Node and Chromium; wasm size; batch-circuit constraints and native prove time.
# Writes target/bench-report.md (paste into docs/BENCHMARKS.md with the machine and date).
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
runs=${ZKAGG_BENCH_RUNS:-40}

cargo build --release -q -p zkagg-aggregator
bash scripts/build-wasm.sh
ZKAGG_FRESH_SNARKJS=0 bash scripts/make-test-fixtures.sh >/dev/null
fixtures=core/tests/fixtures/snarkjs:target/test-fixtures/batch

cargo bench -q -p zkagg-aggregator --bench verify -- --noplot
cargo bench -q -p zkagg-aggregator --bench prove_batch -- --noplot
node wasm-verifier/bench/verify-bench.mjs --fixtures "$fixtures" --runs "$runs" --out target/wasm-verifier-bench.json
node scripts/bench-report.mjs target/wasm-verifier-bench.json > target/bench-report.md
cat target/bench-report.md
