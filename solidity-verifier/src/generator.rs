//! The generator: a Groth16 (BN254) verifying key in, a self-contained Solidity verifier out.
//!
//! The contract (template `contracts/Groth16Verifier.sol.tmpl`, written for this project) checks
//! the Groth16 equation
//!
//! ```text
//! e(A, B) = e(alpha, beta) * e(L, gamma) * e(C, delta),   L = IC[0] + sum_i x_i * IC[i+1]
//! ```
//!
//! as one call to the EIP-197 pairing precompile on four pairs,
//! `e(L, -gamma) * e(A, B) * e(C, -delta) * e(alpha, -beta) == 1`. Negating the three key points
//! here, once, instead of negating a proof point in the contract, lets the contract copy `A, B, C`
//! from calldata into the precompile's input in one copy. `L` is computed with one ecMul
//! (EIP-196, address 0x07) and one ecAdd (0x06) per public input.
//!
//! Why it is sound: Groth16 is knowledge-sound for proofs whose elements are in the groups G1, G2
//! and inputs in Fr. The contract accepts only (1) canonical words (inputs `< r`, coordinates
//! `< p`: exactly one encoding per statement, so `x + r` is not a second spelling of `x`), (2) A
//! and C on the curve (BN254's G1 has cofactor 1, so on-curve means in G1), (3) B on the twist,
//! and the pairing precompile itself rejects a B outside the order-r subgroup. The point at
//! infinity is rejected for A, B and C (an honest proof has one with probability about 3/r). The
//! key points are validated here (on the curve, G2 in the subgroup) before they become
//! constants. Every malformed input except an off-subgroup B is rejected before any precompile
//! call; see `docs/design/solidity-verifier.md` for the gas bounds and the full argument.

use ark_bn254::{g2, Fq, Fr, G1Affine, G2Affine};
use ark_ec::short_weierstrass::SWCurveConfig;
use ark_ff::PrimeField;
use sha3::{Digest, Keccak256};
use zkagg_core::formats::calldata::{field_to_word, verifying_key_to_words, word_to_hex, Word};
use zkagg_core::formats::{load_verifying_key, num_public_inputs};
use zkagg_core::vk_hash::vk_hash_hex;
use zkagg_core::VerifyingKey;

use crate::{Error, Result};

/// The contract template (see the module docs).
pub const TEMPLATE: &str = include_str!("../contracts/Groth16Verifier.sol.tmpl");

/// Default name of the generated contract.
pub const DEFAULT_CONTRACT_NAME: &str = "Groth16Verifier";

/// Gas of one 4-pair call to the pairing precompile since EIP-1108 (Istanbul):
/// `45,000 + 34,000 * pairs`.
pub const PAIRING_GAS_4_PAIRS: u64 = 45_000 + 4 * 34_000;

/// Default stipend of the pairing call: twice today's price. The stipend bounds what a proof
/// with an off-subgroup `B` (the one malformed input only the precompile can detect) costs; the
/// headroom keeps deployed verifiers working if the precompile is ever repriced up to 2x.
pub const DEFAULT_PAIRING_GAS: u64 = 2 * PAIRING_GAS_4_PAIRS;

/// Largest number of public inputs a generated verifier supports: each input costs about 86
/// bytes of code (its range check, its IC point as two 32-byte constants, a call), and at this
/// count the runtime code stays below the 24,576-byte limit of EIP-170 (23,757 bytes, checked by
/// the `the_largest_supported_key_fits_eip170_and_verifies` test).
pub const MAX_PUBLIC_INPUTS: usize = 256;

/// Public inputs whose share of `L` is computed by straight-line code; the others go through one
/// Yul function (see [`generate`]). Three covers the batch circuit, `[old_root, new_root,
/// tx_commitment]`, and the small statements of aggregated proofs.
pub const INLINE_INPUTS: usize = 3;

/// How to generate a verifier.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Options {
    /// Name of the generated contract (a Solidity identifier).
    pub contract_name: String,
    /// Gas stipend of the pairing precompile call; at least [`PAIRING_GAS_4_PAIRS`].
    pub pairing_gas: u64,
}

impl Default for Options {
    fn default() -> Self {
        Self {
            contract_name: DEFAULT_CONTRACT_NAME.to_string(),
            pairing_gas: DEFAULT_PAIRING_GAS,
        }
    }
}

impl Options {
    /// Default options with another contract name.
    pub fn named(contract_name: impl Into<String>) -> Self {
        Self {
            contract_name: contract_name.into(),
            ..Self::default()
        }
    }
}

/// Solidity and Yul keywords (and reserved words) that cannot name a contract.
#[rustfmt::skip]
const RESERVED: &[&str] = &[
    "abstract", "address", "after", "alias", "anonymous", "apply", "as", "assembly", "auto",
    "bool", "break", "byte", "bytes", "calldata", "case", "catch", "constant", "constructor",
    "continue", "contract", "copyof", "days", "default", "define", "delete", "do", "else", "emit",
    "enum", "error", "ether", "event", "external", "fallback", "false", "final", "finney", "fixed",
    "for", "function", "gwei", "hex", "hours", "if", "immutable", "implements", "import", "in",
    "indexed", "inline", "int", "interface", "internal", "is", "let", "library", "macro",
    "mapping", "match", "memory", "minutes", "modifier", "mutable", "new", "null", "of",
    "override", "partial", "payable", "pragma", "private", "promise", "public", "pure", "receive",
    "reference", "relocatable", "return", "returns", "revert", "sealed", "seconds", "sizeof",
    "static", "storage", "string", "struct", "super", "supports", "switch", "szabo", "this",
    "throw", "true", "try", "type", "typedef", "typeof", "ufixed", "uint", "unchecked", "unicode",
    "using", "var", "view", "virtual", "weeks", "wei", "while", "years",
];

/// Checks that `name` can name a Solidity contract: an identifier that is not a keyword and
/// not an elementary type name (`uint8`, `bytes32`, ...).
pub fn validate_contract_name(name: &str) -> Result<()> {
    let mut chars = name.chars();
    let first_ok =
        matches!(chars.next(), Some(c) if c.is_ascii_alphabetic() || c == '_' || c == '$');
    let rest_ok = chars.all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '$');
    let digits = |s: &str| !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit());
    let elementary = ["uint", "int", "bytes"]
        .iter()
        .any(|prefix| name.strip_prefix(prefix).is_some_and(digits))
        || ["fixed", "ufixed"].iter().any(|prefix| {
            name.strip_prefix(prefix)
                .and_then(|rest| rest.split_once('x'))
                .is_some_and(|(m, n)| digits(m) && digits(n))
        });
    if !first_ok || !rest_ok || elementary || RESERVED.contains(&name) {
        return Err(Error::ContractName(name.to_string()));
    }
    Ok(())
}

/// Generates the verifier contract for `vk`.
///
/// The contract's per-input work (range check, `L += x_i IC[i+1]`) is emitted per input: straight
/// line code for the first [`INLINE_INPUTS`] inputs, one shared Yul function for the others,
/// which trades ~40 gas per verification for ~34 bytes of code (~6,800 deployment gas) per input.
///
/// A key without public inputs (`IC = [IC0]`) gives entry points without the input argument:
/// `verifyProof(uint256[2] a, uint256[2][2] b, uint256[2] c)` and `verify(uint256[8] proof)`
/// (see [`crate::abi::verify_proof_signature`] and [`crate::abi::verify_signature`]).
///
/// The key is re-validated (every point on its curve, G2 points in the prime-order subgroup,
/// at least one IC point) even though the project's parsers already do it, because a
/// `VerifyingKey` can also be built in code, and a bad constant would be baked into bytecode.
pub fn generate(vk: &VerifyingKey, options: &Options) -> Result<String> {
    validate_contract_name(&options.contract_name)?;
    if options.pairing_gas < PAIRING_GAS_4_PAIRS {
        return Err(Error::PairingGas(format!(
            "pairing gas stipend {} is below the precompile's price {PAIRING_GAS_4_PAIRS}: \
             the verifier could never accept a proof",
            options.pairing_gas
        )));
    }
    check_key(vk)?;
    let n = num_public_inputs(vk);
    if n > MAX_PUBLIC_INPUTS {
        return Err(Error::UnsupportedKey(format!(
            "{n} public inputs: the unrolled verifier supports at most {MAX_PUBLIC_INPUTS} \
             (EIP-170 code-size limit)"
        )));
    }

    // The key with beta, gamma, delta negated, in zkagg's EVM word order:
    // alpha (2) | -beta (4) | -gamma (4) | -delta (4) | IC[0..=n] (2 each).
    let negated = VerifyingKey {
        alpha_g1: vk.alpha_g1,
        beta_g2: -vk.beta_g2,
        gamma_g2: -vk.gamma_g2,
        delta_g2: -vk.delta_g2,
        gamma_abc_g1: vk.gamma_abc_g1.clone(),
    };
    let words = verifying_key_to_words(&negated);

    let mut constants = String::new();
    constants.push_str(&format!(
        "    // Verifying key: alpha in G1; -beta, -gamma, -delta in G2 (EIP-197 limb order: c1, \
         c0); IC[0..={n}] in G1.\n"
    ));
    let g2_names = ["X_C1", "X_C0", "Y_C1", "Y_C0"];
    let mut named: Vec<(String, &Word)> =
        vec![("ALPHA_X".into(), &words[0]), ("ALPHA_Y".into(), &words[1])];
    for (k, point) in ["NEG_BETA", "NEG_GAMMA", "NEG_DELTA"].iter().enumerate() {
        for (l, limb) in g2_names.iter().enumerate() {
            named.push((format!("{point}_{limb}"), &words[2 + 4 * k + l]));
        }
    }
    for i in 0..=n {
        named.push((format!("IC{i}_X"), &words[14 + 2 * i]));
        named.push((format!("IC{i}_Y"), &words[15 + 2 * i]));
    }
    for (name, word) in &named {
        constants.push_str(&format!(
            "    uint256 private constant {name} = {};\n",
            word_to_hex(word)
        ));
    }

    // `okInputs`: every public input is below r. A key without public inputs has no input
    // argument at all (`uint256[0]` is not a Solidity type): the entry points take the proof
    // alone and the well-formedness condition is that of the proof.
    let mut input_checks = String::new();
    if n == 0 {
        input_checks.push_str("            // (The key has no public inputs.)");
    } else {
        input_checks.push_str("            let r := R\n            let okInputs := ");
    }
    for i in 0..n {
        let check = format!("lt(calldataload({:#x}), r)", input_offset(i));
        if i == 0 {
            input_checks.push_str(&check);
        } else {
            input_checks.push_str(&format!("\n            okInputs := and(okInputs, {check})"));
        }
    }
    let (input_param, input_doc, well_formed) = if n == 0 {
        (
            String::new(),
            "no public inputs (the key has none)".to_string(),
            "and(okAC, okB)",
        )
    } else {
        (
            format!(",\n        uint256[{n}] calldata /* input */"),
            format!("input = the {n} public inputs"),
            "and(and(okInputs, okAC), okB)",
        )
    };
    // L's multi-scalar multiplication: the first INLINE_INPUTS inputs unrolled (no jumps, the
    // cheapest verification), further inputs through one Yul function (about 40 more gas each,
    // but about 34 fewer bytes of code each, i.e. about 6,800 less deployment gas).
    let mut msm = String::new();
    if n > INLINE_INPUTS {
        msm.push_str(
            "                // mulAcc(x, y, offset): L += input * (x, y), the input read at calldata `offset`.\n\
             \x20               function mulAcc(x, y, offset) {\n\
             \x20                   mstore(0x40, x)\n\
             \x20                   mstore(0x60, y)\n\
             \x20                   mstore(0x80, calldataload(offset))\n\
             \x20                   pop(staticcall(gas(), 0x07, 0x40, 0x60, 0x40, 0x40))\n\
             \x20                   pop(staticcall(gas(), 0x06, 0x00, 0x80, 0x00, 0x40))\n\
             \x20               }\n",
        );
    }
    for i in 0..n {
        let offset = input_offset(i);
        let j = i + 1;
        if i < INLINE_INPUTS {
            msm.push_str(&format!(
                "                mstore(0x40, IC{j}_X)\n\
                 \x20               mstore(0x60, IC{j}_Y)\n\
                 \x20               mstore(0x80, calldataload({offset:#x}))\n\
                 \x20               pop(staticcall(gas(), 0x07, 0x40, 0x60, 0x40, 0x40))\n\
                 \x20               pop(staticcall(gas(), 0x06, 0x00, 0x80, 0x00, 0x40))\n"
            ));
        } else {
            msm.push_str(&format!(
                "                mulAcc(IC{j}_X, IC{j}_Y, {offset:#x})\n"
            ));
        }
    }

    let twist_b = g2::Config::COEFF_B;
    let selector = insufficient_gas_selector();
    let mut selector_word: Word = [0; 32];
    selector_word[..4].copy_from_slice(&selector);
    // A CALL forwards at most all but 1/64 of the gas left after its own cost (EIP-150): with
    // G + G/63 + 1 left, plus a margin for the call's own cost and the few instructions between
    // the check and the call, the pairing receives its whole stipend G.
    let pairing_gas_needed = options.pairing_gas + options.pairing_gas / 63 + 1 + 500;

    let replacements: [(&str, String); 17] = [
        (
            "{{GENERATOR_VERSION}}",
            env!("CARGO_PKG_VERSION").to_string(),
        ),
        ("{{CONTRACT_NAME}}", options.contract_name.clone()),
        ("{{N}}", n.to_string()),
        ("{{VK_HASH}}", vk_hash_hex(vk)),
        ("{{P}}", modulus_hex::<Fq>()),
        ("{{R}}", modulus_hex::<Fr>()),
        ("{{TWIST_B_C0}}", word_to_hex(&field_to_word(&twist_b.c0))),
        ("{{TWIST_B_C1}}", word_to_hex(&field_to_word(&twist_b.c1))),
        ("{{PAIRING_GAS}}", options.pairing_gas.to_string()),
        ("{{PAIRING_GAS_NEEDED}}", pairing_gas_needed.to_string()),
        ("{{INSUFFICIENT_GAS_WORD}}", word_to_hex(&selector_word)),
        ("{{KEY_CONSTANTS}}", constants),
        ("{{INPUT_CHECKS}}", input_checks.trim_end().to_string()),
        ("{{INPUT_PARAM}}", input_param),
        ("{{INPUT_DOC}}", input_doc),
        ("{{WELL_FORMED}}", well_formed.to_string()),
        ("{{MSM}}", msm.trim_end().to_string()),
    ];
    let mut source = TEMPLATE.to_string();
    for (placeholder, value) in &replacements {
        source = source.replace(placeholder, value);
    }
    if let Some(at) = source.find("{{") {
        // A template placeholder without a value: a bug in this crate, not in the caller's key.
        let end = source[at..].find("}}").map_or(source.len(), |e| at + e + 2);
        return Err(Error::UnsupportedKey(format!(
            "internal error: template placeholder {} has no value",
            &source[at..end]
        )));
    }
    Ok(source)
}

/// Parses a verifying key in any of the project's formats (snarkjs `verification_key.json` or
/// arkworks binary, detected) and generates its verifier.
pub fn generate_from_bytes(vk_bytes: &[u8], options: &Options) -> Result<String> {
    generate(&load_verifying_key(vk_bytes)?, options)
}

/// Calldata offset of public input `i` in `verifyProof`/`verify` calls (after the selector
/// and the 8 proof words).
pub const fn input_offset(i: usize) -> usize {
    4 + 32 * (8 + i)
}

/// The 4-byte selector of the contract's `InsufficientGas()` error.
pub fn insufficient_gas_selector() -> [u8; 4] {
    let digest = Keccak256::digest(b"InsufficientGas()");
    [digest[0], digest[1], digest[2], digest[3]]
}

pub(crate) fn modulus_hex<F: PrimeField>() -> String {
    let bytes = ark_ff::BigInteger::to_bytes_be(&F::MODULUS);
    let mut word: Word = [0; 32];
    word[32 - bytes.len()..].copy_from_slice(&bytes);
    word_to_hex(&word)
}

pub(crate) fn check_g1(point: &G1Affine, field: &str) -> Result<()> {
    if !point.is_on_curve() {
        return Err(zkagg_core::Error::NotOnCurve {
            field: field.to_string(),
        }
        .into());
    }
    Ok(())
}

pub(crate) fn check_g2(point: &G2Affine, field: &str) -> Result<()> {
    if !point.is_on_curve() {
        return Err(zkagg_core::Error::NotOnCurve {
            field: field.to_string(),
        }
        .into());
    }
    if !point.is_in_correct_subgroup_assuming_on_curve() {
        return Err(zkagg_core::Error::NotInSubgroup {
            field: field.to_string(),
        }
        .into());
    }
    Ok(())
}

fn check_key(vk: &VerifyingKey) -> Result<()> {
    if vk.gamma_abc_g1.is_empty() {
        return Err(zkagg_core::Error::shape("IC", "must hold at least one point (IC[0])").into());
    }
    check_g1(&vk.alpha_g1, "vk_alpha_1")?;
    check_g2(&vk.beta_g2, "vk_beta_2")?;
    check_g2(&vk.gamma_g2, "vk_gamma_2")?;
    check_g2(&vk.delta_g2, "vk_delta_2")?;
    for (i, point) in vk.gamma_abc_g1.iter().enumerate() {
        check_g1(point, &format!("IC[{i}]"))?;
    }
    // A point at infinity passes these checks (arkworks treats it as on the curve); its EVM
    // encoding is the all-zero words the precompiles read as infinity, so the contract computes
    // with exactly the key's points.
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn contract_names() {
        for ok in ["Groth16Verifier", "_x", "$v", "BatchVerifier2", "uint256x"] {
            assert!(validate_contract_name(ok).is_ok(), "{ok}");
        }
        for bad in [
            "",
            "2x",
            "a-b",
            "contract",
            "uint256",
            "bytes32",
            "fixed128x18",
            "a b",
            "é",
        ] {
            assert!(validate_contract_name(bad).is_err(), "{bad:?}");
        }
    }
}
