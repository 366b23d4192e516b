//! The CPU MSM: Pippenger's bucket method with **batch-affine** bucket additions, for G1 and G2.
//!
//! It uses the same plan as the GPU (signed `c`-bit windows, points sorted into buckets by a
//! counting sort: [`crate::plan`]), then, per window (windows in parallel on rayon's pool):
//!
//! 1. Each bucket's points are summed pairwise in rounds, all in affine coordinates: one round
//!    adds the pairs of every bucket of the window, with **one** field inversion for all of them
//!    (Montgomery's batch-inversion trick: 3 multiplications per element; for G2 it runs on the
//!    `Fq` norms of the `Fq2` denominators, 7 base products per element instead of 9). An
//!    affine addition then costs about 6 multiplications, against 11 for the mixed Jacobian
//!    addition of a classic bucket method. Equal points (doubling) and opposite points
//!    (identity) are handled exactly. In the 29-bit field, values that are only ever factors
//!    of a product (the differences `x2 - x1`, `y2 - y1`, `x1 - x3`, the inverses, the slope)
//!    stay *loose* (no borrow chain, no final subtraction: [`Coord::mul_loose`]), in `Fq` and
//!    in `Fq2`.
//! 2. The running-sum reduction of the window's buckets on Jacobian points in the same
//!    coordinates ([`jacobian`]), and Horner over windows (arkworks' points).
//!
//! With several threads each window is cut into one run of buckets per thread (about equal
//! entry counts), each run summed and reduced on its own and shifted by its first bucket's
//! index ([`part_sum`]), so the threads get equal shares whatever the window count.
//!
//! Below [`GLV_BELOW`] points the scalars are first split by the curve's endomorphism
//! (`k P = k1 P + k2 phi(P)` with 128-bit halves, [`glv`]): twice the points, half the windows.
//!
//! Coordinates are a [`Coord`] type chosen per target ([`CpuCurve::Fast`]): arkworks' own
//! fields natively, where its 64-bit Montgomery product is fastest, and [`Fq29`]/[`Fq2x29`]
//! (29-bit limbs, deferred carries) in wasm, where 64x64-bit products do not exist. Points enter
//! and leave in arkworks' form; results equal arkworks' MSM exactly with either coordinate type
//! (tested natively for both, and in the browser).

mod buckets;
mod coord;
mod glv;
mod jacobian;

pub use coord::{
    batch_inverse_by_norm, coordinates_agree_with_arkworks, montgomery_batch_inverse, Coord,
};

use ark_ec::scalar_mul::glv::GLVConfig;
use ark_ec::short_weierstrass::{Affine, Projective, SWCurveConfig};
use ark_ec::{AdditiveGroup, AffineRepr, PrimeGroup};
use ark_ff::{BigInt, Zero};
use core::ops::Range;

#[cfg(not(target_arch = "wasm32"))]
use ark_bn254::{Fq, Fq2};

#[cfg(target_arch = "wasm32")]
use crate::fq29::Fq29;
use crate::plan::{Plan, PlanConfig, SCALAR_BITS};
#[cfg(target_arch = "wasm32")]
use zkagg_field29::Fq2x29;

#[cfg(feature = "parallel")]
use rayon::prelude::*;

/// A curve the CPU MSM serves, with the coordinate type that is fastest on this target.
pub trait CpuCurve: GLVConfig {
    type Fast: Coord<Self::BaseField>;
}

#[cfg(target_arch = "wasm32")]
impl CpuCurve for ark_bn254::g1::Config {
    type Fast = Fq29;
}
#[cfg(target_arch = "wasm32")]
impl CpuCurve for ark_bn254::g2::Config {
    type Fast = Fq2x29;
}
#[cfg(not(target_arch = "wasm32"))]
impl CpuCurve for ark_bn254::g1::Config {
    type Fast = Fq;
}
#[cfg(not(target_arch = "wasm32"))]
impl CpuCurve for ark_bn254::g2::Config {
    type Fast = Fq2;
}

/// Window size for the CPU: per window, about `n` batch-affine additions (6 products each, plus
/// their share of the data movement) against the reduction's `2 B` Jacobian additions (about
/// 14 products each, in the same coordinates: [`jacobian`]). The weight of a bucket, 16
/// against 6 for a point, is measured, not counted: in wasm (Node, one thread, 2^16 and 2^18
/// G1 points) 16 and 10 gave the same times, 2-7% faster than 28 (the weight while the
/// reduction ran on arkworks' points) and 40.
pub fn cpu_window_bits(n: usize, scalar_bits: u32) -> u32 {
    let n = n.max(1) as f64;
    (4u32..=16)
        .min_by(|&a, &b| {
            let cost = |c: u32| {
                f64::from(crate::plan::windows_for_bits(c, scalar_bits))
                    * (6.0 * n + 16.0 * f64::from(1u32 << (c - 1)))
            };
            cost(a).total_cmp(&cost(b))
        })
        .unwrap_or(8)
}

/// Bucket indices (within a window) `0 .. B` cut into at most `parts` runs of about equal
/// entry counts (the bucket additions are most of a window's work).
fn window_parts(plan: &Plan, w: u32, parts: usize) -> Vec<Range<usize>> {
    let buckets = plan.buckets as usize;
    let first = (w * plan.buckets) as usize;
    let starts = &plan.bucket_start[first..=first + buckets];
    let (lo, total) = (u64::from(starts[0]), u64::from(starts[buckets] - starts[0]));
    let mut bounds = vec![0];
    for k in 1..parts as u64 {
        let target = lo + total * k / parts as u64;
        let cut = starts.partition_point(|&s| u64::from(s) < target);
        if cut > bounds[bounds.len() - 1] && cut < buckets {
            bounds.push(cut);
        }
    }
    bounds.push(buckets);
    bounds.windows(2).map(|r| r[0]..r[1]).collect()
}

/// `sum_{b in part} (b + 1) B_b` for buckets `part` of window `w`: their sums ([`buckets`]),
/// then the running sums ([`jacobian`]), both in coordinates `C`. The running sum weights the
/// part's first bucket by 1, so `part.start` times the part's plain sum is added:
/// `sum_b (b + 1) B_b = sum_b (b - s + 1) B_b + s sum_b B_b` with `s = part.start` (a scalar
/// below `2^(c-1)`, a few dozen additions).
fn part_sum<P, C>(plan: &Plan, coords: &[(C, C)], w: u32, part: &Range<usize>) -> Projective<P>
where
    P: SWCurveConfig,
    C: Coord<P::BaseField>,
{
    let first = (w * plan.buckets) as usize;
    let sums = buckets::bucket_sums::<P, C>(plan, coords, first + part.start, first + part.end);
    let (weighted, plain) = jacobian::running_sums::<P, C>(&sums);
    if part.start == 0 {
        weighted
    } else {
        weighted + plain.mul_bigint([part.start as u64])
    }
}

/// The GLV split ([`msm_glv_with`]) is used below this many non-zero scalars. Measured
/// (2026-12-07, one run of each, medians of 1-5; wasm in Node on one thread, natively on two):
/// with the split, 2^15 and 2^16 points were 4-8% faster (G1 and G2, wasm and native), 2^17
/// the same within 1%, 2^18 2.5-7% slower: twice the points means twice the coordinates that
/// each window gathers in bucket order, and past about 2^17 points (19 MB of 29-bit G1
/// coordinates) that memory traffic outweighs the halved bucket reductions.
pub const GLV_BELOW: usize = 1 << 17;

/// `sum scalars[i] bases[i]` on CPU threads (see the module documentation), with this target's
/// fastest coordinates, and the GLV split ([`msm_glv_with`]) below [`GLV_BELOW`] non-zero
/// scalars. Scalars canonical.
pub fn msm<P: CpuCurve>(bases: &[Affine<P>], scalars: &[BigInt<4>]) -> Projective<P> {
    let n = bases.len().min(scalars.len());
    let used = scalars[..n]
        .iter()
        .filter(|s| !ark_ff::BigInteger::is_zero(*s))
        .count();
    if used < GLV_BELOW {
        msm_glv_with::<P, P::Fast>(bases, scalars)
    } else {
        msm_with::<P, P::Fast>(bases, scalars)
    }
}

/// [`msm`] without the GLV split (every scalar at its full width), with the bucket additions in
/// coordinates `C` (every choice gives the same result).
pub fn msm_with<P, C>(bases: &[Affine<P>], scalars: &[BigInt<4>]) -> Projective<P>
where
    P: SWCurveConfig,
    C: Coord<P::BaseField>,
{
    let n = bases.len().min(scalars.len());
    msm_points::<P, C>(
        &scalars[..n],
        SCALAR_BITS,
        |i| bases[i].is_zero(),
        |i| {
            let (x, y) = bases[i].xy().unwrap_or_default();
            (C::from_base(&x), C::from_base(&y))
        },
    )
}

/// [`msm`] in coordinates `C`, with each scalar split as `k = k1 + k2 lambda (mod r)` and
/// `|k1|, |k2| < 2^128` ([`glv`]): `k P = k1 P + k2 phi(P)` with `phi(x, y) = (beta x, y)`,
/// so the MSM runs over `2 n` points (`P` and `phi(P)`, negated where their half is negative)
/// with 128-bit scalars. Each window still adds about one point per scalar in total (twice the
/// points, half the windows), but there are half as many bucket reductions, which makes wider
/// windows pay off. If a split ever exceeded 128 bits (never observed; the bound is checked on
/// every scalar) the MSM runs unsplit.
pub fn msm_glv_with<P, C>(bases: &[Affine<P>], scalars: &[BigInt<4>]) -> Projective<P>
where
    P: GLVConfig,
    C: Coord<P::BaseField>,
{
    let n = bases.len().min(scalars.len());
    let Some(splitter) = glv::Splitter::new::<P>() else {
        return msm_with::<P, C>(bases, scalars);
    };
    let split = |k: &BigInt<4>| splitter.split(k);
    #[cfg(feature = "parallel")]
    let halves: Option<Vec<[glv::Half; 2]>> = scalars[..n].par_iter().map(split).collect();
    #[cfg(not(feature = "parallel"))]
    let halves: Option<Vec<[glv::Half; 2]>> = scalars[..n].iter().map(split).collect();
    let Some(halves) = halves else {
        return msm_with::<P, C>(bases, scalars);
    };
    let split_scalars: Vec<BigInt<4>> = halves
        .iter()
        .flat_map(|[k1, k2]| [glv::half_to_bigint(k1.1), glv::half_to_bigint(k2.1)])
        .collect();
    let beta = C::from_base(&P::ENDO_COEFFS[0]);
    // Point 2i is bases[i] (for k1), point 2i + 1 is phi(bases[i]) (for k2).
    msm_points::<P, C>(
        &split_scalars,
        glv::HALF_BITS,
        |j| bases[j / 2].is_zero(),
        |j| {
            let (x, y) = bases[j / 2].xy().unwrap_or_default();
            let (mut x, mut y) = (C::from_base(&x), C::from_base(&y));
            let (negative, _) = halves[j / 2][j % 2];
            if j % 2 == 1 {
                x = x.mul(&beta);
            }
            if negative {
                y = y.neg();
            }
            (x, y)
        },
    )
}

/// The bucket method over `scalars.len()` points given by index: `infinity(i)` says whether
/// point `i` is the identity, `point(i)` gives its affine coordinates in `C` (called once per
/// used point); every scalar is below `2^scalar_bits`.
fn msm_points<P, C>(
    scalars: &[BigInt<4>],
    scalar_bits: u32,
    infinity: impl Fn(usize) -> bool,
    point: impl Fn(usize) -> (C, C) + Sync,
) -> Projective<P>
where
    P: SWCurveConfig,
    C: Coord<P::BaseField>,
{
    let n = scalars.len();
    if n == 0 {
        return Projective::zero();
    }
    let used = scalars
        .iter()
        .filter(|s| !ark_ff::BigInteger::is_zero(*s))
        .count();
    let config = PlanConfig {
        window_bits: Some(cpu_window_bits(used, scalar_bits)),
        scalar_bits,
        ..PlanConfig::default()
    };
    let plan = Plan::build(n, scalars, infinity, &config, false);
    // The used points in coordinates `C`, converted once (not once per window); the plan keeps
    // finite points only.
    let convert = |&i: &u32| point(i as usize);
    #[cfg(feature = "parallel")]
    let coords: Vec<(C, C)> = plan.point_index.par_iter().map(convert).collect();
    #[cfg(not(feature = "parallel"))]
    let coords: Vec<(C, C)> = plan.point_index.iter().map(convert).collect();
    // Each window cut into one part per thread: the tasks are then a multiple of the thread
    // count and about equal, where whole windows left a thread idle for the last one (17
    // windows of an unsplit 2^18-point MSM on 2 threads took the time of 9, not 8.5).
    #[cfg(feature = "parallel")]
    let parts = rayon::current_num_threads();
    #[cfg(not(feature = "parallel"))]
    let parts = 1;
    let tasks: Vec<(u32, Range<usize>)> = (0..plan.windows)
        .flat_map(|w| {
            window_parts(&plan, w, parts)
                .into_iter()
                .map(move |r| (w, r))
        })
        .collect();
    let per_task =
        |(w, part): &(u32, Range<usize>)| (*w, part_sum::<P, C>(&plan, &coords, *w, part));
    #[cfg(feature = "parallel")]
    let part_sums: Vec<(u32, Projective<P>)> = tasks.par_iter().map(per_task).collect();
    #[cfg(not(feature = "parallel"))]
    let part_sums: Vec<(u32, Projective<P>)> = tasks.iter().map(per_task).collect();
    let mut sums = vec![Projective::<P>::zero(); plan.windows as usize];
    for (w, s) in part_sums {
        sums[w as usize] += s;
    }
    let mut result = Projective::<P>::zero();
    for s in sums.iter().rev() {
        for _ in 0..plan.c {
            result.double_in_place();
        }
        result += s;
    }
    result
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::fq29::Fq29;
    use ark_bn254::{Fq, Fq2};
    use ark_bn254::{Fr, G1Projective, G2Projective};
    use ark_ec::{CurveGroup, PrimeGroup, VariableBaseMSM};
    use ark_ff::{PrimeField, UniformRand};
    use rand::SeedableRng;
    use zkagg_field29::Fq2x29;

    fn skewed(n: usize, rng: &mut rand_chacha::ChaCha20Rng) -> Vec<BigInt<4>> {
        use rand::Rng;
        (0..n)
            .map(|_| match rng.gen_range(0..10) {
                0..=3 => BigInt::from(0u64),
                4..=6 => BigInt::from(1u64),
                7 => BigInt::from(rng.gen_range(2u64..300)),
                _ => Fr::rand(rng).into_bigint(),
            })
            .collect()
    }

    /// `n` random points of G1 and of G2.
    fn random_bases(
        n: usize,
        rng: &mut rand_chacha::ChaCha20Rng,
    ) -> (Vec<ark_bn254::G1Affine>, Vec<ark_bn254::G2Affine>) {
        let g1 = (0..n)
            .map(|_| (G1Projective::generator() * Fr::rand(rng)).into_affine())
            .collect();
        let g2 = (0..n)
            .map(|_| (G2Projective::generator() * Fr::rand(rng)).into_affine())
            .collect();
        (g1, g2)
    }

    #[test]
    fn batch_affine_msm_equals_arkworks_g1_and_g2() {
        let mut rng = rand_chacha::ChaCha20Rng::seed_from_u64(22);
        for n in [1usize, 2, 5, 33, 500, 3000] {
            let (g1, g2) = random_bases(n, &mut rng);
            for scalars in [
                (0..n)
                    .map(|_| Fr::rand(&mut rng).into_bigint())
                    .collect::<Vec<_>>(),
                skewed(n, &mut rng),
            ] {
                let (e1, e2) = (
                    G1Projective::msm_bigint(&g1, &scalars),
                    G2Projective::msm_bigint(&g2, &scalars),
                );
                assert_eq!(msm(&g1, &scalars), e1, "G1 n={n}");
                assert_eq!(msm(&g2, &scalars), e2, "G2 n={n}");
                // Both coordinate types, whichever this target uses by default.
                assert_eq!(msm_with::<_, Fq29>(&g1, &scalars), e1, "G1 29-bit n={n}");
                assert_eq!(msm_with::<_, Fq>(&g1, &scalars), e1, "G1 ark n={n}");
                assert_eq!(msm_with::<_, Fq2x29>(&g2, &scalars), e2, "G2 29-bit n={n}");
                assert_eq!(msm_with::<_, Fq2>(&g2, &scalars), e2, "G2 ark n={n}");
                // The GLV split in both coordinate types.
                assert_eq!(
                    msm_glv_with::<_, Fq29>(&g1, &scalars),
                    e1,
                    "G1 GLV 29 n={n}"
                );
                assert_eq!(msm_glv_with::<_, Fq>(&g1, &scalars), e1, "G1 GLV ark n={n}");
                assert_eq!(
                    msm_glv_with::<_, Fq2x29>(&g2, &scalars),
                    e2,
                    "G2 GLV 29 n={n}"
                );
                assert_eq!(
                    msm_glv_with::<_, Fq2>(&g2, &scalars),
                    e2,
                    "G2 GLV ark n={n}"
                );
            }
        }
    }

    /// Windows cut into runs of buckets (one per thread): the same sums on pools of 1 to 7
    /// threads, with skewed scalars (most entries in the low buckets) and uniform ones; the
    /// runs cover every bucket once, in order, none empty.
    #[cfg(feature = "parallel")]
    #[test]
    fn windows_cut_into_parts_give_the_same_sums() {
        let mut rng = rand_chacha::ChaCha20Rng::seed_from_u64(24);
        let n = 700;
        let (g1, g2) = random_bases(n, &mut rng);
        let uniform: Vec<_> = (0..n).map(|_| Fr::rand(&mut rng).into_bigint()).collect();
        for scalars in [uniform, skewed(n, &mut rng)] {
            let e1 = G1Projective::msm_bigint(&g1, &scalars);
            let e2 = G2Projective::msm_bigint(&g2, &scalars);
            for threads in 1..=7 {
                let pool = rayon::ThreadPoolBuilder::new()
                    .num_threads(threads)
                    .build()
                    .expect("thread pool");
                pool.install(|| {
                    assert_eq!(msm_with::<_, Fq29>(&g1, &scalars), e1, "G1, {threads}");
                    assert_eq!(
                        msm_glv_with::<_, Fq>(&g1, &scalars),
                        e1,
                        "G1 GLV, {threads}"
                    );
                    assert_eq!(msm_with::<_, Fq2x29>(&g2, &scalars), e2, "G2, {threads}");
                });
            }
            let used = scalars
                .iter()
                .filter(|s| !ark_ff::BigInteger::is_zero(*s))
                .count();
            let config = PlanConfig {
                window_bits: Some(cpu_window_bits(used, SCALAR_BITS)),
                ..PlanConfig::default()
            };
            let plan = Plan::build(n, &scalars, |_| false, &config, false);
            for parts in [1, 2, 3, 8, 1000] {
                for w in 0..plan.windows {
                    let runs = window_parts(&plan, w, parts);
                    assert!(!runs.is_empty() && runs.len() <= parts);
                    assert_eq!(runs[0].start, 0);
                    assert_eq!(runs[runs.len() - 1].end, plan.buckets as usize);
                    assert!(runs.iter().all(|r| r.start < r.end));
                    assert!(runs.windows(2).all(|r| r[0].end == r[1].start));
                }
            }
        }
    }

    #[test]
    fn repeated_and_opposite_points_and_infinity() {
        let mut rng = rand_chacha::ChaCha20Rng::seed_from_u64(23);
        let p = (G1Projective::generator() * Fr::rand(&mut rng)).into_affine();
        let q = (G1Projective::generator() * Fr::rand(&mut rng)).into_affine();
        // Equal points in a bucket (doubling), opposite points (identity), infinity.
        let bases = vec![p, p, p, -p, q, -q, p, ark_bn254::G1Affine::identity(), q, q];
        for s in [1u64, 2, 3, 7, 1 << 20] {
            let scalars = vec![BigInt::from(s); bases.len()];
            let expect = G1Projective::msm_bigint(&bases, &scalars);
            assert_eq!(msm(&bases, &scalars), expect, "s={s}");
            assert_eq!(
                msm_with::<_, Fq29>(&bases, &scalars),
                expect,
                "29-bit s={s}"
            );
            assert_eq!(
                msm_glv_with::<_, Fq29>(&bases, &scalars),
                expect,
                "29-bit GLV s={s}"
            );
        }
        let scalars: Vec<_> = (0..bases.len())
            .map(|_| Fr::rand(&mut rng).into_bigint())
            .collect();
        assert_eq!(
            msm(&bases, &scalars),
            G1Projective::msm_bigint(&bases, &scalars)
        );
    }
}
