//! # The primary relation and its fold (Nova with error-term evaluation claims)
//!
//! The primary circuit's R1CS `(A, B, C)` has `m` rows, padded to `2^mu`. A **running instance**
//! `U = (C_W, u, x, rho, v)` with witness `W` claims
//!
//! ```text
//!   C_W = Com(W)   and   E~(rho) = v   where   E = A z ∘ B z - u C z,   z = (W, u, x).
//! ```
//!
//! The error vector `E` is never committed: it is a function of `W`, so only its multilinear
//! extension at one point is carried (as in Mova). A **fresh instance** `u2 = (C_2, x_2)` (one
//! execution of the augmented circuit) claims `E_2 = A z_2 ∘ B z_2 - C z_2 = 0`.
//!
//! ## Fold of `U_1` with `u_2` (all challenges from the transcript, [`crate::transcript`])
//!
//! 1. `b = H(x_2, C_2)`; `beta = (b, b^2, .., b^(2^(mu-1)))` ([`mle::power_challenge`]).
//! 2. The prover sends `q(t) = E_1~(l(t))`, `l(t) = rho_1 + t (beta - rho_1)`, a polynomial of
//!    degree `<= mu` given by `q_1..q_mu`; its constant term is not sent: it is `v_1`.
//! 3. `tau = H(b, q)`; the prover sends `t_T = T~(l(tau))` for the cross term
//!    `T = A z_1 ∘ B z_2 + A z_2 ∘ B z_1 - u_1 C z_2 - C z_1`.
//! 4. `h = H(tau, t_T)` truncated to 128 bits and `alpha = glv_scalar(h)`.
//! 5. `U = (C_1 + alpha C_2, u_1 + alpha, x_1 + alpha x_2, l(tau), q(tau) + alpha t_T)`,
//!    `W = W_1 + alpha W_2`.
//!
//! Since `E(W_1 + alpha W_2) = E_1 + alpha T + alpha^2 E_2` (with `u = u_1 + alpha`), the folded
//! claim holds for honest provers (`E_2 = 0`). Soundness (see `docs/design/folding.md`): from
//! accepting folds for three `alpha`s (same `tau`) one extracts `W_1, W_2` with
//! `E(W_1)~(l(tau)) = q(tau)` and `E_2~(l(tau)) = 0`; `q` was fixed before `tau`, so
//! `q = E_1~∘l` except with probability `mu/|F|`, giving `E_1~(rho_1) = q(0) = v_1`; and
//! `E_2~∘l` is a polynomial of degree `<= mu` in `t` that is nonzero at `t = 1`
//! (`E_2~(beta) != 0` for `E_2 != 0` except with probability `2^mu/|F|`), so it vanishes at the
//! random `tau` only with probability `mu/|F|`: `E_2 = 0`.

pub mod mle;

use crate::commitment::kzg::KzgKey;
use crate::{Error, Fr, G1Affine, Result};
use ff::Field;
use halo2curves::group::prime::PrimeCurveAffine;
use halo2curves::group::Curve;
use nova_snark::provider::Bn256EngineKZG;
use nova_snark::r1cs::R1CSShape;
use rayon::prelude::*;
use serde::{Deserialize, Serialize};

/// The primary R1CS shape type.
pub type PrimaryShape = R1CSShape<Bn256EngineKZG>;

/// A running primary instance (see the module documentation).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct RunningInstance {
    /// `Com(W)` (the identity for the default instance).
    pub comm: G1Affine,
    /// The relaxation scalar.
    pub u: Fr,
    /// The public input (the augmented circuit has one: its IO hash).
    pub x: Fr,
    /// The evaluation point of the error claim (`mu` coordinates).
    pub rho: Vec<Fr>,
    /// The claimed `E~(rho)`.
    pub v: Fr,
}

impl RunningInstance {
    /// The default instance `(O, 0, 0, 0, 0)`, satisfied by `W = 0`.
    pub fn default_for(mu: usize) -> Self {
        Self {
            comm: G1Affine::identity(),
            u: Fr::ZERO,
            x: Fr::ZERO,
            rho: vec![Fr::ZERO; mu],
            v: Fr::ZERO,
        }
    }
}

/// A fresh instance: one execution of the augmented circuit, `E = 0`, `u = 1`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct FreshInstance {
    /// `Com(W)`.
    pub comm: G1Affine,
    /// The public input (the IO hash).
    pub x: Fr,
}

/// The witness of a running instance, with the cached products `A z`, `B z`, `C z` (linear in
/// `z`, so they fold like `W`).
#[derive(Clone, Debug)]
pub struct RunningWitness {
    /// `W`.
    pub w: Vec<Fr>,
    az: Vec<Fr>,
    bz: Vec<Fr>,
    cz: Vec<Fr>,
}

impl RunningWitness {
    /// The all-zero witness of the default instance.
    pub fn default_for(shape: &PrimaryShape) -> Self {
        let m = shape.num_cons();
        Self {
            w: vec![Fr::ZERO; shape.num_vars()],
            az: vec![Fr::ZERO; m],
            bz: vec![Fr::ZERO; m],
            cz: vec![Fr::ZERO; m],
        }
    }

    /// Rebuilds the cached products for `(W, u, x)` (after loading a checkpoint).
    pub fn from_parts(shape: &PrimaryShape, w: Vec<Fr>, u: Fr, x: Fr) -> Result<Self> {
        let (az, bz, cz) = products(shape, &w, u, x)?;
        Ok(Self { w, az, bz, cz })
    }

    /// `E = A z ∘ B z - u C z`.
    fn error(&self, u: Fr) -> Vec<Fr> {
        (0..self.az.len())
            .into_par_iter()
            .map(|i| self.az[i] * self.bz[i] - u * self.cz[i])
            .collect()
    }
}

/// `(A z, B z, C z)` for `z = (w, u, x)`.
pub fn products(
    shape: &PrimaryShape,
    w: &[Fr],
    u: Fr,
    x: Fr,
) -> Result<(Vec<Fr>, Vec<Fr>, Vec<Fr>)> {
    if w.len() != shape.num_vars() || shape.num_io() != 1 {
        return Err(Error::Format(format!(
            "witness of {} values for a shape with {} variables and {} inputs",
            w.len(),
            shape.num_vars(),
            shape.num_io()
        )));
    }
    let mut z = Vec::with_capacity(w.len() + 2);
    z.extend_from_slice(w);
    z.push(u);
    z.push(x);
    Ok(shape.multiply_vec(&z)?)
}

/// `mu = ceil(log2(m))` for `m` constraints.
pub fn num_rounds(shape: &PrimaryShape) -> usize {
    shape.num_cons().next_power_of_two().trailing_zeros() as usize
}

/// What the prover sends in one fold: `q_1..q_mu` and `t_T`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct FoldProof {
    /// Coefficients `1..=mu` of `q(t) = E_1~(l(t))` (the constant term is `v_1`).
    pub q: Vec<Fr>,
    /// `T~(l(tau))`.
    pub t_eval: Fr,
}

/// The prover's side of step 2: `q_1..q_mu` for the running witness along the line from `rho`
/// to `beta` ([`mle::line_restriction`]).
pub fn line_polynomial(running: &RunningInstance, rw: &RunningWitness, beta: &[Fr]) -> Vec<Fr> {
    let e1 = rw.error(running.u);
    let coeffs = mle::line_restriction(&e1, &running.rho, beta);
    coeffs[1..].to_vec()
}

/// The fresh instance's products `(A z_2, B z_2, C z_2)`.
pub struct FreshProducts {
    az: Vec<Fr>,
    bz: Vec<Fr>,
    cz: Vec<Fr>,
}

impl FreshProducts {
    /// Computes them for `z_2 = (w_2, 1, x_2)`.
    pub fn new(shape: &PrimaryShape, w2: &[Fr], x2: Fr) -> Result<Self> {
        let (az, bz, cz) = products(shape, w2, Fr::ONE, x2)?;
        Ok(Self { az, bz, cz })
    }

    /// Whether `A z_2 ∘ B z_2 = C z_2` (the fresh instance is strictly satisfied); the first
    /// failing row otherwise.
    pub fn first_unsatisfied_row(&self) -> Option<usize> {
        (0..self.az.len()).find(|&i| self.az[i] * self.bz[i] != self.cz[i])
    }
}

/// `T~(point)` for the cross term `T = A z_1 ∘ B z_2 + A z_2 ∘ B z_1 - u_1 C z_2 - C z_1`.
pub fn cross_term_eval(
    running: &RunningInstance,
    rw: &RunningWitness,
    fresh: &FreshProducts,
    point: &[Fr],
) -> Fr {
    let u1 = running.u;
    let t: Vec<Fr> = (0..rw.az.len())
        .into_par_iter()
        .map(|i| rw.az[i] * fresh.bz[i] + fresh.az[i] * rw.bz[i] - u1 * fresh.cz[i] - rw.cz[i])
        .collect();
    mle::evaluate(&t, point)
}

/// Step 5 on the instances (what the augmented circuit recomputes).
pub fn fold_instance(
    running: &RunningInstance,
    fresh: &FreshInstance,
    proof: &FoldProof,
    beta: &[Fr],
    tau: Fr,
    alpha: Fr,
) -> RunningInstance {
    let mut q = Vec::with_capacity(proof.q.len() + 1);
    q.push(running.v);
    q.extend_from_slice(&proof.q);
    RunningInstance {
        comm: (running.comm + fresh.comm * alpha).to_affine(),
        u: running.u + alpha,
        x: running.x + alpha * fresh.x,
        rho: mle::line_point(&running.rho, beta, tau),
        v: mle::evaluate_univariate(&q, tau) + alpha * proof.t_eval,
    }
}

/// Step 5 on the witnesses: `W = W_1 + alpha W_2` and the cached products likewise.
pub fn fold_witness(
    rw: &RunningWitness,
    w2: &[Fr],
    fresh: &FreshProducts,
    alpha: Fr,
) -> RunningWitness {
    let lin = |a: &[Fr], b: &[Fr]| -> Vec<Fr> {
        a.par_iter()
            .zip(b.par_iter())
            .map(|(x, y)| *x + alpha * y)
            .collect()
    };
    RunningWitness {
        w: lin(&rw.w, w2),
        az: lin(&rw.az, &fresh.az),
        bz: lin(&rw.bz, &fresh.bz),
        cz: lin(&rw.cz, &fresh.cz),
    }
}

/// Checks a running instance against its witness from scratch: `Com(W) = C_W` and
/// `E~(rho) = v` with `E` recomputed from `W` (not from the cache).
pub fn check_running(
    shape: &PrimaryShape,
    key: &KzgKey,
    inst: &RunningInstance,
    w: &[Fr],
) -> Result<()> {
    if inst.rho.len() != num_rounds(shape) {
        return Err(Error::Verify(format!(
            "running instance has {} evaluation coordinates, expected {}",
            inst.rho.len(),
            num_rounds(shape)
        )));
    }
    if key.commit(w)? != inst.comm {
        return Err(Error::Verify(
            "running primary commitment does not open to the witness".into(),
        ));
    }
    let (az, bz, cz) = products(shape, w, inst.u, inst.x)?;
    let e: Vec<Fr> = (0..az.len())
        .into_par_iter()
        .map(|i| az[i] * bz[i] - inst.u * cz[i])
        .collect();
    if mle::evaluate(&e, &inst.rho) != inst.v {
        return Err(Error::Verify(
            "running primary error claim E~(rho) = v fails".into(),
        ));
    }
    Ok(())
}

/// Checks a fresh instance: `Com(w) = C` and `A z ∘ B z = C z` for `z = (w, 1, x)`.
pub fn check_fresh(
    shape: &PrimaryShape,
    key: &KzgKey,
    inst: &FreshInstance,
    w: &[Fr],
) -> Result<()> {
    if key.commit(w)? != inst.comm {
        return Err(Error::Verify(
            "fresh primary commitment does not open to the witness".into(),
        ));
    }
    let p = FreshProducts::new(shape, w, inst.x)?;
    if let Some(row) = p.first_unsatisfied_row() {
        return Err(Error::Verify(format!(
            "last step's circuit is not satisfied (row {row})"
        )));
    }
    Ok(())
}
