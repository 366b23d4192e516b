//! The CPU MSM: Pippenger's bucket method with **batch-affine** bucket additions, for G1 and G2.
//!
//! It uses the same plan as the GPU (signed `c`-bit windows, points sorted into buckets by a
//! counting sort: [`crate::plan`]), then, per window (windows in parallel on rayon's pool):
//!
//! 1. Each bucket's points are summed pairwise in rounds, all in affine coordinates: one round
//!    adds the pairs of every bucket of the window, with **one** field inversion for all of them
//!    (Montgomery's batch-inversion trick: 3 multiplications per element). An affine addition then
//!    costs about 6 multiplications, against 11 for the mixed Jacobian addition of a classic
//!    bucket method. Equal points (doubling) and opposite points (identity) are handled exactly.
//! 2. The running-sum reduction of the window's buckets (Jacobian), and Horner over windows.
//!
//! Coordinates are a [`Coord`] type chosen per target ([`CpuCurve::Fast`]): arkworks' own
//! fields natively, where its 64-bit Montgomery product is fastest, and [`Fq29`]/[`Fq2x29`]
//! (29-bit limbs, deferred carries) in wasm, where 64x64-bit products do not exist. Points enter
//! and leave in arkworks' form; results equal arkworks' MSM exactly with either coordinate type
//! (tested natively for both, and in the browser).

use ark_bn254::{Fq, Fq2};
use ark_ec::short_weierstrass::{Affine, Projective, SWCurveConfig};
use ark_ec::{AdditiveGroup, AffineRepr};
use ark_ff::{BigInt, Field, Zero};

use crate::fq29::{Fq29, Fq2x29};
use crate::plan::{Plan, PlanConfig, NEG_FLAG};

#[cfg(feature = "parallel")]
use rayon::prelude::*;

/// The arithmetic the batch-affine bucket sums need, in some representation of the curve's
/// base field `F`. Values must be canonical (`==` is field equality).
pub trait Coord<F>: Copy + PartialEq + Send + Sync {
    fn from_base(x: &F) -> Self;
    fn to_base(&self) -> F;
    fn zero() -> Self;
    fn one() -> Self;
    fn is_zero(&self) -> bool;
    fn add(&self, o: &Self) -> Self;
    fn sub(&self, o: &Self) -> Self;
    fn neg(&self) -> Self;
    fn double(&self) -> Self;
    fn mul(&self, o: &Self) -> Self;
    fn square(&self) -> Self;
    /// The inverse, or `None` for zero.
    fn inverse(&self) -> Option<Self>;
}

/// arkworks' fields as their own coordinates.
macro_rules! ark_coord {
    ($f:ty) => {
        impl Coord<$f> for $f {
            #[inline]
            fn from_base(x: &$f) -> Self {
                *x
            }
            #[inline]
            fn to_base(&self) -> $f {
                *self
            }
            fn zero() -> Self {
                <$f>::ZERO
            }
            fn one() -> Self {
                <$f>::ONE
            }
            #[inline]
            fn is_zero(&self) -> bool {
                Zero::is_zero(self)
            }
            #[inline]
            fn add(&self, o: &Self) -> Self {
                *self + o
            }
            #[inline]
            fn sub(&self, o: &Self) -> Self {
                *self - o
            }
            #[inline]
            fn neg(&self) -> Self {
                -*self
            }
            #[inline]
            fn double(&self) -> Self {
                AdditiveGroup::double(self)
            }
            #[inline]
            fn mul(&self, o: &Self) -> Self {
                *self * o
            }
            #[inline]
            fn square(&self) -> Self {
                Field::square(self)
            }
            fn inverse(&self) -> Option<Self> {
                Field::inverse(self)
            }
        }
    };
}
ark_coord!(Fq);
ark_coord!(Fq2);

/// The 29-bit-limb fields as coordinates (inversion goes through arkworks: once per round).
macro_rules! limb29_coord {
    ($t:ty, $f:ty) => {
        impl Coord<$f> for $t {
            #[inline]
            fn from_base(x: &$f) -> Self {
                <$t>::from_ark(x)
            }
            #[inline]
            fn to_base(&self) -> $f {
                self.to_ark()
            }
            fn zero() -> Self {
                <$t>::ZERO
            }
            fn one() -> Self {
                <$t>::from_ark(&<$f>::ONE)
            }
            #[inline]
            fn is_zero(&self) -> bool {
                *self == <$t>::ZERO
            }
            #[inline]
            fn add(&self, o: &Self) -> Self {
                <$t>::add(self, o)
            }
            #[inline]
            fn sub(&self, o: &Self) -> Self {
                <$t>::sub(self, o)
            }
            #[inline]
            fn neg(&self) -> Self {
                <$t>::neg(self)
            }
            #[inline]
            fn double(&self) -> Self {
                <$t>::add(self, self)
            }
            #[inline]
            fn mul(&self, o: &Self) -> Self {
                <$t>::mul(self, o)
            }
            #[inline]
            fn square(&self) -> Self {
                <$t>::square(self)
            }
            fn inverse(&self) -> Option<Self> {
                Field::inverse(&self.to_ark()).map(|i| <$t>::from_ark(&i))
            }
        }
    };
}
limb29_coord!(Fq29, Fq);
limb29_coord!(Fq2x29, Fq2);

/// A curve the CPU MSM serves, with the coordinate type that is fastest on this target.
pub trait CpuCurve: SWCurveConfig {
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

/// Window size for the CPU: about `n` affine additions (6 products) per window against `2 B`
/// Jacobian ones (about 14) for the reduction.
pub fn cpu_window_bits(n: usize) -> u32 {
    let n = n.max(1) as f64;
    (4u32..=16)
        .min_by(|&a, &b| {
            let cost = |c: u32| {
                f64::from(crate::plan::windows_for(c))
                    * (6.0 * n + 28.0 * f64::from(1u32 << (c - 1)))
            };
            cost(a).total_cmp(&cost(b))
        })
        .unwrap_or(8)
}

/// One level of pairwise bucket summation: points (with identity flags) and bucket bounds.
struct Level<C> {
    x: Vec<C>,
    y: Vec<C>,
    inf: Vec<bool>,
    bounds: Vec<u32>,
}

/// The sum of every bucket of window `w`, as affine points (`None` = identity), computed in
/// coordinates `C`.
fn bucket_sums<P, C>(plan: &Plan, coords: &[(C, C)], w: u32) -> Vec<Option<Affine<P>>>
where
    P: SWCurveConfig,
    C: Coord<P::BaseField>,
{
    // Buckets in ranges of at most RANGE_ENTRIES points (at least one bucket each), so that a
    // range's working set (coordinates of every level) stays in the cache; one batch inversion
    // per round of a range still amortises over thousands of elements.
    const RANGE_ENTRIES: u32 = 1 << 13;
    let first = (w * plan.buckets) as usize;
    let last = first + plan.buckets as usize;
    let mut sums = Vec::with_capacity(plan.buckets as usize);
    let mut lo = first;
    while lo < last {
        let mut hi = lo + 1;
        while hi < last && plan.bucket_start[hi + 1] - plan.bucket_start[lo] <= RANGE_ENTRIES {
            hi += 1;
        }
        sums.extend(bucket_range_sums::<P, C>(plan, coords, lo, hi));
        lo = hi;
    }
    sums
}

/// The sums of buckets `g0 .. g1` (global bucket indices within one window).
fn bucket_range_sums<P, C>(
    plan: &Plan,
    coords: &[(C, C)],
    g0: usize,
    g1: usize,
) -> Vec<Option<Affine<P>>>
where
    P: SWCurveConfig,
    C: Coord<P::BaseField>,
{
    let b = g1 - g0;
    let start = plan.bucket_start[g0] as usize;
    let end = plan.bucket_start[g0 + b] as usize;
    let mut lvl = Level {
        x: Vec::with_capacity(end - start),
        y: Vec::with_capacity(end - start),
        inf: vec![false; end - start],
        bounds: plan.bucket_start[g0..=g0 + b]
            .iter()
            .map(|&s| s - start as u32)
            .collect(),
    };
    for &e in &plan.entries[start..end] {
        let (x, y) = &coords[(e & !NEG_FLAG) as usize];
        lvl.x.push(*x);
        lvl.y.push(if e & NEG_FLAG != 0 { y.neg() } else { *y });
    }
    let coeff_a = C::from_base(&P::COEFF_A);
    let half = lvl.x.len() / 2 + b;
    let mut next = Level {
        x: Vec::with_capacity(half),
        y: Vec::with_capacity(half),
        inf: Vec::with_capacity(half),
        bounds: Vec::with_capacity(b + 1),
    };
    let mut den: Vec<C> = Vec::new();
    let mut pre: Vec<C> = Vec::new();
    loop {
        if lvl.bounds.windows(2).all(|r| r[1] - r[0] <= 1) {
            break;
        }
        // Denominators of every pair (x2 - x1, or 2 y1 to double; 1 when no inversion is needed).
        den.clear();
        for r in lvl.bounds.windows(2) {
            let (s, e) = (r[0] as usize, r[1] as usize);
            let mut i = s;
            while i + 1 < e {
                let d = if lvl.inf[i] || lvl.inf[i + 1] {
                    C::one()
                } else if lvl.x[i] != lvl.x[i + 1] {
                    lvl.x[i + 1].sub(&lvl.x[i])
                } else if lvl.y[i] == lvl.y[i + 1] && !lvl.y[i].is_zero() {
                    lvl.y[i].double()
                } else {
                    C::one() // opposite points: the identity
                };
                den.push(d);
                i += 2;
            }
        }
        // Batch inversion (Montgomery's trick); every denominator is non-zero.
        pre.clear();
        let mut acc = C::one();
        for d in &den {
            pre.push(acc);
            acc = acc.mul(d);
        }
        let mut inv = acc.inverse().unwrap_or_else(C::one);
        for k in (0..den.len()).rev() {
            let d = den[k];
            den[k] = inv.mul(&pre[k]);
            inv = inv.mul(&d);
        }
        // Next level (into the spare buffers).
        next.x.clear();
        next.y.clear();
        next.inf.clear();
        next.bounds.clear();
        next.bounds.push(0);
        let mut k = 0;
        for r in lvl.bounds.windows(2) {
            let (s, e) = (r[0] as usize, r[1] as usize);
            let mut i = s;
            while i + 1 < e {
                let (x1, y1, x2, y2) = (lvl.x[i], lvl.y[i], lvl.x[i + 1], lvl.y[i + 1]);
                let dinv = den[k];
                k += 1;
                if lvl.inf[i] || lvl.inf[i + 1] {
                    let j = if lvl.inf[i] { i + 1 } else { i };
                    next.x.push(lvl.x[j]);
                    next.y.push(lvl.y[j]);
                    next.inf.push(lvl.inf[i] && lvl.inf[i + 1]);
                } else if x1 != x2 || (y1 == y2 && !y1.is_zero()) {
                    let lambda = if x1 != x2 {
                        y2.sub(&y1).mul(&dinv)
                    } else {
                        // Doubling: (3 x^2 + a) / 2y.
                        let x2s = x1.square();
                        x2s.double().add(&x2s).add(&coeff_a).mul(&dinv)
                    };
                    let x3 = lambda.square().sub(&x1).sub(&x2);
                    let y3 = lambda.mul(&x1.sub(&x3)).sub(&y1);
                    next.x.push(x3);
                    next.y.push(y3);
                    next.inf.push(false);
                } else {
                    next.x.push(C::zero());
                    next.y.push(C::zero());
                    next.inf.push(true);
                }
                i += 2;
            }
            if (e - s) % 2 == 1 {
                next.x.push(lvl.x[e - 1]);
                next.y.push(lvl.y[e - 1]);
                next.inf.push(lvl.inf[e - 1]);
            }
            next.bounds.push(next.x.len() as u32);
        }
        std::mem::swap(&mut lvl, &mut next);
    }
    lvl.bounds
        .windows(2)
        .map(|r| {
            let i = r[0] as usize;
            (r[1] > r[0] && !lvl.inf[i])
                .then(|| Affine::new_unchecked(lvl.x[i].to_base(), lvl.y[i].to_base()))
        })
        .collect()
}

/// `sum (b + 1) B_b` for one window (running sum, Jacobian).
fn window_sum<P, C>(plan: &Plan, coords: &[(C, C)], w: u32) -> Projective<P>
where
    P: SWCurveConfig,
    C: Coord<P::BaseField>,
{
    let sums = bucket_sums::<P, C>(plan, coords, w);
    let mut acc = Projective::<P>::zero();
    let mut total = Projective::<P>::zero();
    let mut started = false;
    for s in sums.iter().rev() {
        if let Some(p) = s {
            acc += p;
            started = true;
        }
        if started {
            total += acc;
        }
    }
    total
}

/// `sum scalars[i] bases[i]` on CPU threads (see the module documentation), with this target's
/// fastest coordinates. Scalars canonical.
pub fn msm<P: CpuCurve>(bases: &[Affine<P>], scalars: &[BigInt<4>]) -> Projective<P> {
    msm_with::<P, P::Fast>(bases, scalars)
}

/// [`msm`] with the bucket additions in coordinates `C` (every choice gives the same result).
pub fn msm_with<P, C>(bases: &[Affine<P>], scalars: &[BigInt<4>]) -> Projective<P>
where
    P: SWCurveConfig,
    C: Coord<P::BaseField>,
{
    let n = bases.len().min(scalars.len());
    if n == 0 {
        return Projective::zero();
    }
    let used = scalars[..n]
        .iter()
        .filter(|s| !ark_ff::BigInteger::is_zero(*s))
        .count();
    let config = PlanConfig {
        window_bits: Some(cpu_window_bits(used)),
        ..PlanConfig::default()
    };
    let plan = Plan::build(n, scalars, |i| bases[i].is_zero(), &config, false);
    // The used points in coordinates `C`, converted once (not once per window); the plan keeps
    // finite points only.
    let convert = |&i: &u32| {
        let (x, y) = bases[i as usize].xy().unwrap_or_default();
        (C::from_base(&x), C::from_base(&y))
    };
    #[cfg(feature = "parallel")]
    let coords: Vec<(C, C)> = plan.point_index.par_iter().map(convert).collect();
    #[cfg(not(feature = "parallel"))]
    let coords: Vec<(C, C)> = plan.point_index.iter().map(convert).collect();
    let per_window = |w: u32| window_sum::<P, C>(&plan, &coords, w);
    #[cfg(feature = "parallel")]
    let sums: Vec<Projective<P>> = (0..plan.windows).into_par_iter().map(per_window).collect();
    #[cfg(not(feature = "parallel"))]
    let sums: Vec<Projective<P>> = (0..plan.windows).map(per_window).collect();
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
    use ark_bn254::{Fr, G1Projective, G2Projective};
    use ark_ec::{CurveGroup, PrimeGroup, VariableBaseMSM};
    use ark_ff::{PrimeField, UniformRand};
    use rand::SeedableRng;

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

    #[test]
    fn batch_affine_msm_equals_arkworks_g1_and_g2() {
        let mut rng = rand_chacha::ChaCha20Rng::seed_from_u64(22);
        for n in [1usize, 2, 5, 33, 500, 3000] {
            let g1: Vec<_> = (0..n)
                .map(|_| (G1Projective::generator() * Fr::rand(&mut rng)).into_affine())
                .collect();
            let g2: Vec<_> = (0..n)
                .map(|_| (G2Projective::generator() * Fr::rand(&mut rng)).into_affine())
                .collect();
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
