//! A small step and final statement for the decider's tests: `z = (count, acc)`,
//! `count' = count + 1`, `acc' = acc^2 + count + 3`; the statement is `(count, acc, 0, 0)`.
#![allow(dead_code)]

use ff::Field;
use halo2curves::group::{Curve, Group};
use nova_snark::frontend::num::AllocatedNum;
use nova_snark::frontend::{ConstraintSystem, SynthesisError};
use rand::SeedableRng;
use zkagg_decider::circuit::{FinalStatement, StatementVars};
use zkagg_folding::commitment::kzg::KzgKey;
use zkagg_folding::ivc::{IvcProver, IvcState, KeySource, PublicParams};
use zkagg_folding::step::FoldStep;
use zkagg_folding::{Fr, G1Affine};

/// The step.
pub struct Counter;

impl FoldStep for Counter {
    fn arity(&self) -> usize {
        2
    }
    fn element_bits(&self) -> Vec<Option<u32>> {
        vec![None, None]
    }
    fn synthesize<CS: ConstraintSystem<Fr>>(
        &self,
        cs: &mut CS,
        z: &[AllocatedNum<Fr>],
    ) -> Result<Vec<AllocatedNum<Fr>>, SynthesisError> {
        let count = AllocatedNum::alloc(cs.namespace(|| "count'"), || {
            Ok(z[0].get_value().unwrap_or(Fr::ZERO) + Fr::ONE)
        })?;
        cs.enforce(
            || "count' = count + 1",
            |l| l + z[0].get_variable() + CS::one(),
            |l| l + CS::one(),
            |l| l + count.get_variable(),
        );
        let sq = z[1].square(cs.namespace(|| "acc^2"))?;
        let acc = AllocatedNum::alloc(cs.namespace(|| "acc'"), || {
            Ok(sq.get_value().unwrap_or(Fr::ZERO)
                + z[0].get_value().unwrap_or(Fr::ZERO)
                + Fr::from(3u64))
        })?;
        cs.enforce(
            || "acc'",
            |l| l + sq.get_variable() + z[0].get_variable() + (Fr::from(3u64), CS::one()),
            |l| l + CS::one(),
            |l| l + acc.get_variable(),
        );
        Ok(vec![count, acc])
    }
}

/// The statement: `(count, acc, 0, 0)`, with the predicate `count != 0`.
pub struct CounterStatement;

impl FinalStatement for CounterStatement {
    fn key_hash(&self) -> Fr {
        Fr::from(0xabcdu64)
    }
    fn statement_native(&self, z: &[Fr]) -> Result<[Fr; 4], String> {
        Ok([z[0], z[1], Fr::ZERO, Fr::ZERO])
    }
    fn synthesize<CS: ConstraintSystem<Fr>>(
        &self,
        cs: &mut CS,
        z: &[AllocatedNum<Fr>],
    ) -> Result<StatementVars, SynthesisError> {
        let inv = AllocatedNum::alloc(cs.namespace(|| "1/count"), || {
            Ok(
                Option::<Fr>::from(z[0].get_value().unwrap_or(Fr::ZERO).invert())
                    .unwrap_or(Fr::ZERO),
            )
        })?;
        cs.enforce(
            || "count != 0",
            |l| l + z[0].get_variable(),
            |l| l + inv.get_variable(),
            |l| l + CS::one(),
        );
        let zero = |cs: &mut CS, name: &str| -> Result<AllocatedNum<Fr>, SynthesisError> {
            let v = AllocatedNum::alloc(cs.namespace(|| name.to_string()), || Ok(Fr::ZERO))?;
            cs.enforce(
                || name.to_string(),
                |l| l + v.get_variable(),
                |l| l + CS::one(),
                |l| l,
            );
            Ok(v)
        };
        Ok(StatementVars {
            count: z[0].clone(),
            statements_root: z[1].clone(),
            old_root: zero(cs, "old")?,
            new_root: zero(cs, "new")?,
        })
    }
}

/// `z_0`.
pub fn z0() -> Vec<Fr> {
    vec![Fr::ZERO, Fr::from(5u64)]
}

/// Parameters with a random (test) commitment key of the right length.
pub fn params_with_random_key() -> PublicParams {
    PublicParams::setup(
        &Counter,
        KeySource::Provider(Box::new(|shape| {
            let mut rng = rand_chacha::ChaCha20Rng::seed_from_u64(7);
            let g = halo2curves::bn256::G1::random(&mut rng);
            let mut pts = Vec::with_capacity(shape.num_vars());
            let mut acc = g;
            for _ in 0..shape.num_vars() {
                acc += g + halo2curves::bn256::G1::random(&mut rng);
                pts.push(acc);
            }
            let mut aff = vec![G1Affine::default(); pts.len()];
            halo2curves::bn256::G1::batch_normalize(&pts, &mut aff);
            KzgKey::from_points(aff)
        })),
    )
    .expect("parameters")
}

/// Runs `n` steps.
pub fn run(pp: &PublicParams, n: usize) -> IvcState {
    let mut prover = IvcProver::new(pp, z0()).expect("prover");
    for _ in 0..n {
        prover.prove_step(&Counter).expect("step");
    }
    prover.state().clone()
}
