// Browser side of verify-bench.mjs: exposes
//   window.zkaggBench.ready                      -> Promise of { userAgent, crossOriginIsolated, initMs }
//   window.zkaggBench.run(base, runs, warmup)    -> measureFixture() result for the fixture at `base`

import init, * as api from "../pkg/web/zkagg_wasm_verifier.js";
import { measureFixture } from "./measure.mjs";

const ready = (async () => {
  if (typeof globalThis.snarkjs?.groth16?.verify !== "function") throw new Error("snarkjs.min.js did not load");
  const t = performance.now();
  await init({ module_or_path: new URL("../pkg/web/zkagg_wasm_verifier_bg.wasm", import.meta.url) });
  return {
    userAgent: navigator.userAgent,
    crossOriginIsolated: globalThis.crossOriginIsolated === true,
    hardwareConcurrency: navigator.hardwareConcurrency,
    initMs: performance.now() - t,
  };
})();

async function run(base, runs, warmup) {
  await ready;
  const get = async (name) => {
    const r = await fetch(`${base}/${name}`);
    if (!r.ok) throw new Error(`GET ${base}/${name}: ${r.status}`);
    return r.json();
  };
  const [vk, proof, pub] = await Promise.all(["verification_key.json", "proof.json", "public.json"].map(get));
  const res = await measureFixture({ api, snarkjs: globalThis.snarkjs, vk, proof, pub, runs, warmup });
  document.getElementById("out").textContent += `\n${base}: ${JSON.stringify(res.stats, null, 1)}`;
  return res;
}

window.zkaggBench = { ready, run };
