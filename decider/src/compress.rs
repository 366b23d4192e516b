//! The decider end to end: the committed-input setup of a folding's decider circuit (made once,
//! cached on disk), the folding parameters whose primary key **is** that setup's committed
//! bases, and [`compress`]: a folded state in, one [`AggregateProof`] out.
//!
//! The order matters and breaks a circularity: the decider circuit depends on the folding's
//! *shape* (the augmented R1CS, `mu`, CycleFold, the step's element widths) but not on the
//! primary commitment key (the key enters only through the parameters' digest, a witness value
//! bound by the contract constant `config`). So [`load_or_setup`] first builds the parameters
//! with a placeholder key, records the decider circuit from their shape, makes (or finds) the
//! setup, and only then builds the real parameters with `KzgKey::from_points(bases)`. The
//! real parameters' shape is checked to be the placeholder's, so the setup is the right one.

use std::path::Path;
use std::time::{Duration, Instant};

use ark_ec::AffineRepr;
use ark_ff::{BigInteger, PrimeField};
use ff::PrimeField as _;
use halo2curves::group::prime::PrimeCurveAffine;
use halo2curves::CurveAffine;
use sha2::{Digest, Sha256};
use zkagg_core::aggregate::AggregateVerifyingKey;
use zkagg_core::aggregate::{verify_aggregate, AggregateProof, AggregateStatement};
use zkagg_folding::commitment::kzg::KzgKey;
use zkagg_folding::ivc::{IvcState, KeySource, PublicParams};
use zkagg_folding::step::FoldStep;
use zkagg_folding::G1Affine;

use crate::circuit::{DeciderCircuit, DeciderInputs, FinalStatement};
use crate::inputs::{decider_shape, prepare};
use crate::snark::{self, fr_to_ark, CommittedSetup, R1cs, WitnessGenerator};
use crate::{Error, Result};

/// The marker a finished setup leaves in its directory: which decider circuit it is for.
/// Written last, so an interrupted setup is redone rather than used.
pub const CIRCUIT_FILE: &str = "circuit.json";

/// Version of the decider circuit's construction, hashed into [`circuit_id`]: bump it when the
/// circuit changes for the same folding shape, so cached setups are not reused.
pub const DECIDER_VERSION: u32 = 1;

/// Converts an arkworks BN254 point to the folding engine's (halo2curves) type.
pub fn g1_from_ark(p: &ark_bn254::G1Affine) -> Result<G1Affine> {
    let Some((x, y)) = p.xy() else {
        return Ok(G1Affine::identity());
    };
    let coord = |v: ark_bn254::Fq| -> Result<halo2curves::bn256::Fq> {
        let mut repr = <halo2curves::bn256::Fq as ff::PrimeField>::Repr::default();
        repr.as_mut()
            .copy_from_slice(&v.into_bigint().to_bytes_le());
        Option::from(halo2curves::bn256::Fq::from_repr(repr))
            .ok_or_else(|| Error::Format("a coordinate is not canonical".into()))
    };
    Option::from(G1Affine::from_xy(coord(x)?, coord(y)?))
        .ok_or_else(|| Error::Format("a point is not on BN254".into()))
}

/// Converts a folding-engine point to arkworks.
pub fn g1_to_ark(p: &G1Affine) -> ark_bn254::G1Affine {
    if bool::from(p.is_identity()) {
        return ark_bn254::G1Affine::zero();
    }
    let (x, y) = zkagg_folding::augmented::io::g1_coords(p);
    let coord =
        |v: halo2curves::bn256::Fq| ark_bn254::Fq::from_le_bytes_mod_order(v.to_repr().as_ref());
    ark_bn254::G1Affine::new_unchecked(coord(x), coord(y))
}

/// Parameters for `step` with a placeholder key (enough copies of the generator): only their
/// shape is used, to record the decider circuit.
fn shape_params<S: FoldStep>(step: &S) -> Result<PublicParams> {
    Ok(PublicParams::setup(
        step,
        KeySource::Provider(Box::new(|shape| {
            KzgKey::from_points(vec![G1Affine::generator(); shape.num_vars()])
        })),
    )?)
}

/// Which decider circuit a setup is for: SHA-256 of the shape-only parameters' digest (shape,
/// `mu`, CycleFold, arity and the placeholder key), the statement's key hash and
/// [`DECIDER_VERSION`], as hex.
pub fn circuit_id<F: FinalStatement>(shape_pp: &PublicParams, statement: &F) -> String {
    let mut h = Sha256::new();
    h.update(b"zkagg decider");
    h.update(DECIDER_VERSION.to_le_bytes());
    h.update(shape_pp.digest.to_repr().as_ref());
    h.update(statement.key_hash().to_repr().as_ref());
    h.finalize().iter().map(|b| format!("{b:02x}")).collect()
}

/// What [`load_or_setup`] did, for reports.
#[derive(Clone, Debug, Default)]
pub struct SetupReport {
    /// Whether a new setup was made (false: loaded from the cache).
    pub created: bool,
    /// The decider's constraints (only known when the setup was made).
    pub constraints: Option<usize>,
    /// Recording the circuit's R1CS.
    pub record: Duration,
    /// Writing (or loading) the keys.
    pub keys: Duration,
}

/// The decider's setup for the folding of `step` with final statement `statement`, and the
/// folding parameters whose primary key is the setup's committed bases.
///
/// Loads the setup in `dir` when its [`CIRCUIT_FILE`] names this circuit; otherwise, with
/// `insecure_seed`, records the circuit and makes an **INSECURE** seeded setup there (see
/// [`snark`]); without a seed it is an error (a deployment brings a ceremony's key).
pub fn load_or_setup<S: FoldStep, F: FinalStatement>(
    step: &S,
    statement: &F,
    dir: &Path,
    insecure_seed: Option<u64>,
) -> Result<(PublicParams, CommittedSetup, SetupReport)> {
    let shape_pp = shape_params(step)?;
    let id = circuit_id(&shape_pp, statement);
    let marker = dir.join(CIRCUIT_FILE);
    let cached = std::fs::read_to_string(&marker)
        .ok()
        .and_then(|t| serde_json::from_str::<serde_json::Value>(&t).ok())
        .and_then(|v| {
            v.get("circuit_id")
                .and_then(|s| s.as_str())
                .map(String::from)
        });
    let mut report = SetupReport::default();
    let setup = if cached.as_deref() == Some(id.as_str()) {
        let t = Instant::now();
        let setup = CommittedSetup::load(dir)?;
        report.keys = t.elapsed();
        setup
    } else {
        let Some(seed) = insecure_seed else {
            return Err(Error::Key(format!(
                "{} holds no decider setup for this circuit (id {id}{}); make an INSECURE local \
                 one (--insecure-setup) or bring a ceremony's",
                dir.display(),
                match &cached {
                    Some(other) => format!(", it has {other}"),
                    None => String::new(),
                }
            )));
        };
        let _ = std::fs::remove_file(&marker);
        let t = Instant::now();
        let shape = decider_shape(&shape_pp);
        let dummy = DeciderInputs::dummy(&shape);
        let circuit = DeciderCircuit {
            params: &shape,
            statement,
            inputs: &dummy,
        };
        let r1cs = R1cs::record(|cs| circuit.synthesize(cs))?;
        report.record = t.elapsed();
        report.constraints = Some(r1cs.num_constraints());
        let t = Instant::now();
        let setup = snark::setup(&r1cs, 1, dir, seed)?;
        report.keys = t.elapsed();
        report.created = true;
        let meta = serde_json::json!({
            "circuit_id": id,
            "decider_version": DECIDER_VERSION,
            "constraints": r1cs.num_constraints(),
            "committed_inputs": setup.n_committed(),
        });
        std::fs::write(&marker, meta.to_string())
            .map_err(|e| Error::Io(format!("{}: {e}", marker.display())))?;
        setup
    };
    if setup.n_plain != 1 || setup.n_committed() != shape_pp.shape.num_vars() {
        return Err(Error::Key(format!(
            "the setup in {} has {} plain and {} committed inputs; the decider needs 1 and {}",
            dir.display(),
            setup.n_plain,
            setup.n_committed(),
            shape_pp.shape.num_vars()
        )));
    }
    let bases = setup
        .bases
        .iter()
        .map(g1_from_ark)
        .collect::<Result<Vec<_>>>()?;
    let pp = PublicParams::setup(step, KeySource::Key(Box::new(KzgKey::from_points(bases)?)))?;
    if pp.shape.digest() != shape_pp.shape.digest() || pp.mu != shape_pp.mu {
        return Err(Error::Key(
            "the folding shape changed between the two parameter builds".into(),
        ));
    }
    Ok((pp, setup, report))
}

/// Per-phase times of [`compress`].
#[derive(Clone, Copy, Debug, Default)]
pub struct CompressTimings {
    /// The last fold natively and the statement digest.
    pub prepare: Duration,
    /// The decider's witness.
    pub witness: Duration,
    /// The Groth16 proof and the span proof.
    pub prove: Duration,
    /// The native check of the result.
    pub verify: Duration,
}

/// The aggregate verifying key the decider's proofs verify under, for folds of `pp` that start
/// at `z0`: the setup's key and the `config` constant binding the folding parameters, `z0` and
/// the statement's key (the same `config` [`compress`] proves). Known before any fold, so the
/// rollup contract can be deployed first.
pub fn aggregate_verifying_key<F: FinalStatement>(
    pp: &PublicParams,
    setup: &CommittedSetup,
    z0: &[zkagg_folding::Fr],
    statement: &F,
) -> Result<AggregateVerifyingKey> {
    let z0_digest = pp.state_digest(z0)?;
    let config =
        crate::circuit::config_native(&pp.constants, pp.digest, z0_digest, statement.key_hash());
    Ok(setup.aggregate_key(fr_to_ark(&config)))
}

/// Compresses a folded state into one aggregate proof and returns it with its verifying key.
///
/// `pp` must be the parameters [`load_or_setup`] returned with `setup` (their key is the setup's
/// bases): then the proof's committed point `D` is the fold `C_N + alpha C_f` of the state's two
/// commitments. The result is verified natively before it is returned.
pub fn compress<F: FinalStatement>(
    pp: &PublicParams,
    setup: &CommittedSetup,
    state: &IvcState,
    statement: &F,
) -> Result<(AggregateProof, AggregateVerifyingKey, CompressTimings)> {
    let mut times = CompressTimings::default();
    let t = Instant::now();
    let prepared = prepare(pp, state, statement)?;
    times.prepare = t.elapsed();

    let t = Instant::now();
    let shape = decider_shape(pp);
    let circuit = DeciderCircuit {
        params: &shape,
        statement,
        inputs: &prepared.inputs,
    };
    let witness = WitnessGenerator::run(|cs| circuit.synthesize(cs))?;
    times.witness = t.elapsed();

    let t = Instant::now();
    let proof = snark::prove(setup, &witness)?;
    drop(witness);
    times.prove = t.elapsed();

    let [count, statements_root, old_root, new_root] = prepared.statement;
    let count = u64::try_from(num_bigint::BigUint::from_bytes_le(count.to_repr().as_ref()))
        .map_err(|_| Error::Verify("the proof count does not fit in 64 bits".into()))?;
    let aggregate = AggregateProof {
        a: proof.a,
        b: proof.b,
        c: proof.c,
        pi: proof.pi,
        c_running: g1_to_ark(&prepared.c_running),
        c_fresh: g1_to_ark(&prepared.c_fresh),
        alpha: fr_to_ark(&prepared.alpha),
        statement: AggregateStatement {
            count,
            statements_root: fr_to_ark(&statements_root),
            old_root: fr_to_ark(&old_root),
            new_root: fr_to_ark(&new_root),
        },
    };
    if aggregate.folded_commitment() != proof.d {
        return Err(Error::Key(
            "the proof's committed block is not C_N + alpha C_f: the folding parameters were not \
             made from this decider setup"
                .into(),
        ));
    }
    let t = Instant::now();
    let vk = setup.aggregate_key(fr_to_ark(&prepared.config));
    if !verify_aggregate(&vk, &aggregate).map_err(|e| Error::Verify(e.to_string()))? {
        return Err(Error::Verify(
            "the decider's proof does not verify (an unsatisfied decider circuit?)".into(),
        ));
    }
    times.verify = t.elapsed();
    Ok((aggregate, vk, times))
}

#[cfg(test)]
mod tests {
    use super::*;
    use halo2curves::group::{Curve, Group};

    #[test]
    fn points_convert_both_ways() {
        let mut rng = rand::thread_rng();
        for _ in 0..4 {
            let p = halo2curves::bn256::G1::random(&mut rng).to_affine();
            let a = g1_to_ark(&p);
            assert!(a.is_on_curve());
            assert_eq!(g1_from_ark(&a).unwrap(), p);
        }
        let id = G1Affine::identity();
        assert!(g1_to_ark(&id).is_zero());
        assert_eq!(g1_from_ark(&ark_bn254::G1Affine::zero()).unwrap(), id);
    }
}
