// Page side of the web-prover browser tests and benchmark: a thin layer over prover.js that
// fetches inputs by URL and measures.

import { WebProver } from "/repo/web-prover/pkg/prover.js";

const log = (s) => (document.getElementById("log").textContent += `\n${s}`);
let prover = null;

async function blobOf(url) {
  const r = await fetch(url);
  if (!r.ok) throw new Error(`GET ${url}: ${r.status}`);
  return r.blob();
}

window.zkaggWeb = {
  env: async () => ({
    crossOriginIsolated: globalThis.crossOriginIsolated,
    webgpu: !!navigator.gpu,
    adapter: navigator.gpu ? !!(await navigator.gpu.requestAdapter().catch(() => null)) : false,
    cores: navigator.hardwareConcurrency,
    userAgent: navigator.userAgent,
  }),

  async create(options = {}) {
    prover?.terminate();
    const t0 = performance.now();
    prover = await WebProver.create(options);
    const info = { gpu: prover.gpu, reason: prover.gpuUnavailableReason, threads: prover.threads, ms: performance.now() - t0 };
    log(`prover: ${JSON.stringify(info)}`);
    return info;
  },

  /** Prove from URLs (the key as a Blob: streamed). Returns proof, publicSignals, report, ms, progress. */
  async prove(zkeyUrl, wtnsUrl, options = {}) {
    const zkey = await blobOf(zkeyUrl);
    const wtns = new Uint8Array(await (await blobOf(wtnsUrl)).arrayBuffer());
    const progress = [];
    const t0 = performance.now();
    const r = await prover.prove(zkey, wtns, { ...options, onProgress: (p) => progress.push(p) });
    const ms = performance.now() - t0;
    log(`proved in ${ms.toFixed(0)} ms`);
    return { ...r, ms, progress };
  },

  /** Start a proof, abort it when the first progress event of `phase` arrives, and time the stop. */
  async proveAndAbort(zkeyUrl, wtnsUrl, phase, options = {}) {
    const zkey = await blobOf(zkeyUrl);
    const wtns = new Uint8Array(await (await blobOf(wtnsUrl)).arrayBuffer());
    const ctl = new AbortController();
    let abortedAt = null;
    const t0 = performance.now();
    try {
      await prover.prove(zkey, wtns, {
        ...options,
        signal: ctl.signal,
        onProgress: (p) => {
          if (abortedAt === null && p.phase === phase) {
            abortedAt = performance.now();
            ctl.abort();
          }
        },
      });
      return { rejected: false, abortedAt: abortedAt && abortedAt - t0 };
    } catch (e) {
      const end = performance.now();
      return { rejected: true, name: e.name, message: e.message, stopMs: abortedAt === null ? null : end - abortedAt };
    }
  },

  /**
   * The volunteer's path from URLs: the batch key directory (zkagg setup) and a witness.bin
   * (zkagg prove-batch), fetched once, proved `runs` times in a row (the first one builds the
   * circuit's matrices). Returns each run's wall time in the page and the prover's report.
   */
  async proveBatchRuns(keysUrl, witnessUrl, runs = 3) {
    const bytes = async (u) => new Uint8Array(await (await blobOf(u)).arrayBuffer());
    const pk = await bytes(`${keysUrl}/batch.pk.bin`);
    const params = JSON.parse(new TextDecoder().decode(await bytes(`${keysUrl}/batch-params.json`)));
    const witness = await bytes(witnessUrl);
    const out = [];
    for (let i = 0; i < runs; i++) {
      const t0 = performance.now();
      const r = await prover.proveBatch(pk, params, witness);
      out.push({ ms: performance.now() - t0, report: r.report ?? null, proof: r.proof, publicSignals: r.publicSignals });
      log(`batch proof ${i + 1}: ${out[i].ms.toFixed(0)} ms`);
    }
    return out;
  },

  msmCheck: (n, kind, seed) => prover.msmCheck(n, kind, seed),
  benchFieldMul: (n) => prover.benchFieldMul(n),
  fieldSelfTest: (randoms) => prover.fieldSelfTest(randoms),
  batchDemo: (t, d, s) => prover.batchDemo(t, d, s),

  /** batchDemo, then proveBatch on the key and witness bytes it hands out (the volunteer's path). */
  async batchRoundTrip(transfers, depth, seed) {
    const demo = await prover.batchDemo(transfers, depth, seed);
    const progress = [];
    const params = { transfers, depth };
    // batchDemo left this shape in the Worker; another shape replaces it, then this one is
    // built again (cached: false) and found the next time (cached: true).
    const other = await prover.prepareBatch({ transfers, depth: depth + 1 });
    const prepared = await prover.prepareBatch(params);
    const preparedAgain = await prover.prepareBatch(params);
    const again = await prover.proveBatch(demo.pk, params, demo.witness, {
      onProgress: (p) => progress.push(p.phase ?? p),
    });
    // The same key again comes from the Worker's cache; another key (another setup) is parsed
    // anew and proves its own statement.
    const cachedKey = await prover.proveBatch(demo.pk, params, demo.witness);
    const demo2 = await prover.batchDemo(transfers, depth, seed + 1);
    const otherKey = await prover.proveBatch(demo2.pk, params, demo2.witness);
    // Malformed params are refused by name.
    const badParams = await prover.proveBatch(demo.pk, { transfers: 1.5, depth }, demo.witness).then(() => null, (e) => e.message);
    return {
      demo: { ...demo, pk: demo.pk.length, witness: demo.witness.length },
      again, progress, other, prepared, preparedAgain, badParams, cachedKey,
      otherKey: { ...otherKey, vk: demo2.vk },
    };
  },
};
log("ready");
