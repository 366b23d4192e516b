//! Encodings of [`AggregateProof`], [`AggregateVerifyingKey`] and [`CommittedVerifyingKey`].
//!
//! **JSON** (snarkjs style): numbers are canonical decimal strings, G1 points `["x", "y", "1"]`,
//! G2 points `[["x.c0", "x.c1"], ["y.c0", "y.c1"], ["1", "0"]]`, infinity as snarkjs writes it
//! (parsed by [`crate::formats::snarkjs::parse_g1`] / [`parse_g2`], with the same checks). Members
//! are named after the struct fields; `protocol` (`"groth16-committed"`) and `curve` (`"bn128"`)
//! are written, and checked when present. `count` is a decimal string (it may exceed 2^53).
//!
//! **Binary** (arkworks compressed, fixed order, no framing): a G1 point 32 bytes, a G2 point
//! 64, a scalar 32 (little-endian), `count` a u64 little-endian, a vector a u64 length then its
//! elements:
//!
//! - proof (360 bytes): `a b c pi c_running c_fresh alpha count statements_root old_root new_root`;
//! - committed key: `alpha1 beta2 gamma2 delta2 ic0 ic_plain(vector) k_gamma2`;
//! - aggregate key: the committed key's bytes then `config`.
//!
//! Decoding validates every field (canonical coordinates and scalars, points on the curve and in
//! the subgroup) and is injective: each field must re-encode to exactly its input bytes (this also
//! rejects the many spellings arkworks accepts for the point at infinity) and trailing bytes are
//! rejected. `A`, `B`, `C`, `pi` and the key's `alpha1`, `beta2`, `gamma2`, `delta2`, `k_gamma2`
//! must not be the point at infinity. Errors name the field.
//!
//! [`parse_g2`]: crate::formats::snarkjs::parse_g2

use ark_bn254::{G1Affine, G2Affine};
use ark_ec::AffineRepr;
use ark_serialize::{CanonicalDeserialize, CanonicalSerialize, Compress, Validate};
use serde_json::{json, Value};

use super::{AggregateProof, AggregateStatement, AggregateVerifyingKey, CommittedVerifyingKey};
use crate::formats::snarkjs::{g1_json, g2_json, parse_decimal, parse_g1, parse_g2, to_decimal};
use crate::formats::{check_point, Encoding};
use crate::{Error, Fr, Result};

/// The `protocol` member of the JSON forms.
pub const PROTOCOL: &str = "groth16-committed";

/// Upper bound on the number of plain inputs accepted from a binary key (a forged length must
/// not make us allocate).
const MAX_PLAIN: u64 = 1 << 16;

const G1_SIZE: usize = 32;
const G2_SIZE: usize = 64;
const FR_SIZE: usize = 32;

/// Bytes of a binary [`AggregateProof`].
pub const PROOF_BYTES: usize = 5 * G1_SIZE + G2_SIZE + FR_SIZE + 8 + 3 * FR_SIZE;

// ---------------------------------------------------------------------------------------------
// JSON

fn parse_json(text: &str) -> Result<Value> {
    serde_json::from_str(text).map_err(|e| Error::Json(e.to_string()))
}

fn pretty(value: &Value) -> String {
    serde_json::to_string_pretty(value).unwrap_or_else(|_| value.to_string())
}

fn join(context: &str, name: &str) -> String {
    if context.is_empty() {
        name.to_string()
    } else {
        format!("{context}.{name}")
    }
}

fn member<'a>(object: &'a Value, name: &str, context: &str) -> Result<&'a Value> {
    let map = object.as_object().ok_or_else(|| {
        Error::shape(
            if context.is_empty() {
                "(top level)"
            } else {
                context
            },
            "expected a JSON object",
        )
    })?;
    map.get(name)
        .ok_or_else(|| Error::shape(join(context, name), "missing"))
}

fn check_header(value: &Value) -> Result<()> {
    let map = value
        .as_object()
        .ok_or_else(|| Error::shape("(top level)", "expected a JSON object"))?;
    if let Some(p) = map.get("protocol") {
        if p.as_str() != Some(PROTOCOL) {
            return Err(Error::shape(
                "protocol",
                format!("expected \"{PROTOCOL}\", got {p}"),
            ));
        }
    }
    if let Some(c) = map.get("curve") {
        if !matches!(c.as_str(), Some("bn128") | Some("bn254")) {
            return Err(Error::shape(
                "curve",
                format!("expected \"bn128\", got {c}"),
            ));
        }
    }
    Ok(())
}

fn fr_member(object: &Value, name: &str, context: &str) -> Result<Fr> {
    let field = join(context, name);
    let text = member(object, name, context)?
        .as_str()
        .ok_or_else(|| Error::shape(&field, "expected a decimal string"))?;
    parse_decimal(text, &field)
}

fn g1_member(object: &Value, name: &str, nonzero: bool) -> Result<G1Affine> {
    let p = parse_g1(member(object, name, "")?, name)?;
    if nonzero && p.is_zero() {
        return Err(Error::shape(name, "must not be the point at infinity"));
    }
    Ok(p)
}

fn g2_member(object: &Value, name: &str, nonzero: bool) -> Result<G2Affine> {
    let p = parse_g2(member(object, name, "")?, name)?;
    if nonzero && p.is_zero() {
        return Err(Error::shape(name, "must not be the point at infinity"));
    }
    Ok(p)
}

/// A canonical decimal u64 (a string; a JSON integer is accepted too).
fn u64_member(object: &Value, name: &str, context: &str) -> Result<u64> {
    let field = join(context, name);
    let value = member(object, name, context)?;
    if let Some(n) = value.as_u64() {
        return Ok(n);
    }
    let text = value
        .as_str()
        .ok_or_else(|| Error::shape(&field, "expected a decimal string"))?;
    if text.is_empty() || !text.bytes().all(|b| b.is_ascii_digit()) {
        return Err(Error::non_canonical(&field, "not a decimal integer"));
    }
    if text.len() > 1 && text.starts_with('0') {
        return Err(Error::non_canonical(&field, "leading zeros"));
    }
    text.parse::<u64>()
        .map_err(|_| Error::non_canonical(&field, "does not fit in 64 bits"))
}

/// The proof as a JSON value.
pub fn proof_to_value(proof: &AggregateProof) -> Value {
    let s = &proof.statement;
    json!({
        "protocol": PROTOCOL,
        "curve": "bn128",
        "a": g1_json(&proof.a),
        "b": g2_json(&proof.b),
        "c": g1_json(&proof.c),
        "pi": g1_json(&proof.pi),
        "c_running": g1_json(&proof.c_running),
        "c_fresh": g1_json(&proof.c_fresh),
        "alpha": to_decimal(&proof.alpha),
        "statement": {
            "count": s.count.to_string(),
            "statements_root": to_decimal(&s.statements_root),
            "old_root": to_decimal(&s.old_root),
            "new_root": to_decimal(&s.new_root),
        },
    })
}

/// The proof as pretty JSON text.
pub fn proof_to_json(proof: &AggregateProof) -> String {
    pretty(&proof_to_value(proof))
}

/// Parse a proof from a JSON value.
pub fn proof_from_value(value: &Value) -> Result<AggregateProof> {
    check_header(value)?;
    let st = member(value, "statement", "")?;
    Ok(AggregateProof {
        a: g1_member(value, "a", true)?,
        b: g2_member(value, "b", true)?,
        c: g1_member(value, "c", true)?,
        pi: g1_member(value, "pi", true)?,
        c_running: g1_member(value, "c_running", false)?,
        c_fresh: g1_member(value, "c_fresh", false)?,
        alpha: fr_member(value, "alpha", "")?,
        statement: AggregateStatement {
            count: u64_member(st, "count", "statement")?,
            statements_root: fr_member(st, "statements_root", "statement")?,
            old_root: fr_member(st, "old_root", "statement")?,
            new_root: fr_member(st, "new_root", "statement")?,
        },
    })
}

/// Parse a proof from JSON text.
pub fn proof_from_json(text: &str) -> Result<AggregateProof> {
    proof_from_value(&parse_json(text)?)
}

fn committed_key_members(vk: &CommittedVerifyingKey) -> serde_json::Map<String, Value> {
    let mut m = serde_json::Map::new();
    m.insert("protocol".into(), json!(PROTOCOL));
    m.insert("curve".into(), json!("bn128"));
    m.insert("alpha1".into(), g1_json(&vk.alpha1));
    m.insert("beta2".into(), g2_json(&vk.beta2));
    m.insert("gamma2".into(), g2_json(&vk.gamma2));
    m.insert("delta2".into(), g2_json(&vk.delta2));
    m.insert("ic0".into(), g1_json(&vk.ic0));
    m.insert(
        "ic_plain".into(),
        Value::Array(vk.ic_plain.iter().map(g1_json).collect()),
    );
    m.insert("k_gamma2".into(), g2_json(&vk.k_gamma2));
    m
}

/// The committed key as a JSON value.
pub fn committed_key_to_value(vk: &CommittedVerifyingKey) -> Value {
    Value::Object(committed_key_members(vk))
}

/// The committed key as pretty JSON text.
pub fn committed_key_to_json(vk: &CommittedVerifyingKey) -> String {
    pretty(&committed_key_to_value(vk))
}

/// Parse a committed key from a JSON value (members other than the key's are ignored).
pub fn committed_key_from_value(value: &Value) -> Result<CommittedVerifyingKey> {
    check_header(value)?;
    let ic = member(value, "ic_plain", "")?
        .as_array()
        .ok_or_else(|| Error::shape("ic_plain", "expected a JSON array"))?;
    let ic_plain = ic
        .iter()
        .enumerate()
        .map(|(i, p)| parse_g1(p, &format!("ic_plain[{i}]")))
        .collect::<Result<Vec<_>>>()?;
    Ok(CommittedVerifyingKey {
        alpha1: g1_member(value, "alpha1", true)?,
        beta2: g2_member(value, "beta2", true)?,
        gamma2: g2_member(value, "gamma2", true)?,
        delta2: g2_member(value, "delta2", true)?,
        ic0: g1_member(value, "ic0", false)?,
        ic_plain,
        k_gamma2: g2_member(value, "k_gamma2", true)?,
    })
}

/// Parse a committed key from JSON text.
pub fn committed_key_from_json(text: &str) -> Result<CommittedVerifyingKey> {
    committed_key_from_value(&parse_json(text)?)
}

/// The aggregate key as a JSON value.
pub fn verifying_key_to_value(vk: &AggregateVerifyingKey) -> Value {
    let mut m = committed_key_members(&vk.committed_key());
    m.insert("config".into(), json!(to_decimal(&vk.config)));
    Value::Object(m)
}

/// The aggregate key as pretty JSON text.
pub fn verifying_key_to_json(vk: &AggregateVerifyingKey) -> String {
    pretty(&verifying_key_to_value(vk))
}

/// Parse an aggregate key from a JSON value.
pub fn verifying_key_from_value(value: &Value) -> Result<AggregateVerifyingKey> {
    let key = committed_key_from_value(value)?;
    let config = fr_member(value, "config", "")?;
    Ok(AggregateVerifyingKey::new(key, config))
}

/// Parse an aggregate key from JSON text.
pub fn verifying_key_from_json(text: &str) -> Result<AggregateVerifyingKey> {
    verifying_key_from_value(&parse_json(text)?)
}

// ---------------------------------------------------------------------------------------------
// Binary

fn put<T: CanonicalSerialize>(out: &mut Vec<u8>, value: &T) {
    // Writing into a Vec cannot fail.
    let _ = value.serialize_compressed(out);
}

/// A cursor over binary input that decodes one named field at a time.
struct Reader<'a> {
    bytes: &'a [u8],
    pos: usize,
    what: &'static str,
}

impl<'a> Reader<'a> {
    fn new(bytes: &'a [u8], what: &'static str) -> Self {
        Self {
            bytes,
            pos: 0,
            what,
        }
    }

    fn take(&mut self, len: usize, field: &str) -> Result<&'a [u8]> {
        let end = self.pos.checked_add(len).filter(|&e| e <= self.bytes.len());
        let Some(end) = end else {
            return Err(Error::binary(
                self.what,
                format!(
                    "{field}: truncated ({} bytes left, {len} needed)",
                    self.bytes.len() - self.pos
                ),
            ));
        };
        let slice = &self.bytes[self.pos..end];
        self.pos = end;
        Ok(slice)
    }

    /// Decode a `size`-byte value, canonical (re-encodes to the same bytes). Points are decoded
    /// with `Validate::No` and checked by [`Reader::g1`] / [`Reader::g2`] ([`check_point`]);
    /// scalars need no validation beyond the deserialiser's refusal of values `>= r`.
    fn value<T: CanonicalDeserialize + CanonicalSerialize>(
        &mut self,
        size: usize,
        field: &str,
    ) -> Result<T> {
        let bytes = self.take(size, field)?;
        let mut reader = bytes;
        let value = T::deserialize_with_mode(&mut reader, Compress::Yes, Validate::No)
            .map_err(|e| Error::binary(self.what, format!("{field}: {e}")))?;
        let mut again = Vec::with_capacity(size);
        put(&mut again, &value);
        if !reader.is_empty() || again != bytes {
            return Err(Error::binary(
                self.what,
                format!("{field}: non-canonical encoding"),
            ));
        }
        Ok(value)
    }

    fn g1(&mut self, field: &str, nonzero: bool) -> Result<G1Affine> {
        let p: G1Affine = self.value(G1_SIZE, field)?;
        check_point(&p, field).map_err(|problem| Error::binary(self.what, problem))?;
        if nonzero && p.is_zero() {
            return Err(Error::binary(
                self.what,
                format!("{field}: must not be the point at infinity"),
            ));
        }
        Ok(p)
    }

    fn g2(&mut self, field: &str, nonzero: bool) -> Result<G2Affine> {
        let p: G2Affine = self.value(G2_SIZE, field)?;
        check_point(&p, field).map_err(|problem| Error::binary(self.what, problem))?;
        if nonzero && p.is_zero() {
            return Err(Error::binary(
                self.what,
                format!("{field}: must not be the point at infinity"),
            ));
        }
        Ok(p)
    }

    fn fr(&mut self, field: &str) -> Result<Fr> {
        self.value(FR_SIZE, field)
    }

    fn u64(&mut self, field: &str) -> Result<u64> {
        let b = self.take(8, field)?;
        let mut w = [0u8; 8];
        w.copy_from_slice(b);
        Ok(u64::from_le_bytes(w))
    }

    fn finish(self) -> Result<()> {
        if self.pos != self.bytes.len() {
            return Err(Error::binary(
                self.what,
                format!(
                    "{} trailing bytes after the encoded value",
                    self.bytes.len() - self.pos
                ),
            ));
        }
        Ok(())
    }
}

/// The proof's binary form ([`PROOF_BYTES`] bytes).
pub fn proof_to_bytes(proof: &AggregateProof) -> Vec<u8> {
    let mut out = Vec::with_capacity(PROOF_BYTES);
    put(&mut out, &proof.a);
    put(&mut out, &proof.b);
    put(&mut out, &proof.c);
    put(&mut out, &proof.pi);
    put(&mut out, &proof.c_running);
    put(&mut out, &proof.c_fresh);
    put(&mut out, &proof.alpha);
    out.extend_from_slice(&proof.statement.count.to_le_bytes());
    put(&mut out, &proof.statement.statements_root);
    put(&mut out, &proof.statement.old_root);
    put(&mut out, &proof.statement.new_root);
    out
}

/// Decode a proof's binary form.
pub fn proof_from_bytes(bytes: &[u8]) -> Result<AggregateProof> {
    const WHAT: &str = "aggregate proof";
    if bytes.len() != PROOF_BYTES {
        return Err(Error::binary(
            WHAT,
            format!("expected {PROOF_BYTES} bytes, got {}", bytes.len()),
        ));
    }
    let mut r = Reader::new(bytes, WHAT);
    let proof = AggregateProof {
        a: r.g1("a", true)?,
        b: r.g2("b", true)?,
        c: r.g1("c", true)?,
        pi: r.g1("pi", true)?,
        c_running: r.g1("c_running", false)?,
        c_fresh: r.g1("c_fresh", false)?,
        alpha: r.fr("alpha")?,
        statement: AggregateStatement {
            count: r.u64("statement.count")?,
            statements_root: r.fr("statement.statements_root")?,
            old_root: r.fr("statement.old_root")?,
            new_root: r.fr("statement.new_root")?,
        },
    };
    r.finish()?;
    Ok(proof)
}

fn put_committed_key(out: &mut Vec<u8>, vk: &CommittedVerifyingKey) {
    put(out, &vk.alpha1);
    put(out, &vk.beta2);
    put(out, &vk.gamma2);
    put(out, &vk.delta2);
    put(out, &vk.ic0);
    out.extend_from_slice(&(vk.ic_plain.len() as u64).to_le_bytes());
    for p in &vk.ic_plain {
        put(out, p);
    }
    put(out, &vk.k_gamma2);
}

fn read_committed_key(r: &mut Reader<'_>) -> Result<CommittedVerifyingKey> {
    let alpha1 = r.g1("alpha1", true)?;
    let beta2 = r.g2("beta2", true)?;
    let gamma2 = r.g2("gamma2", true)?;
    let delta2 = r.g2("delta2", true)?;
    let ic0 = r.g1("ic0", false)?;
    let n = r.u64("ic_plain (length)")?;
    if n > MAX_PLAIN {
        return Err(Error::binary(
            r.what,
            format!("ic_plain: length {n} is implausibly large"),
        ));
    }
    let ic_plain = (0..n as usize)
        .map(|i| r.g1(&format!("ic_plain[{i}]"), false))
        .collect::<Result<Vec<_>>>()?;
    let k_gamma2 = r.g2("k_gamma2", true)?;
    Ok(CommittedVerifyingKey {
        alpha1,
        beta2,
        gamma2,
        delta2,
        ic0,
        ic_plain,
        k_gamma2,
    })
}

/// The committed key's binary form.
pub fn committed_key_to_bytes(vk: &CommittedVerifyingKey) -> Vec<u8> {
    let mut out = Vec::new();
    put_committed_key(&mut out, vk);
    out
}

/// Decode a committed key's binary form.
pub fn committed_key_from_bytes(bytes: &[u8]) -> Result<CommittedVerifyingKey> {
    let mut r = Reader::new(bytes, "committed verifying key");
    let vk = read_committed_key(&mut r)?;
    r.finish()?;
    Ok(vk)
}

/// The aggregate key's binary form.
pub fn verifying_key_to_bytes(vk: &AggregateVerifyingKey) -> Vec<u8> {
    let mut out = Vec::new();
    put_committed_key(&mut out, &vk.committed_key());
    put(&mut out, &vk.config);
    out
}

/// Decode an aggregate key's binary form.
pub fn verifying_key_from_bytes(bytes: &[u8]) -> Result<AggregateVerifyingKey> {
    let mut r = Reader::new(bytes, "aggregate verifying key");
    let key = read_committed_key(&mut r)?;
    let config = r.fr("config")?;
    r.finish()?;
    Ok(AggregateVerifyingKey::new(key, config))
}

fn utf8(bytes: &[u8]) -> Result<&str> {
    core::str::from_utf8(bytes).map_err(|e| Error::Json(format!("not UTF-8 text: {e}")))
}

/// Parse a proof in either encoding (detected as in [`Encoding::detect`]).
pub fn load_proof(bytes: &[u8]) -> Result<AggregateProof> {
    match Encoding::detect(bytes) {
        Encoding::SnarkjsJson => proof_from_json(utf8(bytes)?),
        Encoding::Binary => proof_from_bytes(bytes),
    }
}

/// Parse an aggregate key in either encoding.
pub fn load_verifying_key(bytes: &[u8]) -> Result<AggregateVerifyingKey> {
    match Encoding::detect(bytes) {
        Encoding::SnarkjsJson => verifying_key_from_json(utf8(bytes)?),
        Encoding::Binary => verifying_key_from_bytes(bytes),
    }
}

/// Parse a committed key in either encoding.
pub fn load_committed_key(bytes: &[u8]) -> Result<CommittedVerifyingKey> {
    match Encoding::detect(bytes) {
        Encoding::SnarkjsJson => committed_key_from_json(utf8(bytes)?),
        Encoding::Binary => committed_key_from_bytes(bytes),
    }
}
