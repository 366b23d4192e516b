#!/usr/bin/env bash
# Idempotent set-up for a fresh machine of this project's kind (Debian 12, Rust via rustup, Node 20):
#   - Debian: chromium + chromium-driver (headless browser tests), fonts, postgresql (the
#     service's replica tests start their own throwaway server with scripts/postgres.sh)
#   - rustup: the wasm32-unknown-unknown target
#   - cargo: wasm-bindgen-cli at exactly the version in Cargo.lock
#   - npm: snarkjs, circom2, playwright-core, binaryen, solc, hardhat (the local chain node)
#     (package-lock.json)
# Each step is skipped when already satisfied, so running it again costs seconds.
set -euo pipefail
cd "$(dirname "$0")/.."

log() { printf '\033[1m[setup]\033[0m %s\n' "$*" >&2; }
as_root() { if [ "$(id -u)" = 0 ]; then "$@"; else sudo "$@"; fi; }

apt_packages=(chromium chromium-driver fonts-liberation mesa-vulkan-drivers libvulkan1 postgresql)
missing=()
for pkg in "${apt_packages[@]}"; do
  dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "install ok installed" || missing+=("$pkg")
done
if [ ${#missing[@]} -gt 0 ]; then
  log "installing Debian packages: ${missing[*]}"
  as_root apt-get update -qq
  # The first install can fail with "cannot access archive" (the image prunes .debs between
  # dpkg batches); the same command then succeeds, so try up to three times.
  for attempt in 1 2 3; do
    if as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null; then
      break
    fi
    [ "$attempt" = 3 ] && { log "apt-get install failed"; exit 1; }
    log "apt-get install failed (attempt $attempt), retrying"
  done
fi

if ! rustup target list --installed | grep -qx wasm32-unknown-unknown; then
  log "adding rustup target wasm32-unknown-unknown"
  rustup target add wasm32-unknown-unknown
fi

want=$(awk '/^name = "wasm-bindgen"$/ { getline; gsub(/version = |"/, ""); print; exit }' Cargo.lock)
have=$(wasm-bindgen --version 2>/dev/null | awk '{print $2}' || true)
if [ "$have" != "$want" ]; then
  log "installing wasm-bindgen-cli $want (found: ${have:-none}; takes a few minutes once)"
  # Not --locked: the registry mirror lacks one pinned transitive crate (see shared/ENVIRONMENT.md).
  cargo install -q wasm-bindgen-cli --version "$want"
fi

if [ ! -f node_modules/.package-lock.json ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
  log "installing npm packages (npm ci)"
  npm ci --no-audit --no-fund --loglevel=error
fi
log "set-up complete"
