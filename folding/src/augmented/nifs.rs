//! The primary NIFS verifier in circuit (step 2 of the augmented circuit, and the decider's last
//! fold): every challenge of [`crate::primary`]'s fold recomputed with the Poseidon transcript,
//! and the folded scalars `u' = u + alpha`, `x' = x + alpha x_2`, `rho' = l(tau)`,
//! `v' = q(tau) + alpha t_T`. The folded commitment is not computed here (it is non-native): the
//! augmented circuit delegates it to CycleFold, the decider to its verifier.

use super::io::RunningVar;
use super::{alloc_num, mul, mul_add, synth};
use crate::gadgets::challenge::alpha_from_bits;
use crate::gadgets::nonnative::pack_fq;
use crate::primary::FoldProof;
use crate::transcript::{CircuitTranscript, HashConstants};
use crate::Fr;
use nova_snark::frontend::num::AllocatedNum;
use nova_snark::frontend::{AllocatedBit, ConstraintSystem, SynthesisError};
use zkagg_circuit_verifier::field::Elem;

/// The folded instance's scalar parts.
pub struct FoldedScalars {
    /// `u' = u + alpha`.
    pub u: AllocatedNum<Fr>,
    /// `x' = x + alpha x_2`.
    pub x: AllocatedNum<Fr>,
    /// `rho' = rho + tau (beta - rho)`.
    pub rho: Vec<AllocatedNum<Fr>>,
    /// `v' = q(tau) + alpha t_T`.
    pub v: AllocatedNum<Fr>,
}

/// The fold challenge: the 128 bits of `h` and `alpha = glv_scalar(h)`.
pub struct FoldChallenge {
    /// `h`, little-endian bits.
    pub h_bits: Vec<AllocatedBit>,
    /// `alpha`.
    pub alpha: AllocatedNum<Fr>,
}

/// Verifies one fold of the fresh instance `(C_2, x_2)` into `running` with the prover's
/// messages `proof`; returns the folded scalars, the challenge, and the transcript (the
/// augmented circuit goes on absorbing the CycleFold messages into it).
pub fn verify_fold<CS: ConstraintSystem<Fr>>(
    cs: &mut CS,
    constants: &HashConstants,
    running: &RunningVar,
    x2: &AllocatedNum<Fr>,
    c2: &[Elem; 2],
    proof: &FoldProof,
) -> Result<(FoldedScalars, FoldChallenge, CircuitTranscript), SynthesisError> {
    let mu = running.rho.len();
    if proof.q.len() != mu || mu == 0 {
        return Err(SynthesisError::Unsatisfiable(
            "fold proof does not match the instance's mu".into(),
        ));
    }
    let mut tr = CircuitTranscript::new(constants);
    let c2_packed_x = pack_fq(&mut cs.namespace(|| "pack C_2.x"), &c2[0]).map_err(synth)?;
    let c2_packed_y = pack_fq(&mut cs.namespace(|| "pack C_2.y"), &c2[1]).map_err(synth)?;
    tr.absorb(std::slice::from_ref(x2));
    tr.absorb(&c2_packed_x);
    tr.absorb(&c2_packed_y);
    let b = tr.squeeze(&mut cs.namespace(|| "b"))?;
    let mut beta = vec![b];
    for j in 1..mu {
        let sq = mul(
            &mut cs.namespace(|| format!("beta {j}")),
            &beta[j - 1],
            &beta[j - 1],
        )?;
        beta.push(sq);
    }
    let q: Vec<AllocatedNum<Fr>> = proof
        .q
        .iter()
        .enumerate()
        .map(|(j, v)| alloc_num(cs, &format!("q {}", j + 1), *v))
        .collect::<Result<_, _>>()?;
    tr.absorb(&q);
    let tau = tr.squeeze(&mut cs.namespace(|| "tau"))?;
    let t_eval = alloc_num(cs, "t_T", proof.t_eval)?;
    tr.absorb(std::slice::from_ref(&t_eval));
    let h_bits = tr.squeeze_challenge(&mut cs.namespace(|| "h"))?;
    let alpha = alpha_from_bits(&mut cs.namespace(|| "alpha"), &h_bits)?;

    let u_new = super::io::add(&mut cs.namespace(|| "u'"), &running.u, &alpha)?;
    let x_new = mul_add(&mut cs.namespace(|| "x'"), &running.x, &alpha, x2)?;
    let mut rho_new = Vec::with_capacity(mu);
    for j in 0..mu {
        // rho'_j = rho_j + tau (beta_j - rho_j)
        let r = &running.rho[j];
        let val = match (r.get_value(), tau.get_value(), beta[j].get_value()) {
            (Some(r), Some(t), Some(bj)) => Some(r + t * (bj - r)),
            _ => None,
        };
        let out = AllocatedNum::alloc(cs.namespace(|| format!("rho' {j}")), || {
            val.ok_or(SynthesisError::AssignmentMissing)
        })?;
        cs.enforce(
            || format!("rho' {j}"),
            |l| l + tau.get_variable(),
            |l| l + beta[j].get_variable() - r.get_variable(),
            |l| l + out.get_variable() - r.get_variable(),
        );
        rho_new.push(out);
    }
    // q(tau) by Horner from q_mu down to the constant term v_1.
    let mut acc = q[mu - 1].clone();
    for j in (0..mu - 1).rev() {
        acc = mul_add(
            &mut cs.namespace(|| format!("horner {j}")),
            &q[j],
            &acc,
            &tau,
        )?;
    }
    let q_tau = mul_add(&mut cs.namespace(|| "horner 0"), &running.v, &acc, &tau)?;
    let v_new = mul_add(&mut cs.namespace(|| "v'"), &q_tau, &alpha, &t_eval)?;
    Ok((
        FoldedScalars {
            u: u_new,
            x: x_new,
            rho: rho_new,
            v: v_new,
        },
        FoldChallenge { h_bits, alpha },
        tr,
    ))
}
