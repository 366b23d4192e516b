//! Proofs of the project's batch circuit (`zkagg_core::batch`) from its arkworks proving key,
//! with the MSMs through [`MsmEngine`] (GPU where available, checked, CPU fallback).
//!
//! The statement and key are arkworks' (`zkagg setup` writes them), so `H` is arkworks'
//! libsnark-style reduction (ark-groth16's `LibsnarkReduction`), not snarkjs's; the proof is the
//! same as `zkagg_core::batch::prove` would give for the same `r`, `s`:
//! `A = alpha + a_0 + sum x_i a_i + r delta`, `B = beta + b_0 + sum x_i b_i + s delta` (G2 and
//! G1), `C = sum h_j H_j + sum_{witness} w_i L_i + s A + r B1 - r s delta`.

use ark_bn254::{Fr, G1Affine, G1Projective};
use ark_ec::{AffineRepr, CurveGroup};
use ark_ff::{BigInt, UniformRand};
use ark_groth16::r1cs_to_qap::{LibsnarkReduction, R1CSToQAP};
use ark_poly::GeneralEvaluationDomain;
use ark_relations::gr1cs::{
    ConstraintSynthesizer, ConstraintSystem, OptimizationGoal, SynthesisMode,
};
use rand::SeedableRng;
use zkagg_core::batch::{BatchCircuit, BatchParams, BatchWitness};
use zkagg_core::{Proof, ProvingKey};
use zkagg_gpu_msm::MsmEngine;

use crate::{Error, Result};

fn circuit_err(e: impl std::fmt::Display) -> Error {
    Error::Circuit(e.to_string())
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

/// Prove a batch. `progress(phase, fraction)` reports "synthesis", "qap", "msm" steps; `cancel`
/// is polled between steps. `seed` makes the blinding deterministic (tests only).
pub async fn prove_batch(
    pk: &ProvingKey,
    params: &BatchParams,
    witness: &BatchWitness,
    engine: &MsmEngine,
    seed: Option<u64>,
    progress: &mut dyn FnMut(&str, f64),
    cancel: &dyn Fn() -> bool,
) -> Result<(Proof, Vec<Fr>)> {
    let stop = || {
        if cancel() {
            Err(Error::Cancelled)
        } else {
            Ok(())
        }
    };
    witness.check(params)?;
    progress("synthesis", 0.0);
    let cs = ConstraintSystem::<Fr>::new_ref();
    cs.set_optimization_goal(OptimizationGoal::Constraints);
    cs.set_mode(SynthesisMode::Prove {
        construct_matrices: true,
        generate_lc_assignments: false,
    });
    BatchCircuit::new(*params, witness.clone())
        .generate_constraints(cs.clone())
        .map_err(circuit_err)?;
    cs.finalize();
    stop()?;
    progress("qap", 0.0);
    let h = LibsnarkReduction::witness_map::<Fr, GeneralEvaluationDomain<Fr>>(cs.clone())
        .map_err(circuit_err)?;
    let instance = cs.instance_assignment().map_err(circuit_err)?;
    let wit = cs.witness_assignment().map_err(circuit_err)?;
    drop(cs);
    if instance.len() != pk.vk.gamma_abc_g1.len() || pk.a_query.len() != instance.len() + wit.len()
    {
        return Err(Error::Mismatch(format!(
            "the proving key is for another circuit shape ({} inputs + {} witnesses, key: {} / {})",
            instance.len(),
            wit.len(),
            pk.vk.gamma_abc_g1.len(),
            pk.a_query.len()
        )));
    }
    stop()?;
    // Assignment without the leading constant 1 (its bases are query[0]).
    let mut assignment = bigints(&instance[1..]);
    let wit_big = bigints(&wit);
    assignment.extend_from_slice(&wit_big);
    let h_big = bigints(&h);
    drop(h);

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
    progress("msm", 0.0);
    let a_sum = g1_msm(engine, &pk.a_query[1..], &assignment, cancel).await?;
    progress("msm", 0.2);
    stop()?;
    let b1_sum = g1_msm(engine, &pk.b_g1_query[1..], &assignment, cancel).await?;
    progress("msm", 0.4);
    stop()?;
    let b2_sum = zkagg_gpu_msm::cpu::msm(&pk.b_g2_query[1..], &assignment);
    progress("msm", 0.6);
    stop()?;
    let h_sum = g1_msm(engine, &pk.h_query, &h_big, cancel).await?;
    progress("msm", 0.8);
    stop()?;
    let l_sum = g1_msm(engine, &pk.l_query, &wit_big, cancel).await?;
    progress("msm", 1.0);

    let delta1 = pk.delta_g1.into_group();
    let g_a = pk.a_query[0] + a_sum + pk.vk.alpha_g1 + delta1 * r;
    let g1_b = pk.b_g1_query[0] + b1_sum + pk.beta_g1 + delta1 * s;
    let g2_b = pk.b_g2_query[0] + b2_sum + pk.vk.beta_g2 + pk.vk.delta_g2.into_group() * s;
    let c = g_a * s + g1_b * r - delta1 * (r * s) + l_sum + h_sum;
    let inputs: Vec<Fr> = instance[1..].to_vec();
    let proof = Proof {
        a: g_a.into_affine(),
        b: g2_b.into_affine(),
        c: c.into_affine(),
    };
    // Self-check, as the zkey prover does: a corrupted key (it is loaded unvalidated, for speed)
    // must give an error, never a proof that fails later.
    if !zkagg_core::verifier::verify(&pk.vk, &proof, &inputs)? {
        return Err(Error::BatchSelfCheck);
    }
    Ok((proof, inputs))
}
