//! # The aggregate's statement tree: which proofs an aggregate covers, with short inclusion proofs
//!
//! An aggregate of `N` proofs under one verifying key commits to the **ordered list** of the
//! statements it covers by the root of a Poseidon Merkle tree of fixed depth `D`
//! ([`STATEMENT_TREE_DEPTH`] = 16, so at most `2^16 = 65,536` proofs per aggregate):
//!
//! - leaf `i` is [`statement_leaf`]`(vk_hash, x_i)` for the `i`-th absorbed proof's public inputs
//!   `x_i`: the sponge [`crate::poseidon::sponge`] with domain `StatementLeaf` over
//!   `[vk_hash, x_i...]` (a statement is `(vk_hash, public inputs)`);
//! - slots `N..2^D` are empty and hold `0` (no leaf is `0` but with negligible probability:
//!   [`InclusionProof::verify`] refuses a zero leaf);
//! - an inner node is `hash(StatementNode, left, right)`; so the root of an empty subtree of height
//!   `l` is `Z_l` with `Z_0 = 0`, `Z_{l+1} = hash(StatementNode, Z_l, Z_l)` ([`empty_roots`]).
//!
//! The step circuits of `zkagg-circuit-verifier` maintain the same root incrementally with a
//! frontier of `D` nodes ([`StatementFrontier`], the algorithm of the step circuit, one path of
//! `D` hashes per absorbed proof). A dapp that knows an aggregate's root checks that one batch is
//! covered with an [`InclusionProof`]: the leaf's index and its `D` siblings (`D + 1` field
//! elements, `D` hashes to verify).
//!
//! Position convention (as in [`crate::batch::merkle_root_from_path`]): at level `l` the running
//! node is a right child iff bit `l` of the index is set; `siblings[0]` is the leaf's sibling.

use ark_ff::AdditiveGroup;

use crate::poseidon::{hash, sponge, Domain};
use crate::{Error, Fr, Result};

/// Depth of the statement tree used by the aggregation steps: `2^16 = 65,536` proofs at most.
pub const STATEMENT_TREE_DEPTH: usize = 16;
/// Largest depth accepted by the native API (indices are `u64`, and deeper trees make no sense).
pub const MAX_STATEMENT_TREE_DEPTH: usize = 48;

/// The leaf of one statement: `sponge(StatementLeaf; vk_hash, x_1, ..., x_n)`.
///
/// `vk_hash` is [`crate::vk_hash::vk_hash_field`] of the key; the key fixes `n`, so the sponge's
/// zero padding is unambiguous.
pub fn statement_leaf(vk_hash: Fr, public_inputs: &[Fr]) -> Fr {
    let mut elems = Vec::with_capacity(public_inputs.len() + 1);
    elems.push(vk_hash);
    elems.extend_from_slice(public_inputs);
    sponge(Domain::StatementLeaf, &elems)
}

/// One inner node: `hash(StatementNode, left, right)`.
pub fn node_hash(left: Fr, right: Fr) -> Fr {
    hash(Domain::StatementNode, left, right)
}

/// `Z_0..Z_depth`: the roots of empty subtrees of heights `0..=depth` (`Z_0 = 0`).
pub fn empty_roots(depth: usize) -> Vec<Fr> {
    let mut out = Vec::with_capacity(depth + 1);
    let mut z = Fr::ZERO;
    out.push(z);
    for _ in 0..depth {
        z = node_hash(z, z);
        out.push(z);
    }
    out
}

fn check_depth(depth: usize) -> Result<()> {
    if depth == 0 || depth > MAX_STATEMENT_TREE_DEPTH {
        return Err(Error::Inclusion(format!(
            "statement tree depth must be between 1 and {MAX_STATEMENT_TREE_DEPTH}, got {depth}"
        )));
    }
    Ok(())
}

/// The ordered list of leaves of an aggregate, with its root and inclusion proofs.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct StatementTree {
    depth: usize,
    leaves: Vec<Fr>,
}

impl StatementTree {
    /// An empty tree of `2^depth` slots.
    pub fn new(depth: usize) -> Result<Self> {
        check_depth(depth)?;
        Ok(Self {
            depth,
            leaves: Vec::new(),
        })
    }

    /// A tree holding `leaves` in slots `0..leaves.len()`.
    pub fn with_leaves(depth: usize, leaves: &[Fr]) -> Result<Self> {
        let mut tree = Self::new(depth)?;
        for leaf in leaves {
            tree.push(*leaf)?;
        }
        Ok(tree)
    }

    /// The tree of the statements `(vk_hash, inputs_i)`, in order.
    pub fn from_statements(depth: usize, vk_hash: Fr, inputs: &[Vec<Fr>]) -> Result<Self> {
        let leaves: Vec<Fr> = inputs.iter().map(|x| statement_leaf(vk_hash, x)).collect();
        Self::with_leaves(depth, &leaves)
    }

    /// The depth `D`.
    pub fn depth(&self) -> usize {
        self.depth
    }

    /// The leaves, in slot order.
    pub fn leaves(&self) -> &[Fr] {
        &self.leaves
    }

    /// Appends a leaf; returns its index. Refuses a full tree and the empty-slot value `0`.
    pub fn push(&mut self, leaf: Fr) -> Result<u64> {
        let index = self.leaves.len() as u64;
        if index >> self.depth != 0 {
            return Err(Error::Inclusion(format!(
                "statement tree of depth {} is full ({} leaves)",
                self.depth, index
            )));
        }
        if leaf == Fr::ZERO {
            return Err(Error::Inclusion(
                "a leaf cannot be 0 (the empty slot)".into(),
            ));
        }
        self.leaves.push(leaf);
        Ok(index)
    }

    /// The nodes of level `l` that are not empty subtrees (`ceil(n / 2^l)` of them).
    fn levels(&self) -> Vec<Vec<Fr>> {
        let zeros = empty_roots(self.depth);
        let mut levels = Vec::with_capacity(self.depth + 1);
        let mut cur = self.leaves.clone();
        for z in zeros.iter().take(self.depth) {
            let next: Vec<Fr> = cur
                .chunks(2)
                .map(|pair| node_hash(pair[0], pair.get(1).copied().unwrap_or(*z)))
                .collect();
            levels.push(cur);
            cur = next;
        }
        levels.push(cur);
        levels
    }

    /// The root (`Z_D` for an empty tree). `O(n + D)` hashes.
    pub fn root(&self) -> Fr {
        self.levels()
            .last()
            .and_then(|top| top.first().copied())
            .unwrap_or_else(|| empty_roots(self.depth)[self.depth])
    }

    /// The inclusion proof of leaf `index` (which must hold a leaf).
    pub fn prove(&self, index: u64) -> Result<InclusionProof> {
        let n = self.leaves.len() as u64;
        if index >= n {
            return Err(Error::Inclusion(format!(
                "no leaf {index}: the tree holds {n} leaves"
            )));
        }
        let zeros = empty_roots(self.depth);
        let levels = self.levels();
        let mut siblings = Vec::with_capacity(self.depth);
        for (l, nodes) in levels.iter().take(self.depth).enumerate() {
            let pos = (index >> l) ^ 1;
            let sibling = usize::try_from(pos)
                .ok()
                .and_then(|p| nodes.get(p).copied())
                .unwrap_or(zeros[l]);
            siblings.push(sibling);
        }
        Ok(InclusionProof { index, siblings })
    }
}

/// A proof that a leaf sits at `index` under a root: `D` siblings, bottom-up.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct InclusionProof {
    /// The leaf's slot (its position among the aggregate's absorbed proofs, from 0).
    pub index: u64,
    /// The `D` siblings, `siblings[0]` next to the leaf.
    pub siblings: Vec<Fr>,
}

impl InclusionProof {
    /// The root that `leaf` at `self.index` with these siblings hashes to. Refuses an index that
    /// does not name a slot of a tree of `siblings.len()` levels.
    pub fn compute_root(&self, leaf: Fr) -> Result<Fr> {
        let depth = self.siblings.len();
        check_depth(depth)?;
        if self.index >> depth != 0 {
            return Err(Error::Inclusion(format!(
                "index {} is outside a tree of depth {depth}",
                self.index
            )));
        }
        let mut node = leaf;
        for (l, sibling) in self.siblings.iter().enumerate() {
            node = if (self.index >> l) & 1 == 1 {
                node_hash(*sibling, node)
            } else {
                node_hash(node, *sibling)
            };
        }
        Ok(node)
    }

    /// Whether `leaf` sits at `self.index` of the tree of depth `depth` and root `root`.
    ///
    /// `Ok(false)` when the path does not lead to `root` (wrong leaf, index or sibling); an error
    /// for a malformed proof: a sibling count other than `depth`, an index outside the tree, or
    /// the leaf `0` (an empty slot, never a statement).
    pub fn verify(&self, depth: usize, root: Fr, leaf: Fr) -> Result<bool> {
        if self.siblings.len() != depth {
            return Err(Error::Inclusion(format!(
                "{} siblings for a tree of depth {depth}",
                self.siblings.len()
            )));
        }
        if leaf == Fr::ZERO {
            return Err(Error::Inclusion(
                "the leaf 0 is an empty slot, not a statement".into(),
            ));
        }
        Ok(self.compute_root(leaf)? == root)
    }
}

impl InclusionProof {
    /// JSON text: `{"index": "3", "siblings": ["<decimal>", ...]}` (`siblings[0]` next to the
    /// leaf; the numbers canonical decimal strings as in snarkjs files).
    pub fn to_json(&self) -> String {
        let siblings: Vec<String> = self
            .siblings
            .iter()
            .map(crate::formats::snarkjs::to_decimal)
            .collect();
        serde_json::json!({ "index": self.index.to_string(), "siblings": siblings }).to_string()
    }

    /// Parse [`Self::to_json`]'s form (the index may also be a JSON integer). Errors name the
    /// member; the depth is checked by [`Self::verify`].
    pub fn from_json(text: &str) -> Result<Self> {
        use crate::formats::snarkjs::parse_decimal;
        let value: serde_json::Value = serde_json::from_str(text)
            .map_err(|e| Error::Inclusion(format!("inclusion proof: not JSON: {e}")))?;
        let index = match value.get("index") {
            Some(serde_json::Value::String(s))
                if !s.is_empty()
                    && s.bytes().all(|b| b.is_ascii_digit())
                    && (s == "0" || !s.starts_with('0')) =>
            {
                s.parse::<u64>()
                    .map_err(|_| Error::Inclusion("inclusion proof: index: too large".into()))?
            }
            Some(serde_json::Value::Number(n)) => n.as_u64().ok_or_else(|| {
                Error::Inclusion("inclusion proof: index: not a non-negative integer".into())
            })?,
            Some(_) => {
                return Err(Error::Inclusion(
                    "inclusion proof: index: not a canonical decimal integer".into(),
                ))
            }
            None => return Err(Error::Inclusion("inclusion proof: index: missing".into())),
        };
        let list = value
            .get("siblings")
            .and_then(|s| s.as_array())
            .ok_or_else(|| {
                Error::Inclusion("inclusion proof: siblings: missing or not an array".into())
            })?;
        if list.len() > MAX_STATEMENT_TREE_DEPTH {
            return Err(Error::Inclusion(format!(
                "inclusion proof: siblings: {} entries, at most {MAX_STATEMENT_TREE_DEPTH}",
                list.len()
            )));
        }
        let siblings = list
            .iter()
            .enumerate()
            .map(|(i, v)| {
                let text = v.as_str().ok_or_else(|| {
                    Error::Inclusion(format!("inclusion proof: siblings[{i}]: not a string"))
                })?;
                parse_decimal::<Fr>(text, &format!("siblings[{i}]"))
                    .map_err(|e| Error::Inclusion(format!("inclusion proof: {e}")))
            })
            .collect::<Result<Vec<_>>>()?;
        Ok(Self { index, siblings })
    }
}

/// The incremental form kept by the step circuits: the number of leaves, the root, and for each
/// level the last left node written there (`frontier[l]`).
///
/// Appending leaf `i` walks up one path: at level `l` with bit `b = bit l of i`, the running node
/// `cur` (the leaf at level 0) is a left child if `b = 0` (its right sibling is still empty, `Z_l`,
/// and `frontier[l] <- cur`), a right child if `b = 1` (its left sibling is `frontier[l]`, final
/// since every leaf of that subtree was appended before); `cur <- hash(left, right)`. After `D`
/// levels `cur` is the new root. The circuit does exactly this with `left = b ? frontier : cur`,
/// `right = b ? cur : Z_l` and `frontier[l] <- left`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct StatementFrontier {
    /// Leaves appended.
    pub count: u64,
    /// The current root.
    pub root: Fr,
    /// `frontier[l]`, `l = 0..D` (initially `0`).
    pub frontier: Vec<Fr>,
}

impl StatementFrontier {
    /// The empty tree of depth `depth`.
    pub fn new(depth: usize) -> Result<Self> {
        check_depth(depth)?;
        Ok(Self {
            count: 0,
            root: empty_roots(depth)[depth],
            frontier: vec![Fr::ZERO; depth],
        })
    }

    /// Appends a leaf (refuses a full tree and the leaf `0`).
    pub fn push(&mut self, leaf: Fr) -> Result<()> {
        let depth = self.frontier.len();
        if self.count >> depth != 0 {
            return Err(Error::Inclusion(format!(
                "statement tree of depth {depth} is full"
            )));
        }
        if leaf == Fr::ZERO {
            return Err(Error::Inclusion(
                "a leaf cannot be 0 (the empty slot)".into(),
            ));
        }
        let zeros = empty_roots(depth);
        let mut cur = leaf;
        for (l, f) in self.frontier.iter_mut().enumerate() {
            let (left, right) = if (self.count >> l) & 1 == 1 {
                (*f, cur)
            } else {
                (cur, zeros[l])
            };
            *f = left;
            cur = node_hash(left, right);
        }
        self.root = cur;
        self.count += 1;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use ark_ff::UniformRand;
    use rand::SeedableRng;
    use rand_chacha::ChaCha20Rng;

    fn leaves(n: usize) -> Vec<Fr> {
        let mut rng = ChaCha20Rng::seed_from_u64(9);
        (0..n)
            .map(|i| statement_leaf(Fr::from(77u64), &[Fr::rand(&mut rng), Fr::from(i as u64)]))
            .collect()
    }

    /// The root of the full tree, by the definition (every slot, no shortcut).
    fn root_by_definition(depth: usize, leaves: &[Fr]) -> Fr {
        let mut level: Vec<Fr> = (0..1usize << depth)
            .map(|i| leaves.get(i).copied().unwrap_or(Fr::ZERO))
            .collect();
        while level.len() > 1 {
            level = level.chunks(2).map(|p| node_hash(p[0], p[1])).collect();
        }
        level[0]
    }

    #[test]
    fn root_frontier_and_definition_agree() {
        for depth in [1, 2, 5] {
            for n in 0..=(1usize << depth).min(20) {
                let ls = leaves(n);
                let tree = StatementTree::with_leaves(depth, &ls).unwrap();
                let mut frontier = StatementFrontier::new(depth).unwrap();
                for l in &ls {
                    frontier.push(*l).unwrap();
                }
                let expected = root_by_definition(depth, &ls);
                assert_eq!(tree.root(), expected, "depth {depth}, {n} leaves");
                assert_eq!(
                    frontier.root, expected,
                    "frontier, depth {depth}, {n} leaves"
                );
                assert_eq!(frontier.count, n as u64);
            }
        }
        // The production depth, a few leaves (the sparse computation never builds 2^16 slots).
        let ls = leaves(5);
        let tree = StatementTree::with_leaves(STATEMENT_TREE_DEPTH, &ls).unwrap();
        let mut frontier = StatementFrontier::new(STATEMENT_TREE_DEPTH).unwrap();
        for l in &ls {
            frontier.push(*l).unwrap();
        }
        assert_eq!(tree.root(), frontier.root);
    }

    #[test]
    fn inclusion_proofs_verify_and_reject_tampering() {
        let depth = STATEMENT_TREE_DEPTH;
        let ls = leaves(7);
        let tree = StatementTree::with_leaves(depth, &ls).unwrap();
        let root = tree.root();
        for (i, leaf) in ls.iter().enumerate() {
            let proof = tree.prove(i as u64).unwrap();
            assert_eq!(proof.siblings.len(), depth);
            assert!(proof.verify(depth, root, *leaf).unwrap(), "leaf {i}");
        }
        let proof = tree.prove(3).unwrap();
        // Wrong leaf (another statement, or this one under another key).
        assert!(!proof.verify(depth, root, ls[4]).unwrap());
        assert!(!proof.verify(depth, root, ls[3] + Fr::from(1u64)).unwrap());
        // Wrong index: the same siblings claimed for slot 2, an empty slot, or the mirrored slot.
        for index in [2u64, 7, 3 + (1 << 10)] {
            let moved = InclusionProof {
                index,
                siblings: proof.siblings.clone(),
            };
            assert!(!moved.verify(depth, root, ls[3]).unwrap(), "index {index}");
        }
        // Wrong sibling at every level.
        for l in 0..depth {
            let mut bad = proof.clone();
            bad.siblings[l] += Fr::from(1u64);
            assert!(!bad.verify(depth, root, ls[3]).unwrap(), "sibling {l}");
        }
        // Wrong root.
        assert!(!proof.verify(depth, root + Fr::from(1u64), ls[3]).unwrap());
        // Malformed: wrong sibling count, index outside the tree, the empty leaf.
        let mut short = proof.clone();
        short.siblings.pop();
        assert!(short.verify(depth, root, ls[3]).is_err());
        let outside = InclusionProof {
            index: 1 << depth,
            siblings: proof.siblings.clone(),
        };
        assert!(outside.verify(depth, root, ls[3]).is_err());
        assert!(proof.verify(depth, root, Fr::ZERO).is_err());
        // No proof for an empty slot.
        assert!(tree.prove(7).is_err());
    }

    #[test]
    fn full_tree_and_zero_leaf_are_refused() {
        let mut tree = StatementTree::new(2).unwrap();
        let mut frontier = StatementFrontier::new(2).unwrap();
        for l in leaves(4) {
            tree.push(l).unwrap();
            frontier.push(l).unwrap();
        }
        assert!(tree.push(leaves(1)[0]).is_err());
        assert!(frontier.push(leaves(1)[0]).is_err());
        assert!(StatementTree::new(3).unwrap().push(Fr::ZERO).is_err());
        assert!(StatementTree::new(0).is_err());
        assert!(StatementTree::new(MAX_STATEMENT_TREE_DEPTH + 1).is_err());
    }

    #[test]
    fn leaf_binds_key_and_inputs() {
        let x = [Fr::from(1u64), Fr::from(2u64), Fr::from(3u64)];
        let a = statement_leaf(Fr::from(5u64), &x);
        assert_ne!(a, statement_leaf(Fr::from(6u64), &x));
        assert_ne!(a, statement_leaf(Fr::from(5u64), &[x[0], x[2], x[1]]));
        // The leaf domain differs from the node domain.
        assert_ne!(
            statement_leaf(Fr::from(1u64), &[Fr::from(2u64)]),
            node_hash(Fr::from(1u64), Fr::from(2u64))
        );
    }

    #[test]
    fn inclusion_proofs_round_trip_through_json_and_malformed_json_is_named() {
        let tree = StatementTree::with_leaves(STATEMENT_TREE_DEPTH, &leaves(5)).unwrap();
        let proof = tree.prove(3).unwrap();
        let back = InclusionProof::from_json(&proof.to_json()).unwrap();
        assert_eq!(back, proof);
        assert!(back
            .verify(STATEMENT_TREE_DEPTH, tree.root(), tree.leaves()[3])
            .unwrap());
        let cases = [
            ("[]", "index"),
            (r#"{"siblings": []}"#, "index: missing"),
            (r#"{"index": "03", "siblings": []}"#, "index"),
            (r#"{"index": -1, "siblings": []}"#, "index"),
            (r#"{"index": "1"}"#, "siblings"),
            (r#"{"index": "1", "siblings": [1]}"#, "siblings[0]"),
            (r#"{"index": "1", "siblings": ["x"]}"#, "siblings[0]"),
            ("not json", "not JSON"),
        ];
        for (text, named) in cases {
            let err = InclusionProof::from_json(text).unwrap_err().to_string();
            assert!(err.contains(named), "{text}: {err}");
        }
        let too_deep = format!(
            r#"{{"index": "0", "siblings": [{}]}}"#,
            vec!["\"0\""; MAX_STATEMENT_TREE_DEPTH + 1].join(",")
        );
        assert!(InclusionProof::from_json(&too_deep).is_err());
    }
}
