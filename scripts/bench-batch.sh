#!/usr/bin/env bash
# The volunteer's batch proof in the browser against native, in one run (issue 13, item 1): the
# default batch circuit (4 transfers, depth 20), keys and one batch made once into
# target/bench-batch/ (delete it to start afresh), then scripts/bench-batch.mjs. Arguments go to
# the .mjs (--runs N, --threads T). Takes about 5 minutes on 2 cores after the builds.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
bash scripts/build-web-prover.sh
cargo build --release -q -p zkagg-aggregator
cargo build --release -q -p zkagg-web-prover --example batch_bench
dir=target/bench-batch
if [ ! -f "$dir/keys/verification_key.json" ]; then
  rm -rf "$dir"
  target/release/zkagg setup --out-dir "$dir/keys"
fi
if [ ! -f "$dir/batch/witness.bin" ]; then
  target/release/zkagg prove-batch --keys "$dir/keys" --out-dir "$dir/batch"
fi
node scripts/bench-batch.mjs "$dir/keys" "$dir/batch" "$@"
