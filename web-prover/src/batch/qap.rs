//! The libsnark R1CS-to-QAP step for arkworks keys: the coefficients of `H` from the A and B
//! evaluations alone.
//!
//! arkworks' proving key holds `H_j = tau^j Z(tau) / delta` for the coefficients `h_j` of
//! `h(X) = (a(X) b(X) - c(X)) / Z(X)`, where `a`, `b`, `c` interpolate the evaluations `A z`,
//! `B z`, `C z` on the domain `D` (size `n`, a power of two) and `Z(X) = X^n - 1` vanishes on it
//! (`ark-groth16`'s `LibsnarkReduction`; facts from its documentation, code our own). `Z` does
//! not vanish on the coset `g D` (`g` the field's multiplicative generator): there
//! `Z(g x) = g^n - 1`, a constant, so `h` is computed by evaluating `a`, `b`, `c` on the coset
//! (inverse FFT on `D`, FFT on `g D`), dividing pointwise, and interpolating back from the coset.
//!
//! `c` is not evaluated from the C matrix: for a satisfying assignment `C z = (A z) o (B z)`
//! pointwise on `D` (the instance rows have `B = C = 0`). A non-satisfying assignment gives some
//! `h`, but then the proof's `C` cannot balance the verifier's equation (the key's `L` and `A`
//! points carry the real C matrix), so the prover's self-check refuses it: no proof of a false
//! statement can come out of this shortcut, only an error.

use ark_bn254::Fr;
use ark_ff::{FftField, Field};
use ark_poly::{EvaluationDomain, GeneralEvaluationDomain};

#[cfg(feature = "parallel")]
use rayon::prelude::*;

use crate::{Error, Result};

/// The evaluation domain for `constraints + instance` rows (what `ark-groth16` uses).
pub fn domain(rows: usize) -> Result<GeneralEvaluationDomain<Fr>> {
    GeneralEvaluationDomain::<Fr>::new(rows)
        .ok_or_else(|| Error::Circuit(format!("no FFT domain holds {rows} rows")))
}

/// `h`'s coefficients (`domain.size()` of them, the last one zero for a satisfying assignment)
/// from the A and B evaluations on `domain` (each `domain.size()` long).
pub fn h_coefficients(
    domain: &GeneralEvaluationDomain<Fr>,
    mut a: Vec<Fr>,
    mut b: Vec<Fr>,
) -> Result<Vec<Fr>> {
    let n = domain.size();
    if a.len() != n || b.len() != n {
        return Err(Error::Circuit(format!(
            "QAP evaluations of {} and {} points on a domain of {n}",
            a.len(),
            b.len()
        )));
    }
    let coset = domain
        .get_coset(Fr::GENERATOR)
        .ok_or_else(|| Error::Circuit("no coset of the FFT domain".into()))?;

    #[cfg(feature = "parallel")]
    let mut c: Vec<Fr> = a.par_iter().zip(&b).map(|(x, y)| *x * y).collect();
    #[cfg(not(feature = "parallel"))]
    let mut c: Vec<Fr> = a.iter().zip(&b).map(|(x, y)| *x * y).collect();

    for v in [&mut a, &mut b, &mut c] {
        domain.ifft_in_place(v);
        coset.fft_in_place(v);
    }
    // 1 / Z(g x) = 1 / (g^n - 1): the same on every point of the coset.
    let z_inv = domain
        .evaluate_vanishing_polynomial(Fr::GENERATOR)
        .inverse()
        .ok_or_else(|| Error::Circuit("the vanishing polynomial is zero on the coset".into()))?;
    let quotient = |((x, y), z): ((&mut Fr, Fr), Fr)| *x = (*x * y - z) * z_inv;
    #[cfg(feature = "parallel")]
    a.par_iter_mut().zip(b).zip(c).for_each(quotient);
    #[cfg(not(feature = "parallel"))]
    a.iter_mut().zip(b).zip(c).for_each(quotient);
    coset.ifft_in_place(&mut a);
    Ok(a)
}
