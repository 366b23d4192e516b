//! # Rollup mode: the absorbed batches chain their state roots
//!
//! In rollup mode two of each proof's public inputs are the batch's `old_root` and `new_root`
//! (the batch circuit of `zkagg_core::batch`: inputs `[old_root, new_root, tx_commitment]`). The
//! state carries `first_old_root` (the `old_root` of the first absorbed proof) and
//! `last_new_root` (the `new_root` of the last one), and absorbing proof `i > 0` requires its
//! `old_root` to equal `last_new_root`, in the circuit. So an aggregate of `N` proofs attests
//! the state transition `first_old_root -> last_new_root` through `N` consecutive batches.
//!
//! **Soundness.** `is_first` (whether `count = 0`) is pinned by the two constraints of an is-zero
//! gadget (`count * inv = 1 - is_first`, `count * is_first = 0`: a non-zero count forces
//! `is_first = 0`, a zero count forces `is_first = 1`; the hint `inv` is free but cannot change
//! `is_first`). The chain check `absorb (1 - is_first) (old_root - last_new_root) = 0` holds for
//! every absorption but the first; the first sets `first_old_root`, which no later step can
//! change; every absorption sets `last_new_root` to its `new_root`; the inputs are the very
//! variables the Groth16 check and the statement leaf use. `z_0` holds `0` for both roots and
//! `count = 0`. In the other mode both roots stay `0` (they are passed through unchanged).
//!
//! The mode is a constant of the step circuit ([`RootChain`] in
//! [`super::StepConfig::root_chain`], resolved by [`super::StepKey::new`]), so every step of an
//! aggregation has the same shape.

use super::select_num;
use crate::convert::Fr;
use crate::field::{one, Bit};
use crate::hash::Num;
use crate::{Error, Result};
use ff::Field;
use nova_snark::frontend::ConstraintSystem;

/// The choice of mode (part of the step configuration).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum RootChain {
    /// Rollup mode with the batch circuit's input order (`old_root = x_0`, `new_root = x_1`) for
    /// keys with exactly its number of public inputs (3), independent statements otherwise.
    Auto,
    /// Rollup mode with the given input positions (0-based among the public inputs).
    Rollup {
        /// Position of `old_root`.
        old_root: usize,
        /// Position of `new_root`.
        new_root: usize,
    },
    /// Independent statements: no root chain (the roots in the state stay `0`).
    Off,
}

/// The resolved rollup mode: where the roots are among the inputs.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct RollupInputs {
    /// Position of `old_root`.
    pub old_root: usize,
    /// Position of `new_root`.
    pub new_root: usize,
}

impl RootChain {
    /// The positions of the roots for a key with `n_inputs` public inputs, or `None` when the
    /// statements are independent. Refuses positions outside the inputs or equal positions.
    pub fn resolve(self, n_inputs: usize) -> Result<Option<RollupInputs>> {
        let batch_inputs = zkagg_core::batch::BatchStatement::NUM_PUBLIC_INPUTS;
        let (old_root, new_root) = match self {
            RootChain::Off => return Ok(None),
            RootChain::Auto if n_inputs != batch_inputs => return Ok(None),
            RootChain::Auto => (0, 1),
            RootChain::Rollup { old_root, new_root } => (old_root, new_root),
        };
        if old_root >= n_inputs || new_root >= n_inputs || old_root == new_root {
            return Err(Error::Input(format!(
                "rollup mode needs two distinct root positions among the {n_inputs} public \
                 inputs, got old_root = {old_root}, new_root = {new_root}"
            )));
        }
        Ok(Some(RollupInputs { old_root, new_root }))
    }
}

/// The state's `[first_old_root, last_new_root]` after a step (see the module documentation).
/// `count` is the count before this step's absorption, `xs` the processed proof's inputs.
pub fn chain_roots<CS: ConstraintSystem<Fr>>(
    cs: &mut CS,
    mode: Option<RollupInputs>,
    absorb: &Bit,
    count: &Num,
    roots: &[Num; 2],
    xs: &[Num],
) -> Result<[Num; 2]> {
    let Some(mode) = mode else {
        return Ok(roots.clone());
    };
    let (old, new) = match (xs.get(mode.old_root), xs.get(mode.new_root)) {
        (Some(o), Some(n)) => (o, n),
        _ => return Err(Error::Input("root positions outside the inputs".into())),
    };
    // is_first = (count == 0), by the is-zero gadget.
    let first_val = count.val == Fr::ZERO;
    let inv_val = count.val.invert().unwrap_or(Fr::ZERO);
    let inv = cs.alloc(|| "count inverse", || Ok(inv_val))?;
    let is_first = cs.alloc(
        || "is first",
        || Ok(if first_val { Fr::ONE } else { Fr::ZERO }),
    )?;
    cs.enforce(
        || "count * inv = 1 - is_first",
        |l| l + &count.lc,
        |l| l + inv,
        |l| l + one() - is_first,
    );
    cs.enforce(
        || "count * is_first = 0",
        |l| l + &count.lc,
        |l| l + is_first,
        |l| l,
    );
    let is_first = Bit {
        lc: nova_snark::frontend::LinearCombination::zero() + is_first,
        val: first_val,
        is_const: false,
    };
    let later = absorb.and(&mut cs.namespace(|| "absorb later"), &is_first.not())?;
    cs.enforce(
        || "old_root = previous new_root",
        |l| l + &later.lc,
        |l| l + &old.lc - &roots[1].lc,
        |l| l,
    );
    let first = Bit {
        lc: absorb.lc.clone() - &later.lc,
        val: absorb.val && first_val,
        is_const: false,
    };
    let first_old = select_num(
        &mut cs.namespace(|| "first old_root"),
        &first,
        old,
        &roots[0],
    )?;
    let last_new = select_num(
        &mut cs.namespace(|| "last new_root"),
        absorb,
        new,
        &roots[1],
    )?;
    Ok([first_old, last_new])
}
