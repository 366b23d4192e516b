#!/usr/bin/env node
// Compile Solidity with the npm `solc` package (solc's own compiler built to wasm/asm.js; the exact
// version is pinned in the root package.json): standard JSON in on stdin, standard JSON out on
// stdout. This is how every contract in zkagg is compiled, by the Rust harness
// (`zkagg_solidity_verifier::harness::solc`) and by the Node tests alike; never a downloaded binary.
//
// Usage: node solidity-verifier/scripts/solc.mjs [--expect-version 0.8.37] < input.json > output.json
//        node solidity-verifier/scripts/solc.mjs --version
//
// Exit status: 0 when solc ran (compile errors are reported inside the output JSON, as solc does),
// 2 on bad usage or when the installed solc is not the expected version.

import fs from "node:fs";
import { fileURLToPath } from "node:url";
import solc from "solc";

/** The solc version this project pins (package.json); checked against the loaded compiler. */
export const SOLC_VERSION = "0.8.37";

/** solc's full version string, e.g. `0.8.37+commit.f401782d.Emscripten.clang`. */
export function solcVersion() {
  return solc.version();
}

/** Compile a standard-JSON input object; returns solc's standard-JSON output object. */
export function compileStandardJson(input) {
  return JSON.parse(solc.compile(JSON.stringify(input)));
}

/** The settings every zkagg contract is compiled with (the Rust harness uses the same). */
export function defaultSettings() {
  return {
    optimizer: { enabled: true, runs: 200 },
    evmVersion: "prague",
    outputSelection: {
      "*": { "*": ["abi", "evm.bytecode.object", "evm.deployedBytecode.object", "evm.methodIdentifiers"] },
    },
  };
}

function main(argv) {
  let expect = null;
  for (let i = 0; i < argv.length; i++) {
    if (argv[i] === "--version") {
      process.stdout.write(solcVersion() + "\n");
      return 0;
    } else if (argv[i] === "--expect-version" && i + 1 < argv.length) {
      expect = argv[++i];
    } else {
      process.stderr.write(`usage: node solc.mjs [--expect-version X.Y.Z] < input.json\n`);
      return 2;
    }
  }
  const version = solcVersion();
  if (expect !== null && !version.startsWith(expect + "+")) {
    process.stderr.write(
      `solc ${version} is installed but ${expect} is expected: run \`npm ci\` at the repository root\n`,
    );
    return 2;
  }
  const input = fs.readFileSync(0, "utf8");
  process.stdout.write(solc.compile(input));
  return 0;
}

if (process.argv[1] && fs.realpathSync(process.argv[1]) === fs.realpathSync(fileURLToPath(import.meta.url))) {
  process.exitCode = main(process.argv.slice(2));
}
