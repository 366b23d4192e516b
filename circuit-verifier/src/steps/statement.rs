//! # The aggregate's public statement
//!
//! What a finished aggregation attests, read from its final state `z_N` (after the decider's
//! final check [`Emu::aggregate_final_check`] accepts it): the verifying key (a constant of the
//! step circuit, identified by `vk_hash`), the number of absorbed proofs, the root of the
//! statement tree ([`super::merkle`]: every absorbed `(vk_hash, inputs)` in order, with short
//! inclusion proofs by [`zkagg_core::statements`]), and in rollup mode ([`super::rollup`]) the
//! state transition `first_old_root -> last_new_root`.
//!
//! [`Emu::aggregate_final_statement`] runs the final check and returns these values as circuit
//! values (for the decider to expose as its public inputs); [`Aggregator::statement`] reads them
//! natively.

use super::driver::Aggregator;
use super::{StateVars, StepKey};
use crate::convert::{fr_to_ark, fr_to_biguint, Fr};
use crate::field::Emu;
use crate::hash::Num;
use crate::{Error, Result};
use nova_snark::frontend::num::AllocatedNum;
use nova_snark::frontend::ConstraintSystem;

/// The state transition of a rollup aggregate.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct RootTransition {
    /// `old_root` of the first absorbed batch.
    pub old_root: ark_bn254::Fr,
    /// `new_root` of the last absorbed batch.
    pub new_root: ark_bn254::Fr,
}

/// The aggregate's public statement, natively.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct AggregateStatement {
    /// `vk_hash` of the key every absorbed proof verifies under.
    pub vk_hash: ark_bn254::Fr,
    /// Number of absorbed proofs.
    pub count: u64,
    /// Root of the statement tree (`zkagg_core::statements::StatementTree::root` of the
    /// absorbed statements, in order).
    pub statements_root: ark_bn254::Fr,
    /// Rollup mode: `first_old_root -> last_new_root`.
    pub roots: Option<RootTransition>,
}

/// The aggregate's public statement as circuit values.
#[derive(Clone, Debug)]
pub struct AggregateStatementVars {
    /// Number of absorbed proofs.
    pub count: Num,
    /// Root of the statement tree.
    pub statements_root: Num,
    /// Rollup mode: `[first_old_root, last_new_root]`.
    pub roots: Option<[Num; 2]>,
}

impl Emu {
    /// The decider's final check ([`Self::aggregate_final_check`], same constraints) and the
    /// aggregate's public statement it attests: count, statement-tree root and, in rollup mode,
    /// `first_old_root` and `last_new_root` (state values, no extra constraint; the decider binds
    /// them to its public inputs).
    pub fn aggregate_final_statement<CS: ConstraintSystem<Fr>>(
        &self,
        cs: &mut CS,
        key: &StepKey,
        z: &[AllocatedNum<Fr>],
    ) -> Result<AggregateStatementVars> {
        let st = StateVars::read(&mut cs.namespace(|| "read"), key, z)?;
        self.final_check_on_state(cs, key, &st)?;
        Ok(AggregateStatementVars {
            count: st.count,
            statements_root: st.statements,
            roots: key.rollup.map(|_| st.roots),
        })
    }
}

impl Aggregator {
    /// The statement an aggregation of `proofs` (in this order) attests, computed natively; also
    /// the driver's pre-check: refuses more than `2^STATEMENT_TREE_DEPTH` proofs, a proof with the
    /// wrong number of inputs and, in rollup mode, a proof whose `old_root` is not the previous
    /// proof's `new_root` (the step absorbing it would be unsatisfiable), naming the proof.
    pub fn expected_statement(
        &self,
        proofs: &[(zkagg_core::Proof, Vec<ark_bn254::Fr>)],
    ) -> Result<AggregateStatement> {
        let n = self.key.batch.num_inputs();
        let vk_hash = fr_to_ark(&self.key.batch.vk_hash);
        let mut tree = zkagg_core::statements::StatementTree::new(super::STATEMENT_TREE_DEPTH)
            .map_err(|e| Error::Input(e.to_string()))?;
        for (i, (_, x)) in proofs.iter().enumerate() {
            if x.len() != n {
                return Err(Error::Input(format!(
                    "proof {i}: {} public inputs, the key has {n}",
                    x.len()
                )));
            }
            if let (Some(r), Some(prev)) = (self.key.rollup, i.checked_sub(1)) {
                if x[r.old_root] != proofs[prev].1[r.new_root] {
                    return Err(Error::Input(format!(
                        "proof {i}: its old_root is not the new_root of proof {prev} \
                         (rollup mode needs consecutive batches)"
                    )));
                }
            }
            tree.push(zkagg_core::statements::statement_leaf(vk_hash, x))
                .map_err(|e| Error::Input(format!("proof {i}: {e}")))?;
        }
        let roots = match (self.key.rollup, proofs.first(), proofs.last()) {
            (Some(r), Some(first), Some(last)) => Some(RootTransition {
                old_root: first.1[r.old_root],
                new_root: last.1[r.new_root],
            }),
            (Some(_), _, _) => Some(RootTransition {
                old_root: ark_bn254::Fr::from(0u64),
                new_root: ark_bn254::Fr::from(0u64),
            }),
            (None, _, _) => None,
        };
        Ok(AggregateStatement {
            vk_hash,
            count: proofs.len() as u64,
            statements_root: tree.root(),
            roots,
        })
    }

    /// The public statement carried by the state `z` (meaningful for a final state that passes
    /// the final check).
    pub fn statement(&self, z: &[Fr]) -> Result<AggregateStatement> {
        let layout = self.key.layout();
        if z.len() != layout.arity() {
            return Err(Error::Input(format!(
                "state of {} elements, expected {}",
                z.len(),
                layout.arity()
            )));
        }
        let count = u64::try_from(fr_to_biguint(&z[layout.count_index()]))
            .map_err(|_| Error::Input("proof count above 2^64".into()))?;
        let r = layout.roots_index();
        Ok(AggregateStatement {
            vk_hash: fr_to_ark(&self.key.batch.vk_hash),
            count,
            statements_root: fr_to_ark(&z[layout.statements_root_index()]),
            roots: self.key.rollup.map(|_| RootTransition {
                old_root: fr_to_ark(&z[r]),
                new_root: fr_to_ark(&z[r + 1]),
            }),
        })
    }
}
