// Node-side harness for the browser test and the benchmark: a tiny static HTTP server and a
// headless Chromium launched through playwright-core.
//
// Server layout (127.0.0.1, ephemeral port):
//   /repo/<path>      -> <repo root>/<path>
//   /fx/<i>/<file>    -> file of the i-th fixture directory (fixture dirs may live anywhere)
//   /fx-list/<i>      -> JSON array of the file names in the i-th fixture directory (so the page
//                        can skip optional files without provoking 404s in the console)
// Every response carries Cross-Origin-Opener-Policy: same-origin and
// Cross-Origin-Embedder-Policy: require-corp (the page is cross-origin isolated, as the threaded
// wasm builds will need), Cache-Control: no-store, and a correct Content-Type (application/wasm
// for .wasm, so instantiateStreaming works).
//
// Chromium: $ZKAGG_CHROMIUM or /usr/bin/chromium, with the flags that work on this project's
// machines (see /work/shared/ENVIRONMENT.md); Playwright gives it a fresh temporary profile.

import fs from "node:fs";
import http from "node:http";
import path from "node:path";
import { chromium } from "playwright-core";
import { REPO_ROOT } from "./fixtures.mjs";

export const CHROMIUM = process.env.ZKAGG_CHROMIUM || "/usr/bin/chromium";

const MIME = {
  ".html": "text/html; charset=utf-8",
  ".js": "text/javascript; charset=utf-8",
  ".mjs": "text/javascript; charset=utf-8",
  ".cjs": "text/javascript; charset=utf-8",
  ".json": "application/json; charset=utf-8",
  ".wasm": "application/wasm",
  ".css": "text/css; charset=utf-8",
  ".png": "image/png",
  ".map": "application/json; charset=utf-8",
  ".ts": "text/plain; charset=utf-8",
  ".bin": "application/octet-stream",
  ".wtns": "application/octet-stream",
  ".zkey": "application/octet-stream",
  ".r1cs": "application/octet-stream",
};

/** Resolve `rel` inside `root`, or null if it escapes it. */
function inside(root, rel) {
  const file = path.resolve(root, "." + path.posix.normalize("/" + rel));
  return file === root || file.startsWith(root + path.sep) ? file : null;
}

/**
 * Start the static server. Returns { origin, fixtureUrl(i), close() }. `fixtureDirs` are
 * absolute paths served under /fx/<index>/.
 */
export async function startServer(fixtureDirs = []) {
  const server = http.createServer((req, res) => {
    const headers = {
      "Cross-Origin-Opener-Policy": "same-origin",
      "Cross-Origin-Embedder-Policy": "require-corp",
      "Cross-Origin-Resource-Policy": "same-origin",
      "Cache-Control": "no-store",
    };
    const fail = (code, msg) => {
      res.writeHead(code, { ...headers, "Content-Type": "text/plain; charset=utf-8" });
      res.end(msg);
    };
    if (req.method !== "GET" && req.method !== "HEAD") return fail(405, "method not allowed");
    let pathname;
    try {
      pathname = decodeURIComponent(new URL(req.url, "http://x").pathname);
    } catch {
      return fail(400, "bad url");
    }
    let file = null;
    let m;
    if ((m = pathname.match(/^\/fx-list\/(\d+)$/)) && +m[1] < fixtureDirs.length) {
      const names = fs.readdirSync(fixtureDirs[+m[1]]).filter((f) => fs.statSync(path.join(fixtureDirs[+m[1]], f)).isFile());
      res.writeHead(200, { ...headers, "Content-Type": MIME[".json"] });
      return res.end(JSON.stringify(names));
    }
    if ((m = pathname.match(/^\/repo\/(.*)$/))) file = inside(REPO_ROOT, m[1]);
    else if ((m = pathname.match(/^\/fx\/(\d+)\/(.*)$/)) && +m[1] < fixtureDirs.length) file = inside(fixtureDirs[+m[1]], m[2]);
    if (!file) return fail(404, "not found");
    fs.stat(file, (err, st) => {
      if (err || !st.isFile()) return fail(404, "not found");
      res.writeHead(200, {
        ...headers,
        "Content-Type": MIME[path.extname(file).toLowerCase()] || "application/octet-stream",
        "Content-Length": st.size,
      });
      if (req.method === "HEAD") return res.end();
      fs.createReadStream(file).pipe(res);
    });
  });
  server.keepAliveTimeout = 1000;
  await new Promise((resolve, reject) => {
    server.once("error", reject);
    server.listen(0, "127.0.0.1", resolve);
  });
  const origin = `http://127.0.0.1:${server.address().port}`;
  return {
    origin,
    fixtureUrl: (i) => `${origin}/fx/${i}`,
    fixtureListUrl: (i) => `${origin}/fx-list/${i}`,
    close: () =>
      new Promise((resolve) => {
        server.closeAllConnections?.();
        server.close(() => resolve());
      }),
  };
}

/**
 * Launch headless Chromium (throws a clear error when the binary is missing). `extraArgs` are
 * added to the project's flags (the web prover's tests add --enable-unsafe-webgpu).
 */
export async function launchChromium({ extraArgs = [] } = {}) {
  if (!fs.existsSync(CHROMIUM)) {
    throw new Error(`Chromium not found at ${CHROMIUM} (install Debian's chromium, or set ZKAGG_CHROMIUM)`);
  }
  return chromium.launch({
    executablePath: CHROMIUM,
    headless: true,
    chromiumSandbox: false,
    args: [
      "--no-sandbox",
      "--disable-gpu",
      "--disable-dev-shm-usage",
      "--disable-quic",
      "--no-first-run",
      "--disable-background-networking",
      "--disable-component-update",
      "--disable-sync",
      ...extraArgs,
    ],
  });
}

/** Open a page that records console errors and uncaught exceptions into `page.problems`. */
export async function openPage(browser, url) {
  const page = await browser.newPage({ viewport: { width: 1200, height: 900 } });
  page.problems = [];
  page.on("pageerror", (e) => page.problems.push(`uncaught: ${e.message}`));
  page.on("console", (m) => {
    // HTTP errors are reported with their URL by the "response" handler below.
    if (m.type() === "error" && !m.text().startsWith("Failed to load resource")) page.problems.push(`console.error: ${m.text()}`);
  });
  page.on("response", (r) => {
    if (r.status() >= 400 && !r.url().endsWith("/favicon.ico")) page.problems.push(`HTTP ${r.status()}: ${r.url()}`);
  });
  page.on("requestfailed", (r) => page.problems.push(`request failed: ${r.url()} ${r.failure()?.errorText}`));
  const resp = await page.goto(url);
  if (!resp || !resp.ok()) throw new Error(`GET ${url}: ${resp ? resp.status() : "no response"}`);
  return page;
}
