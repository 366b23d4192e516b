//! Parser robustness: arbitrary bytes, mutated valid encodings and mutated JSON never panic; they
//! either parse to a value that passes validation again or give an error.
//!
//! A deterministic mutational fuzzer (seeded ChaCha) so CI is repeatable; raise `ROUNDS` with the
//! env var `ZKAGG_FUZZ_ROUNDS` for a longer local run.

mod common;

use common::*;
use rand::{Rng, RngCore};
use serde_json::Value;
use zkagg_core::formats::{self, binary, calldata, snarkjs};

fn rounds() -> usize {
    std::env::var("ZKAGG_FUZZ_ROUNDS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(20_000)
}

fn all_parsers(bytes: &[u8]) {
    let _ = formats::load_verifying_key(bytes);
    let _ = formats::load_proof(bytes);
    let _ = formats::load_public_inputs(bytes);
    let _ = binary::verifying_key_from_bytes(bytes);
    let _ = binary::proof_from_bytes(bytes);
    let _ = binary::public_inputs_from_bytes(bytes);
    let _ = calldata::decode_verify_proof_call(bytes);
    if let Ok(text) = std::str::from_utf8(bytes) {
        let _ = snarkjs::parse_verifying_key(text);
        let _ = snarkjs::parse_proof(text);
        let _ = snarkjs::parse_public_inputs(text);
    }
}

fn mutate(rng: &mut impl RngCore, input: &[u8]) -> Vec<u8> {
    let mut out = input.to_vec();
    let edits = rng.gen_range(1..=4);
    for _ in 0..edits {
        match rng.gen_range(0..6) {
            0 if !out.is_empty() => {
                let i = rng.gen_range(0..out.len());
                out[i] ^= 1 << rng.gen_range(0..8);
            }
            1 if !out.is_empty() => {
                let i = rng.gen_range(0..out.len());
                out[i] = rng.gen();
            }
            2 => {
                let cut = rng.gen_range(0..=out.len());
                out.truncate(cut);
            }
            3 => {
                let i = rng.gen_range(0..=out.len());
                let b: u8 = rng.gen();
                out.insert(i, b);
            }
            4 if out.len() > 1 => {
                let a = rng.gen_range(0..out.len());
                let b = rng.gen_range(a..out.len());
                out.drain(a..b);
            }
            _ => {
                let i = rng.gen_range(0..=out.len());
                let junk =
                    [b"\"", b"[", b"]", b"{", b"}", b",", b"0", b"-", b"9"][rng.gen_range(0..9)];
                out.splice(i..i, junk.iter().copied());
            }
        }
    }
    out
}

/// Structural JSON mutations: replace a random leaf/array with another JSON value.
fn mutate_json(rng: &mut impl RngCore, value: &mut Value) {
    let replacements = [
        Value::Null,
        Value::Bool(true),
        serde_json::json!(-1),
        serde_json::json!(1.5),
        serde_json::json!(""),
        serde_json::json!("1e3"),
        serde_json::json!(
            "99999999999999999999999999999999999999999999999999999999999999999999999999999999"
        ),
        serde_json::json!([]),
        serde_json::json!({}),
        serde_json::json!(["1", "2", "1"]),
    ];
    let descend = match value {
        Value::Array(items) => !items.is_empty() && rng.gen_bool(0.7),
        Value::Object(map) => !map.is_empty() && rng.gen_bool(0.8),
        _ => false,
    };
    if descend {
        match value {
            Value::Array(items) => {
                let i = rng.gen_range(0..items.len());
                mutate_json(rng, &mut items[i]);
            }
            Value::Object(map) => {
                let i = rng.gen_range(0..map.len());
                if let Some((_, v)) = map.iter_mut().nth(i) {
                    mutate_json(rng, v);
                }
            }
            _ => {}
        }
    } else {
        *value = replacements[rng.gen_range(0..replacements.len())].clone();
    }
}

#[test]
fn arbitrary_bytes_never_panic() {
    let mut rng = rng(11);
    for _ in 0..rounds() {
        let len = rng.gen_range(0..600);
        let mut bytes = vec![0u8; len];
        rng.fill_bytes(&mut bytes);
        all_parsers(&bytes);
    }
}

#[test]
fn mutated_valid_encodings_never_panic() {
    let (pk, vk) = keys(3);
    let (proof, inputs) = proof(&pk, 4);
    let seeds: Vec<Vec<u8>> = vec![
        binary::verifying_key_to_bytes(&vk),
        binary::proof_to_bytes(&proof),
        binary::public_inputs_to_bytes(&inputs),
        calldata::encode_verify_proof_call(&proof, &inputs),
        snarkjs::verifying_key_to_string(&vk).into_bytes(),
        snarkjs::proof_to_string(&proof).into_bytes(),
        snarkjs::public_inputs_to_string(&inputs).into_bytes(),
    ];
    let mut rng = rng(12);
    for round in 0..rounds() {
        let seed = &seeds[round % seeds.len()];
        let mutated = mutate(&mut rng, seed);
        all_parsers(&mutated);
        // Whatever does parse must be a valid object again (validation is part of parsing).
        if let Ok(parsed) = formats::load_proof(&mutated) {
            assert!(formats::load_proof(&binary::proof_to_bytes(&parsed)).is_ok());
        }
    }
}

#[test]
fn mutated_json_structures_never_panic() {
    let (pk, vk) = keys(3);
    let (proof, inputs) = proof(&pk, 4);
    let seeds = [
        snarkjs::verifying_key_to_value(&vk),
        snarkjs::proof_to_value(&proof),
        snarkjs::public_inputs_to_value(&inputs),
    ];
    let mut rng = rng(13);
    for round in 0..rounds() {
        let mut value = seeds[round % seeds.len()].clone();
        for _ in 0..rng.gen_range(1..3) {
            mutate_json(&mut rng, &mut value);
        }
        let _ = snarkjs::verifying_key_from_value(&value);
        let _ = snarkjs::proof_from_value(&value);
        let _ = snarkjs::public_inputs_from_value(&value);
    }
}
