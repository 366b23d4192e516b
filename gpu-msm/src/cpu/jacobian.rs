//! Step 2 of a window: the running-sum reduction `sum_b (b + 1) S_b` of its bucket sums `S_b`,
//! on Jacobian points over the same [`Coord`] representation as the bucket additions.
//!
//! In wasm that is the 29-bit-limb field, whose product is about twice as fast there as
//! arkworks' 64-bit Montgomery product (which wasm must build from 32-bit halves); the
//! reduction was about an eighth of a G1 MSM's time on arkworks' points. The formulas are the
//! standard Jacobian ones (`x = X / Z^2`, `y = Y / Z^3`, `Z = 0` the identity), the same
//! representation as arkworks' `Projective`, so the result converts coordinate by coordinate:
//! - mixed addition `madd-2007-bl` (7 products, 4 squares) for `acc += S_b`,
//! - addition `add-2007-bl` (11 products, 5 squares) for `total += acc`,
//! - doubling `dbl-2007-bl` (with the `a Z^4` term only where the curve's `a` is non-zero;
//!   both BN254 groups have `a = 0`), used when an addition meets two equal points.
//!
//! Every special case is exact: adding the identity, adding a point to itself (the addition
//! formulas divide by `H = 0` there, so they hand over to the doubling) and adding its
//! opposite (the identity).

use std::marker::PhantomData;

use ark_ec::short_weierstrass::{Projective, SWCurveConfig};
use ark_ff::Zero;

use super::Coord;

/// A point `(X : Y : Z)` in Jacobian coordinates over `C`, a representation of the base field
/// `F`.
pub(super) struct Jacobian<F, C> {
    x: C,
    y: C,
    z: C,
    _field: PhantomData<fn() -> F>,
}

impl<F, C: Copy> Clone for Jacobian<F, C> {
    fn clone(&self) -> Self {
        *self
    }
}
impl<F, C: Copy> Copy for Jacobian<F, C> {}

impl<F, C: Coord<F>> Jacobian<F, C> {
    fn new(x: C, y: C, z: C) -> Self {
        Jacobian {
            x,
            y,
            z,
            _field: PhantomData,
        }
    }

    pub(super) fn identity() -> Self {
        Self::new(C::one(), C::one(), C::zero())
    }

    pub(super) fn is_identity(&self) -> bool {
        self.z.is_zero()
    }

    /// `2 P` (`dbl-2007-bl`): with `XX = X^2`, `YY = Y^2`, `S = 2 ((X + YY)^2 - XX - YY^2)`
    /// (that is `4 X Y^2`) and `M = 3 XX + a Z^4`: `X' = M^2 - 2 S`, `Y' = M (S - X') - 8 YY^2`,
    /// `Z' = 2 Y Z`. A point with `Y = 0` has order two and doubles to the identity.
    pub(super) fn double(&self, coeff_a: Option<&C>) -> Self {
        if self.is_identity() || self.y.is_zero() {
            return Self::identity();
        }
        let xx = self.x.square();
        let yy = self.y.square();
        let yyyy = yy.square();
        let s = self.x.add(&yy).square().sub(&xx).sub(&yyyy).double();
        let mut m = xx.double().add(&xx);
        if let Some(a) = coeff_a {
            m = m.add(&a.mul(&self.z.square().square()));
        }
        let x3 = m.square().sub(&s.double());
        let y3 = m.mul(&s.sub(&x3)).sub(&yyyy.double().double().double());
        let z3 = self.y.mul(&self.z).double();
        Self::new(x3, y3, z3)
    }

    /// `P + (x2, y2)` for an affine point (`madd-2007-bl`): `U2 = x2 Z^2`, `S2 = y2 Z^3`,
    /// `H = U2 - X`, `r = 2 (S2 - Y)`, `I = 4 H^2`, `J = H I`, `V = X I`;
    /// `X' = r^2 - J - 2 V`, `Y' = r (V - X') - 2 Y J`, `Z' = (Z + H)^2 - Z^2 - H^2` (`2 Z H`).
    /// `H = 0` means the same `x`: the same point (doubling) or its opposite (identity).
    pub(super) fn add_affine(&self, x2: &C, y2: &C, coeff_a: Option<&C>) -> Self {
        if self.is_identity() {
            return Self::new(*x2, *y2, C::one());
        }
        let zz = self.z.square();
        let u2 = x2.mul(&zz);
        let s2 = y2.mul(&self.z.mul(&zz));
        let h = u2.sub(&self.x);
        let r_half = s2.sub(&self.y);
        if h.is_zero() {
            return if r_half.is_zero() {
                self.double(coeff_a)
            } else {
                Self::identity()
            };
        }
        let hh = h.square();
        let i = hh.double().double();
        let j = h.mul(&i);
        let r = r_half.double();
        let v = self.x.mul(&i);
        let x3 = r.square().sub(&j).sub(&v.double());
        let y3 = r.mul(&v.sub(&x3)).sub(&self.y.mul(&j).double());
        let z3 = self.z.add(&h).square().sub(&zz).sub(&hh);
        Self::new(x3, y3, z3)
    }

    /// `P + Q` (`add-2007-bl`): `U1 = X1 Z2^2`, `U2 = X2 Z1^2`, `S1 = Y1 Z2^3`, `S2 = Y2 Z1^3`,
    /// `H = U2 - U1`, `r = 2 (S2 - S1)`, `I = (2 H)^2`, `J = H I`, `V = U1 I`;
    /// `X' = r^2 - J - 2 V`, `Y' = r (V - X') - 2 S1 J`,
    /// `Z' = ((Z1 + Z2)^2 - Z1^2 - Z2^2) H` (`2 Z1 Z2 H`).
    pub(super) fn add(&self, other: &Self, coeff_a: Option<&C>) -> Self {
        if other.is_identity() {
            return *self;
        }
        if self.is_identity() {
            return *other;
        }
        let z1z1 = self.z.square();
        let z2z2 = other.z.square();
        let u1 = self.x.mul(&z2z2);
        let u2 = other.x.mul(&z1z1);
        let s1 = self.y.mul(&other.z.mul(&z2z2));
        let s2 = other.y.mul(&self.z.mul(&z1z1));
        let h = u2.sub(&u1);
        let r_half = s2.sub(&s1);
        if h.is_zero() {
            return if r_half.is_zero() {
                self.double(coeff_a)
            } else {
                Self::identity()
            };
        }
        let i = h.double().square();
        let j = h.mul(&i);
        let r = r_half.double();
        let v = u1.mul(&i);
        let x3 = r.square().sub(&j).sub(&v.double());
        let y3 = r.mul(&v.sub(&x3)).sub(&s1.mul(&j).double());
        let z3 = self.z.add(&other.z).square().sub(&z1z1).sub(&z2z2).mul(&h);
        Self::new(x3, y3, z3)
    }

    /// The same point as arkworks' `Projective` (also Jacobian: the coordinates carry over).
    pub(super) fn to_projective<P: SWCurveConfig<BaseField = F>>(self) -> Projective<P> {
        if self.is_identity() {
            return Projective::zero();
        }
        Projective::new_unchecked(self.x.to_base(), self.y.to_base(), self.z.to_base())
    }
}

/// The curve's `a` in coordinates `C`, or `None` when it is zero (the doubling then skips its
/// `a Z^4` term).
pub(super) fn coeff_a<P: SWCurveConfig, C: Coord<P::BaseField>>() -> Option<C> {
    (!P::COEFF_A.is_zero()).then(|| C::from_base(&P::COEFF_A))
}

/// `(sum_b (b + 1) S_b, sum_b S_b)` for a run of bucket sums `S_0, S_1, ...`, by the running
/// sum: walking the buckets from the top, `acc` is `S_top + ... + S_b` and `total` adds `acc`
/// once per bucket, so `S_b` is counted `b + 1` times; `acc` ends as the plain sum. `2 B`
/// additions for `B` buckets.
pub(super) fn running_sums<P, C>(sums: &[Option<(C, C)>]) -> (Projective<P>, Projective<P>)
where
    P: SWCurveConfig,
    C: Coord<P::BaseField>,
{
    let a = coeff_a::<P, C>();
    let mut acc = Jacobian::<P::BaseField, C>::identity();
    let mut total = Jacobian::<P::BaseField, C>::identity();
    for s in sums.iter().rev() {
        if let Some((x, y)) = s {
            acc = acc.add_affine(x, y, a.as_ref());
        }
        total = total.add(&acc, a.as_ref());
    }
    (total.to_projective(), acc.to_projective())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::fq29::Fq29;
    use ark_bn254::{Fq, Fq2, Fr, G1Projective, G2Projective};
    use ark_ec::short_weierstrass::Affine;
    use ark_ec::{AdditiveGroup, AffineRepr, CurveGroup, PrimeGroup};
    use ark_ff::UniformRand;
    use rand::SeedableRng;
    use zkagg_field29::Fq2x29;

    /// A curve over the BN254 base field with `a != 0` (`y^2 = x^3 + 3 x + 5`), to exercise the
    /// doubling's `a Z^4` term; it need not have prime order, the formulas are checked
    /// against arkworks' on the same points.
    #[derive(Clone, Copy, Default, PartialEq, Eq)]
    struct CurveWithA;
    impl ark_ec::CurveConfig for CurveWithA {
        type BaseField = Fq;
        type ScalarField = Fr;
        const COFACTOR: &'static [u64] = &[1];
        const COFACTOR_INV: Fr = ark_ff::MontFp!("1");
    }
    impl SWCurveConfig for CurveWithA {
        type ZeroFlag = ();
        const COEFF_A: Fq = ark_ff::MontFp!("3");
        const COEFF_B: Fq = ark_ff::MontFp!("5");
        const GENERATOR: Affine<Self> =
            Affine::new_unchecked(ark_ff::MontFp!("0"), ark_ff::MontFp!("0"));
    }

    /// Affine points on `CurveWithA`: random `x` until `x^3 + 3 x + 5` is a square.
    fn points_with_a(n: usize, rng: &mut rand_chacha::ChaCha20Rng) -> Vec<Affine<CurveWithA>> {
        use ark_ff::Field;
        let mut out = Vec::new();
        while out.len() < n {
            let x = Fq::rand(rng);
            let rhs = x * x * x + x * Fq::from(3u64) + Fq::from(5u64);
            if let Some(y) = rhs.sqrt() {
                out.push(Affine::new_unchecked(x, y));
            }
        }
        out
    }

    /// Sums of a sequence with repeats, opposites and the identity, through every operation
    /// (mixed additions into an accumulator, full additions of accumulators, doublings), equal
    /// to arkworks' sums.
    fn check_sums<P, C>(points: &[Affine<P>])
    where
        P: SWCurveConfig,
        C: Coord<P::BaseField>,
    {
        let a = coeff_a::<P, C>();
        let a = a.as_ref();
        let mut acc = Jacobian::<P::BaseField, C>::identity();
        let mut total = Jacobian::<P::BaseField, C>::identity();
        let mut acc_ark = Projective::<P>::zero();
        let mut total_ark = Projective::<P>::zero();
        for p in points {
            if let Some((x, y)) = p.xy() {
                acc = acc.add_affine(&C::from_base(&x), &C::from_base(&y), a);
            }
            acc_ark += p;
            assert_eq!(acc.to_projective::<P>(), acc_ark, "accumulator");
            // acc + acc (a doubling through the addition), acc + total, total + acc.
            assert_eq!(acc.add(&acc, a).to_projective::<P>(), acc_ark.double());
            assert_eq!(acc.double(a).to_projective::<P>(), acc_ark.double());
            let neg = Jacobian::<P::BaseField, C>::new(acc.x, acc.y.neg(), acc.z);
            assert!(acc.add(&neg, a).is_identity(), "P + (-P)");
            total = total.add(&acc, a);
            total_ark += acc_ark;
            assert_eq!(total.to_projective::<P>(), total_ark, "total");
        }
    }

    fn with_repeats<P: SWCurveConfig>(base: &[Affine<P>]) -> Vec<Affine<P>> {
        let (p, q) = (base[0], base[1]);
        let mut v = vec![
            Affine::identity(),
            p,
            p,
            -p,
            -p,
            -p,
            q,
            Affine::identity(),
            q,
        ];
        v.extend_from_slice(base);
        v.extend([-q, -q, p]);
        v
    }

    #[test]
    fn jacobian_sums_equal_arkworks() {
        let mut rng = rand_chacha::ChaCha20Rng::seed_from_u64(31);
        let g1: Vec<_> = (0..12)
            .map(|_| (G1Projective::generator() * Fr::rand(&mut rng)).into_affine())
            .collect();
        let g2: Vec<_> = (0..12)
            .map(|_| (G2Projective::generator() * Fr::rand(&mut rng)).into_affine())
            .collect();
        check_sums::<_, Fq>(&with_repeats(&g1));
        check_sums::<_, Fq29>(&with_repeats(&g1));
        check_sums::<_, Fq2>(&with_repeats(&g2));
        check_sums::<_, Fq2x29>(&with_repeats(&g2));
        let with_a = with_repeats(&points_with_a(12, &mut rng));
        check_sums::<_, Fq>(&with_a);
        check_sums::<_, Fq29>(&with_a);
    }

    #[test]
    fn running_sums_weight_each_bucket_by_its_index() {
        let mut rng = rand_chacha::ChaCha20Rng::seed_from_u64(32);
        let g: Vec<_> = (0..20)
            .map(|_| (G1Projective::generator() * Fr::rand(&mut rng)).into_affine())
            .collect();
        // Empty buckets, and bucket 17 equal to the running sum above it (bucket 18 alone, as
        // bucket 19 is empty): that mixed addition is a doubling.
        let mut sums: Vec<Option<(Fq29, Fq29)>> = g
            .iter()
            .map(|p| Some((Fq29::from_ark(&p.x), Fq29::from_ark(&p.y))))
            .collect();
        sums[3] = None;
        sums[7] = None;
        sums[19] = None;
        sums[17] = sums[18];
        let mut expect = G1Projective::zero();
        for (b, s) in sums.iter().enumerate() {
            if let Some((x, y)) = s {
                let p = ark_bn254::G1Affine::new_unchecked(x.to_ark(), y.to_ark());
                expect += p * Fr::from(b as u64 + 1);
            }
        }
        let plain: G1Projective = sums
            .iter()
            .flatten()
            .map(|(x, y)| ark_bn254::G1Affine::new_unchecked(x.to_ark(), y.to_ark()))
            .sum();
        let sums_of = running_sums::<ark_bn254::g1::Config, Fq29>;
        assert_eq!(sums_of(&sums), (expect, plain));
        let (weighted, plain) = sums_of(&[None, None]);
        assert!(weighted.is_zero() && plain.is_zero());
        let (weighted, plain) = sums_of(&[]);
        assert!(weighted.is_zero() && plain.is_zero());
    }
}
