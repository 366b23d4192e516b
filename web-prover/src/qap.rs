//! The snarkjs-compatible R1CS-to-QAP step: the scalars of the `PointsH` MSM.
//!
//! circom/snarkjs keys encode `H` differently from arkworks' libsnark reduction, so the prover
//! must compute exactly what snarkjs's `hExps` expect (facts from snarkjs's key format and
//! prover; no code copied):
//!
//! 1. From the `Coeffs` section, the evaluations of the A and B polynomials on the domain of size
//!    `n` (the "Lagrange basis"): `A[c] = sum coef * w[signal]` over the coefficients of
//!    constraint `c` in matrix A, likewise B. (The key already contains the extra constraints
//!    that bind the public signals.)
//! 2. `C = A * B` pointwise: for a satisfying witness the C matrix is not needed.
//! 3. Each of A, B, C: inverse FFT on the domain (generator `w_n`), multiply coefficient `i` by
//!    `w_2n^i` (`w_2n` a primitive `2n`-th root of unity, `w_2n^2 = w_n`), FFT: evaluations on the
//!    "odd" coset `w_2n * <w_n>`, where the vanishing polynomial `x^n - 1` is the constant -2.
//! 4. `h_j = A'_j B'_j - C'_j`: the key's `PointsH` already fold in the division by `Z` and
//!    `delta`, so `sum h_j H_j` is the H term of the proof's C.
//!
//! The roots of unity are BN254's standard ones (`5^((r-1)/2^28)` and its squares), the same in
//! arkworks and in snarkjs's field library (checked: the proofs verify).

use ark_bn254::Fr;
use ark_ff::{BigInt, FftField, Field, PrimeField};
use ark_poly::{EvaluationDomain, Radix2EvaluationDomain};

use crate::format::{parse_coeff, Coeff, COEFF_BYTES};
use crate::Result;

#[cfg(feature = "parallel")]
use rayon::prelude::*;

/// `R^{-1} = 2^{-256} mod r`: undoes the extra Montgomery factor of stored coefficients.
fn r_inv() -> Fr {
    Fr::from(2u64).pow([256u64]).inverse().unwrap_or_default()
}

/// The A and B evaluations being accumulated from the Coeffs section (times `R`, see
/// [`AbAccumulator::finish`]).
pub struct AbAccumulator {
    /// A evaluations (times R until finished).
    pub a: Vec<Fr>,
    /// B evaluations (times R until finished).
    pub b: Vec<Fr>,
    n_vars: usize,
}

impl AbAccumulator {
    /// Zero evaluations on a domain of `domain` points.
    pub fn new(domain: usize, n_vars: usize) -> Self {
        Self {
            a: vec![Fr::from(0u64); domain],
            b: vec![Fr::from(0u64); domain],
            n_vars,
        }
    }

    /// Add a chunk of raw coefficient records (`first` = index of the first, for messages).
    ///
    /// A stored value `v = c R^2` read as arkworks' internal (Montgomery) representation is the
    /// field element `c R`; multiplying by the witness value gives `c w R`, and the factor `R` is
    /// removed once at the end. Work is split by constraint ranges across threads.
    pub fn add_chunk(&mut self, bytes: &[u8], first: usize, witness: &[Fr]) -> Result<()> {
        let domain = self.a.len();
        let n_vars = self.n_vars;
        let parse = |(i, b): (usize, &[u8])| parse_coeff(b, first + i, n_vars, domain);
        #[cfg(feature = "parallel")]
        let coeffs: Vec<Coeff> = bytes
            .par_chunks(COEFF_BYTES)
            .enumerate()
            .map(parse)
            .collect::<Result<_>>()?;
        #[cfg(not(feature = "parallel"))]
        let coeffs: Vec<Coeff> = bytes
            .chunks(COEFF_BYTES)
            .enumerate()
            .map(parse)
            .collect::<Result<_>>()?;

        #[cfg(feature = "parallel")]
        let parts = (rayon::current_num_threads() * 2).max(1);
        #[cfg(not(feature = "parallel"))]
        let parts = 1usize;
        let part_len = domain.div_ceil(parts).max(1);
        let work = |(p, (a, b)): (usize, (&mut [Fr], &mut [Fr]))| {
            let lo = p * part_len;
            let hi = lo + a.len();
            for c in &coeffs {
                let row = c.constraint as usize;
                if row < lo || row >= hi {
                    continue;
                }
                let v = Fr::new_unchecked(c.value) * witness[c.signal as usize];
                if c.matrix == 0 {
                    a[row - lo] += v;
                } else {
                    b[row - lo] += v;
                }
            }
        };
        #[cfg(feature = "parallel")]
        self.a
            .par_chunks_mut(part_len)
            .zip(self.b.par_chunks_mut(part_len))
            .enumerate()
            .for_each(work);
        #[cfg(not(feature = "parallel"))]
        self.a
            .chunks_mut(part_len)
            .zip(self.b.chunks_mut(part_len))
            .enumerate()
            .for_each(work);
        Ok(())
    }

    /// Remove the factor R: the true A and B evaluations.
    pub fn finish(mut self) -> (Vec<Fr>, Vec<Fr>) {
        let k = r_inv();
        #[cfg(feature = "parallel")]
        {
            self.a
                .par_iter_mut()
                .chain(self.b.par_iter_mut())
                .for_each(|x| *x *= k);
        }
        #[cfg(not(feature = "parallel"))]
        {
            self.a
                .iter_mut()
                .chain(self.b.iter_mut())
                .for_each(|x| *x *= k);
        }
        (self.a, self.b)
    }
}

/// Steps 2-4 of the module documentation: from A and B evaluations to the H scalars (plain
/// integers, for the MSM). `step` is called between FFTs with the number done (of 6) and may
/// abort by returning an error (cancellation).
pub fn h_scalars(
    a: Vec<Fr>,
    b: Vec<Fr>,
    mut step: impl FnMut(usize) -> Result<()>,
) -> Result<Vec<BigInt<4>>> {
    let n = a.len();
    let domain = Radix2EvaluationDomain::<Fr>::new(n)
        .filter(|d| d.size() == n)
        .ok_or_else(|| crate::Error::Unsupported(format!("FFT domain of size {n}")))?;
    let shift = Fr::get_root_of_unity(2 * n as u64)
        .ok_or_else(|| crate::Error::Unsupported(format!("coset for a domain of size {n}")))?;
    let coset = domain
        .get_coset(shift)
        .ok_or_else(|| crate::Error::Unsupported("coset".into()))?;

    #[cfg(feature = "parallel")]
    let mut c: Vec<Fr> = a
        .par_iter()
        .zip(b.par_iter())
        .map(|(x, y)| *x * y)
        .collect();
    #[cfg(not(feature = "parallel"))]
    let mut c: Vec<Fr> = a.iter().zip(b.iter()).map(|(x, y)| *x * y).collect();

    let mut done = 0;
    let mut to_coset = |mut v: Vec<Fr>| -> Result<Vec<Fr>> {
        domain.ifft_in_place(&mut v);
        done += 1;
        step(done)?;
        coset.fft_in_place(&mut v);
        done += 1;
        step(done)?;
        Ok(v)
    };
    let mut a = to_coset(a)?;
    let b = to_coset(b)?;
    // a := a * b, then c on the coset, then h = a - c (one buffer less at the peak).
    #[cfg(feature = "parallel")]
    a.par_iter_mut()
        .zip(b.par_iter())
        .for_each(|(x, y)| *x *= y);
    #[cfg(not(feature = "parallel"))]
    a.iter_mut().zip(b.iter()).for_each(|(x, y)| *x *= y);
    drop(b);
    c = to_coset(c)?;
    let h = |(x, y): (&Fr, &Fr)| (*x - y).into_bigint();
    #[cfg(feature = "parallel")]
    return Ok(a.par_iter().zip(c.par_iter()).map(h).collect());
    #[cfg(not(feature = "parallel"))]
    return Ok(a.iter().zip(c.iter()).map(h).collect());
}
