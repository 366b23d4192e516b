#!/usr/bin/env bash
# Gas benchmark of the Groth16 verifier contracts (issue 3): zkagg's generated verifier beside the
# verifier snarkjs exports for the SAME key, for keys with N = 1, 2, 8 and 32 public inputs.
#
#   bash scripts/bench-gas.sh            # ~20 s once built (2 cores); rewrites the "## Gas: Groth16
#                                        # verifier contracts (issue 3)" section of docs/BENCHMARKS.md
#   ZKAGG_BENCH_GAS_NS="1 2" bash scripts/bench-gas.sh   # other input counts (table not written
#                                                        # unless ZKAGG_BENCH_GAS_WRITE=1)
#
# For each N, at benchmark time (nothing here is committed): a circom circuit with N public inputs
# -> circom2 + snarkjs Groth16 keys and a proof (scripts/snarkjs-fixtures.mjs, fixed-seed
# randomness) -> `snarkjs zkey export solidityverifier` for that zkey. Then the Rust benchmark
# (solidity-verifier/examples/bench_gas.rs) generates zkagg's verifier from the same
# verification_key.json, compiles both with the same pinned solc settings, deploys both in revm
# (Prague) and measures deploy gas, verify gas (a real transaction: intrinsic + execution), the
# gas of a rejected malformed proof, and revm's execution time of one verify call.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh

out=target/bench-gas
ns=${ZKAGG_BENCH_GAS_NS:-"1 2 8 32"}
write=${ZKAGG_BENCH_GAS_WRITE:-}
[ -z "$write" ] && [ -z "${ZKAGG_BENCH_GAS_NS:-}" ] && write=1
dirs=()
for n in $ns; do
  dir=$out/n$n
  mkdir -p "$dir/src"
  # A circuit whose N public inputs each enter one constraint with the private witness w.
  cat > "$dir/src/bench_n$n.circom" <<CIRCOM
pragma circom 2.1.0;
// zkagg gas benchmark: N = $n public inputs, each bound to the witness by one constraint.
template Bench(N) {
    signal input in[N];
    signal input w;
    signal prod[N];
    for (var i = 0; i < N; i++) {
        prod[i] <== in[i] * w;
    }
}
component main {public [in]} = Bench($n);
CIRCOM
  # Inputs: full-size field elements (a realistic calldata cost), derived from a hash chain.
  node -e '
    const crypto = require("node:crypto");
    const r = 21888242871839275222246405745257275088548364400416034343698204186575808495617n;
    const n = Number(process.argv[1]);
    const inputs = [];
    for (let i = 0; i < n; i++) {
      const h = crypto.createHash("sha256").update(`zkagg bench input ${i}`).digest("hex");
      inputs.push((BigInt("0x" + h) % r).toString());
    }
    process.stdout.write(JSON.stringify({ in: inputs, w: "7" }) + "\n");
  ' "$n" > "$dir/src/bench_n$n.input.json"
  echo "== N = $n: circom2 + snarkjs keys and proof" >&2
  node scripts/snarkjs-fixtures.mjs "$dir" --circuit "$dir/src/bench_n$n.circom" > "$dir/snarkjs-fixtures.log"
  echo "== N = $n: snarkjs zkey export solidityverifier" >&2
  node node_modules/snarkjs/build/cli.cjs zkey export solidityverifier "$dir/circuit.zkey" "$dir/snarkjs_verifier.sol" > /dev/null
  dirs+=("$dir")
done

args=()
[ -n "$write" ] && args+=(--write docs/BENCHMARKS.md)
cargo run --release -q -p zkagg-solidity-verifier --example bench_gas -- "${args[@]}" "${dirs[@]}"
