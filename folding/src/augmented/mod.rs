//! # The augmented circuit: one fold, the step, and the public-IO hash
//!
//! Step `i` of the IVC proves, with a single public input `x_out`:
//!
//! 1. **input binding** — the prover's `(i, z_0 digest, z_i, U_i, U_cf_i)` hash to the fresh
//!    instance's public input `x_2` (unless `i = 0`), every bounded state element range-checked
//!    first ([`crate::step`]);
//! 2. **primary fold** — the NIFS verifier of [`crate::primary`] with every challenge recomputed
//!    ([`crate::transcript`]): `U' = fold(U_i, u_i)` (the commitment `C' = C_1 + alpha C_2` is a
//!    hint, bound by the CycleFold instance below);
//! 3. **CycleFold fold** — the fresh CycleFold instance's public inputs
//!    `(h, C_1, C_2, C')` are built here from the same values, and folded into `U_cf_i` with the
//!    prover's cross-term commitment `D` ([`crate::gadgets::nonnative`]): a wrong `C'` makes the
//!    CycleFold relation unsatisfiable, which the final check catches;
//! 4. **base case** — at `i = 0` nothing is folded: `z_0` must match the digest, and the
//!    outputs are the default instances (all of whose hashed elements are zero);
//! 5. **step** — `z_{i+1} = F(z_i)`;
//! 6. **output** — `x_out = H(pp, i + 1, z_0 digest, H(pack(z_{i+1})), U_{i+1}, U_cf_{i+1})`.

pub mod io;
pub mod nifs;

use crate::cyclefold::instance::{CfInstance, CF_IO_LEN};
use crate::gadgets::grumpkin::alloc_point;
use crate::gadgets::nonnative::{alloc_cf_instance, alloc_fq, fold_cf_instance, fq_from_bits};
use crate::primary::{FoldProof, FreshInstance, RunningInstance};
use crate::step::{pack_circuit, FoldStep};
use crate::transcript::{hash_circuit, HashConstants};
use crate::{Fr, G1Affine, GrumpkinAffine};
use ff::Field;
use io::g1_coords;
use nova_snark::frontend::num::AllocatedNum;
use nova_snark::frontend::{ConstraintSystem, SynthesisError};
use nova_snark::gadgets::utils::alloc_num_equals;
use zkagg_circuit_verifier::field::Emu;

/// Everything the prover feeds one step of the augmented circuit (all values present; for
/// shape extraction any well-formed dummy values work, see [`AugmentedInputs::dummy`]).
#[derive(Clone, Debug)]
pub struct AugmentedInputs {
    /// Digest of the public parameters.
    pub params_digest: Fr,
    /// The step index `i`.
    pub i: u64,
    /// `H(pack(z_0))`.
    pub z0_digest: Fr,
    /// `z_i`.
    pub z: Vec<Fr>,
    /// `U_i`.
    pub running: RunningInstance,
    /// `U_cf_i`.
    pub running_cf: CfInstance,
    /// `u_i` (ignored at `i = 0`).
    pub fresh: FreshInstance,
    /// The prover's fold messages.
    pub proof: FoldProof,
    /// `C' = C_1 + alpha C_2` (hint; checked by CycleFold).
    pub folded_comm: G1Affine,
    /// `D = Com(w_cf || T_cf)` (the CycleFold cross-term commitment).
    pub cf_cross: GrumpkinAffine,
}

impl AugmentedInputs {
    /// Well-formed placeholder inputs (the base step uses them for everything it ignores).
    pub fn dummy(params_digest: Fr, mu: usize, z: Vec<Fr>, z0_digest: Fr) -> Self {
        Self {
            params_digest,
            i: 0,
            z0_digest,
            z,
            running: RunningInstance::default_for(mu),
            running_cf: CfInstance::default(),
            fresh: FreshInstance {
                comm: G1Affine::generator(),
                x: Fr::ZERO,
            },
            proof: FoldProof {
                q: vec![Fr::ZERO; mu],
                t_eval: Fr::ZERO,
            },
            folded_comm: G1Affine::generator(),
            cf_cross: GrumpkinAffine::generator(),
        }
    }
}

/// The augmented circuit of one step.
pub struct AugmentedCircuit<'a, S: FoldStep> {
    /// The step function.
    pub step: &'a S,
    /// The sponge constants.
    pub constants: &'a HashConstants,
    /// `mu`: coordinates of the primary error claim.
    pub mu: usize,
    /// The inputs.
    pub inputs: &'a AugmentedInputs,
}

fn alloc_num<CS: ConstraintSystem<Fr>>(
    cs: &mut CS,
    name: &str,
    v: Fr,
) -> Result<AllocatedNum<Fr>, SynthesisError> {
    AllocatedNum::alloc(cs.namespace(|| name.to_string()), || Ok(v))
}

fn synth<E: std::fmt::Display>(e: E) -> SynthesisError {
    SynthesisError::Unsatisfiable(e.to_string())
}

/// `a * b` as a new variable (one constraint).
fn mul<CS: ConstraintSystem<Fr>>(
    cs: &mut CS,
    a: &AllocatedNum<Fr>,
    b: &AllocatedNum<Fr>,
) -> Result<AllocatedNum<Fr>, SynthesisError> {
    a.mul(cs, b)
}

/// `a + b * c` as a new variable (one constraint).
fn mul_add<CS: ConstraintSystem<Fr>>(
    cs: &mut CS,
    a: &AllocatedNum<Fr>,
    b: &AllocatedNum<Fr>,
    c: &AllocatedNum<Fr>,
) -> Result<AllocatedNum<Fr>, SynthesisError> {
    let val = match (a.get_value(), b.get_value(), c.get_value()) {
        (Some(a), Some(b), Some(c)) => Some(a + b * c),
        _ => None,
    };
    let out = AllocatedNum::alloc(cs.namespace(|| "a + b c"), || {
        val.ok_or(SynthesisError::AssignmentMissing)
    })?;
    cs.enforce(
        || "b * c = out - a",
        |l| l + b.get_variable(),
        |l| l + c.get_variable(),
        |l| l + out.get_variable() - a.get_variable(),
    );
    Ok(out)
}

/// `x * (1 - bit)`: the value, or zero in the base case (one constraint).
fn unless<CS: ConstraintSystem<Fr>>(
    cs: &mut CS,
    x: &AllocatedNum<Fr>,
    is_base: &AllocatedNum<Fr>,
) -> Result<AllocatedNum<Fr>, SynthesisError> {
    let val = match (x.get_value(), is_base.get_value()) {
        (Some(x), Some(b)) => Some(x * (Fr::ONE - b)),
        _ => None,
    };
    let out = AllocatedNum::alloc(cs.namespace(|| "selected"), || {
        val.ok_or(SynthesisError::AssignmentMissing)
    })?;
    cs.enforce(
        || "x (1 - base) = out",
        |l| l + x.get_variable(),
        |l| l + CS::one() - is_base.get_variable(),
        |l| l + out.get_variable(),
    );
    Ok(out)
}

impl<S: FoldStep> AugmentedCircuit<'_, S> {
    /// Synthesizes the step; returns `z_{i+1}` and the public output `x_out`.
    pub fn synthesize<CS: ConstraintSystem<Fr>>(
        &self,
        cs: &mut CS,
    ) -> Result<(Vec<AllocatedNum<Fr>>, AllocatedNum<Fr>), SynthesisError> {
        let inp = self.inputs;
        let mu = self.mu;
        let emu = Emu::default_layout();
        let bits = self.step.element_bits();
        if inp.z.len() != bits.len() || inp.running.rho.len() != mu || inp.proof.q.len() != mu {
            return Err(SynthesisError::Unsatisfiable(
                "inputs do not match the step's arity or the shape's mu".into(),
            ));
        }

        // 1. Input binding.
        let digest = alloc_num(cs, "params digest", inp.params_digest)?;
        let i = alloc_num(cs, "i", Fr::from(inp.i))?;
        let z0_digest = alloc_num(cs, "z0 digest", inp.z0_digest)?;
        let z: Vec<AllocatedNum<Fr>> = inp
            .z
            .iter()
            .enumerate()
            .map(|(j, v)| alloc_num(cs, &format!("z {j}"), *v))
            .collect::<Result<_, _>>()?;
        let packed = pack_circuit(&mut cs.namespace(|| "pack z_i"), &bits, &z, true)?;
        let z_digest = hash_circuit(&mut cs.namespace(|| "digest z_i"), self.constants, &packed)?;
        let zero = alloc_num(cs, "zero", Fr::ZERO)?;
        cs.enforce(
            || "zero is 0",
            |l| l + zero.get_variable(),
            |l| l + CS::one(),
            |l| l,
        );
        let is_base_bit = alloc_num_equals(cs.namespace(|| "i == 0"), &i, &zero)?;
        let is_base = AllocatedNum::alloc(cs.namespace(|| "is base"), || {
            is_base_bit
                .get_value()
                .map(|b| if b { Fr::ONE } else { Fr::ZERO })
                .ok_or(SynthesisError::AssignmentMissing)
        })?;
        cs.enforce(
            || "is base = bit",
            |l| l + is_base.get_variable(),
            |l| l + CS::one(),
            |l| l + is_base_bit.get_variable(),
        );
        // At the base, z_i is z_0.
        cs.enforce(
            || "base: H(z_i) = z0 digest",
            |l| l + z_digest.get_variable() - z0_digest.get_variable(),
            |l| l + is_base.get_variable(),
            |l| l,
        );
        let running = io::alloc_running(&mut cs.namespace(|| "U_i"), &emu, &inp.running)?;
        let running_cf = alloc_cf_instance(&mut cs.namespace(|| "U_cf_i"), &emu, &inp.running_cf)
            .map_err(synth)?;
        let x2 = alloc_num(cs, "x_2", inp.fresh.x)?;
        let (c2x, c2y) = g1_coords(&inp.fresh.comm);
        let c2x = alloc_fq(&mut cs.namespace(|| "C_2.x"), &emu, &c2x).map_err(synth)?;
        let c2y = alloc_fq(&mut cs.namespace(|| "C_2.y"), &emu, &c2y).map_err(synth)?;
        let c2 = [c2x, c2y];
        let mut io_in = vec![digest.clone(), i.clone(), z0_digest.clone(), z_digest];
        io_in.extend(running.hash_elems(&mut cs.namespace(|| "U_i elems"))?);
        io_in.extend(
            running_cf
                .hash_elems(&mut cs.namespace(|| "U_cf_i elems"))
                .map_err(synth)?,
        );
        let x_in = hash_circuit(&mut cs.namespace(|| "IO hash in"), self.constants, &io_in)?;
        cs.enforce(
            || "x_2 = H(i, z_0, z_i, U_i, U_cf_i) unless base",
            |l| l + x_in.get_variable() - x2.get_variable(),
            |l| l + CS::one() - is_base.get_variable(),
            |l| l,
        );

        // 2. Primary fold.
        let (folded_scalars, alpha_bits, mut tr) = nifs::verify_fold(
            &mut cs.namespace(|| "primary fold"),
            self.constants,
            &running,
            &x2,
            &c2,
            &inp.proof,
        )?;
        let h_bits = alpha_bits.h_bits;
        let (cx, cy) = g1_coords(&inp.folded_comm);
        let fcx = alloc_fq(&mut cs.namespace(|| "C'.x"), &emu, &cx).map_err(synth)?;
        let fcy = alloc_fq(&mut cs.namespace(|| "C'.y"), &emu, &cy).map_err(synth)?;
        let folded_comm = [fcx, fcy];
        let folded = io::RunningVar {
            comm: folded_comm.clone(),
            u: folded_scalars.u,
            x: folded_scalars.x,
            rho: folded_scalars.rho,
            v: folded_scalars.v,
        };

        // 3. CycleFold fold.
        let cf_x = vec![
            fq_from_bits(&h_bits),
            running.comm[0].clone(),
            running.comm[1].clone(),
            c2[0].clone(),
            c2[1].clone(),
            folded_comm[0].clone(),
            folded_comm[1].clone(),
        ];
        debug_assert_eq!(cf_x.len(), CF_IO_LEN);
        let d = alloc_point(&mut cs.namespace(|| "D"), &inp.cf_cross, false).map_err(synth)?;
        let folded_packed = folded.comm_packed(&mut cs.namespace(|| "pack C'"))?;
        tr.absorb(&folded_packed);
        tr.absorb(&[d.x.clone(), d.y.clone()]);
        let h_cf_bits = tr.squeeze_challenge(&mut cs.namespace(|| "h_cf"))?;
        let folded_cf = fold_cf_instance(
            &mut cs.namespace(|| "fold U_cf"),
            &emu,
            &running_cf,
            &cf_x,
            &d,
            &h_cf_bits,
        )
        .map_err(synth)?;

        // 4. Base case: the default instances hash to all-zero elements.
        let mut out_elems =
            folded.hash_elems_with(&mut cs.namespace(|| "U' elems"), folded_packed)?;
        out_elems.extend(
            folded_cf
                .hash_elems(&mut cs.namespace(|| "U_cf' elems"))
                .map_err(synth)?,
        );
        let out_elems: Vec<AllocatedNum<Fr>> = out_elems
            .iter()
            .enumerate()
            .map(|(j, e)| {
                unless(
                    &mut cs.namespace(|| format!("base select {j}")),
                    e,
                    &is_base,
                )
            })
            .collect::<Result<_, _>>()?;

        // 5. The step.
        let z_next = self.step.synthesize(&mut cs.namespace(|| "step"), &z)?;
        if z_next.len() != bits.len() {
            return Err(SynthesisError::Unsatisfiable(
                "the step changed the state's arity".into(),
            ));
        }

        // 6. Output.
        let packed_next = pack_circuit(&mut cs.namespace(|| "pack z_i+1"), &bits, &z_next, false)?;
        let next_digest = hash_circuit(
            &mut cs.namespace(|| "digest z_i+1"),
            self.constants,
            &packed_next,
        )?;
        let i_next =
            AllocatedNum::alloc(cs.namespace(|| "i + 1"), || Ok(Fr::from(inp.i) + Fr::ONE))?;
        cs.enforce(
            || "i + 1",
            |l| l + i.get_variable() + CS::one(),
            |l| l + CS::one(),
            |l| l + i_next.get_variable(),
        );
        let mut io_out = vec![digest, i_next, z0_digest, next_digest];
        io_out.extend(out_elems);
        let x_out = hash_circuit(&mut cs.namespace(|| "IO hash out"), self.constants, &io_out)?;
        let x_pub = cs.alloc_input(
            || "x_out",
            || x_out.get_value().ok_or(SynthesisError::AssignmentMissing),
        )?;
        cs.enforce(
            || "public x_out",
            |l| l + x_out.get_variable(),
            |l| l + CS::one(),
            |l| l + x_pub,
        );
        Ok((z_next, x_out))
    }
}
