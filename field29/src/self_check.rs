//! The backend checked against arkworks in whatever build runs it: the web prover exports it
//! (`fieldSelfTest`), so the wasm code generation of these sums, differences and products is
//! compared value for value in Node and Chromium, not only natively.

use alloc::format;
use alloc::string::String;
use alloc::vec::Vec;

use ark_ec::pairing::Pairing;
use ark_ec::{AffineRepr, CurveGroup, PrimeGroup};
use ark_ff::{AdditiveGroup, BigInt, CyclotomicMultSubgroup, Field, One, PrimeField, UniformRand};

use crate::backend::{fq_from_ark, fq_to_ark, Fq};
use crate::bn::{self, fq12_from_ark, fq12_to_ark, fq2_from_ark};
use crate::{lazy, lines, pairing};
use ark_ec::bn::G1Prepared;

type ArkFq = ark_bn254::Fq;

/// Counts comparisons and turns the first failed one into an error naming it (the field
/// self-checks here, in `zkagg_gpu_msm::cpu` and in the web prover's QAP share it).
#[derive(Debug, Default)]
pub struct Comparisons {
    count: usize,
}

impl Comparisons {
    /// Count one comparison; `Err(what())` if it failed.
    pub fn check(&mut self, ok: bool, what: &dyn Fn() -> String) -> Result<(), String> {
        self.count += 1;
        if ok {
            Ok(())
        } else {
            Err(what())
        }
    }

    /// The comparisons made so far.
    pub fn count(&self) -> usize {
        self.count
    }
}

/// The edge values of the field checks: 0, 1, 2, p - 1, p - 2, 1/2, -1/2, 2^253, 2^64 - 1
/// (shared with the MSM coordinates' check in `zkagg_gpu_msm::cpu`).
pub fn edge_values() -> Vec<ArkFq> {
    let two = ArkFq::from(2u64);
    let half = two.inverse().unwrap_or(ArkFq::ONE);
    alloc::vec![
        ArkFq::ZERO,
        ArkFq::ONE,
        two,
        -ArkFq::ONE,
        -two,
        half,
        -half,
        two.pow([253u64]),
        ArkFq::from(u64::MAX),
    ]
}

/// Compare the backend's `Fq` (products, sums of two and three products, squares, sums,
/// differences, negations, doublings, inverses, integer views, the rejection of integers not
/// below `p`), its `Fq2` and `Fq12` (products, squares, inverses, Frobenius maps, cyclotomic
/// squares), the lazy `Fq12` products of [`crate::lazy`], the line coefficients of
/// [`crate::lines`] and the pairing of [`crate::pairing`] with arkworks' on the edge values 0,
/// 1, 2, p - 1, p - 2, 1/2, -1/2, 2^253, 2^64 - 1 and `randoms` random values, and check the
/// pairing's bilinearity (`e(aP, bQ) e(-abP, Q) = 1`, `e(P, Q) != 1`). Returns the number of comparisons; the first
/// mismatch is an error naming the operation and its operands.
pub fn backend_agrees_with_arkworks(randoms: usize) -> Result<usize, String> {
    let mut rng = ark_std::test_rng();
    let mut values = edge_values();
    values.extend((0..randoms).map(|_| ArkFq::rand(&mut rng)));
    let mut checks = Comparisons::default();
    let mut same = |ok: bool, what: &dyn Fn() -> String| checks.check(ok, what);
    let back = |x: Fq| fq_to_ark(&x);
    for (i, a) in values.iter().enumerate() {
        let x = fq_from_ark(a);
        same(back(x) == *a, &|| format!("round trip of {a}"))?;
        same(back(x.square()) == a.square(), &|| format!("{a}^2"))?;
        same(back(-x) == -*a, &|| format!("-{a}"))?;
        same(back(x.double()) == a.double(), &|| format!("2 * {a}"))?;
        same(
            back(x.inverse().unwrap_or(Fq::ZERO)) == a.inverse().unwrap_or(ArkFq::ZERO),
            &|| format!("1 / {a}"),
        )?;
        same(
            x.into_bigint().0[..4] == a.into_bigint().0[..] && x.into_bigint().0[4] == 0,
            &|| format!("integer of {a}"),
        )?;
        // Pair each value with a few others, edge values with each other.
        for b in values.iter().skip(i % 7).step_by(7) {
            let y = fq_from_ark(b);
            same(back(x * y) == *a * b, &|| format!("{a} * {b}"))?;
            same(x * y == fq_from_ark(&(*a * b)), &|| {
                format!("limbs of {a} * {b}")
            })?;
            same(back(x + y) == *a + b, &|| format!("{a} + {b}"))?;
            same(back(x - y) == *a - b, &|| format!("{a} - {b}"))?;
            same(x - y == fq_from_ark(&(*a - b)), &|| {
                format!("limbs of {a} - {b}")
            })?;
            let two_terms = Fq::sum_of_products(&[x, y], &[y, -x]);
            same(back(two_terms) == *a * b - *b * a, &|| {
                format!("{a} {b} - {b} {a}")
            })?;
            let three = Fq::sum_of_products(&[x, y, x], &[x, y, y]);
            same(back(three) == a.square() + b.square() + *a * b, &|| {
                format!("{a}^2 + {b}^2 + {a} {b}")
            })?;
        }
    }
    // Integers not below p have no field element.
    let p = <Fq as PrimeField>::MODULUS;
    same(Fq::from_bigint(p).is_none(), &|| {
        "p accepted as an integer".into()
    })?;
    let mut p_plus_one = p;
    p_plus_one.0[0] += 1;
    same(Fq::from_bigint(p_plus_one).is_none(), &|| {
        "p + 1 accepted".into()
    })?;
    same(Fq::from_bigint(BigInt([0, 0, 0, 0, 1])).is_none(), &|| {
        "2^256 accepted".into()
    })?;

    for _ in 0..randoms.max(2) {
        let (a, b) = (
            ark_bn254::Fq2::rand(&mut rng),
            ark_bn254::Fq2::rand(&mut rng),
        );
        let (x, y) = (fq2_from_ark(&a), fq2_from_ark(&b));
        same(x * y == fq2_from_ark(&(a * b)), &|| {
            format!("Fq2 {a} * {b}")
        })?;
        same(x.square() == fq2_from_ark(&a.square()), &|| {
            format!("Fq2 {a}^2")
        })?;
        same(
            x.inverse()
                .map(|v| v == fq2_from_ark(&a.inverse().unwrap()))
                == Some(true),
            &|| format!("Fq2 1 / {a}"),
        )?;
        let (c, d) = (
            ark_bn254::Fq12::rand(&mut rng),
            ark_bn254::Fq12::rand(&mut rng),
        );
        let (u, v) = (fq12_from_ark(&c), fq12_from_ark(&d));
        same(fq12_to_ark(&(u * v)) == c * d, &|| "Fq12 product".into())?;
        same(fq12_to_ark(&u.square()) == c.square(), &|| {
            "Fq12 square".into()
        })?;
        same(
            fq12_to_ark(&u.inverse().unwrap_or(bn::Fq12::ONE))
                == c.inverse().unwrap_or(ark_bn254::Fq12::ONE),
            &|| "Fq12 inverse".into(),
        )?;
        for power in [1, 2, 3, 6] {
            same(
                fq12_to_ark(&u.frobenius_map(power)) == c.frobenius_map(power),
                &|| format!("Fq12 Frobenius^{power}"),
            )?;
        }
        // An element of the cyclotomic subgroup: c^((p^6 - 1)(p^2 + 1)).
        let easy = c.frobenius_map(6) * c.inverse().unwrap_or(ark_bn254::Fq12::ONE);
        let cyclotomic = easy.frobenius_map(2) * easy;
        same(
            fq12_from_ark(&cyclotomic).cyclotomic_square()
                == fq12_from_ark(&cyclotomic.cyclotomic_square()),
            &|| "Fq12 cyclotomic square".into(),
        )?;
        same(
            fq12_to_ark(&lazy::cyclotomic_square(&fq12_from_ark(&cyclotomic)))
                == cyclotomic.cyclotomic_square(),
            &|| "lazy cyclotomic square".into(),
        )?;
        lazy_products_agree(&c, &d, &mut same)?;
    }
    // The lazy products on Fq12 values whose coefficients are all one edge value, and on
    // pairs of different edge values.
    let edges: Vec<ark_bn254::Fq12> = edge_values()
        .into_iter()
        .map(|e| {
            let two = ark_bn254::Fq2::new(e, -e);
            let six = ark_bn254::Fq6::new(two, ark_bn254::Fq2::new(e, e), two);
            ark_bn254::Fq12::new(six, six)
        })
        .collect();
    for (i, c) in edges.iter().enumerate() {
        lazy_products_agree(c, &edges[(i + 3) % edges.len()], &mut same)?;
        lazy_products_agree(c, c, &mut same)?;
    }

    // Bilinearity of the pairing on this backend: e(aP, bQ) e(-abP, Q) = 1, and e(P, Q) != 1.
    let (a, b) = (ark_bn254::Fr::rand(&mut rng), ark_bn254::Fr::rand(&mut rng));
    let p = ark_bn254::G1Projective::generator();
    let q = ark_bn254::G2Projective::generator();
    let left = [(p * a).into_affine(), (p * (-(a * b))).into_affine()];
    let right = [(q * b).into_affine(), q.into_affine()];
    let product = bn::Bn254::multi_pairing(
        left.iter().map(bn::g1_from_ark),
        right.iter().map(bn::g2_from_ark),
    );
    same(product.0.is_one(), &|| "e(aP, bQ) e(-abP, Q) != 1".into())?;
    let single = bn::Bn254::pairing(
        bn::g1_from_ark(&ark_bn254::G1Affine::generator()),
        bn::g2_from_ark(&ark_bn254::G2Affine::generator()),
    );
    same(!single.0.is_one(), &|| "e(P, Q) = 1".into())?;

    // The wasm verifier's pairing (this crate's line coefficients, Miller loop and final
    // exponentiation) against arkworks' BN254 pairing on the same points.
    let prepared: Vec<bn::G2Prepared> = right
        .iter()
        .map(|q| lines::prepare(&bn::g2_from_ark(q)))
        .collect();
    for (q, ours) in right.iter().zip(&prepared) {
        let theirs = bn::G2Prepared::from(bn::g2_from_ark(q));
        same(ours.ell_coeffs == theirs.ell_coeffs, &|| {
            format!("line coefficients of {q}")
        })?;
    }
    let pairs: Vec<_> = left
        .iter()
        .map(|p| G1Prepared::from(bn::g1_from_ark(p)))
        .zip(&prepared)
        .collect();
    let ours = pairing::final_exponentiation(&pairing::multi_miller_loop(&pairs[..1]));
    let expected = ark_bn254::Bn254::pairing(left[0], right[0]).0;
    same(ours.map(|v| fq12_to_ark(&v)) == Some(expected), &|| {
        "lazy pairing e(aP, bQ)".into()
    })?;
    let ours = pairing::final_exponentiation(&pairing::multi_miller_loop(&pairs));
    same(ours.is_some_and(|v| v.is_one()), &|| {
        "lazy pairing e(aP, bQ) e(-abP, Q) != 1".into()
    })?;
    Ok(checks.count())
}

/// `lazy`'s `Fq12` product, square, inverse and line product against arkworks' on `c`, `d`.
fn lazy_products_agree(
    c: &ark_bn254::Fq12,
    d: &ark_bn254::Fq12,
    same: &mut impl FnMut(bool, &dyn Fn() -> String) -> Result<(), String>,
) -> Result<(), String> {
    let (u, v) = (fq12_from_ark(c), fq12_from_ark(d));
    same(fq12_to_ark(&lazy::mul(&u, &v)) == *c * d, &|| {
        format!("lazy Fq12 {c} * {d}")
    })?;
    same(fq12_to_ark(&lazy::square(&u)) == c.square(), &|| {
        format!("lazy Fq12 {c}^2")
    })?;
    same(
        lazy::inverse(&u).map(|w| fq12_to_ark(&w)) == c.inverse(),
        &|| format!("lazy Fq12 1 / {c}"),
    )?;
    let (l0, l3, l4) = (d.c0.c0, d.c1.c0, d.c1.c1);
    let mut line = u;
    lazy::mul_by_034(
        &mut line,
        &fq2_from_ark(&l0),
        &fq2_from_ark(&l3),
        &fq2_from_ark(&l4),
    );
    let mut expected = *c;
    expected.mul_by_034(&l0, &l3, &l4);
    same(fq12_to_ark(&line) == expected, &|| {
        format!("lazy line product {c} by {d}")
    })
}

#[cfg(test)]
mod tests {
    #[test]
    fn the_backend_agrees_with_arkworks() {
        let count = super::backend_agrees_with_arkworks(40).unwrap();
        assert!(count > 1000, "{count} comparisons");
    }
}
