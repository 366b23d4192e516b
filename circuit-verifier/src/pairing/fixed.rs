//! # Miller loops with a fixed G2 argument (verifying-key points)
//!
//! When `Q` is a constant (the key's `gamma`, `delta`, `beta`), the whole chain of points `T`
//! and slopes is computed natively once ([`FixedLoop`]); in the circuit only the line's
//! dependence on `P` remains: `l = y_P/x_P - lambda w + (K / x_P) w^3` with constants `lambda`
//! and `K = lambda x_T - y_T`. The hints `1/x_P` and `y_P/x_P` are checked once per loop
//! (`xinv * x_P = 1`, `yx * x_P = y_P`), each op reduces `c3 = K * xinv` (two `Fq`
//! coefficients) and updates `f` exactly as [`super::Emu::miller_op`] does. The output equals
//! [`super::native_miller_loop`] for the same pair (same line scaling).

use super::{line_direct, native_op, residue::ResidueVars, residue_factor, schedule, MillerOp};
use crate::convert::Fr;
use crate::curve::{from_fq2, AffineVar};
use crate::field::relation::Relation;
use crate::field::Emu;
use crate::tower::{fq12_to_direct, Ext, ExtKind};
use crate::Result;
use ark_bn254::{Fq, Fq12, Fq2, G2Affine};
use ark_ff::{Field, One, Zero};
use nova_snark::frontend::ConstraintSystem;

/// The precomputed ops of a loop with fixed `Q`: `(op, lambda, K = lambda x_T - y_T)`.
#[derive(Clone, Debug)]
pub struct FixedLoop {
    /// One entry per op of [`schedule`].
    pub ops: Vec<(MillerOp, Fq2, Fq2)>,
}

impl FixedLoop {
    /// Precomputes the loop for `q` (a G2 point).
    pub fn new(q: &G2Affine) -> Self {
        let qv = (q.x, q.y);
        let mut t = qv;
        let mut ops = Vec::new();
        for op in schedule() {
            // x_P = 1 gives c3 = K.
            let n = native_op(op, t, qv, Fq::one());
            ops.push((op, n.lambda, n.c3));
            t = n.t;
        }
        Self { ops }
    }

    /// The loop's native value at `P = (x_P, y_P)` (same as `native_miller_loop`).
    pub fn native(&self, x_p: Fq, y_p: Fq) -> Fq12 {
        let xinv = x_p.inverse().unwrap_or_else(Fq::zero);
        let yx = y_p * xinv;
        let mut f = Fq12::one();
        for (op, lambda, k) in &self.ops {
            let c3 = *k * Fq2::new(xinv, Fq::zero());
            let l = crate::tower::fq12_from_direct(&line_direct(yx, *lambda, c3));
            f = if *op == MillerOp::Double {
                f.square() * l
            } else {
                f * l
            };
        }
        f
    }
}

impl Emu {
    /// The Miller loop of `(P, Q)` for a fixed `Q` (see the module documentation), optionally
    /// with the residue witness folded in as in [`Emu::miller_loop_with_residue`].
    pub fn miller_loop_fixed<CS: ConstraintSystem<Fr>>(
        &self,
        cs: &mut CS,
        p: &AffineVar,
        fixed: &FixedLoop,
        res: Option<&ResidueVars>,
    ) -> Result<Ext> {
        let xp = p.x.values(self)[0];
        let xinv_v = xp.inverse().unwrap_or_else(Fq::zero);
        let xinv = self.alloc_ext(&mut cs.namespace(|| "1/x_P"), ExtKind::Fq, &[xinv_v])?;
        let mut rel = Relation::new(self, ExtKind::Fq);
        rel.add_product(1, &[&xinv, &p.x]);
        rel.add_linear(-1, &Ext::constant(ExtKind::Fq, &[Fq::one()], self));
        rel.assert_zero(&mut cs.namespace(|| "xinv * x_P = 1"))?;
        let mut rel = Relation::new(self, ExtKind::Fq);
        rel.add_product(1, &[&xinv, &p.y]);
        let yx = rel.reduce(&mut cs.namespace(|| "y_P / x_P"))?;
        let mut f = match res {
            Some(r) => r.c_inv.clone(),
            None => Ext::constant(ExtKind::Fq12, &fq12_to_direct(&Fq12::one()), self),
        };
        for (i, (op, lambda, k)) in fixed.ops.iter().enumerate() {
            let mut cs = cs.namespace(|| format!("op {i}"));
            let kc = Ext::constant(ExtKind::Fq2, &from_fq2(ExtKind::Fq2, *k), self);
            let mut rel = Relation::new(self, ExtKind::Fq2);
            rel.add_product(1, &[&kc, &xinv]);
            let c3 = rel.reduce(&mut cs.namespace(|| "c3"))?;
            let lc = Ext::constant(ExtKind::Fq2, &from_fq2(ExtKind::Fq2, *lambda), self);
            let l = self.line_ext(&yx, &lc, &c3);
            let mut rel = Relation::new(self, ExtKind::Fq12);
            if *op == MillerOp::Double {
                rel.add_product(1, &[&f, &f, &l]);
            } else if let Some(h) = residue_factor(*op, res) {
                rel.add_product(1, &[&f, h, &l]);
            } else {
                rel.add_product(1, &[&f, &l]);
            }
            f = rel.reduce(&mut cs.namespace(|| "f"))?;
        }
        Ok(f)
    }
}
