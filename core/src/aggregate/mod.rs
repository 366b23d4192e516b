//! The aggregate proof: Groth16 with a **committed input block** (LegoGroth16-style), as the
//! decider produces it and a contract (or the wasm verifier) checks it.
//!
//! See `docs/design/decider.md`. The decider's Groth16 key has public inputs
//! `(a_1 .. a_p, w_1 .. w_n)`: `p` *plain* inputs the verifier knows (the decider has exactly
//! one, the statement digest `P`) and a *committed block* `w` the verifier only sees as
//! `D = sum_i w_i IC_{1+p+i}`. The proof carries `pi = sum_i w_i K_i` with `K_i = k IC_{1+p+i}`
//! for a secret `k` of the setup; `e(pi, gamma) = e(D, [k gamma]_2)` shows that `D` lies in the
//! span of the committed bases. Both checks go into one multi-pairing with a Fiat-Shamir
//! challenge `rho`:
//!
//! ```text
//! L   = IC_0 + sum_j a_j IC_j + D
//! rho = keccak256(A, B, C, pi, D, a_1 .. a_p) mod r          (32-byte big-endian words)
//! e(-A, B) e(alpha, beta) e(L + rho pi, gamma) e(C, delta) e(-rho D, [k gamma]_2) = 1
//! ```
//!
//! The words of `rho` are the EVM encodings: a G1 point `x, y`, a G2 point
//! `x.c1, x.c0, y.c1, y.c0` (EIP-197 order), the point at infinity all-zero words, a scalar its
//! canonical integer (`< r`). See [`link_challenge`]. These are exactly the encodings of the
//! aggregate verifier contract and its Rust reference
//! (`zkagg_solidity_verifier::aggregate::reference`; cross-checked in `decider/tests/snark.rs`).
//!
//! For the aggregate ([`AggregateProof`]), `D = C_N + alpha C_f` (the folded commitment of the
//! last fold) and the one plain input is the statement digest [`statement_digest`].
//!
//! Everything here is light (arkworks types, `sha2`, `sha3`): it is used natively and by the
//! wasm verifier.

pub mod encoding;

#[cfg(test)]
mod tests;

use ark_bn254::{Fq, G1Affine, G1Projective, G2Affine};
use ark_ec::{AffineRepr, CurveGroup};
use ark_ff::PrimeField;
use sha2::Sha256;
use sha3::{Digest, Keccak256};

use crate::formats::calldata::{field_to_word, Word};
use crate::formats::check_point;
use crate::pairing::{product_is_one, DefaultEngine};
use crate::{Error, Fr, Result};

/// The verifying key of a Groth16 key with a committed input block (no statement constant).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CommittedVerifyingKey {
    /// `[alpha]_1`.
    pub alpha1: G1Affine,
    /// `[beta]_2`.
    pub beta2: G2Affine,
    /// `[gamma]_2`.
    pub gamma2: G2Affine,
    /// `[delta]_2`.
    pub delta2: G2Affine,
    /// `IC_0` (the constant's input base).
    pub ic0: G1Affine,
    /// `IC_1 .. IC_p`: the bases of the plain inputs.
    pub ic_plain: Vec<G1Affine>,
    /// `[k gamma]_2`: the G2 element of the span proof.
    pub k_gamma2: G2Affine,
}

/// The aggregate verifier's key: the decider's [`CommittedVerifyingKey`] (one plain input, `P`)
/// plus the contract constant `config = Poseidon(pp_digest, z0_digest, vk_hash)`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct AggregateVerifyingKey {
    /// `[alpha]_1`.
    pub alpha1: G1Affine,
    /// `[beta]_2`.
    pub beta2: G2Affine,
    /// `[gamma]_2`.
    pub gamma2: G2Affine,
    /// `[delta]_2`.
    pub delta2: G2Affine,
    /// `IC_0`.
    pub ic0: G1Affine,
    /// `IC_1 ..` for the plain inputs; the decider has exactly one, for `P`.
    pub ic_plain: Vec<G1Affine>,
    /// `[k gamma]_2`.
    pub k_gamma2: G2Affine,
    /// The contract constant hashed first into `P`.
    pub config: Fr,
}

impl AggregateVerifyingKey {
    /// The aggregate key of a committed key and a `config` constant.
    pub fn new(key: CommittedVerifyingKey, config: Fr) -> Self {
        Self {
            alpha1: key.alpha1,
            beta2: key.beta2,
            gamma2: key.gamma2,
            delta2: key.delta2,
            ic0: key.ic0,
            ic_plain: key.ic_plain,
            k_gamma2: key.k_gamma2,
            config,
        }
    }

    /// The committed key (without `config`).
    pub fn committed_key(&self) -> CommittedVerifyingKey {
        CommittedVerifyingKey {
            alpha1: self.alpha1,
            beta2: self.beta2,
            gamma2: self.gamma2,
            delta2: self.delta2,
            ic0: self.ic0,
            ic_plain: self.ic_plain.clone(),
            k_gamma2: self.k_gamma2,
        }
    }
}

/// The Groth16 part of a committed proof: `A, B, C` and the span proof `pi`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct CommittedGroth16Proof {
    /// `A` (G1).
    pub a: G1Affine,
    /// `B` (G2).
    pub b: G2Affine,
    /// `C` (G1).
    pub c: G1Affine,
    /// `pi = sum_i w_i K_i` (G1).
    pub pi: G1Affine,
}

/// What the aggregate proves (outside rollup mode both roots are zero).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default)]
pub struct AggregateStatement {
    /// Number of proofs aggregated.
    pub count: u64,
    /// Root of the statement tree.
    pub statements_root: Fr,
    /// Rollup mode: the state root before the first batch.
    pub old_root: Fr,
    /// Rollup mode: the state root after the last batch.
    pub new_root: Fr,
}

/// One aggregate proof: the decider's Groth16 proof, the span proof, the two commitments whose
/// fold is the committed block, the fold challenge and the statement.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct AggregateProof {
    /// `A`.
    pub a: G1Affine,
    /// `B`.
    pub b: G2Affine,
    /// `C`.
    pub c: G1Affine,
    /// The span proof.
    pub pi: G1Affine,
    /// `C_N`: the running instance's commitment.
    pub c_running: G1Affine,
    /// `C_f`: the last step's fresh commitment.
    pub c_fresh: G1Affine,
    /// The last fold's challenge.
    pub alpha: Fr,
    /// The statement.
    pub statement: AggregateStatement,
}

impl AggregateProof {
    /// The Groth16 part.
    pub fn groth16(&self) -> CommittedGroth16Proof {
        CommittedGroth16Proof {
            a: self.a,
            b: self.b,
            c: self.c,
            pi: self.pi,
        }
    }

    /// The folded commitment `D = C_N + alpha C_f`.
    pub fn folded_commitment(&self) -> G1Affine {
        (self.c_running.into_group() + scalar_mul(&self.c_fresh, &self.alpha)).into_affine()
    }
}

/// `scalar * point`, one out-of-line copy for the verifier's four products (in wasm, arkworks'
/// scalar multiplication inlines its field products at each call site; these run a handful of
/// times per aggregate verification, next to a multi-pairing).
#[inline(never)]
fn scalar_mul(point: &G1Affine, scalar: &Fr) -> G1Projective {
    *point * scalar
}

/// Bits kept of the SHA-256 digest: `P < 2^253 < r`.
pub const DIGEST_BITS: u32 = 253;

fn coordinate_words(point: &G1Affine) -> [Word; 2] {
    match point.xy() {
        Some((x, y)) => [field_to_word::<Fq>(&x), field_to_word::<Fq>(&y)],
        None => [[0; 32]; 2],
    }
}

fn g2_words(point: &G2Affine) -> [Word; 4] {
    match point.xy() {
        Some((x, y)) => [
            field_to_word::<Fq>(&x.c1),
            field_to_word::<Fq>(&x.c0),
            field_to_word::<Fq>(&y.c1),
            field_to_word::<Fq>(&y.c0),
        ],
        None => [[0; 32]; 4],
    }
}

/// The ten 32-byte big-endian words hashed into `P`:
/// `config, count, statements_root, old_root, new_root, C_N.x, C_N.y, C_f.x, C_f.y, alpha`
/// (the point at infinity as `(0, 0)`).
pub fn statement_words(config: &Fr, proof: &AggregateProof) -> [Word; 10] {
    let s = &proof.statement;
    let mut count = [0u8; 32];
    count[24..].copy_from_slice(&s.count.to_be_bytes());
    let [cn_x, cn_y] = coordinate_words(&proof.c_running);
    let [cf_x, cf_y] = coordinate_words(&proof.c_fresh);
    [
        field_to_word(config),
        count,
        field_to_word(&s.statements_root),
        field_to_word(&s.old_root),
        field_to_word(&s.new_root),
        cn_x,
        cn_y,
        cf_x,
        cf_y,
        field_to_word(&proof.alpha),
    ]
}

/// The statement digest `P = sha256(statement_words) mod 2^253`: the decider's one plain input.
pub fn statement_digest(config: &Fr, proof: &AggregateProof) -> Fr {
    let mut hasher = Sha256::new();
    for word in statement_words(config, proof) {
        hasher.update(word);
    }
    let mut digest: [u8; 32] = hasher.finalize().into();
    // Keep the low 253 bits of the big-endian integer.
    digest[0] &= 0x1f;
    Fr::from_be_bytes_mod_order(&digest)
}

/// The Fiat-Shamir challenge `rho = keccak256(A, B, C, pi, D, plain...) mod r` of the combined
/// pairing check (words as in the module documentation).
pub fn link_challenge(proof: &CommittedGroth16Proof, d: &G1Affine, plain: &[Fr]) -> Fr {
    let mut hasher = Keccak256::new();
    for w in coordinate_words(&proof.a) {
        hasher.update(w);
    }
    for w in g2_words(&proof.b) {
        hasher.update(w);
    }
    for p in [&proof.c, &proof.pi, d] {
        for w in coordinate_words(p) {
            hasher.update(w);
        }
    }
    for x in plain {
        hasher.update(field_to_word(x));
    }
    let digest: [u8; 32] = hasher.finalize().into();
    Fr::from_be_bytes_mod_order(&digest)
}

impl CommittedVerifyingKey {
    /// Every point on its curve and in the prime-order subgroup.
    pub fn validate(&self) -> Result<()> {
        check_point(&self.alpha1, "alpha1")?;
        check_point(&self.beta2, "beta2")?;
        check_point(&self.gamma2, "gamma2")?;
        check_point(&self.delta2, "delta2")?;
        check_point(&self.ic0, "ic0")?;
        for (i, p) in self.ic_plain.iter().enumerate() {
            check_point(p, &format!("ic_plain[{i}]"))?;
        }
        check_point(&self.k_gamma2, "k_gamma2")
    }
}

impl CommittedGroth16Proof {
    /// Every point on its curve and in the prime-order subgroup (`Err` naming it otherwise).
    pub fn validate(&self) -> Result<()> {
        check_point(&self.a, "a")?;
        check_point(&self.b, "b")?;
        check_point(&self.c, "c")?;
        check_point(&self.pi, "pi")
    }

    /// Whether one of `A, B, C, pi` is the point at infinity (never in an honest proof; such a
    /// proof is rejected).
    pub fn has_identity(&self) -> bool {
        self.a.is_zero() || self.b.is_zero() || self.c.is_zero() || self.pi.is_zero()
    }
}

/// Verify a committed proof for the committed point `d` and the plain inputs `plain`.
///
/// `Ok(true)` iff the combined pairing check holds; `Ok(false)` for a well-formed proof that
/// fails (including `A`, `B`, `C` or `pi` at infinity); `Err` for points off the curve or outside
/// the subgroup and for a wrong number of plain inputs.
pub fn verify_committed(
    vk: &CommittedVerifyingKey,
    d: &G1Affine,
    plain: &[Fr],
    proof: &CommittedGroth16Proof,
) -> Result<bool> {
    if plain.len() != vk.ic_plain.len() {
        return Err(Error::InputCount {
            expected: vk.ic_plain.len(),
            got: plain.len(),
        });
    }
    vk.validate()?;
    proof.validate()?;
    check_point(d, "d")?;
    if proof.has_identity() {
        return Ok(false);
    }
    let rho = link_challenge(proof, d, plain);
    let mut l: G1Projective = vk.ic0.into_group() + d;
    for (x, base) in plain.iter().zip(&vk.ic_plain) {
        l += scalar_mul(base, x);
    }
    let g1 = [
        (-proof.a.into_group()).into_affine(),
        vk.alpha1,
        (l + scalar_mul(&proof.pi, &rho)).into_affine(),
        proof.c,
        scalar_mul(d, &-rho).into_affine(),
    ];
    let g2 = [proof.b, vk.beta2, vk.gamma2, vk.delta2, vk.k_gamma2];
    Ok(product_is_one::<DefaultEngine>(&g1, &g2))
}

/// Verify an aggregate proof: `D = C_N + alpha C_f`, `P` = [`statement_digest`], then
/// [`verify_committed`] with the one plain input `P`.
pub fn verify_aggregate(vk: &AggregateVerifyingKey, proof: &AggregateProof) -> Result<bool> {
    check_point(&proof.c_running, "c_running")?;
    check_point(&proof.c_fresh, "c_fresh")?;
    let p = statement_digest(&vk.config, proof);
    verify_committed(
        &vk.committed_key(),
        &proof.folded_commitment(),
        &[p],
        &proof.groth16(),
    )
}

/// `sum_i values_i bases_i` (a plain MSM; the committed point `D` of a committed block).
/// `Err` when the lengths differ.
pub fn commit(bases: &[G1Affine], values: &[Fr]) -> Result<G1Affine> {
    use ark_ec::VariableBaseMSM;
    G1Projective::msm(bases, values)
        .map(|p| p.into_affine())
        .map_err(|_| Error::InputCount {
            expected: bases.len(),
            got: values.len(),
        })
}
