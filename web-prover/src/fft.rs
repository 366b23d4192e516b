//! Radix-2 FFTs over BN254's scalar field on 29-bit limbs ([`Fr29`]): the QAP step of both
//! provers in wasm.
//!
//! wasm32 has no 64x64 -> 128-bit product, so arkworks' `Fr` product costs about twice the
//! 29-bit one there (`docs/design/field29.md`), and the QAP's FFTs are almost all products: a
//! transform of `n` points is `(n / 2) log2(n)` butterflies `(x, y) -> (x + w y, x - w y)`.
//! Natively arkworks' own FFT stays faster (its 64-bit product is native), so the QAP modules
//! use this one in wasm only; the tests run it natively against arkworks'.
//!
//! [`Domain29::fft`] is the iterative decimation-in-time transform: the input permuted into
//! bit-reversed order, then `log2(n)` levels of butterflies, level `k` pairing entries `2^k`
//! apart with the twiddles `w^(j n / 2^(k+1))`. The levels whose blocks fit [`CACHE_BLOCK`]
//! entries run block by block (all those levels on one block while it is in cache), each
//! block on its own thread; the wider levels split each block's butterflies across threads.
//! Both orders compute the same butterflies, so the result does not depend on the threads.

use ark_bn254::Fr;
use ark_ff::{AdditiveGroup, BigInt, FftField, Field, PrimeField};
use zkagg_field29::fq29::to_limbs;
use zkagg_field29::{Fr29, FrModulus, Modulus29};

#[cfg(feature = "parallel")]
use rayon::prelude::*;

use crate::{Error, Result};

/// Entries per cache block in the narrow levels (`4096 * 36` bytes: fits a core's L2).
const CACHE_BLOCK: usize = 1 << 12;
/// Butterflies per task in the wide levels.
const WIDE_PIECE: usize = 1 << 11;

/// The multiplicative subgroup of the `n`-th roots of unity (`n` a power of two), with its
/// twiddles precomputed on 29-bit limbs.
pub struct Domain29 {
    n: usize,
    log_n: u32,
    /// `w^j` for `j < n / 2`, `w` arkworks' primitive `n`-th root of unity (BN254's standard
    /// `5^((r - 1) / 2^28)` raised to `2^28 / n`, the one snarkjs uses too).
    roots: Vec<Fr29>,
    /// `w^-j` for `j < n / 2`.
    inverse_roots: Vec<Fr29>,
}

impl Domain29 {
    /// The domain of `n` points; an error if `n` is not a power of two of at least 2 or the
    /// field has no `n`-th roots of unity (`n > 2^28`).
    pub fn new(n: usize) -> Result<Self> {
        if n < 2 || !n.is_power_of_two() {
            return Err(Error::Unsupported(format!(
                "FFT domain of {n} points: not a power of two of at least 2"
            )));
        }
        let w = Fr::get_root_of_unity(n as u64)
            .ok_or_else(|| Error::Unsupported(format!("no FFT domain of {n} points")))?;
        // w is a root of unity: never zero, so it has an inverse.
        let w_inv = w.inverse().unwrap_or_default();
        Ok(Self {
            n,
            log_n: n.trailing_zeros(),
            roots: powers(&w, &Fr::ONE, n / 2),
            inverse_roots: powers(&w_inv, &Fr::ONE, n / 2),
        })
    }

    /// The number of points.
    pub fn size(&self) -> usize {
        self.n
    }

    /// Evaluations from coefficients: `v_i := sum_j v_j w^(i j)`.
    pub fn fft(&self, v: &mut [Fr29]) -> Result<()> {
        self.transform(v, &self.roots)
    }

    /// Coefficients from evaluations, times `n`: `v_i := sum_j v_j w^(-i j)` (the inverse FFT
    /// without its factor `1 / n`, which callers fold into a scaling pass of their own).
    pub fn ifft_times_n(&self, v: &mut [Fr29]) -> Result<()> {
        self.transform(v, &self.inverse_roots)
    }

    /// The DIT transform with `roots[j] = x^j`, `x` a primitive `n`-th root of unity.
    fn transform(&self, v: &mut [Fr29], roots: &[Fr29]) -> Result<()> {
        let n = self.n;
        if v.len() != n {
            return Err(Error::Unsupported(format!(
                "FFT of {} values on a domain of {n} points",
                v.len()
            )));
        }
        bit_reverse(v, self.log_n);
        let narrow = CACHE_BLOCK.min(n);
        for_each_chunk(v, narrow, |block| {
            let mut half = 1;
            while half < block.len() {
                level(block, half, roots, n / (2 * half));
                half *= 2;
            }
        });
        let mut half = narrow;
        while half < n {
            let stride = n / (2 * half);
            // The level's blocks side by side as well as each block's pieces, so that no
            // thread waits at the end of every block.
            for_each_chunk(v, 2 * half, |block| {
                let (low, high) = block.split_at_mut(half);
                wide_level(low, high, roots, stride);
            });
            half *= 2;
        }
        Ok(())
    }
}

/// One level of butterflies on `block` (a whole number of blocks of `2 half` entries), the
/// twiddle of pair `j` being `roots[j stride]`.
fn level(block: &mut [Fr29], half: usize, roots: &[Fr29], stride: usize) {
    for pair in block.chunks_mut(2 * half) {
        let (low, high) = pair.split_at_mut(half);
        butterflies(low, high, roots, 0, stride);
    }
}

/// One wide level's butterflies of one block, split across threads.
fn wide_level(low: &mut [Fr29], high: &mut [Fr29], roots: &[Fr29], stride: usize) {
    #[cfg(feature = "parallel")]
    low.par_chunks_mut(WIDE_PIECE)
        .zip(high.par_chunks_mut(WIDE_PIECE))
        .enumerate()
        .for_each(|(k, (l, h))| butterflies(l, h, roots, k * WIDE_PIECE, stride));
    #[cfg(not(feature = "parallel"))]
    low.chunks_mut(WIDE_PIECE)
        .zip(high.chunks_mut(WIDE_PIECE))
        .enumerate()
        .for_each(|(k, (l, h))| butterflies(l, h, roots, k * WIDE_PIECE, stride));
}

/// `(low_j, high_j) := (low_j + t, low_j - t)` with `t = w high_j`, `w = roots[(first + j)
/// stride]`; the twiddle one (`first + j = 0`) without its product.
#[inline]
fn butterflies(low: &mut [Fr29], high: &mut [Fr29], roots: &[Fr29], first: usize, stride: usize) {
    for (j, (x, y)) in low.iter_mut().zip(high.iter_mut()).enumerate() {
        let index = (first + j) * stride;
        let t = if index == 0 { *y } else { y.mul(&roots[index]) };
        (*x, *y) = sum_and_difference(x, &t);
    }
}

/// `(a + b, a - b)` for canonical `a`, `b`, canonical, without branches: the two chains run
/// side by side and each correction (`- r` for the sum, `+ r` for the difference) is chosen
/// by a mask, as the choice depends on the data and would be mispredicted about half the time.
#[inline(always)]
fn sum_and_difference(a: &Fr29, b: &Fr29) -> (Fr29, Fr29) {
    const MASK: u32 = (1 << 29) - 1;
    let r = FrModulus::P;
    let (mut sum, mut diff) = ([0u32; 9], [0u32; 9]);
    let (mut carry, mut borrow) = (0u32, 0u32);
    for j in 0..9 {
        let s = a.0[j] + b.0[j] + carry;
        sum[j] = s & MASK;
        carry = s >> 29;
        let d = a.0[j].wrapping_sub(b.0[j]).wrapping_sub(borrow);
        diff[j] = d & MASK;
        borrow = d >> 31;
    }
    // sum - r (kept when it does not borrow); diff + r (kept when a - b borrowed).
    let (mut reduced, mut fixed) = ([0u32; 9], [0u32; 9]);
    let (mut borrow2, mut carry2) = (0u32, 0u32);
    for j in 0..9 {
        let d = sum[j].wrapping_sub(r[j]).wrapping_sub(borrow2);
        reduced[j] = d & MASK;
        borrow2 = d >> 31;
        let s = diff[j] + r[j] + carry2;
        fixed[j] = s & MASK;
        carry2 = s >> 29;
    }
    let keep_sum = 0u32.wrapping_sub(borrow2);
    let take_fixed = 0u32.wrapping_sub(borrow);
    for j in 0..9 {
        sum[j] = (sum[j] & keep_sum) | (reduced[j] & !keep_sum);
        diff[j] = (fixed[j] & take_fixed) | (diff[j] & !take_fixed);
    }
    (Fr29::raw(sum), Fr29::raw(diff))
}

/// Permute `v` (of `2^log_n` entries) into bit-reversed index order: with threads, out of
/// place from a copy (each thread writes its own chunks, reading where their entries come
/// from), else by swaps in place.
fn bit_reverse(v: &mut [Fr29], log_n: u32) {
    if log_n == 0 {
        return;
    }
    let shift = usize::BITS - log_n;
    #[cfg(feature = "parallel")]
    if rayon::current_num_threads() > 1 {
        let source = v.to_vec();
        v.par_chunks_mut(CACHE_BLOCK)
            .enumerate()
            .for_each(|(k, chunk)| {
                for (j, x) in chunk.iter_mut().enumerate() {
                    *x = source[(k * CACHE_BLOCK + j).reverse_bits() >> shift];
                }
            });
        return;
    }
    for i in 0..v.len() {
        let j = i.reverse_bits() >> shift;
        if i < j {
            v.swap(i, j);
        }
    }
}

/// `f` on consecutive chunks of `size` entries, on rayon's pool when there is one.
fn for_each_chunk(v: &mut [Fr29], size: usize, f: impl Fn(&mut [Fr29]) + Send + Sync) {
    #[cfg(feature = "parallel")]
    v.par_chunks_mut(size).for_each(f);
    #[cfg(not(feature = "parallel"))]
    v.chunks_mut(size).for_each(f);
}

/// `first * base^i` for `i < count`, on 29-bit limbs: computed in chunks from
/// `first * base^(chunk start)` (one exponentiation per chunk) so that threads share the work.
pub fn powers(base: &Fr, first: &Fr, count: usize) -> Vec<Fr29> {
    let mut out = vec![Fr29::ZERO; count];
    let step = Fr29::from_ark(base);
    let chunk = CACHE_BLOCK;
    let fill = |(k, part): (usize, &mut [Fr29])| {
        let start = *first * base.pow([(k * chunk) as u64]);
        let mut x = Fr29::from_ark(&start);
        for slot in part.iter_mut() {
            *slot = x;
            x = x.mul(&step);
        }
    };
    #[cfg(feature = "parallel")]
    out.par_chunks_mut(chunk).enumerate().for_each(fill);
    #[cfg(not(feature = "parallel"))]
    out.chunks_mut(chunk).enumerate().for_each(fill);
    out
}

/// `v_i := v_i * scale_i` (pointwise, on rayon's pool when there is one).
pub fn scale(v: &mut [Fr29], factors: &[Fr29]) {
    #[cfg(feature = "parallel")]
    v.par_iter_mut()
        .zip(factors.par_iter())
        .for_each(|(x, s)| *x = x.mul(s));
    #[cfg(not(feature = "parallel"))]
    v.iter_mut()
        .zip(factors.iter())
        .for_each(|(x, s)| *x = x.mul(s));
}

/// The two forms of `Fr` the QAP's evaluations are computed in: arkworks' (natively) and
/// 29-bit limbs (in wasm, where its product is the faster one).
pub trait EvalField: Copy + Send + Sync {
    /// Zero, where sums start.
    const EMPTY_SUM: Self;
    /// The element whose stored limbs are the integer `v` (below `r`), without a product:
    /// `v 2^-256` for arkworks' `Fr`, `v 2^-261` on 29-bit limbs.
    fn from_stored(v: &BigInt<4>) -> Self;
    /// The plain integer `v` (below `r`, as a witness holds it): the element `v` in arkworks'
    /// `Fr` (one product), `v 2^-261` on 29-bit limbs (the limbs as they are, no product).
    fn from_integer(v: &BigInt<4>) -> Self;
    /// `self + other`.
    fn plus(&self, other: &Self) -> Self;
    /// `self * other`.
    fn times(&self, other: &Self) -> Self;
}

impl EvalField for Fr {
    const EMPTY_SUM: Self = <Fr as AdditiveGroup>::ZERO;
    #[inline(always)]
    fn from_stored(v: &BigInt<4>) -> Self {
        Fr::new_unchecked(*v)
    }
    #[inline(always)]
    fn from_integer(v: &BigInt<4>) -> Self {
        // Callers pass values below r (the witness parser refuses others).
        Fr::from_bigint(*v).unwrap_or_default()
    }
    #[inline(always)]
    fn plus(&self, other: &Self) -> Self {
        *self + other
    }
    #[inline(always)]
    fn times(&self, other: &Self) -> Self {
        *self * other
    }
}

impl EvalField for Fr29 {
    const EMPTY_SUM: Self = Fr29::ZERO;
    #[inline(always)]
    fn from_stored(v: &BigInt<4>) -> Self {
        Fr29::raw(to_limbs(&v.0))
    }
    #[inline(always)]
    fn from_integer(v: &BigInt<4>) -> Self {
        Fr29::raw(to_limbs(&v.0))
    }
    #[inline(always)]
    fn plus(&self, other: &Self) -> Self {
        self.add(other)
    }
    #[inline(always)]
    fn times(&self, other: &Self) -> Self {
        self.mul(other)
    }
}

/// arkworks values on 29-bit limbs without a product each: the element `x 2^-5` for `x`
/// ([`Fr29::from_ark_limbs`]); the QAP folds the factor into its scaling tables.
pub fn read_scaled(v: &[Fr]) -> Vec<Fr29> {
    #[cfg(feature = "parallel")]
    return v.par_iter().map(Fr29::from_ark_limbs).collect();
    #[cfg(not(feature = "parallel"))]
    return v.iter().map(Fr29::from_ark_limbs).collect();
}

/// `f(x_i, y_i)` for each pair, on rayon's pool when there is one.
pub fn zip_map(
    x: &[Fr29],
    y: &[Fr29],
    f: impl Fn(&Fr29, &Fr29) -> Fr29 + Send + Sync,
) -> Vec<Fr29> {
    #[cfg(feature = "parallel")]
    return x
        .par_iter()
        .zip(y.par_iter())
        .map(|(a, b)| f(a, b))
        .collect();
    #[cfg(not(feature = "parallel"))]
    return x.iter().zip(y.iter()).map(|(a, b)| f(a, b)).collect();
}

/// The integers held in the limbs ([`Fr29::limbs_as_integer`]): `y` for elements `y 2^-261`.
pub fn integers(v: &[Fr29]) -> Vec<BigInt<4>> {
    #[cfg(feature = "parallel")]
    return v.par_iter().map(Fr29::limbs_as_integer).collect();
    #[cfg(not(feature = "parallel"))]
    return v.iter().map(Fr29::limbs_as_integer).collect();
}

/// `2^e` in the scalar field (`e` of either sign).
pub fn power_of_two(e: i64) -> Fr {
    let x = Fr::from(2u64).pow([e.unsigned_abs()]);
    if e >= 0 {
        x
    } else {
        // 2 is invertible modulo the odd prime r.
        x.inverse().unwrap_or_default()
    }
}

/// The QAP's field and transforms checked against arkworks in whatever build runs it (the
/// web prover exports it through `fieldSelfTest`, so wasm's code generation is compared in
/// Node and Chromium, not only natively): `Fr29` products, sums, differences, the fused
/// butterfly sums, loose products and differences, and the conversions without a product on
/// the edge values 0, 1, 2, r - 1, r - 2, 1/2, -1/2, 2^253, 2^64 - 1 and `randoms` random
/// values; forward transforms of 2^5 and 2^14 points (narrow and wide levels) against the
/// transform's definition, and the inverse ones undoing them. (The reductions built on these
/// are checked against arkworks' natively, and in the browser by every proof's self-check.)
/// Returns the number of comparisons; the first mismatch is an error naming the operation.
pub fn qap_field_agrees_with_arkworks(randoms: usize) -> core::result::Result<usize, String> {
    use ark_ff::{PrimeField, UniformRand};
    use rand::SeedableRng;

    let mut rng = rand_chacha::ChaCha20Rng::seed_from_u64(13);
    let two = Fr::from(2u64);
    let half = power_of_two(-1);
    let mut values = vec![
        Fr::ZERO,
        Fr::ONE,
        two,
        -Fr::ONE,
        -two,
        half,
        -half,
        two.pow([253u64]),
        Fr::from(u64::MAX),
    ];
    values.extend((0..randoms).map(|_| Fr::rand(&mut rng)));
    let mut checks = zkagg_field29::self_check::Comparisons::default();
    let mut same = |ok: bool, what: &dyn Fn() -> String| checks.check(ok, what);
    let two_m5 = power_of_two(-5);
    let two_m261 = power_of_two(-261);
    for (i, a) in values.iter().enumerate() {
        let x = Fr29::from_ark(a);
        same(x.to_ark() == *a, &|| format!("round trip of {a}"))?;
        same(
            Fr29::from_ark_limbs(a) == Fr29::from_ark(&(*a * two_m5)),
            &|| format!("{a} read without a product"),
        )?;
        same(
            Fr29::from_ark(&(*a * two_m261)).limbs_as_integer() == a.into_bigint(),
            &|| format!("integer of {a}"),
        )?;
        for b in values.iter().skip(i % 5).step_by(5) {
            let y = Fr29::from_ark(b);
            same(x.mul(&y) == Fr29::from_ark(&(*a * b)), &|| {
                format!("{a} * {b}")
            })?;
            let (s, d) = sum_and_difference(&x, &y);
            same(s == Fr29::from_ark(&(*a + b)), &|| format!("{a} + {b}"))?;
            same(d == Fr29::from_ark(&(*a - b)), &|| format!("{a} - {b}"))?;
            same(x.add(&y) == s && x.sub(&y) == d, &|| {
                format!("{a} +- {b} (field29)")
            })?;
            let loose = x.sub_loose(&y).mul(&x.mul_loose(&y));
            same(loose == Fr29::from_ark(&((*a - b) * a * b)), &|| {
                format!("({a} - {b}) {a} {b} from loose factors")
            })?;
        }
    }
    // Transforms against the definition `sum_j v_j w^(i j)` (Horner's rule in arkworks' field:
    // no FFT of arkworks is linked into the wasm build for this): every output of 2^5 points,
    // 16 outputs of 2^14 (narrow and wide levels), and the inverse undoing the forward one.
    for (log_n, checked) in [(5u32, 32usize), (14, 16)] {
        let n = 1usize << log_n;
        let ours = Domain29::new(n).map_err(|e| e.to_string())?;
        let w = Fr::get_root_of_unity(n as u64).ok_or("no root of unity")?;
        let v: Vec<Fr> = (0..n).map(|i| values[i % values.len()]).collect();
        let mut x: Vec<Fr29> = v.iter().map(Fr29::from_ark).collect();
        ours.fft(&mut x).map_err(|e| e.to_string())?;
        for k in 0..checked {
            let i = (k * 7919) % n;
            let point = w.pow([i as u64]);
            let expected = v.iter().rev().fold(Fr::ZERO, |acc, c| acc * point + c);
            same(x[i].to_ark() == expected, &|| {
                format!("FFT of 2^{log_n} points, output {i}")
            })?;
        }
        ours.ifft_times_n(&mut x).map_err(|e| e.to_string())?;
        let n_fr = Fr::from(n as u64);
        same(
            x.iter().zip(&v).all(|(x, y)| x.to_ark() == *y * n_fr),
            &|| format!("inverse FFT of 2^{log_n} points"),
        )?;
    }
    Ok(checks.count())
}

#[cfg(test)]
mod tests {
    use super::*;
    use ark_ff::UniformRand;
    use ark_poly::{EvaluationDomain, Radix2EvaluationDomain};
    use rand::SeedableRng;

    fn to29(v: &[Fr]) -> Vec<Fr29> {
        v.iter().map(Fr29::from_ark).collect()
    }

    fn to_ark(v: &[Fr29]) -> Vec<Fr> {
        v.iter().map(Fr29::to_ark).collect()
    }

    /// Forward and inverse transforms equal arkworks' on every size from 2 to 2^14 (the
    /// narrow levels only, then narrow and wide ones), on random values and on edge ones; on
    /// this machine's pool and, with threads, on pools of one thread (the in-place bit
    /// reversal) and three.
    #[test]
    fn transforms_equal_arkworks() {
        transforms_equal_arkworks_here();
        #[cfg(feature = "parallel")]
        for threads in [1, 3] {
            rayon::ThreadPoolBuilder::new()
                .num_threads(threads)
                .build()
                .expect("thread pool")
                .install(transforms_equal_arkworks_here);
        }
    }

    fn transforms_equal_arkworks_here() {
        let mut rng = rand_chacha::ChaCha20Rng::seed_from_u64(17);
        for log_n in 1..=14u32 {
            let n = 1usize << log_n;
            let ark = Radix2EvaluationDomain::<Fr>::new(n).unwrap();
            let ours = Domain29::new(n).unwrap();
            let mut values: Vec<Fr> = (0..n).map(|_| Fr::rand(&mut rng)).collect();
            values[0] = Fr::from(0u64);
            values[n - 1] = -Fr::ONE;
            if n > 2 {
                values[1] = Fr::ONE;
            }
            let mut v = to29(&values);
            ours.fft(&mut v).unwrap();
            assert_eq!(to_ark(&v), ark.fft(&values), "fft of 2^{log_n}");
            let mut v = to29(&values);
            ours.ifft_times_n(&mut v).unwrap();
            let n_fr = Fr::from(n as u64);
            let expected: Vec<Fr> = ark.ifft(&values).iter().map(|x| *x * n_fr).collect();
            assert_eq!(to_ark(&v), expected, "ifft of 2^{log_n}");
        }
    }

    #[test]
    fn self_check_passes() {
        assert!(qap_field_agrees_with_arkworks(20).unwrap() > 300);
    }

    #[test]
    fn bad_sizes_are_errors() {
        assert!(Domain29::new(0).is_err());
        assert!(Domain29::new(1).is_err());
        assert!(Domain29::new(12).is_err());
        assert!(Domain29::new(1 << 29).is_err());
        let d = Domain29::new(8).unwrap();
        assert!(d.fft(&mut [Fr29::ZERO; 4]).is_err());
        assert!(d.ifft_times_n(&mut [Fr29::ZERO; 16]).is_err());
    }

    #[test]
    fn powers_cross_chunks() {
        let (base, first) = (Fr::from(7u64), Fr::from(3u64));
        let p = powers(&base, &first, 3 * CACHE_BLOCK + 5);
        let mut x = first;
        for (i, y) in p.iter().enumerate() {
            assert_eq!(y.to_ark(), x, "power {i}");
            x *= base;
        }
    }
}
