#!/usr/bin/env bash
# Fixture directories for the cross-component tests (each holds verification_key.json,
# proof.json, public.json, their .bin twins where we make them, and wrong_verification_key.json):
#   target/test-fixtures/batch          a batch-circuit proof made by zkagg (2 transfers, depth 8)
#   target/test-fixtures/snarkjs-fresh  a circom/snarkjs proof made now with fresh randomness
# Prints the colon-separated list for ZKAGG_FIXTURES (with the committed snarkjs fixture first).
set -euo pipefail
cd "$(dirname "$0")/.."
zkagg=target/release/zkagg
root=target/test-fixtures
rm -rf "$root/batch" && mkdir -p "$root/batch"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
$zkagg -q setup --transfers 2 --depth 8 --out-dir "$tmp/keys" --insecure-seed 17
$zkagg -q setup --transfers 2 --depth 8 --out-dir "$tmp/wrong" --insecure-seed 18
$zkagg -q prove-batch --keys "$tmp/keys" --out-dir "$tmp/proof" --seed 19
cp "$tmp/keys/verification_key.json" "$tmp/keys/verification_key.bin" "$root/batch/"
cp "$tmp/proof/proof.json" "$tmp/proof/proof.bin" "$tmp/proof/public.json" "$tmp/proof/public.bin" "$root/batch/"
cp "$tmp/wrong/verification_key.json" "$root/batch/wrong_verification_key.json"
if [ ! -f "$root/snarkjs-fresh/proof.json" ] || [ "${ZKAGG_FRESH_SNARKJS:-1}" = 1 ]; then
  node scripts/snarkjs-fixtures.mjs "$root/snarkjs-fresh" --random >&2
fi
echo "core/tests/fixtures/snarkjs:$root/batch:$root/snarkjs-fresh"
