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

use zkagg_field29::Fr29;

use crate::fft::{self, Domain29, EvalField};
use crate::format::{parse_coeff, Coeff, COEFF_BYTES};
use crate::Result;

#[cfg(feature = "parallel")]
use rayon::prelude::*;

/// `R^{-1} = 2^{-256} mod r`: undoes the extra Montgomery factor of stored coefficients.
fn r_inv() -> Fr {
    Fr::from(2u64).pow([256u64]).inverse().unwrap_or_default()
}

/// The field the evaluations are accumulated and transformed in: 29-bit limbs in wasm (its
/// product is the faster one there), arkworks' `Fr` natively.
#[cfg(target_arch = "wasm32")]
pub type QapField = Fr29;
/// The field the evaluations are accumulated and transformed in: 29-bit limbs in wasm (its
/// product is the faster one there), arkworks' `Fr` natively.
#[cfg(not(target_arch = "wasm32"))]
pub type QapField = Fr;

/// The witness (plain integers below `r`) in the form [`AbAccumulator::add_chunk`] takes
/// ([`EvalField::from_integer`]: `w` in arkworks' field, `w 2^-261` on 29-bit limbs).
pub fn witness_in<S: EvalField>(values: &[BigInt<4>]) -> Vec<S> {
    #[cfg(feature = "parallel")]
    return values.par_iter().map(S::from_integer).collect();
    #[cfg(not(feature = "parallel"))]
    return values.iter().map(S::from_integer).collect();
}

/// The A and B evaluations being accumulated from the Coeffs section, each times a constant
/// factor of the field form `S` ([`AbAccumulator::finish`] removes it for arkworks' `Fr`;
/// [`h_scalars_29`] folds it into its scaling).
pub struct AbAccumulator<S> {
    /// A evaluations (times the factor).
    pub a: Vec<S>,
    /// B evaluations (times the factor).
    pub b: Vec<S>,
    n_vars: usize,
}

impl<S: EvalField> AbAccumulator<S> {
    /// Zero evaluations on a domain of `domain` points.
    pub fn new(domain: usize, n_vars: usize) -> Self {
        Self {
            a: vec![S::EMPTY_SUM; domain],
            b: vec![S::EMPTY_SUM; domain],
            n_vars,
        }
    }

    /// Add a chunk of raw coefficient records (`first` = index of the first, for messages);
    /// `witness` from [`witness_in`].
    ///
    /// A stored value `v = c R^2` (`R = 2^256`) taken as the stored limbs of an element
    /// ([`EvalField::from_stored`]) is the element `c R` in arkworks' `Fr` and `c R^2 2^-261 =
    /// c 2^251` on 29-bit limbs; times the witness value (`w`, or `w 2^-261` on 29-bit limbs)
    /// every term carries the same factor, `R` or `2^-10`, removed once at the end. Work is
    /// split by constraint ranges across threads.
    pub fn add_chunk(&mut self, bytes: &[u8], first: usize, witness: &[S]) -> Result<()> {
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
        let work = |(p, (a, b)): (usize, (&mut [S], &mut [S]))| {
            let lo = p * part_len;
            let hi = lo + a.len();
            for c in &coeffs {
                let row = c.constraint as usize;
                if row < lo || row >= hi {
                    continue;
                }
                let v = S::from_stored(&c.value).times(&witness[c.signal as usize]);
                let slot = if c.matrix == 0 {
                    &mut a[row - lo]
                } else {
                    &mut b[row - lo]
                };
                *slot = slot.plus(&v);
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
}

impl AbAccumulator<Fr> {
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

/// The H scalars from the accumulated evaluations ([`h_scalars_29`] or [`h_scalars_ark`], by
/// the field they were accumulated in). `step` as in [`h_scalars_ark`].
#[cfg(target_arch = "wasm32")]
pub fn h_scalars(
    ab: AbAccumulator<Fr29>,
    step: impl FnMut(usize) -> Result<()>,
) -> Result<Vec<BigInt<4>>> {
    h_scalars_29(ab.a, ab.b, STORED_FACTOR_29, step)
}

/// The H scalars from the accumulated evaluations ([`h_scalars_29`] or [`h_scalars_ark`], by
/// the field they were accumulated in). `step` as in [`h_scalars_ark`].
#[cfg(not(target_arch = "wasm32"))]
pub fn h_scalars(
    ab: AbAccumulator<Fr>,
    step: impl FnMut(usize) -> Result<()>,
) -> Result<Vec<BigInt<4>>> {
    let (a, b) = ab.finish();
    h_scalars_ark(a, b, step)
}

/// The exponent `e` of the factor `2^e` that [`AbAccumulator::add_chunk`] leaves on 29-bit
/// limbs: `2^251` from the stored coefficient times `2^-261` from the witness.
pub const STORED_FACTOR_29: i32 = -10;

/// Steps 2-4 of the module documentation on 29-bit limbs ([`crate::fft`]), the constant
/// factors folded into the scaling passes it needs anyway; the inputs are the A and B
/// evaluations times `2^e` (`e = factor_exponent`: [`STORED_FACTOR_29`] from the
/// accumulator, `-5` from [`fft::read_scaled`]), the result as [`h_scalars_ark`]'s.
///
/// `C = A B` is then `C 2^(2e)`. Each of A, B, C: `n` times its coefficients
/// ([`Domain29::ifft_times_n`]), coefficient `i` times `w_2n^i / n` and a constant `k`, FFT:
/// its values on the odd coset times `k` and the factor it came with. With `k = 2^(-261-2e)`
/// for A and C and `k = 1` for B, `A' B' - C'` is `(A B - C) 2^-261` on every point, so its
/// limbs hold the plain integer `h_j` ([`fft::integers`]). Tested against [`h_scalars_ark`].
pub fn h_scalars_29(
    mut a: Vec<Fr29>,
    mut b: Vec<Fr29>,
    factor_exponent: i32,
    mut step: impl FnMut(usize) -> Result<()>,
) -> Result<Vec<BigInt<4>>> {
    let n = a.len();
    if b.len() != n {
        return Err(crate::Error::Unsupported(format!(
            "QAP evaluations of {n} and {} points",
            b.len()
        )));
    }
    let d = Domain29::new(n)?;
    let shift = Fr::get_root_of_unity(2 * n as u64)
        .ok_or_else(|| crate::Error::Unsupported(format!("coset for a domain of size {n}")))?;
    let n_inv = Fr::from(n as u64).inverse().unwrap_or_default();
    let mut c = fft::zip_map(&a, &b, |x, y| x.mul(y));
    let mut done = 0;
    let mut to_coset = |v: &mut [Fr29], factors: &[Fr29]| -> Result<()> {
        d.ifft_times_n(v)?;
        done += 1;
        step(done)?;
        fft::scale(v, factors);
        d.fft(v)?;
        done += 1;
        step(done)
    };
    let plain = fft::powers(&shift, &n_inv, n);
    to_coset(&mut b, &plain)?;
    drop(plain);
    let fold = fft::power_of_two(-261 - 2 * i64::from(factor_exponent));
    let folded = fft::powers(&shift, &(n_inv * fold), n);
    to_coset(&mut a, &folded)?;
    to_coset(&mut c, &folded)?;
    drop(folded);
    let a_times_b = fft::zip_map(&a, &b, |x, y| x.mul(y));
    drop((a, b));
    Ok(fft::integers(&fft::zip_map(&a_times_b, &c, |x, y| {
        x.sub(y)
    })))
}

/// Steps 2-4 of the module documentation with arkworks' FFTs on `Fr`: from A and B
/// evaluations to the H scalars (plain integers, for the MSM). `step` is called between FFTs
/// with the number done (of 6) and may abort by returning an error (cancellation).
pub fn h_scalars_ark(
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

#[cfg(test)]
mod tests {
    use super::*;
    use ark_ff::{BigInteger, UniformRand};
    use rand::SeedableRng;

    /// The 29-bit path equals arkworks' on random evaluations (narrow and wide FFT levels),
    /// reports the same six steps, stops on a step's error, and refuses unequal lengths.
    #[test]
    fn h_on_29_bit_limbs_equals_arkworks() {
        let mut rng = rand_chacha::ChaCha20Rng::seed_from_u64(6);
        for log_n in [1, 12, 14] {
            let n = 1usize << log_n;
            let a: Vec<Fr> = (0..n).map(|_| Fr::rand(&mut rng)).collect();
            let mut b: Vec<Fr> = (0..n).map(|_| Fr::rand(&mut rng)).collect();
            b[0] = Fr::from(0u64);
            b[n - 1] = -Fr::ONE;
            let (mut ours_steps, mut ark_steps) = (vec![], vec![]);
            let (a29, b29) = (fft::read_scaled(&a), fft::read_scaled(&b));
            let ours = h_scalars_29(a29, b29, -5, |k| {
                ours_steps.push(k);
                Ok(())
            })
            .unwrap();
            let ark = h_scalars_ark(a, b, |k| {
                ark_steps.push(k);
                Ok(())
            })
            .unwrap();
            assert_eq!(ours, ark, "domain 2^{log_n}");
            assert_eq!(ours_steps, ark_steps);
        }
        let a = fft::read_scaled(&[Fr::ONE; 8]);
        let stop = h_scalars_29(a.clone(), a.clone(), -5, |k| {
            if k == 3 {
                Err(crate::Error::Cancelled)
            } else {
                Ok(())
            }
        });
        assert!(matches!(stop, Err(crate::Error::Cancelled)));
        assert!(h_scalars_29(a, fft::read_scaled(&[Fr::ONE; 4]), -5, |_| Ok(())).is_err());
    }

    /// Random coefficient records (both matrices, repeated cells, values up to `r - 1`)
    /// accumulated on 29-bit limbs and in arkworks' field give the same H scalars; a record
    /// out of range is an error in both.
    #[test]
    fn accumulators_agree() {
        let mut rng = rand_chacha::ChaCha20Rng::seed_from_u64(7);
        let (n, n_vars) = (1usize << 10, 300usize);
        let witness: Vec<Fr> = (0..n_vars).map(|_| Fr::rand(&mut rng)).collect();
        let mut bytes = vec![];
        for i in 0..3000u32 {
            let value = match i {
                0 => -Fr::ONE,
                1 => Fr::ONE,
                _ => Fr::rand(&mut rng),
            };
            bytes.extend((i % 2).to_le_bytes());
            bytes.extend((i * 7 % n as u32).to_le_bytes());
            bytes.extend((i * 13 % n_vars as u32).to_le_bytes());
            bytes.extend(value.into_bigint().to_bytes_le());
        }
        let values: Vec<BigInt<4>> = witness.iter().map(|x| x.into_bigint()).collect();
        let mut ark = AbAccumulator::<Fr>::new(n, n_vars);
        let mut ours = AbAccumulator::<Fr29>::new(n, n_vars);
        let (half, _) = bytes.split_at(1500 * COEFF_BYTES);
        ark.add_chunk(half, 0, &witness_in(&values)).unwrap();
        ark.add_chunk(&bytes[half.len()..], 1500, &witness_in(&values))
            .unwrap();
        ours.add_chunk(&bytes, 0, &witness_in(&values)).unwrap();
        let (a, b) = ark.finish();
        let expected = h_scalars_ark(a, b, |_| Ok(())).unwrap();
        let got = h_scalars_29(ours.a, ours.b, STORED_FACTOR_29, |_| Ok(())).unwrap();
        assert_eq!(got, expected);
        let mut bad = bytes[..COEFF_BYTES].to_vec();
        bad[0] = 2;
        let mut ours = AbAccumulator::<Fr29>::new(n, n_vars);
        assert!(ours.add_chunk(&bad, 0, &witness_in(&values)).is_err());
    }
}
