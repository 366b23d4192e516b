//! The CycleFold relaxed-R1CS instances and witnesses (over `Fq`), committed on Grumpkin.

use crate::commitment::pedersen::PedersenKey;
use crate::cyclefold::circuit::CycleFoldCircuit;
use crate::{Error, Result};
use crate::{Fq, GrumpkinAffine};
use ff::Field;
use halo2curves::group::prime::PrimeCurveAffine;
use halo2curves::group::Curve;
use nova_snark::frontend::r1cs::NovaShape;
use nova_snark::frontend::shape_cs::ShapeCS;
use nova_snark::frontend::solver::SatisfyingAssignment;
use nova_snark::frontend::ConstraintSystem;
use nova_snark::provider::GrumpkinEngine;
use nova_snark::r1cs::R1CSShape;
use rayon::prelude::*;
use serde::{Deserialize, Serialize};

/// Number of public inputs of the CycleFold circuit: `[h, P1.x, P1.y, P2.x, P2.y, Pout.x, Pout.y]`.
pub const CF_IO_LEN: usize = 7;

/// A running (relaxed) CycleFold instance: `comm = Com(W || E)` under one Pedersen key (the `W`
/// generators first, then the `E` generators), the scalar `u` and the public inputs `x`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct CfInstance {
    /// Commitment to the witness and the error vector (identity for the default instance).
    pub comm: GrumpkinAffine,
    /// The relaxation scalar.
    pub u: Fq,
    /// The public inputs.
    pub x: [Fq; CF_IO_LEN],
}

impl Default for CfInstance {
    /// The trivially satisfied instance `(O, 0, 0)` that the IVC starts from.
    fn default() -> Self {
        Self {
            comm: GrumpkinAffine::identity(),
            u: Fq::zero(),
            x: [Fq::zero(); CF_IO_LEN],
        }
    }
}

/// Label of the CycleFold Pedersen key's generators.
const KEY_LABEL: &[u8] = b"zkagg-folding/cyclefold/W||E";

/// A running CycleFold witness: the circuit's witness `w` (length `num_vars`) and the error
/// vector `e` (length `num_cons`).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct CfWitness {
    /// The (folded) witness.
    pub w: Vec<Fq>,
    /// The (folded) error vector.
    pub e: Vec<Fq>,
}

impl CfWitness {
    /// The all-zero witness, which with [`CfInstance::default`] satisfies the relaxed relation
    /// trivially (`u = 0`, `x = 0`, `E = 0`, `Com(0) = O`).
    pub fn default_for(params: &CycleFoldParams) -> Self {
        Self {
            w: vec![Fq::ZERO; params.num_vars()],
            e: vec![Fq::ZERO; params.num_cons()],
        }
    }
}

/// The CycleFold relation's public parameters: its R1CS shape and the Pedersen key, whose
/// generators `[0, num_vars)` commit to `W` and `[num_vars, num_vars + num_cons)` to `E`.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct CycleFoldParams {
    /// The R1CS shape of [`CycleFoldCircuit`].
    pub shape: R1CSShape<GrumpkinEngine>,
    /// The combined `W || E` commitment key.
    pub key: PedersenKey,
}

impl CycleFoldParams {
    /// Extracts the shape (with dummy values: the shape does not depend on them) and derives the
    /// key of length `num_vars + num_cons`.
    pub fn setup() -> Result<Self> {
        let dummy = CycleFoldCircuit {
            h: 0,
            p1: crate::G1Affine::identity(),
            p2: crate::G1Affine::generator(),
        };
        let mut cs = ShapeCS::<GrumpkinEngine>::new();
        dummy.synthesize(&mut cs)?;
        let shape = cs.r1cs_shape()?;
        if shape.num_io() != CF_IO_LEN {
            return Err(Error::Synthesis(format!(
                "CycleFold shape has {} public inputs, expected {CF_IO_LEN}",
                shape.num_io()
            )));
        }
        let key = PedersenKey::new(KEY_LABEL, shape.num_vars() + shape.num_cons());
        Ok(Self { shape, key })
    }

    /// Number of witness variables (`|W|`).
    pub fn num_vars(&self) -> usize {
        self.shape.num_vars()
    }

    /// Number of constraints (`|E|`).
    pub fn num_cons(&self) -> usize {
        self.shape.num_cons()
    }

    /// `(Az, Bz, Cz)` for `z = (w, u, x)`, with the lengths checked.
    fn abc(&self, w: &[Fq], u: Fq, x: &[Fq; CF_IO_LEN]) -> Result<(Vec<Fq>, Vec<Fq>, Vec<Fq>)> {
        if w.len() != self.num_vars() {
            return Err(Error::Witness(format!(
                "CycleFold witness has {} entries, the shape {}",
                w.len(),
                self.num_vars()
            )));
        }
        let z: Vec<Fq> = w
            .iter()
            .copied()
            .chain(std::iter::once(u))
            .chain(x.iter().copied())
            .collect();
        Ok(self.shape.multiply_vec(&z)?)
    }
}

/// Runs the circuit and returns the fresh instance's public inputs and witness `w` (its `u = 1`,
/// `E = 0`). `Error::Witness` if the witness does not satisfy `Az∘Bz = Cz` (a point off G1, `P2`
/// at infinity, or the negligible exceptional case `P1 = ±alpha P2`).
pub fn prove(
    params: &CycleFoldParams,
    circuit: &CycleFoldCircuit,
) -> Result<([Fq; CF_IO_LEN], Vec<Fq>)> {
    let x = circuit.public_io()?;
    let mut cs = SatisfyingAssignment::<GrumpkinEngine>::new();
    circuit.synthesize(&mut cs)?;
    let inputs = cs.input_assignment();
    if inputs.len() != CF_IO_LEN + 1 || inputs[1..] != x[..] {
        return Err(Error::Witness(
            "CycleFold synthesis produced unexpected public inputs".into(),
        ));
    }
    let w = cs.aux_assignment().to_vec();
    let (a, b, c) = params.abc(&w, Fq::ONE, &x)?;
    if let Some(row) = (0..params.num_cons()).find(|&i| a[i] * b[i] != c[i]) {
        return Err(Error::Witness(format!(
            "CycleFold witness does not satisfy constraint {row} (P1 = ±alpha P2?)"
        )));
    }
    Ok((x, w))
}

/// The cross term of folding the fresh instance `(x2, w2)` (`u2 = 1`, `E2 = 0`) into the running
/// `(running, rw)`: `T = Az1∘Bz2 + Az2∘Bz1 - u1 Cz2 - Cz1` with `z1 = (rw.w, u1, x1)` and
/// `z2 = (w2, 1, x2)`, and its commitment `D = Com(w2 || T)` under the single key (`w2` on the W
/// generators, `T` on the E generators), so that `comm + r D = Com(w' || e')`.
pub fn cross_term(
    params: &CycleFoldParams,
    running: &CfInstance,
    rw: &CfWitness,
    x2: &[Fq; CF_IO_LEN],
    w2: &[Fq],
) -> Result<(Vec<Fq>, GrumpkinAffine)> {
    let (a1, b1, c1) = params.abc(&rw.w, running.u, &running.x)?;
    let (a2, b2, c2) = params.abc(w2, Fq::ONE, x2)?;
    let u1 = running.u;
    let t: Vec<Fq> = (0..params.num_cons())
        .into_par_iter()
        .map(|i| a1[i] * b2[i] + a2[i] * b1[i] - u1 * c2[i] - c1[i])
        .collect();
    let dw = params.key.commit_at(0, w2)?;
    let de = params.key.commit_at(params.num_vars(), &t)?;
    Ok((t, (dw.to_curve() + de).to_affine()))
}

/// Folds the fresh instance `(x2, w2)` with cross term `(t, d)` (from [`cross_term`]) into the
/// running one with challenge `r`: `comm' = comm + r D`, `u' = u + r`, `x' = x + r x2`,
/// `w' = w + r w2`, `e' = e + r T`.
///
/// Why it is sound to check only the result: with `z = z1 + r z2`,
/// `Az∘Bz = (u1 Cz1 + E1) + r (T + u1 Cz2 + Cz1) + r^2 Cz2 = (u1 + r)(Cz1 + r Cz2) + E1 + r T`,
/// so `(w', e')` satisfies the relaxed relation for `(u', x')`, and by linearity of the
/// commitment `comm' = Com(w' || e')`. (The fresh `E2 = 0` removes Nova's `r^2 E2` term.)
///
/// The lengths must be those of a successful [`cross_term`] call on the same arguments
/// (`w2`: `num_vars`, `t`: `num_cons`); a mismatch yields a witness that [`check`] rejects.
pub fn fold(
    running: &CfInstance,
    rw: &CfWitness,
    x2: &[Fq; CF_IO_LEN],
    w2: &[Fq],
    t: &[Fq],
    d: &GrumpkinAffine,
    r: Fq,
) -> (CfInstance, CfWitness) {
    let comm = (running.comm.to_curve() + *d * r).to_affine();
    let mut x = running.x;
    for (xi, x2i) in x.iter_mut().zip(x2) {
        *xi += r * x2i;
    }
    let lin = |a: &[Fq], b: &[Fq]| -> Vec<Fq> {
        if a.len() != b.len() {
            // not produced by `cross_term`: return something `check` rejects
            return Vec::new();
        }
        a.par_iter().zip(b).map(|(ai, bi)| *ai + r * bi).collect()
    };
    (
        CfInstance {
            comm,
            u: running.u + r,
            x,
        },
        CfWitness {
            w: lin(&rw.w, w2),
            e: lin(&rw.e, t),
        },
    )
}

/// Checks the relaxed CycleFold relation: `comm = Com(w || e)` and `Az∘Bz = u Cz + e` for
/// `z = (w, u, x)`, row by row. `Error::Verify` names the failing check.
pub fn check(params: &CycleFoldParams, inst: &CfInstance, wit: &CfWitness) -> Result<()> {
    if wit.e.len() != params.num_cons() || wit.w.len() != params.num_vars() {
        return Err(Error::Verify(format!(
            "CycleFold witness sizes ({}, {}) differ from the shape's ({}, {})",
            wit.w.len(),
            wit.e.len(),
            params.num_vars(),
            params.num_cons()
        )));
    }
    let (a, b, c) = params
        .abc(&wit.w, inst.u, &inst.x)
        .map_err(|e| Error::Verify(e.to_string()))?;
    if let Some(row) = (0..params.num_cons()).find(|&i| a[i] * b[i] != inst.u * c[i] + wit.e[i]) {
        return Err(Error::Verify(format!(
            "CycleFold relaxed R1CS: constraint {row} is not satisfied"
        )));
    }
    let com = (params.key.commit_at(0, &wit.w)?.to_curve()
        + params.key.commit_at(params.num_vars(), &wit.e)?)
    .to_affine();
    if com != inst.comm {
        return Err(Error::Verify(
            "CycleFold commitment does not open to (W || E)".into(),
        ));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::G1Affine;
    use halo2curves::bn256::G1;
    use halo2curves::group::Group;
    use rand::{Rng, SeedableRng};

    fn fresh(params: &CycleFoldParams, rng: &mut impl Rng) -> ([Fq; CF_IO_LEN], Vec<Fq>) {
        let c = CycleFoldCircuit {
            h: rng.gen(),
            p1: G1::random(&mut *rng).to_affine(),
            p2: G1::random(&mut *rng).to_affine(),
        };
        prove(params, &c).unwrap()
    }

    #[test]
    fn cyclefold_fold_and_check() {
        let params = CycleFoldParams::setup().unwrap();
        println!(
            "CycleFold params: {} vars, {} cons, key {}",
            params.num_vars(),
            params.num_cons(),
            params.key.len()
        );
        let mut rng = rand_chacha::ChaCha20Rng::seed_from_u64(21);
        let mut inst = CfInstance::default();
        let mut wit = CfWitness::default_for(&params);
        check(&params, &inst, &wit).unwrap();
        // fresh instances are rejected by prove when invalid
        let bad = CycleFoldCircuit {
            h: 1,
            p1: G1Affine::generator(),
            p2: G1Affine::identity(),
        };
        assert!(prove(&params, &bad).is_err());
        for round in 0..4 {
            let (x2, w2) = fresh(&params, &mut rng);
            let (t, d) = cross_term(&params, &inst, &wit, &x2, &w2).unwrap();
            let r = Fq::random(&mut rng);
            let (i2, w2f) = fold(&inst, &wit, &x2, &w2, &t, &d, r);
            check(&params, &i2, &w2f).unwrap();

            if round == 1 || round == 3 {
                // tampering with the folding messages
                let mut bt = t.clone();
                let j = rng.gen_range(0..bt.len());
                bt[j] += Fq::ONE;
                let (ti, tw) = fold(&inst, &wit, &x2, &w2, &bt, &d, r);
                assert!(check(&params, &ti, &tw).is_err(), "T");
                let bd = (d.to_curve() + GrumpkinAffine::generator()).to_affine();
                let (ti, tw) = fold(&inst, &wit, &x2, &w2, &t, &bd, r);
                assert!(check(&params, &ti, &tw).is_err(), "D");
                let mut bx = x2;
                bx[3] += Fq::ONE;
                let (ti, tw) = fold(&inst, &wit, &bx, &w2, &t, &d, r);
                assert!(check(&params, &ti, &tw).is_err(), "x2");
                // tampering with the folded instance or witness
                let mut ti = i2.clone();
                ti.comm = (ti.comm.to_curve().double()).to_affine();
                assert!(check(&params, &ti, &w2f).is_err(), "comm");
                let mut ti = i2.clone();
                ti.u += Fq::ONE;
                assert!(check(&params, &ti, &w2f).is_err(), "u");
                for j in 0..CF_IO_LEN {
                    let mut ti = i2.clone();
                    ti.x[j] += Fq::ONE;
                    assert!(check(&params, &ti, &w2f).is_err(), "x[{j}]");
                }
                let mut tw = w2f.clone();
                let j = rng.gen_range(0..tw.w.len());
                tw.w[j] += Fq::ONE;
                assert!(check(&params, &i2, &tw).is_err(), "w[{j}]");
                let mut tw = w2f.clone();
                let j = rng.gen_range(0..tw.e.len());
                tw.e[j] += Fq::ONE;
                assert!(check(&params, &i2, &tw).is_err(), "e[{j}]");
                let mut tw = w2f.clone();
                tw.e.pop();
                assert!(check(&params, &i2, &tw).is_err(), "short e");
            }
            inst = i2;
            wit = w2f;
        }
        assert!(cross_term(&params, &inst, &wit, &inst.x.clone(), &[Fq::ONE; 3]).is_err());
    }
}
