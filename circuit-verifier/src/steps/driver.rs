//! # The prover's side of the step circuits: initial state, plan, hints
//!
//! [`Aggregator`] knows the step sequence of an aggregation of `N` proofs (`(N + 1 + K) S + 1`
//! steps: `N + 1` proof cycles — the pipeline's last cycle runs the last Miller loop — `K =
//! max(3, n + 2)` finish cycles (`n` public inputs per proof) and one closing boundary step) and
//! the prover inputs of each step: the proof to absorb on a proof-cycle boundary, and the finish
//! hints (computed natively from the state reached at the finish boundary) on every finish
//! step. [`Aggregator::run`] drives any synthesiser (nova-snark's
//! witness generator, or the checking constraint system of the tests) step by step.

use super::{AggregationStep, FinishHints, StateVars, StepConfig, StepKey, StepWitness};
use crate::convert::{fq_from_biguint, fr_to_biguint, Fr};
use crate::curve::glv::fq_as_fq2;
use crate::curve::CurveSpec;
use crate::field::Bit;
use crate::hash::Num;
use crate::pairing::psi_native;
use crate::pairing::residue::residue_witness;
use crate::tower::{fq12_from_direct, fq12_to_direct, Ext, ExtKind};
use crate::{Error, Result};
use ark_bn254::{Fq, Fq12, Fq2, G1Affine, G2Affine};
use ark_ec::{AffineRepr, CurveGroup};
use ark_ff::{One, Zero};
use std::sync::Arc;

/// What the prover does at one step.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Action {
    /// Nothing (the slots run).
    Run,
    /// Absorb proof number `i` (a proof-cycle boundary).
    Absorb(usize),
    /// Start the finish (compute the hints from the current state).
    Finish,
    /// Any later step of the finish (hint loads, MSM digit words).
    Load,
}

/// The prover's driver of an aggregation.
#[derive(Clone, Debug)]
pub struct Aggregator {
    /// The shared constants.
    pub key: Arc<StepKey>,
}

impl Aggregator {
    /// A driver for proofs under `vk` with the given step size.
    pub fn new(vk: &zkagg_core::VerifyingKey, cfg: StepConfig) -> Result<Self> {
        Ok(Self {
            key: Arc::new(StepKey::new(vk, cfg)?),
        })
    }

    /// The step's arity.
    pub fn arity(&self) -> usize {
        self.key.layout().arity()
    }

    /// The initial state `z_0`: no proof absorbed, a dummy finished loop that passes the subgroup
    /// check (`T = -psi^3(Q)` for `Q` the G2 generator), every limb in range.
    pub fn initial_state(&self) -> Result<Vec<Fr>> {
        let e = &self.key.emu;
        let g1 = CurveSpec::g1();
        let g2 = CurveSpec::g2();
        let gq = G2Affine::generator();
        let gp = G1Affine::generator();
        let pt1 = |p: &G1Affine| e.constant_point(&g1, fq_as_fq2(p.x), fq_as_fq2(p.y));
        let pt2 = |x: Fq2, y: Fq2| e.constant_point(&g2, x, y);
        let (p3x, p3y) = psi_native(3, gq.x, gq.y);
        let (p1x, p1y) = psi_native(1, gq.x, gq.y);
        let (p2x, p2y) = psi_native(2, gq.x, gq.y);
        let one12 = Ext::constant(ExtKind::Fq12, &fq12_to_direct(&Fq12::one()), e);
        let b = &self.key.batch;
        let t = b.initial_transcript();
        let bit0 = Bit::constant(false);
        let hc = pt1(&b.h_c);
        let two = (gp + gp).into_affine();
        let st = StateVars {
            phase: Num::constant(Fr::from(0u64)),
            pc: Num::constant(Fr::from(0u64)),
            ml_live: bit0.clone(),
            g1_live: bit0.clone(),
            transcript: t.map(Num::constant),
            statements: Num::constant(super::merkle::empty_tree_root()),
            count: Num::constant(Fr::from(0u64)),
            scalars: vec![Num::constant(Fr::from(0u64)); b.num_inputs() + 1],
            digits: [0; 4].map(|_| Num::constant(Fr::from(0u64))),
            w: [bit0.clone(), bit0],
            roots: [0; 2].map(|_| Num::constant(Fr::from(0u64))),
            frontier: vec![Num::constant(Fr::from(0u64)); super::STATEMENT_TREE_DEPTH],
            acc_f: one12.clone(),
            s_c: hc,
            f: one12.clone(),
            t: pt2(p3x, -p3y),
            q: [pt2(gq.x, gq.y), pt2(p1x, p1y), pt2(p2x, p2y)],
            xp_yx: [
                Ext::constant(ExtKind::Fq, &[gp.x], e),
                Ext::constant(ExtKind::Fq, &[gp.y], e),
            ],
            t_ac: [pt1(&gp), pt1(&gp)],
            tables: [
                crate::curve::glv::ChallengeTable {
                    u: pt1(&gp),
                    v: pt1(&two),
                },
                crate::curve::glv::ChallengeTable {
                    u: pt1(&gp),
                    v: pt1(&two),
                },
            ],
            b_next: pt2(gq.x, gq.y),
            c: [one12.clone(), one12.clone()],
            l_sa: [pt1(&gp), pt1(&gp)],
            res: [one12.clone(), one12.clone(), one12],
            acc_msm: pt1(&self.key.msm.acc_start),
        };
        Ok(st.write(e)?.out.into_iter().map(|(_, v)| v).collect())
    }

    /// The actions of an aggregation of `n` proofs, one per step: `n + 1` proof cycles, `K`
    /// finish cycles (`K = max(3, inputs + 2)`), one closing boundary step.
    pub fn plan(&self, n: usize) -> Vec<Action> {
        let s = self.key.cfg.cycle_len();
        let cycles = n + 1 + self.key.fin_cycles();
        let mut out = Vec::with_capacity(cycles * s + 1);
        for cycle in 0..cycles {
            for pos in 0..s {
                out.push(match (pos, cycle) {
                    (0, c) if c < n => Action::Absorb(c),
                    (0, c) if c == n + 1 => Action::Finish,
                    (_, c) if c > n => Action::Load,
                    _ => Action::Run,
                });
            }
        }
        out.push(Action::Run);
        out
    }

    /// Number of steps of an aggregation of `n` proofs: `(n + 1 + K) S + 1`.
    pub fn num_steps(&self, n: usize) -> usize {
        (n + 1 + self.key.fin_cycles()) * self.key.cfg.cycle_len() + 1
    }

    /// The finish hints for the state `z` reached at the finish boundary.
    pub fn finish_hints(&self, z: &[Fr]) -> Result<FinishHints> {
        let (hints, ok) = self.finish_hints_unchecked(z)?;
        if ok {
            Ok(hints)
        } else {
            Err(Error::Witness(
                "the batched pairing equation does not hold: some proof is invalid".into(),
            ))
        }
    }

    /// The finish hints, and whether a residue witness exists (when it does not, `c = 1` is
    /// returned: the steps still run, and the decider's final check `F = 1` fails). Tests use this to
    /// play a prover that pushes an invalid batch through.
    pub fn finish_hints_unchecked(&self, z: &[Fr]) -> Result<(FinishHints, bool)> {
        let key = &self.key;
        let b = &key.batch;
        let layout = key.layout();
        let k = key.emu.num_limbs();
        let lb = key.emu.limb_bits();
        if z.len() != layout.arity() {
            return Err(Error::Input("state of the wrong size".into()));
        }
        let n = layout.n_inputs;
        let elem_base = layout.elem_base();
        let elem = |idx: usize| -> Fq {
            let base = elem_base + idx * k;
            let mut v = num_bigint::BigUint::from(0u32);
            for i in (0..k).rev() {
                v = (v << lb) + fr_to_biguint(&z[base + i]);
            }
            fq_from_biguint(&v)
        };
        let ml_live = z[2] == Fr::from(1u64);
        let fq12 =
            |start: usize| fq12_from_direct(&(start..start + 12).map(elem).collect::<Vec<_>>());
        let acc_f = fq12(0);
        let s_c = G1Affine::new_unchecked(elem(12), elem(13));
        let f = fq12(14);
        // The running loop's `f` already contains `F` (multiplied in at its first Frobenius
        // addition).
        let f_after = if ml_live { f } else { acc_f };
        let sc = (s_c.into_group() - b.h_c.into_group()).into_affine();
        let scalars: Vec<ark_bn254::Fr> = (0..=n)
            .map(|j| crate::convert::fr_to_ark(&z[9 + j]))
            .collect();
        let vk = &b.key.vk;
        let mut l = ark_bn254::G1Projective::zero();
        for (s, ic) in scalars.iter().zip(vk.gamma_abc_g1.iter()) {
            l += *ic * s;
        }
        let l = l.into_affine();
        let sa = (vk.alpha_g1 * scalars[0]).into_affine();
        if l.is_zero() || sa.is_zero() || sc.is_zero() {
            return Err(Error::Input("empty aggregate: nothing to finish".into()));
        }
        let total = f_after
            * b.key.delta.native(sc.x, -sc.y)
            * b.key.gamma.native(l.x, -l.y)
            * b.key.beta.native(sa.x, -sa.y);
        let res = residue_witness(&total);
        let ok = res.is_some();
        let (c, w_index) = res.unwrap_or((Fq12::one(), 0));
        let msm_words = key
            .msm
            .items
            .iter()
            .map(|it| super::finish::msm_words(&(scalars[it.scalar] + it.delta)))
            .collect::<Result<Vec<_>>>()?;
        Ok((
            FinishHints {
                l,
                s_alpha: sa,
                c,
                w_index,
                msm_words,
            },
            ok,
        ))
    }

    /// Runs the aggregation of `proofs`: for each step, builds the step circuit with its prover
    /// input and calls `synth(step, z_in)`, which must synthesise it and return `z_out`. Returns
    /// the final state. Proofs that cannot be aggregated in this mode (see
    /// [`Self::expected_statement`]) are refused before the first step; an invalid batch is
    /// reported when the finish hints cannot be computed.
    pub fn run<F>(
        &self,
        proofs: &[(zkagg_core::Proof, Vec<ark_bn254::Fr>)],
        synth: F,
    ) -> Result<Vec<Fr>>
    where
        F: FnMut(usize, &AggregationStep, &[Fr]) -> Result<Vec<Fr>>,
    {
        self.run_with_hints(proofs, synth, |agg, z| agg.finish_hints(z))
    }

    /// [`Self::run`] with a custom way to produce the finish hints.
    pub fn run_with_hints<F, H>(
        &self,
        proofs: &[(zkagg_core::Proof, Vec<ark_bn254::Fr>)],
        mut synth: F,
        mut make_hints: H,
    ) -> Result<Vec<Fr>>
    where
        F: FnMut(usize, &AggregationStep, &[Fr]) -> Result<Vec<Fr>>,
        H: FnMut(&Self, &[Fr]) -> Result<FinishHints>,
    {
        // Bad input (too many proofs, wrong input count, a gap in the root chain) is refused
        // here with a message naming the proof, rather than as an unsatisfiable step.
        self.expected_statement(proofs)?;
        let mut z = self.initial_state()?;
        let mut hints = None;
        for (i, action) in self.plan(proofs.len()).into_iter().enumerate() {
            let witness = match action {
                Action::Run => StepWitness::default(),
                Action::Absorb(j) => StepWitness {
                    absorb: Some(proofs[j].clone()),
                    finish: None,
                },
                Action::Finish => {
                    hints = Some(make_hints(self, &z)?);
                    StepWitness {
                        absorb: None,
                        finish: hints.clone(),
                    }
                }
                Action::Load => StepWitness {
                    absorb: None,
                    finish: hints.clone(),
                },
            };
            let step = AggregationStep {
                key: self.key.clone(),
                witness,
            };
            z = synth(i, &step, &z)?;
        }
        Ok(z)
    }
}
