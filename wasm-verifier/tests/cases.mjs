// Shared test cases for the zkagg wasm verifier, used by node.test.mjs (Node) and by
// browser/main.mjs (headless Chromium). Plain ES module: no Node or DOM APIs, so it runs in both.
//
//   loadFixture(io)          -> fixture object (io reads files of one fixture dir, see below)
//   buildCases(fixture)      -> [{ name, expect, run(api), re?, check? }]
//   runCase(api, case)       -> { name, expect, pass, got, detail }
//
// `api` is the verifier package: { Verifier, verify }. Expectations:
//   accept: run() must return exactly `true`
//   reject: run() must return exactly `false` (a well-formed but invalid proof is not an error)
//   throw:  run() must throw an Error whose message matches `re` (the message names the problem)
//   value:  run() returns a value; check(value) returns null when fine, else a complaint
//   notAccept: false or an Error (not a panic) are both fine, `true` is not
// A WebAssembly.RuntimeError (a Rust panic / trap) never passes: the package should turn every
// malformed input into an ordinary Error.

// ---------------------------------------------------------------------------------------------
// BN254 arithmetic (BigInt), just enough to tamper with points and encode arkworks bytes.

/** Base field modulus p (point coordinates). */
export const P = 21888242871839275222246405745257275088696311157297823662689037894645226208583n;
/** Scalar field modulus r (public inputs). */
export const R = 21888242871839275222246405745257275088548364400416034343698204186575808495617n;

const mod = (a, m = P) => ((a % m) + m) % m;
function modPow(b, e, m = P) {
  let result = 1n;
  b = mod(b, m);
  while (e > 0n) {
    if (e & 1n) result = (result * b) % m;
    b = (b * b) % m;
    e >>= 1n;
  }
  return result;
}
const fpInv = (a) => modPow(a, P - 2n);

// Fp2 = Fp[u] / (u^2 + 1), elements as [c0, c1].
const f2 = {
  add: (a, b) => [mod(a[0] + b[0]), mod(a[1] + b[1])],
  sub: (a, b) => [mod(a[0] - b[0]), mod(a[1] - b[1])],
  neg: (a) => [mod(-a[0]), mod(-a[1])],
  mul: (a, b) => [mod(a[0] * b[0] - a[1] * b[1]), mod(a[0] * b[1] + a[1] * b[0])],
  sq: (a) => f2.mul(a, a),
  eq: (a, b) => a[0] === b[0] && a[1] === b[1],
  isZero: (a) => a[0] === 0n && a[1] === 0n,
  inv(a) {
    const n = fpInv(mod(a[0] * a[0] + a[1] * a[1]));
    return [mod(a[0] * n), mod(-a[1] * n)];
  },
  pow(a, e) {
    let result = [1n, 0n];
    while (e > 0n) {
      if (e & 1n) result = f2.mul(result, a);
      a = f2.sq(a);
      e >>= 1n;
    }
    return result;
  },
  // Square root for p = 3 (mod 4) (Adj & Rodriguez-Henriquez, algorithm 9); null if none.
  sqrt(a) {
    const a1 = f2.pow(a, (P - 3n) / 4n);
    const alpha = f2.mul(a1, f2.mul(a1, a));
    const x0 = f2.mul(a1, a);
    const minusOne = [P - 1n, 0n];
    let x;
    if (f2.eq(alpha, minusOne)) x = f2.mul([0n, 1n], x0);
    else x = f2.mul(f2.pow(f2.add([1n, 0n], alpha), (P - 1n) / 2n), x0);
    return f2.eq(f2.sq(x), a) ? x : null;
  },
};

// G1: y^2 = x^3 + 3. G2 (twist): y^2 = x^3 + 3 / (9 + u).
const B2 = f2.mul([3n, 0n], f2.inv([9n, 1n]));
const g1OnCurve = (x, y) => mod(y * y) === mod(x * x * x + 3n);
const g2OnCurve = (x, y) => f2.eq(f2.sq(y), f2.add(f2.mul(f2.sq(x), x), B2));

// Affine G2 scalar multiplication (null = infinity); slow but only used once per run.
function g2Add(p1, p2) {
  if (p1 === null) return p2;
  if (p2 === null) return p1;
  let lambda;
  if (f2.eq(p1[0], p2[0])) {
    if (!f2.eq(p1[1], p2[1]) || f2.isZero(p1[1])) return null;
    lambda = f2.mul(f2.mul([3n, 0n], f2.sq(p1[0])), f2.inv(f2.add(p1[1], p1[1])));
  } else {
    lambda = f2.mul(f2.sub(p2[1], p1[1]), f2.inv(f2.sub(p2[0], p1[0])));
  }
  const x = f2.sub(f2.sub(f2.sq(lambda), p1[0]), p2[0]);
  return [x, f2.sub(f2.mul(lambda, f2.sub(p1[0], x)), p1[1])];
}
function g2Mul(pt, k) {
  let acc = null;
  for (let i = BigInt(k.toString(2).length) - 1n; i >= 0n; i--) {
    acc = g2Add(acc, acc);
    if ((k >> i) & 1n) acc = g2Add(acc, pt);
  }
  return acc;
}

/** A point on the G2 twist curve that is NOT in the order-r subgroup (checked: r*Q != O). */
export function g2PointOutsideSubgroup() {
  for (let k = 1n; k < 1000n; k++) {
    const x = [k, 1n];
    const y = f2.sqrt(f2.add(f2.mul(f2.sq(x), x), B2));
    if (y && g2Mul([x, y], R) !== null) return [x, y];
  }
  throw new Error("no G2 point outside the subgroup found (cannot happen)");
}

// ---------------------------------------------------------------------------------------------
// snarkjs JSON <-> BigInt helpers and tampering.

const big = (s) => BigInt(s);
const str = (n) => n.toString();
export const clone = (v) => JSON.parse(JSON.stringify(v));

/** snarkjs G1 ["x","y","1"] with y -> p - y: another valid point of the (cofactor 1) group. */
export const negateG1 = (pt) => [pt[0], str(mod(-big(pt[1]))), ...pt.slice(2)];
/** snarkjs G2 with y -> -y (both limbs): stays on the twist and in the subgroup. */
export const negateG2 = (pt) => [pt[0], [str(mod(-big(pt[1][0]))), str(mod(-big(pt[1][1])))], ...pt.slice(2)];

const g1Affine = (pt) => ({ x: big(pt[0]), y: big(pt[1]), inf: pt.length > 2 && big(pt[2]) === 0n });
const g2Affine = (pt) => ({
  x: [big(pt[0][0]), big(pt[0][1])],
  y: [big(pt[1][0]), big(pt[1][1])],
  inf: pt.length > 2 && big(pt[2][0]) === 0n && big(pt[2][1]) === 0n,
});

// ---------------------------------------------------------------------------------------------
// arkworks compressed encoding (CanonicalSerialize, Compress::Yes), written independently of the
// Rust crate so the tests cross-check it: field elements little-endian 32 bytes; a G1 point is x
// with flags in the top bits of its last byte (bit 7: y is the "negative" root, i.e. y > -y;
// bit 6: infinity); a G2 point is x.c0 | x.c1 with the flags in x.c1's last byte, comparing
// Fp2 elements by c1 first, then c0; vectors are a u64 little-endian length, then the elements.

function le32(n) {
  const out = new Uint8Array(32);
  for (let i = 0; i < 32; i++) {
    out[i] = Number(n & 0xffn);
    n >>= 8n;
  }
  return out;
}
function u64le(n) {
  const out = new Uint8Array(8);
  new DataView(out.buffer).setBigUint64(0, BigInt(n), true);
  return out;
}
function concat(parts) {
  const out = new Uint8Array(parts.reduce((s, p) => s + p.length, 0));
  let o = 0;
  for (const p of parts) {
    out.set(p, o);
    o += p.length;
  }
  return out;
}
const fpGreaterThanNeg = (y) => y > mod(-y);
const fp2GreaterThanNeg = (y) => {
  const n = f2.neg(y);
  return y[1] !== n[1] ? y[1] > n[1] : y[0] > n[0];
};

export function encodeG1(pt) {
  const { x, y, inf } = g1Affine(pt);
  if (inf) {
    const b = le32(0n);
    b[31] |= 0x40;
    return b;
  }
  const b = le32(x);
  if (fpGreaterThanNeg(y)) b[31] |= 0x80;
  return b;
}
export function encodeG2(pt) {
  const { x, y, inf } = g2Affine(pt);
  const b = concat(inf ? [le32(0n), le32(0n)] : [le32(x[0]), le32(x[1])]);
  if (inf) b[63] |= 0x40;
  else if (fp2GreaterThanNeg(y)) b[63] |= 0x80;
  return b;
}
export const encodeVk = (vk) =>
  concat([
    encodeG1(vk.vk_alpha_1),
    encodeG2(vk.vk_beta_2),
    encodeG2(vk.vk_gamma_2),
    encodeG2(vk.vk_delta_2),
    u64le(vk.IC.length),
    ...vk.IC.map(encodeG1),
  ]);
export const encodeProof = (proof) => concat([encodeG1(proof.pi_a), encodeG2(proof.pi_b), encodeG1(proof.pi_c)]);
export const encodePublic = (inputs) => concat([u64le(inputs.length), ...inputs.map((s) => le32(big(s)))]);

const hex = (bytes) => Array.from(bytes, (b) => b.toString(16).padStart(2, "0")).join("");
const bytesEqual = (a, b) => a.length === b.length && a.every((v, i) => v === b[i]);

// ---------------------------------------------------------------------------------------------
// Fixtures.

/** Files of a fixture directory; the ones marked optional may be absent. */
export const FIXTURE_FILES = {
  required: ["verification_key.json", "proof.json", "public.json"],
  optionalJson: ["wrong_verification_key.json"],
  optionalBinary: ["verification_key.bin", "proof.bin", "public.bin"],
};

/**
 * Load one fixture directory. `io.readText(name)` / `io.readBytes(name)` return the file's text /
 * Uint8Array, or null when the file does not exist (and throw on other errors).
 */
export async function loadFixture(io, label) {
  const text = {};
  for (const f of FIXTURE_FILES.required) {
    text[f] = await io.readText(f);
    if (text[f] === null) throw new Error(`fixture ${label}: missing ${f}`);
  }
  const wrongText = await io.readText("wrong_verification_key.json");
  const bin = {};
  for (const f of FIXTURE_FILES.optionalBinary) bin[f] = await io.readBytes(f);
  const fx = {
    label,
    vkText: text["verification_key.json"],
    proofText: text["proof.json"],
    publicText: text["public.json"],
    wrongVkText: wrongText,
    vkBin: bin["verification_key.bin"],
    proofBin: bin["proof.bin"],
    publicBin: bin["public.bin"],
  };
  fx.vk = JSON.parse(fx.vkText);
  fx.proof = JSON.parse(fx.proofText);
  fx.pub = JSON.parse(fx.publicText);
  fx.wrongVk = wrongText === null ? null : JSON.parse(wrongText);
  // Our own arkworks encodings of the JSON files (always available).
  fx.vkEnc = encodeVk(fx.vk);
  fx.proofEnc = encodeProof(fx.proof);
  fx.publicEnc = encodePublic(fx.pub);
  return fx;
}

// ---------------------------------------------------------------------------------------------
// Cases.

// Messages must name the problem; these patterns accept any reasonable wording.
const RE = {
  json: /json/i,
  missingPiA: /pi_a/,
  missingIC: /\bIC\b|gamma_abc/,
  notCanonical: /(modulus|canonical|>=|not below|too (large|big)|out of range|exceeds|overflow)/i,
  notOnCurve: /not on the curve|on curve|curve equation/i,
  notInSubgroup: /subgroup|torsion/i,
  count: /(number|count|expect|length).*(public|input)|(public|input).*(number|count|expect|length)/i,
  notNumeric: /(decimal|numeric|digit|integer|number)/i,
  truncated: /(truncat|length|bytes|short|eof|end of|expected \d+)/i,
  anyProblem: /\w{3,}/,
};

function withVerifier(api, vk, fn) {
  const v = new api.Verifier(vk);
  try {
    return fn(v);
  } finally {
    v.free();
  }
}

/** Build all cases for one loaded fixture. */
export function buildCases(fx) {
  const cases = [];
  const add = (expect, name, run, extra = {}) => cases.push({ expect, name, run, ...extra });
  const n = fx.pub.length;
  const hasBin = fx.vkBin && fx.proofBin && fx.publicBin;

  // --- accepted --------------------------------------------------------------------------
  add("accept", "valid: prepared key (object), proof object, inputs array", (api) =>
    withVerifier(api, fx.vk, (v) => v.verify(fx.proof, fx.pub)));
  add("accept", "valid: prepared key (JSON text), proof and inputs as JSON text", (api) =>
    withVerifier(api, fx.vkText, (v) => v.verify(fx.proofText, fx.publicText)));
  add("accept", "valid: one-shot verify(vk, proof, inputs) with objects", (api) => api.verify(fx.vk, fx.proof, fx.pub));
  add("accept", "valid: one-shot verify with JSON text", (api) => api.verify(fx.vkText, fx.proofText, fx.publicText));
  add("accept", "valid: one prepared key verifies the same proof three times", (api) =>
    withVerifier(api, fx.vk, (v) => v.verify(fx.proof, fx.pub) && v.verify(fx.proofText, fx.pub) && v.verify(fx.proof, fx.pub)));
  add("accept", "valid: proof without the optional protocol/curve members", (api) => {
    const { pi_a, pi_b, pi_c } = fx.proof;
    return api.verify(fx.vk, { pi_a, pi_b, pi_c }, fx.pub);
  });
  add("accept", "valid: arkworks bytes encoded by the tests (vk, proof, inputs)", (api) =>
    withVerifier(api, fx.vkEnc, (v) => v.verify(fx.proofEnc, fx.publicEnc)));
  add("accept", "valid: mixed forms (binary key, JSON proof, binary inputs)", (api) =>
    withVerifier(api, fx.vkEnc, (v) => v.verify(fx.proof, fx.publicEnc)));
  if (hasBin) {
    add("accept", "valid: fixture binary twins (verification_key.bin, proof.bin, public.bin)", (api) =>
      withVerifier(api, fx.vkBin, (v) => v.verify(fx.proofBin, fx.publicBin)));
    add("accept", "valid: one-shot verify with the binary twins", (api) => api.verify(fx.vkBin, fx.proofBin, fx.publicBin));
    add("value", "binary twins are byte-identical to the tests' own arkworks encoding", () => null, {
      check: () => {
        const diffs = [];
        if (!bytesEqual(fx.vkBin, fx.vkEnc)) diffs.push("verification_key.bin");
        if (!bytesEqual(fx.proofBin, fx.proofEnc)) diffs.push("proof.bin");
        if (!bytesEqual(fx.publicBin, fx.publicEnc)) diffs.push("public.bin");
        return diffs.length ? `differ: ${diffs.join(", ")} (fixture ${hex(fx.proofBin.slice(0, 8))}… vs ours ${hex(fx.proofEnc.slice(0, 8))}…)` : null;
      },
    });
  }

  // --- key properties ----------------------------------------------------------------------
  add("value", "numPublicInputs equals the number of public signals (and nPublic)", (api) =>
    withVerifier(api, fx.vk, (v) => v.numPublicInputs), {
    check: (got) => (got === n && (fx.vk.nPublic === undefined || fx.vk.nPublic === n) ? null : `got ${got}, expected ${n}`),
  });
  add("value", "vkHash is 0x + 64 hex digits and equal for object, text and binary key forms", (api) => {
    const forms = { object: fx.vk, text: fx.vkText, binary: fx.vkEnc };
    if (fx.vkBin) forms["verification_key.bin"] = fx.vkBin;
    const hashes = {};
    for (const [k, form] of Object.entries(forms)) hashes[k] = withVerifier(api, form, (v) => v.vkHash);
    return hashes;
  }, {
    check: (hashes) => {
      const vals = Object.values(hashes);
      if (!vals.every((h) => typeof h === "string" && /^0x[0-9a-f]{64}$/.test(h))) return `bad format: ${JSON.stringify(hashes)}`;
      return vals.every((h) => h === vals[0]) ? null : `differ: ${JSON.stringify(hashes)}`;
    },
  });
  if (fx.wrongVk) {
    add("value", "vkHash differs between the key and the wrong key", (api) => [
      withVerifier(api, fx.vk, (v) => v.vkHash),
      withVerifier(api, fx.wrongVk, (v) => v.vkHash),
    ], { check: ([a, b]) => (a !== b ? null : `both ${a}`) });
  }

  // --- rejected (well-formed but invalid) ---------------------------------------------------
  const tampered = (mutate) => {
    const p = clone(fx.proof);
    mutate(p);
    return p;
  };
  add("reject", "pi_a replaced by -pi_a (valid point)", (api) =>
    withVerifier(api, fx.vk, (v) => v.verify(tampered((p) => (p.pi_a = negateG1(p.pi_a))), fx.pub)));
  add("reject", "pi_b replaced by -pi_b (valid point)", (api) =>
    withVerifier(api, fx.vk, (v) => v.verify(tampered((p) => (p.pi_b = negateG2(p.pi_b))), fx.pub)));
  add("reject", "pi_c replaced by -pi_c (valid point)", (api) =>
    withVerifier(api, fx.vk, (v) => v.verify(tampered((p) => (p.pi_c = negateG1(p.pi_c))), fx.pub)));
  add("reject", "pi_a and pi_c swapped", (api) =>
    withVerifier(api, fx.vk, (v) => v.verify(tampered((p) => ([p.pi_a, p.pi_c] = [p.pi_c, p.pi_a])), fx.pub)));
  add("reject", "binary proof with pi_a negated (y-sign flag flipped)", (api) => {
    const b = fx.proofEnc.slice();
    b[31] ^= 0x80;
    return withVerifier(api, fx.vk, (v) => v.verify(b, fx.pub));
  });
  for (let i = 0; i < n; i++) {
    add("reject", `public input ${i} changed (+1 mod r)`, (api) => {
      const pub = fx.pub.slice();
      pub[i] = str(mod(big(pub[i]) + 1n, R));
      return withVerifier(api, fx.vk, (v) => v.verify(fx.proof, pub));
    });
  }
  if (fx.wrongVk) {
    add("reject", "valid proof under the wrong verification key (prepared)", (api) =>
      withVerifier(api, fx.wrongVk, (v) => v.verify(fx.proof, fx.pub)));
    add("reject", "valid proof under the wrong verification key (one-shot)", (api) => api.verify(fx.wrongVk, fx.proof, fx.pub));
  }
  add("notAccept", "pi_a is the point at infinity", (api) =>
    withVerifier(api, fx.vk, (v) => v.verify(tampered((p) => (p.pi_a = ["0", "1", "0"])), fx.pub)));

  // --- malformed: must throw an Error naming the problem ------------------------------------
  const vThrows = (name, re, proof, pub) =>
    add("throw", name, (api) => withVerifier(api, fx.vk, (v) => v.verify(proof, pub)), { re });
  vThrows("invalid JSON text (proof)", RE.json, fx.proofText.slice(0, fx.proofText.length >> 1), fx.pub);
  vThrows("invalid JSON text (public inputs)", RE.json, fx.proof, "[\"1\", ");
  add("throw", "invalid JSON text (verification key)", (api) => new api.Verifier("{ \"protocol\": \"groth16\", "), { re: RE.json });
  vThrows("proof without pi_a", RE.missingPiA, tampered((p) => delete p.pi_a), fx.pub);
  add("throw", "verification key without IC", (api) => {
    const vk = clone(fx.vk);
    delete vk.IC;
    return new api.Verifier(vk);
  }, { re: RE.missingIC });
  vThrows("pi_a.x >= p (x + p, same point mod p)", RE.notCanonical, tampered((p) => (p.pi_a[0] = str(big(p.pi_a[0]) + P))), fx.pub);
  vThrows("pi_b.y.c1 = p", RE.notCanonical, tampered((p) => (p.pi_b[1][1] = str(P))), fx.pub);
  add("throw", "vk_alpha_1.y >= p (y + p)", (api) => {
    const vk = clone(fx.vk);
    vk.vk_alpha_1[1] = str(big(vk.vk_alpha_1[1]) + P);
    return new api.Verifier(vk);
  }, { re: RE.notCanonical });
  vThrows("pi_a not on the curve (y + 1)", RE.notOnCurve, tampered((p) => (p.pi_a[1] = str(mod(big(p.pi_a[1]) + 1n)))), fx.pub);
  vThrows("pi_b not on the curve (y.c0 + 1)", RE.notOnCurve, tampered((p) => (p.pi_b[1][0] = str(mod(big(p.pi_b[1][0]) + 1n)))), fx.pub);
  vThrows("pi_c not on the curve (y + 1)", RE.notOnCurve, tampered((p) => (p.pi_c[1] = str(mod(big(p.pi_c[1]) + 1n)))), fx.pub);
  add("throw", "IC[1] not on the curve (y + 1)", (api) => {
    const vk = clone(fx.vk);
    vk.IC[1 % vk.IC.length][1] = str(mod(big(vk.IC[1 % vk.IC.length][1]) + 1n));
    return new api.Verifier(vk);
  }, { re: RE.notOnCurve });
  vThrows("pi_b on the twist but outside the prime-order subgroup", RE.notInSubgroup, tampered((p) => {
    const [x, y] = g2PointOutsideSubgroup();
    p.pi_b = [x.map(str), y.map(str), ["1", "0"]];
  }), fx.pub);
  const pubWith = (i, value) => {
    const pub = fx.pub.slice();
    pub[i] = value;
    return pub;
  };
  vThrows("public input 0 >= r (value + r)", RE.notCanonical, fx.proof, pubWith(0, str(big(fx.pub[0]) + R)));
  vThrows(`public input ${n - 1} = r`, RE.notCanonical, fx.proof, pubWith(n - 1, str(R)));
  vThrows("one public input too few", RE.count, fx.proof, fx.pub.slice(0, n - 1));
  vThrows("one public input too many", RE.count, fx.proof, [...fx.pub, "1"]);
  add("throw", "one-shot verify with one public input too few", (api) => api.verify(fx.vk, fx.proof, fx.pub.slice(0, n - 1)), { re: RE.count });
  vThrows("non-numeric public input (\"12abc\")", RE.notNumeric, fx.proof, pubWith(0, "12abc"));
  vThrows("negative public input (\"-1\")", RE.notNumeric, fx.proof, pubWith(0, "-1"));
  vThrows("non-numeric coordinate in pi_c", RE.notNumeric, tampered((p) => (p.pi_c[0] = "zz")), fx.pub);
  vThrows("truncated binary proof (one byte short)", RE.truncated, fx.proofEnc.slice(0, fx.proofEnc.length - 1), fx.pub);
  vThrows("truncated binary public inputs (one byte short)", RE.truncated, fx.proof, fx.publicEnc.slice(0, fx.publicEnc.length - 1));
  add("throw", "truncated binary verification key (one byte short)", (api) => new api.Verifier(fx.vkEnc.slice(0, fx.vkEnc.length - 1)), { re: RE.truncated });
  if (fx.proofBin) {
    vThrows("truncated proof.bin (half)", RE.truncated, fx.proofBin.slice(0, fx.proofBin.length >> 1), fx.pub);
  }
  add("throw", "verification key of the wrong type (a number)", (api) => new api.Verifier(42), { re: RE.anyProblem });

  // --- the module still works after all the errors above (a panic would poison it) ----------
  add("accept", "still accepts the valid proof after all malformed inputs", (api) =>
    withVerifier(api, fx.vk, (v) => v.verify(fx.proof, fx.pub)));
  return cases;
}

function describeError(e) {
  if (e === null || typeof e !== "object") return `non-Error thrown: ${typeof e} ${String(e)}`;
  return `${e.name || e.constructor?.name || "Error"}: ${e.message}`;
}

/** Run one case; never throws. */
export function runCase(api, c) {
  let value;
  let error = null;
  let threw = false;
  try {
    value = c.run(api);
  } catch (e) {
    threw = true;
    error = e;
  }
  const result = { name: c.name, expect: c.expect, pass: false, got: "", detail: "" };
  const isPanic = threw && (error instanceof WebAssembly.RuntimeError || error?.name === "RuntimeError");
  const isError = threw && error instanceof Error;
  result.got = threw ? `threw ${describeError(error)}` : `returned ${typeof value === "object" ? JSON.stringify(value) : String(value)}`;
  if (isPanic) {
    result.detail = "a Rust panic / wasm trap, not an ordinary Error";
    return result;
  }
  switch (c.expect) {
    case "accept":
    case "reject": {
      const want = c.expect === "accept";
      result.pass = !threw && value === want;
      if (!result.pass) result.detail = `expected ${want}`;
      break;
    }
    case "notAccept":
      result.pass = threw ? isError : value === false;
      if (!result.pass) result.detail = "expected false or an Error";
      break;
    case "throw":
      if (!threw) result.detail = "expected an Error";
      else if (!isError) result.detail = "thrown value is not an Error instance";
      else if (!c.re.test(error.message)) result.detail = `message does not match ${c.re}`;
      else result.pass = true;
      break;
    case "value": {
      const complaint = threw ? "expected a value" : c.check(value);
      result.pass = complaint === null;
      if (complaint) result.detail = complaint;
      break;
    }
    default:
      result.detail = `unknown expectation ${c.expect}`;
  }
  return result;
}

/** Run all cases of a fixture in order. */
export function runAll(api, fx) {
  return buildCases(fx).map((c) => runCase(api, c));
}
