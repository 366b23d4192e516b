//! # Variable-base G1 scalar multiplication by a random challenge, with the GLV endomorphism
//!
//! BN254's G1 has the endomorphism `phi(x, y) = (beta x, y)` with `phi(P) = [lambda] P`
//! (`beta` a cube root of unity in `Fq`, `lambda^2 + lambda + 1 = 0 mod r`; arkworks' constants).
//! A random challenge is sampled directly in GLV form,
//!
//! ```text
//!   rho = rho_1 + lambda * rho_2,
//!   rho_1 = 3 * 2^64 + sum_{j < 64} (2 b_{1,j} - 1) 2^j,   rho_2 = 2^64 + sum_{j < 64} (2 b_{2,j} - 1) 2^j,
//! ```
//!
//! from 128 random bits `b_{i,j}` (`rho_1` odd in `[2^65 + 1, 2^66 - 1]`, `rho_2` odd in
//! `[1, 2^65 - 1]`: digits `+-1` below fixed leading digits). [`Emu::g1_mul_challenge`] starts
//! from `T = U` and performs 65 double-and-add steps `T <- 2T + (d_1 A + d_2 phi(A))`, the first
//! with the fixed digits `(+1, -1)` (giving `[3 + lambda] A`), then one per random digit pair;
//! the added point is one of `+-U, +-V` with `U = A + phi(A)`, `V = A - phi(A)`.
//!
//! ## Why the incomplete formulas cannot meet an exceptional case (for any `A != O` in G1)
//!
//! Every point in the computation is `[a + lambda c] A` for integers `|a|, |c| < 2^67`, and two
//! such points coincide (or are opposite) only if `(a -+ a') + lambda (c -+ c') = 0 mod r`.
//! The lattice `{(u, v) : u + lambda v = 0 mod r}` has the basis
//! `(147946756881789319000765030803803410728, -9931322734385697763)`,
//! `(9931322734385697763, 147946756881789319010696353538189108491)` (arkworks'
//! `SCALAR_DECOMP_COEFFS`), whose non-zero vectors all have a coordinate of absolute value at
//! least `2^126` (checked by a test); so it contains no non-zero vector with both coordinates
//! below `2^68`, and such coincidences happen only for identical coefficient pairs:
//!
//! - `A` vs `phi(A)`: `lambda != +-1`; the first step adds `V` to `U` (`U = +-V` would need
//!   `phi(A) = O` or `2A = O`) and then `U + V = 2A` to `U` (`2 = +-(1 + lambda)` is impossible);
//! - afterwards the accumulator is `[a + lambda c] A` with `a >= 3` (it starts at 3 and
//!   `a <- 2a +- 1` only grows), while the added point has coefficients `+-1`: never equal or
//!   opposite, so `x_T != x_S`;
//! - the second half of a double-and-add needs `x_(T+S) != x_T`, which its own check enforces.
//!
//! Hence the per-proof scalar multiplication needs no distinctness checks.

use super::{AffineVar, CurveSpec};
use crate::convert::Fr;
use crate::field::{Bit, Emu};
use crate::Result;
use ark_bn254::{Fq, Fq2};
use ark_ec::scalar_mul::glv::GLVConfig;
use ark_ff::{BigInteger, PrimeField};
use nova_snark::frontend::ConstraintSystem;

/// Number of random digits per half of a challenge.
pub const HALF_DIGITS: usize = 64;

/// `beta` of `phi(x, y) = (beta x, y)`.
pub fn endo_beta() -> Fq {
    ark_bn254::g1::Config::ENDO_COEFFS[0]
}

/// `lambda` with `phi(P) = [lambda] P`.
pub fn endo_lambda() -> ark_bn254::Fr {
    ark_bn254::g1::Config::LAMBDA
}

/// The leading value of the two halves: `rho_1` starts at `3 * 2^64`, `rho_2` at `2^64`.
pub const HALF_LEADS: [u8; 2] = [3, 1];

/// The integer `rho_i = lead_i * 2^64 + sum_j (2 b_j - 1) 2^j` as a field element.
pub fn half_value(lead: u8, bits: &[bool]) -> ark_bn254::Fr {
    let mut v = num_bigint::BigInt::from(lead) << HALF_DIGITS;
    for (j, b) in bits.iter().enumerate() {
        let d = num_bigint::BigInt::from(1u8) << j;
        if *b {
            v += d;
        } else {
            v -= d;
        }
    }
    let (_, mag) = v.into_parts();
    ark_bn254::Fr::from_le_bytes_mod_order(&mag.to_bytes_le())
}

/// The challenge `rho = rho_1 + lambda rho_2` (as an `Fr` scalar) for the given digit bits.
pub fn challenge_value(bits1: &[bool], bits2: &[bool]) -> ark_bn254::Fr {
    half_value(HALF_LEADS[0], bits1) + endo_lambda() * half_value(HALF_LEADS[1], bits2)
}

impl Emu {
    /// `phi(A) = (beta x, y)` (one reduction).
    pub fn g1_endo<CS: ConstraintSystem<Fr>>(
        &self,
        cs: &mut CS,
        a: &AffineVar,
    ) -> Result<AffineVar> {
        let beta = self.constant_fq(&endo_beta());
        let mut rel = crate::field::relation::Relation::new(self, crate::tower::ExtKind::Fq);
        rel.add_product(1, &[&crate::tower::Ext::from_elem(beta), &a.x]);
        let x = rel.reduce(cs)?;
        Ok(AffineVar { x, y: a.y.clone() })
    }

    /// The precomputation of [`Self::g1_mul_challenge`]: `U = A + phi(A)`, `V = A - phi(A)`.
    pub fn g1_challenge_table<CS: ConstraintSystem<Fr>>(
        &self,
        cs: &mut CS,
        a: &AffineVar,
    ) -> Result<ChallengeTable> {
        let spec = CurveSpec::g1();
        let pa = self.g1_endo(&mut cs.namespace(|| "phi(A)"), a)?;
        // x_A != x_phi(A) since lambda != +-1 (module documentation).
        let u = self.point_add_unchecked(&mut cs.namespace(|| "U"), &spec, a, &pa)?;
        let v = self.point_add_unchecked(&mut cs.namespace(|| "V"), &spec, a, &pa.neg())?;
        Ok(ChallengeTable { u, v })
    }

    /// One step of [`Self::g1_mul_challenge`]: `T <- 2T + (d1 A + d2 phi(A))` for the digit bits
    /// `b1, b2` (digit `d = 2b - 1`). The added point is `U` if `b1 = b2` else `V`, negated when
    /// `b1 = 0`: `XOR` costs one constraint, the two selections one per limb.
    pub fn g1_challenge_step<CS: ConstraintSystem<Fr>>(
        &self,
        cs: &mut CS,
        t: &AffineVar,
        table: &ChallengeTable,
        bits: (&Bit, &Bit),
        check_distinct: bool,
    ) -> Result<AffineVar> {
        let (b1, b2) = bits;
        let (u, v) = (&table.u, &table.v);
        let spec = CurveSpec::g1();
        let both = b1.and(&mut cs.namespace(|| "b1 and b2"), b2)?;
        // same = 1 - b1 - b2 + 2 b1 b2 (linear in the AND).
        let same = Bit {
            lc: crate::field::lc_const(Fr::from(1u64)) - &b1.lc - &b2.lc
                + &crate::field::scaled(&both.lc, Fr::from(2u64)),
            val: b1.val == b2.val,
            is_const: b1.is_const && b2.is_const,
        };
        let base = self.select_point(&mut cs.namespace(|| "U or V"), &same, u, v)?;
        let s = AffineVar {
            x: base.x.clone(),
            y: self.select_ext(&mut cs.namespace(|| "sign"), b1, &base.y, &base.y.neg())?,
        };
        self.point_double_and_add(&mut cs.namespace(|| "2T + S"), &spec, t, &s, check_distinct)
    }

    /// `[rho] A` for the challenge `rho = rho_1 + lambda rho_2` given by its 2 x 64 digit bits
    /// (least significant first). Sound for every `A` on the curve (module documentation).
    pub fn g1_mul_challenge<CS: ConstraintSystem<Fr>>(
        &self,
        cs: &mut CS,
        a: &AffineVar,
        bits1: &[Bit],
        bits2: &[Bit],
    ) -> Result<AffineVar> {
        let table = self.g1_challenge_table(&mut cs.namespace(|| "table"), a)?;
        let mut t = table.u.clone();
        let (lead1, lead2) = LEAD_STEP_BITS;
        t = self.g1_challenge_step(
            &mut cs.namespace(|| "leading step"),
            &t,
            &table,
            (&Bit::constant(lead1), &Bit::constant(lead2)),
            false,
        )?;
        for j in (0..bits1.len().min(bits2.len())).rev() {
            t = self.g1_challenge_step(
                &mut cs.namespace(|| format!("step {j}")),
                &t,
                &table,
                (&bits1[j], &bits2[j]),
                false,
            )?;
        }
        Ok(t)
    }
}

/// The digit bits of the fixed first double-and-add step: digits `(+1, -1)`, i.e. `S = V`.
pub const LEAD_STEP_BITS: (bool, bool) = (true, false);

/// The table of the challenge multiplication: `U = A + phi(A)`, `V = A - phi(A)`.
#[derive(Clone, Debug)]
pub struct ChallengeTable {
    /// `A + phi(A)`.
    pub u: AffineVar,
    /// `A - phi(A)`.
    pub v: AffineVar,
}

/// Little-endian bits of an arkworks scalar (for tests and witness generation).
pub fn scalar_bits(x: &ark_bn254::Fr) -> Vec<bool> {
    x.into_bigint().to_bits_le()
}

/// An `Fq` value as the `Fq2` used by [`AffineVar::values`].
pub fn fq_as_fq2(x: Fq) -> Fq2 {
    Fq2::new(x, Fq::from(0u64))
}
