// Node-side helpers shared by node.test.mjs, browser.test.mjs and bench/verify-bench.mjs:
// where the repo and the fixtures are, and reading a fixture directory from disk.
//
// Fixture directories: $ZKAGG_FIXTURES (colon-separated; relative paths are taken from the
// current directory), default core/tests/fixtures/snarkjs under the repo root.

import fs from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { loadFixture } from "./cases.mjs";

export const REPO_ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../..");
export const NODE_PKG = path.join(REPO_ROOT, "wasm-verifier/pkg/node/zkagg_wasm_verifier.js");
export const WEB_PKG = path.join(REPO_ROOT, "wasm-verifier/pkg/web/zkagg_wasm_verifier.js");
export const DEFAULT_FIXTURES = path.join(REPO_ROOT, "core/tests/fixtures/snarkjs");

/** Fixture dirs from a colon-separated list (or $ZKAGG_FIXTURES, or the default). */
export function fixtureDirs(list = process.env.ZKAGG_FIXTURES) {
  const dirs = (list ? list.split(":").filter(Boolean) : [DEFAULT_FIXTURES]).map((d) => path.resolve(d));
  for (const d of dirs) {
    if (!fs.existsSync(path.join(d, "verification_key.json"))) {
      throw new Error(`fixture dir ${d} has no verification_key.json`);
    }
  }
  return dirs;
}

/** Short label for a fixture dir (relative to the repo root when inside it). */
export const fixtureLabel = (dir) => {
  const rel = path.relative(REPO_ROOT, dir);
  return rel && !rel.startsWith("..") ? rel : dir;
};

function readOrNull(file, encoding) {
  try {
    const data = fs.readFileSync(file, encoding);
    return encoding ? data : new Uint8Array(data.buffer, data.byteOffset, data.byteLength);
  } catch (e) {
    if (e.code === "ENOENT") return null;
    throw e;
  }
}

/** Load a fixture dir from disk (see cases.mjs loadFixture). */
export const loadFixtureFromDisk = (dir) =>
  loadFixture(
    {
      readText: async (name) => readOrNull(path.join(dir, name), "utf8"),
      readBytes: async (name) => readOrNull(path.join(dir, name)),
    },
    fixtureLabel(dir),
  );

/** Fail with a clear message when the wasm package has not been built. */
export function requirePackage(file) {
  if (!fs.existsSync(file)) {
    throw new Error(
      `${path.relative(REPO_ROOT, file)} not found: build the wasm-verifier package first ` +
        "(it must provide pkg/node and pkg/web)",
    );
  }
  return file;
}
