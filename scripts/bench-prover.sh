#!/usr/bin/env bash
# Browser prover and MSM benchmark (issue 5): builds the web prover (threaded wasm), the CLI and
# the native MSM example, then runs scripts/bench-prover.mjs, which makes circuits of about
# 2^14 and 2^16 constraints with circom2 + snarkjs (2^18 and 2^20 keys with make_zkey) and
# measures snarkjs vs this prover in
# headless Chromium (threads 1 and all), the MSM alone (CPU-wasm vs WebGPU), and the native
# prover; the table goes into docs/BENCHMARKS.md ("## Browser prover and MSM (issue 5)").
# Arguments are passed to the .mjs (e.g. --sizes 14,16 --msm 12,14,16 --runs 3 --no-write).
# Takes about half an hour on 2 cores; generated keys are cached in target/bench-prover/.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
bash scripts/build-web-prover.sh
cargo build --release -q -p zkagg-aggregator
cargo build --release -q -p zkagg-gpu-msm --example msm_bench
node scripts/bench-prover.mjs "$@"
