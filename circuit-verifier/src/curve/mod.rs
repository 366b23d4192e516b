//! # G1 and G2 affine arithmetic over emulated `Fq` / `Fq2`
//!
//! Both groups are short Weierstrass curves `y^2 = x^3 + b` (`b = 3` for G1 over `Fq`,
//! `b = 3 / (9 + u)` for G2 over `Fq2`, arkworks' constants), so one set of gadgets serves both,
//! parametrised by a [`CurveSpec`]. Points are affine; the point at infinity has no affine
//! representation and is never accepted (an honest Groth16 proof has no identity element except
//! with negligible probability).
//!
//! Additions and doublings take the slope `lambda` as a prover hint and *check* it with one
//! relation (`lambda * (x2 - x1) = y2 - y1`, or `2 lambda y = 3 x^2`), then compute
//! `x3 = lambda^2 - x1 - x2`, `y3 = lambda (x1 - x3) - y1` as reduced outputs. These formulas are
//! incomplete: they need `x1 != x2` (addition) and `y != 0` (doubling). A doubling check with
//! `y = 0` would force `x = 0`, and `(0, 0)` is on neither curve, so doubling is always sound.
//! For additions each caller either proves `x1 != x2` ([`Emu::point_add_checked`],
//! [`Emu::point_double_and_add`] with the check) or documents why `x1 = x2` cannot happen.
//! With `x1 != x2` the slope is unique, so the output is exactly the group sum.

use crate::convert::Fr;
use crate::field::relation::Relation;
use crate::field::{Bit, Emu};
use crate::tower::{Ext, ExtKind};
use crate::{Error, Result};
use ark_bn254::{Fq, Fq2};
use ark_ec::short_weierstrass::SWCurveConfig;
use ark_ff::{Field, Zero};
use nova_snark::frontend::ConstraintSystem;

pub mod glv;
pub mod msm;

/// A short Weierstrass curve `y^2 = x^3 + b` over `Fq` or `Fq2`.
#[derive(Clone, Debug)]
pub struct CurveSpec {
    /// The coordinate field.
    pub kind: ExtKind,
    /// `b` in the direct basis.
    pub b: Vec<Fq>,
}

impl CurveSpec {
    /// BN254's G1: `y^2 = x^3 + 3` over `Fq`.
    pub fn g1() -> Self {
        Self {
            kind: ExtKind::Fq,
            b: vec![ark_bn254::g1::Config::COEFF_B],
        }
    }

    /// BN254's G2 (the sextic twist): `y^2 = x^3 + 3/(9+u)` over `Fq2`.
    pub fn g2() -> Self {
        let b = ark_bn254::g2::Config::COEFF_B;
        Self {
            kind: ExtKind::Fq2,
            b: vec![b.c0, b.c1],
        }
    }
}

/// An affine point whose coordinates are emulated field elements.
#[derive(Clone, Debug)]
pub struct AffineVar {
    /// `x`.
    pub x: Ext,
    /// `y`.
    pub y: Ext,
}

impl AffineVar {
    /// `-P = (x, -y)` (free).
    pub fn neg(&self) -> Self {
        Self {
            x: self.x.clone(),
            y: self.y.neg(),
        }
    }

    /// The coordinates' values (as `Fq2`; `Fq` coordinates embedded with `c1 = 0`).
    pub fn values(&self, emu: &Emu) -> (Fq2, Fq2) {
        (to_fq2(&self.x.values(emu)), to_fq2(&self.y.values(emu)))
    }
}

/// Direct coefficients of an `Fq` or `Fq2` element as an `Fq2` value.
pub fn to_fq2(v: &[Fq]) -> Fq2 {
    Fq2::new(
        v.first().copied().unwrap_or_default(),
        v.get(1).copied().unwrap_or_default(),
    )
}

/// An `Fq2` value as direct coefficients of `kind` (`Fq` keeps `c0`).
pub fn from_fq2(kind: ExtKind, v: Fq2) -> Vec<Fq> {
    match kind {
        ExtKind::Fq => vec![v.c0],
        _ => vec![v.c0, v.c1],
    }
}

fn div_or_zero(n: Fq2, d: Fq2) -> Fq2 {
    d.inverse().map(|i| n * i).unwrap_or_else(Fq2::zero)
}

impl Emu {
    /// Allocates an affine point (coordinates range-checked; canonical if `canonical`) and
    /// enforces that it is on the curve: `y^2 - x^3 - b = 0`.
    pub fn alloc_point<CS: ConstraintSystem<Fr>>(
        &self,
        cs: &mut CS,
        spec: &CurveSpec,
        x: Fq2,
        y: Fq2,
        canonical: bool,
    ) -> Result<AffineVar> {
        let alloc = |cs: &mut CS, v: Fq2, name: &str| -> Result<Ext> {
            let vals = from_fq2(spec.kind, v);
            let mut coeffs = Vec::with_capacity(vals.len());
            for (j, c) in vals.iter().enumerate() {
                let mut ns = cs.namespace(|| format!("{name} coefficient {j}"));
                coeffs.push(if canonical {
                    self.alloc_fq_canonical(&mut ns, c)?
                } else {
                    self.alloc_fq(&mut ns, c)?
                });
            }
            Ok(Ext {
                kind: spec.kind,
                coeffs,
            })
        };
        let p = AffineVar {
            x: alloc(cs, x, "x")?,
            y: alloc(cs, y, "y")?,
        };
        self.assert_on_curve(&mut cs.namespace(|| "on curve"), spec, &p)?;
        Ok(p)
    }

    /// A constant point (no constraints; the caller vouches that it is on the curve).
    pub fn constant_point(&self, spec: &CurveSpec, x: Fq2, y: Fq2) -> AffineVar {
        AffineVar {
            x: Ext::constant(spec.kind, &from_fq2(spec.kind, x), self),
            y: Ext::constant(spec.kind, &from_fq2(spec.kind, y), self),
        }
    }

    /// Enforces `y^2 = x^3 + b` (one relation, no output).
    pub fn assert_on_curve<CS: ConstraintSystem<Fr>>(
        &self,
        cs: &mut CS,
        spec: &CurveSpec,
        p: &AffineVar,
    ) -> Result<()> {
        let mut rel = Relation::new(self, spec.kind);
        rel.add_product(1, &[&p.y, &p.y]);
        rel.add_product(-1, &[&p.x, &p.x, &p.x]);
        rel.add_linear(-1, &Ext::constant(spec.kind, &spec.b, self));
        rel.assert_zero(cs)
    }

    /// Allocates the slope hint `lambda` (range-checked limbs).
    fn alloc_slope<CS: ConstraintSystem<Fr>>(
        &self,
        cs: &mut CS,
        kind: ExtKind,
        lambda: Fq2,
    ) -> Result<Ext> {
        self.alloc_ext(cs, kind, &from_fq2(kind, lambda))
    }

    /// `P + Q` for points with `x_P != x_Q` (NOT checked here: the caller must guarantee it, see
    /// the module documentation; use [`Self::point_add_checked`] otherwise).
    ///
    /// Enforces `lambda (x_Q - x_P) = y_Q - y_P`, `x3 = lambda^2 - x_P - x_Q`,
    /// `y3 = lambda (x_P - x3) - y_P`.
    pub fn point_add_unchecked<CS: ConstraintSystem<Fr>>(
        &self,
        cs: &mut CS,
        spec: &CurveSpec,
        p: &AffineVar,
        q: &AffineVar,
    ) -> Result<AffineVar> {
        let (xp, yp) = p.values(self);
        let (xq, yq) = q.values(self);
        let lambda = div_or_zero(yq - yp, xq - xp);
        let l = self.alloc_slope(&mut cs.namespace(|| "slope"), spec.kind, lambda)?;
        let dx = q.x.sub(&p.x, self);
        let mut rel = Relation::new(self, spec.kind);
        rel.add_product(1, &[&l, &dx]);
        rel.add_linear(-1, &q.y.sub(&p.y, self));
        rel.assert_zero(&mut cs.namespace(|| "slope check"))?;
        self.chord_output(cs, spec, &l, p, &q.x)
    }

    /// `P + Q` with a proof that `x_P != x_Q` (the inverse of `x_Q - x_P` exists): sound for
    /// any two affine points; unsatisfiable when `P = ±Q`.
    pub fn point_add_checked<CS: ConstraintSystem<Fr>>(
        &self,
        cs: &mut CS,
        spec: &CurveSpec,
        p: &AffineVar,
        q: &AffineVar,
    ) -> Result<AffineVar> {
        let dx = q.x.sub(&p.x, self);
        self.inverse(&mut cs.namespace(|| "x distinct"), &dx)?;
        self.point_add_unchecked(cs, spec, p, q)
    }

    /// `x3 = lambda^2 - x_P - x_other`, `y3 = lambda (x_P - x3) - y_P` (two reductions).
    fn chord_output<CS: ConstraintSystem<Fr>>(
        &self,
        cs: &mut CS,
        spec: &CurveSpec,
        l: &Ext,
        p: &AffineVar,
        x_other: &Ext,
    ) -> Result<AffineVar> {
        let mut rel = Relation::new(self, spec.kind);
        rel.add_product(1, &[l, l]);
        rel.add_linear(-1, &p.x);
        rel.add_linear(-1, x_other);
        let x3 = rel.reduce(&mut cs.namespace(|| "x3"))?;
        let mut rel = Relation::new(self, spec.kind);
        rel.add_product(1, &[l, &p.x.sub(&x3, self)]);
        rel.add_linear(-1, &p.y);
        let y3 = rel.reduce(&mut cs.namespace(|| "y3"))?;
        Ok(AffineVar { x: x3, y: y3 })
    }

    /// `2P`: enforces `2 lambda y = 3 x^2` and the chord outputs. Always sound (see the module
    /// documentation).
    pub fn point_double<CS: ConstraintSystem<Fr>>(
        &self,
        cs: &mut CS,
        spec: &CurveSpec,
        p: &AffineVar,
    ) -> Result<AffineVar> {
        let (x, y) = p.values(self);
        let lambda = div_or_zero(x.square() * Fq2::from(3u64), y + y);
        let l = self.alloc_slope(&mut cs.namespace(|| "slope"), spec.kind, lambda)?;
        let mut rel = Relation::new(self, spec.kind);
        rel.add_product(2, &[&l, &p.y]);
        rel.add_product(-3, &[&p.x, &p.x]);
        rel.assert_zero(&mut cs.namespace(|| "slope check"))?;
        self.chord_output(cs, spec, &l, p, &p.x)
    }

    /// `2T + S` in one step (the Eisenträger–Lauter–Montgomery trick): with `R = T + S`
    /// (never materialised), hints `l1` (slope of `T, S`) and `l2` (slope of `R, T`), enforces
    ///
    /// - `l1 (x_S - x_T) = y_S - y_T`,
    /// - `(l1 + l2)(x_R - x_T) = -2 y_T` with `x_R = l1^2 - x_T - x_S` (degree 3),
    /// - `x_out = l2^2 - l1^2 + x_S` (`= l2^2 - x_R - x_T`),
    /// - `y_out = l2 (x_T - x_out) - y_T`.
    ///
    /// The second check cannot hold with `x_R = x_T` (it would force `y_T = 0`, and neither group
    /// has points of order 2), so `l2` is unique. The first needs `x_S != x_T`: with
    /// `check_distinct` it is proven (inverse hint); without, the caller must guarantee it.
    pub fn point_double_and_add<CS: ConstraintSystem<Fr>>(
        &self,
        cs: &mut CS,
        spec: &CurveSpec,
        t: &AffineVar,
        s: &AffineVar,
        check_distinct: bool,
    ) -> Result<AffineVar> {
        let (xt, yt) = t.values(self);
        let (xs, ys) = s.values(self);
        let l1v = div_or_zero(ys - yt, xs - xt);
        let xr = l1v.square() - xt - xs;
        let l2v = -l1v - div_or_zero(yt + yt, xr - xt);
        if check_distinct {
            self.inverse(&mut cs.namespace(|| "x distinct"), &s.x.sub(&t.x, self))?;
        }
        let l1 = self.alloc_slope(&mut cs.namespace(|| "slope 1"), spec.kind, l1v)?;
        let l2 = self.alloc_slope(&mut cs.namespace(|| "slope 2"), spec.kind, l2v)?;
        let mut rel = Relation::new(self, spec.kind);
        rel.add_product(1, &[&l1, &s.x.sub(&t.x, self)]);
        rel.add_linear(-1, &s.y.sub(&t.y, self));
        rel.assert_zero(&mut cs.namespace(|| "slope 1 check"))?;
        let l12 = l1.add(&l2, self);
        let mut rel = Relation::new(self, spec.kind);
        rel.add_product(1, &[&l12, &l1, &l1]);
        rel.add_product(-1, &[&l12, &t.x.scale(2).add(&s.x, self)]);
        rel.add_linear(2, &t.y);
        rel.assert_zero(&mut cs.namespace(|| "slope 2 check"))?;
        let mut rel = Relation::new(self, spec.kind);
        rel.add_product(1, &[&l2, &l2]);
        rel.add_product(-1, &[&l1, &l1]);
        rel.add_linear(1, &s.x);
        let x_out = rel.reduce(&mut cs.namespace(|| "x out"))?;
        let mut rel = Relation::new(self, spec.kind);
        rel.add_product(1, &[&l2, &t.x.sub(&x_out, self)]);
        rel.add_linear(-1, &t.y);
        let y_out = rel.reduce(&mut cs.namespace(|| "y out"))?;
        Ok(AffineVar { x: x_out, y: y_out })
    }

    /// `if bit { a } else { b }` coordinate-wise.
    pub fn select_point<CS: ConstraintSystem<Fr>>(
        &self,
        cs: &mut CS,
        bit: &Bit,
        a: &AffineVar,
        b: &AffineVar,
    ) -> Result<AffineVar> {
        let x = self.select_ext(&mut cs.namespace(|| "x"), bit, &a.x, &b.x)?;
        let y = self.select_ext(&mut cs.namespace(|| "y"), bit, &a.y, &b.y)?;
        Ok(AffineVar { x, y })
    }

    /// Enforces `a = b` as points (both coordinates modulo `p`).
    pub fn assert_point_equal<CS: ConstraintSystem<Fr>>(
        &self,
        cs: &mut CS,
        a: &AffineVar,
        b: &AffineVar,
    ) -> Result<()> {
        self.assert_equal(&mut cs.namespace(|| "x"), &a.x, &b.x)?;
        self.assert_equal(&mut cs.namespace(|| "y"), &a.y, &b.y)
    }

    /// Multiplies every coordinate coefficient by a constant of the coordinate field and
    /// reduces: `(c_x * x, c_y * y)` (used by endomorphisms).
    pub fn scale_coordinates<CS: ConstraintSystem<Fr>>(
        &self,
        cs: &mut CS,
        kind: ExtKind,
        p: &AffineVar,
        cx: Fq2,
        cy: Fq2,
    ) -> Result<AffineVar> {
        let cxe = Ext::constant(kind, &from_fq2(kind, cx), self);
        let cye = Ext::constant(kind, &from_fq2(kind, cy), self);
        let mut rel = Relation::new(self, kind);
        rel.add_product(1, &[&cxe, &p.x]);
        let x = rel.reduce(&mut cs.namespace(|| "x"))?;
        let mut rel = Relation::new(self, kind);
        rel.add_product(1, &[&cye, &p.y]);
        let y = rel.reduce(&mut cs.namespace(|| "y"))?;
        Ok(AffineVar { x, y })
    }
}

/// Conjugation of an `Fq2` element `a + b u -> a - b u` (free).
pub fn conjugate(e: &Ext) -> Result<Ext> {
    if e.kind != ExtKind::Fq2 || e.coeffs.len() != 2 {
        return Err(Error::Input("conjugation of a non-Fq2 element".into()));
    }
    Ok(Ext {
        kind: ExtKind::Fq2,
        coeffs: vec![e.coeffs[0].clone(), e.coeffs[1].neg()],
    })
}

#[cfg(test)]
mod tests;
