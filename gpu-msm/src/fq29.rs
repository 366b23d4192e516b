//! BN254's base field with **29-bit limbs**: the coordinate arithmetic of the CPU MSM in wasm.
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
//! equality. Conversions to and from arkworks' representation cost one product each.

use ark_bn254::{Fq, Fq2, FqConfig};
use ark_ff::{BigInt, Field, MontConfig, PrimeField};

const LIMBS: usize = 9;
const BITS: u32 = 29;
const MASK: u32 = (1 << BITS) - 1;

/// `p` in 29-bit limbs, little endian.
const P: [u32; LIMBS] = to_limbs(&<FqConfig as MontConfig<4>>::MODULUS.0);
/// `-p^{-1} mod 2^29` (arkworks' `-p^{-1} mod 2^64`, reduced).
const MU: u64 = <FqConfig as MontConfig<4>>::INV & MASK as u64;

/// Split a 256-bit little-endian integer into nine 29-bit limbs (the top limb takes bits
/// 232..255 only; callers pass values below `2^256`).
const fn to_limbs(w: &[u64; 4]) -> [u32; LIMBS] {
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
fn from_limbs(l: &[u32; LIMBS]) -> [u64; 4] {
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

/// An element `x` of BN254's Fq stored as `x 2^261 mod p` in nine canonical 29-bit limbs.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default)]
pub struct Fq29(pub [u32; LIMBS]);

/// `2^266 mod p` and `2^256 mod p` as plain integers in limbs: the conversion factors of
/// [`Fq29::from_ark`] and [`Fq29::to_ark`].
fn conversion_constants() -> &'static ([u32; LIMBS], [u32; LIMBS]) {
    static C: std::sync::OnceLock<([u32; LIMBS], [u32; LIMBS])> = std::sync::OnceLock::new();
    C.get_or_init(|| {
        let two = Fq::from(2u64);
        let to = two.pow([266u64]).into_bigint().0;
        let back = two.pow([256u64]).into_bigint().0;
        (to_limbs(&to), to_limbs(&back))
    })
}

impl Fq29 {
    pub const ZERO: Fq29 = Fq29([0; LIMBS]);

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
    #[inline]
    pub fn mul(&self, other: &Fq29) -> Fq29 {
        let a = self.0.map(u64::from);
        let b = &other.0;
        let p = P.map(u64::from);
        let mut t = [0u64; LIMBS];
        macro_rules! round {
            ($i:expr) => {{
                let bi = u64::from(b[$i]);
                let t0 = t[0] + a[0] * bi;
                let m = ((t0 & u64::from(MASK)) * MU) & u64::from(MASK);
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
        let mut r = [0u32; LIMBS];
        let mut carry = 0u64;
        for j in 0..LIMBS {
            let s = t[j] + carry;
            r[j] = (s as u32) & MASK;
            carry = s >> BITS;
        }
        Fq29(r).reduce_once()
    }

    #[inline]
    pub fn square(&self) -> Fq29 {
        self.mul(self)
    }

    /// `self - p` if that is not negative (input below `2p`).
    #[inline]
    fn reduce_once(self) -> Fq29 {
        let mut d = [0u32; LIMBS];
        let mut borrow = 0i32;
        for j in 0..LIMBS {
            let s = self.0[j] as i32 - P[j] as i32 - borrow;
            d[j] = (s as u32) & MASK;
            borrow = i32::from(s < 0);
        }
        if borrow == 0 {
            Fq29(d)
        } else {
            self
        }
    }

    #[inline]
    pub fn add(&self, other: &Fq29) -> Fq29 {
        let mut r = [0u32; LIMBS];
        let mut carry = 0u32;
        for ((r, &a), &b) in r.iter_mut().zip(&self.0).zip(&other.0) {
            let s = a + b + carry;
            *r = s & MASK;
            carry = s >> BITS;
        }
        // a + b < 2p < 2^255: no carry leaves the top limb.
        Fq29(r).reduce_once()
    }

    #[inline]
    pub fn double(&self) -> Fq29 {
        self.add(self)
    }

    #[inline]
    pub fn sub(&self, other: &Fq29) -> Fq29 {
        let mut r = [0u32; LIMBS];
        let mut borrow = 0i32;
        for ((r, &a), &b) in r.iter_mut().zip(&self.0).zip(&other.0) {
            let s = a as i32 - b as i32 - borrow;
            *r = (s as u32) & MASK;
            borrow = i32::from(s < 0);
        }
        if borrow == 0 {
            return Fq29(r);
        }
        // r = a - b + 2^261; add p and drop the 2^261.
        let mut carry = 0u32;
        for j in 0..LIMBS {
            let s = r[j] + P[j] + carry;
            r[j] = s & MASK;
            carry = s >> BITS;
        }
        Fq29(r)
    }

    #[inline]
    pub fn neg(&self) -> Fq29 {
        Fq29::ZERO.sub(self)
    }

    #[inline]
    pub fn is_zero(&self) -> bool {
        self.0 == [0; LIMBS]
    }

    /// From arkworks: its limbs hold `x 2^256`, and `mont(x 2^256, 2^266 mod p) = x 2^261`.
    pub fn from_ark(x: &Fq) -> Fq29 {
        let k = &conversion_constants().0;
        Fq29(to_limbs(&(x.0).0)).mul(&Fq29(*k))
    }

    /// To arkworks: `mont(x 2^261, 2^256 mod p) = x 2^256`, arkworks' stored form.
    pub fn to_ark(&self) -> Fq {
        let k = &conversion_constants().1;
        Fq::new_unchecked(BigInt(from_limbs(&self.mul(&Fq29(*k)).0)))
    }

    pub fn one() -> Fq29 {
        Fq29::from_ark(&Fq::ONE)
    }
}

/// `Fq2 = Fq[u] / (u^2 + 1)` over [`Fq29`], as in ark-bn254.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default)]
pub struct Fq2x29 {
    pub c0: Fq29,
    pub c1: Fq29,
}

impl Fq2x29 {
    pub const ZERO: Fq2x29 = Fq2x29 {
        c0: Fq29::ZERO,
        c1: Fq29::ZERO,
    };

    /// Karatsuba: three base products.
    #[inline]
    pub fn mul(&self, o: &Fq2x29) -> Fq2x29 {
        let v0 = self.c0.mul(&o.c0);
        let v1 = self.c1.mul(&o.c1);
        let s = self.c0.add(&self.c1).mul(&o.c0.add(&o.c1));
        Fq2x29 {
            c0: v0.sub(&v1),
            c1: s.sub(&v0).sub(&v1),
        }
    }

    /// `(a + b u)^2 = (a + b)(a - b) + 2 a b u`: two base products.
    #[inline]
    pub fn square(&self) -> Fq2x29 {
        let ab = self.c0.mul(&self.c1);
        Fq2x29 {
            c0: self.c0.add(&self.c1).mul(&self.c0.sub(&self.c1)),
            c1: ab.double(),
        }
    }

    #[inline]
    pub fn add(&self, o: &Fq2x29) -> Fq2x29 {
        Fq2x29 {
            c0: self.c0.add(&o.c0),
            c1: self.c1.add(&o.c1),
        }
    }

    #[inline]
    pub fn sub(&self, o: &Fq2x29) -> Fq2x29 {
        Fq2x29 {
            c0: self.c0.sub(&o.c0),
            c1: self.c1.sub(&o.c1),
        }
    }

    #[inline]
    pub fn neg(&self) -> Fq2x29 {
        Fq2x29 {
            c0: self.c0.neg(),
            c1: self.c1.neg(),
        }
    }

    pub fn from_ark(x: &Fq2) -> Fq2x29 {
        Fq2x29 {
            c0: Fq29::from_ark(&x.c0),
            c1: Fq29::from_ark(&x.c1),
        }
    }

    pub fn to_ark(&self) -> Fq2 {
        Fq2::new(self.c0.to_ark(), self.c1.to_ark())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use ark_ec::AdditiveGroup;
    use ark_ff::{UniformRand, Zero};
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
