//! Products of emulated elements as polynomials, one constraint per evaluation point.
//!
//! An element with limbs `l_0 .. l_{k-1}` is the polynomial `l(X) = sum_i l_i X^i` evaluated at
//! `X = 2^b`; an element of an extension field is a polynomial in two variables, `X` (limbs) and
//! `w` (the extension's generator, see [`crate::tower`]). The product of such polynomials is a
//! polynomial whose coefficients are integers of known bounds; its value at `X = 2^b` is the
//! integer product. To get those coefficients into the circuit without one constraint per limb
//! product (`k^2`), [`product`] allocates the product's *values* at a grid of small integer
//! points `(x_s, w_t)` (one constraint per point and per extra factor: `F1(x,w) * F2(x,w) = v`)
//! and reads the coefficients back by Lagrange interpolation, which is linear and free. Two
//! polynomials over `Fr` of degree below the grid size in each variable that agree on the grid
//! are equal, so every interpolated coefficient equals the true integer coefficient modulo `r`;
//! [`ProductPoly`] carries the static bounds proving the integer is far from `±r/2`, so the field
//! value *is* the integer.
//!
//! The coefficients are never materialised: a [`crate::field::relation::Relation`] only needs
//! weighted sums of them, and [`ProductPoly::functional`] returns such a sum directly as a linear
//! combination of the grid values.

use super::{one, scaled, Limb};
use crate::convert::{fr_from_i128, Fr};
use crate::{Error, Result};
use ff::Field;
use nova_snark::frontend::{ConstraintSystem, LinearCombination, Variable};
use std::collections::HashMap;
use std::sync::{Arc, Mutex, OnceLock};

/// A 2-D array of limbs: entry `(j, i)` is the coefficient of `w^j X^i`.
#[derive(Clone, Debug)]
pub struct Poly2 {
    /// Number of `w` coefficients.
    pub nw: usize,
    /// Number of `X` coefficients (limbs).
    pub nx: usize,
    /// Row-major entries: `e[j * nx + i]`.
    pub e: Vec<Limb>,
}

impl Poly2 {
    /// Builds from rows of limbs (each row one `w` coefficient), trimming structural zeros at
    /// the high ends.
    pub fn from_rows(rows: &[&[Limb]]) -> Self {
        let nx = rows.iter().map(|r| r.len()).max().unwrap_or(0);
        let mut e = Vec::with_capacity(rows.len() * nx);
        for r in rows {
            for i in 0..nx {
                e.push(r.get(i).cloned().unwrap_or_else(Limb::zero));
            }
        }
        Self {
            nw: rows.len(),
            nx,
            e,
        }
        .trimmed()
    }

    /// A single limb (for example a bit) as a polynomial of degree zero.
    pub fn scalar(l: Limb) -> Self {
        Self {
            nw: 1,
            nx: 1,
            e: vec![l],
        }
    }

    fn at(&self, j: usize, i: usize) -> &Limb {
        &self.e[j * self.nx + i]
    }

    /// Drops trailing all-zero rows and columns (keeps at least one entry).
    pub fn trimmed(self) -> Self {
        let mut nw = self.nw;
        while nw > 1 && (0..self.nx).all(|i| self.at(nw - 1, i).is_zero()) {
            nw -= 1;
        }
        let mut nx = self.nx;
        while nx > 1 && (0..nw).all(|j| self.at(j, nx - 1).is_zero()) {
            nx -= 1;
        }
        if nw == 0 || nx == 0 {
            return Self {
                nw: 1,
                nx: 1,
                e: vec![Limb::zero()],
            };
        }
        let mut e = Vec::with_capacity(nw * nx);
        for j in 0..nw {
            for i in 0..nx {
                e.push(self.at(j, i).clone());
            }
        }
        Self { nw, nx, e }
    }

    /// Whether every entry is a constant.
    pub fn is_constant(&self) -> bool {
        self.e.iter().all(Limb::is_constant)
    }

    /// The product with a constant polynomial (free: the entries are linear combinations).
    fn mul_constant(&self, c: &Poly2) -> Result<Poly2> {
        let nw = self.nw + c.nw - 1;
        let nx = self.nx + c.nx - 1;
        let mut e = vec![Limb::zero(); nw * nx];
        for cj in 0..c.nw {
            for ci in 0..c.nx {
                let cv = c.at(cj, ci).val;
                if cv == 0 {
                    continue;
                }
                let cf = fr_from_i128(cv);
                for j in 0..self.nw {
                    for i in 0..self.nx {
                        let l = self.at(j, i);
                        if l.is_zero() {
                            continue;
                        }
                        let t = &mut e[(j + cj) * nx + i + ci];
                        let (a, b) = (mul_sat(l.lo, cv), mul_sat(l.hi, cv));
                        t.lc = t.lc.clone() + &scaled(&l.lc, cf);
                        t.val = t
                            .val
                            .checked_add(l.val.checked_mul(cv).ok_or_else(overflow)?)
                            .ok_or_else(overflow)?;
                        t.lo = t.lo.saturating_add(a.min(b));
                        t.hi = t.hi.saturating_add(a.max(b));
                    }
                }
            }
        }
        let out = Poly2 { nw, nx, e };
        check_bounds(out.e.iter().map(|l| (l.lo, l.hi)))?;
        Ok(out)
    }
}

fn overflow() -> Error {
    Error::Bound("integer coefficient overflows i128: use narrower limbs".into())
}

fn mul_sat(a: i128, b: i128) -> i128 {
    a.saturating_mul(b)
}

fn check_bounds(it: impl Iterator<Item = (i128, i128)>) -> Result<()> {
    // Saturated arithmetic ends at i128::MIN/MAX; anything beyond 2^125 is refused so that all
    // later sums of a few such values stay exact.
    const LIMIT: i128 = 1i128 << 125;
    for (lo, hi) in it {
        if lo <= -LIMIT || hi >= LIMIT {
            return Err(overflow());
        }
    }
    Ok(())
}

/// The `s`-th evaluation point: `0, 1, -1, 2, -2, 3, ...`.
pub fn point(s: usize) -> i64 {
    if s == 0 {
        0
    } else if s % 2 == 1 {
        s.div_ceil(2) as i64
    } else {
        -((s / 2) as i64)
    }
}

fn fr_i64(v: i64) -> Fr {
    fr_from_i128(i128::from(v))
}

/// `powers[s][i] = point(s)^i` in `Fr`, for `n` points and exponents.
fn powers(n: usize) -> Vec<Vec<Fr>> {
    (0..n)
        .map(|s| {
            let x = fr_i64(point(s));
            let mut row = Vec::with_capacity(n);
            let mut acc = Fr::ONE;
            for _ in 0..n {
                row.push(acc);
                acc *= x;
            }
            row
        })
        .collect()
}

/// The inverse of the `n x n` Vandermonde matrix of the first `n` points, row-major:
/// `inv[a * n + s]` is the weight of the value at point `s` in coefficient `a`. Cached.
pub fn vandermonde_inverse(n: usize) -> Arc<Vec<Fr>> {
    static CACHE: OnceLock<Mutex<HashMap<usize, Arc<Vec<Fr>>>>> = OnceLock::new();
    let cache = CACHE.get_or_init(|| Mutex::new(HashMap::new()));
    if let Ok(map) = cache.lock() {
        if let Some(v) = map.get(&n) {
            return v.clone();
        }
    }
    let inv = Arc::new(invert_vandermonde(n));
    if let Ok(mut map) = cache.lock() {
        map.insert(n, inv.clone());
    }
    inv
}

fn invert_vandermonde(n: usize) -> Vec<Fr> {
    // Gauss-Jordan on [V | I] where V[s][a] = x_s^a; the result is V^{-1} with
    // V^{-1}[a][s]. The points are distinct small integers, so V is invertible over Fr.
    let pw = powers(n);
    let mut m: Vec<Vec<Fr>> = (0..n)
        .map(|s| {
            let mut row = pw[s].clone();
            row.extend((0..n).map(|c| if c == s { Fr::ONE } else { Fr::ZERO }));
            row
        })
        .collect();
    for col in 0..n {
        let piv = (col..n).find(|&r| m[r][col] != Fr::ZERO).unwrap_or(col);
        m.swap(col, piv);
        let inv = Option::<Fr>::from(m[col][col].invert()).unwrap_or(Fr::ZERO);
        for x in m[col].iter_mut() {
            *x *= inv;
        }
        for r in 0..n {
            if r != col && m[r][col] != Fr::ZERO {
                let f = m[r][col];
                let pivot_row = m[col].clone();
                for (x, p) in m[r].iter_mut().zip(pivot_row.iter()) {
                    *x -= f * p;
                }
            }
        }
    }
    let mut out = vec![Fr::ZERO; n * n];
    for (a, row) in m.iter().enumerate() {
        out[a * n..(a + 1) * n].copy_from_slice(&row[n..]);
    }
    out
}

/// The product of some [`Poly2`] factors, with its integer coefficients (values and bounds) and
/// a way to read weighted sums of its coefficients as linear combinations.
#[derive(Clone, Debug)]
pub struct ProductPoly {
    /// Number of `w` coefficients.
    pub nw: usize,
    /// Number of `X` coefficients.
    pub nx: usize,
    /// Integer coefficient values, row-major `[j * nx + i]`.
    pub val: Vec<i128>,
    /// Lower bounds of the coefficients.
    pub lo: Vec<i128>,
    /// Upper bounds of the coefficients.
    pub hi: Vec<i128>,
    kind: Kind,
}

#[derive(Clone, Debug)]
enum Kind {
    /// Values at the grid points `(point(s), point(t))`, row-major `[t * nx + s]`.
    Grid(Vec<Variable>),
    /// Coefficients as linear combinations (at most one non-constant factor).
    Direct(Vec<LinearCombination<Fr>>),
}

impl ProductPoly {
    /// `sum_{j,i} beta[j] * alpha[i] * coeff(j, i)` as a linear combination (`alpha` has `nx`
    /// entries or fewer, `beta` `nw` or fewer; missing entries are zero).
    pub fn functional(&self, alpha: &[Fr], beta: &[Fr]) -> LinearCombination<Fr> {
        let mut lc = LinearCombination::zero();
        match &self.kind {
            Kind::Direct(lcs) => {
                for (j, bj) in beta.iter().enumerate().take(self.nw) {
                    if *bj == Fr::ZERO {
                        continue;
                    }
                    for (i, ai) in alpha.iter().enumerate().take(self.nx) {
                        if *ai == Fr::ZERO {
                            continue;
                        }
                        lc = lc + &scaled(&lcs[j * self.nx + i], *ai * bj);
                    }
                }
            }
            Kind::Grid(cv) => {
                let ix = vandermonde_inverse(self.nx);
                let iw = vandermonde_inverse(self.nw);
                let mut ax = vec![Fr::ZERO; self.nx];
                for (a, al) in alpha.iter().enumerate().take(self.nx) {
                    if *al == Fr::ZERO {
                        continue;
                    }
                    for (s, x) in ax.iter_mut().enumerate() {
                        *x += *al * ix[a * self.nx + s];
                    }
                }
                let mut bw = vec![Fr::ZERO; self.nw];
                for (j, be) in beta.iter().enumerate().take(self.nw) {
                    if *be == Fr::ZERO {
                        continue;
                    }
                    for (t, x) in bw.iter_mut().enumerate() {
                        *x += *be * iw[j * self.nw + t];
                    }
                }
                for (t, bt) in bw.iter().enumerate() {
                    if *bt == Fr::ZERO {
                        continue;
                    }
                    for (s, as_) in ax.iter().enumerate() {
                        let c = *bt * as_;
                        if c != Fr::ZERO {
                            lc = lc + (c, cv[t * self.nx + s]);
                        }
                    }
                }
            }
        }
        lc
    }

    /// Number of grid constraints this product cost.
    pub fn is_grid(&self) -> bool {
        matches!(self.kind, Kind::Grid(_))
    }
}

/// Integer convolution of two coefficient arrays (`i128`, checked).
fn convolve_vals(
    a: &[i128],
    an: (usize, usize),
    b: &[i128],
    bn: (usize, usize),
) -> Result<Vec<i128>> {
    let (aw, ax) = an;
    let (bw, bx) = bn;
    let (nw, nx) = (aw + bw - 1, ax + bx - 1);
    let mut out = vec![0i128; nw * nx];
    for j1 in 0..aw {
        for i1 in 0..ax {
            let va = a[j1 * ax + i1];
            if va == 0 {
                continue;
            }
            for j2 in 0..bw {
                for i2 in 0..bx {
                    let vb = b[j2 * bx + i2];
                    if vb == 0 {
                        continue;
                    }
                    let t = &mut out[(j1 + j2) * nx + i1 + i2];
                    *t = t
                        .checked_add(va.checked_mul(vb).ok_or_else(overflow)?)
                        .ok_or_else(overflow)?;
                }
            }
        }
    }
    Ok(out)
}

/// Interval convolution (saturating; checked by the caller).
fn convolve_bounds(
    a: &[(i128, i128)],
    an: (usize, usize),
    b: &[(i128, i128)],
    bn: (usize, usize),
) -> Vec<(i128, i128)> {
    let (aw, ax) = an;
    let (bw, bx) = bn;
    let (nw, nx) = (aw + bw - 1, ax + bx - 1);
    let mut out = vec![(0i128, 0i128); nw * nx];
    for j1 in 0..aw {
        for i1 in 0..ax {
            let (alo, ahi) = a[j1 * ax + i1];
            if alo == 0 && ahi == 0 {
                continue;
            }
            for j2 in 0..bw {
                for i2 in 0..bx {
                    let (blo, bhi) = b[j2 * bx + i2];
                    if blo == 0 && bhi == 0 {
                        continue;
                    }
                    let c = [
                        mul_sat(alo, blo),
                        mul_sat(alo, bhi),
                        mul_sat(ahi, blo),
                        mul_sat(ahi, bhi),
                    ];
                    let (mn, mx) = (
                        c.iter().copied().min().unwrap_or(0),
                        c.iter().copied().max().unwrap_or(0),
                    );
                    let t = &mut out[(j1 + j2) * nx + i1 + i2];
                    t.0 = t.0.saturating_add(mn);
                    t.1 = t.1.saturating_add(mx);
                }
            }
        }
    }
    out
}

/// Synthesizes the product of `factors`.
///
/// Constant factors are multiplied in symbolically. With at most one variable factor the result
/// is a linear combination per coefficient (no constraint). With `m >= 2` variable factors of
/// sizes `nw_f x nx_f`, the grid has `(sum (nw_f - 1) + 1) * (sum (nx_f - 1) + 1)` points and the
/// product costs `(m - 1)` constraints per point: `F1 * F2 = t`, `t * F3 = v`, ...
///
/// Bounds: each coefficient's interval is the interval convolution of the factors' intervals;
/// the result is refused if any bound reaches `2^125` (far below `r/2 ~ 2^252`, so sums of a few
/// thousand coefficients are still exact).
pub fn product<CS: ConstraintSystem<Fr>>(cs: &mut CS, factors: &[Poly2]) -> Result<ProductPoly> {
    if factors.is_empty() {
        return Err(Error::Bound("empty product".into()));
    }
    let (consts, vars): (Vec<&Poly2>, Vec<&Poly2>) = factors.iter().partition(|f| f.is_constant());
    let mut vars: Vec<Poly2> = vars.into_iter().cloned().collect();
    // Fold the constants into the first variable factor (or multiply them together).
    let mut cprod: Option<Poly2> = None;
    for c in consts {
        cprod = Some(match cprod {
            None => c.clone(),
            Some(p) => p.mul_constant(c)?,
        });
    }
    if let Some(c) = cprod {
        if vars.is_empty() {
            vars.push(c);
        } else {
            vars[0] = vars[0].mul_constant(&c)?;
        }
    }
    let vals: Vec<Vec<i128>> = vars
        .iter()
        .map(|f| f.e.iter().map(|l| l.val).collect())
        .collect();
    let bnds: Vec<Vec<(i128, i128)>> = vars
        .iter()
        .map(|f| f.e.iter().map(|l| (l.lo, l.hi)).collect())
        .collect();
    // Staged convolution of values and bounds.
    let mut dims = (vars[0].nw, vars[0].nx);
    let mut val = vals[0].clone();
    let mut bnd = bnds[0].clone();
    for f in 1..vars.len() {
        let fd = (vars[f].nw, vars[f].nx);
        val = convolve_vals(&val, dims, &vals[f], fd)?;
        bnd = convolve_bounds(&bnd, dims, &bnds[f], fd);
        check_bounds(bnd.iter().copied())?;
        dims = (dims.0 + fd.0 - 1, dims.1 + fd.1 - 1);
    }
    check_bounds(bnd.iter().copied())?;
    let (nw, nx) = dims;
    let (lo, hi): (Vec<i128>, Vec<i128>) = bnd.into_iter().unzip();
    if vars.len() == 1 {
        let f = &vars[0];
        return Ok(ProductPoly {
            nw,
            nx,
            val,
            lo,
            hi,
            kind: Kind::Direct(f.e.iter().map(|l| l.lc.clone()).collect()),
        });
    }
    // Evaluate every factor at every grid point (values), then allocate the chain of products.
    let px = powers(nx);
    let pw = powers(nw);
    let evals: Vec<Vec<Fr>> = vars
        .iter()
        .map(|f| {
            // e1[j][s] = sum_i f[j][i] x_s^i ; e[t][s] = sum_j w_t^j e1[j][s]
            let mut e1 = vec![Fr::ZERO; f.nw * nx];
            for j in 0..f.nw {
                for s in 0..nx {
                    let mut acc = Fr::ZERO;
                    for i in 0..f.nx {
                        let v = f.at(j, i).val;
                        if v != 0 {
                            acc += fr_from_i128(v) * px[s][i];
                        }
                    }
                    e1[j * nx + s] = acc;
                }
            }
            let mut e = vec![Fr::ZERO; nw * nx];
            for t in 0..nw {
                for s in 0..nx {
                    let mut acc = Fr::ZERO;
                    for j in 0..f.nw {
                        acc += pw[t][j] * e1[j * nx + s];
                    }
                    e[t * nx + s] = acc;
                }
            }
            e
        })
        .collect();
    let point_lc = |f: &Poly2, t: usize, s: usize| -> LinearCombination<Fr> {
        let mut lc = LinearCombination::zero();
        for j in 0..f.nw {
            for i in 0..f.nx {
                let l = f.at(j, i);
                if l.is_zero() {
                    continue;
                }
                lc = lc + &scaled(&l.lc, pw[t][j] * px[s][i]);
            }
        }
        lc
    };
    let mut cv = Vec::with_capacity(nw * nx);
    for t in 0..nw {
        for s in 0..nx {
            let mut acc_val = evals[0][t * nx + s];
            let mut acc_lc: Option<LinearCombination<Fr>> = None;
            for (f, fac) in vars.iter().enumerate().skip(1) {
                let fv = evals[f][t * nx + s];
                let new_val = acc_val * fv;
                let v = cs.alloc(|| format!("grid ({t},{s}) factor {f}"), || Ok(new_val))?;
                let left = acc_lc.take();
                cs.enforce(
                    || format!("grid ({t},{s}) product {f}"),
                    |lc| match left {
                        Some(l) => lc + &l,
                        None => lc + &point_lc(&vars[0], t, s),
                    },
                    |lc| lc + &point_lc(fac, t, s),
                    |lc| lc + v,
                );
                acc_lc = Some(LinearCombination::zero() + v);
                acc_val = new_val;
                if f == vars.len() - 1 {
                    cv.push(v);
                }
            }
        }
    }
    let _ = one();
    Ok(ProductPoly {
        nw,
        nx,
        val,
        lo,
        hi,
        kind: Kind::Grid(cv),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn vandermonde_inverse_is_an_inverse() {
        for n in [1usize, 2, 5, 15, 23] {
            let inv = vandermonde_inverse(n);
            let pw = powers(n);
            for a in 0..n {
                for c in 0..n {
                    // sum_s inv[a][s] * x_s^c = [a == c]
                    let mut acc = Fr::ZERO;
                    for s in 0..n {
                        acc += inv[a * n + s] * pw[s][c];
                    }
                    assert_eq!(acc, if a == c { Fr::ONE } else { Fr::ZERO });
                }
            }
        }
    }
}
