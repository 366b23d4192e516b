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
//! `IC[i]` are fixed, so their doublings are done once and `L` costs about `255 / c` additions
//! per input for signed `c`-bit window digits (64 with the 4-bit windows of small keys, 32 with
//! the 8-bit windows of a 64-input key) plus `2^c` for the whole sum, instead of a 254-bit
//! scalar multiplication each; the additions are batch-affine ([`GroupSums`]: about six field
//! products each instead of eleven). A key prepared for one verification has no window bases
//! and sums its inputs by the bucket method over all windows at once (`variable_base`), or by
//! scalar multiplications for a few inputs. The equation checked is unchanged; only how `L` is
//! computed differs.

use ark_ec::short_weierstrass::{Affine, Projective, SWCurveConfig};
use ark_ec::{AdditiveGroup, CurveGroup};
use ark_ff::PrimeField;

mod variable_base;

use crate::formats::{check_input_count, num_public_inputs};
use crate::group_sums::{sort_into_groups, GroupSums};
use crate::pairing::{DefaultEngine, GrothPairing, PairingEngine};
use crate::vk_hash::vk_hash;
use crate::{Error, Fr, Proof, Result, VerifyingKey};

/// G1 on the build's pairing engine: where `L` is formed, so it goes to the pairing as is.
type EngineG1 = <DefaultEngine as PairingEngine>::G1;

/// Bits of an input scalar: every `Fr` is below `r < 2^254`.
const SCALAR_BITS: usize = 254;
/// The window widths a key may get ([`window_bits`] picks one by its input count).
const WINDOW_BITS_RANGE: core::ops::RangeInclusive<usize> = 3..=9;
/// Keys with more inputs than this get no window bases (`ceil(255 / c)` affine points per
/// input, 2-6 KiB; a committed key with thousands of inputs would not use them): they multiply
/// each input point instead.
pub const MAX_WINDOWED_INPUTS: usize = 1024;
/// The window width `c` for a key with `inputs` inputs: the one in [`WINDOW_BITS_RANGE`] with
/// the fewest additions by the model `inputs * ceil(255 / c)` mixed additions into the
/// `2^(c-1)` buckets of signed digits plus `2 * 2^(c-1)` full additions for the running sums
/// (counted as 1.5 mixed ones each). Wider windows mean fewer bases per input and fewer
/// additions per input but more buckets: 4 bits for 1-3 inputs, 7 for 20, 8 for 64. Any width
/// gives the same point.
#[inline(never)]
fn window_bits(inputs: usize) -> usize {
    // In half mixed additions: a mixed addition counts 2, a full one 3.
    let cost = |c: usize| 2 * inputs * windows_of(c) + 6 * (1 << (c - 1));
    WINDOW_BITS_RANGE
        .min_by_key(|&c| cost(c))
        .unwrap_or(*WINDOW_BITS_RANGE.start())
}

/// Windows of `c` bits per input: `ceil(255 / c)`, one bit more than a scalar has, so that the
/// signed digits' last carry ([`signed_digits`]) always lands in a window.
fn windows_of(c: usize) -> usize {
    (SCALAR_BITS + 1).div_ceil(c)
}

/// The `c`-bit window of the little-endian limbs of a scalar starting at bit `bit` (bits at and
/// above 256 read as zero).
fn window_digit(limbs: &[u64; 4], bit: usize, c: usize) -> usize {
    let (word, shift) = (bit / 64, bit % 64);
    let mut value = limbs.get(word).map_or(0, |w| w >> shift);
    if shift + c > 64 {
        // shift > 0 here, so 64 - shift < 64.
        value |= limbs.get(word + 1).map_or(0, |w| w << (64 - shift));
    }
    (value & ((1u64 << c) - 1)) as usize
}

/// The base-`2^c` digits of `x < 2^254` made signed, `x = sum_k d_k 2^(ck)` with
/// `-2^(c-1) < d_k <= 2^(c-1)`, over [`windows_of`] windows: each window's value plus the
/// carry from below, and where that exceeds `2^(c-1)`, `2^c` less with a carry of one into the
/// next window (`d 2^(ck) = (d - 2^c) 2^(ck) + 2^(c(k+1))`, so the sum is unchanged). The top
/// window holds at most the `254 - c (w - 1) <= c - 1` bits left plus a carry, at most
/// `2^(c-1)`: no carry leaves it. Each digit as (magnitude, negative).
fn signed_digits(x: &Fr, c: usize) -> impl Iterator<Item = (usize, bool)> {
    let limbs = x.into_bigint().0;
    let (half, full) = (1usize << (c - 1), 1usize << c);
    let mut carry = 0;
    (0..windows_of(c)).map(move |k| {
        let digit = window_digit(&limbs, k * c, c) + carry;
        carry = usize::from(digit > half);
        if digit > half {
            (full - digit, true)
        } else {
            (digit, false)
        }
    })
}

/// The window bases of a key's input points `IC[1..]`: with window width `c`
/// ([`window_bits`]), for input `i` and window `k` the affine point `2^(ck) * IC[i+1]`. With
/// `x = sum_k d_k 2^(ck)` (the signed base-`2^c` digits of `x < r < 2^254`:
/// [`signed_digits`]),
///
/// `sum_i x_i IC[i+1] = sum_i sum_k d_ik 2^(ck) IC[i+1] = sum_{d=1..2^(c-1)} d * S_d`, where
/// `S_d` is the sum of the bases whose digit is `d` and the negated bases whose digit is `-d`.
///
/// [`InputWindows::combine`] sums each bucket's (possibly negated) bases, all buckets at once
/// by batch-affine additions ([`GroupSums`]: about six field products per base instead of a
/// mixed addition's eleven), and forms `sum_d d * S_d` with `2^c` additions (running sums from
/// the largest digit down). Signed digits halve the
/// buckets of unsigned ones for the same width, so a key gets one bit wider windows (fewer
/// bases per input) for the same running sums. The result is the same group element as the
/// scalar multiplications, so `L` and the pairing equation are unchanged. Preparing costs
/// about one scalar multiplication per input (its doublings), so it pays for itself from the
/// second verification on.
///
/// Generic over the curve model so that the bases live on the pairing engine's G1
/// ([`crate::pairing::PairingEngine::G1`]): arkworks' natively, the 29-bit-limb field in wasm.
#[derive(Clone)]
pub struct InputWindows<C: GroupSums> {
    /// Window width `c` in bits.
    bits: usize,
    /// [`Self::windows`] bases per input, input after input.
    bases: Vec<Affine<C>>,
}

impl<C: GroupSums> core::fmt::Debug for InputWindows<C> {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("InputWindows")
            .field("inputs", &(self.bases.len() / self.windows()))
            .field("bits", &self.bits)
            .finish()
    }
}

/// A window digit of [`InputWindows::digits`]: the bucket of its magnitude (`|d| - 1`), the
/// index of its base, and whether the base enters negated.
type Digit = (usize, usize, bool);

impl<C: GroupSums> InputWindows<C> {
    /// The window bases of `points` (`IC[1..]`), with the window width for their count.
    pub fn new(points: &[Affine<C>]) -> Self {
        Self::with_bits(points, window_bits(points.len()))
    }

    /// Windows per input: `ceil(255 / c)`.
    fn windows(&self) -> usize {
        windows_of(self.bits)
    }

    /// Buckets: one per digit magnitude `1..=2^(c-1)`.
    fn buckets(&self) -> usize {
        1 << (self.bits - 1)
    }

    /// The window bases of `points` with `bits`-bit windows (`bits` in 1..=16).
    fn with_bits(points: &[Affine<C>], bits: usize) -> Self {
        let windows = windows_of(bits);
        let mut projective = Vec::with_capacity(points.len() * windows);
        for point in points {
            let mut base = Projective::<C>::from(*point);
            for _ in 0..windows {
                projective.push(base);
                for _ in 0..bits {
                    base.double_in_place();
                }
            }
        }
        Self {
            bits,
            bases: Projective::<C>::normalize_batch(&projective),
        }
    }

    /// `sum_i inputs[i] * IC[i+1]` (the caller checked the input count).
    pub fn combine(&self, inputs: &[Fr]) -> Projective<C> {
        self.combine_digits(&self.digits(inputs))
    }

    /// The non-zero signed window digits of `inputs`.
    fn digits(&self, inputs: &[Fr]) -> Vec<Digit> {
        let windows = self.windows();
        let mut digits = Vec::with_capacity(inputs.len() * windows);
        for (i, x) in inputs.iter().enumerate() {
            for (k, (magnitude, negative)) in signed_digits(x, self.bits).enumerate() {
                if magnitude != 0 {
                    digits.push((magnitude - 1, i * windows + k, negative));
                }
            }
        }
        digits
    }

    /// The buckets as affine sums (the bases, negated where their digit is, sorted by bucket,
    /// then summed by batch-affine additions: [`GroupSums::group_sums`]), then
    /// `sum_d d * S_d` with mixed additions into the running sum.
    fn combine_digits(&self, digits: &[Digit]) -> Projective<C> {
        let entries = digits.iter().map(|&(bucket, base, negative)| {
            let point = self.bases[base];
            (bucket, if negative { -point } else { point })
        });
        let (sorted, lengths) = sort_into_groups(self.buckets(), entries);
        weighted_bucket_sum(&C::group_sums(sorted, &lengths))
    }
}

/// `sum_d d * S_d` for the buckets `S_1, S_2, ...` (`buckets[d - 1]`, Jacobian or affine):
/// running sums from the largest digit down, two additions a bucket.
fn weighted_bucket_sum<C: SWCurveConfig, B>(buckets: &[B]) -> Projective<C>
where
    for<'b> Projective<C>: core::ops::AddAssign<&'b B> + core::ops::AddAssign<&'b Projective<C>>,
{
    let (mut running, mut sum) = (Projective::<C>::default(), Projective::<C>::default());
    for bucket in buckets.iter().rev() {
        running += bucket;
        sum += &running;
    }
    sum
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
        let mut verifier = Self::with_pairing(vk, GrothPairing::new)?;
        let inputs = &verifier.ic[1..];
        if !inputs.is_empty() && inputs.len() <= MAX_WINDOWED_INPUTS {
            verifier.windows = Some(InputWindows::new(inputs));
        }
        Ok(verifier)
    }

    /// Prepare `vk` for a single verification: no window bases (preparing them costs about
    /// what one verification saves) and no `e(alpha, beta)` of its own (its pair joins the
    /// check's Miller loop: [`GrothPairing::one_shot`]).
    pub fn one_shot(vk: &VerifyingKey) -> Result<Self> {
        Self::with_pairing(vk, GrothPairing::one_shot)
    }

    /// The key's shape checked, then its pairing data by `pairing`; no window bases.
    fn with_pairing(
        vk: &VerifyingKey,
        pairing: fn(&VerifyingKey) -> GrothPairing<DefaultEngine>,
    ) -> Result<Self> {
        if vk.gamma_abc_g1.is_empty() {
            return Err(Error::shape("IC", "must hold at least one point (IC[0])"));
        }
        Ok(Self {
            vk: vk.clone(),
            pairing: pairing(vk),
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
            // No window bases (a one-shot key): buckets over all windows at once for many
            // inputs, one scalar multiplication each for a few.
            None => variable_base::input_sum(&ic[1..], inputs),
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
        // Every width a key may get, and odd ones whose windows straddle limbs and bit 256.
        let widths: Vec<InputWindows<ark_bn254::g1::Config>> = [1, 3, 4, 5, 6, 7, 8, 9, 13]
            .into_iter()
            .map(|c| InputWindows::with_bits(&bases, c))
            .collect();
        // The widths of 1- to 1024-input keys on the wasm verifier's G1.
        let widths29: Vec<_> = [4, 5, 7, 8, 9]
            .into_iter()
            .map(|c| InputWindows::with_bits(&bases29, c))
            .collect();
        for inputs in cases {
            let want: G1Projective = bases.iter().zip(&inputs).map(|(b, x)| *b * x).sum();
            assert_eq!(windows.combine(&inputs), want, "{inputs:?}");
            for windows in &widths {
                assert_eq!(windows.combine(&inputs), want, "{inputs:?}, {windows:?}");
            }
            for windows in &widths29 {
                assert_eq!(
                    windows.combine(&inputs).into_affine(),
                    Limbs29::g1(&want.into_affine()),
                    "{inputs:?}, {windows:?} on the 29-bit-limb G1"
                );
            }
            assert_eq!(
                windows29.combine(&inputs).into_affine(),
                Limbs29::g1(&want.into_affine()),
                "{inputs:?} on the 29-bit-limb G1"
            );
            // Fewer inputs than bases use the first windows only.
            let want_two: G1Projective = bases[..2].iter().zip(&inputs).map(|(b, x)| *b * x).sum();
            assert_eq!(windows.combine(&inputs[..2]), want_two);
        }
        assert!(Fr::MODULUS.num_bits() as usize <= SCALAR_BITS);
        assert!(windows.combine(&[]).into_affine().is_zero());
    }

    /// A crafted key's input points may repeat, cancel or be the identity, so that window bases
    /// and bucket sums meet as equal or opposite points: the batch-affine buckets still give the
    /// exact sum (on arkworks' G1 and the wasm verifier's).
    #[test]
    fn input_windows_with_repeated_opposite_and_zero_points() {
        let mut rng = rand_chacha::ChaCha20Rng::seed_from_u64(17);
        let p = G1Projective::rand(&mut rng).into_affine();
        let q = G1Projective::rand(&mut rng).into_affine();
        let bases = [p, p, -p, q, G1Affine::zero(), (p + p).into_affine(), -q];
        let bases29: Vec<_> = bases.iter().map(Limbs29::g1).collect();
        let x = Fr::rand(&mut rng);
        let cases = [
            vec![x; 7],
            vec![x, x, x, x, x, -x - x, x],
            vec![Fr::ONE; 7],
            (0..7).map(|_| Fr::rand(&mut rng)).collect(),
        ];
        for inputs in cases {
            let want: G1Projective = bases.iter().zip(&inputs).map(|(b, x)| *b * x).sum();
            for bits in [4, 6, 7] {
                let windows = InputWindows::with_bits(&bases, bits);
                assert_eq!(windows.combine(&inputs), want, "{inputs:?}");
                let windows29 = InputWindows::with_bits(&bases29, bits);
                assert_eq!(
                    windows29.combine(&inputs).into_affine(),
                    Limbs29::g1(&want.into_affine())
                );
            }
        }
    }

    /// A window read from the limbs equals the same bits read one by one, for every width and
    /// start (windows crossing a limb boundary and running past bit 256 included).
    #[test]
    fn window_digits_equal_bit_by_bit() {
        let limbs = [
            0x0123_4567_89ab_cdef,
            0xfedc_ba98_7654_3210,
            u64::MAX,
            0x8000_0000_0000_0001,
        ];
        let bit_at = |i: usize| i < 256 && (limbs[i / 64] >> (i % 64)) & 1 == 1;
        for c in 1..=16 {
            for start in 0..260 {
                let want = (0..c).fold(0, |acc, j| acc | (usize::from(bit_at(start + j)) << j));
                assert_eq!(
                    window_digit(&limbs, start, c),
                    want,
                    "c = {c}, start = {start}"
                );
            }
        }
    }

    /// The widths the cost model picks for the benchmark keys' input counts.
    #[test]
    fn window_width_grows_with_the_input_count() {
        let picked: Vec<usize> = [1, 3, 5, 20, 64, 1024].map(window_bits).to_vec();
        assert_eq!(picked, [4, 5, 5, 7, 8, 9]);
    }

    /// The signed digits sum back to the scalar (so no carry is lost above the top window) and
    /// stay within `-2^(c-1) < d <= 2^(c-1)`, for every width 1-16 on edge and random scalars.
    #[test]
    fn signed_digits_sum_to_the_scalar() {
        let mut rng = rand_chacha::ChaCha20Rng::seed_from_u64(5);
        let mut scalars = vec![
            Fr::ZERO,
            Fr::ONE,
            -Fr::ONE,
            -Fr::from(2u64),
            Fr::from(u64::MAX),
            Fr::from_le_bytes_mod_order(&[0xff; 31]),
            Fr::from_le_bytes_mod_order(&[0x88; 31]),
        ];
        scalars.extend((0..20).map(|_| Fr::rand(&mut rng)));
        for c in 1..=16 {
            let window = Fr::from(2u64).pow([c as u64]);
            for x in &scalars {
                let digits: Vec<(usize, bool)> = signed_digits(x, c).collect();
                assert_eq!(digits.len(), windows_of(c));
                let sum = digits.iter().rev().fold(Fr::ZERO, |acc, &(d, negative)| {
                    assert!(d <= 1 << (c - 1) && !(negative && d == 1 << (c - 1)));
                    let d = Fr::from(d as u64);
                    acc * window + if negative { -d } else { d }
                });
                assert_eq!(sum, *x, "c = {c}");
            }
        }
    }
}
