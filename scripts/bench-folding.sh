#!/usr/bin/env bash
# Folding benchmark, side by side: this engine for N = 1, 2, 4 absorbed proofs (time per step
# phase, per absorbed proof, peak RSS against N), then nova-snark's RecursiveSNARK on the same
# aggregation step. Each run is its own process so that peak RSS is per configuration.
# Results go to docs/BENCHMARKS.md by hand (machine and date).
set -euo pipefail
cd "$(dirname "$0")/.."
cargo bench -p zkagg-folding --bench fold --no-run
for n in ${ZKAGG_BENCH_NS:-1 2 4}; do
  ZKAGG_BENCH_N=$n cargo bench -q -p zkagg-folding --bench fold 2>&1 | grep -E "^(engine|nova)"
done
ZKAGG_BENCH_NOVA=${ZKAGG_BENCH_NOVA_STEPS:-12} cargo bench -q -p zkagg-folding --bench fold 2>&1 | grep -E "^(engine|nova)"
