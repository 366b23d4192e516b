//! The aggregate verifier and rollup contracts from [`AggregateVerifierParams`].
//!
//! Templates `contracts/AggregateVerifier.sol.tmpl` and `contracts/AggregateRollup.sol.tmpl`
//! (this project's own). The verifier checks the decider's one pairing equation (see
//! [`mod@super::reference`] for the exact encodings) in ONE 5-pair call to the pairing precompile:
//!
//! ```text
//! e(A, B) e(alpha1, -beta2) e(L + rho pi, -gamma2) e(C, -delta2) e(rho D, [k gamma]_2) == 1
//! ```
//!
//! the inverse of the design's `e(-A, B) e(alpha1, beta2) e(L + rho pi, gamma2) e(C, delta2)
//! e(-rho D, [k gamma]_2) == 1`, with `beta2`, `gamma2`, `delta2` negated here, once: the
//! contract negates nothing (`-rho D` becomes `rho D`, and `A, B, C` are copied from calldata as
//! they are). The rollup contract inherits the verifier (one contract: no cross-contract call,
//! no cold account access, no calldata copy into memory), so one generated file holds both.

use ark_bn254::{g2, Fr, G1Affine, G2Affine};
use ark_ec::short_weierstrass::SWCurveConfig;
use ark_ec::AffineRepr;
use zkagg_core::formats::calldata::{field_to_word, word_to_hex, Word};

use super::reference::DIGEST_BITS;
use super::AggregateVerifierParams;
use crate::abi::{g1_to_words, g2_to_words};
use crate::generator::{
    check_g1, check_g2, insufficient_gas_selector, modulus_hex, validate_contract_name,
};
use crate::{Error, Result};

/// The verifier template.
pub const VERIFIER_TEMPLATE: &str = include_str!("../../contracts/AggregateVerifier.sol.tmpl");

/// The rollup template (appended to the verifier's source).
pub const ROLLUP_TEMPLATE: &str = include_str!("../../contracts/AggregateRollup.sol.tmpl");

/// Default name of the generated verifier contract.
pub const DEFAULT_AGGREGATE_CONTRACT_NAME: &str = "AggregateVerifier";

/// Default name of the generated rollup contract.
pub const DEFAULT_ROLLUP_CONTRACT_NAME: &str = "AggregateRollup";

/// Gas of one 5-pair call to the pairing precompile (EIP-1108): `45,000 + 34,000 * 5`.
pub const PAIRING_GAS_5_PAIRS: u64 = 45_000 + 5 * 34_000;

/// Default pairing stipend: twice today's price, as for the Groth16 verifier
/// ([`crate::generator::DEFAULT_PAIRING_GAS`]): deployed contracts survive a repricing up to 2x.
pub const DEFAULT_AGGREGATE_PAIRING_GAS: u64 = 2 * PAIRING_GAS_5_PAIRS;

/// How to generate the aggregate contracts.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct AggregateOptions {
    /// Name of the verifier contract (a Solidity identifier).
    pub contract_name: String,
    /// Name of the rollup contract ([`generate_aggregate_rollup`] only).
    pub rollup_name: String,
    /// Gas stipend of the pairing call; at least [`PAIRING_GAS_5_PAIRS`].
    pub pairing_gas: u64,
}

impl Default for AggregateOptions {
    fn default() -> Self {
        Self {
            contract_name: DEFAULT_AGGREGATE_CONTRACT_NAME.to_string(),
            rollup_name: DEFAULT_ROLLUP_CONTRACT_NAME.to_string(),
            pairing_gas: DEFAULT_AGGREGATE_PAIRING_GAS,
        }
    }
}

impl AggregateOptions {
    /// Default options with other contract names.
    pub fn named(contract_name: impl Into<String>, rollup_name: impl Into<String>) -> Self {
        Self {
            contract_name: contract_name.into(),
            rollup_name: rollup_name.into(),
            ..Self::default()
        }
    }
}

impl AggregateVerifierParams {
    /// Checks the points before they become constants: every point on its curve, G2 points in
    /// the prime-order subgroup, and none at infinity (a real decider key has none; with one,
    /// e.g. `[k gamma]_2 = 0` or `IC_1 = 0`, the checks the contract makes would prove nothing).
    pub fn validate(&self) -> Result<()> {
        let g1: [(&G1Affine, &str); 3] = [
            (&self.alpha1, "alpha1"),
            (&self.ic0, "ic0"),
            (&self.ic1, "ic1"),
        ];
        for (point, field) in g1 {
            check_g1(point, field)?;
            if point.is_zero() {
                return Err(Error::UnsupportedKey(format!(
                    "{field} is the point at infinity"
                )));
            }
        }
        let g2: [(&G2Affine, &str); 4] = [
            (&self.beta2, "beta2"),
            (&self.gamma2, "gamma2"),
            (&self.delta2, "delta2"),
            (&self.k_gamma2, "k_gamma2"),
        ];
        for (point, field) in g2 {
            check_g2(point, field)?;
            if point.is_zero() {
                return Err(Error::UnsupportedKey(format!(
                    "{field} is the point at infinity"
                )));
            }
        }
        Ok(())
    }
}

/// Generates the aggregate verifier contract (`verifyAggregate(...)`, `CONFIG()`), named
/// `options.contract_name`, for `params` (validated first, see
/// [`AggregateVerifierParams::validate`]).
pub fn generate_aggregate_verifier(
    params: &AggregateVerifierParams,
    options: &AggregateOptions,
) -> Result<String> {
    validate_contract_name(&options.contract_name)?;
    if options.pairing_gas < PAIRING_GAS_5_PAIRS {
        return Err(Error::PairingGas(format!(
            "pairing gas stipend {} is below the 5-pair precompile price {PAIRING_GAS_5_PAIRS}: \
             the verifier could never accept a proof",
            options.pairing_gas
        )));
    }
    params.validate()?;

    // alpha1 | -beta2 | -gamma2 | -delta2 | [k gamma]_2 | IC0 | IC1, as EVM words.
    let mut named: Vec<(String, Word)> = Vec::new();
    let [ax, ay] = g1_to_words(&params.alpha1);
    named.push(("ALPHA_X".into(), ax));
    named.push(("ALPHA_Y".into(), ay));
    let limbs = ["X_C1", "X_C0", "Y_C1", "Y_C0"];
    for (name, point) in [
        ("NEG_BETA", -params.beta2),
        ("NEG_GAMMA", -params.gamma2),
        ("NEG_DELTA", -params.delta2),
        ("K_GAMMA", params.k_gamma2),
    ] {
        for (limb, word) in limbs.iter().zip(g2_to_words(&point)) {
            named.push((format!("{name}_{limb}"), word));
        }
    }
    for (name, point) in [("IC0", &params.ic0), ("IC1", &params.ic1)] {
        let [x, y] = g1_to_words(point);
        named.push((format!("{name}_X"), x));
        named.push((format!("{name}_Y"), y));
    }
    let mut constants = String::from(
        "    // Decider key: alpha1 in G1; -beta2, -gamma2, -delta2 and [k gamma]_2 in G2 (EIP-197 \
         limb order: c1, c0);\n    // IC0 and IC1 (the base of the statement digest P) in G1.\n",
    );
    for (name, word) in &named {
        constants.push_str(&format!(
            "    uint256 private constant {name} = {};\n",
            word_to_hex(word)
        ));
    }

    let twist_b = g2::Config::COEFF_B;
    let mut selector_word: Word = [0; 32];
    selector_word[..4].copy_from_slice(&insufficient_gas_selector());
    let mut mask: Word = [0xff; 32];
    mask[0] = 0xff >> (256 - DIGEST_BITS);
    // As in the Groth16 verifier: with G + G/63 + 1 left (EIP-150), plus a margin for the call's
    // own cost and the instructions between the check and the call, the pairing gets all of G.
    let pairing_gas_needed = options.pairing_gas + options.pairing_gas / 63 + 1 + 500;

    let replacements: [(&str, String); 12] = [
        (
            "{{GENERATOR_VERSION}}",
            env!("CARGO_PKG_VERSION").to_string(),
        ),
        ("{{CONTRACT_NAME}}", options.contract_name.clone()),
        (
            "{{CONFIG}}",
            word_to_hex(&field_to_word::<Fr>(&params.config)),
        ),
        ("{{P}}", modulus_hex::<ark_bn254::Fq>()),
        ("{{R}}", modulus_hex::<Fr>()),
        ("{{TWIST_B_C0}}", word_to_hex(&field_to_word(&twist_b.c0))),
        ("{{TWIST_B_C1}}", word_to_hex(&field_to_word(&twist_b.c1))),
        ("{{DIGEST_MASK}}", word_to_hex(&mask)),
        ("{{PAIRING_GAS}}", options.pairing_gas.to_string()),
        ("{{PAIRING_GAS_NEEDED}}", pairing_gas_needed.to_string()),
        ("{{INSUFFICIENT_GAS_WORD}}", word_to_hex(&selector_word)),
        ("{{KEY_CONSTANTS}}", constants),
    ];
    fill(VERIFIER_TEMPLATE, &replacements)
}

/// Generates one Solidity file with the verifier ([`generate_aggregate_verifier`]) and the
/// example rollup contract `options.rollup_name`, which inherits it: `constructor(uint256
/// genesisRoot)`, `root()`, `settle(...)` (verifyAggregate's arguments), event
/// `Settled(uint256 oldRoot, uint256 newRoot, uint256 count, uint256 statementsRoot)`, errors
/// `StaleRoot(uint256 currentRoot, uint256 oldRoot)`, `EmptyAggregate()`,
/// `RootUnchanged(uint256 root)`, `InvalidProof()`, `GenesisRootNotInField()`.
pub fn generate_aggregate_rollup(
    params: &AggregateVerifierParams,
    options: &AggregateOptions,
) -> Result<String> {
    validate_contract_name(&options.rollup_name)?;
    if options.rollup_name == options.contract_name {
        return Err(Error::ContractName(format!(
            "{} (the rollup and the verifier need different names)",
            options.rollup_name
        )));
    }
    let mut source = generate_aggregate_verifier(params, options)?;
    source.push_str(&fill(
        ROLLUP_TEMPLATE,
        &[
            ("{{CONTRACT_NAME}}", options.contract_name.clone()),
            ("{{ROLLUP_NAME}}", options.rollup_name.clone()),
        ],
    )?);
    Ok(source)
}

fn fill(template: &str, replacements: &[(&str, String)]) -> Result<String> {
    let mut source = template.to_string();
    for (placeholder, value) in replacements {
        source = source.replace(placeholder, value);
    }
    if let Some(at) = source.find("{{") {
        let end = source[at..].find("}}").map_or(source.len(), |e| at + e + 2);
        return Err(Error::UnsupportedKey(format!(
            "internal error: template placeholder {} has no value",
            &source[at..end]
        )));
    }
    Ok(source)
}
