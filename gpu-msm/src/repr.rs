//! Data layouts shared by the CPU side and the WGSL kernel.
//!
//! - A base-field element travels as **8 little-endian `u32` words** (a 256-bit integer). Points
//!   uploaded to the GPU are arkworks' internal form: `x * 2^256 mod p` (ark's Montgomery form),
//!   so no CPU conversion is needed; the kernel converts them once to its own Montgomery form.
//! - Inside the kernel an element is **20 limbs of 13 bits** (260 bits) in Montgomery form with
//!   `R = 2^260`: products of two limbs take 26 bits, so a `u32` accumulator absorbs up to 64 of
//!   them before a carry is needed (WGSL has no 64-bit integers). A Montgomery product needs at
//!   most 40 per column, so the multiplication carries only once per column.
//! - Points on the GPU are **homogeneous projective** `(X : Y : Z)` (`x = X/Z`, `y = Y/Z`),
//!   the coordinates of the complete Renes–Costello–Batina formulas; identity `(0 : 1 : 0)`.
//!   Results come back in arkworks' Montgomery form and are converted to arkworks' Jacobian
//!   points by [`homogeneous_to_jacobian`].

use ark_bn254::{Fq, G1Affine, G1Projective};
use ark_ec::{AdditiveGroup, AffineRepr};
use ark_ff::{BigInt, BigInteger, Field, PrimeField, Zero};

/// Limbs per field element inside the kernel.
pub const LIMBS: usize = 20;
/// Bits per limb inside the kernel.
pub const LIMB_BITS: u32 = 13;
/// `2^LIMB_BITS - 1`.
pub const LIMB_MASK: u32 = (1 << LIMB_BITS) - 1;
/// `u32` words per packed field element.
pub const FE_WORDS: usize = 8;
/// `u32` words per affine point (x, y).
pub const AFFINE_WORDS: usize = 2 * FE_WORDS;
/// `u32` words per projective point (X, Y, Z).
pub const PROJ_WORDS: usize = 3 * FE_WORDS;

/// The 8 little-endian `u32` words of a 256-bit integer.
pub fn bigint_to_words(x: &BigInt<4>) -> [u32; FE_WORDS] {
    let mut w = [0u32; FE_WORDS];
    for (i, limb) in x.0.iter().enumerate() {
        w[2 * i] = *limb as u32;
        w[2 * i + 1] = (*limb >> 32) as u32;
    }
    w
}

/// The 256-bit integer of 8 little-endian `u32` words.
pub fn words_to_bigint(w: &[u32]) -> BigInt<4> {
    let mut limbs = [0u64; 4];
    for (i, limb) in limbs.iter_mut().enumerate() {
        *limb = u64::from(w[2 * i]) | (u64::from(w[2 * i + 1]) << 32);
    }
    BigInt(limbs)
}

/// The 13-bit limbs of a 256-bit integer (limb 19 holds the top 9 bits).
pub fn bigint_to_limbs(x: &BigInt<4>) -> [u32; LIMBS] {
    let mut out = [0u32; LIMBS];
    for (i, limb) in out.iter_mut().enumerate() {
        let mut v = 0u32;
        for b in 0..LIMB_BITS {
            let bit = i as u32 * LIMB_BITS + b;
            if bit < 256 && x.get_bit(bit as usize) {
                v |= 1 << b;
            }
        }
        *limb = v;
    }
    out
}

/// The integer of 13-bit limbs (bits above 255 must be zero).
pub fn limbs_to_bigint(l: &[u32; LIMBS]) -> BigInt<4> {
    let mut x = BigInt::<4>::zero();
    for (i, limb) in l.iter().enumerate() {
        for b in 0..LIMB_BITS {
            if limb >> b & 1 == 1 {
                let bit = i as u32 * LIMB_BITS + b;
                x.0[bit as usize / 64] |= 1u64 << (bit % 64);
            }
        }
    }
    x
}

/// `2^k mod p` as a canonical integer.
pub fn pow2_mod_p(k: u64) -> BigInt<4> {
    Fq::from(2u64).pow([k]).into_bigint()
}

/// `-p^{-1} mod 2^13`: the Montgomery reduction constant of the kernel.
pub fn n0() -> u32 {
    let p0 = (Fq::MODULUS.0[0] & u64::from(LIMB_MASK)) as u32;
    // Newton iteration for the inverse modulo 2^13 (p is odd): inv = inv * (2 - p0 * inv).
    let mut inv: u32 = 1;
    for _ in 0..5 {
        inv = inv.wrapping_mul(2u32.wrapping_sub(p0.wrapping_mul(inv))) & LIMB_MASK;
    }
    debug_assert_eq!(p0.wrapping_mul(inv) & LIMB_MASK, 1);
    (LIMB_MASK + 1 - inv) & LIMB_MASK
}

/// Words of an affine point for upload: x then y, ark Montgomery form. `None` for infinity.
pub fn affine_to_words(p: &G1Affine) -> Option<[u32; AFFINE_WORDS]> {
    let (x, y) = p.xy()?;
    let mut w = [0u32; AFFINE_WORDS];
    w[..FE_WORDS].copy_from_slice(&bigint_to_words(&x.0));
    w[FE_WORDS..].copy_from_slice(&bigint_to_words(&y.0));
    Some(w)
}

/// A base-field element from 8 words in ark's Montgomery form, or `None` when the integer is not
/// below p (a GPU that returns such a value is returning garbage).
pub fn words_to_fq(w: &[u32]) -> Option<Fq> {
    let x = words_to_bigint(w);
    (x < Fq::MODULUS).then(|| Fq::new_unchecked(x))
}

/// A homogeneous projective point `(X : Y : Z)` as downloaded from the GPU.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Homogeneous {
    /// X.
    pub x: Fq,
    /// Y.
    pub y: Fq,
    /// Z (zero for the identity).
    pub z: Fq,
}

impl Homogeneous {
    /// The identity `(0 : 1 : 0)`.
    pub const IDENTITY: Self = Self {
        x: Fq::ZERO,
        y: Fq::ONE,
        z: Fq::ZERO,
    };

    /// Parse 24 words (X, Y, Z in ark Montgomery form); `None` if a coordinate is not below p.
    pub fn from_words(w: &[u32]) -> Option<Self> {
        Some(Self {
            x: words_to_fq(&w[..FE_WORDS])?,
            y: words_to_fq(&w[FE_WORDS..2 * FE_WORDS])?,
            z: words_to_fq(&w[2 * FE_WORDS..3 * FE_WORDS])?,
        })
    }

    /// Whether the point satisfies `Y^2 Z = X^3 + 3 Z^3` and is not `(0 : 0 : 0)`.
    /// (BN254 G1 has cofactor 1, so on the curve means in the group.)
    pub fn is_on_curve(&self) -> bool {
        if self.z.is_zero() {
            // The only point with Z = 0 on the curve is the identity (X = 0, Y != 0).
            return self.x.is_zero() && !self.y.is_zero();
        }
        let z3 = self.z.square() * self.z;
        self.y.square() * self.z == self.x.square() * self.x + z3 * Fq::from(3u64)
    }

    /// The same point as an arkworks (Jacobian) point: `(X Z, Y Z^2, Z)`.
    pub fn to_ark(&self) -> G1Projective {
        homogeneous_to_jacobian(self)
    }

    /// An arkworks affine point as homogeneous coordinates.
    pub fn from_affine(p: &G1Affine) -> Self {
        match p.xy() {
            None => Self::IDENTITY,
            Some((x, y)) => Self { x, y, z: Fq::ONE },
        }
    }
}

/// Convert homogeneous `(X : Y : Z)` to arkworks' Jacobian coordinates.
pub fn homogeneous_to_jacobian(p: &Homogeneous) -> G1Projective {
    if p.z.is_zero() {
        return G1Projective::zero();
    }
    let z2 = p.z.square();
    G1Projective::new_unchecked(p.x * p.z, p.y * z2, p.z)
}

#[cfg(test)]
mod tests {
    use super::*;
    use ark_ec::{CurveGroup, PrimeGroup};
    use ark_ff::UniformRand;
    use rand::SeedableRng;

    #[test]
    fn limbs_and_words_round_trip() {
        let mut rng = rand_chacha::ChaCha20Rng::seed_from_u64(1);
        for _ in 0..100 {
            let x = Fq::rand(&mut rng).0;
            assert_eq!(limbs_to_bigint(&bigint_to_limbs(&x)), x);
            assert_eq!(words_to_bigint(&bigint_to_words(&x)), x);
            assert!(bigint_to_limbs(&x).iter().all(|l| *l <= LIMB_MASK));
        }
    }

    #[test]
    fn montgomery_constant() {
        let p0 = (Fq::MODULUS.0[0] & u64::from(LIMB_MASK)) as u32;
        assert_eq!(p0.wrapping_mul(n0()).wrapping_add(1) & LIMB_MASK, 0);
    }

    #[test]
    fn homogeneous_conversion() {
        let g = G1Projective::generator() * ark_bn254::Fr::from(12345u64);
        let a = g.into_affine();
        let lambda = Fq::from(77u64);
        let h = Homogeneous {
            x: a.x * lambda,
            y: a.y * lambda,
            z: lambda,
        };
        assert!(h.is_on_curve());
        assert_eq!(h.to_ark(), g);
        assert!(Homogeneous::IDENTITY.is_on_curve());
        assert!(Homogeneous::IDENTITY.to_ark().is_zero());
        let bad = Homogeneous {
            x: a.x,
            y: a.x,
            z: Fq::ONE,
        };
        assert!(!bad.is_on_curve());
    }
}
