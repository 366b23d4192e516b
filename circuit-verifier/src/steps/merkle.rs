//! # The statement tree in the steps: one Merkle path per step
//!
//! The state commits to the ordered list of absorbed statements by the root of the Poseidon
//! Merkle tree of [`zkagg_core::statements`] (depth [`STATEMENT_TREE_DEPTH`], leaf
//! `sponge(StatementLeaf; vk_hash, x_1..x_n)`, node `hash(StatementNode, left, right)`, empty
//! slots `0`), kept incrementally: the root, the leaf count (the state's `count`) and a frontier
//! of `D` nodes. Every step (uniformity) hashes the leaf of the proof it processes (the absorbed
//! proof or the dummy) and walks one path of `D` node hashes from slot `count`; the results are
//! kept only when the step absorbs.
//!
//! **Soundness.** The slot is `count`, decomposed into `D + 1` bits in the circuit (the
//! decomposition is unique: `D + 1 < 254`), and absorbing requires bit `D` to be `0`, so at most
//! `2^D` proofs are absorbed and slot `i` receives exactly the `i`-th absorbed proof. At level `l`
//! with bit `b`, `left = b ? frontier[l] : cur`, `right = b ? cur : Z_l`, `frontier[l] <- left`
//! (all selections are constraints on the circuit's own values; nothing here is a prover hint
//! besides the count's bits, which the decomposition pins). By induction on the number of
//! absorbed leaves, `frontier[l]` holds the last left node of level `l` with every leaf of its
//! subtree appended before, and the new root is the root of the tree of all leaves appended so
//! far (the algorithm [`zkagg_core::statements::StatementFrontier`] implements natively; the
//! tests compare the two). `z_0` holds the empty tree's root `Z_D`, count `0`, frontier `0`.

use super::select_num;
use crate::convert::{fr_from_ark, fr_to_biguint, Fr};
use crate::field::{one, scaled, Bit};
use crate::hash::{permute, Num, Transcript};
use crate::Result;
use ff::Field;
use nova_snark::frontend::{ConstraintSystem, LinearCombination};
use zkagg_core::poseidon::Domain;
pub use zkagg_core::statements::STATEMENT_TREE_DEPTH;

/// The leaf of one statement, `sponge(StatementLeaf; vk_hash, x_1..x_n)` (equal to
/// [`zkagg_core::statements::statement_leaf`]).
pub fn leaf<CS: ConstraintSystem<Fr>>(cs: &mut CS, vk_hash: Fr, inputs: &[Num]) -> Result<Num> {
    let mut t = Transcript::new(fr_from_ark(&Domain::StatementLeaf.tag()));
    t.absorb(&mut cs.namespace(|| "vk_hash"), &[Num::constant(vk_hash)])?;
    t.absorb(&mut cs.namespace(|| "inputs"), inputs)?;
    t.squeeze(&mut cs.namespace(|| "squeeze"))
}

/// `hash(StatementNode, left, right)` (one permutation).
fn node<CS: ConstraintSystem<Fr>>(cs: &mut CS, left: &Num, right: &Num) -> Result<Num> {
    let tag = Num::constant(fr_from_ark(&Domain::StatementNode.tag()));
    let out = permute(cs, &[tag, left.clone(), right.clone()])?;
    Ok(out[1].clone())
}

/// The roots of empty subtrees `Z_0..Z_{D-1}` as circuit constants.
fn empty_roots() -> Vec<Fr> {
    zkagg_core::statements::empty_roots(STATEMENT_TREE_DEPTH)
        .iter()
        .map(fr_from_ark)
        .collect()
}

/// The root of the empty tree, `Z_D` (the initial state's root).
pub fn empty_tree_root() -> Fr {
    let z = zkagg_core::statements::empty_roots(STATEMENT_TREE_DEPTH);
    fr_from_ark(&z[STATEMENT_TREE_DEPTH])
}

/// The tree after a step: the root and the frontier.
pub struct TreeUpdate {
    /// The root (the new one if the step absorbs, else the old one).
    pub root: Num,
    /// The frontier (likewise).
    pub frontier: Vec<Num>,
}

/// Appends `leaf` at slot `count` when `absorb` is set, otherwise keeps `root` and `frontier`
/// (see the module documentation for the soundness argument). `count` is the count *before*
/// this step's absorption.
pub fn append<CS: ConstraintSystem<Fr>>(
    cs: &mut CS,
    absorb: &Bit,
    count: &Num,
    root: &Num,
    frontier: &[Num],
    leaf: &Num,
) -> Result<TreeUpdate> {
    let depth = STATEMENT_TREE_DEPTH;
    if frontier.len() != depth {
        return Err(crate::Error::Input(format!(
            "statement frontier of {} nodes, expected {depth}",
            frontier.len()
        )));
    }
    // The slot: `count` in D + 1 bits (unique), and no absorption into a full tree.
    let cv = fr_to_biguint(&count.val);
    let mut bits = Vec::with_capacity(depth + 1);
    let mut sum = LinearCombination::zero();
    let mut c = Fr::ONE;
    for i in 0..=depth {
        let b = Bit::alloc(
            &mut cs.namespace(|| format!("count bit {i}")),
            cv.bit(i as u64),
        )?;
        sum = sum + &scaled(&b.lc, c);
        c = c.double();
        bits.push(b);
    }
    cs.enforce(
        || "count bits",
        |l| l + &sum,
        |l| l + one(),
        |l| l + &count.lc,
    );
    cs.enforce(
        || "absorb only into a tree with room",
        |l| l + &absorb.lc,
        |l| l + &bits[depth].lc,
        |l| l,
    );
    let zeros = empty_roots();
    let mut cur = leaf.clone();
    let mut new_frontier = Vec::with_capacity(depth);
    for (l, (b, f)) in bits.iter().zip(frontier).enumerate() {
        let mut cs = cs.namespace(|| format!("level {l}"));
        let z = Num::constant(zeros[l]);
        let left = select_num(&mut cs.namespace(|| "left"), b, f, &cur)?;
        let right = select_num(&mut cs.namespace(|| "right"), b, &cur, &z)?;
        new_frontier.push(select_num(
            &mut cs.namespace(|| "frontier"),
            absorb,
            &left,
            f,
        )?);
        cur = node(&mut cs.namespace(|| "node"), &left, &right)?;
    }
    let root = select_num(&mut cs.namespace(|| "root"), absorb, &cur, root)?;
    Ok(TreeUpdate {
        root,
        frontier: new_frontier,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::convert::fr_to_ark;
    use crate::cs::CheckCS;
    use zkagg_core::statements::{statement_leaf, StatementFrontier, StatementTree};

    fn var(cs: &mut CheckCS, v: Fr) -> Num {
        let x = cs.alloc(|| "v", || Ok(v)).unwrap();
        Num {
            lc: LinearCombination::zero() + x,
            val: v,
        }
    }

    /// The leaf and the incremental root in the circuit equal the native ones, leaf after leaf;
    /// a step that does not absorb keeps the tree; a full tree refuses to absorb.
    #[test]
    fn in_circuit_tree_equals_native_tree() {
        let vk_hash = Fr::from(1234u64);
        let depth = STATEMENT_TREE_DEPTH;
        let mut native = StatementFrontier::new(depth).unwrap();
        let mut cs = CheckCS::new();
        let mut root = var(&mut cs, empty_tree_root());
        let mut frontier: Vec<Num> = (0..depth).map(|_| var(&mut cs, Fr::ZERO)).collect();
        let mut leaves = Vec::new();
        for i in 0..6u64 {
            let inputs: Vec<Num> = (0..3)
                .map(|j| var(&mut cs, Fr::from(100 * i + j)))
                .collect();
            let before = cs.num_constraints();
            let l = leaf(&mut cs, vk_hash, &inputs).unwrap();
            let xs: Vec<ark_bn254::Fr> = inputs.iter().map(|x| fr_to_ark(&x.val)).collect();
            let native_leaf = statement_leaf(fr_to_ark(&vk_hash), &xs);
            assert_eq!(fr_to_ark(&l.val), native_leaf);
            assert_eq!(fr_to_ark(&cs.eval(&l.lc)), native_leaf);
            let count = var(&mut cs, Fr::from(i));
            let absorb = Bit::alloc(&mut cs, true).unwrap();
            let up = append(&mut cs, &absorb, &count, &root, &frontier, &l).unwrap();
            if i == 0 {
                println!(
                    "statement leaf + tree append (depth {depth}): {} constraints",
                    cs.num_constraints() - before
                );
            }
            native.push(native_leaf).unwrap();
            leaves.push(native_leaf);
            assert_eq!(
                fr_to_ark(&up.root.val),
                native.root,
                "root after {} leaves",
                i + 1
            );
            assert_eq!(
                fr_to_ark(&up.root.val),
                StatementTree::with_leaves(depth, &leaves).unwrap().root()
            );
            for (f, n) in up.frontier.iter().zip(&native.frontier) {
                assert_eq!(fr_to_ark(&f.val), *n);
            }
            // A step that does not absorb keeps root and frontier.
            let no = Bit::alloc(&mut cs, false).unwrap();
            let count_next = var(&mut cs, Fr::from(i + 1));
            let kept = append(&mut cs, &no, &count_next, &up.root, &up.frontier, &l).unwrap();
            assert_eq!(kept.root.val, up.root.val);
            root = up.root;
            frontier = up.frontier;
        }
        assert!(cs.is_satisfied(), "{:?}", cs.which_is_unsatisfied());
        // A wrong leaf gives another root.
        let mut cs2 = CheckCS::new();
        let r = var(&mut cs2, empty_tree_root());
        let f: Vec<Num> = (0..depth).map(|_| var(&mut cs2, Fr::ZERO)).collect();
        let c = var(&mut cs2, Fr::ZERO);
        let a = Bit::alloc(&mut cs2, true).unwrap();
        let other = var(&mut cs2, Fr::from(5u64));
        let up = append(&mut cs2, &a, &c, &r, &f, &other).unwrap();
        let one_leaf = StatementTree::with_leaves(depth, &leaves[..1])
            .unwrap()
            .root();
        assert_ne!(fr_to_ark(&up.root.val), one_leaf);
        // A full tree (count = 2^D) cannot absorb.
        let mut cs3 = CheckCS::new();
        let r = var(&mut cs3, empty_tree_root());
        let f: Vec<Num> = (0..depth).map(|_| var(&mut cs3, Fr::ZERO)).collect();
        let c = var(&mut cs3, Fr::from(1u64 << depth));
        let a = Bit::alloc(&mut cs3, true).unwrap();
        let l = var(&mut cs3, Fr::from(5u64));
        append(&mut cs3, &a, &c, &r, &f, &l).unwrap();
        assert!(!cs3.is_satisfied());
    }
}
