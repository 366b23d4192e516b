//! # Extension fields of emulated `Fq`: `Fq2`, `Fq6`, `Fq12`, matching ark-bn254
//!
//! arkworks builds BN254's tower as `Fq2 = Fq[u]/(u^2 + 1)`, `Fq6 = Fq2[v]/(v^3 - xi)` with
//! `xi = 9 + u`, and `Fq12 = Fq6[w]/(w^2 - v)`. Inside the circuit each field is represented in
//! its *direct* basis over `Fq` instead, because a product of two elements is then a single
//! polynomial product (one grid, see [`crate::field::product`]) followed by a reduction with tiny
//! integer coefficients:
//!
//! | field | generator | minimal polynomial over `Fq` | relation to the tower |
//! |---|---|---|---|
//! | `Fq2`  | `u` | `u^2 + 1`                 | same basis as arkworks |
//! | `Fq6`  | `v` | `v^6 - 18 v^3 + 82`       | `u = v^3 - 9` |
//! | `Fq12` | `w` | `w^12 - 18 w^6 + 82`      | `v = w^2`, `u = w^6 - 9` |
//!
//! (`(v^3 - 9)^2 = u^2 = -1` gives `v^6 - 18 v^3 + 82 = 0`; likewise for `w` with `w^6 = v^3`.)
//! The conversions to and from arkworks' towered representation are exact linear maps
//! ([`fq12_to_direct`], [`fq12_from_direct`], ...), tested against arkworks' own arithmetic.

pub mod ops;

use crate::field::{Elem, Emu};
use ark_bn254::{Fq, Fq12, Fq2, Fq6};
use ark_ff::{Field, Zero};

/// Which field an [`Ext`] element lives in.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum ExtKind {
    /// `Fq` itself (one coefficient).
    Fq,
    /// `Fq2 = Fq[u]/(u^2 + 1)`.
    Fq2,
    /// `Fq6 = Fq[v]/(v^6 - 18 v^3 + 82)`.
    Fq6,
    /// `Fq12 = Fq[w]/(w^12 - 18 w^6 + 82)`.
    Fq12,
}

impl ExtKind {
    /// The degree over `Fq`.
    pub fn degree(self) -> usize {
        match self {
            ExtKind::Fq => 1,
            ExtKind::Fq2 => 2,
            ExtKind::Fq6 => 6,
            ExtKind::Fq12 => 12,
        }
    }

    /// The low coefficients `phi_0 .. phi_{d-1}` of the monic minimal polynomial
    /// `w^d + sum_i phi_i w^i`, so that `w^d = -sum_i phi_i w^i`.
    pub fn min_poly_low(self) -> Vec<i128> {
        match self {
            ExtKind::Fq => vec![0],
            ExtKind::Fq2 => vec![1, 0],
            ExtKind::Fq6 => vec![82, 0, 0, -18, 0, 0],
            ExtKind::Fq12 => {
                let mut v = vec![0; 12];
                v[0] = 82;
                v[6] = -18;
                v
            }
        }
    }

    /// `red[j]`: the coefficients of `w^j mod phi(w)` (integers), for `j < n`.
    pub fn reduction_rows(self, n: usize) -> Vec<Vec<i128>> {
        let d = self.degree();
        let low = self.min_poly_low();
        let mut rows = Vec::with_capacity(n);
        let mut cur = vec![0i128; d];
        cur[0] = 1;
        for _ in 0..n {
            rows.push(cur.clone());
            // multiply by w: shift up; the coefficient that reaches w^d folds back.
            let top = cur[d - 1];
            let mut next = vec![0i128; d];
            next[1..d].copy_from_slice(&cur[..(d - 1)]);
            if self == ExtKind::Fq {
                next = vec![0];
            } else {
                for i in 0..d {
                    next[i] -= top * low[i];
                }
            }
            cur = next;
        }
        rows
    }
}

/// An element of an extension of emulated `Fq`, in the direct basis: `sum_j coeffs[j] * w^j`.
#[derive(Clone, Debug)]
pub struct Ext {
    /// The field.
    pub kind: ExtKind,
    /// The coefficients (at most `kind.degree()`).
    pub coeffs: Vec<Elem>,
}

impl Ext {
    /// An `Fq` element as a one-coefficient extension element.
    pub fn from_elem(e: Elem) -> Self {
        Self {
            kind: ExtKind::Fq,
            coeffs: vec![e],
        }
    }

    /// Coefficient `j` (the structural zero of the right size when absent).
    pub fn coeff(&self, j: usize, emu: &Emu) -> Elem {
        self.coeffs.get(j).cloned().unwrap_or_else(|| emu.zero())
    }

    /// The coefficients' values modulo `p`.
    pub fn values(&self, emu: &Emu) -> Vec<Fq> {
        (0..self.kind.degree())
            .map(|j| {
                self.coeffs
                    .get(j)
                    .map(|e| e.fq(emu.limb_bits()))
                    .unwrap_or_else(Fq::zero)
            })
            .collect()
    }

    /// Applies `f` coefficient-wise to two elements of the same kind.
    fn zip(&self, other: &Ext, emu: &Emu, f: impl Fn(&Elem, &Elem) -> Elem) -> Ext {
        let kind = if self.kind.degree() >= other.kind.degree() {
            self.kind
        } else {
            other.kind
        };
        let n = self.coeffs.len().max(other.coeffs.len());
        Ext {
            kind,
            coeffs: (0..n)
                .map(|j| f(&self.coeff(j, emu), &other.coeff(j, emu)))
                .collect(),
        }
    }

    /// `self + other` (free).
    pub fn add(&self, other: &Ext, emu: &Emu) -> Ext {
        self.zip(other, emu, Elem::add)
    }

    /// `self - other` (free).
    pub fn sub(&self, other: &Ext, emu: &Emu) -> Ext {
        self.zip(other, emu, Elem::sub)
    }

    /// `c * self` for a small integer (free).
    pub fn scale(&self, c: i64) -> Ext {
        Ext {
            kind: self.kind,
            coeffs: self.coeffs.iter().map(|e| e.scale(c)).collect(),
        }
    }

    /// `-self` (free).
    pub fn neg(&self) -> Ext {
        self.scale(-1)
    }

    /// Rows of limbs for [`crate::field::product::Poly2`].
    pub fn poly2(&self) -> crate::field::product::Poly2 {
        let rows: Vec<&[crate::field::Limb]> =
            self.coeffs.iter().map(|e| e.limbs.as_slice()).collect();
        crate::field::product::Poly2::from_rows(&rows)
    }

    /// A constant element from direct-basis coefficients.
    pub fn constant(kind: ExtKind, coeffs: &[Fq], emu: &Emu) -> Ext {
        Ext {
            kind,
            coeffs: coeffs.iter().map(|c| emu.constant_fq(c)).collect(),
        }
    }

    /// Embeds an `Fq2` element `a + b u` into `Fq12` (`u = w^6 - 9`): `(a - 9b) + b w^6`; into
    /// `Fq6` similarly with `u = v^3 - 9`. Free.
    pub fn embed_fq2(&self, target: ExtKind, emu: &Emu) -> Ext {
        let a = self.coeff(0, emu);
        let b = self.coeff(1, emu);
        let half = target.degree() / 2;
        let mut coeffs = vec![emu.zero(); target.degree()];
        coeffs[0] = a.sub(&b.scale(9));
        coeffs[half] = b;
        Ext {
            kind: target,
            coeffs,
        }
    }
}

/// `Fq2` (arkworks) to direct coefficients `[c0, c1]`.
pub fn fq2_to_direct(x: &Fq2) -> Vec<Fq> {
    vec![x.c0, x.c1]
}

/// Direct coefficients to `Fq2`.
pub fn fq2_from_direct(d: &[Fq]) -> Fq2 {
    Fq2::new(d[0], d[1])
}

/// `Fq6` (arkworks, `c0 + c1 v + c2 v^2`) to direct coefficients in `v`.
pub fn fq6_to_direct(x: &Fq6) -> Vec<Fq> {
    let nine = Fq::from(9u64);
    let mut d = vec![Fq::zero(); 6];
    for (i, c) in [x.c0, x.c1, x.c2].iter().enumerate() {
        d[i] = c.c0 - nine * c.c1;
        d[i + 3] = c.c1;
    }
    d
}

/// Direct coefficients in `v` to `Fq6`.
pub fn fq6_from_direct(d: &[Fq]) -> Fq6 {
    let nine = Fq::from(9u64);
    let c = |i: usize| Fq2::new(d[i] + nine * d[i + 3], d[i + 3]);
    Fq6::new(c(0), c(1), c(2))
}

/// `Fq12` (arkworks, `c0 + c1 w` over `Fq6`) to direct coefficients in `w`.
pub fn fq12_to_direct(x: &Fq12) -> Vec<Fq> {
    let nine = Fq::from(9u64);
    let mut d = vec![Fq::zero(); 12];
    for (half, c) in [x.c0, x.c1].iter().enumerate() {
        for (i, ci) in [c.c0, c.c1, c.c2].iter().enumerate() {
            d[2 * i + half] = ci.c0 - nine * ci.c1;
            d[2 * i + half + 6] = ci.c1;
        }
    }
    d
}

/// Direct coefficients in `w` to `Fq12`.
pub fn fq12_from_direct(d: &[Fq]) -> Fq12 {
    let nine = Fq::from(9u64);
    let c = |half: usize, i: usize| {
        let lo = d[2 * i + half];
        let hi = d[2 * i + half + 6];
        Fq2::new(lo + nine * hi, hi)
    };
    Fq12::new(
        Fq6::new(c(0, 0), c(0, 1), c(0, 2)),
        Fq6::new(c(1, 0), c(1, 1), c(1, 2)),
    )
}

/// Native multiplication in the direct basis (reference for tests): `a * b mod phi`.
pub fn direct_mul(kind: ExtKind, a: &[Fq], b: &[Fq]) -> Vec<Fq> {
    let d = kind.degree();
    let rows = kind.reduction_rows(2 * d);
    let mut out = vec![Fq::zero(); d];
    for (i, x) in a.iter().enumerate() {
        for (j, y) in b.iter().enumerate() {
            let t = *x * y;
            for (m, o) in out.iter_mut().enumerate() {
                let c = rows[i + j][m];
                if c != 0 {
                    *o += t * fq_from_i128(c);
                }
            }
        }
    }
    out
}

/// An `i128` as an `Fq` element.
pub fn fq_from_i128(v: i128) -> Fq {
    let m = Fq::from(v.unsigned_abs());
    if v < 0 {
        -m
    } else {
        m
    }
}

/// `x^p` in the direct basis as a matrix: `frob[m][j]` is the coefficient of `w^m` in `(w^j)^(p^power)`.
pub fn frobenius_matrix(kind: ExtKind, power: usize) -> Vec<Vec<Fq>> {
    let d = kind.degree();
    let mut cols: Vec<Vec<Fq>> = Vec::with_capacity(d);
    for j in 0..d {
        let mut e = vec![Fq::zero(); d];
        e[j] = Fq::from(1u64);
        let img = match kind {
            ExtKind::Fq => e,
            ExtKind::Fq2 => {
                let mut x = fq2_from_direct(&e);
                x.frobenius_map_in_place(power);
                fq2_to_direct(&x)
            }
            ExtKind::Fq6 => {
                let mut x = fq6_from_direct(&e);
                x.frobenius_map_in_place(power);
                fq6_to_direct(&x)
            }
            ExtKind::Fq12 => {
                let mut x = fq12_from_direct(&e);
                x.frobenius_map_in_place(power);
                fq12_to_direct(&x)
            }
        };
        cols.push(img);
    }
    (0..d)
        .map(|m| (0..d).map(|j| cols[j][m]).collect())
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use ark_ff::UniformRand;

    #[test]
    fn direct_bases_match_arkworks_arithmetic() {
        let mut rng = ark_std::test_rng();
        for _ in 0..20 {
            let (a, b) = (Fq12::rand(&mut rng), Fq12::rand(&mut rng));
            assert_eq!(fq12_from_direct(&fq12_to_direct(&a)), a);
            let prod = direct_mul(ExtKind::Fq12, &fq12_to_direct(&a), &fq12_to_direct(&b));
            assert_eq!(fq12_from_direct(&prod), a * b);
            let (a, b) = (Fq6::rand(&mut rng), Fq6::rand(&mut rng));
            assert_eq!(fq6_from_direct(&fq6_to_direct(&a)), a);
            let prod = direct_mul(ExtKind::Fq6, &fq6_to_direct(&a), &fq6_to_direct(&b));
            assert_eq!(fq6_from_direct(&prod), a * b);
            let (a, b) = (Fq2::rand(&mut rng), Fq2::rand(&mut rng));
            let prod = direct_mul(ExtKind::Fq2, &fq2_to_direct(&a), &fq2_to_direct(&b));
            assert_eq!(fq2_from_direct(&prod), a * b);
        }
    }

    #[test]
    fn reduction_rows_are_powers_of_the_generator() {
        // w^j computed by repeated multiplication in arkworks equals the reduction row.
        let mut e = vec![Fq::zero(); 12];
        e[1] = Fq::from(1u64);
        let w = fq12_from_direct(&e);
        let rows = ExtKind::Fq12.reduction_rows(40);
        let mut acc = Fq12::from(1u64);
        for row in rows.iter() {
            let direct: Vec<Fq> = row.iter().map(|c| fq_from_i128(*c)).collect();
            assert_eq!(fq12_from_direct(&direct), acc);
            acc *= w;
        }
    }
}
