//! # Uniform Nova step circuits for the batched verifier
//!
//! The batched verifier of [`crate::groth16::batch`] is cut into **identical steps**
//! ([`AggregationStep`], a nova-snark [`StepCircuit`]) of about 243k constraints (measured in
//! `docs/BENCHMARKS.md`), so that a folding scheme can fold them one by one and the folded
//! instance (hence the decider) stays the size of one step. Every step contains:
//!
//! - `M` **Miller-op slots** ([`crate::pairing`]: the unified chord-tangent op with variable
//!   flags), running the optimal ate loop of the current pair `M` ops further;
//! - `J` **G1 slots** (one challenge double-and-add each, [`crate::curve::glv`]), computing
//!   `rho A` and `rho C` of the *next* proof (a one-proof pipeline);
//! - the **boundary block**, whose effects are applied only on the first step of a cycle
//!   (`pc = 0`, a cycle is `S = max(ceil(87/M), ceil(130/J))` steps): finish the Miller loop that
//!   just ended (`F <- f`: every loop multiplies the running product `F` into its `f` at its
//!   first Frobenius addition, after the last squaring; the G2 subgroup check
//!   `T_end = -psi^3(Q)`), add `rho C` of the
//!   previous proof into `S_C`, start the next loop (`P = rho A`, `Q = B`, `psi(Q)`,
//!   `psi^2(Q)`, `y_P/x_P`), and absorb a new proof (canonical points, transcript, statement
//!   tree ([`merkle`]: one Merkle path per step), root chain in rollup mode ([`rollup`]),
//!   challenge, scalar sums, `U`/`V` tables of `A` and `C`);
//! - the control: `pc` and `phase` as one-hot vectors; every slot's flags are constants selected
//!   by the one-hot `pc` (free linear combinations), so the program is fixed by the circuit and
//!   a prover cannot run a different loop.
//!
//! After the proofs, `K = max(3, n + 2)` finish cycles (phases `1..=K`) run, in the same
//! uniform step:
//!
//! - the fixed-`G2` loops of the finish as ordinary Miller loops with constant `Q` (phase 1
//!   `delta` with `P = -(S_C - H_C)`, phase 2 `gamma` with `P = -L`, the residue `c^{-(6x+2)}`
//!   and the hint `D = c^{-p} c^{p^2} c^{-p^3}` folded in, phase 3 `beta` with `P = -s_0 alpha`
//!   and `w` folded in), where `L`, `s_0 alpha`, `c`, `c^-1`, `D`, `e2`, `e3`, `w` are prover
//!   hints loaded into the state during the first two finish cycles;
//! - on the G1 slots, one MSM item per cycle ([`finish`]): `[s_j + delta_j] IC_j` for
//!   `j = 0..=n`, then `[s_0 + delta_alpha] alpha`, each as two challenge-form chains on constant
//!   tables with prover-chosen digit words pinned by one native constraint, summed by checked
//!   additions into an accumulator that starts at `-sum delta_j IC_j`; the results are compared
//!   with the hints `L` and `s_0 alpha` that the loops used;
//! - one `x z = y^p` check per step, scheduled at phase 3, `pc = 1..=4`, pins the residue chain
//!   `g = c^{-1}`, `e2 = g^p c`, `e3 = e2^p g`, `D = e3^p`.
//!
//! A last boundary step moves to the `done` phase. The **decider** only checks the final state
//! ([`Emu::aggregate_final_check`], about 100 constraints): phase `done` and `F = 1` (the
//! residue closing equation, since `F` then is `F_pairings w c^{-lambda}`).
//!
//! ## State (the step's public input/output `z`, [`StateLayout`])
//!
//! Every emulated element of the state is stored as its `k` limbs, one field element each.
//! **Invariant**: every limb in the state is in `[0, 2^b)`. It holds for the initial state (all
//! constants) and every step preserves it: each stored element is either a relation output or an
//! allocated hint (both range-checked), a selection between such elements, or a constant. Steps
//! therefore read limbs from `z` without re-checking them; flags are re-checked boolean.

pub mod driver;
pub mod finish;
pub mod merkle;
pub mod rollup;
pub mod statement;

pub use merkle::STATEMENT_TREE_DEPTH;
pub use rollup::{RollupInputs, RootChain};

use crate::convert::{fr_from_i128, fr_to_biguint, Fr};
use crate::curve::glv::{fq_as_fq2, ChallengeTable, HALF_DIGITS, LEAD_STEP_BITS};
use crate::curve::{AffineVar, CurveSpec};
use crate::field::{lc_const, one, scaled, Bit, Elem, Emu, Limb};
use crate::groth16::batch::{challenge_num, proof_elements, strict_bits, BatchKey};
use crate::groth16::ProofVar;
use crate::hash::{Num, Transcript};
use crate::pairing::{schedule, LoopInputs, MillerOp, MillerState, OpFlags};
use crate::tower::{fq12_to_direct, Ext, ExtKind};
use crate::{Error, Result};
use ark_bn254::{Fq12, G1Affine, G2Affine};
use ark_ec::AffineRepr;
use ark_ff::One;
use ff::Field;
use nova_snark::frontend::num::AllocatedNum;
use nova_snark::frontend::{ConstraintSystem, LinearCombination, SynthesisError};
use nova_snark::traits::circuit::StepCircuit;
use std::sync::Arc;

/// Number of Miller ops of one loop.
pub const MILLER_OPS: usize = 87;
/// Number of G1 double-and-add steps per proof (two challenge multiplications of 1 + 64).
pub const G1_OPS: usize = 2 * (HALF_DIGITS + 1);
/// The finish loops run in phases 1 (delta), 2 (gamma, with the residue) and 3 (beta).
pub const FINISH_LOOPS: usize = 3;
/// The phase whose steps at `pc = 1..=4` run the four residue-chain checks (the beta cycle:
/// every residue hint is loaded by then).
pub const CHECK_PHASE: usize = 3;

/// The step's size (Miller-op slots and G1 slots) and its statement mode.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct StepConfig {
    /// `M`.
    pub miller_slots: usize,
    /// `J`.
    pub g1_slots: usize,
    /// Whether the absorbed proofs must chain their state roots (rollup mode, [`rollup`]).
    pub root_chain: RootChain,
}

impl StepConfig {
    /// The configuration chosen from the measurements (about 240k constraints per step).
    pub const DEFAULT: StepConfig = StepConfig {
        miller_slots: 8,
        g1_slots: 12,
        root_chain: RootChain::Auto,
    };

    /// The same step size with another statement mode.
    pub const fn with_root_chain(self, root_chain: RootChain) -> StepConfig {
        StepConfig { root_chain, ..self }
    }

    /// Steps per cycle: `S = max(ceil(87/M), ceil(130/J))`.
    pub fn cycle_len(&self) -> usize {
        MILLER_OPS
            .div_ceil(self.miller_slots)
            .max(G1_OPS.div_ceil(self.g1_slots))
    }
}

/// Everything a step needs that does not change from step to step.
#[derive(Clone, Debug)]
pub struct StepKey {
    /// The emulation context.
    pub emu: Emu,
    /// The batched-verification key.
    pub batch: BatchKey,
    /// Slots per step.
    pub cfg: StepConfig,
    /// The proof absorbed when no real proof is (valid points, zero inputs).
    pub dummy: (zkagg_core::Proof, Vec<ark_bn254::Fr>),
    /// The Miller schedule.
    pub ops: Vec<MillerOp>,
    /// The MSM items of the finish (constant tables, offsets).
    pub msm: finish::MsmKey,
    /// Rollup mode: the positions of `old_root` and `new_root` among the inputs (`None`:
    /// independent statements), resolved from [`StepConfig::root_chain`].
    pub rollup: Option<RollupInputs>,
}

impl StepKey {
    /// Prepares the key.
    pub fn new(vk: &zkagg_core::VerifyingKey, cfg: StepConfig) -> Result<Self> {
        let batch = BatchKey::new(vk)?;
        let g1 = G1Affine::generator();
        let dummy = zkagg_core::Proof {
            a: g1,
            b: G2Affine::generator(),
            c: (g1 + g1).into(),
        };
        let n = batch.num_inputs();
        let rollup = cfg.root_chain.resolve(n)?;
        let msm = finish::MsmKey::new(&vk.gamma_abc_g1, &vk.alpha_g1)?;
        if cfg.cycle_len() < 5 || 2 * cfg.cycle_len() * LOADS_PER_STEP < HINT_ELEMENTS {
            return Err(Error::Input(
                "step configuration with too short cycles".into(),
            ));
        }
        Ok(Self {
            emu: Emu::default_layout(),
            batch,
            cfg,
            dummy: (dummy, vec![ark_bn254::Fr::from(0u64); n]),
            ops: schedule(),
            msm,
            rollup,
        })
    }

    /// Number of MSM items: `IC_0..IC_n` and `alpha`, i.e. `n + 2`.
    pub fn msm_items(&self) -> usize {
        self.msm.items.len()
    }

    /// Number of cycles after the proof phase: `K = max(3, n + 2)` (the three finish loops,
    /// and one MSM item per cycle).
    pub fn fin_cycles(&self) -> usize {
        FINISH_LOOPS.max(self.msm_items())
    }

    /// Number of phases: `0` (proofs), `1..=K` (finish cycles), `K + 1` (done).
    pub fn phases(&self) -> usize {
        self.fin_cycles() + 2
    }

    /// The `done` phase, `K + 1`.
    pub fn phase_done(&self) -> usize {
        self.fin_cycles() + 1
    }
}

/// The order and sizes of the state fields (counts of field elements).
#[derive(Clone, Debug)]
pub struct StateLayout {
    /// Number of public inputs per proof.
    pub n_inputs: usize,
    /// Limbs per emulated element.
    pub k: usize,
}

impl StateLayout {
    /// Total number of field elements (the step's arity).
    pub fn arity(&self) -> usize {
        // elements: F(12) S_C(2) f(12) T(4) Q(4) psiQ(4) psi2Q(4) x_P(1) yx(1) T_A(2) T_C(2)
        // U_A V_A U_C V_C (8) B_next(4) c(12) c_inv(12) L(2) S_alpha(2) D e2 e3 (36) acc(2)
        let elems = 12 + 2 + 12 + 4 * 4 + 2 + 2 + 2 + 8 + 4 + 24 + 2 + 2 + 36 + 2;
        self.elem_base() + elems * self.k
    }

    /// Index of the statement-tree root ([`merkle`]).
    pub fn statements_root_index(&self) -> usize {
        7
    }

    /// Index of the number of absorbed proofs.
    pub fn count_index(&self) -> usize {
        8
    }

    /// Index of `first_old_root`; `last_new_root` follows ([`rollup`]; both `0` outside rollup
    /// mode).
    pub fn roots_index(&self) -> usize {
        4 + 3 + 1 + 1 + (self.n_inputs + 1) + 4 + 2
    }

    /// Index of the statement tree's frontier (`STATEMENT_TREE_DEPTH` elements).
    pub fn frontier_index(&self) -> usize {
        self.roots_index() + 2
    }

    /// Index of the first limb of the first emulated element (`F`): the number of natives.
    pub fn elem_base(&self) -> usize {
        // natives: phase, pc, ml_live, g1_live, transcript(3), statements root, count,
        // scalars(n+1), digits(4), w1, w2, first_old_root, last_new_root, frontier(D)
        self.frontier_index() + STATEMENT_TREE_DEPTH
    }
}

/// The state as circuit values.
#[derive(Clone, Debug)]
pub struct StateVars {
    /// Phase (0..5).
    pub phase: Num,
    /// Position in the cycle (0..S).
    pub pc: Num,
    /// Whether the running Miller loop belongs to a real pair.
    pub ml_live: Bit,
    /// Whether the running G1 work belongs to a real proof.
    pub g1_live: Bit,
    /// Fiat–Shamir transcript.
    pub transcript: [Num; 3],
    /// Root of the statement tree ([`merkle`]).
    pub statements: Num,
    /// Proofs absorbed.
    pub count: Num,
    /// `s_0..s_n`.
    pub scalars: Vec<Num>,
    /// The four 64-bit digit words of the running G1 work: chain A uses `W0, W1`, chain C
    /// `W2, W3` (for a proof `W2 = W0`, `W3 = W1`: `rho_1`'s and `rho_2`'s random bits).
    pub digits: [Num; 4],
    /// `w` selector bits (finish).
    pub w: [Bit; 2],
    /// `first_old_root`, `last_new_root` (rollup mode, [`rollup`]).
    pub roots: [Num; 2],
    /// The statement tree's frontier ([`merkle`]).
    pub frontier: Vec<Num>,
    /// Product of finished Miller loops.
    pub acc_f: Ext,
    /// `H_C + sum rho_i C_i`.
    pub s_c: AffineVar,
    /// Running loop accumulator.
    pub f: Ext,
    /// Running loop point.
    pub t: AffineVar,
    /// `Q`, `psi(Q)`, `psi^2(Q)` of the running loop.
    pub q: [AffineVar; 3],
    /// `x_P` and `y_P / x_P` of the running loop.
    pub xp_yx: [Ext; 2],
    /// G1 accumulators for `rho A` and `rho C`.
    pub t_ac: [AffineVar; 2],
    /// Challenge tables of `A` and `C`.
    pub tables: [ChallengeTable; 2],
    /// `B` of the proof whose G1 work is running.
    pub b_next: AffineVar,
    /// Residue witness `c`, `c^-1` (finish).
    pub c: [Ext; 2],
    /// `L` and `s_0 alpha` hints (finish).
    pub l_sa: [AffineVar; 2],
    /// Residue-chain hints `D`, `e2`, `e3` (finish).
    pub res: [Ext; 3],
    /// The MSM accumulator (finish).
    pub acc_msm: AffineVar,
}

/// Reads and writes the state from/to `z`.
struct Cursor<'a> {
    z: &'a [AllocatedNum<Fr>],
    pos: usize,
    b: u32,
    k: usize,
}

impl Cursor<'_> {
    fn next(&mut self) -> Result<&AllocatedNum<Fr>> {
        let v = self
            .z
            .get(self.pos)
            .ok_or_else(|| Error::Input("state too short".into()))?;
        self.pos += 1;
        Ok(v)
    }

    fn num(&mut self) -> Result<Num> {
        Ok(Num::from_alloc(self.next()?))
    }

    fn bit<CS: ConstraintSystem<Fr>>(&mut self, cs: &mut CS) -> Result<Bit> {
        let n = self.num()?;
        let lc = n.lc.clone();
        cs.enforce(
            || "state flag is boolean",
            |l| l + &lc,
            |l| l + one() - &lc,
            |l| l,
        );
        Ok(Bit {
            lc: n.lc,
            val: n.val == Fr::ONE,
            is_const: false,
        })
    }

    fn elem(&mut self) -> Result<Elem> {
        let hi = (1i128 << self.b) - 1;
        let mut limbs = Vec::with_capacity(self.k);
        for _ in 0..self.k {
            let n = self.num()?;
            let v = i128::try_from(fr_to_biguint(&n.val)).unwrap_or(0);
            limbs.push(Limb {
                lc: n.lc,
                val: if (0..=hi).contains(&v) { v } else { 0 },
                lo: 0,
                hi,
            });
        }
        Ok(Elem { limbs })
    }

    fn ext(&mut self, kind: ExtKind) -> Result<Ext> {
        let coeffs = (0..kind.degree())
            .map(|_| self.elem())
            .collect::<Result<Vec<_>>>()?;
        Ok(Ext { kind, coeffs })
    }

    fn point(&mut self, kind: ExtKind) -> Result<AffineVar> {
        Ok(AffineVar {
            x: self.ext(kind)?,
            y: self.ext(kind)?,
        })
    }
}

/// Collects the output state as linear combinations with values.
#[derive(Default)]
struct Writer {
    out: Vec<(LinearCombination<Fr>, Fr)>,
}

impl Writer {
    fn num(&mut self, n: &Num) {
        self.out.push((n.lc.clone(), n.val));
    }

    fn bit(&mut self, b: &Bit) {
        self.out
            .push((b.lc.clone(), if b.val { Fr::ONE } else { Fr::ZERO }));
    }

    fn elem(&mut self, e: &Elem, k: usize, b: u32) -> Result<()> {
        let hi = (1i128 << b) - 1;
        for i in 0..k {
            let l = e.limbs.get(i).cloned().unwrap_or_else(Limb::zero);
            if l.lo < 0 || l.hi > hi {
                return Err(Error::Bound(format!(
                    "state limb outside [0, 2^{b}): [{}, {}]",
                    l.lo, l.hi
                )));
            }
            self.out.push((l.lc.clone(), fr_from_i128(l.val)));
        }
        for l in e.limbs.iter().skip(k) {
            if !l.is_zero() {
                return Err(Error::Bound("state element with too many limbs".into()));
            }
        }
        Ok(())
    }

    fn ext(&mut self, e: &Ext, emu: &Emu) -> Result<()> {
        for j in 0..e.kind.degree() {
            self.elem(&e.coeff(j, emu), emu.num_limbs(), emu.limb_bits())?;
        }
        Ok(())
    }

    fn point(&mut self, p: &AffineVar, emu: &Emu) -> Result<()> {
        self.ext(&p.x, emu)?;
        self.ext(&p.y, emu)
    }

    /// Turns the collected combinations into variables (reusing single variables).
    fn finish<CS: ConstraintSystem<Fr>>(self, cs: &mut CS) -> Result<Vec<AllocatedNum<Fr>>> {
        let mut vars = Vec::with_capacity(self.out.len());
        for (i, (lc, val)) in self.out.into_iter().enumerate() {
            let mut it = lc.iter();
            let single = match (it.next(), it.next()) {
                (Some((v, c)), None)
                    if *c == Fr::ONE
                        && !matches!(v.get_unchecked(), nova_snark::frontend::Index::Input(0)) =>
                {
                    Some(v)
                }
                _ => None,
            };
            match single {
                Some(v) => vars.push(AllocatedNum::from_parts(v, Some(val))),
                None => {
                    let x = AllocatedNum::alloc(cs.namespace(|| format!("out {i}")), || Ok(val))?;
                    cs.enforce(
                        || format!("out {i} equals"),
                        |l| l + &lc,
                        |l| l + one(),
                        |l| l + x.get_variable(),
                    );
                    vars.push(x);
                }
            }
        }
        Ok(vars)
    }
}

impl StateVars {
    /// Reads the state from `z` (flags are re-checked boolean; limbs are trusted, see the module
    /// documentation).
    pub fn read<CS: ConstraintSystem<Fr>>(
        cs: &mut CS,
        key: &StepKey,
        z: &[AllocatedNum<Fr>],
    ) -> Result<Self> {
        let layout = key.layout();
        if z.len() != layout.arity() {
            return Err(Error::Input(format!(
                "state of {} elements, expected {}",
                z.len(),
                layout.arity()
            )));
        }
        let mut c = Cursor {
            z,
            pos: 0,
            b: key.emu.limb_bits(),
            k: key.emu.num_limbs(),
        };
        let phase = c.num()?;
        let pc = c.num()?;
        let ml_live = c.bit(cs)?;
        let g1_live = c.bit(cs)?;
        let transcript = [c.num()?, c.num()?, c.num()?];
        let statements = c.num()?;
        let count = c.num()?;
        let scalars = (0..=layout.n_inputs)
            .map(|_| c.num())
            .collect::<Result<Vec<_>>>()?;
        let digits = [c.num()?, c.num()?, c.num()?, c.num()?];
        let w = [c.bit(cs)?, c.bit(cs)?];
        let roots = [c.num()?, c.num()?];
        let frontier = (0..STATEMENT_TREE_DEPTH)
            .map(|_| c.num())
            .collect::<Result<Vec<_>>>()?;
        let acc_f = c.ext(ExtKind::Fq12)?;
        let s_c = c.point(ExtKind::Fq)?;
        let f = c.ext(ExtKind::Fq12)?;
        let t = c.point(ExtKind::Fq2)?;
        let q = [
            c.point(ExtKind::Fq2)?,
            c.point(ExtKind::Fq2)?,
            c.point(ExtKind::Fq2)?,
        ];
        let xp_yx = [c.ext(ExtKind::Fq)?, c.ext(ExtKind::Fq)?];
        let t_ac = [c.point(ExtKind::Fq)?, c.point(ExtKind::Fq)?];
        let tables = [
            ChallengeTable {
                u: c.point(ExtKind::Fq)?,
                v: c.point(ExtKind::Fq)?,
            },
            ChallengeTable {
                u: c.point(ExtKind::Fq)?,
                v: c.point(ExtKind::Fq)?,
            },
        ];
        let b_next = c.point(ExtKind::Fq2)?;
        let cc = [c.ext(ExtKind::Fq12)?, c.ext(ExtKind::Fq12)?];
        let l_sa = [c.point(ExtKind::Fq)?, c.point(ExtKind::Fq)?];
        let res = [
            c.ext(ExtKind::Fq12)?,
            c.ext(ExtKind::Fq12)?,
            c.ext(ExtKind::Fq12)?,
        ];
        let acc_msm = c.point(ExtKind::Fq)?;
        Ok(Self {
            phase,
            pc,
            ml_live,
            g1_live,
            transcript,
            statements,
            count,
            scalars,
            digits,
            w,
            roots,
            frontier,
            acc_f,
            s_c,
            f,
            t,
            q,
            xp_yx,
            t_ac,
            tables,
            b_next,
            c: cc,
            l_sa,
            res,
            acc_msm,
        })
    }

    fn write(&self, emu: &Emu) -> Result<Writer> {
        let mut w = Writer::default();
        w.num(&self.phase);
        w.num(&self.pc);
        w.bit(&self.ml_live);
        w.bit(&self.g1_live);
        for t in &self.transcript {
            w.num(t);
        }
        w.num(&self.statements);
        w.num(&self.count);
        for s in &self.scalars {
            w.num(s);
        }
        for d in &self.digits {
            w.num(d);
        }
        w.bit(&self.w[0]);
        w.bit(&self.w[1]);
        for r in &self.roots {
            w.num(r);
        }
        for f in &self.frontier {
            w.num(f);
        }
        w.ext(&self.acc_f, emu)?;
        w.point(&self.s_c, emu)?;
        w.ext(&self.f, emu)?;
        w.point(&self.t, emu)?;
        for q in &self.q {
            w.point(q, emu)?;
        }
        for e in &self.xp_yx {
            w.ext(e, emu)?;
        }
        for p in &self.t_ac {
            w.point(p, emu)?;
        }
        for t in &self.tables {
            w.point(&t.u, emu)?;
            w.point(&t.v, emu)?;
        }
        w.point(&self.b_next, emu)?;
        for c in &self.c {
            w.ext(c, emu)?;
        }
        for p in &self.l_sa {
            w.point(p, emu)?;
        }
        for r in &self.res {
            w.ext(r, emu)?;
        }
        w.point(&self.acc_msm, emu)?;
        Ok(w)
    }
}

/// What the prover supplies to one step.
#[derive(Clone, Debug, Default)]
pub struct StepWitness {
    /// A proof to absorb (boundary steps of the proof phase only).
    pub absorb: Option<(zkagg_core::Proof, Vec<ark_bn254::Fr>)>,
    /// The finish hints: on the finish boundary (which starts the finish) and on every later
    /// step of the finish (the first two cycles load them into the state, three elements per
    /// step; each MSM item's boundary takes its digit words from them).
    pub finish: Option<FinishHints>,
}

/// The finish's hints.
#[derive(Clone, Debug)]
pub struct FinishHints {
    /// `L = sum_j s_j IC_j`.
    pub l: G1Affine,
    /// `s_0 alpha`.
    pub s_alpha: G1Affine,
    /// Residue witness `c`.
    pub c: Fq12,
    /// Index of `w = omega^i`.
    pub w_index: usize,
    /// The digit words of each MSM item ([`finish::msm_words`]).
    pub msm_words: Vec<[u64; 4]>,
}

/// One step of the aggregation (a nova-snark step circuit).
#[derive(Clone, Debug)]
pub struct AggregationStep {
    /// Constants.
    pub key: Arc<StepKey>,
    /// The prover's input to this step.
    pub witness: StepWitness,
}

impl StepKey {
    /// The state layout.
    pub fn layout(&self) -> StateLayout {
        StateLayout {
            n_inputs: self.batch.num_inputs(),
            k: self.emu.num_limbs(),
        }
    }
}

impl StepCircuit<Fr> for AggregationStep {
    fn arity(&self) -> usize {
        self.key.layout().arity()
    }

    fn synthesize<CS: ConstraintSystem<Fr>>(
        &self,
        cs: &mut CS,
        z: &[AllocatedNum<Fr>],
    ) -> core::result::Result<Vec<AllocatedNum<Fr>>, SynthesisError> {
        synthesize_step(cs, &self.key, &self.witness, z).map_err(SynthesisError::from)
    }
}

/// `sum_i e_i * value_i` for one-hot bits and constant 0/1 values: a bit (free).
///
/// When `f` holds for no position the result is the constant `0`, and when it holds for every
/// position the constant `1`: `e` is the output of [`one_hot`], which enforces `sum e_i = 1`, so
/// the sum over all positions equals `1` in every satisfying assignment. Constant bits make the
/// selections they drive free (a slot that runs an op at every `pc` needs no `keep` selection).
fn one_hot_select(e: &[Bit], f: impl Fn(usize) -> bool) -> Bit {
    let hits = (0..e.len()).filter(|&i| f(i)).count();
    if hits == 0 {
        return Bit::constant(false);
    }
    if hits == e.len() {
        return Bit::constant(true);
    }
    let mut lc = LinearCombination::zero();
    let mut val = false;
    for (i, b) in e.iter().enumerate() {
        if f(i) {
            lc = lc + &b.lc;
            val |= b.val;
        }
    }
    Bit {
        lc,
        val,
        is_const: false,
    }
}

/// One-hot decomposition of `x` in `[0, n)`: `n` bits with `sum e_i = 1`, `sum i e_i = x`.
fn one_hot<CS: ConstraintSystem<Fr>>(cs: &mut CS, x: &Num, n: usize) -> Result<Vec<Bit>> {
    let xv = fr_to_biguint(&x.val);
    let mut bits = Vec::with_capacity(n);
    let mut sum = LinearCombination::zero();
    let mut wsum = LinearCombination::zero();
    for i in 0..n {
        let b = Bit::alloc(
            &mut cs.namespace(|| format!("one-hot {i}")),
            xv == num_bigint::BigUint::from(i),
        )?;
        sum = sum + &b.lc;
        wsum = wsum + &scaled(&b.lc, Fr::from(i as u64));
        bits.push(b);
    }
    cs.enforce(|| "exactly one", |l| l + &sum, |l| l + one(), |l| l + one());
    cs.enforce(|| "index", |l| l + &wsum, |l| l + one(), |l| l + &x.lc);
    Ok(bits)
}

/// `if bit { a } else { b }` for native values (one constraint).
fn select_num<CS: ConstraintSystem<Fr>>(cs: &mut CS, bit: &Bit, a: &Num, b: &Num) -> Result<Num> {
    let val = if bit.val { a.val } else { b.val };
    let v = cs.alloc(|| "select", || Ok(val))?;
    cs.enforce(
        || "bit (a - b) = out - b",
        |l| l + &bit.lc,
        |l| l + &a.lc - &b.lc,
        |l| l + v - &b.lc,
    );
    Ok(Num {
        lc: LinearCombination::zero() + v,
        val,
    })
}

fn select_bit<CS: ConstraintSystem<Fr>>(cs: &mut CS, bit: &Bit, a: &Bit, b: &Bit) -> Result<Bit> {
    let an = Num {
        lc: a.lc.clone(),
        val: if a.val { Fr::ONE } else { Fr::ZERO },
    };
    let bn = Num {
        lc: b.lc.clone(),
        val: if b.val { Fr::ONE } else { Fr::ZERO },
    };
    let n = select_num(cs, bit, &an, &bn)?;
    Ok(Bit {
        lc: n.lc,
        val: if bit.val { a.val } else { b.val },
        is_const: false,
    })
}

/// `a OR b` for mutually exclusive bits (free).
fn or_exclusive(a: &Bit, b: &Bit) -> Bit {
    Bit {
        lc: a.lc.clone() + &b.lc,
        val: a.val || b.val,
        is_const: false,
    }
}

fn g1_const(emu: &Emu, p: &G1Affine) -> AffineVar {
    emu.constant_point(&CurveSpec::g1(), fq_as_fq2(p.x), fq_as_fq2(p.y))
}

fn g2_const(emu: &Emu, p: &G2Affine) -> AffineVar {
    emu.constant_point(&CurveSpec::g2(), p.x, p.y)
}

/// The 64 bits of a word known to be below `2^64` (64 booleanity constraints and one sum).
fn word_bits<CS: ConstraintSystem<Fr>>(cs: &mut CS, x: &Num) -> Result<Vec<Bit>> {
    let v = fr_to_biguint(&x.val);
    let mut bits = Vec::with_capacity(HALF_DIGITS);
    let mut lc = LinearCombination::zero();
    let mut c = Fr::ONE;
    for i in 0..HALF_DIGITS {
        let b = Bit::alloc(&mut cs.namespace(|| format!("bit {i}")), v.bit(i as u64))?;
        lc = lc + &scaled(&b.lc, c);
        c = c.double();
        bits.push(b);
    }
    cs.enforce(|| "word", |l| l + &lc, |l| l + one(), |l| l + &x.lc);
    Ok(bits)
}

/// Number of hint elements loaded per step during the first two finish cycles.
pub const LOADS_PER_STEP: usize = 3;
/// Hint elements: `c` (12), `c^-1` (12), `L` (2), `s_0 alpha` (2), `D`, `e2`, `e3` (36).
pub const HINT_ELEMENTS: usize = 64;

/// The hint elements in load order.
fn hint_values(h: &FinishHints) -> Vec<ark_bn254::Fq> {
    let [g, e2, e3, d] = finish::residue_chain(&h.c);
    let mut v = fq12_to_direct(&h.c);
    v.extend(fq12_to_direct(&g));
    v.extend([h.l.x, h.l.y, h.s_alpha.x, h.s_alpha.y]);
    for x in [d, e2, e3] {
        v.extend(fq12_to_direct(&x));
    }
    v
}

/// The registers loaded by [`load_hints`]: `[c, c^-1]`, `[L, s_0 alpha]`, `[D, e2, e3]`.
type Loaded = ([Ext; 2], [AffineVar; 2], [Ext; 3]);

/// Loads the finish hints into the state, [`LOADS_PER_STEP`] elements per step: at position
/// `pc` of finish cycle `i` (`i = 0, 1`: the steps whose output phase is 1 or 2), elements
/// `3 (i S + pc) ..`. The loaded values are range-checked allocations; nothing else constrains
/// them here. They are pinned later by the steps themselves: `L` and `s_0 alpha` by the MSM
/// comparisons, `c`, `c^-1`, `D`, `e2`, `e3` by the residue-chain checks. Loads happen only in
/// these two cycles, so every later use or check sees the same values.
fn load_hints<CS: ConstraintSystem<Fr>>(
    cs: &mut CS,
    key: &StepKey,
    wit: &StepWitness,
    st: &StateVars,
    pc: &[Bit],
    in_cycle: &[Bit],
) -> Result<Loaded> {
    let e = &key.emu;
    let s_len = pc.len();
    let vals = wit.finish.as_ref().map(hint_values);
    let p_now = pc.iter().position(|b| b.val).unwrap_or(0);
    let c_now = in_cycle.iter().position(|b| b.val).unwrap_or(0);
    let mut slot = Vec::with_capacity(LOADS_PER_STEP);
    for i in 0..LOADS_PER_STEP {
        let idx = (c_now * s_len + p_now) * LOADS_PER_STEP + i;
        let v = vals
            .as_ref()
            .and_then(|v| v.get(idx).copied())
            .unwrap_or_default();
        slot.push(e.alloc_fq(&mut cs.namespace(|| format!("hint slot {i}")), &v)?);
    }
    // load_at[step] for the load step index `i S + p`.
    let mut load_at = Vec::with_capacity(2 * s_len);
    for (i, cyc) in in_cycle.iter().enumerate().take(2) {
        for (p, b) in pc.iter().enumerate() {
            if (i * s_len + p) * LOADS_PER_STEP < HINT_ELEMENTS {
                load_at.push(Some(
                    b.and(&mut cs.namespace(|| format!("load at {i} {p}")), cyc)?,
                ));
            } else {
                load_at.push(None);
            }
        }
    }
    let mut flat: Vec<Elem> = Vec::with_capacity(HINT_ELEMENTS);
    flat.extend(st.c[0].coeffs.iter().cloned());
    flat.extend(st.c[1].coeffs.iter().cloned());
    for p in &st.l_sa {
        flat.extend([p.x.coeffs[0].clone(), p.y.coeffs[0].clone()]);
    }
    for r in &st.res {
        flat.extend(r.coeffs.iter().cloned());
    }
    for (idx, old) in flat.iter_mut().enumerate() {
        if let Some(Some(bit)) = load_at.get(idx / LOADS_PER_STEP) {
            *old = e.select(
                &mut cs.namespace(|| format!("load {idx}")),
                bit,
                &slot[idx % LOADS_PER_STEP],
                old,
            )?;
        }
    }
    let ext = |v: &[Elem]| Ext {
        kind: ExtKind::Fq12,
        coeffs: v.to_vec(),
    };
    let pt = |v: &[Elem]| AffineVar {
        x: Ext {
            kind: ExtKind::Fq,
            coeffs: v[..1].to_vec(),
        },
        y: Ext {
            kind: ExtKind::Fq,
            coeffs: v[1..2].to_vec(),
        },
    };
    Ok((
        [ext(&flat[..12]), ext(&flat[12..24])],
        [pt(&flat[24..26]), pt(&flat[26..28])],
        [ext(&flat[28..40]), ext(&flat[40..52]), ext(&flat[52..64])],
    ))
}

/// A constant point chosen by mutually exclusive bits (free): every limb is
/// `sum_k b_k limb_k`, so with at most one bit set it is that point's limb, or `0` when none
/// is (the caller then discards it by a selection). The interval covers every case.
fn one_hot_point(e: &Emu, bits: &[Bit], pts: &[G1Affine]) -> AffineVar {
    let coord = |f: &dyn Fn(&G1Affine) -> ark_bn254::Fq| -> Ext {
        let consts: Vec<Elem> = pts.iter().map(|p| e.constant_fq(&f(p))).collect();
        let k = e.num_limbs();
        let mut limbs = Vec::with_capacity(k);
        for i in 0..k {
            let mut lc = LinearCombination::zero();
            let (mut val, mut lo, mut hi) = (0i128, 0i128, 0i128);
            for (b, c) in bits.iter().zip(consts.iter()) {
                let l = c.limbs.get(i).cloned().unwrap_or_else(Limb::zero);
                lc = lc + &scaled(&b.lc, fr_from_i128(l.val));
                if b.val {
                    val += l.val;
                }
                lo = lo.min(l.val);
                hi = hi.max(l.val);
            }
            limbs.push(Limb { lc, val, lo, hi });
        }
        Ext {
            kind: ExtKind::Fq,
            coeffs: vec![Elem { limbs }],
        }
    };
    AffineVar {
        x: coord(&|p| p.x),
        y: coord(&|p| p.y),
    }
}

/// The whole step (see the module documentation).
pub fn synthesize_step<CS: ConstraintSystem<Fr>>(
    cs: &mut CS,
    key: &StepKey,
    wit: &StepWitness,
    z: &[AllocatedNum<Fr>],
) -> Result<Vec<AllocatedNum<Fr>>> {
    let e = &key.emu;
    let cfg = key.cfg;
    let s_len = cfg.cycle_len();
    let st = StateVars::read(&mut cs.namespace(|| "read state"), key, z)?;
    let pc = one_hot(&mut cs.namespace(|| "pc"), &st.pc, s_len)?;
    let ph = one_hot(&mut cs.namespace(|| "phase"), &st.phase, key.phases())?;
    let boundary = pc[0].clone();
    let k_fin = key.fin_cycles();
    let m_items = key.msm_items();

    // --- prover decisions, constrained ---
    let absorb = Bit::alloc(
        &mut cs.namespace(|| "absorb"),
        wit.absorb.is_some() && boundary.val && ph[0].val,
    )?;
    let finish = Bit::alloc(
        &mut cs.namespace(|| "finish"),
        wit.finish.is_some() && boundary.val && ph[0].val,
    )?;
    let allowed = boundary.and(&mut cs.namespace(|| "boundary in proof phase"), &ph[0])?;
    for (name, b) in [("absorb", &absorb), ("finish", &finish)] {
        cs.enforce(
            || format!("{name} only at a proof-phase boundary"),
            |l| l + &b.lc,
            |l| l + one() - &allowed.lc,
            |l| l,
        );
    }
    cs.enforce(
        || "finish needs no pending G1 work",
        |l| l + &finish.lc,
        |l| l + &st.g1_live.lc,
        |l| l,
    );
    cs.enforce(|| "not both", |l| l + &finish.lc, |l| l + &absorb.lc, |l| l);

    // Phase transitions at the boundary: `adv[q]` leaves finish phase `q` (`1..=K`); the last
    // one enters `done`, which no transition leaves.
    let mut adv = vec![Bit::constant(false)];
    for (q, b) in ph.iter().enumerate().take(k_fin + 1).skip(1) {
        adv.push(boundary.and(&mut cs.namespace(|| format!("leave phase {q}")), b)?);
    }
    let start_fin = [finish.clone(), adv[1].clone(), adv[2].clone()];
    let mut advance = finish.clone();
    for b in adv.iter().skip(1) {
        advance = or_exclusive(&advance, b);
    }
    let phase_new = Num {
        lc: st.phase.lc.clone() + &advance.lc,
        val: st.phase.val + if advance.val { Fr::ONE } else { Fr::ZERO },
    };
    // A boundary in phase 0 that does not finish.
    let per_proof_start = Bit {
        lc: allowed.lc.clone() - &finish.lc,
        val: allowed.val && !finish.val,
        is_const: false,
    };
    // Cycle `q` of the finish (output phase `q + 1`): its boundary step and its other steps.
    let in_cycle: Vec<Bit> = (0..FINISH_LOOPS)
        .map(|q| {
            let start = if q == 0 { &finish } else { &adv[q] };
            Bit {
                lc: start.lc.clone() + &ph[q + 1].lc - &adv[q + 1].lc,
                val: start.val || (ph[q + 1].val && !adv[q + 1].val),
                is_const: false,
            }
        })
        .collect();
    // MSM item `k` runs in the cycle of phase `k + 1`: its tables and digit words are set at
    // the boundary entering that phase, its result is consumed at the boundary leaving it.
    let msm_start: Vec<Bit> = (0..m_items)
        .map(|k| {
            if k == 0 {
                finish.clone()
            } else {
                adv[k].clone()
            }
        })
        .collect();
    let msm_consume: Vec<Bit> = (0..m_items).map(|k| adv[k + 1].clone()).collect();
    let any = |bits: &[Bit]| {
        bits.iter()
            .fold(Bit::constant(false), |acc, b| or_exclusive(&acc, b))
    };
    let msm_start_any = any(&msm_start);
    let msm_consume_any = any(&msm_consume);

    let g1 = CurveSpec::g1();
    let one12 = Ext::constant(ExtKind::Fq12, &fq12_to_direct(&Fq12::one()), e);

    // --- (a) finish the running loop: `f` already contains `F` (multiplied in by the first
    // Frobenius-addition op, after the last squaring), so the new `F` is `f` itself ---
    let take_f = boundary.and(&mut cs.namespace(|| "take f"), &st.ml_live)?;
    let acc_f = e.select_ext(&mut cs.namespace(|| "F select"), &take_f, &st.f, &st.acc_f)?;
    {
        let mut cs = cs.namespace(|| "subgroup check");
        let psi3 = e.psi(&mut cs.namespace(|| "psi^3"), &st.q[0], 3)?;
        let x = g2_const(e, &G2Affine::generator());
        let lhs = e.select_point(&mut cs.namespace(|| "lhs"), &boundary, &st.t, &x)?;
        let rhs = e.select_point(&mut cs.namespace(|| "rhs"), &boundary, &psi3.neg(), &x)?;
        e.assert_point_equal(&mut cs.namespace(|| "T_end = -psi^3(Q)"), &lhs, &rhs)?;
    }

    // --- (b) S_C; at an MSM item's end the same adder gives `X = T_A + T_C` ---
    let neg_hc = g1_const(e, &(-key.batch.h_c));
    let operand = e.select_point(
        &mut cs.namespace(|| "S_C operand"),
        &start_fin[0],
        &neg_hc,
        &st.t_ac[1],
    )?;
    let first = e.select_point(
        &mut cs.namespace(|| "S_C or T_A"),
        &msm_consume_any,
        &st.t_ac[0],
        &st.s_c,
    )?;
    let sc_sum = e.point_add_checked(&mut cs.namespace(|| "S_C add"), &g1, &first, &operand)?;
    let apply_sc_pre = or_exclusive(&st.g1_live, &finish);
    let apply_sc = boundary.and(&mut cs.namespace(|| "apply S_C"), &apply_sc_pre)?;
    let s_c = e.select_point(
        &mut cs.namespace(|| "S_C select"),
        &apply_sc,
        &sc_sum,
        &st.s_c,
    )?;

    // --- (c) finish hints: w at the finish boundary; c, c^-1, L, s_0 alpha, D, e2, e3 loaded
    // three elements per step during the first two finish cycles ---
    let w_idx = wit.finish.as_ref().map(|h| h.w_index).unwrap_or(0);
    let w1 = Bit::alloc(&mut cs.namespace(|| "w1"), w_idx == 1)?;
    let w2 = Bit::alloc(&mut cs.namespace(|| "w2"), w_idx == 2)?;
    let w0 = select_bit(
        &mut cs.namespace(|| "w1 select"),
        &start_fin[0],
        &w1,
        &st.w[0],
    )?;
    let w1s = select_bit(
        &mut cs.namespace(|| "w2 select"),
        &start_fin[0],
        &w2,
        &st.w[1],
    )?;
    let w = [w0, w1s];
    let (cc, l_sa, res) = load_hints(
        &mut cs.namespace(|| "load hints"),
        key,
        wit,
        &st,
        &pc,
        &in_cycle,
    )?;

    // --- (c') the MSM accumulator: `acc <- acc + X` at the end of every item (the `alpha` item
    // starts from its own constant); compared with the hints `L` (after item `n`) and
    // `s_0 alpha` (after item `n + 1`). Both additions are checked: an exceptional case only
    // makes the step unsatisfiable. ---
    let msm = &key.msm;
    let alpha_consume = &msm_consume[m_items - 1];
    let l_consume = &msm_consume[m_items - 2];
    let acc_in = e.select_point(
        &mut cs.namespace(|| "acc or alpha start"),
        alpha_consume,
        &g1_const(e, &msm.alpha_start),
        &st.acc_msm,
    )?;
    let acc_out = e.point_add_checked(&mut cs.namespace(|| "acc add"), &g1, &acc_in, &sc_sum)?;
    let acc_msm = e.select_point(
        &mut cs.namespace(|| "acc select"),
        &msm_consume_any,
        &acc_out,
        &st.acc_msm,
    )?;
    {
        let mut cs = cs.namespace(|| "msm result = hint");
        let cmp = or_exclusive(l_consume, alpha_consume);
        let gen = g1_const(e, &G1Affine::generator());
        let hint = e.select_point(
            &mut cs.namespace(|| "hint"),
            alpha_consume,
            &l_sa[1],
            &l_sa[0],
        )?;
        let lhs = e.select_point(&mut cs.namespace(|| "lhs"), &cmp, &acc_out, &gen)?;
        let rhs = e.select_point(&mut cs.namespace(|| "rhs"), &cmp, &hint, &gen)?;
        e.assert_point_equal(&mut cs.namespace(|| "equal"), &lhs, &rhs)?;
    }

    // --- (d) absorb a proof (or the dummy) ---
    let (proof, inputs) = match &wit.absorb {
        Some((p, x)) if absorb.val => (p.clone(), x.clone()),
        _ => key.dummy.clone(),
    };
    if inputs.len() != key.batch.num_inputs() {
        return Err(Error::Input("wrong number of inputs".into()));
    }
    let pv = e.alloc_proof(&mut cs.namespace(|| "proof"), &proof, true)?;
    let xs: Vec<Num> = {
        let vars = crate::groth16::alloc_inputs(&mut cs.namespace(|| "inputs"), &inputs)?;
        vars.iter().map(Num::from_alloc).collect()
    };
    // The statement tree and the root chain (rollup mode); both keep their old values unless
    // the step absorbs.
    let leaf = merkle::leaf(
        &mut cs.namespace(|| "statement leaf"),
        key.batch.vk_hash,
        &xs,
    )?;
    let tree = merkle::append(
        &mut cs.namespace(|| "statement tree"),
        &absorb,
        &st.count,
        &st.statements,
        &st.frontier,
        &leaf,
    )?;
    let roots = rollup::chain_roots(
        &mut cs.namespace(|| "root chain"),
        key.rollup,
        &absorb,
        &st.count,
        &st.roots,
        &xs,
    )?;
    let mut tr = Transcript::from_state(st.transcript.clone());
    tr.absorb(&mut cs.namespace(|| "absorb inputs"), &xs)?;
    tr.absorb(
        &mut cs.namespace(|| "absorb proof"),
        &proof_elements(e, &pv),
    )?;
    let z_new = tr.squeeze(&mut cs.namespace(|| "squeeze"))?;
    let tr_new = tr.state(&mut cs.namespace(|| "state"))?;
    let zb_new = strict_bits(&mut cs.namespace(|| "challenge bits"), &z_new)?;
    let rho = challenge_num(
        &zb_new[..HALF_DIGITS],
        &zb_new[HALF_DIGITS..2 * HALF_DIGITS],
    );
    let tab_a = e.g1_challenge_table(&mut cs.namespace(|| "table A"), &pv.a)?;
    let tab_c = e.g1_challenge_table(&mut cs.namespace(|| "table C"), &pv.c)?;
    // At the start of MSM item `k` the tables are the constants of `P_k` (chain A) and
    // `2^64 P_k` (chain C), chosen by the one-hot `msm_start` bits.
    let msm_tab = |cs: &mut CS, name: &str, chain: usize, tab: &ChallengeTable| {
        let pick = |f: &dyn Fn(&(G1Affine, G1Affine)) -> G1Affine| -> Vec<G1Affine> {
            msm.items.iter().map(|it| f(&it.tables[chain])).collect()
        };
        let u = one_hot_point(e, &msm_start, &pick(&|t| t.0));
        let v = one_hot_point(e, &msm_start, &pick(&|t| t.1));
        let u = e.select_point(
            &mut cs.namespace(|| format!("{name} U")),
            &msm_start_any,
            &u,
            &tab.u,
        )?;
        let v = e.select_point(
            &mut cs.namespace(|| format!("{name} V")),
            &msm_start_any,
            &v,
            &tab.v,
        )?;
        Ok::<_, Error>(ChallengeTable { u, v })
    };
    let tab_a = msm_tab(cs, "msm table A", 0, &tab_a)?;
    let tab_c = msm_tab(cs, "msm table C", 1, &tab_c)?;
    let mut transcript = Vec::with_capacity(3);
    for (i, (n, o)) in tr_new.iter().zip(st.transcript.iter()).enumerate() {
        transcript.push(select_num(
            &mut cs.namespace(|| format!("transcript {i}")),
            &absorb,
            n,
            o,
        )?);
    }
    let transcript: [Num; 3] = [
        transcript[0].clone(),
        transcript[1].clone(),
        transcript[2].clone(),
    ];
    let statements = tree.root;
    let count = st.count.add(&Num {
        lc: absorb.lc.clone(),
        val: if absorb.val { Fr::ONE } else { Fr::ZERO },
    });
    let mut scalars = Vec::with_capacity(st.scalars.len());
    let rho_x: Vec<Num> = xs
        .iter()
        .enumerate()
        .map(|(j, x)| rho.mul(&mut cs.namespace(|| format!("rho x_{j}")), x))
        .collect::<Result<_>>()?;
    let absorb_num = Num {
        lc: absorb.lc.clone(),
        val: if absorb.val { Fr::ONE } else { Fr::ZERO },
    };
    for (j, s) in st.scalars.iter().enumerate() {
        let add = if j == 0 {
            rho.clone()
        } else {
            rho_x[j - 1].clone()
        };
        let t = absorb_num.mul(&mut cs.namespace(|| format!("gate s_{j}")), &add)?;
        scalars.push(s.add(&t));
    }

    // --- (e) start the next loop ---
    // P: per proof rho A (T_A), finish: -(S_C - H_C), -L, -s0 alpha.
    let p_x0 = &st.t_ac[0].x;
    let p_y0 = st.t_ac[0].y.clone();
    let sel_p = |cs: &mut CS, name: &str, a: &Ext, b: &Ext, bit: &Bit| {
        e.select_ext(&mut cs.namespace(|| name.to_string()), bit, a, b)
    };
    let px = sel_p(cs, "P.x fin0", &sc_sum.x, p_x0, &start_fin[0])?;
    let px = sel_p(cs, "P.x fin1", &l_sa[0].x, &px, &start_fin[1])?;
    let px = sel_p(cs, "P.x fin2", &l_sa[1].x, &px, &start_fin[2])?;
    let py = sel_p(cs, "P.y fin0", &sc_sum.y.neg(), &p_y0, &start_fin[0])?;
    let py = sel_p(cs, "P.y fin1", &l_sa[0].y.neg(), &py, &start_fin[1])?;
    let py = sel_p(cs, "P.y fin2", &l_sa[1].y.neg(), &py, &start_fin[2])?;
    let xpv = px.values(e)[0];
    let ypv = py.values(e)[0];
    let yxv = ark_ff::Field::inverse(&xpv)
        .map(|i| ypv * i)
        .unwrap_or_default();
    let yx = e.alloc_ext(&mut cs.namespace(|| "yx hint"), ExtKind::Fq, &[yxv])?;
    {
        let mut rel = crate::field::relation::Relation::new(e, ExtKind::Fq);
        rel.add_product(1, &[&yx, &px]);
        rel.add_linear(-1, &py);
        rel.assert_zero(&mut cs.namespace(|| "yx * x_P = y_P"))?;
    }
    // Q: per proof B_next; finish: delta, gamma, beta.
    let vk = &key.batch.key.vk;
    let q = e.select_point(
        &mut cs.namespace(|| "Q fin0"),
        &start_fin[0],
        &g2_const(e, &vk.delta_g2),
        &st.b_next,
    )?;
    let q = e.select_point(
        &mut cs.namespace(|| "Q fin1"),
        &start_fin[1],
        &g2_const(e, &vk.gamma_g2),
        &q,
    )?;
    let q = e.select_point(
        &mut cs.namespace(|| "Q fin2"),
        &start_fin[2],
        &g2_const(e, &vk.beta_g2),
        &q,
    )?;
    let psi1 = e.psi(&mut cs.namespace(|| "psi(Q)"), &q, 1)?;
    let psi2 = e.psi(&mut cs.namespace(|| "psi^2(Q)"), &q, 2)?;
    let f0 = e.select_ext(&mut cs.namespace(|| "f0"), &start_fin[1], &cc[1], &one12)?;
    let ml_live_start = or_exclusive(
        &or_exclusive(&start_fin[0], &start_fin[1]),
        &or_exclusive(
            &start_fin[2],
            &Bit {
                lc: LinearCombination::zero(),
                val: false,
                is_const: true,
            },
        ),
    );
    let live_pp = per_proof_start.and(&mut cs.namespace(|| "per-proof live"), &st.g1_live)?;
    let ml_live_new = or_exclusive(&ml_live_start, &live_pp);
    // Apply at the boundary.
    let bsel_ext = |cs: &mut CS, name: &str, a: &Ext, b: &Ext| {
        e.select_ext(&mut cs.namespace(|| name.to_string()), &boundary, a, b)
    };
    let bsel_pt = |cs: &mut CS, name: &str, a: &AffineVar, b: &AffineVar| {
        e.select_point(&mut cs.namespace(|| name.to_string()), &boundary, a, b)
    };
    let mut f = bsel_ext(cs, "f start", &f0, &st.f)?;
    let mut t = bsel_pt(cs, "T start", &q, &st.t)?;
    let q_all = [
        bsel_pt(cs, "Q start", &q, &st.q[0])?,
        bsel_pt(cs, "psi Q start", &psi1, &st.q[1])?,
        bsel_pt(cs, "psi2 Q start", &psi2, &st.q[2])?,
    ];
    let xp_yx = [
        bsel_ext(cs, "x_P start", &px, &st.xp_yx[0])?,
        bsel_ext(cs, "yx start", &yx, &st.xp_yx[1])?,
    ];
    let ml_live = select_bit(
        &mut cs.namespace(|| "ml_live"),
        &boundary,
        &ml_live_new,
        &st.ml_live,
    )?;
    // G1 pipeline restarts at every boundary with the absorbed (or dummy) proof.
    let mut t_ac = [
        bsel_pt(cs, "T_A start", &tab_a.u, &st.t_ac[0])?,
        bsel_pt(cs, "T_C start", &tab_c.u, &st.t_ac[1])?,
    ];
    let tables = [
        ChallengeTable {
            u: bsel_pt(cs, "U_A", &tab_a.u, &st.tables[0].u)?,
            v: bsel_pt(cs, "V_A", &tab_a.v, &st.tables[0].v)?,
        },
        ChallengeTable {
            u: bsel_pt(cs, "U_C", &tab_c.u, &st.tables[1].u)?,
            v: bsel_pt(cs, "V_C", &tab_c.v, &st.tables[1].v)?,
        },
    ];
    let b_next = bsel_pt(cs, "B next", &pv.b, &st.b_next)?;
    let word = |bits: &[Bit]| -> Num {
        let mut n = Num::constant(Fr::ZERO);
        let mut c = Fr::ONE;
        for b in bits {
            n = n.add(&Num {
                lc: scaled(&b.lc, c),
                val: if b.val { c } else { Fr::ZERO },
            });
            c = c.double();
        }
        n
    };
    // Digit words: a proof's challenge (both chains use `rho`'s bits), or at the start of an
    // MSM item the prover's words, pinned below by one native constraint.
    let chal = [
        word(&zb_new[..HALF_DIGITS]),
        word(&zb_new[HALF_DIGITS..2 * HALF_DIGITS]),
    ];
    let item_now = usize::try_from(fr_to_biguint(&st.phase.val)).unwrap_or(0);
    let hint_words = wit
        .finish
        .as_ref()
        .and_then(|h| h.msm_words.get(item_now).copied())
        .filter(|_| msm_start_any.val)
        .unwrap_or([0; 4]);
    let mut digits = Vec::with_capacity(4);
    for (i, (hw, old)) in hint_words.iter().zip(st.digits.iter()).enumerate() {
        let v = Fr::from(*hw);
        let h = Num::from_alloc(&AllocatedNum::alloc(
            cs.namespace(|| format!("msm word {i}")),
            || Ok(v),
        )?);
        let new = select_num(
            &mut cs.namespace(|| format!("word {i} source")),
            &msm_start_any,
            &h,
            &chal[i % 2],
        )?;
        digits.push(select_num(
            &mut cs.namespace(|| format!("digits {i}")),
            &boundary,
            &new,
            old,
        )?);
    }
    let digits: [Num; 4] = [
        digits[0].clone(),
        digits[1].clone(),
        digits[2].clone(),
        digits[3].clone(),
    ];
    // Item `k`: `A + lambda B = s_j + delta_k (mod r)` for the new words (range-checked to
    // 64 bits by the running-digit decomposition below). `T_A + T_C = [A + lambda B] P_k`
    // whatever the bits are, so the item's result is exactly `[s_j + delta_k] P_k`.
    {
        let (k0, k1) = finish::chain_offsets();
        let lam = crate::convert::fr_from_ark(&crate::curve::glv::endo_lambda());
        let two64 = Fr::from(2u64).pow_vartime([HALF_DIGITS as u64]);
        let dlc = |w: &Num| scaled(&w.lc, Fr::from(2u64)) - &lc_const(two64 - Fr::ONE);
        let a = lc_const(crate::convert::fr_from_ark(&k0))
            + &dlc(&digits[0])
            + &scaled(&dlc(&digits[2]), two64);
        let b = lc_const(crate::convert::fr_from_ark(&k1))
            + &dlc(&digits[1])
            + &scaled(&dlc(&digits[3]), two64);
        let ab = a + &scaled(&b, lam);
        for (k, (it, start)) in msm.items.iter().zip(msm_start.iter()).enumerate() {
            let s_j = &st.scalars[it.scalar];
            let delta = crate::convert::fr_from_ark(&it.delta);
            cs.enforce(
                || format!("msm item {k} scalar"),
                |l| l + &start.lc,
                |l| l + &ab - &s_j.lc - &lc_const(delta),
                |l| l,
            );
        }
    }
    let g1_live = select_bit(
        &mut cs.namespace(|| "g1_live"),
        &boundary,
        &absorb,
        &st.g1_live,
    )?;

    // --- Miller slots ---
    // The residue factor `c^{-(6x+2)}` is folded into the gamma loop (the finish cycle 1), `D`
    // and `w` into its second Frobenius addition and the beta loop's (after the last squaring,
    // so they are not raised to any power); `F` into every loop's first Frobenius addition.
    let in_fin1 = &in_cycle[1];
    let w_ext = {
        let om = crate::pairing::residue::omega();
        let k = |x: Fq12| Ext::constant(ExtKind::Fq12, &fq12_to_direct(&x), e);
        // A selection between constants is linear in the bit (free); `w = omega^2` if the
        // second bit is set, else `omega` if the first is, else 1: always an allowed value.
        let w1 = e.select_ext(
            &mut cs.namespace(|| "w or 1"),
            &w[0],
            &k(om),
            &k(Fq12::one()),
        )?;
        e.select_ext(&mut cs.namespace(|| "w"), &w[1], &k(om * om), &w1)?
    };
    let inputs = LoopInputs {
        sources: [
            q_all[0].clone(),
            q_all[0].neg(),
            q_all[1].clone(),
            q_all[2].neg(),
        ],
        x_p: xp_yx[0].clone(),
        yx: xp_yx[1].clone(),
    };
    for slot in 0..cfg.miller_slots {
        let mut cs = cs.namespace(|| format!("miller slot {slot}"));
        let op_at = |p: usize| key.ops.get(p * cfg.miller_slots + slot).copied();
        let active = one_hot_select(&pc, |p| op_at(p).is_some());
        let flags = OpFlags {
            dbl: one_hot_select(&pc, |p| matches!(op_at(p), Some(MillerOp::Double) | None)),
            src: [
                one_hot_select(&pc, |p| {
                    op_at(p).map(|o| o.source() & 1 == 1).unwrap_or(false)
                }),
                one_hot_select(&pc, |p| {
                    op_at(p).map(|o| o.source() & 2 == 2).unwrap_or(false)
                }),
            ],
        };
        let is_add = one_hot_select(&pc, |p| op_at(p) == Some(MillerOp::AddQ));
        let is_sub = one_hot_select(&pc, |p| op_at(p) == Some(MillerOp::SubQ));
        let is_frob1 = one_hot_select(&pc, |p| op_at(p) == Some(MillerOp::AddPsiQ));
        let is_frob2 = one_hot_select(&pc, |p| op_at(p) == Some(MillerOp::SubPsi2Q));
        let use_cinv = is_add.and(&mut cs.namespace(|| "use c^-1"), in_fin1)?;
        let use_c = is_sub.and(&mut cs.namespace(|| "use c"), in_fin1)?;
        let use_d = is_frob2.and(&mut cs.namespace(|| "use D"), in_fin1)?;
        let use_w = is_frob2.and(&mut cs.namespace(|| "use w"), &in_cycle[2])?;
        let h = e.select_ext(&mut cs.namespace(|| "h c"), &use_c, &cc[0], &one12)?;
        let h = e.select_ext(&mut cs.namespace(|| "h c^-1"), &use_cinv, &cc[1], &h)?;
        let h = e.select_ext(&mut cs.namespace(|| "h F"), &is_frob1, &acc_f, &h)?;
        let h = e.select_ext(&mut cs.namespace(|| "h D"), &use_d, &res[0], &h)?;
        let h = e.select_ext(&mut cs.namespace(|| "h w"), &use_w, &w_ext, &h)?;
        let out = e.miller_op(
            &mut cs.namespace(|| "op"),
            &MillerState {
                f: f.clone(),
                t: t.clone(),
            },
            &inputs,
            &flags,
            Some(&h),
        )?;
        f = e.select_ext(&mut cs.namespace(|| "f keep"), &active, &out.f, &f)?;
        t = e.select_point(&mut cs.namespace(|| "T keep"), &active, &out.t, &t)?;
    }

    // --- G1 slots ---
    // The running digits: a 64-bit word has exactly one 64-bit decomposition.
    let mut zbits = Vec::with_capacity(4 * HALF_DIGITS);
    for (i, d) in digits.iter().enumerate() {
        zbits.extend(word_bits(
            &mut cs.namespace(|| format!("running digits {i}")),
            d,
        )?);
    }
    for slot in 0..cfg.g1_slots {
        let mut cs = cs.namespace(|| format!("g1 slot {slot}"));
        let idx = |p: usize| p * cfg.g1_slots + slot;
        let is_c = one_hot_select(&pc, |p| (HALF_DIGITS + 1..G1_OPS).contains(&idx(p)));
        let active = one_hot_select(&pc, |p| idx(p) < G1_OPS);
        let lead = one_hot_select(&pc, |p| idx(p) < G1_OPS && idx(p) % (HALF_DIGITS + 1) == 0);
        // Random digit j for index k: k' = k mod 65 in 1..=64 -> j = 64 - k'.
        let mut b1 = if LEAD_STEP_BITS.0 {
            lead.lc.clone()
        } else {
            LinearCombination::zero()
        };
        let mut b2 = if LEAD_STEP_BITS.1 {
            lead.lc.clone()
        } else {
            LinearCombination::zero()
        };
        let (mut v1, mut v2) = (lead.val && LEAD_STEP_BITS.0, lead.val && LEAD_STEP_BITS.1);
        for (p, ep) in pc.iter().enumerate() {
            let k = idx(p);
            if k >= G1_OPS || k % (HALF_DIGITS + 1) == 0 {
                continue;
            }
            let j = HALF_DIGITS - k % (HALF_DIGITS + 1);
            // Chain A reads words 0, 1; chain C words 2, 3.
            let w = if k > HALF_DIGITS { 2 * HALF_DIGITS } else { 0 };
            let t1 = ep.and(
                &mut cs.namespace(|| format!("digit 1 at pc {p}")),
                &zbits[w + j],
            )?;
            let t2 = ep.and(
                &mut cs.namespace(|| format!("digit 2 at pc {p}")),
                &zbits[w + HALF_DIGITS + j],
            )?;
            b1 = b1 + &t1.lc;
            b2 = b2 + &t2.lc;
            v1 |= t1.val;
            v2 |= t2.val;
        }
        let b1 = Bit {
            lc: b1,
            val: v1,
            is_const: false,
        };
        let b2 = Bit {
            lc: b2,
            val: v2,
            is_const: false,
        };
        let t_in = e.select_point(&mut cs.namespace(|| "T in"), &is_c, &t_ac[1], &t_ac[0])?;
        let u_in = e.select_point(
            &mut cs.namespace(|| "U in"),
            &is_c,
            &tables[1].u,
            &tables[0].u,
        )?;
        let v_in = e.select_point(
            &mut cs.namespace(|| "V in"),
            &is_c,
            &tables[1].v,
            &tables[0].v,
        )?;
        let tab = ChallengeTable { u: u_in, v: v_in };
        let out = e.g1_challenge_step(
            &mut cs.namespace(|| "2T + S"),
            &t_in,
            &tab,
            (&b1, &b2),
            false,
        )?;
        let on_a = Bit {
            lc: active.lc.clone() - &is_c.lc,
            val: active.val && !is_c.val,
            is_const: false,
        };
        let ta_out = e.select_point(&mut cs.namespace(|| "T_A out"), &on_a, &out, &t_ac[0])?;
        let tc_out = e.select_point(&mut cs.namespace(|| "T_C out"), &is_c, &out, &t_ac[1])?;
        t_ac = [ta_out, tc_out];
    }

    // --- residue chain: one check `x z = y^p` per step, scheduled by (phase, pc) ---
    // At phase 3 (every hint loaded), pc 1..=4: `g c = 1`, `e2 g = g^p`, `e3 c = e2^p`,
    // `D = e3^p`; elsewhere `1 * 1 = 1^p`. Hence `g = c^{-1}`, `e2 = c^{1-p}`,
    // `e3 = c^{-1+p-p^2}`, `D = c^{-p+p^2-p^3}`.
    {
        let cs = &mut cs.namespace(|| "residue chain");
        let mut chk = Vec::with_capacity(4);
        for k in 1..=4 {
            chk.push(pc[k].and(&mut cs.namespace(|| format!("check {k}")), &ph[CHECK_PHASE])?);
        }
        let (c, g) = (&cc[0], &cc[1]);
        let (d, e2, e3) = (&res[0], &res[1], &res[2]);
        let mut sel = |n: &str, b: &Bit, a: &Ext, o: &Ext| {
            e.select_ext(&mut cs.namespace(|| n.to_string()), b, a, o)
        };
        let x = sel("x 1", &chk[0], g, &one12)?;
        let x = sel("x 2", &chk[1], e2, &x)?;
        let x = sel("x 3", &chk[2], e3, &x)?;
        let x = sel("x 4", &chk[3], d, &x)?;
        let z = sel("z 2", &chk[1], g, &one12)?;
        let z = sel("z 1 3", &or_exclusive(&chk[0], &chk[2]), c, &z)?;
        let y = sel("y 2", &chk[1], g, &one12)?;
        let y = sel("y 3", &chk[2], e2, &y)?;
        let y = sel("y 4", &chk[3], e3, &y)?;
        e.assert_mul_eq_frobenius(&mut cs.namespace(|| "x z = y^p"), &x, &z, &y)?;
    }

    // --- pc ---
    let last = &pc[s_len - 1];
    let pc_new = Num {
        lc: st.pc.lc.clone() + &lc_const(Fr::ONE) - &scaled(&last.lc, Fr::from(s_len as u64)),
        val: if last.val {
            Fr::ZERO
        } else {
            st.pc.val + Fr::ONE
        },
    };

    let out = StateVars {
        phase: phase_new,
        pc: pc_new,
        ml_live,
        g1_live,
        transcript,
        statements,
        count,
        scalars,
        digits,
        w,
        roots,
        frontier: tree.frontier,
        acc_f,
        s_c,
        f,
        t,
        q: q_all,
        xp_yx,
        t_ac,
        tables,
        b_next,
        c: cc,
        l_sa,
        res,
        acc_msm,
    };
    out.write(e)?.finish(&mut cs.namespace(|| "write state"))
}

impl Emu {
    /// The decider's check on the final state of an aggregation: phase `done` and `F = 1` as
    /// canonical limbs (97 constraints). Everything else ran in the steps: the MSMs for `L` and
    /// `s_0 alpha` (compared with the hints the loops used), the residue chain (`g = c^{-1}`,
    /// `D = c^{-p} c^{p^2} c^{-p^3}`), and `D`, `w`, `c^{-(6x+2)}` multiplied into the loops,
    /// so that `F = 1` is the closing equation `F_pairings w = c^lambda`. Equal limbs mean
    /// equal integers, so the check is sound; an honest prover writes canonical outputs.
    pub fn aggregate_final_check<CS: ConstraintSystem<Fr>>(
        &self,
        cs: &mut CS,
        key: &StepKey,
        z: &[AllocatedNum<Fr>],
    ) -> Result<()> {
        let st = StateVars::read(&mut cs.namespace(|| "read"), key, z)?;
        self.final_check_on_state(cs, key, &st)
    }

    /// [`Self::aggregate_final_check`] on a state already read.
    fn final_check_on_state<CS: ConstraintSystem<Fr>>(
        &self,
        cs: &mut CS,
        key: &StepKey,
        st: &StateVars,
    ) -> Result<()> {
        cs.enforce(
            || "phase is done",
            |l| l + &st.phase.lc,
            |l| l + one(),
            |l| l + (Fr::from(key.phase_done() as u64), one()),
        );
        let one12 = Ext::constant(ExtKind::Fq12, &fq12_to_direct(&Fq12::one()), self);
        for j in 0..12 {
            let (f, o) = (st.acc_f.coeff(j, self), one12.coeff(j, self));
            for i in 0..self.num_limbs() {
                let fl = f.limbs.get(i).cloned().unwrap_or_else(Limb::zero);
                let ol = o.limbs.get(i).map(|l| l.val).unwrap_or(0);
                cs.enforce(
                    || format!("F coefficient {j} limb {i}"),
                    |l| l + &fl.lc,
                    |l| l + one(),
                    |l| l + &lc_const(fr_from_i128(ol)),
                );
            }
        }
        Ok(())
    }
}

/// A [`ProofVar`]'s transcript elements (re-exported for the driver).
pub fn proof_transcript_elements(emu: &Emu, p: &ProofVar) -> Vec<Num> {
    proof_elements(emu, p)
}

#[cfg(test)]
mod tests;
