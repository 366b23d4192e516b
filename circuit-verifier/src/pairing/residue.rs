//! # The final check without a final exponentiation: residue witnesses (Novakovic–Eagen)
//!
//! A pairing-product equation holds iff the product `F` of the Miller loops satisfies
//! `F^h = 1` with `h = (p^12 - 1)/r` (the final exponentiation is the map `x -> x^h`). Instead
//! of computing `F^h` in the circuit (about two million constraints), the prover supplies a
//! *residue witness* `c` and a scaling `w` with
//!
//! ```text
//!   F * w = c^lambda,      lambda = 6x + 2 + p - p^2 + p^3,      w in {1, omega, omega^2},
//! ```
//!
//! where `omega` is a fixed primitive 27th root of unity ([`omega`]). **Soundness**: `lambda`
//! is a multiple of `r` (`lambda = m r`), so `c^(lambda h) = c^(m (p^12 - 1)) = 1`; and
//! `w^h = 1` because `27 | h` (`v_3(p^12 - 1) = 3` and `3` does not divide `r`). Hence
//! `F^h = c^(lambda h) w^(-h) = 1`. **Completeness**: if `F^h = 1`, [`residue_witness`] finds `w`
//! and `c` (the `gcd(m, h) = 3` obstruction is why `w` is needed; the 3-part of `c` is found by
//! search in the 27-element Sylow subgroup, the rest by one exponentiation).
//!
//! In the circuit `c^(6x+2)` costs nothing extra: the Miller loop of one pair starts from
//! `c^{-1}` and multiplies by `c^{-1}` (digit `+1`) or `c` (digit `-1`) in its addition ops, so
//! it outputs `ML * c^{-(6x+2)}`; the remaining factor `c^{-p} c^{p^2} c^{-p^3}` is three
//! Frobenius maps. [`Emu::residue_close`] then enforces
//! `F * c^{-(6x+2)} * w * c^{-p} * c^{p^2} * c^{-p^3} = 1`, which is `F w = c^lambda`.

use crate::convert::Fr;
use crate::field::relation::Relation;
use crate::field::{Bit, Emu};
use crate::tower::{fq12_to_direct, Ext, ExtKind};
use crate::Result;
use ark_bn254::Fq12;
use ark_ff::{Field, One};
use nova_snark::frontend::ConstraintSystem;
use num_bigint::BigUint;
use num_integer::Integer;
use std::sync::OnceLock;

struct Constants {
    /// `h = (p^12 - 1)/r`.
    h: BigUint,
    /// `lambda`.
    lambda: BigUint,
    /// exponent projecting onto the 3'-part: `27 * (27^{-1} mod N')`.
    e_3prime: BigUint,
    /// exponent projecting onto the 3-part: `N' * (N'^{-1} mod 27)`.
    e_3: BigUint,
    /// `lambda^{-1} mod (N'/r)`.
    lambda_inv: BigUint,
    omega: Fq12,
}

fn mod_inverse(a: &BigUint, m: &BigUint) -> Option<BigUint> {
    use num_bigint::BigInt;
    let (a, m) = (BigInt::from(a.clone()), BigInt::from(m.clone()));
    let e = a.extended_gcd(&m);
    if e.gcd != BigInt::from(1) {
        return None;
    }
    let x = e.x.mod_floor(&m);
    x.to_biguint()
}

fn constants() -> &'static Constants {
    static C: OnceLock<Constants> = OnceLock::new();
    C.get_or_init(|| {
        let p = crate::convert::fq_modulus().clone();
        let r = crate::convert::fr_modulus().clone();
        let x = BigUint::from(4965661367192848881u64);
        let n = p.pow(12) - 1u32;
        let h = &n / &r;
        let lambda = x * 6u32 + 2u32 + &p + p.pow(3) - p.pow(2);
        let n3 = &n / 27u32;
        let u = mod_inverse(&BigUint::from(27u32), &n3).unwrap_or_default();
        let e_3prime = (BigUint::from(27u32) * u) % &n;
        let v = mod_inverse(&(&n3 % 27u32), &BigUint::from(27u32)).unwrap_or_default();
        let e_3 = (&n3 * v) % &n;
        let lambda_inv = mod_inverse(&lambda, &(&n3 / &r)).unwrap_or_default();
        // omega = z^{N/27} for the first z = w + k whose image has order exactly 27.
        let mut omega = Fq12::one();
        for k in 1u64..100 {
            let mut d = vec![ark_bn254::Fq::from(0u64); 12];
            d[0] = ark_bn254::Fq::from(k);
            d[1] = ark_bn254::Fq::from(1u64);
            let z = crate::tower::fq12_from_direct(&d);
            let o = z.pow((&n / 27u32).to_u64_digits());
            if !o.pow([9u64]).is_one() {
                omega = o;
                break;
            }
        }
        Constants {
            h,
            lambda,
            e_3prime,
            e_3,
            lambda_inv,
            omega,
        }
    })
}

/// The fixed primitive 27th root of unity `omega`.
pub fn omega() -> Fq12 {
    constants().omega
}

/// `lambda = 6x + 2 + p - p^2 + p^3`.
pub fn lambda() -> BigUint {
    constants().lambda.clone()
}

/// Finds `(c, i)` with `f * omega^i = c^lambda`, or `None` if `f^h != 1` (then no witness exists).
pub fn residue_witness(f: &Fq12) -> Option<(Fq12, usize)> {
    let k = constants();
    if !f.pow(k.h.to_u64_digits()).is_one() {
        return None;
    }
    let h3 = &k.h / 3u32;
    let i = (0..3).find(|i| {
        (*f * k.omega.pow([*i as u64]))
            .pow(h3.to_u64_digits())
            .is_one()
    })?;
    let fp = *f * k.omega.pow([i as u64]);
    let f3p = fp.pow(k.e_3prime.to_u64_digits());
    let f3 = fp.pow(k.e_3.to_u64_digits());
    let c3p = f3p.pow(k.lambda_inv.to_u64_digits());
    let lam = k.lambda.to_u64_digits();
    let mut g = Fq12::one();
    let mut c3 = None;
    for _ in 0..27 {
        if g.pow(&lam) == f3 {
            c3 = Some(g);
            break;
        }
        g *= k.omega;
    }
    let c = c3? * c3p;
    if c.pow(&lam) == fp {
        Some((c, i))
    } else {
        None
    }
}

/// The allocated residue witness.
#[derive(Clone, Debug)]
pub struct ResidueVars {
    /// `c`.
    pub c: Ext,
    /// `c^{-1}` (checked: `c * c_inv = 1`).
    pub c_inv: Ext,
    /// `w` as a selection of constants by two bits (`w = omega^2` if `b2`, else `omega` if `b1`,
    /// else 1): always one of the three allowed values.
    pub w: Ext,
}

impl Emu {
    /// Allocates `c`, `c^{-1}` and the selector of `w` for the product `f` (natively computed;
    /// a dummy when `f` has no witness, which leaves the circuit unsatisfiable).
    pub fn alloc_residue<CS: ConstraintSystem<Fr>>(
        &self,
        cs: &mut CS,
        f: &Fq12,
    ) -> Result<ResidueVars> {
        let (c, i) = residue_witness(f).unwrap_or((Fq12::one(), 0));
        let c_inv = c.inverse().unwrap_or_else(Fq12::one);
        let cv = self.alloc_ext(
            &mut cs.namespace(|| "c"),
            ExtKind::Fq12,
            &fq12_to_direct(&c),
        )?;
        let civ = self.alloc_ext(
            &mut cs.namespace(|| "c^-1"),
            ExtKind::Fq12,
            &fq12_to_direct(&c_inv),
        )?;
        let mut rel = Relation::new(self, ExtKind::Fq12);
        rel.add_product(1, &[&cv, &civ]);
        rel.add_linear(
            -1,
            &Ext::constant(ExtKind::Fq12, &fq12_to_direct(&Fq12::one()), self),
        );
        rel.assert_zero(&mut cs.namespace(|| "c * c^-1 = 1"))?;
        let b1 = Bit::alloc(&mut cs.namespace(|| "w bit 1"), i == 1)?;
        let b2 = Bit::alloc(&mut cs.namespace(|| "w bit 2"), i == 2)?;
        let om = omega();
        let k = |x: Fq12| Ext::constant(ExtKind::Fq12, &fq12_to_direct(&x), self);
        let w1 = self.select_ext(&mut cs.namespace(|| "w or 1"), &b1, &k(om), &k(Fq12::one()))?;
        let w = self.select_ext(&mut cs.namespace(|| "w"), &b2, &k(om * om), &w1)?;
        Ok(ResidueVars {
            c: cv,
            c_inv: civ,
            w,
        })
    }

    /// Enforces `x z = y^p` in `Fq12` (one relation, no output): the product and the Frobenius
    /// image (a constant linear map of `y`'s coefficients) share one quotient and one set of
    /// carries. One gadget serves every check of the residue chain in the uniform steps.
    pub fn assert_mul_eq_frobenius<CS: ConstraintSystem<Fr>>(
        &self,
        cs: &mut CS,
        x: &Ext,
        z: &Ext,
        y: &Ext,
    ) -> Result<()> {
        let mat = crate::tower::frobenius_matrix(ExtKind::Fq12, 1);
        let mut rel = Relation::new(self, ExtKind::Fq12);
        rel.add_product(1, &[x, z]);
        for (m, row) in mat.iter().enumerate() {
            for (j, c) in row.iter().enumerate() {
                if ark_ff::Zero::is_zero(c) || j >= y.coeffs.len() {
                    continue;
                }
                let mut cw = vec![<ark_bn254::Fq as ark_ff::Zero>::zero(); 12];
                cw[m] = -*c;
                let cext = Ext::constant(ExtKind::Fq12, &cw, self);
                rel.add_product(1, &[&cext, &Ext::from_elem(y.coeffs[j].clone())]);
            }
        }
        rel.assert_zero(cs)
    }

    /// Enforces `f * w * c^{-p} * c^{p^2} * c^{-p^3} = 1`, where `f` already contains the factor
    /// `c^{-(6x+2)}` (see the module documentation). Together: `F w = c^lambda`, so `F^h = 1`.
    pub fn residue_close<CS: ConstraintSystem<Fr>>(
        &self,
        cs: &mut CS,
        f: &Ext,
        res: &ResidueVars,
    ) -> Result<()> {
        let t1 = self.frobenius(&mut cs.namespace(|| "c^-p"), &res.c_inv, 1)?;
        let t2 = self.frobenius(&mut cs.namespace(|| "c^p^2"), &res.c, 2)?;
        let t3 = self.frobenius(&mut cs.namespace(|| "c^-p^3"), &res.c_inv, 3)?;
        let a = self.mul(&mut cs.namespace(|| "f w"), f, &res.w)?;
        let b = self.mul(&mut cs.namespace(|| "t1 t2"), &t1, &t2)?;
        let mut rel = Relation::new(self, ExtKind::Fq12);
        rel.add_product(1, &[&a, &b, &t3]);
        rel.add_linear(
            -1,
            &Ext::constant(ExtKind::Fq12, &fq12_to_direct(&Fq12::one()), self),
        );
        rel.assert_zero(&mut cs.namespace(|| "product is one"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use ark_bn254::{Bn254, G1Projective, G2Projective};
    use ark_ec::pairing::{MillerLoopOutput, Pairing};
    use ark_ec::CurveGroup;
    use ark_ff::UniformRand;

    #[test]
    fn omega_is_a_primitive_27th_root_and_lambda_a_multiple_of_r() {
        let o = omega();
        assert!(o.pow([27u64]).is_one());
        assert!(!o.pow([9u64]).is_one());
        assert!((lambda() % crate::convert::fr_modulus()) == BigUint::from(0u32));
    }

    #[test]
    fn residue_witness_exists_exactly_for_pairing_products_equal_to_one() {
        let mut rng = ark_std::test_rng();
        // e(aP, Q) * e(-P, aQ) = 1.
        let p = G1Projective::rand(&mut rng).into_affine();
        let q = G2Projective::rand(&mut rng).into_affine();
        let a = ark_bn254::Fr::rand(&mut rng);
        let f1 = crate::pairing::native_miller_loop(&(p * a).into_affine(), &q).0;
        let f2 = crate::pairing::native_miller_loop(&(-p), &(q * a).into_affine()).0;
        let f = f1 * f2;
        assert!(Bn254::final_exponentiation(MillerLoopOutput(f))
            .unwrap()
            .0
            .is_one());
        let (c, i) = residue_witness(&f).expect("witness");
        assert_eq!(c.pow(lambda().to_u64_digits()), f * omega().pow([i as u64]));
        // A product that is not one after the final exponentiation has no witness.
        assert!(residue_witness(&f1).is_none());
    }
}
