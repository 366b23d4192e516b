#!/usr/bin/env bash
# Every test, on a fresh machine: set-up, formatting and lints, Rust tests (unit, integration,
# parser fuzzing, CLI), the wasm build, then Node + headless-Chromium tests of the wasm verifier
# and cross-verification with snarkjs (committed fixture, a fresh snarkjs proof, a zkagg proof).
# Ends with one summary line "tests: N passed, M failed".
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh

logs=target/test-logs
mkdir -p "$logs"
step() { printf '\n\033[1m== %s\033[0m\n' "$*"; }

step "cargo fmt --check"
cargo fmt --all -- --check

step "cargo clippy (native and wasm32)"
cargo clippy -q --workspace --all-targets -- -D warnings
cargo clippy -q -p zkagg-wasm-verifier --target wasm32-unknown-unknown -- -D warnings

step "Rust tests (release)"
cargo test --release --workspace 2>&1 | tee "$logs/cargo.log"

step "slow soundness tests of the in-circuit verifier (ignored in plain cargo test)"
cargo test --release -p zkagg-circuit-verifier -- --ignored every_tampering_is_rejected aggregation_in_steps wrong_finish_hints_make_a_step_unsatisfiable 2>&1 | tee -a "$logs/cargo.log"

step "two service replicas on one PostgreSQL server: no job leased twice (ignored in plain cargo test)"
cargo test --release -p zkagg-aggregator --test replicas -- --ignored 2>&1 | tee -a "$logs/cargo.log"

step "four chained batch proofs folded and compressed into ONE Groth16 proof (ignored in plain cargo test)"
# Its aggregate (and a batch's inclusion proof) is the fixture of the wasm verifier's aggregate tests.
export ZKAGG_AGGREGATE="$PWD/target/aggregate-fixture"
rm -rf "$ZKAGG_AGGREGATE"
ZKAGG_AGGREGATE_OUT="$ZKAGG_AGGREGATE" cargo test --release -p zkagg-aggregator --test aggregate -- --ignored four_chained_proofs_compress_to_one_groth16 2>&1 | tee -a "$logs/cargo.log"

step "the service's rounds on a Hardhat node: fold, compress, settle, kill -9 (ignored in plain cargo test)"
# Reuses the decider setup the step above made in $ZKAGG_AGGREGATE/decider (same batch key).
cargo test --release -p zkagg-aggregator --test serve -- --ignored a_round_settles_on_a_hardhat_node_across_kill_9 2>&1 | tee -a "$logs/cargo.log"

step "building the CLI and the wasm verifier"
cargo build --release -q -p zkagg-aggregator
bash scripts/build-wasm.sh
bash scripts/build-web-prover.sh

step "fixtures: a zkagg batch proof and a fresh snarkjs proof"
fixtures=$(bash scripts/make-test-fixtures.sh)
export ZKAGG_FIXTURES="$fixtures"
echo "ZKAGG_FIXTURES=$ZKAGG_FIXTURES"

step "Node + headless Chromium tests (wasm verifier, CLI cross-verification)"
node --test --test-reporter=spec --test-reporter-destination=stdout \
  --test-reporter=tap --test-reporter-destination="$logs/node.tap" \
  wasm-verifier/tests/ tests/e2e/ solidity-verifier/tests/ web-prover/tests/ gpu-msm/tests/

passed=$(( $(grep -E '^test result:' "$logs/cargo.log" | sed -E 's/.* ([0-9]+) passed.*/\1/' | paste -sd+ - | bc) \
  + $(grep -E '^# pass ' "$logs/node.tap" | awk '{s+=$3} END {print s+0}') ))
failed=$(( $(grep -E '^test result:' "$logs/cargo.log" | sed -E 's/.* ([0-9]+) failed.*/\1/' | paste -sd+ - | bc) \
  + $(grep -E '^# fail ' "$logs/node.tap" | awk '{s+=$3} END {print s+0}') ))
echo
echo "tests: $passed passed, $failed failed"
[ "$failed" = 0 ]
