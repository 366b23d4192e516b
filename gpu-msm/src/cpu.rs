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
//!    (identity) are handled exactly.
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
    /// `a^2 + b^2` (the norm of `a + b u` in `Fq2`); a representation with a fused sum of
    /// products overrides it.
    fn sum_of_squares(a: &Self, b: &Self) -> Self {
        a.square().add(&b.square())
    }
    /// The inverse, or `None` for zero.
    fn inverse(&self) -> Option<Self>;
    /// Replaces every value (all non-zero) by its inverse with one field inversion:
    /// Montgomery's trick, 3 products per value ([`montgomery_batch_inverse`]). Quadratic
    /// extensions override it with the norm ([`batch_inverse_by_norm`]).
    fn batch_inverse(values: &mut [Self]) {
        montgomery_batch_inverse::<F, Self>(values);
    }
}

/// Montgomery's trick: with prefix products `q_k = v_0 ... v_{k-1}` and one inversion of
/// `q_n`, the inverses come out backwards as `1/v_k = q_k (1/q_{k+1})` and
/// `1/q_k = v_k (1/q_{k+1})`: 3 products per value. Values must be non-zero (a zero would make
/// every result wrong; the callers put 1 where there is nothing to invert).
pub fn montgomery_batch_inverse<F, C: Coord<F>>(values: &mut [C]) {
    let mut prefix = Vec::with_capacity(values.len());
    let mut acc = C::one();
    for v in values.iter() {
        prefix.push(acc);
        acc = acc.mul(v);
    }
    let mut inv = acc.inverse().unwrap_or_else(C::one);
    for (v, q) in values.iter_mut().zip(&prefix).rev() {
        let value = *v;
        *v = inv.mul(q);
        inv = inv.mul(&value);
    }
}

/// Batch inversion in `Fq2 = Fq[u]/(u^2 + 1)` through the norm:
/// `1/(a + b u) = (a - b u) / (a^2 + b^2)`. The norms `a^2 + b^2` lie in the base field and
/// are inverted there with Montgomery's trick, so a value costs 2 squarings (fused into one
/// sum of products with one reduction where the base field has it:
/// [`Coord::sum_of_squares`]), 3 base products and 2 more for `(a - b u) n^{-1}`: 7 base
/// products, against 9 for the trick run on `Fq2` itself (3 `Fq2` products of 3 base products each). The norm of a non-zero value is non-zero
/// because `-1` is not a square modulo BN254's `p` (`p = 3 mod 4`), so `a^2 = -b^2` forces
/// `a = b = 0`.
pub fn batch_inverse_by_norm<B: Coord<Fq>, E>(
    values: &mut [E],
    parts: impl Fn(&E) -> (B, B),
    join: impl Fn(B, B) -> E,
) {
    let mut norms: Vec<B> = values
        .iter()
        .map(|v| {
            let (a, b) = parts(v);
            B::sum_of_squares(&a, &b)
        })
        .collect();
    montgomery_batch_inverse::<Fq, B>(&mut norms);
    for (v, n) in values.iter_mut().zip(&norms) {
        let (a, b) = parts(v);
        *v = join(a.mul(n), b.neg().mul(n));
    }
}

/// arkworks' fields as their own coordinates.
macro_rules! ark_coord {
    ($f:ty $(, $extra:item)*) => {
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
            $($extra)*
        }
    };
}
ark_coord!(Fq);
ark_coord!(
    Fq2,
    fn batch_inverse(values: &mut [Self]) {
        batch_inverse_by_norm(values, |v| (v.c0, v.c1), Fq2::new);
    }
);

/// The 29-bit-limb fields as coordinates (inversion goes through arkworks: once per round).
macro_rules! limb29_coord {
    ($t:ty, $f:ty $(, $extra:item)*) => {
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
            $($extra)*
        }
    };
}
limb29_coord!(
    Fq29,
    Fq,
    /// One reduction for both squares ([`Fq29::sum_of_two_products`]).
    fn sum_of_squares(a: &Self, b: &Self) -> Self {
        Fq29::sum_of_two_products([a, b], [a, b])
    }
);
limb29_coord!(
    Fq2x29,
    Fq2,
    fn batch_inverse(values: &mut [Self]) {
        batch_inverse_by_norm(values, |v| (v.c0, v.c1), |c0, c1| Fq2x29 { c0, c1 });
    }
);

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
        // One batch inversion for the whole round; every denominator is non-zero.
        C::batch_inverse(&mut den);
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

/// Checks the 29-bit-limb coordinates against arkworks, value for value, on edge values
/// (0, 1, 2, `p - 1`, `p - 2`, `1/2 = (p + 1)/2`, `(p - 1)/2`, `2^253`, `2^64 - 1`, and `Fq2`
/// values built from them) and `randoms` random ones: products, squares, sums, differences,
/// negations, doublings and both batch inversions; products, sums and differences in `Fq` are
/// compared limb for limb with the converted arkworks result (canonical form: equal values
/// have equal limbs), the rest through `to_ark`. Returns
/// the number of comparisons, or the first mismatch. The same function runs natively (unit
/// test) and in wasm (the web prover's `fieldSelfTest`, called in Node and in Chromium), where
/// the 29-bit products are the ones the MSM uses.
pub fn coordinates_agree_with_arkworks(randoms: usize) -> Result<usize, String> {
    use ark_ff::UniformRand;
    let mut rng = ark_std::test_rng();
    let mut fq = zkagg_field29::self_check::edge_values();
    fq.extend((0..randoms).map(|_| Fq::rand(&mut rng)));
    let mut count = 0;
    let mut same = |ok: bool, what: &dyn Fn() -> String| {
        count += 1;
        if ok {
            Ok(())
        } else {
            Err(what())
        }
    };
    for a in &fq {
        let x = Fq29::from_ark(a);
        same(x.to_ark() == *a, &|| format!("round trip of {a}"))?;
        same(x.square().to_ark() == Field::square(a), &|| {
            format!("{a}^2")
        })?;
        same(x.neg().to_ark() == -*a, &|| format!("-{a}"))?;
        same(x.double().to_ark() == AdditiveGroup::double(a), &|| {
            format!("2 {a}")
        })?;
        same(x.is_zero() == Zero::is_zero(a), &|| format!("{a} == 0"))?;
        for b in fq.iter().take(24) {
            let y = Fq29::from_ark(b);
            same(x.mul(&y) == Fq29::from_ark(&(*a * b)), &|| {
                format!("{a} * {b}")
            })?;
            same(x.add(&y) == Fq29::from_ark(&(*a + b)), &|| {
                format!("{a} + {b}")
            })?;
            same(x.sub(&y) == Fq29::from_ark(&(*a - b)), &|| {
                format!("{a} - {b}")
            })?;
        }
    }
    let mut fq2: Vec<Fq2> = fq
        .iter()
        .zip(fq.iter().rev())
        .map(|(a, b)| Fq2::new(*a, *b))
        .collect();
    fq2.extend(fq.iter().map(|a| Fq2::new(Fq::ZERO, *a)));
    for a in &fq2 {
        let x = Fq2x29::from_ark(a);
        same(x.square().to_ark() == Field::square(a), &|| {
            format!("({a})^2")
        })?;
        same(x.neg().to_ark() == -*a, &|| format!("-({a})"))?;
        for b in fq2.iter().take(16) {
            let y = Fq2x29::from_ark(b);
            same(x.mul(&y).to_ark() == *a * b, &|| format!("({a}) * ({b})"))?;
            same(x.sub(&y).to_ark() == *a - b, &|| format!("({a}) - ({b})"))?;
        }
    }
    let nonzero: Vec<Fq> = fq.iter().copied().filter(|a| !Zero::is_zero(a)).collect();
    let mut inverses: Vec<Fq29> = nonzero.iter().map(Fq29::from_ark).collect();
    <Fq29 as Coord<Fq>>::batch_inverse(&mut inverses);
    for (a, i) in nonzero.iter().zip(&inverses) {
        same(Some(i.to_ark()) == Field::inverse(a), &|| format!("1/{a}"))?;
    }
    let nonzero: Vec<Fq2> = fq2.iter().copied().filter(|a| !Zero::is_zero(a)).collect();
    let mut inverses: Vec<Fq2x29> = nonzero.iter().map(Fq2x29::from_ark).collect();
    <Fq2x29 as Coord<Fq2>>::batch_inverse(&mut inverses);
    for (a, i) in nonzero.iter().zip(&inverses) {
        same(Some(i.to_ark()) == Field::inverse(a), &|| {
            format!("1/({a})")
        })?;
    }
    Ok(count)
}

#[cfg(test)]
mod tests {
    use super::*;
    use ark_bn254::{Fr, G1Projective, G2Projective};
    use ark_ec::{CurveGroup, PrimeGroup, VariableBaseMSM};
    use ark_ff::{PrimeField, UniformRand};
    use rand::SeedableRng;

    /// Every coordinate type's batch inversion (Montgomery's trick on the base fields, the
    /// norm on the `Fq2`s) gives arkworks' inverse of each value, on edge values (1, -1,
    /// `u`, `-u`, purely real and purely imaginary, `p - 1` parts) and random ones.
    #[test]
    fn batch_inverses_equal_arkworks() {
        let mut rng = rand_chacha::ChaCha20Rng::seed_from_u64(17);
        let m1 = -Fq::ONE;
        let mut fq2: Vec<Fq2> = [
            (Fq::ONE, Fq::ZERO),
            (m1, Fq::ZERO),
            (Fq::ZERO, Fq::ONE),
            (Fq::ZERO, m1),
            (m1, m1),
            (Fq::from(2u64), m1),
            (Fq::ONE, Fq::ONE),
        ]
        .into_iter()
        .map(|(a, b)| Fq2::new(a, b))
        .collect();
        fq2.extend((0..300).map(|_| Fq2::rand(&mut rng)));
        let fq: Vec<Fq> = fq2
            .iter()
            .flat_map(|v| [v.c0, v.c1])
            .filter(|x| !Zero::is_zero(x))
            .collect();
        fn check<F: Field, C: Coord<F> + std::fmt::Debug>(values: &[F]) {
            let mut coords: Vec<C> = values.iter().map(C::from_base).collect();
            C::batch_inverse(&mut coords);
            for (v, c) in values.iter().zip(&coords) {
                assert_eq!(c.to_base(), v.inverse().unwrap(), "1/{v}");
            }
        }
        check::<Fq, Fq>(&fq);
        check::<Fq, Fq29>(&fq);
        check::<Fq2, Fq2>(&fq2);
        check::<Fq2, Fq2x29>(&fq2);
        check::<Fq2, Fq2x29>(&fq2[..1]);
        check::<Fq2, Fq2x29>(&[]);
    }

    #[test]
    fn limb29_coordinates_agree_with_arkworks() {
        let checks = coordinates_agree_with_arkworks(64).unwrap();
        assert!(checks > 5_000, "{checks}");
    }

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
