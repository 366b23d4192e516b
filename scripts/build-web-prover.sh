#!/usr/bin/env bash
# Build the threaded wasm web prover (web-prover/pkg): cargo (pinned nightly from
# web-prover/rust-toolchain.toml, -Z build-std with atomics + shared memory, flags in
# web-prover/wasm-threads.toml) -> wasm-bindgen --target web -> wasm-opt -O3 (npm binaryen) ->
# copy the Worker and main-thread JS (web-prover/js/) next to it.
# Needs: scripts/setup.sh (wasm-bindgen-cli, node_modules). Installs the pinned nightly (with
# rust-src and the wasm32 target) when missing. Uses its own target dir so that the nightly
# build never invalidates the stable builds.
set -euo pipefail
cd "$(dirname "$0")/.."
root=$PWD
export PATH="$root/node_modules/.bin:$PATH"

toolchain=$(sed -n 's/^channel *= *"\(.*\)"/\1/p' web-prover/rust-toolchain.toml)
if ! rustup run "$toolchain" rustc --version >/dev/null 2>&1 \
  || ! rustup component list --toolchain "$toolchain" --installed 2>/dev/null | grep -q '^rust-src'; then
  echo "[build-web-prover] installing $toolchain (rust-src, wasm32-unknown-unknown)" >&2
  rustup toolchain install "$toolchain" --profile minimal -c rust-src -t wasm32-unknown-unknown
fi

target_dir=${CARGO_TARGET_DIR:-$root/target}/web-prover-wasm
crate=zkagg_web_prover
out=web-prover/pkg
(cd web-prover && cargo "+$toolchain" build --release --target wasm32-unknown-unknown \
  --config wasm-threads.toml --target-dir "$target_dir" -p zkagg-web-prover \
  --no-default-features --features parallel)
wasm=$target_dir/wasm32-unknown-unknown/release/$crate.wasm

rm -rf "$out"
wasm-bindgen --target web --out-dir "$out" "$wasm"
wasm-opt -O3 --enable-threads --enable-bulk-memory --enable-nontrapping-float-to-int --enable-sign-ext \
  --enable-mutable-globals --enable-reference-types --enable-multivalue \
  "$out/${crate}_bg.wasm" -o "$out/${crate}_bg.wasm"
cp web-prover/js/worker.js web-prover/js/prover.js "$out/"
raw=$(stat -c %s "$out/${crate}_bg.wasm")
gz=$(gzip -9 -c "$out/${crate}_bg.wasm" | wc -c)
echo "web-prover built: $out/${crate}_bg.wasm = $raw bytes raw, $gz bytes gzipped ($toolchain)"
