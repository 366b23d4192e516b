//! [`Fq29`] as an arkworks field: `Fp<Backend29, 5>` implements `PrimeField` through
//! [`FpConfig`], so arkworks' generic extension towers, curve models and BN pairing
//! (`ark_ec::bn`) run on the 29-bit-limb product without a line of pairing code of our own.
//!
//! **Storage: radix `2^58`.** An element is stored as [`Fq29`]'s Montgomery form
//! (`x 2^261 mod p`, canonical) with two 29-bit limbs packed per 64-bit word: word `k` holds
//! limbs `2k` and `2k + 1`, so the five words are the value in radix `2^58`. Sums and
//! differences run on the five words (a five-step carry chain, wasm's native 64-bit adds);
//! products unpack the nine limbs (a shift and a mask each), run [`Fq29`]'s rounds and pack
//! the result. Packing keeps an element at 40 bytes (arkworks' is 32; nine limbs in nine words
//! were 72 and an `Fq12` 864 bytes), which matters because arkworks' generic tower code moves
//! values by copy. Values are canonical (below `p`, every word below `2^58`), so arkworks'
//! derived equality is value equality.
//!
//! The integer views (`into_bigint`, `from_bigint`, `MODULUS`) are the plain value in ordinary
//! 64-bit words, as arkworks expects. Only arithmetic is meant to run on this type: arkworks'
//! byte- and rng-based constructors (`from_random_bytes`, `UniformRand`) read the raw storage
//! as an integer and do not apply, nor does `MODULUS_BIT_SIZE` (arkworks counts it from
//! `MODULUS`'s top word, zero here, so it reads 256) or the serializers sized by it. Nothing in
//! the pairing uses them. Values enter through [`fq_from_ark`] (or `from_bigint`) and leave
//! through [`fq_to_ark`].

use core::marker::PhantomData;

use ark_ff::{BigInt, Field, Fp, FpConfig, MontBackend, PrimeField, SqrtPrecomputation};

use crate::fq29::{
    carry_columns, product_columns, two_product_columns, Fq29, FqModulus, BITS, LIMBS, MASK, P,
};

/// Words of the packed form: nine limbs, two per word.
pub const WORDS: usize = 5;
/// Bits per word of the packed form.
const WORD_BITS: u32 = 2 * BITS;
const WORD_MASK: u64 = (1 << WORD_BITS) - 1;

/// The field configuration: BN254's base field, products by [`Fq29`]'s rounds.
pub struct Backend29;

/// BN254's base field on the 29-bit-limb backend.
pub type Fq = Fp<Backend29, WORDS>;

type ArkFq = ark_bn254::Fq;
type ArkBackend = MontBackend<ark_bn254::FqConfig, 4>;

/// Nine limbs below `2^29` into five radix-`2^58` words.
#[inline(always)]
const fn pack(l: &[u64; LIMBS]) -> [u64; WORDS] {
    [
        l[0] | l[1] << BITS,
        l[2] | l[3] << BITS,
        l[4] | l[5] << BITS,
        l[6] | l[7] << BITS,
        l[8],
    ]
}

/// Five radix-`2^58` words into nine limbs.
#[inline(always)]
fn unpack(w: &[u64; WORDS]) -> [u64; LIMBS] {
    let m = u64::from(MASK);
    [
        w[0] & m,
        w[0] >> BITS,
        w[1] & m,
        w[1] >> BITS,
        w[2] & m,
        w[2] >> BITS,
        w[3] & m,
        w[3] >> BITS,
        w[4],
    ]
}

const fn widen_limbs(l: &[u32; LIMBS]) -> [u64; LIMBS] {
    let mut out = [0u64; LIMBS];
    let mut i = 0;
    while i < LIMBS {
        out[i] = l[i] as u64;
        i += 1;
    }
    out
}

/// `p` packed.
const P_WORDS: [u64; WORDS] = pack(&widen_limbs(&P));

#[inline(always)]
const fn wrap(words: [u64; WORDS]) -> Fq {
    Fp(BigInt(words), PhantomData)
}

/// The packed form of a canonical [`Fq29`] (no product).
#[inline(always)]
pub fn from_fq29(x: &Fq29) -> Fq {
    wrap(pack(&widen_limbs(&x.0)))
}

/// The nine limbs of `x` as an [`Fq29`] (canonical; no product).
#[inline(always)]
pub fn to_fq29(x: &Fq) -> Fq29 {
    Fq29::raw(unpack(&x.0 .0).map(|l| l as u32))
}

/// An arkworks BN254 `Fq` constant in this backend's form, at compile time.
pub const fn fq_const(x: ArkFq) -> Fq {
    wrap(pack(&widen_limbs(&Fq29::from_ark_const(x).0)))
}

/// From arkworks' BN254 `Fq` (one product).
#[inline]
pub fn fq_from_ark(x: &ArkFq) -> Fq {
    from_fq29(&Fq29::from_ark(x))
}

/// To arkworks' BN254 `Fq` (one product).
#[inline]
pub fn fq_to_ark(x: &Fq) -> ArkFq {
    to_fq29(x).to_ark()
}

/// The nine limbs of `x` (canonical, each below `2^29`), for products outside this module
/// ([`crate::lazy`]).
#[inline(always)]
pub(crate) fn limbs_of(x: &Fq) -> [u64; LIMBS] {
    unpack(&x.0 .0)
}

/// An element from nine canonical limbs (each below `2^29`, value below `p`).
#[inline(always)]
pub(crate) fn from_canonical_limbs(l: &[u64; LIMBS]) -> Fq {
    wrap(pack(l))
}

/// `w - p` if that does not borrow, else `w` (for `w < 2p`: the canonical value).
#[inline(always)]
fn reduce_once(w: [u64; WORDS]) -> [u64; WORDS] {
    let mut reduced = [0u64; WORDS];
    let mut borrow = 0u64;
    for k in 0..WORDS {
        let v = w[k].wrapping_sub(P_WORDS[k] + borrow);
        reduced[k] = v & WORD_MASK;
        borrow = v >> 63;
    }
    if borrow == 0 {
        reduced
    } else {
        w
    }
}

/// `a + b mod p` (canonical in, canonical out): the word sums with their carries, then `p`
/// subtracted unless that borrows. `a + b < 2p < 2^255`: no carry leaves the top word.
#[inline(always)]
fn add_words(a: &[u64; WORDS], b: &[u64; WORDS]) -> [u64; WORDS] {
    let mut sum = [0u64; WORDS];
    let mut carry = 0u64;
    for k in 0..WORDS {
        let v = a[k] + b[k] + carry;
        sum[k] = v & WORD_MASK;
        carry = v >> WORD_BITS;
    }
    reduce_once(sum)
}

/// `a - b mod p`: the word differences with their borrows, and `p` added back when the whole
/// difference borrowed (the `2^290` it borrowed drops out with the masks).
#[inline(always)]
fn sub_words(a: &[u64; WORDS], b: &[u64; WORDS]) -> [u64; WORDS] {
    let mut diff = [0u64; WORDS];
    let mut borrow = 0u64;
    for k in 0..WORDS {
        let v = a[k].wrapping_sub(b[k] + borrow);
        diff[k] = v & WORD_MASK;
        borrow = v >> 63;
    }
    if borrow == 0 {
        return diff;
    }
    let mut carry = 0u64;
    for k in 0..WORDS {
        let v = diff[k] + P_WORDS[k] + carry;
        diff[k] = v & WORD_MASK;
        carry = v >> WORD_BITS;
    }
    diff
}

/// Montgomery columns (value below `2p`) to a canonical packed element.
#[inline(always)]
fn finish(t: &[u64; LIMBS]) -> [u64; WORDS] {
    reduce_once(pack(&carry_columns(t)))
}

/// Widen a four-word integer to five words.
const fn widen(x: BigInt<4>) -> BigInt<WORDS> {
    BigInt([x.0[0], x.0[1], x.0[2], x.0[3], 0])
}

const SQRT_EXPONENT: &[u64] = match <ArkBackend as FpConfig<4>>::SQRT_PRECOMP {
    Some(SqrtPrecomputation::Case3Mod4 {
        modulus_plus_one_div_four,
    }) => modulus_plus_one_div_four,
    _ => panic!("BN254's p is 3 mod 4"),
};

impl FpConfig<WORDS> for Backend29 {
    const MODULUS: BigInt<WORDS> = widen(<ArkBackend as FpConfig<4>>::MODULUS);
    const GENERATOR: Fq = fq_const(<ArkBackend as FpConfig<4>>::GENERATOR);
    const ZERO: Fq = wrap([0; WORDS]);
    const ONE: Fq = fq_const(<ArkBackend as FpConfig<4>>::ONE);
    const NEG_ONE: Fq = fq_const(<ArkBackend as FpConfig<4>>::NEG_ONE);
    const TWO_ADICITY: u32 = <ArkBackend as FpConfig<4>>::TWO_ADICITY;
    const TWO_ADIC_ROOT_OF_UNITY: Fq =
        fq_const(<ArkBackend as FpConfig<4>>::TWO_ADIC_ROOT_OF_UNITY);
    const SQRT_PRECOMP: Option<SqrtPrecomputation<Fq>> = Some(SqrtPrecomputation::Case3Mod4 {
        modulus_plus_one_div_four: SQRT_EXPONENT,
    });

    #[inline(always)]
    fn add_assign(a: &mut Fq, b: &Fq) {
        a.0 .0 = add_words(&a.0 .0, &b.0 .0);
    }

    #[inline(always)]
    fn sub_assign(a: &mut Fq, b: &Fq) {
        a.0 .0 = sub_words(&a.0 .0, &b.0 .0);
    }

    #[inline(always)]
    fn double_in_place(a: &mut Fq) {
        a.0 .0 = add_words(&a.0 .0, &a.0 .0);
    }

    #[inline(always)]
    fn neg_in_place(a: &mut Fq) {
        a.0 .0 = sub_words(&[0; WORDS], &a.0 .0);
    }

    #[inline(always)]
    fn mul_assign(a: &mut Fq, b: &Fq) {
        a.0 .0 = finish(&product_columns::<FqModulus>(
            &unpack(&a.0 .0),
            &unpack(&b.0 .0),
        ));
    }

    /// Pairs of products share one reduction ([`Fq29::sum_of_two_products`]; arkworks' `Fp2`
    /// product asks for exactly two); an odd last one is a plain product.
    #[inline]
    fn sum_of_products<const T: usize>(a: &[Fq; T], b: &[Fq; T]) -> Fq {
        let pair = |x: &[Fq], y: &[Fq]| {
            let columns = two_product_columns::<FqModulus>(
                &unpack(&x[0].0 .0),
                &unpack(&x[1].0 .0),
                &unpack(&y[0].0 .0),
                &unpack(&y[1].0 .0),
            );
            wrap(finish(&columns))
        };
        if T == 2 {
            return pair(a, b);
        }
        let mut sum = <Self as FpConfig<WORDS>>::ZERO;
        let (pairs_a, pairs_b) = (a.chunks_exact(2), b.chunks_exact(2));
        let (last_a, last_b) = (pairs_a.remainder(), pairs_b.remainder());
        for (x, y) in pairs_a.zip(pairs_b) {
            Self::add_assign(&mut sum, &pair(x, y));
        }
        if let (Some(x), Some(y)) = (last_a.first(), last_b.first()) {
            let mut product = *x;
            Self::mul_assign(&mut product, y);
            Self::add_assign(&mut sum, &product);
        }
        sum
    }

    #[inline(always)]
    fn square_in_place(a: &mut Fq) {
        let l = unpack(&a.0 .0);
        a.0 .0 = finish(&product_columns::<FqModulus>(&l, &l));
    }

    /// Through arkworks (a pairing inverts once, in the final exponentiation).
    fn inverse(a: &Fq) -> Option<Fq> {
        fq_to_ark(a).inverse().map(|x| fq_from_ark(&x))
    }

    fn from_bigint(other: BigInt<WORDS>) -> Option<Fq> {
        if other.0[4] != 0 {
            return None;
        }
        let low = BigInt([other.0[0], other.0[1], other.0[2], other.0[3]]);
        ArkFq::from_bigint(low).map(|x| fq_from_ark(&x))
    }

    fn into_bigint(other: Fq) -> BigInt<WORDS> {
        widen(fq_to_ark(&other).into_bigint())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use ark_ff::{AdditiveGroup, FftField, One, UniformRand, Zero};
    use rand::SeedableRng;

    #[test]
    fn constants_and_conversions_match_arkworks() {
        assert_eq!(fq_to_ark(&Fq::ONE), ArkFq::ONE);
        assert_eq!(fq_to_ark(&Fq::NEG_ONE), -ArkFq::ONE);
        assert!(Fq::ZERO.is_zero() && Fq::one().is_one());
        assert_eq!(Fq::from(5u64), fq_from_ark(&ArkFq::from(5u64)));
        assert_eq!(fq_to_ark(&Fq::GENERATOR), ArkFq::GENERATOR);
        let mut rng = rand_chacha::ChaCha20Rng::seed_from_u64(261);
        for _ in 0..200 {
            let (a, b) = (ArkFq::rand(&mut rng), ArkFq::rand(&mut rng));
            let (x, y) = (fq_from_ark(&a), fq_from_ark(&b));
            assert_eq!(fq_to_ark(&(x * y)), a * b);
            assert_eq!(fq_to_ark(&(x + y)), a + b);
            assert_eq!(fq_to_ark(&(x - y)), a - b);
            assert_eq!(fq_to_ark(&x.double()), a.double());
            assert_eq!(fq_to_ark(&-x), -a);
            assert_eq!(fq_to_ark(&x.inverse().unwrap()), a.inverse().unwrap());
            assert_eq!(fq_to_ark(&x.square()), a.square());
            assert_eq!(x.into_bigint(), widen(a.into_bigint()));
            assert_eq!(Fq::from_bigint(widen(a.into_bigint())), Some(x));
            assert_eq!(
                x.sqrt().map(|r| fq_to_ark(&r).square()),
                a.sqrt().map(|r| r.square())
            );
            assert_eq!(
                Fq::sum_of_products(&[x, y], &[y, x]),
                fq_from_ark(&(a * b + b * a))
            );
            assert_eq!(
                Fq::sum_of_products(&[x, y, x], &[y, -x, x]),
                fq_from_ark(&(a * b - b * a + a * a))
            );
            assert_eq!(Fq::sum_of_products(&[x], &[-y]), fq_from_ark(&-(a * b)));
        }
        // Not canonical: the modulus itself and anything with high words.
        assert_eq!(Fq::from_bigint(Fq::MODULUS), None);
        let mut high = BigInt::<WORDS>::zero();
        high.0[4] = 1;
        assert_eq!(Fq::from_bigint(high), None);
        assert!(Fq::inverse(&Fq::ZERO).is_none());
    }
}
