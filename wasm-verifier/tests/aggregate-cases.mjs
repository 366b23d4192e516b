// Cases of the aggregate API (AggregateVerifier, verifyAggregate), shared by the Node and the
// Chromium test (aggregate.test.mjs). `files` holds the texts of an aggregate fixture directory
// (written by `cargo test -p zkagg-aggregator --test aggregate -- --ignored` with
// ZKAGG_AGGREGATE_OUT set; scripts/test.sh does it):
//   aggregate_vk.json, aggregate_proof.json   one Groth16 proof of four folded batch proofs
//   batch_vk.json                             the batch key the proofs verify under
//   b1_public.json, b1_inclusion.json         batch 1's public inputs and inclusion proof
//   b2_public.json                            batch 2's public inputs
// Each case: { name, expect: "accept" | "reject" | "throw", got, pass, ms, detail }.

export const AGGREGATE_FILES = [
  "aggregate_vk.json",
  "aggregate_proof.json",
  "batch_vk.json",
  "b1_public.json",
  "b1_inclusion.json",
  "b2_public.json",
];

const clone = (text) => JSON.parse(text);

/** Runs every case against the wasm API `api`; returns the results. */
export function runAggregateCases(api, files) {
  const results = [];
  const run = (name, expect, fn, mustMention) => {
    const t0 = performance.now();
    let got;
    let detail = "";
    try {
      got = fn() ? "accept" : "reject";
    } catch (e) {
      got = "throw";
      detail = String(e?.message ?? e);
    }
    const ms = performance.now() - t0;
    const pass = got === expect && (!mustMention || detail.includes(mustMention));
    results.push({ name, expect, got, pass, ms, detail });
  };
  const vk = files["aggregate_vk.json"];
  const proof = files["aggregate_proof.json"];
  const batchVk = files["batch_vk.json"];
  const b1 = files["b1_public.json"];
  const b2 = files["b2_public.json"];
  const inclusion = files["b1_inclusion.json"];
  const verifier = new api.AggregateVerifier(vk);
  const withProof = (edit) => {
    const p = clone(proof);
    edit(p);
    return JSON.stringify(p);
  };

  run("valid aggregate (prepared verifier)", "accept", () => verifier.verify(proof));
  run("valid aggregate (one-shot verifyAggregate, object input)", "accept", () =>
    api.verifyAggregate(clone(vk), clone(proof)),
  );
  const bump = (p) => (p.statement.count = String(Number(p.statement.count) + 1));
  run("statement count changed", "reject", () => verifier.verify(withProof(bump)));
  run("statements root changed", "reject", () =>
    verifier.verify(withProof((p) => (p.statement.statements_root = "12345"))),
  );
  run("new root changed", "reject", () => verifier.verify(withProof((p) => (p.statement.new_root = p.statement.old_root))));
  run("old root changed", "reject", () => verifier.verify(withProof((p) => (p.statement.old_root = p.statement.new_root))));
  run("A and C swapped", "reject", () => verifier.verify(withProof((p) => ([p.a, p.c] = [p.c, p.a]))));
  run("pi replaced by A", "reject", () => verifier.verify(withProof((p) => (p.pi = p.a))));
  run("C_N and C_f swapped", "reject", () =>
    verifier.verify(withProof((p) => ([p.c_running, p.c_fresh] = [p.c_fresh, p.c_running]))),
  );
  run("alpha changed", "reject", () => verifier.verify(withProof((p) => (p.alpha = p.alpha === "5" ? "6" : "5"))));
  run("another config", "reject", () => {
    const k = clone(vk);
    k.config = "1";
    return new api.AggregateVerifier(k).verify(proof);
  });
  run("A off the curve", "throw", () => verifier.verify(withProof((p) => (p.a = ["1", "3", "1"]))), "a");
  run("malformed proof JSON", "throw", () => verifier.verify("{"), "aggregate proof");
  run("proof without statement", "throw", () => verifier.verify(withProof((p) => delete p.statement)), "statement");
  run("malformed key", "throw", () => new api.AggregateVerifier('{"protocol": "groth16-committed"}'), "aggregate verifying key");

  run("batch 1 covered (its inclusion proof)", "accept", () => verifier.covers(proof, batchVk, b1, inclusion));
  run("batch 2's inputs with batch 1's inclusion proof", "reject", () => verifier.covers(proof, batchVk, b2, inclusion));
  run("batch 1 at another index", "reject", () => {
    const inc = clone(inclusion);
    inc.index = String((Number(inc.index) + 1) % 4);
    return verifier.covers(proof, batchVk, b1, JSON.stringify(inc));
  });
  run("a sibling changed", "reject", () => {
    const inc = clone(inclusion);
    inc.siblings[3] = "1";
    return verifier.covers(proof, batchVk, b1, JSON.stringify(inc));
  });
  run("covered, but the aggregate is tampered", "reject", () =>
    verifier.covers(withProof(bump), batchVk, b1, inclusion),
  );
  run("inclusion proof with too few siblings", "throw", () => {
    const inc = clone(inclusion);
    inc.siblings.pop();
    return verifier.covers(proof, batchVk, b1, JSON.stringify(inc));
  }, "siblings");
  run("malformed inclusion proof", "throw", () => verifier.covers(proof, batchVk, b1, "[]"), "inclusion proof");
  run("wrong number of public inputs", "throw", () => verifier.covers(proof, batchVk, "[\"1\"]", inclusion), "public inputs");
  verifier.free();
  return results;
}
