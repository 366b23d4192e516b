//! # The optimal ate Miller loop of BN254, natively and as a gadget
//!
//! The loop follows arkworks' `Bn254::multi_miller_loop` step for step ([`schedule`]): for each
//! signed digit of `6x + 2` (arkworks' `ATE_LOOP_COUNT`, most significant first, skipping the
//! leading one) a doubling step, then an addition of `Q` or `-Q` for a non-zero digit; then the
//! two Frobenius additions with `psi(Q)` and `-psi^2(Q)`. Every step ("Miller op") is the same
//! chord-tangent computation on the twist in affine coordinates (see [`crate::curve`]):
//!
//! ```text
//!   S = T (doubling) or Q, -Q, psi(Q), -psi^2(Q) (addition);  lambda = slope of T and S
//!   T <- T + S;   f <- f^2 * l (doubling) or f * l (addition)
//!   l = y_P/x_P - lambda w + ((lambda x_T - y_T)/x_P) w^3            (in Fq12 = Fq[w]/phi)
//! ```
//!
//! `l` is the line through `T` and `S` (untwisted: `(x, y) -> (x w^2, y w^3)`), evaluated at
//! `P` and divided by `x_P`. Scaling a line by an element of `Fq` (like every scaling of a line
//! by an element of a proper subfield) changes the Miller loop's output `f` but not `f` after the
//! final exponentiation, which kills `Fq6^*`; so the loop is checked against arkworks *after*
//! the final exponentiation, and against [`native_miller_loop`] (same scaling) exactly. `x_P = 0`
//! has probability `1/p` for an honest proof and makes the gadget unsatisfiable (never unsound).
//!
//! ## G2 subgroup membership for free
//!
//! The loop's last point is `T_end = [6x+2] Q + psi(Q) - psi^2(Q)`. For `Q` in G2, `psi` acts as
//! `p` and `6x + 2 + p - p^2 + p^3 = 0 mod r`, so `T_end = -psi^3(Q)`. Conversely, on the twist
//! `E'(Fq2)` (order `r * 10069 * 5864401 * 1875725156269 * 197620364512881247228717050342013327560683201906968909`,
//! each prime to the first power), `psi` acts on the `l`-part as a root `mu` of
//! `mu^2 - t mu + p mod l`, and for both roots and every prime `l != r`,
//! `6x + 2 + mu - mu^2 + mu^3 != 0 mod l` (checked by `twist_torsion_facts` in the tests). So
//! `T_end = -psi^3(Q)` holds exactly for `Q` in G2 ([`Emu::miller_loop`] enforces it when asked).
//! The same facts show that for every `Q != O` on the twist no step of the loop meets an
//! exceptional case of the affine formulas (`T = +-S` in an addition): for the prime parts it
//! would need `l | k -+ 1` for a loop prefix `k`, which the test rules out, and `k -+ 1 < r`.

pub mod fixed;
pub mod residue;

use crate::convert::Fr;
use crate::curve::{conjugate, from_fq2, AffineVar};
use crate::field::relation::Relation;
use crate::field::{Bit, Emu};
use crate::tower::{fq12_to_direct, Ext, ExtKind};
use crate::Result;
use ark_bn254::{Fq, Fq12, Fq2, G1Affine, G2Affine};
use ark_ec::bn::BnConfig;
use ark_ff::{Field, One, Zero};
use nova_snark::frontend::ConstraintSystem;

/// One step of the Miller loop.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum MillerOp {
    /// `T <- 2T`, `f <- f^2 l`.
    Double,
    /// `T <- T + Q`, `f <- f l`.
    AddQ,
    /// `T <- T - Q`, `f <- f l`.
    SubQ,
    /// `T <- T + psi(Q)`, `f <- f l`.
    AddPsiQ,
    /// `T <- T - psi^2(Q)`, `f <- f l`.
    SubPsi2Q,
}

impl MillerOp {
    /// Index of the added point among `[Q, -Q, psi(Q), -psi^2(Q)]` (additions only).
    pub fn source(self) -> usize {
        match self {
            MillerOp::Double | MillerOp::AddQ => 0,
            MillerOp::SubQ => 1,
            MillerOp::AddPsiQ => 2,
            MillerOp::SubPsi2Q => 3,
        }
    }
}

/// The optimal ate loop of BN254 as a list of ops (64 doublings, 21 additions, 2 Frobenius
/// additions: 87 ops), exactly in arkworks' order.
pub fn schedule() -> Vec<MillerOp> {
    let mut ops = Vec::new();
    for bit in ark_bn254::Config::ATE_LOOP_COUNT.iter().rev().skip(1) {
        ops.push(MillerOp::Double);
        match bit {
            1 => ops.push(MillerOp::AddQ),
            -1 => ops.push(MillerOp::SubQ),
            _ => {}
        }
    }
    ops.push(MillerOp::AddPsiQ);
    ops.push(MillerOp::SubPsi2Q);
    ops
}

/// The constants `(c_x, c_y)` of `psi^k(x, y) = (frob^k(x) c_x, frob^k(y) c_y)` on the twist.
pub fn psi_constants(k: usize) -> (Fq2, Fq2) {
    let gx = ark_bn254::Config::TWIST_MUL_BY_Q_X;
    let gy = ark_bn254::Config::TWIST_MUL_BY_Q_Y;
    let (mut cx, mut cy) = (Fq2::one(), Fq2::one());
    for _ in 0..k {
        cx.frobenius_map_in_place(1);
        cy.frobenius_map_in_place(1);
        cx *= gx;
        cy *= gy;
    }
    (cx, cy)
}

/// `psi^k(Q)` natively (any point of the twist, not only G2).
pub fn psi_native(k: usize, x: Fq2, y: Fq2) -> (Fq2, Fq2) {
    let (cx, cy) = psi_constants(k);
    let (mut x, mut y) = (x, y);
    x.frobenius_map_in_place(k);
    y.frobenius_map_in_place(k);
    (x * cx, y * cy)
}

/// The line `l = yx - lambda w + c3 w^3` in the direct basis of `Fq12`.
pub fn line_direct(yx: Fq, lambda: Fq2, c3: Fq2) -> Vec<Fq> {
    let nine = Fq::from(9u64);
    let mut d = vec![Fq::zero(); 12];
    d[0] = yx;
    d[1] = -(lambda.c0 - nine * lambda.c1);
    d[7] = -lambda.c1;
    d[3] = c3.c0 - nine * c3.c1;
    d[9] = c3.c1;
    d
}

/// The native values of one Miller op (what the gadget's hints are made of).
#[derive(Clone, Debug)]
pub struct NativeOp {
    /// The slope.
    pub lambda: Fq2,
    /// `(lambda x_T - y_T) / x_P`.
    pub c3: Fq2,
    /// The new point.
    pub t: (Fq2, Fq2),
}

/// The added point of an op (`T` itself for a doubling).
pub fn op_source(op: MillerOp, t: (Fq2, Fq2), q: (Fq2, Fq2)) -> (Fq2, Fq2) {
    match op {
        MillerOp::Double => t,
        MillerOp::AddQ => q,
        MillerOp::SubQ => (q.0, -q.1),
        MillerOp::AddPsiQ => psi_native(1, q.0, q.1),
        MillerOp::SubPsi2Q => {
            let (x, y) = psi_native(2, q.0, q.1);
            (x, -y)
        }
    }
}

/// One op natively (slopes by field division; zero on an exceptional case).
pub fn native_op(op: MillerOp, t: (Fq2, Fq2), q: (Fq2, Fq2), x_p: Fq) -> NativeOp {
    let s = op_source(op, t, q);
    let (xt, yt) = t;
    let lambda = if op == MillerOp::Double {
        let num = xt.square() * Fq2::from(3u64);
        (yt + yt)
            .inverse()
            .map(|i| num * i)
            .unwrap_or_else(Fq2::zero)
    } else {
        (s.0 - xt)
            .inverse()
            .map(|i| (s.1 - yt) * i)
            .unwrap_or_else(Fq2::zero)
    };
    let xinv = x_p.inverse().unwrap_or_else(Fq::zero);
    let c3 = (lambda * xt - yt) * Fq2::new(xinv, Fq::zero());
    let x3 = lambda.square() - xt - s.0;
    let y3 = lambda * (xt - x3) - yt;
    NativeOp {
        lambda,
        c3,
        t: (x3, y3),
    }
}

/// The Miller loop of this crate natively: same ops, same line scaling as the gadget. Returns
/// `f` and the final point `T_end`.
pub fn native_miller_loop(p: &G1Affine, q: &G2Affine) -> (Fq12, (Fq2, Fq2)) {
    let qv = (q.x, q.y);
    let yx = p.x.inverse().map(|i| p.y * i).unwrap_or_else(Fq::zero);
    let mut f = Fq12::one();
    let mut t = qv;
    for op in schedule() {
        let n = native_op(op, t, qv, p.x);
        let l = crate::tower::fq12_from_direct(&line_direct(yx, n.lambda, n.c3));
        f = if op == MillerOp::Double {
            f.square() * l
        } else {
            f * l
        };
        t = n.t;
    }
    (f, t)
}

/// The per-loop inputs of the Miller op gadget: `Q` and its images, and `P`'s data.
#[derive(Clone, Debug)]
pub struct LoopInputs {
    /// `[Q, -Q, psi(Q), -psi^2(Q)]`.
    pub sources: [AffineVar; 4],
    /// `x_P` (an `Fq` element).
    pub x_p: Ext,
    /// `y_P / x_P` (an `Fq` element, checked by [`Emu::miller_inputs`]).
    pub yx: Ext,
}

/// The state carried from op to op.
#[derive(Clone, Debug)]
pub struct MillerState {
    /// The accumulator `f` (`Fq12`).
    pub f: Ext,
    /// The current point `T` on the twist.
    pub t: AffineVar,
}

/// Which op to perform, as bits (constants for a fixed schedule, variables in step circuits).
#[derive(Clone, Debug)]
pub struct OpFlags {
    /// Doubling (`S = T`, `f` squared).
    pub dbl: Bit,
    /// Source index bits (`src[0] + 2 src[1]` indexes [`LoopInputs::sources`]; additions only).
    pub src: [Bit; 2],
}

impl OpFlags {
    /// Constant flags for a known op.
    pub fn constant(op: MillerOp) -> Self {
        let s = op.source();
        Self {
            dbl: Bit::constant(op == MillerOp::Double),
            src: [Bit::constant(s & 1 == 1), Bit::constant(s & 2 == 2)],
        }
    }

    /// The op these flags select (for witness computation).
    pub fn op(&self) -> MillerOp {
        if self.dbl.val {
            return MillerOp::Double;
        }
        match (self.src[0].val, self.src[1].val) {
            (false, false) => MillerOp::AddQ,
            (true, false) => MillerOp::SubQ,
            (false, true) => MillerOp::AddPsiQ,
            (true, true) => MillerOp::SubPsi2Q,
        }
    }
}

impl Emu {
    /// Prepares a loop: `psi(Q)`, `-psi^2(Q)` (constant multiplications) and `y_P / x_P`
    /// (a hint `yx` with the check `yx * x_P = y_P`).
    pub fn miller_inputs<CS: ConstraintSystem<Fr>>(
        &self,
        cs: &mut CS,
        p: &AffineVar,
        q: &AffineVar,
    ) -> Result<LoopInputs> {
        let psi1 = self.psi(&mut cs.namespace(|| "psi(Q)"), q, 1)?;
        let psi2 = self.psi(&mut cs.namespace(|| "psi^2(Q)"), q, 2)?;
        let xp = p.x.values(self)[0];
        let yp = p.y.values(self)[0];
        let yxv = xp.inverse().map(|i| yp * i).unwrap_or_else(Fq::zero);
        let yx = self.alloc_ext(&mut cs.namespace(|| "y_P / x_P"), ExtKind::Fq, &[yxv])?;
        let mut rel = Relation::new(self, ExtKind::Fq);
        rel.add_product(1, &[&yx, &p.x]);
        rel.add_linear(-1, &p.y);
        rel.assert_zero(&mut cs.namespace(|| "yx * x_P = y_P"))?;
        Ok(LoopInputs {
            sources: [q.clone(), q.neg(), psi1, psi2.neg()],
            x_p: p.x.clone(),
            yx,
        })
    }

    /// `psi^k(Q)` for a twist point (two constant multiplications).
    pub fn psi<CS: ConstraintSystem<Fr>>(
        &self,
        cs: &mut CS,
        q: &AffineVar,
        k: usize,
    ) -> Result<AffineVar> {
        let (cx, cy) = psi_constants(k);
        let src = if k % 2 == 1 {
            AffineVar {
                x: conjugate(&q.x)?,
                y: conjugate(&q.y)?,
            }
        } else {
            q.clone()
        };
        self.scale_coordinates(cs, ExtKind::Fq2, &src, cx, cy)
    }

    /// One Miller op (see the module documentation). `h` is an optional extra `Fq12` factor used
    /// by addition ops instead of the square (`f <- f h l`; the residue check multiplies by
    /// `c^{+-1}` there); `None` means 1.
    ///
    /// Constraints: the slope hint and its check (`lambda * den = num` with
    /// `den = 2 y_T` or `x_S - x_T`, `num = 3 x_T^2` or `y_S - y_T`, selected by `dbl`), the new
    /// point, the hint `c3` with `c3 x_P = lambda x_T - y_T`, and one `Fq12` relation
    /// `f' = f g l` with `g = f` (doubling) or `h`.
    pub fn miller_op<CS: ConstraintSystem<Fr>>(
        &self,
        cs: &mut CS,
        st: &MillerState,
        inp: &LoopInputs,
        flags: &OpFlags,
        h: Option<&Ext>,
    ) -> Result<MillerState> {
        let op = flags.op();
        // S = T (doubling) or the selected source.
        let s01 = self.select_point(
            &mut cs.namespace(|| "src 0/1"),
            &flags.src[0],
            &inp.sources[1],
            &inp.sources[0],
        )?;
        let s23 = self.select_point(
            &mut cs.namespace(|| "src 2/3"),
            &flags.src[0],
            &inp.sources[3],
            &inp.sources[2],
        )?;
        let s_add = self.select_point(&mut cs.namespace(|| "src"), &flags.src[1], &s23, &s01)?;
        let s = self.select_point(&mut cs.namespace(|| "S"), &flags.dbl, &st.t, &s_add)?;
        // Native values.
        let tv = st.t.values(self);
        let qv = inp.sources[0].values(self);
        let xp = inp.x_p.values(self)[0];
        let nat = native_op(op, tv, qv, xp);
        let lambda = self.alloc_ext(
            &mut cs.namespace(|| "slope"),
            ExtKind::Fq2,
            &from_fq2(ExtKind::Fq2, nat.lambda),
        )?;
        // Slope check: lambda * den - (y_S - y_T) - 3 * xTd * x_T = 0.
        let den = self.select_ext(
            &mut cs.namespace(|| "den"),
            &flags.dbl,
            &st.t.y.scale(2),
            &s.x.sub(&st.t.x, self),
        )?;
        let xtd = self.select_ext(
            &mut cs.namespace(|| "x_T if doubling"),
            &flags.dbl,
            &st.t.x,
            &Ext {
                kind: ExtKind::Fq2,
                coeffs: vec![self.zero(), self.zero()],
            },
        )?;
        let mut rel = Relation::new(self, ExtKind::Fq2);
        rel.add_product(1, &[&lambda, &den]);
        rel.add_linear(-1, &s.y.sub(&st.t.y, self));
        rel.add_product(-3, &[&xtd, &st.t.x]);
        rel.assert_zero(&mut cs.namespace(|| "slope check"))?;
        // T + S.
        let mut rel = Relation::new(self, ExtKind::Fq2);
        rel.add_product(1, &[&lambda, &lambda]);
        rel.add_linear(-1, &st.t.x);
        rel.add_linear(-1, &s.x);
        let x3 = rel.reduce(&mut cs.namespace(|| "x3"))?;
        let mut rel = Relation::new(self, ExtKind::Fq2);
        rel.add_product(1, &[&lambda, &st.t.x.sub(&x3, self)]);
        rel.add_linear(-1, &st.t.y);
        let y3 = rel.reduce(&mut cs.namespace(|| "y3"))?;
        // Line coefficient c3 with c3 * x_P = lambda x_T - y_T.
        let c3 = self.alloc_ext(
            &mut cs.namespace(|| "c3"),
            ExtKind::Fq2,
            &from_fq2(ExtKind::Fq2, nat.c3),
        )?;
        let mut rel = Relation::new(self, ExtKind::Fq2);
        rel.add_product(1, &[&c3, &inp.x_p]);
        rel.add_product(-1, &[&lambda, &st.t.x]);
        rel.add_linear(1, &st.t.y);
        rel.assert_zero(&mut cs.namespace(|| "c3 check"))?;
        // The line in Fq12.
        let l = self.line_ext(&inp.yx, &lambda, &c3);
        // f' = f * g * l with g = f (doubling) or h (default 1).
        let one = Ext::constant(ExtKind::Fq12, &fq12_to_direct(&Fq12::one()), self);
        let h = h.unwrap_or(&one);
        let g = self.select_ext(&mut cs.namespace(|| "g"), &flags.dbl, &st.f, h)?;
        let mut rel = Relation::new(self, ExtKind::Fq12);
        if is_one(&g, self) {
            rel.add_product(1, &[&st.f, &l]);
        } else {
            rel.add_product(1, &[&st.f, &g, &l]);
        }
        let f = rel.reduce(&mut cs.namespace(|| "f"))?;
        Ok(MillerState {
            f,
            t: AffineVar { x: x3, y: y3 },
        })
    }

    /// The line `yx - lambda w + c3 w^3` as an `Fq12` element (free).
    pub fn line_ext(&self, yx: &Ext, lambda: &Ext, c3: &Ext) -> Ext {
        let mut coeffs = vec![self.zero(); 12];
        coeffs[0] = yx.coeff(0, self);
        let (l0, l1) = (lambda.coeff(0, self), lambda.coeff(1, self));
        coeffs[1] = l1.scale(9).sub(&l0);
        coeffs[7] = l1.neg();
        let (c0, c1) = (c3.coeff(0, self), c3.coeff(1, self));
        coeffs[3] = c0.sub(&c1.scale(9));
        coeffs[9] = c1;
        Ext {
            kind: ExtKind::Fq12,
            coeffs,
        }
    }

    /// The whole Miller loop of `(P, Q)` with the fixed schedule (constant flags). With
    /// `check_subgroup`, also enforces `T_end = -psi^3(Q)`, i.e. `Q` in G2 (module docs).
    /// `P` and `Q` must already be on their curves.
    pub fn miller_loop<CS: ConstraintSystem<Fr>>(
        &self,
        cs: &mut CS,
        p: &AffineVar,
        q: &AffineVar,
        check_subgroup: bool,
    ) -> Result<Ext> {
        self.miller_loop_with_residue(cs, p, q, check_subgroup, None)
    }

    /// [`Self::miller_loop`], optionally folding the residue witness in: the accumulator starts
    /// at `c^{-1}` and addition ops multiply by `c^{-1}` (`+Q`) or `c` (`-Q`), so the output is
    /// `ML(P, Q) * c^{-(6x+2)}` (see [`residue`]).
    pub fn miller_loop_with_residue<CS: ConstraintSystem<Fr>>(
        &self,
        cs: &mut CS,
        p: &AffineVar,
        q: &AffineVar,
        check_subgroup: bool,
        res: Option<&residue::ResidueVars>,
    ) -> Result<Ext> {
        let inp = self.miller_inputs(&mut cs.namespace(|| "inputs"), p, q)?;
        let mut st = MillerState {
            f: match res {
                Some(r) => r.c_inv.clone(),
                None => Ext::constant(ExtKind::Fq12, &fq12_to_direct(&Fq12::one()), self),
            },
            t: q.clone(),
        };
        for (i, op) in schedule().into_iter().enumerate() {
            let h = residue_factor(op, res);
            st = self.miller_op(
                &mut cs.namespace(|| format!("op {i}")),
                &st,
                &inp,
                &OpFlags::constant(op),
                h,
            )?;
        }
        if check_subgroup {
            let psi3 = self.psi(&mut cs.namespace(|| "psi^3(Q)"), q, 3)?;
            self.assert_point_equal(
                &mut cs.namespace(|| "T_end = -psi^3(Q)"),
                &st.t,
                &psi3.neg(),
            )?;
        }
        Ok(st.f)
    }
}

/// The residue factor multiplied in by an addition op: `c^{-1}` for `+Q`, `c` for `-Q`.
pub fn residue_factor(op: MillerOp, res: Option<&residue::ResidueVars>) -> Option<&Ext> {
    let r = res?;
    match op {
        MillerOp::AddQ => Some(&r.c_inv),
        MillerOp::SubQ => Some(&r.c),
        _ => None,
    }
}

/// Whether an extension element is the constant one.
fn is_one(e: &Ext, emu: &Emu) -> bool {
    e.coeffs.iter().all(|c| c.is_constant())
        && e.coeffs.iter().enumerate().all(|(j, c)| {
            let v = c.value(emu.limb_bits());
            if j == 0 {
                v == num_bigint::BigInt::from(1)
            } else {
                v == num_bigint::BigInt::from(0)
            }
        })
}

#[cfg(test)]
mod tests;
