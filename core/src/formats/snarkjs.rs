//! snarkjs JSON: `verification_key.json`, `proof.json` and `public.json`.
//!
//! Numbers are decimal strings. G1 points are `["x", "y", "1"]` (projective with z = 1; the point
//! at infinity is `["0", "1", "0"]`), G2 points `[["x.c0", "x.c1"], ["y.c0", "y.c1"], ["1", "0"]]`.
//! We accept exactly what snarkjs writes (plus the two-element affine form without z) and reject
//! everything else with an error naming the member: non-decimal or signed numbers, leading zeros,
//! values `>= p` (coordinates) or `>= r` (public inputs), points off the curve or (G2) outside the
//! prime-order subgroup, `IC` not matching `nPublic`, a `protocol` other than `groth16`, or a
//! `curve` other than `bn128`/`bn254`.
//!
//! Writers produce files byte-for-byte in snarkjs's layout (including `vk_alphabeta_12`), so our
//! files can be fed to `snarkjs groth16 verify` unchanged.

use ark_ec::{pairing::Pairing, AffineRepr};
use ark_ff::{BigInt, PrimeField, Zero};
use serde_json::{json, Value};

use super::check_point;
use crate::{Curve, Error, Fq, Fr, Proof, Result, VerifyingKey};
use ark_bn254::{Fq2, G1Affine, G2Affine};

/// Parse a canonical decimal string into a prime-field element.
///
/// Canonical means: only ASCII digits, no sign, no leading zeros (except `"0"` itself), and a
/// value strictly below the modulus. Rejecting every other spelling makes the encoding injective,
/// so no two different strings stand for one statement (no malleability through the JSON layer).
///
/// The digits are folded straight into four 64-bit words ([`decimal_words`]), with no
/// big-integer allocation: verifiers parse every public input and proof coordinate this way.
/// In the wasm verifier the arbitrary-precision parse cost about 5 us an input, and its code
/// (with [`to_decimal`]'s) about 35 KB of the download (docs/BENCHMARKS.md).
pub fn parse_decimal<F: PrimeField<BigInt = BigInt<4>>>(text: &str, field: &str) -> Result<F> {
    if text.is_empty() {
        return Err(Error::non_canonical(field, "empty string"));
    }
    if !text.bytes().all(|b| b.is_ascii_digit()) {
        return Err(Error::non_canonical(
            field,
            format!("{:?} is not a decimal integer", abbreviate(text)),
        ));
    }
    if text.len() > 1 && text.starts_with('0') {
        return Err(Error::non_canonical(
            field,
            format!("{:?} has leading zeros", abbreviate(text)),
        ));
    }
    // A value of 2^256 or more overflows the words; the comparison rejects the rest of the
    // values at or above the modulus (so `p` and `p + x` are refused, never reduced).
    let below_modulus = decimal_words(text.as_bytes())
        .map(BigInt)
        .filter(|value| *value < F::MODULUS);
    below_modulus
        .and_then(F::from_bigint)
        .ok_or_else(|| Error::non_canonical(field, "value is not below the field modulus"))
}

/// The value of a string of ASCII digits as four little-endian 64-bit words, or `None` when it
/// is `2^256` or more. Digits are taken 19 at a time (`10^19 < 2^64`): each chunk's value `d`
/// and scale `10^len` update the words as `acc = acc * 10^len + d`, and a carry out of the top
/// word means the value no longer fits. The carry is checked after every chunk, so a string of
/// any length costs at most the chunks up to the first overflow.
fn decimal_words(digits: &[u8]) -> Option<[u64; 4]> {
    const DIGITS_PER_CHUNK: usize = 19;
    let mut words = [0u64; 4];
    for chunk in digits.chunks(DIGITS_PER_CHUNK) {
        let (mut value, mut scale) = (0u64, 1u64);
        for &digit in chunk {
            value = value * 10 + u64::from(digit - b'0');
            scale *= 10;
        }
        let mut carry = u128::from(value);
        for word in words.iter_mut() {
            let sum = u128::from(*word) * u128::from(scale) + carry;
            *word = sum as u64;
            carry = sum >> 64;
        }
        if carry != 0 {
            return None;
        }
    }
    Some(words)
}

/// The canonical decimal string of a prime-field element.
///
/// The value's words are divided by `10^19` until nothing is left; the remainders are its
/// base-`10^19` digits, printed most significant first (the first without padding, the others
/// as 19 decimal digits each). Like [`parse_decimal`], no big-integer allocation.
pub fn to_decimal<F: PrimeField<BigInt = BigInt<4>>>(value: &F) -> String {
    const TEN_POW_19: u128 = 10_000_000_000_000_000_000;
    let mut words = value.into_bigint().0;
    let mut chunks: Vec<u64> = Vec::with_capacity(5);
    loop {
        let mut remainder = 0u128;
        for word in words.iter_mut().rev() {
            let current = (remainder << 64) | u128::from(*word);
            *word = (current / TEN_POW_19) as u64;
            remainder = current % TEN_POW_19;
        }
        chunks.push(remainder as u64);
        if words == [0; 4] {
            break;
        }
    }
    let mut text = String::with_capacity(chunks.len() * 19);
    let mut chunks = chunks.iter().rev();
    if let Some(top) = chunks.next() {
        text.push_str(&top.to_string());
    }
    for chunk in chunks {
        text.push_str(&format!("{chunk:019}"));
    }
    text
}

fn abbreviate(text: &str) -> String {
    if text.chars().count() > 40 {
        let head: String = text.chars().take(37).collect();
        format!("{head}...")
    } else {
        text.to_string()
    }
}

fn parse_json(text: &str) -> Result<Value> {
    serde_json::from_str(text).map_err(|e| Error::Json(e.to_string()))
}

fn member<'a>(object: &'a Value, name: &str, context: &str) -> Result<&'a Value> {
    let map = object
        .as_object()
        .ok_or_else(|| Error::shape(context, "expected a JSON object"))?;
    map.get(name)
        .ok_or_else(|| Error::shape(join(context, name), "missing"))
}

fn join(context: &str, name: &str) -> String {
    if context.is_empty() {
        name.to_string()
    } else {
        format!("{context}.{name}")
    }
}

fn array<'a>(value: &'a Value, field: &str) -> Result<&'a Vec<Value>> {
    value
        .as_array()
        .ok_or_else(|| Error::shape(field, "expected a JSON array"))
}

fn string<'a>(value: &'a Value, field: &str) -> Result<&'a str> {
    value
        .as_str()
        .ok_or_else(|| Error::shape(field, "expected a decimal string"))
}

fn fq(value: &Value, field: &str) -> Result<Fq> {
    parse_decimal(string(value, field)?, field)
}

fn fq2(value: &Value, field: &str) -> Result<Fq2> {
    let limbs = array(value, field)?;
    if limbs.len() != 2 {
        return Err(Error::shape(
            field,
            format!("expected [c0, c1], got {} elements", limbs.len()),
        ));
    }
    Ok(Fq2::new(
        fq(&limbs[0], &format!("{field}[0]"))?,
        fq(&limbs[1], &format!("{field}[1]"))?,
    ))
}

/// Parse a G1 point `["x", "y", "1"]` (or `["x", "y"]`, or infinity `["0", "1", "0"]`).
pub fn parse_g1(value: &Value, field: &str) -> Result<G1Affine> {
    let coords = array(value, field)?;
    let point = match coords.len() {
        2 | 3 => {
            let x = fq(&coords[0], &format!("{field}[0]"))?;
            let y = fq(&coords[1], &format!("{field}[1]"))?;
            let z = match coords.get(2) {
                Some(z) => fq(z, &format!("{field}[2]"))?,
                None => Fq::from(1u64),
            };
            if z.is_zero() {
                if !(x.is_zero() && y == Fq::from(1u64)) {
                    return Err(Error::shape(
                        field,
                        "z = 0 (point at infinity) must be written [\"0\", \"1\", \"0\"]",
                    ));
                }
                G1Affine::zero()
            } else if z == Fq::from(1u64) {
                G1Affine::new_unchecked(x, y)
            } else {
                return Err(Error::shape(
                    field,
                    "z coordinate must be \"1\" (affine) or \"0\" (infinity)",
                ));
            }
        }
        n => {
            return Err(Error::shape(
                field,
                format!("expected [x, y, z], got {n} elements"),
            ))
        }
    };
    check_point(&point, field)?;
    Ok(point)
}

/// Parse a G2 point `[["x.c0","x.c1"], ["y.c0","y.c1"], ["1","0"]]` (z may be omitted; infinity is
/// `[["0","0"], ["1","0"], ["0","0"]]`). Checks the curve equation AND the prime-order subgroup:
/// the twist has a large cofactor, and a proof element outside the subgroup would make the
/// pairing equation meaningless.
pub fn parse_g2(value: &Value, field: &str) -> Result<G2Affine> {
    let coords = array(value, field)?;
    let point = match coords.len() {
        2 | 3 => {
            let x = fq2(&coords[0], &format!("{field}[0]"))?;
            let y = fq2(&coords[1], &format!("{field}[1]"))?;
            let z = match coords.get(2) {
                Some(z) => fq2(z, &format!("{field}[2]"))?,
                None => Fq2::new(Fq::from(1u64), Fq::zero()),
            };
            let one = Fq2::new(Fq::from(1u64), Fq::zero());
            if z.is_zero() {
                if !(x.is_zero() && y == one) {
                    return Err(Error::shape(
                        field,
                        "z = 0 (point at infinity) must be written [[\"0\",\"0\"],[\"1\",\"0\"],[\"0\",\"0\"]]",
                    ));
                }
                G2Affine::zero()
            } else if z == one {
                G2Affine::new_unchecked(x, y)
            } else {
                return Err(Error::shape(
                    field,
                    "z coordinate must be [\"1\",\"0\"] (affine) or [\"0\",\"0\"] (infinity)",
                ));
            }
        }
        n => {
            return Err(Error::shape(
                field,
                format!("expected [x, y, z], got {n} elements"),
            ))
        }
    };
    check_point(&point, field)?;
    Ok(point)
}

fn check_protocol(object: &Value) -> Result<()> {
    let map = object
        .as_object()
        .ok_or_else(|| Error::shape("(top level)", "expected a JSON object"))?;
    if let Some(protocol) = map.get("protocol") {
        if protocol.as_str() != Some("groth16") {
            return Err(Error::shape(
                "protocol",
                format!("expected \"groth16\", got {protocol}"),
            ));
        }
    }
    if let Some(curve) = map.get("curve") {
        match curve.as_str() {
            Some("bn128") | Some("bn254") => {}
            _ => {
                return Err(Error::shape(
                    "curve",
                    format!("expected \"bn128\", got {curve}"),
                ))
            }
        }
    }
    Ok(())
}

/// Parse a snarkjs `verification_key.json`.
pub fn parse_verifying_key(text: &str) -> Result<VerifyingKey> {
    verifying_key_from_value(&parse_json(text)?)
}

/// Parse a snarkjs verifying key from an already-parsed JSON value.
pub fn verifying_key_from_value(value: &Value) -> Result<VerifyingKey> {
    check_protocol(value)?;
    let alpha_g1 = parse_g1(member(value, "vk_alpha_1", "")?, "vk_alpha_1")?;
    let beta_g2 = parse_g2(member(value, "vk_beta_2", "")?, "vk_beta_2")?;
    let gamma_g2 = parse_g2(member(value, "vk_gamma_2", "")?, "vk_gamma_2")?;
    let delta_g2 = parse_g2(member(value, "vk_delta_2", "")?, "vk_delta_2")?;
    let ic = array(member(value, "IC", "")?, "IC")?;
    if ic.is_empty() {
        return Err(Error::shape("IC", "must hold at least one point (IC[0])"));
    }
    let gamma_abc_g1 = ic
        .iter()
        .enumerate()
        .map(|(i, point)| parse_g1(point, &format!("IC[{i}]")))
        .collect::<Result<Vec<_>>>()?;
    if let Some(n_public) = value.get("nPublic") {
        let n = n_public
            .as_u64()
            .ok_or_else(|| Error::shape("nPublic", "expected a non-negative integer"))?;
        if n as usize != gamma_abc_g1.len() - 1 {
            return Err(Error::shape(
                "nPublic",
                format!(
                    "is {n} but IC has {} points (expected nPublic + 1)",
                    gamma_abc_g1.len()
                ),
            ));
        }
    }
    Ok(VerifyingKey {
        alpha_g1,
        beta_g2,
        gamma_g2,
        delta_g2,
        gamma_abc_g1,
    })
}

/// Parse a snarkjs `proof.json`.
pub fn parse_proof(text: &str) -> Result<Proof> {
    proof_from_value(&parse_json(text)?)
}

/// Parse a snarkjs proof from an already-parsed JSON value.
pub fn proof_from_value(value: &Value) -> Result<Proof> {
    check_protocol(value)?;
    Ok(Proof {
        a: parse_g1(member(value, "pi_a", "")?, "pi_a")?,
        b: parse_g2(member(value, "pi_b", "")?, "pi_b")?,
        c: parse_g1(member(value, "pi_c", "")?, "pi_c")?,
    })
}

/// Parse a snarkjs `public.json` (an array of decimal strings, each `< r`).
pub fn parse_public_inputs(text: &str) -> Result<Vec<Fr>> {
    public_inputs_from_value(&parse_json(text)?)
}

/// Parse public inputs from an already-parsed JSON value.
pub fn public_inputs_from_value(value: &Value) -> Result<Vec<Fr>> {
    array(value, "public")?
        .iter()
        .enumerate()
        .map(|(i, v)| {
            let field = format!("public[{i}]");
            parse_decimal(string(v, &field)?, &field)
        })
        .collect()
}

/// A G1 point as snarkjs writes it (`["x", "y", "1"]`, infinity `["0", "1", "0"]`).
pub(crate) fn g1_json(point: &G1Affine) -> Value {
    match point.xy() {
        Some((x, y)) => json!([to_decimal(&x), to_decimal(&y), "1"]),
        None => json!(["0", "1", "0"]),
    }
}

/// A G2 point as snarkjs writes it (`[[x.c0, x.c1], [y.c0, y.c1], ["1", "0"]]`).
pub(crate) fn g2_json(point: &G2Affine) -> Value {
    match point.xy() {
        Some((x, y)) => json!([
            [to_decimal(&x.c0), to_decimal(&x.c1)],
            [to_decimal(&y.c0), to_decimal(&y.c1)],
            ["1", "0"]
        ]),
        None => json!([["0", "0"], ["1", "0"], ["0", "0"]]),
    }
}

/// The verifying key as a snarkjs JSON value (with `vk_alphabeta_12`, as snarkjs writes it).
pub fn verifying_key_to_value(vk: &VerifyingKey) -> Value {
    let alphabeta = Curve::pairing(vk.alpha_g1, vk.beta_g2).0;
    let fq6 = |c: &ark_bn254::Fq6| {
        json!([
            [to_decimal(&c.c0.c0), to_decimal(&c.c0.c1)],
            [to_decimal(&c.c1.c0), to_decimal(&c.c1.c1)],
            [to_decimal(&c.c2.c0), to_decimal(&c.c2.c1)]
        ])
    };
    json!({
        "protocol": "groth16",
        "curve": "bn128",
        "nPublic": vk.gamma_abc_g1.len().saturating_sub(1),
        "vk_alpha_1": g1_json(&vk.alpha_g1),
        "vk_beta_2": g2_json(&vk.beta_g2),
        "vk_gamma_2": g2_json(&vk.gamma_g2),
        "vk_delta_2": g2_json(&vk.delta_g2),
        "vk_alphabeta_12": [fq6(&alphabeta.c0), fq6(&alphabeta.c1)],
        "IC": vk.gamma_abc_g1.iter().map(g1_json).collect::<Vec<_>>(),
    })
}

/// The proof as a snarkjs JSON value.
pub fn proof_to_value(proof: &Proof) -> Value {
    json!({
        "pi_a": g1_json(&proof.a),
        "pi_b": g2_json(&proof.b),
        "pi_c": g1_json(&proof.c),
        "protocol": "groth16",
        "curve": "bn128",
    })
}

/// Public inputs as a snarkjs JSON value (array of decimal strings).
pub fn public_inputs_to_value(inputs: &[Fr]) -> Value {
    Value::Array(
        inputs
            .iter()
            .map(|x| Value::String(to_decimal(x)))
            .collect(),
    )
}

fn pretty(value: &Value) -> String {
    // Serialising a `Value` we built ourselves cannot fail; fall back to compact form regardless.
    serde_json::to_string_pretty(value).unwrap_or_else(|_| value.to_string())
}

/// `verification_key.json` text.
pub fn verifying_key_to_string(vk: &VerifyingKey) -> String {
    pretty(&verifying_key_to_value(vk))
}

/// `proof.json` text.
pub fn proof_to_string(proof: &Proof) -> String {
    pretty(&proof_to_value(proof))
}

/// `public.json` text.
pub fn public_inputs_to_string(inputs: &[Fr]) -> String {
    pretty(&public_inputs_to_value(inputs))
}
