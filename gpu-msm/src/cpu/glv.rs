//! GLV scalar splitting for the CPU MSM: `k P = k1 P + k2 phi(P)` with `|k1|, |k2| < 2^128`.
//!
//! Both BN254 groups have the endomorphism `phi(x, y) = (beta x, y)` (`beta` a cube root of
//! unity in `Fq`), which acts on the group as multiplication by `lambda` (a cube root of unity
//! modulo `r`). arkworks publishes `beta`, `lambda` and a short basis `(n11, n12), (n21, n22)` of
//! the lattice `{(a, b) : a + b lambda = 0 mod r}` (`ark_ec::scalar_mul::glv::GLVConfig`); this
//! module only uses those facts. Babai's rounding: with `b1 ~ k n22 / r` and `b2 ~ -k n12 / r`,
//!
//! `k1 = k - b1 n11 - b2 n21`, `k2 = -b1 n12 - b2 n22`,
//!
//! so `(k, 0) - (k1, k2) = b1 (n11, n12) + b2 (n21, n22)` is a lattice vector and
//! `k1 + k2 lambda = k (mod r)` holds for **any** integers `b1, b2`: the rounding only decides
//! how short `k1, k2` are. Here `b1 = +-floor(k g1 / 2^256)` with `g1 = floor(2^256 |n22| / r)`
//! (and `b2` likewise), within one of the exact quotient; then `|k1|, |k2| <= |n11| + |n21|`
//! `< 2^127.8` (at most 127 bits over 200,000 random scalars and the edge values in a model of
//! this arithmetic in Python; the tests here check 5,000 per group).
//! [`Splitter::split`] still checks the bound on every scalar and returns `None` past it, so a
//! caller can fall back to the plain MSM: the result never depends on the bound holding.
//!
//! The arithmetic is exact integer arithmetic on 64-bit limbs: the products `k g` (at most
//! 384 bits) and the lattice terms (at most 255 bits), the sums modulo `2^256` (the true `k1`,
//! `k2` are small, so their two's-complement residues give them back).

use ark_ec::scalar_mul::glv::GLVConfig;
use ark_ff::{BigInt, PrimeField};

/// A signed integer below `2^128` in magnitude: `(negative, magnitude)`.
pub(super) type Half = (bool, u128);

/// The split scalars' magnitudes are below `2^HALF_BITS`.
pub(super) const HALF_BITS: u32 = 128;

/// The precomputed constants of one curve's split.
pub(super) struct Splitter {
    /// `floor(2^256 |n22| / r)` and `floor(2^256 |n12| / r)`, at most 130 bits.
    g: [[u64; 3]; 2],
    /// Whether `b1 = k n22 / r` and `b2 = -k n12 / r` are negative (the signs of `n22`, `-n12`).
    b_negative: [bool; 2],
    /// `n11, n12, n21, n22` as signed 128-bit values.
    n: [Half; 4],
}

impl Splitter {
    /// The constants for `P`'s basis; `None` if a basis entry does not fit 128 bits (not the
    /// case for BN254: `|n| < 2^127`).
    pub(super) fn new<P: GLVConfig>() -> Option<Splitter> {
        let mut n = [(false, 0u128); 4];
        for (slot, (positive, value)) in n.iter_mut().zip(P::SCALAR_DECOMP_COEFFS.iter()) {
            *slot = (!*positive, to_u128(value.as_ref())?);
        }
        let r = limbs4(<P::ScalarField as PrimeField>::MODULUS.as_ref())?;
        Some(Splitter {
            g: [shifted_quotient(n[3].1, &r), shifted_quotient(n[1].1, &r)],
            b_negative: [n[3].0, !n[1].0],
            n,
        })
    }

    /// `(k1, k2)` with `k1 + k2 lambda = k (mod r)` and both below `2^128` in magnitude, or
    /// `None` if that bound fails (never observed; see the module documentation).
    pub(super) fn split(&self, k: &BigInt<4>) -> Option<[Half; 2]> {
        let k = k.0;
        let b1 = (self.b_negative[0], high_product(&k, &self.g[0])?);
        let b2 = (self.b_negative[1], high_product(&k, &self.g[1])?);
        let [n11, n12, n21, n22] = self.n;
        // k1 = k - b1 n11 - b2 n21; k2 = 0 - b1 n12 - b2 n22 (modulo 2^256).
        let k1 = sub_product(sub_product(k, b1, n11), b2, n21);
        let k2 = sub_product(sub_product([0; 4], b1, n12), b2, n22);
        Some([to_half(k1)?, to_half(k2)?])
    }
}

/// The value of little-endian limbs as `u128`, if it fits.
fn to_u128(limbs: &[u64]) -> Option<u128> {
    if limbs.iter().skip(2).any(|&l| l != 0) {
        return None;
    }
    let lo = u128::from(limbs.first().copied().unwrap_or(0));
    let hi = u128::from(limbs.get(1).copied().unwrap_or(0));
    Some(lo | hi << 64)
}

/// The first four limbs, if no higher limb is set.
fn limbs4(limbs: &[u64]) -> Option<[u64; 4]> {
    if limbs.len() < 4 || limbs.iter().skip(4).any(|&l| l != 0) {
        return None;
    }
    Some([limbs[0], limbs[1], limbs[2], limbs[3]])
}

/// `floor(2^256 n / r)` by binary long division (once per curve): the bits of `n 2^256` enter
/// the remainder from the top; the remainder stays below `r < 2^255`, so doubling it fits.
fn shifted_quotient(n: u128, r: &[u64; 4]) -> [u64; 3] {
    let mut rem = [0u64; 4];
    let mut q = [0u64; 3];
    for bit in (0..384).rev() {
        let incoming = bit >= 256 && (n >> (bit - 256)) & 1 == 1;
        // rem = 2 rem + incoming
        let mut carry = u64::from(incoming);
        for limb in rem.iter_mut() {
            let next = *limb >> 63;
            *limb = *limb << 1 | carry;
            carry = next;
        }
        if !less_than(&rem, r) {
            rem = wrapping_sub(rem, r);
            if bit < 192 {
                q[bit / 64] |= 1 << (bit % 64);
            }
        }
    }
    q
}

fn less_than(a: &[u64; 4], b: &[u64; 4]) -> bool {
    for i in (0..4).rev() {
        if a[i] != b[i] {
            return a[i] < b[i];
        }
    }
    false
}

fn wrapping_sub(a: [u64; 4], b: &[u64; 4]) -> [u64; 4] {
    let mut out = [0u64; 4];
    let mut borrow = false;
    for i in 0..4 {
        let (d, b1) = a[i].overflowing_sub(b[i]);
        let (d, b2) = d.overflowing_sub(u64::from(borrow));
        out[i] = d;
        borrow = b1 || b2;
    }
    out
}

fn wrapping_add(a: [u64; 4], b: &[u64; 4]) -> [u64; 4] {
    let mut out = [0u64; 4];
    let mut carry = false;
    for i in 0..4 {
        let (s, c1) = a[i].overflowing_add(b[i]);
        let (s, c2) = s.overflowing_add(u64::from(carry));
        out[i] = s;
        carry = c1 || c2;
    }
    out
}

/// `floor(k g / 2^256)` for `k < 2^256` and `g < 2^192`, if it fits 128 bits (it does for
/// `k < r`, `g < 2^130`: below `2^(254 + 130 - 256)`).
fn high_product(k: &[u64; 4], g: &[u64; 3]) -> Option<u128> {
    let mut wide = [0u64; 7];
    for (i, &ki) in k.iter().enumerate() {
        let mut carry = 0u128;
        for (j, &gj) in g.iter().enumerate() {
            let t = u128::from(ki) * u128::from(gj) + u128::from(wide[i + j]) + carry;
            wide[i + j] = t as u64;
            carry = t >> 64;
        }
        wide[i + 3] = carry as u64;
    }
    to_u128(&wide[4..])
}

/// `acc - b n (mod 2^256)` for signed `b`, `n` below `2^128` in magnitude.
fn sub_product(acc: [u64; 4], b: Half, n: Half) -> [u64; 4] {
    let magnitude = mul_u128(b.1, n.1);
    if b.0 == n.0 {
        wrapping_sub(acc, &magnitude)
    } else {
        wrapping_add(acc, &magnitude)
    }
}

/// The exact 256-bit product of two `u128`s.
fn mul_u128(a: u128, b: u128) -> [u64; 4] {
    let (a0, a1) = (a as u64 as u128, a >> 64);
    let (b0, b1) = (b as u64 as u128, b >> 64);
    let ll = a0 * b0;
    let lh = a0 * b1;
    let hl = a1 * b0;
    let hh = a1 * b1;
    let mid = (ll >> 64) + (lh as u64 as u128) + (hl as u64 as u128);
    let hi = hh + (lh >> 64) + (hl >> 64) + (mid >> 64);
    [ll as u64, mid as u64, hi as u64, (hi >> 64) as u64]
}

/// A residue modulo `2^256` read as a two's-complement integer, if its magnitude is below
/// `2^128`.
fn to_half(v: [u64; 4]) -> Option<Half> {
    let negative = v[3] >> 63 == 1;
    let magnitude = if negative {
        wrapping_sub([0; 4], &v)
    } else {
        v
    };
    Some((negative, to_u128(&magnitude)?))
}

/// A 128-bit magnitude as a scalar for the plan.
pub(super) fn half_to_bigint(h: u128) -> BigInt<4> {
    BigInt([h as u64, (h >> 64) as u64, 0, 0])
}

#[cfg(test)]
mod tests {
    use super::*;
    use ark_bn254::{Fr, G1Projective, G2Projective};
    use ark_ec::{AffineRepr, CurveGroup, PrimeGroup};
    use ark_ff::{AdditiveGroup, Field, UniformRand};
    use rand::SeedableRng;

    fn from_half(h: Half) -> Fr {
        let v = Fr::from(h.1);
        if h.0 {
            -v
        } else {
            v
        }
    }

    fn check_curve<P: GLVConfig<ScalarField = Fr>>() {
        let splitter = Splitter::new::<P>().expect("BN254's basis fits 128 bits");
        let mut rng = rand_chacha::ChaCha20Rng::seed_from_u64(41);
        let minus = |x: Fr| -x;
        let mut ks: Vec<Fr> = vec![
            Fr::ZERO,
            Fr::ONE,
            Fr::from(2u64),
            minus(Fr::ONE),
            minus(Fr::from(2u64)),
            P::LAMBDA,
            minus(P::LAMBDA),
            P::LAMBDA + Fr::ONE,
            Fr::from(2u64).pow([253]),
            Fr::from(2u64).pow([128]),
            Fr::from(2u64).pow([127]),
            Fr::from(u128::MAX),
            Fr::from(2u64).inverse().unwrap(), // (r + 1) / 2
        ];
        ks.extend((0..5000).map(|_| Fr::rand(&mut rng)));
        let mut widest = 0;
        for k in ks {
            let [h1, h2] = splitter.split(&k.into_bigint()).expect("within 2^128");
            assert_eq!(from_half(h1) + from_half(h2) * P::LAMBDA, k, "k = {k}");
            widest = widest
                .max(128 - h1.1.leading_zeros())
                .max(128 - h2.1.leading_zeros());
        }
        assert!((120..=128).contains(&widest), "{widest}");
    }

    #[test]
    fn splits_recombine_to_the_scalar_below_2_128() {
        check_curve::<ark_bn254::g1::Config>();
        check_curve::<ark_bn254::g2::Config>();
    }

    /// `phi(x, y) = (beta x, y)` is `[lambda]` on both groups (the fact the split relies on).
    #[test]
    fn endomorphism_is_multiplication_by_lambda() {
        let mut rng = rand_chacha::ChaCha20Rng::seed_from_u64(42);
        for _ in 0..4 {
            let p = (G1Projective::generator() * Fr::rand(&mut rng)).into_affine();
            let (x, y) = p.xy().unwrap();
            let phi = ark_bn254::G1Affine::new(x * ark_bn254::g1::Config::ENDO_COEFFS[0], y);
            assert_eq!(phi, (p * ark_bn254::g1::Config::LAMBDA).into_affine());
            let q = (G2Projective::generator() * Fr::rand(&mut rng)).into_affine();
            let (x, y) = q.xy().unwrap();
            let phi = ark_bn254::G2Affine::new(x * ark_bn254::g2::Config::ENDO_COEFFS[0], y);
            assert_eq!(phi, (q * ark_bn254::g2::Config::LAMBDA).into_affine());
        }
    }

    #[test]
    fn shifted_quotient_is_the_floor() {
        // floor(2^256 n / r) = q iff q r <= 2^256 n < (q + 1) r; checked with field-free
        // integer products for both curves' basis entries and small n.
        let r = limbs4(Fr::MODULUS.as_ref()).unwrap();
        for n in [1u128, 2, 3, 9931322734385697763, u128::MAX >> 1] {
            let q = shifted_quotient(n, &r);
            let big = |limbs: &[u64]| -> num_like::Big { num_like::Big::from_limbs(limbs) };
            let lhs = big(&q).mul(&big(&r));
            let target = big(&[0, 0, 0, 0, n as u64, (n >> 64) as u64]);
            assert!(lhs.le(&target), "q r <= 2^256 n for n = {n}");
            assert!(
                target.lt(&lhs.add(&big(&r))),
                "2^256 n < (q + 1) r for n = {n}"
            );
        }
    }

    /// Minimal unsigned big integers for the quotient test (limb vectors, little-endian).
    mod num_like {
        pub struct Big(Vec<u64>);
        impl Big {
            pub fn from_limbs(l: &[u64]) -> Big {
                let mut v = l.to_vec();
                v.resize(12, 0);
                Big(v)
            }
            pub fn mul(&self, o: &Big) -> Big {
                let mut out = vec![0u64; 12];
                for i in 0..12 {
                    let mut carry = 0u128;
                    for j in 0..12 - i {
                        let t = u128::from(self.0[i]) * u128::from(o.0[j])
                            + u128::from(out[i + j])
                            + carry;
                        out[i + j] = t as u64;
                        carry = t >> 64;
                    }
                }
                Big(out)
            }
            pub fn add(&self, o: &Big) -> Big {
                let mut carry = 0u128;
                let out = self
                    .0
                    .iter()
                    .zip(&o.0)
                    .map(|(&a, &b)| {
                        let t = u128::from(a) + u128::from(b) + carry;
                        carry = t >> 64;
                        t as u64
                    })
                    .collect();
                Big(out)
            }
            fn cmp(&self, o: &Big) -> std::cmp::Ordering {
                self.0.iter().rev().cmp(o.0.iter().rev())
            }
            pub fn le(&self, o: &Big) -> bool {
                self.cmp(o) != std::cmp::Ordering::Greater
            }
            pub fn lt(&self, o: &Big) -> bool {
                self.cmp(o) == std::cmp::Ordering::Less
            }
        }
    }
}
