// Real processes for the web app's tests and the demo: a Hardhat node (npm `hardhat` from the
// repository's node_modules) on a free loopback port, and `zkagg serve` with rounds settling on
// it and the web app served from the repository (`--web-root`). Each process logs to a file
// and is killed by stop().
import { spawn, spawnSync } from "node:child_process";
import fs from "node:fs";
import net from "node:net";
import path from "node:path";
import { REPO_ROOT } from "../../wasm-verifier/tests/fixtures.mjs";

export const ZKAGG = path.join(process.env.CARGO_TARGET_DIR || path.join(REPO_ROOT, "target"), "release", "zkagg");
/** Hardhat's first funded development account key (well known: local chains only). */
export const HARDHAT_KEY = "0xac0974bec39a17e36ba4a6b4d238ff944bacb478cbed5efcae784d7bf4f2ff80";
export const ADMIN_TOKEN = "webapp-test";

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

/** Kills `child` (SIGKILL) and resolves once it has exited (its files are closed then). */
function killAndWait(child) {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  const exited = new Promise((resolve) => child.once("exit", resolve));
  child.kill("SIGKILL");
  return exited;
}

/** A free loopback TCP port. */
export function freePort() {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const { port } = server.address();
      server.close(() => resolve(port));
    });
  });
}

/** Runs the zkagg CLI to completion; throws with its stderr on failure. */
export function zkagg(...args) {
  const r = spawnSync(ZKAGG, ["--quiet", ...args], { encoding: "utf8" });
  if (r.status !== 0) throw new Error(`zkagg ${args.join(" ")}: exit ${r.status}: ${r.stderr}`);
  return r.stdout;
}

async function waitFor(what, check, timeoutMs) {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await check();
    if (value) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await sleep(200);
  }
}

function canConnect(port) {
  return new Promise((resolve) => {
    const socket = net.connect(port, "127.0.0.1", () => {
      socket.destroy();
      resolve(true);
    });
    socket.on("error", () => resolve(false));
  });
}

/** Starts a Hardhat node; resolves to { rpc, stop() } (stop resolves once it has exited). */
export async function startHardhat(logFile) {
  const port = await freePort();
  const out = fs.openSync(logFile, "w");
  const child = spawn(path.join(REPO_ROOT, "node_modules/.bin/hardhat"),
    ["--config", "scripts/chain/hardhat.config.cjs", "node", "--hostname", "127.0.0.1", "--port", String(port)],
    { cwd: REPO_ROOT, stdio: ["ignore", out, out] });
  await waitFor("the Hardhat node", () => canConnect(port), 60_000);
  return { rpc: `http://127.0.0.1:${port}`, stop: () => killAndWait(child) };
}

/**
 * Starts `zkagg serve` (the web app from the repository, admin token ADMIN_TOKEN) with `args`;
 * resolves to { origin, log, stop() } once it listens (stop resolves once it has exited).
 */
export async function startService(args, { logFile, env = {} } = {}) {
  const out = fs.openSync(logFile, "w");
  const child = spawn(ZKAGG, ["serve", "--listen", "127.0.0.1:0", "--web-root", REPO_ROOT, ...args], {
    stdio: ["ignore", out, out],
    env: { ...process.env, ZKAGG_ADMIN_TOKEN: ADMIN_TOKEN, ...env },
  });
  let exited = null;
  child.on("exit", (code) => (exited = code));
  const origin = await waitFor("zkagg serve to listen", () => {
    if (exited !== null) throw new Error(`zkagg serve exited (${exited}): ${fs.readFileSync(logFile, "utf8")}`);
    const m = fs.readFileSync(logFile, "utf8").match(/zkagg serve: (http:\/\/127\.0\.0\.1:\d+)/);
    return m?.[1];
  }, 300_000);
  return { origin, log: logFile, stop: () => killAndWait(child) };
}

/** A JSON route of the service (throws on an error status). */
export async function getJson(origin, route, init = {}) {
  const r = await fetch(origin + route, init);
  const text = await r.text();
  if (!r.ok) throw new Error(`${init.method ?? "GET"} ${route}: HTTP ${r.status}: ${text}`);
  return text ? JSON.parse(text) : null;
}

/** Cuts `count` batches of random valid transfers (admin route). */
export function generate(origin, count) {
  return getJson(origin, "/v1/admin/generate", {
    method: "POST",
    headers: { "content-type": "application/json", authorization: `Bearer ${ADMIN_TOKEN}` },
    body: JSON.stringify({ count }),
  });
}

/** Polls `GET route` until `accept(body)` holds. */
export function waitForJson(origin, route, accept, timeoutMs, what = route) {
  return waitFor(what, async () => {
    const body = await getJson(origin, route).catch(() => null);
    return body && accept(body) ? body : null;
  }, timeoutMs);
}
