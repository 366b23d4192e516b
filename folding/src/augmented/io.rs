//! The public-IO hash: what it binds, natively and in circuit.
//!
//! `x = H(pp, i, z_0 digest, z_i digest, U_i elements, U_cf_i elements)` where the primary
//! running instance contributes `[C.x (2 packed halves), C.y (2), u, x, rho_0..rho_{mu-1}, v]`
//! and the CycleFold one the 18 elements of
//! [`crate::gadgets::nonnative::cf_instance_hash_elems`]. Default instances contribute only
//! zeros (the point at infinity is encoded `(0, 0)`).

use crate::cyclefold::instance::CfInstance;
use crate::gadgets::nonnative::{alloc_fq, cf_instance_hash_elems, pack_fq, pack_fq_native};
use crate::primary::RunningInstance;
use crate::transcript::{hash_native, HashConstants};
use crate::{Fq, Fr, G1Affine};
use ff::Field;
use halo2curves::group::prime::PrimeCurveAffine;
use nova_snark::frontend::num::AllocatedNum;
use nova_snark::frontend::{ConstraintSystem, SynthesisError};
use zkagg_circuit_verifier::field::{Elem, Emu};

/// The affine coordinates of a G1 point, `(0, 0)` for the identity.
pub fn g1_coords(p: &G1Affine) -> (Fq, Fq) {
    if bool::from(p.is_identity()) {
        (Fq::ZERO, Fq::ZERO)
    } else {
        (p.x, p.y)
    }
}

/// The hashed elements of a running primary instance.
pub fn running_hash_elems(u: &RunningInstance) -> Vec<Fr> {
    let (x, y) = g1_coords(&u.comm);
    let mut out = Vec::with_capacity(6 + u.rho.len());
    out.extend(pack_fq_native(&x));
    out.extend(pack_fq_native(&y));
    out.push(u.u);
    out.push(u.x);
    out.extend(u.rho.iter().copied());
    out.push(u.v);
    out
}

/// The IO hash natively.
pub fn io_hash(
    constants: &HashConstants,
    params_digest: Fr,
    i: u64,
    z0_digest: Fr,
    z_digest: Fr,
    running: &RunningInstance,
    running_cf: &CfInstance,
) -> Fr {
    let mut elems = vec![params_digest, Fr::from(i), z0_digest, z_digest];
    elems.extend(running_hash_elems(running));
    elems.extend(cf_instance_hash_elems(running_cf));
    hash_native(constants, &elems)
}

/// A running primary instance in circuit.
pub struct RunningVar {
    /// The commitment's coordinates (range-checked limbs).
    pub comm: [Elem; 2],
    /// `u`.
    pub u: AllocatedNum<Fr>,
    /// `x`.
    pub x: AllocatedNum<Fr>,
    /// `rho`.
    pub rho: Vec<AllocatedNum<Fr>>,
    /// `v`.
    pub v: AllocatedNum<Fr>,
}

/// Allocates a running instance (the commitment's limbs range-checked).
pub fn alloc_running<CS: ConstraintSystem<Fr>>(
    cs: &mut CS,
    emu: &Emu,
    u: &RunningInstance,
) -> Result<RunningVar, SynthesisError> {
    let (x, y) = g1_coords(&u.comm);
    let e = |e: crate::Error| SynthesisError::Unsatisfiable(e.to_string());
    let cx = alloc_fq(&mut cs.namespace(|| "C.x"), emu, &x).map_err(e)?;
    let cy = alloc_fq(&mut cs.namespace(|| "C.y"), emu, &y).map_err(e)?;
    let comm = [cx, cy];
    let a =
        |cs: &mut CS, n: &str, v: Fr| AllocatedNum::alloc(cs.namespace(|| n.to_string()), || Ok(v));
    let uu = a(cs, "u", u.u)?;
    let xx = a(cs, "x", u.x)?;
    let rho = u
        .rho
        .iter()
        .enumerate()
        .map(|(j, r)| a(cs, &format!("rho {j}"), *r))
        .collect::<Result<_, _>>()?;
    let v = a(cs, "v", u.v)?;
    Ok(RunningVar {
        comm,
        u: uu,
        x: xx,
        rho,
        v,
    })
}

impl RunningVar {
    /// The commitment's 4 packed halves.
    pub fn comm_packed<CS: ConstraintSystem<Fr>>(
        &self,
        cs: &mut CS,
    ) -> Result<Vec<AllocatedNum<Fr>>, SynthesisError> {
        let e = |e: crate::Error| SynthesisError::Unsatisfiable(e.to_string());
        let mut out = Vec::with_capacity(4);
        out.extend(pack_fq(&mut cs.namespace(|| "x"), &self.comm[0]).map_err(e)?);
        out.extend(pack_fq(&mut cs.namespace(|| "y"), &self.comm[1]).map_err(e)?);
        Ok(out)
    }

    /// The hashed elements (see the module documentation).
    pub fn hash_elems<CS: ConstraintSystem<Fr>>(
        &self,
        cs: &mut CS,
    ) -> Result<Vec<AllocatedNum<Fr>>, SynthesisError> {
        let packed = self.comm_packed(cs)?;
        self.hash_elems_with(cs, packed)
    }

    /// The hashed elements, reusing already packed commitment halves.
    pub fn hash_elems_with<CS: ConstraintSystem<Fr>>(
        &self,
        _cs: &mut CS,
        packed: Vec<AllocatedNum<Fr>>,
    ) -> Result<Vec<AllocatedNum<Fr>>, SynthesisError> {
        let mut out = packed;
        out.push(self.u.clone());
        out.push(self.x.clone());
        out.extend(self.rho.iter().cloned());
        out.push(self.v.clone());
        Ok(out)
    }
}

/// `a + b` as a new variable (one constraint).
pub fn add<CS: ConstraintSystem<Fr>>(
    cs: &mut CS,
    a: &AllocatedNum<Fr>,
    b: &AllocatedNum<Fr>,
) -> Result<AllocatedNum<Fr>, SynthesisError> {
    let val = match (a.get_value(), b.get_value()) {
        (Some(a), Some(b)) => Some(a + b),
        _ => None,
    };
    let out = AllocatedNum::alloc(cs.namespace(|| "sum"), || {
        val.ok_or(SynthesisError::AssignmentMissing)
    })?;
    cs.enforce(
        || "a + b = out",
        |l| l + a.get_variable() + b.get_variable(),
        |l| l + CS::one(),
        |l| l + out.get_variable(),
    );
    Ok(out)
}
