//! The batch circuit's R1CS for one shape, built once and reused by every proof of that shape.
//!
//! A proof needs the evaluations `A z` and `B z` of the constraint matrices on the full assignment
//! `z` (the QAP's inputs). arkworks' generic prover rebuilds the matrices on every proof by
//! synthesizing the circuit with constraint recording (natively, for the default shape, 0.31 s
//! of synthesis and 0.12 s of matrix extraction against 0.02 s for a synthesis that records
//! nothing). The matrices depend only on [`BatchParams`], so [`BatchShape`]
//! records them once (the same setup-mode synthesis, with the same optimization goal, that
//! `ark-groth16`'s key generator runs, hence the same matrices the proving key was made from) and
//! keeps them compactly: each term is a variable index and an index into the table of distinct
//! coefficients (8 bytes per term instead of the 40 of arkworks' `(Fr, usize)` in wasm; the
//! default shape's A and B hold 2.25M terms). The C matrix is not kept: for a
//! satisfying assignment `C z = (A z) o (B z)`, and an assignment that does not satisfy the
//! circuit gives a proof that fails the prover's self-check.

use std::collections::HashMap;

use ark_bn254::Fr;
use ark_ff::{One, Zero};
use ark_relations::gr1cs::{Matrix, R1CS_PREDICATE_LABEL};
use zkagg_core::batch::BatchParams;
use zkagg_field29::Fr29;

use crate::fft::EvalField;

#[cfg(feature = "parallel")]
use rayon::prelude::*;

use crate::{Error, Result};

/// One sparse matrix in compressed rows. Row `r`'s terms are `starts[r]..starts[r + 1]`; term `t`
/// is `coeffs[coeff_ids[t]] * z[vars[t]]`. `coeffs[0]` is always one, so that the frequent unit
/// coefficient costs no product.
#[derive(Clone, Debug)]
struct SparseRows {
    starts: Vec<u32>,
    vars: Vec<u32>,
    coeff_ids: Vec<u32>,
    coeffs: Vec<Fr>,
    /// `coeffs` on 29-bit limbs ([`BatchShape::evaluations_29`]).
    coeffs_29: Vec<Fr29>,
}

impl SparseRows {
    fn from_matrix(m: &Matrix<Fr>, num_vars: usize) -> Result<Self> {
        let too_big = || Error::Circuit("the batch circuit's matrices exceed 2^32 terms".into());
        let mut rows = SparseRows {
            starts: Vec::with_capacity(m.len() + 1),
            vars: Vec::new(),
            coeff_ids: Vec::new(),
            coeffs: vec![Fr::one()],
            coeffs_29: Vec::new(),
        };
        let mut ids: HashMap<Fr, u32> = HashMap::from([(Fr::one(), 0)]);
        rows.starts.push(0);
        for row in m {
            for (coeff, var) in row {
                if *var >= num_vars {
                    return Err(Error::Circuit(format!(
                        "a constraint names variable {var} of {num_vars}"
                    )));
                }
                if coeff.is_zero() {
                    continue;
                }
                let next = u32::try_from(rows.coeffs.len()).map_err(|_| too_big())?;
                let id = *ids.entry(*coeff).or_insert_with(|| {
                    rows.coeffs.push(*coeff);
                    next
                });
                rows.vars.push(u32::try_from(*var).map_err(|_| too_big())?);
                rows.coeff_ids.push(id);
            }
            rows.starts
                .push(u32::try_from(rows.vars.len()).map_err(|_| too_big())?);
        }
        rows.coeffs_29 = rows.coeffs.iter().map(Fr29::from_ark).collect();
        Ok(rows)
    }

    /// `<row r, z>` with the coefficients `coeffs` (`self.coeffs` in the form of `z`).
    #[inline]
    fn row_dot<S: EvalField>(&self, r: usize, z: &[S], coeffs: &[S]) -> S {
        let (s, e) = (self.starts[r] as usize, self.starts[r + 1] as usize);
        let mut acc = S::EMPTY_SUM;
        for (&v, &c) in self.vars[s..e].iter().zip(&self.coeff_ids[s..e]) {
            let x = z[v as usize];
            if c == 0 {
                acc = acc.plus(&x);
            } else {
                acc = acc.plus(&x.times(&coeffs[c as usize]));
            }
        }
        acc
    }

    /// `M z` into `out` (one entry per row; `out` may be longer: the rest is left alone).
    fn mul_into<S: EvalField>(&self, z: &[S], coeffs: &[S], out: &mut [S]) {
        let rows = self.starts.len() - 1;
        #[cfg(feature = "parallel")]
        out[..rows]
            .par_chunks_mut(1024)
            .enumerate()
            .for_each(|(k, chunk)| {
                for (i, o) in chunk.iter_mut().enumerate() {
                    *o = self.row_dot(k * 1024 + i, z, coeffs);
                }
            });
        #[cfg(not(feature = "parallel"))]
        for (r, o) in out[..rows].iter_mut().enumerate() {
            *o = self.row_dot(r, z, coeffs);
        }
    }

    fn terms(&self) -> usize {
        self.vars.len()
    }
}

/// The batch circuit's A and B matrices and sizes for one [`BatchParams`].
#[derive(Clone, Debug)]
pub struct BatchShape {
    params: BatchParams,
    num_instance: usize,
    num_witness: usize,
    a: SparseRows,
    b: SparseRows,
}

impl BatchShape {
    /// Record the circuit's matrices: a setup-mode synthesis (no witness values), the one
    /// `ark-groth16`'s generator runs to make the proving key.
    pub fn build(params: &BatchParams) -> Result<Self> {
        let cs = params.setup_synthesis()?;
        let num_instance = cs.num_instance_variables();
        let num_witness = cs.num_witness_variables();
        let matrices = cs
            .to_matrices()
            .map_err(|e| Error::Circuit(e.to_string()))?
            .remove(R1CS_PREDICATE_LABEL)
            .ok_or_else(|| Error::Circuit("the batch circuit has no R1CS constraints".into()))?;
        let [a, b, ..] = &matrices[..] else {
            return Err(Error::Circuit(
                "the R1CS predicate does not have three matrices".into(),
            ));
        };
        let num_vars = num_instance + num_witness;
        Ok(Self {
            params: *params,
            num_instance,
            num_witness,
            a: SparseRows::from_matrix(a, num_vars)?,
            b: SparseRows::from_matrix(b, num_vars)?,
        })
    }

    /// The shape these matrices are for.
    pub fn params(&self) -> &BatchParams {
        &self.params
    }

    /// Instance variables, the constant one included.
    pub fn num_instance(&self) -> usize {
        self.num_instance
    }

    /// Witness variables.
    pub fn num_witness(&self) -> usize {
        self.num_witness
    }

    /// Constraints.
    pub fn num_constraints(&self) -> usize {
        self.a.starts.len() - 1
    }

    /// Non-zero terms of A and B together.
    pub fn terms(&self) -> usize {
        self.a.terms() + self.b.terms()
    }

    /// The QAP's evaluations on a domain of `domain_size` points (libsnark's layout, as
    /// `ark-groth16`'s `LibsnarkReduction` lays them out): `a[i] = <A_i, z>`, `b[i] = <B_i, z>`
    /// for each constraint `i`, then `a[m + j] = z_j` for the instance variables (the rows that
    /// make the inputs' polynomials linearly independent), zeros after.
    pub fn evaluations(&self, z: &[Fr], domain_size: usize) -> Result<(Vec<Fr>, Vec<Fr>)> {
        self.evaluations_in(z, [&self.a.coeffs, &self.b.coeffs], domain_size)
    }

    /// [`BatchShape::evaluations`] on 29-bit limbs, for `z` read as in
    /// [`crate::fft::read_scaled`] (`z_j 2^-5`): the evaluations come out with the same factor
    /// `2^-5` (every term is a coefficient, an exact `Fr29`, times one `z_j`), ready for
    /// [`super::qap::h_scalars_29`]'s transforms.
    pub fn evaluations_29(&self, z: &[Fr29], domain_size: usize) -> Result<(Vec<Fr29>, Vec<Fr29>)> {
        self.evaluations_in(z, [&self.a.coeffs_29, &self.b.coeffs_29], domain_size)
    }

    fn evaluations_in<S: EvalField>(
        &self,
        z: &[S],
        [coeffs_a, coeffs_b]: [&[S]; 2],
        domain_size: usize,
    ) -> Result<(Vec<S>, Vec<S>)> {
        let m = self.num_constraints();
        if z.len() != self.num_instance + self.num_witness {
            return Err(Error::Mismatch(format!(
                "{} assigned variables for a shape of {}",
                z.len(),
                self.num_instance + self.num_witness
            )));
        }
        if domain_size < m + self.num_instance {
            return Err(Error::Circuit(format!(
                "a domain of {domain_size} points is too small for {m} constraints and {} inputs",
                self.num_instance
            )));
        }
        let mut a = vec![S::EMPTY_SUM; domain_size];
        let mut b = vec![S::EMPTY_SUM; domain_size];
        self.a.mul_into(z, coeffs_a, &mut a);
        self.b.mul_into(z, coeffs_b, &mut b);
        a[m..m + self.num_instance].copy_from_slice(&z[..self.num_instance]);
        Ok((a, b))
    }
}
