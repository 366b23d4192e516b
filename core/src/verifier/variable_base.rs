//! `sum_i x_i P_i` for points without comb tables (a key prepared for one verification), by
//! the bucket method over all windows at once.
//!
//! With `c`-bit windows, `x_i = sum_k d_ik 2^(ck)`, so
//!
//! `sum_i x_i P_i = sum_k 2^(ck) W_k`, `W_k = sum_{d=1..2^c-1} d * S_kd`,
//!
//! where `S_kd` is the sum of the points whose `k`-th digit is `d`. Every `S_kd` of every window
//! is one group of a single [`GroupSums::group_sums`] call (batch-affine additions: a few
//! rounds, one inversion each, for all windows together), each `W_k` is formed from its
//! buckets with running sums, and the windows are combined from the top with `c` doublings
//! between them (Horner). The result is the same group element as the scalar multiplications
//! it replaces.
//!
//! For few points the scalar multiplications are cheaper (the buckets' running sums cost the
//! same whatever the point count): [`input_sum`] picks by an operation-count model.

use ark_ec::short_weierstrass::{Affine, Projective, SWCurveConfig};
use ark_ec::AdditiveGroup;
use ark_ff::PrimeField;

use super::SCALAR_BITS;
use crate::group_sums::{sort_into_groups, GroupSums};
use crate::Fr;

/// Field products of the operations in the cost model (Jacobian formulas for BN254's `a = 0`):
/// a doubling, a full addition, a mixed addition, a batch-affine addition.
const DOUBLING: usize = 7;
const FULL_ADDITION: usize = 16;
const MIXED_ADDITION: usize = 11;
const AFFINE_ADDITION: usize = 6;

/// The window widths the bucket method may use.
const WINDOW_BITS_RANGE: core::ops::RangeInclusive<usize> = 2..=8;

/// Modelled cost of `points` scalar multiplications by double-and-add (254 doublings and about
/// 127 mixed additions each).
fn scalar_multiplications_cost(points: usize) -> usize {
    points * SCALAR_BITS * (2 * DOUBLING + MIXED_ADDITION) / 2
}

/// Modelled cost of the bucket method with `c`-bit windows: every non-zero digit added into a
/// bucket, each window's `2 (2^c - 1)` running-sum additions, 254 doublings.
fn bucket_cost(points: usize, c: usize) -> usize {
    let windows = SCALAR_BITS.div_ceil(c);
    let buckets = (1 << c) - 1;
    windows * (points * AFFINE_ADDITION + buckets * (MIXED_ADDITION + FULL_ADDITION))
        + SCALAR_BITS * DOUBLING
}

/// The cheapest window width for `points` points, or `None` when plain scalar multiplications
/// are cheaper (about eight points or fewer).
fn bucket_window_bits(points: usize) -> Option<usize> {
    let best = WINDOW_BITS_RANGE.min_by_key(|&c| bucket_cost(points, c))?;
    (bucket_cost(points, best) < scalar_multiplications_cost(points)).then_some(best)
}

/// `sum_i scalars[i] * points[i]` (pairs beyond the shorter slice are ignored; the caller
/// checked the counts).
pub(super) fn input_sum<C: GroupSums>(points: &[Affine<C>], scalars: &[Fr]) -> Projective<C> {
    match bucket_window_bits(points.len().min(scalars.len())) {
        Some(c) => bucket_sum(points, scalars, c),
        None => points.iter().zip(scalars).map(|(p, x)| *p * x).sum(),
    }
}

/// The bucket method with `c`-bit windows (module documentation).
fn bucket_sum<C: GroupSums>(points: &[Affine<C>], scalars: &[Fr], c: usize) -> Projective<C> {
    let windows = SCALAR_BITS.div_ceil(c);
    let buckets = (1 << c) - 1;
    let limbs: Vec<[u64; 4]> = scalars.iter().map(|x| x.into_bigint().0).collect();
    // Group `k * buckets + d - 1` is bucket `d` of window `k`.
    let entries = points.iter().zip(&limbs).flat_map(|(point, x)| {
        (0..windows).filter_map(move |k| {
            let digit = window_digit(x, k * c, c);
            // Digit 0 has no bucket (and `digit - 1` is only formed for the others).
            if digit == 0 {
                None
            } else {
                Some((k * buckets + digit - 1, *point))
            }
        })
    });
    let (sorted, lengths) = sort_into_groups(windows * buckets, entries);
    let sums = C::group_sums(sorted, &lengths);
    let mut result = Projective::<C>::default();
    for window in sums.chunks_exact(buckets).rev() {
        for _ in 0..c {
            result.double_in_place();
        }
        result += weighted_bucket_sum(window);
    }
    result
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

/// `sum_d d * S_d` for the buckets `S_1, S_2, ...` (`buckets[d - 1]`): running sums from the
/// largest digit down, two additions a bucket.
fn weighted_bucket_sum<C: SWCurveConfig>(buckets: &[Affine<C>]) -> Projective<C> {
    let (mut running, mut sum) = (Projective::<C>::default(), Projective::<C>::default());
    for bucket in buckets.iter().rev() {
        running += bucket;
        sum += &running;
    }
    sum
}

#[cfg(test)]
mod tests {
    use ark_ec::{AffineRepr, CurveGroup};
    use ark_ff::{Field, UniformRand};
    use rand::SeedableRng;

    use super::*;
    use crate::pairing::{Limbs29, PairingEngine};

    type G1Affine = ark_bn254::G1Affine;
    type G1Projective = ark_bn254::G1Projective;

    /// The bucket method equals the scalar multiplications for every width, on random and edge
    /// scalars (0, 1, r - 1, 2^64 - 1) and on points that repeat, cancel or are the identity;
    /// on arkworks' G1 and the wasm verifier's.
    #[test]
    fn bucket_sum_equals_scalar_multiplications() {
        let mut rng = rand_chacha::ChaCha20Rng::seed_from_u64(23);
        let p = G1Projective::rand(&mut rng).into_affine();
        let mut points: Vec<G1Affine> = (0..9)
            .map(|_| G1Projective::rand(&mut rng).into_affine())
            .collect();
        points.extend([p, p, -p, G1Affine::zero()]);
        let points29: Vec<_> = points.iter().map(Limbs29::g1).collect();
        let x = Fr::rand(&mut rng);
        let mut cases: Vec<Vec<Fr>> = vec![
            vec![Fr::ZERO; points.len()],
            vec![Fr::ONE; points.len()],
            vec![-Fr::ONE; points.len()],
            vec![x; points.len()],
            (0..points.len())
                .map(|i| Fr::from(u64::MAX - i as u64))
                .collect(),
        ];
        cases.extend((0..6).map(|_| (0..points.len()).map(|_| Fr::rand(&mut rng)).collect()));
        for scalars in cases {
            let want: G1Projective = points.iter().zip(&scalars).map(|(b, x)| *b * x).sum();
            for c in WINDOW_BITS_RANGE.chain([1, 11]) {
                assert_eq!(bucket_sum(&points, &scalars, c), want, "{c} {scalars:?}");
            }
            assert_eq!(input_sum(&points, &scalars), want);
            assert_eq!(
                bucket_sum(&points29, &scalars, 4).into_affine(),
                Limbs29::g1(&want.into_affine())
            );
            assert_eq!(
                input_sum(&points29, &scalars).into_affine(),
                Limbs29::g1(&want.into_affine())
            );
        }
        assert!(bucket_sum::<ark_bn254::g1::Config>(&[], &[], 4)
            .into_affine()
            .is_zero());
    }

    /// Few points keep the scalar multiplications; 20 and 64 (the benchmark keys) get buckets.
    #[test]
    fn bucket_method_only_where_the_model_says_it_pays() {
        assert_eq!(bucket_window_bits(1), None);
        assert_eq!(bucket_window_bits(3), None);
        assert!(bucket_window_bits(20).is_some());
        assert!(bucket_window_bits(64).is_some());
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
}
