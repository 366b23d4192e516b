//! Multilinear extensions over the Boolean hypercube, the power challenge and the line through
//! two points: the algebra of the primary fold's error-term claims.
//!
//! Convention: a vector `v` of length at most `2^mu` (zero-padded) is the table of its
//! multilinear extension `v~(X_0, .., X_{mu-1}) = sum_i v_i prod_j (bit_j(i) ? X_j : 1 - X_j)`,
//! with `bit_0` the least significant bit of the index.

use crate::Fr;
use ff::Field;
use rayon::prelude::*;

/// `v~(r)`: folds the table one variable at a time (`2^mu` products in all).
pub fn evaluate(v: &[Fr], r: &[Fr]) -> Fr {
    let n = 1usize << r.len();
    debug_assert!(v.len() <= n);
    if r.is_empty() {
        return v.first().copied().unwrap_or(Fr::ZERO);
    }
    // First variable straight from the (unpadded) input.
    let r0 = r[0];
    let half = n / 2;
    let at = |i: usize| v.get(i).copied().unwrap_or(Fr::ZERO);
    let mut cur: Vec<Fr> = (0..half)
        .into_par_iter()
        .map(|i| {
            let (a, b) = (at(2 * i), at(2 * i + 1));
            a + r0 * (b - a)
        })
        .collect();
    for &rj in &r[1..] {
        let half = cur.len() / 2;
        cur = (0..half)
            .into_par_iter()
            .map(|i| {
                let (a, b) = (cur[2 * i], cur[2 * i + 1]);
                a + rj * (b - a)
            })
            .collect();
    }
    cur[0]
}

/// The power challenge `beta = (b, b^2, b^4, .., b^(2^(mu-1)))`. For a nonzero table `v`,
/// `v~(beta)` is the nonzero univariate polynomial `sum_i v_i' b^i` of degree `< 2^mu` in `b`
/// (the substitution maps the distinct multilinear monomials to distinct powers of `b`), so a
/// random `b` catches `v != 0` except with probability `2^mu / |F|`.
pub fn power_challenge(b: Fr, mu: usize) -> Vec<Fr> {
    let mut out = Vec::with_capacity(mu);
    let mut p = b;
    for _ in 0..mu {
        out.push(p);
        p = p.square();
    }
    out
}

/// The point `l(t) = a + t (b - a)` of the line through `a` (`t = 0`) and `b` (`t = 1`).
pub fn line_point(a: &[Fr], b: &[Fr], t: Fr) -> Vec<Fr> {
    a.iter().zip(b).map(|(x, y)| *x + t * (*y - *x)).collect()
}

/// Coefficients (constant first) of `t -> v~(a + t (b - a))`, a polynomial of degree `<= mu`.
///
/// Folds the table one variable at a time with polynomial entries: after round `j` the
/// `2^(mu-1-j)` entries have degree `j + 1`, so the whole restriction costs about `4 * 2^mu`
/// products (against `(mu + 1) * 2^mu` for `mu + 1` separate evaluations).
pub fn line_restriction(v: &[Fr], a: &[Fr], b: &[Fr]) -> Vec<Fr> {
    let mu = a.len();
    let n = 1usize << mu;
    debug_assert!(v.len() <= n && b.len() == mu);
    if mu == 0 {
        return vec![v.first().copied().unwrap_or(Fr::ZERO)];
    }
    let at = |i: usize| v.get(i).copied().unwrap_or(Fr::ZERO);
    // Round 0: entries lo + (a_0 + t d_0)(hi - lo), two coefficients each, stored flat.
    let (a0, d0) = (a[0], b[0] - a[0]);
    let mut cur: Vec<Fr> = (0..n / 2)
        .into_par_iter()
        .flat_map_iter(|i| {
            let (lo, hi) = (at(2 * i), at(2 * i + 1));
            let diff = hi - lo;
            [lo + a0 * diff, d0 * diff]
        })
        .collect();
    let mut width = 2; // coefficients per entry
    for j in 1..mu {
        let (aj, dj) = (a[j], b[j] - a[j]);
        let outputs = cur.len() / width / 2;
        let next_width = width + 1;
        cur = (0..outputs)
            .into_par_iter()
            .flat_map_iter(|i| {
                let lo = &cur[2 * i * width..(2 * i + 1) * width];
                let hi = &cur[(2 * i + 1) * width..(2 * i + 2) * width];
                let mut out = vec![Fr::ZERO; next_width];
                for k in 0..width {
                    let diff = hi[k] - lo[k];
                    out[k] += lo[k] + aj * diff;
                    out[k + 1] += dj * diff;
                }
                out
            })
            .collect();
        width = next_width;
    }
    cur
}

/// Coefficients (constant first) of the polynomial of degree `<= n - 1` taking `ys[k]` at
/// `t = k` for `k = 0..n` (Lagrange interpolation on consecutive integers, `O(n^2)`).
pub fn interpolate_consecutive(ys: &[Fr]) -> Vec<Fr> {
    let n = ys.len();
    let mut coeffs = vec![Fr::ZERO; n];
    for (k, yk) in ys.iter().enumerate() {
        // basis_k(t) = prod_{j != k} (t - j) / (k - j)
        let mut basis = vec![Fr::ONE];
        let mut denom = Fr::ONE;
        for j in 0..n {
            if j == k {
                continue;
            }
            let jf = Fr::from(j as u64);
            let mut next = vec![Fr::ZERO; basis.len() + 1];
            for (d, c) in basis.iter().enumerate() {
                next[d + 1] += c;
                next[d] -= *c * jf;
            }
            basis = next;
            denom *= Fr::from(k as u64) - jf;
        }
        let scale = *yk * denom.invert().unwrap_or(Fr::ZERO);
        for (c, b) in coeffs.iter_mut().zip(&basis) {
            *c += scale * b;
        }
    }
    coeffs
}

/// `sum_d coeffs[d] t^d` (Horner).
pub fn evaluate_univariate(coeffs: &[Fr], t: Fr) -> Fr {
    coeffs.iter().rev().fold(Fr::ZERO, |acc, c| acc * t + c)
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand::SeedableRng;

    #[test]
    fn mle_matches_table_and_is_multilinear() {
        let mut rng = rand_chacha::ChaCha20Rng::seed_from_u64(3);
        let v: Vec<Fr> = (0..13).map(|_| Fr::random(&mut rng)).collect();
        let mu = 4;
        for i in 0..16usize {
            let point: Vec<Fr> = (0..mu)
                .map(|j| if (i >> j) & 1 == 1 { Fr::ONE } else { Fr::ZERO })
                .collect();
            let want = v.get(i).copied().unwrap_or(Fr::ZERO);
            assert_eq!(evaluate(&v, &point), want);
        }
        // Restricted to a line it has degree <= mu: interpolating mu + 1 values predicts more.
        let a: Vec<Fr> = (0..mu).map(|_| Fr::random(&mut rng)).collect();
        let b: Vec<Fr> = (0..mu).map(|_| Fr::random(&mut rng)).collect();
        let ys: Vec<Fr> = (0..=mu)
            .map(|k| evaluate(&v, &line_point(&a, &b, Fr::from(k as u64))))
            .collect();
        let q = interpolate_consecutive(&ys);
        assert_eq!(line_restriction(&v, &a, &b), q);
        let t = Fr::random(&mut rng);
        assert_eq!(
            evaluate_univariate(&q, t),
            evaluate(&v, &line_point(&a, &b, t))
        );
    }
}
