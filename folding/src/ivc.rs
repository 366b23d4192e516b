//! # The IVC: public parameters, the prover's state, one step, and the native verifier
//!
//! After `i >= 1` steps the prover holds `(z_i, U_i, W_i, u_i, w_i, U_cf_i, W_cf_i)`, where
//! `u_i` is the last execution of the augmented circuit (not yet folded) and `U_i` folds all
//! earlier ones. [`verify`] is the reference the decider proves: it recomputes the public-IO
//! hash, checks both running instances against their witnesses, the last execution strictly,
//! and the application's final check on `z_i`.

use crate::augmented::io::g1_coords;
use crate::augmented::io::io_hash;
use crate::augmented::{AugmentedCircuit, AugmentedInputs};
use crate::commitment::kzg::KzgKey;
use crate::cyclefold::circuit::{glv_scalar, CycleFoldCircuit};
use crate::cyclefold::instance::{self as cfi, CfInstance, CfWitness, CycleFoldParams, CF_IO_LEN};
use crate::gadgets::grumpkin::cf_fold_scalar;
use crate::gadgets::nonnative::pack_fq_native;
use crate::primary::{self, mle, FoldProof, FreshInstance, FreshProducts, PrimaryShape};
use crate::primary::{RunningInstance, RunningWitness};
use crate::step::{pack, FoldStep};
use crate::transcript::{hash_native, HashConstants, NativeTranscript};
use crate::{Error, Fq, Fr, G1Affine, Result};
use ff::{Field, PrimeField};
use halo2curves::group::Curve;
use nova_snark::frontend::r1cs::NovaShape;
use nova_snark::frontend::shape_cs::ShapeCS;
use nova_snark::frontend::solver::SatisfyingAssignment;
use nova_snark::frontend::ConstraintSystem;
use nova_snark::provider::Bn256EngineKZG;
use serde::{Deserialize, Serialize};
use std::time::{Duration, Instant};

/// The public parameters: both shapes, both keys, the hash constants and their digest.
pub struct PublicParams {
    /// The augmented circuit's shape.
    pub shape: PrimaryShape,
    /// Coordinates of the primary error claims (`ceil(log2(constraints))`).
    pub mu: usize,
    /// The primary commitment key.
    pub key: KzgKey,
    /// The CycleFold shape and Pedersen key.
    pub cf: CycleFoldParams,
    /// The sponge constants.
    pub constants: HashConstants,
    /// The digest bound into every IO hash.
    pub digest: Fr,
    /// The step's width map.
    pub bits: Vec<Option<u32>>,
}

/// A function that makes the primary key for a shape (see [`KeySource::Provider`]).
pub type KeyProvider<'a> = Box<dyn FnOnce(&PrimaryShape) -> Result<KzgKey> + 'a>;

/// Where the primary commitment key comes from.
pub enum KeySource<'a> {
    /// A directory of `.ptau` files (see [`KzgKey::from_ptau_dir`]).
    PtauDir(&'a std::path::Path),
    /// A key already loaded.
    Key(Box<KzgKey>),
    /// A function that returns a key for the augmented shape (at least `shape.num_vars()`
    /// points), called once the shape is known: the decider derives the key from its own setup,
    /// which needs the shape.
    Provider(KeyProvider<'a>),
}

fn shape_of<S: FoldStep>(step: &S, constants: &HashConstants, mu: usize) -> Result<PrimaryShape> {
    let z: Vec<Fr> = vec![Fr::ZERO; step.arity()];
    let inputs = AugmentedInputs::dummy(Fr::ZERO, mu, z, Fr::ZERO);
    let circuit = AugmentedCircuit {
        step,
        constants,
        mu,
        inputs: &inputs,
    };
    let mut cs = ShapeCS::<Bn256EngineKZG>::new();
    circuit.synthesize(&mut cs)?;
    Ok(cs.r1cs_shape()?)
}

impl PublicParams {
    /// Builds the parameters for `step` (the augmented shape is extracted until its `mu` is a
    /// fixed point; two passes in practice).
    pub fn setup<S: FoldStep>(step: &S, key: KeySource<'_>) -> Result<Self> {
        let constants = HashConstants::default();
        let mut mu = 16;
        let mut shape = shape_of(step, &constants, mu)?;
        for _ in 0..4 {
            let need = primary::num_rounds(&shape);
            if need == mu {
                break;
            }
            mu = need;
            shape = shape_of(step, &constants, mu)?;
        }
        if primary::num_rounds(&shape) != mu {
            return Err(Error::Synthesis("mu does not converge".into()));
        }
        let key = match key {
            KeySource::PtauDir(dir) => KzgKey::from_ptau_dir(dir, shape.num_vars())?,
            KeySource::Key(k) => *k,
            KeySource::Provider(f) => f(&shape)?,
        };
        if key.len() < shape.num_vars() {
            return Err(Error::Key(format!(
                "{} powers cannot commit to {} witness values",
                key.len(),
                shape.num_vars()
            )));
        }
        let cf = CycleFoldParams::setup()?;
        let (tx, ty) = g1_coords(&key.powers()[1]);
        let mut parts = vec![
            shape.digest(),
            Fr::from(mu as u64),
            Fr::from(cf.num_vars() as u64),
            Fr::from(cf.num_cons() as u64),
            Fr::from(step.arity() as u64),
        ];
        parts.extend(pack_fq_native(&tx));
        parts.extend(pack_fq_native(&ty));
        parts.push(key.fingerprint());
        let digest = hash_native(&constants, &parts);
        Ok(Self {
            shape,
            mu,
            key,
            cf,
            constants,
            digest,
            bits: step.element_bits(),
        })
    }

    /// `H(pack(z))`.
    pub fn state_digest(&self, z: &[Fr]) -> Result<Fr> {
        Ok(hash_native(&self.constants, &pack(&self.bits, z)?))
    }
}

/// The prover's whole state after `i` steps (also what a checkpoint stores).
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct IvcState {
    /// Steps done.
    pub i: u64,
    /// The initial state.
    pub z0: Vec<Fr>,
    /// The current state.
    pub z: Vec<Fr>,
    /// `U_i`.
    pub running: RunningInstance,
    /// `W_i`.
    pub running_w: Vec<Fr>,
    /// `u_i` and its witness (none before the first step).
    pub last: Option<(FreshInstance, Vec<Fr>)>,
    /// `U_cf_i`.
    pub running_cf: CfInstance,
    /// `W_cf_i`.
    pub running_cf_w: CfWitness,
}

/// Per-phase time of one step (for benchmarks).
#[derive(Clone, Copy, Debug, Default)]
pub struct StepTimings {
    /// The primary fold's prover work (line polynomial, cross-term evaluation).
    pub fold: Duration,
    /// CycleFold witness, cross term and its commitment.
    pub cyclefold: Duration,
    /// Witness generation of the augmented circuit.
    pub witness: Duration,
    /// Committing to the new witness.
    pub commit: Duration,
    /// The fresh products `A z, B z, C z` of the new witness.
    pub products: Duration,
}

/// Deliberate misbehaviour of a prover, for soundness tests: each variant is an attack the
/// scheme must catch.
#[doc(hidden)]
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Tamper {
    /// Honest.
    None,
    /// Fold natively with `alpha + 1` instead of the transcript's challenge.
    Challenge,
    /// Send a wrong cross-term evaluation `t_T + 1`.
    CrossTerm,
    /// Claim a folded commitment that is not `C_1 + alpha C_2`.
    CycleFoldOutput,
    /// Claim the step index `i + 1` (skipping a step).
    SkipIndex,
}

/// One primary fold computed natively (what the prover sends and what both sides derive).
pub struct NativeFold {
    /// The transcript after `h` (the CycleFold messages are absorbed next).
    pub tr: NativeTranscript,
    /// The 128-bit challenge.
    pub h: u128,
    /// `alpha = glv_scalar(h)` (or the tampered one).
    pub alpha: Fr,
    /// The fold messages.
    pub proof: FoldProof,
    /// The folded instance (commitment `C_1 + alpha C_2`).
    pub folded: RunningInstance,
    /// The folded witness and products.
    pub folded_w: RunningWitness,
}

fn native_fold(
    pp: &PublicParams,
    running: &RunningInstance,
    rw: &RunningWitness,
    fresh: &FreshInstance,
    w2: &[Fr],
    products: &FreshProducts,
    tamper: Tamper,
) -> NativeFold {
    let mu = pp.mu;
    let mut tr = NativeTranscript::new(&pp.constants);
    let (c2x, c2y) = g1_coords(&fresh.comm);
    tr.absorb(&[fresh.x]);
    tr.absorb(&pack_fq_native(&c2x));
    tr.absorb(&pack_fq_native(&c2y));
    let b = tr.squeeze();
    let beta = mle::power_challenge(b, mu);
    let q = primary::line_polynomial(running, rw, &beta);
    tr.absorb(&q);
    let tau = tr.squeeze();
    let point = mle::line_point(&running.rho, &beta, tau);
    let mut t_eval = primary::cross_term_eval(running, rw, products, &point);
    if tamper == Tamper::CrossTerm {
        t_eval += Fr::ONE;
    }
    tr.absorb(&[t_eval]);
    let h = tr.squeeze_challenge();
    let mut alpha = glv_scalar(h);
    if tamper == Tamper::Challenge {
        alpha += Fr::ONE;
    }
    let proof = FoldProof { q, t_eval };
    let folded = primary::fold_instance(running, fresh, &proof, &beta, tau, alpha);
    let folded_w = primary::fold_witness(rw, w2, products, alpha);
    NativeFold {
        tr,
        h,
        alpha,
        proof,
        folded,
        folded_w,
    }
}

/// The decider's last fold: folds the state's last fresh instance into its running instance,
/// natively, exactly as the next step would (the decider circuit re-verifies it).
pub fn last_fold(pp: &PublicParams, state: &IvcState) -> Result<NativeFold> {
    let Some((fresh, w2)) = &state.last else {
        return Err(Error::Verify(
            "the state has no last execution to fold".into(),
        ));
    };
    let rw = RunningWitness::from_parts(
        &pp.shape,
        state.running_w.clone(),
        state.running.u,
        state.running.x,
    )?;
    let products = FreshProducts::new(&pp.shape, w2, fresh.x)?;
    Ok(native_fold(
        pp,
        &state.running,
        &rw,
        fresh,
        w2,
        &products,
        Tamper::None,
    ))
}

/// The prover: parameters, the step, and the running state (with cached products).
pub struct IvcProver<'a> {
    pp: &'a PublicParams,
    state: IvcState,
    rw: RunningWitness,
    last_products: Option<FreshProducts>,
    z0_digest: Fr,
    /// Timings of the last step.
    pub timings: StepTimings,
}

impl<'a> IvcProver<'a> {
    /// Starts from `z_0`.
    pub fn new(pp: &'a PublicParams, z0: Vec<Fr>) -> Result<Self> {
        let z0_digest = pp.state_digest(&z0)?;
        let state = IvcState {
            i: 0,
            z: z0.clone(),
            z0,
            running: RunningInstance::default_for(pp.mu),
            running_w: vec![Fr::ZERO; pp.shape.num_vars()],
            last: None,
            running_cf: CfInstance::default(),
            running_cf_w: CfWitness::default_for(&pp.cf),
        };
        Ok(Self {
            pp,
            rw: RunningWitness::default_for(&pp.shape),
            state,
            last_products: None,
            z0_digest,
            timings: StepTimings::default(),
        })
    }

    /// Resumes from a saved state (the cached products are recomputed).
    pub fn resume(pp: &'a PublicParams, state: IvcState) -> Result<Self> {
        if state.z.len() != pp.bits.len() || state.running.rho.len() != pp.mu {
            return Err(Error::Format("state does not match the parameters".into()));
        }
        let z0_digest = pp.state_digest(&state.z0)?;
        let rw = RunningWitness::from_parts(
            &pp.shape,
            state.running_w.clone(),
            state.running.u,
            state.running.x,
        )?;
        let last_products = match &state.last {
            Some((u, w)) => Some(FreshProducts::new(&pp.shape, w, u.x)?),
            None => None,
        };
        Ok(Self {
            pp,
            rw,
            state,
            last_products,
            z0_digest,
            timings: StepTimings::default(),
        })
    }

    /// The current state.
    pub fn state(&self) -> &IvcState {
        &self.state
    }

    /// Runs one step of `step` honestly (the step circuit may carry a different prover input at
    /// every step, but must have the parameters' shape).
    pub fn prove_step<S: FoldStep>(&mut self, step: &S) -> Result<()> {
        self.prove_step_with(step, Tamper::None)
    }

    /// Runs one step, possibly misbehaving (tests only).
    #[doc(hidden)]
    pub fn prove_step_with<S: FoldStep>(&mut self, step: &S, tamper: Tamper) -> Result<()> {
        if step.arity() != self.pp.bits.len() {
            return Err(Error::Format(
                "step arity does not match the parameters".into(),
            ));
        }
        let pp = self.pp;
        let mu = pp.mu;
        let mut timings = StepTimings::default();
        let mut inputs =
            AugmentedInputs::dummy(pp.digest, mu, self.state.z.clone(), self.z0_digest);
        inputs.i = self.state.i;
        inputs.running = self.state.running.clone();
        inputs.running_cf = self.state.running_cf.clone();
        // The fold (skipped at the base step).
        let mut next: Option<(RunningInstance, RunningWitness, CfInstance, CfWitness)> = None;
        if let (Some((fresh, w2)), Some(products)) = (&self.state.last, &self.last_products) {
            let t0 = Instant::now();
            let running = &self.state.running;
            let NativeFold {
                mut tr,
                h,
                mut folded,
                folded_w,
                proof,
                ..
            } = native_fold(pp, running, &self.rw, fresh, w2, products, tamper);
            if tamper == Tamper::CycleFoldOutput {
                folded.comm = (folded.comm + G1Affine::generator()).to_affine();
            }
            let (c2x, c2y) = g1_coords(&fresh.comm);
            timings.fold = t0.elapsed();

            // CycleFold: prove P_out = C_1 + alpha C_2 and fold it into U_cf.
            let t1 = Instant::now();
            let cf_circuit = CycleFoldCircuit {
                h,
                p1: running.comm,
                p2: fresh.comm,
            };
            let (_, w_cf) = cfi::prove(&pp.cf, &cf_circuit)?;
            let (fx, fy) = g1_coords(&folded.comm);
            let (p1x, p1y) = g1_coords(&running.comm);
            let x_cf: [Fq; CF_IO_LEN] = [Fq::from_u128(h), p1x, p1y, c2x, c2y, fx, fy];
            let (t_cf, d) = cfi::cross_term(
                &pp.cf,
                &self.state.running_cf,
                &self.state.running_cf_w,
                &x_cf,
                &w_cf,
            )?;
            tr.absorb(&pack_fq_native(&fx));
            tr.absorb(&pack_fq_native(&fy));
            tr.absorb(&crate::gadgets::grumpkin::point_coords(&d));
            let h_cf = tr.squeeze_challenge();
            let r = cf_fold_scalar(h_cf);
            let (cf_next, cf_next_w) = cfi::fold(
                &self.state.running_cf,
                &self.state.running_cf_w,
                &x_cf,
                &w_cf,
                &t_cf,
                &d,
                r,
            );
            timings.cyclefold = t1.elapsed();

            inputs.fresh = fresh.clone();
            inputs.proof = proof;
            inputs.folded_comm = folded.comm;
            inputs.cf_cross = d;
            next = Some((folded, folded_w, cf_next, cf_next_w));
        }
        if tamper == Tamper::SkipIndex {
            inputs.i += 1;
        }

        // Witness of the augmented circuit.
        let t2 = Instant::now();
        let circuit = AugmentedCircuit {
            step,
            constants: &pp.constants,
            mu,
            inputs: &inputs,
        };
        let mut cs = SatisfyingAssignment::<Bn256EngineKZG>::new();
        let (z_next, x_out) = circuit.synthesize(&mut cs)?;
        let z_next: Vec<Fr> = z_next
            .iter()
            .map(|v| {
                v.get_value()
                    .ok_or_else(|| Error::Witness("missing output".into()))
            })
            .collect::<Result<_>>()?;
        let x_out = x_out
            .get_value()
            .ok_or_else(|| Error::Witness("missing IO hash".into()))?;
        let w: Vec<Fr> = cs.aux_assignment().to_vec();
        if w.len() != pp.shape.num_vars() {
            return Err(Error::Synthesis(format!(
                "witness of {} values, shape has {}",
                w.len(),
                pp.shape.num_vars()
            )));
        }
        timings.witness = t2.elapsed();
        let t3 = Instant::now();
        let comm = pp.key.commit(&w)?;
        timings.commit = t3.elapsed();
        let t4 = Instant::now();
        let products = FreshProducts::new(&pp.shape, &w, x_out)?;
        timings.products = t4.elapsed();

        match next {
            Some((u, rw, ucf, wcf)) => {
                self.state.running = u;
                self.state.running_w = rw.w.clone();
                self.rw = rw;
                self.state.running_cf = ucf;
                self.state.running_cf_w = wcf;
            }
            None => {
                // Base step: the running instances stay the defaults.
            }
        }
        self.state.last = Some((FreshInstance { comm, x: x_out }, w));
        self.last_products = Some(products);
        self.state.z = z_next;
        self.state.i += 1;
        self.timings = timings;
        Ok(())
    }

    /// The proof to hand to [`verify`] (a copy of the state).
    pub fn proof(&self) -> IvcState {
        self.state.clone()
    }
}

/// The native IVC verifier: accepts `proof` as `proof.i` steps of `step` from `z0` iff
///
/// - `proof.i >= 1` and `proof.z0 = z0`;
/// - the last execution's public input is `H(pp, i, H(z_0), H(z_i), U_i, U_cf_i)`;
/// - the last execution is strictly satisfied and committed correctly;
/// - the running primary instance is satisfied (`Com(W) = C`, `E~(rho) = v`);
/// - the running CycleFold instance is satisfied;
/// - `final_check(z_i)` accepts.
pub fn verify(
    pp: &PublicParams,
    z0: &[Fr],
    proof: &IvcState,
    final_check: &dyn Fn(&[Fr]) -> Result<()>,
) -> Result<()> {
    if proof.i == 0 {
        return Err(Error::Verify("no step was proven".into()));
    }
    if proof.z0 != z0 {
        return Err(Error::Verify("the proof starts from another z_0".into()));
    }
    let Some((last, last_w)) = &proof.last else {
        return Err(Error::Verify("the proof has no last execution".into()));
    };
    let x = io_hash(
        &pp.constants,
        pp.digest,
        proof.i,
        pp.state_digest(z0)?,
        pp.state_digest(&proof.z)?,
        &proof.running,
        &proof.running_cf,
    );
    if x != last.x {
        return Err(Error::Verify(
            "the public-IO hash does not bind (i, z_0, z_i, U_i, U_cf_i)".into(),
        ));
    }
    primary::check_fresh(&pp.shape, &pp.key, last, last_w)?;
    primary::check_running(&pp.shape, &pp.key, &proof.running, &proof.running_w)?;
    cfi::check(&pp.cf, &proof.running_cf, &proof.running_cf_w)?;
    final_check(&proof.z)?;
    Ok(())
}
