// zkagg operator dashboard (www/dashboard.html): polls the service every 2 s (same origin,
// through ./api.mjs) and shows what it answers:
//   GET ../v1/status -> queue counts, role, rollup address, the open round's fill
//   GET ../v1/stats  -> proofs per minute, throughput per minute (plot), rejection reasons,
//                       lease expiries, verification latency p50/p95
//   GET ../v1/rounds -> the rounds table and the gas plot: each settled round's gas per batch
//                       against one separate Groth16 verification of a batch (batch_verify_gas)
// The three requests go out together; a poll succeeds only if all three answer. When the service
// is unreachable (or answers an error) the page keeps the last data, shows a banner and keeps
// polling; the banner goes when the service answers again. Nothing is logged to the console.
// The plots (uPlot) are made once, fed with setData when their data change, and resized with the
// window. window.zkaggDashboard exposes the state to tests (see the comment in dashboard.html).

import uPlot from "../node_modules/uplot/dist/uPlot.esm.js";
import { api, duration, short } from "./api.mjs";

const POLL_MS = 2000;
const TIMEOUT_MS = 5000;
const COLORS = { accepted: "#237a36", rejected: "#c02525", aggregated: "#3451c7", separate: "#c02525" };

const $ = (id) => document.getElementById(id);
const state = (window.zkaggDashboard = { polls: 0, status: null, stats: null, rounds: null, error: null });

let throughputPlot = null;
let gasPlot = null;
const shown = { throughput: "", gas: "", rounds: "", rejections: "" };
let waitingForVisibility = false;

// ---------------------------------------------------------------- formatting

const num = (n) => (n == null || !Number.isFinite(Number(n)) ? "–" : Number(n).toLocaleString("en-US"));

/** Milliseconds with a precision that suits sub-millisecond to second values. */
function ms(v) {
  if (v == null || !Number.isFinite(v)) return "–";
  if (v >= 1000) return duration(v);
  return `${v < 10 ? v.toFixed(2) : v < 100 ? v.toFixed(1) : Math.round(v)} ms`;
}

/** Gas in compact form for plot axes: 1.2M, 230k. */
function compactGas(v) {
  if (v == null) return "";
  if (Math.abs(v) >= 1e6) return `${+(v / 1e6).toFixed(2)}M`;
  if (Math.abs(v) >= 1e3) return `${+(v / 1e3).toFixed(1)}k`;
  return String(v);
}

/** Sets a tile's value (and optionally its tooltip). */
function setTile(id, text, title = "") {
  const value = $(id).querySelector(".value");
  value.textContent = text;
  if (title) value.title = title;
  else value.removeAttribute("title");
}

// ---------------------------------------------------------------- tiles and tables

function renderTiles(status, stats) {
  const jobs = status.jobs ?? {};
  setTile("t-proofs-minute", num(stats.proofs_last_minute));
  setTile("t-queued", num(jobs.queued));
  setTile("t-leased", num(jobs.leased));
  setTile("t-verifying", num(jobs.verifying));
  setTile("t-accepted", num(jobs.accepted));
  setTile("t-failed", num(jobs.failed));
  setTile("t-rejected", num(jobs.rejected_submissions));
  setTile("t-lease-expiries", num(stats.lease_expiries));
  const latency = stats.verification_ms;
  const samples = latency ? `${latency.samples} samples` : "no submission checked yet";
  setTile("t-p50", ms(latency?.p50), samples);
  setTile("t-p95", ms(latency?.p95), samples);
  setTile("t-queue-depth", num((jobs.queued ?? 0) + (jobs.leased ?? 0) + (jobs.verifying ?? 0)));
  setTile("t-pending", num(status.pending_transfers));
  setTile("t-role", status.role ?? "–");
  setTile("t-rollup", status.rollup ? short(status.rollup, 6) : "none", status.rollup ?? "no rollup contract");
  setTile("t-rounds-settled", num(status.rounds?.settled ?? 0));
  renderRoundFill(status);
}

function renderRoundFill(status) {
  const bar = $("round-fill-bar");
  if (status.round_size == null) {
    setTile("t-round-fill", "rounds off");
    bar.hidden = true;
    return;
  }
  const filled = status.active_round_batches ?? 0;
  const round = status.active_round ? `round ${status.active_round.id}` : "no open round";
  setTile("t-round-fill", `${num(filled)} / ${num(status.round_size)}`, round);
  bar.hidden = false;
  bar.max = status.round_size;
  bar.value = Math.min(filled, status.round_size);
}

/** Replaces a table body's rows with `buildRows()` when (and only when) `key` changed. */
function replaceRows(table, key, buildRows, emptyText, columns) {
  if (shown[table] === key) return;
  shown[table] = key;
  const rows = buildRows();
  if (!rows.length) {
    const tr = document.createElement("tr");
    tr.append(Object.assign(document.createElement("td"), { colSpan: columns, className: "empty", textContent: emptyText }));
    rows.push(tr);
  }
  $(table).tBodies[0].replaceChildren(...rows);
}

/** A table cell: `content` is text or a node; `cls` its class names. */
function cell(content, cls = "", title = "") {
  const td = document.createElement("td");
  td.className = cls;
  if (title) td.title = title;
  td.append(content ?? "–");
  return td;
}

function renderRejections(stats) {
  const reasons = Object.entries(stats.rejection_reasons ?? {}).sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0]));
  const row = ([code, count]) => {
    const tr = document.createElement("tr");
    tr.dataset.code = code;
    tr.append(cell(Object.assign(document.createElement("code"), { textContent: code })), cell(num(count), "num"));
    return tr;
  };
  replaceRows("rejections", JSON.stringify(reasons), () => reasons.map(row), "No rejected submission.", 2);
}

/** Batches in a round: its range once closed; the open round's accepted batches so far. */
function batchesOf(round, status) {
  if (round.last_batch != null) return round.last_batch - round.first_batch + 1;
  if (status?.active_round?.id === round.id) return status.active_round_batches ?? null;
  return null;
}

/** Gas figures of a round: per batch, N separate verifications, and the saving ratio. */
function roundGas(round, batches) {
  const perBatch = round.gas_used != null && batches ? round.gas_used / batches : null;
  const separate = round.batch_verify_gas != null && batches ? batches * round.batch_verify_gas : null;
  const saving = separate != null && round.gas_used ? separate / round.gas_used : null;
  return { perBatch, separate, saving };
}

function roundRow(round, status) {
  const batches = batchesOf(round, status);
  const gas = roundGas(round, batches);
  const tr = document.createElement("tr");
  tr.dataset.round = round.id;
  tr.dataset.state = round.state;
  if (round.state === "settled" && round.gas_used != null) tr.dataset.gasUsed = round.gas_used;
  const stateClass = round.state === "settled" ? "ok" : round.state === "failed" ? "bad" : "";
  const tx = round.tx_hash ? Object.assign(document.createElement("code"), { textContent: short(round.tx_hash, 6) }) : "–";
  const txTitle = round.tx_hash ? `${round.tx_hash}${round.block_number != null ? ` (block ${round.block_number})` : ""}` : "";
  tr.append(
    cell(String(round.id), "num c-id"),
    cell(round.state, `c-state ${stateClass}`, round.reason ?? ""),
    cell(num(batches), "num c-batches", `batches ${round.first_batch}–${round.last_batch ?? "…"}`),
    cell(round.fold_ms == null ? "–" : duration(round.fold_ms), "num c-fold"),
    cell(round.compress_ms == null ? "–" : duration(round.compress_ms), "num c-compress"),
    cell(tx, "c-tx", txTitle),
    cell(num(round.gas_used), "num c-gas"),
    cell(gas.perBatch == null ? "–" : num(Math.round(gas.perBatch)), "num c-gas-per-batch"),
    cell(num(gas.separate), "num c-separate", round.batch_verify_gas != null ? `${num(batches)} × ${num(round.batch_verify_gas)}` : ""),
    cell(gas.saving == null ? "–" : `${gas.saving.toFixed(1)}×`, `num c-saving${gas.saving > 1 ? " ok" : ""}`),
  );
  return tr;
}

function renderRounds(rounds, status) {
  const key = JSON.stringify([rounds, status.active_round_batches]);
  replaceRows("rounds", key, () => rounds.map((r) => roundRow(r, status)), "No round yet.", 10);
}

// ---------------------------------------------------------------- plots

function plotSize(container) {
  return { width: Math.max(200, container.clientWidth), height: window.innerWidth < 640 ? 190 : 240 };
}

function makeThroughputPlot() {
  const container = $("plot-throughput");
  const opts = {
    ...plotSize(container),
    scales: { x: { time: true }, y: { range: (u, min, max) => [0, Math.max(5, max)] } },
    series: [
      {},
      { label: "accepted", stroke: COLORS.accepted, fill: `${COLORS.accepted}1f`, width: 2 },
      { label: "rejected", stroke: COLORS.rejected, width: 2 },
    ],
    axes: [{}, { label: "per minute", size: 50 }],
  };
  return new uPlot(opts, [[], [], []], container);
}

function makeGasPlot() {
  const container = $("plot-gas");
  const opts = {
    ...plotSize(container),
    scales: { x: { time: false }, y: { range: (u, min, max) => [0, Math.max(1000, max * 1.1)] } },
    series: [
      { label: "round" },
      { label: "aggregated, per batch", stroke: COLORS.aggregated, width: 2, points: { show: true, size: 7 }, value: (u, v) => (v == null ? "–" : num(Math.round(v))) },
      { label: "one separate verification", stroke: COLORS.separate, width: 2, dash: [6, 4], points: { show: true, size: 6 }, value: (u, v) => (v == null ? "–" : num(v)) },
    ],
    axes: [
      { label: "round", incrs: [1, 2, 5, 10, 20, 50, 100, 200, 500, 1000] },
      { label: "gas", size: 60, values: (u, splits) => splits.map(compactGas) },
    ],
  };
  return new uPlot(opts, [[], [], []], container);
}

function throughputData(stats) {
  const points = stats.throughput ?? [];
  return [points.map((p) => p.minute_ms / 1000), points.map((p) => p.accepted), points.map((p) => p.rejected)];
}

function gasData(rounds, status) {
  const settled = rounds
    .filter((r) => r.state === "settled" && r.gas_used != null)
    .map((r) => ({ id: r.id, gas: roundGas(r, batchesOf(r, status)), one: r.batch_verify_gas }))
    .filter((r) => r.gas.perBatch != null)
    .sort((a, b) => a.id - b.id);
  return [settled.map((r) => r.id), settled.map((r) => r.gas.perBatch), settled.map((r) => r.one ?? null)];
}

/** Feeds a plot new data only when it changed. */
function updatePlot(plot, name, data) {
  const key = JSON.stringify(data);
  if (shown[name] === key) return;
  shown[name] = key;
  plot.setData(data);
}

function resizePlots() {
  for (const [plot, id] of [[throughputPlot, "plot-throughput"], [gasPlot, "plot-gas"]]) {
    if (plot) plot.setSize(plotSize($(id)));
  }
}

// ---------------------------------------------------------------- polling

function render() {
  const { status, stats, rounds } = state;
  renderTiles(status, stats);
  renderRejections(stats);
  renderRounds(rounds, status);
  updatePlot(throughputPlot, "throughput", throughputData(stats));
  const gas = gasData(rounds, status);
  updatePlot(gasPlot, "gas", gas);
  $("gas-empty").hidden = gas[0].length > 0;
  $("updated").textContent = `Updated ${new Date().toLocaleTimeString()}.`;
}

function describeFailure(e) {
  if (e?.name === "AbortError") return `the service did not answer within ${TIMEOUT_MS / 1000} s`;
  if (e?.code === "network") return `no answer (${e.detail})`;
  if (e?.status) return `the service answered ${e.status}: ${e.message}`;
  return e?.message ?? String(e);
}

function showBanner(message) {
  const banner = $("banner");
  const since = state.polls ? " The figures below are from the last successful update." : "";
  const text = `${message}. Retrying every ${POLL_MS / 1000} s.${since}`;
  // Rewriting an alert makes screen readers announce it again: only on a change.
  if (banner.textContent !== text || banner.hidden) banner.textContent = text;
  banner.hidden = false;
  $("updated").textContent = "Not connected.";
  document.querySelector("main").classList.toggle("stale", state.polls > 0);
}

async function poll() {
  const controller = new AbortController();
  const timer = setTimeout(() => controller.abort(), TIMEOUT_MS);
  const get = (path) => api(path, { signal: controller.signal });
  let answers = null;
  try {
    answers = await Promise.all([get("../v1/status"), get("../v1/stats"), get("../v1/rounds")]);
  } catch (e) {
    controller.abort();
    state.error = describeFailure(e);
    showBanner(`Cannot reach the service: ${state.error}`);
  }
  clearTimeout(timer);
  if (answers) {
    const [status, stats, rounds] = answers;
    Object.assign(state, { status, stats, rounds: rounds ?? [], error: null });
    state.polls += 1;
    try {
      render();
      $("banner").hidden = true;
      document.querySelector("main").classList.remove("stale");
    } catch (e) {
      state.error = `unexpected answer: ${e?.message ?? e}`;
      showBanner(`Cannot show the service's answer (${state.error})`);
    }
  }
  scheduleNextPoll();
}

/** Polls again in POLL_MS, or when the tab becomes visible if it is hidden by then. */
function scheduleNextPoll() {
  setTimeout(() => {
    if (document.hidden) waitingForVisibility = true;
    else poll();
  }, POLL_MS);
}

function main() {
  throughputPlot = makeThroughputPlot();
  gasPlot = makeGasPlot();
  let resizeFrame = 0;
  window.addEventListener("resize", () => {
    cancelAnimationFrame(resizeFrame);
    resizeFrame = requestAnimationFrame(resizePlots);
  });
  document.addEventListener("visibilitychange", () => {
    if (!document.hidden && waitingForVisibility) {
      waitingForVisibility = false;
      poll();
    }
  });
  poll();
}

main();
