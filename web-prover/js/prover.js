// zkagg web prover: main-thread API. A Groth16 (BN254) prover for circom/snarkjs keys that runs
// in a dedicated Web Worker with a thread pool and WebGPU MSMs (CPU fallback), with progress and
// cancellation: a drop-in for `snarkjs.groth16.prove(zkey, wtns)`.
//
//   import { WebProver } from "./prover.js";
//   const prover = await WebProver.create({ threads: navigator.hardwareConcurrency, backend: "auto" });
//   const ctl = new AbortController();
//   const { proof, publicSignals, report } = await prover.prove(zkeyFileOrBlob, wtnsBytes, {
//     onProgress: ({ phase, fraction, overall }) => {}, signal: ctl.signal });
//
// The page must be cross-origin isolated (headers Cross-Origin-Opener-Policy: same-origin and
// Cross-Origin-Embedder-Policy: require-corp): threads need SharedArrayBuffer.
// zkey/wtns: Blob or File (streamed in chunks: a large key never enters wasm memory whole),
// Uint8Array or ArrayBuffer.

export class WebProver {
  #worker;
  #next = 1;
  #pending = new Map();

  constructor(worker) {
    this.#worker = worker;
    worker.onmessage = (e) => this.#onMessage(e.data);
    worker.onerror = (e) => {
      for (const { reject } of this.#pending.values()) reject(new Error(`prover worker failed: ${e.message}`));
      this.#pending.clear();
    };
  }

  /**
   * Start the worker, the wasm module and its thread pool, and the MSM engine.
   * options: { threads, backend: "auto"|"cpu"|"gpu"|"hybrid:<0..1>", fault (tests), workerUrl }
   */
  static async create(options = {}) {
    if (!globalThis.crossOriginIsolated) {
      throw new Error("zkagg web prover: the page is not cross-origin isolated (serve it with COOP: same-origin and COEP: require-corp)");
    }
    const url = options.workerUrl || new URL("./worker.js", import.meta.url);
    const p = new WebProver(new Worker(url, { type: "module" }));
    const threads = options.threads || globalThis.navigator?.hardwareConcurrency || 1;
    const ready = await p.#call({ type: "init", threads, options: { backend: options.backend || "auto", fault: options.fault } });
    p.gpu = ready.gpu;
    p.gpuUnavailableReason = ready.gpuUnavailableReason;
    p.threads = ready.threads;
    return p;
  }

  #onMessage(msg) {
    const entry = this.#pending.get(msg.id);
    if (!entry) return;
    if (msg.type === "progress") {
      entry.onProgress?.({ phase: msg.phase, fraction: msg.fraction, overall: msg.overall });
      return;
    }
    this.#pending.delete(msg.id);
    if (msg.type === "error") {
      const err = new Error(msg.message);
      if (msg.message === "cancelled") err.name = "AbortError";
      entry.reject(err);
    } else entry.resolve(msg);
  }

  #call(msg, onProgress) {
    const id = this.#next++;
    return new Promise((resolve, reject) => {
      this.#pending.set(id, { resolve, reject, onProgress });
      this.#worker.postMessage({ ...msg, id });
    });
  }

  /**
   * Prove. Resolves to { proof, publicSignals, report } (proof and publicSignals exactly as
   * snarkjs.groth16.prove returns them). options: { onProgress({phase, fraction, overall}),
   * signal (AbortSignal: rejects with an AbortError), chunkPoints, seed (tests only) }.
   */
  async prove(zkey, wtns, options = {}) {
    const cancel = new Int32Array(new SharedArrayBuffer(4));
    const { signal, onProgress, ...rest } = options;
    if (signal?.aborted) throw Object.assign(new Error("cancelled"), { name: "AbortError" });
    const onAbort = () => Atomics.store(cancel, 0, 1);
    signal?.addEventListener("abort", onAbort, { once: true });
    try {
      const r = await this.#call({ type: "prove", zkey, wtns, options: rest, cancel }, onProgress);
      return { proof: r.proof, publicSignals: r.publicSignals, report: r.report };
    } finally {
      signal?.removeEventListener("abort", onAbort);
    }
  }

  /**
   * Prove a batch of zkagg's rollup circuit: pk = batch.pk.bin bytes (zkagg setup), params =
   * { transfers, depth }, witness = BatchWitness bytes (arkworks, compressed). Resolves to
   * { proof, publicSignals, report } (report: { constraints, variables, domainSize, phaseMs,
   * totalMs }). options: { onProgress, signal } as for prove(). The circuit's matrices are built
   * at the first proof of a shape and kept by the Worker (or ahead of it: prepareBatch).
   */
  async proveBatch(pk, params, witness, options = {}) {
    const cancel = new Int32Array(new SharedArrayBuffer(4));
    const onAbort = () => Atomics.store(cancel, 0, 1);
    if (options.signal?.aborted) onAbort();
    options.signal?.addEventListener("abort", onAbort, { once: true });
    try {
      const r = await this.#call({ type: "proveBatch", pk, params, witness, cancel }, options.onProgress);
      return { proof: r.proof, publicSignals: r.publicSignals, report: r.report };
    } finally {
      options.signal?.removeEventListener("abort", onAbort);
    }
  }

  /**
   * Build the batch circuit's matrices for params = { transfers, depth } in the Worker now (for
   * example while the proving key downloads), so that the first proveBatch of that shape starts
   * at once. Resolves to { constraints, terms, ms, cached }.
   */
  prepareBatch(params) {
    return this.#call({ type: "prepareBatch", params });
  }

  /** Demo/test: setup (test keys), random batch, proof and verification of a small batch circuit, in the Worker. */
  batchDemo(transfers = 1, depth = 3, seed = 1) {
    return this.#call({ type: "batchDemo", transfers, depth, seed });
  }

  /** Test/benchmark hook: MSM of n random points on this engine vs arkworks on the CPU. */
  msmCheck(n, kind = "random", seed = 1) {
    return this.#call({ type: "msmCheck", n, kind, seed });
  }

  /** Test hook: the wasm build's 29-bit fields (MSM coordinates, pairing backend, QAP scalars and FFTs) against arkworks: [msm, pairing, qap] numbers of checks; throws on a mismatch. */
  async fieldSelfTest(randoms = 64) {
    return (await this.#call({ type: "fieldSelfTest", randoms })).checks;
  }

  /** Benchmark hook: ns per field multiplication, [arkworks, 29-bit limbs]. */
  async benchFieldMul(n = 1 << 20) {
    return (await this.#call({ type: "benchFieldMul", n })).ns;
  }

  /** Stop the worker and its threads. */
  terminate() {
    this.#worker.terminate();
    for (const { reject } of this.#pending.values()) reject(new Error("prover terminated"));
    this.#pending.clear();
  }
}

/** snarkjs-style one-shot: `groth16Prove(zkey, wtns)` -> { proof, publicSignals }. */
export async function groth16Prove(zkey, wtns, options = {}) {
  const prover = await WebProver.create(options);
  try {
    const { proof, publicSignals } = await prover.prove(zkey, wtns, options);
    return { proof, publicSignals };
  } finally {
    prover.terminate();
  }
}
