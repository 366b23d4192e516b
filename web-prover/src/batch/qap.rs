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
use ark_ff::{BigInt, FftField, Field};
use ark_poly::{EvaluationDomain, GeneralEvaluationDomain};

use zkagg_field29::Fr29;

use super::shape::BatchShape;
use crate::fft::{self, Domain29};

#[cfg(feature = "parallel")]
use rayon::prelude::*;

use crate::{Error, Result};

/// The evaluation domain for `constraints + instance` rows (what `ark-groth16` uses).
pub fn domain(rows: usize) -> Result<GeneralEvaluationDomain<Fr>> {
    GeneralEvaluationDomain::<Fr>::new(rows)
        .ok_or_else(|| Error::Circuit(format!("no FFT domain holds {rows} rows")))
}

/// `h`'s coefficients as plain integers (the scalars of the `H` MSM) for the full assignment
/// `z` of `shape`: in wasm on 29-bit limbs ([`BatchShape::evaluations_29`], [`h_scalars_29`]),
/// natively with arkworks' field and FFTs ([`BatchShape::evaluations`], [`h_coefficients`]),
/// each the faster there.
pub fn h_scalars(
    shape: &BatchShape,
    domain: &GeneralEvaluationDomain<Fr>,
    z: &[Fr],
) -> Result<Vec<BigInt<4>>> {
    #[cfg(target_arch = "wasm32")]
    {
        let (a, b) = shape.evaluations_29(&fft::read_scaled(z), domain.size())?;
        h_scalars_29(domain, a, b)
    }
    #[cfg(not(target_arch = "wasm32"))]
    {
        use ark_ff::PrimeField;
        let (a, b) = shape.evaluations(z, domain.size())?;
        let h = h_coefficients(domain, a, b)?;
        #[cfg(feature = "parallel")]
        return Ok(h.par_iter().map(|x| x.into_bigint()).collect());
        #[cfg(not(feature = "parallel"))]
        return Ok(h.iter().map(|x| x.into_bigint()).collect());
    }
}

/// [`h_coefficients`] on 29-bit limbs ([`crate::fft`]), as plain integers: the same
/// interpolations with the constant factors folded into two scaling passes.
///
/// The inputs are `a 2^-5` and `b 2^-5` (as [`fft::read_scaled`] and
/// [`BatchShape::evaluations_29`] give them: no product to convert), so `c = a b` is computed
/// as `c 2^-10`. Each of `a`, `b`, `c`: `n` times its coefficients
/// ([`Domain29::ifft_times_n`]), coefficient `i` times `g^i / n`, FFT: its values on the coset
/// `g D`, with the factor it came with. There `q = a b - c` is `(a b - c) 2^-10`, and its
/// inverse FFT gives `n` times the coefficients of `h(g X) (g^n - 1) 2^-10`; coefficient `j`
/// times `g^-j 2^10 / (n (g^n - 1))` is `h_j`, and one more factor `2^-261` makes the limbs
/// the plain integer ([`fft::integers`]). Tested against [`h_coefficients`].
pub fn h_scalars_29(
    domain: &GeneralEvaluationDomain<Fr>,
    mut a: Vec<Fr29>,
    mut b: Vec<Fr29>,
) -> Result<Vec<BigInt<4>>> {
    let n = domain.size();
    check_lengths(n, a.len(), b.len())?;
    let d = Domain29::new(n)?;
    let g = Fr::GENERATOR;
    let mut c = fft::zip_map(&a, &b, |x, y| x.mul(y));
    let n_inv = Fr::from(n as u64)
        .inverse()
        .ok_or_else(|| Error::Circuit("domain size not invertible".into()))?;
    let to_coset = fft::powers(&g, &n_inv, n);
    for v in [&mut a, &mut b, &mut c] {
        d.ifft_times_n(v)?;
        fft::scale(v, &to_coset);
        d.fft(v)?;
    }
    drop(to_coset);
    let mut q = fft::zip_map(&a, &b, |x, y| x.mul(y));
    drop((a, b));
    q = fft::zip_map(&q, &c, |x, y| x.sub(y));
    drop(c);
    d.ifft_times_n(&mut q)?;
    let z_inv = domain
        .evaluate_vanishing_polynomial(g)
        .inverse()
        .ok_or_else(|| Error::Circuit("the vanishing polynomial is zero on the coset".into()))?;
    let first = z_inv * n_inv * Fr::from(1u64 << 10) * fft::power_of_two(-261);
    let g_inv = g
        .inverse()
        .ok_or_else(|| Error::Circuit("the coset generator is zero".into()))?;
    fft::scale(&mut q, &fft::powers(&g_inv, &first, n));
    Ok(fft::integers(&q))
}

fn check_lengths(n: usize, a: usize, b: usize) -> Result<()> {
    if a != n || b != n {
        return Err(Error::Circuit(format!(
            "QAP evaluations of {a} and {b} points on a domain of {n}"
        )));
    }
    Ok(())
}

/// `h`'s coefficients (`domain.size()` of them, the last one zero for a satisfying assignment)
/// from the A and B evaluations on `domain` (each `domain.size()` long).
pub fn h_coefficients(
    domain: &GeneralEvaluationDomain<Fr>,
    mut a: Vec<Fr>,
    mut b: Vec<Fr>,
) -> Result<Vec<Fr>> {
    check_lengths(domain.size(), a.len(), b.len())?;
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

#[cfg(test)]
mod tests {
    use super::*;
    use ark_ff::{PrimeField, UniformRand};
    use rand::SeedableRng;

    /// The 29-bit path equals arkworks' on evaluations that satisfy nothing (random `a`, `b`:
    /// `h` is then whatever the interpolation gives, the same either way), on domains with
    /// narrow levels only and with wide ones; unequal lengths are refused.
    #[test]
    fn h_on_29_bit_limbs_equals_arkworks() {
        let mut rng = rand_chacha::ChaCha20Rng::seed_from_u64(5);
        for log_n in [3, 12, 14] {
            let domain = domain(1 << log_n).unwrap();
            let n = domain.size();
            let a: Vec<Fr> = (0..n).map(|_| Fr::rand(&mut rng)).collect();
            let mut b: Vec<Fr> = (0..n).map(|_| Fr::rand(&mut rng)).collect();
            b[0] = Fr::from(0u64);
            b[n - 1] = -Fr::ONE;
            let ours = h_scalars_29(&domain, fft::read_scaled(&a), fft::read_scaled(&b)).unwrap();
            let ark = h_coefficients(&domain, a, b).unwrap();
            let ark: Vec<_> = ark.iter().map(|x| x.into_bigint()).collect();
            assert_eq!(ours, ark, "domain 2^{log_n}");
        }
        let domain = domain(8).unwrap();
        let short = vec![Fr::ONE; 7];
        let read = fft::read_scaled;
        assert!(h_scalars_29(&domain, read(&short), read(&[Fr::ONE; 8])).is_err());
        assert!(h_coefficients(&domain, vec![Fr::ONE; 8], short).is_err());
    }
}
