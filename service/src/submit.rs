//! Checking a submission: its form, its key, its public inputs, its pairing equation.
//!
//! Nothing a volunteer sends is trusted: the proof is parsed with every check of
//! `zkagg_core::formats` (canonical numbers, points on the curve and in the subgroup), the
//! public inputs must be exactly the job's (the sequencer's `[old_root, new_root,
//! tx_commitment]`), and the proof must verify under the service's key. Only then is it
//! accepted, so nothing unverified ever reaches a round.

use serde::Deserialize;
use utoipa::ToSchema;
use zkagg_core::formats::{binary, snarkjs};
use zkagg_core::verifier::PreparedVerifier;
use zkagg_core::{Fr, Proof};

use crate::jobs::{Rejection, RejectionCode};
use crate::sequencer::sha256_hex;
use crate::store::JobView;

/// The body of `POST /v1/jobs/{id}/submissions`.
#[derive(Clone, Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct SubmitRequest {
    /// The lease the proof was made under.
    pub lease_id: String,
    /// The proof: snarkjs `proof.json` (an object, or its text).
    #[schema(value_type = Object)]
    pub proof: serde_json::Value,
    /// The public inputs: snarkjs `public.json` (an array of decimal strings, or its text).
    #[schema(value_type = Object)]
    pub public_inputs: serde_json::Value,
    /// The `vk_hash` (hex) the proof was made for, if the prover knows it: a mismatch is
    /// reported as `wrong_key` rather than `invalid_proof`.
    #[serde(default)]
    pub vk_hash: Option<String>,
}

/// A well-formed submission.
#[derive(Clone, Debug)]
pub struct ParsedSubmission {
    /// The proof.
    pub proof: Proof,
    /// Its public inputs.
    pub inputs: Vec<Fr>,
    /// The claimed `vk_hash`, lower-case without `0x`.
    pub vk_hash: Option<String>,
}

fn text_of(value: &serde_json::Value) -> String {
    match value {
        serde_json::Value::String(s) => s.clone(),
        other => other.to_string(),
    }
}

fn malformed(message: String) -> Rejection {
    Rejection::new(RejectionCode::Malformed, message)
}

/// Parses the proof and the inputs (errors name the field).
pub fn parse_submission(request: &SubmitRequest) -> Result<ParsedSubmission, Rejection> {
    let proof = snarkjs::parse_proof(&text_of(&request.proof))
        .map_err(|e| malformed(format!("proof: {e}")))?;
    let inputs = snarkjs::parse_public_inputs(&text_of(&request.public_inputs))
        .map_err(|e| malformed(format!("public_inputs: {e}")))?;
    let vk_hash = match &request.vk_hash {
        None => None,
        Some(h) => {
            let h = h.strip_prefix("0x").unwrap_or(h).to_ascii_lowercase();
            if h.len() != 64 || !h.bytes().all(|b| b.is_ascii_hexdigit()) {
                return Err(malformed("vk_hash: not 32 bytes of hex".into()));
            }
            Some(h)
        }
    };
    Ok(ParsedSubmission {
        proof,
        inputs,
        vk_hash,
    })
}

impl ParsedSubmission {
    /// The idempotency key: `sha256(job id || 0 || canonical proof bytes || canonical inputs)`,
    /// so the same proof sent twice (in any JSON spelling) is one submission.
    pub fn id(&self, job_id: &str) -> String {
        let mut bytes = job_id.as_bytes().to_vec();
        bytes.push(0);
        bytes.extend(binary::proof_to_bytes(&self.proof));
        bytes.extend(binary::public_inputs_to_bytes(&self.inputs));
        sha256_hex(&bytes)
    }

    /// The proof as stored (snarkjs JSON).
    pub fn proof_json(&self) -> String {
        snarkjs::proof_to_string(&self.proof)
    }

    /// The inputs as stored (snarkjs JSON).
    pub fn inputs_json(&self) -> String {
        snarkjs::public_inputs_to_string(&self.inputs)
    }
}

/// Checks a parsed submission against `job`: the claimed key, the public inputs, the pairing.
pub fn check_submission(
    verifier: &PreparedVerifier,
    vk_hash: &str,
    job: &JobView,
    s: &ParsedSubmission,
) -> Result<(), Rejection> {
    let ours = vk_hash.strip_prefix("0x").unwrap_or(vk_hash);
    if let Some(claimed) = &s.vk_hash {
        if claimed != ours {
            return Err(Rejection::new(
                RejectionCode::WrongKey,
                format!("the proof is for vk_hash 0x{claimed}, the job's key is 0x{ours}"),
            ));
        }
    }
    let given: Vec<String> = s.inputs.iter().map(snarkjs::to_decimal).collect();
    if given != job.public_inputs {
        let names = ["old_root", "new_root", "tx_commitment"];
        let detail = if given.len() != job.public_inputs.len() {
            format!(
                "{} public inputs, the job has {}",
                given.len(),
                job.public_inputs.len()
            )
        } else {
            let i = given
                .iter()
                .zip(&job.public_inputs)
                .position(|(a, b)| a != b)
                .unwrap_or(0);
            format!(
                "public input {i} ({}) is not the job's",
                names.get(i).copied().unwrap_or("?")
            )
        };
        return Err(Rejection::new(RejectionCode::WrongPublicInputs, detail));
    }
    match verifier.verify(&s.proof, &s.inputs) {
        Ok(true) => Ok(()),
        Ok(false) => Err(Rejection::new(
            RejectionCode::InvalidProof,
            format!(
                "the proof does not verify for job {} under key 0x{ours}",
                job.id
            ),
        )),
        Err(e) => Err(Rejection::new(RejectionCode::Malformed, e.to_string())),
    }
}
