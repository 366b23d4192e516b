// zkagg dapp page (www/dapp.html): verifies, in this tab, a Groth16 batch proof, an aggregate
// proof of a round, or that a batch is covered by an aggregate, with the wasm verifier
// (wasm-verifier/pkg/web, initialised once). Inputs come from the page's boxes: pasted text
// (parsed here as JSON, so a syntax error names its box), a dropped or picked file (JSON files as
// text, binary files as Uint8Array), or the service (same origin, through ./api.mjs):
//   GET ../v1/verifying-key                  -> the batch key (snarkjs verification_key.json)
//   GET ../v1/rounds                          -> rounds; those with has_proof fill the round picker
//   GET ../v1/rounds/{id}/key, /proof         -> aggregate_vk.json, aggregate_proof.json
//   GET ../v1/rounds/{id}/inclusion/{batch}   -> {public_inputs, inclusion} of one batch
// No request is made until the user asks for service data or opens the aggregate panel.
// Every failure is shown on the page (never thrown, never logged); window.zkaggDapp exposes the
// state to tests (see the comment at the top of dapp.html).

import initVerifier, { Verifier, AggregateVerifier } from "../wasm-verifier/pkg/web/zkagg_wasm_verifier.js";
import { api } from "./api.mjs";

const $ = (id) => document.getElementById(id);
const state = (window.zkaggDapp = { ready: false, runs: 0, last: null });

/** The input boxes: textarea id -> name shown in messages. */
const BOXES = {
  vk: "Verifying key",
  proof: "Proof",
  public: "Public inputs",
  "agg-vk": "Aggregate key",
  "agg-proof": "Aggregate proof",
  "cover-vk": "Batch key",
  "cover-public": "Batch public inputs",
  "cover-inclusion": "Inclusion proof",
};

/** Files read as bytes, by box id: { bytes: Uint8Array, name }. A box without one holds text. */
const binaryInputs = new Map();

/** Rounds with a proof, by id (string), from the last GET /v1/rounds. */
let roundsById = new Map();
let roundsRequested = false;
let serviceBatchKey = null;

/** An input problem attributed to one box. */
class BoxError extends Error {
  constructor(box, message) {
    super(`${BOXES[box]} box: ${message}`);
    this.box = box;
  }
}

// ---------------------------------------------------------------- input boxes

/** Puts text into a box (dropping any binary file it held). */
function setBoxText(box, text) {
  binaryInputs.delete(box);
  const area = $(box);
  area.value = text;
  area.readOnly = false;
}

/** `true` if the bytes are UTF-8 text that looks like JSON (no control characters). */
function looksLikeJsonText(bytes) {
  let text;
  try {
    text = new TextDecoder("utf-8", { fatal: true }).decode(bytes);
  } catch {
    return null;
  }
  if (/[\u0000-\u0008\u000b\u000c\u000e-\u001f]/.test(text)) return null;
  return /^\s*[[{"]/.test(text) ? text : null;
}

/** Loads a file into a box: JSON text stays text, anything else becomes a Uint8Array. */
async function loadFileIntoBox(box, file) {
  try {
    const bytes = new Uint8Array(await file.arrayBuffer());
    const text = looksLikeJsonText(bytes);
    if (text !== null) {
      setBoxText(box, text);
    } else {
      binaryInputs.set(box, { bytes, name: file.name });
      $(box).value = `(binary file ${file.name}: ${bytes.length} bytes; type here to replace it with text)`;
    }
  } catch (e) {
    showError(new BoxError(box, `could not read ${file.name}: ${e.message}`));
  }
}

/** The value of a box for the verifier: the file's bytes, or its text parsed as JSON. */
function readBox(box) {
  const binary = binaryInputs.get(box);
  if (binary) return binary.bytes;
  const text = $(box).value.trim();
  if (!text) throw new BoxError(box, "empty: paste the JSON, drop a file on the box or pick one");
  try {
    return JSON.parse(text);
  } catch (e) {
    throw new BoxError(box, `not valid JSON (${e.message})`);
  }
}

/** Wires a box: typing drops a binary file; drag-and-drop and its file input load files. */
function wireBox(box) {
  const area = $(box);
  area.addEventListener("input", () => {
    binaryInputs.delete(box);
    area.removeAttribute("aria-invalid");
  });
  const hasFiles = (e) => Array.from(e.dataTransfer?.types ?? []).includes("Files");
  area.addEventListener("dragover", (e) => {
    if (!hasFiles(e)) return;
    e.preventDefault();
    area.classList.add("dragover");
  });
  area.addEventListener("dragleave", () => area.classList.remove("dragover"));
  area.addEventListener("drop", (e) => {
    area.classList.remove("dragover");
    const file = e.dataTransfer?.files?.[0];
    if (!file) return;
    e.preventDefault();
    loadFileIntoBox(box, file);
  });
  $(`${box}-file`).addEventListener("change", (e) => {
    const file = e.target.files?.[0];
    if (file) loadFileIntoBox(box, file);
  });
}

// ---------------------------------------------------------------- result

/** The box a wasm verifier error is about: its message starts with the artifact's name. */
function boxOfMessage(message, boxes) {
  const prefixes = ["aggregate verifying key", "aggregate proof", "inclusion proof", "verifying key", "public inputs", "proof"];
  const prefix = prefixes.find((p) => message.toLowerCase().startsWith(p));
  return prefix ? boxes[prefix] : null;
}

/** An error as { box (id or null), text (with the box named) }. */
function describeError(e, boxes) {
  if (e instanceof BoxError) return { box: e.box, text: e.message };
  const message = typeof e?.message === "string" ? e.message : String(e);
  const box = boxOfMessage(message, boxes);
  return { box, text: box ? `${BOXES[box]} box: ${message}` : message };
}

/** Marks the box an error is about (aria-invalid, red border) and unmarks the others. */
function markInvalidBox(box) {
  for (const id of Object.keys(BOXES)) {
    if (id === box) $(id).setAttribute("aria-invalid", "true");
    else $(id).removeAttribute("aria-invalid");
  }
}

function showError(e) {
  $("error").textContent = e.message;
  $("error").hidden = false;
  markInvalidBox(e.box ?? null);
}

/** Records and shows the outcome of one check; `problem` is describeError's answer or null. */
function showResult(kind, valid, problem, ms) {
  const error = problem?.text ?? null;
  markInvalidBox(problem?.box ?? null);
  state.last = { kind, valid, error, ms };
  state.runs += 1;
  const verdict = $("verdict");
  const what = {
    groth16: ["the Groth16 proof verifies", "the Groth16 proof does not verify"],
    aggregate: ["the aggregate proof verifies", "the aggregate proof does not verify"],
    covers: ["the aggregate is valid and covers this batch", "this batch is not covered by this aggregate, or the aggregate is invalid"],
  }[kind];
  if (error) {
    verdict.textContent = "Could not verify: bad input";
    verdict.className = "verdict bad";
  } else {
    const detail = Object.assign(document.createElement("span"), { className: "detail", textContent: valid ? what[0] : what[1] });
    verdict.replaceChildren(valid ? "valid ✓ " : "NOT valid ✗ ", detail);
    verdict.className = `verdict ${valid ? "ok" : "bad"}`;
  }
  $("time").textContent = ms == null ? "–" : `${ms.toFixed(1)} ms`;
  $("error").textContent = error ?? "";
  $("error").hidden = !error;
  $("result").scrollIntoView({ block: "nearest" });
}

/**
 * Runs one check: `read` gathers the inputs (may throw BoxError), `check` calls the verifier on
 * them and returns a bool. `boxes` maps the verifier's error prefixes to the boxes of this check.
 */
function runCheck(kind, boxes, read, check) {
  if (!state.ready) return;
  let inputs;
  try {
    inputs = read();
  } catch (e) {
    return showResult(kind, null, describeError(e, boxes), null);
  }
  const t0 = performance.now();
  try {
    const valid = check(inputs);
    showResult(kind, valid, null, performance.now() - t0);
  } catch (e) {
    showResult(kind, null, describeError(e, boxes), null);
  }
}

function verifyGroth16() {
  const boxes = { "verifying key": "vk", proof: "proof", "public inputs": "public" };
  runCheck(
    "groth16",
    boxes,
    () => ({ vk: readBox("vk"), proof: readBox("proof"), inputs: readBox("public") }),
    ({ vk, proof, inputs }) => {
      const verifier = new Verifier(vk);
      try {
        return verifier.verify(proof, inputs);
      } finally {
        verifier.free();
      }
    },
  );
}

/** Constructs the aggregate verifier, calls `use` on it, frees it. */
function withAggregateVerifier(vk, use) {
  const verifier = new AggregateVerifier(vk);
  try {
    return use(verifier);
  } finally {
    verifier.free();
  }
}

function verifyAggregate() {
  const boxes = { "aggregate verifying key": "agg-vk", "aggregate proof": "agg-proof" };
  runCheck(
    "aggregate",
    boxes,
    () => ({ vk: readBox("agg-vk"), proof: readBox("agg-proof") }),
    ({ vk, proof }) => withAggregateVerifier(vk, (v) => v.verify(proof)),
  );
}

function checkCoverage() {
  const boxes = {
    "aggregate verifying key": "agg-vk",
    "aggregate proof": "agg-proof",
    "verifying key": "cover-vk",
    "public inputs": "cover-public",
    "inclusion proof": "cover-inclusion",
  };
  runCheck(
    "covers",
    boxes,
    () => ({
      vk: readBox("agg-vk"),
      proof: readBox("agg-proof"),
      batchVk: readBox("cover-vk"),
      inputs: readBox("cover-public"),
      inclusion: readBox("cover-inclusion"),
    }),
    ({ vk, proof, batchVk, inputs, inclusion }) =>
      withAggregateVerifier(vk, (v) => v.covers(proof, batchVk, inputs, inclusion)),
  );
}

// ---------------------------------------------------------------- service data

/** Shows a fetch status line (`cls`: "", "ok" or "bad"). */
function note(id, text, cls = "") {
  $(id).textContent = text;
  $(id).className = `hint ${cls}`.trim();
}

const serviceError = (e) => (e?.code === "network" ? "the service is unreachable" : e?.message ?? String(e));

/** Runs `work` with `button` disabled, reporting failures into note `noteId`. */
async function withButton(button, noteId, work) {
  button.disabled = true;
  try {
    await work();
  } catch (e) {
    note(noteId, `Failed: ${serviceError(e)}`, "bad");
  } finally {
    button.disabled = false;
  }
}

async function fetchServiceBatchKey() {
  serviceBatchKey ??= await api("../v1/verifying-key");
  return JSON.stringify(serviceBatchKey, null, 2);
}

function useServiceBatchKey(box, button, noteId) {
  return withButton(button, noteId, async () => {
    note(noteId, "Fetching the service's batch key…");
    setBoxText(box, await fetchServiceBatchKey());
    note(noteId, "Batch key loaded from the service.", "ok");
  });
}

/** Fills the round picker from GET /v1/rounds (rounds that have an aggregate proof). */
async function loadRounds() {
  roundsRequested = true;
  const select = $("agg-round");
  await withButton($("agg-refresh"), "agg-note", async () => {
    note("agg-note", "Loading rounds…");
    const rounds = (await api("../v1/rounds")).filter((r) => r.has_proof);
    roundsById = new Map(rounds.map((r) => [String(r.id), r]));
    select.replaceChildren(...rounds.map((r) => new Option(`Round ${r.id} · ${batchRange(r)} · ${r.state}`, String(r.id))));
    note("agg-note", rounds.length ? `${rounds.length} round(s) with an aggregate proof.` : "No round has an aggregate proof yet.");
    onRoundChosen();
  });
  if (!roundsById.size) select.replaceChildren(new Option("(no round with a proof yet)", ""));
  $("agg-load").disabled = !select.value;
}

function batchRange(round) {
  if (round.last_batch == null) return `from batch ${round.first_batch}`;
  const n = round.last_batch - round.first_batch + 1;
  return `batches ${round.first_batch}–${round.last_batch} (${n})`;
}

/** The chosen round bounds the batch number input. */
function onRoundChosen() {
  const round = roundsById.get($("agg-round").value);
  $("agg-load").disabled = !round;
  if (!round) return;
  const input = $("cover-batch");
  input.min = round.first_batch;
  if (round.last_batch != null) input.max = round.last_batch;
  else input.removeAttribute("max");
  const n = Number(input.value);
  if (!(n >= round.first_batch && (round.last_batch == null || n <= round.last_batch))) input.value = round.first_batch;
}

function loadRoundArtifacts() {
  const id = $("agg-round").value;
  if (!id) return;
  return withButton($("agg-load"), "agg-note", async () => {
    note("agg-note", `Fetching round ${id}'s key and proof…`);
    const [key, proof] = await Promise.all([api(`../v1/rounds/${id}/key`), api(`../v1/rounds/${id}/proof`)]);
    setBoxText("agg-vk", JSON.stringify(key, null, 2));
    setBoxText("agg-proof", JSON.stringify(proof, null, 2));
    note("agg-note", `Round ${id}'s aggregate key and proof loaded.`, "ok");
  });
}

function fetchInclusion() {
  return withButton($("cover-fetch"), "cover-note", async () => {
    const id = $("agg-round").value;
    const batch = $("cover-batch").value.trim();
    if (!id) throw new Error("choose a round first (above)");
    if (!/^\d+$/.test(batch)) throw new Error("the batch number must be a whole number");
    note("cover-note", `Fetching batch ${batch}'s inclusion in round ${id}…`);
    const needKey = !binaryInputs.has("cover-vk") && !$("cover-vk").value.trim();
    // Both answers first, then every box at once (the boxes are complete when the last one fills).
    const [answer, key] = await Promise.all([api(`../v1/rounds/${id}/inclusion/${batch}`), needKey ? fetchServiceBatchKey() : null]);
    if (key) setBoxText("cover-vk", key);
    setBoxText("cover-public", JSON.stringify(answer.public_inputs, null, 2));
    setBoxText("cover-inclusion", JSON.stringify(answer.inclusion, null, 2));
    note("cover-note", `Batch ${answer.batch ?? batch}'s public inputs and inclusion proof loaded (round ${answer.round ?? id}).`, "ok");
  });
}

// ---------------------------------------------------------------- page

function chooseMode() {
  const aggregate = $("mode-aggregate").checked;
  $("groth16-panel").hidden = aggregate;
  $("aggregate-panel").hidden = !aggregate;
  if (aggregate && !roundsRequested) loadRounds();
}

async function startVerifier() {
  try {
    await initVerifier();
    state.ready = true;
    $("engine").textContent = "Verifier ready.";
  } catch (e) {
    $("engine").textContent = `The verifier could not start: ${e?.message ?? e}`;
    $("engine").className = "bad";
  }
  for (const id of ["verify", "agg-verify", "cover-check"]) $(id).disabled = !state.ready;
}

function main() {
  Object.keys(BOXES).forEach(wireBox);
  $("mode-groth16").addEventListener("change", chooseMode);
  $("mode-aggregate").addEventListener("change", chooseMode);
  $("verify").addEventListener("click", verifyGroth16);
  $("agg-verify").addEventListener("click", verifyAggregate);
  $("cover-check").addEventListener("click", checkCoverage);
  $("vk-service").addEventListener("click", (e) => useServiceBatchKey("vk", e.currentTarget, "groth16-note"));
  $("cover-vk-service").addEventListener("click", (e) => useServiceBatchKey("cover-vk", e.currentTarget, "cover-note"));
  $("agg-refresh").addEventListener("click", loadRounds);
  $("agg-round").addEventListener("change", onRoundChosen);
  $("agg-load").addEventListener("click", loadRoundArtifacts);
  $("cover-fetch").addEventListener("click", fetchInclusion);
  if (location.hash === "#aggregate") $("mode-aggregate").checked = true;
  chooseMode();
  startVerifier();
}

main();
