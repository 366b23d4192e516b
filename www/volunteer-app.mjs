// zkagg volunteer page (www/volunteer.html): this tab joins the service and proves rollup
// batches, job after job, until the volunteer presses Stop. Each job follows the protocol of the
// service (the routes of `zkagg serve`, www/api.mjs calls them):
//   1. lease    POST /v1/leases {volunteer} -> job, lease_id, params, proving_key, witness, vk_hash
//               (204: no job waiting, ask again in 3 s; 429 too_many_rejections: wait 30 s)
//   2. key      GET /artifacts/<sha256> of the proving key, kept in the Cache API across visits
//   3. witness  GET /artifacts/<sha256> of the batch witness (per job, not cached)
//   4. prove    WebProver.proveBatch in a Worker (WebGPU MSMs / wasm threads), with heartbeats
//               POST /v1/jobs/{id}/heartbeat {lease_id, progress} every min(lease/3, 10 s);
//               Cancel/Stop abort the proof and POST /v1/jobs/{id}/release {lease_id}
//   5. submit   POST /v1/jobs/{id}/submissions {lease_id, proof, public_inputs, vk_hash}
//   6. round    GET /v1/rounds (every 5 s): the round that took the batch, and its settlement
// Artifacts are named by the sha256 of their bytes, so the page checks that hash before using
// them: a stale or corrupted entry of the browser's cache (or a truncated download) would
// otherwise make a proof for a wrong key that the service rejects — and rejections count against
// the volunteer (429 too_many_rejections). A cached key that fails the check is downloaded again.
// window.zkaggVolunteerApp exposes the state to tests: { ready, engine: {gpu, threads, reason,
// adapter}, joined, current: {jobId, phase, fraction} | null, jobs: [{jobId, batch, verdict,
// reason, ms, round, settled, tx, ...}] newest first, keyDownloads, keyCacheHits, errors }.

import { api, ApiError, duration, bytes, short } from "./api.mjs";
import { WebProver } from "../web-prover/pkg/prover.js";

const $ = (id) => document.getElementById(id);
const NAME_KEY = "zkagg.volunteer.name";
const KEY_CACHE = "zkagg-keys";
const NO_JOB_RETRY_MS = 3000;
const REJECTED_WAIT_MS = 30_000;
const REFRESH_MS = 5000;
const CANCELLED = "cancelled by you";
// Heartbeat answers that mean the lease is no longer this tab's (the job moved on).
const LEASE_LOST = new Set(["stale_lease", "wrong_state", "not_found"]);
const STOPPED = "stopped by you";
// The batch prover's phases and their share of the bar (as on index.html's volunteer.mjs).
const PHASES = {
  witness: { label: "computing the witness", from: 0, weight: 0.05 },
  qap: { label: "QAP and FFTs", from: 0.05, weight: 0.2 },
  msm: { label: "multi-scalar multiplications", from: 0.25, weight: 0.75 },
};

const state = (window.zkaggVolunteerApp = {
  ready: false, engine: null, joined: false, current: null, jobs: [],
  keyDownloads: 0, keyCacheHits: 0, errors: [],
});
let prover = null;
let session = null; // { stop: AbortController } while joined
let job = null; // the job in progress: { ctl: AbortController, lease, expiresAt, fraction, ... }
let leaseMs = null; // from /v1/status
let clockOffset = 0; // service clock minus this one (estimated at each lease)

// ---- small helpers ----------------------------------------------------------------------

/** Shows an error in the page (and in window state), once per run of repeats; never throws. */
function report(e, context = "") {
  const message = `${context ? `${context}: ` : ""}${e?.message ?? String(e)}`;
  if (state.errors.at(-1) === message) return;
  state.errors.push(message);
  $("errors-card").hidden = false; // visible first, so the live region announces the entry
  $("errors").prepend(Object.assign(document.createElement("li"), { textContent: `${new Date().toLocaleTimeString()} ${message}` }));
  if ($("errors").children.length > 20) $("errors").lastChild.remove();
  $("errors-card").hidden = false;
}

/** The one-line state of the loop (aria-live: only changes are set, so only changes are read). */
function setState(text, cls = "") {
  if ($("state").textContent !== text) $("state").textContent = text;
  $("state").className = cls;
}

/** Waits `ms`, or less when `signal` aborts (never rejects). */
function sleep(ms, signal) {
  return new Promise((resolve) => {
    if (signal?.aborted) return resolve();
    const t = setTimeout(resolve, ms);
    signal?.addEventListener("abort", () => { clearTimeout(t); resolve(); }, { once: true });
  });
}

const hex = (buf) => Array.from(new Uint8Array(buf), (b) => b.toString(16).padStart(2, "0")).join("");
const sha256Hex = async (data) => hex(await crypto.subtle.digest("SHA-256", data));

const shaOf = (artifactUrl) => artifactUrl.split("/").pop().toLowerCase();

function volunteerName() {
  let name = $("name").value.trim();
  if (!name) $("name").value = name = `volunteer-${hex(crypto.getRandomValues(new Uint8Array(2)))}`;
  try { localStorage.setItem(NAME_KEY, name); } catch { /* storage off: the name lasts this visit */ }
  return name;
}

// ---- engine -----------------------------------------------------------------------------

/** Which engine proves, and why (shown in #engine and window state). */
function describeEngine(p) {
  const software = !!p.gpu && /software/i.test(p.gpu);
  const threads = p.threads;
  const cpu = threads > 1 ? `${threads} wasm threads` : "a single thread";
  let what = `${cpu} (MSMs on the CPU)`;
  let why = `No WebGPU: ${p.gpuUnavailableReason || "this browser offers no WebGPU adapter"}.`;
  if (p.gpu && !software) {
    what = `WebGPU MSMs on ${p.gpu}, ${cpu} for the rest`;
    why = "The multi-scalar multiplications (most of the work) run on the GPU.";
  } else if (p.gpu) {
    why = `WebGPU offers only a software adapter, slower than the CPU threads, so MSMs stay on the CPU. Adapter: ${p.gpu}.`;
  }
  if (threads <= 1) {
    why += crossOriginIsolated
      ? " This device reports one CPU core, so one thread."
      : " The page is not cross-origin isolated (no SharedArrayBuffer), so one thread.";
  }
  return { gpu: software ? null : p.gpu ?? null, adapter: p.gpu ?? null, threads, reason: why, what };
}

/** Creates the one WebProver of the page and shows its engine. */
async function startProver() {
  let e;
  try {
    if (!crossOriginIsolated) throw new Error("This page is not cross-origin isolated (it needs COOP/COEP headers, as `zkagg serve --web-root` sends): no SharedArrayBuffer, so no wasm threads, one thread at most — and this prover needs them.");
    prover = await WebProver.create({ threads: navigator.hardwareConcurrency, backend: "auto" });
    e = describeEngine(prover);
    state.ready = true;
    $("join").disabled = false;
    setState("ready: press Join to start proving", "muted");
  } catch (err) {
    report(err, "starting the prover");
    e = { gpu: null, threads: crossOriginIsolated ? 0 : 1, reason: err.message, what: crossOriginIsolated ? "no prover in this tab" : "one thread at most: no prover in this tab" };
    setState("cannot prove in this tab", "bad");
  }
  state.engine = { gpu: e.gpu, threads: e.threads, reason: e.reason, adapter: e.adapter ?? null };
  $("engine-what").textContent = e.what;
  $("engine-why").textContent = e.reason;
}

// ---- 2, 3: artifacts --------------------------------------------------------------------

/** Streams an artifact, reporting (received, total) as it arrives. */
async function download(url, signal, onChunk) {
  const response = await fetch(url, { signal });
  if (!response.ok) throw new Error(`GET ${url}: HTTP ${response.status}`);
  const total = Number(response.headers.get("content-length")) || 0;
  const reader = response.body.getReader();
  const chunks = [];
  let received = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    chunks.push(value);
    received += value.length;
    onChunk?.(received, total);
  }
  return new Uint8Array(await new Blob(chunks).arrayBuffer());
}

/** Throws unless `data` hashes to the sha256 that names `url`. */
async function checkSha(url, data, what) {
  const got = await sha256Hex(data);
  if (got !== shaOf(url)) throw new Error(`${what} ${url}: its sha256 is ${short(got, 8)}, not the one it is named by`);
}

const openKeyCache = () => (globalThis.caches ? caches.open(KEY_CACHE) : Promise.reject(new Error("no Cache API")))
  .catch((e) => report(e, "the browser cache is unavailable, the key is downloaded each time"));

/** The proving key: from the Cache API when its bytes check out, else downloaded (and cached). */
async function loadProvingKey(url, signal) {
  const cache = (await openKeyCache()) ?? null;
  const hit = await cache?.match(url);
  if (hit) {
    const data = new Uint8Array(await hit.arrayBuffer());
    if ((await sha256Hex(data)) === shaOf(url)) {
      state.keyCacheHits++;
      $("key-progress").value = 1;
      $("key-status").textContent = `cached (${bytes(data.length)}, checked sha256)`;
      return data;
    }
    report(new Error("the cached proving key does not match its sha256: downloading it again"));
    await cache.delete(url);
  }
  $("key-progress").removeAttribute("value"); // indeterminate until the size is known
  const data = await download(url, signal, (got, total) => {
    if (total) $("key-progress").value = got / total;
    const [unit, name] = (total || got) >= 2 ** 20 ? [2 ** 20, "MiB"] : [1024, "KiB"];
    const of = total ? ` / ${(total / unit).toFixed(1)}` : "";
    $("key-status").textContent = `downloading ${(got / unit).toFixed(1)}${of} ${name}`;
  });
  await checkSha(url, data, "proving key");
  state.keyDownloads++;
  $("key-progress").value = 1;
  const kept = await cache?.put(url, new Response(data, { headers: { "content-type": "application/octet-stream" } }))
    .then(() => true, (e) => report(e, "could not keep the proving key in the browser cache"));
  $("key-status").textContent = `${kept ? "cached" : "downloaded"} (${bytes(data.length)}, checked sha256)`;
  return data;
}

async function fetchWitness(url, signal) {
  const data = await download(url, signal);
  await checkSha(url, data, "witness");
  return data;
}

// ---- 1, 4, 5: one job ---------------------------------------------------------------------

/** Asks for a job: a lease, or null (none waiting). One granted while stopping goes back at once. */
async function requestLease(name) {
  const lease = await api("/v1/leases", { method: "POST", body: { volunteer: name } });
  if (lease && session.stop.signal.aborted) {
    await releaseJob(lease);
    return null;
  }
  return lease;
}

const leaseLeftMs = () => job.expiresAt - (Date.now() + clockOffset);

function showLeaseCountdown() {
  if (!job?.expiresAt) return;
  $("lease").textContent = `lease: ${Math.max(0, Math.ceil(leaseLeftMs() / 1000))} s left`;
}

/** Heartbeats every min(lease/3, 10 s); a lost lease aborts the job with the service's reason. */
function startHeartbeats() {
  const lease = leaseMs ?? leaseLeftMs();
  const period = Number.isFinite(lease) ? Math.max(1000, Math.min(lease / 3, 10_000)) : 10_000;
  let busy = false;
  const beat = async () => {
    if (busy || !job || job.ctl.signal.aborted) return;
    busy = true;
    const j = job;
    try {
      const view = await api(`/v1/jobs/${j.lease.job.id}/heartbeat`, {
        method: "POST", body: { lease_id: j.lease.lease_id, progress: Math.min(1, Math.max(0, j.fraction)) },
      });
      if (view?.lease_expires_at) j.expiresAt = view.lease_expires_at;
      showLeaseCountdown();
    } catch (e) {
      // Only the service's own "this lease is over" answers end the job; anything else (a
      // proxy's 4xx, a network error, a 5xx) is retried at the next beat.
      if (e instanceof ApiError && LEASE_LOST.has(e.code)) j.ctl.abort({ kind: "lost", message: `lease lost: ${e.message}` });
      else report(e, "heartbeat (will retry)");
    } finally {
      busy = false;
    }
  };
  const timers = [setInterval(beat, period), setInterval(showLeaseCountdown, 1000)];
  showLeaseCountdown();
  return () => timers.forEach(clearInterval);
}

function setPhase(phase, fraction, text) {
  job.fraction = fraction;
  state.current = { jobId: job.lease.job.id, phase, fraction };
  $("progress").value = fraction;
  $("phase").textContent = text;
}

async function proveJob(pk, witness) {
  const t0 = performance.now();
  const { proof, publicSignals } = await prover.proveBatch(pk, job.lease.params, witness, {
    signal: job.ctl.signal,
    onProgress: ({ phase, fraction }) => {
      const p = PHASES[phase] ?? { label: phase, from: 0, weight: 1 };
      const overall = p.from + p.weight * fraction;
      setPhase(phase, overall, `${p.label} ${(100 * fraction).toFixed(0)}%`);
      const elapsed = performance.now() - t0;
      $("eta").textContent = overall > 0.02 ? `about ${duration((elapsed * (1 - overall)) / overall)} left` : "estimating time left…";
    },
  });
  return { proof, publicSignals, ms: performance.now() - t0 };
}

async function submitProof(lease, proof, publicSignals) {
  try {
    await api(`/v1/jobs/${lease.job.id}/submissions`, {
      method: "POST", body: { lease_id: lease.lease_id, proof, public_inputs: publicSignals, vk_hash: lease.vk_hash },
    });
    return { verdict: "accepted", reason: null };
  } catch (e) {
    return { verdict: "rejected", reason: e instanceof ApiError ? `${e.code}: ${e.detail}` : e.message };
  }
}

async function releaseJob(lease) {
  try {
    await api(`/v1/jobs/${lease.job.id}/release`, { method: "POST", body: { lease_id: lease.lease_id } });
    return true;
  } catch (e) {
    report(e, `releasing job ${lease.job.id}`);
    return false;
  }
}

const showVerdict = (text, cls) => Object.assign($("verdict"), { textContent: text, className: cls });

/** One leased job, from key download to verdict (or release). Never throws. */
async function runJob(lease) {
  job = { lease, ctl: new AbortController(), fraction: 0, expiresAt: lease.job.lease_expires_at };
  if (leaseMs && job.expiresAt) clockOffset = job.expiresAt - leaseMs - Date.now();
  const entry = { jobId: lease.job.id, batch: lease.job.batch_index, verdict: null, reason: null, ms: null, round: null, settled: false, tx: null };
  $("cancel").disabled = false; // #verdict keeps the previous job's until this one's
  $("eta").textContent = "";
  const stopHeartbeats = startHeartbeats();
  try {
    setState(`proving batch #${lease.job.batch_index} (job ${lease.job.id}, attempt ${lease.job.attempts})`);
    // The Worker builds the circuit's matrices (once per shape) while the key downloads.
    const prepared = prover.prepareBatch(lease.params).catch((e) => report(e, "preparing the circuit (the proof retries it)"));
    setPhase("key", 0, "fetching the proving key");
    const pk = await loadProvingKey(lease.proving_key, job.ctl.signal);
    setPhase("witness", 0, "fetching the witness");
    const witness = await fetchWitness(lease.witness, job.ctl.signal);
    setPhase("prepare", 0, "reading the circuit's constraints (once per shape)");
    await prepared;
    if (job.ctl.signal.aborted) throw new Error("aborted");
    const { proof, publicSignals, ms } = await proveJob(pk, witness);
    if (job.ctl.signal.aborted) throw new Error("aborted");
    // The service refuses a submission under an expired lease: say so rather than send it.
    if (leaseLeftMs() <= 0) job.ctl.abort({ kind: "lost", message: "lease lost: it expired before the proof was done" });
    if (job.ctl.signal.aborted) throw new Error("aborted");
    stopHeartbeats();
    $("cancel").disabled = true;
    entry.ms = ms;
    setPhase("submitting", 1, `proved in ${duration(ms)}; submitting`);
    $("eta").textContent = "";
    Object.assign(entry, await submitProof(lease, proof, publicSignals));
    if (entry.verdict === "accepted") showVerdict(`batch #${entry.batch}: accepted`, "ok");
    else showVerdict(`batch #${entry.batch}: rejected: ${entry.reason}`, "bad");
    $("phase").textContent = `proved in ${duration(ms)}`;
  } catch (e) {
    stopHeartbeats();
    const why = job.ctl.signal.aborted ? job.ctl.signal.reason : { kind: "error", message: e?.message ?? String(e) };
    if (why.kind === "error") report(e, `job ${lease.job.id}`);
    // A lost lease is the service's already; otherwise the job goes back to the queue.
    const outcome = why.kind === "lost" ? "" : (await releaseJob(lease)) ? "released: " : "release failed: ";
    Object.assign(entry, { verdict: "released", reason: why.message });
    showVerdict(`batch #${entry.batch}: ${outcome}${why.message}`, why.kind === "cancel" || why.kind === "stop" ? "muted" : "bad");
    $("phase").textContent = why.kind === "error" ? "failed" : "cancelled";
  } finally {
    job = null;
    state.current = null;
    $("cancel").disabled = true;
    $("lease").textContent = "";
    $("eta").textContent = "";
    state.jobs.unshift(entry);
    renderHistory();
  }
  return entry;
}

// ---- the loop ---------------------------------------------------------------------------

async function runLoop() {
  const name = volunteerName();
  let idle = false; // the last ask found no job (the state line then stays as it is)
  while (!session.stop.signal.aborted) {
    let lease;
    try {
      if (!idle) setState("asking for a job…");
      lease = await requestLease(name);
    } catch (e) {
      if (session.stop.signal.aborted) break;
      const paused = e instanceof ApiError && e.code === "too_many_rejections";
      if (!paused) report(e, "lease");
      setState(paused ? `the service pauses this volunteer: ${e.detail} — waiting 30 s` : `could not get a job (${e.message}): retrying in 3 s`, "bad");
      await sleep(paused ? REJECTED_WAIT_MS : NO_JOB_RETRY_MS, session.stop.signal);
      idle = false;
      continue;
    }
    idle = !lease;
    if (!lease) {
      setState("no job waiting: asking again every 3 s", "muted");
      $("progress").value = 0;
      $("phase").textContent = "idle";
      await sleep(NO_JOB_RETRY_MS, session.stop.signal);
      continue;
    }
    const entry = await runJob(lease);
    if (entry.verdict === "released" && entry.reason !== CANCELLED && !session.stop.signal.aborted) {
      await sleep(NO_JOB_RETRY_MS, session.stop.signal); // after a failure, do not hammer the service
    }
    refresh().catch((e) => report(e, "refresh"));
  }
}

async function join() {
  if (session || !prover) return;
  session = { stop: new AbortController() };
  state.joined = true;
  $("join").disabled = true;
  $("stop").disabled = false;
  $("name").disabled = true;
  try {
    await runLoop();
  } catch (e) {
    report(e, "volunteer loop");
  } finally { // stopped (or a bug): back to the start
    session = null;
    state.joined = false;
    $("join").disabled = !prover;
    $("stop").disabled = true;
    $("name").disabled = false;
    $("progress").value = 0;
    $("phase").textContent = "idle";
    setState("stopped: press Join to prove again", "muted");
  }
}

function stop() {
  if (!session) return;
  $("stop").disabled = true;
  setState("stopping…");
  session.stop.abort();
  job?.ctl.abort({ kind: "stop", message: STOPPED });
}

function cancelJob() {
  if (!job) return;
  $("cancel").disabled = true;
  job.ctl.abort({ kind: "cancel", message: CANCELLED });
}

// ---- 6: history, rounds, counts -----------------------------------------------------------

function renderHistory() {
  $("history-empty").hidden = state.jobs.length > 0;
  $("history").replaceChildren(...state.jobs.map((j) => {
    const li = document.createElement("li");
    li.dataset.job = j.jobId;
    li.dataset.verdict = j.verdict;
    const part = (cls, text) => li.appendChild(Object.assign(document.createElement("span"), { className: cls, textContent: text }));
    part("batch", `batch #${j.batch}`);
    part("time", j.ms == null ? "not proved" : `proved in ${duration(j.ms)}`);
    part(`outcome ${j.verdict === "accepted" ? "ok" : j.verdict === "rejected" ? "bad" : "muted"}`, j.verdict);
    if (j.reason) part("reason muted", j.reason);
    if (j.round != null) {
      li.dataset.round = j.round;
      const round = part("round", `round ${j.round}: ${j.roundState}`);
      if (j.settled) {
        li.dataset.settled = "true";
        round.append(" · tx ", Object.assign(document.createElement("code"), { textContent: short(j.tx), title: j.tx ?? "" }), ` · block ${j.block ?? "–"}`);
      }
    }
    return li;
  }));
}

function placeInRounds(rounds) {
  for (const j of state.jobs) {
    if (j.verdict !== "accepted" || j.settled) continue;
    const r = rounds.find((r) => r.first_batch <= j.batch && j.batch <= (r.last_batch ?? Infinity));
    if (!r) continue;
    Object.assign(j, { round: r.id, roundState: r.state, settled: r.state === "settled", tx: r.tx_hash ?? null, block: r.block_number ?? null });
  }
  renderHistory();
}

const tile = (id, text) => ($(id).textContent = text);

async function refresh() {
  const name = $("name").value.trim();
  const needRounds = state.jobs.some((j) => j.verdict === "accepted" && !j.settled);
  const [status, mine, rounds] = await Promise.allSettled([
    api("/v1/status"),
    name ? api(`/v1/volunteers/${encodeURIComponent(name)}`) : Promise.resolve(null),
    needRounds ? api("/v1/rounds") : Promise.resolve(null),
  ]);
  if (status.status === "fulfilled") {
    const s = status.value;
    leaseMs = s.lease_ms ?? leaseMs;
    tile("queue", s.jobs?.queued ?? "–");
    tile("round-fill", s.round_size == null ? "rounds off" : `${s.active_round_batches ?? 0} / ${s.round_size}`);
    tile("accepted-total", s.jobs?.accepted ?? "–");
  } else report(status.reason, "service status");
  if (mine.status === "fulfilled" && mine.value) {
    for (const k of ["accepted", "rejected", "pending"]) tile(`mine-${k}`, mine.value[k]);
  } else if (mine.status === "rejected") report(mine.reason, "your counts");
  if (rounds.status === "fulfilled" && rounds.value) placeInRounds(rounds.value);
  else if (rounds.status === "rejected") report(rounds.reason, "rounds");
}

// ---- start ------------------------------------------------------------------------------

function init() {
  const tick = () => refresh().catch((e) => report(e, "refresh"));
  try { $("name").value = localStorage.getItem(NAME_KEY) || ""; } catch { /* storage off */ }
  volunteerName();
  $("name").addEventListener("change", () => { volunteerName(); tick(); });
  $("join").addEventListener("click", () => join());
  $("stop").addEventListener("click", stop);
  $("cancel").addEventListener("click", cancelJob);
  window.addEventListener("unhandledrejection", (e) => { report(e.reason, "unexpected"); e.preventDefault(); });
  tick();
  setInterval(tick, REFRESH_MS);
  renderHistory();
  startProver();
}

init();
