//! Conversions between the three number worlds of this crate.
//!
//! - The circuit field is BN254's scalar field as nova-snark sees it: halo2curves' `bn256::Fr`
//!   ([`Fr`]). It is the same prime field as arkworks' [`ark_bn254::Fr`]; the two types are
//!   converted by a little-endian byte round trip ([`fr_from_ark`], [`fr_to_ark`]).
//! - The emulated field is BN254's base field [`ark_bn254::Fq`] (`p`); the reference
//!   implementation and every hint live in arkworks.
//! - Integers ([`BigInt`], `i128`): limb values, bounds, quotients and carries are integers, and
//!   the soundness arguments are about integers; [`fr_from_bigint`] maps an integer to its
//!   residue in the circuit field.

use ark_ff::{BigInteger, PrimeField as ArkPrimeField};
use ff::{Field, PrimeField};
use num_bigint::{BigInt, BigUint, Sign};
use num_integer::Integer;
use std::sync::OnceLock;

/// The circuit field: BN254's scalar field `Fr` (halo2curves' type, as used by nova-snark).
pub type Fr = nova_snark::provider::bn256_grumpkin::bn256::Scalar;

/// The circuit field's modulus `r` as an integer.
pub fn fr_modulus() -> &'static BigUint {
    static R: OnceLock<BigUint> = OnceLock::new();
    R.get_or_init(|| BigUint::from_bytes_le(&ark_bn254::Fr::MODULUS.to_bytes_le()))
}

/// The emulated field's modulus `p` (BN254's base field) as an integer.
pub fn fq_modulus() -> &'static BigUint {
    static P: OnceLock<BigUint> = OnceLock::new();
    P.get_or_init(|| BigUint::from_bytes_le(&ark_bn254::Fq::MODULUS.to_bytes_le()))
}

/// `p` as a signed integer.
pub fn fq_modulus_int() -> &'static BigInt {
    static P: OnceLock<BigInt> = OnceLock::new();
    P.get_or_init(|| BigInt::from(fq_modulus().clone()))
}

/// The residue of an integer (of any sign and size) in the circuit field.
pub fn fr_from_bigint(v: &BigInt) -> Fr {
    let r = BigInt::from(fr_modulus().clone());
    let (_, m) = v.mod_floor(&r).into_parts();
    fr_from_biguint_reduced(&m)
}

/// The residue of a non-negative integer in the circuit field.
pub fn fr_from_biguint(v: &BigUint) -> Fr {
    fr_from_biguint_reduced(&(v % fr_modulus()))
}

fn fr_from_biguint_reduced(m: &BigUint) -> Fr {
    let mut bytes = m.to_bytes_le();
    bytes.resize(32, 0);
    let mut repr = <Fr as PrimeField>::Repr::default();
    repr.as_mut().copy_from_slice(&bytes[..32]);
    // `m < r`, so the representation is canonical and `from_repr` succeeds.
    Option::from(Fr::from_repr(repr)).unwrap_or(Fr::ZERO)
}

/// The residue of an `i128` in the circuit field.
pub fn fr_from_i128(v: i128) -> Fr {
    let mag = Fr::from_u128(v.unsigned_abs());
    if v < 0 {
        -mag
    } else {
        mag
    }
}

/// The canonical integer representative (in `[0, r)`) of a circuit-field element.
pub fn fr_to_biguint(f: &Fr) -> BigUint {
    BigUint::from_bytes_le(f.to_repr().as_ref())
}

/// The signed representative of a circuit-field element in `(-r/2, r/2]`.
pub fn fr_to_signed(f: &Fr) -> BigInt {
    let v = BigInt::from(fr_to_biguint(f));
    let r = BigInt::from(fr_modulus().clone());
    if v.clone() * 2 > r {
        v - r
    } else {
        v
    }
}

/// arkworks' `Fr` to the circuit field (same prime, byte round trip).
pub fn fr_from_ark(x: &ark_bn254::Fr) -> Fr {
    fr_from_biguint_reduced(&BigUint::from_bytes_le(&x.into_bigint().to_bytes_le()))
}

/// The circuit field to arkworks' `Fr` (same prime, byte round trip).
pub fn fr_to_ark(x: &Fr) -> ark_bn254::Fr {
    ark_bn254::Fr::from_le_bytes_mod_order(x.to_repr().as_ref())
}

/// An emulated-field element as its canonical integer in `[0, p)`.
pub fn fq_to_biguint(x: &ark_bn254::Fq) -> BigUint {
    BigUint::from_bytes_le(&x.into_bigint().to_bytes_le())
}

/// An emulated-field element as a signed integer in `[0, p)`.
pub fn fq_to_bigint(x: &ark_bn254::Fq) -> BigInt {
    BigInt::from(fq_to_biguint(x))
}

/// The residue modulo `p` of an integer of any sign.
pub fn fq_from_bigint(v: &BigInt) -> ark_bn254::Fq {
    let (_, m) = v.mod_floor(fq_modulus_int()).into_parts();
    ark_bn254::Fq::from_le_bytes_mod_order(&m.to_bytes_le())
}

/// The residue modulo `p` of a non-negative integer.
pub fn fq_from_biguint(v: &BigUint) -> ark_bn254::Fq {
    ark_bn254::Fq::from_le_bytes_mod_order(&v.to_bytes_le())
}

/// `v` as a non-negative integer, `None` when negative.
pub fn to_biguint(v: &BigInt) -> Option<BigUint> {
    match v.sign() {
        Sign::Minus => None,
        _ => Some(v.magnitude().clone()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use ark_ff::UniformRand;
    use ff::Field;

    #[test]
    fn fr_round_trips_between_ark_and_halo2curves() {
        let mut rng = ark_std::test_rng();
        for _ in 0..50 {
            let a = ark_bn254::Fr::rand(&mut rng);
            let b = ark_bn254::Fr::rand(&mut rng);
            let (fa, fb) = (fr_from_ark(&a), fr_from_ark(&b));
            assert_eq!(fr_to_ark(&fa), a);
            // The conversion is a field isomorphism.
            assert_eq!(fr_from_ark(&(a * b)), fa * fb);
            assert_eq!(fr_from_ark(&(a + b)), fa + fb);
        }
        assert_eq!(fr_from_ark(&ark_bn254::Fr::from(0u64)), Fr::ZERO);
        assert_eq!(fr_from_ark(&-ark_bn254::Fr::from(1u64)), -Fr::ONE);
    }

    #[test]
    fn integer_residues() {
        let r = BigInt::from(fr_modulus().clone());
        assert_eq!(fr_from_bigint(&r), Fr::ZERO);
        assert_eq!(fr_from_bigint(&(r.clone() - 1)), -Fr::ONE);
        assert_eq!(fr_from_bigint(&BigInt::from(-5)), -Fr::from(5u64));
        assert_eq!(fr_from_i128(-7), -Fr::from(7u64));
        assert_eq!(
            fr_from_i128(i128::MAX),
            fr_from_bigint(&BigInt::from(i128::MAX))
        );
        assert_eq!(fr_to_signed(&-Fr::from(3u64)), BigInt::from(-3));
        let p = fq_modulus_int();
        assert_eq!(fq_from_bigint(&(p + 2)), ark_bn254::Fq::from(2u64));
        assert_eq!(
            fq_from_bigint(&BigInt::from(-1)),
            -ark_bn254::Fq::from(1u64)
        );
        assert!(fq_modulus() > fr_modulus());
    }
}
