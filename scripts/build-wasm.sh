#!/usr/bin/env bash
# Build the WASM verifier for the browser (pkg/web, ES module) and Node (pkg/node, CommonJS):
# cargo (profile wasm-release) -> wasm-bindgen -> wasm-opt ${WASM_OPT_LEVEL:--Oz} (npm binaryen; never Debian's).
# Needs: the wasm32 target, wasm-bindgen-cli matching Cargo.lock, node_modules (scripts/setup.sh).
set -euo pipefail
cd "$(dirname "$0")/.."
export PATH="$PWD/node_modules/.bin:$PATH"

crate=zkagg_wasm_verifier
out=wasm-verifier/pkg
cargo build --profile wasm-release --target wasm32-unknown-unknown -p zkagg-wasm-verifier
wasm=${CARGO_TARGET_DIR:-target}/wasm32-unknown-unknown/wasm-release/$crate.wasm

for target in web nodejs; do
  dir=$out/$([ "$target" = nodejs ] && echo node || echo web)
  rm -rf "$dir"
  wasm-bindgen --target "$target" --out-dir "$dir" "$wasm"
  wasm-opt ${WASM_OPT_LEVEL:--Oz} --enable-bulk-memory --enable-nontrapping-float-to-int --enable-sign-ext \
    --enable-mutable-globals --enable-reference-types --enable-multivalue \
    "$dir/${crate}_bg.wasm" -o "$dir/${crate}_bg.wasm"
done

cat > $out/package.json <<JSON
{
  "name": "zkagg-wasm-verifier",
  "version": "0.1.0",
  "description": "Groth16 (BN254) verifier for browsers and Node: snarkjs JSON or arkworks binary in, true/false out.",
  "license": "MIT OR Apache-2.0",
  "main": "node/$crate.js",
  "module": "web/$crate.js",
  "types": "web/$crate.d.ts",
  "exports": {
    ".": { "node": "./node/$crate.js", "import": "./web/$crate.js", "types": "./web/$crate.d.ts" }
  },
  "files": ["node", "web"]
}
JSON
raw=$(stat -c %s "$out/web/${crate}_bg.wasm")
gz=$(gzip -9 -c "$out/web/${crate}_bg.wasm" | wc -c)
echo "wasm-verifier built: $out/web/${crate}_bg.wasm = $raw bytes raw, $gz bytes gzipped"
