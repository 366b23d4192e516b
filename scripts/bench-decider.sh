#!/usr/bin/env bash
# End-to-end aggregation benchmark through the CLI, against N: N chained batch proofs (the
# default batch circuit, K = 4 transfers on a depth-20 tree) folded and compressed into one
# Groth16 proof with `zkagg aggregate --decider`, for each N in ZKAGG_BENCH_NS (default 1 2 4 8).
# Each N is its own process (peak RSS per run). The decider setup is made once (INSECURE, seeded
# locally) into target/bench-decider/decider and reused, so its time is reported separately.
# Prints one line per N: folding steps and time, decider proof time, total aggregation latency
# (first proof in to aggregate proof out), peak RSS. Results go to docs/BENCHMARKS.md by hand.
set -euo pipefail
cd "$(dirname "$0")/.."
ns=${ZKAGG_BENCH_NS:-1 2 4 8}
max=$(printf '%s\n' $ns | sort -n | tail -1)
cargo build --release -q -p zkagg-aggregator
zkagg=target/release/zkagg
root=target/bench-decider
mkdir -p "$root"
if [ ! -f "$root/keys/verification_key.json" ]; then
  $zkagg -q setup --out-dir "$root/keys" --insecure-seed 17
fi
for i in $(seq 1 "$max"); do
  d=$root/batches/$(printf %04d "$i")
  [ -f "$d/proof.json" ] || $zkagg -q prove-batch --keys "$root/keys" --out-dir "$d" --state "$root/rollup" --seed $((1000 + i))
done
for n in $ns; do
  rm -rf "$root/proofs-$n" "$root/work-$n"
  mkdir -p "$root/proofs-$n"
  for i in $(seq 1 "$n"); do ln -s "../batches/$(printf %04d "$i")" "$root/proofs-$n/$(printf %04d "$i")"; done
  start=$(date +%s.%N)
  $zkagg -q aggregate --keys "$root/keys" --proofs "$root/proofs-$n" --work "$root/work-$n" \
    --decider "$root/decider" --insecure-setup
  end=$(date +%s.%N)
  python3 - "$root/work-$n/aggregate.json" "$n" "$start" "$end" <<'PY'
import json, sys
s = json.load(open(sys.argv[1]))
n, total = int(sys.argv[2]), float(sys.argv[4]) - float(sys.argv[3])
c, d = s["compress"], s["decider_setup"]
setup = d["record_seconds"] + d["keys_seconds"]
print(f"N={n}: {s['steps']} steps, fold {s['fold_seconds_this_run']:.1f} s ({s['seconds_per_step']:.2f} s/step), "
      f"decider proof {c['seconds']:.1f} s (Groth16 {c['prove_seconds']:.1f} s), "
      f"process {total:.1f} s ({'incl. setup %.1f s' % setup if d['created'] else 'setup loaded in %.1f s' % d['keys_seconds']}), "
      f"peak RSS {s['peak_rss_mib']:.0f} MiB")
PY
done
