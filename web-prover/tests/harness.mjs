// Shared Node-side helpers of the web-prover and gpu-msm browser tests and of the prover
// benchmark: the static COOP/COEP server and page helpers of wasm-verifier/tests/browser-harness.mjs
// (reused as they are), plus a Chromium launch that can enable WebGPU (--enable-unsafe-webgpu:
// SwiftShader without a GPU) or leave it out (to test the CPU fallback), and verification of
// proofs with snarkjs and the zkagg wasm verifier (Node package).

import fs from "node:fs";
import path from "node:path";
import { createRequire } from "node:module";
import { launchChromium, openPage, startServer } from "../../wasm-verifier/tests/browser-harness.mjs";
import { REPO_ROOT } from "../../wasm-verifier/tests/fixtures.mjs";

export { openPage, startServer, REPO_ROOT };

export const FIXTURES = path.join(REPO_ROOT, "web-prover/tests/fixtures");
export const PKG = path.join(REPO_ROOT, "web-prover/pkg/zkagg_web_prover.js");
export const PAGE = "/repo/web-prover/tests/browser/index.html";
const VERIFIER_NODE = path.join(REPO_ROOT, "wasm-verifier/pkg/node/zkagg_wasm_verifier.js");

/** Fail early and clearly when the wasm package is missing. */
export function requireProverPackage() {
  if (!fs.existsSync(PKG)) {
    throw new Error("web-prover/pkg is missing: run `bash scripts/build-web-prover.sh` first");
  }
}

/**
 * Headless Chromium with the project's flags (same as the wasm-verifier harness) and, unless
 * `webgpu: false`, --enable-unsafe-webgpu.
 */
export async function launch({ webgpu = true } = {}) {
  return launchChromium({ extraArgs: webgpu ? ["--enable-unsafe-webgpu"] : [] });
}

/** Open the test page and wait for its API. */
export async function openProverPage(browser, server) {
  const page = await openPage(browser, `${server.origin}${PAGE}`);
  await page.waitForFunction(() => window.zkaggWeb !== undefined, null, { timeout: 30_000 }).catch((e) => {
    throw new Error(`test page did not load: ${page.problems.join("; ") || e.message}`);
  });
  return page;
}

let snarkjsMod = null;
const quiet = { info() {}, debug() {}, warn() {}, error() {} };

/** snarkjs's groth16.verify. */
export async function snarkjsVerify(vk, publicSignals, proof) {
  snarkjsMod ??= await import("snarkjs");
  return snarkjsMod.groth16.verify(vk, publicSignals, proof, quiet);
}

/** Release snarkjs's worker threads (they keep Node alive). */
export async function snarkjsTerminate() {
  if (globalThis.curve_bn128) await globalThis.curve_bn128.terminate();
}

/** The zkagg wasm verifier (Node package), or null when it has not been built. */
export function wasmVerifier(vk) {
  if (!fs.existsSync(VERIFIER_NODE)) return null;
  const { Verifier } = createRequire(import.meta.url)(VERIFIER_NODE);
  return new Verifier(JSON.stringify(vk));
}

export const readJson = (file) => JSON.parse(fs.readFileSync(file, "utf8"));
