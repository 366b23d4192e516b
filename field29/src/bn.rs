//! BN254 over the 29-bit-limb backend: the extension towers, the two curves and the pairing,
//! all arkworks' generic code (`Fp2`/`Fp6`/`Fp12`, `short_weierstrass`, `ark_ec::bn`)
//! instantiated with [`Fq`](crate::backend::Fq). Every constant is arkworks' `ark_bn254`
//! constant converted at compile time ([`fq_const`]), so the two instantiations compute the
//! same pairing; the tests check that value for value. The wasm verifier runs the pairing of
//! [`crate::pairing`] (the same steps with faster `Fq12` products) on these types.
//!
//! Points cross the boundary with [`g1_from_ark`] / [`g2_from_ark`] (coordinates converted,
//! nothing re-checked: the caller validated them as arkworks points), and pairing values come
//! back with [`fq12_to_ark`].

use ark_ec::bn::{self, BnConfig, TwistType};
use ark_ec::models::short_weierstrass::SWCurveConfig;
use ark_ec::models::CurveConfig;
use ark_ec::AffineRepr;
use ark_ff::fields::{Fp12, Fp12Config, Fp2, Fp2Config, Fp6, Fp6Config};
use ark_ff::{AdditiveGroup, CubicExtField, Field, QuadExtField};

use crate::backend::{fq_const, fq_from_ark, fq_to_ark, Fq};

type Ark2 = ark_bn254::Fq2;

/// An arkworks `Fq2` constant in this backend's form, at compile time.
const fn fq2_const(x: Ark2) -> Fq2 {
    QuadExtField {
        c0: fq_const(x.c0),
        c1: fq_const(x.c1),
    }
}

/// The first `N` entries of an arkworks `Fq2` table, converted at compile time.
const fn fq2_table<const N: usize>(ark: &[Ark2]) -> [Fq2; N] {
    let mut out = [Fq2::ZERO; N];
    let mut i = 0;
    while i < N {
        out[i] = fq2_const(ark[i]);
        i += 1;
    }
    out
}

pub type Fq2 = Fp2<Fq2Config>;
pub type Fq6 = Fp6<Fq6Config>;
pub type Fq12 = Fp12<Fq12Config>;

/// `Fq2 = Fq[u] / (u^2 + 1)`.
pub struct Fq2Config;

const FP2_C1: [Fq; 2] = {
    let ark = <ark_bn254::Fq2Config as Fp2Config>::FROBENIUS_COEFF_FP2_C1;
    [fq_const(ark[0]), fq_const(ark[1])]
};

impl Fp2Config for Fq2Config {
    type Fp = Fq;
    const NONRESIDUE: Fq = fq_const(<ark_bn254::Fq2Config as Fp2Config>::NONRESIDUE);
    const FROBENIUS_COEFF_FP2_C1: &'static [Fq] = &FP2_C1;

    /// The non-residue is `-1`.
    #[inline(always)]
    fn mul_fp_by_nonresidue_in_place(fe: &mut Fq) -> &mut Fq {
        fe.neg_in_place()
    }
}

/// `Fq6 = Fq2[v] / (v^3 - (9 + u))`.
#[derive(Clone, Copy)]
pub struct Fq6Config;

const FP6_C1: [Fq2; 6] = fq2_table(<ark_bn254::Fq6Config as Fp6Config>::FROBENIUS_COEFF_FP6_C1);
const FP6_C2: [Fq2; 6] = fq2_table(<ark_bn254::Fq6Config as Fp6Config>::FROBENIUS_COEFF_FP6_C2);

impl Fp6Config for Fq6Config {
    type Fp2Config = Fq2Config;
    const NONRESIDUE: Fq2 = fq2_const(<ark_bn254::Fq6Config as Fp6Config>::NONRESIDUE);
    const FROBENIUS_COEFF_FP6_C1: &'static [Fq2] = &FP6_C1;
    const FROBENIUS_COEFF_FP6_C2: &'static [Fq2] = &FP6_C2;

    /// `(9 + u)(c0 + c1 u) = (9 c0 - c1) + (9 c1 + c0) u`, with `9 c = 8 c + c` (three
    /// doublings and additions instead of products).
    #[inline(always)]
    fn mul_fp2_by_nonresidue_in_place(fe: &mut Fq2) -> &mut Fq2 {
        let mut eight = *fe;
        eight.double_in_place().double_in_place().double_in_place();
        let c0 = eight.c0 + fe.c0 - fe.c1;
        let c1 = eight.c1 + fe.c1 + fe.c0;
        *fe = Fq2::new(c0, c1);
        fe
    }
}

/// `Fq12 = Fq6[w] / (w^2 - v)`.
#[derive(Clone, Copy)]
pub struct Fq12Config;

const FP12_C1: [Fq2; 12] =
    fq2_table(<ark_bn254::Fq12Config as Fp12Config>::FROBENIUS_COEFF_FP12_C1);

impl Fp12Config for Fq12Config {
    type Fp6Config = Fq6Config;
    const NONRESIDUE: Fq6 = CubicExtField {
        c0: Fq2::ZERO,
        c1: Fq2::ONE,
        c2: Fq2::ZERO,
    };
    const FROBENIUS_COEFF_FP12_C1: &'static [Fq2] = &FP12_C1;
}

/// BN254's G1, `y^2 = x^3 + 3` over `Fq`.
#[derive(Clone, Default, PartialEq, Eq)]
pub struct G1Config;

impl CurveConfig for G1Config {
    type BaseField = Fq;
    type ScalarField = ark_bn254::Fr;
    const COFACTOR: &'static [u64] = <ark_bn254::g1::Config as CurveConfig>::COFACTOR;
    const COFACTOR_INV: ark_bn254::Fr = <ark_bn254::g1::Config as CurveConfig>::COFACTOR_INV;
}

impl SWCurveConfig for G1Config {
    const COEFF_A: Fq = Fq::ZERO;
    const COEFF_B: Fq = fq_const(<ark_bn254::g1::Config as SWCurveConfig>::COEFF_B);
    const GENERATOR: G1Affine = G1Affine::new_unchecked(
        fq_const(ark_bn254::g1::G1_GENERATOR_X),
        fq_const(ark_bn254::g1::G1_GENERATOR_Y),
    );
    type ZeroFlag = ();

    #[inline(always)]
    fn mul_by_a(_: Fq) -> Fq {
        Fq::ZERO
    }
}

/// BN254's G2, the D-type sextic twist `y^2 = x^3 + 3 / (9 + u)` over `Fq2`.
#[derive(Clone, Default, PartialEq, Eq)]
pub struct G2Config;

impl CurveConfig for G2Config {
    type BaseField = Fq2;
    type ScalarField = ark_bn254::Fr;
    const COFACTOR: &'static [u64] = <ark_bn254::g2::Config as CurveConfig>::COFACTOR;
    const COFACTOR_INV: ark_bn254::Fr = <ark_bn254::g2::Config as CurveConfig>::COFACTOR_INV;
}

impl SWCurveConfig for G2Config {
    const COEFF_A: Fq2 = Fq2::ZERO;
    const COEFF_B: Fq2 = fq2_const(<ark_bn254::g2::Config as SWCurveConfig>::COEFF_B);
    const GENERATOR: G2Affine = G2Affine::new_unchecked(
        fq2_const(ark_bn254::g2::G2_GENERATOR_X),
        fq2_const(ark_bn254::g2::G2_GENERATOR_Y),
    );
    type ZeroFlag = ();

    #[inline(always)]
    fn mul_by_a(_: Fq2) -> Fq2 {
        Fq2::ZERO
    }

    /// Membership of a twist point `Q` in G2, the order-`r` subgroup, by the endomorphism test
    /// of Dai, Lin, Zhao and Zhou (ePrint 2022/348, sections 3 and 5.1) for BN254:
    ///
    /// `Q in G2  <=>  [x + 1] Q + psi([x] Q) + psi^2([x] Q) = psi^3([2x] Q)`
    ///
    /// with `x` BN254's 63-bit seed and `psi(x, y) = (conj(x) xi^((p-1)/3), conj(y) xi^((p-1)/2))`
    /// (`xi = 9 + u`; conjugation is the `p`-power Frobenius of `Fq2`) the untwist-Frobenius-twist
    /// endomorphism. On G2, `psi` acts as multiplication by `p mod r`, a root of
    /// `X^2 - tX + p`, for which the relation holds; the paper proves that on BN254's twist no
    /// point outside G2 satisfies it, so the test is exact (not probabilistic). Cost: one 63-bit
    /// scalar multiplication (arkworks' default multiplies by the 254-bit `r`; its BN254 test,
    /// `psi(Q) = [6x^2] Q`, by a 127-bit scalar), three `psi`s and five additions, on this
    /// backend's field: the wasm verifier checks every proof's `B` with it (through arkworks'
    /// `Fq` that check was a fifth of a verification). The `xi` powers are the pairing's own
    /// `TWIST_MUL_BY_Q_X/Y`; the tests compare the verdict with arkworks' on points in and
    /// outside the subgroup.
    fn is_in_correct_subgroup_assuming_on_curve(point: &G2Affine) -> bool {
        const { assert!(!<Config as BnConfig>::X_IS_NEGATIVE) };
        let x_q = point.mul_bigint(<Config as BnConfig>::X);
        let psi_x_q = psi(&x_q);
        let psi2_x_q = psi(&psi_x_q);
        let left = x_q + point + psi_x_q + psi2_x_q;
        let right = psi(&psi2_x_q).double();
        left == right
    }
}

/// `psi` on a Jacobian point `(X, Y, Z)` (affine `(X / Z^2, Y / Z^3)`): conjugating all three
/// coordinates conjugates the affine ones (conjugation is a field automorphism), and the `xi`
/// factors scale the affine `x` and `y` as they scale `X` and `Y`.
fn psi(q: &G2Projective) -> G2Projective {
    let mut image = *q;
    image.x.frobenius_map_in_place(1);
    image.y.frobenius_map_in_place(1);
    image.z.frobenius_map_in_place(1);
    image.x *= Config::TWIST_MUL_BY_Q_X;
    image.y *= Config::TWIST_MUL_BY_Q_Y;
    image
}

/// The BN parameters: arkworks' `ark_bn254::Config`, field constants converted.
pub struct Config;

impl BnConfig for Config {
    const X: &'static [u64] = <ark_bn254::Config as BnConfig>::X;
    const X_IS_NEGATIVE: bool = <ark_bn254::Config as BnConfig>::X_IS_NEGATIVE;
    const ATE_LOOP_COUNT: &'static [i8] = <ark_bn254::Config as BnConfig>::ATE_LOOP_COUNT;
    const TWIST_MUL_BY_Q_X: Fq2 = fq2_const(<ark_bn254::Config as BnConfig>::TWIST_MUL_BY_Q_X);
    const TWIST_MUL_BY_Q_Y: Fq2 = fq2_const(<ark_bn254::Config as BnConfig>::TWIST_MUL_BY_Q_Y);
    const TWIST_TYPE: TwistType = TwistType::D;
    type Fp = Fq;
    type Fp2Config = Fq2Config;
    type Fp6Config = Fq6Config;
    type Fp12Config = Fq12Config;
    type G1Config = G1Config;
    type G2Config = G2Config;
}

/// The pairing on this backend (`ark_ec::pairing::Pairing`).
pub type Bn254 = bn::Bn<Config>;
pub type G1Affine = bn::G1Affine<Config>;
pub type G2Affine = bn::G2Affine<Config>;
pub type G2Projective = bn::G2Projective<Config>;
pub type G2Prepared = bn::G2Prepared<Config>;

/// An `Fq2` value from arkworks.
pub fn fq2_from_ark(x: &Ark2) -> Fq2 {
    Fq2::new(fq_from_ark(&x.c0), fq_from_ark(&x.c1))
}

/// A G1 point from arkworks (coordinates converted; the point is not re-validated).
pub fn g1_from_ark(p: &ark_bn254::G1Affine) -> G1Affine {
    match p.xy() {
        Some((x, y)) => G1Affine::new_unchecked(fq_from_ark(&x), fq_from_ark(&y)),
        None => G1Affine::zero(),
    }
}

/// A G2 point from arkworks (coordinates converted; the point is not re-validated).
pub fn g2_from_ark(p: &ark_bn254::G2Affine) -> G2Affine {
    match p.xy() {
        Some((x, y)) => G2Affine::new_unchecked(fq2_from_ark(&x), fq2_from_ark(&y)),
        None => G2Affine::zero(),
    }
}

/// An `Fq12` value to arkworks (for comparisons with arkworks' pairing values).
pub fn fq12_to_ark(x: &Fq12) -> ark_bn254::Fq12 {
    let two = |v: &Fq2| ark_bn254::Fq2::new(fq_to_ark(&v.c0), fq_to_ark(&v.c1));
    let six = |v: &Fq6| ark_bn254::Fq6::new(two(&v.c0), two(&v.c1), two(&v.c2));
    ark_bn254::Fq12::new(six(&x.c0), six(&x.c1))
}

/// An `Fq12` value from arkworks (a pairing value computed once, e.g. a key's `e(alpha, beta)`).
pub fn fq12_from_ark(x: &ark_bn254::Fq12) -> Fq12 {
    let six = |v: &ark_bn254::Fq6| {
        Fq6::new(
            fq2_from_ark(&v.c0),
            fq2_from_ark(&v.c1),
            fq2_from_ark(&v.c2),
        )
    };
    Fq12::new(six(&x.c0), six(&x.c1))
}

#[cfg(test)]
mod tests {
    use super::*;
    use ark_ec::pairing::Pairing;
    use ark_ec::{CurveGroup, PrimeGroup};
    use ark_ff::{CyclotomicMultSubgroup, One, UniformRand};
    use rand::SeedableRng;

    fn fq12_from(x: &ark_bn254::Fq12) -> Fq12 {
        fq12_from_ark(x)
    }

    #[test]
    fn towers_equal_arkworks() {
        let mut rng = rand_chacha::ChaCha20Rng::seed_from_u64(12);
        for _ in 0..20 {
            let (a, b) = (
                ark_bn254::Fq12::rand(&mut rng),
                ark_bn254::Fq12::rand(&mut rng),
            );
            let (x, y) = (fq12_from(&a), fq12_from(&b));
            assert_eq!(fq12_to_ark(&(x * y)), a * b);
            assert_eq!(fq12_to_ark(&x.square()), a.square());
            assert_eq!(fq12_to_ark(&x.inverse().unwrap()), a.inverse().unwrap());
            for power in 0..12 {
                assert_eq!(fq12_to_ark(&x.frobenius_map(power)), a.frobenius_map(power));
            }
            // Cyclotomic squaring holds on the cyclotomic subgroup: map there first.
            let c = a.frobenius_map(6) * a.inverse().unwrap();
            let c = c.frobenius_map(2) * c;
            let z = fq12_from(&c);
            assert_eq!(fq12_to_ark(&z.cyclotomic_square()), c.cyclotomic_square());
            let (u, v) = (
                ark_bn254::Fq2::rand(&mut rng),
                ark_bn254::Fq2::rand(&mut rng),
            );
            let (s, t) = (fq2_from_ark(&u), fq2_from_ark(&v));
            assert_eq!(fq2_from_ark(&(u * v)), s * t);
            let mut w = s;
            Fq6Config::mul_fp2_by_nonresidue_in_place(&mut w);
            let mut ark_w = u;
            <ark_bn254::Fq6Config as Fp6Config>::mul_fp2_by_nonresidue_in_place(&mut ark_w);
            assert_eq!(w, fq2_from_ark(&ark_w));
        }
    }

    #[test]
    fn constants_convert() {
        assert_eq!(
            fq12_to_ark(&Fq12::ONE),
            ark_bn254::Fq12::ONE,
            "one of the tower"
        );
        assert_eq!(
            g1_from_ark(&ark_bn254::G1Affine::generator()),
            G1Affine::generator()
        );
        assert_eq!(
            g2_from_ark(&ark_bn254::G2Affine::generator()),
            G2Affine::generator()
        );
        assert!(G2Affine::generator().is_on_curve() && G1Affine::generator().is_on_curve());
        assert!(g1_from_ark(&ark_bn254::G1Affine::zero()).is_zero());
        assert!(g2_from_ark(&ark_bn254::G2Affine::zero()).is_zero());
    }

    /// The `psi` test agrees with arkworks' verdict on subgroup points (random multiples of the
    /// generator, their negatives, the identity) and on twist points outside it (found from
    /// random `x`: almost every twist point is outside, its cofactor being about `p`).
    #[test]
    fn g2_subgroup_test_agrees_with_arkworks() {
        let mut rng = rand_chacha::ChaCha20Rng::seed_from_u64(352);
        let ours = |q: &ark_bn254::G2Affine| {
            let q = g2_from_ark(q);
            assert!(q.is_on_curve());
            q.is_in_correct_subgroup_assuming_on_curve()
        };
        assert!(ours(&ark_bn254::G2Affine::zero()));
        assert!(ours(&ark_bn254::G2Affine::generator()));
        for _ in 0..16 {
            let q = (ark_bn254::G2Projective::generator() * ark_bn254::Fr::rand(&mut rng))
                .into_affine();
            assert!(ours(&q) && ours(&-q));
        }
        let mut outside = 0;
        while outside < 16 {
            let x = Ark2::rand(&mut rng);
            let Some(q) = ark_bn254::G2Affine::get_point_from_x_unchecked(x, false) else {
                continue;
            };
            assert!(!q.is_in_correct_subgroup_assuming_on_curve());
            assert!(!ours(&q) && !ours(&-q));
            // Cleared of its cofactor, the same point is in G2 and passes.
            let cleared = q.clear_cofactor();
            assert!(cleared.is_in_correct_subgroup_assuming_on_curve() && ours(&cleared));
            // Its part outside G2 alone ([r] Q: order dividing the cofactor), and that part
            // added to a G2 point, are refused.
            let torsion = q
                .mul_bigint(<ark_bn254::Fr as ark_ff::PrimeField>::MODULUS)
                .into_affine();
            assert!(!torsion.is_zero() && !ours(&torsion));
            let mixed = (cleared + torsion).into_affine();
            assert!(!mixed.is_in_correct_subgroup_assuming_on_curve() && !ours(&mixed));
            outside += 1;
        }
    }

    #[test]
    fn pairings_equal_arkworks() {
        let mut rng = rand_chacha::ChaCha20Rng::seed_from_u64(254);
        for _ in 0..4 {
            let g1: Vec<ark_bn254::G1Affine> = (0..3)
                .map(|_| {
                    (ark_bn254::G1Projective::generator() * ark_bn254::Fr::rand(&mut rng))
                        .into_affine()
                })
                .collect();
            let g2: Vec<ark_bn254::G2Affine> = (0..3)
                .map(|_| {
                    (ark_bn254::G2Projective::generator() * ark_bn254::Fr::rand(&mut rng))
                        .into_affine()
                })
                .collect();
            let ark = ark_bn254::Bn254::multi_pairing(&g1, &g2).0;
            let ours = Bn254::multi_pairing(
                g1.iter().map(g1_from_ark),
                g2.iter().map(|q| G2Prepared::from(g2_from_ark(q))),
            )
            .0;
            assert_eq!(fq12_to_ark(&ours), ark);
            assert_ne!(ark, ark_bn254::Fq12::ONE);
        }
        // Bilinearity on this backend alone: e(aP, Q) e(-P, aQ) = 1; the identity pairs to one.
        let a = ark_bn254::Fr::rand(&mut rng);
        let p = ark_bn254::G1Affine::generator();
        let q = ark_bn254::G2Affine::generator();
        let g1 = [(p * a).into_affine(), -p];
        let g2 = [q, (q * a).into_affine()];
        let one = Bn254::multi_pairing(g1.iter().map(g1_from_ark), g2.iter().map(g2_from_ark));
        assert!(one.0.is_one());
        let with_zero = Bn254::pairing(G1Affine::zero(), g2_from_ark(&q));
        assert!(with_zero.0.is_one());
    }
}
