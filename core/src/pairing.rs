//! Where the verifiers' pairings run: arkworks' BN254 natively, BN254 on 29-bit limbs in wasm.
//!
//! Both engines run the optimal ate pairing with arkworks' constants and line coefficients
//! (computed by `zkagg_field29::lines` in wasm, with arkworks' formulas and the same values);
//! they differ in the base field's representation and in the `Fq12` products. Natively
//! arkworks' BN pairing (`ark_ec::bn`) on four 64-bit limbs is fastest. In wasm there is no
//! 64x64 -> 128-bit product and arkworks' field product emulates each wide product with four
//! narrow ones; [`zkagg_field29`] keeps nine 29-bit limbs whose products sum in 64-bit columns
//! without carries, and its Miller loop and final exponentiation reduce once per `Fq12`
//! coefficient instead of once per `Fq2` product (`zkagg_field29::lazy`). [`DefaultEngine`]
//! picks by target; the tests run both natively and check that they agree (and
//! `zkagg_field29`'s tests check its pairing value for value against arkworks').
//!
//! Points cross as arkworks points that their parser validated (on the curve, in the
//! subgroup: the G2 test is the engine's own, [`PairingEngine::g2_in_subgroup`]); the
//! conversions change representation only.

use ark_ec::pairing::Pairing;
use ark_ec::short_weierstrass::{Affine, Projective};
use ark_ec::CurveGroup;
use ark_ff::One;

use crate::group_sums::GroupSums;
use crate::{Proof, VerifyingKey};

type G1Affine = ark_bn254::G1Affine;
type G2Affine = ark_bn254::G2Affine;

/// A BN254 pairing implementation, its G1 (where a verifier also forms `L`), and the map of
/// arkworks points into it.
pub trait PairingEngine: Clone + core::fmt::Debug {
    type E: Pairing;
    /// G1 on this engine's base field (with its batch-affine group sums).
    type G1: GroupSums;
    fn g1(point: &G1Affine) -> Affine<Self::G1>;
    fn g2(point: &G2Affine) -> <Self::E as Pairing>::G2Affine;
    /// A G1 point of this engine as the pairing's left argument.
    fn g1_prepared(point: Affine<Self::G1>) -> <Self::E as Pairing>::G1Prepared;
    /// An arkworks G2 point as the pairing's right argument: its Miller-loop line
    /// coefficients (arkworks' preparation unless the engine has its own).
    fn g2_prepared(point: &G2Affine) -> Prepared2<Self> {
        Self::g2(point).into()
    }
    /// Whether `point`, on the twist, lies in G2 (the order-`r` subgroup), computed on this
    /// engine's field: the parsers' subgroup check of every G2 point (a proof's `B` each time).
    fn g2_in_subgroup(point: &G2Affine) -> bool;
    /// `prod_i e(left[i], right[i])` before the final exponentiation: arkworks' multi-Miller
    /// loop unless the engine has its own.
    fn multi_miller_loop(left: Vec<Prepared1<Self>>, right: Vec<Prepared2<Self>>) -> Target<Self> {
        Self::E::multi_miller_loop(left, right).0
    }
    /// `f^((p^12 - 1) / r)` (`None` for `f = 0`): arkworks' unless the engine has its own.
    fn final_exponentiation(f: Target<Self>) -> Option<Target<Self>> {
        Self::E::final_exponentiation(ark_ec::pairing::MillerLoopOutput(f)).map(|value| value.0)
    }
}

/// arkworks' `ark_bn254::Bn254` (points pass through unchanged).
#[derive(Clone, Copy, Debug)]
pub struct Arkworks;

impl PairingEngine for Arkworks {
    type E = ark_bn254::Bn254;
    type G1 = ark_bn254::g1::Config;
    fn g1(point: &G1Affine) -> G1Affine {
        *point
    }
    fn g2(point: &G2Affine) -> G2Affine {
        *point
    }
    fn g1_prepared(point: G1Affine) -> <Self::E as Pairing>::G1Prepared {
        point.into()
    }
    fn g2_in_subgroup(point: &G2Affine) -> bool {
        point.is_in_correct_subgroup_assuming_on_curve()
    }
}

/// `zkagg_field29::bn::Bn254`: the same pairing on the 29-bit-limb base field.
#[derive(Clone, Copy, Debug)]
pub struct Limbs29;

impl PairingEngine for Limbs29 {
    type E = zkagg_field29::bn::Bn254;
    type G1 = zkagg_field29::bn::G1Config;
    fn g1(point: &G1Affine) -> zkagg_field29::bn::G1Affine {
        zkagg_field29::bn::g1_from_ark(point)
    }
    fn g2(point: &G2Affine) -> zkagg_field29::bn::G2Affine {
        zkagg_field29::bn::g2_from_ark(point)
    }
    fn g1_prepared(point: zkagg_field29::bn::G1Affine) -> <Self::E as Pairing>::G1Prepared {
        point.into()
    }
    /// `zkagg_field29`'s `psi(Q) = [6x^2] Q` test (the same verdict as arkworks', tested there),
    /// on the 29-bit field: in wasm arkworks' version was a fifth of a proof's verification.
    fn g2_in_subgroup(point: &G2Affine) -> bool {
        Self::g2(point).is_in_correct_subgroup_assuming_on_curve()
    }
    /// `zkagg_field29`'s preparation: arkworks' formulas with its faster `Fq2` products (the
    /// same coefficients, tested there).
    fn g2_prepared(point: &G2Affine) -> Prepared2<Self> {
        zkagg_field29::lines::prepare(&Self::g2(point))
    }
    /// `zkagg_field29`'s loop: arkworks' steps and line coefficients with `Fq12` products that
    /// reduce once per output coefficient (equal to arkworks' value, tested there and here).
    fn multi_miller_loop(left: Vec<Prepared1<Self>>, right: Vec<Prepared2<Self>>) -> Target<Self> {
        let pairs: Vec<_> = left.into_iter().zip(right.iter()).collect();
        zkagg_field29::pairing::multi_miller_loop(&pairs)
    }
    fn final_exponentiation(f: Target<Self>) -> Option<Target<Self>> {
        zkagg_field29::pairing::final_exponentiation(&f)
    }
}

/// The engine of this build: [`Limbs29`] in wasm, [`Arkworks`] elsewhere.
#[cfg(target_arch = "wasm32")]
pub type DefaultEngine = Limbs29;
/// The engine of this build: [`Limbs29`] in wasm, [`Arkworks`] elsewhere.
#[cfg(not(target_arch = "wasm32"))]
pub type DefaultEngine = Arkworks;

type Target<B> = <<B as PairingEngine>::E as Pairing>::TargetField;
type Prepared1<B> = <<B as PairingEngine>::E as Pairing>::G1Prepared;
type Prepared2<B> = <<B as PairingEngine>::E as Pairing>::G2Prepared;

/// `prod_i e(left[i], right[i])` before the final exponentiation. Every pairing of this module
/// goes through this one function, so each engine has one instantiation of its multi-Miller
/// loop: arkworks' generic loop, called with arrays of different lengths and with iterators,
/// was compiled once per caller (in wasm, several KB of the verifier's download each time).
/// The vectors cost an allocation next to a pairing.
#[inline(never)]
fn miller_loop<B: PairingEngine>(left: Vec<Prepared1<B>>, right: Vec<Prepared2<B>>) -> Target<B> {
    B::multi_miller_loop(left, right)
}

/// `prod_i e(left[i], right[i])`, final exponentiation included (`None` only if the Miller loop's
/// value is zero, which a product of non-degenerate pairings never is).
fn pairing_product<B: PairingEngine>(
    left: Vec<Prepared1<B>>,
    right: Vec<Prepared2<B>>,
) -> Option<Target<B>> {
    B::final_exponentiation(miller_loop::<B>(left, right))
}

/// `prod_i e(g1[i], g2[i]) = 1`: one multi-Miller loop and one final exponentiation.
pub fn product_is_one<B: PairingEngine>(g1: &[G1Affine], g2: &[G2Affine]) -> bool {
    let left = g1.iter().map(|p| B::g1_prepared(B::g1(p))).collect();
    let right = g2.iter().map(B::g2_prepared).collect();
    pairing_product::<B>(left, right).is_some_and(|value| value.is_one())
}

/// A Groth16 key's fixed pairing data: `e(alpha, beta)` (or its pair) and the Miller-loop line
/// coefficients of `-gamma` and `-delta`.
#[derive(Clone, Debug)]
pub struct GrothPairing<B: PairingEngine> {
    alpha_beta: AlphaBeta<B>,
    neg_gamma: Prepared2<B>,
    neg_delta: Prepared2<B>,
}

/// How [`GrothPairing::check`] meets the key's `e(alpha, beta)`.
#[derive(Clone, Debug)]
enum AlphaBeta<B: PairingEngine> {
    /// Computed once ([`GrothPairing::new`]): each check's product is compared with it.
    Value(Target<B>),
    /// `(-alpha, beta)` as a fourth pair of the check's own Miller loop
    /// ([`GrothPairing::one_shot`]): the check is then `product = 1`, with one final
    /// exponentiation in all instead of one for `e(alpha, beta)` and one for the check.
    Pair(Prepared1<B>, Prepared2<B>),
}

impl<B: PairingEngine> GrothPairing<B> {
    /// Prepare `vk` for many checks (one pairing and two line computations).
    pub fn new(vk: &VerifyingKey) -> Self {
        let alpha_beta = pairing_product::<B>(
            vec![B::g1_prepared(B::g1(&vk.alpha_g1))],
            vec![B::g2_prepared(&vk.beta_g2)],
        )
        // `None` cannot happen for points of the groups; zero would fail every check (a
        // pairing product is never zero), never pass one.
        .unwrap_or_default();
        Self::with(vk, AlphaBeta::Value(alpha_beta))
    }

    /// Prepare `vk` for one check: `e(alpha, beta)` is not computed on its own but joins the
    /// check's Miller loop (three line computations, no pairing).
    pub fn one_shot(vk: &VerifyingKey) -> Self {
        let pair = AlphaBeta::Pair(
            B::g1_prepared(B::g1(&-vk.alpha_g1)),
            B::g2_prepared(&vk.beta_g2),
        );
        Self::with(vk, pair)
    }

    fn with(vk: &VerifyingKey, alpha_beta: AlphaBeta<B>) -> Self {
        Self {
            alpha_beta,
            neg_gamma: B::g2_prepared(&-vk.gamma_g2),
            neg_delta: B::g2_prepared(&-vk.delta_g2),
        }
    }

    /// The Groth16 equation `e(A, B) e(L, -gamma) e(C, -delta) = e(alpha, beta)`, with
    /// `L = IC[0] + sum_i x_i IC[i+1]` formed by the caller on this engine's G1. For a one-shot
    /// preparation the same equation as `e(A, B) e(L, -gamma) e(C, -delta) e(-alpha, beta) = 1`
    /// (bilinearity: `e(-alpha, beta) = e(alpha, beta)^-1`).
    pub fn check(&self, proof: &Proof, l: &Projective<B::G1>) -> bool {
        let mut left = vec![
            B::g1_prepared(B::g1(&proof.a)),
            B::g1_prepared(l.into_affine()),
            B::g1_prepared(B::g1(&proof.c)),
        ];
        let mut right = vec![
            B::g2_prepared(&proof.b),
            self.neg_gamma.clone(),
            self.neg_delta.clone(),
        ];
        match &self.alpha_beta {
            AlphaBeta::Value(alpha_beta) => {
                pairing_product::<B>(left, right).is_some_and(|value| value == *alpha_beta)
            }
            AlphaBeta::Pair(neg_alpha, beta) => {
                left.push(neg_alpha.clone());
                right.push(beta.clone());
                pairing_product::<B>(left, right).is_some_and(|value| value.is_one())
            }
        }
    }
}
