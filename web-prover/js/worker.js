// zkagg web prover: the dedicated Web Worker that hosts the wasm module and its thread pool
// (wasm-bindgen-rayon spawns its own workers from here). Talk to it through prover.js.
//
// Messages in:  {type: "init", threads, options}            -> {type: "ready", gpu, gpuUnavailableReason, threads}
//               {type: "prove", id, zkey, wtns, options, cancel}  -> {type: "progress", id, ...}*, then
//                                                               {type: "result", id, proof, publicSignals, report}
//               {type: "prepareBatch", id, params}           -> {type: "result", id, constraints, terms, ms, cached}
//               {type: "proveBatch", id, pk, params, witness, cancel} -> {type: "result", id, proof, publicSignals, report}
//               {type: "batchDemo", id, transfers, depth, seed}  -> {type: "result", id, proof, publicSignals, valid, ...}
//               {type: "msmCheck", id, n, kind, seed}       -> {type: "result", id, ...}
// Any failure:  {type: "error", id, message}
// `cancel` is an Int32Array on a SharedArrayBuffer: the prover polls it (Atomics.load) between
// chunks, so cancellation works while this worker is busy computing.

import init, { initThreadPool, Prover, threadCount, benchFieldMul, fieldSelfTest } from "./zkagg_web_prover.js";

let prover = null;

async function handle(msg) {
  switch (msg.type) {
    case "init": {
      await init();
      const threads = Math.max(1, msg.threads | 0);
      if (typeof initThreadPool === "function") await initThreadPool(threads);
      prover = await Prover.create(msg.options || {});
      return {
        type: "ready",
        gpu: prover.gpu ?? null,
        gpuUnavailableReason: prover.gpuUnavailableReason ?? null,
        threads: threadCount(),
      };
    }
    case "prove": {
      const { proof, publicSignals, report } = await prover.prove(msg.zkey, msg.wtns, {
        ...(msg.options || {}),
        cancel: msg.cancel,
        onProgress: (phase, fraction, overall) =>
          postMessage({ type: "progress", id: msg.id, phase, fraction, overall }),
      });
      return { type: "result", id: msg.id, proof, publicSignals, report };
    }
    case "prepareBatch": {
      const r = await prover.prepareBatch(msg.params);
      return { type: "result", id: msg.id, ...r };
    }
    case "proveBatch": {
      const r = await prover.proveBatch(msg.pk, msg.params, msg.witness, {
        cancel: msg.cancel,
        onProgress: (phase, fraction) => postMessage({ type: "progress", id: msg.id, phase, fraction, overall: fraction }),
      });
      return { type: "result", id: msg.id, ...r };
    }
    case "batchDemo": {
      const r = await prover.batchDemo(msg.transfers, msg.depth, msg.seed);
      return { type: "result", id: msg.id, ...r };
    }
    case "benchFieldMul":
      return { type: "result", id: msg.id, ns: Array.from(benchFieldMul(msg.n)) };
    case "fieldSelfTest":
      return { type: "result", id: msg.id, checks: fieldSelfTest(msg.randoms) };
    case "msmCheck": {
      const r = await prover.msmCheck(msg.n, msg.kind, msg.seed);
      return { type: "result", id: msg.id, ...r };
    }
    default:
      throw new Error(`unknown message type ${msg.type}`);
  }
}

// One request at a time (the pool is busy anyway); queue the rest in order.
let queue = Promise.resolve();
onmessage = (e) => {
  const msg = e.data;
  queue = queue.then(async () => {
    try {
      postMessage({ ...(await handle(msg)), id: msg.id });
    } catch (err) {
      postMessage({ type: "error", id: msg.id, message: String(err && err.message ? err.message : err) });
    }
  });
};
