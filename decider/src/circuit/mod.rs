//! # The decider circuit
//!
//! One circuit (nova-snark `frontend` gadgets, like the step and augmented circuits) that
//! accepts exactly the valid final states of a folded run (`docs/design/decider.md`):
//!
//! 1. [`input binding`](DeciderCircuit::synthesize): `x_f = H(pp, i, z_0 digest, z_N digest,
//!    U_N, U_cf)` for the last step's fresh instance, and `i >= 1`;
//! 2. the **last fold** of `u_N` into `U_N` ([`zkagg_folding::augmented::nifs`]), giving the
//!    folded scalars and `alpha`;
//! 3. the **primary claim** on the committed block `W'` ([`primary`]);
//! 4. the **CycleFold instance** ([`cyclefold`]);
//! 5. the **final check** on `z_N` ([`FinalStatement`]);
//! 6. the **statement digest** `P` ([`statement`]), the only plain public input.
//!
//! Public inputs, in order: `P`, then `W'` (the committed block whose commitment is the folded
//! `C_N + alpha C_f`, computed by the verifier).

pub mod cyclefold;
pub mod primary;
pub mod statement;

use ff::Field;
use nova_snark::frontend::num::AllocatedNum;
use nova_snark::frontend::{ConstraintSystem, SynthesisError, Variable};
use zkagg_circuit_verifier::field::Emu;
use zkagg_folding::augmented::io::{alloc_running, g1_coords};
use zkagg_folding::augmented::nifs::verify_fold;
use zkagg_folding::cyclefold::instance::{CfInstance, CfWitness, CycleFoldParams};
use zkagg_folding::gadgets::nonnative::{alloc_cf_instance, alloc_fq};
use zkagg_folding::primary::{FoldProof, FreshInstance, PrimaryShape, RunningInstance};
use zkagg_folding::step::pack_circuit;
use zkagg_folding::transcript::{hash_circuit, hash_native, HashConstants};
use zkagg_folding::{Fq, Fr, G1Affine};

/// The aggregate's statement as circuit values (outputs of the final check).
pub struct StatementVars {
    /// Number of absorbed proofs.
    pub count: AllocatedNum<Fr>,
    /// Root of the statement tree.
    pub statements_root: AllocatedNum<Fr>,
    /// Rollup mode: first `old_root` (zero otherwise).
    pub old_root: AllocatedNum<Fr>,
    /// Rollup mode: last `new_root` (zero otherwise).
    pub new_root: AllocatedNum<Fr>,
}

/// What the decider checks on the last state `z_N` and what of it becomes public: the
/// application's final predicate (for the aggregation: `Emu::aggregate_final_statement`).
pub trait FinalStatement {
    /// A constant identifying the application's key (the batch key's `vk_hash`), bound into
    /// the contract's `config`.
    fn key_hash(&self) -> Fr;

    /// The public statement natively: `[count, statements_root, old_root, new_root]` (the
    /// values [`Self::synthesize`] outputs for the same `z`).
    fn statement_native(&self, z: &[Fr]) -> Result<[Fr; 4], String>;

    /// Enforces the final predicate on `z` and returns the public statement.
    fn synthesize<CS: ConstraintSystem<Fr>>(
        &self,
        cs: &mut CS,
        z: &[AllocatedNum<Fr>],
    ) -> Result<StatementVars, SynthesisError>;
}

/// The folding parameters the decider circuit depends on (not the primary key: the key is
/// derived from the decider's own setup).
pub struct DeciderShape<'a> {
    /// The augmented circuit's R1CS.
    pub shape: &'a PrimaryShape,
    /// Coordinates of the primary error claim.
    pub mu: usize,
    /// The CycleFold parameters.
    pub cf: &'a CycleFoldParams,
    /// The sponge constants.
    pub constants: &'a HashConstants,
    /// The step state's element widths (`FoldStep::element_bits`).
    pub bits: &'a [Option<u32>],
}

/// Everything the decider's prover supplies (dummy values for shape extraction).
#[derive(Clone, Debug)]
pub struct DeciderInputs {
    /// The folding parameters' digest.
    pub params_digest: Fr,
    /// The number of steps `N`.
    pub i: u64,
    /// `H(pack(z_0))`.
    pub z0_digest: Fr,
    /// `z_N`.
    pub z: Vec<Fr>,
    /// `U_N`.
    pub running: RunningInstance,
    /// `U_cf`.
    pub running_cf: CfInstance,
    /// `U_cf`'s witness.
    pub running_cf_w: CfWitness,
    /// `u_N`.
    pub fresh: FreshInstance,
    /// The last fold's messages.
    pub proof: FoldProof,
    /// `W' = W_N + alpha W_f`.
    pub folded_w: Vec<Fr>,
    /// `P` (zero while extracting the shape).
    pub digest: Fr,
}

impl DeciderInputs {
    /// Placeholder inputs for shape extraction.
    pub fn dummy(s: &DeciderShape<'_>) -> Self {
        Self {
            params_digest: Fr::ZERO,
            i: 1,
            z0_digest: Fr::ZERO,
            z: vec![Fr::ZERO; s.bits.len()],
            running: RunningInstance::default_for(s.mu),
            running_cf: CfInstance::default(),
            running_cf_w: CfWitness::default_for(s.cf),
            fresh: FreshInstance {
                comm: G1Affine::default(),
                x: Fr::ZERO,
            },
            proof: FoldProof {
                q: vec![Fr::ZERO; s.mu],
                t_eval: Fr::ZERO,
            },
            folded_w: vec![Fr::ZERO; s.shape.num_vars()],
            digest: Fr::ZERO,
        }
    }
}

/// `config = H(pp digest, z_0 digest, key hash)`: the contract's constant.
pub fn config_native(constants: &HashConstants, params_digest: Fr, z0_digest: Fr, key: Fr) -> Fr {
    hash_native(constants, &[params_digest, z0_digest, key])
}

/// The decider circuit.
pub struct DeciderCircuit<'a, F: FinalStatement> {
    /// The folding parameters.
    pub params: &'a DeciderShape<'a>,
    /// The final predicate.
    pub statement: &'a F,
    /// The inputs.
    pub inputs: &'a DeciderInputs,
}

fn synth<E: std::fmt::Display>(e: E) -> SynthesisError {
    SynthesisError::Unsatisfiable(e.to_string())
}

fn alloc<CS: ConstraintSystem<Fr>>(
    cs: &mut CS,
    name: &str,
    v: Fr,
) -> Result<AllocatedNum<Fr>, SynthesisError> {
    AllocatedNum::alloc(cs.namespace(|| name.to_string()), || Ok(v))
}

/// A variable fixed to a constant (one constraint).
fn constant<CS: ConstraintSystem<Fr>>(
    cs: &mut CS,
    name: &str,
    v: Fr,
) -> Result<AllocatedNum<Fr>, SynthesisError> {
    let n = alloc(cs, name, v)?;
    cs.enforce(
        || format!("{name} is constant"),
        |l| l + n.get_variable(),
        |l| l + CS::one(),
        |l| l + (v, CS::one()),
    );
    Ok(n)
}

impl<F: FinalStatement> DeciderCircuit<'_, F> {
    /// Synthesizes the decider (inputs first: `P`, then the committed block).
    pub fn synthesize<CS: ConstraintSystem<Fr>>(&self, cs: &mut CS) -> Result<(), SynthesisError> {
        let s = self.params;
        let inp = self.inputs;
        let n = s.shape.num_vars();
        if inp.folded_w.len() != n {
            return Err(SynthesisError::Unsatisfiable(format!(
                "folded witness of {} values for a shape with {n} variables",
                inp.folded_w.len()
            )));
        }
        if inp.z.len() != s.bits.len() || inp.running.rho.len() != s.mu {
            return Err(SynthesisError::Unsatisfiable(
                "inputs do not match the step's arity or mu".into(),
            ));
        }
        let emu = Emu::default_layout();

        // Public inputs.
        let p_input = cs.alloc_input(|| "P", || Ok(inp.digest))?;
        let mut w_vars: Vec<Variable> = Vec::with_capacity(n);
        for k in 0..n {
            let v = inp.folded_w[k];
            w_vars.push(cs.alloc_input(|| "w", || Ok(v))?);
        }
        let p = alloc(cs, "P (private copy)", inp.digest)?;
        cs.enforce(
            || "P copy",
            |l| l + p.get_variable(),
            |l| l + CS::one(),
            |l| l + p_input,
        );

        // 1. Input binding.
        let digest = alloc(cs, "params digest", inp.params_digest)?;
        let i = alloc(cs, "i", Fr::from(inp.i))?;
        let i_inv = alloc(
            cs,
            "1 / i",
            Option::<Fr>::from(Fr::from(inp.i).invert()).unwrap_or(Fr::ZERO),
        )?;
        cs.enforce(
            || "i != 0",
            |l| l + i.get_variable(),
            |l| l + i_inv.get_variable(),
            |l| l + CS::one(),
        );
        let z0_digest = alloc(cs, "z0 digest", inp.z0_digest)?;
        let z: Vec<AllocatedNum<Fr>> = inp
            .z
            .iter()
            .enumerate()
            .map(|(j, v)| alloc(cs, &format!("z {j}"), *v))
            .collect::<Result<_, _>>()?;
        let packed = pack_circuit(&mut cs.namespace(|| "pack z_N"), s.bits, &z, true)?;
        let z_digest = hash_circuit(&mut cs.namespace(|| "digest z_N"), s.constants, &packed)?;
        let running = alloc_running(&mut cs.namespace(|| "U_N"), &emu, &inp.running)?;
        let running_cf = alloc_cf_instance(&mut cs.namespace(|| "U_cf"), &emu, &inp.running_cf)
            .map_err(synth)?;
        let x2 = alloc(cs, "x_f", inp.fresh.x)?;
        let (c2x, c2y) = g1_coords(&inp.fresh.comm);
        let c2x = alloc_fq(&mut cs.namespace(|| "C_f.x"), &emu, &c2x).map_err(synth)?;
        let c2y = alloc_fq(&mut cs.namespace(|| "C_f.y"), &emu, &c2y).map_err(synth)?;
        let c2 = [c2x, c2y];
        let mut io = vec![digest.clone(), i, z0_digest.clone(), z_digest];
        io.extend(running.hash_elems(&mut cs.namespace(|| "U_N elems"))?);
        io.extend(
            running_cf
                .hash_elems(&mut cs.namespace(|| "U_cf elems"))
                .map_err(synth)?,
        );
        let x_in = hash_circuit(&mut cs.namespace(|| "IO hash"), s.constants, &io)?;
        cs.enforce(
            || "x_f = H(pp, i, z_0, z_N, U_N, U_cf)",
            |l| l + x_in.get_variable() - x2.get_variable(),
            |l| l + CS::one(),
            |l| l,
        );

        // 2. The last fold.
        let (folded, challenge, _) = verify_fold(
            &mut cs.namespace(|| "last fold"),
            s.constants,
            &running,
            &x2,
            &c2,
            &inp.proof,
        )?;

        // 3. The primary claim on W'.
        let block = primary::WitnessBlock {
            vars: &w_vars,
            values: Some(inp.folded_w.as_slice()),
        };
        primary::enforce_error_claim(
            &mut cs.namespace(|| "primary claim"),
            s.shape,
            &block,
            &folded.u,
            &folded.x,
            &folded.rho,
            &folded.v,
        )?;

        // 4. The CycleFold instance.
        cyclefold::enforce_cyclefold_satisfied(
            &mut cs.namespace(|| "cyclefold"),
            &emu,
            s.cf,
            s.constants,
            &running_cf,
            &inp.running_cf_w,
        )
        .map_err(synth)?;

        // 5. The final check.
        let st = self
            .statement
            .synthesize(&mut cs.namespace(|| "final statement"), &z)?;

        // 6. The statement digest.
        let key = constant(cs, "key hash", self.statement.key_hash())?;
        let config = hash_circuit(
            &mut cs.namespace(|| "config"),
            s.constants,
            &[digest, z0_digest, key],
        )?;
        let mut words = Vec::with_capacity(10);
        for (name, v) in [
            ("config", &config),
            ("count", &st.count),
            ("statements root", &st.statements_root),
            ("old root", &st.old_root),
            ("new root", &st.new_root),
        ] {
            words.push(statement::fr_word_bits(&mut cs.namespace(|| name), v)?);
        }
        for (name, e) in [
            ("C_N.x", &running.comm[0]),
            ("C_N.y", &running.comm[1]),
            ("C_f.x", &c2[0]),
            ("C_f.y", &c2[1]),
        ] {
            words.push(statement::fq_word_bits(&mut cs.namespace(|| name), e)?);
        }
        words.push(statement::fr_word_bits(
            &mut cs.namespace(|| "alpha"),
            &challenge.alpha,
        )?);
        statement::enforce_digest(&mut cs.namespace(|| "digest"), &words, &p)?;
        Ok(())
    }
}

/// The ten statement words natively (what the contract hashes).
#[allow(clippy::too_many_arguments)]
pub fn statement_words(
    config: Fr,
    count: Fr,
    statements_root: Fr,
    old_root: Fr,
    new_root: Fr,
    c_running: &G1Affine,
    c_fresh: &G1Affine,
    alpha: Fr,
) -> [[u8; 32]; 10] {
    let fq_be = |v: &Fq| {
        let mut b: [u8; 32] = ff::PrimeField::to_repr(v).into();
        b.reverse();
        b
    };
    let (rx, ry) = g1_coords(c_running);
    let (fx, fy) = g1_coords(c_fresh);
    [
        statement::fr_be(&config),
        statement::fr_be(&count),
        statement::fr_be(&statements_root),
        statement::fr_be(&old_root),
        statement::fr_be(&new_root),
        fq_be(&rx),
        fq_be(&ry),
        fq_be(&fx),
        fq_be(&fy),
        statement::fr_be(&alpha),
    ]
}
