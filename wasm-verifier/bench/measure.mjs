// Measurement core of verify-bench.mjs, shared by Node and the Chromium bench page (plain ES
// module, no Node or DOM APIs).
//
// measureFixture({ api, snarkjs, vk, proof, pub, runs, warmup, now }) measures, on one proof:
//   prepared: api.Verifier built once, then verifier.verify(proof, pub) (parsing of the proof and
//             inputs included: a dapp holds them as snarkjs JSON objects)
//   oneShot:  api.verify(vk, proof, pub)
//   snarkjs:  snarkjs.groth16.verify(vk, pub, proof)
// "first call" is timed separately before any warm-up: for prepared it is Verifier construction +
// the first verify, for snarkjs it includes building its curve (wasm + worker threads). Then
// `warmup` untimed rounds, then `runs` timed rounds; each round runs the three methods in a
// rotating order so that background load drifts affect them alike. Every call must return true.

export const METHODS = ["prepared", "oneShot", "snarkjs"];
export const METHOD_LABELS = {
  prepared: "zkagg wasm, prepared key (Verifier.verify)",
  oneShot: "zkagg wasm, one-shot verify(vk, proof, pub)",
  snarkjs: "snarkjs groth16.verify",
};

/** Quantile with linear interpolation, q in [0, 1]. */
function quantile(sorted, q) {
  if (sorted.length === 0) return NaN;
  const pos = (sorted.length - 1) * q;
  const lo = Math.floor(pos);
  const hi = Math.ceil(pos);
  return sorted[lo] + (sorted[hi] - sorted[lo]) * (pos - lo);
}

export function summarize(samples) {
  const s = [...samples].sort((a, b) => a - b);
  const mean = s.reduce((x, y) => x + y, 0) / s.length;
  return { n: s.length, median: quantile(s, 0.5), p10: quantile(s, 0.1), p90: quantile(s, 0.9), min: s[0], max: s[s.length - 1], mean };
}

export async function measureFixture({ api, snarkjs, vk, proof, pub, runs = 30, warmup = 5, now = () => performance.now() }) {
  const must = (ok, what) => {
    if (ok !== true) throw new Error(`${what} returned ${ok}, expected true`);
  };
  const first = {};
  let t = now();
  const verifier = new api.Verifier(vk);
  must(verifier.verify(proof, pub), "first Verifier.verify");
  first.prepared = now() - t;
  t = now();
  must(api.verify(vk, proof, pub), "first one-shot verify");
  first.oneShot = now() - t;
  t = now();
  must(await snarkjs.groth16.verify(vk, pub, proof), "first snarkjs verify");
  first.snarkjs = now() - t;

  const call = {
    prepared: async () => must(verifier.verify(proof, pub), "Verifier.verify"),
    oneShot: async () => must(api.verify(vk, proof, pub), "verify"),
    snarkjs: async () => must(await snarkjs.groth16.verify(vk, pub, proof), "snarkjs groth16.verify"),
  };
  const samples = { prepared: [], oneShot: [], snarkjs: [] };
  try {
    for (let round = 0; round < warmup + runs; round++) {
      for (let k = 0; k < METHODS.length; k++) {
        const m = METHODS[(round + k) % METHODS.length];
        const start = now();
        await call[m]();
        const ms = now() - start;
        if (round >= warmup) samples[m].push(ms);
      }
    }
  } finally {
    verifier.free();
  }
  const stats = {};
  for (const m of METHODS) stats[m] = { firstCallMs: first[m], ...summarize(samples[m]) };
  return {
    runs,
    warmup,
    numPublicInputs: pub.length,
    stats,
    ratios: {
      snarkjsOverPrepared: stats.snarkjs.median / stats.prepared.median,
      snarkjsOverOneShot: stats.snarkjs.median / stats.oneShot.median,
      oneShotOverPrepared: stats.oneShot.median / stats.prepared.median,
    },
  };
}
