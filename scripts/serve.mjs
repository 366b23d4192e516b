// Serve the repository cross-origin isolated (COOP: same-origin, COEP: require-corp: the web
// prover's threads need SharedArrayBuffer) and print the volunteer page's address.
// Usage: node scripts/serve.mjs   (after scripts/build-wasm.sh and scripts/build-web-prover.sh)
import { startServer } from "../wasm-verifier/tests/browser-harness.mjs";

const server = await startServer();
console.log(`volunteer page: ${server.origin}/repo/www/index.html`);
console.log(`  with the demo's files: ${server.origin}/repo/www/index.html?keys=/repo/target/demo/keys&batch=/repo/target/demo/batch-1`);
console.log("Ctrl-C to stop");
