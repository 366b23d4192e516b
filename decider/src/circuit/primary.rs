//! The primary error claim in circuit: `E~(rho) = v` for `E = A z ∘ B z - u C z`,
//! `z = (W, u, x)`, with `(A, B, C)` the augmented circuit's matrices (constants here) and `W` the
//! decider's committed input block.
//!
//! `E~(rho) = sum_j eq(rho, j) E_j` with `eq(rho, j) = prod_t (bit_t(j) ? rho_t : 1 - rho_t)`
//! (the convention of `zkagg_folding::primary::mle`: `bit_0` is the least significant). The
//! `eq` table is built one variable at a time from the most significant, keeping only the prefix
//! of indices below `m` (the row count), one product per odd entry (its even sibling is the
//! parent minus it, a linear combination). Then, per row `j`:
//!
//! ```text
//!   p_j = (A z)_j * eq_j,    s_j = (B z)_j * p_j,    r_j = (C z)_j * eq_j
//! ```
//!
//! and one last row `u * (sum r_j) = sum s_j - v`. Every product is a constraint, nothing is a
//! free hint: the check is exact, not probabilistic. `W` appears only in the `A` and `C`
//! positions (so the Groth16 key needs no G2 point for it); rows whose `A z` (resp. `C z`) is
//! the zero combination skip `p_j, s_j` (resp. `r_j`), which contributes exactly zero.
//!
//! Cost: about `m` products for the table and `3 m` for the rows.

use ff::Field;
use nova_snark::frontend::num::AllocatedNum;
use nova_snark::frontend::{ConstraintSystem, LinearCombination, SynthesisError, Variable};
use rayon::prelude::*;
use zkagg_folding::primary::PrimaryShape;
use zkagg_folding::Fr;

/// The committed witness block in circuit: its variables and (when proving) values.
pub struct WitnessBlock<'a> {
    /// One variable per entry of `W`.
    pub vars: &'a [Variable],
    /// The values (`None` while extracting the shape).
    pub values: Option<&'a [Fr]>,
}

/// A value-carrying linear combination.
#[derive(Clone)]
struct Lc {
    lc: LinearCombination<Fr>,
    val: Option<Fr>,
}

fn alloc_product<CS: ConstraintSystem<Fr>>(
    cs: &mut CS,
    a: &LinearCombination<Fr>,
    b: &LinearCombination<Fr>,
    val: Option<Fr>,
) -> Result<Variable, SynthesisError> {
    let out = cs.alloc(
        || "product",
        || val.ok_or(SynthesisError::AssignmentMissing),
    )?;
    cs.enforce(|| "a * b = out", |l| l + a, |l| l + b, |l| l + out);
    Ok(out)
}

/// The table `eq(rho, j)` for `j < m` (see the module documentation).
fn eq_table<CS: ConstraintSystem<Fr>>(
    cs: &mut CS,
    rho: &[AllocatedNum<Fr>],
    m: usize,
) -> Result<Vec<Lc>, SynthesisError> {
    let mu = rho.len();
    let mut table = vec![Lc {
        lc: LinearCombination::zero() + CS::one(),
        val: Some(Fr::ONE),
    }];
    // After processing X_{mu-1} .. X_t the table is indexed by j >> t.
    for t in (0..mu).rev() {
        let need = m.div_ceil(1usize << t);
        let x = &rho[t];
        let xv = x.get_value();
        let mut next = Vec::with_capacity(need);
        for (a, parent) in table.iter().enumerate() {
            if 2 * a >= need {
                break;
            }
            let odd_val = match (parent.val, xv) {
                (Some(p), Some(x)) => Some(p * x),
                _ => None,
            };
            let odd = alloc_product(
                &mut cs.namespace(|| format!("eq {t} {a}")),
                &parent.lc,
                &(LinearCombination::zero() + x.get_variable()),
                odd_val,
            )?;
            let even = Lc {
                lc: parent.lc.clone() - odd,
                val: match (parent.val, odd_val) {
                    (Some(p), Some(o)) => Some(p - o),
                    _ => None,
                },
            };
            next.push(even);
            if 2 * a + 1 < need {
                next.push(Lc {
                    lc: LinearCombination::zero() + odd,
                    val: odd_val,
                });
            }
        }
        table = next;
    }
    Ok(table)
}

/// Row `j` of a matrix times `z = (W, u, x)`, as a combination of the circuit's variables.
fn row_lc(
    m: &nova_snark::r1cs::SparseMatrix<Fr>,
    j: usize,
    n: usize,
    w: &[Variable],
    u: Variable,
    x: Variable,
) -> LinearCombination<Fr> {
    let mut lc = LinearCombination::zero();
    for k in m.indptr[j]..m.indptr[j + 1] {
        let col = m.indices[k];
        let var = if col < n {
            w[col]
        } else if col == n {
            u
        } else {
            x
        };
        lc = lc + (m.data[k], var);
    }
    lc
}

/// Enforces `E~(rho) = v` for the running instance `(W, u, x, rho, v)` of `shape`.
pub fn enforce_error_claim<CS: ConstraintSystem<Fr>>(
    cs: &mut CS,
    shape: &PrimaryShape,
    w: &WitnessBlock<'_>,
    u: &AllocatedNum<Fr>,
    x: &AllocatedNum<Fr>,
    rho: &[AllocatedNum<Fr>],
    v: &AllocatedNum<Fr>,
) -> Result<(), SynthesisError> {
    let n = shape.num_vars();
    let m = shape.num_cons();
    if w.vars.len() != n || w.values.is_some_and(|vals| vals.len() != n) || shape.num_io() != 1 {
        return Err(SynthesisError::Unsatisfiable(format!(
            "the committed block has {} entries, the augmented shape {n} witness variables",
            w.vars.len()
        )));
    }
    if m > (1usize << rho.len()) {
        return Err(SynthesisError::Unsatisfiable(
            "the evaluation point has too few coordinates for the shape".into(),
        ));
    }
    let eq = eq_table(&mut cs.namespace(|| "eq table"), rho, m)?;

    // Native products (A z, B z, C z) when proving.
    let products = match (w.values, u.get_value(), x.get_value()) {
        (Some(vals), Some(uv), Some(xv)) => {
            let mut z = Vec::with_capacity(n + 2);
            z.extend_from_slice(vals);
            z.push(uv);
            z.push(xv);
            let (az, bz, cz) = shape
                .multiply_vec(&z)
                .map_err(|e| SynthesisError::Unsatisfiable(e.to_string()))?;
            Some((az, bz, cz))
        }
        _ => None,
    };
    let (a_mat, b_mat, c_mat) = (shape.A(), shape.B(), shape.C());
    let (uvar, xvar) = (u.get_variable(), x.get_variable());

    // Per-row values (parallel), then the constraints in row order.
    let row_vals: Option<Vec<(Fr, Fr, Fr)>> = products.as_ref().map(|(az, bz, cz)| {
        (0..m)
            .into_par_iter()
            .map(|j| {
                let e = eq[j].val.unwrap_or(Fr::ZERO);
                let p = az[j] * e;
                (p, bz[j] * p, cz[j] * e)
            })
            .collect()
    });
    let mut sum_s = LinearCombination::zero();
    let mut sum_r = LinearCombination::zero();
    for j in 0..m {
        let a_lc = row_lc(a_mat, j, n, w.vars, uvar, xvar);
        let c_lc = row_lc(c_mat, j, n, w.vars, uvar, xvar);
        let vals = row_vals.as_ref().map(|r| r[j]);
        let mut cs = cs.namespace(|| format!("row {j}"));
        if a_mat.indptr[j] != a_mat.indptr[j + 1] && b_mat.indptr[j] != b_mat.indptr[j + 1] {
            let b_lc = row_lc(b_mat, j, n, w.vars, uvar, xvar);
            let p = alloc_product(
                &mut cs.namespace(|| "p"),
                &a_lc,
                &eq[j].lc,
                vals.map(|v| v.0),
            )?;
            let s = alloc_product(
                &mut cs.namespace(|| "s"),
                &b_lc,
                &(LinearCombination::zero() + p),
                vals.map(|v| v.1),
            )?;
            sum_s = sum_s + s;
        }
        if c_mat.indptr[j] != c_mat.indptr[j + 1] {
            let r = alloc_product(
                &mut cs.namespace(|| "r"),
                &c_lc,
                &eq[j].lc,
                vals.map(|v| v.2),
            )?;
            sum_r = sum_r + r;
        }
    }
    cs.enforce(
        || "u * sum r = sum s - v",
        |l| l + &sum_r,
        |l| l + uvar,
        |l| l + &sum_s - v.get_variable(),
    );
    Ok(())
}
