//! From a folded state to the decider circuit's inputs: the last fold natively, the statement,
//! and the digest `P`.

use crate::circuit::{
    config_native, statement, statement_words, DeciderInputs, DeciderShape, FinalStatement,
};
use crate::{Error, Result};
use zkagg_folding::ivc::{last_fold, IvcState, PublicParams};
use zkagg_folding::{Fr, G1Affine};

/// The decider inputs with the values the verifier will see.
pub struct Prepared {
    /// The circuit's inputs.
    pub inputs: DeciderInputs,
    /// `config` (the contract's constant).
    pub config: Fr,
    /// `[count, statements_root, old_root, new_root]`.
    pub statement: [Fr; 4],
    /// `C_N`.
    pub c_running: G1Affine,
    /// `C_f`.
    pub c_fresh: G1Affine,
    /// `alpha`.
    pub alpha: Fr,
    /// `C_N + alpha C_f` (the committed block's commitment under the parameters' key).
    pub folded_comm: G1Affine,
}

/// The parameters' parts the decider circuit is built from.
pub fn decider_shape(pp: &PublicParams) -> DeciderShape<'_> {
    DeciderShape {
        shape: &pp.shape,
        mu: pp.mu,
        cf: &pp.cf,
        constants: &pp.constants,
        bits: &pp.bits,
    }
}

/// Folds the last step natively and computes everything the decider proves about `state`.
pub fn prepare<F: FinalStatement>(pp: &PublicParams, state: &IvcState, st: &F) -> Result<Prepared> {
    if state.i == 0 {
        return Err(Error::Verify("no step was folded".into()));
    }
    let (fresh, _) = state
        .last
        .as_ref()
        .ok_or_else(|| Error::Verify("the state has no last execution".into()))?;
    let fold = last_fold(pp, state)?;
    let z0_digest = pp.state_digest(&state.z0)?;
    let config = config_native(&pp.constants, pp.digest, z0_digest, st.key_hash());
    let statement = st.statement_native(&state.z).map_err(Error::Verify)?;
    let [count, sroot, old, new] = statement;
    let words = statement_words(
        config,
        count,
        sroot,
        old,
        new,
        &state.running.comm,
        &fresh.comm,
        fold.alpha,
    );
    let digest = statement::digest_native(&words);
    Ok(Prepared {
        inputs: DeciderInputs {
            params_digest: pp.digest,
            i: state.i,
            z0_digest,
            z: state.z.clone(),
            running: state.running.clone(),
            running_cf: state.running_cf.clone(),
            running_cf_w: state.running_cf_w.clone(),
            fresh: fresh.clone(),
            proof: fold.proof,
            folded_w: fold.folded_w.w,
            digest,
        },
        config,
        statement,
        c_running: state.running.comm,
        c_fresh: fresh.comm,
        alpha: fold.alpha,
        folded_comm: fold.folded.comm,
    })
}
