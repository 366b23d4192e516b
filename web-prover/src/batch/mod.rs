//! Proofs of the project's batch circuit (`zkagg_core::batch`) from its arkworks proving key, on
//! the same fast path as snarkjs keys ([`crate::prover`]): no constraint system is built per
//! proof, and the MSMs go through [`MsmEngine`] (GPU where available, checked, CPU fallback).
//!
//! The steps, each a phase of [`BatchReport`]:
//! 1. `shape`: the circuit's A and B matrices ([`BatchShape`]): built once per shape by the
//!    caller and reused by every proof (a volunteer proves job after job of the same shape).
//! 2. `witness`: the full assignment `z` from a synthesis that records no constraints (the
//!    gadgets compute their values; nothing else is kept).
//! 3. `qap`: `A z`, `B z` and `h`'s coefficients ([`qap::h_coefficients`], arkworks'
//!    libsnark reduction, which is what the key's `H` points encode).
//! 4. `msm_a`, `msm_b1`, `msm_b2` (G2, CPU), `msm_h`, `msm_l`.
//! 5. `finish`: the proof, and its check against the key's verifying key.
//!
//! The proof is the one `ark-groth16` gives for the same `r`, `s`:
//! `A = alpha + a_0 + sum z_i a_i + r delta`, `B = beta + b_0 + sum z_i b_i + s delta` (G2 and
//! G1), `C = sum h_j H_j + sum_{witness} z_i L_i + s A + r B1 - r s delta`.

pub mod qap;
pub mod shape;

use ark_bn254::{Fr, G1Affine, G1Projective};
use ark_ec::{AffineRepr, CurveGroup};
use ark_ff::{BigInt, UniformRand};
use ark_poly::{EvaluationDomain, GeneralEvaluationDomain};
use ark_relations::gr1cs::{
    ConstraintSynthesizer, ConstraintSystem, OptimizationGoal, SynthesisMode,
};
use rand::SeedableRng;
use serde::Serialize;
use zkagg_core::batch::{BatchCircuit, BatchWitness};
use zkagg_core::{Proof, ProvingKey};
use zkagg_gpu_msm::{now_ms, MsmEngine};

pub use shape::BatchShape;

use crate::{Error, Result};

/// A batch proof, its public inputs and what it cost.
#[derive(Clone, Debug)]
pub struct BatchProof {
    /// The proof.
    pub proof: Proof,
    /// Its public inputs (the batch statement), without the leading one.
    pub inputs: Vec<Fr>,
    /// What happened.
    pub report: BatchReport,
}

/// What a batch proof cost.
#[derive(Clone, Debug, Default, Serialize)]
pub struct BatchReport {
    /// Constraints of the circuit.
    pub constraints: usize,
    /// Variables (instance, the constant one included, and witness).
    pub variables: usize,
    /// FFT domain size.
    pub domain_size: usize,
    /// Milliseconds per phase, in order.
    pub phase_ms: Vec<(String, f64)>,
    /// Total milliseconds (phases measured here; a shape built by the caller is its own).
    pub total_ms: f64,
}

/// Phase timing, progress and cancellation for one proof.
struct Steps<'a> {
    progress: &'a mut dyn FnMut(&str, f64),
    cancel: &'a dyn Fn() -> bool,
    report: BatchReport,
    start: f64,
    phase_start: f64,
}

impl Steps<'_> {
    /// Close the current phase under `name` and fail if the proof was cancelled meanwhile.
    fn end(&mut self, name: &str) -> Result<()> {
        let now = now_ms();
        self.report
            .phase_ms
            .push((name.to_string(), now - self.phase_start));
        self.phase_start = now;
        if (self.cancel)() {
            return Err(Error::Cancelled);
        }
        Ok(())
    }
}

/// The full assignment `z` (instance, the constant one first, then witness) of `witness` for
/// the circuit of `shape`: a prove-mode synthesis that records no constraints, so the gadgets
/// only compute values. The witness is replayed natively first, so an inconsistent batch is
/// refused by name instead of giving a proof that fails its check.
pub fn assignment(shape: &BatchShape, witness: &BatchWitness) -> Result<Vec<Fr>> {
    let circuit_err = |e: ark_relations::gr1cs::SynthesisError| Error::Circuit(e.to_string());
    witness.check(shape.params())?;
    let cs = ConstraintSystem::<Fr>::new_ref();
    cs.set_optimization_goal(OptimizationGoal::Constraints);
    cs.set_mode(SynthesisMode::Prove {
        construct_matrices: false,
        generate_lc_assignments: false,
    });
    BatchCircuit::new(*shape.params(), witness.clone())
        .generate_constraints(cs.clone())
        .map_err(circuit_err)?;
    cs.finalize();
    let mut z = cs.instance_assignment().map_err(circuit_err)?;
    z.extend(cs.witness_assignment().map_err(circuit_err)?);
    if cs.num_instance_variables() != shape.num_instance()
        || cs.num_witness_variables() != shape.num_witness()
    {
        return Err(Error::Mismatch(format!(
            "the synthesis assigned {} inputs + {} witnesses, the shape has {} + {}",
            cs.num_instance_variables(),
            cs.num_witness_variables(),
            shape.num_instance(),
            shape.num_witness()
        )));
    }
    Ok(z)
}

fn bigints(v: &[Fr]) -> Vec<BigInt<4>> {
    zkagg_gpu_msm::plan::scalars_to_bigints(v)
}

async fn g1_msm(
    engine: &MsmEngine,
    bases: &[G1Affine],
    scalars: &[BigInt<4>],
    cancel: &dyn Fn() -> bool,
) -> Result<G1Projective> {
    let n = bases.len().min(scalars.len());
    Ok(engine.msm(&bases[..n], &scalars[..n], cancel).await?.result)
}

/// Check that `pk` has the shape's sizes (a key for other batch parameters is refused here, by
/// name, rather than by the self-check after all the work).
fn check_key(pk: &ProvingKey, shape: &BatchShape, domain_size: usize) -> Result<()> {
    let vars = shape.num_instance() + shape.num_witness();
    if pk.vk.gamma_abc_g1.len() != shape.num_instance()
        || pk.a_query.len() != vars
        || pk.b_g1_query.len() != vars
        || pk.b_g2_query.len() != vars
        || pk.l_query.len() != shape.num_witness()
        || pk.h_query.len() + 1 != domain_size
    {
        return Err(Error::Mismatch(format!(
            "the proving key is for another circuit shape (the circuit has {} inputs + {} \
             witnesses and a domain of {domain_size}; the key has {} inputs, {} A points, {} L \
             points, {} H points)",
            shape.num_instance(),
            shape.num_witness(),
            pk.vk.gamma_abc_g1.len(),
            pk.a_query.len(),
            pk.l_query.len(),
            pk.h_query.len()
        )));
    }
    Ok(())
}

/// Prove a batch of `shape`'s circuit. `progress(phase, fraction)` reports the "witness",
/// "qap" and "msm" steps; `cancel` is polled between steps. `seed` makes the blinding
/// deterministic (tests only).
#[allow(clippy::too_many_arguments)]
pub async fn prove_batch(
    pk: &ProvingKey,
    shape: &BatchShape,
    witness: &BatchWitness,
    engine: &MsmEngine,
    seed: Option<u64>,
    progress: &mut dyn FnMut(&str, f64),
    cancel: &dyn Fn() -> bool,
) -> Result<BatchProof> {
    let domain = qap::domain(shape.num_constraints() + shape.num_instance())?;
    check_key(pk, shape, domain.size())?;
    let start = now_ms();
    let mut steps = Steps {
        progress,
        cancel,
        report: BatchReport {
            constraints: shape.num_constraints(),
            variables: shape.num_instance() + shape.num_witness(),
            domain_size: domain.size(),
            ..BatchReport::default()
        },
        start,
        phase_start: start,
    };

    (steps.progress)("witness", 0.0);
    let z = assignment(shape, witness)?;
    steps.end("witness")?;
    let (proof, inputs) =
        prove_assignment(pk, shape, &domain, &z, engine, seed, &mut steps).await?;
    let mut report = steps.report;
    report.total_ms = now_ms() - steps.start;
    Ok(BatchProof {
        proof,
        inputs,
        report,
    })
}

/// The proof for the full assignment `z` (from "qap" to "finish"). `z` is not checked against
/// the circuit here: an assignment that does not satisfy it ends in [`Error::BatchSelfCheck`].
async fn prove_assignment(
    pk: &ProvingKey,
    shape: &BatchShape,
    domain: &GeneralEvaluationDomain<Fr>,
    z: &[Fr],
    engine: &MsmEngine,
    seed: Option<u64>,
    steps: &mut Steps<'_>,
) -> Result<(Proof, Vec<Fr>)> {
    let cancel = steps.cancel;
    (steps.progress)("qap", 0.0);
    let h_big = qap::h_scalars(shape, domain, z)?;
    // Scalars without the leading constant one (its bases are query[0]).
    let assigned = bigints(&z[1..]);
    steps.end("qap")?;

    let (r, s) = match seed {
        Some(seed) => {
            let mut rng = rand_chacha::ChaCha20Rng::seed_from_u64(seed);
            (Fr::rand(&mut rng), Fr::rand(&mut rng))
        }
        None => (
            Fr::rand(&mut rand::rngs::OsRng),
            Fr::rand(&mut rand::rngs::OsRng),
        ),
    };
    let witness_from = shape.num_instance() - 1;
    (steps.progress)("msm", 0.0);
    let a_sum = g1_msm(engine, &pk.a_query[1..], &assigned, cancel).await?;
    (steps.progress)("msm", 0.2);
    steps.end("msm_a")?;
    let b1_sum = g1_msm(engine, &pk.b_g1_query[1..], &assigned, cancel).await?;
    (steps.progress)("msm", 0.4);
    steps.end("msm_b1")?;
    let b2_sum = zkagg_gpu_msm::cpu::msm(&pk.b_g2_query[1..], &assigned);
    (steps.progress)("msm", 0.6);
    steps.end("msm_b2")?;
    let h_sum = g1_msm(engine, &pk.h_query, &h_big, cancel).await?;
    (steps.progress)("msm", 0.8);
    steps.end("msm_h")?;
    let l_sum = g1_msm(engine, &pk.l_query, &assigned[witness_from..], cancel).await?;
    (steps.progress)("msm", 1.0);
    steps.end("msm_l")?;

    let delta1 = pk.delta_g1.into_group();
    let g_a = pk.a_query[0] + a_sum + pk.vk.alpha_g1 + delta1 * r;
    let g1_b = pk.b_g1_query[0] + b1_sum + pk.beta_g1 + delta1 * s;
    let g2_b = pk.b_g2_query[0] + b2_sum + pk.vk.beta_g2 + pk.vk.delta_g2.into_group() * s;
    let c = g_a * s + g1_b * r - delta1 * (r * s) + l_sum + h_sum;
    let inputs: Vec<Fr> = z[1..shape.num_instance()].to_vec();
    let proof = Proof {
        a: g_a.into_affine(),
        b: g2_b.into_affine(),
        c: c.into_affine(),
    };
    // Self-check, as the zkey prover does: a corrupted key (it is loaded unvalidated, for speed)
    // or an assignment that does not satisfy the circuit must give an error, never a proof that
    // fails later (see `qap`: H is computed as if the assignment satisfied C).
    if !zkagg_core::verifier::verify(&pk.vk, &proof, &inputs)? {
        return Err(Error::BatchSelfCheck);
    }
    steps.end("finish")?;
    Ok((proof, inputs))
}

/// [`prove_batch`] for native callers (`zkagg volunteer`): no progress, no cancellation,
/// blinding from the OS RNG, run to completion on this thread (the MSMs use rayon's pool).
#[cfg(not(target_arch = "wasm32"))]
pub fn prove_batch_blocking(
    pk: &ProvingKey,
    shape: &BatchShape,
    witness: &BatchWitness,
    engine: &MsmEngine,
) -> Result<BatchProof> {
    pollster::block_on(prove_batch(
        pk,
        shape,
        witness,
        engine,
        None,
        &mut |_, _| {},
        &|| false,
    ))
}

#[cfg(test)]
mod tests {
    use super::*;
    use ark_groth16::r1cs_to_qap::{LibsnarkReduction, R1CSToQAP};
    use ark_poly::GeneralEvaluationDomain;
    use rand::SeedableRng;
    use zkagg_core::batch::{random_genesis_and_batch, BatchParams};

    fn small() -> (BatchParams, BatchWitness) {
        let params = BatchParams {
            transfers: 2,
            depth: 4,
        };
        let mut rng = rand_chacha::ChaCha20Rng::seed_from_u64(11);
        let (mut tree, transfers) = random_genesis_and_batch(&params, &mut rng).unwrap();
        let (_, witness) = tree.apply_batch(&params, &transfers).unwrap();
        (params, witness)
    }

    /// The shape's assignment and H equal arkworks' own prover path (a synthesis with matrices
    /// and `LibsnarkReduction::witness_map`), value for value.
    #[test]
    fn assignment_and_h_equal_arkworks() {
        let (params, witness) = small();
        let shape = BatchShape::build(&params).unwrap();
        let z = assignment(&shape, &witness).unwrap();

        let cs = ConstraintSystem::<Fr>::new_ref();
        cs.set_optimization_goal(OptimizationGoal::Constraints);
        cs.set_mode(SynthesisMode::Prove {
            construct_matrices: true,
            generate_lc_assignments: false,
        });
        BatchCircuit::new(params, witness)
            .generate_constraints(cs.clone())
            .unwrap();
        cs.finalize();
        let mut expected_z = cs.instance_assignment().unwrap();
        expected_z.extend(cs.witness_assignment().unwrap());
        assert_eq!(z, expected_z);
        assert_eq!(shape.num_constraints(), cs.num_constraints());
        let expected_h =
            LibsnarkReduction::witness_map::<Fr, GeneralEvaluationDomain<Fr>>(cs.clone()).unwrap();

        let domain = qap::domain(shape.num_constraints() + shape.num_instance()).unwrap();
        let (a, b) = shape.evaluations(&z, domain.size()).unwrap();
        let z29 = crate::fft::read_scaled(&z);
        let (a29, b29) = shape.evaluations_29(&z29, domain.size()).unwrap();
        assert_eq!(a29, crate::fft::read_scaled(&a));
        assert_eq!(b29, crate::fft::read_scaled(&b));
        let h29 = qap::h_scalars_29(&domain, a29, b29).unwrap();
        let h = qap::h_coefficients(&domain, a, b).unwrap();
        assert_eq!(h, expected_h);
        assert_eq!(h29, bigints(&expected_h));
        assert_eq!(qap::h_scalars(&shape, &domain, &z).unwrap(), h29);
    }

    /// H is computed as if `C z = A z o B z`: an assignment that does not satisfy the circuit
    /// (one witness value changed, so some constraint breaks) must end in the self-check's
    /// error, never in a proof; the untouched assignment proves and verifies.
    #[test]
    fn an_unsatisfying_assignment_gives_no_proof() {
        let (params, witness) = small();
        let mut rng = rand_chacha::ChaCha20Rng::seed_from_u64(12);
        let (pk, vk) = zkagg_core::batch::setup(&params, &mut rng).unwrap();
        let shape = BatchShape::build(&params).unwrap();
        let domain = qap::domain(shape.num_constraints() + shape.num_instance()).unwrap();
        let engine = MsmEngine::cpu_only();
        let z = assignment(&shape, &witness).unwrap();
        let prove = |z: &[Fr]| {
            let start = now_ms();
            let mut steps = Steps {
                progress: &mut |_, _| {},
                cancel: &|| false,
                report: BatchReport::default(),
                start,
                phase_start: start,
            };
            pollster::block_on(prove_assignment(
                &pk,
                &shape,
                &domain,
                z,
                &engine,
                Some(1),
                &mut steps,
            ))
        };
        let (proof, inputs) = prove(&z).unwrap();
        assert!(zkagg_core::verifier::verify(&vk, &proof, &inputs).unwrap());
        for at in [shape.num_instance(), z.len() / 2, z.len() - 1] {
            let mut bad = z.clone();
            bad[at] += Fr::from(1u64);
            let err = prove(&bad).unwrap_err();
            assert!(matches!(err, Error::BatchSelfCheck), "variable {at}: {err}");
        }
    }

    /// A witness of another shape is refused by name before any work.
    #[test]
    fn another_shape_is_refused() {
        let (_, witness) = small();
        let shape = BatchShape::build(&BatchParams {
            transfers: 1,
            depth: 4,
        })
        .unwrap();
        assert!(assignment(&shape, &witness).is_err());
        let z = vec![Fr::from(1u64); 3];
        let err = shape.evaluations(&z, 1 << 20).unwrap_err();
        assert!(err.to_string().contains("assigned variables"), "{err}");
    }
}
