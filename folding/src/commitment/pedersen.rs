//! Pedersen vector commitments on Grumpkin: the CycleFold witnesses' commitments.
//!
//! `Com(v) = sum_i v_i G_i` for generators `G_i` that come out of halo2curves' hash-to-curve on
//! Grumpkin (SvdW map, SHA-256 expander) applied to a public label and the index `i`: nobody
//! knows a discrete-log relation between them, which is what makes the commitment binding
//! (a second opening of the same point is such a relation).
//!
//! There is **no blinding** term, so the commitment is not hiding. Nothing here needs hiding:
//! the CycleFold witness only holds the coordinates and slopes of a scalar multiplication whose
//! inputs (the primary commitments, the challenge) are public, and the batch statements being
//! aggregated are public too. Dropping the blinder keeps the folded commitment a plain linear
//! function of `W || E`, which is exactly what folding needs.

use crate::{Error, Fq, GrumpkinAffine, Result};
use halo2curves::group::prime::PrimeCurveAffine;
use halo2curves::group::Curve;
use halo2curves::grumpkin::G1 as GrumpkinPoint;
use halo2curves::CurveExt;
use rayon::prelude::*;
use serde::{Deserialize, Serialize};

/// Hash-to-curve domain of the generators; the caller's label goes into every message.
const DOMAIN: &str = "zkagg-folding/pedersen/grumpkin/v1";

/// A Pedersen commitment key: `n` independent Grumpkin generators.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct PedersenKey {
    gens: Vec<GrumpkinAffine>,
}

impl PedersenKey {
    /// Derives `n` generators deterministically from `label` ("nothing up the sleeve"):
    /// `G_i = HashToCurve_DOMAIN(len(label) as u64 LE || label || i as u64 LE)`. The length
    /// prefix makes the message encoding injective in `(label, i)`, so distinct labels or
    /// indices never share a generator (except with hash-collision probability).
    pub fn new(label: &[u8], n: usize) -> Self {
        let gens: Vec<GrumpkinAffine> = (0..n)
            .into_par_iter()
            .map_init(
                || GrumpkinPoint::hash_to_curve(DOMAIN),
                |hasher, i| {
                    let mut msg = Vec::with_capacity(16 + label.len());
                    msg.extend_from_slice(&(label.len() as u64).to_le_bytes());
                    msg.extend_from_slice(label);
                    msg.extend_from_slice(&(i as u64).to_le_bytes());
                    hasher(&msg).to_affine()
                },
            )
            .collect();
        Self { gens }
    }

    /// Number of generators.
    pub fn len(&self) -> usize {
        self.gens.len()
    }

    /// Whether the key has no generators.
    pub fn is_empty(&self) -> bool {
        self.gens.is_empty()
    }

    /// The generators.
    pub fn generators(&self) -> &[GrumpkinAffine] {
        &self.gens
    }

    /// `Com(v) = sum_i v_i G_i` over the first `v.len()` generators (identity for an all-zero or
    /// empty vector); `Error::Key` if `v` is longer than the key.
    pub fn commit(&self, v: &[Fq]) -> Result<GrumpkinAffine> {
        self.commit_at(0, v)
    }

    /// `sum_i v_i G_{offset + i}`: commits with the generators `[offset, offset + v.len())`, so
    /// that two vectors committed at disjoint offsets add up to the commitment of their
    /// concatenation. `Error::Key` if that range does not fit in the key.
    pub fn commit_at(&self, offset: usize, v: &[Fq]) -> Result<GrumpkinAffine> {
        let end = offset
            .checked_add(v.len())
            .filter(|&e| e <= self.gens.len())
            .ok_or_else(|| {
                Error::Key(format!(
                    "Pedersen key has {} generators, {} needed from offset {offset}",
                    self.gens.len(),
                    v.len()
                ))
            })?;
        if v.is_empty() {
            return Ok(GrumpkinAffine::identity());
        }
        Ok(nova_snark::provider::msm::msm(v, &self.gens[offset..end]).to_affine())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use ff::Field;
    use halo2curves::group::Group;
    use halo2curves::CurveAffine;
    use rand::SeedableRng;

    #[test]
    fn pedersen_deterministic_linear_and_bounded() {
        let k = PedersenKey::new(b"test", 40);
        assert_eq!(k.len(), 40);
        assert_eq!(k, PedersenKey::new(b"test", 40));
        assert_ne!(k.gens[0], PedersenKey::new(b"tesu", 1).gens[0]);
        // all distinct and on the curve, none the identity
        for (i, g) in k.gens.iter().enumerate() {
            assert!(bool::from(g.is_on_curve()));
            assert!(!bool::from(g.is_identity()));
            for h in &k.gens[..i] {
                assert_ne!(g, h);
            }
        }
        // a prefix of a longer key is the shorter key
        assert_eq!(PedersenKey::new(b"test", 10).gens, k.gens[..10]);

        let mut rng = rand_chacha::ChaCha20Rng::seed_from_u64(1);
        let v: Vec<Fq> = (0..30).map(|_| Fq::random(&mut rng)).collect();
        let naive = v
            .iter()
            .zip(&k.gens)
            .fold(GrumpkinPoint::identity(), |acc, (s, g)| acc + *g * s);
        assert_eq!(k.commit(&v).unwrap(), naive.to_affine());
        // commit(a || b) = commit(a) + commit_at(len a, b)
        let (a, b) = v.split_at(12);
        let sum = k.commit(a).unwrap().to_curve() + k.commit_at(12, b).unwrap();
        assert_eq!(sum.to_affine(), k.commit(&v).unwrap());
        assert!(bool::from(k.commit(&[Fq::ZERO; 7]).unwrap().is_identity()));
        assert!(bool::from(k.commit(&[]).unwrap().is_identity()));
        assert!(k.commit(&vec![Fq::ONE; 41]).is_err());
        assert!(k.commit_at(35, &v[..6]).is_err());
        assert!(k.commit_at(usize::MAX, &v[..6]).is_err());
        assert!(k.commit_at(34, &v[..6]).is_ok());
    }
}
