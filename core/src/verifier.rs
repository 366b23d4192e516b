//! Native Groth16 verification over BN254 with a prepared key.
//!
//! The check is the Groth16 pairing equation
//! `e(A, B) = e(alpha, beta) * e(L, gamma) * e(C, delta)` with `L = IC[0] + sum_i x_i * IC[i+1]`,
//! evaluated as one multi-Miller loop `e(A, B) * e(-L, gamma) * e(-C, delta) = e(alpha, beta)`
//! and one final exponentiation (the prepared key holds `e(alpha, beta)` and the G2 lines of
//! `-gamma` and `-delta`: [`GrothPairing`]), on the build's pairing engine
//! ([`DefaultEngine`]: arkworks natively, the 29-bit-limb field in wasm). Points reaching this
//! module were validated when parsed (on the curve, G2 in the subgroup); the input count is
//! checked here, so surplus or missing inputs are an error, not a silently different statement.
//!
//! A prepared key also holds the window bases of its input points ([`InputWindows`]): the
//! `IC[i]` are fixed, so their doublings are done once and `L` costs 64 mixed additions per
//! input (plus 30 for the whole sum) instead of a 254-bit scalar multiplication each. The
//! equation checked is unchanged; only how `L` is computed differs.

use ark_ec::short_weierstrass::{Affine, Projective, SWCurveConfig};
use ark_ec::{AdditiveGroup, CurveGroup};
use ark_ff::PrimeField;

use crate::formats::{check_input_count, num_public_inputs};
use crate::pairing::{DefaultEngine, GrothPairing, PairingEngine};
use crate::vk_hash::vk_hash;
use crate::{Error, Fr, Proof, Result, VerifyingKey};

/// G1 on the build's pairing engine: where `L` is formed, so it goes to the pairing as is.
type EngineG1 = <DefaultEngine as PairingEngine>::G1;

/// Bits per window of the input scalars.
const WINDOW_BITS: usize = 4;
/// Windows per scalar: `64 * 4 = 256` bits cover every `Fr` (< 2^254).
const WINDOWS: usize = 256 / WINDOW_BITS;
/// Largest digit of a window.
const MAX_DIGIT: usize = (1 << WINDOW_BITS) - 1;
/// Keys with more inputs than this get no window bases (4 KiB per input; a committed key with
/// thousands of inputs would not use them): they multiply each input point instead.
pub const MAX_WINDOWED_INPUTS: usize = 1024;

/// The window bases of a key's input points `IC[1..]`: for input `i` and window `k`, the affine
/// point `2^(4k) * IC[i+1]`. With `x = sum_k d_k 16^k` (the base-16 digits of `x < r`, exact),
///
/// `sum_i x_i IC[i+1] = sum_i sum_k d_ik 2^(4k) IC[i+1] = sum_{d=1..15} d * S_d`, where `S_d`
/// is the sum of the bases whose digit is `d`.
///
/// [`InputWindows::combine`] adds each base into the bucket of its digit (one mixed addition per
/// non-zero digit) and forms `sum_d d * S_d` with 30 additions (running sums from `d = 15`
/// down). The result is the same group element as the scalar multiplications, so `L` and the
/// pairing equation are unchanged. Preparing costs about one scalar multiplication per input
/// (its 252 doublings), so it pays for itself from the second verification on.
///
/// Generic over the curve model so that the bases live on the pairing engine's G1
/// ([`crate::pairing::PairingEngine::G1`]): arkworks' natively, the 29-bit-limb field in wasm.
#[derive(Clone)]
pub struct InputWindows<C: SWCurveConfig<ScalarField = Fr>> {
    bases: Vec<Affine<C>>,
}

impl<C: SWCurveConfig<ScalarField = Fr>> core::fmt::Debug for InputWindows<C> {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("InputWindows")
            .field("inputs", &(self.bases.len() / WINDOWS))
            .finish()
    }
}

impl<C: SWCurveConfig<ScalarField = Fr>> InputWindows<C> {
    /// The window bases of `points` (`IC[1..]`).
    pub fn new(points: &[Affine<C>]) -> Self {
        let mut projective = Vec::with_capacity(points.len() * WINDOWS);
        for point in points {
            let mut base = Projective::<C>::from(*point);
            for _ in 0..WINDOWS {
                projective.push(base);
                for _ in 0..WINDOW_BITS {
                    base.double_in_place();
                }
            }
        }
        Self {
            bases: Projective::<C>::normalize_batch(&projective),
        }
    }

    /// `sum_i inputs[i] * IC[i+1]` (the caller checked the input count).
    pub fn combine(&self, inputs: &[Fr]) -> Projective<C> {
        let mut buckets = [Projective::<C>::default(); MAX_DIGIT];
        for (x, bases) in inputs.iter().zip(self.bases.chunks_exact(WINDOWS)) {
            let limbs = x.into_bigint().0;
            for (k, base) in bases.iter().enumerate() {
                let bit = k * WINDOW_BITS;
                let digit = ((limbs[bit / 64] >> (bit % 64)) & MAX_DIGIT as u64) as usize;
                if digit != 0 {
                    buckets[digit - 1] += base;
                }
            }
        }
        let (mut running, mut sum) = (Projective::<C>::default(), Projective::<C>::default());
        for bucket in buckets.iter().rev() {
            running += bucket;
            sum += running;
        }
        sum
    }
}

/// A verifying key prepared once for many verifications.
#[derive(Clone, Debug)]
pub struct PreparedVerifier {
    vk: VerifyingKey,
    pairing: GrothPairing<DefaultEngine>,
    /// `IC[0..]` on the engine's G1.
    ic: Vec<Affine<EngineG1>>,
    windows: Option<InputWindows<EngineG1>>,
    vk_hash: [u8; 32],
}

impl PreparedVerifier {
    /// Prepare `vk`: `e(alpha, beta)`, the G2 line coefficients of gamma and delta, and the
    /// window bases of its input points (up to [`MAX_WINDOWED_INPUTS`] inputs).
    pub fn new(vk: &VerifyingKey) -> Result<Self> {
        let mut verifier = Self::one_shot(vk)?;
        let inputs = &verifier.ic[1..];
        if !inputs.is_empty() && inputs.len() <= MAX_WINDOWED_INPUTS {
            verifier.windows = Some(InputWindows::new(inputs));
        }
        Ok(verifier)
    }

    /// Prepare `vk` for a single verification: no window bases (preparing them costs about
    /// what one verification saves).
    pub fn one_shot(vk: &VerifyingKey) -> Result<Self> {
        if vk.gamma_abc_g1.is_empty() {
            return Err(Error::shape("IC", "must hold at least one point (IC[0])"));
        }
        Ok(Self {
            vk: vk.clone(),
            pairing: GrothPairing::new(vk),
            ic: vk.gamma_abc_g1.iter().map(DefaultEngine::g1).collect(),
            windows: None,
            vk_hash: vk_hash(vk),
        })
    }

    /// The key this verifier checks against.
    pub fn verifying_key(&self) -> &VerifyingKey {
        &self.vk
    }

    /// Number of public inputs the key expects.
    pub fn num_public_inputs(&self) -> usize {
        num_public_inputs(&self.vk)
    }

    /// The key's [`crate::vk_hash`].
    pub fn vk_hash(&self) -> [u8; 32] {
        self.vk_hash
    }

    /// `L = IC[0] + sum_i inputs[i] * IC[i+1]` on the engine's G1, from the window bases when
    /// there are some, else one scalar multiplication per input (the caller checked the input
    /// count).
    pub fn input_point(&self, inputs: &[Fr]) -> Projective<EngineG1> {
        let ic = &self.ic;
        let sum = match &self.windows {
            Some(windows) => windows.combine(inputs),
            // One scalar multiplication per input (as ark-groth16 does): an MSM would be
            // faster for many inputs but adds ~16 KB (gzipped) to the wasm verifier.
            None => ic[1..].iter().zip(inputs).map(|(p, x)| *p * x).sum(),
        };
        sum + ic[0]
    }

    /// `Ok(true)` iff the proof is valid for `inputs`; `Ok(false)` for a well-formed but invalid
    /// proof; `Err` when the input count does not match the key.
    pub fn verify(&self, proof: &Proof, inputs: &[Fr]) -> Result<bool> {
        check_input_count(&self.vk, inputs)?;
        Ok(self.pairing.check(proof, &self.input_point(inputs)))
    }
}

/// One-shot verification (prepares the key each time; use [`PreparedVerifier`] for many proofs).
pub fn verify(vk: &VerifyingKey, proof: &Proof, inputs: &[Fr]) -> Result<bool> {
    PreparedVerifier::one_shot(vk)?.verify(proof, inputs)
}

#[cfg(test)]
mod tests {
    use ark_ec::{AffineRepr, CurveGroup};
    use ark_ff::{BigInteger, Field, PrimeField, UniformRand};
    use rand::SeedableRng;

    use super::*;
    use crate::pairing::Limbs29;

    type G1Affine = ark_bn254::G1Affine;
    type G1Projective = ark_bn254::G1Projective;

    /// The window bases give exactly the scalar multiples, on random inputs and the edge
    /// values 0, 1, 2, 16, 2^64 - 1, r - 1, r - 2 and one with every digit 15 below 2^248.
    #[test]
    fn input_windows_equal_scalar_multiplication() {
        let mut rng = rand_chacha::ChaCha20Rng::seed_from_u64(7);
        let bases: Vec<G1Affine> = (0..5)
            .map(|_| G1Projective::rand(&mut rng).into_affine())
            .collect();
        // The same bases on the 29-bit-limb G1 (the wasm verifier's), checked against these.
        let bases29: Vec<_> = bases.iter().map(Limbs29::g1).collect();
        let windows29 = InputWindows::new(&bases29);
        let windows = InputWindows::new(&bases);
        let minus_one = -Fr::ONE;
        let all_fifteen = Fr::from_le_bytes_mod_order(&[0xff; 31]);
        let mut cases: Vec<Vec<Fr>> = vec![
            vec![Fr::ZERO; 5],
            vec![Fr::ONE; 5],
            vec![
                minus_one,
                minus_one - Fr::ONE,
                Fr::from(2u64),
                all_fifteen,
                Fr::ZERO,
            ],
            vec![
                Fr::from(u64::MAX),
                Fr::ONE,
                Fr::ZERO,
                minus_one,
                Fr::from(16u64),
            ],
        ];
        cases.extend((0..20).map(|_| (0..5).map(|_| Fr::rand(&mut rng)).collect()));
        for inputs in cases {
            let want: G1Projective = bases.iter().zip(&inputs).map(|(b, x)| *b * x).sum();
            assert_eq!(windows.combine(&inputs), want, "{inputs:?}");
            assert_eq!(
                windows29.combine(&inputs).into_affine(),
                Limbs29::g1(&want.into_affine()),
                "{inputs:?} on the 29-bit-limb G1"
            );
            // Fewer inputs than bases use the first windows only.
            let want_two: G1Projective = bases[..2].iter().zip(&inputs).map(|(b, x)| *b * x).sum();
            assert_eq!(windows.combine(&inputs[..2]), want_two);
        }
        assert!(Fr::MODULUS.num_bits() <= 256);
        assert!(windows.combine(&[]).into_affine().is_zero());
    }
}
