//! The CycleFold circuit over `Fq`: `P_out = P_1 + alpha * P_2` on BN254 G1.
//!
//! # Statement
//!
//! Public inputs, in this order: `[h, P1.x, P1.y, P2.x, P2.y, Pout.x, Pout.y]`, where
//! `h < 2^128` is the folding challenge and the point at infinity is encoded `(0, 0)` (G1 has odd
//! prime order `r` and cofactor 1, so no curve point has `y = 0`, and `(0, 0)` is not on
//! `y^2 = x^3 + 3`). `P2` must be a finite curve point; `P1` may be infinity.
//!
//! # The scalar (GLV)
//!
//! `phi(x, y) = (beta x, y)` equals `[lambda]` on G1 ([`glv_beta`], [`glv_lambda`]). With
//! `s_i` = bit `i` of `h`, `e_i` = bit `64 + i` (`i < 64`), `d1_i = 2 s_i - 1`,
//! `d2_i = d1_i (1 - 2 e_i)`:
//!
//! `k1 = 2^65 + sum_i d1_i 2^i`, `k2 = 2^65 + sum_i d2_i 2^i`, `alpha = k1 + lambda k2 mod r`.
//!
//! `h -> alpha` is injective (`k1` determines the low half, `k2` then the high half, and both
//! are in `[2^64 + 1, 3 * 2^64)`, far below the lattice bound below), so a 128-bit challenge
//! still gives a 128-bit challenge space.
//!
//! # Circuit (661 constraints)
//!
//! - 128 booleans for the bits of `h` + 1 linear constraint tying them to the public `h` (their
//!   weighted sum is `< 2^128 < q`, so it equals `h` as an integer);
//! - `P2` on the curve (3, sharing `x2^2` with the doubling below); `P2 != (0, 0)` follows;
//! - `S = P2 + phi(P2) = -phi^2(P2) = (beta^2 x2, -y2)` costs nothing (`1 + lambda + lambda^2
//!   = 0 mod r`); `D = P2 - phi(P2) = (x2, y2) + (beta x2, -y2)`: one affine addition (3);
//!   `A_0 = 2 S`: one doubling (3);
//! - for `i = 63 .. 0`: `Q = d1_i (e_i ? D : S)` (3: `x_Q`, the selected `y`, its sign) and
//!   `A <- 2 A + Q = (A + Q) + A` with the combined formula (5): `R = A + Q` through slope `l1`
//!   (`l1 (x_Q - x_A) = y_Q - y_A`, `l1^2 = x_R + x_A + x_Q`, `y_R` never materialised), then
//!   `S' = R + A` through `l2` (`(l1 + l2)(x_R - x_A) = -2 y_A`, `l2^2 = x_S' + x_R + x_A`,
//!   `l2 (x_A - x_S') = y_S' + y_A`);
//! - the final `P_out = P1 + A` (11): an `is_inf` bit, `P1` on the curve unless infinite, an
//!   x-distinctness proof, the chord, and the output selected between `A` and the sum.
//!
//! After the loop `A = [k1] P2 + [k2] phi(P2) = [alpha] P2`.
//!
//! # Why the loop has no exceptional cases
//!
//! Write every point of the loop as `[a] P2 + [b] phi(P2) = [a + lambda b] P2` with integer
//! coefficients. `A_j` (after `j` iterations) has `a, b` in `[2^j + 1, 3 * 2^j - 1]` for
//! `j >= 1` and `a = b = 2` for `j = 0`, all `< 2^66`; `Q = (±1, ±1)`. The incomplete formulas
//! fail only if two added points are equal or opposite (or one is `O`), i.e. if `A ∓ Q`,
//! `R ∓ A` (`= Q` or `2A + Q`) or one of them is `O`. Each of those has a coefficient vector
//! that is nonzero (its first entry is `>= 1`) and shorter than `2^68`. But `[a + lambda b] P2 =
//! O` with `P2 != O` means `(a, b)` lies in the lattice `{(a, b) : a + lambda b = 0 mod r}`,
//! whose shortest nonzero vector has length about `sqrt(r) ~ 2^127` (the test
//! `glv_lattice_has_no_short_vectors` Lagrange-reduces a basis and checks both vectors are longer
//! than `2^100`). So `x_Q != x_A` and `x_R != x_A` always, and every slope is determined.
//! `D` is exceptional only if `P2 = ±phi(P2)`, i.e. `(1 ∓ lambda) P2 = O`, impossible for
//! `P2 != O`; `A_0 = 2 S` needs `y_S = -y2 != 0`, true on the curve.
//!
//! # Why no hint can be forged
//!
//! Every allocated value is fixed by the public inputs through the constraints: the bits by
//! booleanity and the packing; `x2^2`, `y2^2`, `x1^2`, `y1^2` by their products; each slope by
//! a constraint `slope * dx = dy` with `dx != 0` (shown above for the loop; for `D`,
//! `(beta - 1) x2 != 0` because no curve point has `x = 0` — such a point would be fixed by `phi`,
//! hence `O`; for the doubling, `y2 != 0`; for the final chord, `x_A - x1` is proved invertible
//! by the hint `t`, itself then equal to `1 / (x_A - x1)`); each new coordinate by the formula
//! constraint that defines it; `is_inf` by the argument in [`CycleFoldCircuit::synthesize`].
//! So the unique satisfying witness computes the true `P1 + alpha P2`, and a wrong `P_out` is
//! unsatisfiable. The only honest inputs with no witness are `P1 = ±alpha P2` (the final chord
//! would be a tangent or vertical), which a random challenge hits with negligible probability;
//! [`crate::cyclefold::instance::prove`] then reports an error.

use crate::cyclefold::instance::CF_IO_LEN;
use crate::{Error, Fq, Fr, G1Affine, Result};
use ff::{Field, PrimeField, WithSmallOrderMulGroup};
use halo2curves::group::prime::PrimeCurveAffine;
use halo2curves::group::Curve;
use halo2curves::CurveAffine;
use nova_snark::frontend::{
    AllocatedBit, ConstraintSystem, LinearCombination, SynthesisError, Variable,
};

/// The cube root of unity `beta` in `Fq` with `phi(x, y) = (beta x, y) = [glv_lambda()] (x, y)` on
/// G1 (halo2curves' `Fq::ZETA`, the one its own `endo()` uses).
pub fn glv_beta() -> Fq {
    Fq::ZETA
}

/// The cube root of unity `lambda` in `Fr` matching [`glv_beta`]: `phi(P) = [lambda] P` (checked
/// by the test `glv_endomorphism_matches`): halo2curves' `Fr::ZETA`.
pub fn glv_lambda() -> Fr {
    Fr::ZETA
}

/// `alpha = k1 + lambda k2 mod r` for the challenge `h` (see the module documentation):
/// `k1 = 2^64 + 2 s + 1` and `k2 = 2^64 + 2 (s XOR e) + 1` with `s` the low and `e` the high
/// 64 bits of `h` (the same as `2^65 + sum_i d_i 2^i`, since `sum_i (2 b_i - 1) 2^i =
/// 2 b - (2^64 - 1)` and `(2 s_i - 1)(1 - 2 e_i) = 2 (s_i XOR e_i) - 1`).
pub fn glv_scalar(h: u128) -> Fr {
    let s = h as u64 as u128;
    let e = (h >> 64) as u64 as u128;
    let k1 = (1u128 << 64) + 2 * s + 1;
    let k2 = (1u128 << 64) + 2 * (s ^ e) + 1;
    Fr::from_u128(k1) + glv_lambda() * Fr::from_u128(k2)
}

/// `(x, y)` of a point, `(0, 0)` for infinity.
fn coords(p: &G1Affine) -> (Fq, Fq) {
    if bool::from(p.is_identity()) {
        (Fq::ZERO, Fq::ZERO)
    } else {
        (p.x, p.y)
    }
}

/// The CycleFold step: proves `P_out = p1 + glv_scalar(h) * p2`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CycleFoldCircuit {
    /// The 128-bit challenge.
    pub h: u128,
    /// The point added (may be the identity).
    pub p1: G1Affine,
    /// The point multiplied (must be finite).
    pub p2: G1Affine,
}

/// A linear combination with its value (the value is a witness-generation aid only: with
/// [`nova_snark::frontend::shape_cs::ShapeCS`] it is computed but never used).
#[derive(Clone)]
struct Num {
    lc: LinearCombination<Fq>,
    val: Fq,
}

impl Num {
    fn var(v: Variable, val: Fq) -> Self {
        Num {
            lc: LinearCombination::from_variable(v),
            val,
        }
    }
    fn constant<CS: ConstraintSystem<Fq>>(c: Fq) -> Self {
        Num {
            lc: LinearCombination::from_coeff(CS::one(), c),
            val: c,
        }
    }
    fn add(&self, o: &Num) -> Num {
        Num {
            lc: self.lc.clone() + &o.lc,
            val: self.val + o.val,
        }
    }
    fn sub(&self, o: &Num) -> Num {
        Num {
            lc: self.lc.clone() - &o.lc,
            val: self.val - o.val,
        }
    }
    fn scale(&self, c: Fq) -> Num {
        Num {
            lc: LinearCombination::zero() + (c, &self.lc),
            val: self.val * c,
        }
    }
}

/// An affine point of linear combinations.
#[derive(Clone)]
struct Pt {
    x: Num,
    y: Num,
}

/// Allocates a private variable with value `val`.
fn alloc<CS: ConstraintSystem<Fq>>(
    cs: &mut CS,
    name: &str,
    val: Fq,
) -> std::result::Result<Num, SynthesisError> {
    let v = cs.alloc(|| name, || Ok(val))?;
    Ok(Num::var(v, val))
}

/// Enforces `a * b = c`.
fn enforce<CS: ConstraintSystem<Fq>>(cs: &mut CS, name: &str, a: &Num, b: &Num, c: &Num) {
    cs.enforce(|| name, |lc| lc + &a.lc, |lc| lc + &b.lc, |lc| lc + &c.lc);
}

/// `1 / x`, or 0 when `x = 0` (an exceptional witness that the constraints then reject).
fn inv0(x: Fq) -> Fq {
    Option::<Fq>::from(x.invert()).unwrap_or(Fq::ZERO)
}

/// `A <- 2 A + Q` with the combined formula (5 constraints; `A != ±Q`, `A + Q != ±A` required,
/// see the module documentation).
fn double_and_add<CS: ConstraintSystem<Fq>>(
    cs: &mut CS,
    a: &Pt,
    q: &Pt,
) -> std::result::Result<Pt, SynthesisError> {
    let (xa, ya, xq, yq) = (a.x.val, a.y.val, q.x.val, q.y.val);
    let l1v = (yq - ya) * inv0(xq - xa);
    let xrv = l1v.square() - xa - xq;
    // y_R = l1 (x_A - x_R) - y_A; l2 = (y_A - y_R) / (x_A - x_R)
    let yrv = l1v * (xa - xrv) - ya;
    let l2v = (ya - yrv) * inv0(xa - xrv);
    let xsv = l2v.square() - xrv - xa;
    let ysv = l2v * (xa - xsv) - ya;

    let l1 = alloc(cs, "l1", l1v)?;
    enforce(cs, "l1 chord", &l1, &q.x.sub(&a.x), &q.y.sub(&a.y));
    let xr = alloc(cs, "x_R", xrv)?;
    enforce(cs, "x_R", &l1, &l1, &xr.add(&a.x).add(&q.x));
    let l2 = alloc(cs, "l2", l2v)?;
    enforce(
        cs,
        "l2 chord",
        &l1.add(&l2),
        &xr.sub(&a.x),
        &a.y.scale(-Fq::from(2)),
    );
    let xs = alloc(cs, "x_S", xsv)?;
    enforce(cs, "x_S", &l2, &l2, &xs.add(&xr).add(&a.x));
    let ys = alloc(cs, "y_S", ysv)?;
    enforce(cs, "y_S", &l2, &a.x.sub(&xs), &ys.add(&a.y));
    Ok(Pt { x: xs, y: ys })
}

impl CycleFoldCircuit {
    /// The public inputs `[h, P1.x, P1.y, P2.x, P2.y, Pout.x, Pout.y]`, with `Pout` computed
    /// natively (`(0, 0)` encodes infinity). `Error::Witness` if `p2` is the identity or either
    /// point is off the curve.
    pub fn public_io(&self) -> Result<[Fq; CF_IO_LEN]> {
        if bool::from(self.p2.is_identity()) {
            return Err(Error::Witness(
                "CycleFold: P2 must not be the point at infinity".into(),
            ));
        }
        if !bool::from(self.p1.is_on_curve()) || !bool::from(self.p2.is_on_curve()) {
            return Err(Error::Witness("CycleFold: a point is not on G1".into()));
        }
        Ok(self.io_unchecked())
    }

    /// The public inputs without validation.
    fn io_unchecked(&self) -> [Fq; CF_IO_LEN] {
        let out = (self.p1.to_curve() + self.p2 * glv_scalar(self.h)).to_affine();
        let (x1, y1) = coords(&self.p1);
        let (x2, y2) = coords(&self.p2);
        let (xo, yo) = coords(&out);
        [Fq::from_u128(self.h), x1, y1, x2, y2, xo, yo]
    }

    /// Synthesizes the circuit (661 constraints; the shape does not depend on the values, and
    /// synthesis never fails on bad values: an exceptional or invalid witness simply does not
    /// satisfy the constraints).
    ///
    /// `is_inf` is a boolean with `y1 * is_inf = 0` and
    /// `x1^2 * x1 = y1^2 - 3 + 3 is_inf`: if `is_inf = 0` this is the curve equation; if
    /// `is_inf = 1` then `y1 = 0` and `x1^3 = 0`, so `P1 = (0, 0)`. Conversely `(0, 0)` is not on
    /// the curve and no curve point has `y = 0`, so `is_inf` is determined by `P1`.
    pub fn synthesize<CS: ConstraintSystem<Fq>>(
        &self,
        cs: &mut CS,
    ) -> std::result::Result<(), SynthesisError> {
        let io = self.io_unchecked();
        let names = ["h", "P1.x", "P1.y", "P2.x", "P2.y", "Pout.x", "Pout.y"];
        let mut inp = Vec::with_capacity(CF_IO_LEN);
        for (name, v) in names.iter().zip(io) {
            let var = cs.alloc_input(|| *name, || Ok(v))?;
            inp.push(Num::var(var, v));
        }
        let (h, x1, y1, x2, y2, xo, yo) = (
            &inp[0], &inp[1], &inp[2], &inp[3], &inp[4], &inp[5], &inp[6],
        );
        let one = Num::constant::<CS>(Fq::ONE);

        // bits of h, little-endian, and their packing
        let mut bits = Vec::with_capacity(128);
        for i in 0..128 {
            let b = AllocatedBit::alloc(
                cs.namespace(|| format!("bit {i}")),
                Some((self.h >> i) & 1 == 1),
            )?;
            bits.push(b);
        }
        let mut pack = LinearCombination::zero();
        let mut pow = Fq::ONE;
        for b in &bits {
            pack = pack + (pow, b.get_variable());
            pow = pow.double();
        }
        cs.enforce(
            || "h packing",
            |lc| lc + &pack,
            |lc| lc + CS::one(),
            |lc| lc + &h.lc,
        );
        let bit = |b: &AllocatedBit| {
            Num::var(
                b.get_variable(),
                if b.get_value() == Some(true) {
                    Fq::ONE
                } else {
                    Fq::ZERO
                },
            )
        };

        // P2 on the curve: x2^2 * x2 = y2^2 - 3
        let three = Fq::from(3);
        let x2sq = alloc(cs, "x2^2", x2.val.square())?;
        enforce(cs, "x2^2", x2, x2, &x2sq);
        let y2sq = alloc(cs, "y2^2", y2.val.square())?;
        enforce(cs, "y2^2", y2, y2, &y2sq);
        enforce(
            cs,
            "P2 on curve",
            &x2sq,
            x2,
            &y2sq.sub(&Num::constant::<CS>(three)),
        );

        let beta = glv_beta();
        let beta2 = beta.square();
        // S = P2 + phi(P2) = (beta^2 x2, -y2)
        let s_pt = Pt {
            x: x2.scale(beta2),
            y: y2.scale(-Fq::ONE),
        };
        // D = P2 - phi(P2) = (x2, y2) + (beta x2, -y2)
        let d_pt = {
            let mv = -y2.val.double() * inv0((beta - Fq::ONE) * x2.val);
            let m = alloc(cs, "D slope", mv)?;
            enforce(
                cs,
                "D slope",
                &m,
                &x2.scale(beta - Fq::ONE),
                &y2.scale(-Fq::from(2)),
            );
            let xdv = mv.square() - (Fq::ONE + beta) * x2.val;
            let xd = alloc(cs, "D.x", xdv)?;
            enforce(cs, "D.x", &m, &m, &xd.add(&x2.scale(Fq::ONE + beta)));
            let yd = alloc(cs, "D.y", mv * (x2.val - xdv) - y2.val)?;
            enforce(cs, "D.y", &m, &x2.sub(&xd), &yd.add(y2));
            Pt { x: xd, y: yd }
        };
        // A_0 = 2 S: slope l0 = 3 x_S^2 / (2 y_S) = 3 beta x2^2 / (-2 y2)
        let mut acc = {
            let l0v = three * beta * x2sq.val * inv0(-y2.val.double());
            let l0 = alloc(cs, "A0 slope", l0v)?;
            enforce(
                cs,
                "A0 slope",
                &l0,
                &y2.scale(-Fq::from(2)),
                &x2sq.scale(three * beta),
            );
            let xav = l0v.square() - s_pt.x.val.double();
            let xa = alloc(cs, "A0.x", xav)?;
            enforce(cs, "A0.x", &l0, &l0, &xa.add(&s_pt.x.scale(Fq::from(2))));
            let ya = alloc(cs, "A0.y", l0v * (s_pt.x.val - xav) - s_pt.y.val)?;
            enforce(cs, "A0.y", &l0, &s_pt.x.sub(&xa), &ya.add(&s_pt.y));
            Pt { x: xa, y: ya }
        };

        for i in (0..64).rev() {
            let mut cs = cs.namespace(|| format!("round {i}"));
            let s = bit(&bits[i]);
            let e = bit(&bits[64 + i]);
            // x_Q = e ? x_D : x_S
            let xq = alloc(
                &mut cs,
                "x_Q",
                if e.val == Fq::ONE {
                    d_pt.x.val
                } else {
                    s_pt.x.val
                },
            )?;
            enforce(&mut cs, "x_Q", &e, &d_pt.x.sub(&s_pt.x), &xq.sub(&s_pt.x));
            // y_sel = e ? y_D : y_S; y_Q = (2 s - 1) y_sel
            let ysv = if e.val == Fq::ONE {
                d_pt.y.val
            } else {
                s_pt.y.val
            };
            let ysel = alloc(&mut cs, "y_sel", ysv)?;
            enforce(
                &mut cs,
                "y_sel",
                &e,
                &d_pt.y.sub(&s_pt.y),
                &ysel.sub(&s_pt.y),
            );
            let yq = alloc(&mut cs, "y_Q", if s.val == Fq::ONE { ysv } else { -ysv })?;
            enforce(&mut cs, "y_Q", &s, &ysel.scale(Fq::from(2)), &yq.add(&ysel));
            acc = double_and_add(&mut cs, &acc, &Pt { x: xq, y: yq })?;
        }

        // P1: is_inf, on the curve unless infinite
        let inf_bit = AllocatedBit::alloc(
            cs.namespace(|| "is_inf"),
            Some(x1.val.is_zero_vartime() && y1.val.is_zero_vartime()),
        )?;
        let is_inf = bit(&inf_bit);
        let zero = Num::constant::<CS>(Fq::ZERO);
        enforce(cs, "y1 is_inf = 0", y1, &is_inf, &zero);
        let x1sq = alloc(cs, "x1^2", x1.val.square())?;
        enforce(cs, "x1^2", x1, x1, &x1sq);
        let y1sq = alloc(cs, "y1^2", y1.val.square())?;
        enforce(cs, "y1^2", y1, y1, &y1sq);
        enforce(
            cs,
            "P1 on curve or (0,0)",
            &x1sq,
            x1,
            &y1sq
                .sub(&Num::constant::<CS>(three))
                .add(&is_inf.scale(three)),
        );

        // Pout = P1 + A (x_A != x1 proved by t; if P1 = O then x1 = 0 != x_A)
        let dx = acc.x.sub(x1);
        let t = alloc(cs, "t", inv0(dx.val))?;
        enforce(cs, "x_A != x1", &dx, &t, &one);
        let lv = (acc.y.val - y1.val) * inv0(dx.val);
        let l = alloc(cs, "final slope", lv)?;
        enforce(cs, "final slope", &l, &dx, &acc.y.sub(y1));
        let xsv = lv.square() - acc.x.val - x1.val;
        let xsum = alloc(cs, "sum.x", xsv)?;
        enforce(cs, "sum.x", &l, &l, &xsum.add(&acc.x).add(x1));
        let ysum = alloc(cs, "sum.y", lv * (x1.val - xsv) - y1.val)?;
        enforce(cs, "sum.y", &l, &x1.sub(&xsum), &ysum.add(y1));
        enforce(cs, "Pout.x", &is_inf, &acc.x.sub(&xsum), &xo.sub(&xsum));
        enforce(cs, "Pout.y", &is_inf, &acc.y.sub(&ysum), &yo.sub(&ysum));
        Ok(())
    }
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;
    use halo2curves::bn256::G1;
    use halo2curves::group::Group;
    use nova_snark::frontend::r1cs::NovaShape;
    use nova_snark::frontend::shape_cs::ShapeCS;
    use nova_snark::frontend::solver::SatisfyingAssignment;
    use nova_snark::provider::GrumpkinEngine;
    use nova_snark::r1cs::R1CSShape;
    use num_bigint::{BigInt, Sign};
    use num_integer::Integer;
    use num_traits::{Num as _, One, Zero};
    use rand::{Rng, SeedableRng};

    type E = GrumpkinEngine;

    pub(crate) fn shape() -> R1CSShape<E> {
        let c = CycleFoldCircuit {
            h: 0,
            p1: G1Affine::identity(),
            p2: G1Affine::generator(),
        };
        let mut cs = ShapeCS::<E>::new();
        c.synthesize(&mut cs).unwrap();
        cs.r1cs_shape().unwrap()
    }

    /// (w, x) from synthesis.
    fn assign(c: &CycleFoldCircuit) -> (Vec<Fq>, Vec<Fq>) {
        let mut cs = SatisfyingAssignment::<E>::new();
        c.synthesize(&mut cs).unwrap();
        (
            cs.aux_assignment().to_vec(),
            cs.input_assignment()[1..].to_vec(),
        )
    }

    fn sat(s: &R1CSShape<E>, w: &[Fq], x: &[Fq]) -> bool {
        let z: Vec<Fq> = w
            .iter()
            .copied()
            .chain([Fq::ONE])
            .chain(x.iter().copied())
            .collect();
        let (a, b, c) = s.multiply_vec(&z).unwrap();
        (0..s.num_cons()).all(|i| a[i] * b[i] == c[i])
    }

    fn rand_point(rng: &mut impl Rng) -> G1Affine {
        G1::random(rng).to_affine()
    }

    #[test]
    fn glv_endomorphism_matches() {
        let mut rng = rand_chacha::ChaCha20Rng::seed_from_u64(7);
        let (beta, lambda) = (glv_beta(), glv_lambda());
        assert_eq!(beta.cube(), Fq::ONE);
        assert_ne!(beta, Fq::ONE);
        assert_eq!(Fr::ONE + lambda + lambda.square(), Fr::ZERO);
        for _ in 0..4 {
            let p = rand_point(&mut rng);
            let phi = G1Affine::from_xy(beta * p.x, p.y).unwrap();
            assert_eq!(phi, (p * lambda).to_affine());
            // P + phi(P) = (beta^2 x, -y)
            let s = G1Affine::from_xy(beta.square() * p.x, -p.y).unwrap();
            assert_eq!(s, (p.to_curve() + phi).to_affine());
        }
        // the closed form equals the definition with d1, d2
        for h in [0u128, u128::MAX, 1 << 64, 12345 << 70 | 999, rng.gen()] {
            let (mut k1, mut k2) = (1i128 << 65, 1i128 << 65);
            for i in 0..64 {
                let d1 = 2 * ((h >> i) & 1) as i128 - 1;
                let d2 = d1 * (1 - 2 * ((h >> (64 + i)) & 1) as i128);
                k1 += d1 << i;
                k2 += d2 << i;
            }
            let f = |k: i128| Fr::from_u128(k as u128);
            assert_eq!(glv_scalar(h), f(k1) + lambda * f(k2));
        }
    }

    #[test]
    fn glv_lattice_has_no_short_vectors() {
        let r = BigInt::from_str_radix(&Fr::MODULUS[2..], 16).unwrap();
        let lam = BigInt::from_bytes_le(Sign::Plus, glv_lambda().to_repr().as_ref());
        // a basis of the lattice {(a, b): a + lambda b = 0 mod r}
        let mut u = (r.clone(), BigInt::zero());
        let mut v = (-lam.clone(), BigInt::one());
        let dot = |p: &(BigInt, BigInt), q: &(BigInt, BigInt)| &p.0 * &q.0 + &p.1 * &q.1;
        // Lagrange-Gauss reduction: keep |u| >= |v|, subtract round(<u,v>/<v,v>) v from u
        loop {
            if dot(&u, &u) < dot(&v, &v) {
                std::mem::swap(&mut u, &mut v);
            }
            let (num, den) = (dot(&u, &v), dot(&v, &v));
            let twice_num: BigInt = &num * 2 + &den;
            let q = twice_num.div_floor(&(&den * 2));
            if q.is_zero() {
                break;
            }
            u = (&u.0 - &q * &v.0, &u.1 - &q * &v.1);
        }
        println!("reduced GLV basis: {u:?}, {v:?}");
        for p in [&u, &v] {
            assert!((&p.0 + &lam * &p.1).mod_floor(&r).is_zero());
            assert!(
                dot(p, p) > BigInt::one() << 200,
                "short lattice vector {p:?}"
            );
        }
    }

    #[test]
    fn cyclefold_circuit_satisfied_and_sound() {
        let s = shape();
        println!(
            "CycleFold circuit: {} constraints, {} vars, {} io",
            s.num_cons(),
            s.num_vars(),
            s.num_io()
        );
        assert_eq!(s.num_io(), CF_IO_LEN);
        let mut rng = rand_chacha::ChaCha20Rng::seed_from_u64(11);
        let mut cases = vec![];
        for _ in 0..3 {
            cases.push((
                rng.gen::<u128>(),
                rand_point(&mut rng),
                rand_point(&mut rng),
            ));
        }
        cases.push((rng.gen(), G1Affine::identity(), rand_point(&mut rng)));
        cases.push((0, rand_point(&mut rng), rand_point(&mut rng)));
        cases.push((u128::MAX, rand_point(&mut rng), rand_point(&mut rng)));
        cases.push((0, G1Affine::identity(), G1Affine::generator()));
        for (h, p1, p2) in cases {
            let c = CycleFoldCircuit { h, p1, p2 };
            let io = c.public_io().unwrap();
            let (w, x) = assign(&c);
            assert_eq!(w.len(), s.num_vars());
            assert_eq!(x, io.to_vec());
            assert!(sat(&s, &w, &x), "h = {h}");
            let expect = (p1.to_curve() + p2 * glv_scalar(h)).to_affine();
            assert_eq!((x[5], x[6]), coords(&expect));
            // a wrong output is rejected
            for j in [5, 6] {
                let mut bad = x.clone();
                bad[j] += Fq::ONE;
                assert!(!sat(&s, &w, &bad));
            }
            // a wrong h is rejected
            let mut bad = x.clone();
            bad[0] += Fq::ONE;
            assert!(!sat(&s, &w, &bad));
        }
    }

    #[test]
    fn cyclefold_shape_is_value_independent_and_witness_unique() {
        let s = shape();
        let mut rng = rand_chacha::ChaCha20Rng::seed_from_u64(13);
        let c = CycleFoldCircuit {
            h: rng.gen(),
            p1: rand_point(&mut rng),
            p2: rand_point(&mut rng),
        };
        let mut cs = ShapeCS::<E>::new();
        c.synthesize(&mut cs).unwrap();
        assert_eq!(cs.r1cs_shape().unwrap().digest(), s.digest());
        // every witness entry is pinned: changing any single one breaks a constraint
        let (w, x) = assign(&c);
        assert!(sat(&s, &w, &x));
        for j in 0..w.len() {
            let mut bad = w.clone();
            bad[j] += Fq::ONE;
            assert!(!sat(&s, &bad, &x), "witness entry {j} is unconstrained");
        }
    }

    #[test]
    fn cyclefold_rejects_bad_points() {
        let s = shape();
        let mut rng = rand_chacha::ChaCha20Rng::seed_from_u64(12);
        let p1 = rand_point(&mut rng);
        let p2 = rand_point(&mut rng);
        // P2 off the curve
        let off = G1Affine {
            x: p2.x,
            y: p2.y + Fq::ONE,
        };
        let c = CycleFoldCircuit { h: 5, p1, p2: off };
        assert!(c.public_io().is_err());
        let (w, x) = assign(&c);
        assert!(!sat(&s, &w, &x));
        // P2 = infinity
        let c = CycleFoldCircuit {
            h: 5,
            p1,
            p2: G1Affine::identity(),
        };
        assert!(c.public_io().is_err());
        let (w, x) = assign(&c);
        assert!(!sat(&s, &w, &x));
        // P1 off the curve
        let c = CycleFoldCircuit {
            h: 5,
            p1: G1Affine {
                x: p1.x,
                y: p1.y.double(),
            },
            p2,
        };
        let (w, x) = assign(&c);
        assert!(!sat(&s, &w, &x));
        // P1 = (x, 0) is not accepted as infinity
        let c = CycleFoldCircuit {
            h: 5,
            p1: G1Affine {
                x: Fq::ONE,
                y: Fq::ZERO,
            },
            p2,
        };
        let (w, x) = assign(&c);
        assert!(!sat(&s, &w, &x));
        // P1 = alpha P2: the exceptional (negligible) case has no witness
        let p1 = (p2 * glv_scalar(9)).to_affine();
        let c = CycleFoldCircuit { h: 9, p1, p2 };
        let (w, x) = assign(&c);
        assert!(!sat(&s, &w, &x));
    }
}
