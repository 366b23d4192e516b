//! The CycleFold challenge inside the primary circuit (over `Fr`): `alpha = glv_scalar(h)` from
//! the 128 bits of `h`.
//!
//! With `s` the low and `e` the high 64 bits of `h` (see [`crate::cyclefold::circuit`]):
//! `k1 = 2^64 + 1 + 2 sum_i s_i 2^i`, `k2 = 2^64 + 1 + 2 sum_i (s_i XOR e_i) 2^i` and
//! `s_i XOR e_i = s_i + e_i - 2 s_i e_i`, so
//!
//! `alpha = (2^64 + 1)(1 + lambda) + sum_i 2^(i+1) [ (1 + lambda) s_i + lambda e_i
//! - 2 lambda s_i e_i ]`,
//!
//! linear in the bits and the 64 products `s_i e_i`: 64 multiplication constraints plus one to
//! allocate the result. The bits must already be constrained boolean by the caller (they are
//! [`AllocatedBit`]s); each product is then exactly `s_i AND e_i`, so `alpha` is exactly
//! `glv_scalar(h)`, the scalar the CycleFold circuit multiplies by.

use crate::cyclefold::circuit::glv_lambda;
use crate::Fr;
use ff::{Field, PrimeField};
use nova_snark::frontend::num::AllocatedNum;
use nova_snark::frontend::{AllocatedBit, ConstraintSystem, LinearCombination, SynthesisError};

/// `alpha = glv_scalar(h)` as an `Fr` variable, from the 128 little-endian bits of `h`
/// (65 constraints). `SynthesisError::IncompatibleLengthVector` unless exactly 128 bits.
pub fn alpha_from_bits<CS: ConstraintSystem<Fr>>(
    cs: &mut CS,
    bits: &[AllocatedBit],
) -> Result<AllocatedNum<Fr>, SynthesisError> {
    if bits.len() != 128 {
        return Err(SynthesisError::IncompatibleLengthVector(format!(
            "alpha_from_bits needs 128 bits, got {}",
            bits.len()
        )));
    }
    let lambda = glv_lambda();
    let one_plus_lambda = Fr::ONE + lambda;
    let two_pow_64 = Fr::from_u128(1u128 << 64);
    let mut lc = LinearCombination::from_coeff(CS::one(), (two_pow_64 + Fr::ONE) * one_plus_lambda);
    let mut value = Some((two_pow_64 + Fr::ONE) * one_plus_lambda);
    let mut pow = Fr::from(2); // 2^(i+1)
    let as_fr = |b: bool| if b { Fr::ONE } else { Fr::ZERO };
    for i in 0..64 {
        let (s, e) = (&bits[i], &bits[64 + i]);
        let pv = match (s.get_value(), e.get_value()) {
            (Some(a), Some(b)) => Some(a && b),
            _ => None,
        };
        let p = cs.alloc(
            || format!("s{i} e{i}"),
            || pv.map(as_fr).ok_or(SynthesisError::AssignmentMissing),
        )?;
        cs.enforce(
            || format!("s{i} * e{i}"),
            |l| l + s.get_variable(),
            |l| l + e.get_variable(),
            |l| l + p,
        );
        lc = lc + (pow * one_plus_lambda, s.get_variable()) + (pow * lambda, e.get_variable())
            - (pow * lambda.double(), p);
        value = match (value, s.get_value(), e.get_value(), pv) {
            (Some(v), Some(sv), Some(ev), Some(p)) => Some(
                v + pow
                    * (one_plus_lambda * as_fr(sv) + lambda * as_fr(ev)
                        - lambda.double() * as_fr(p)),
            ),
            _ => None,
        };
        pow = pow.double();
    }
    let alpha = AllocatedNum::alloc(cs.namespace(|| "alpha"), || {
        value.ok_or(SynthesisError::AssignmentMissing)
    })?;
    cs.enforce(
        || "alpha",
        |l| l + &lc,
        |l| l + CS::one(),
        |l| l + alpha.get_variable(),
    );
    Ok(alpha)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::cyclefold::circuit::glv_scalar;
    use nova_snark::frontend::r1cs::NovaShape;
    use nova_snark::frontend::shape_cs::ShapeCS;
    use nova_snark::frontend::solver::SatisfyingAssignment;
    use nova_snark::provider::Bn256EngineKZG;
    use rand::{Rng, SeedableRng};

    type E = Bn256EngineKZG;

    fn synth<CS: ConstraintSystem<Fr>>(cs: &mut CS, h: u128) -> AllocatedNum<Fr> {
        let bits: Vec<AllocatedBit> = (0..128)
            .map(|i| {
                AllocatedBit::alloc(cs.namespace(|| format!("b{i}")), Some((h >> i) & 1 == 1))
                    .unwrap()
            })
            .collect();
        alpha_from_bits(&mut cs.namespace(|| "alpha"), &bits).unwrap()
    }

    #[test]
    fn alpha_from_bits_matches_glv_scalar() {
        let mut shape = ShapeCS::<E>::new();
        synth(&mut shape, 0);
        let s = shape.r1cs_shape().unwrap();
        println!(
            "alpha_from_bits: {} constraints (incl. 128 booleanity)",
            s.num_cons()
        );
        assert_eq!(s.num_cons(), 128 + 65);
        let mut rng = rand_chacha::ChaCha20Rng::seed_from_u64(3);
        let mut hs = vec![0u128, u128::MAX, 1 << 64, (1 << 64) - 1];
        hs.extend((0..8).map(|_| rng.gen::<u128>()));
        for h in hs {
            let mut cs = SatisfyingAssignment::<E>::new();
            let alpha = synth(&mut cs, h);
            assert_eq!(alpha.get_value(), Some(glv_scalar(h)));
            let mut z = cs.aux_assignment().to_vec();
            z.extend_from_slice(cs.input_assignment());
            let (a, b, c) = s.multiply_vec(&z).unwrap();
            assert!((0..s.num_cons()).all(|i| a[i] * b[i] == c[i]));
            // a wrong alpha is rejected
            let idx = z.len() - cs.input_assignment().len() - 1;
            z[idx] += Fr::ONE;
            let (a, b, c) = s.multiply_vec(&z).unwrap();
            assert!(!(0..s.num_cons()).all(|i| a[i] * b[i] == c[i]));
        }
    }
}
