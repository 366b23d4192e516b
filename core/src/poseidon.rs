//! # Poseidon over BN254's scalar field: the one hash of the batch statement
//!
//! Every hash inside the rollup batch circuit (account leaves, Merkle nodes, transactions and the
//! transaction-commitment chain) is this single, fixed Poseidon instantiation. It is computed
//! natively by [`permute`] / [`hash`] and in-circuit by [`permute_var`] / [`hash_var`]; the two
//! implement the same function (tested on random inputs and on zero).
//!
//! ## Instantiation
//!
//! | parameter        | value                                                               |
//! |------------------|---------------------------------------------------------------------|
//! | field            | BN254 scalar field `Fr` (254-bit prime)                             |
//! | width `t`        | 3 (rate 2, capacity 1; the capacity element is `state[0]`)          |
//! | S-box            | `x^5` (5 is coprime to `r - 1`, so `x -> x^5` is a permutation)     |
//! | rounds           | 8 full (4 before, 4 after the partial rounds) and 57 partial        |
//! | constants, MDS   | `find_poseidon_ark_and_mds::<Fr>(254, 2, 8, 57, 0)` of arkworks      |
//!
//! The round constants and the Cauchy MDS matrix come from the Grain LFSR of the Poseidon paper
//! (Grassi, Khovratovich, Rechberger, Roy, Schofnegger, USENIX Security 2021, appendix F), as
//! implemented by `ark_crypto_primitives::sponge::poseidon::find_poseidon_ark_and_mds`; they are
//! computed once per process and cached ([`std::sync::OnceLock`]). `R_F = 8, R_P = 57` are the
//! paper's recommended round numbers for `t = 3`, `alpha = 5` at the 128-bit security level over
//! a 254-bit field.
//!
//! Each round `r` (0-based, 65 in all) is: add the round constants `ark[r]` to the three state
//! elements, apply the S-box to all three elements (full rounds: `r < 4` or `r >= 61`) or to
//! `state[0]` only (partial rounds), then multiply the state by the MDS matrix. This is exactly
//! the permutation of arkworks' `PoseidonSponge` with the same parameters (checked by a test), but
//! the code here is our own.
//!
//! ## Hash: 2-to-1 compression with domain separation
//!
//! `hash(tag, a, b) = permute([tag, a, b])[1]`: the two inputs fill the rate, the capacity
//! element carries a [`Domain`] tag, and the first rate element of the output is the digest. A
//! different tag gives an unrelated function, so a leaf can never be confused with an inner node,
//! a transaction hash or a chain link (no cross-domain collisions by reinterpretation). Tag 0 is
//! reserved: `hash` with tag 0 equals arkworks' sponge absorbing `[a, b]` and squeezing one
//! element, which we do not want to coincide with any of our domains.
//!
//! ## Cost in R1CS
//!
//! The linear layers (round constants, MDS) are free linear combinations; each S-box costs 3
//! constraints (`x2 = x*x`, `x4 = x2*x2`, `x5 = x4*x`). One permutation is therefore at most
//! `3 * (8*3 + 57) = 243` constraints, fewer when some state elements are constants (a constant
//! tag saves the first S-box of `state[0]`).

use std::sync::OnceLock;

use ark_crypto_primitives::sponge::poseidon::find_poseidon_ark_and_mds;
use ark_ff::{AdditiveGroup, PrimeField};
use ark_r1cs_std::fields::{fp::FpVar, FieldVar};
use ark_relations::gr1cs::SynthesisError;

use crate::Fr;

/// State width `t` of the permutation (rate + capacity).
pub const WIDTH: usize = 3;
/// Rate: field elements absorbed per permutation.
pub const RATE: usize = 2;
/// Capacity: field elements never directly written by input (here: the domain tag).
pub const CAPACITY: usize = 1;
/// Number of full rounds (half before, half after the partial rounds).
pub const FULL_ROUNDS: usize = 8;
/// Number of partial rounds (S-box on `state[0]` only).
pub const PARTIAL_ROUNDS: usize = 57;
/// The S-box exponent: `x -> x^ALPHA`.
pub const ALPHA: u64 = 5;

/// Domain-separation tags, placed in the capacity element by [`hash`] / [`hash_var`].
///
/// The values are part of the batch statement (changing one changes every root and commitment):
/// `Leaf = 1`, `Node = 2`, `Tx = 3`, `Chain = 4`; the aggregate's statement tree
/// ([`crate::statements`]) uses `StatementLeaf = 5` and `StatementNode = 6`. Tag 0 is
/// deliberately unused (see the module documentation).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Domain {
    /// An account leaf: `hash(Leaf, owner, balance + nonce * 2^64)`.
    Leaf = 1,
    /// An inner Merkle node: `hash(Node, left, right)`.
    Node = 2,
    /// A transfer: `hash(Tx, from + to * 2^32, amount + nonce * 2^64)`.
    Tx = 3,
    /// A link of the transaction-commitment chain: `c_{i+1} = hash(Chain, c_i, tx_hash_i)`.
    Chain = 4,
    /// A leaf of the aggregate's statement tree: [`sponge`] over `vk_hash` and one proof's
    /// public inputs ([`crate::statements::statement_leaf`]).
    StatementLeaf = 5,
    /// An inner node of the aggregate's statement tree: `hash(StatementNode, left, right)`.
    StatementNode = 6,
}

impl Domain {
    /// The tag as a field element (the value of the capacity element before permuting).
    pub fn tag(self) -> Fr {
        Fr::from(self as u64)
    }
}

/// The fixed round constants and MDS matrix of this instantiation.
#[derive(Debug)]
struct Constants {
    /// `ark[r][i]`: constant added to `state[i]` at the start of round `r`.
    ark: Vec<[Fr; WIDTH]>,
    /// `mds[i][j]`: the new `state[i]` is `sum_j mds[i][j] * state[j]`.
    mds: [[Fr; WIDTH]; WIDTH],
}

/// The cached constants (generated on first use).
fn constants() -> &'static Constants {
    static CONSTANTS: OnceLock<Constants> = OnceLock::new();
    CONSTANTS.get_or_init(|| {
        let (ark, mds) = find_poseidon_ark_and_mds::<Fr>(
            u64::from(Fr::MODULUS_BIT_SIZE),
            RATE,
            FULL_ROUNDS as u64,
            PARTIAL_ROUNDS as u64,
            0,
        );
        // `find_poseidon_ark_and_mds` returns exactly `FULL_ROUNDS + PARTIAL_ROUNDS` rows of
        // `RATE + 1 = WIDTH` constants and a `WIDTH x WIDTH` matrix; a missing entry (impossible
        // for these fixed arguments, see the tests) would read as zero rather than panic.
        let row = |v: &[Fr]| -> [Fr; WIDTH] {
            core::array::from_fn(|i| v.get(i).copied().unwrap_or_default())
        };
        Constants {
            ark: ark.iter().map(|r| row(r)).collect(),
            mds: core::array::from_fn(|i| row(mds.get(i).map(Vec::as_slice).unwrap_or(&[]))),
        }
    })
}

/// Is round `r` (0-based) a full round?
fn is_full_round(r: usize) -> bool {
    !(FULL_ROUNDS / 2..FULL_ROUNDS / 2 + PARTIAL_ROUNDS).contains(&r)
}

/// One field product for the native permutation. In wasm it stays a call (`inline(never)`):
/// arkworks' product inlines to about 2.6 KB of wasm there, and the permutation's products
/// (S-boxes and matrix, 12 to 18 a round) inlined one copy each: 14 KB of the verifier's
/// download (docs/BENCHMARKS.md) for a hash it runs a few dozen times. Natively it inlines as
/// before.
#[cfg_attr(target_arch = "wasm32", inline(never))]
fn product(a: &Fr, b: &Fr) -> Fr {
    *a * b
}

/// The S-box `x^5`, natively.
fn sbox(x: Fr) -> Fr {
    let x2 = product(&x, &x);
    product(&product(&x2, &x2), &x)
}

/// The Poseidon permutation of `[capacity, rate0, rate1]`, natively.
///
/// This is a bijection of `Fr^3` (every layer is invertible: constant addition, `x^5` with
/// `gcd(5, r-1) = 1`, and an invertible MDS matrix).
pub fn permute(mut state: [Fr; WIDTH]) -> [Fr; WIDTH] {
    let c = constants();
    for (r, rc) in c.ark.iter().enumerate() {
        for (s, k) in state.iter_mut().zip(rc) {
            *s += k;
        }
        if is_full_round(r) {
            for s in state.iter_mut() {
                *s = sbox(*s);
            }
        } else {
            state[0] = sbox(state[0]);
        }
        let [s0, s1, s2] = state;
        state = core::array::from_fn(|i| {
            let m = &c.mds[i];
            product(&m[0], &s0) + product(&m[1], &s1) + product(&m[2], &s2)
        });
    }
    state
}

/// The 2-to-1 compression `hash(tag, a, b) = permute([tag, a, b])[1]`, natively.
///
/// Security rests on Poseidon being a good permutation: finding two different `(a, b)` with the
/// same digest in one domain, or a digest shared across domains, is a collision search on a
/// 254-bit output from a 508-bit input with a 254-bit capacity, believed to cost about 2^127.
pub fn hash(domain: Domain, a: Fr, b: Fr) -> Fr {
    permute([domain.tag(), a, b])[1]
}

/// The S-box `x^5` in-circuit: 3 multiplication constraints when `x` is a variable, none when it
/// is a constant.
/// A duplex-sponge hash of a list: the state starts as `[tag, 0, 0]`; the inputs are absorbed two
/// at a time (added to the rate, then the state is permuted; an odd last element is padded with
/// zero); one final permutation squeezes `state[1]`.
///
/// This is exactly the in-circuit `Transcript` of `zkagg-circuit-verifier` (capacity `tag`,
/// absorb all, squeeze once), so values computed here match the step circuits. Padding is
/// unambiguous only for a fixed input length: callers hash lists whose length is fixed by the
/// context (e.g. a verifying key's input count, itself bound by `vk_hash`).
pub fn sponge(domain: Domain, inputs: &[Fr]) -> Fr {
    let mut state = [domain.tag(), Fr::ZERO, Fr::ZERO];
    for pair in inputs.chunks(RATE) {
        state[1] += pair.first().copied().unwrap_or_default();
        state[2] += pair.get(1).copied().unwrap_or_default();
        state = permute(state);
    }
    permute(state)[1]
}

fn sbox_var(x: &FpVar<Fr>) -> Result<FpVar<Fr>, SynthesisError> {
    let x2 = x.square()?;
    let x4 = x2.square()?;
    Ok(x4 * x)
}

/// The Poseidon permutation as an R1CS gadget; agrees with [`permute`] on every input.
///
/// Round-constant addition and the MDS multiplication are linear combinations with constant
/// coefficients (no constraints); each S-box is enforced by three constraints
/// `x*x = x2, x2*x2 = x4, x4*x = x5` over fresh witnesses, so the output variables are fully
/// determined by the inputs (no free witness: a prover cannot choose another output).
pub fn permute_var(state: &[FpVar<Fr>; WIDTH]) -> Result<[FpVar<Fr>; WIDTH], SynthesisError> {
    let c = constants();
    let mut state = state.clone();
    for (r, rc) in c.ark.iter().enumerate() {
        for (s, k) in state.iter_mut().zip(rc) {
            *s += *k;
        }
        if is_full_round(r) {
            for s in state.iter_mut() {
                *s = sbox_var(s)?;
            }
        } else {
            state[0] = sbox_var(&state[0])?;
        }
        let [s0, s1, s2] = &state;
        state = core::array::from_fn(|i| {
            let m = &c.mds[i];
            s0 * m[0] + s1 * m[1] + s2 * m[2]
        });
    }
    Ok(state)
}

/// The 2-to-1 compression `permute_var([tag, a, b])[1]` in-circuit; agrees with [`hash`].
///
/// The tag is a constant of the circuit, so a prover cannot switch domains.
pub fn hash_var(domain: Domain, a: &FpVar<Fr>, b: &FpVar<Fr>) -> Result<FpVar<Fr>, SynthesisError> {
    let [_, out, _] = permute_var(&[FpVar::constant(domain.tag()), a.clone(), b.clone()])?;
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use ark_crypto_primitives::sponge::{
        poseidon::{PoseidonConfig, PoseidonSponge},
        CryptographicSponge,
    };
    use ark_r1cs_std::{alloc::AllocVar, eq::EqGadget, GR1CSVar};
    use ark_relations::gr1cs::ConstraintSystem;
    use ark_std::UniformRand;
    use rand::SeedableRng;
    use rand_chacha::ChaCha20Rng;

    #[test]
    fn constants_have_the_documented_shape() {
        let (ark, mds) = find_poseidon_ark_and_mds::<Fr>(254, 2, 8, 57, 0);
        assert_eq!(ark.len(), FULL_ROUNDS + PARTIAL_ROUNDS);
        assert!(ark.iter().all(|r| r.len() == WIDTH));
        assert_eq!(mds.len(), WIDTH);
        assert!(mds.iter().all(|r| r.len() == WIDTH));
        let c = constants();
        for (r, row) in ark.iter().enumerate() {
            assert_eq!(&c.ark[r][..], &row[..]);
        }
        for (i, row) in mds.iter().enumerate() {
            assert_eq!(&c.mds[i][..], &row[..]);
        }
        // The MDS matrix must be invertible for the permutation to be a bijection.
        let m = c.mds;
        let det = m[0][0] * (m[1][1] * m[2][2] - m[1][2] * m[2][1])
            - m[0][1] * (m[1][0] * m[2][2] - m[1][2] * m[2][0])
            + m[0][2] * (m[1][0] * m[2][1] - m[1][1] * m[2][0]);
        assert_ne!(det, Fr::from(0u64));
    }

    /// Our permutation equals arkworks' sponge permutation with the same parameters: with the
    /// capacity set to `tag`, absorbing `[a, b]` and squeezing one element yields
    /// `permute([tag, a, b])[1]`.
    #[test]
    fn matches_arkworks_sponge() {
        let (ark, mds) = find_poseidon_ark_and_mds::<Fr>(254, 2, 8, 57, 0);
        let config = PoseidonConfig::new(8, 57, 5, mds, ark, 2, 1);
        let mut rng = ChaCha20Rng::seed_from_u64(1);
        for tag in [0u64, 1, 2, 3, 4] {
            let (a, b) = (Fr::rand(&mut rng), Fr::rand(&mut rng));
            let mut sponge = PoseidonSponge::new(&config);
            sponge.state[0] = Fr::from(tag);
            sponge.absorb(&vec![a, b]);
            let out: Vec<Fr> = sponge.squeeze_field_elements(1);
            assert_eq!(out[0], permute([Fr::from(tag), a, b])[1]);
        }
    }

    #[test]
    fn native_and_gadget_agree() {
        let mut rng = ChaCha20Rng::seed_from_u64(2);
        let zero = Fr::from(0u64);
        let mut inputs = vec![[zero; 3]];
        for _ in 0..4 {
            inputs.push([Fr::rand(&mut rng), Fr::rand(&mut rng), Fr::rand(&mut rng)]);
        }
        for input in inputs {
            let cs = ConstraintSystem::<Fr>::new_ref();
            let vars: [FpVar<Fr>; 3] =
                core::array::from_fn(|i| FpVar::new_witness(cs.clone(), || Ok(input[i])).unwrap());
            let out = permute_var(&vars).unwrap();
            let expected = permute(input);
            for i in 0..3 {
                assert_eq!(out[i].value().unwrap(), expected[i]);
            }
            assert!(cs.is_satisfied().unwrap());
            // 3 constraints per S-box: 8 full rounds of 3, 57 partial rounds of 1.
            assert_eq!(cs.num_constraints(), 3 * (8 * 3 + 57));
        }
        for domain in [Domain::Leaf, Domain::Node, Domain::Tx, Domain::Chain] {
            for (a, b) in [(zero, zero), (Fr::rand(&mut rng), Fr::rand(&mut rng))] {
                let cs = ConstraintSystem::<Fr>::new_ref();
                let av = FpVar::new_witness(cs.clone(), || Ok(a)).unwrap();
                let bv = FpVar::new_witness(cs.clone(), || Ok(b)).unwrap();
                let h = hash_var(domain, &av, &bv).unwrap();
                assert_eq!(h.value().unwrap(), hash(domain, a, b));
                assert!(cs.is_satisfied().unwrap());
                // The constant tag makes the first S-box of state[0] free.
                assert_eq!(cs.num_constraints(), 3 * (8 * 3 + 57) - 3);
            }
        }
    }

    #[test]
    fn gadget_rejects_a_wrong_sbox_witness() {
        let cs = ConstraintSystem::<Fr>::new_ref();
        let a = FpVar::new_witness(cs.clone(), || Ok(Fr::from(7u64))).unwrap();
        let b = FpVar::new_witness(cs.clone(), || Ok(Fr::from(9u64))).unwrap();
        let h = hash_var(Domain::Node, &a, &b).unwrap();
        let claimed = FpVar::new_input(cs.clone(), || {
            Ok(hash(Domain::Node, a.value().unwrap(), Fr::from(8u64)))
        })
        .unwrap();
        h.enforce_equal(&claimed).unwrap();
        assert!(!cs.is_satisfied().unwrap());
    }

    #[test]
    fn domains_separate() {
        let (a, b) = (Fr::from(1u64), Fr::from(2u64));
        let ds = [Domain::Leaf, Domain::Node, Domain::Tx, Domain::Chain];
        for (i, x) in ds.iter().enumerate() {
            for y in &ds[i + 1..] {
                assert_ne!(hash(*x, a, b), hash(*y, a, b));
            }
        }
        assert_ne!(hash(Domain::Node, a, b), hash(Domain::Node, b, a));
    }
}
