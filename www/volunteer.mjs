// zkagg volunteer page (www/index.html): picks the inputs (files, or URLs from the query string),
// proves the batch with the web prover (Worker + thread pool + WebGPU/CPU MSMs), shows progress,
// supports cancellation, and verifies the proof with the wasm verifier before showing it.
// window.zkaggVolunteer exposes the state to scripts (scripts/demo-browser.mjs).

import { WebProver } from "../web-prover/pkg/prover.js";
import initVerifier, { Verifier } from "../wasm-verifier/pkg/web/zkagg_wasm_verifier.js";

const $ = (id) => document.getElementById(id);
const log = (s) => ($("log").textContent += `${s}\n`);
const state = (window.zkaggVolunteer = { ready: false, done: false, error: null, result: null });
const inputs = { pk: null, params: null, vk: null, witness: null };
let prover = null;
let controller = null;

// The batch prover's phases, with their share of the bar (about their share of the time).
const PHASES = {
  witness: { label: "computing the witness", from: 0, weight: 0.05 },
  qap: { label: "QAP and FFTs", from: 0.05, weight: 0.2 },
  msm: { label: "multi-scalar multiplications", from: 0.25, weight: 0.75 },
};

function fail(e) {
  state.error = e.message || String(e);
  state.done = true;
  log(`error: ${state.error}`);
  $("phase").textContent = e.name === "AbortError" ? "cancelled" : "failed";
  $("prove").disabled = !ready();
  $("cancel").disabled = true;
}

const ready = () => prover && Object.values(inputs).every((v) => v !== null);

async function bytesOf(src) {
  if (src instanceof Blob) return new Uint8Array(await src.arrayBuffer());
  const r = await fetch(src);
  if (!r.ok) throw new Error(`GET ${src}: HTTP ${r.status}`);
  return new Uint8Array(await r.arrayBuffer());
}
const jsonOf = async (src) => JSON.parse(new TextDecoder().decode(await bytesOf(src)));

async function prove() {
  $("prove").disabled = true;
  $("cancel").disabled = false;
  $("result").hidden = true;
  Object.assign(state, { done: false, error: null, result: null });
  controller = new AbortController();
  try {
    const [pk, params, vk, witness] = await Promise.all([
      bytesOf(inputs.pk), jsonOf(inputs.params), jsonOf(inputs.vk), bytesOf(inputs.witness),
    ]);
    log(`batch circuit: ${params.transfers} transfers, depth ${params.depth}; key ${(pk.length / 2 ** 20).toFixed(1)} MiB`);
    const t0 = performance.now();
    const { proof, publicSignals } = await prover.proveBatch(pk, params, witness, {
      signal: controller.signal,
      onProgress: ({ phase, fraction }) => {
        const p = PHASES[phase] ?? { label: phase, from: 0, weight: 1 };
        $("progress").value = p.from + p.weight * fraction;
        $("phase").textContent = `${p.label} ${(100 * fraction).toFixed(0)}%`;
      },
    });
    const ms = performance.now() - t0;
    await initVerifier();
    const verifier = new Verifier(vk);
    const valid = verifier.verify(proof, publicSignals);
    state.result = { proof, publicSignals, ms, valid, vkHash: verifier.vkHash };
    $("progress").value = 1;
    $("phase").textContent = "done";
    $("verdict").textContent = valid ? "Proof verified ✓" : "Proof does NOT verify ✗";
    $("verdict").className = valid ? "ok" : "bad";
    const facts = [
      ["proving time", `${(ms / 1000).toFixed(2)} s on ${prover.threads} threads`],
      ["old root", publicSignals[0]],
      ["new root", publicSignals[1]],
      ["tx commitment", publicSignals[2]],
      ["vk hash", verifier.vkHash],
    ];
    $("facts").replaceChildren(...facts.flatMap(([k, v]) => [Object.assign(document.createElement("dt"), { textContent: k }), Object.assign(document.createElement("dd"), { textContent: v })]));
    $("proof").textContent = JSON.stringify(proof, null, 2);
    $("result").hidden = false;
    state.done = true;
    $("prove").disabled = false;
    $("cancel").disabled = true;
  } catch (e) {
    fail(e);
  }
}

for (const id of Object.keys(inputs)) {
  $(id).addEventListener("change", (e) => {
    inputs[id] = e.target.files[0] ?? null;
    $("prove").disabled = !ready();
  });
}
$("prove").addEventListener("click", prove);
$("cancel").addEventListener("click", () => controller?.abort());

try {
  prover = await WebProver.create({ threads: navigator.hardwareConcurrency, backend: "auto" });
  // "auto" keeps MSMs on CPU threads when the adapter is a software one (SwiftShader).
  const software = prover.gpu && /software/i.test(prover.gpu);
  $("engine").textContent = `${prover.threads} threads · MSMs: ${
    !prover.gpu ? `CPU (no WebGPU: ${prover.gpuUnavailableReason ?? "unavailable"})` : software ? "CPU (the WebGPU adapter is a software one)" : `WebGPU + CPU (${prover.gpu})`
  }`;
  const q = new URLSearchParams(location.search);
  if (q.get("keys") && q.get("batch")) {
    const keys = q.get("keys").replace(/\/$/, "");
    const batch = q.get("batch").replace(/\/$/, "");
    Object.assign(inputs, {
      pk: `${keys}/batch.pk.bin`, params: `${keys}/batch-params.json`,
      vk: `${keys}/verification_key.json`, witness: `${batch}/witness.bin`,
    });
    for (const [id, src] of Object.entries(inputs)) {
      const note = Object.assign(document.createElement("small"), { className: "src", textContent: `from ${src.split("/").slice(-2).join("/")}` });
      $(id).replaceWith(note);
    }
    log(`inputs from ${keys} and ${batch}`);
  }
  state.ready = true;
  $("prove").disabled = !ready();
  if (q.get("auto") === "1" && ready()) prove();
} catch (e) {
  fail(e);
}
