//! # zkagg-wasm-verifier
//!
//! A small, fast Groth16-over-BN254 verifier for dapps, in the browser and in Node.
//!
//! ```js
//! const verifier = new Verifier(verificationKeyJson); // prepares the key once
//! verifier.verify(proofJson, publicSignals);          // true / false
//! ```
//!
//! Keys, proofs and public inputs are accepted as snarkjs JSON (objects or JSON text) or as
//! arkworks-compressed bytes (`Uint8Array`). Parsing validates everything (canonical numbers,
//! points on the curve and in the subgroup, input count): malformed input throws an `Error` whose
//! message names the problem. `verify` returns `false` only for a well-formed proof that does not
//! satisfy the pairing equation, so a dapp can tell "invalid proof" from "broken input".
//!
//! Aggregates (one Groth16 proof for a whole folded run of batch proofs, `zkagg aggregate
//! --decider`) are verified the same way, and a dapp can ask whether one batch is covered:
//!
//! ```js
//! const agg = new AggregateVerifier(aggregateVkJson);   // aggregate_vk.json
//! agg.verify(aggregateProofJson);                        // true / false
//! agg.covers(aggregateProofJson, batchVkJson, publicSignals, inclusionJson); // true / false
//! ```

use js_sys::{Uint8Array, JSON};
use wasm_bindgen::prelude::*;
use zkagg_core::aggregate::{self, AggregateProof, AggregateVerifyingKey};
use zkagg_core::formats::{self, snarkjs};
use zkagg_core::statements::{statement_leaf, InclusionProof, STATEMENT_TREE_DEPTH};
use zkagg_core::verifier::PreparedVerifier;
use zkagg_core::{Fr, Proof, VerifyingKey};

#[wasm_bindgen(typescript_custom_section)]
const TYPES: &'static str = r#"
/** A G1 point as snarkjs writes it: ["x", "y", "1"] (decimal strings). */
export type SnarkjsG1 = [string, string, string] | [string, string];
/** A G2 point as snarkjs writes it: [["x.c0","x.c1"],["y.c0","y.c1"],["1","0"]]. */
export type SnarkjsG2 = [[string, string], [string, string], [string, string]] | [[string, string], [string, string]];
/** snarkjs verification_key.json */
export interface SnarkjsVerificationKey {
  protocol?: "groth16"; curve?: "bn128" | "bn254"; nPublic?: number;
  vk_alpha_1: SnarkjsG1; vk_beta_2: SnarkjsG2; vk_gamma_2: SnarkjsG2; vk_delta_2: SnarkjsG2;
  IC: SnarkjsG1[];
}
/** snarkjs proof.json */
export interface SnarkjsProof { pi_a: SnarkjsG1; pi_b: SnarkjsG2; pi_c: SnarkjsG1; protocol?: "groth16"; curve?: string; }
/** A verifying key: snarkjs JSON (object or text) or arkworks-compressed bytes. */
export type VerifyingKeyInput = SnarkjsVerificationKey | string | Uint8Array;
/** A proof: snarkjs JSON (object or text) or arkworks-compressed bytes (128 bytes). */
export type ProofInput = SnarkjsProof | string | Uint8Array;
/** Public inputs: snarkjs public.json (array of decimal strings, or its text) or arkworks bytes. */
export type PublicInputsInput = string[] | string | Uint8Array;
/** An aggregate's verifying key (aggregate_vk.json, object or text) or its binary form. */
export type AggregateVerifyingKeyInput = object | string | Uint8Array;
/** An aggregate proof (aggregate_proof.json, object or text) or its binary form (360 bytes). */
export type AggregateProofInput = object | string | Uint8Array;
/** An inclusion proof ({"index": "3", "siblings": ["..."]}, object or text). */
export type InclusionProofInput = { index: string | number; siblings: string[] } | string;
"#;

/// How a JS value is to be read: bytes (binary) or JSON text.
enum Input {
    Bytes(Vec<u8>),
    Json(String),
}

fn classify(value: &JsValue, what: &str) -> Result<Input, JsError> {
    if let Some(bytes) = value.dyn_ref::<Uint8Array>() {
        return Ok(Input::Bytes(bytes.to_vec()));
    }
    if let Some(text) = value.as_string() {
        return Ok(Input::Json(text));
    }
    if value.is_object() {
        let text = JSON::stringify(value)
            .map_err(|_| JsError::new(&format!("{what}: object cannot be converted to JSON")))?;
        return Ok(Input::Json(String::from(text)));
    }
    Err(JsError::new(&format!(
        "{what}: expected a snarkjs JSON object, JSON text or a Uint8Array"
    )))
}

/// A JS `Error` whose message says which argument was bad and what is wrong with it.
fn error(what: &str, e: zkagg_core::Error) -> JsError {
    let message = e.to_string();
    if message.starts_with(what) {
        // Binary decoding errors already start with the artifact's name.
        JsError::new(&message)
    } else {
        JsError::new(&format!("{what}: {message}"))
    }
}

fn parse_vk(value: &JsValue) -> Result<VerifyingKey, JsError> {
    const WHAT: &str = "verifying key";
    match classify(value, WHAT)? {
        Input::Bytes(b) => formats::binary::verifying_key_from_bytes(&b),
        Input::Json(t) => snarkjs::parse_verifying_key(&t),
    }
    .map_err(|e| error(WHAT, e))
}

fn parse_proof(value: &JsValue) -> Result<Proof, JsError> {
    const WHAT: &str = "proof";
    match classify(value, WHAT)? {
        Input::Bytes(b) => formats::binary::proof_from_bytes(&b),
        Input::Json(t) => snarkjs::parse_proof(&t),
    }
    .map_err(|e| error(WHAT, e))
}

fn parse_inputs(value: &JsValue) -> Result<Vec<Fr>, JsError> {
    const WHAT: &str = "public inputs";
    match classify(value, WHAT)? {
        Input::Bytes(b) => formats::binary::public_inputs_from_bytes(&b),
        Input::Json(t) => snarkjs::parse_public_inputs(&t),
    }
    .map_err(|e| error(WHAT, e))
}

fn parse_aggregate_vk(value: &JsValue) -> Result<AggregateVerifyingKey, JsError> {
    const WHAT: &str = "aggregate verifying key";
    match classify(value, WHAT)? {
        Input::Bytes(b) => aggregate::encoding::verifying_key_from_bytes(&b),
        Input::Json(t) => aggregate::encoding::verifying_key_from_json(&t),
    }
    .map_err(|e| error(WHAT, e))
}

fn parse_aggregate_proof(value: &JsValue) -> Result<AggregateProof, JsError> {
    const WHAT: &str = "aggregate proof";
    match classify(value, WHAT)? {
        Input::Bytes(b) => aggregate::encoding::proof_from_bytes(&b),
        Input::Json(t) => aggregate::encoding::proof_from_json(&t),
    }
    .map_err(|e| error(WHAT, e))
}

fn parse_inclusion(value: &JsValue) -> Result<InclusionProof, JsError> {
    const WHAT: &str = "inclusion proof";
    match classify(value, WHAT)? {
        Input::Bytes(_) => Err(JsError::new(
            "inclusion proof: expected JSON (an object or its text), not bytes",
        )),
        Input::Json(t) => InclusionProof::from_json(&t).map_err(|e| error(WHAT, e)),
    }
}

/// The verifier of aggregate proofs under one aggregate key (the decider's Groth16 key with a
/// committed input block, plus the run's `config` constant).
#[wasm_bindgen]
pub struct AggregateVerifier {
    vk: AggregateVerifyingKey,
}

#[wasm_bindgen]
impl AggregateVerifier {
    /// Parse an aggregate key. Throws if it is malformed.
    #[wasm_bindgen(constructor)]
    pub fn new(
        #[wasm_bindgen(unchecked_param_type = "AggregateVerifyingKeyInput")] vk: JsValue,
    ) -> Result<AggregateVerifier, JsError> {
        Ok(AggregateVerifier {
            vk: parse_aggregate_vk(&vk)?,
        })
    }

    /// `true` iff the aggregate proof (and the statement it carries: count, statements root,
    /// first old root, last new root) is valid under this key; `false` for a well-formed invalid
    /// one. Throws on malformed input.
    pub fn verify(
        &self,
        #[wasm_bindgen(unchecked_param_type = "AggregateProofInput")] proof: JsValue,
    ) -> Result<bool, JsError> {
        let proof = parse_aggregate_proof(&proof)?;
        aggregate::verify_aggregate(&self.vk, &proof).map_err(|e| error("aggregate proof", e))
    }

    /// `true` iff the aggregate proof is valid AND covers the batch statement `(batch key,
    /// public inputs)`: the statement's leaf `sponge(vk_hash, inputs)` sits at the inclusion
    /// proof's index under the aggregate's statements root. The batch key must be the one the
    /// aggregate was made for (its `vk_hash` is in every leaf). Throws on malformed input.
    pub fn covers(
        &self,
        #[wasm_bindgen(unchecked_param_type = "AggregateProofInput")] proof: JsValue,
        #[wasm_bindgen(unchecked_param_type = "VerifyingKeyInput")] batch_vk: JsValue,
        #[wasm_bindgen(unchecked_param_type = "PublicInputsInput")] public_inputs: JsValue,
        #[wasm_bindgen(unchecked_param_type = "InclusionProofInput")] inclusion: JsValue,
    ) -> Result<bool, JsError> {
        let proof = parse_aggregate_proof(&proof)?;
        let batch_vk = parse_vk(&batch_vk)?;
        let inputs = parse_inputs(&public_inputs)?;
        let inclusion = parse_inclusion(&inclusion)?;
        if inputs.len() + 1 != batch_vk.gamma_abc_g1.len() {
            return Err(JsError::new(&format!(
                "public inputs: {} given, the batch key expects {}",
                inputs.len(),
                batch_vk.gamma_abc_g1.len() - 1
            )));
        }
        if !aggregate::verify_aggregate(&self.vk, &proof)
            .map_err(|e| error("aggregate proof", e))?
        {
            return Ok(false);
        }
        let leaf = statement_leaf(zkagg_core::vk_hash::vk_hash_field(&batch_vk), &inputs);
        inclusion
            .verify(STATEMENT_TREE_DEPTH, proof.statement.statements_root, leaf)
            .map_err(|e| error("inclusion proof", e))
    }

    /// The key's statement constant `config` (decimal).
    #[wasm_bindgen(getter)]
    pub fn config(&self) -> String {
        snarkjs::to_decimal(&self.vk.config)
    }
}

/// One-shot aggregate verification.
#[wasm_bindgen(js_name = verifyAggregate)]
pub fn verify_aggregate(
    #[wasm_bindgen(unchecked_param_type = "AggregateVerifyingKeyInput")] vk: JsValue,
    #[wasm_bindgen(unchecked_param_type = "AggregateProofInput")] proof: JsValue,
) -> Result<bool, JsError> {
    AggregateVerifier::new(vk)?.verify(proof)
}

/// A Groth16 verifier with its key prepared once (`e(alpha, beta)`, the G2 lines of gamma and
/// delta, and comb tables of the input points are precomputed: up to 5.5 MiB of them, for keys
/// with 64 inputs or more, 44 ms to build at 64 inputs in Node), for verifying many proofs
/// under one key (for one proof, the one-shot `verify` is faster).
#[wasm_bindgen]
pub struct Verifier {
    inner: PreparedVerifier,
}

#[wasm_bindgen]
impl Verifier {
    /// Parse and prepare a verifying key. Throws if the key is malformed.
    #[wasm_bindgen(constructor)]
    pub fn new(
        #[wasm_bindgen(unchecked_param_type = "VerifyingKeyInput")] vk: JsValue,
    ) -> Result<Verifier, JsError> {
        let vk = parse_vk(&vk)?;
        let inner = PreparedVerifier::new(&vk).map_err(|e| error("verifying key", e))?;
        Ok(Verifier { inner })
    }

    /// `true` iff the proof is valid for these public inputs under this key; `false` for a
    /// well-formed invalid proof. Throws on malformed input or a wrong number of inputs.
    pub fn verify(
        &self,
        #[wasm_bindgen(unchecked_param_type = "ProofInput")] proof: JsValue,
        #[wasm_bindgen(unchecked_param_type = "PublicInputsInput")] public_inputs: JsValue,
    ) -> Result<bool, JsError> {
        let proof = parse_proof(&proof)?;
        let inputs = parse_inputs(&public_inputs)?;
        self.inner
            .verify(&proof, &inputs)
            .map_err(|e| error("public inputs", e))
    }

    /// Number of public inputs the key expects.
    #[wasm_bindgen(getter, js_name = numPublicInputs)]
    pub fn num_public_inputs(&self) -> usize {
        self.inner.num_public_inputs()
    }

    /// The key's `vk_hash` (keccak256 of its EVM words), `0x`-prefixed hex.
    #[wasm_bindgen(getter, js_name = vkHash)]
    pub fn vk_hash(&self) -> String {
        zkagg_core::formats::calldata::word_to_hex(&self.inner.vk_hash())
    }
}

/// One-shot verification (prepares the key each call; prefer `Verifier` for many proofs).
#[wasm_bindgen]
pub fn verify(
    #[wasm_bindgen(unchecked_param_type = "VerifyingKeyInput")] vk: JsValue,
    #[wasm_bindgen(unchecked_param_type = "ProofInput")] proof: JsValue,
    #[wasm_bindgen(unchecked_param_type = "PublicInputsInput")] public_inputs: JsValue,
) -> Result<bool, JsError> {
    let vk = parse_vk(&vk)?;
    let one_shot = PreparedVerifier::one_shot(&vk).map_err(|e| error("verifying key", e))?;
    let proof = parse_proof(&proof)?;
    let inputs = parse_inputs(&public_inputs)?;
    one_shot
        .verify(&proof, &inputs)
        .map_err(|e| error("public inputs", e))
}
