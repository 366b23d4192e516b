//! BN254's fields with **29-bit limbs**: [`Fq29`], the coordinate arithmetic of the CPU MSM in
//! wasm and the product rounds under the wasm verifier's pairing ([`crate::backend`]); [`Fr29`],
//! the same code over the scalar field's prime, for the web prover's QAP. Both are [`Fp29`] over
//! a [`Modulus29`].
//!
//! wasm32 has a native `i64.mul` but no 64x64 -> 128-bit product, so arkworks' Montgomery
//! product on four 64-bit limbs emulates every one of its 32 wide products with four 32-bit
//! ones and a chain of carries. Here an element is nine limbs of 29 bits (261 bits, Montgomery
//! radix `R = 2^261`): a limb product is below `2^58`, so the products of a Montgomery round
//! are summed in `u64` columns **without carry propagation** (at most 18 products reach a column,
//! `18 (2^29 - 1)^2 < 2^63`), and carries are resolved once, at the end. This is the layout
//! of the fastest wasm MSMs (ZPrize 2022, wasm track); the product is measured against
//! arkworks' in the web prover (`benchFieldMul`) and in `docs/BENCHMARKS.md`.
//!
//! Every value is kept **canonical** (limbs below `2^29`, value below `p`), so equality is limb
//! equality. Conversions to and from arkworks' representation cost one product each
//! ([`Fp29::from_ark_limbs`] and [`Fp29::limbs_as_integer`] convert without one, for callers
//! that fold the factor into a product of their own).

use core::marker::PhantomData;

use ark_bn254::{FqConfig, FrConfig};
use ark_ff::{BigInt, Fp, MontBackend, MontConfig};

pub(crate) const LIMBS: usize = 9;
pub(crate) const BITS: u32 = 29;
pub(crate) const MASK: u32 = (1 << BITS) - 1;

/// A BN254 prime (`p` of the base field, `r` of the scalar field; both below `2^254`, which
/// every bound below assumes: `6p < 8p < 2^261 = R`) and the constants its 29-bit form needs,
/// all derived at compile time from arkworks' Montgomery constants for it.
pub trait Modulus29: Copy + Clone + core::fmt::Debug + PartialEq + Eq + Default + 'static {
    /// arkworks' four-word Montgomery configuration of the same prime.
    type Config: MontConfig<4>;
    /// The prime in 29-bit limbs, little endian.
    const P: [u32; LIMBS] = to_limbs(&<Self::Config as MontConfig<4>>::MODULUS.0);
    /// `-p^{-1} mod 2^29` (arkworks' `-p^{-1} mod 2^64`, reduced).
    const MU: u64 = <Self::Config as MontConfig<4>>::INV & MASK as u64;
    /// `2p` in 29-bit limbs ([`Fp29::neg_loose`]).
    const TWO_P: [u32; LIMBS] = twice(&Self::P);
    /// `2p` in nine limbs spread so that a canonical limb can be subtracted from each without a
    /// borrow: limb 0 is `2p`'s limb 0 plus `2^29`, limbs 1-7 plus `2^29 - 1`, limb 8 minus 1.
    /// The changes cancel: `2^29 + (2^29 - 1)(2^29 + 2^58 + ... + 2^203) - 2^232 = 0`. Limbs
    /// 0-7 are at least `2^29 - 1`, limb 8 at least `p`'s limb 8, all below `2^30`:
    /// [`Fp29::sub_loose`].
    const TWO_P_SPREAD: [u32; LIMBS] = spread(&Self::TWO_P);
    /// `2^266 mod p` in limbs: `mont(x 2^256, 2^266) = x 2^261`, the factor of
    /// [`Fp29::from_ark`].
    const TO_29: [u32; LIMBS] = to_limbs(&shl_mod(
        <Self::Config as MontConfig<4>>::R.0,
        10,
        &<Self::Config as MontConfig<4>>::MODULUS.0,
    ));
    /// `2^256 mod p` in limbs: `mont(x 2^261, 2^256) = x 2^256`, the factor of
    /// [`Fp29::to_ark`].
    const TO_ARK: [u32; LIMBS] = to_limbs(&<Self::Config as MontConfig<4>>::R.0);
}

/// BN254's base field `Fq` (the curves' coordinates).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default)]
pub struct FqModulus;
impl Modulus29 for FqModulus {
    type Config = FqConfig;
}

/// BN254's scalar field `Fr` (the QAP's polynomials in the web prover).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default)]
pub struct FrModulus;
impl Modulus29 for FrModulus {
    type Config = FrConfig;
}

/// `p` of the base field in 29-bit limbs ([`crate::lazy`] and [`crate::backend`] work on it).
pub(crate) const P: [u32; LIMBS] = FqModulus::P;
/// `-p^{-1} mod 2^29` for the base field.
pub(crate) const MU: u64 = FqModulus::MU;

/// `2q` in 29-bit limbs for `q < 2^260`.
const fn twice(q: &[u32; LIMBS]) -> [u32; LIMBS] {
    let mut out = [0u32; LIMBS];
    let mut carry = 0u32;
    let mut j = 0;
    while j < LIMBS {
        let s = 2 * q[j] + carry;
        out[j] = s & MASK;
        carry = s >> BITS;
        j += 1;
    }
    out
}

/// [`Modulus29::TWO_P_SPREAD`] from `2p`.
const fn spread(two_p: &[u32; LIMBS]) -> [u32; LIMBS] {
    let mut out = [0u32; LIMBS];
    out[0] = two_p[0] + (1 << BITS);
    let mut j = 1;
    while j < LIMBS - 1 {
        out[j] = two_p[j] + MASK;
        j += 1;
    }
    out[LIMBS - 1] = two_p[LIMBS - 1] - 1;
    out
}

/// Split a 256-bit little-endian integer into nine 29-bit limbs (the top limb takes bits
/// 232..255 only; callers pass values below `2^256`).
pub const fn to_limbs(w: &[u64; 4]) -> [u32; LIMBS] {
    let mut out = [0u32; LIMBS];
    let mut i = 0;
    while i < LIMBS {
        let bit = i * BITS as usize;
        let (word, shift) = (bit / 64, bit % 64);
        let mut v = w[word] >> shift;
        if shift + BITS as usize > 64 && word + 1 < 4 {
            v |= w[word + 1] << (64 - shift);
        }
        out[i] = (v as u32) & MASK;
        i += 1;
    }
    out
}

/// Inverse of [`to_limbs`] for values below `2^256`.
pub fn from_limbs(l: &[u32; LIMBS]) -> [u64; 4] {
    let mut w = [0u64; 4];
    for (i, &limb) in l.iter().enumerate() {
        let bit = i * BITS as usize;
        let (word, shift) = (bit / 64, bit % 64);
        w[word] |= u64::from(limb) << shift;
        if shift + BITS as usize > 64 && word + 1 < 4 {
            w[word + 1] |= u64::from(limb) >> (64 - shift);
        }
    }
    w
}

/// An element `x` of the field of `M` stored as `x 2^261 mod p` in nine canonical 29-bit limbs.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default)]
pub struct Fp29<M>(pub [u32; LIMBS], PhantomData<M>);

/// The arkworks field of the same prime.
pub type ArkField<M> = Fp<MontBackend<<M as Modulus29>::Config, 4>, 4>;

/// BN254's base field on 29-bit limbs.
pub type Fq29 = Fp29<FqModulus>;
/// BN254's scalar field on 29-bit limbs.
pub type Fr29 = Fp29<FrModulus>;

/// `x 2^k mod p` for a canonical `x` (below `p < 2^254`), by `k` modular doublings: every
/// intermediate `2x` stays below `2p < 2^255`, so it fits four words. `const`, so that
/// arkworks' constants convert at compile time.
const fn shl_mod(x: [u64; 4], k: u32, p: &[u64; 4]) -> [u64; 4] {
    let mut v = x;
    let mut round = 0;
    while round < k {
        // v = 2v (no carry out of the top word: v < 2^254).
        let mut i = 3;
        while i > 0 {
            v[i] = (v[i] << 1) | (v[i - 1] >> 63);
            i -= 1;
        }
        v[0] <<= 1;
        // v >= p ? v - p : v, comparing from the top word.
        let mut geq = true;
        let mut j = 4;
        while j > 0 {
            j -= 1;
            if v[j] != p[j] {
                geq = v[j] > p[j];
                break;
            }
        }
        if geq {
            let mut borrow = 0u64;
            let mut w = 0;
            while w < 4 {
                let (d, b1) = v[w].overflowing_sub(p[w]);
                let (d, b2) = d.overflowing_sub(borrow);
                v[w] = d;
                borrow = (b1 | b2) as u64;
                w += 1;
            }
        }
        round += 1;
    }
    v
}

/// The nine Montgomery rounds of `a b 2^-261` on limbs below `2^29` held in `u64`s: the
/// columns `t` of `(a b + M p) / 2^261`, carries not yet resolved ([`Fq29::mul`] explains the
/// bounds and why the rounds are spelled out).
#[inline(always)]
pub(crate) fn product_columns<M: Modulus29>(a: &[u64; LIMBS], b: &[u64; LIMBS]) -> [u64; LIMBS] {
    let p = M::P.map(u64::from);
    let mut t = [0u64; LIMBS];
    macro_rules! round {
        ($i:expr) => {{
            let bi = b[$i];
            let t0 = t[0] + a[0] * bi;
            let m = ((t0 & u64::from(MASK)) * M::MU) & u64::from(MASK);
            let carry = (t0 + m * p[0]) >> BITS;
            for j in 1..LIMBS {
                t[j - 1] = t[j] + a[j] * bi + m * p[j];
            }
            // Column 8 only ever received `a_8 b_i + m p_8`, now moved down: it restarts at 0
            // (and reads as 0 in the next round's `j = 8` term).
            t[LIMBS - 1] = 0;
            t[0] += carry;
        }};
    }
    round!(0);
    round!(1);
    round!(2);
    round!(3);
    round!(4);
    round!(5);
    round!(6);
    round!(7);
    round!(8);
    t
}

/// The columns of `(a0 b0 + a1 b1) 2^-261` with one reduction ([`Fq29::sum_of_two_products`]
/// gives the bounds).
#[inline(always)]
pub(crate) fn two_product_columns<M: Modulus29>(
    a0: &[u64; LIMBS],
    a1: &[u64; LIMBS],
    b0: &[u64; LIMBS],
    b1: &[u64; LIMBS],
) -> [u64; LIMBS] {
    let p = M::P.map(u64::from);
    let mut t = [0u64; LIMBS];
    macro_rules! round {
        ($i:expr) => {{
            let (x, y) = (b0[$i], b1[$i]);
            let t0 = t[0] + a0[0] * x + a1[0] * y;
            let m = ((t0 & u64::from(MASK)) * M::MU) & u64::from(MASK);
            let carry = (t0 + m * p[0]) >> BITS;
            for j in 1..LIMBS {
                t[j - 1] = t[j] + a0[j] * x + a1[j] * y + m * p[j];
            }
            t[LIMBS - 1] = 0;
            t[0] += carry;
        }};
    }
    round!(0);
    round!(1);
    round!(2);
    round!(3);
    round!(4);
    round!(5);
    round!(6);
    round!(7);
    round!(8);
    t
}

/// Resolve the columns' carries into limbs below `2^29` (same value, below `2p`).
#[inline(always)]
pub(crate) fn carry_columns(t: &[u64; LIMBS]) -> [u64; LIMBS] {
    let mut r = [0u64; LIMBS];
    let mut carry = 0u64;
    for j in 0..LIMBS {
        let s = t[j] + carry;
        r[j] = s & u64::from(MASK);
        carry = s >> BITS;
    }
    r
}

impl<M: Modulus29> Fp29<M> {
    /// The element whose limbs are `limbs` (the caller keeps them canonical, or loose where
    /// a method allows it).
    #[inline(always)]
    pub const fn raw(limbs: [u32; LIMBS]) -> Self {
        Fp29(limbs, PhantomData)
    }

    pub const ZERO: Self = Self::raw([0; LIMBS]);
    pub const ONE: Self = Self::from_ark_const(<ArkField<M> as ark_ff::Field>::ONE);

    /// The Montgomery product `a b 2^-261 mod p` (inputs canonical; output canonical).
    ///
    /// Coarsely integrated operand scanning with deferred carries: round `i` adds `a b_i` and
    /// `m p` (with `m = t_0 mu mod 2^29`, which makes `t_0` divisible by `2^29`) to the `u64`
    /// columns and shifts them down one limb, moving only `t_0`'s carry. The usual bound gives
    /// `T = (a b + M p) / R < (p^2 + R p) / R < 2p`; one conditional subtraction makes it
    /// canonical.
    ///
    /// Written for wasm's code generation: the nine rounds are spelled out, so the columns stay
    /// in locals instead of a stack array that a loop shifts through linear memory each round,
    /// and each column takes `a_j b_i` and `m p_j` in one pass (only column 0 is needed before
    /// `m` is known). The sums are the same, so the column bound above still holds. Measured
    /// against the looped form in the web prover's build (`docs/BENCHMARKS.md`): product chains
    /// 1.03x (Chromium) to 1.10x (Node) faster; in the browser's batch proof, where products are
    /// independent, the largest G1 MSM (`msm_h`) 1.25x and the whole proof (with the G2 norm
    /// inversion) 1.25x.
    ///
    /// The same bound holds for **loose** inputs ([`Fq29::mul_loose`], [`Fq29::sub_loose`]):
    /// with one factor below `3p` on limbs below `2^31` and the other below `2p` on limbs below
    /// `2^29`, a column receives at most 9 products below `2^60` and 9 below `2^58`
    /// (`< 2^63.4`: the `u64` columns still need no carries), and
    /// `T < (6 p^2 + R p) / R < 2p` because `6p < R`.
    #[inline(always)]
    pub fn mul(&self, other: &Self) -> Self {
        let t = product_columns::<M>(&self.0.map(u64::from), &other.0.map(u64::from));
        Self::normalize(&t)
    }

    /// [`Fq29::mul`] without the final conditional subtraction: a **loose** result, limbs below
    /// `2^29` but value below `2p` (not canonical, so not for `==`, sums or differences), fit
    /// as a factor of another product (its bound above), where it saves the subtraction's two
    /// passes. The batch-affine additions chain these through their batch inversion.
    #[inline]
    pub fn mul_loose(&self, other: &Self) -> Self {
        let t = product_columns::<M>(&self.0.map(u64::from), &other.0.map(u64::from));
        Self::raw(Self::carry(&t))
    }

    /// `self - other + 2p` limb by limb with **no carries** (one independent pass, where
    /// [`Fq29::sub`] needs a borrow chain and a conditional addition of `p`): for canonical
    /// inputs every limb `self_j + TWO_P_SPREAD_j - other_j` is non-negative and below `2^31`,
    /// and the value lies in `(p, 3p)`. A loose value: only fit as **one** factor of
    /// [`Fq29::mul`] or [`Fq29::mul_loose`] (the other factor below `2p` on 29-bit limbs), whose
    /// bound covers it.
    #[inline]
    pub fn sub_loose(&self, other: &Self) -> Self {
        let mut r = [0u32; LIMBS];
        for (j, r) in r.iter_mut().enumerate() {
            *r = self.0[j] + M::TWO_P_SPREAD[j] - other.0[j];
        }
        Self::raw(r)
    }

    /// `(a_0 b_0 + a_1 b_1) 2^-261 mod p` with **one** Montgomery reduction: both products
    /// go into the same columns in each round, then `m p` as in [`Fq29::mul`]. This is the
    /// product arkworks' `Fp2` multiplication asks for (`sum_of_products` of two terms), so an
    /// `Fq2` product costs two reductions instead of four.
    ///
    /// Bounds: a column position now receives at most 9 products from each of the two terms
    /// and 9 from `m p`, `27 (2^29 - 1)^2 < 2^63`, so the `u64` columns still need no carries;
    /// the result is `(a_0 b_0 + a_1 b_1 + M p) / R < (2 p^2 + R p) / R < 2p` (as `2p < R`),
    /// so one conditional subtraction makes it canonical. Factors up to `2p` (loose products,
    /// [`Fq29::neg_loose`]) on 29-bit limbs keep both bounds: the columns are the same, and
    /// `(8 p^2 + R p) / R < 2p` as `8p < R`.
    #[inline]
    pub fn sum_of_two_products(a: [&Self; 2], b: [&Self; 2]) -> Self {
        let wide = |x: &Self| x.0.map(u64::from);
        let t = two_product_columns::<M>(&wide(a[0]), &wide(a[1]), &wide(b[0]), &wide(b[1]));
        Self::normalize(&t)
    }

    /// [`Fq29::sum_of_two_products`] without the final conditional subtraction: a **loose**
    /// result (limbs below `2^29`, value below `2p`), fit as a factor of another product.
    #[inline]
    pub fn sum_of_two_products_loose(a: [&Self; 2], b: [&Self; 2]) -> Self {
        let wide = |x: &Self| x.0.map(u64::from);
        let t = two_product_columns::<M>(&wide(a[0]), &wide(a[1]), &wide(b[0]), &wide(b[1]));
        Self::raw(Self::carry(&t))
    }

    /// `self - other + 2p` as [`Fq29::sub_loose`] computes it, with the limbs carried back
    /// below `2^29` (one carry pass: no borrows, no conditional addition). For canonical inputs
    /// a **loose** value in `(p, 3p)` on 29-bit limbs (`3p < 2^256`: the top limb takes the last
    /// carry), which may be **both** factors of [`Fq29::sum_of_two_products`] (the columns are
    /// those of canonical limbs; `(18 p^2 + R p) / R < 2p` as `18p < R`), or one factor of a
    /// product whose other factors are below `2p` (`12p < R`). Inputs may also be loose
    /// products (below `2p` on 29-bit limbs): the value then lies in `(0, 4p)`. Each limb adds
    /// the incoming carry before it subtracts, so no step goes below zero: limbs 0-7 of the
    /// spread `2p` are at least `2^29 - 1`, and limb 8 ends as `floor(value / 2^232) >= 0`.
    #[inline]
    pub fn sub_carried(&self, other: &Self) -> Self {
        let mut r = [0u32; LIMBS];
        let mut carry = 0u32;
        for (j, r) in r.iter_mut().enumerate() {
            let s = self.0[j] + M::TWO_P_SPREAD[j] + carry - other.0[j];
            *r = s & MASK;
            carry = s >> BITS;
        }
        Self::raw(r)
    }

    /// `self + other` for values below `2p` on 29-bit limbs (loose products), carried but not
    /// reduced: a **loose** value below `4p < 2^256` on 29-bit limbs, fit as a factor of
    /// [`Fq29::mul`] whose other factor is below `4p` too (`(16 p^2 + R p) / R < 2p` as
    /// `16p < R`; the columns are those of canonical limbs).
    #[inline]
    pub fn add_carried(&self, other: &Self) -> Self {
        let mut r = [0u32; LIMBS];
        let mut carry = 0u32;
        for ((r, &a), &b) in r.iter_mut().zip(&self.0).zip(&other.0) {
            let s = a + b + carry;
            *r = s & MASK;
            carry = s >> BITS;
        }
        Self::raw(r)
    }

    /// Resolve the columns' carries into canonical limbs (the value is below `2p`).
    #[inline(always)]
    fn normalize(t: &[u64; LIMBS]) -> Self {
        Self::raw(Self::carry(t)).reduce_once()
    }

    /// The columns' carries resolved into 29-bit limbs (same value).
    #[inline(always)]
    fn carry(t: &[u64; LIMBS]) -> [u32; LIMBS] {
        let mut r = [0u32; LIMBS];
        let mut carry = 0u64;
        for j in 0..LIMBS {
            let s = t[j] + carry;
            r[j] = (s as u32) & MASK;
            carry = s >> BITS;
        }
        r
    }

    #[inline]
    pub fn square(&self) -> Self {
        self.mul(self)
    }

    /// `self - p` if that is not negative (input below `2p`, such as a loose product): the
    /// canonical value.
    #[inline]
    pub fn reduce_once(self) -> Self {
        let mut d = [0u32; LIMBS];
        let mut borrow = 0i32;
        for ((d, &a), &p) in d.iter_mut().zip(&self.0).zip(&M::P) {
            let s = a as i32 - p as i32 - borrow;
            *d = (s as u32) & MASK;
            borrow = i32::from(s < 0);
        }
        if borrow == 0 {
            Self::raw(d)
        } else {
            self
        }
    }

    /// The carried sum ([`Fq29::add_carried`]) reduced, written out again: built on it, the wasm
    /// verifier measured 376 bytes larger (gzipped) and has less than 0.5 KB left under its
    /// size goal.
    #[inline]
    pub fn add(&self, other: &Self) -> Self {
        let mut r = [0u32; LIMBS];
        let mut carry = 0u32;
        for ((r, &a), &b) in r.iter_mut().zip(&self.0).zip(&other.0) {
            let s = a + b + carry;
            *r = s & MASK;
            carry = s >> BITS;
        }
        // a + b < 2p < 2^255: no carry leaves the top limb.
        Self::raw(r).reduce_once()
    }

    #[inline]
    pub fn double(&self) -> Self {
        self.add(self)
    }

    #[inline]
    pub fn sub(&self, other: &Self) -> Self {
        let mut r = [0u32; LIMBS];
        let mut borrow = 0i32;
        for ((r, &a), &b) in r.iter_mut().zip(&self.0).zip(&other.0) {
            let s = a as i32 - b as i32 - borrow;
            *r = (s as u32) & MASK;
            borrow = i32::from(s < 0);
        }
        if borrow == 0 {
            return Self::raw(r);
        }
        // r = a - b + 2^261; add p and drop the 2^261.
        let mut carry = 0u32;
        for (r, &p) in r.iter_mut().zip(&M::P) {
            let s = *r + p + carry;
            *r = s & MASK;
            carry = s >> BITS;
        }
        Self::raw(r)
    }

    #[inline]
    pub fn neg(&self) -> Self {
        Self::ZERO.sub(self)
    }

    /// `2p - self` for `self` below `2p` (canonical or a loose product) in one borrow pass:
    /// the negation as a **loose** value (limbs below `2^29`, value at most `2p`), fit as a
    /// factor of a product ([`Fq29::mul`] and [`Fq29::sum_of_two_products`] bound such
    /// factors), without [`Fq29::neg`]'s conditional addition of `p`.
    #[inline]
    pub fn neg_loose(&self) -> Self {
        let mut r = [0u32; LIMBS];
        let mut borrow = 0u32;
        for ((r, &a), &b) in r.iter_mut().zip(&M::TWO_P).zip(&self.0) {
            // Limbs are below 2^29: a negative difference wraps to at least 2^31.
            let d = a.wrapping_sub(b).wrapping_sub(borrow);
            *r = d & MASK;
            borrow = d >> 31;
        }
        Self::raw(r)
    }

    #[inline]
    pub fn is_zero(&self) -> bool {
        self.0 == [0; LIMBS]
    }

    /// From arkworks: its limbs hold `x 2^256`, and `mont(x 2^256, 2^266 mod p) = x 2^261`.
    pub fn from_ark(x: &ArkField<M>) -> Self {
        Self::raw(to_limbs(&(x.0).0)).mul_out_of_line(&Self::raw(M::TO_29))
    }

    /// [`Fq29::from_ark`] at compile time, for constants: arkworks' limbs hold `x 2^256`, and
    /// five modular doublings make them `x 2^261`.
    pub const fn from_ark_const(x: ArkField<M>) -> Self {
        Self::raw(to_limbs(&shl_mod(
            (x.0).0,
            5,
            &<M::Config as MontConfig<4>>::MODULUS.0,
        )))
    }

    /// arkworks' limbs as they are, **without a product**: they hold `x 2^256 = (x 2^-5) 2^261`,
    /// so this is the element `x 2^-5`. For bulk conversions whose consumer folds the factor
    /// `2^5` into a product it does anyway (the web prover's QAP scales every value once).
    #[inline]
    pub fn from_ark_limbs(x: &ArkField<M>) -> Self {
        Self::raw(to_limbs(&(x.0).0))
    }

    /// The integer whose 29-bit limbs these are, `x 2^261 mod p` for the element `x`, without a
    /// product: the plain integer `y` when the element is `y 2^-261` (a consumer that wants
    /// integers, such as an MSM's scalars, folds `2^-261` into its last product).
    #[inline]
    pub fn limbs_as_integer(&self) -> BigInt<4> {
        BigInt(from_limbs(&self.0))
    }

    /// To arkworks: `mont(x 2^261, 2^256 mod p) = x 2^256`, arkworks' stored form.
    pub fn to_ark(&self) -> ArkField<M> {
        Fp::new_unchecked(BigInt(from_limbs(
            &self.mul_out_of_line(&Self::raw(M::TO_ARK)).0,
        )))
    }

    /// [`Fp29::mul`] as a call: the conversions share one copy of the product's rounds.
    #[inline(never)]
    fn mul_out_of_line(&self, other: &Self) -> Self {
        self.mul(other)
    }

    pub fn one() -> Self {
        Self::ONE
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::fq2x29::Fq2x29;
    use ark_bn254::{Fq, Fq2};
    use ark_ec::AdditiveGroup;
    use ark_ff::{Field, PrimeField, UniformRand, Zero};
    use rand::SeedableRng;

    fn edge() -> Vec<Fq> {
        vec![
            Fq::from(0u64),
            Fq::from(1u64),
            Fq::from(2u64),
            -Fq::from(1u64),
            -Fq::from(2u64),
            Fq::from(2u64).inverse().unwrap(),
            Fq::from(u64::MAX),
            Fq::from(2u64).pow([253u64]),
        ]
    }

    #[test]
    fn limbs_round_trip_and_constants() {
        let m = <FqConfig as MontConfig<4>>::MODULUS.0;
        assert_eq!(from_limbs(&P), m);
        // mu p = -1 mod 2^29.
        assert_eq!((MU * u64::from(P[0])) & u64::from(MASK), u64::from(MASK));
        for x in edge() {
            assert_eq!(Fq29::from_ark(&x).to_ark(), x);
            assert!(Fq29::from_ark(&x).0.iter().all(|&l| l <= MASK));
            assert_eq!(Fq29::from_ark_const(x), Fq29::from_ark(&x));
        }
    }

    /// The scalar field on the same limbs: products, sums, differences and loose values equal
    /// arkworks' `Fr`, and the conversions without a product scale by exactly `2^-5` and
    /// `2^261`.
    #[test]
    fn scalar_field_equals_arkworks() {
        use ark_bn254::Fr;
        let mut rng = rand_chacha::ChaCha20Rng::seed_from_u64(30);
        let mut xs = vec![
            Fr::from(0u64),
            Fr::from(1u64),
            -Fr::from(1u64),
            -Fr::from(2u64),
            Fr::from(2u64).inverse().unwrap(),
            Fr::from(u64::MAX),
        ];
        xs.extend((0..100).map(|_| Fr::rand(&mut rng)));
        let m = <FrConfig as MontConfig<4>>::MODULUS.0;
        assert_eq!(from_limbs(&FrModulus::P), m);
        assert_eq!(
            (FrModulus::MU * u64::from(FrModulus::P[0])) & u64::from(MASK),
            u64::from(MASK)
        );
        let two_m5 = Fr::from(2u64).pow([5u64]).inverse().unwrap();
        for a in &xs {
            let x = Fr29::from_ark(a);
            assert_eq!(x.to_ark(), *a);
            assert_eq!(Fr29::from_ark_const(*a), x);
            assert_eq!(Fr29::from_ark_limbs(a), Fr29::from_ark(&(*a * two_m5)));
            let plain = Fr29::from_ark(&(*a * Fr::from(2u64).pow([261u64]).inverse().unwrap()));
            assert_eq!(plain.limbs_as_integer(), a.into_bigint());
            for b in xs.iter().take(30) {
                let y = Fr29::from_ark(b);
                assert_eq!(x.mul(&y), Fr29::from_ark(&(*a * b)), "{a} * {b}");
                assert_eq!(x.add(&y), Fr29::from_ark(&(*a + b)), "{a} + {b}");
                assert_eq!(x.sub(&y), Fr29::from_ark(&(*a - b)), "{a} - {b}");
                let loose = x.sub_loose(&y).mul(&x.mul_loose(&y));
                assert_eq!(loose, Fr29::from_ark(&((*a - b) * a * b)));
            }
        }
    }

    #[test]
    fn arithmetic_equals_arkworks() {
        let mut rng = rand_chacha::ChaCha20Rng::seed_from_u64(29);
        let mut xs = edge();
        xs.extend((0..200).map(|_| Fq::rand(&mut rng)));
        for a in &xs {
            for b in xs.iter().take(40) {
                let (x, y) = (Fq29::from_ark(a), Fq29::from_ark(b));
                assert_eq!(x.mul(&y).to_ark(), *a * b, "{a} * {b}");
                assert_eq!(x.add(&y).to_ark(), *a + b, "{a} + {b}");
                let (c, d) = (*b - a, a.square());
                let (z, w) = (Fq29::from_ark(&c), Fq29::from_ark(&d));
                assert_eq!(
                    Fq29::sum_of_two_products([&x, &y], [&z, &w]),
                    Fq29::from_ark(&(*a * c + *b * d)),
                    "{a} {c} + {b} {d}"
                );
                assert_eq!(x.sub(&y).to_ark(), *a - b, "{a} - {b}");
                // Canonical: equal values have equal limbs.
                assert_eq!(x.mul(&y), Fq29::from_ark(&(*a * b)));
                assert_eq!(x.sub(&y), Fq29::from_ark(&(*a - b)));
            }
            let x = Fq29::from_ark(a);
            assert_eq!(x.square().to_ark(), a.square());
            assert_eq!(x.neg().to_ark(), -*a);
            assert_eq!(x.double().to_ark(), a.double());
            assert_eq!(x.is_zero(), a.is_zero());
        }
        assert_eq!(Fq29::one().to_ark(), Fq::ONE);
        // The largest columns: every limb of all four operands from p - 1.
        let m1 = Fq29::from_ark(&-Fq::ONE);
        assert_eq!(
            Fq29::sum_of_two_products([&m1, &m1], [&m1, &m1]),
            Fq29::from_ark(&Fq::from(2u64))
        );
        for _ in 0..2000 {
            let (a, b) = (Fq2::rand(&mut rng), Fq2::rand(&mut rng));
            let (x, y) = (Fq2x29::from_ark(&a), Fq2x29::from_ark(&b));
            assert_eq!(x.mul(&y).to_ark(), a * b);
            assert_eq!(x.square().to_ark(), a.square());
            assert_eq!(x.sub(&y).to_ark(), a - b);
            assert_eq!(x.add(&y).to_ark(), a + b);
            assert_eq!(x.neg().to_ark(), -a);
        }
    }

    #[test]
    fn spread_two_p_is_two_p_with_borrow_free_limbs() {
        let value = |l: &[u32; LIMBS]| {
            let mut w = [0u128; 5];
            for (i, &limb) in l.iter().enumerate() {
                let bit = i * BITS as usize;
                w[bit / 64] += u128::from(limb) << (bit % 64);
            }
            // Normalise into 64-bit words (a u128 word holds a limb shifted by up to 63).
            let mut out = [0u64; 5];
            let mut carry = 0u128;
            for i in 0..5 {
                let t = w[i] + carry;
                out[i] = t as u64;
                carry = t >> 64;
            }
            out
        };
        fn check<M: Modulus29>(value: impl Fn(&[u32; LIMBS]) -> [u64; 5]) {
            let m = <M::Config as MontConfig<4>>::MODULUS.0;
            let mut two_p = [0u64; 5];
            for i in 0..4 {
                two_p[i] |= m[i] << 1;
                two_p[i + 1] |= m[i] >> 63;
            }
            assert_eq!(value(&M::TWO_P), two_p);
            assert_eq!(value(&M::TWO_P_SPREAD), two_p);
            assert!(M::TWO_P_SPREAD[..LIMBS - 1]
                .iter()
                .all(|&l| (MASK..1 << 30).contains(&l)));
            assert!(M::TWO_P_SPREAD[LIMBS - 1] >= M::P[LIMBS - 1]);
        }
        check::<FqModulus>(value);
        check::<FrModulus>(value);
    }

    /// Loose values (differences without carries, products without the final subtraction,
    /// negations from `2p`) as factors, also in `Fq2` products: every product equals
    /// arkworks', on edge values (`p - 1` minus 0 gives the
    /// largest loose difference, `3p - 1`) and random ones, and through chains of loose
    /// products.
    #[test]
    fn loose_factors_give_exact_products() {
        let mut rng = rand_chacha::ChaCha20Rng::seed_from_u64(31);
        let mut xs = edge();
        xs.extend((0..60).map(|_| Fq::rand(&mut rng)));
        for a in &xs {
            for b in xs.iter().take(24) {
                let (x, y) = (Fq29::from_ark(a), Fq29::from_ark(b));
                let d = x.sub_loose(&y);
                assert!(d.0.iter().all(|&l| l < 1 << 31));
                for c in xs.iter().take(12) {
                    let z = Fq29::from_ark(c);
                    let loose = z.mul_loose(&x); // below 2p
                    assert_eq!(d.mul(&z), Fq29::from_ark(&((*a - b) * c)));
                    assert_eq!(z.mul(&d), Fq29::from_ark(&((*a - b) * c)));
                    assert_eq!(d.mul_loose(&z).to_ark(), (*a - b) * c);
                    assert_eq!(d.mul(&loose), Fq29::from_ark(&((*a - b) * c * a)));
                    assert_eq!(loose.mul(&loose), Fq29::from_ark(&(*c * a).square()));
                    // 2p - x of canonical (0 gives 2p itself) and loose values.
                    assert_eq!(x.neg_loose().mul(&z), Fq29::from_ark(&-(*a * c)));
                    assert_eq!(loose.neg_loose().mul(&x), Fq29::from_ark(&-(*c * a * a)));
                    // Fq2 products with loose coordinates in either factor.
                    let (u, v) = (Fq2::new(*a, *b), Fq2::new(*c, *a * c));
                    let loose2 = Fq2x29 {
                        c0: Fq29::from_ark(c),
                        c1: loose,
                    };
                    let canonical = Fq2x29::from_ark(&u);
                    assert_eq!(canonical.mul(&loose2), Fq2x29::from_ark(&(u * v)));
                    assert_eq!(loose2.mul(&canonical), Fq2x29::from_ark(&(u * v)));
                }
            }
        }
        // A chain of loose products, each output the next factor (the batch inversion's
        // prefix products).
        let (mut acc, mut acc29) = (Fq::ONE, Fq29::one());
        for _ in 0..20_000 {
            let (a, b) = (Fq::rand(&mut rng), Fq::rand(&mut rng));
            acc *= a - b;
            acc29 = acc29.mul_loose(&Fq29::from_ark(&a).sub_loose(&Fq29::from_ark(&b)));
            assert!(acc29.0.iter().all(|&l| l <= MASK));
        }
        assert_eq!(acc29.to_ark(), acc);
        assert_eq!(acc29.mul(&Fq29::one()), Fq29::from_ark(&acc));
    }

    #[test]
    fn long_product_chains_stay_equal() {
        // Outputs feed inputs: a canonical-form slip would show up after a few thousand rounds.
        let mut rng = rand_chacha::ChaCha20Rng::seed_from_u64(30);
        let (mut a, mut x) = (Fq::rand(&mut rng), Fq::ONE);
        let (mut a29, mut x29) = (Fq29::from_ark(&a), Fq29::one());
        for _ in 0..20_000 {
            x *= a;
            a = a.square() + x;
            x29 = x29.mul(&a29);
            a29 = a29.square().add(&x29);
        }
        assert_eq!(x29.to_ark(), x);
        assert_eq!(a29.to_ark(), a);
    }
}
