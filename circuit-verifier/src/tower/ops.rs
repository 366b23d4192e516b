//! Arithmetic gadgets on extension-field elements (and on `Fq`, the degree-one case).
//!
//! Every gadget here is a thin wrapper around one [`Relation`]: the equation it enforces is
//! stated in its documentation and the bounds argument is the relation's (see
//! [`crate::field::relation`]).

use super::{
    fq12_from_direct, fq12_to_direct, fq2_from_direct, fq2_to_direct, fq6_from_direct,
    fq6_to_direct, Ext, ExtKind,
};
use crate::convert::Fr;
use crate::field::relation::Relation;
use crate::field::{Bit, Emu};
use crate::{Error, Result};
use ark_bn254::Fq;
use ark_ff::{Field, Zero};
use nova_snark::frontend::ConstraintSystem;

impl Emu {
    /// Allocates an element of `kind` from its direct-basis coefficients (each range-checked to
    /// `k` limbs of `b` bits, canonical for an honest prover).
    pub fn alloc_ext<CS: ConstraintSystem<Fr>>(
        &self,
        cs: &mut CS,
        kind: ExtKind,
        values: &[Fq],
    ) -> Result<Ext> {
        if values.len() != kind.degree() {
            return Err(Error::Witness(format!(
                "{} coefficients for a field of degree {}",
                values.len(),
                kind.degree()
            )));
        }
        let mut coeffs = Vec::with_capacity(values.len());
        for (j, v) in values.iter().enumerate() {
            coeffs.push(self.alloc_fq(&mut cs.namespace(|| format!("coefficient {j}")), v)?);
        }
        Ok(Ext { kind, coeffs })
    }

    /// `a * b` (reduced): enforces `a * b = out` in the larger of the two fields.
    pub fn mul<CS: ConstraintSystem<Fr>>(&self, cs: &mut CS, a: &Ext, b: &Ext) -> Result<Ext> {
        let kind = bigger(a.kind, b.kind);
        let mut rel = Relation::new(self, kind);
        rel.add_product(1, &[a, b]);
        rel.reduce(cs)
    }

    /// `a^2` (reduced).
    pub fn square<CS: ConstraintSystem<Fr>>(&self, cs: &mut CS, a: &Ext) -> Result<Ext> {
        self.mul(cs, a, a)
    }

    /// `a` reduced to range-checked limbs (enforces `a = out`).
    pub fn reduce<CS: ConstraintSystem<Fr>>(&self, cs: &mut CS, a: &Ext) -> Result<Ext> {
        let mut rel = Relation::new(self, a.kind);
        rel.add_linear(1, a);
        rel.reduce(cs)
    }

    /// Enforces `a = b` in the field (modulo `p`; the limbs may differ).
    pub fn assert_equal<CS: ConstraintSystem<Fr>>(
        &self,
        cs: &mut CS,
        a: &Ext,
        b: &Ext,
    ) -> Result<()> {
        let mut rel = Relation::new(self, bigger(a.kind, b.kind));
        rel.add_linear(1, a);
        rel.add_linear(-1, b);
        rel.assert_zero(cs)
    }

    /// The inverse of `a`: allocates the hint `x = a^{-1}` (computed natively) and enforces
    /// `a * x = 1`. Unsatisfiable when `a = 0` (no `x` exists), which is how non-zero-ness is
    /// proven.
    pub fn inverse<CS: ConstraintSystem<Fr>>(&self, cs: &mut CS, a: &Ext) -> Result<Ext> {
        let vals = a.values(self);
        let inv =
            native_inverse(a.kind, &vals).unwrap_or_else(|| vec![Fq::zero(); a.kind.degree()]);
        let x = self.alloc_ext(&mut cs.namespace(|| "inverse hint"), a.kind, &inv)?;
        let mut rel = Relation::new(self, a.kind);
        rel.add_product(1, &[a, &x]);
        rel.add_linear(-1, &Ext::constant(a.kind, &[Fq::from(1u64)], self));
        rel.assert_zero(&mut cs.namespace(|| "a * inverse = 1"))?;
        Ok(x)
    }

    /// `if bit { a } else { b }` coefficient by coefficient (one constraint per limb, none for
    /// constant limbs).
    pub fn select_ext<CS: ConstraintSystem<Fr>>(
        &self,
        cs: &mut CS,
        bit: &Bit,
        a: &Ext,
        b: &Ext,
    ) -> Result<Ext> {
        let kind = bigger(a.kind, b.kind);
        let n = a.coeffs.len().max(b.coeffs.len());
        let mut coeffs = Vec::with_capacity(n);
        for j in 0..n {
            coeffs.push(self.select(
                &mut cs.namespace(|| format!("coefficient {j}")),
                bit,
                &a.coeff(j, self),
                &b.coeff(j, self),
            )?);
        }
        Ok(Ext { kind, coeffs })
    }

    /// The Frobenius map `a^(p^power)`: a constant linear map in the direct basis, then one
    /// reduction (`out = M a`, `M` the Frobenius matrix).
    pub fn frobenius<CS: ConstraintSystem<Fr>>(
        &self,
        cs: &mut CS,
        a: &Ext,
        power: usize,
    ) -> Result<Ext> {
        let mat = super::frobenius_matrix(a.kind, power);
        let mut rel = Relation::new(self, a.kind);
        let d = a.kind.degree();
        for (m, row) in mat.iter().enumerate() {
            for (j, c) in row.iter().enumerate() {
                if c.is_zero() || j >= a.coeffs.len() {
                    continue;
                }
                // c * a_j placed at w^m: product of the constant c*w^m with the coefficient a_j.
                let mut cw = vec![Fq::zero(); d];
                cw[m] = *c;
                let cext = Ext::constant(a.kind, &cw, self);
                let aj = Ext::from_elem(a.coeffs[j].clone());
                rel.add_product(1, &[&cext, &aj]);
            }
        }
        rel.reduce(cs)
    }
}

/// The larger of two kinds (elements of a subfield are embedded by their direct coefficients;
/// only `Fq` is a subfield in that sense for every kind).
pub fn bigger(a: ExtKind, b: ExtKind) -> ExtKind {
    if a.degree() >= b.degree() {
        a
    } else {
        b
    }
}

/// The inverse of a direct-basis element, natively (`None` for zero).
pub fn native_inverse(kind: ExtKind, d: &[Fq]) -> Option<Vec<Fq>> {
    match kind {
        ExtKind::Fq => d[0].inverse().map(|x| vec![x]),
        ExtKind::Fq2 => fq2_from_direct(d).inverse().map(|x| fq2_to_direct(&x)),
        ExtKind::Fq6 => fq6_from_direct(d).inverse().map(|x| fq6_to_direct(&x)),
        ExtKind::Fq12 => fq12_from_direct(d).inverse().map(|x| fq12_to_direct(&x)),
    }
}
